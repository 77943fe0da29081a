//! Router semantics through the kernel: exact timing of one hop, default routing, unroutable packets, first
//! match, dumping with and without reinjection, and emergency routing around a dead link.

use std::sync::Arc;

use super::{LinkTx, MAX_OUTPUT_BUFFER};
use crate::faults::Faults;
use crate::geometry::{ChipCoord, Link};
use crate::kernel::event::Flit;
use crate::kernel::{Application, CoreContext, Simulation};
use crate::machine::{CoreModel, Machine};
use crate::packet::Packet;
use crate::preset::Preset;
use crate::router::config::{NetworkParams, WaitField};
use crate::router::table::{Route, RoutingEntry, RoutingTable};
use crate::time::Time;

/// Records every delivery as (core, key, time in router cycles, hops); `AT_ONCE` is its
/// [`Application::RECORDS_PACKETS_ONLY`].
#[derive(Default)]
struct Recorder<const AT_ONCE: bool = false> {
    got: Vec<(u8, u32, u64, u16)>,
}

impl<const AT_ONCE: bool> Application for Recorder<AT_ONCE> {
    const RECORDS_PACKETS_ONLY: bool = AT_ONCE;

    fn on_packet(&mut self, cx: &mut CoreContext<'_>, core: u8, flit: &Flit) {
        self.got.push((
            core,
            flit.packet.key,
            cx.now().0 / Time::TICKS_PER_ROUTER_CYCLE,
            flit.hops,
        ));
    }

    fn on_wake(&mut self, cx: &mut CoreContext<'_>, core: u8, key: u64) {
        cx.send(
            cx.now(),
            core,
            Flit::new(Packet::multicast(key as u32), cx.now()),
        );
    }
}

fn c(x: u16, y: u16) -> ChipCoord {
    ChipCoord::new(x, y)
}

fn board(faults: &Faults, params: NetworkParams) -> Simulation<Recorder> {
    let m = Machine::new(Preset::Spinn5, CoreModel::Ideal, faults).unwrap();
    Simulation::new(Arc::new(m), params, |_| Recorder::default())
}

fn entry(key: u32, route: Route) -> RoutingEntry {
    RoutingEntry {
        key,
        mask: u32::MAX,
        route,
    }
}

fn link(l: Link) -> Route {
    Route::default().with_link(l.index() as u8)
}

fn core(n: u8) -> Route {
    Route::default().with_core(n)
}

fn load(sim: &mut Simulation<Recorder>, chip: ChipCoord, entries: Vec<RoutingEntry>) {
    sim.load_table(chip, &RoutingTable::new(entries).unwrap())
        .unwrap();
}

/// Sends `key` from core 1 of `from` now and runs for 1 ms.
fn send_and_run(sim: &mut Simulation<Recorder>, from: ChipCoord, key: u32) {
    let now = sim.now();
    sim.wake(from, 1, now, u64::from(key)).unwrap();
    sim.run(now + Time::from_ms(1.0), 1);
}

fn deliveries(sim: &Simulation<Recorder>, chip: ChipCoord) -> Vec<(u8, u32, u64, u16)> {
    let i = sim.machine().chip_index(chip).unwrap();
    sim.chips()[i as usize].app.got.clone()
}

fn counters(
    sim: &Simulation<Recorder>,
    chip: ChipCoord,
) -> crate::router::counters::RouterCounters {
    let i = sim.machine().chip_index(chip).unwrap();
    sim.chips()[i as usize].router.counters
}

#[test]
fn one_hop_takes_pipeline_plus_serialisation_plus_pipeline() {
    let mut sim = board(&Faults::default(), NetworkParams::default());
    load(&mut sim, c(2, 2), vec![entry(7, link(Link::East))]);
    load(&mut sim, c(3, 2), vec![entry(7, core(4))]);
    send_and_run(&mut sim, c(2, 2), 7);
    // 5 cycles to the output stage, 16 on the link, 5 more to the destination core.
    assert_eq!(deliveries(&sim, c(3, 2)), vec![(4, 7, 26, 1)]);
    assert_eq!(counters(&sim, c(2, 2)).loc_mc, 1);
    assert_eq!(counters(&sim, c(3, 2)).ext_mc, 1);
}

