//! Simulated-annealing placement, after rig's SA placer (Heathcote 2016), whose schedule is VPR's (Betz &
//! Rose 1997).
//!
//! A move takes a random vertex to a random chip within the distance limit (in x and in y, wrapped on a
//! torus, clipped on a board, as rig), onto a free core or swapping with a vertex there; it is kept if it
//! lowers the cost, or with probability exp(−Δ/T). rig's schedule:
//!
//! - effort · N^1.33 moves per temperature, N the number of vertices;
//! - T shrinks by 0.5, 0.9, 0.95 or 0.8 as the acceptance ratio r is above 0.96, 0.8, 0.15 or not;
//! - the distance limit starts at max(W, H) and is multiplied by 1 − 0.44 + r (Lam & Delosme: hold r near
//!   0.44), kept within [1, max(W, H)];
//! - it stops when T < 0.005 · cost / #nets, or the cost reaches 0.
//!
//! Three departures, all because nmemu anneals a good constructive placement (Hilbert) on a machine that is
//! mostly empty, where rig anneals a random one on a machine sized to the problem:
//!
//! - rig starts hot, at T₀ = 20 σ of the cost changes of one random move per vertex, all accepted, which
//!   scatters a placement. Measured on the `place_route` bench problem (microcircuit-sized, spinnaker-24b),
//!   even T₀ = σ or 0.1 σ melted the Hilbert placement to 4-6 times its cost, which effort 3 did not undo.
//!   T₀ here is the average net cost, cost / #nets: the anneal spans the same factor of 200 in temperature
//!   down to rig's stopping point, starting where a move that doubles an average net is still taken with
//!   probability 1/e.
//! - Cost of a net = weight × (x extent + y extent of its bounding box + chips it spans beyond the first).
//!   The half-perimeter is rig's (minimal box around the wrap on a torus; rig's Python kernel); with large
//!   nets alone it is flat inside the box, so vertices drift apart for free on an empty machine. The chip
//!   count stops that drift, and it is what a SpiNNaker net pays for: every chip it reaches is a router
//!   visit and a table entry.
//! - The cheapest placement seen at the end of a temperature is returned, so annealing never loses ground.
//!
//! A fourth, for large dense graphs: a move costs one update per net of the moved vertices, and in a
//! cortical model every slice is a sink of nearly every net (the microcircuit at scale 0.1: ~1,000 nets per
//! vertex; at full scale ~10,000). rig's N^1.33 moves per temperature then cost N^2.33 net updates, 66 s at
//! scale 0.1 and hours at full scale. So the moves per temperature are capped so that a whole anneal of
//! [`TYPICAL_TEMPERATURES`] temperatures makes at most [`WORK_BUDGET`] net updates; the report says how many
//! moves a temperature got and what was asked. The cap depends on the graph only, never on the clock, so the
//! result stays reproducible.
//!
//! Each net keeps, per axis and for its chips, the occupied coordinates with vertex counts, so a move updates
//! the nets of the moved vertices only, recomputing a box side only when a coordinate becomes occupied or
//! empty. Everything is sequential and driven by one seeded generator: a seed fixes the result.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use spinnaker_emu::geometry::ChipCoord;
use spinnaker_emu::machine::Machine;

use super::{CoreLocation, Placements};
use crate::spinnaker::graph::Graph;

/// Default effort. rig uses 1.0; 0.2 keeps a few-hundred-vertex problem under a second (the `place_route`
/// bench), and started from the Hilbert placement more effort gains little there.
pub const DEFAULT_EFFORT: f64 = 0.2;

/// Net updates a whole anneal may make: about 5 s on one host core (one update is a few binary searches and
/// small vector edits: 43 ns each, measured on the microcircuit at scale 0.1).
pub const WORK_BUDGET: f64 = 1.2e8;
/// Temperatures a schedule runs from the average net cost down to its stopping point at the usual 0.95 per
/// temperature (ln 200 / ln(1 / 0.95)), for sharing [`WORK_BUDGET`] between them.
pub const TYPICAL_TEMPERATURES: f64 = 103.0;

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
    /// Cost of the placement returned: the cheapest seen.
    pub final_cost: f64,
    pub initial_temperature: f64,
    /// Temperatures annealed at.
    pub temperatures: u32,
    /// Moves tried and accepted.
    pub moves: u64,
    pub accepted: u64,
    /// Moves per temperature: rig's effort · N^1.33 (`asked`), and what [`WORK_BUDGET`] allowed (`made`).
    pub moves_per_temperature_asked: u64,
    pub moves_per_temperature_made: u64,
}

