use super::*;
use crate::image::TraceRequest;
use crate::layer2::L2Params;
use crate::neuron::DenmemParameters;
use crate::synapse::RowInputs;
use crate::time::SpeedUp;
use crate::wafer::build::{self, INPUT_ADDRESSES, Recurrent, neuron_address};

fn a() -> HicannOnWafer {
    HicannOnWafer::new(18, 7).unwrap()
}

/// A wafer whose one neuron on A, driven by `ampere` per denmem (4 denmems) from hardware time 0, is
/// recorded on Gbit channel 0 with address `neuron_address(0)`.
fn sender(ampere: f64) -> WaferImage {
    let mut image = WaferImage::new(SpeedUp::Normal, 1);
    build::recorded_senders(&mut image, a(), 1, ampere);
    image
}

/// A wafer whose neuron on A receives Layer-2 input channel 0, address `INPUT_ADDRESSES[0]`, on the
/// excitatory input of its two columns (weight 5).
fn receiver() -> WaferImage {
    let mut image = WaferImage::new(SpeedUp::Normal, 2);
    build::open_input(&mut image, a(), 0);
    build::populate(
        build::hicann_mut(&mut image, a()),
        1,
        2,
        DenmemParameters::default(),
    );
    let driver = build::route(&mut image, a(), 7, a()).unwrap();
    let source: &[u8] = &INPUT_ADDRESSES[..1];
    let h = build::hicann_mut(&mut image, a());
    build::fill_row(h, driver, 0, RowInputs::Excitatory, [source, source], 5, 3);
    image
}

fn route_a(from: u32, to: u32) -> L2Route {
    L2Route::new(
        L2Endpoint {
            wafer: from,
            hicann: a(),
            channel: 0,
            address: neuron_address(0),
        },
        L2Endpoint {
            wafer: to,
            hicann: a(),
            channel: 0,
            address: INPUT_ADDRESSES[0],
        },
    )
}

fn two() -> Preset {
    Preset::parse("brainscales-2-wafers").unwrap()
}

fn load(image: SystemImage) -> System {
    let defects = vec![Defects::default(); image.wafers.len()];
    System::load(image, two(), &defects).unwrap()
}

fn events_in(run: &WaferRun) -> u64 {
    run.counters
        .hicanns
        .iter()
        .find(|c| c.hicann == a())
        .unwrap()
        .synapses
        .events_in
}

#[test]
fn a_recorded_spike_reaches_the_other_wafer_after_the_route_latency_and_playback() {
    let mut system = load(SystemImage {
        wafers: vec![sender(0.5e-6), receiver()],
        l2_routes: vec![route_a(0, 1)],
    });
    // Recording starts at the 20 us experiment start (spec §1.2); the neuron fires about every 0.9 us.
    let first = system.run(HwTime::from_ns(21_000), 1);
    let t_rec = first.wafers[0].recorded[0].spike.time;
    // The target plays it at t_rec + 2 us (500 + 1000 + 500 ns): released at the next 4 ns stamp after
    // the 20 us offset, then the first 125 MHz PLL cycle, 2 cycles in the DNC merger (§8.3) and 64.44 ns
    // on Layer 1 (addendum §11).
    let t_in_ns = t_rec.0 / TICKS_PER_NS + 2_000;
    let release_ns = (20_000 + t_in_ns).div_ceil(4) * 4;
    let arrival =
        HwTime::from_ns((release_ns.div_ceil(8) + 2) * 8) + HwTime::from_seconds(64.44e-9);
    assert!(arrival > system.now());
    let before = system.run(arrival, 2);
    assert_eq!(
        events_in(&before.wafers[1]),
        0,
        "nothing before the arrival"
    );
    let at = system.run(arrival + HwTime(1), 1);
    assert_eq!(events_in(&at.wafers[1]), 1);
    assert!(at.routes[0].forwarded >= 1);
    assert_eq!(at.routes[0].dropped(), 0);
}

