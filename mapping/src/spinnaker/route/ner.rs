//! Neighbour Exploring Routing (Navaridas et al. 2015, "SpiNNaker: Enhanced multicast routing"), as rig and
//! the older PACMAN implement it, with rig's repair around dead chips and links (Heathcote 2016).
//!
//! Sinks are joined nearest first. Each one is reached from the closest chip already in the tree (within a
//! radius, else from the source) by a longest-dimension-first shortest path; a path that runs into the tree
//! is shortened to start from the last tree chip it meets, which both saves links and keeps the tree a tree.
//! The tree is built for a perfect machine, then every edge is checked against the real one: edges over dead
//! links or into dead chips are cut and each cut-off branch is joined back by a breadth-first search over
//! working links to the nearest chip of the rest of the tree.

use std::collections::{BTreeMap, HashMap, VecDeque};

use spinnaker_emu::geometry::{ChipCoord, Link, hop_distance, shortest_vector, torus_hop_distance};
use spinnaker_emu::machine::Machine;
use spinnaker_emu::router::table::{CORES, Route};

use crate::spinnaker::graph::Graph;
use crate::spinnaker::place::{CoreLocation, Placements};

/// How far around a sink NER looks for a chip of the tree to branch from: 20 hops, rig's `route()` and the
/// old PACMAN default (the paper's choice, which worked well in practice).
pub const NER_RADIUS: u32 = 20;

/// One chip of a routing tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeNode {
    pub chip: ChipCoord,
    /// The link the net's packets arrive on (the opposite of the link the parent sends them on); `None` at
    /// the source chip, where they come from a core.
    pub arrives_on: Option<Link>,
    /// Where the router sends them: the links to the children and this chip's sink cores.
    pub route: Route,
    /// Index of the parent in `RoutingTree::nodes()`; `None` at the source.
    pub parent: Option<u32>,
}

/// The chips one net's packets visit, as a tree rooted at the source chip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingTree {
    /// Breadth-first from the source, children by link number: every parent comes before its children.
    nodes: Vec<TreeNode>,
}

impl RoutingTree {
    pub fn source(&self) -> ChipCoord {
        self.nodes[0].chip
    }

    /// The source first, then breadth-first; each parent before its children.
    pub fn nodes(&self) -> &[TreeNode] {
        &self.nodes
    }

    /// Links the net's packets cross (each tree edge once).
    pub fn hops(&self) -> usize {
        self.nodes.len() - 1
    }
}

/// A chip while the tree is built: its parent (`None` for the source or a cut-off branch), the link the
/// parent reaches it by, its sink cores (bit = virtual core id), and whether it is still part of the tree.
#[derive(Clone, Copy, Debug)]
struct Node {
    chip: ChipCoord,
    parent: Option<u32>,
    link: Option<Link>,
    cores: u32,
    alive: bool,
}

/// Routes nets by NER on one machine, reusing a chip-position → tree-node map between nets.
pub struct Ner<'m> {
    machine: &'m Machine,
    radius: u32,
    /// Node index + 1 of the chip at each grid position (row-major) in the current tree, 0 if none.
    node_at: Vec<u32>,
    nodes: Vec<Node>,
}

