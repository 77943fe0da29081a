//! One chip's router in time: the order of work, blocking, emergency routing, dumping and reinjection.
//!
//! The model (spec §2.2-§2.6, §9):
//! - The input stage takes one packet per router cycle; a packet reaches the output stage `pipeline_cycles`
//!   later. The output stage holds one packet at a time: while any of its destinations is blocked, everything
//!   behind it waits (head-of-line blocking), as on the chip.
//! - Multicast: lowest-index matching entry; no match from a link goes straight through on link (i + 3) mod 6
//!   (default routing); no match from a local core is unroutable and dropped (counted as user counter 3).
//!   Emergency legs follow §2.5: a first-leg packet (ER 10) is only forwarded on (i - 1) mod 6 as a second leg
//!   (ER 11); ER 01 is forwarded that way *and* routed normally (its normal copies leave with ER 00); a
//!   second-leg packet that matches nothing is default-routed to (j + 2) mod 6, i.e. as if it had arrived on
//!   the blocked link's opposite.
//! - Each output link holds `output_buffer` packets, sent one after the other, each taking the link's
//!   serialisation time. A blocked output waits up to wait1 cycles; then, with emergency routing on
//!   (wait2 != 0), the packet is tried on link L - 1 for up to wait2 cycles; then it is dumped. When L - 1 is
//!   itself a free destination of the packet, the router sends one packet there, with ER 01, after wait1,
//!   rather than a normal copy and a detour (DS §10.4: "01 if that link was also a normal destination"). Core
//!   destinations are never emergency-routed; the emulated cores always accept packets (the core runtime adds
//!   its own input-buffer model).
//! - A dumped multicast packet goes to the monitor's reinjector queue (4,096 entries) and is re-sent at the
//!   reinjector's next 10 us tick as if it arrived again on its original port, so it is routed to *all* its
//!   destinations again (duplicates are possible, as on the machine).
//!
//! Back-pressure: on the chip a stalled router stops accepting from its links, the sending router's output
//! blocks, and after wait1 the *sender* dumps the packet. Modelling that exactly would couple the state of
//! neighbouring chips within one cycle, which conservative parallel simulation cannot afford. So a packet
//! that arrives on a link and would wait longer than wait1 for this router's input stage is dumped here on
//! arrival (counted in `input_dumps` as well as the dump counters) and reinjected as if from that link: the
//! same packet is lost or re-sent after the same wait, but by the receiver's reinjector rather than the
//! sender's, and the sender's pipeline is not stalled meanwhile. Packets from local cores are never dumped
//! this way: on the chip the core is back-pressured instead (its send waits).

use std::collections::VecDeque;

use super::config::{NetworkParams, Timing};
use super::counters::{LinkCounters, RouterCounters};
use super::lookup::FastTable;
use super::table::Route;
use crate::geometry::{ChipCoord, Link, first_step, shortest_vector};
use crate::kernel::event::{Action, Event, EventSink, Flit, Port, class};
use crate::machine::LinkKind;
use crate::packet::{EmergencyState, Packet, PacketKind};
use crate::time::Time;

/// The link a packet sent on link l arrives on at the neighbour: (l + 3) mod 6.
const OPPOSITE: [u8; 6] = [3, 4, 5, 0, 1, 2];

/// What a router needs to know about its surroundings.
#[derive(Clone, Copy, Debug)]
pub struct Neighbours {
    /// Per link: the dense index of the chip at its other end and the link's kind, if the link works.
    pub links: [Option<(u32, LinkKind)>; 6],
    /// This chip, and the machine's shape, for point-to-point routing.
    pub coord: ChipCoord,
    pub width: u16,
    pub height: u16,
    pub wraps: bool,
    /// The fixed-route register (r33\[23:0\]) that routes FR packets; empty unless configured.
    pub fixed_route: Route,
}

impl Neighbours {
    /// Point-to-point routing (spec §2.4): the monitor of the destination chip, else the first link of a
    /// shortest path, as the tables SCAMP builds at boot would give (they are not stored: 65,536 entries
    /// per chip would defeat the million-core machine's memory budget).
    fn p2p_route(&self, destination: u16) -> Route {
        let to = ChipCoord::new(destination >> 8, destination & 0xFF);
        let (dx, dy) = shortest_vector(self.coord, to, self.width, self.height, self.wraps);
        match first_step(dx, dy) {
            Some(l) => Route::default().with_link(l.index() as u8),
            None => Route::default().with_core(0),
        }
    }
}