/// Cost of a placement, what `anneal` lowers: Σ over nets of weight × (x extent + y extent of the net's
/// bounding box in chips, the smallest box around the wrap on a torus, + distinct chips of the net − 1).
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
            let mut chips: Vec<ChipCoord> = net
                .vertices()
                .iter()
                .map(|&v| placements.location(v).chip)
                .collect();
            let xs = chips.iter().map(|c| u32::from(c.x)).collect();
            let ys = chips.iter().map(|c| u32::from(c.y)).collect();
            chips.sort_unstable();
            chips.dedup();
            let beyond_first = chips.len().saturating_sub(1) as u32;
            net.weight * f64::from(extent(xs, w) + extent(ys, h) + beyond_first)
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
        return Err(format!(
            "annealing effort must be finite and non-negative, got {}",
            config.effort
        ));
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
        moves_per_temperature_asked: 0,
        moves_per_temperature_made: 0,
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
    let n = graph.n_vertices() as f64;
    let asked = ((config.effort * n.powf(1.33)) as u64).max(1);
    // A move updates the nets of one vertex, or of two when it swaps: count two.
    let updates_per_move = 2.0 * state.vertex_nets.len() as f64 / n;
    let affordable = (WORK_BUDGET / (TYPICAL_TEMPERATURES * updates_per_move)) as u64;
    let steps = asked.min(affordable).max(1);
    report.moves_per_temperature_asked = asked;
    report.moves_per_temperature_made = steps;
    let n_nets = state.nets.len() as f64;
    let mut temperature = initial_cost / n_nets;
    report.initial_temperature = temperature;
    let mut best = (initial_cost, state.vertex_slot.clone());
    // Zero, as in rig, so at least one temperature runs.
    let mut cost = 0.0;
    while temperature > 0.005 * cost / n_nets {
        let limit = distance_limit.ceil() as u32;
        let mut accepted = 0u64;
        for _ in 0..steps {
            accepted += u64::from(state.step(&mut rng, limit, temperature));
        }
        cost = state.total_cost();
        report.temperatures += 1;
        report.moves += steps;
        report.accepted += accepted;
        if cost < best.0 {
            best = (cost, state.vertex_slot.clone());
        }
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
    report.final_cost = best.0;
    Ok((state.placements(&best.1)?, report))
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
        self.extent = span(
            self.occupied.iter().map(|&(c, _)| u32::from(c)),
            size,
            wraps,
        );
    }
}

/// A net as the annealer sees it: its weight, bounding box, and chips. `chips` counts vertices by dense
/// chip index (below 57,600 on the largest machine, so a u16) and its extent is the chips beyond the first.
#[derive(Clone, Debug)]
struct NetBox {
    weight: f64,
    x: Axis,
    y: Axis,
    chips: Axis,
}

impl NetBox {
    fn cost(&self) -> f64 {
        self.weight * f64::from(self.x.extent + self.y.extent + self.chips.extent)
    }
}

