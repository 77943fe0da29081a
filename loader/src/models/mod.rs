//! A library of well-known networks, each built as a complete net.json document (`nmemu-net/1`).
//!
//! Benchmarks from the literature are easier to trust when they are generated from their published parameter
//! tables than when they are hand-edited JSON: the tables stay readable and scaling stays consistent. Each
//! generator returns a `serde_json::Value` so it goes through the same loader and validation as a user's file.

pub mod microcircuit;

pub use microcircuit::{MicrocircuitParams, microcircuit};
