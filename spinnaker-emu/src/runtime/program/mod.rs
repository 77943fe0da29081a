//! The programs application cores run, hosted by the event kernel: one [`ChipRuntime`] per chip holds its
//! cores' programs and the chip's shared SDRAM, and [`load`] turns a [`MachineImage`] into a ready
//! [`Simulation`].

mod counters;
mod delay_extension;
mod neuron_core;
mod sends;
mod sources;

use std::collections::VecDeque;
use std::sync::Arc;

use crate::image::{CoreProgram, MachineImage};
use crate::kernel::event::Flit;
use crate::kernel::{Application, CoreContext, Simulation};
use crate::packet::Packet;
use crate::router::config::NetworkParams;
use crate::router::table::RoutingTable;
use crate::runtime::cycles::CycleCosts;
use crate::runtime::master_pop_table::AddressListItem;
use crate::runtime::neuron::NeuronArray;
use crate::time::Time;

pub use counters::{CoreCounters, DelayCounters};
pub use delay_extension::DelayExtensionProgram;
pub use neuron_core::{NeuronCore, Sample};
pub use sources::{PoissonProgram, SourceOutput, SpikeArrayProgram};

/// The timer schedule every core shares: tick k starts at `k * period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    pub period: Time,
}

impl Clock {
    /// The tick running at `t`.
    pub fn tick_at(&self, t: Time) -> u32 {
        (t.0 / self.period.0.max(1)) as u32
    }
}

/// A chip's SDRAM as the DMA engines of its cores see it: one transfer at a time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sdram {
    free: Time,
}

impl Sdram {
    /// A DMA of `bytes` issued at `at`: when its data is in DTCM (latency, then the transfer once the SDRAM is
    /// free: cores of one chip contend for it).
    pub fn transfer(&mut self, at: Time, bytes: u32, costs: &CycleCosts) -> Time {
        let start = (at + Time::from_ns(costs.dma_latency_ns)).max(self.free);
        self.free = start + costs.transfer_time(bytes);
        self.free
    }
}

/// A core's input spike buffer in time (spec §4.4): each received spike waits until spike processing is free,
/// and is dropped (and counted) when the buffer is full.
#[derive(Clone, Debug, Default)]
pub struct SpikeQueue {
    /// When spike processing is next free.
    pub free: Time,
    /// Start times of the spikes in the buffer.
    waiting: VecDeque<Time>,
}

impl SpikeQueue {
    /// Spikes still waiting at `now` (a timer counts them as late).
    pub fn waiting_at(&self, now: Time) -> u64 {
        self.waiting.iter().filter(|&&s| s > now).count() as u64
    }

    /// One spike received at `now` whose FIQ ends at `arrived`, into a buffer of `capacity` slots: when its
    /// processing starts, or `None` when the buffer is full (counted). The caller sets [`Self::free`] to the end
    /// of the processing.
    pub fn admit(
        &mut self,
        now: Time,
        arrived: Time,
        capacity: u32,
        counters: &mut CoreCounters,
    ) -> Option<Time> {
        counters.spikes_received += 1;
        while self.waiting.front().is_some_and(|&s| s <= now) {
            self.waiting.pop_front();
        }
        // One slot of the circular buffer always stays empty (spinn_common), so 256 holds 255 keys.
        if self.waiting.len() + 1 >= capacity as usize {
            counters.input_buffer_overflows += 1;
            return None;
        }
        let start = arrived.max(self.free);
        self.waiting.push_back(start);
        counters.max_input_buffer = counters.max_input_buffer.max(self.waiting.len() as u64);
        Some(start)
    }
}

/// The part of a recording region used so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordingSpace {
    pub used: u64,
}

impl RecordingSpace {
    /// Claims `bytes` of a region of `capacity` (None = unbounded); false (and nothing claimed) when full.
    pub fn claim(
        &mut self,
        bytes: u64,
        capacity: Option<u64>,
        counters: &mut CoreCounters,
    ) -> bool {
        if capacity.is_some_and(|c| self.used + bytes > c) {
            counters.recording_overflows += 1;
            return false;
        }
        self.used += bytes;
        true
    }
}

