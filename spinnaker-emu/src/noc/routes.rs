//! Destinations by traffic pattern, and the routing tables that carry each source core's packets there.
//!
//! Dead chips send and receive nothing (they have no cores) and carry nothing (they have no router): a
//! route that would cross one takes a shortest detour over working chips and links instead, and a flow
//! with no working path at all is left out. Both are counted in [`Routes`]. Dead links stay on the routes:
//! what the router does about them (dumps, emergency routing) is part of the experiment.

use std::collections::{BTreeMap, HashMap, VecDeque};

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::geometry::{ChipCoord, Link, first_step, shortest_vector};
use crate::machine::Machine;
use crate::router::table::{Route, RoutingEntry, RoutingTable};

/// Where each core sends its packets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pattern {
    /// A destination core drawn uniformly from every application core of the machine.
    Uniform,
    /// A core on the same chip or one of its neighbours.
    Local,
    /// Every core sends to the cores of one chip, near the middle of the machine.
    Hotspot,
    /// Chip (x, y) sends to chip (W - 1 - x, H - 1 - y) (or the nearest existing chip to it).
    BitComplement,
}

impl Pattern {
    pub fn parse(name: &str) -> Result<Pattern, String> {
        Ok(match name {
            "uniform" => Pattern::Uniform,
            "local" => Pattern::Local,
            "hotspot" => Pattern::Hotspot,
            "bitcomplement" => Pattern::BitComplement,
            other => {
                return Err(format!(
                    "unknown traffic pattern `{other}`; expected one of: uniform, local, hotspot, bitcomplement"
                ));
            }
        })
    }
}

/// A core of the machine.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub struct CoreId {
    pub chip: ChipCoord,
    pub core: u8,
}

/// The sources, their keys and destinations, and the tables that route them.
#[derive(Clone, Debug)]
pub struct Routes {
    /// (source core, its key, destination core); a source's key is its index among the machine's
    /// application cores (flows left out leave gaps).
    pub flows: Vec<(CoreId, u32, CoreId)>,
    pub tables: BTreeMap<ChipCoord, RoutingTable>,
    /// Table entries before leaving straight-through hops to default routing.
    pub entries_before_default_removal: usize,
    /// Flows whose dimension-ordered route crossed a dead chip and that take a detour instead.
    pub rerouted: usize,
    /// Flows left out because no path of working chips and links reaches the destination.
    pub unreachable: usize,
}

/// The step sequence of a dimension-ordered shortest path from `a` to `b`: three straight runs, so at most
/// two turns (and at most four table entries per route once straight hops are left to default routing).
fn path(machine: &Machine, a: ChipCoord, b: ChipCoord) -> Vec<Link> {
    let (mut dx, mut dy) =
        shortest_vector(a, b, machine.width(), machine.height(), machine.wraps());
    let mut steps = Vec::new();
    while let Some(l) = first_step(dx, dy) {
        let (vx, vy) = l.vector();
        dx -= i64::from(vx);
        dy -= i64::from(vy);
        steps.push(l);
    }
    steps
}

/// The chip one step along `link`, with wrap-around; the link need not work (faults show up at run time).
fn step(machine: &Machine, c: ChipCoord, link: Link) -> ChipCoord {
    let (vx, vy) = link.vector();
    let (w, h) = (i64::from(machine.width()), i64::from(machine.height()));
    ChipCoord {
        x: (i64::from(c.x) + i64::from(vx)).rem_euclid(w) as u16,
        y: (i64::from(c.y) + i64::from(vy)).rem_euclid(h) as u16,
    }
}

/// A route's links from the source chip, and whether they detour around a dead chip.
type Steps = (Vec<Link>, bool);

/// `steps` from `a`, or a shortest path over working chips and links (breadth-first, links in
/// [`Link::ALL`] order) when `steps` crosses a dead chip: `None` when there is no such path, and whether
/// it is a detour.
fn around_dead_chips(
    machine: &Machine,
    a: ChipCoord,
    b: ChipCoord,
    steps: Vec<Link>,
) -> Option<Steps> {
    let mut at = a;
    let crosses_dead = steps.iter().any(|&l| {
        at = step(machine, at, l);
        !machine.has_chip(at)
    });
    if !crosses_dead {
        return Some((steps, false));
    }
    let mut came_by: HashMap<ChipCoord, (ChipCoord, Link)> = HashMap::new();
    let mut queue = VecDeque::from([a]);
    while let Some(c) = queue.pop_front() {
        if c == b {
            let mut detour = Vec::new();
            let mut back = b;
            while back != a {
                let (from, link) = came_by[&back];
                detour.push(link);
                back = from;
            }
            detour.reverse();
            return Some((detour, true));
        }
        for l in Link::ALL {
            if let Some(n) = machine.neighbour(c, l)
                && n != a
                && !came_by.contains_key(&n)
            {
                came_by.insert(n, (c, l));
                queue.push_back(n);
            }
        }
    }
    None
}

fn nearest_chip(machine: &Machine, target: ChipCoord) -> ChipCoord {
    machine
        .chips()
        .min_by_key(|&c| (path(machine, c, target).len(), c))
        .unwrap_or(target)
}

