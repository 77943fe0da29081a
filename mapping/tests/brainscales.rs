//! The BrainScaleS mapper end to end: images the wafer accepts, routes that reach exactly their targets,
//! loss counted by cause, defects avoided, determinism.

use std::collections::BTreeSet;

use brainscales_emu::Preset;
use brainscales_emu::coord::{HicannOnWafer, SynapseDriverOnHicann};
use brainscales_emu::defects::Defects;
use brainscales_emu::image::WaferImage;
use brainscales_emu::layer1::bus::SendingRepeater;
use brainscales_emu::synapse::driver::DriverMode;
use brainscales_emu::time::HwTime;
use brainscales_emu::wafer::Wafer;
use nmemu_loader::{Limits, Network};
use nmemu_mapping::brainscales::merger_tree::Strategy;
use nmemu_mapping::brainscales::{BrainScaleSOptions, Mapped, PopulationPlace, map};
use serde_json::{Value, json};

fn net(value: Value) -> Network {
    Network::from_json(&value.to_string(), &Limits::default()).unwrap()
}

fn wafer() -> BrainScaleSOptions {
    BrainScaleSOptions::new(Preset { wafers: 1 })
}

fn mapped(n: &Network) -> Mapped {
    map(n, &wafer()).unwrap()
}

fn image(m: &Mapped) -> &WaferImage {
    &m.image.wafers[0]
}

/// One spike source (array) feeding populations `a` and `b`, placed on the given HICANNs.
fn fan_net(a_hicann: u32, b_hicann: u32, spikes: &[f64]) -> Network {
    net(json!({
        "format": "nmemu-net/1",
        "simulation": {"duration_ms": 40, "timestep_ms": 0.1},
        "populations": [
            {"label": "in", "size": 1, "cell": {"type": "SpikeSourceArray", "params": {"spike_times": spikes}}},
            {"label": "a", "size": 3, "cell": {"type": "IF_cond_exp"}},
            {"label": "b", "size": 2, "cell": {"type": "IF_cond_exp"}}
        ],
        "projections": [
            {"label": "in-a", "pre": "in", "post": "a", "receptor_type": "excitatory",
             "connector": {"type": "AllToAllConnector"}, "synapse": {"type": "StaticSynapse", "weight": 0.01}},
            {"label": "in-b", "pre": "in", "post": "b", "receptor_type": "inhibitory",
             "connector": {"type": "AllToAllConnector"}, "synapse": {"type": "StaticSynapse", "weight": 0.01}}
        ],
        "extensions": {"brainscales": {"placement": {"a": [a_hicann], "b": [b_hicann]}}}
    }))
}

fn two_populations() -> Network {
    net(json!({
        "format": "nmemu-net/1",
        "simulation": {"duration_ms": 100, "timestep_ms": 0.1},
        "populations": [
            {"label": "noise", "size": 50, "cell": {"type": "SpikeSourcePoisson", "params": {"rate": 20.0}}},
            {"label": "exc", "size": 80, "cell": {"type": "IF_cond_exp"}},
            {"label": "inh", "size": 20, "cell": {"type": "IF_cond_exp"}}
        ],
        "projections": [
            {"label": "noise-exc", "pre": "noise", "post": "exc", "receptor_type": "excitatory",
             "connector": {"type": "FixedProbabilityConnector", "p_connect": 0.1},
             "synapse": {"type": "StaticSynapse", "weight": 0.004}},
            {"label": "exc-inh", "pre": "exc", "post": "inh", "receptor_type": "excitatory",
             "connector": {"type": "FixedProbabilityConnector", "p_connect": 0.1},
             "synapse": {"type": "StaticSynapse", "weight": 0.004}},
            {"label": "inh-exc", "pre": "inh", "post": "exc", "receptor_type": "inhibitory",
             "connector": {"type": "FixedProbabilityConnector", "p_connect": 0.1},
             "synapse": {"type": "StaticSynapse", "weight": 0.02}}
        ]
    }))
}

#[test]
fn the_adex_example_and_a_two_population_net_map_to_checked_images() {
    let adex = Network::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/adex.json"),
        &Limits::default(),
    )
    .unwrap();
    for n in [adex, two_populations()] {
        let m = mapped(&n);
        image(&m).check(&Defects::default()).unwrap();
        assert_eq!(m.report.synapses_lost, 0, "{:?}", m.report);
        assert_eq!(
            m.report.neurons_placed,
            n.populations
                .iter()
                .filter(|p| !p.cell_type.is_source())
                .map(|p| u64::from(p.size))
                .sum::<u64>()
        );
        assert!(!image(&m).inputs.is_empty());
    }
}