/// A net touched by the move under evaluation, with its extents before the move.
struct Touched {
    net: u32,
    x_extent: u32,
    y_extent: u32,
    chips_extent: u32,
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
            let not_here = || {
                format!(
                    "{v} is placed on {at}, not an application core of {}",
                    machine.preset()
                )
            };
            let chip = machine.chip_index(at.chip).ok_or_else(not_here)? as usize;
            let range = chip_slots[chip] as usize..chip_slots[chip + 1] as usize;
            let slot = range.start
                + slot_core[range]
                    .iter()
                    .position(|&c| c == at.core)
                    .ok_or_else(not_here)?;
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
                chips: Axis::default(),
            };
            for v in vertices {
                let chip = self.chip_of(v.0);
                net_box.x.add(chip.x);
                net_box.y.add(chip.y);
                net_box
                    .chips
                    .add(self.slot_chip[self.vertex_slot[v.0 as usize] as usize] as u16);
                members.push((v.0, id));
            }
            net_box.chips.extent = net_box.chips.occupied.len() as u32 - 1;
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

    /// One move at `temperature` to a chip at most `limit` away in x and in y; whether it was made.
    fn step(&mut self, rng: &mut Xoshiro256PlusPlus, limit: u32, temperature: f64) -> bool {
        let vertex = rng.random_range(0..self.vertex_slot.len()) as u32;
        let from_slot = self.vertex_slot[vertex as usize] as usize;
        let from = self.machine.chip(self.slot_chip[from_slot]);
        let to = self.random_chip_near(rng, from, limit);
        let Some(to_index) = self.machine.chip_index(to) else {
            return false;
        };
        let slots = self.chip_slots[to_index as usize] as usize
            ..self.chip_slots[to_index as usize + 1] as usize;
        if slots.is_empty() {
            return false;
        }
        // A free core if there is one, else a random occupied one whose vertex comes back in exchange.
        let to_slot = match slots.clone().find(|&s| self.slot_vertex[s] == EMPTY) {
            Some(s) => s,
            None => rng.random_range(slots),
        };
        let other = self.slot_vertex[to_slot];
        self.move_number += 1;
        self.touched.clear();
        let from_index = self.slot_chip[from_slot];
        self.shift(vertex, from_index, to_index);
        if other != EMPTY {
            self.shift(other, to_index, from_index);
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
            return true;
        }
        self.shift(vertex, to_index, from_index);
        if other != EMPTY {
            self.shift(other, from_index, to_index);
        }
        for t in &self.touched {
            let net = &mut self.nets[t.net as usize];
            net.x.extent = t.x_extent;
            net.y.extent = t.y_extent;
            net.chips.extent = t.chips_extent;
        }
        false
    }

    /// A chip position other than `from`, at most `limit` away on each axis: wrapped on a torus, clipped to
    /// the grid otherwise (rig). It may hold no working chip.
    fn random_chip_near(
        &self,
        rng: &mut Xoshiro256PlusPlus,
        from: ChipCoord,
        limit: u32,
    ) -> ChipCoord {
        let pick = |rng: &mut Xoshiro256PlusPlus, at: u16, size: u32| -> u16 {
            let (at, limit, size) = (i64::from(at), i64::from(limit), i64::from(size));
            if self.wraps {
                rng.random_range(at - limit..=at + limit).rem_euclid(size) as u16
            } else {
                rng.random_range((at - limit).max(0)..=(at + limit).min(size - 1)) as u16
            }
        };
        loop {
            let to = ChipCoord::new(
                pick(rng, from.x, self.width),
                pick(rng, from.y, self.height),
            );
            if to != from {
                return to;
            }
        }
    }

    /// Moves `vertex`'s contribution to its nets from chip `from_chip` to chip `to_chip` (dense indices),
    /// saving each touched net's extents once per move and updating those that change.
    fn shift(&mut self, vertex: u32, from_chip: u32, to_chip: u32) {
        let (from, to) = (self.machine.chip(from_chip), self.machine.chip(to_chip));
        let range = self.vertex_net_start[vertex as usize] as usize
            ..self.vertex_net_start[vertex as usize + 1] as usize;
        for &net in &self.vertex_nets[range] {
            let net_box = &mut self.nets[net as usize];
            if self.touched_at[net as usize] != self.move_number {
                self.touched_at[net as usize] = self.move_number;
                self.touched.push(Touched {
                    net,
                    x_extent: net_box.x.extent,
                    y_extent: net_box.y.extent,
                    chips_extent: net_box.chips.extent,
                });
            }
            if net_box.chips.remove(from_chip as u16) | net_box.chips.add(to_chip as u16) {
                net_box.chips.extent = net_box.chips.occupied.len() as u32 - 1;
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
                net.weight
                    * (f64::from(net.x.extent + net.y.extent + net.chips.extent)
                        - f64::from(t.x_extent + t.y_extent + t.chips_extent))
            })
            .sum()
    }

    /// The placements of a vertex → slot assignment.
    fn placements(&self, vertex_slot: &[u32]) -> Result<Placements, String> {
        let locations = vertex_slot
            .iter()
            .map(|&slot| CoreLocation {
                chip: self.machine.chip(self.slot_chip[slot as usize]),
                core: self.slot_core[slot as usize],
            })
            .collect();
        Placements::new(self.machine, locations)
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
            assert!(
                report.temperatures > 0 && report.accepted > 0 && report.accepted <= report.moves
            );
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
        let no_nets = anneal(
            &m,
            &Graph::with_vertices(20),
            &start,
            &AnnealConfig::default(),
        )
        .unwrap();
        assert_eq!(no_nets.0, start);
        let graph = clustered(2, 10);
        let start = place_hilbert(&m, &graph).unwrap();
        let lazy = AnnealConfig {
            effort: 0.0,
            seed: 1,
        };
        let (placed, report) = anneal(&m, &graph, &start, &lazy).unwrap();
        assert_eq!((placed, report.moves), (start.clone(), 0));
        let bad = AnnealConfig {
            effort: -1.0,
            seed: 1,
        };
        assert!(
            anneal(&m, &graph, &start, &bad)
                .unwrap_err()
                .contains("effort")
        );
        let other = clustered(3, 10);
        assert!(
            anneal(&m, &other, &start, &lazy)
                .unwrap_err()
                .contains("places 20 vertices")
        );
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
        assert_eq!(
            err,
            "vertex 0 is placed on (11, 0) core 1, not an application core of spinnaker-48"
        );
    }
}
