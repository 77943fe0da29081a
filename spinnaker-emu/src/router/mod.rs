//! The multicast router: its table and fast lookup, its parameters, its behaviour in time and its counters.

pub mod config;
pub mod counters;
pub mod engine;
pub mod lookup;
pub mod table;