/// Most packets an output link can hold in this model ([`LinkConfig::output_buffer`]): the real depth is not
/// known (spec §10), and a bound lets a link's whole state fit one cache line.
///
/// [`LinkConfig::output_buffer`]: super::config::LinkConfig::output_buffer
pub const MAX_OUTPUT_BUFFER: usize = 4;

/// The sending side of one link: its output buffer and its counters, one cache line per link because the
/// router touches one per packet hop.
#[derive(Clone, Debug, Default)]
#[repr(C, align(64))]
struct LinkTx {
    /// Completion times of the packets held (being sent or waiting), oldest first, a ring from `head`.
    ends: [Time; MAX_OUTPUT_BUFFER],
    head: u8,
    len: u8,
    /// `counters.sent` doubles as the sequence number of the receiver's event order.
    counters: LinkCounters,
}

impl LinkTx {
    fn get(&self, i: usize) -> Time {
        self.ends[(usize::from(self.head) + i) % MAX_OUTPUT_BUFFER]
    }

    /// Forgets the packets that have left by `t`.
    fn drain(&mut self, t: Time) {
        while self.len > 0 && self.get(0) <= t {
            self.head = ((usize::from(self.head) + 1) % MAX_OUTPUT_BUFFER) as u8;
            self.len -= 1;
        }
    }

    /// Accepts a packet arriving at the output stage at `at`, no later than `deadline`: returns when it
    /// finishes crossing the link, or `None` if the buffer stays full past the deadline.
    #[inline]
    fn offer(
        &mut self,
        at: Time,
        deadline: Time,
        serial: Time,
        capacity: usize,
    ) -> Option<(Time, Time)> {
        self.drain(at);
        let len = usize::from(self.len);
        let accept = if len < capacity {
            at
        } else {
            self.get(len - capacity)
        };
        if accept > deadline {
            return None;
        }
        if accept > at {
            self.drain(accept);
        }
        let len = usize::from(self.len);
        let start = if len == 0 {
            accept
        } else {
            self.get(len - 1).max(accept)
        };
        let end = start + serial;
        self.ends[(usize::from(self.head) + len) % MAX_OUTPUT_BUFFER] = end;
        self.len += 1;
        Some((accept, end))
    }
}

/// The state of one chip's router, laid out (`repr(C)`) so that what every packet touches comes first: its
/// output link's line, then the stage times and counters.
#[derive(Clone, Debug, Default)]
#[repr(C)]
pub struct RouterState {
    links: [LinkTx; 6],
    input_free: Time,
    output_free: Time,
    deliver_seq: u64,
    reinject_seq: u64,
    pub counters: RouterCounters,
    /// Per core: when its comms controller's receive register is free again.
    core_rx_free: [Time; 18],
    reinjection: VecDeque<(Port, Flit)>,
    reinject_tick: Option<Time>,
}

/// Where a routed packet must go.
struct Destinations {
    route: Route,
    /// Links whose copy is the reverting leg of a detour (ER 11); the other link copies leave with ER 00. When a
    /// normal destination is also the reverting link, the one packet sent there reverts: the datasheet notes
    /// a reverting packet cannot be told from an intended one, which is why tables must avoid crossing paths.
    reverting: u8,
}

/// Whether a blocked packet may be emergency-routed: the mode is on (wait2 != 0), it is multicast or fixed-route,
/// and it is not already on a detour (spec §2.5).
fn may_detour(flit: &Flit, timing: &Timing) -> bool {
    timing.params.router.emergency_routing()
        && matches!(
            flit.packet.kind,
            PacketKind::Multicast | PacketKind::FixedRoute
        )
        && flit.packet.emergency == EmergencyState::Normal
}

/// Ticks to whole router cycles, for the counters kept in router cycles.
fn router_cycles(t: Time) -> u64 {
    t.0 / Time::TICKS_PER_ROUTER_CYCLE
}

