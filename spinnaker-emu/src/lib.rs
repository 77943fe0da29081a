//! `spinnaker-emu`: the SpiNNaker many-core machine. It knows nothing of PyNN: it takes routing tables and
//! applications in and gives counters and hardware-addressed packets out.
//!
//! - [`preset`], [`geometry`], [`machine`], [`faults`]: which chips, cores and links exist.
//! - [`packet`]: the packet formats; [`router`]: the multicast table, its fast lookup, the router's timing,
//!   blocking, emergency routing, dumping and reinjection, and its diagnostic counters.
//! - [`time`]: simulated time in PLL1 ticks, exact for both the router and the core clock.
//! - [`kernel`]: the chips on the machine-independent event kernel (`emu_kernel`: time, event order, queue,
//!   sequential and conservatively parallel runs), with the hooks an application (the neural runtime, a
//!   traffic generator) plugs into.
//! - [`noc`]: network-on-chip experiments with synthetic traffic.
//! - [`image`]: the machine image a mapper writes (tables and core programs with their data); [`runtime`]: what
//!   an application core runs (sPyNNaker 7.x): neuron, spike-source and delay-extension cores, in the
//!   runtime's fixed point and data structures, each action charged in core cycles.
//!
//! Modelling choices the spec leaves open are named parameters in [`router::config`], each with its default
//! and reason. One simplification stands out: a router's input buffers are unbounded, so congestion shows as
//! blocking and dumps at the congested output rather than as back-pressure spreading up the links.

pub mod faults;
pub mod geometry;
pub mod image;
pub mod kernel;
pub mod machine;
pub mod noc;
pub mod packet;
pub mod preset;
pub mod router;
pub mod runtime;
pub mod time;

pub use preset::Preset;
