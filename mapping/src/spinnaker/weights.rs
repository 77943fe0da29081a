//! Weight scaling and quantisation: PyNN weights (nA, µS) -> the 16-bit weights of synaptic words.
//!
//! As sPyNNaker does it (spinnaker.md §4.8, mapping-and-pynn.md B3.5): per core and synapse type a left shift
//! `s` is chosen so that the largest input a ring-buffer slot is expected to sum still fits in 16 bits; a
//! weight `w` is stored as `round(w * scale * 2^(15 - s))` (scale 1024 for conductances, 1 otherwise) and the
//! core turns a slot back into s16.15 input by shifting it left by `s`. `s = ceil(log2(bound))`, one more when
//! the bound is an exact power of two, never negative.
//!
//! The bound per post-synaptic neuron and type: incoming synapse i fires in a tick with probability
//! `λ_i = rate_i * dt` (rate: a Poisson source's own rate, else sPyNNaker's `spikes_per_second` = 30 Hz).
//!
//! - When every incoming synapse of the type has the same delay, sPyNNaker assumes the worst: all sources may
//!   fire in one tick and land in one slot, so the bound is the sum of all weights (times `max(1, λ)`).
//!   Synchronous volleys (a synfire chain) are exactly this case.
//! - Otherwise the summed input is a compound Poisson sum with mean `Σ λ_i w_i` and variance `Σ λ_i w_i²`; the
//!   bound is the mean plus `ring_buffer_sigma` (5) standard deviations, capped by that worst case.
//!   sPyNNaker evaluates the same mean-plus-sigma bound from per-projection statistics with a gamma-function
//!   form of the variance; the per-neuron compound Poisson form is our choice: it is exact for the model it
//!   assumes and needs no special functions.
//!
//! Either way the bound is never below the largest single weight.
//!
//! A plastic synapse counts at the largest weight it may reach, max(w_max, the projection's largest weight), not at
//! its initial weight (sPyNNaker 7.x `SynapseDynamicsSTDP.get_weight_maximum`/`get_weight_mean`; see
//! `synapses::plastic_weight`).
//!
//! Weights that do not fit (above `0xFFFF`) are clipped and counted; non-zero weights that round to zero
//! are counted too: both reach `mapping.json` and the warnings of a run.

use serde::Serialize;

/// sPyNNaker's `ring_buffer_sigma` default (B3.5).
pub const RING_BUFFER_SIGMA: f64 = 5.0;
/// sPyNNaker's `spikes_per_second` default (B3.5).
pub const DEFAULT_RATE_HZ: f64 = 30.0;
/// Largest shift a ring-buffer value can take and still be a positive s16.15 number (u16 << 15 fits 31 bits).
pub const MAX_SHIFT: u8 = 15;

/// What one post-synaptic neuron receives on one synapse type, summed over its synapses.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct InputBound {
    /// Σ λ w: expected input per tick.
    mean: f64,
    /// Σ λ w²: its variance.
    variance: f64,
    /// Σ w max(1, λ): every synapse at once.
    total: f64,
    biggest: f64,
    /// Shortest and longest delay seen (timesteps).
    delays: Option<(u16, u16)>,
}

impl InputBound {
    /// Adds a synapse of (scaled, non-negative) weight `w` and delay `delay` whose source fires `lambda` times
    /// per tick.
    pub fn add(&mut self, w: f64, lambda: f64, delay: u16) {
        self.mean += lambda * w;
        self.variance += lambda * w * w;
        self.total += w * lambda.max(1.0);
        self.biggest = self.biggest.max(w);
        self.delays = Some(
            self.delays
                .map_or((delay, delay), |(lo, hi)| (lo.min(delay), hi.max(delay))),
        );
    }

    /// The largest input a slot is expected to hold.
    pub fn bound(&self) -> f64 {
        let one_delay = self.delays.is_none_or(|(lo, hi)| lo == hi);
        let bound = if one_delay {
            self.total
        } else {
            (self.mean + RING_BUFFER_SIGMA * self.variance.sqrt()).min(self.total)
        };
        bound.max(self.biggest)
    }
}

/// The left shift for a slot bound (B3.5).
pub fn shift_for(bound: f64) -> u8 {
    if bound <= 0.0 || !bound.is_finite() {
        return 0;
    }
    let log = bound.log2();
    let mut s = log.ceil();
    if log == s {
        s += 1.0;
    }
    s.clamp(0.0, f64::from(MAX_SHIFT)) as u8
}

/// One synapse type of one core: how its weights are stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightScale {
    pub shift: u8,
    /// 1024 for conductance synapses, 1 otherwise.
    pub scale: f64,
}

