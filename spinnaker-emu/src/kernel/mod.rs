//! The SpiNNaker machine on the cycle-stamped discrete-event kernel (`emu_kernel`).
//!
//! Every chip owns its router state, its routing table (stored only once loaded) and its application state; a
//! chip is the kernel's unit ([`emu_kernel::Chip`]). Events are processed per chip in (time, stable order)
//! order (see [`event`]). Chips interact only through links, whose latency is at least
//! [`NetworkParams::lookahead`]: the kernel's lookahead for conservative parallel simulation. Each chip sees
//! the same events in the same order whatever the thread count, so results are bit-identical for any.

pub mod event;

use std::sync::Arc;

use emu_kernel::{Chip, MAX_CHIPS};
pub use emu_kernel::{Chips, Hook, Pace};
use event::{Action, Event, EventSink, Flit, Port, class};

use crate::geometry::{ChipCoord, Link};
use crate::machine::Machine;
use crate::router::config::{NetworkParams, Timing};
use crate::router::counters::{LinkCounters, RouterCounters};
use crate::router::engine::{Neighbours, RouterState};
use crate::router::lookup::FastTable;
use crate::router::table::{Route, RoutingTable};
use crate::time::Time;

// Every chip of the largest machine has a place in an event's tie.
const _: () = assert!(crate::preset::MILLION_CORE_BOARDS as usize * 48 <= MAX_CHIPS);

/// What runs on a chip's cores: the hooks the neural runtime (or a traffic generator) plugs into.
pub trait Application: Send {
    /// Whether [`on_packet`](Application::on_packet) only records what arrives: it sends nothing, asks for no
    /// wake-up and reads nothing that another hook changes, so it commutes with every other event. The
    /// kernel then calls it when the router hands the packet to the core, with `cx.now()` already the
    /// delivery time, rather than queueing a delivery event for that time: the records are the same, one
    /// event per delivered packet fewer. One difference shows at the end of a run: a packet routed before
    /// `until` but due at a core after it is already recorded (with its later time), not counted in
    /// [`Simulation::packets_in_flight`]. The NoC's sinks are such recorders, and their experiments run until
    /// nothing is in flight; the neural runtime is not one (a spike starts a DMA).
    const RECORDS_PACKETS_ONLY: bool = false;

    /// A packet reached `core` at `cx.now()`.
    fn on_packet(&mut self, cx: &mut CoreContext<'_>, core: u8, flit: &Flit);
    /// `core`'s periodic timer fired.
    fn on_timer(&mut self, _cx: &mut CoreContext<'_>, _core: u8) {}
    /// A wake-up `core` asked for with [`CoreContext::wake`].
    fn on_wake(&mut self, _cx: &mut CoreContext<'_>, _core: u8, _token: u64) {}
}

/// Per-core sequence counters: the stable order of events a core creates.
#[derive(Clone, Debug, Default)]
struct CoreSeqs {
    send: u64,
    wake: u64,
}

/// What a core may do from a hook: send packets and ask to be woken, at the current time or later.
pub struct CoreContext<'a> {
    now: Time,
    chip: u32,
    coord: ChipCoord,
    seqs: &'a mut [CoreSeqs; 18],
    emit: &'a mut dyn EventSink<Action>,
}

impl CoreContext<'_> {
    pub fn now(&self) -> Time {
        self.now
    }

    pub fn chip(&self) -> ChipCoord {
        self.coord
    }

    /// `core` hands `flit` to the router at `at` (not before now).
    pub fn send(&mut self, at: Time, core: u8, flit: Flit) {
        let s = &mut self.seqs[core as usize].send;
        *s += 1;
        self.emit.emit(Event::new(
            at.max(self.now),
            self.chip,
            class::CORE_SEND,
            u64::from(core),
            *s,
            Action::Arrive {
                port: Port::Core(core),
                flit,
            },
        ));
    }

    /// Calls `on_wake(core, token)` at `at` (not before now).
    pub fn wake(&mut self, at: Time, core: u8, token: u64) {
        let s = &mut self.seqs[core as usize].wake;
        *s += 1;
        self.emit.emit(Event::new(
            at.max(self.now),
            self.chip,
            class::WAKE,
            u64::from(core),
            *s,
            Action::Wake { core, token },
        ));
    }
}

/// A core's periodic timer.
#[derive(Clone, Copy, Debug)]
struct Timer {
    core: u8,
    period: Time,
}

/// One chip in the simulation.
pub struct ChipState<A> {
    pub coord: ChipCoord,
    pub router: RouterState,
    /// Held inline rather than boxed: one dependent load less on every packet's lookup.
    table: Option<FastTable>,
    neighbours: Neighbours,
    timers: Vec<Timer>,
    seqs: [CoreSeqs; 18],
    pub app: A,
}

impl<A: Application> Chip for ChipState<A> {
    type Action = Action;
    type Shared = Timing;

