//! On-wafer STDP (spec §4.1; the rule [`super::model`] accepts): the rows of each plastic projection swept by
//! their array's plasticity controller, and the final 4-bit weights read back in biological units.
//!
//! - Configuration: per HICANN and synapse array (rows 0..224 top, 224..448 bottom) holding synapses of an
//!   `STDPMechanism` projection, the controller sweeps continuously from the first to the last of their rows,
//!   with tau = tau_plus in hardware time. Additive weight dependence: the causal table steps one level up,
//!   the acausal one level down; multiplicative: NEST's tables for this hardware (Gütig's intermediate rule,
//!   steps shrinking towards the ends). Thresholds and row time are the emulator's defaults (NEST's model).
//!   PyNN's `A_plus`, `A_minus`, `w_min` and `w_max` have no counterpart: a weight moves one table step
//!   whenever a sweep finds its correlation above threshold, within the 16 levels of its row's setting.
//! - One controller per array: when projections with different rules share one, the first in projection
//!   order sets it and a warning names the others. Every synapse of a swept row is plastic, so static
//!   synapses that share those rows (rows hold a bus's synapses of one class, whatever their projection)
//!   are counted in a warning.
//! - Readback: each placed synapse's level through its row's V_gmax and divisor (`conductance_siemens`),
//!   divided by its target's scale: µS, the inverse of [`super::weights`]. Lost synapses are absent.

use std::collections::BTreeMap;

use brainscales_emu::coord::SynapseDriverOnHicann;
use brainscales_emu::image::WaferImage;
use brainscales_emu::synapse::SynapseConfig;
use brainscales_emu::synapse::array::ROWS_PER_ARRAY;
use brainscales_emu::synapse::driver::conductance_siemens;
use brainscales_emu::synapse::stdp::{Lut, NEST_ACAUSAL_LUT, NEST_CAUSAL_LUT, StdpConfig};
use brainscales_emu::time::SpeedUp;
use brainscales_emu::wafer::Wafer;
use nmemu_loader::Network;
use nmemu_loader::format::{SynapseSpec, TimingDependence, WeightDependence};
use nmemu_loader::writers::PlasticWeights;

use super::synapses::Realised;

/// The controller settings of an `STDPMechanism` at `speed_up` (all rows; [`configure`] narrows them), or
/// `None` for a static synapse.
pub fn rule(spec: &SynapseSpec, speed_up: SpeedUp) -> Option<StdpConfig> {
    let SynapseSpec::StdpMechanism {
        timing_dependence: TimingDependence::SpikePairRule { tau_plus, .. },
        weight_dependence,
        ..
    } = *spec
    else {
        return None;
    };
    let (causal, acausal): (Lut, Lut) = match weight_dependence {
        WeightDependence::AdditiveWeightDependence { .. } => (
            std::array::from_fn(|w| (w as u8 + 1).min(15)),
            std::array::from_fn(|w| (w as u8).saturating_sub(1)),
        ),
        WeightDependence::MultiplicativeWeightDependence { .. } => {
            (NEST_CAUSAL_LUT, NEST_ACAUSAL_LUT)
        }
    };
    Some(StdpConfig {
        tau_s: speed_up.to_hardware(tau_plus * 1e-3),
        causal,
        acausal,
        ..StdpConfig::default()
    })
}

