//! Biological weights -> 4-bit synapse weights under a per-row conductance setting, as marocco does it
//! (spec brainscales.md §2.7, §2.8, §6.4a, addendum §11; mapping-and-pynn.md §A6.6; marocco
//! `HICANNParameters.cpp`, calibtic `SynapseRowCalibration`).
//!
//! - Scale: g_hw = w_bio x speed-up x C_hw / cm, C_hw the sum of the logical neuron's denmem capacitances
//!   (§2.8): the conductance a synapse adds to the whole membrane ([`weight_scale`]).
//! - Row setting: each synapse row takes one of its quadrant's four V_gmax and a divisor 1..=30
//!   (`RowConfig::selgmax`, `gmax_div`); the conductance of level w is the synapse trafo scaled by
//!   V_gmax / gmax_div ([`conductance_siemens`]). Per row we take the setting whose strongest level (15) just
//!   covers the row's largest weight: the finest grid that clips nothing (marocco: "the gmax config that
//!   covers the largest requested weight"); when none covers it, the strongest setting, and the weights above
//!   its top are clipped and counted. Ties go to the lower V_gmax index, then the lower divisor.
//! - Levels: a weight between two levels' conductances is rounded up with probability equal to its
//!   fractional position and down otherwise (stochastic rounding, seeded by the caller), so the mean
//!   realised weight equals the requested one. Level 0 still conducts (93.9 nS at the reference setting):
//!   a weight below it realises level 0's conductance and is counted apart.
//! - What comes back is the realised conductance per synapse, hardware siemens; the caller divides by its
//!   scale for the realised biological weight (mapping.json's `weights`, [`WeightStats`]).

use brainscales_emu::neuron::Capacitor;
use brainscales_emu::synapse::RowConfig;
use brainscales_emu::synapse::driver::{MAX_GMAX_DIV, conductance_siemens};
use brainscales_emu::time::SpeedUp;
use rand::{Rng, RngExt};

/// Hardware siemens per biological microsiemens for a neuron of `denmems` circuits with `capacitor` and
/// PyNN capacitance `cm_nf` at `speed_up` (marocco's rule, spec §2.8).
pub fn weight_scale(cm_nf: f64, denmems: usize, capacitor: Capacitor, speed_up: SpeedUp) -> f64 {
    1e-6 * speed_up.factor() * denmems as f64 * capacitor.farad() / (cm_nf * 1e-9)
}

/// The 4-bit levels.
const LEVELS: usize = 16;

/// One synapse row quantised.
#[derive(Debug, Clone, PartialEq)]
pub struct RowWeights {
    /// The conductance setting (`selgmax`, `gmax_div`); inputs and decoders are the caller's.
    pub row: RowConfig,
    /// One 4-bit level per requested weight.
    pub weights: Vec<u8>,
    /// The conductance each level realises, hardware siemens.
    pub realised_siemens: Vec<f64>,
    /// Weights above the strongest level's conductance (clipped to it).
    pub clipped: u32,
    /// Weights below level 0's conductance (raised to it: level 0 conducts).
    pub below_floor: u32,
}

/// The 16 conductances of a setting.
fn levels(v_gmax_dac: u16, gmax_div: u8) -> [f64; LEVELS] {
    std::array::from_fn(|w| conductance_siemens(w as u8, v_gmax_dac, gmax_div))
}

/// The row setting for a row whose largest weight is `largest` (module docs): (selgmax, gmax_div).
fn best_setting(largest: f64, v_gmax_dac: [u16; 4]) -> (u8, u8) {
    let settings = (0..4u8).flat_map(|sel| (1..=MAX_GMAX_DIV).map(move |div| (sel, div)));
    let top = |&(sel, div): &(u8, u8)| conductance_siemens(15, v_gmax_dac[sel as usize], div);
    let covering = settings
        .clone()
        .filter(|s| top(s) >= largest)
        .min_by(|a, b| top(a).total_cmp(&top(b)));
    covering.unwrap_or_else(|| {
        settings
            .max_by(|a, b| top(a).total_cmp(&top(b)).then(b.cmp(a)))
            .expect("there are settings")
    })
}