#[test]
fn mapping_is_deterministic() {
    let n = two_populations();
    let a = mapped(&n);
    let b = mapped(&n);
    assert_eq!(image(&a).to_bytes().unwrap(), image(&b).to_bytes().unwrap());
    assert_eq!(a.placement, b.placement);
}

/// The drivers taking Layer-1 input on `h`.
fn l1_drivers(image: &WaferImage, h: HicannOnWafer) -> BTreeSet<(usize, SynapseDriverOnHicann)> {
    let config = &image.hicann(h).unwrap().synapses;
    config
        .drivers
        .iter()
        .enumerate()
        .filter(|(_, d)| d.mode.takes_l1())
        .map(|(line, _)| (h.to_enum(), SynapseDriverOnHicann::new(line as u8).unwrap()))
        .collect()
}

#[test]
fn a_route_reaches_exactly_the_target_drivers_and_spikes_arrive_at_the_synapses() {
    // a four columns east and two rows south of b: a backbone and a rib.
    let (a, b) = (
        HicannOnWafer::new(20, 9).unwrap(),
        HicannOnWafer::new(16, 7).unwrap(),
    );
    let n = fan_net(a.to_enum() as u32, b.to_enum() as u32, &[10.0, 20.0]);
    let m = mapped(&n);
    let img = image(&m);
    let PopulationPlace::Sources(endpoints) = &m.placement.populations[0] else {
        panic!("a source")
    };
    let input = endpoints[0][0];
    let sender = SendingRepeater {
        hicann: input.hicann,
        index: 7 - input.channel,
    };
    let fan = img.l1_network().fan_out(&Defects::default(), sender);
    let reached: BTreeSet<_> = fan
        .drivers
        .iter()
        .map(|r| (r.hicann.to_enum(), r.driver))
        .collect();
    let mut expected = l1_drivers(img, a);
    expected.extend(l1_drivers(img, b));
    assert_eq!(reached, expected);
    assert_eq!(expected.len(), 2, "one driver per target HICANN");

    let mut wafer = Wafer::load(img.clone(), &Defects::default()).unwrap();
    let run = wafer.run(HwTime::from_ns(20_000 + 40_000), 1);
    let matched = |h: HicannOnWafer| {
        run.counters
            .hicanns
            .iter()
            .find(|c| c.hicann == h)
            .map_or(0, |c| c.synapses.synapses_matched)
    };
    assert_eq!(matched(a), 2 * 3, "two spikes onto 3 synapses");
    assert_eq!(matched(b), 2 * 2, "two spikes onto 2 synapses");
}

/// `sources` array sources, all-to-all excitatory onto `targets` neurons of 4 denmems on one HICANN, and
/// the first `inhibitory` sources also inhibitory onto them; driver chains of one driver.
fn saturating_net(sources: u32, targets: u32, inhibitory: u32) -> Network {
    net(json!({
        "format": "nmemu-net/1",
        "simulation": {"duration_ms": 10},
        "populations": [
            {"label": "in", "size": sources, "cell": {"type": "SpikeSourceArray", "params": {"spike_times": [1.0]}}},
            {"label": "t", "size": targets, "cell": {"type": "IF_cond_exp"}}
        ],
        "projections": [
            {"label": "exc", "pre": "in", "post": "t", "receptor_type": "excitatory",
             "connector": {"type": "AllToAllConnector"}, "synapse": {"type": "StaticSynapse", "weight": 0.01}},
            {"label": "inh", "pre": {"population": "in", "slice": [0, inhibitory]}, "post": "t",
             "receptor_type": "inhibitory",
             "connector": {"type": "AllToAllConnector"}, "synapse": {"type": "StaticSynapse", "weight": 0.01}}
        ],
        "extensions": {"brainscales": {"driver_chain_length": 1, "placement": {"t": [100]}}}
    }))
}

