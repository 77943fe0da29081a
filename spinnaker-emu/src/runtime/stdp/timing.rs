//! The spike-pair timing rule (upstream `timing_pair_impl.h`, PyNN `SpikePairRule`, spec B3.2): all-to-all
//! pairing through one pre-synaptic trace r₁ (time constant τ+) and one post-synaptic trace o₁ (τ−), each an
//! s4.11 `int16_t` that decays by table lookup and gains 1.0 per spike.
//!
//! A post-synaptic spike Δt after the last pre-synaptic spike potentiates by `r₁ × exp(−Δt/τ+)`; a
//! pre-synaptic spike Δt after the last post-synaptic spike depresses by `o₁ × exp(−Δt/τ−)`. The weight
//! dependence scales these by A+ and A− ([`super::weight`]).

use serde::{Deserialize, Serialize};

use super::lut::{ExpDecayLut, STDP_FIXED_POINT_ONE, mul_16x16};

/// The pair rule's two decay tables.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairTiming {
    /// exp(−Δt/τ+), decaying the pre-synaptic trace.
    pub tau_plus: ExpDecayLut,
    /// exp(−Δt/τ−), decaying the post-synaptic trace.
    pub tau_minus: ExpDecayLut,
}

impl PairTiming {
    /// `timing_add_post_spike`: the post-synaptic trace after a spike at `time`, the previous spike at
    /// `last_time` having left `last_trace`. The sum wraps to 16 bits as the C cast does.
    pub fn add_post_spike(&self, time: u32, last_time: u32, last_trace: i16) -> i16 {
        Self::add_spike(&self.tau_minus, time.wrapping_sub(last_time), last_trace)
    }

    /// `timing_add_pre_spike`: the pre-synaptic trace after a spike at `time` (see
    /// [`Self::add_post_spike`]).
    pub fn add_pre_spike(&self, time: u32, last_time: u32, last_trace: i16) -> i16 {
        Self::add_spike(&self.tau_plus, time.wrapping_sub(last_time), last_trace)
    }

    fn add_spike(lut: &ExpDecayLut, elapsed: u32, last_trace: i16) -> i16 {
        (mul_16x16(i32::from(last_trace), lut.decay(elapsed)) + STDP_FIXED_POINT_ONE) as i16
    }

    /// `timing_apply_post_spike`: the potentiation (s4.11) a post-synaptic spike seen at `time` causes,
    /// given the last pre-synaptic spike at `last_pre_time` with trace `last_pre_trace`. `None` when both
    /// fall in the same step, where upstream applies nothing.
    pub fn potentiation(&self, time: u32, last_pre_time: u32, last_pre_trace: i16) -> Option<i32> {
        let elapsed = time.wrapping_sub(last_pre_time);
        (elapsed > 0).then(|| mul_16x16(i32::from(last_pre_trace), self.tau_plus.decay(elapsed)))
    }

    /// `timing_apply_pre_spike`: the depression (s4.11) a pre-synaptic spike at `time` causes, given the
    /// last post-synaptic spike seen at `last_post_time` with trace `last_post_trace`. `None` in the same
    /// step. A post spike seen *after* `time` (possible with dendritic delays) makes the unsigned difference
    /// wrap to a huge value, whose lookup is 0: upstream still applies a zero depression, and so does this.
    pub fn depression(&self, time: u32, last_post_time: u32, last_post_trace: i16) -> Option<i32> {
        let elapsed = time.wrapping_sub(last_post_time);
        (elapsed > 0).then(|| mul_16x16(i32::from(last_post_trace), self.tau_minus.decay(elapsed)))
    }
}