/// Quantises one row's weights (hardware siemens, >= 0) onto 4-bit levels under the best setting for the
/// row, rounding stochastically with `rng` (which the caller seeds per projection, HICANN and row). The
/// setting covers the largest weight and `reach` (siemens): a plastic synapse's `w_max`, so that STDP has
/// levels to climb (0 for static rows).
pub fn quantise_row(
    weights_hw_siemens: &[f64],
    reach: f64,
    v_gmax_dac: [u16; 4],
    rng: &mut impl Rng,
) -> RowWeights {
    let largest = weights_hw_siemens.iter().copied().fold(reach, f64::max);
    let (selgmax, gmax_div) = best_setting(largest, v_gmax_dac);
    let g = levels(v_gmax_dac[selgmax as usize], gmax_div);
    let mut out = RowWeights {
        row: RowConfig {
            selgmax,
            gmax_div,
            ..RowConfig::default()
        },
        weights: Vec::with_capacity(weights_hw_siemens.len()),
        realised_siemens: Vec::with_capacity(weights_hw_siemens.len()),
        clipped: 0,
        below_floor: 0,
    };
    for &x in weights_hw_siemens {
        let level = if x >= g[LEVELS - 1] {
            out.clipped += u32::from(x > g[LEVELS - 1]);
            LEVELS - 1
        } else if x <= g[0] {
            out.below_floor += u32::from(x < g[0]);
            0
        } else {
            let k = g.partition_point(|&gk| gk <= x) - 1;
            let p = (x - g[k]) / (g[k + 1] - g[k]);
            k + usize::from(rng.random::<f64>() < p)
        };
        out.weights.push(level as u8);
        out.realised_siemens.push(g[level]);
    }
    out
}

/// Requested and realised weights of a projection, for mapping.json's `weights`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WeightStats {
    count: u64,
    requested_sum: f64,
    realised_sum: f64,
    max_error: f64,
    clipped: u64,
    raised: u64,
}

/// A projection's weight figures as mapping.json writes them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WeightSummary {
    pub projection: String,
    pub requested_mean: f64,
    pub realised_mean: f64,
    /// The largest |realised - requested| of one synapse.
    pub max_error: f64,
    /// Synapses whose weight lay above the strongest conductance their row reaches (clipped to it).
    pub clipped: u64,
    /// Synapses whose weight lay below level 0, which still conducts (raised to it).
    pub raised_to_level_0: u64,
}

impl WeightStats {
    /// One synapse's requested and realised biological weight, and whether the row clipped it at its top or
    /// raised it to level 0.
    pub fn add(&mut self, requested: f64, realised: f64, (clipped, raised): (bool, bool)) {
        self.count += 1;
        self.clipped += u64::from(clipped);
        self.raised += u64::from(raised);
        self.requested_sum += requested;
        self.realised_sum += realised;
        self.max_error = self.max_error.max((realised - requested).abs());
    }

