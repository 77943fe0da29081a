//! TEMPORARY (replaced by the place/route modules): sequential placement, BFS routes.

use std::collections::{BTreeMap, VecDeque};

use nmemu_loader::Network;
use spinnaker_emu::geometry::{ChipCoord, Link};
use spinnaker_emu::machine::Machine;
use spinnaker_emu::router::table::{Route, RoutingEntry};

use super::SpinnakerOptions;
use super::keys::KeyLayout;
use super::partition::Partition;
use super::report::{LinkLoad, PhaseTimes, Placement, TableReport};

pub struct RoutingReport {
    pub placement: Placement,
    pub tables: Vec<TableReport>,
    pub link_loads: Vec<LinkLoad>,
}

pub struct Routed {
    pub placements: Vec<(ChipCoord, u8)>,
    pub tables: BTreeMap<ChipCoord, Vec<RoutingEntry>>,
    pub report: RoutingReport,
}

pub fn place_and_route(
    _net: &Network,
    machine: &Machine,
    partition: &Partition,
    keys: &KeyLayout,
    targets: &[Vec<usize>],
    options: &SpinnakerOptions,
    _times: &mut PhaseTimes,
) -> Result<Routed, String> {
    let mut placements = Vec::new();
    'outer: for chip in machine.chips() {
        for core in machine.app_cores(chip) {
            if placements.len() == partition.slices.len() {
                break 'outer;
            }
            placements.push((chip, core));
        }
    }
    let mut tables: BTreeMap<ChipCoord, Vec<RoutingEntry>> = BTreeMap::new();
    for (s, sinks) in targets.iter().enumerate() {
        if sinks.is_empty() {
            continue;
        }
        let slice = &partition.slices[s];
        let atoms = partition.populations[slice.population].atoms_per_core;
        let key = keys.slice_key(slice.population, slice.index(atoms));
        let mask = keys.slice_mask();
        let mut routes: BTreeMap<ChipCoord, Route> = BTreeMap::new();
        let src = placements[s].0;
        for &t in sinks {
            let (chip, core) = placements[t];
            let e = routes.entry(chip).or_default();
            *e = e.with_core(core);
            // BFS path src -> chip
            let mut prev: BTreeMap<ChipCoord, (ChipCoord, Link)> = BTreeMap::new();
            let mut q = VecDeque::from([src]);
            while let Some(c) = q.pop_front() {
                if c == chip {
                    break;
                }
                for l in Link::ALL {
                    if let Some(n) = machine.neighbour(c, l)
                        && n != src
                        && !prev.contains_key(&n)
                    {
                        prev.insert(n, (c, l));
                        q.push_back(n);
                    }
                }
            }
            let mut c = chip;
            while c != src {
                let (p, l) = prev[&c];
                let e = routes.entry(p).or_default();
                *e = e.with_link(l as u8);
                c = p;
            }
        }
        for (chip, route) in routes {
            tables
                .entry(chip)
                .or_default()
                .push(RoutingEntry { key, mask, route });
        }
    }
    Ok(Routed {
        placements,
        tables,
        report: RoutingReport {
            placement: Placement {
                placer: "sequential",
                seed: options.seed,
                cost_before: 0.0,
                cost_after: 0.0,
            },
            tables: vec![],
            link_loads: vec![],
        },
    })
}
