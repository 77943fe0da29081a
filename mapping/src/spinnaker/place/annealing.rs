//! Simulated-annealing placement, after rig's SA placer (Heathcote 2016), whose schedule is VPR's (Betz &
//! Rose 1997).
//!
//! The cost of a placement is Σ over nets of weight × half-perimeter of the net's bounding box in chips,
//! the minimal wrapped box on a torus (rig's Python kernel). Hop distance on the hexagonal mesh is ignored,
//! as in rig: the box is cheap to keep up to date and tracks it well. A move takes a random vertex to a
//! random chip within the distance limit (in x and y), onto a free core or swapping with a vertex there;
//! it is accepted if it lowers the cost, or with probability exp(−Δ/T). The schedule:
//!
//! - T₀ = 20 σ, σ the standard deviation of the cost change of one random move per vertex, all accepted;
//! - effort · N^1.33 moves per temperature, N the number of vertices;
//! - T shrinks by 0.5, 0.9, 0.95 or 0.8 as the acceptance ratio r is above 0.96, 0.8, 0.15 or not;
//! - the distance limit is multiplied by 1 − 0.44 + r (Lam & Delosme: hold r near 0.44), kept within
//!   [1, max(W, H)];
//! - it stops when T < 0.005 · cost / #nets, or the cost reaches 0.
//!
//! Each net keeps, per axis, its occupied coordinates with vertex counts, so a move updates the bounding
//! boxes of the nets of the moved vertices only, recomputing a box side only when a coordinate becomes
//! occupied or empty. Everything is sequential and driven by one seeded generator: a seed fixes the result.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use spinnaker_emu::geometry::ChipCoord;
use spinnaker_emu::machine::Machine;

use super::{CoreLocation, Placements};
use crate::spinnaker::graph::Graph;

/// Default effort. rig uses 1.0; 0.2 keeps a few-hundred-vertex problem well under a second and, started
/// from the Hilbert placement, loses little (see the bench).
pub const DEFAULT_EFFORT: f64 = 0.2;

/// How hard to anneal, and the seed that makes the result reproducible.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnnealConfig {
    /// Scales the moves per temperature (runtime is linear in it); 0 returns the initial placement.
    pub effort: f64,
    pub seed: u64,
}

impl Default for AnnealConfig {
    fn default() -> AnnealConfig {
        AnnealConfig {
            effort: DEFAULT_EFFORT,
            seed: 1,
        }
    }
}

/// What the anneal did, for the mapping report (rig reports cost, acceptance, temperature and distance
/// limit per temperature; spec A2.4).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnnealReport {
    /// Cost of the placement given to `anneal`.
    pub initial_cost: f64,
    /// Cost of the placement returned.
    pub final_cost: f64,
    pub initial_temperature: f64,
    /// Temperatures annealed at.
    pub temperatures: u32,
    /// Moves tried and accepted, the T₀ estimate included.
    pub moves: u64,
    pub accepted: u64,
}

/// Cost of a placement: Σ over nets of weight × (x extent + y extent) of the net's bounding box in chips,
/// the smallest box around the wrap on a torus.
pub fn placement_cost(machine: &Machine, graph: &Graph, placements: &Placements) -> f64 {
    let (w, h) = (u32::from(machine.width()), u32::from(machine.height()));
    let wraps = machine.wraps();
    let extent = |mut coords: Vec<u32>, size: u32| {
        coords.sort_unstable();
        coords.dedup();
        span(coords.into_iter(), size, wraps)
    };
    graph
        .nets()
        .iter()
        .map(|net| {
            let chips: Vec<ChipCoord> =
                net.vertices().iter().map(|&v| placements.location(v).chip).collect();
            let xs = chips.iter().map(|c| u32::from(c.x)).collect();
            let ys = chips.iter().map(|c| u32::from(c.y)).collect();
            net.weight * f64::from(extent(xs, w) + extent(ys, h))
        })
        .sum()
}

