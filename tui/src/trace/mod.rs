//! The trace: what a run counted per window of biological time, machine-neutral.
//!
//! A [`Header`] names the machine, its nodes (position on the layout's grid, the group drawn with an outline
//! around it, static facts such as a router table's size) and the names of every metric; each [`Frame`] then
//! holds one window's counts, for the nodes that counted anything. Counts are per window, not cumulative, so a
//! frame reads on its own and a killed run's prefix sums to what it ran. Names live in the header rather than
//! in code so that a trace stays readable by a later nmemu that counts more.

mod file;
mod jsonl;
pub mod spinnaker;
pub mod wafer;

use serde::{Deserialize, Serialize};

pub use file::{FORMAT_VERSION, MAGIC, TraceWriter, read, read_bytes};
pub use jsonl::write_jsonl;

/// Which machine a trace describes; it chooses the layout and the views.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MachineKind {
    Spinnaker,
    Wafer,
}

impl MachineKind {
    /// The name `--view` takes.
    pub fn name(self) -> &'static str {
        match self {
            MachineKind::Spinnaker => "spinnaker",
            MachineKind::Wafer => "wafer",
        }
    }
}

/// What a trace is about: the first record of a trace file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub kind: MachineKind,
    /// The machine preset (`spinnaker-48`, `wafer`).
    pub machine: String,
    /// The network file that ran.
    pub source: String,
    /// Biological time per window (the last window of a run may be shorter).
    pub period_ms: f64,
    pub timestep_ms: f64,
    /// The layout's grid: columns and rows of node positions.
    pub width: u16,
    pub height: u16,
    /// Every node the layout draws, in node-index order.
    pub nodes: Vec<Node>,
    /// Names of [`NodeSample::metrics`], in order.
    pub node_metrics: Vec<String>,
    /// Names of [`Node::facts`], in order.
    pub node_facts: Vec<String>,
    /// Names of [`NodeSample::links`], in order.
    pub links: Vec<String>,
    /// What a detail is (`core`, `block`) and the names of its metrics.
    pub detail_kind: String,
    pub detail_metrics: Vec<String>,
    /// Machine-wide figures the views scale by (`cycles_per_tick`), by name.
    pub facts: Vec<(String, f64)>,
}

/// One node of the grid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub x: u16,
    pub y: u16,
    /// The board or reticle: the views outline each group.
    pub group: u32,
    /// Static values, named by [`Header::node_facts`].
    pub facts: Vec<u64>,
}

/// One window of one node: counts during the window, named by the header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeSample {
    /// Index into [`Header::nodes`].
    pub node: u32,
    pub metrics: Vec<u64>,
    pub links: Vec<u64>,
    /// Per core or block that counted: its id and its metrics.
    pub details: Vec<(u16, Vec<u64>)>,
}

/// One window of biological time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    pub start_ms: f64,
    pub end_ms: f64,
    /// Timesteps the window ran.
    pub ticks: u32,
    /// The nodes that counted anything, by ascending node index.
    pub nodes: Vec<NodeSample>,
}

/// The names a layout gives its metrics, facts, links and details.
pub(crate) struct Names {
    pub node_metrics: &'static [&'static str],
    pub node_facts: &'static [&'static str],
    pub links: &'static [&'static str],
    pub detail_kind: &'static str,
    pub detail_metrics: &'static [&'static str],
}

/// What a run says about itself in a header: the machine preset, the network file, the window and timestep.
pub struct TraceInfo<'a> {
    pub machine: &'a str,
    pub source: &'a str,
    pub period_ms: f64,
    pub timestep_ms: f64,
}

impl Header {
    /// A header of `kind` under a layout's `names`.
    pub(crate) fn new(
        kind: MachineKind,
        run: &TraceInfo,
        (width, height): (u16, u16),
        nodes: Vec<Node>,
        names: &Names,
        facts: Vec<(String, f64)>,
    ) -> Header {
        let owned = |n: &[&str]| n.iter().map(|s| s.to_string()).collect();
        Header {
            kind,
            machine: run.machine.to_string(),
            source: run.source.to_string(),
            period_ms: run.period_ms,
            timestep_ms: run.timestep_ms,
            width,
            height,
            nodes,
            node_metrics: owned(names.node_metrics),
            node_facts: owned(names.node_facts),
            links: owned(names.links),
            detail_kind: names.detail_kind.to_string(),
            detail_metrics: owned(names.detail_metrics),
            facts,
        }
    }

    /// The index of node metric `name`.
    pub fn node_metric(&self, name: &str) -> Option<usize> {
        self.node_metrics.iter().position(|m| m == name)
    }

    pub fn detail_metric(&self, name: &str) -> Option<usize> {
        self.detail_metrics.iter().position(|m| m == name)
    }

    pub fn node_fact(&self, name: &str) -> Option<usize> {
        self.node_facts.iter().position(|m| m == name)
    }

    /// A machine-wide fact, 0 when the trace has none of that name.
    pub fn fact(&self, name: &str) -> f64 {
        self.facts
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0.0, |(_, v)| *v)
    }
}

impl Frame {
    /// The sample of node `node`, if it counted anything in this window.
    pub fn node(&self, node: u32) -> Option<&NodeSample> {
        self.nodes
            .binary_search_by_key(&node, |s| s.node)
            .ok()
            .map(|i| &self.nodes[i])
    }
}

/// A trace read back: its header, its frames, and whether the file ended inside a record (a run killed while
/// writing it: the frames before are whole).
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub header: Header,
    pub frames: Vec<Frame>,
    pub truncated: bool,
}