impl RouterState {
    /// Handles a packet arriving on `port` at `now`; emits the events it causes.
    #[allow(clippy::too_many_arguments)]
    pub fn arrive(
        &mut self,
        now: Time,
        chip: u32,
        port: Port,
        flit: &Flit,
        table: Option<&FastTable>,
        neighbours: &Neighbours,
        timing: &Timing,
        emit: &mut impl EventSink<Action>,
    ) {
        let start = now.max(self.input_free);
        let wait1 = timing.wait1;
        if matches!(port, Port::Link(_)) && start - now > wait1 {
            // The link stalled longer than the sender's wait1: on the chip the sending router would have
            // dumped it; here it is dumped on arrival, and reinjected as if from that link.
            self.counters.input_dumps += 1;
            self.dump(now, chip, port, *flit, &timing.params, emit);
            return;
        }
        let at = (start + timing.pipeline).max(self.output_free);
        self.count_arrival(port, flit.packet.kind);
        let Some(dest) = self.destinations(port, &flit.packet, table, neighbours) else {
            self.input_free = start + timing.cycle;
            return;
        };
        let mut done = at;
        let mut dumped = false;
        if dest.route.core_bits() != 0 {
            let (deliveries_done, lost) = self.deliver(at, chip, dest.route, flit, timing, emit);
            done = done.max(deliveries_done);
            dumped |= lost;
        }
        let combined = self.combined_detours(dest.route.link_bits(), at, flit, neighbours, timing);
        for l in dest.route.links() {
            if combined & (1 << l) != 0 {
                // Blocked; its packet is the ER 01 one sent on the detour link below.
                self.links[l as usize].counters.blocked += 1;
                continue;
            }
            if combined & (1 << ((l + 1) % 6)) != 0 {
                // The one packet for both links, once wait1 has passed on the blocked one. The link was free
                // at `at`, so it takes the packet; were it not to, both copies would be lost.
                let from = at + wait1;
                let state = EmergencyState::FirstStageCombined;
                match self.send(
                    l,
                    from,
                    from + timing.wait2,
                    state,
                    flit,
                    neighbours,
                    timing,
                    emit,
                ) {
                    Some(accepted) => {
                        self.counters.emergency_routed += 1;
                        done = done.max(accepted);
                    }
                    None => {
                        self.links[l as usize].counters.blocked += 1;
                        done = done.max(from + timing.wait2);
                        dumped = true;
                    }
                }
                continue;
            }
            let state = if dest.reverting & (1 << l) != 0 {
                EmergencyState::SecondStage
            } else {
                EmergencyState::Normal
            };
            match self.send(l, at, at + wait1, state, flit, neighbours, timing, emit) {
                Some(accepted) => done = done.max(accepted),
                None => {
                    self.links[l as usize].counters.blocked += 1;
                    let (detour_done, ok) =
                        self.emergency(l, at + wait1, flit, neighbours, timing, emit);
                    done = done.max(detour_done);
                    dumped |= !ok;
                }
            }
        }
        if done > at {
            self.counters.blocked_cycles += router_cycles(done - at);
        }
        self.output_free = done;
        self.input_free = (start + timing.cycle).max(done.saturating_sub(timing.pipeline));
        if dumped {
            self.dump(done, chip, port, *flit, &timing.params, emit);
        }
    }

    /// Hands the packet to the route's cores from `at`; returns when the output stage is done with them and
    /// whether any destination was dumped.
    ///
    /// The core's comms controller holds one packet until its FIQ has read it (spec §9): a packet for a core
    /// still reading the previous one waits, up to wait1, then the destination is dumped.
    fn deliver(
        &mut self,
        at: Time,
        chip: u32,
        route: Route,
        flit: &Flit,
        timing: &Timing,
        emit: &mut impl EventSink<Action>,
    ) -> (Time, bool) {
        let mut done = at;
        let mut dumped = false;
        for core in route.cores() {
            let free = self.core_rx_free[core as usize].max(at);
            if free - at > timing.wait1 {
                self.counters.dumped_from_processor += 1;
                dumped = true;
                done = done.max(at + timing.wait1);
                continue;
            }
            self.core_rx_free[core as usize] = free + timing.params.router.core_receive;
            done = done.max(free);
            self.counters.delivered += 1;
            self.deliver_seq += 1;
            emit.emit(Event::new(
                free,
                chip,
                class::DELIVER,
                u64::from(core),
                self.deliver_seq,
                Action::Deliver { core, flit: *flit },
            ));
        }
        (done, dumped)
    }

    fn count_arrival(&mut self, port: Port, kind: PacketKind) {
        let c = &mut self.counters;
        let local = matches!(port, Port::Core(_));
        let slot = match (kind, local) {
            (PacketKind::Multicast, true) => &mut c.loc_mc,
            (PacketKind::Multicast, false) => &mut c.ext_mc,
            (PacketKind::PointToPoint, true) => &mut c.loc_pp,
            (PacketKind::PointToPoint, false) => &mut c.ext_pp,
            (PacketKind::NearestNeighbour, true) => &mut c.loc_nn,
            (PacketKind::NearestNeighbour, false) => &mut c.ext_nn,
            (PacketKind::FixedRoute, true) => &mut c.loc_fr,
            (PacketKind::FixedRoute, false) => &mut c.ext_fr,
        };
        *slot += 1;
    }