/// Extent of ascending distinct coordinates on an axis of `size` positions: last − first, or on a ring the
/// size minus the largest gap between neighbours (the box goes the other way round that gap).
fn span(mut sorted: impl Iterator<Item = u32>, size: u32, wraps: bool) -> u32 {
    let Some(first) = sorted.next() else {
        return 0;
    };
    let (mut last, mut largest_gap) = (first, 0);
    for c in sorted {
        largest_gap = largest_gap.max(c - last);
        last = c;
    }
    if wraps {
        size - largest_gap.max(first + size - last)
    } else {
        last - first
    }
}

/// Improves `initial` by simulated annealing. Errors if `initial` does not place exactly the graph's
/// vertices or the effort is negative or not finite.
pub fn anneal(
    machine: &Machine,
    graph: &Graph,
    initial: &Placements,
    config: &AnnealConfig,
) -> Result<(Placements, AnnealReport), String> {
    if initial.len() != graph.n_vertices() as usize {
        return Err(format!(
            "the initial placement places {} vertices; the graph has {}",
            initial.len(),
            graph.n_vertices()
        ));
    }
    if !(config.effort.is_finite() && config.effort >= 0.0) {
        return Err(format!("annealing effort must be finite and non-negative, got {}", config.effort));
    }
    let mut state = State::new(machine, graph, initial)?;
    let initial_cost = state.total_cost();
    let mut report = AnnealReport {
        initial_cost,
        final_cost: initial_cost,
        initial_temperature: 0.0,
        temperatures: 0,
        moves: 0,
        accepted: 0,
    };
    // rig's trivial cases: a single chip position, nothing to place, no effort, no net that can change.
    let trivial = usize::from(machine.width()) * usize::from(machine.height()) == 1
        || graph.n_vertices() == 0
        || config.effort == 0.0
        || state.nets.is_empty();
    if trivial {
        return Ok((initial.clone(), report));
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(config.seed);
    let max_limit = f64::from(machine.width().max(machine.height()));
    let mut distance_limit = max_limit;
    let n = graph.n_vertices() as usize;

    let mut deltas = Vec::with_capacity(n);
    for _ in 0..n {
        let (accepted, delta) = state.step(&mut rng, max_limit as u32, 1e100);
        report.accepted += u64::from(accepted);
        deltas.push(delta);
    }
    report.moves += n as u64;
    let mean = deltas.iter().sum::<f64>() / n as f64;
    let variance = deltas.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / n as f64;
    let mut temperature = 20.0 * variance.sqrt();
    report.initial_temperature = temperature;

    let steps = ((config.effort * (n as f64).powf(1.33)) as u64).max(1);
    let n_nets = state.nets.len() as f64;
    // Zero, as in rig, so at least one temperature runs.
    let mut cost = 0.0;
    while temperature > 0.005 * cost / n_nets {
        let limit = distance_limit.ceil() as u32;
        let mut accepted = 0u64;
        for _ in 0..steps {
            accepted += u64::from(state.step(&mut rng, limit, temperature).0);
        }
        cost = state.total_cost();
        report.temperatures += 1;
        report.moves += steps;
        report.accepted += accepted;
        if cost == 0.0 {
            break;
        }
        let r = accepted as f64 / steps as f64;
        temperature *= match r {
            r if r > 0.96 => 0.5,
            r if r > 0.8 => 0.9,
            r if r > 0.15 => 0.95,
            _ => 0.8,
        };
        distance_limit = (distance_limit * (1.0 - 0.44 + r)).clamp(1.0, max_limit);
    }
    report.final_cost = state.total_cost();
    Ok((state.placements(machine)?, report))
}

/// No vertex in a core slot.
const EMPTY: u32 = u32::MAX;

/// One axis of a net's bounding box: its occupied coordinates, ascending, with how many of the net's
/// vertices sit at each, and the box's extent along the axis.
#[derive(Clone, Debug, Default)]
struct Axis {
    occupied: Vec<(u16, u32)>,
    extent: u32,
}

impl Axis {
    /// Counts a vertex at `at`; true if the coordinate was empty.
    fn add(&mut self, at: u16) -> bool {
        match self.occupied.binary_search_by_key(&at, |&(c, _)| c) {
            Ok(i) => {
                self.occupied[i].1 += 1;
                false
            }
            Err(i) => {
                self.occupied.insert(i, (at, 1));
                true
            }
        }
    }

    /// Uncounts a vertex at `at` (which holds one); true if the coordinate became empty.
    fn remove(&mut self, at: u16) -> bool {
        let Ok(i) = self.occupied.binary_search_by_key(&at, |&(c, _)| c) else {
            unreachable!("a net's axis counts every vertex of the net");
        };
        self.occupied[i].1 -= 1;
        if self.occupied[i].1 == 0 {
            self.occupied.remove(i);
            return true;
        }
        false
    }

    fn recompute(&mut self, size: u32, wraps: bool) {
        self.extent = span(self.occupied.iter().map(|&(c, _)| u32::from(c)), size, wraps);
    }
}

/// A net as the annealer sees it: its weight and bounding box.
#[derive(Clone, Debug)]
struct NetBox {
    weight: f64,
    x: Axis,
    y: Axis,
}

impl NetBox {
    fn cost(&self) -> f64 {
        self.weight * f64::from(self.x.extent + self.y.extent)
    }
}

/// A net touched by the move under evaluation, with its extents before the move.
struct Touched {
    net: u32,
    x_extent: u32,
    y_extent: u32,
}

/// The placement being annealed: cores as slots grouped by chip, vertices in slots, nets' boxes.
struct State<'m> {
    machine: &'m Machine,
    width: u32,
    height: u32,
    wraps: bool,
    /// Chip (dense machine index) and virtual core of each slot; a chip's slots are contiguous.
    slot_chip: Vec<u32>,
    slot_core: Vec<u8>,
    slot_vertex: Vec<u32>,
    /// `chip_slots[c]..chip_slots[c + 1]` are chip c's slots.
    chip_slots: Vec<u32>,
    vertex_slot: Vec<u32>,
    nets: Vec<NetBox>,
    /// `vertex_nets[vertex_net_start[v]..vertex_net_start[v + 1]]`: the nets of vertex v, each once.
    vertex_net_start: Vec<u32>,
    vertex_nets: Vec<u32>,
    /// Per net, the move number that last touched it, so a net in both moved vertices is saved once.
    touched_at: Vec<u64>,
    move_number: u64,
    touched: Vec<Touched>,
}

