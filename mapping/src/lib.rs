//! `nmemu-mapping`: the place-and-route compiler from a `nmemu_loader::Network` to machine images for
//! SpiNNaker and BrainScaleS-1, and the inverse map that turns hardware results back into populations and
//! neurons. See ARCHITECTURE.md for its boundaries.

pub mod brainscales;
pub mod progress;
pub mod spinnaker;
