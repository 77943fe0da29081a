//! What a BrainScaleS mapping did, as mapping.json says it (docs/outputs.md): resources used, synapse loss
//! by cause and projection, clipped and realised parameters, lost current stimuli, ignored initial values,
//! input load, weights and delays as realised, phase times.

use std::collections::BTreeMap;

use serde::Serialize;

use super::cross::CrossWaferReport;
use super::inputs::{InputLoad, Thinned};
use super::merger_tree::Strategy;
use super::params::PopulationClip;
use super::realised::{InitialValueIgnored, RealisedValue, StimulusLoss};
use super::stp::StpReport;
use super::weights::WeightSummary;

#[cfg(test)]
#[test]
fn significant_keeps_four_digits() {
    assert_eq!(significant(1.1549999999999998), "1.155");
    assert_eq!(significant(0.811365820305283), "0.8114");
    assert_eq!(significant(2.0), "2");
    assert_eq!(significant(1234.5678), "1235");
    assert_eq!(significant(-0.000123456), "-0.0001235");
}

/// A figure for a person: four significant digits, no trailing zeros (`1.155`, `0.8114`, `2`), where the
/// report's JSON keeps the full value.
pub fn significant(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Requested and realised mean delay of one projection: on the wafer the delay is the Layer-1 latency.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DelayReport {
    pub projection: String,
    pub requested_ms: f64,
    pub realised_ms: f64,
}

/// The shared V_reset of one HICANN where its populations ask for different values (hardware volts).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VResetReport {
    pub wafer: u32,
    pub hicann: u32,
    pub mean_volt: f64,
    pub spread_volt: f64,
    pub populations: Vec<String>,
}

/// What one wafer of the machine holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WaferReport {
    pub wafer: u32,
    pub hicanns_used: u32,
    pub neurons_placed: u64,
    /// Its Layer-2 inputs, spike sources and neurons of other wafers alike.
    pub inputs_per_hicann: BTreeMap<u32, InputLoad>,
    pub inputs_per_fpga: BTreeMap<u32, InputLoad>,
}

/// The merger strategies the mapping tried, in order, with what each lost, and the one it kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MergerReport {
    pub chosen: Strategy,
    pub tried: Vec<MergerTry>,
}

/// One merger strategy's mapping: the synapses it could not realise.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MergerTry {
    pub strategy: Strategy,
    pub synapses_lost: u64,
}

/// `mapping.json` of a BrainScaleS mapping.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BrainScaleSReport {
    /// `"nmemu-mapping/1"`.
    pub format: &'static str,
    pub machine: String,
    /// Wall seconds of the whole mapping.
    pub map_wall_s: f64,
    pub speedup: u32,
    pub hicanns_used: u32,
    pub neurons_placed: u64,
    pub circuits_per_neuron: BTreeMap<String, u32>,
    pub synapses: u64,
    pub synapses_lost: u64,
    pub synapses_lost_l1: u64,
    pub synapses_lost_driver: u64,
    pub synapses_lost_row: u64,
    /// Synapses of input sources thinned away by input placement.
    pub synapses_lost_input: u64,
    pub synapse_loss_by_projection: BTreeMap<String, f64>,
    pub parameters_clipped: Vec<PopulationClip>,
    /// Per population and translated parameter the value the ideal wafer runs (PyNN units; one value, or
    /// one per neuron where they differ).
    pub parameters_realised: BTreeMap<String, BTreeMap<&'static str, RealisedValue>>,
    /// Neurons that run without their i_offset: no current stimulus left on their HICANN.
    pub current_stimuli_lost: Vec<StimulusLoss>,
    /// Initial values the wafer cannot set, with the value it starts from instead.
    pub initial_values_ignored: Vec<InitialValueIgnored>,
    /// Wafer 0's (each wafer's are in `wafers`).
    pub inputs_per_hicann: BTreeMap<u32, InputLoad>,
    pub inputs_per_fpga: BTreeMap<u32, InputLoad>,
    /// Every wafer's; a source played on several wafers may be thinned on each.
    pub inputs_thinned: Vec<Thinned>,
    /// Per wafer used, in order.
    pub wafers: Vec<WaferReport>,
    pub cross_wafer: CrossWaferReport,
    /// How neuron blocks went onto DNC mergers.
    pub merger: MergerReport,
    pub weights: Vec<WeightSummary>,
    pub delays: Vec<DelayReport>,
    pub v_reset: Vec<VResetReport>,
    /// Tsodyks-Markram projections on the drivers' STP; absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub short_term_plasticity: Vec<StpReport>,
    /// Wall seconds per phase, by phase name.
    pub phases: BTreeMap<String, f64>,
}