    /// Asks the cache for the state the next event on this chip will read first, while the current event is
    /// handled: most events land on a chip whose state has left the L1 cache since its last event.
    #[inline]
    fn prefetch(&self) {
        emu_kernel::prefetch(&self.table);
        emu_kernel::prefetch(&self.neighbours);
        self.router.prefetch();
    }

    #[inline]
    fn handle(&mut self, ev: &Event, timing: &Timing, emit: &mut impl EventSink<Action>) {
        match &ev.action {
            Action::Arrive { port, flit } => self.router.arrive(
                ev.time,
                ev.chip(),
                *port,
                flit,
                self.table.as_ref(),
                &self.neighbours,
                timing,
                &mut Deliveries {
                    app: &mut self.app,
                    seqs: &mut self.seqs,
                    coord: self.coord,
                    emit,
                },
            ),
            Action::Reinject => self.router.reinject(ev.time, ev.chip(), emit),
            Action::Deliver { core, flit } => self.core(ev, emit).on_packet(*core, flit),
            Action::Timer { core } => {
                if let Some(t) = self.timers.iter().find(|t| t.core == *core) {
                    emit.emit(ev.at(ev.time + t.period));
                }
                self.core(ev, emit).on_timer(*core);
            }
            Action::Wake { core, token } => self.core(ev, emit).on_wake(*core, *token),
        }
    }
}

impl<A: Application> ChipState<A> {
    fn core<'a>(&'a mut self, ev: &Event, emit: &'a mut dyn EventSink<Action>) -> CoreCall<'a, A> {
        CoreCall {
            app: &mut self.app,
            cx: CoreContext {
                now: ev.time,
                chip: ev.chip(),
                coord: self.coord,
                seqs: &mut self.seqs,
                emit,
            },
        }
    }
}

/// Where a router's events go: deliveries to an application that only records packets are handed to it at
/// once ([`Application::RECORDS_PACKETS_ONLY`]), everything else to the queue.
struct Deliveries<'a, A, E> {
    app: &'a mut A,
    seqs: &'a mut [CoreSeqs; 18],
    coord: ChipCoord,
    emit: &'a mut E,
}

impl<A: Application, E: EventSink<Action>> EventSink<Action> for Deliveries<'_, A, E> {
    #[inline(always)]
    fn emit(&mut self, e: Event) {
        match &e.action {
            Action::Deliver { core, flit } if A::RECORDS_PACKETS_ONLY => {
                let mut cx = CoreContext {
                    now: e.time,
                    chip: e.chip(),
                    coord: self.coord,
                    seqs: self.seqs,
                    emit: self.emit,
                };
                self.app.on_packet(&mut cx, *core, flit);
            }
            _ => self.emit.emit(e),
        }
    }
}

/// An application hook about to be called, with its context.
struct CoreCall<'a, A> {
    app: &'a mut A,
    cx: CoreContext<'a>,
}

impl<A: Application> CoreCall<'_, A> {
    fn on_packet(mut self, core: u8, flit: &Flit) {
        self.app.on_packet(&mut self.cx, core, flit);
    }

    fn on_timer(mut self, core: u8) {
        self.app.on_timer(&mut self.cx, core);
    }

    fn on_wake(mut self, core: u8, token: u64) {
        self.app.on_wake(&mut self.cx, core, token);
    }
}

/// A machine with applications loaded, ready to run.
pub struct Simulation<A> {
    machine: Arc<Machine>,
    timing: Timing,
    chips: Vec<ChipState<A>>,
    /// Events created before the first run (timers, injected packets).
    pending: Vec<Event>,
    now: Time,
    /// Whether multi-threaded runs go parallel or sequential, measured as they run.
    pace: Pace,
}

/// Totals of a run, summed over chips in chip order.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    pub router: RouterCounters,
    pub links: LinkCounters,
}

impl<A: Application> Simulation<A> {
    /// A simulation of `machine` with one application per chip (`app(chip)`), no tables loaded.
    pub fn new(
        machine: Arc<Machine>,
        params: NetworkParams,
        mut app: impl FnMut(ChipCoord) -> A,
    ) -> Self {
        let chips = machine
            .chips()
            .map(|coord| {
                let mut links = [None; 6];
                for l in Link::ALL {
                    if let (Some(n), Some(kind)) =
                        (machine.neighbour(coord, l), machine.link_kind(coord, l))
                    {
                        links[l.index()] = machine.chip_index(n).map(|i| (i, kind));
                    }
                }
                ChipState {
                    coord,
                    router: RouterState::default(),
                    table: None,
                    neighbours: Neighbours {
                        links,
                        coord,
                        width: machine.width(),
                        height: machine.height(),
                        wraps: machine.wraps(),
                        fixed_route: Route::default(),
                    },
                    timers: Vec::new(),
                    seqs: Default::default(),
                    app: app(coord),
                }
            })
            .collect();
        Simulation {
            machine,
            timing: Timing::new(&params),
            chips,
            pending: Vec::new(),
            now: Time::ZERO,
            pace: Pace::default(),
        }
    }

    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    pub fn params(&self) -> &NetworkParams {
        &self.timing.params
    }

