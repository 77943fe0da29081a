//! One HICANN in a wafer run: its neurons, synapse block and output path, and what it does in a window.
//!
//! A window `[start, end)` on one HICANN:
//! 1. Inbound Layer-1 events before `end` are taken in (time, source HICANN, source sequence) order and
//!    delivered through the [`SynapseBlock`]; each conductance jump goes to its neuron.
//! 2. Without STDP the neurons are advanced lazily: jumps are grouped per neuron, each neuron runs through
//!    its own jumps to the window's last tick, where only its spikes are needed (a step may end after it,
//!    [`LogicalNeuron::look_ahead`]; a spike a step taken again finds before the window is sent at the
//!    window's start, and counted); a neuron without jumps that cannot reach threshold in the
//!    window ([`LogicalNeuron::quiet_until`], a conservative bound kept per neuron) is left where it is
//!    and catches up at its next jump, so quiet neurons cost no integration steps per window; a HICANN
//!    whose neurons are all quiet and that has no input is not stepped at all. With STDP every neuron is brought to each
//!    event's time first and its spikes reach the block ([`SynapseBlock::post_spike`]) before the event,
//!    so the correlation sees pre and post in true order.
//! 3. The window's spikes (all neurons, time order) and Layer-2 injections go through the
//!    [`OutputPath`]. A spike or injection whose PLL cycle is not before `end` waits for the next window
//!    (the path runs whole cycles before `end`). Events leaving a DNC merger go up the Gbit link if its
//!    channel points to the FPGA (recorded after the run) and onto the bus of sending repeater `7 - i`:
//!    through its [`BusGate`] to every driver of its fan-out at the DNC time plus the hop latency.

use super::counters::HicannRunCounters;
use crate::coord::{
    DENMEMS_ON_HICANN, HicannOnWafer, NeuronOnHicann, SynapseDriverOnHicann, SynapticInput,
};
use crate::layer1::bus::BusGate;
use crate::layer1::merger::{DncEvent, L2Input, NeuronSpike, OutputPath};
use crate::layer2::GbitDirection;
use crate::neuron::{LogicalNeuron, SynapticChannel};
use crate::synapse::SynapseBlock;
use crate::time::HwTime;

/// A Layer-1 event arriving at a synapse driver of this HICANN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Inbound {
    pub time: HwTime,
    /// Enum of the sending HICANN and its running event number: with the time a total order.
    pub source: u16,
    pub seq: u64,
    pub driver: SynapseDriverOnHicann,
    pub address: u8,
}

/// A driver a sending repeater reaches: its HICANN's index in the run and the latency to it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Target {
    pub unit: u32,
    pub driver: SynapseDriverOnHicann,
    pub latency: HwTime,
}

/// A sending repeater's bus: its rate limit and fan-out.
#[derive(Debug, Clone)]
pub(super) struct Bus {
    pub index: u8,
    pub gate: BusGate,
    pub targets: Vec<Target>,
    /// Drivers reached on HICANNs the image does not configure (their events are counted as lost).
    pub unconfigured_targets: u64,
}

/// A recorded membrane: samples every `interval` from time 0.
#[derive(Debug, Clone)]
pub(super) struct TraceBuffer {
    pub denmem: NeuronOnHicann,
    pub interval: HwTime,
    pub next: HwTime,
    pub v_volt: Vec<f64>,
}

#[derive(Debug, Clone, Copy)]
enum Change {
    Conductance(SynapticChannel, f64),
    Stimulus(f64),
}

#[derive(Debug, Clone, Copy)]
struct Jump {
    neuron: u32,
    time: HwTime,
    change: Change,
}

