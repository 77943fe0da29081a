//! `nmemu-tui`: a ratatui monitor of router traffic and wafer activity, live during a run or replayed from a
//! trace afterwards.
//!
//! The crate knows no emulator: a trace ([`trace`]) is a grid of nodes (SpiNNaker chips or BrainScaleS
//! HICANNs) with named per-window metrics, per-link counts and per-core or per-block detail, and the two
//! machine layouts say how to lay that grid out and which metrics colour it. The `nmemu` binary turns the
//! emulators' counters into frames; this crate stores, reads, exports and draws them.

pub mod app;
pub mod terminal;
pub mod trace;
pub mod view;

pub use app::App;
pub use trace::{Frame, Header, MachineKind, Node, NodeSample, Trace, TraceWriter};
