//! The BrainScaleS-1 back end: from a `Network` to a wafer system image and back.

pub mod provenance;
pub mod readback;
