//! The neuron circuits of a HICANN: denmems, their floating-gate parameters, logical neurons and the AdEx
//! membrane integrated in hardware seconds.
//!
//! - [`fg`]: floating-gate cells (10-bit DAC <-> volts and amperes), the per-denmem and shared parameters by
//!   their halbe names, 4 blocks x 128 denmems (spec §2.4).
//! - [`calib`]: calibtic's default transformations, hardware value <-> 10-bit DAC, for every calibrated
//!   parameter at every speed-up and capacitor (spec §2.4 table, §6.4a).
//! - [`params`]: a denmem's analog parameters in hardware units ([`DenmemParameters`]), the ranges each
//!   speed-up and capacitor reaches ([`RANGES`], the transformations' domains), a counting clip and
//!   [`DenmemParameters::quantise`] onto the DAC grid (spec §1.4, §2.2, §2.4).
//! - [`logical`]: denmems joined into a [`LogicalNeuron`] under the shape rules of spec §2.2 / §8.2 rule 1.
//! - [`integrate`]: the membrane equation of spec §2.3 (closed form where linear, Dormand-Prince 5(4) with
//!   error control otherwise), threshold crossing on the [`HwTime`](crate::time::HwTime) tick grid, reset,
//!   refractory hold: [`LogicalNeuron::advance`], [`LogicalNeuron::add_conductance`].
//! - [`nonideal`]: seeded fixed-pattern mismatch (uncalibrated or the calibrated residuals of addendum §11)
//!   and membrane noise (spec §5).
//!
//! Modelling choices where the spec is silent (each documented with its source in its module):
//! - tau_m's ranges are calibtic's per speed-up and capacitor; a and tau_w scale with the I_gl mirror divisor
//!   (27 / 3 / 1, spec §1.4) ([`params`], [`calib`]).
//! - A logical neuron resets to the shared V_reset plus the mean of its denmems' reset offsets; V_t and
//!   the refractory time are the firing denmem's ([`logical`]).
//! - Spike times are the first [`HwTime`](crate::time::HwTime) tick with V >= V_t ([`integrate`]).
//! - Uncalibrated mismatch spreads and the membrane-noise amplitude are assumptions (spec §5.1, §5.2 found
//!   no figure); calibrated spreads are addendum §11's, scaled by alpha_v = 10 and the speed-up
//!   ([`nonideal`]).
//!
//! A run's wiring: per denmem take the nominal [`DenmemParameters`], [`DenmemParameters::quantise`] them to
//! what their DAC codes realise, apply [`FixedPatternSpreads::apply`] if mismatch is on (a circuit's
//! mismatch acts on the programmed value), [`DenmemParameters::clip`] to
//! `HardwareRanges::of(speed_up, capacitor)`, build each [`LogicalNeuron`] with the shared V_reset of its
//! HICANN, resolve [`LogicalNeuron::channel`] once per synapse column, then alternate
//! [`LogicalNeuron::advance`] to the next event time with [`LogicalNeuron::add_conductance`].

pub mod calib;
pub mod fg;
pub mod integrate;
pub mod logical;
pub mod nonideal;
pub mod params;

#[cfg(test)]
mod tests;

pub use crate::coord::SynapticInput;
pub use logical::{
    IntegratorCounters, IntegratorSettings, LogicalNeuron, NeuronError, SynapticChannel,
    check_shape,
};
pub use nonideal::{FixedPatternSpreads, MembraneNoise, MismatchCounters, Spread};
pub use params::{
    Adaptation, Capacitor, ClipCounters, DenmemParameters, ExponentialTerm, HardwareRanges, RANGES,
    SynapticInputParameters, realise_stimulus,
};
