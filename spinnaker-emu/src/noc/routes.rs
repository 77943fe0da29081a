//! Destinations by traffic pattern, and the routing tables that carry each source core's packets there.

use std::collections::BTreeMap;

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
    /// (source core, its key, destination core); a source's key is its index here.
    pub flows: Vec<(CoreId, u32, CoreId)>,
    pub tables: BTreeMap<ChipCoord, RoutingTable>,
    /// Table entries before leaving straight-through hops to default routing.
    pub entries_before_default_removal: usize,
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
    for &(src, key, dest) in &flows {
        let mut at = src.chip;
        let mut arrived: Option<Link> = None;
        let steps = path(machine, src.chip, dest.chip);
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
    })
}