#[test]
fn a_recording_sink_handed_its_packets_at_once_records_what_queued_deliveries_do() {
    /// Cores 1-3 of (2,2) send key 7 at the same time to core 5 of (2,2) and core 4 of (3,2), four times
    /// over: the packets queue at the router's input and at the cores' receive registers.
    /// What a chip's sink recorded: (core, key, time, payload) per packet.
    type Got = Vec<(u8, u32, u64, u16)>;
    fn run<const AT_ONCE: bool>() -> (Got, Got) {
        let m = Machine::new(Preset::Spinn5, CoreModel::Ideal, &Faults::default()).unwrap();
        let mut sim = Simulation::new(Arc::new(m), NetworkParams::default(), |_| {
            Recorder::<AT_ONCE>::default()
        });
        let table = |route| RoutingTable::new(vec![entry(7, route)]).unwrap();
        sim.load_table(c(2, 2), &table(link(Link::East).with_core(5)))
            .unwrap();
        sim.load_table(c(3, 2), &table(core(4))).unwrap();
        for round in 0..4 {
            for sender in 1..=3 {
                sim.wake(c(2, 2), sender, Time::from_router_cycles(round * 3), 7)
                    .unwrap();
            }
        }
        sim.run(Time::from_ms(1.0), 1);
        let got = |chip| {
            let i = sim.machine().chip_index(chip).unwrap() as usize;
            sim.chips()[i].app.got.clone()
        };
        (got(c(2, 2)), got(c(3, 2)))
    }
    let queued = run::<false>();
    assert_eq!(run::<true>(), queued);
    let (local, remote) = queued;
    assert_eq!((local.len(), remote.len()), (12, 12));
    // Core 5 reads one packet at a time: later packets were delivered later than routed.
    assert!(local.windows(2).all(|w| w[0].2 < w[1].2), "{local:?}");
}

#[test]
fn unmatched_packets_from_links_go_straight_on_and_from_cores_are_dropped() {
    let mut sim = board(&Faults::default(), NetworkParams::default());
    load(&mut sim, c(1, 1), vec![entry(1, link(Link::East))]);
    load(&mut sim, c(3, 1), vec![entry(1, core(2))]);
    send_and_run(&mut sim, c(1, 1), 1);
    assert_eq!(counters(&sim, c(2, 1)).ext_default_routed_mc, 1);
    assert_eq!(deliveries(&sim, c(3, 1)).len(), 1);
    assert_eq!(deliveries(&sim, c(3, 1))[0].3, 2);

    send_and_run(&mut sim, c(1, 1), 99);
    assert_eq!(counters(&sim, c(1, 1)).loc_default_routed_mc, 1);
    assert_eq!(counters(&sim, c(1, 1)).lost(), 1);
}

#[test]
fn lowest_index_match_wins() {
    let mut sim = board(&Faults::default(), NetworkParams::default());
    let entries = vec![
        RoutingEntry {
            key: 0x1000,
            mask: 0xF000,
            route: core(1),
        },
        RoutingEntry {
            key: 0,
            mask: 0,
            route: core(2),
        },
    ];
    load(&mut sim, c(0, 0), entries);
    send_and_run(&mut sim, c(0, 0), 0x1234);
    send_and_run(&mut sim, c(0, 0), 0x2234);
    let got: Vec<(u8, u32)> = deliveries(&sim, c(0, 0))
        .iter()
        .map(|d| (d.0, d.1))
        .collect();
    assert_eq!(got, vec![(1, 0x1234), (2, 0x2234)]);
}

