//! `brainscales-emu`: the BrainScaleS-1 wafer-scale physical-model machine. It knows nothing of PyNN.
//!
//! Everything here is in hardware terms and hardware time: volts, amperes, farads and seconds of the
//! accelerated circuits, floating-gate DAC values, 4-bit weights, 6-bit Layer-1 addresses. Figures come from
//! `shared/spec/brainscales.md`, cited by section where they are used.
//!
//! - [`coord`]: HICANNs on the round wafer, reticles and FPGAs, denmems, synapse drivers, bus lines.
//! - [`time`]: [`time::HwTime`] (1/63 ns ticks, exact for every clock) and [`time::SpeedUp`].
//! - [`preset`]: machine presets by name.
//! - [`synapse`]: synapse arrays, drivers and chains, short-term plasticity and on-chip STDP.
//! - [`neuron`]: denmems, floating-gate parameters, logical neurons and their AdEx membrane in hardware time.
//! - [`defects`]: dead HICANNs, buses, repeaters, denmems, drivers, FPGAs and links from a JSON file.
//! - [`layer1`]: the on-wafer event network: priority encoders, background generators, merger tree,
//!   repeaters, crossbar and synapse switches, bus fan-out and bandwidth.
//! - [`layer2`]: the FPGA/Gbit links: playback budgets, recording bandwidth, timestamps.
//! - [`image`]: the wafer image, the whole configuration of a run, serialisable and checked against the
//!   defects.
//! - [`wafer`]: the wafer run: every HICANN's neurons, synapses and output path joined by Layer 1 and
//!   Layer 2, each HICANN a chip of the shared event kernel `emu_kernel` (conservative windows, in parallel).
//! - [`system`]: 1..=20 wafer modules joined only through Layer 2: routes from one wafer's recording to
//!   another's playback, run in lock-step segments of the smallest route latency.

pub mod coord;
pub mod defects;
pub mod image;
pub mod layer1;
pub mod layer2;
pub mod neuron;
pub mod preset;
pub mod synapse;
pub mod system;
pub mod time;
pub mod wafer;

pub use preset::Preset;