#[test]
fn a_route_into_a_saturated_playback_link_drops_and_counts() {
    // The target's own input at experiment time 0 holds its HICANN's link for 1 ms at 1 k events/s, so
    // no forwarded spike of the next 30 us can be released in time.
    let mut target = receiver();
    target.l2 = L2Params {
        hicann_input_rate_hz: 1e3,
        ..target.l2
    };
    target.inputs.push(L2Spike {
        hicann: a(),
        channel: 0,
        address: INPUT_ADDRESSES[1],
        time: HwTime::ZERO,
    });
    let mut system = load(SystemImage {
        wafers: vec![sender(0.5e-6), target],
        l2_routes: vec![route_a(0, 1)],
    });
    let run = system.run(HwTime::from_ns(50_000), 1);
    let route = run.routes[0];
    let recorded = run.wafers[0].recorded.len() as u64;
    // Forwarded spikes released after the run's end are not yet planned.
    let planned = run.wafers[0]
        .recorded
        .iter()
        .filter(|r| {
            r.spike.time.0 + DEFAULT_ROUTE_LATENCY.0 + HwTime::from_ns(20_000).0
                < HwTime::from_ns(50_000).0
        })
        .count() as u64;
    assert!(planned > 5, "{planned}");
    assert_eq!(route.forwarded, recorded);
    assert_eq!(route.playback.played, 0);
    assert_eq!(route.playback.dropped_hicann_budget, planned);
    assert_eq!(
        run.wafers[1].counters.playback.played, 1,
        "the target's own input"
    );
}

#[test]
fn spikes_lost_on_the_uplink_are_not_forwarded() {
    // 16 neurons far above threshold (~44 M spikes/s together) against 25 M/s on the up-link; one route
    // per neuron address.
    let mut source = WaferImage::new(SpeedUp::Normal, 1);
    build::recorded_senders(&mut source, a(), 16, 2e-6);
    let routes = (0..16)
        .map(|k| L2Route {
            source: L2Endpoint {
                address: neuron_address(k),
                ..route_a(0, 1).source
            },
            ..route_a(0, 1)
        })
        .collect();
    let mut system = load(SystemImage {
        wafers: vec![source, receiver()],
        l2_routes: routes,
    });
    let run = system.run(HwTime::from_ns(30_000), 1);
    let up = run.wafers[0]
        .counters
        .hicanns
        .iter()
        .find(|c| c.hicann == a())
        .unwrap()
        .uplink;
    assert!(up.lost_uplink > 0, "{up:?}");
    let forwarded: u64 = run.routes.iter().map(|r| r.forwarded).sum();
    assert_eq!(forwarded, up.recorded);
}

fn recurrent_pair() -> SystemImage {
    let hicanns = [HicannOnWafer::new(17, 7).unwrap(), a()];
    let wafer = |seed| build::recurrent_network(&hicanns, Recurrent::small(seed));
    // Each wafer's neurons recorded on channel 0 of (17, 7) drive input channel 4 of the other's A.
    let l2_routes = build::cross_routes(hicanns[0], a());
    SystemImage {
        wafers: vec![wafer(7), wafer(8)],
        l2_routes,
    }
}

/// 1 thread: the wafers one after the other; 2: each on its own; 3: one wafer on 2 threads.
#[test]
fn the_same_system_gives_identical_results_on_one_two_and_three_threads() {
    let run = |threads| load(recurrent_pair()).run(HwTime::from_ns(32_000), threads);
    let (one, two, three) = (run(1), run(2), run(3));
    assert!(one.routes.iter().map(|r| r.forwarded).sum::<u64>() > 10);
    assert!(one.routes.iter().map(|r| r.playback.played).sum::<u64>() > 10);
    // Every played input, the images' and the forwarded ones, reached its HICANN.
    for w in &one.wafers {
        let injected: u64 = w.counters.hicanns.iter().map(|h| h.l2_injected).sum();
        assert_eq!(injected, w.counters.playback.played);
    }
    assert!(one == two);
    assert!(one == three);
}

#[test]
fn threads_are_split_over_groups_of_consecutive_wafers() {
    // (wafers per group, threads per wafer of the group)
    assert_eq!(split_threads(1, 2), [(2, 1)]);
    assert_eq!(split_threads(2, 2), [(1, 1), (1, 1)]);
    assert_eq!(split_threads(5, 2), [(1, 3), (1, 2)]);
    assert_eq!(split_threads(2, 5), [(3, 1), (2, 1)]);
    assert_eq!(split_threads(0, 3), [(3, 1)]);
}