fn dead_east_link() -> Faults {
    Faults::from_json(r#"{"dead_links": [[2, 2, 0]]}"#).unwrap()
}

#[test]
fn a_dead_link_dumps_and_the_reinjector_retries_until_its_limit() {
    let mut sim = board(&dead_east_link(), NetworkParams::default());
    load(&mut sim, c(2, 2), vec![entry(5, link(Link::East))]);
    send_and_run(&mut sim, c(2, 2), 5);
    let k = counters(&sim, c(2, 2));
    let limit = u64::from(NetworkParams::default().router.max_reinjections);
    assert_eq!(k.dump_mc, limit + 1);
    assert_eq!(k.reinjected, limit);
    assert_eq!(k.received_for_reinjection, limit);
    assert_eq!(k.reinjection_abandoned, 1);
    assert_eq!(k.lost(), 1);
    let i = sim.machine().chip_index(c(2, 2)).unwrap() as usize;
    assert_eq!(sim.chips()[i].router.link_counters()[0].blocked, limit + 1);
}

#[test]
fn without_reinjection_a_dump_is_lost_at_once() {
    let mut params = NetworkParams::default();
    params.router.reinjection = false;
    let mut sim = board(&dead_east_link(), params);
    load(
        &mut sim,
        c(2, 2),
        vec![entry(5, link(Link::East).with_core(3))],
    );
    send_and_run(&mut sim, c(2, 2), 5);
    let k = counters(&sim, c(2, 2));
    assert_eq!((k.dump_mc, k.reinjected, k.lost()), (1, 0, 1));
    // The local copy was delivered: only the link destination was lost.
    assert_eq!(deliveries(&sim, c(2, 2)).len(), 1);
}

/// The network with emergency routing on (wait2 = 16 router cycles).
fn emergency_routing() -> NetworkParams {
    NetworkParams {
        router: NetworkParams::default()
            .router
            .with_emergency_routing(WaitField(0x10)),
        ..NetworkParams::default()
    }
}

#[test]
fn emergency_routing_detours_around_a_dead_link() {
    let mut sim = board(&dead_east_link(), emergency_routing());
    // (2,2) -E-> (3,2) -E-> (4,2): the first hop is dead; (3,2) has no entry, so the second leg must be
    // default-routed on towards (4,2) as if it had come over the dead link.
    load(&mut sim, c(2, 2), vec![entry(9, link(Link::East))]);
    load(&mut sim, c(4, 2), vec![entry(9, core(6))]);
    send_and_run(&mut sim, c(2, 2), 9);
    assert_eq!(counters(&sim, c(2, 2)).emergency_routed, 1);
    assert_eq!(
        counters(&sim, c(2, 1)).emergency_reverted,
        1,
        "first leg goes S to (2,1)"
    );
    assert_eq!(counters(&sim, c(3, 2)).ext_default_routed_mc, 1);
    let got = deliveries(&sim, c(4, 2));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].3, 3, "detour S, NE, then E: three hops");
    assert_eq!(counters(&sim, c(2, 2)).dump_mc, 0);
}

#[test]
fn emergency_routing_of_a_packet_also_bound_for_the_detour_link_sends_one_combined_packet() {
    let mut sim = board(&dead_east_link(), emergency_routing());
    // As above, but (2,2) also routes the packet S to a core of (2,1): the detour link S is a normal
    // destination too, so the datasheet's one packet on S carries ER 01 (spec §2.5): (2,1) delivers it to
    // its core *and* sends the reverting leg (ER 11) NE to (3,2), which default-routes it to (4,2).
    load(
        &mut sim,
        c(2, 2),
        vec![entry(
            9,
            link(Link::East).with_link(Link::South.index() as u8),
        )],
    );
    load(&mut sim, c(2, 1), vec![entry(9, core(5))]);
    load(&mut sim, c(4, 2), vec![entry(9, core(6))]);
    send_and_run(&mut sim, c(2, 2), 9);
    let i = sim.machine().chip_index(c(2, 2)).unwrap() as usize;
    let links = sim.chips()[i].router.link_counters();
    assert_eq!(
        links[Link::South.index()].sent,
        1,
        "one packet on S, not a copy and a detour"
    );
    assert_eq!(links[Link::East.index()].blocked, 1);
    assert_eq!(counters(&sim, c(2, 2)).emergency_routed, 1);
    assert_eq!(counters(&sim, c(2, 2)).dump_mc, 0);
    let detour = deliveries(&sim, c(2, 1));
    assert_eq!(
        detour.len(),
        1,
        "the detour chip's own core gets the packet once"
    );
    assert_eq!(counters(&sim, c(2, 1)).emergency_reverted, 1);
    assert_eq!(counters(&sim, c(3, 2)).ext_default_routed_mc, 1);
    let got = deliveries(&sim, c(4, 2));
    assert_eq!(
        got.len(),
        1,
        "the reverting leg reaches the blocked link's far side"
    );
    assert_eq!(got[0].3, 3, "detour S, NE, then E: three hops");
}

#[test]
fn a_core_flooding_one_link_is_back_pressured_not_dumped() {
    // Two hundred packets at once from one core into one link: the link drains one every 16 cycles and the
    // core's sends wait (as TCR.N back-pressure would make them), so nothing is lost.
    let mut sim = board(&Faults::default(), NetworkParams::default());
    load(&mut sim, c(2, 2), vec![entry(1, link(Link::East))]);
    load(&mut sim, c(3, 2), vec![entry(1, core(1))]);
    for _ in 0..200 {
        sim.wake(c(2, 2), 1, Time::ZERO, 1).unwrap();
    }
    sim.run(Time::from_ms(2.0), 1);
    assert_eq!(counters(&sim, c(2, 2)).dump_mc, 0);
    let got = deliveries(&sim, c(3, 2));
    assert_eq!(got.len(), 200);
    let last = got.iter().map(|d| d.2).max().unwrap();
    assert!(
        (200 * 16..=200 * 16 + 50).contains(&last),
        "last delivery at cycle {last}"
    );
}

