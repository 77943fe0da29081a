//! Where each sending repeater's events go: the fan-out over buses, repeaters and switches to synapse
//! drivers (spec §3.5), with latency per hop and the bandwidth limit of a bus.
//!
//! The walk follows the wiring: a horizontal line crosses a chip edge into the neighbour's line (index
//! shifted by 2, spec §3.1) where the repeater on that edge forwards in that direction; closed crossbar
//! switches join horizontal and vertical lines (both ways: the switch is a pass gate); vertical lines cross
//! edges like horizontal ones; a closed synapse switch hands the events of a vertical line to the switch
//! row's driver, on this HICANN or the neighbour it faces (spec §3.3). What a driver does with them
//! (modes, mirror chains) belongs to the synapse-driver model. Defective HICANNs, lines and repeaters
//! carry nothing ([`Defects`]).
//!
//! **Latency** ([`L1Timing`]): the addendum (§11) measured on wafer 30 at 10^4 a delay of 0.6444 ms bio
//! plus 0.0397 ms bio per HICANN on the route, i.e. 64.44 ns + 3.97 ns per HICANN in hardware time. The
//! wafer run counts it from the event's exit from its DNC merger, the merger pipeline on top as the ESS
//! does (spec §3.4; the reasons are in the `wafer` module docs). A hop
//! is a chip edge crossed, through a repeater or by a synapse-switch row that feeds the neighbour's
//! driver. The spec's ~60 ns neuron→driver figure (§3.4) and the ESS' flat 80 ns agree within the spread.
//!
//! **Bandwidth** ([`BusGate`]): the spec has no per-bus limit (§3.4, §9); we take the merger output bound
//! of one event per PLL cycle at the default 125 MHz, [`BUS_MAX_EVENT_RATE_HZ`]. An event closer than
//! that to the previous one on the same bus is lost (a serial wire has no buffer) and counted.

use super::L1ConfigError;
use super::repeaters::{Flow, Line, RepeaterMode, Repeaters, hrepeater_edge};
use super::switches::{Crossbar, SwitchLimits, SwitchRow, SynapseSwitches};
use crate::coord::{
    Direction, HICANNS_ON_WAFER, HLineOnHicann, HicannOnWafer, Side, SynapseDriverOnHicann,
};
use crate::defects::{Defects, vrepeater_on_top};
use crate::time::{HwTime, TICKS_PER_NS};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

/// The Layer-1 settings of one HICANN.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HicannL1 {
    pub crossbar: Crossbar,
    pub synapse_switches: SynapseSwitches,
    pub repeaters: Repeaters,
}

/// A sending repeater (0..8) of a HICANN: the bus of DNC merger 7 - `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SendingRepeater {
    pub hicann: HicannOnWafer,
    pub index: u8,
}

/// A synapse driver a bus reaches, and how many chip edges the events crossed to get there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reached {
    pub hicann: HicannOnWafer,
    pub driver: SynapseDriverOnHicann,
    pub hops: u32,
}

/// Everything one sending repeater's events reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FanOut {
    /// Drivers in (HICANN enum, driver line) order.
    pub drivers: Vec<Reached>,
    /// Every bus line the events travel on, in walk order.
    pub lines: Vec<(HicannOnWafer, Line)>,
}

/// Hop latency on the wafer (addendum §11, measured).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct L1Timing {
    /// The fixed neuron-to-synapse delay: 64.44 ns.
    pub fixed: HwTime,
    /// Extra per HICANN on the route: 3.97 ns.
    pub per_hicann: HwTime,
}

impl Default for L1Timing {
    fn default() -> Self {
        L1Timing {
            fixed: HwTime::from_seconds(64.44e-9),
            per_hicann: HwTime::from_seconds(3.97e-9),
        }
    }
}

impl L1Timing {
    pub fn latency(&self, hops: u32) -> HwTime {
        HwTime(self.fixed.0 + u64::from(hops) * self.per_hicann.0)
    }
}

fn toward(side: Side) -> Direction {
    match side {
        Side::Left => Direction::West,
        Side::Right => Direction::East,
    }
}

fn opposite(side: Side) -> Side {
    match side {
        Side::Left => Side::Right,
        Side::Right => Side::Left,
    }
}

/// The two chip edges of `line`, its own repeater's first: the direction across each and the
/// neighbour's line there (spec §3.1).
fn edges(line: Line) -> [(Direction, Line); 2] {
    match line {
        Line::H(h) => {
            let own = hrepeater_edge(h);
            [own, opposite(own)].map(|edge| (toward(edge), Line::H(h.across(edge))))
        }
        Line::V(v) => {
            let own_top = vrepeater_on_top(v);
            [own_top, !own_top].map(|top| {
                let dir = if top {
                    Direction::North
                } else {
                    Direction::South
                };
                (dir, Line::V(v.across(top)))
            })
        }
    }
}

