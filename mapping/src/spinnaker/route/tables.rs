//! From routing trees to routing-table entries, and the link loads the trees predict.
//!
//! As rig's `routing_tree_to_tables` (spec A3.3): every chip a net's tree visits gets one entry with the
//! net's key and mask, routing to the tree's outgoing links and the chip's sink cores. Nets that share a key
//! and mask on a chip must route alike there; their entries merge. Where packets arrive over exactly one
//! link and leave only by the opposite one, default routing does the same job, so the entry is marked
//! `defaultable` (spec A5.2) for minimisation to drop.

use std::collections::{BTreeMap, HashMap};

use spinnaker_emu::geometry::{ChipCoord, Link};
use spinnaker_emu::router::table::Route;

use super::ner::RoutingTree;
use crate::spinnaker::tables::TableEntry;

/// Arrival bit for packets sent by a core of the chip; bits 0-5 are the links.
const FROM_CORE: u8 = 1 << 6;

/// The arrival bit of a tree node: its incoming link, or `FROM_CORE` at the source.
fn arrival(arrives_on: Option<Link>) -> u8 {
    arrives_on.map_or(FROM_CORE, |l| 1 << l.index())
}

/// Whether default routing would send the packets where `route` does: they arrive on exactly one link
/// (`arrivals`, bit = link, `FROM_CORE` for a local core) and leave only on the opposite link. Packets from
/// a local core are never default-routed (spec A0.2).
fn defaultable(arrivals: u8, route: Route) -> bool {
    arrivals.is_power_of_two()
        && arrivals != FROM_CORE
        && route.core_bits() == 0
        && Link::from_index(arrivals.trailing_zeros() as u8)
            .is_some_and(|arrived| route.link_bits() == 1 << arrived.opposite().index())
}

/// One entry per chip of `tree` for packets matching (`key`, `mask`), source first. A chip whose route
/// is empty (the source of a net without sinks) gets none: a local packet matching nothing is dropped anyway.
pub fn tree_entries(
    tree: &RoutingTree,
    key: u32,
    mask: u32,
) -> impl Iterator<Item = (ChipCoord, TableEntry)> + '_ {
    tree.nodes()
        .iter()
        .filter(|node| !node.route.is_empty())
        .map(move |node| {
            let entry = TableEntry {
                key,
                mask,
                route: node.route,
                defaultable: defaultable(arrival(node.arrives_on), node.route),
            };
            (node.chip, entry)
        })
}

/// An entry being gathered, with every direction its packets arrive from.
#[derive(Clone, Copy, Debug)]
struct Gathered {
    key: u32,
    mask: u32,
    route: Route,
    arrivals: u8,
}

/// Gathers the entries of many nets into per-chip tables, in the order the nets are added.
#[derive(Clone, Debug, Default)]
pub struct TableBuilder {
    tables: BTreeMap<ChipCoord, Vec<Gathered>>,
    /// Where each (chip, key, mask) sits in its chip's table.
    index: HashMap<(ChipCoord, u32, u32), usize>,
}

impl TableBuilder {
    pub fn new() -> TableBuilder {
        TableBuilder::default()
    }

    /// Adds the entries of a net routed by `tree` whose packets match (`key`, `mask`). Errors if the key
    /// has a bit the mask does not cover (such an entry matches nothing, spec A0.2), or if a chip already
    /// routes the same key and mask elsewhere (keys must be allocated so that cannot happen).
    pub fn add(&mut self, tree: &RoutingTree, key: u32, mask: u32) -> Result<(), String> {
        if key & !mask != 0 {
            return Err(format!(
                "key {key:#010x} has bits outside mask {mask:#010x}: the entry would match nothing"
            ));
        }
        let nodes = || tree.nodes().iter().filter(|node| !node.route.is_empty());
        // Check every chip before changing any, so a refused net leaves the tables as they were.
        for node in nodes() {
            if let Some(&at) = self.index.get(&(node.chip, key, mask)) {
                let existing = self.tables[&node.chip][at].route;
                if existing != node.route {
                    return Err(format!(
                        "chip {}: key {key:#010x} mask {mask:#010x} is routed both to {existing} and to {}",
                        node.chip, node.route
                    ));
                }
            }
        }
        for node in nodes() {
            let table = self.tables.entry(node.chip).or_default();
            let at = *self.index.entry((node.chip, key, mask)).or_insert_with(|| {
                table.push(Gathered {
                    key,
                    mask,
                    route: node.route,
                    arrivals: 0,
                });
                table.len() - 1
            });
            table[at].arrivals |= arrival(node.arrives_on);
        }
        Ok(())
    }

    /// The tables, by chip; each in the order its entries were first added.
    pub fn finish(self) -> BTreeMap<ChipCoord, Vec<TableEntry>> {
        self.tables
            .into_iter()
            .map(|(chip, gathered)| {
                let entries = gathered
                    .into_iter()
                    .map(|g| TableEntry {
                        key: g.key,
                        mask: g.mask,
                        route: g.route,
                        defaultable: defaultable(g.arrivals, g.route),
                    })
                    .collect();
                (chip, entries)
            })
            .collect()
    }
}