#[test]
fn saturated_drivers_lose_exactly_the_synapses_that_do_not_fit() {
    // 15 sources fill one bus' class of 2-MSB pattern 11 (addresses 63 down, 49 reserved). With chains of
    // one driver the bus has 2 rows at the target HICANN: one for the excitatory class, one for the
    // inhibitory one. A neuron of 4 denmems has 2 columns, so a row holds 2 of its synapses.
    let (sources, targets, inhibitory) = (15u64, 10u64, 4u64);
    let n = saturating_net(sources as u32, targets as u32, inhibitory as u32);
    let m = mapped(&n);
    let r = &m.report;
    assert_eq!(r.synapses, targets * (sources + inhibitory));
    assert_eq!(
        r.synapses_lost_row,
        targets * ((sources - 2) + (inhibitory - 2))
    );
    assert_eq!(
        (
            r.synapses_lost_driver,
            r.synapses_lost_l1,
            r.synapses_lost_input
        ),
        (0, 0, 0)
    );
    assert_eq!(r.synapses_lost, r.synapses_lost_row);
    let placed: u64 = image(&m)
        .hicanns
        .iter()
        .map(|h| {
            (0..448)
                .flat_map(|row| (0..256).map(move |c| (row, c)))
                .filter(|&(row, c)| h.synapses.synapses.decoder(row, c) != 1)
                .count() as u64
        })
        .sum();
    assert_eq!(placed, r.synapses - r.synapses_lost);
    assert!(m.warnings.iter().any(|w| w.starts_with("SYNAPSE LOSS")));

    // With every driver of the target HICANN dead, all of it is lost to the drivers.
    let file =
        json!({"hicanns": [{"hicann": 100, "synapse_drivers": (0..224).collect::<Vec<u32>>()}]});
    let mut options = wafer();
    options.defects = vec![Defects::from_json(&file.to_string()).unwrap()];
    let r = map(&n, &options).unwrap().report;
    assert_eq!(r.synapses_lost_driver, r.synapses);
    assert_eq!(r.synapse_loss_by_projection["inh"], 1.0);

    options.max_synapse_loss = Some(0.5);
    let err = map(&n, &options).err().unwrap();
    assert!(
        err.contains("exceeds --max-synapse-loss 0.5") && err.contains("'inh' 40 of 40"),
        "{err}"
    );
}

#[test]
fn defects_are_avoided() {
    let (a, b) = (
        HicannOnWafer::new(20, 9).unwrap(),
        HicannOnWafer::new(16, 7).unwrap(),
    );
    let n = fan_net(a.to_enum() as u32, b.to_enum() as u32, &[10.0]);
    let clean = mapped(&n);
    // Kill what the clean mapping used on a: its L1 drivers and the vertical lines reaching them.
    let used: Vec<u32> = l1_drivers(image(&clean), a)
        .iter()
        .map(|(_, d)| u32::from(d.line()))
        .collect();
    let h = image(&clean).hicann(a).unwrap();
    let vlines: Vec<u32> =
        h.l1.synapse_switches
            .closed_rows()
            .flat_map(|row| {
                row.vlines()
                    .into_iter()
                    .filter(move |&v| h.l1.synapse_switches.is_closed(row, v))
                    .map(|v| u32::from(v.line()))
            })
            .collect();
    let file = json!({
        "dead_hicanns": [HicannOnWafer::new(18, 8).unwrap().to_enum()],
        "hicanns": [{"hicann": a.to_enum(), "synapse_drivers": used, "vlines": vlines}]
    });
    let defects = Defects::from_json(&file.to_string()).unwrap();
    let mut options = wafer();
    options.defects = vec![defects.clone()];
    let m = map(&n, &options).unwrap();
    image(&m).check(&defects).unwrap();
    assert_eq!(
        m.report.synapses_lost, 0,
        "{:?} {:?}",
        m.report, m.placement
    );
    let now = l1_drivers(image(&m), a);
    assert!(
        now.iter()
            .all(|(_, d)| !used.contains(&u32::from(d.line())))
    );
    assert!(
        image(&m)
            .hicann(HicannOnWafer::new(18, 8).unwrap())
            .is_none()
    );
    assert_ne!(
        image(&m)
            .hicanns
            .iter()
            .map(|h| h.hicann)
            .collect::<Vec<_>>(),
        Vec::<HicannOnWafer>::new()
    );
    assert!(
        image(&m)
            .hicanns
            .iter()
            .all(|h| h.synapses.drivers.iter().enumerate().all(|(line, d)| {
                d.mode == DriverMode::Disabled
                    || defects
                        .is_driver_usable(h.hicann, SynapseDriverOnHicann::new(line as u8).unwrap())
            }))
    );
}

