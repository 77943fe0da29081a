//! The BrainScaleS-1 wafer layout: one node per HICANN at its grid position (36 x 16, the round wafer), grouped
//! by reticle; per HICANN its spikes, Layer-1 and Layer-2 traffic, losses by cause and STDP sweeps, per
//! sending repeater (bus) its events, and per neuron block its spikes and encoder losses.
//!
//! A machine of several wafers draws them side by side, wafer w's grid [`WAFER_STRIDE`] × w columns to the
//! right, with an empty column between wafers; its HICANN h is node [`HICANNS_PER_WAFER`] × w + h.

use super::{Header, MachineKind, Names, Node, TraceInfo};

pub const SPIKES: &str = "spikes";
/// Events carried by the HICANN's sending repeaters (its Layer-1 buses).
pub const L1_EVENTS: &str = "l1_events";
/// Events synapse drivers took from Layer 1 (driver use).
pub const DRIVER_EVENTS: &str = "driver_events";
/// Layer-2 events injected into the DNC mergers (in) and recorded on the up-link (out).
pub const L2_IN: &str = "l2_in";
pub const L2_OUT: &str = "l2_out";
/// Lost in the merger tree: priority-encoder collisions and overwrites, blocked background and L2 events.
pub const LOST_MERGER: &str = "lost_merger";
/// Lost to a bus' rate limit.
pub const LOST_BUS: &str = "lost_bus";
/// Events reaching a driver that takes no Layer-1 input.
pub const LOST_DRIVER: &str = "lost_driver";
/// Events no merger, repeater or channel routes anywhere.
pub const LOST_UNROUTED: &str = "lost_unrouted";
/// Events the up-link could not record.
pub const LOST_UPLINK: &str = "lost_uplink";
pub const STDP_SWEEPS: &str = "stdp_sweeps";
pub const NODE_METRICS: [&str; 11] = [
    SPIKES,
    L1_EVENTS,
    DRIVER_EVENTS,
    L2_IN,
    L2_OUT,
    LOST_MERGER,
    LOST_BUS,
    LOST_DRIVER,
    LOST_UNROUTED,
    LOST_UPLINK,
    STDP_SWEEPS,
];
/// The lost-event metrics, whose sum colours the "lost" view.
pub const LOST: [&str; 5] = [
    LOST_MERGER,
    LOST_BUS,
    LOST_DRIVER,
    LOST_UNROUTED,
    LOST_UPLINK,
];

/// One link per sending repeater of the HICANN (one per DNC merger).
pub const BUSES: [&str; 8] = [
    "bus0", "bus1", "bus2", "bus3", "bus4", "bus5", "bus6", "bus7",
];

pub const BLOCK_SPIKES: &str = "spikes";
/// Events the block's priority encoder lost (collisions and overwrites).
pub const BLOCK_LOST: &str = "lost";
pub const BLOCK_METRICS: [&str; 2] = [BLOCK_SPIKES, BLOCK_LOST];

/// 1 when the image configures the HICANN.
pub const USED: &str = "used";

/// HICANNs on a wafer (spec brainscales.md §1: 384), the nodes of one wafer in a trace.
pub const HICANNS_PER_WAFER: usize = 384;
/// Grid columns from one wafer's to the next's: the wafer's 36 and an empty one.
pub const WAFER_STRIDE: u16 = 37;

/// The wafer, HICANN enum and column on its own wafer of node `node` at column `x`.
pub fn hicann_of(node: usize, x: u16) -> (usize, usize, u16) {
    let wafer = node / HICANNS_PER_WAFER;
    (
        wafer,
        node % HICANNS_PER_WAFER,
        x - wafer as u16 * WAFER_STRIDE,
    )
}

/// The header of a wafer trace: `nodes` carry one fact, [`USED`].
pub fn header(run: &TraceInfo, size: (u16, u16), nodes: Vec<Node>) -> Header {
    let names = Names {
        node_metrics: &NODE_METRICS,
        node_facts: &[USED],
        links: &BUSES,
        detail_kind: "block",
        detail_metrics: &BLOCK_METRICS,
    };
    Header::new(MachineKind::Wafer, run, size, nodes, &names, Vec::new())
}
