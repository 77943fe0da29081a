use super::build::{self, INPUT_ADDRESSES, Recurrent};
use super::kernel::Windows;
use super::*;
use crate::coord::{SynapseDriverOnHicann, SynapticInput};
use crate::image::{CurrentStimulus, TraceRequest};
use crate::neuron::DenmemParameters;
use crate::synapse::RowInputs;

fn hicann(x: u8, y: u8) -> HicannOnWafer {
    HicannOnWafer::new(x, y).unwrap()
}

/// The receiving HICANN of the path tests, its west and east neighbours.
fn a() -> HicannOnWafer {
    hicann(18, 7)
}
fn west() -> HicannOnWafer {
    hicann(17, 7)
}
fn east() -> HicannOnWafer {
    hicann(19, 7)
}

const WEIGHT: u8 = 5;

/// Spec §2.8 / addendum §11: the default trafo 93.94 + 81.34 w - 1.597 w^2 nS at V_gmax 500, gmax_div 11.
fn trafo_siemens(w: f64) -> f64 {
    (93.94 + 81.34 * w - 1.597 * w * w) * 1e-9
}

/// A neuron of columns 0..2 on each of `receivers`; one input spike on channel 0 of A at `t_in`, routed
/// from A's sending repeater 7 (DNC merger 0) to a driver on each receiver (A and/or its west neighbour),
/// whose row 0 drives the excitatory input from address 34 on every column.
fn one_input_image(receivers: &[HicannOnWafer], t_in: HwTime) -> WaferImage {
    let mut image = WaferImage::new(SpeedUp::Normal, 1);
    build::open_input(&mut image, a(), 0);
    for &to in receivers {
        build::populate(
            build::hicann_mut(&mut image, to),
            1,
            2,
            DenmemParameters::default(),
        );
        let driver = build::route(&mut image, a(), 7, to).unwrap();
        let source: &[u8] = &INPUT_ADDRESSES[..1];
        let h = build::hicann_mut(&mut image, to);
        build::fill_row(
            h,
            driver,
            0,
            RowInputs::Excitatory,
            [source, source],
            WEIGHT,
            3,
        );
    }
    image.inputs.push(L2Spike {
        hicann: a(),
        channel: 0,
        address: INPUT_ADDRESSES[0],
        time: t_in,
    });
    image
}

fn unit(wafer: &Wafer, h: HicannOnWafer) -> &HicannState {
    wafer.units.iter().find(|u| u.hicann == h).unwrap()
}

fn excitatory(wafer: &Wafer, h: HicannOnWafer) -> f64 {
    unit(wafer, h).neurons[0].conductance_siemens(SynapticInput::Excitatory)
}

/// The arrival of the input at `t_in` after `hops` chip edges, from the spec figures: release at the
/// 4 ns stamp after start offset (20 us) + t_in (§1.2), the first 125 MHz PLL cycle at or after it, 2
/// cycles in the DNC merger (§8.3), then 64.44 ns + 3.97 ns per hop on Layer 1 (addendum §11).
fn arrival(t_in_ns: u64, hops: u64) -> HwTime {
    let release_ns = (20_000 + t_in_ns).div_ceil(4) * 4;
    let cycle = release_ns.div_ceil(8);
    HwTime::from_ns((cycle + 2) * 8) + HwTime::from_seconds(64.44e-9 + hops as f64 * 3.97e-9)
}

#[test]
fn an_input_spike_reaches_its_denmems_through_the_full_path_at_the_expected_time() {
    let t_in = 1_003;
    let image = one_input_image(&[a()], HwTime::from_ns(t_in));
    let mut wafer = Wafer::load(image, &Defects::default()).unwrap();
    let t = arrival(t_in, 0);
    wafer.run(t, 1);
    assert_eq!(excitatory(&wafer, a()), 0.0, "nothing before the arrival");
    wafer.run(t + HwTime(1), 1);
    let n = &unit(&wafer, a()).neurons[0];
    assert_eq!(n.time(), t);
    // Both top denmems of the neuron (columns 0 and 1) have a matching synapse of weight 5.
    let expected = 2.0 * trafo_siemens(f64::from(WEIGHT));
    assert!((excitatory(&wafer, a()) - expected).abs() < 1e-12 * expected);
    let c = unit(&wafer, a()).counters;
    assert_eq!(
        c.jumps_to_unused_denmems, 254,
        "the other 254 columns of the row"
    );
    let run = wafer.run(t + HwTime::from_ns(100), 1);
    assert_eq!(run.counters.playback.played, 1);
    assert_eq!(run.counters.hicanns[0].l2_injected, 1);
}