/// Sets the controller of every array holding plastic synapses (`realised`: every placed synapse) in
/// `configs` (per wafer, by HICANN enum); returns the warnings of the module docs.
pub fn configure(
    net: &Network,
    speed_up: SpeedUp,
    realised: &[Realised],
    configs: &mut [BTreeMap<usize, SynapseConfig>],
) -> Vec<String> {
    let rules: Vec<Option<StdpConfig>> = net
        .projections
        .iter()
        .map(|p| rule(&p.synapse, speed_up))
        .collect();
    // Per array: the projections with plastic synapses there and their rows' range.
    let mut arrays: BTreeMap<ArrayKey, (Vec<u32>, usize, usize)> = BTreeMap::new();
    for r in realised
        .iter()
        .filter(|r| rules[r.projection as usize].is_some())
    {
        let row = usize::from(r.row);
        let (projections, first, last) =
            arrays
                .entry(array_of(r))
                .or_insert((Vec::new(), usize::MAX, 0));
        if !projections.contains(&r.projection) {
            projections.push(r.projection);
        }
        (*first, *last) = ((*first).min(row), (*last).max(row));
    }
    let mut warnings = Vec::new();
    let mut overruled: BTreeMap<u32, u32> = BTreeMap::new();
    for (&(w, h, array), (projections, first, last)) in &mut arrays {
        projections.sort_unstable();
        let chosen = projections[0];
        let config = rules[chosen as usize].expect("plastic");
        for &other in &projections[1..] {
            if rules[other as usize] != Some(config) {
                *overruled.entry(other).or_default() += 1;
            }
        }
        let base = array * ROWS_PER_ARRAY;
        configs[w].get_mut(&h).expect("a HICANN with synapses").stdp[array] = Some(StdpConfig {
            first_row: (*first - base) as u8,
            last_row: (*last - base) as u8,
            ..config
        });
    }
    let swept = |r: &Realised| {
        let row = usize::from(r.row);
        arrays
            .get(&array_of(r))
            .is_some_and(|&(_, first, last)| (first..=last).contains(&row))
    };
    let mut static_swept: BTreeMap<u32, u64> = BTreeMap::new();
    for r in realised
        .iter()
        .filter(|r| rules[r.projection as usize].is_none() && swept(r))
    {
        *static_swept.entry(r.projection).or_default() += 1;
    }
    let label = |j: u32| &net.projections[j as usize].label;
    for (j, n) in overruled {
        warnings.push(format!(
            "STDP: '{}' shares {n} synapse array(s) with a projection of another rule; one controller per \
             array runs the first projection's rule there",
            label(j)
        ));
    }
    for (j, n) in static_swept {
        warnings.push(format!(
            "STDP: {n} synapses of the static projection '{}' share rows with plastic ones; the plasticity \
             controller sweeps them too, so their weights may change",
            label(j)
        ));
    }
    warnings
}

/// A synapse array: (wafer, HICANN enum, array).
type ArrayKey = (usize, usize, usize);

/// The synapse array `r` sits in.
fn array_of(r: &Realised) -> ArrayKey {
    (
        r.wafer as usize,
        r.hicann.to_enum(),
        usize::from(r.row) / ROWS_PER_ARRAY,
    )
}

/// The final weights of every plastic projection with placed synapses: (pre, post, µS) in synapse order, read
/// from each synapse's wafer after the run (`images` and `wafers` in wafer order; `plastic`: the placed
/// synapses of plastic projections).
pub fn final_weights(
    net: &Network,
    images: &[WaferImage],
    plastic: &[Realised],
    wafers: &[Wafer],
) -> Result<Vec<PlasticWeights>, String> {
    let mut by_projection: BTreeMap<u32, Vec<&Realised>> = BTreeMap::new();
    for r in plastic {
        by_projection.entry(r.projection).or_default().push(r);
    }
    by_projection
        .into_iter()
        .map(|(j, mut placed)| {
            let projection = &net.projections[j as usize];
            let synapses = nmemu_loader::expand(net, j as usize).map_err(|e| e.to_string())?;
            let mut pairs = Vec::with_capacity(synapses.post.len());
            for k in 0..projection.pre.len() {
                let pre = projection.pre.index(k);
                pairs.extend(synapses.row(k).map(|i| (pre, synapses.post[i])));
            }
            placed.sort_by_key(|r| r.synapse);
            let rows = placed
                .iter()
                .map(|r| {
                    let (pre, post) = pairs[r.synapse as usize];
                    let w = r.wafer as usize;
                    let missing = || format!("wafer {w}: a plastic synapse's wafer did not run");
                    let image = images.get(w).ok_or_else(missing)?;
                    let wafer = wafers.get(w).ok_or_else(missing)?;
                    Ok((pre, post, weight_us(image, wafer, r)?))
                })
                .collect::<Result<_, String>>()?;
            Ok(PlasticWeights {
                projection: projection.label.clone(),
                rows,
            })
        })
        .collect()
}

/// The biological weight (µS) synapse `r` has on `wafer` now.
fn weight_us(image: &WaferImage, wafer: &Wafer, r: &Realised) -> Result<f64, String> {
    let missing = || format!("HICANN {}: plastic synapse not configured", r.hicann);
    let config = &image
        .hicanns
        .iter()
        .find(|h| h.hicann == r.hicann)
        .ok_or_else(missing)?
        .synapses;
    let level = wafer
        .synapse_weight(r.hicann, usize::from(r.row), usize::from(r.column))
        .ok_or_else(missing)?;
    let line = r.row / 2;
    let row = config.drivers[usize::from(line)].rows[usize::from(r.row % 2)];
    let driver = SynapseDriverOnHicann::new(line as u8).expect("a row's driver");
    let v_gmax = config.quadrants[driver.fg_block()].v_gmax_dac[usize::from(row.selgmax)];
    Ok(conductance_siemens(level, v_gmax, row.gmax_div) / r.scale)
}
