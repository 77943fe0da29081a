//! `brainscales-emu`: the BrainScaleS-1 wafer-scale physical-model machine. It knows nothing of PyNN.
//!
//! So far: machine presets by name ([`preset`]). The wafer, HICANNs, Layer 1/2 and the analog model arrive with
//! their issues.

pub mod preset;

pub use preset::Preset;
