//! The neural runtime of an application core (sPyNNaker 7.x, spec §4): the pieces a core's program is
//! made of, each bit-faithful to the runtime's formats, and the core programs that tie them together
//! ([`program`]: timer tick, packet-driven DMA pipeline, delay extensions, cycle accounting).

pub mod cycles;
pub mod fixed;
pub mod jkiss;
pub mod master_pop_table;
pub mod neuron;
pub mod poisson;
pub mod program;
pub mod ring_buffer;
pub mod stdp;
pub mod synapse_row;