/// The run state of one HICANN.
#[derive(Debug, Clone)]
pub(super) struct HicannState {
    pub hicann: HicannOnWafer,
    pub neurons: Vec<LogicalNeuron>,
    /// Per denmem (halco enum): its neuron and that neuron's channel per synaptic input.
    pub denmem_slot: Vec<Option<(u32, [SynapticChannel; 2])>>,
    /// Per neuron: the denmems whose output address is set (they enter the priority encoders).
    pub outputs: Vec<Vec<NeuronOnHicann>>,
    /// Per neuron: its trace buffer, if traced.
    pub traced: Vec<Option<usize>>,
    pub traces: Vec<TraceBuffer>,
    pub synapses: SynapseBlock,
    pub stdp: bool,
    pub output: OutputPath,
    pub pll_period: HwTime,
    /// Background generators fire on their own: the HICANN is never idle.
    pub background: bool,
    /// Layer-2 injections (release times) and the next one.
    pub injections: Vec<L2Input>,
    pub next_injection: usize,
    /// Stimulus steps (time, neuron, ampere) in time order and the next one.
    pub stimuli: Vec<(HwTime, u32, f64)>,
    pub next_stimulus: usize,
    pub gbit: [GbitDirection; 8],
    pub buses: Vec<Bus>,
    /// Expected work relative to other HICANNs (module `kernel`): 1 + denmems in neurons + synapse rows
    /// driven. Integration is most of a run's time (module docs of [`super`]), and it grows with the
    /// denmems; every delivery scans a driven row.
    pub load: u64,
    pub inbox: Vec<Inbound>,
    /// Events of the last step for other HICANNs (index in the run); the kernel sends them on.
    pub outbox: Vec<(u32, Inbound)>,
    pub seq: u64,
    /// The window start of the step this HICANN waits for, and its running step number (module `kernel`).
    pub next_step: Option<HwTime>,
    pub step_seq: u64,
    /// Per neuron: up to when it cannot spike without input ([`LogicalNeuron::quiet_until`]), and the
    /// earliest of those.
    pub quiet: Vec<HwTime>,
    pub min_quiet: HwTime,
    /// Spikes and injections of earlier windows whose PLL cycle was not before that window's end.
    pub carry_spikes: Vec<NeuronSpike>,
    pub carry_l2: Vec<L2Input>,
    jumps: Vec<Jump>,
    spike_buffer: Vec<NeuronSpike>,
    l2_buffer: Vec<L2Input>,
    window_spikes: Vec<(HwTime, u32)>,
    dnc: Vec<DncEvent>,
    /// Results: every spike (time, neuron), events sent up for recording.
    pub spikes: Vec<(HwTime, u32)>,
    pub uplink: Vec<DncEvent>,
    pub counters: HicannRunCounters,
}

/// What a neuron must have done up to a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Its state is at the time: an input follows.
    State,
    /// Its spikes up to the time are known; its state may lag behind a step looked ahead
    /// ([`LogicalNeuron::look_ahead`]).
    Spikes,
}

/// Runs `neuron` to `until` (inclusive), collecting its spikes and trace samples on the way.
fn advance_to(
    neuron: &mut LogicalNeuron,
    index: u32,
    until: HwTime,
    reach: Reach,
    spikes: &mut Vec<(HwTime, u32)>,
    trace: Option<&mut TraceBuffer>,
) {
    let mut run = |neuron: &mut LogicalNeuron, to: HwTime, reach: Reach| loop {
        let spike = match reach {
            Reach::State => neuron.advance(to),
            Reach::Spikes => neuron.look_ahead(to),
        };
        match spike {
            Some(t) => spikes.push((t, index)),
            None => break,
        }
    };
    if let Some(tb) = trace {
        while tb.next <= until {
            run(neuron, tb.next, Reach::State);
            tb.v_volt.push(neuron.v_volt());
            tb.next = tb.next + tb.interval;
        }
    }
    run(neuron, until, reach);
}