/// Chooses destinations and builds the tables; refuses a pattern whose tables do not fit a router.
pub fn build_routes(machine: &Machine, pattern: Pattern, seed: u64) -> Result<Routes, String> {
    let cores: Vec<CoreId> = machine
        .chips()
        .flat_map(|chip| {
            machine
                .app_cores(chip)
                .map(move |core| CoreId { chip, core })
        })
        .collect();
    if cores.len() < 2 {
        return Err("the machine has fewer than two application cores".into());
    }
    let centre = nearest_chip(
        machine,
        ChipCoord {
            x: machine.width() / 2,
            y: machine.height() / 2,
        },
    );
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x6e6f_6300);
    let pick = |rng: &mut Xoshiro256PlusPlus, among: &[CoreId], not: CoreId| loop {
        let c = among[rng.random_range(0..among.len())];
        if c != not || among.len() == 1 {
            return c;
        }
    };
    let on_chip = |chip: ChipCoord| -> Vec<CoreId> {
        machine
            .app_cores(chip)
            .map(|core| CoreId { chip, core })
            .collect()
    };
    let mut flows = Vec::with_capacity(cores.len());
    for (key, &src) in cores.iter().enumerate() {
        let dest = match pattern {
            Pattern::Uniform => pick(&mut rng, &cores, src),
            Pattern::Local => {
                let mut near = on_chip(src.chip);
                for l in Link::ALL {
                    if let Some(n) = machine.neighbour(src.chip, l) {
                        near.extend(on_chip(n));
                    }
                }
                pick(&mut rng, &near, src)
            }
            Pattern::Hotspot => pick(&mut rng, &on_chip(centre), src),
            Pattern::BitComplement => {
                let target = ChipCoord {
                    x: machine.width() - 1 - src.chip.x,
                    y: machine.height() - 1 - src.chip.y,
                };
                let chip = if machine.chip_index(target).is_some() {
                    target
                } else {
                    nearest_chip(machine, target)
                };
                let there = on_chip(chip);
                there
                    .iter()
                    .copied()
                    .find(|c| c.core == src.core)
                    .unwrap_or_else(|| pick(&mut rng, &there, src))
            }
        };
        flows.push((src, key as u32, dest));
    }
    let mut entries: BTreeMap<ChipCoord, Vec<RoutingEntry>> = BTreeMap::new();
    let mut before = 0;
    let (mut rerouted, mut unreachable) = (0, 0);
    let mut detours: HashMap<(ChipCoord, ChipCoord), Option<Steps>> = HashMap::new();
    flows.retain(|&(src, _, dest)| {
        let steps = detours.entry((src.chip, dest.chip)).or_insert_with(|| {
            let straight = path(machine, src.chip, dest.chip);
            around_dead_chips(machine, src.chip, dest.chip, straight)
        });
        match steps {
            Some((_, detour)) => rerouted += usize::from(*detour),
            None => unreachable += 1,
        }
        steps.is_some()
    });
    for &(src, key, dest) in &flows {
        let mut at = src.chip;
        let mut arrived: Option<Link> = None;
        let Some((steps, _)) = &detours[&(src.chip, dest.chip)] else {
            unreachable!("flows without a path were left out");
        };
        for out in steps.iter().map(Some).chain([None]) {
            let route = match out {
                Some(l) => Route::default().with_link(l.index() as u8),
                None => Route::default().with_core(dest.core),
            };
            before += 1;
            // A hop that goes straight on is left to default routing (arrived on i, leaves on i + 3).
            let straight = matches!((arrived, out), (Some(a), Some(o)) if a.opposite() == *o);
            if !straight {
                entries.entry(at).or_default().push(RoutingEntry {
                    key,
                    mask: u32::MAX,
                    route,
                });
            }
            if let Some(&l) = out {
                at = step(machine, at, l);
                arrived = Some(l.opposite());
            }
        }
    }
    let tables = entries
        .into_iter()
        .map(|(chip, e)| {
            let n = e.len();
            RoutingTable::new(e).map(|t| (chip, t)).map_err(|_| {
                format!(
                    "chip {chip} needs {n} routing entries; a router holds {}",
                    RoutingTable::APPLICATION_ENTRIES
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Routes {
        flows,
        tables,
        entries_before_default_removal: before,
        rerouted,
        unreachable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Preset;
    use crate::faults::Faults;
    use crate::machine::CoreModel;

    fn board(faults: &Faults) -> Machine {
        Machine::new(Preset::Spinn5, CoreModel::Realistic, faults).unwrap()
    }

    #[test]
    fn routes_go_around_a_dead_chip() {
        let dead = ChipCoord::new(3, 3);
        let machine = board(&Faults {
            dead_chips: vec![(3, 3)],
            ..Faults::default()
        });
        for pattern in [
            Pattern::Uniform,
            Pattern::BitComplement,
            Pattern::Hotspot,
            Pattern::Local,
        ] {
            let routes = build_routes(&machine, pattern, 1).unwrap();
            assert!(!routes.tables.contains_key(&dead), "{pattern:?}");
            assert!(
                routes
                    .flows
                    .iter()
                    .all(|(src, _, dest)| src.chip != dead && dest.chip != dead)
            );
            assert_eq!(routes.unreachable, 0, "{pattern:?}");
            if pattern != Pattern::Local {
                assert!(routes.rerouted > 0, "{pattern:?}");
            }
        }
        // Without faults nothing is rerouted.
        let routes = build_routes(&board(&Faults::default()), Pattern::Uniform, 1).unwrap();
        assert_eq!((routes.rerouted, routes.unreachable), (0, 0));
    }

    #[test]
    fn a_walled_off_chip_is_left_out_and_counted() {
        // (0, 0)'s neighbours on a board without wrap-around: (1, 0), (1, 1) and (0, 1).
        let machine = board(&Faults {
            dead_chips: vec![(1, 0), (1, 1), (0, 1)],
            ..Faults::default()
        });
        let routes = build_routes(&machine, Pattern::Uniform, 3).unwrap();
        assert!(routes.unreachable > 0);
        let alone = ChipCoord::new(0, 0);
        assert!(
            routes
                .flows
                .iter()
                .all(|(src, _, dest)| (src.chip == alone) == (dest.chip == alone))
        );
    }
}
