//! The spike output path of one HICANN as a clocked queue model: priority encoders, background mergers,
//! the merger tree and the DNC mergers (spec §2.5, §8.3), stepping the HICANN PLL cycle by cycle while
//! events are in flight and jumping over idle stretches.
//!
//! - **Priority encoder** (one per neuron block of 64 denmems): a firing denmem's 6-bit address register
//!   ([`MergerConfig::outputs`]) is encoded in 2 cycles, at most one event per 2 cycles. Input k of block
//!   b is denmem (32 b + k mod 32, k / 32), top row first (our ordering; the spec only says the lowest
//!   active input wins). Of several spikes in one cycle the lowest input wins and the others are lost
//!   (`pe_collisions`); a spike arriving while an earlier one still waits overwrites it (`pe_overwritten`).
//! - **Mergers** (15 tree + 8 DNC): `LeftOnly`, `RightOnly` or `Merge` (round robin when both inputs
//!   wait), one event accepted per cycle, or per 2 with `slow`, 2 cycles from acceptance to the next
//!   stage. Inputs are one-event latches with handshake: a full latch holds its sender back, so a blocked
//!   merger backs traffic up to the priority encoders, where it is lost. Background generators and Layer-2
//!   input cannot wait: their event is lost if its latch is full (`background_blocked`, `l2_blocked`).
//! - **Topology** (sthal `Layer1::getDNCMergerOutput`): background merger i merges background generator i
//!   (left) with priority encoder i (right); tree merger k of a level merges outputs 2k (left) and 2k + 1
//!   (right) of the level below; DNC merger i merges Layer-2 channel i (left) with tree output
//!   [`DNC_TREE_INPUT`]`[i]` (right). A merger's output goes to every stage that selects it; an event no
//!   stage selects is dropped by configuration and counted as `unrouted`.

use super::L1ConfigError;
use super::background::{BackgroundGenerator, BackgroundRun};
use super::repeaters::Repeaters;
use crate::coord::{DENMEMS_ON_HICANN, HicannOnWafer, NEURON_BLOCKS, NeuronOnHicann};
use crate::time::{HwTime, PLL_MHZ};
use serde::{Deserialize, Serialize};

/// Cycles per priority-encoder event and from acceptance at one merger to the next stage (spec §8.3).
pub const ENCODER_CYCLES: u64 = 2;
pub const MERGER_LATENCY_CYCLES: u64 = 2;
/// Tree mergers: 8 background mergers, then 4, 2, 1.
pub const TREE_MERGERS: usize = 15;
pub const DNC_MERGERS: usize = 8;
/// The tree merger whose output is the right input of each DNC merger (sthal: m0(0), m1(0), m0(2),
/// m3(0), m0(4), m2(1), m1(3), m0(7) as tree indices).
pub const DNC_TREE_INPUT: [usize; DNC_MERGERS] = [0, 8, 2, 14, 4, 13, 11, 7];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MergerMode {
    LeftOnly,
    RightOnly,
    Merge,
}