/// Predicted load of every link the trees use: Σ of the weights (expected packets) of the nets whose trees
/// send packets out of `chip` on `link`, for the mapping report (link load, Navaridas et al. 2015).
pub fn link_loads<'a>(
    nets: impl IntoIterator<Item = (&'a RoutingTree, f64)>,
) -> BTreeMap<(ChipCoord, Link), f64> {
    let mut loads = BTreeMap::new();
    for (tree, weight) in nets {
        for node in tree.nodes() {
            for link in node.route.links() {
                let link = Link::from_index(link).expect("route link bits are links");
                *loads.entry((node.chip, link)).or_insert(0.0) += weight;
            }
        }
    }
    loads
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spinnaker::place::CoreLocation;
    use crate::spinnaker::route::ner::Ner;
    use spinnaker_emu::Preset;
    use spinnaker_emu::faults::Faults;
    use spinnaker_emu::machine::{CoreModel, Machine};

    fn spinn5() -> Machine {
        Machine::new(Preset::Spinn5, CoreModel::Realistic, &Faults::default()).unwrap()
    }

    fn core(x: u16, y: u16, core: u8) -> CoreLocation {
        CoreLocation {
            chip: ChipCoord::new(x, y),
            core,
        }
    }

    #[test]
    fn straight_through_chips_are_defaultable() {
        let m = spinn5();
        // (0, 0) to (3, 0): east three times.
        let tree = Ner::new(&m)
            .route(ChipCoord::new(0, 0), &[core(3, 0, 2)])
            .unwrap();
        let entries: Vec<(ChipCoord, TableEntry)> =
            tree_entries(&tree, 0x100, 0xffff_ff00).collect();
        let east = Route::default().with_link(0);
        let want = [
            (ChipCoord::new(0, 0), east, false),
            (ChipCoord::new(1, 0), east, true),
            (ChipCoord::new(2, 0), east, true),
            (ChipCoord::new(3, 0), Route::default().with_core(2), false),
        ];
        let got: Vec<_> = entries
            .iter()
            .map(|(c, e)| (*c, e.route, e.defaultable))
            .collect();
        assert_eq!(got, want);
        assert!(
            entries
                .iter()
                .all(|(_, e)| (e.key, e.mask) == (0x100, 0xffff_ff00))
        );
    }

    #[test]
    fn a_turn_a_fork_or_a_core_is_not_defaultable() {
        let arrived_west = 1 << Link::West.index();
        let east = Route::default().with_link(0);
        assert!(defaultable(arrived_west, east));
        assert!(!defaultable(arrived_west, east.with_link(2)));
        assert!(!defaultable(arrived_west, east.with_core(1)));
        assert!(!defaultable(arrived_west, Route::default().with_link(2)));
        assert!(!defaultable(arrived_west | 1 << Link::South.index(), east));
        assert!(!defaultable(FROM_CORE, east));
    }

    #[test]
    fn nets_sharing_a_key_merge_or_conflict() {
        let m = spinn5();
        let mut ner = Ner::new(&m);
        let a = ner.route(ChipCoord::new(0, 0), &[core(2, 0, 1)]).unwrap();
        // Arrives at (1, 0) from the south instead of the west: same route east, two arrival links.
        let b = ner.route(ChipCoord::new(1, 1), &[core(1, 0, 3)]).unwrap();
        let c = ner.route(ChipCoord::new(1, 1), &[core(2, 1, 3)]).unwrap();
        let mut builder = TableBuilder::new();
        builder.add(&a, 7, u32::MAX).unwrap();
        builder.add(&c, 8, u32::MAX).unwrap();
        let err = builder.add(&b, 7, u32::MAX).unwrap_err();
        assert_eq!(
            err,
            "chip (1, 0): key 0x00000007 mask 0xffffffff is routed both to E and to c3"
        );
        assert!(builder.add(&a, 1, 0).unwrap_err().contains("outside mask"));
        // The refused net left nothing behind at its source (1, 1).
        let tables = builder.finish();
        assert_eq!(
            tables[&ChipCoord::new(1, 1)]
                .iter()
                .map(|e| e.key)
                .collect::<Vec<_>>(),
            [8]
        );

        // Both nets go east through (1, 0), one arriving from the west, one from the north: one entry, which
        // default routing cannot replace.
        let from_west = ner.route(ChipCoord::new(0, 0), &[core(2, 0, 1)]).unwrap();
        let from_north = ner.route(ChipCoord::new(1, 2), &[core(2, 0, 1)]).unwrap();
        let through = |builder: TableBuilder| builder.finish()[&ChipCoord::new(1, 0)].clone();
        let mut alone = TableBuilder::new();
        alone.add(&from_west, 7, u32::MAX).unwrap();
        let alone = through(alone);
        assert_eq!((alone.len(), alone[0].defaultable), (1, true));
        let mut merged = TableBuilder::new();
        merged.add(&from_west, 7, u32::MAX).unwrap();
        merged.add(&from_north, 7, u32::MAX).unwrap();
        let merged = through(merged);
        assert_eq!(merged.len(), 1);
        assert_eq!(
            (merged[0].route, merged[0].defaultable),
            (Route::default().with_link(0), false)
        );
    }

    #[test]
    fn link_loads_add_the_weights_of_the_nets_crossing() {
        let m = spinn5();
        let mut ner = Ner::new(&m);
        let a = ner.route(ChipCoord::new(0, 0), &[core(2, 0, 1)]).unwrap();
        let b = ner
            .route(ChipCoord::new(1, 0), &[core(2, 0, 1), core(1, 1, 1)])
            .unwrap();
        let loads = link_loads([(&a, 2.0), (&b, 0.5)]);
        let want = BTreeMap::from([
            ((ChipCoord::new(0, 0), Link::East), 2.0),
            ((ChipCoord::new(1, 0), Link::East), 2.5),
            ((ChipCoord::new(1, 0), Link::North), 0.5),
        ]);
        assert_eq!(loads, want);
    }
}
