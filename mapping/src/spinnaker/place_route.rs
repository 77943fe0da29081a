//! Placement, routing and routing tables of the machine vertices (slices, then delay-extension cores): the
//! glue between the mapper's vertices and `place`, `route` and `tables`.
//!
//! Vertices in slice (= population) order, so the Hilbert placer keeps a population's slices on neighbouring
//! chips before annealing; one net per vertex whose spikes reach anything, weighted by its expected packets
//! per second; one NER tree per net, keyed with the vertex's key space; every chip's table
//! minimised when it exceeds the router's 1,023 free entries (Ordered Covering unless
//! `extensions.spinnaker.compressor` names another), and the result proven to route every key of the tree
//! entries as before (a mismatch would be a minimiser bug: it stops the mapping).

use std::collections::BTreeMap;
use std::time::Instant;

use spinnaker_emu::geometry::ChipCoord;
use spinnaker_emu::machine::Machine;
use spinnaker_emu::router::table::RoutingEntry;

use super::Phase;
use super::SpinnakerOptions;
use super::graph::{Graph, Net, VertexId};
use super::place::annealing::{AnnealConfig, anneal};
use super::place::hilbert::place_hilbert;
use super::report::{LinkLoad, PhaseTimes, Placement, TableReport};
use super::route::ner::route_nets;
use super::route::tables::{TableBuilder, link_loads};
use super::tables::{Algorithm, check_equivalent, minimise};

/// Multicast entries a SpiNNaker-1 router has for applications (A4.4).
pub const ROUTER_ENTRIES: usize = 1023;

pub struct RoutingReport {
    pub placement: Placement,
    pub tables: Vec<TableReport>,
    pub link_loads: Vec<LinkLoad>,
}

pub struct Routed {
    /// Per vertex, its chip and core.
    pub placements: Vec<(ChipCoord, u8)>,
    pub tables: BTreeMap<ChipCoord, Vec<RoutingEntry>>,
    pub report: RoutingReport,
}

/// The machine vertices as placement and routing see them.
pub struct Vertices<'a> {
    /// Per vertex: the first key of its key space (all spaces share `mask`).
    pub keys: &'a [u32],
    pub mask: u32,
    /// Per vertex: expected packets per second it sends.
    pub packets_per_s: &'a [f64],
    /// Per vertex: the vertices its packets must reach.
    pub targets: &'a [Vec<usize>],
    /// The minimiser of tables longer than the router's entries.
    pub compressor: Algorithm,
}

pub fn place_and_route(
    machine: &Machine,
    vertices: &Vertices<'_>,
    options: &SpinnakerOptions,
    times: &mut PhaseTimes,
) -> Result<Routed, String> {
    let t = Instant::now();
    options.progress.begin(Phase::Place);
    let n = vertices.keys.len();
    let mut graph = Graph::with_vertices(n as u32);
    let mut sources = Vec::new();
    for (s, sinks) in vertices.targets.iter().enumerate() {
        if sinks.is_empty() {
            continue;
        }
        graph.add_net(Net {
            source: VertexId(s as u32),
            sinks: sinks.iter().map(|&t| VertexId(t as u32)).collect(),
            weight: vertices.packets_per_s[s],
        })?;
        sources.push(s);
    }
    let hilbert = place_hilbert(machine, &graph)?;
    let (placed, annealed) = anneal(
        machine,
        &graph,
        &hilbert,
        &AnnealConfig {
            effort: options.placer_effort,
            seed: options.seed,
        },
    )?;
    let placements: Vec<(ChipCoord, u8)> = (0..n)
        .map(|s| {
            let at = placed.location(VertexId(s as u32));
            (at.chip, at.core)
        })
        .collect();
    times.place_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    options.progress.begin(Phase::Route);
    let trees = route_nets(machine, &graph, &placed)?;
    let mut builder = TableBuilder::new();
    for (tree, &s) in trees.iter().zip(&sources) {
        builder.add(tree, vertices.keys[s], vertices.mask)?;
    }
    let loads = link_loads(trees.iter().zip(graph.nets().iter().map(|n| n.weight)));
    times.route_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    options.progress.begin(Phase::Tables);
    let mut tables = BTreeMap::new();
    let mut table_reports = Vec::new();
    for (chip, entries) in builder.finish() {
        let minimised = minimise(&entries, vertices.compressor, Some(ROUTER_ENTRIES))
            .map_err(|e| format!("routing table of chip {chip}: {e}"))?;
        check_equivalent(&entries, &minimised).map_err(|e| {
            format!("routing table of chip {chip}: minimisation changed a route: {e}")
        })?;
        table_reports.push(TableReport {
            x: chip.x,
            y: chip.y,
            before: entries.len(),
            after: minimised.len(),
        });
        tables.insert(chip, minimised);
    }
    times.tables_s = t.elapsed().as_secs_f64();

    Ok(Routed {
        placements,
        tables,
        report: RoutingReport {
            placement: Placement {
                placer: "hilbert+annealing",
                seed: options.seed,
                cost_before: annealed.initial_cost,
                cost_after: annealed.final_cost,
                temperatures: annealed.temperatures,
                moves_per_temperature_asked: annealed.moves_per_temperature_asked,
                moves_per_temperature_made: annealed.moves_per_temperature_made,
            },
            tables: table_reports,
            link_loads: loads
                .into_iter()
                .map(|((chip, link), packets_per_s)| LinkLoad {
                    x: chip.x,
                    y: chip.y,
                    link: link.name(),
                    packets_per_s,
                })
                .collect(),
        },
    })
}