#[test]
fn a_spike_injected_during_the_run_is_played_like_an_image_input() {
    let t_in = 1_003;
    let mut image = one_input_image(&[a()], HwTime::ZERO);
    image.inputs.clear();
    let mut wafer = Wafer::load(image, &Defects::default()).unwrap();
    wafer.run(HwTime::from_ns(20_500), 1);
    let spike = L2Spike {
        hicann: a(),
        channel: 0,
        address: INPUT_ADDRESSES[0],
        time: HwTime::from_ns(t_in),
    };
    let late = L2Spike {
        time: HwTime::from_ns(400),
        ..spike
    };
    let e = wafer.inject(1, &[spike, late]).unwrap_err().to_string();
    assert!(e.starts_with("input spike 1 at"), "{e}");
    let e = wafer
        .inject(
            1,
            &[L2Spike {
                channel: 1,
                ..spike
            }],
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("Gbit channel 1 does not point to it"), "{e}");
    wafer.inject(1, &[spike]).unwrap();
    let t = arrival(t_in, 0);
    wafer.run(t, 1);
    assert_eq!(excitatory(&wafer, a()), 0.0, "nothing before the arrival");
    let run = wafer.run(t + HwTime(1), 1);
    let expected = 2.0 * trafo_siemens(f64::from(WEIGHT));
    assert!((excitatory(&wafer, a()) - expected).abs() < 1e-12 * expected);
    assert_eq!(wafer.playback_counters(1).played, 1);
    assert_eq!(wafer.playback_counters(0).played, 0);
    assert_eq!(run.counters.playback.played, 1);
}

#[test]
fn a_bus_reaches_exactly_the_switched_drivers_with_one_hop_more_on_the_neighbour() {
    let t_in = 2_000;
    let mut image = one_input_image(&[a(), west()], HwTime::from_ns(t_in));
    // East neighbour: a driver in L1 mode on its own bus, not connected to A's.
    build::route(&mut image, east(), 7, east()).unwrap();
    let mut wafer = Wafer::load(image, &Defects::default()).unwrap();
    let t_west = arrival(t_in, 1);
    wafer.run(t_west, 1);
    assert!(excitatory(&wafer, a()) > 0.0);
    assert_eq!(excitatory(&wafer, west()), 0.0);
    wafer.run(t_west + HwTime(1), 1);
    let expected = 2.0 * trafo_siemens(f64::from(WEIGHT));
    assert!((excitatory(&wafer, west()) - expected).abs() < 1e-12 * expected);
    let run = wafer.run(t_west + HwTime::from_ns(100), 1);
    let events_in = |h| {
        let c = run.counters.hicanns.iter().find(|c| c.hicann == h).unwrap();
        c.synapses.events_in
    };
    assert_eq!(
        (events_in(west()), events_in(a()), events_in(east())),
        (1, 1, 0)
    );
}

#[test]
fn a_defective_bus_carries_nothing() {
    let image = one_input_image(&[a(), west()], HwTime::from_ns(500));
    // Sending repeater 7 drives A's line 62 and the west neighbour's line 60; line 62 is dead.
    let defects = Defects::from_json(&format!(
        r#"{{"hicanns": [{{"hicann": {}, "hlines": [62]}}]}}"#,
        a().to_enum()
    ))
    .unwrap();
    let mut wafer = Wafer::load(image, &defects).unwrap();
    let run = wafer.run(HwTime::from_ns(21_000), 1);
    let events_in = |h| {
        let c = run.counters.hicanns.iter().find(|c| c.hicann == h).unwrap();
        c.synapses.events_in
    };
    assert_eq!((events_in(a()), events_in(west())), (0, 1));
}