impl WeightScale {
    /// Stored units per PyNN unit.
    pub fn units_per_weight(&self) -> f64 {
        self.scale * f64::from(1u32 << (15 - u32::from(self.shift)))
    }

    /// The 16-bit weight of a PyNN weight (its magnitude: the synapse type carries the sign), counting what is
    /// lost in `report`.
    pub fn quantise(&self, weight: f32, report: &mut Quantisation) -> u16 {
        let requested = f64::from(weight).abs();
        let exact = requested * self.units_per_weight();
        let stored = if exact > f64::from(u16::MAX) {
            report.clipped += 1;
            u16::MAX
        } else {
            exact.round() as u16
        };
        if stored == 0 && requested > 0.0 {
            report.rounded_to_zero += 1;
        }
        let realised = f64::from(stored) / self.units_per_weight();
        report.add(requested, realised);
        stored
    }
}

/// Requested versus realised weights of one projection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Quantisation {
    pub synapses: u64,
    /// Σ |requested|, Σ |realised| (PyNN units): their ratio is the projection's net gain error.
    pub requested_sum: f64,
    pub realised_sum: f64,
    /// Largest |realised − requested| and largest relative error of one synapse.
    pub max_abs_error: f64,
    pub max_rel_error: f64,
    /// Weights above the 16-bit range, stored as 0xFFFF.
    pub clipped: u64,
    /// Non-zero weights stored as 0 (the synapse has no effect).
    pub rounded_to_zero: u64,
}

impl Quantisation {
    fn add(&mut self, requested: f64, realised: f64) {
        self.synapses += 1;
        self.requested_sum += requested;
        self.realised_sum += realised;
        let error = (realised - requested).abs();
        self.max_abs_error = self.max_abs_error.max(error);
        if requested > 0.0 {
            self.max_rel_error = self.max_rel_error.max(error / requested);
        }
    }

    pub fn merge(&mut self, other: &Quantisation) {
        self.synapses += other.synapses;
        self.requested_sum += other.requested_sum;
        self.realised_sum += other.realised_sum;
        self.max_abs_error = self.max_abs_error.max(other.max_abs_error);
        self.max_rel_error = self.max_rel_error.max(other.max_rel_error);
        self.clipped += other.clipped;
        self.rounded_to_zero += other.rounded_to_zero;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_follows_the_runtime_rule() {
        assert_eq!(shift_for(0.0), 0);
        assert_eq!(shift_for(0.3), 0);
        assert_eq!(shift_for(1.0), 1, "an exact power of two gets one more bit");
        assert_eq!(shift_for(1.5), 1);
        assert_eq!(shift_for(2.0), 2);
        assert_eq!(shift_for(5.0), 3);
        assert_eq!(shift_for(1e9), MAX_SHIFT);
    }

    #[test]
    fn the_bound_is_mean_plus_sigma_within_the_total() {
        let mut b = InputBound::default();
        // 1000 synapses of 0.1 at 10 Hz, 1 ms ticks, delays 1 and 2: mean 1.0, variance 0.1.
        for i in 0..1000 {
            b.add(0.1, 0.01, 1 + i % 2);
        }
        let expected = 1.0 + RING_BUFFER_SIGMA * 0.1f64.sqrt();
        assert!((b.bound() - expected).abs() < 1e-9, "{}", b.bound());
        let mut same = InputBound::default();
        for _ in 0..1000 {
            same.add(0.1, 0.01, 3);
        }
        assert!(
            (same.bound() - 100.0).abs() < 1e-9,
            "one delay: every source may land in one slot"
        );
        let mut one = InputBound::default();
        one.add(3.0, 1e-6, 1);
        one.add(0.1, 1e-6, 2);
        assert_eq!(one.bound(), 3.0, "never below the largest weight");
    }

    #[test]
    fn quantisation_rounds_and_counts_losses() {
        let mut q = Quantisation::default();
        let s = WeightScale {
            shift: 0,
            scale: 1.0,
        };
        assert_eq!(s.quantise(0.5, &mut q), 16384);
        assert_eq!(s.quantise(-0.5, &mut q), 16384, "magnitude only");
        assert_eq!(s.quantise(1e-9, &mut q), 0);
        assert_eq!(s.quantise(3.0, &mut q), u16::MAX);
        assert_eq!((q.clipped, q.rounded_to_zero, q.synapses), (1, 1, 4));
        assert!(q.max_abs_error > 1.0, "the clipped weight lost about 1 nA");
        let cond = WeightScale {
            shift: 3,
            scale: 1024.0,
        };
        // 0.004 uS * 1024 * 2^12 = 16777.2
        assert_eq!(cond.quantise(0.004, &mut q), 16777);
    }
}