impl<'m> State<'m> {
    /// The state of `initial`; errors if a vertex is not on an application core of `machine` (placements
    /// made for another machine).
    fn new(machine: &'m Machine, graph: &Graph, initial: &Placements) -> Result<State<'m>, String> {
        let mut slot_chip = Vec::new();
        let mut slot_core = Vec::new();
        let mut chip_slots = vec![0];
        for (index, chip) in machine.chips().enumerate() {
            for core in machine.app_cores(chip) {
                slot_chip.push(index as u32);
                slot_core.push(core);
            }
            chip_slots.push(slot_core.len() as u32);
        }
        let mut slot_vertex = vec![EMPTY; slot_core.len()];
        let mut vertex_slot = vec![0; initial.len()];
        for (v, at) in initial.iter() {
            let not_here = || format!("{v} is placed on {at}, not an application core of {}", machine.preset());
            let chip = machine.chip_index(at.chip).ok_or_else(not_here)? as usize;
            let range = chip_slots[chip] as usize..chip_slots[chip + 1] as usize;
            let slot = range.start + slot_core[range].iter().position(|&c| c == at.core).ok_or_else(not_here)?;
            slot_vertex[slot] = v.0;
            vertex_slot[v.0 as usize] = slot as u32;
        }
        let mut state = State {
            machine,
            width: u32::from(machine.width()),
            height: u32::from(machine.height()),
            wraps: machine.wraps(),
            slot_chip,
            slot_core,
            slot_vertex,
            chip_slots,
            vertex_slot,
            nets: Vec::new(),
            vertex_net_start: Vec::new(),
            vertex_nets: Vec::new(),
            touched_at: Vec::new(),
            move_number: 0,
            touched: Vec::new(),
        };
        state.index_nets(graph);
        Ok(state)
    }

    /// Builds the nets' boxes and the vertex → nets index; nets with fewer than two distinct vertices or no
    /// weight cannot change the cost and are left out, as in rig.
    fn index_nets(&mut self, graph: &Graph) {
        let mut members: Vec<(u32, u32)> = Vec::new();
        for net in graph.nets() {
            let vertices = net.vertices();
            if vertices.len() < 2 || net.weight <= 0.0 {
                continue;
            }
            let id = self.nets.len() as u32;
            let mut net_box = NetBox {
                weight: net.weight,
                x: Axis::default(),
                y: Axis::default(),
            };
            for v in vertices {
                let chip = self.chip_of(v.0);
                net_box.x.add(chip.x);
                net_box.y.add(chip.y);
                members.push((v.0, id));
            }
            net_box.x.recompute(self.width, self.wraps);
            net_box.y.recompute(self.height, self.wraps);
            self.nets.push(net_box);
        }
        members.sort_unstable();
        self.vertex_net_start = vec![0; self.vertex_slot.len() + 1];
        for &(v, _) in &members {
            self.vertex_net_start[v as usize + 1] += 1;
        }
        for v in 0..self.vertex_slot.len() {
            self.vertex_net_start[v + 1] += self.vertex_net_start[v];
        }
        self.vertex_nets = members.into_iter().map(|(_, net)| net).collect();
        self.touched_at = vec![0; self.nets.len()];
    }

    fn chip_of(&self, vertex: u32) -> ChipCoord {
        let slot = self.vertex_slot[vertex as usize] as usize;
        self.machine.chip(self.slot_chip[slot])
    }

    fn total_cost(&self) -> f64 {
        self.nets.iter().map(NetBox::cost).sum()
    }

    /// One move at `temperature` with chips at most `limit` away in x and in y: whether it was made, and
    /// the cost change (0 when not made).
    fn step(&mut self, rng: &mut Xoshiro256PlusPlus, limit: u32, temperature: f64) -> (bool, f64) {
        let vertex = rng.random_range(0..self.vertex_slot.len()) as u32;
        let from_slot = self.vertex_slot[vertex as usize] as usize;
        let from = self.machine.chip(self.slot_chip[from_slot]);
        let to = self.random_chip_near(rng, from, limit);
        let Some(to_index) = self.machine.chip_index(to) else {
            return (false, 0.0);
        };
        let slots = self.chip_slots[to_index as usize] as usize..self.chip_slots[to_index as usize + 1] as usize;
        if slots.is_empty() {
            return (false, 0.0);
        }
        // A free core if there is one, else a random occupied one whose vertex comes back in exchange.
        let to_slot = match slots.clone().find(|&s| self.slot_vertex[s] == EMPTY) {
            Some(s) => s,
            None => rng.random_range(slots),
        };
        let other = self.slot_vertex[to_slot];
        self.move_number += 1;
        self.touched.clear();
        self.shift(vertex, from, to);
        if other != EMPTY {
            self.shift(other, to, from);
        }
        let delta = self.settle();
        let accept = delta <= 0.0 || rng.random::<f64>() < (-delta / temperature).exp();
        if accept {
            self.slot_vertex[from_slot] = other;
            self.slot_vertex[to_slot] = vertex;
            self.vertex_slot[vertex as usize] = to_slot as u32;
            if other != EMPTY {
                self.vertex_slot[other as usize] = from_slot as u32;
            }
            return (true, delta);
        }
        self.shift(vertex, to, from);
        if other != EMPTY {
            self.shift(other, from, to);
        }
        for t in &self.touched {
            let net = &mut self.nets[t.net as usize];
            net.x.extent = t.x_extent;
            net.y.extent = t.y_extent;
        }
        (false, 0.0)
    }

    /// A chip position other than `from`, at most `limit` away on each axis: wrapped on a torus, clipped to
    /// the grid otherwise (rig). It may hold no working chip.
    fn random_chip_near(&self, rng: &mut Xoshiro256PlusPlus, from: ChipCoord, limit: u32) -> ChipCoord {
        let pick = |rng: &mut Xoshiro256PlusPlus, at: u16, size: u32| -> u16 {
            let (at, limit, size) = (i64::from(at), i64::from(limit), i64::from(size));
            if self.wraps {
                rng.random_range(at - limit..=at + limit).rem_euclid(size) as u16
            } else {
                rng.random_range((at - limit).max(0)..=(at + limit).min(size - 1)) as u16
            }
        };
        loop {
            let to = ChipCoord::new(pick(rng, from.x, self.width), pick(rng, from.y, self.height));
            if to != from {
                return to;
            }
        }
    }

    /// Moves `vertex`'s contribution to its nets' boxes from chip `from` to chip `to`, saving each touched
    /// net's extents once per move and recording which sides need recomputing.
    fn shift(&mut self, vertex: u32, from: ChipCoord, to: ChipCoord) {
        let range = self.vertex_net_start[vertex as usize] as usize..self.vertex_net_start[vertex as usize + 1] as usize;
        for &net in &self.vertex_nets[range] {
            let net_box = &mut self.nets[net as usize];
            if self.touched_at[net as usize] != self.move_number {
                self.touched_at[net as usize] = self.move_number;
                self.touched.push(Touched {
                    net,
                    x_extent: net_box.x.extent,
                    y_extent: net_box.y.extent,
                });
            }
            if from.x != to.x && (net_box.x.remove(from.x) | net_box.x.add(to.x)) {
                net_box.x.recompute(self.width, self.wraps);
            }
            if from.y != to.y && (net_box.y.remove(from.y) | net_box.y.add(to.y)) {
                net_box.y.recompute(self.height, self.wraps);
            }
        }
    }

    /// The cost change of the touched nets since their extents were saved.
    fn settle(&self) -> f64 {
        self.touched
            .iter()
            .map(|t| {
                let net = &self.nets[t.net as usize];
                net.weight * (f64::from(net.x.extent + net.y.extent) - f64::from(t.x_extent + t.y_extent))
            })
            .sum()
    }

    fn placements(&self, machine: &Machine) -> Result<Placements, String> {
        let locations = self
            .vertex_slot
            .iter()
            .map(|&slot| CoreLocation {
                chip: machine.chip(self.slot_chip[slot as usize]),
                core: self.slot_core[slot as usize],
            })
            .collect();
        Placements::new(machine, locations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spinnaker::graph::{Net, VertexId};
    use crate::spinnaker::place::hilbert::place_hilbert;
    use spinnaker_emu::Preset;
    use spinnaker_emu::faults::Faults;
    use spinnaker_emu::machine::CoreModel;

    fn machine(preset: &str, faults: &Faults) -> Machine {
        Machine::new(Preset::parse(preset).unwrap(), CoreModel::Realistic, faults).unwrap()
    }

    /// `clusters` groups of `size` vertices, every vertex sending to its whole group; ids are dealt round
    /// the groups, so placing by id scatters every group.
    fn clustered(clusters: u32, size: u32) -> Graph {
        let mut graph = Graph::with_vertices(clusters * size);
        for v in 0..clusters * size {
            let group = v % clusters;
            let sinks = (0..size).map(|i| VertexId(group + i * clusters)).collect();
            graph
                .add_net(Net {
                    source: VertexId(v),
                    sinks,
                    weight: 1.0 + f64::from(group),
                })
                .unwrap();
        }
        graph
    }

    #[test]
    fn spans_take_the_short_way_round_a_ring() {
        let span_of = |coords: &[u32], wraps| span(coords.iter().copied(), 12, wraps);
        assert_eq!(span_of(&[], true), 0);
        assert_eq!(span_of(&[5], true), 0);
        assert_eq!(span_of(&[0, 11], false), 11);
        assert_eq!(span_of(&[0, 11], true), 1);
        assert_eq!(span_of(&[0, 1, 10], true), 3);
        assert_eq!(span_of(&[2, 5, 9], true), 7);
        assert_eq!(span_of(&[2, 5, 9], false), 7);
    }

    #[test]
    fn annealing_gathers_clusters_and_keeps_its_bookkeeping() {
        for (preset, clusters) in [("spinnaker-48", 12), ("spinnaker-3b", 24)] {
            let m = machine(preset, &Faults::default());
            let graph = clustered(clusters, 14);
            let start = place_hilbert(&m, &graph).unwrap();
            let (placed, report) = anneal(&m, &graph, &start, &AnnealConfig::default()).unwrap();
            assert_eq!(report.initial_cost, placement_cost(&m, &graph, &start));
            assert_eq!(report.final_cost, placement_cost(&m, &graph, &placed));
            assert!(
                report.final_cost < 0.5 * report.initial_cost,
                "{preset}: {} -> {}",
                report.initial_cost,
                report.final_cost
            );
            assert!(report.temperatures > 0 && report.accepted > 0 && report.accepted <= report.moves);
        }
    }

    #[test]
    fn a_seed_fixes_the_result() {
        let m = machine("spinnaker-3b", &Faults::default());
        let graph = clustered(10, 9);
        let start = place_hilbert(&m, &graph).unwrap();
        let run = |seed| anneal(&m, &graph, &start, &AnnealConfig { effort: 0.5, seed }).unwrap();
        assert_eq!(run(7), run(7));
        assert_ne!(run(7).0, run(8).0);
    }

    #[test]
    fn dead_chips_and_cores_stay_unused_and_the_monitor_free() {
        let faults = Faults {
            dead_chips: vec![(2, 2), (3, 3), (4, 4)],
            dead_cores: vec![(1, 0, 1), (2, 1, 4)],
            dead_links: vec![],
        };
        let m = machine("spinnaker-48", &faults);
        // Every usable core taken: moves can only be swaps.
        let full = m.n_app_cores_total() as u32;
        for n in [100, full] {
            let mut graph = clustered(n / 10, 10);
            while graph.n_vertices() < n {
                graph.add_vertex();
            }
            let start = place_hilbert(&m, &graph).unwrap();
            let (placed, _) = anneal(&m, &graph, &start, &AnnealConfig::default()).unwrap();
            for (v, at) in placed.iter() {
                assert!(m.has_chip(at.chip), "{v} on dead chip {}", at.chip);
                assert!(m.app_cores(at.chip).any(|c| c == at.core), "{v} on {at}");
                assert_ne!(at.core, 0);
            }
            assert_eq!(placed.len(), n as usize);
        }
    }

    #[test]
    fn nothing_to_improve_returns_the_start() {
        let m = machine("spinnaker-48", &Faults::default());
        let start = place_hilbert(&m, &Graph::with_vertices(20)).unwrap();
        let no_nets = anneal(&m, &Graph::with_vertices(20), &start, &AnnealConfig::default()).unwrap();
        assert_eq!(no_nets.0, start);
        let graph = clustered(2, 10);
        let start = place_hilbert(&m, &graph).unwrap();
        let lazy = AnnealConfig { effort: 0.0, seed: 1 };
        let (placed, report) = anneal(&m, &graph, &start, &lazy).unwrap();
        assert_eq!((placed, report.moves), (start.clone(), 0));
        let bad = AnnealConfig { effort: -1.0, seed: 1 };
        assert!(anneal(&m, &graph, &start, &bad).unwrap_err().contains("effort"));
        let other = clustered(3, 10);
        assert!(anneal(&m, &other, &start, &lazy).unwrap_err().contains("places 20 vertices"));
    }

    #[test]
    fn placements_for_another_machine_are_refused() {
        let torus = machine("spinnaker-3b", &Faults::default());
        let board = machine("spinnaker-48", &Faults::default());
        let graph = clustered(2, 10);
        let locations = (0..20u16)
            .map(|i| CoreLocation {
                chip: ChipCoord::new(11, i % 10),
                core: 1 + (i / 10) as u8,
            })
            .collect();
        let start = Placements::new(&torus, locations).unwrap();
        let err = anneal(&board, &graph, &start, &AnnealConfig::default()).unwrap_err();
        assert_eq!(err, "vertex 0 is placed on (11, 0) core 1, not an application core of spinnaker-48");
    }
}