#[test]
fn a_network_larger_than_the_wafer_is_refused_with_the_numbers() {
    let n = net(json!({
        "format": "nmemu-net/1",
        "simulation": {"duration_ms": 10},
        "populations": [{"label": "big", "size": 50000, "cell": {"type": "IF_cond_exp"}}]
    }));
    let err = map(&n, &wafer()).err().unwrap();
    assert!(
        err.starts_with("the network needs 200000 denmem circuits for 50000 neurons"),
        "{err}"
    );
    assert!(err.contains("the wafer has 196608 usable"), "{err}");
}

#[test]
fn a_full_hicann_uses_all_eight_neuron_blocks() {
    let n = net(json!({
        "format": "nmemu-net/1",
        "simulation": {"duration_ms": 10},
        "populations": [{"label": "full", "size": 128, "cell": {"type": "IF_cond_exp"}}],
        "extensions": {"brainscales": {"placement": {"full": [7]}}}
    }));
    let options = BrainScaleSOptions {
        merger: Some(Strategy::MinimiseSendingRepeaters),
        ..wafer()
    };
    let m = map(&n, &options).unwrap();
    let h = image(&m)
        .hicann(HicannOnWafer::from_enum(7).unwrap())
        .unwrap();
    assert_eq!(h.neurons.len(), 128);
    assert!(h.neurons.iter().all(|n| n.denmems.len() == 4));
    assert_eq!(h.neurons[127].firing.x(), 254);
    // Merged neuron blocks: 5 buses of at most 59 neurons record and send the 8 blocks (one-to-one: 8).
    assert_eq!(
        h.gbit
            .iter()
            .filter(|&&g| g == brainscales_emu::layer2::GbitDirection::ToDnc)
            .count(),
        5
    );
}

/// 128 tonically firing neurons (v_rest above v_thresh, spread so that they do not fire in step and
/// collide in the priority encoders) filling HICANN 7's 8 blocks, each exciting one neuron on HICANN 8
/// strongly.
fn merged_sender_net() -> Network {
    net(json!({
        "format": "nmemu-net/1",
        "simulation": {"duration_ms": 60, "timestep_ms": 0.1},
        "populations": [
            {"label": "full", "size": 128, "cell": {"type": "IF_cond_exp",
              "params": {"v_rest": {"distribution": "uniform", "low": -52.0, "high": -40.0},
                         "v_thresh": -55.0, "v_reset": -70.0, "tau_refrac": 2.0}},
             "record": ["spikes"]},
            {"label": "out", "size": 128, "cell": {"type": "IF_cond_exp"}, "record": ["spikes"]}
        ],
        "projections": [
            {"label": "full-out", "pre": "full", "post": "out", "receptor_type": "excitatory",
             "connector": {"type": "OneToOneConnector"}, "synapse": {"type": "StaticSynapse", "weight": 0.2}}
        ],
        "extensions": {"brainscales": {"placement": {"full": [7], "out": [8]}}}
    }))
}

/// `n` neurons of 4 populations in a ring, 60 synapses in per neuron from the previous one: many buses
/// to few HICANNs.
fn ring_net(n: u32) -> Network {
    let pops: Vec<Value> = (0..4)
        .map(|i| json!({"label": format!("p{i}"), "size": n / 4, "cell": {"type": "IF_cond_exp"}}))
        .collect();
    let projections: Vec<Value> = (0..4)
        .map(|i| {
            json!({"label": format!("p{i}"), "pre": format!("p{i}"), "post": format!("p{}", (i + 1) % 4),
                   "receptor_type": "excitatory", "connector": {"type": "FixedNumberPreConnector", "n": 60},
                   "synapse": {"type": "StaticSynapse", "weight": 0.002}})
        })
        .collect();
    net(json!({
        "format": "nmemu-net/1",
        "simulation": {"duration_ms": 10, "seed": 3},
        "populations": pops,
        "projections": projections
    }))
}