#[test]
fn a_funnel_of_three_links_into_one_congests_and_dumps_after_wait1() {
    // (2,2) E, (2,1) NE and (3,1) N all feed (3,2), whose single output E drains a third of what arrives:
    // packets queue on the incoming links past wait1 = 480 cycles and are dumped, then reinjected.
    let mut sim = board(&Faults::default(), NetworkParams::default());
    load(&mut sim, c(2, 2), vec![entry(1, link(Link::East))]);
    load(&mut sim, c(2, 1), vec![entry(1, link(Link::NorthEast))]);
    load(&mut sim, c(3, 1), vec![entry(1, link(Link::North))]);
    load(&mut sim, c(3, 2), vec![entry(1, link(Link::East))]);
    load(&mut sim, c(4, 2), vec![entry(1, core(1))]);
    for src in [c(2, 2), c(2, 1), c(3, 1)] {
        for _ in 0..200 {
            sim.wake(src, 1, Time::ZERO, 1).unwrap();
        }
    }
    sim.run(Time::from_ms(20.0), 1);
    let k = counters(&sim, c(3, 2));
    assert!(k.dump_mc > 0 && k.input_dumps == k.dump_mc, "{k:?}");
    assert!(k.reinjected > 0);
    let delivered = deliveries(&sim, c(4, 2)).len() as u64;
    assert_eq!(delivered + sim.totals().router.lost(), 600);
    assert_eq!(sim.packets_in_flight(), 0);
}

#[test]
fn a_core_still_reading_its_last_packet_makes_the_next_wait_then_dumps_it() {
    // A core takes 100 router cycles to read a packet: the second of two simultaneous packets waits 100
    // cycles; with a read slower than wait1 (480 cycles) it is dumped instead.
    let run = |read_cycles: u64| {
        let mut params = NetworkParams::default();
        params.router.core_receive = Time::from_router_cycles(read_cycles);
        params.router.reinjection = false;
        let mut sim = board(&Faults::default(), params);
        load(&mut sim, c(1, 1), vec![entry(3, core(5))]);
        sim.wake(c(1, 1), 1, Time::ZERO, 3).unwrap();
        sim.wake(c(1, 1), 2, Time::ZERO, 3).unwrap();
        sim.run(Time::from_ms(1.0), 1);
        (deliveries(&sim, c(1, 1)), counters(&sim, c(1, 1)))
    };
    let (got, k) = run(100);
    let times: Vec<u64> = got.iter().map(|d| d.2).collect();
    assert_eq!(times, vec![5, 105]);
    assert_eq!(k.dumped_from_processor, 0);
    let (got, k) = run(1000);
    assert_eq!(got.len(), 1);
    assert_eq!((k.dumped_from_processor, k.dump_mc, k.lost()), (1, 1, 1));
}

/// The output buffer as a plain FIFO of completion times: the definition the fixed ring must match.
fn fifo_offer(
    ends: &mut std::collections::VecDeque<Time>,
    at: Time,
    deadline: Time,
    serial: Time,
    capacity: usize,
) -> Option<(Time, Time)> {
    ends.retain(|&e| e > at);
    let accept = if ends.len() < capacity {
        at
    } else {
        ends[ends.len() - capacity]
    };
    if accept > deadline {
        return None;
    }
    ends.retain(|&e| e > accept);
    let end = ends.back().map_or(accept, |&e| e.max(accept)) + serial;
    ends.push_back(end);
    Some((accept, end))
}

proptest::proptest! {
    /// A link's output buffer, a ring of at most `MAX_OUTPUT_BUFFER` packets, accepts and completes every
    /// packet exactly as a FIFO of the configured depth does, blocked offers included.
    #[test]
    fn link_buffer_ring_matches_a_fifo(
        capacity in 1..=MAX_OUTPUT_BUFFER,
        offers in proptest::collection::vec((0u64..40, 0u64..80, 1u64..40), 1..300),
    ) {
        let (mut ring, mut fifo) = (LinkTx::default(), std::collections::VecDeque::new());
        let mut at = 0;
        for (gap, patience, serial) in offers {
            at += gap;
            let (now, deadline, serial) = (Time(at), Time(at + patience), Time(serial));
            proptest::prop_assert_eq!(
                ring.offer(now, deadline, serial, capacity),
                fifo_offer(&mut fifo, now, deadline, serial, capacity)
            );
        }
    }
}
