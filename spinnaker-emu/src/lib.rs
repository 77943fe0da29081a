//! `spinnaker-emu`: the SpiNNaker many-core machine. It knows nothing of PyNN: it takes machine images in and
//! gives counters and hardware-addressed spikes out.
//!
//! So far: machine presets by name ([`preset`]). Geometry, routers, links, the event kernel and the
//! application-core runtime arrive with their issues.

pub mod preset;

pub use preset::Preset;