#[test]
fn the_merger_strategy_realising_more_synapses_is_chosen() {
    use nmemu_mapping::brainscales::report::{MergerReport, MergerTry};
    let with = |merger| {
        let options = BrainScaleSOptions { merger, ..wafer() };
        move |n: &Network| map(n, &options).unwrap().report
    };
    let (auto, one, merged) = (
        with(None),
        with(Some(Strategy::OneToOne)),
        with(Some(Strategy::MinimiseSendingRepeaters)),
    );
    let tried = |strategy, synapses_lost| MergerTry {
        strategy,
        synapses_lost,
    };
    // Few buses to few HICANNs: one block per merger loses nothing and is kept, untried the other.
    let small = two_populations();
    let a = auto(&small);
    assert_eq!((a.synapses_lost, one(&small).synapses_lost), (0, 0));
    assert!(merged(&small).synapses_lost > 0);
    let kept = |chosen, tried| MergerReport { chosen, tried };
    assert_eq!(
        a.merger,
        kept(Strategy::OneToOne, vec![tried(Strategy::OneToOne, 0)])
    );
    // Many buses into every HICANN: merging loses less, and mapping.json says both.
    let ring = ring_net(8192);
    let (one, merged) = (one(&ring).synapses_lost, merged(&ring).synapses_lost);
    assert!(merged < one, "merged {merged}, one-to-one {one}");
    let a = auto(&ring);
    assert_eq!(a.synapses_lost, merged);
    let both = vec![
        tried(Strategy::OneToOne, one),
        tried(Strategy::MinimiseSendingRepeaters, merged),
    ];
    assert_eq!(a.merger, kept(Strategy::MinimiseSendingRepeaters, both));
}

#[test]
fn merged_blocks_deliver_and_record_every_neurons_spikes() {
    use brainscales_emu::system::System;
    use nmemu_mapping::brainscales::params::ParameterOptions;
    use nmemu_mapping::brainscales::readback::{Readback, VoltageScale};

    let n = merged_sender_net();
    let options = BrainScaleSOptions {
        speed_up: brainscales_emu::time::SpeedUp::Normal,
        merger: Some(Strategy::MinimiseSendingRepeaters),
        ..wafer()
    };
    let m = map(&n, &options).unwrap();
    assert_eq!(m.report.synapses_lost, 0);
    let sender = image(&m)
        .hicann(HicannOnWafer::from_enum(7).unwrap())
        .unwrap();
    assert_ne!(
        sender.merger.tree,
        brainscales_emu::layer1::merger::MergerConfig::default().tree,
        "the tree merges blocks"
    );
    let mut system =
        System::load(m.image.clone(), Preset { wafers: 1 }, &[Defects::default()]).unwrap();
    // 60 ms biological at 10^4 after the 20 us experiment start.
    let run = system.run(HwTime::from_ns(20_000 + 6_000), 1);
    let places = m.placement.neuron_places();
    let translation = ParameterOptions::new(options.speed_up);
    let readback = Readback {
        net: &n,
        image: &m.image,
        places,
        voltage: VoltageScale {
            alpha_v: translation.alpha_v,
            shift_v: translation.shift_v,
        },
        completed_ms: 60.0,
    };
    let (recordings, _) = readback.recordings(&run).unwrap();
    let fired = |p: usize| -> BTreeSet<u32> {
        recordings.populations[p]
            .spikes
            .as_ref()
            .unwrap()
            .iter()
            .map(|s| s.neuron)
            .collect()
    };
    // Every sender is recorded through its merged DNC merger's channel and traced back to itself, and
    // every sender's spikes reach its target over its merged bus, which then fires.
    // Every block's neurons are recorded through their merged DNC merger's channel (a few lose every
    // spike of the short run to priority-encoder collisions, as without merging), and each recorded spike
    // is traced back to the neuron that made it: it follows one of its on-wafer spikes by the output
    // path's latency.
    let (sent, received) = (fired(0), fired(1));
    let blocks =
        |neurons: &BTreeSet<u32>| neurons.iter().map(|k| k / 16).collect::<BTreeSet<u32>>();
    assert_eq!(blocks(&sent), (0..8).collect());
    assert!(sent.len() >= 80, "{} senders recorded", sent.len());
    let PopulationPlace::Neurons(full) = &m.placement.populations[0] else {
        panic!("neurons")
    };
    for s in recordings.populations[0].spikes.as_ref().unwrap() {
        let denmem = full[s.neuron as usize].2;
        assert!(
            run.wafers[0]
                .spikes
                .iter()
                .filter(|w| w.hicann.to_enum() == 7 && w.neuron == denmem)
                .any(|w| (0.0..2.0).contains(&(s.time_ms - w.bio_s * 1e3))),
            "sender {} recorded at {} ms",
            s.neuron,
            s.time_ms
        );
    }
    // Every block's spikes reach their targets over the merged buses, which then fire.
    assert_eq!(blocks(&received), (0..8).collect());
    assert!(received.len() >= 80, "{} targets fired", received.len());
}