#[test]
fn a_saturated_uplink_loses_recorded_events_but_not_on_wafer_delivery() {
    let mut image = WaferImage::new(SpeedUp::Normal, 1);
    // Each neuron driven far above threshold (V_inf ~ 2.4 V, 8 uA on 4 denmems, each a little different so
    // they do not fire in step): ~2.7 M spikes/s each, 44 M/s together against 25 M/s on the up-link.
    build::recorded_senders(&mut image, a(), 16, 2e-6);
    build::populate(
        build::hicann_mut(&mut image, west()),
        1,
        2,
        DenmemParameters::default(),
    );
    build::route(&mut image, a(), 7, west()).unwrap();
    let mut wafer = Wafer::load(image, &Defects::default()).unwrap();
    let run = wafer.run(HwTime::from_ns(30_000), 2);
    let sender = run
        .counters
        .hicanns
        .iter()
        .find(|c| c.hicann == a())
        .unwrap();
    let emitted = sender.merger.emitted[0];
    let up = sender.uplink;
    assert!(up.lost_uplink > 0, "{up:?}");
    assert_eq!(up.recorded + up.lost_uplink + up.before_start, emitted);
    let receiver = run
        .counters
        .hicanns
        .iter()
        .find(|c| c.hicann == west())
        .unwrap();
    // In flight: taken in but not yet due, or still in the mailbox.
    let index = wafer.unit_index(west()).unwrap();
    let in_flight =
        unit(&wafer, west()).inbox.len() as u64 + wafer.mail[index].lock().unwrap().len() as u64;
    assert_eq!(receiver.synapses.events_in + in_flight, emitted);
    assert_eq!(run.counters.l1_lost_saturated(), 0);
    assert_eq!(run.recorded.len() as u64, up.recorded);
}

fn recurrent() -> WaferImage {
    let hicanns = [hicann(16, 7), hicann(17, 7), hicann(18, 7), hicann(19, 7)];
    build::recurrent_network(&hicanns, Recurrent::small(7))
}

#[test]
fn the_same_image_gives_identical_results_on_one_and_two_threads() {
    let until = HwTime::from_ns(30_000);
    let run = |threads| {
        let mut wafer = Wafer::load(recurrent(), &Defects::default()).unwrap();
        wafer.run(until, threads)
    };
    let (one, two) = (run(1), run(2));
    assert!(one.spikes.len() > 100, "{} spikes", one.spikes.len());
    assert!(one.counters.l1_events() > 100);
    assert!(one.counters.synapses_matched() > 1000);
    assert!(!one.recorded.is_empty());
    assert!(one == two);
}