impl MergerMode {
    fn selects(self, port: usize) -> bool {
        match self {
            MergerMode::LeftOnly => port == 0,
            MergerMode::RightOnly => port == 1,
            MergerMode::Merge => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merger {
    pub mode: MergerMode,
    pub slow: bool,
}

/// The output-path configuration of one HICANN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergerConfig {
    /// Per denmem (halco enum) its 6-bit address, or `None` if its SPL1 output is off.
    pub outputs: Vec<Option<u8>>,
    pub background: [BackgroundGenerator; NEURON_BLOCKS],
    /// Level 0 (background mergers) 0..8, level 1 8..12, level 2 12..14, level 3 14.
    pub tree: [Merger; TREE_MERGERS],
    pub dnc: [Merger; DNC_MERGERS],
    pub pll_mhz: u32,
}

impl Default for MergerConfig {
    /// halbe's default tree (one block per DNC merger), all outputs off, generators off, 125 MHz; DNC
    /// mergers take the tree with `slow` set so that any sending repeater may use them.
    fn default() -> Self {
        use MergerMode::*;
        let m = |mode| Merger { mode, slow: false };
        let mut tree = [m(Merge); TREE_MERGERS];
        let upper = [
            RightOnly, RightOnly, RightOnly, LeftOnly, RightOnly, LeftOnly, LeftOnly,
        ];
        for (k, mode) in upper.into_iter().enumerate() {
            tree[8 + k] = m(mode);
        }
        MergerConfig {
            outputs: vec![None; DENMEMS_ON_HICANN],
            background: [BackgroundGenerator::default(); NEURON_BLOCKS],
            tree,
            dnc: [Merger {
                mode: RightOnly,
                slow: true,
            }; DNC_MERGERS],
            pll_mhz: 125,
        }
    }
}

/// The stage fed by tree merger `m` and the port: level 0..2 feed the level above, level 3 nothing.
fn parent(m: usize) -> Option<(usize, usize)> {
    match m {
        0..8 => Some((8 + m / 2, m % 2)),
        8..12 => Some((12 + (m - 8) / 2, (m - 8) % 2)),
        12..14 => Some((14, m - 12)),
        _ => None,
    }
}

/// The DNC merger tree merger `m` also feeds, if any.
fn dnc_of(m: usize) -> Option<usize> {
    DNC_TREE_INPUT.iter().position(|&t| t == m)
}

impl MergerConfig {
    /// The DNC mergers whose output carries the events of neuron block `block`'s priority encoder: up the
    /// tree from its background merger while each merger selects the port the events arrive on, and into
    /// every DNC merger that takes a tree merger on the way (right port). Readback uses it to tell which
    /// neuron a recorded (channel, address) came from.
    pub fn dnc_mergers_of_block(&self, block: usize) -> Vec<usize> {
        let mut found = Vec::new();
        // The encoder is the right input of background merger `block`.
        let (mut m, mut port) = (block, 1);
        while self.tree[m].mode.selects(port) {
            if let Some(d) = dnc_of(m).filter(|&d| self.dnc[d].mode.selects(1)) {
                found.push(d);
            }
            let Some((up, up_port)) = parent(m) else {
                break;
            };
            (m, port) = (up, up_port);
        }
        found
    }

    /// Spec §8.2 rule 5 for the tree: a merger of level 1 or above that merges must be taken by its
    /// parent in MERGE mode (the handshake). Public so that a mapper choosing tree modes can keep to it.
    pub fn handshake_violation(&self) -> Option<String> {
        (8..TREE_MERGERS).find_map(|m| {
            let (p, port) = parent(m)?;
            let pm = self.tree[p].mode;
            (self.tree[m].mode == MergerMode::Merge && pm.selects(port) && pm != MergerMode::Merge)
                .then(|| {
                    format!("tree merger {m} merges but merger {p} after it is not in MERGE mode")
                })
        })
    }

    /// Spec §8.2 rules 5 and 8: addresses 6-bit, a PLL setting, generators sane; a merged output of
    /// level 1 or above must be taken by its parent in MERGE mode (the handshake; the background mergers
    /// are exempt, halbe's default merges them under *_ONLY parents); a DNC merger feeding a sending
    /// repeater (`7 - i`) must be `slow`.
    pub fn check(&self, hicann: HicannOnWafer, repeaters: &Repeaters) -> Result<(), L1ConfigError> {
        let err = |what: String| Err(L1ConfigError::at(hicann, what));
        if self.outputs.len() != DENMEMS_ON_HICANN {
            return err(format!("{} denmem outputs, not 512", self.outputs.len()));
        }
        if let Some((n, a)) = self
            .outputs
            .iter()
            .enumerate()
            .find_map(|(n, a)| a.filter(|&a| a >= 64).map(|a| (n, a)))
        {
            return err(format!("denmem {n} address {a} is not 6-bit"));
        }
        if !PLL_MHZ.contains(&self.pll_mhz) {
            return err(format!(
                "PLL {} MHz is not one of {PLL_MHZ:?}",
                self.pll_mhz
            ));
        }
        for (i, bg) in self.background.iter().enumerate() {
            if let Some(what) = bg.check() {
                return err(format!("background generator {i}: {what}"));
            }
        }
        if let Some(what) = self.handshake_violation() {
            return err(what);
        }
        for (i, dnc) in self.dnc.iter().enumerate() {
            if repeaters.is_sending(7 - i as u8) && !dnc.slow {
                return err(format!(
                    "DNC merger {i} drives sending repeater {} but is not slow",
                    7 - i
                ));
            }
        }
        Ok(())
    }
}

/// A denmem spike entering its priority encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeuronSpike {
    pub time: HwTime,
    pub denmem: NeuronOnHicann,
}

/// A Layer-2 event injected into DNC merger `dnc_merger` (its left input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L2Input {
    pub time: HwTime,
    pub dnc_merger: u8,
    pub address: u8,
}