/// A run in calls of many segments each holds every sample of a trace once: one per 10 ns since time 0,
/// the samples of one whole run (the calls end on the whole run's segment grid of 2 us, so both run the
/// same windows).
#[test]
fn a_system_run_in_calls_traces_every_sample_once() {
    let mut image = recurrent_pair();
    for w in &mut image.wafers {
        let h = &w.hicanns[0];
        let denmem = h.neurons[0].firing;
        w.traces.push(TraceRequest {
            hicann: h.hicann,
            denmem,
        });
        assert_eq!(w.trace_interval, HwTime::from_ns(10));
    }
    // Calls that end on the window grid, as the binary's chunks do.
    let window = crate::layer1::bus::L1Timing::default().latency(0);
    let whole = load(image.clone()).run(HwTime(window.0 * 500), 2);
    let mut system = load(image);
    let mut last = None;
    for windows in [93, 280, 500] {
        let until = HwTime(window.0 * windows);
        let run = system.run(until, 2);
        for w in &run.wafers {
            let samples = until.0.div_ceil(HwTime::from_ns(10).0);
            assert_eq!(w.traces[0].v_volt.len() as u64, samples);
        }
        last = Some(run);
    }
    let last = last.unwrap();
    for (w, whole) in last.wafers.iter().zip(&whole.wafers) {
        assert!(w.traces == whole.traces);
        assert!(w.counters == whole.counters);
    }
}

#[test]
fn a_run_in_chunks_is_the_run_in_one_go() {
    // Chunks that end on the window grid from 0, as the binary's do (each run lays its windows from its start
    // and the system's segments sit on that grid, so such chunks cut the wafers only where one run does;
    // chunks off the grid move the windows and with them, by rounding, the spikes).
    let window = crate::layer1::bus::L1Timing::default().latency(0);
    let whole = load(recurrent_pair()).run(HwTime(window.0 * 500), 1);
    let mut system = load(recurrent_pair());
    let mut spans = system.spans();
    for end in [330, 400, 401, 500] {
        system.advance(HwTime(window.0 * end), 1, &mut spans);
    }
    let chunks = system.finish(spans);
    assert!(whole.wafers[0].recorded.len() > 10);
    for (c, w) in chunks.wafers.iter().zip(&whole.wafers) {
        assert!(c.spikes == w.spikes && c.recorded == w.recorded && c.traces == w.traces);
        assert!(
            c.counters == w.counters,
            "every counter, the integrator's steps too"
        );
    }
    assert!(chunks.routes == whole.routes);
}

#[test]
fn more_wafers_than_the_preset_are_refused() {
    assert!(Preset::parse("brainscales-21-wafers").is_err());
    let image = SystemImage {
        wafers: vec![receiver(), receiver(), receiver()],
        l2_routes: Vec::new(),
    };
    let e = image
        .check(two(), &vec![Defects::default(); 3])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "brainscales-2-wafers has 2 wafer modules, the image 3"
    );
}

#[test]
fn route_errors_name_the_route_and_the_wafer_and_hicann() {
    let image = |route| SystemImage {
        wafers: vec![sender(0.5e-6), receiver()],
        l2_routes: vec![route_a(0, 1), route],
    };
    let ok = vec![Defects::default(); 2];
    let check = |image: SystemImage, defects: &[Defects]| {
        image.check(two(), defects).unwrap_err().to_string()
    };
    // Backwards: wafer 1's channel 0 plays back, it does not record.
    assert_eq!(
        check(image(route_a(1, 0)), &ok),
        "L2 route 1: source wafer 1 HICANN 174 (18, 7): Gbit channel 0 is not ToDnc"
    );
    assert_eq!(
        check(image(route_a(0, 2)), &ok),
        "L2 route 1: target wafer 2 HICANN 174 (18, 7): no such wafer (2 wafers)"
    );
    let dead = Defects::from_json(&format!(r#"{{"dead_links": [{}]}}"#, a().to_enum())).unwrap();
    assert_eq!(
        check(image(route_a(0, 1)), &[Defects::default(), dead]),
        "L2 route 0: target wafer 1 HICANN 174 (18, 7): no working link"
    );
    let mut jittery = image(route_a(0, 1));
    jittery.wafers[0].nonideal.l2_jitter = true;
    jittery.l2_routes[1].latency = HwTime::from_ns(100);
    assert!(check(jittery, &ok).starts_with("L2 route 1: latency"));
}

#[test]
fn with_recording_jitter_forwarded_spikes_are_never_late() {
    let mut image = recurrent_pair();
    for w in &mut image.wafers {
        w.nonideal.l2_jitter = true;
    }
    let run = load(image).run(HwTime::from_ns(32_000), 1);
    assert!(run.routes.iter().map(|r| r.forwarded).sum::<u64>() > 10);
}