    pub fn now(&self) -> Time {
        self.now
    }

    pub fn chips(&self) -> &[ChipState<A>] {
        &self.chips
    }

    pub fn chips_mut(&mut self) -> &mut [ChipState<A>] {
        &mut self.chips
    }

    fn index(&self, chip: ChipCoord) -> Result<u32, String> {
        self.machine
            .chip_index(chip)
            .ok_or_else(|| format!("chip {chip} is not part of the machine (absent or dead)"))
    }

    /// Loads a chip's multicast routing table (compiled for fast lookup).
    pub fn load_table(&mut self, chip: ChipCoord, table: &RoutingTable) -> Result<(), String> {
        let i = self.index(chip)?;
        self.chips[i as usize].table = Some(FastTable::new(table));
        Ok(())
    }

    /// Starts `core`'s periodic timer: first at `first`, then every `period`.
    pub fn start_timer(
        &mut self,
        chip: ChipCoord,
        core: u8,
        first: Time,
        period: Time,
    ) -> Result<(), String> {
        let i = self.index(chip)?;
        self.chips[i as usize].timers.push(Timer { core, period });
        self.pending.push(Event::new(
            first,
            i,
            class::TIMER,
            u64::from(core),
            0,
            Action::Timer { core },
        ));
        Ok(())
    }

    /// Asks for `on_wake(core, token)` at `at`, before the run starts.
    pub fn wake(&mut self, chip: ChipCoord, core: u8, at: Time, token: u64) -> Result<(), String> {
        let i = self.index(chip)? as usize;
        let chip_state = &mut self.chips[i];
        let mut pending = Vec::new();
        let mut cx = CoreContext {
            now: self.now,
            chip: i as u32,
            coord: chip_state.coord,
            seqs: &mut chip_state.seqs,
            emit: &mut pending,
        };
        cx.wake(at, core, token);
        self.pending.extend(pending);
        Ok(())
    }

    /// Runs until simulated time `until` on up to `threads` host threads (results do not depend on
    /// `threads`). With more than one, the run goes on in stretches, each parallel or sequential as
    /// [`Pace`] finds faster.
    pub fn run(&mut self, until: Time, threads: usize) {
        let mut never = |_: &mut Chips<'_, ChipState<A>>, _: Time| None;
        self.run_sampled(until, threads, (Time::NEVER, &mut never));
    }

    /// [`Simulation::run`], calling `hook` at `first` and at each later time it returns, with every event
    /// before that time processed and none after it (a trace window's end, a progress update); the hook ends
    /// the run at a point by returning `None`. Returns the time reached. The run is one kernel run whatever the
    /// points, so they cost neither a queue rebuild nor a thread start, and they change no result.
    pub fn run_sampled(
        &mut self,
        until: Time,
        threads: usize,
        (first, hook): (Time, &mut dyn Hook<ChipState<A>>),
    ) -> Time {
        let events = std::mem::take(&mut self.pending);
        let lookahead = self.timing.params.lookahead();
        let reached;
        (self.pending, reached) = emu_kernel::run_sampled(
            &mut self.chips,
            events,
            until,
            &self.timing,
            lookahead,
            (threads, &mut self.pace),
            (first, hook),
        );
        self.now = reached;
        reached
    }

    /// The default thread count for this loaded simulation: the most threads, at most `max`, that each get
    /// [`emu_kernel::MIN_BUSY_CHIPS_PER_THREAD`] chips for which `busy` (the chip's application) says there
    /// is work; 1 when no split pays.
    pub fn paying_threads(&self, busy: impl Fn(&A) -> bool, max: usize) -> usize {
        let busy: Vec<bool> = self.chips.iter().map(|c| busy(&c.app)).collect();
        emu_kernel::paying_threads(&busy, max)
    }

    /// Replaces the mode chooser of multi-threaded runs (tests force it to switch).
    pub fn set_pace(&mut self, pace: Pace) {
        self.pace = pace;
    }

    /// Events not yet processed (packets in flight, timers, wake-ups).
    pub fn pending(&self) -> &[Event] {
        &self.pending
    }

    /// Packets in flight: on links, in router pipelines, on their way to cores or in reinjector queues.
    pub fn packets_in_flight(&self) -> u64 {
        let moving = self
            .pending
            .iter()
            .filter(|e| matches!(e.action, Action::Arrive { .. } | Action::Deliver { .. }))
            .count() as u64;
        moving
            + self
                .chips
                .iter()
                .map(|c| c.router.queued_for_reinjection() as u64)
                .sum::<u64>()
    }

    /// Router and link counters summed over the machine.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for c in &self.chips {
            t.router += &c.router.counters;
            for l in &c.router.link_counters() {
                t.links += l;
            }
        }
        t
    }
}

#[cfg(test)]
mod tests;
