//! The neuron circuits of a HICANN: denmems, their floating-gate parameters, logical neurons and the AdEx
//! membrane integrated in hardware seconds.
//!
//! - [`fg`]: floating-gate cells (10-bit DAC <-> volts and amperes), the per-denmem and shared parameters by
//!   their halbe names, 4 blocks x 128 denmems (spec §2.4).
//! - [`params`]: a denmem's analog parameters in hardware units ([`DenmemParameters`]) and the ranges each
//!   speed-up and capacitor reaches ([`RANGES`]), with a counting clip (spec §1.4, §2.2, §2.4).
//!
//! Logical neurons, the integrator and the non-idealities follow.

pub mod fg;
pub mod params;

pub use params::{
    Adaptation, Capacitor, ClipCounters, DenmemParameters, ExponentialTerm, HardwareRanges, RANGES,
    SynapticInput, SynapticInputParameters,
};