#[test]
fn recorded_membranes_are_spread_to_two_per_reticle() {
    let n = net(json!({
        "format": "nmemu-net/1",
        "simulation": {"duration_ms": 10},
        "populations": [{"label": "v", "size": 10, "cell": {"type": "IF_cond_exp"},
                         "record": [{"variables": ["v"], "indices": [0, 1, 2, 3, 4]}]}]
    }));
    let m = mapped(&n);
    let traces = &image(&m).traces;
    assert_eq!(traces.len(), 5);
    let mut per_reticle = std::collections::BTreeMap::new();
    for t in traces {
        *per_reticle.entry(t.hicann.reticle().to_enum()).or_insert(0) += 1;
    }
    let mut counts: Vec<i32> = per_reticle.values().copied().collect();
    counts.sort_unstable();
    assert_eq!(counts, vec![1, 2, 2]);
}

#[test]
fn inputs_beyond_the_link_budgets_are_thinned_last_first() {
    // 100 Hz x 10^3 = 100 kHz per source; 1% of 17.8 MHz per HICANN takes one source, 1% of 125 MHz per
    // FPGA 12, so the wafer's 384 HICANNs hold 384 of the 600 sources.
    let n = net(json!({
        "format": "nmemu-net/1",
        "simulation": {"duration_ms": 10},
        "populations": [
            {"label": "noise", "size": 600, "cell": {"type": "SpikeSourcePoisson", "params": {"rate": 100.0}}},
            {"label": "t", "size": 4, "cell": {"type": "IF_cond_exp"}}
        ],
        "projections": [{"label": "in", "pre": {"population": "noise", "slice": [0, 4]}, "post": "t",
                         "receptor_type": "excitatory",
                         "connector": {"type": "OneToOneConnector"}, "synapse": {"type": "StaticSynapse", "weight": 0.01}}],
        "extensions": {"brainscales": {"bandwidth_utilization": 0.01}}
    }));
    let m = mapped(&n);
    let thinned = &m.report.inputs_thinned;
    assert_eq!(
        (thinned.len(), thinned[0].thinned, thinned[0].of),
        (1, 216, 600)
    );
    let PopulationPlace::Sources(endpoints) = &m.placement.populations[0] else {
        panic!("sources")
    };
    assert!(endpoints[..384].iter().all(|e| e.len() == 1));
    assert!(endpoints[384..].iter().all(Vec::is_empty));
    assert!(m.report.inputs_per_hicann.values().all(|l| l.sources == 1));
    assert_eq!(
        m.report.synapses_lost_input, 0,
        "the 4 connected sources are placed first"
    );
}

#[test]
fn populations_disagreeing_on_v_reset_share_the_mean_and_are_warned() {
    let pop = |label: &str, v_reset: f64| json!({"label": label, "size": 2, "cell": {"type": "IF_cond_exp", "params": {"v_reset": v_reset}}});
    let n = net(json!({
        "format": "nmemu-net/1",
        "simulation": {"duration_ms": 10},
        "populations": [pop("a", -70.0), pop("b", -60.0)],
        "extensions": {"brainscales": {"placement": {"a": [5], "b": [5]}}}
    }));
    let m = mapped(&n);
    let v = &m.report.v_reset;
    assert_eq!(v.len(), 1);
    assert_eq!(
        (v[0].hicann, v[0].populations.clone()),
        (5, vec!["a".to_string(), "b".to_string()])
    );
    assert!(v[0].spread_volt > 0.0);
    let h = image(&m)
        .hicann(HicannOnWafer::from_enum(5).unwrap())
        .unwrap();
    assert!((h.v_reset_volt[0] - v[0].mean_volt).abs() < 1e-12);
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("populations a, b ask for different V_reset"))
    );
}

#[test]
fn every_phase_is_reported_in_order() {
    use nmemu_mapping::brainscales::Phase;
    use nmemu_mapping::progress::{Observer, Phase as _};
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let options = BrainScaleSOptions {
        progress: Observer::new(move |p: Phase| record.lock().unwrap().push(p)),
        ..wafer()
    };
    map(&two_populations(), &options).unwrap();
    assert_eq!(*seen.lock().unwrap(), Phase::ALL);
}