impl<'m> Ner<'m> {
    /// A router with rig's radius, [`NER_RADIUS`].
    pub fn new(machine: &'m Machine) -> Ner<'m> {
        Ner::with_radius(machine, NER_RADIUS)
    }

    /// A router that looks `radius` hops around each sink for a chip to branch from; 0 routes every sink
    /// from the source (plain longest-dimension-first).
    pub fn with_radius(machine: &'m Machine, radius: u32) -> Ner<'m> {
        let grid = usize::from(machine.width()) * usize::from(machine.height());
        Ner {
            machine,
            radius,
            node_at: vec![0; grid],
            nodes: Vec::new(),
        }
    }

    /// The routing tree from `source` to the chips and cores of `sinks`. Errors if a chip or core is not
    /// part of the machine, or if faults cut some sink off from the source.
    pub fn route(
        &mut self,
        source: ChipCoord,
        sinks: &[CoreLocation],
    ) -> Result<RoutingTree, String> {
        let m = self.machine;
        for node in self.nodes.drain(..) {
            self.node_at[position(m, node.chip)] = 0;
        }
        if !m.has_chip(source) {
            return Err(format!("net source {source} is not a working chip"));
        }
        let mut sink_cores: BTreeMap<ChipCoord, u32> = BTreeMap::new();
        for &sink in sinks {
            if !m.app_cores(sink.chip).any(|c| c == sink.core) {
                return Err(format!(
                    "net from {source}: sink {sink} is not an application core"
                ));
            }
            *sink_cores.entry(sink.chip).or_default() |= 1 << sink.core;
        }
        self.insert(source, None, None);
        let mut order: Vec<(u32, ChipCoord, u32)> = sink_cores
            .into_iter()
            .map(|(chip, cores)| (self.distance(source, chip), chip, cores))
            .collect();
        order.sort_unstable();
        for (_, sink, cores) in order {
            let node = self.reach(sink)?;
            self.nodes[node].cores |= cores;
        }
        if !self.fits_machine() {
            self.repair(source)?;
        }
        Ok(self.finish())
    }

    /// Hops between two chips: around the torus where the machine wraps.
    fn distance(&self, a: ChipCoord, b: ChipCoord) -> u32 {
        let m = self.machine;
        if m.wraps() {
            torus_hop_distance(a, b, m.width(), m.height())
        } else {
            hop_distance(
                i32::from(b.x) - i32::from(a.x),
                i32::from(b.y) - i32::from(a.y),
            )
        }
    }

    fn node_of(&self, chip: ChipCoord) -> Option<usize> {
        (self.node_at[position(self.machine, chip)] as usize).checked_sub(1)
    }

    fn insert(&mut self, chip: ChipCoord, parent: Option<u32>, link: Option<Link>) -> usize {
        let index = self.nodes.len();
        self.nodes.push(Node {
            chip,
            parent,
            link,
            cores: 0,
            alive: true,
        });
        self.node_at[position(self.machine, chip)] = index as u32 + 1;
        index
    }

    /// Adds the path to `sink` from the nearest tree chip (NER steps 3-6) and returns the sink's node.
    fn reach(&mut self, sink: ChipCoord) -> Result<usize, String> {
        if let Some(node) = self.node_of(sink) {
            return Ok(node);
        }
        let m = self.machine;
        let start = self.nearest_in_tree(sink).unwrap_or(0);
        let from = self.nodes[start].chip;
        let (dx, dy) = shortest_vector(from, sink, m.width(), m.height(), m.wraps());
        let mut chips = Vec::new();
        let mut at = from;
        let steps = longest_dimension_first(dx, dy);
        for &link in &steps {
            at = m.step(at, link).ok_or_else(|| {
                format!(
                    "route from {from} to {sink} leaves the {}x{} chip grid",
                    m.width(),
                    m.height()
                )
            })?;
            chips.push(at);
        }
        // Branch off from the last chip of the path that is already in the tree: joining the tree again
        // further on would close a cycle.
        let (mut parent, skip) = match chips.iter().rposition(|&c| self.node_of(c).is_some()) {
            Some(i) => (self.node_of(chips[i]).expect("found in the tree"), i + 1),
            None => (start, 0),
        };
        for (&link, &chip) in steps.iter().zip(&chips).skip(skip) {
            parent = self.insert(chip, Some(parent as u32), Some(link));
        }
        Ok(parent)
    }

    /// The tree chip nearest `sink` within the radius, first found on ties (NER step 3). Scanning the rings
    /// of the hexagon around the sink costs the same whatever the tree's size, scanning the tree's chips
    /// costs its size: rig switches to the rings once the tree has three times as many chips as the hexagon.
    fn nearest_in_tree(&self, sink: ChipCoord) -> Option<usize> {
        let m = self.machine;
        let r = i64::from(self.radius);
        let hexagon = 3 * r * (r + 1) + 1;
        if (self.nodes.len() as i64) <= 3 * hexagon {
            let mut best: Option<(u32, usize)> = None;
            for (i, node) in self.nodes.iter().enumerate() {
                let d = self.distance(node.chip, sink);
                if d <= self.radius && best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, i));
                }
            }
            return best.map(|(_, i)| i);
        }
        let (w, h) = (i64::from(m.width()), i64::from(m.height()));
        let lookup = |x: i64, y: i64| {
            let (x, y) = if m.wraps() {
                (x.rem_euclid(w), y.rem_euclid(h))
            } else {
                (x, y)
            };
            ((0..w).contains(&x) && (0..h).contains(&y))
                .then(|| self.node_of(ChipCoord::new(x as u16, y as u16)))
                .flatten()
        };
        // Ring k starts k chips south of the sink and walks its six sides anticlockwise (rig's
        // `concentric_hexagons`).
        let (mut x, mut y) = (i64::from(sink.x), i64::from(sink.y));
        for ring in 1..=r {
            y -= 1;
            for (sx, sy) in [(1, 1), (0, 1), (-1, 0), (-1, -1), (0, -1), (1, 0)] {
                for _ in 0..ring {
                    if let Some(node) = lookup(x, y) {
                        return Some(node);
                    }
                    x += sx;
                    y += sy;
                }
            }
        }
        None
    }

    /// Whether every chip of the tree works and every edge is a working link.
    fn fits_machine(&self) -> bool {
        self.nodes
            .iter()
            .all(|node| match (node.parent, node.link) {
                (Some(p), Some(link)) => {
                    self.machine.neighbour(self.nodes[p as usize].chip, link) == Some(node.chip)
                }
                _ => self.machine.has_chip(node.chip),
            })
    }

    /// Routes around dead chips and links (rig's `avoid_dead_links`): dead chips leave the tree, edges that
    /// do not work are cut, and each cut-off branch, in tree order, is joined by the shortest working path
    /// from its root to a tree chip outside the branch. Path chips that belong to the branch itself are
    /// re-hung along the path, which keeps it a tree.
    fn repair(&mut self, source: ChipCoord) -> Result<(), String> {
        let m = self.machine;
        for i in 0..self.nodes.len() {
            if !m.has_chip(self.nodes[i].chip) {
                self.nodes[i].alive = false;
                self.node_at[position(m, self.nodes[i].chip)] = 0;
            }
        }
        let mut cut = Vec::new();
        for i in 1..self.nodes.len() {
            let node = self.nodes[i];
            let Some(parent) = node.parent.map(|p| self.nodes[p as usize]) else {
                continue;
            };
            let works = parent.alive
                && node
                    .link
                    .is_some_and(|l| m.neighbour(parent.chip, l) == Some(node.chip));
            if node.alive && !works {
                self.nodes[i].parent = None;
                self.nodes[i].link = None;
                cut.push(i);
            }
        }
        for branch in cut {
            let Some(path) = self.path_out_of(branch) else {
                let members: Vec<usize> = (0..self.nodes.len())
                    .filter(|&i| self.nodes[i].alive && self.in_branch(i, branch))
                    .collect();
                if members.iter().any(|&i| self.nodes[i].cores != 0) {
                    return Err(format!(
                        "net from {source}: no working path joins chip {} to the rest of the routing tree: \
                         the machine has a disconnected subregion",
                        self.nodes[branch].chip
                    ));
                }
                // A cut-off branch without sinks (a transit chip whose links all died) is not needed: it
                // leaves the tree, and no later repair may join onto it.
                for i in members {
                    self.nodes[i].alive = false;
                    self.node_at[position(m, self.nodes[i].chip)] = 0;
                }
                continue;
            };
            // `path` runs from the tree chip found back to the branch root, with the link into each chip.
            let mut parent = self
                .node_of(path[0].0)
                .expect("the path starts in the tree");
            for &(chip, link) in &path[1..] {
                parent = match self.node_of(chip) {
                    Some(node) => {
                        self.nodes[node].parent = Some(parent as u32);
                        self.nodes[node].link = link;
                        node
                    }
                    None => self.insert(chip, Some(parent as u32), link),
                };
            }
        }
        Ok(())
    }

    /// Breadth-first over working links from the root of the cut-off branch `branch` to the nearest chip of
    /// the tree outside the branch: the chips from there back to the branch root, each with the link that
    /// leads into it from the previous one. `None` if no such chip is reachable.
    fn path_out_of(&self, branch: usize) -> Option<Vec<(ChipCoord, Option<Link>)>> {
        let m = self.machine;
        let root = self.nodes[branch].chip;
        let mut came_from: HashMap<ChipCoord, (ChipCoord, Link)> = HashMap::new();
        let mut queue = VecDeque::from([root]);
        while let Some(chip) = queue.pop_front() {
            if self
                .node_of(chip)
                .is_some_and(|node| !self.in_branch(node, branch))
            {
                let mut path = vec![(chip, None)];
                let mut at = chip;
                while at != root {
                    let (previous, link) = came_from[&at];
                    // The search went previous → at over `link`; packets go the other way.
                    path.push((previous, Some(link.opposite())));
                    at = previous;
                }
                return Some(path);
            }
            for link in Link::ALL {
                if let Some(next) = m.neighbour(chip, link)
                    && next != root
                    && !came_from.contains_key(&next)
                {
                    came_from.insert(next, (chip, link));
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// Whether `node` hangs below `branch` (or is it).
    fn in_branch(&self, node: usize, branch: usize) -> bool {
        let mut at = Some(node);
        while let Some(i) = at {
            if i == branch {
                return true;
            }
            at = self.nodes[i].parent.map(|p| p as usize);
        }
        false
    }

    /// The finished tree: chips reachable from the source, breadth-first with children by link number,
    /// without branches that lead to no sink (left over where the repair re-hung a path).
    fn finish(&self) -> RoutingTree {
        let n = self.nodes.len();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, node) in self.nodes.iter().enumerate() {
            if let (true, Some(p)) = (node.alive, node.parent) {
                children[p as usize].push(i);
            }
        }
        for list in &mut children {
            list.sort_by_key(|&c| self.nodes[c].link);
        }
        let mut order = vec![0];
        let mut next = 0;
        while next < order.len() {
            order.extend(&children[order[next]]);
            next += 1;
        }
        // Children come after parents in `order`, so one backward pass finds the branches with sinks.
        let mut useful = vec![false; n];
        for &i in order.iter().rev() {
            useful[i] = self.nodes[i].cores != 0 || children[i].iter().any(|&c| useful[c]);
        }
        let mut index_in_tree = vec![0u32; n];
        let mut nodes = Vec::new();
        for &i in &order {
            if i != 0 && !useful[i] {
                continue;
            }
            let node = self.nodes[i];
            index_in_tree[i] = nodes.len() as u32;
            let mut route = Route::default();
            for &c in children[i].iter().filter(|&&c| useful[c]) {
                let link = self.nodes[c].link.expect("children hang on a link");
                route = route.with_link(link.index() as u8);
            }
            for core in 0..CORES {
                if node.cores & (1 << core) != 0 {
                    route = route.with_core(core);
                }
            }
            nodes.push(TreeNode {
                chip: node.chip,
                arrives_on: node.link.map(Link::opposite),
                route,
                parent: node.parent.map(|p| index_in_tree[p as usize]),
            });
        }
        RoutingTree { nodes }
    }
}

/// Row-major grid position of a chip of `machine`.
fn position(machine: &Machine, chip: ChipCoord) -> usize {
    usize::from(chip.y) * usize::from(machine.width()) + usize::from(chip.x)
}

/// The hops of a shortest path along (dx, dy), longest dimension first (Navaridas et al.; rig's
/// `longest_dimension_first`). The vector is first written on the three axes x, y and z, where +z is a
/// south-west hop, with the median subtracted so one axis is zero and the hop count is minimal; then each
/// axis's hops are emitted in one run, largest magnitude first, ties in x, y, z order (PACMAN's stable sort;
/// rig breaks ties at random).
pub fn longest_dimension_first(dx: i64, dy: i64) -> Vec<Link> {
    let mut xyz = [dx, dy, 0];
    let mut sorted = xyz;
    sorted.sort_unstable();
    let median = sorted[1];
    for v in &mut xyz {
        *v -= median;
    }
    let mut axes = [0usize, 1, 2];
    axes.sort_by_key(|&a| std::cmp::Reverse(xyz[a].unsigned_abs()));
    let mut hops = Vec::new();
    for axis in axes {
        let v = xyz[axis];
        let link = match (axis, v > 0) {
            (0, true) => Link::East,
            (0, false) => Link::West,
            (1, true) => Link::North,
            (1, false) => Link::South,
            (_, true) => Link::SouthWest,
            (_, false) => Link::NorthEast,
        };
        hops.extend(std::iter::repeat_n(link, v.unsigned_abs() as usize));
    }
    hops
}

/// Routes every net of `graph` as placed, in net order: `trees[i]` is `NetId(i)`'s tree.
pub fn route_nets(
    machine: &Machine,
    graph: &Graph,
    placements: &Placements,
) -> Result<Vec<RoutingTree>, String> {
    let mut ner = Ner::new(machine);
    graph
        .nets()
        .iter()
        .enumerate()
        .map(|(i, net)| {
            let sinks: Vec<CoreLocation> =
                net.sinks.iter().map(|&v| placements.location(v)).collect();
            let source = placements.location(net.source).chip;
            ner.route(source, &sinks)
                .map_err(|e| format!("net {i}: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spinnaker::graph::{Net, VertexId};
    use crate::spinnaker::route::tests::check_tree;
    use spinnaker_emu::Preset;
    use spinnaker_emu::faults::Faults;
    use spinnaker_emu::machine::CoreModel;

    fn machine(preset: &str, faults: &Faults) -> Machine {
        Machine::new(Preset::parse(preset).unwrap(), CoreModel::Realistic, faults).unwrap()
    }

    fn c(x: u16, y: u16) -> ChipCoord {
        ChipCoord::new(x, y)
    }

    fn core(x: u16, y: u16, core: u8) -> CoreLocation {
        CoreLocation {
            chip: c(x, y),
            core,
        }
    }

    fn chips(tree: &RoutingTree) -> Vec<ChipCoord> {
        tree.nodes().iter().map(|n| n.chip).collect()
    }

    #[test]
    fn longest_dimension_first_uses_three_axes_and_breaks_ties_in_order() {
        use Link::*;
        assert_eq!(longest_dimension_first(0, 0), []);
        assert_eq!(longest_dimension_first(3, 0), [East, East, East]);
        assert_eq!(
            longest_dimension_first(3, 3),
            [NorthEast, NorthEast, NorthEast]
        );
        assert_eq!(longest_dimension_first(4, 1), [East, East, East, NorthEast]);
        assert_eq!(longest_dimension_first(-1, -3), [South, South, SouthWest]);
        assert_eq!(longest_dimension_first(2, -1), [East, East, South]);
        assert_eq!(longest_dimension_first(1, -1), [East, South]);
        assert_eq!(longest_dimension_first(-1, 1), [West, North]);
        for dx in -9i64..=9 {
            for dy in -9i64..=9 {
                let hops = longest_dimension_first(dx, dy);
                assert_eq!(
                    hops.len() as u32,
                    hop_distance(dx as i32, dy as i32),
                    "({dx}, {dy})"
                );
                let end = hops
                    .iter()
                    .fold((0, 0), |(x, y), l| (x + l.vector().0, y + l.vector().1));
                assert_eq!((i64::from(end.0), i64::from(end.1)), (dx, dy));
            }
        }
    }

    #[test]
    fn single_sinks_take_shortest_paths_on_a_board_and_a_torus() {
        for preset in ["spinnaker-48", "spinnaker-3b"] {
            let m = machine(preset, &Faults::default());
            let mut ner = Ner::new(&m);
            for a in m.chips() {
                for b in m.chips() {
                    let sink = CoreLocation { chip: b, core: 1 };
                    let tree = ner.route(a, &[sink]).unwrap();
                    check_tree(&m, &tree, a, &[sink]);
                    let want = if m.wraps() {
                        torus_hop_distance(a, b, m.width(), m.height())
                    } else {
                        hop_distance(
                            i32::from(b.x) - i32::from(a.x),
                            i32::from(b.y) - i32::from(a.y),
                        )
                    };
                    assert_eq!(tree.hops() as u32, want, "{preset}: {a} -> {b}");
                }
            }
        }
    }

    #[test]
    fn a_board_is_not_wrapped() {
        let m = machine("spinnaker-48", &Faults::default());
        // Across the board: 7 hops north-east inside it, where a torus would take 1.
        let tree = Ner::new(&m).route(c(0, 0), &[core(7, 7, 1)]).unwrap();
        assert_eq!(tree.hops(), 7);
        let torus = machine("spinnaker-3b", &Faults::default());
        let tree = Ner::new(&torus).route(c(0, 0), &[core(11, 11, 1)]).unwrap();
        assert_eq!(chips(&tree), [c(0, 0), c(11, 11)]);
        assert_eq!(tree.nodes()[1].arrives_on, Some(Link::NorthEast));
    }

    #[test]
    fn sinks_branch_from_the_nearest_tree_chip() {
        let m = machine("spinnaker-48", &Faults::default());
        let sinks = [core(4, 0, 1), core(4, 2, 3), core(4, 2, 1), core(0, 0, 2)];
        let tree = Ner::new(&m).route(c(0, 0), &sinks).unwrap();
        check_tree(&m, &tree, c(0, 0), &sinks);
        // (4, 0) and (4, 2) are both 4 hops away; (4, 0) goes first, east along y = 0. (4, 2) is then 2 hops
        // from (2, 0), (3, 0) and (4, 0): the first found, (2, 0), wins and the branch goes north-east twice.
        assert_eq!(
            chips(&tree),
            [
                c(0, 0),
                c(1, 0),
                c(2, 0),
                c(3, 0),
                c(3, 1),
                c(4, 0),
                c(4, 2)
            ]
        );
        assert_eq!(
            tree.nodes()[2].route,
            Route::default().with_link(0).with_link(1)
        );
        assert_eq!(
            tree.nodes()[0].route,
            Route::default().with_link(0).with_core(2)
        );
        assert_eq!(
            tree.nodes()[6].route,
            Route::default().with_core(1).with_core(3)
        );
        // A path that would cross the tree starts from the last tree chip on it instead.
        let sinks = [core(2, 2, 1), core(3, 4, 1)];
        let tree = Ner::with_radius(&m, 0).route(c(0, 0), &sinks).unwrap();
        check_tree(&m, &tree, c(0, 0), &sinks);
        assert_eq!(tree.hops(), 4);
    }

    #[test]
    fn ring_and_tree_scans_both_build_trees() {
        let m = machine("spinnaker-3b", &Faults::default());
        let sinks: Vec<CoreLocation> = m
            .chips()
            .step_by(3)
            .map(|chip| CoreLocation { chip, core: 2 })
            .collect();
        // Radius 1: a hexagon of 7 chips, so the ring scan takes over once the tree has 22 chips.
        for radius in [0, 1, 2, NER_RADIUS] {
            let tree = Ner::with_radius(&m, radius).route(c(5, 5), &sinks).unwrap();
            check_tree(&m, &tree, c(5, 5), &sinks);
            assert!(tree.hops() < 144);
        }
    }

    #[test]
    fn routes_go_round_dead_chips_and_links() {
        let faults = Faults {
            dead_chips: vec![(1, 0)],
            dead_links: vec![(3, 3, 0), (4, 3, 2)],
            ..Faults::default()
        };
        let m = machine("spinnaker-48", &faults);
        let tree = Ner::new(&m).route(c(0, 0), &[core(2, 0, 1)]).unwrap();
        check_tree(&m, &tree, c(0, 0), &[core(2, 0, 1)]);
        assert_eq!(tree.hops(), 3);
        assert!(!chips(&tree).contains(&c(1, 0)));
        let sinks = [core(4, 3, 1), core(5, 3, 1), core(4, 4, 2), core(6, 3, 2)];
        let tree = Ner::new(&m).route(c(3, 3), &sinks).unwrap();
        check_tree(&m, &tree, c(3, 3), &sinks);
    }

    #[test]
    fn a_cut_off_chip_is_an_error_naming_it() {
        let dead_links = Link::ALL.iter().map(|l| (3, 3, l.index() as u8)).collect();
        let m = machine(
            "spinnaker-48",
            &Faults {
                dead_links,
                ..Faults::default()
            },
        );
        let err = Ner::new(&m).route(c(0, 0), &[core(3, 3, 1)]).unwrap_err();
        assert_eq!(
            err,
            "net from (0, 0): no working path joins chip (3, 3) to the rest of the routing tree: \
             the machine has a disconnected subregion"
        );
        // The router is fine for the next net.
        let tree = Ner::new(&m).route(c(3, 3), &[core(3, 3, 4)]).unwrap();
        assert_eq!(tree.hops(), 0);
        assert!(
            Ner::new(&m)
                .route(c(7, 0), &[])
                .unwrap_err()
                .contains("not a working chip")
        );
        assert!(
            Ner::new(&m)
                .route(c(0, 0), &[core(0, 0, 16)])
                .unwrap_err()
                .contains("not an application core")
        );
    }

    #[test]
    fn routing_is_deterministic_and_nets_follow_placements() {
        let m = machine("spinnaker-3b", &Faults::default());
        let mut graph = Graph::with_vertices(4);
        let net = Net {
            source: VertexId(0),
            sinks: vec![VertexId(1), VertexId(2), VertexId(3), VertexId(0)],
            weight: 1.0,
        };
        graph.add_net(net).unwrap();
        graph
            .add_net(Net {
                source: VertexId(3),
                sinks: vec![],
                weight: 0.0,
            })
            .unwrap();
        let at = [core(0, 0, 1), core(6, 6, 1), core(11, 3, 5), core(6, 7, 2)];
        let placements = Placements::new(&m, at.to_vec()).unwrap();
        let trees = route_nets(&m, &graph, &placements).unwrap();
        assert_eq!(trees, route_nets(&m, &graph, &placements).unwrap());
        check_tree(&m, &trees[0], c(0, 0), &at);
        assert_eq!(chips(&trees[1]), [c(6, 7)]);
        assert!(trees[1].nodes()[0].route.is_empty());
    }
}