#[test]
fn image_errors_name_the_hicann_and_the_block() {
    let defects = Defects::from_json(r#"{"dead_hicanns": [174]}"#).unwrap();
    let image = one_input_image(&[a()], HwTime::ZERO);
    let e = image.check(&defects).unwrap_err().to_string();
    assert_eq!(e, "HICANN 174 (18, 7): is defective but configured");
    let mut image = one_input_image(&[a()], HwTime::ZERO);
    image.hicanns[0].synapses.drivers[17].rows[1].gmax_div = 0;
    let e = image.check(&Defects::default()).unwrap_err().to_string();
    assert!(
        e.starts_with("HICANN 174 (18, 7): synapse driver 17"),
        "{e}"
    );
}

#[test]
fn a_third_trace_on_a_reticle_is_refused() {
    let mut image = WaferImage::new(SpeedUp::Normal, 1);
    let h = build::hicann_mut(&mut image, a());
    build::populate(h, 3, 2, DenmemParameters::default());
    let firing: Vec<_> = h.neurons.iter().map(|n| n.firing).collect();
    for &denmem in &firing[1..] {
        image.traces.push(TraceRequest {
            hicann: a(),
            denmem,
        });
    }
    assert!(image.check(&Defects::default()).is_ok());
    image.traces.push(TraceRequest {
        hicann: a(),
        denmem: firing[0],
    });
    let e = image.check(&Defects::default()).unwrap_err().to_string();
    assert!(e.contains("third traced membrane"), "{e}");
}

#[test]
fn a_trace_follows_the_membrane_under_a_current_step() {
    let mut image = WaferImage::new(SpeedUp::Normal, 1);
    let h = build::hicann_mut(&mut image, a());
    build::populate(h, 1, 2, DenmemParameters::default());
    h.stimuli.push(CurrentStimulus {
        neuron: 0,
        steps: vec![(HwTime::ZERO, 1e-6), (HwTime::from_ns(500), 0.0)],
    });
    let firing = h.neurons[0].firing;
    image.traces.push(TraceRequest {
        hicann: a(),
        denmem: firing,
    });
    image.trace_interval = HwTime::from_ns(100);
    let mut wafer = Wafer::load(image, &Defects::default()).unwrap();
    let run = wafer.run(HwTime::from_ns(1_000), 1);
    // The wafer runs with what the DAC codes realise: tau_m 2 us -> I_gl 80 -> 2.0006 us, E_l 0.55 V -> 313
    // -> 0.5507 V. 4 denmems: g_l = 4 C / tau; V relaxes from E_l towards E_l + I / g_l while the step is
    // on (0..500 ns), then back towards E_l.
    let p = DenmemParameters::default().quantise(SpeedUp::Normal, &mut ClipCounters::default());
    assert!((p.tau_m_s() - 2e-6).abs() < 1e-9 && p.tau_m_s() != 2e-6);
    let v_on = p.e_l_volt + 1e-6 / (4.0 * p.g_l_siemens);
    let relax = |from: f64, to: f64, t: f64| to + (from - to) * (-t / p.tau_m_s()).exp();
    let v_500 = relax(p.e_l_volt, v_on, 500e-9);
    let v = &run.traces[0].v_volt;
    assert_eq!(v.len(), 10);
    for (k, &v) in v.iter().enumerate() {
        let t = k as f64 * 100e-9;
        let expected = if t <= 500e-9 {
            relax(p.e_l_volt, v_on, t)
        } else {
            relax(v_500, p.e_l_volt, t - 500e-9)
        };
        assert!((v - expected).abs() < 1e-9, "sample {k}: {v} vs {expected}");
    }
}

#[test]
fn images_round_trip_through_bincode() {
    let image = recurrent();
    let bytes = image.to_bytes().unwrap();
    assert_eq!(WaferImage::from_bytes(&bytes).unwrap(), image);
}

#[test]
fn with_stdp_a_post_spike_before_an_input_pairs_acausally() {
    let t_in = 1_000;
    let mut image = one_input_image(&[a()], HwTime::from_ns(t_in));
    let h = build::hicann_mut(&mut image, a());
    // 2 uA into the 4 denmems: V_inf ~ 1.0 V above V_t 0.65 V, a spike every ~0.9 us.
    for (_, p) in &mut h.neurons[0].denmems {
        p.stimulus_ampere = 0.5e-6;
    }
    // The controller starts long after the run, so the charges stay as the pairings left them.
    h.synapses.stdp[0] = Some(crate::synapse::stdp::StdpConfig {
        start_s: 1.0,
        ..Default::default()
    });
    let driver = h.synapses.drivers.iter().position(|d| d.mode.takes_l1());
    let row = 2 * driver.unwrap();
    let mut wafer = Wafer::load(image, &Defects::default()).unwrap();
    let t = arrival(t_in, 0);
    let run = wafer.run(t + HwTime(1), 1);
    let post = run.spikes.iter().rev().find(|s| s.time <= t).unwrap().time;
    let tau_ticks = crate::synapse::stdp::DEFAULT_TAU_S * 63e9;
    let expected = ((-((t - post).0 as f64) / tau_ticks).exp() * 1024.0).round() / 1024.0;
    let charges = unit(&wafer, a()).synapses.stdp_charges(row, 0).unwrap();
    assert_eq!(charges, (0.0, expected));
}

#[test]
fn switching_between_parallel_and_sequential_stretches_leaves_results_unchanged() {
    let until = HwTime::from_ns(30_000);
    let sixteen: Vec<_> = (6..10)
        .flat_map(|y| (14..18).map(move |x| hicann(x, y)))
        .collect();
    let image = build::recurrent_network(&sixteen, Recurrent::small(7));
    let one = Wafer::load(image.clone(), &Defects::default())
        .unwrap()
        .run(until, 1);
    let mut wafer = Wafer::load(image, &Defects::default()).unwrap();
    wafer.set_pace(Pace::alternating(50));
    let switching = wafer.run(until, 2);
    assert!(one.spikes.len() > 400, "{} spikes", one.spikes.len());
    assert!(one == switching);
}

/// Windows of 4060 ticks from 100: [100, 4160), [4160, 8220), ...; one `Arrivals` event per target and
/// window, at the window's start, and every event in its target's mailbox.
#[test]
fn a_step_posts_one_arrivals_event_per_target_and_window() {
    let w = Windows {
        origin: HwTime(100),
        window: HwTime(4060),
        until: HwTime(100_000),
        mail: (0..3).map(|_| Mutex::default()).collect(),
    };
    let e = |t, seq| Inbound {
        time: HwTime(t),
        source: 5,
        seq,
        driver: SynapseDriverOnHicann::new(0).unwrap(),
        address: 1,
    };
    let mut outbox = vec![
        (2, e(4200, 0)),
        (0, e(4300, 1)),
        (2, e(8219, 2)),
        (2, e(8220, 3)),
        (0, e(4160, 4)),
    ];
    let mut events = Vec::new();
    w.post(&mut outbox, &mut events);
    assert!(outbox.is_empty());
    let posted: Vec<(u32, HwTime)> = events.iter().map(|e| (e.chip(), e.time)).collect();
    assert_eq!(
        posted,
        [(0, HwTime(4160)), (2, HwTime(4160)), (2, HwTime(8220))]
    );
    let seqs = |unit: usize| {
        let mut s: Vec<u64> = w.mail[unit].lock().unwrap().iter().map(|e| e.seq).collect();
        s.sort_unstable();
        s
    };
    assert_eq!(
        (seqs(0), seqs(1), seqs(2)),
        (vec![1, 4], vec![], vec![0, 2, 3])
    );
}

/// A HICANN's load: 1 + its denmems in neurons + 2 rows per driven driver; 3 neurons of 2 columns (4
/// denmems each) and one routed driver make 1 + 12 + 2; a configured HICANN without either makes 1.
#[test]
fn a_hicanns_load_counts_its_denmems_and_driven_rows() {
    let mut image = WaferImage::new(SpeedUp::Normal, 1);
    let h = build::hicann_mut(&mut image, a());
    build::populate(h, 3, 2, DenmemParameters::default());
    build::route(&mut image, a(), 7, a()).unwrap();
    build::hicann_mut(&mut image, east());
    let wafer = Wafer::load(image, &Defects::default()).unwrap();
    assert_eq!(unit(&wafer, a()).load, 15);
    assert_eq!(unit(&wafer, east()).load, 1);
}

/// All busy HICANNs at the lowest indices, idle ones configured at high indices: two threads split the
/// busy ones between them (by load), with the same results as one.
#[test]
fn a_wafer_busy_only_at_low_indices_gives_identical_results_on_one_and_two_threads() {
    let busy: Vec<_> = HicannOnWafer::all().take(8).collect();
    let mut image = build::recurrent_network(&busy, Recurrent::small(3));
    for h in HicannOnWafer::all().skip(200).take(16) {
        build::hicann_mut(&mut image, h);
    }
    let until = HwTime::from_ns(30_000);
    let run = |threads| {
        Wafer::load(image.clone(), &Defects::default())
            .unwrap()
            .run(until, threads)
    };
    let (one, two) = (run(1), run(2));
    assert!(one.spikes.len() > 100, "{} spikes", one.spikes.len());
    assert!(one.counters.l1_events() > 100);
    assert!(one == two);
}