/// What a core program may do to the outside: send multicast packets at a time not before now.
pub struct CoreOutput<'a, 'b> {
    cx: &'a mut CoreContext<'b>,
    core: u8,
}

impl CoreOutput<'_, '_> {
    pub fn send(&mut self, at: Time, key: u32, payload: Option<u32>) {
        let packet = match payload {
            Some(p) => Packet::multicast_with_payload(key, p),
            None => Packet::multicast(key),
        };
        self.cx.send(at, self.core, Flit::new(packet, at));
    }

    /// Asks for this core's `on_wake(token)` at `at`.
    pub fn wake(&mut self, at: Time, token: u64) {
        self.cx.wake(at, self.core, token);
    }
}

/// One core's program.
pub enum Program {
    Neurons(Box<NeuronCore>),
    Poisson(PoissonProgram),
    SpikeArray(SpikeArrayProgram),
    DelayExtension(DelayExtensionProgram),
}

/// Provenance name of the neuron updates whose fixed-point arithmetic wrapped (`fixed::WrapCheck`).
pub const FIXED_POINT_WRAPS: &str = "Fixed_point_wraps";
/// Provenance name of the updates whose explicit step carried V past a reversal potential.
pub const REVERSAL_POTENTIAL_CROSSINGS: &str = "Reversal_potential_crossings";

impl Program {
    pub fn counters(&self) -> &CoreCounters {
        match self {
            Program::Neurons(c) => &c.counters,
            Program::Poisson(c) => &c.output.counters,
            Program::SpikeArray(c) => &c.output.counters,
            Program::DelayExtension(c) => &c.counters,
        }
    }

    /// The longest tick since the last call (a trace window's; see
    /// [`CoreCounters::window_max_tick_cycles`]); the provenance counters stay as they are.
    pub fn take_window_max_tick_cycles(&mut self) -> u64 {
        self.counters_mut().take_window_max_tick_cycles()
    }

    fn counters_mut(&mut self) -> &mut CoreCounters {
        match self {
            Program::Neurons(c) => &mut c.counters,
            Program::Poisson(c) => &mut c.output.counters,
            Program::SpikeArray(c) => &mut c.output.counters,
            Program::DelayExtension(c) => &mut c.counters,
        }
    }

    /// The core's provenance as (sPyNNaker name, value) pairs, then nmemu's own diagnostics: a neuron core adds
    /// `Fixed_point_wraps`, and a core of conductance neurons `Reversal_potential_crossings` (see `neuron::cond`).
    pub fn named_counters(&self) -> Vec<(&'static str, u64)> {
        match self {
            Program::DelayExtension(c) => c.delay.named(&c.counters),
            Program::Neurons(c) => {
                let mut named = c.counters.named();
                named.push((FIXED_POINT_WRAPS, c.neurons().fixed_point_wraps()));
                if let NeuronArray::LifCondExp(_) = c.neurons() {
                    named.push((
                        REVERSAL_POTENTIAL_CROSSINGS,
                        c.neurons().reversal_crossings(),
                    ));
                }
                named
            }
            _ => self.counters().named(),
        }
    }

    /// The current plastic weights of one row of a neuron core, in build order (see
    /// [`NeuronCore::plastic_weights`]); `None` for other programs or a row without plastic synapses.
    pub fn plastic_weights(&self, item: AddressListItem, source_neuron: u32) -> Option<Vec<u16>> {
        match self {
            Program::Neurons(c) => c.plastic_weights(item, source_neuron),
            _ => None,
        }
    }

    /// (tick, neuron) of the recorded spikes.
    pub fn spikes(&self) -> &[(u32, u16)] {
        match self {
            Program::Neurons(c) => &c.spikes,
            Program::Poisson(c) => &c.output.spikes,
            Program::SpikeArray(c) => &c.output.spikes,
            Program::DelayExtension(_) => &[],
        }
    }
}

/// The application cores of one chip.
pub struct ChipRuntime {
    /// Indexed by virtual core id.
    pub cores: Vec<Option<Program>>,
    /// Ticks run so far, per core.
    ticks: [u32; 18],
    clock: Clock,
    costs: CycleCosts,
    sdram: Sdram,
}