/// An event leaving DNC merger `dnc_merger`: to Gbit channel i and sending repeater 7 - i.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DncEvent {
    pub time: HwTime,
    pub dnc_merger: u8,
    pub address: u8,
    /// Waiting beyond the unloaded pipeline latency (2 cycles per stage passed).
    pub queued: HwTime,
}

/// Events lost or dropped, by place and cause, and events out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergerCounters {
    pub pe_collisions: [u64; NEURON_BLOCKS],
    pub pe_overwritten: [u64; NEURON_BLOCKS],
    pub background_blocked: [u64; NEURON_BLOCKS],
    pub l2_blocked: [u64; DNC_MERGERS],
    /// Events no stage selects: priority encoders and generators (per block), tree mergers, L2 inputs.
    pub unrouted_encoder: [u64; NEURON_BLOCKS],
    pub unrouted_background: [u64; NEURON_BLOCKS],
    pub unrouted_tree: [u64; TREE_MERGERS],
    pub unrouted_l2: [u64; DNC_MERGERS],
    pub emitted: [u64; DNC_MERGERS],
}

#[derive(Debug, Clone, Copy)]
struct Ev {
    address: u8,
    born: u64,
    /// Unloaded latency of the stages passed so far, in cycles.
    pipeline: u64,
}

/// A merger in flight: input latches, a pipeline of up to 2 events (ready cycle, event).
#[derive(Debug, Clone, Default)]
struct Stage {
    latch: [Option<Ev>; 2],
    pipe: [Option<(u64, Ev)>; 2],
    next_accept: u64,
    prefer_right: bool,
}

impl Stage {
    fn head(&self) -> Option<(u64, Ev)> {
        self.pipe[0]
    }

    fn pop(&mut self) {
        self.pipe = [self.pipe[1], None];
    }

    /// Takes one latched event per the mode's choice, if the stage may accept this cycle.
    fn accept(&mut self, cycle: u64, m: Merger) {
        if cycle < self.next_accept || self.pipe[1].is_some() {
            return;
        }
        let port = match (m.mode, self.latch[0].is_some(), self.latch[1].is_some()) {
            (MergerMode::LeftOnly, true, _) => 0,
            (MergerMode::RightOnly, _, true) => 1,
            (MergerMode::Merge, true, true) => usize::from(self.prefer_right),
            (MergerMode::Merge, true, false) => 0,
            (MergerMode::Merge, false, true) => 1,
            _ => return,
        };
        let mut ev = self.latch[port].take().expect("chosen latch is full");
        ev.pipeline += MERGER_LATENCY_CYCLES;
        self.prefer_right = port == 0;
        let slot = usize::from(self.pipe[0].is_some());
        self.pipe[slot] = Some((cycle + MERGER_LATENCY_CYCLES, ev));
        self.next_accept = cycle + if m.slow { 2 } else { 1 };
    }

    fn is_idle(&self) -> bool {
        self.latch.iter().all(Option::is_none) && self.pipe.iter().all(Option::is_none)
    }
}

/// A priority encoder in flight: the waiting spike and the one being encoded (ready cycle).
#[derive(Debug, Clone, Copy, Default)]
struct Encoder {
    pending: Option<Ev>,
    encoding: Option<(u64, Ev)>,
    free_at: u64,
}

/// A new event from a source that cannot wait (background generator, Layer-2 input) into a merger
/// input: dropped by configuration if the merger does not select that input, lost if the latch is full.
fn offer(
    latch: &mut Option<Ev>,
    selected: bool,
    address: u8,
    c: u64,
    unrouted: &mut u64,
    blocked: &mut u64,
) {
    if !selected {
        *unrouted += 1;
    } else if latch.is_some() {
        *blocked += 1;
    } else {
        *latch = Some(Ev {
            address,
            born: c,
            pipeline: 0,
        });
    }
}