impl HicannState {
    /// Assembles the state; `neurons` etc. are built by the loader.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        hicann: HicannOnWafer,
        neurons: Vec<LogicalNeuron>,
        outputs: Vec<Vec<NeuronOnHicann>>,
        synapses: SynapseBlock,
        stdp: bool,
        output: OutputPath,
        pll_period: HwTime,
        background: bool,
        gbit: [GbitDirection; 8],
    ) -> HicannState {
        let mut denmem_slot = vec![None; DENMEMS_ON_HICANN];
        for (i, n) in neurons.iter().enumerate() {
            for &d in n.denmems() {
                let ch = [SynapticInput::Inhibitory, SynapticInput::Excitatory].map(|input| {
                    n.channel(d, input)
                        .expect("a member denmem has both inputs")
                });
                denmem_slot[d.to_enum()] = Some((i as u32, ch));
            }
        }
        let count = neurons.len();
        HicannState {
            hicann,
            neurons,
            denmem_slot,
            outputs,
            traced: vec![None; count],
            traces: Vec::new(),
            synapses,
            stdp,
            output,
            pll_period,
            background,
            injections: Vec::new(),
            next_injection: 0,
            stimuli: Vec::new(),
            next_stimulus: 0,
            gbit,
            buses: Vec::new(),
            load: 0,
            inbox: Vec::new(),
            outbox: Vec::new(),
            seq: 0,
            next_step: None,
            step_seq: 0,
            quiet: vec![HwTime::ZERO; count],
            min_quiet: HwTime::ZERO,
            carry_spikes: Vec::new(),
            carry_l2: Vec::new(),
            jumps: Vec::new(),
            spike_buffer: Vec::new(),
            l2_buffer: Vec::new(),
            window_spikes: Vec::new(),
            dnc: Vec::new(),
            spikes: Vec::new(),
            uplink: Vec::new(),
            counters: HicannRunCounters::default(),
        }
    }

    /// The earliest time this HICANN has something to do; `HwTime::ZERO` if it must run every window.
    pub fn wake(&self) -> HwTime {
        if self.background
            || !self.traces.is_empty()
            || !self.carry_spikes.is_empty()
            || !self.carry_l2.is_empty()
            || !self.output.is_idle()
        {
            return HwTime::ZERO;
        }
        let inbox = self.inbox.iter().map(|e| e.time).min();
        let injection = self.injections.get(self.next_injection).map(|e| e.time);
        let stimulus = self.stimuli.get(self.next_stimulus).map(|s| s.0);
        let neuron = self.min_quiet.0.checked_add(1).map(HwTime);
        [inbox, injection, stimulus, neuron]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(HwTime(u64::MAX))
    }

    /// Runs the window `[start, end)` (see the module docs).
    pub fn step(&mut self, start: HwTime, end: HwTime) {
        debug_assert!(start < end);
        let last = HwTime(end.0 - 1);
        let mut inbox = std::mem::take(&mut self.inbox);
        inbox.sort_unstable_by_key(|e| (e.time, e.source, e.seq));
        let due = inbox.partition_point(|e| e.time < end);
        self.window_spikes.clear();
        if self.stdp {
            self.neurons_in_order(&inbox[..due], last);
        } else {
            self.neurons_lazily(&inbox[..due], last);
            for spike in &mut self.window_spikes {
                if spike.0 < start {
                    spike.0 = start;
                    self.counters.spikes_found_late += 1;
                }
            }
        }
        inbox.drain(..due);
        self.inbox = inbox;
        self.min_quiet = self.quiet.iter().copied().min().unwrap_or(HwTime(u64::MAX));
        self.output_path(end);
    }

    /// Delivers one inbound event; the jumps go to `self.jumps`.
    fn deliver(&mut self, e: &Inbound) {
        let (jumps, slots, counters) = (&mut self.jumps, &self.denmem_slot, &mut self.counters);
        self.synapses.deliver(
            e.driver,
            e.address,
            e.time,
            &mut |s| match slots[s.denmem.to_enum()] {
                Some((neuron, ch)) => jumps.push(Jump {
                    neuron,
                    time: e.time,
                    change: Change::Conductance(ch[s.input as usize], s.conductance_siemens),
                }),
                None => counters.jumps_to_unused_denmems += 1,
            },
        );
    }

    /// Stimulus steps before `until` as jumps.
    fn stimulus_jumps(&mut self, until: HwTime) {
        while let Some(&(time, neuron, ampere)) = self
            .stimuli
            .get(self.next_stimulus)
            .filter(|s| s.0 <= until)
        {
            self.jumps.push(Jump {
                neuron,
                time,
                change: Change::Stimulus(ampere),
            });
            self.next_stimulus += 1;
        }
    }

    fn apply(neuron: &mut LogicalNeuron, change: Change) {
        match change {
            Change::Conductance(ch, g) => neuron.add_conductance(ch, g),
            Change::Stimulus(a) => neuron.set_stimulus_ampere(a),
        }
    }

    /// No STDP: all jumps first, then each neuron through its own jumps to `last`.
    fn neurons_lazily(&mut self, events: &[Inbound], last: HwTime) {
        self.jumps.clear();
        for e in events {
            self.deliver(e);
        }
        self.stimulus_jumps(last);
        self.jumps.sort_by_key(|j| (j.neuron, j.time));
        let mut k = 0;
        for (i, neuron) in self.neurons.iter_mut().enumerate() {
            let first = k;
            while self.jumps.get(k).is_some_and(|j| j.neuron == i as u32) {
                k += 1;
            }
            let trace = self.traced[i].map(|t| &mut self.traces[t]);
            if first == k && trace.is_none() && self.quiet[i] >= last {
                continue;
            }
            let mut trace = trace;
            for j in &self.jumps[first..k] {
                advance_to(
                    neuron,
                    i as u32,
                    j.time,
                    Reach::State,
                    &mut self.window_spikes,
                    trace.as_deref_mut(),
                );
                Self::apply(neuron, j.change);
            }
            advance_to(
                neuron,
                i as u32,
                last,
                Reach::Spikes,
                &mut self.window_spikes,
                trace,
            );
            self.quiet[i] = neuron.quiet_until();
        }
    }

    /// Every neuron to `t`; the new spikes go to the synapse block in time order (STDP post spikes).
    fn all_to(&mut self, t: HwTime) {
        let from = self.window_spikes.len();
        for (i, neuron) in self.neurons.iter_mut().enumerate() {
            let trace = self.traced[i].map(|k| &mut self.traces[k]);
            advance_to(
                neuron,
                i as u32,
                t,
                Reach::State,
                &mut self.window_spikes,
                trace,
            );
            self.quiet[i] = neuron.quiet_until();
        }
        self.window_spikes[from..].sort_unstable();
        for &(time, n) in &self.window_spikes[from..] {
            for &d in self.neurons[n as usize].denmems() {
                self.synapses.post_spike(d, time);
            }
        }
    }

    /// Stimulus steps up to `t`, each with every neuron brought to its time first.
    fn stimuli_to(&mut self, t: HwTime) {
        while let Some(&(time, neuron, ampere)) =
            self.stimuli.get(self.next_stimulus).filter(|s| s.0 <= t)
        {
            self.all_to(time);
            let n = &mut self.neurons[neuron as usize];
            n.set_stimulus_ampere(ampere);
            self.quiet[neuron as usize] = n.quiet_until();
            self.next_stimulus += 1;
        }
    }

    /// STDP: every neuron to each event's time before the event is delivered.
    fn neurons_in_order(&mut self, events: &[Inbound], last: HwTime) {
        for e in events {
            self.stimuli_to(e.time);
            self.all_to(e.time);
            self.jumps.clear();
            self.deliver(e);
            for j in &self.jumps {
                let n = &mut self.neurons[j.neuron as usize];
                Self::apply(n, j.change);
                self.quiet[j.neuron as usize] = n.quiet_until();
            }
        }
        self.stimuli_to(last);
        self.all_to(last);
    }

    /// The window's spikes and injections through the output path, and its events onto the buses.
    fn output_path(&mut self, end: HwTime) {
        self.window_spikes.sort_unstable();
        self.spikes.extend_from_slice(&self.window_spikes);
        let mut spikes = std::mem::take(&mut self.spike_buffer);
        spikes.clear();
        spikes.append(&mut self.carry_spikes);
        for &(time, n) in &self.window_spikes {
            spikes.extend(
                self.outputs[n as usize]
                    .iter()
                    .map(|&denmem| NeuronSpike { time, denmem }),
            );
        }
        let mut l2 = std::mem::take(&mut self.l2_buffer);
        l2.clear();
        l2.append(&mut self.carry_l2);
        while let Some(&e) = self
            .injections
            .get(self.next_injection)
            .filter(|e| e.time < end)
        {
            l2.push(e);
            self.next_injection += 1;
        }
        if !(spikes.is_empty() && l2.is_empty() && self.output.is_idle() && !self.background) {
            self.run_path(&mut spikes, &mut l2, end);
        }
        self.spike_buffer = spikes;
        self.l2_buffer = l2;
    }

    /// Runs the output path over the cycles before `end` (what falls on a later cycle waits for the next
    /// window) and puts its events on the buses and the up-link.
    fn run_path(&mut self, spikes: &mut Vec<NeuronSpike>, l2: &mut Vec<L2Input>, end: HwTime) {
        let p = self.pll_period.0;
        let now = |t: HwTime| t.0.div_ceil(p) * p < end.0;
        let cut = spikes.partition_point(|s| now(s.time));
        self.carry_spikes.extend(spikes.drain(cut..));
        let cut = l2.partition_point(|e| now(e.time));
        self.carry_l2.extend(l2.drain(cut..));
        self.dnc.clear();
        self.output.run(spikes, l2, end, &mut self.dnc);
        for i in 0..self.dnc.len() {
            let ev = self.dnc[i];
            let recorded = self.gbit[usize::from(ev.dnc_merger)] == GbitDirection::ToDnc;
            if recorded {
                self.uplink.push(ev);
            }
            let sending = 7 - ev.dnc_merger;
            let Some(bus) = self.buses.iter_mut().find(|b| b.index == sending) else {
                if !recorded {
                    self.counters.dnc_events_unrouted += 1;
                }
                continue;
            };
            if !bus.gate.offer(ev.time) {
                continue;
            }
            self.counters.events_to_unconfigured_hicanns += bus.unconfigured_targets;
            for t in &bus.targets {
                let time = ev.time + t.latency;
                debug_assert!(time >= end, "an L1 event must land after its window");
                self.outbox.push((
                    t.unit,
                    Inbound {
                        time,
                        source: self.hicann.to_enum() as u16,
                        seq: self.seq,
                        driver: t.driver,
                        address: ev.address,
                    },
                ));
                self.seq += 1;
            }
        }
    }
}