fn line_usable(defects: &Defects, h: HicannOnWafer, line: Line) -> bool {
    match line {
        Line::H(l) => defects.is_hline_usable(h, l),
        Line::V(l) => defects.is_vline_usable(h, l),
    }
}

fn repeater_usable(defects: &Defects, h: HicannOnWafer, line: Line) -> bool {
    match line {
        Line::H(l) => defects.is_hrepeater_usable(h, l),
        Line::V(l) => defects.is_vrepeater_usable(h, l),
    }
}

/// The Layer-1 configuration of a wafer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Network {
    hicanns: Vec<HicannL1>,
    pub limits: SwitchLimits,
}

impl Default for L1Network {
    fn default() -> Self {
        L1Network {
            hicanns: vec![HicannL1::default(); HICANNS_ON_WAFER],
            limits: SwitchLimits::default(),
        }
    }
}

impl L1Network {
    pub fn hicann(&self, h: HicannOnWafer) -> &HicannL1 {
        &self.hicanns[h.to_enum()]
    }

    pub fn hicann_mut(&mut self, h: HicannOnWafer) -> &mut HicannL1 {
        &mut self.hicanns[h.to_enum()]
    }

    /// The sending repeaters in OUTPUT mode with a direction, in (HICANN, index) order.
    pub fn sources(&self) -> impl Iterator<Item = SendingRepeater> + '_ {
        HicannOnWafer::all().flat_map(move |hicann| {
            (0..8)
                .filter(move |&i| self.hicann(hicann).repeaters.is_sending(i))
                .map(move |index| SendingRepeater { hicann, index })
        })
    }

    /// Pushes the lines `line` on `x` hands its events to, with the chip edges crossed (0 or 1).
    fn next_lines(
        &self,
        defects: &Defects,
        x: HicannOnWafer,
        line: Line,
        out: &mut Vec<(HicannOnWafer, Line, u32)>,
    ) {
        let crossbar = &self.hicann(x).crossbar;
        match line {
            Line::H(h) => out.extend(
                crossbar
                    .vlines_of(h)
                    .map(Line::V)
                    .filter(|&v| line_usable(defects, x, v))
                    .map(|v| (x, v, 0)),
            ),
            Line::V(v) => out.extend(
                crossbar
                    .hlines_of(v)
                    .map(Line::H)
                    .filter(|&h| line_usable(defects, x, h))
                    .map(|h| (x, h, 0)),
            ),
        }
        // Our repeater drives outward on its own edge; the neighbour's drives inward on the other one
        // (its line there has the same parity and half, so its repeater faces us).
        for (k, (dir, there)) in edges(line).into_iter().enumerate() {
            let Some(n) = x.neighbour(dir) else {
                continue;
            };
            let (owner, rep_line, flow) = if k == 0 {
                (x, line, Flow::Outward)
            } else {
                (n, there, Flow::Inward)
            };
            if self.hicann(owner).repeaters.mode(rep_line).forwards(flow)
                && repeater_usable(defects, owner, rep_line)
                && line_usable(defects, n, there)
            {
                out.push((n, there, 1));
            }
        }
    }

    /// The driver a closed switch row of `x` feeds, with the edges crossed, if it exists and works.
    fn row_driver(&self, defects: &Defects, x: HicannOnWafer, row: SwitchRow) -> Option<Reached> {
        let (neighbour, driver) = row.target();
        let (hicann, hops) = match neighbour {
            None => (x, 0),
            Some(side) => (x.neighbour(toward(side))?, 1),
        };
        defects.is_driver_usable(hicann, driver).then_some(Reached {
            hicann,
            driver,
            hops,
        })
    }

    /// The lines the sending repeater itself drives: its own line and/or the west neighbour's.
    fn first_lines(
        &self,
        defects: &Defects,
        s: SendingRepeater,
    ) -> Vec<(HicannOnWafer, Line, u32)> {
        let h = HLineOnHicann::of_sending_repeater(s.index);
        let RepeaterMode::Output {
            own_line,
            west_line,
        } = self.hicann(s.hicann).repeaters.sending(s.index)
        else {
            return Vec::new();
        };
        if !defects.is_hrepeater_usable(s.hicann, h) {
            return Vec::new();
        }
        let mut first = Vec::new();
        if own_line && defects.is_hline_usable(s.hicann, h) {
            first.push((s.hicann, Line::H(h), 0));
        }
        if let Some(w) = s.hicann.neighbour(Direction::West).filter(|_| west_line) {
            let there = h.across(Side::Left);
            if defects.is_hline_usable(w, there) {
                first.push((w, Line::H(there), 1));
            }
        }
        first
    }

    /// The fan-out of sending repeater `s`: a shortest-hop walk (0-1 BFS: switches cost nothing, chip
    /// edges one hop) over the configured wiring.
    pub fn fan_out(&self, defects: &Defects, s: SendingRepeater) -> FanOut {
        let mut best: HashMap<(HicannOnWafer, Line), u32> = HashMap::new();
        let mut drivers: HashMap<(HicannOnWafer, SynapseDriverOnHicann), u32> = HashMap::new();
        let mut queue = VecDeque::new();
        let mut lines = Vec::new();
        let mut next = Vec::new();
        let mut relax = |queue: &mut VecDeque<_>, (h, l, d): (HicannOnWafer, Line, u32), cost| {
            if best.get(&(h, l)).is_none_or(|&old| d < old) {
                best.insert((h, l), d);
                if cost == 0 {
                    queue.push_front((h, l, d));
                } else {
                    queue.push_back((h, l, d));
                }
            }
        };
        for first in self.first_lines(defects, s) {
            relax(&mut queue, first, first.2);
        }
        let mut done = std::collections::HashSet::new();
        while let Some((x, line, d)) = queue.pop_front() {
            if !done.insert((x, line)) {
                continue;
            }
            lines.push((x, line));
            next.clear();
            self.next_lines(defects, x, line, &mut next);
            for &(h, l, cost) in &next {
                relax(&mut queue, (h, l, d + cost), cost);
            }
            if let Line::V(v) = line {
                for row in self.hicann(x).synapse_switches.rows_of(v) {
                    if let Some(r) = self.row_driver(defects, x, row) {
                        let hops = d + r.hops;
                        let entry = drivers.entry((r.hicann, r.driver)).or_insert(hops);
                        *entry = (*entry).min(hops);
                    }
                }
            }
        }
        let mut drivers: Vec<Reached> = drivers
            .into_iter()
            .map(|((hicann, driver), hops)| Reached {
                hicann,
                driver,
                hops,
            })
            .collect();
        drivers.sort_by_key(|r| (r.hicann.to_enum(), r.driver));
        FanOut { drivers, lines }
    }

    /// Checks every HICANN's switches and repeaters, that no line is driven by two sending repeaters
    /// (spec §8.2 rule 6) and that no driver is fed by two switch rows (halbe's check against the
    /// neighbour's matrix). Errors name the HICANN and the line or driver.
    pub fn check(&self, defects: &Defects) -> Result<(), L1ConfigError> {
        let mut fed: HashMap<(HicannOnWafer, SynapseDriverOnHicann), HicannOnWafer> =
            HashMap::new();
        for h in HicannOnWafer::all() {
            let cfg = self.hicann(h);
            cfg.crossbar.check(h, &self.limits)?;
            cfg.synapse_switches.check(h, &self.limits)?;
            cfg.repeaters.check(h)?;
            for row in cfg.synapse_switches.closed_rows() {
                let Some(r) = self.row_driver(&Defects::default(), h, row) else {
                    continue;
                };
                if let Some(other) = fed.insert((r.hicann, r.driver), h) {
                    return Err(L1ConfigError::at(
                        r.hicann,
                        format!(
                            "synapse driver {} is fed by switch rows of {other} and {h}",
                            r.driver.line()
                        ),
                    ));
                }
            }
        }
        let mut owner: HashMap<(HicannOnWafer, Line), SendingRepeater> = HashMap::new();
        for s in self.sources() {
            for (h, line) in self.fan_out(defects, s).lines {
                if let Some(o) = owner.insert((h, line), s) {
                    return Err(L1ConfigError::at(
                        h,
                        format!(
                            "{} is driven by sending repeater {} of {} and sending repeater {} of {}",
                            describe(line),
                            o.index,
                            o.hicann,
                            s.index,
                            s.hicann
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn describe(line: Line) -> String {
    match line {
        Line::H(h) => format!("horizontal line {}", h.line()),
        Line::V(v) => format!("vertical line {}", v.line()),
    }
}

/// The bus event-rate limit we assume: one event per cycle of the default 125 MHz PLL (see module docs).
pub const BUS_MAX_EVENT_RATE_HZ: f64 = 125e6;

/// Events carried and lost on one bus.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusCounters {
    pub events: u64,
    pub lost_saturated: u64,
}

/// The rate limit of one bus: events offered in time order, each at least one spacing after the last one
/// carried, or lost.
#[derive(Debug, Clone)]
pub struct BusGate {
    spacing: u64,
    next_free: u64,
    pub counters: BusCounters,
}

impl BusGate {
    pub fn new(max_rate_hz: f64) -> BusGate {
        BusGate {
            spacing: (1e9 * TICKS_PER_NS as f64 / max_rate_hz).round() as u64,
            next_free: 0,
            counters: BusCounters::default(),
        }
    }

    /// Whether the bus carries an event put on it at `t` (times must not decrease).
    pub fn offer(&mut self, t: HwTime) -> bool {
        if t.0 < self.next_free {
            self.counters.lost_saturated += 1;
            return false;
        }
        self.next_free = t.0 + self.spacing;
        self.counters.events += 1;
        true
    }
}

#[cfg(test)]
#[path = "bus_tests.rs"]
mod tests;
