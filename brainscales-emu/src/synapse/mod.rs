//! Synapses of a HICANN: the two synapse arrays, the 224 synapse drivers with their chains and short-term
//! plasticity, and the on-chip STDP controllers (spec §2.7, §2.8, §4.1, §4.2).
//!
//! [`SynapseBlock`] is the part a wafer run wires in: it is built from a [`SynapseConfig`] (the synapse part
//! of a HICANN's wafer image), takes Layer-1 events at drivers ([`SynapseBlock::deliver`]) and hands back
//! conductance jumps per denmem and synaptic input, takes the denmems' spikes for STDP
//! ([`SynapseBlock::post_spike`]) and counts what it does in [`SynapseCounters`].
//!
//! - [`mod@array`]: weights and decoders, one byte per synapse.
//! - [`driver`]: driver and row configuration, the weight to conductance trafo.
//! - [`chain`]: driver chains by mirroring.
//! - [`stp`]: short-term plasticity (ESS model).
//! - [`stdp`]: STDP configuration, evaluation and LUTs; `controller`: charges and the row sweep.
//!
//! Modelling choices where the spec is silent or in conflict, each a named parameter:
//! - gmax_div is one divisor per row, 1..=30 ([`driver`]); conductance scales with V_gmax / gmax_div
//!   over the whole trafo ([`driver::conductance_siemens`]).
//! - Default V_gmax is 500, the calibtic table where the trafo is defined ([`DEFAULT_V_GMAX_DAC`]; halbe's
//!   FG default is 1000 and the shared calibration writes 1023, spec §9).
//! - STP state per address (ESS), lambda/N_dep/N_fac as ESS defaults ([`stp`]).
//! - STDP row time, tau and thresholds ([`stdp`]), charge resolution ([`CHARGE_PER_PAIRING`]).
//! - A row driving no synaptic input delivers nothing and records no STDP pre spike.

pub mod array;
pub mod chain;
mod controller;
pub mod driver;
pub mod stdp;
pub mod stp;

mod block;

pub use crate::coord::SynapticInput;
pub use array::SynapseArrays;
pub use block::{QuadrantParams, SynapseBlock, SynapseConfig, SynapticEvent};
pub use controller::CHARGE_PER_PAIRING;
pub use driver::{RowConfig, RowInputs, SynapseDriver};

/// V_gmax0..3 of a quadrant by default: the setting the default trafo was measured at (spec §2.8).
pub const DEFAULT_V_GMAX_DAC: u16 = driver::TRAFO_REFERENCE_V_GMAX_DAC;

/// What the synapse block did and lost, per HICANN.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SynapseCounters {
    /// Events arriving at a driver from its synapse switch.
    pub events_in: u64,
    /// Of those, lost because the driver does not take L1 input (mode not `L1`/`L1Mirror`).
    pub events_no_l1_input: u64,
    /// Of those, taken by an L1 driver and sent down its chain.
    pub events_delivered: u64,
    /// Synapses whose decoders matched an event (each gives one conductance jump per driven input).
    pub synapses_matched: u64,
    /// Completed passes of a plasticity controller over its rows.
    pub stdp_sweeps: u64,
    /// Rows a plasticity controller processed.
    pub stdp_rows_processed: u64,
    /// Updates that left a weight at 0 through a depressing LUT.
    pub weights_saturated_low: u64,
    /// Updates that left a weight at 15 through a potentiating LUT.
    pub weights_saturated_high: u64,
    /// Pairings that overflowed a correlation capacitor.
    pub stdp_charge_saturated: u64,
}

/// A configuration the synapse block refuses; the integrator adds the HICANN.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("synapse arrays hold {0} synapses, expected 448 x 256")]
    SynapseCount(usize),
    #[error("synapse (row {row}, column {column}) does not exist")]
    SynapseOutside { row: usize, column: usize },
    #[error(
        "synapse (row {row}, column {column}): weight {weight} and decoder {decoder} must be 0..=15"
    )]
    SynapseNibble {
        row: usize,
        column: usize,
        weight: u8,
        decoder: u8,
    },
    #[error("{0} synapse drivers configured, a HICANN has 224")]
    DriverCount(usize),
    #[error("synapse driver {line} row {row}: {field} {value} out of range")]
    RowField {
        line: u8,
        row: usize,
        field: &'static str,
        value: u8,
    },
    #[error("synapse driver {line}: stp_cap {cap} out of range 0..=7")]
    StpCap { line: u8, cap: u8 },
    #[error("FG block {quadrant}: {field} {value} out of range")]
    Quadrant {
        quadrant: usize,
        field: &'static str,
        value: f64,
    },
    #[error("driver chain limit {0} outside 1..=56")]
    ChainLimit(usize),
    #[error("driver chain from line {first}: {len} drivers, limit {limit}")]
    ChainTooLong { first: u8, len: usize, limit: usize },
    #[error("driver chain holds two L1 inputs, lines {first} and {second}")]
    ChainInputs { first: u8, second: u8 },
    #[error("synapse driver {0} listens or mirrors but its chain has no L1 input")]
    ListenWithoutInput(u8),
    #[error("STDP controller of array {array}: {reason}")]
    Stdp { array: usize, reason: &'static str },
}

#[cfg(test)]
mod tests;
