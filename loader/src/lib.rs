//! `nmemu-loader`: the network description and the result files.
//!
//! `net.json` text -> [`format::NetFile`] (what the file says, PyNN defaults filled in) -> [`validate`] (what it
//! means is allowed) -> [`network::Network`] (per-neuron values resolved, projections ready to expand) ->
//! [`connectors`] (explicit synapses, CSR per projection). This crate knows nothing of any hardware.

pub mod connectors;
pub mod error;
pub mod escape;
pub mod expr;
pub mod format;
pub mod input;
pub mod limits;
pub mod memory;
pub mod models;
pub mod network;
pub mod random;
pub mod space;
pub mod time;
pub mod validate;
pub mod writers;

pub use connectors::{Synapses, count, expand, expected_synapses};
pub use error::{LoadError, Problem};
pub use limits::Limits;
pub use network::Network;