    /// Another part of the same projection (e.g. another HICANN's rows).
    pub fn merge(&mut self, other: &WeightStats) {
        self.count += other.count;
        self.requested_sum += other.requested_sum;
        self.realised_sum += other.realised_sum;
        self.max_error = self.max_error.max(other.max_error);
        self.clipped += other.clipped;
        self.raised += other.raised;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The summary; means of an empty projection are 0.
    pub fn summary(&self, projection: &str) -> WeightSummary {
        let n = self.count.max(1) as f64;
        WeightSummary {
            projection: projection.to_owned(),
            requested_mean: self.requested_sum / n,
            realised_mean: self.realised_sum / n,
            max_error: self.max_error,
            clipped: self.clipped,
            raised_to_level_0: self.raised,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn the_worked_example_scale() {
        // Spec §6.4a: 1e4 x (4 x 2.16456 pF) / 0.2 nF = 433, so 0.005 uS -> 2,164 nS.
        let scale = weight_scale(0.2, 4, Capacitor::Big, SpeedUp::Normal);
        assert!((scale * 1e6 - 432.9).abs() < 0.1, "{scale}");
        let g = 0.005 * scale;
        assert!((g - 2.1646e-6).abs() < 1e-9);
        // Beyond the default row's 955 nS: the row takes a stronger setting that covers it.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let row = quantise_row(&[g], 0.0, [650; 4], &mut rng);
        let top = conductance_siemens(15, 650, row.row.gmax_div);
        assert!(top >= g && conductance_siemens(15, 650, row.row.gmax_div + 1) < g);
        assert_eq!((row.clipped, row.below_floor), (0, 0));
        // With the spec's (650, 4) setting the weight sits at level ~7.35 (x3.58 the reference trafo).
        let g4 = levels(650, 4);
        let k = g4.partition_point(|&x| x <= g) - 1;
        assert_eq!(k, 7);
        assert!(((g - g4[7]) / (g4[8] - g4[7]) - 0.35).abs() < 0.05);
    }

    #[test]
    fn stochastic_rounding_keeps_the_mean() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let g = levels(500, 11);
        let x = g[5] + 0.3 * (g[6] - g[5]);
        // A row whose largest weight is the reference top keeps the reference setting.
        let mut weights = vec![x; 20_000];
        weights.push(g[15]);
        let row = quantise_row(&weights, 0.0, [500, 1000, 1000, 1000], &mut rng);
        assert_eq!((row.row.selgmax, row.row.gmax_div), (0, 11));
        let n = row.weights.len() - 1;
        assert!(row.weights[..n].iter().all(|&w| w == 5 || w == 6));
        let mean = row.realised_siemens[..n].iter().sum::<f64>() / n as f64;
        // Binomial spread of the mean: sqrt(0.3 x 0.7 / 20000) x step = 0.0032 steps.
        assert!(((mean - x) / (g[6] - g[5])).abs() < 0.015, "{mean} vs {x}");
        // Seeded: the same rng gives the same levels.
        let again = quantise_row(
            &weights,
            0.0,
            [500, 1000, 1000, 1000],
            &mut Xoshiro256PlusPlus::seed_from_u64(7),
        );
        let first = quantise_row(
            &weights,
            0.0,
            [500, 1000, 1000, 1000],
            &mut Xoshiro256PlusPlus::seed_from_u64(7),
        );
        assert_eq!(again, first);
    }

    #[test]
    fn weights_beyond_the_strongest_setting_clip_and_count() {
        let strongest = conductance_siemens(15, 1000, 1);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let row = quantise_row(
            &[2.0 * strongest, 0.5 * strongest, 0.0],
            0.0,
            [1000, 500, 200, 650],
            &mut rng,
        );
        assert_eq!((row.row.selgmax, row.row.gmax_div), (0, 1));
        assert_eq!(row.weights[0], 15);
        assert_eq!(row.realised_siemens[0], strongest);
        assert_eq!(row.clipped, 1);
        // Weight 0 still conducts: it realises level 0 and is counted.
        assert_eq!((row.weights[2], row.below_floor), (0, 1));
        assert!(row.realised_siemens[2] > 0.0);
    }

    #[test]
    fn stats_give_means_and_the_largest_error() {
        let mut a = WeightStats::default();
        a.add(1.0, 1.5, (false, false));
        a.add(2.0, 1.0, (true, false));
        let mut b = WeightStats::default();
        b.add(3.0, 3.5, (false, true));
        a.merge(&b);
        let s = a.summary("p");
        assert_eq!(
            (s.requested_mean, s.realised_mean, s.max_error),
            (2.0, 2.0, 1.0)
        );
        assert_eq!((s.clipped, s.raised_to_level_0), (1, 1));
        assert_eq!(a.count(), 3);
    }
}
