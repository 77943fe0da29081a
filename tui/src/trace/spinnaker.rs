//! The SpiNNaker layout: one node per working chip at its (x, y), grouped by board; router counters per chip,
//! packets per link (E, NE, N, W, SW, S, the router's link order) and per application core its load and spikes.

use super::{Header, MachineKind, Names, Node, TraceInfo};

/// Multicast packets through the router (from local cores and from links).
pub const ROUTED: &str = "routed";
/// Multicast packets that matched no entry (from links: passed straight through; from cores: unroutable).
pub const DEFAULT_ROUTED: &str = "default_routed";
/// Packets dumped (dropped), of every kind.
pub const DROPPED: &str = "dropped";
pub const EMERGENCY_ROUTED: &str = "emergency_routed";
pub const REINJECTED: &str = "reinjected";
/// Dumped packets never delivered (not taken by the reinjector), plus unroutable local ones.
pub const LOST: &str = "lost";
pub const NODE_METRICS: [&str; 6] = [
    ROUTED,
    DEFAULT_ROUTED,
    DROPPED,
    EMERGENCY_ROUTED,
    REINJECTED,
    LOST,
];

pub const LINKS: [&str; 6] = ["E", "NE", "N", "W", "SW", "S"];

/// Core cycles spent on timer, neuron updates, packets and synaptic processing in the window.
pub const BUSY_CYCLES: &str = "busy_cycles";
/// The longest tick in the window, in core cycles. sPyNNaker's `Max_tick_cycles` is a running maximum (all a
/// real core keeps); the emulator sees every tick and gives each window its own.
pub const LONGEST_TICK: &str = "longest_tick_cycles";
pub const OVERRUNS: &str = "overruns";
pub const SPIKES_IN: &str = "spikes_in";
pub const SPIKES_OUT: &str = "spikes_out";
pub const INPUT_LOSSES: &str = "input_losses";
pub const CORE_METRICS: [&str; 6] = [
    BUSY_CYCLES,
    LONGEST_TICK,
    OVERRUNS,
    SPIKES_IN,
    SPIKES_OUT,
    INPUT_LOSSES,
];

/// Routing-table entries loaded on the chip.
pub const TABLE_ENTRIES: &str = "table_entries";
/// The router's table size the views show occupancy against.
pub const TABLE_CAPACITY: u64 = 1024;
/// Core cycles in one tick at the run's time scale factor (the load bars' full scale).
pub const CYCLES_PER_TICK: &str = "cycles_per_tick";

/// The header of a SpiNNaker trace: `nodes` carry one fact, [`TABLE_ENTRIES`].
pub fn header(run: &TraceInfo, size: (u16, u16), nodes: Vec<Node>, cycles_per_tick: f64) -> Header {
    let names = Names {
        node_metrics: &NODE_METRICS,
        node_facts: &[TABLE_ENTRIES],
        links: &LINKS,
        detail_kind: "core",
        detail_metrics: &CORE_METRICS,
    };
    let facts = vec![(CYCLES_PER_TICK.to_string(), cycles_per_tick)];
    Header::new(MachineKind::Spinnaker, run, size, nodes, &names, facts)
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::trace::{Frame, Node, NodeSample, Trace, TraceInfo};

    /// A small synthetic trace: four chips of one board, three 10 ms windows; in the first, chip (2, 1) is the
    /// hot one (900 packets routed, 400 of them out on NE; its core 3 sent 40 spikes).
    pub fn small_trace() -> Trace {
        let node = |x, y, entries| Node {
            x,
            y,
            group: 0,
            facts: vec![entries],
        };
        let nodes = vec![
            node(0, 0, 12),
            node(2, 1, 300),
            node(1, 0, 0),
            node(0, 1, 5),
        ];
        let run = TraceInfo {
            machine: "spinnaker-48",
            source: "net.json",
            period_ms: 10.0,
            timestep_ms: 1.0,
        };
        let header = super::header(&run, (8, 8), nodes, 200_000.0);
        let sample = |node, routed, dropped, ne, spikes_out| NodeSample {
            node,
            metrics: vec![routed, 0, dropped, 0, 0, dropped],
            links: vec![0, ne, 0, 0, 0, 0],
            details: vec![(3, vec![150_000, 20_000, 0, 7, spikes_out, 0])],
        };
        let frame = |i: u32, nodes| Frame {
            start_ms: f64::from(i) * 10.0,
            end_ms: f64::from(i + 1) * 10.0,
            ticks: 10,
            nodes,
        };
        Trace {
            header,
            frames: vec![
                frame(0, vec![sample(0, 100, 0, 0, 1), sample(1, 900, 5, 400, 40)]),
                frame(1, vec![sample(0, 50, 0, 0, 2)]),
                frame(2, vec![sample(3, 70, 9, 30, 3)]),
            ],
            truncated: false,
        }
    }
}
