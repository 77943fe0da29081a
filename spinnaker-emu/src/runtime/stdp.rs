//! Spike-timing-dependent plasticity as sPyNNaker 7.x runs it on a neuron core: the spike-pair rule
//! (`SpikePairRule`) with additive or multiplicative weight dependence (spec §4.6-§4.8, mapping B3.2; upstream
//! `neural_modelling/src/neuron/plasticity/stdp/`, the "MAD" deferred-update implementation).
//!
//! - [`lut`]: the s4.11 fixed point of traces and the exponential-decay tables the host writes.
//! - [`timing`]: the pair rule's traces, potentiation and depression.
//! - [`weight`]: additive and multiplicative weight dependence on s16.15 weights.
//! - [`post_events`]: each neuron's last post-synaptic spikes (16 entries).
//! - [`row`]: the plastic row format (pre-synaptic history, 16-bit weights, control half-words), its builder
//!   [`SynapticRow::plastic`](crate::runtime::synapse_row::SynapticRow::plastic) and the read-back of weights.
//! - [`process`]: the update of a plastic row when a spike's row arrives.
//!
//! [`StdpConfig`] is what a core's image holds (one rule per core, as one sPyNNaker binary has one rule), built
//! by the mapper from PyNN parameters through [`StdpConfig::new`].

pub mod lut;
pub mod post_events;
pub mod process;
pub mod row;
#[cfg(test)]
mod tests;
pub mod timing;
pub mod weight;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use lut::ExpDecayLut;
pub use post_events::{MAX_POST_SYNAPTIC_EVENTS, PostHistory, PostWindow};
pub use process::{PlasticWork, process_row};
pub use row::{MAX_PLASTIC_ROW_SYNAPSES, PRE_HISTORY_WORDS, PlasticRowMut, plastic_weights};
pub use timing::PairTiming;
pub use weight::{WeightDependence, WeightRegion, WeightRule, WeightState};

/// Why STDP parameters were refused.
#[derive(Clone, Debug, PartialEq)]
pub enum StdpError {
    /// A time constant or time step that is not positive and finite, or whose decay table would exceed
    /// 65,535 entries (the table's 16-bit length).
    BadTimeConstant {
        /// `"tau_plus"` or `"tau_minus"`.
        name: &'static str,
        tau_ms: f64,
        timestep_ms: f64,
    },
    /// A weight-dependence region count other than the core's number of synapse types.
    WrongTypeCount {
        regions: usize,
        synapse_types: usize,
    },
}

impl fmt::Display for StdpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StdpError::BadTimeConstant {
                name,
                tau_ms,
                timestep_ms,
            } => write!(
                f,
                "STDP {name} = {tau_ms} ms at a {timestep_ms} ms time step: the decay table needs a \
                 positive time constant and at most {} entries (ln(2048) x tau / dt)",
                lut::MAX_LUT_ENTRIES
            ),
            StdpError::WrongTypeCount {
                regions,
                synapse_types,
            } => write!(
                f,
                "STDP weight dependence has {regions} per-type regions but the core has \
                 {synapse_types} synapse types"
            ),
        }
    }
}

impl std::error::Error for StdpError {}

/// A neuron core's STDP parameters in the runtime's formats: what the host writes into the synapse
/// dynamics region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StdpConfig {
    pub timing: PairTiming,
    pub weights: WeightDependence,
    /// `backprop_delay` (sPyNNaker's `STDPMechanism`, default true): a post-synaptic spike reaches a
    /// synapse after that synapse's (wholly dendritic, B3.2) delay, so pairs are timed at the synapse.
    /// When false post spikes are timed at the soma.
    pub backprop_delay: bool,
}

impl StdpConfig {
    /// The rule the host writes for a core with `n_synapse_types` synapse types at time step `timestep_ms`: the
    /// pair rule's decay tables for `tau_plus_ms` and `tau_minus_ms`, and `rule` with the same `region` (bounds
    /// and A± as s16.15, already scaled as the host scales them) for every synapse type.
    pub fn new(
        timestep_ms: f64,
        tau_plus_ms: f64,
        tau_minus_ms: f64,
        rule: WeightRule,
        region: WeightRegion,
        n_synapse_types: usize,
    ) -> Result<StdpConfig, StdpError> {
        let lut = |name, tau_ms| {
            ExpDecayLut::new(timestep_ms, tau_ms).ok_or(StdpError::BadTimeConstant {
                name,
                tau_ms,
                timestep_ms,
            })
        };
        Ok(StdpConfig {
            timing: PairTiming {
                tau_plus: lut("tau_plus", tau_plus_ms)?,
                tau_minus: lut("tau_minus", tau_minus_ms)?,
            },
            weights: WeightDependence {
                rule,
                regions: vec![region; n_synapse_types],
            },
            backprop_delay: true,
        })
    }

    /// Checks the parameters fit a core with `n_synapse_types` synapse types.
    pub fn check(&self, n_synapse_types: usize) -> Result<(), StdpError> {
        let regions = self.weights.regions.len();
        if regions != n_synapse_types {
            return Err(StdpError::WrongTypeCount {
                regions,
                synapse_types: n_synapse_types,
            });
        }
        Ok(())
    }
}

/// Counters of the STDP code, reported as provenance (§6.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StdpCounters {
    /// Plastic synapses processed (`num_plastic_pre_synaptic_events`; also part of
    /// `Total_pre_synaptic_events`).
    pub plastic_synapses: u64,
    /// "Times_plastic_synaptic_weights_have_saturated": upstream's `plastic_saturation_count`, which 7.x
    /// increments when adding a plastic synapse's weight clips its ring-buffer entry at 0xFFFF
    /// (`synapse_dynamics_stdp_update_ring_buffers`), not when a weight hits w_min/w_max.
    pub saturations: u64,
    /// Clamps of a weight to w_min or w_max that changed it (additive rule). Upstream counts nothing here;
    /// an emulator extra.
    pub weight_clips: u64,
}