    /// The route of a packet, or `None` when it is dropped here (unroutable).
    #[inline(always)]
    fn destinations(
        &mut self,
        port: Port,
        packet: &Packet,
        table: Option<&FastTable>,
        neighbours: &Neighbours,
    ) -> Option<Destinations> {
        let normal = |route| {
            Some(Destinations {
                route,
                reverting: 0,
            })
        };
        match (packet.kind, port) {
            (PacketKind::Multicast, Port::Link(i)) => {
                Some(self.multicast_from_link(i, packet, table))
            }
            (PacketKind::Multicast, Port::Core(_)) => {
                match table.and_then(|t| t.lookup(packet.key)) {
                    Some(route) => normal(route),
                    None => {
                        self.counters.loc_default_routed_mc += 1;
                        None
                    }
                }
            }
            (PacketKind::PointToPoint, _) => normal(neighbours.p2p_route(packet.p2p_destination())),
            // NN from a link always goes to the local monitor; from a core, the route field names a link,
            // 6 broadcasts to every link and 7 is the local monitor (§2.4).
            (PacketKind::NearestNeighbour, Port::Link(_)) => normal(Route::default().with_core(0)),
            (PacketKind::NearestNeighbour, Port::Core(_)) => normal(match packet.nn_route {
                r @ 0..=5 => Route::default().with_link(r),
                6 => Route(0b11_1111),
                _ => Route::default().with_core(0),
            }),
            (PacketKind::FixedRoute, _) => normal(neighbours.fixed_route),
        }
    }

    /// Multicast from a link: emergency legs first (§2.5), then the table, then default routing.
    #[inline(always)]
    fn multicast_from_link(
        &mut self,
        i: u8,
        packet: &Packet,
        table: Option<&FastTable>,
    ) -> Destinations {
        let arrived = Link::from_index(i).expect("link index 0-5");
        let mut route = Route::default();
        let mut reverting = 0;
        let normal = match packet.emergency {
            EmergencyState::FirstStage | EmergencyState::FirstStageCombined => {
                self.counters.emergency_reverted += 1;
                let leg = arrived.rotate(-1).index() as u8;
                route = route.with_link(leg);
                reverting = 1 << leg;
                packet.emergency == EmergencyState::FirstStageCombined
            }
            _ => true,
        };
        if normal {
            match table.and_then(|t| t.lookup(packet.key)) {
                Some(r) => route = Route(route.0 | r.0),
                None => {
                    self.counters.ext_default_routed_mc += 1;
                    // A second leg reverts to the blocked link L = (j + 2) mod 6; others go straight on.
                    let out = if packet.emergency == EmergencyState::SecondStage {
                        arrived.rotate(2)
                    } else {
                        arrived.opposite()
                    };
                    route = route.with_link(out.index() as u8);
                }
            }
        }
        Destinations { route, reverting }
    }

    /// The links of `route_links` that stay blocked past wait1 while their detour L - 1 is a destination of the
    /// packet that is free: each such pair gets one packet, on L - 1 with ER 01 (spec §2.5 step 1).
    fn combined_detours(
        &self,
        route_links: u8,
        at: Time,
        flit: &Flit,
        neighbours: &Neighbours,
        timing: &Timing,
    ) -> u8 {
        if route_links.count_ones() < 2 || !may_detour(flit, timing) {
            return 0;
        }
        let free = |l: u8| {
            neighbours.links[l as usize].is_some()
                && self.links[l as usize]
                    .clone()
                    .offer(
                        at,
                        at + timing.wait1,
                        Time::ZERO,
                        timing.params.links.output_buffer,
                    )
                    .is_some()
        };
        Route(u32::from(route_links))
            .links()
            .filter(|&l| {
                let detour = (l + 5) % 6;
                route_links & (1 << detour) != 0 && !free(l) && free(detour)
            })
            .fold(0, |mask, l| mask | 1 << l)
    }