/// The clocked output path of one HICANN.
#[derive(Debug, Clone)]
pub struct OutputPath {
    cfg: MergerConfig,
    period: HwTime,
    cycle: u64,
    encoders: [Encoder; NEURON_BLOCKS],
    tree: Vec<Stage>,
    dnc: Vec<Stage>,
    background: Vec<Option<BackgroundRun>>,
    pub counters: MergerCounters,
}

impl OutputPath {
    /// A path at hardware time 0 with the generators started there.
    pub fn new(cfg: MergerConfig) -> OutputPath {
        let background = cfg.background.iter().map(|bg| bg.start(0)).collect();
        OutputPath {
            period: HwTime::clock_period(cfg.pll_mhz),
            cfg,
            cycle: 0,
            encoders: [Encoder::default(); NEURON_BLOCKS],
            tree: vec![Stage::default(); TREE_MERGERS],
            dnc: vec![Stage::default(); DNC_MERGERS],
            background,
            counters: MergerCounters::default(),
        }
    }

    /// The first PLL cycle at or after `t`.
    fn cycle_of(&self, t: HwTime) -> u64 {
        t.0.div_ceil(self.period.0)
    }

    /// No event in flight (background generators aside: they fire on their own).
    pub fn is_idle(&self) -> bool {
        self.encoders
            .iter()
            .all(|e| e.pending.is_none() && e.encoding.is_none())
            && self.tree.iter().chain(&self.dnc).all(Stage::is_idle)
    }

    /// Runs every cycle before `until`, taking `spikes` and `l2` (each sorted by time, all before
    /// `until` and not before the previous call's `until`) and appending the DNC mergers' output.
    pub fn run(
        &mut self,
        spikes: &[NeuronSpike],
        l2: &[L2Input],
        until: HwTime,
        out: &mut Vec<DncEvent>,
    ) {
        let end = self.cycle_of(until);
        let (mut si, mut li) = (0, 0);
        while self.cycle < end {
            let c = self.cycle;
            if self.is_idle() {
                let next_spike = spikes.get(si).map(|s| self.cycle_of(s.time));
                let next_l2 = l2.get(li).map(|e| self.cycle_of(e.time));
                let next_bg = self
                    .background
                    .iter()
                    .flatten()
                    .map(BackgroundRun::next_cycle)
                    .min();
                let next = [next_spike, next_l2, next_bg]
                    .into_iter()
                    .flatten()
                    .min()
                    .unwrap_or(end);
                if next > c {
                    self.cycle = next.min(end);
                    continue;
                }
            }
            let first = si;
            while spikes.get(si).is_some_and(|s| self.cycle_of(s.time) <= c) {
                si += 1;
            }
            self.arrive(c, &spikes[first..si]);
            while let Some(e) = l2.get(li).filter(|e| self.cycle_of(e.time) <= c) {
                self.inject_l2(c, *e);
                li += 1;
            }
            self.fire_background(c);
            self.step_encoders(c);
            self.step_tree(c);
            self.step_dnc(c, out);
            self.cycle += 1;
        }
    }

    /// Spikes of one cycle into their encoders: the lowest input per block wins.
    fn arrive(&mut self, c: u64, spikes: &[NeuronSpike]) {
        let mut winner: [Option<(usize, u8)>; NEURON_BLOCKS] = [None; NEURON_BLOCKS];
        for s in spikes {
            let Some(address) = self.cfg.outputs[s.denmem.to_enum()] else {
                continue;
            };
            let block = s.denmem.block();
            let input = usize::from(s.denmem.x() % 32) + 32 * usize::from(s.denmem.y());
            match winner[block] {
                Some((best, _)) if best < input => self.counters.pe_collisions[block] += 1,
                Some(_) => {
                    self.counters.pe_collisions[block] += 1;
                    winner[block] = Some((input, address));
                }
                None => winner[block] = Some((input, address)),
            }
        }
        for (block, w) in winner.into_iter().enumerate() {
            let Some((_, address)) = w else { continue };
            let enc = &mut self.encoders[block];
            if enc.pending.is_some() {
                self.counters.pe_overwritten[block] += 1;
            }
            enc.pending = Some(Ev {
                address,
                born: c,
                pipeline: 0,
            });
        }
    }

