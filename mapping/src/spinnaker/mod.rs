//! The SpiNNaker back end: partitioning, placement, routing, key allocation, routing-table minimisation and
//! the synaptic data of every core, producing a `spinnaker_emu::image::MachineImage`.

pub mod graph;
pub mod place;
pub mod route;
pub mod tables;