    /// Sends `flit` on link `l` if its buffer frees up by `deadline`; returns when the output stage is done.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn send(
        &mut self,
        l: u8,
        at: Time,
        deadline: Time,
        emergency: EmergencyState,
        flit: &Flit,
        neighbours: &Neighbours,
        timing: &Timing,
        emit: &mut impl EventSink<Action>,
    ) -> Option<Time> {
        let (target, kind) = neighbours.links[l as usize]?;
        let board = usize::from(kind == LinkKind::BoardToBoard);
        let long = usize::from(flit.packet.payload().is_some());
        let tx = &mut self.links[l as usize];
        let (accepted, end) = tx.offer(
            at,
            deadline,
            timing.serial[board][long],
            timing.params.links.output_buffer,
        )?;
        let counters = &mut tx.counters;
        counters.sent += 1;
        if accepted > at {
            counters.wait_cycles += router_cycles(accepted - at);
        }
        let seq = counters.sent;
        // Built whole rather than copied and patched: patching bytes of a copy on the stack, then reading it
        // back in words, stalled on store forwarding at every hop.
        let moved = Flit {
            packet: flit.packet.with_emergency(emergency),
            sent: flit.sent,
            hops: flit.hops + 1,
            reinjections: flit.reinjections,
        };
        let arrival_link = OPPOSITE[l as usize];
        emit.emit(Event::new(
            end + timing.extra[board],
            target,
            class::LINK,
            u64::from(arrival_link),
            seq,
            Action::Arrive {
                port: Port::Link(arrival_link),
                flit: moved,
            },
        ));
        Some(accepted)
    }

    /// After link `l` stayed blocked until `from`: the emergency detour on L - 1 (if enabled and the packet may
    /// take it), as a first leg (ER 10). Returns when the output stage is done and whether the packet got out.
    ///
    /// ER 10 even when L - 1 is a destination too: this path is only taken when L - 1 was blocked as well (else
    /// [`RouterState::combined_detours`] paired them), so L - 1's own copy is on its own detour, and an ER 01
    /// packet here would reach L - 1's neighbour's destinations twice.
    fn emergency(
        &mut self,
        l: u8,
        from: Time,
        flit: &Flit,
        neighbours: &Neighbours,
        timing: &Timing,
        emit: &mut impl EventSink<Action>,
    ) -> (Time, bool) {
        if !may_detour(flit, timing) {
            return (from, false);
        }
        let wait2 = timing.wait2;
        let detour = Link::from_index(l)
            .expect("link index 0-5")
            .rotate(-1)
            .index() as u8;
        match self.send(
            detour,
            from,
            from + wait2,
            EmergencyState::FirstStage,
            flit,
            neighbours,
            timing,
            emit,
        ) {
            Some(accepted) => {
                self.counters.emergency_routed += 1;
                (accepted, true)
            }
            None => (from + wait2, false),
        }
    }

    fn dump(
        &mut self,
        at: Time,
        chip: u32,
        port: Port,
        flit: Flit,
        params: &NetworkParams,
        emit: &mut impl EventSink<Action>,
    ) {
        let c = &mut self.counters;
        match flit.packet.kind {
            PacketKind::Multicast => c.dump_mc += 1,
            PacketKind::PointToPoint => c.dump_pp += 1,
            PacketKind::NearestNeighbour => c.dump_nn += 1,
            PacketKind::FixedRoute => c.dump_fr += 1,
        }
        let config = &params.router;
        if !config.reinjection || flit.packet.kind != PacketKind::Multicast {
            return;
        }
        if flit.reinjections >= config.max_reinjections {
            c.reinjection_abandoned += 1;
            return;
        }
        if self.reinjection.len() >= config.reinjection_queue {
            c.reinjection_overflows += 1;
            return;
        }
        c.received_for_reinjection += 1;
        let mut again = flit;
        again.reinjections += 1;
        self.reinjection.push_back((port, again));
        if self.reinject_tick.is_none() {
            let period = config.reinjection_period.0.max(1);
            let tick = Time((at.0 / period + 1) * period);
            self.reinject_tick = Some(tick);
            self.reinject_seq += 1;
            emit.emit(Event::new(
                tick,
                chip,
                class::REINJECT,
                0,
                self.reinject_seq,
                Action::Reinject,
            ));
        }
    }

    /// Prefetches the stage times and the arrival counters (see `ChipState::prefetch`).
    #[inline]
    pub(crate) fn prefetch(&self) {
        emu_kernel::prefetch(&self.input_free);
        emu_kernel::prefetch(&self.counters);
    }

    /// The six links' counters, link 0 first.
    pub fn link_counters(&self) -> [LinkCounters; 6] {
        std::array::from_fn(|l| self.links[l].counters)
    }

    /// Packets waiting in the reinjector's queue.
    pub fn queued_for_reinjection(&self) -> usize {
        self.reinjection.len()
    }

    /// The reinjector's tick: every queued packet re-enters the router on its original port.
    pub fn reinject(&mut self, now: Time, chip: u32, emit: &mut impl EventSink<Action>) {
        self.reinject_tick = None;
        for (port, flit) in self.reinjection.drain(..) {
            self.counters.reinjected += 1;
            self.reinject_seq += 1;
            emit.emit(Event::new(
                now,
                chip,
                class::REINJECT,
                1,
                self.reinject_seq,
                Action::Arrive { port, flit },
            ));
        }
    }
}

#[cfg(test)]
mod tests;