    fn inject_l2(&mut self, c: u64, e: L2Input) {
        let i = usize::from(e.dnc_merger);
        let selected = self.cfg.dnc[i].mode.selects(0);
        let k = &mut self.counters;
        let (unrouted, blocked) = (&mut k.unrouted_l2[i], &mut k.l2_blocked[i]);
        offer(
            &mut self.dnc[i].latch[0],
            selected,
            e.address,
            c,
            unrouted,
            blocked,
        );
    }

    fn fire_background(&mut self, c: u64) {
        for i in 0..NEURON_BLOCKS {
            let Some(run) = self.background[i].as_mut().filter(|r| r.next_cycle() <= c) else {
                continue;
            };
            let address = run.address();
            run.schedule();
            let selected = self.cfg.tree[i].mode.selects(0);
            let k = &mut self.counters;
            let (unrouted, blocked) = (&mut k.unrouted_background[i], &mut k.background_blocked[i]);
            offer(
                &mut self.tree[i].latch[0],
                selected,
                address,
                c,
                unrouted,
                blocked,
            );
        }
    }

    fn step_encoders(&mut self, c: u64) {
        for (block, enc) in self.encoders.iter_mut().enumerate() {
            if let Some((_, mut ev)) = enc.encoding.filter(|&(ready, _)| ready <= c) {
                if !self.cfg.tree[block].mode.selects(1) {
                    self.counters.unrouted_encoder[block] += 1;
                    enc.encoding = None;
                } else if self.tree[block].latch[1].is_none() {
                    ev.pipeline += ENCODER_CYCLES;
                    self.tree[block].latch[1] = Some(ev);
                    enc.encoding = None;
                }
            }
            if enc.encoding.is_none()
                && c >= enc.free_at
                && let Some(ev) = enc.pending.take()
            {
                enc.encoding = Some((c + ENCODER_CYCLES, ev));
                enc.free_at = c + ENCODER_CYCLES;
            }
        }
    }

    /// Tree mergers level by level (upstream first, so a handed-on event is accepted in the same cycle):
    /// each hands its ready event on, then accepts a new one.
    fn step_tree(&mut self, c: u64) {
        for m in 0..TREE_MERGERS {
            self.hand_on(c, m);
            self.tree[m].accept(c, self.cfg.tree[m]);
        }
    }

    /// Hands tree merger `m`'s ready event to its parent and DNC merger if they select it and their
    /// latches are free; otherwise it waits (handshake).
    fn hand_on(&mut self, c: u64, m: usize) {
        let Some((_, ev)) = self.tree[m].head().filter(|&(ready, _)| ready <= c) else {
            return;
        };
        let to_parent = parent(m).filter(|&(p, port)| self.cfg.tree[p].mode.selects(port));
        let to_dnc = dnc_of(m).filter(|&d| self.cfg.dnc[d].mode.selects(1));
        if to_parent.is_none() && to_dnc.is_none() {
            self.counters.unrouted_tree[m] += 1;
            self.tree[m].pop();
            return;
        }
        let parent_free = to_parent.is_none_or(|(p, port)| self.tree[p].latch[port].is_none());
        let dnc_free = to_dnc.is_none_or(|d| self.dnc[d].latch[1].is_none());
        if parent_free && dnc_free {
            if let Some((p, port)) = to_parent {
                self.tree[p].latch[port] = Some(ev);
            }
            if let Some(d) = to_dnc {
                self.dnc[d].latch[1] = Some(ev);
            }
            self.tree[m].pop();
        }
    }

    fn step_dnc(&mut self, c: u64, out: &mut Vec<DncEvent>) {
        for d in 0..DNC_MERGERS {
            if let Some((ready, ev)) = self.dnc[d].head().filter(|&(ready, _)| ready <= c) {
                self.dnc[d].pop();
                self.counters.emitted[d] += 1;
                out.push(DncEvent {
                    time: HwTime(ready * self.period.0),
                    dnc_merger: d as u8,
                    address: ev.address,
                    queued: HwTime((ready - ev.born - ev.pipeline) * self.period.0),
                });
            }
            self.dnc[d].accept(c, self.cfg.dnc[d]);
        }
    }
}

#[cfg(test)]
#[path = "merger_tests.rs"]
mod tests;
