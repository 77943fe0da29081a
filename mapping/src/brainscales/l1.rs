//! Layer-1 routing (marocco's default **backbone** router, spec §6.2, mapping-and-pynn §A6.3).
//!
//! Each bus starts on its sending repeater's horizontal line (6 + 8 i). From there a horizontal backbone
//! grows east and west along the source's HICANN row as far as the outermost target column (the west
//! side starts through the sending repeater's west output). In every column holding targets a crossbar
//! switch drops a vertical "rib" from the backbone, north and south to the outermost target rows. Each
//! chip edge crossed shifts the line index by 2 ([`HLineOnHicann::across`], [`VLineOnHicann::across`]) and
//! takes the repeater on that edge in forward mode: the line's own repeater driving outward, or the
//! neighbour's line's repeater driving inward. A line carries one bus (spec §8.2 rule 6), so every line
//! a route uses, and the sending lines of every routed bus, are taken; defective lines and repeaters are
//! never used. Of the eight vertical lines a horizontal line can switch to (one closed switch per line,
//! sthal's default limits), the rib takes the one that reaches the most target HICANNs.
//!
//! What this gives per bus: the vertical line on which it arrives at each target HICANN ([`Landing`]),
//! where [`super::drivers`] attaches a synapse-driver chain, and the targets no route reached (their
//! synapses are lost to L1). A target the backbone cannot reach (a blocked or defective line, a column
//! the source's row does not have) gets a detour: the cheapest path (chip edges crossed) from any line of
//! the route over free lines, repeaters and crossbar switches to a vertical line on the target, searched
//! within the box around source and target grown by [`DETOUR_MARGIN`] HICANNs, at most [`DETOUR_BUDGET`]
//! lines searched per bus (marocco's detours and its Dijkstra router in one). Each line closes at most one crossbar switch, so a path never switches twice
//! on one line. Not done: rate-aware bus scoring.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use brainscales_emu::coord::{
    Direction, HICANNS_ON_WAFER, HLINES, HLineOnHicann, HicannOnWafer, Side, VLINES, VLineOnHicann,
};
use brainscales_emu::defects::{Defects, vrepeater_on_top};
use brainscales_emu::layer1::bus::HicannL1;
use brainscales_emu::layer1::repeaters::{Flow, Line, RepeaterMode};
use brainscales_emu::layer1::switches::{crossbar_hlines, crossbar_vlines};

/// HICANNs a detour may stray beyond the box spanned by its source and target.
pub const DETOUR_MARGIN: u8 = 2;
/// Lines the detour searches of one bus may settle in all: on a congested wafer most searches fail, and
/// unbounded searches would dominate the mapping time.
pub const DETOUR_BUDGET: usize = 4096;

use super::merger::Bus;

/// Where a bus arrives at one target HICANN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Landing {
    pub hicann: HicannOnWafer,
    pub vline: VLineOnHicann,
    /// Chip edges crossed from the sending repeater (the latency's per-HICANN term).
    pub hops: u32,
}

/// The routes of one bus.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Routed {
    pub landings: Vec<Landing>,
    /// Target HICANNs no route reached.
    pub unreached: Vec<HicannOnWafer>,
}

/// The Layer-1 configuration being built, and which lines are taken.
pub struct L1Builder<'a> {
    defects: &'a Defects,
    taken: Vec<[bool; HLINES + VLINES]>,
    /// Per HICANN enum its switches and repeaters.
    pub hicanns: Vec<HicannL1>,
    /// Per HICANN enum whether anything was configured on it.
    pub touched: Vec<bool>,
    /// The lines of the route being built, with the chip edges crossed to reach them.
    tree: Vec<(HicannOnWafer, Line, u32)>,
}

/// How a detour step reached its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Cross,
    Switch,
}

/// A search state: HICANN enum and line. Whether the line was entered through a crossbar switch (and so
/// may not close another) goes with its best distance.
type State = (usize, Line);

/// A crossing of one chip edge: the line reached and the repeater (owner, line, flow) that carries it.
struct Crossing {
    to: (HicannOnWafer, Line),
    repeater: (HicannOnWafer, Line, Flow),
}

/// A rib's vertical line: targets it reaches, the line, its crossings and the lines reached (HICANN,
/// line, hops).
type RibCandidate = (
    usize,
    VLineOnHicann,
    Vec<Crossing>,
    Vec<(HicannOnWafer, VLineOnHicann, u32)>,
);

/// The direction of a line's own repeater edge.
fn own_edge(line: Line) -> Direction {
    match line {
        Line::H(h) if h.line() % 2 == 0 => Direction::West,
        Line::H(_) => Direction::East,
        Line::V(v) if vrepeater_on_top(v) => Direction::North,
        Line::V(_) => Direction::South,
    }
}

