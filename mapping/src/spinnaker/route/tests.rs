//! Routing end to end: random nets on a board and on a torus with dead links are routed, turned into
//! per-chip tables, and packets are forwarded through those tables as a router would (first match, default
//! routing straight on for packets from a link). Each must reach exactly its sink cores, once each.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use proptest::prelude::*;
use spinnaker_emu::Preset;
use spinnaker_emu::faults::Faults;
use spinnaker_emu::geometry::{ChipCoord, Link};
use spinnaker_emu::machine::{CoreModel, Machine};
use spinnaker_emu::router::table::Route;

use super::ner::{Ner, RoutingTree};
use super::tables::TableBuilder;
use crate::spinnaker::place::CoreLocation;
use crate::spinnaker::tables::TableEntry;

/// Checks the shape of a tree against the machine: rooted at `source`, each chip once, each parent listed
/// before its children and joined to them by a working link it routes to, sink cores exactly `sinks`, and
/// no branch that leads to no sink.
pub(crate) fn check_tree(
    m: &Machine,
    tree: &RoutingTree,
    source: ChipCoord,
    sinks: &[CoreLocation],
) {
    let nodes = tree.nodes();
    assert_eq!(tree.source(), source);
    assert_eq!((nodes[0].parent, nodes[0].arrives_on), (None, None));
    let chips: BTreeSet<ChipCoord> = nodes.iter().map(|n| n.chip).collect();
    assert_eq!(chips.len(), nodes.len(), "a chip appears twice");
    let mut children = vec![0u32; nodes.len()];
    for (i, node) in nodes.iter().enumerate().skip(1) {
        let p = node.parent.expect("only the source has no parent") as usize;
        assert!(p < i, "parent after child");
        children[p] += 1;
        let arrived = node.arrives_on.expect("arrives over a link");
        let sent = arrived.opposite();
        assert!(
            nodes[p].route.has_link(sent.index() as u8),
            "parent does not route to {}",
            node.chip
        );
        assert_eq!(
            m.neighbour(nodes[p].chip, sent),
            Some(node.chip),
            "dead or wrong link"
        );
    }
    for (node, &n) in nodes.iter().zip(&children) {
        assert_eq!(
            node.route.links().count() as u32,
            n,
            "{}: links without children",
            node.chip
        );
        assert!(
            node.parent.is_none() || n > 0 || node.route.core_bits() != 0,
            "{}: dead end",
            node.chip
        );
    }
    let want: BTreeSet<CoreLocation> = sinks.iter().copied().collect();
    let got: BTreeSet<CoreLocation> = nodes
        .iter()
        .flat_map(|n| {
            n.route
                .cores()
                .map(move |core| CoreLocation { chip: n.chip, core })
        })
        .collect();
    assert_eq!(got, want);
}

/// What a router does with a multicast packet: the first entry matching `key`, else, for a packet from a
/// link, straight on; a packet from a core matching nothing is dropped (spec A0.2).
fn forward(table: &[TableEntry], key: u32, arrived_on: Option<Link>) -> Route {
    match table.iter().find(|e| key & e.mask == e.key) {
        Some(e) => e.route,
        None => arrived_on.map_or(Route::default(), |l| {
            Route::default().with_link(l.opposite().index() as u8)
        }),
    }
}

/// Sends one packet with `key` from a core of `source` and returns how often each core received it, or
/// what went wrong (a dead link taken, more hops than a loop-free route can have).
fn deliver(
    m: &Machine,
    tables: &BTreeMap<ChipCoord, Vec<TableEntry>>,
    source: ChipCoord,
    key: u32,
) -> Result<BTreeMap<CoreLocation, u32>, String> {
    let mut received = BTreeMap::new();
    let mut queue = VecDeque::from([(source, None)]);
    let mut visits = 0;
    while let Some((chip, arrived_on)) = queue.pop_front() {
        visits += 1;
        if visits > 6 * m.n_chips() {
            return Err(format!("key {key} loops"));
        }
        let route = forward(
            tables.get(&chip).map_or(&[], Vec::as_slice),
            key,
            arrived_on,
        );
        for core in route.cores() {
            *received.entry(CoreLocation { chip, core }).or_insert(0) += 1;
        }
        for link in route.links().map(|l| Link::from_index(l).unwrap()) {
            let next = m
                .neighbour(chip, link)
                .ok_or_else(|| format!("key {key} leaves {chip} on dead link {}", link.name()))?;
            queue.push_back((next, Some(link.opposite())));
        }
    }
    Ok(received)
}