impl Application for ChipRuntime {
    fn on_packet(&mut self, cx: &mut CoreContext<'_>, core: u8, flit: &Flit) {
        let count = flit.packet.payload().unwrap_or(1).max(1);
        let (now, key) = (cx.now(), flit.packet.key);
        match self.cores.get_mut(core as usize) {
            Some(Some(Program::Neurons(n))) => {
                n.packet(now, key, count, &self.clock, &self.costs, &mut self.sdram)
            }
            Some(Some(Program::DelayExtension(d))) => {
                d.packet(now, key, count, &self.clock, &self.costs)
            }
            _ => {}
        }
    }

    fn on_wake(&mut self, cx: &mut CoreContext<'_>, core: u8, token: u64) {
        if let Some(Some(Program::Neurons(n))) = self.cores.get_mut(core as usize) {
            let now = cx.now();
            let mut out = CoreOutput { cx, core };
            n.wake(now, token, &mut out);
        }
    }

    fn on_timer(&mut self, cx: &mut CoreContext<'_>, core: u8) {
        let tick = self.ticks[core as usize];
        self.ticks[core as usize] += 1;
        let now = cx.now();
        let mut out = CoreOutput { cx, core };
        match self.cores.get_mut(core as usize) {
            Some(Some(Program::Neurons(n))) => n.timer(now, tick, &self.costs, &mut out),
            Some(Some(Program::Poisson(p))) => p.timer(now, tick, &self.costs, &mut out),
            Some(Some(Program::SpikeArray(a))) => a.timer(now, tick, &self.costs, &mut out),
            Some(Some(Program::DelayExtension(d))) => d.timer(now, tick, &self.costs, &mut out),
            _ => {}
        }
    }
}

/// Builds a simulation from a machine image: the machine, every chip's routing table and core programs,
/// and every loaded core's timer (tick k at k x the timer period).
///
/// A core reads each packet out of its comms controller in its FIQ, so `params.router.core_receive` is set
/// to the FIQ cost: packets for a core faster than that queue in the router and may be dumped.
pub fn load(
    image: &MachineImage,
    mut params: NetworkParams,
    costs: CycleCosts,
) -> Result<Simulation<ChipRuntime>, String> {
    params.router.core_receive = CycleCosts::time(costs.packet_fiq);
    let machine = Arc::new(image.check()?);
    let period = image.timer_period();
    let clock = Clock { period };
    let tick_ms = f64::from(image.timestep_us) / 1000.0;
    let mut sim = Simulation::new(machine, params, |_| ChipRuntime {
        cores: (0..18).map(|_| None).collect(),
        ticks: [0; 18],
        clock,
        costs,
        sdram: Sdram::default(),
    });
    for chip in &image.chips {
        let table = RoutingTable::new(chip.routing_table.clone())
            .map_err(|e| format!("chip {}: {e}", chip.chip))?;
        sim.load_table(chip.chip, &table)?;
        let index = sim
            .machine()
            .chip_index(chip.chip)
            .ok_or("checked chip vanished")? as usize;
        for core in &chip.cores {
            let at = || format!("chip {} core {}", chip.chip, core.core);
            let program = match &core.program {
                CoreProgram::Neurons(n) => Program::Neurons(Box::new(
                    NeuronCore::new(n.clone()).map_err(|e| format!("{}: {e}", at()))?,
                )),
                CoreProgram::PoissonSource(p) => Program::Poisson(
                    PoissonProgram::new(p, tick_ms).map_err(|e| format!("{}: {e}", at()))?,
                ),
                CoreProgram::SpikeArray(a) => Program::SpikeArray(SpikeArrayProgram::new(a)),
                CoreProgram::DelayExtension(d) => Program::DelayExtension(
                    DelayExtensionProgram::new(d.clone()).map_err(|e| format!("{}: {e}", at()))?,
                ),
            };
            sim.chips_mut()[index].app.cores[core.core as usize] = Some(program);
            sim.start_timer(chip.chip, core.core, Time::ZERO, period)?;
        }
    }
    Ok(sim)
}
#[cfg(test)]
mod delay_tests;
#[cfg(test)]
mod stdp_tests;
#[cfg(test)]
mod tests;