/// The line across the edge toward `dir`.
fn across(line: Line, dir: Direction) -> Line {
    match (line, dir) {
        (Line::H(h), Direction::East) => Line::H(h.across(Side::Right)),
        (Line::H(h), _) => Line::H(h.across(Side::Left)),
        (Line::V(v), Direction::North) => Line::V(v.across(true)),
        (Line::V(v), _) => Line::V(v.across(false)),
    }
}

impl<'a> L1Builder<'a> {
    pub fn new(defects: &'a Defects) -> L1Builder<'a> {
        L1Builder {
            defects,
            taken: vec![[false; HLINES + VLINES]; HICANNS_ON_WAFER],
            hicanns: vec![HicannL1::default(); HICANNS_ON_WAFER],
            touched: vec![false; HICANNS_ON_WAFER],
            tree: Vec::new(),
        }
    }

    fn usable(&self, h: HicannOnWafer, line: Line) -> bool {
        !self.taken[h.to_enum()][line.index()]
            && match line {
                Line::H(l) => self.defects.is_hline_usable(h, l),
                Line::V(l) => self.defects.is_vline_usable(h, l),
            }
    }

    fn take(&mut self, h: HicannOnWafer, line: Line) {
        self.taken[h.to_enum()][line.index()] = true;
        self.touched[h.to_enum()] = true;
    }

    /// The crossing from `line` on `x` toward `dir`, if the neighbour exists, its line is free and usable
    /// and the repeater on the edge works.
    fn cross(&self, x: HicannOnWafer, line: Line, dir: Direction) -> Option<Crossing> {
        let n = x.neighbour(dir)?;
        let there = across(line, dir);
        let repeater = if own_edge(line) == dir {
            (x, line, Flow::Outward)
        } else {
            (n, there, Flow::Inward)
        };
        // A repeater already set (a sending repeater, or one in another route) is not free.
        let idle = self.hicanns[repeater.0.to_enum()]
            .repeaters
            .mode(repeater.1)
            == RepeaterMode::Idle;
        let works = idle
            && match repeater.1 {
                Line::H(l) => self.defects.is_hrepeater_usable(repeater.0, l),
                Line::V(l) => self.defects.is_vrepeater_usable(repeater.0, l),
            };
        (works && self.usable(n, there)).then_some(Crossing {
            to: (n, there),
            repeater,
        })
    }

    fn commit(&mut self, c: &Crossing, hops: u32) {
        self.take(c.to.0, c.to.1);
        self.tree.push((c.to.0, c.to.1, hops));
        let (owner, line, flow) = c.repeater;
        self.hicanns[owner.to_enum()]
            .repeaters
            .set(line, RepeaterMode::Forward(flow));
        self.touched[owner.to_enum()] = true;
    }

    /// Takes the sending lines of the buses that will be routed, so no other route runs over them.
    pub fn reserve_sending_lines(&mut self, buses: impl Iterator<Item = Bus>) {
        for bus in buses {
            self.take(
                bus.hicann,
                Line::H(HLineOnHicann::of_sending_repeater(bus.sending_repeater())),
            );
        }
    }

    /// Routes `bus` to `targets` (see the module docs).
    pub fn route(&mut self, bus: Bus, targets: &[HicannOnWafer]) -> Routed {
        let mut columns: BTreeMap<u8, Vec<u8>> = BTreeMap::new();
        for t in targets {
            columns.entry(t.x()).or_default().push(t.y());
        }
        let (x0, y0) = (bus.hicann.x(), bus.hicann.y());
        let own = HLineOnHicann::of_sending_repeater(bus.sending_repeater());
        let mut routed = Routed::default();
        let (mut own_line, mut west_line) = (false, false);
        self.tree = vec![(bus.hicann, Line::H(own), 0)];
        // East, including the source's own column.
        let east: Vec<(u8, Vec<u8>)> = columns
            .range(x0..)
            .map(|(x, ys)| (*x, ys.clone()))
            .collect();
        if !east.is_empty() {
            own_line = true;
            let mut at = (bus.hicann, Line::H(own), 0u32);
            self.backbone(&mut at, &east, Direction::East, y0, &mut routed);
        }
        let west: Vec<(u8, Vec<u8>)> = columns
            .range(..x0)
            .rev()
            .map(|(x, ys)| (*x, ys.clone()))
            .collect();
        if !west.is_empty() {
            let start = bus
                .hicann
                .neighbour(Direction::West)
                .map(|w| (w, Line::H(own.across(Side::Left))));
            match start.filter(|&(w, l)| self.usable(w, l)) {
                Some((w, l)) => {
                    west_line = true;
                    self.take(w, l);
                    self.tree.push((w, l, 1));
                    let mut at = (w, l, 1u32);
                    self.backbone(&mut at, &west, Direction::West, y0, &mut routed);
                }
                None => {
                    routed.unreached.extend(west.iter().flat_map(|(x, ys)| {
                        ys.iter().filter_map(move |&y| HicannOnWafer::new(*x, y))
                    }))
                }
            }
        }
        let mut budget = DETOUR_BUDGET;
        for target in std::mem::take(&mut routed.unreached) {
            match self.detour(bus.hicann, target, &mut budget) {
                Some((landing, from_own)) => {
                    own_line |= from_own;
                    routed.landings.push(landing);
                }
                None => routed.unreached.push(target),
            }
        }
        if own_line || west_line {
            self.hicanns[bus.hicann.to_enum()].repeaters.set(
                Line::H(own),
                RepeaterMode::Output {
                    own_line,
                    west_line,
                },
            );
            self.touched[bus.hicann.to_enum()] = true;
        }
        routed.landings.sort_by_key(|l| l.hicann.to_enum());
        routed.unreached.sort_by_key(|h| h.to_enum());
        routed
    }

    /// Grows the backbone from `at` toward `dir` over `columns` (in walking order), dropping ribs.
    fn backbone(
        &mut self,
        at: &mut (HicannOnWafer, Line, u32),
        columns: &[(u8, Vec<u8>)],
        dir: Direction,
        y0: u8,
        routed: &mut Routed,
    ) {
        for (k, (x, ys)) in columns.iter().enumerate() {
            while at.0.x() != *x {
                match self.cross(at.0, at.1, dir) {
                    Some(c) => {
                        self.commit(&c, at.2 + 1);
                        *at = (c.to.0, c.to.1, at.2 + 1);
                    }
                    None => {
                        for (x, ys) in &columns[k..] {
                            routed
                                .unreached
                                .extend(ys.iter().filter_map(|&y| HicannOnWafer::new(*x, y)));
                        }
                        return;
                    }
                }
            }
            self.rib(*at, ys, y0, routed);
        }
    }

    /// Drops a vertical rib from horizontal line `at` to the target rows `ys` of its column.
    fn rib(&mut self, at: (HicannOnWafer, Line, u32), ys: &[u8], y0: u8, routed: &mut Routed) {
        let (x, Line::H(h), hops) = at else {
            unreachable!("backbones are horizontal")
        };
        let north = ys.iter().copied().min().expect("a target").min(y0);
        let south = ys.iter().copied().max().expect("a target").max(y0);
        let mut best: Option<RibCandidate> = None;
        for v in crossbar_vlines(h) {
            if !self.usable(x, Line::V(v)) {
                continue;
            }
            let mut crossings = Vec::new();
            let mut reached = vec![(x, v, hops)];
            for (dir, end) in [(Direction::North, north), (Direction::South, south)] {
                let (mut cur, mut line, mut d) = (x, Line::V(v), hops);
                while cur.y() != end {
                    let Some(c) = self.cross(cur, line, dir) else {
                        break;
                    };
                    (cur, line, d) = (c.to.0, c.to.1, d + 1);
                    crossings.push(c);
                    let Line::V(vl) = line else {
                        unreachable!("vertical")
                    };
                    reached.push((cur, vl, d));
                }
            }
            let hits = reached
                .iter()
                .filter(|(r, _, _)| ys.contains(&r.y()))
                .count();
            if best.as_ref().is_none_or(|b| hits > b.0) {
                best = Some((hits, v, crossings, reached));
            }
        }
        let Some((_, v, crossings, reached)) = best else {
            routed
                .unreached
                .extend(ys.iter().filter_map(|&y| HicannOnWafer::new(x.x(), y)));
            return;
        };
        self.take(x, Line::V(v));
        self.tree.push((x, Line::V(v), hops));
        self.hicanns[x.to_enum()]
            .crossbar
            .set(h, v, true)
            .expect("a crossbar switch of the line");
        for (c, r) in crossings.iter().zip(&reached[1..]) {
            self.commit(c, r.2);
        }
        for &y in ys {
            let Some(target) = HicannOnWafer::new(x.x(), y) else {
                continue;
            };
            match reached.iter().find(|(r, _, _)| *r == target) {
                Some(&(hicann, vline, hops)) => routed.landings.push(Landing {
                    hicann,
                    vline,
                    hops,
                }),
                None => routed.unreached.push(target),
            }
        }
    }

    /// Whether `line` on `x` has a closed crossbar switch.
    fn switched(&self, x: HicannOnWafer, line: Line) -> bool {
        let crossbar = &self.hicanns[x.to_enum()].crossbar;
        match line {
            Line::H(h) => crossbar.vlines_of(h).next().is_some(),
            Line::V(v) => crossbar.hlines_of(v).next().is_some(),
        }
    }

    /// The cheapest path from the route's lines to a free vertical line on `target` (see the module
    /// docs), committed; the landing and whether it starts on the source's own sending line. Every line
    /// settled costs one of `budget`.
    fn detour(
        &mut self,
        source: HicannOnWafer,
        target: HicannOnWafer,
        budget: &mut usize,
    ) -> Option<(Landing, bool)> {
        let lo = |a: u8, b: u8| a.min(b).saturating_sub(DETOUR_MARGIN);
        let hi = |a: u8, b: u8| a.max(b).saturating_add(DETOUR_MARGIN);
        let (x0, x1) = (lo(source.x(), target.x()), hi(source.x(), target.x()));
        let (y0, y1) = (lo(source.y(), target.y()), hi(source.y(), target.y()));
        let inside = |h: HicannOnWafer| (x0..=x1).contains(&h.x()) && (y0..=y1).contains(&h.y());
        let hicann = |e: usize| HicannOnWafer::from_enum(e).expect("enum");
        let mut best: HashMap<State, (u32, bool)> = HashMap::new();
        let mut parent: HashMap<State, (State, Step)> = HashMap::new();
        let mut heap = BinaryHeap::new();
        for &(h, line, hops) in &self.tree {
            let state = (h.to_enum(), line);
            best.insert(state, (hops, self.switched(h, line)));
            heap.push(Reverse((hops, state.0, state.1)));
        }
        let mut goal = None;
        while let Some(Reverse((d, e, line))) = heap.pop() {
            if *budget == 0 {
                return None;
            }
            *budget -= 1;
            let state = (e, line);
            let switched = match best.get(&state) {
                Some(&(b, _)) if b < d => continue,
                Some(&(_, switched)) => switched,
                None => false,
            };
            let x = hicann(e);
            if x == target && matches!(line, Line::V(_)) && parent.contains_key(&state) {
                goal = Some((state, d));
                break;
            }
            let mut next: Vec<(State, u32, Step)> = Vec::new();
            let dirs = match line {
                Line::H(_) => [Direction::East, Direction::West],
                Line::V(_) => [Direction::North, Direction::South],
            };
            for dir in dirs {
                if let Some(c) = self.cross(x, line, dir).filter(|c| inside(c.to.0)) {
                    next.push(((c.to.0.to_enum(), c.to.1), d + 1, Step::Cross));
                }
            }
            if !switched {
                let others: Vec<Line> = match line {
                    Line::H(h) => crossbar_vlines(h).into_iter().map(Line::V).collect(),
                    Line::V(v) => crossbar_hlines(v).into_iter().map(Line::H).collect(),
                };
                for other in others.into_iter().filter(|&o| self.usable(x, o)) {
                    next.push(((e, other), d, Step::Switch));
                }
            }
            for (n, cost, step) in next {
                if best.get(&n).is_none_or(|&(b, _)| cost < b) {
                    best.insert(n, (cost, step == Step::Switch));
                    parent.insert(n, (state, step));
                    heap.push(Reverse((cost, n.0, n.1)));
                }
            }
        }
        let (end, hops) = goal?;
        let mut path = vec![end];
        while let Some(&(prev, _)) = parent.get(path.last().expect("non-empty")) {
            path.push(prev);
        }
        path.reverse();
        let start = path[0];
        for pair in path.windows(2) {
            let (from, to) = (pair[0], pair[1]);
            let (x, y) = (hicann(from.0), hicann(to.0));
            let d = best[&to].0;
            match parent[&to].1 {
                Step::Cross => {
                    let dir = [
                        Direction::East,
                        Direction::West,
                        Direction::North,
                        Direction::South,
                    ]
                    .into_iter()
                    .find(|&dir| x.neighbour(dir) == Some(y))
                    .expect("a neighbour");
                    let c = self.cross(x, from.1, dir).expect("searched free");
                    self.commit(&c, d);
                }
                Step::Switch => {
                    let (h, v) = match (from.1, to.1) {
                        (Line::H(h), Line::V(v)) | (Line::V(v), Line::H(h)) => (h, v),
                        _ => unreachable!("a switch joins a horizontal and a vertical line"),
                    };
                    self.hicanns[x.to_enum()]
                        .crossbar
                        .set(h, v, true)
                        .expect("a crossbar switch");
                    self.take(x, to.1);
                    self.tree.push((x, to.1, d));
                }
            }
        }
        let Line::V(vline) = end.1 else {
            unreachable!("goals are vertical")
        };
        let from_own = (hicann(start.0), start.1) == (self.tree[0].0, self.tree[0].1);
        Some((
            Landing {
                hicann: target,
                vline,
                hops,
            },
            from_own,
        ))
    }
}