/// Whether `to` can be reached from `from` over working links.
fn connected(m: &Machine, from: ChipCoord, to: ChipCoord) -> bool {
    let mut seen = BTreeSet::from([from]);
    let mut queue = VecDeque::from([from]);
    while let Some(chip) = queue.pop_front() {
        if chip == to {
            return true;
        }
        for link in Link::ALL {
            if let Some(next) = m.neighbour(chip, link)
                && seen.insert(next)
            {
                queue.push_back(next);
            }
        }
    }
    false
}

/// Routes the nets (source index, sink indices into the machine's application cores), checks every tree
/// and forwards a packet of each net through the tables, with and without the defaultable entries.
fn route_and_forward(m: &Machine, nets: &[(usize, Vec<usize>)]) -> Result<(), TestCaseError> {
    let cores: Vec<CoreLocation> = m
        .chips()
        .flat_map(|chip| {
            m.app_cores(chip)
                .map(move |core| CoreLocation { chip, core })
        })
        .collect();
    let mut ner = Ner::new(m);
    let mut builder = TableBuilder::new();
    let mut routed = Vec::new();
    for (key, (source, sinks)) in nets.iter().enumerate() {
        let source = cores[source % cores.len()].chip;
        let sinks: Vec<CoreLocation> = sinks.iter().map(|&s| cores[s % cores.len()]).collect();
        match ner.route(source, &sinks) {
            Ok(tree) => {
                check_tree(m, &tree, source, &sinks);
                builder
                    .add(&tree, key as u32, u32::MAX)
                    .map_err(TestCaseError::fail)?;
                routed.push((key as u32, source, sinks));
            }
            Err(e) => {
                prop_assert!(e.contains("disconnected subregion"), "{e}");
                prop_assert!(sinks.iter().any(|s| !connected(m, source, s.chip)), "{e}");
            }
        }
    }
    let tables = builder.finish();
    let loaded: BTreeMap<ChipCoord, Vec<TableEntry>> = tables
        .iter()
        .map(|(&chip, entries)| {
            (
                chip,
                entries.iter().filter(|e| !e.defaultable).copied().collect(),
            )
        })
        .collect();
    for (key, source, sinks) in routed {
        let want: BTreeMap<CoreLocation, u32> = sinks.iter().map(|&s| (s, 1)).collect();
        for t in [&tables, &loaded] {
            prop_assert_eq!(
                deliver(m, t, source, key).map_err(TestCaseError::fail)?,
                want.clone()
            );
        }
    }
    Ok(())
}

fn machine(preset: &str, faults: &Faults) -> Machine {
    Machine::new(Preset::parse(preset).unwrap(), CoreModel::Realistic, faults).unwrap()
}

fn nets() -> impl Strategy<Value = Vec<(usize, Vec<usize>)>> {
    prop::collection::vec(
        (any::<usize>(), prop::collection::vec(any::<usize>(), 1..24)),
        1..8,
    )
}

proptest! {
    #[test]
    fn packets_reach_exactly_their_sinks_on_a_board(nets in nets()) {
        route_and_forward(&machine("spinnaker-48", &Faults::default()), &nets)?;
    }

    #[test]
    fn packets_reach_exactly_their_sinks_on_a_torus_with_dead_links(
        nets in nets(),
        dead_links in prop::collection::vec((0..12u16, 0..12u16, 0..6u8), 0..40),
    ) {
        let faults = Faults { dead_links, ..Faults::default() };
        route_and_forward(&machine("spinnaker-3b", &faults), &nets)?;
    }

    #[test]
    fn packets_reach_exactly_their_sinks_on_a_board_with_dead_chips_and_links(
        nets in nets(),
        dead_chips in prop::collection::vec((0..8u16, 0..8u16), 0..4),
        dead_links in prop::collection::vec((0..8u16, 0..8u16, 0..6u8), 0..12),
    ) {
        let m = Machine::new(Preset::Spinn5, CoreModel::Realistic, &Faults::default()).unwrap();
        let on_board = |&(x, y): &(u16, u16)| m.has_chip(ChipCoord::new(x, y));
        let faults = Faults {
            dead_chips: dead_chips.into_iter().filter(on_board).collect(),
            dead_links: dead_links.into_iter().filter(|&(x, y, _)| on_board(&(x, y))).collect(),
            ..Faults::default()
        };
        route_and_forward(&machine("spinnaker-48", &faults), &nets)?;
    }
}
