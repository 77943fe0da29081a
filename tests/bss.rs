//! BrainScaleS end to end: `nmemu run --machine brainscales-wafer` against NEST's references in `tests/data/`
//! (made by `tests/data/bss_nest.py`), the files a wafer run writes, and the refusals with their exit codes.

mod common;

use std::collections::BTreeMap;

use brainscales_emu::Preset;
use brainscales_emu::defects::Defects;
use brainscales_emu::system::System;
use brainscales_emu::time::{HwTime, SpeedUp};
use common::{json, nmemu, repo, run, spikes, stderr};
use nmemu_loader::{Limits, Network};
use nmemu_mapping::brainscales::{BrainScaleSOptions, PopulationPlace, map};

/// The nets' timestep.
const DT_MS: f64 = 0.1;

/// Runs a NEST reference on the ideal wafer (no mismatch) at 10^4, where it is meant to fit: nothing clipped.
fn run_ideal(net: &str) -> tempfile::TempDir {
    let dir = run(
        net,
        "brainscales-wafer",
        &["--speedup", "10000", "--mismatch", "off"],
    );
    let mapping = json(&dir.path().join("mapping.json"));
    assert_eq!(
        mapping["parameters_clipped"],
        serde_json::json!([]),
        "{net}"
    );
    dir
}

/// NEST's spikes of the single-neuron reference (its realised parameters, 0.001 ms resolution).
fn nest_single() -> BTreeMap<u32, Vec<f64>> {
    spikes(&repo("tests/data/bss_adex_single.nest.spikes.csv"))["adex"].clone()
}

/// The ideal wafer's own spike times (threshold crossings, before the output path and the recording) of
/// the single-neuron reference at 10^4, per neuron, biological ms since the experiment start, and the
/// mapping's report.
fn threshold_crossings() -> (BTreeMap<u32, Vec<f64>>, serde_json::Value) {
    let net = Network::load(&repo("tests/data/bss_adex_single.json"), &Limits::default()).unwrap();
    let preset = Preset::parse("brainscales-wafer").unwrap();
    let options = BrainScaleSOptions {
        speed_up: SpeedUp::Normal,
        seed: net.simulation.seed,
        ..BrainScaleSOptions::new(preset)
    };
    let mapped = map(&net, &options).unwrap();
    let wafer = &mapped.image.wafers[0];
    let start = wafer.l2.start_offset.seconds();
    let until = HwTime::from_seconds(start + options.speed_up.to_hardware(0.3));
    let mut system = System::load(mapped.image.clone(), preset, &[Defects::default()]).unwrap();
    let run = system.run(until, 1);
    let PopulationPlace::Neurons(places) = &mapped.placement.populations[0] else {
        panic!("adex is a neuron population")
    };
    let mut out: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for s in run.wafers[0].spikes.iter().filter(|s| s.bio_s >= 0.0) {
        let k = places
            .iter()
            .position(|&(_, h, n)| h == s.hicann && n == s.neuron)
            .unwrap();
        out.entry(k as u32).or_default().push(s.bio_s * 1e3);
    }
    (out, serde_json::to_value(&mapped.report).unwrap())
}

#[test]
fn single_adex_neurons_spike_within_a_timestep_of_nest_given_the_realised_parameters() {
    let (ours, report) = threshold_crossings();
    // NEST ran with what the wafer realises; the wafer must still realise exactly that.
    let realised = json(&repo("tests/data/bss_adex_single.realised.nest.json"));
    assert_eq!(report["parameters_realised"]["adex"], realised);
    assert_eq!(report["parameters_clipped"], serde_json::json!([]));
    let nest = nest_single();
    let mut compared = 0;
    for (neuron, expected) in &nest {
        let got = ours.get(neuron).map_or(&[][..], Vec::as_slice);
        assert_eq!(
            got.len(),
            expected.len(),
            "neuron {neuron}: {got:?}, NEST {expected:?}"
        );
        for (k, (a, b)) in got.iter().zip(expected).enumerate() {
            assert!(
                (a - b).abs() <= DT_MS,
                "neuron {neuron} spike {k}: {a} ms, NEST {b} ms"
            );
            compared += 1;
        }
    }
    assert!(compared >= 80, "{compared} spikes compared");
    assert_eq!(
        ours.len(),
        nest.len(),
        "no neuron fires that NEST keeps silent"
    );
}

#[test]
fn the_files_hold_each_spike_after_the_output_paths_latency() {
    // What the FPGA records is the crossing after the priority encoder, the merger tree and the DNC merger
    // (cycles of the 125 MHz PLL, from the next clock edge) and the 4 ns recording stamp: a latency
    // of the hardware, about 0.5 ms at 10^4 (5 timesteps), which the files keep as the real system's do.
    let (crossings, _) = threshold_crossings();
    let dir = run_ideal("tests/data/bss_adex_single.json");
    let recorded = &spikes(&dir.path().join("spikes.csv"))["adex"];
    let not_recorded = json(&dir.path().join("run.json"))["lost"]["spikes_not_recorded"]
        .as_u64()
        .unwrap();
    assert_eq!(not_recorded, 0);
    let mut latencies: Vec<f64> = Vec::new();
    for (neuron, times) in &crossings {
        let files = &recorded[neuron];
        assert_eq!(files.len(), times.len(), "neuron {neuron}");
        latencies.extend(files.iter().zip(times).map(|(f, t)| f - t));
    }
    let (lo, hi) = latencies
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &l| {
            (a.min(l), b.max(l))
        });
    // Measured: 48.1 .. 55.8 ns of hardware time, one 8 ns PLL cycle of phase, and one spike at 60.7 ns
    // that waited in the merger tree for another neuron of its HICANN.
    assert!(lo >= 0.45 && hi <= 0.65, "latency {lo} .. {hi} ms");
}

#[test]
fn a_wafer_run_writes_the_spikes_up_to_its_duration_and_none_after() {
    // The system stops on its window grid (64 ns of hardware time, 0.064 ms at 10^3), a little after the last
    // timestep: a run cut just before a spike of a longer one writes that longer run's spikes up to its end.
    let (_dir, net) = common::net_file(
        r#"{"format": "nmemu-net/1", "simulation": {"duration_ms": 100, "timestep_ms": 0.1},
            "populations": [{"label": "a", "size": 1, "record": ["spikes"],
                             "cell": {"type": "IF_cond_exp", "params": {"i_offset": 1.0}}}]}"#,
    );
    let net = net.to_str().unwrap();
    let times = |duration_ms: &str| {
        let dir = run(
            net,
            "brainscales-wafer",
            &["--mismatch", "off", "--duration-ms", duration_ms],
        );
        let files = spikes(&dir.path().join("spikes.csv"));
        files.get("a").map_or(Vec::new(), |a| a[&0].clone())
    };
    let whole = times("100");
    assert!(whole.len() >= 3, "{whole:?}");
    for &t in &whole[..3] {
        // The last timestep boundary before the spike: within a window of it for the first spike (8.144 ms).
        let duration_ms = (t / DT_MS).floor() * DT_MS;
        let cut = times(&format!("{duration_ms:.1}"));
        let expected: Vec<f64> = whole
            .iter()
            .copied()
            .filter(|&s| s <= duration_ms)
            .collect();
        assert_eq!(cut, expected, "cut at {duration_ms} ms");
    }
}

#[test]
fn a_small_adex_network_fires_at_nests_rate_with_mismatch_off() {
    let dir = run_ideal("tests/data/bss_adex_net.json");
    let mapping = json(&dir.path().join("mapping.json"));
    assert_eq!(mapping["synapses_lost"], 0);
    // The network's rate is what the wafer's neurons did; at 10^4 the recording cannot carry all of it
    // (spec §11: ~25 M events/s per HICANN), so it is read from provenance.json's on-wafer count.
    let provenance = json(&dir.path().join("provenance.json"));
    let on_wafer = provenance["summary"]["spikes_on_wafer"].as_f64().unwrap();
    let rate = on_wafer / 100.0;
    let nest = json(&repo("tests/data/bss_adex_net.nest.json"))["mean_rate_hz"]
        .as_f64()
        .unwrap();
    assert!(
        (rate - nest).abs() <= 0.15 * nest,
        "{rate} Hz on the wafer, NEST {nest} Hz"
    );
    let written = json(&dir.path().join("run.json"))["spikes_total"]
        .as_f64()
        .unwrap();
    let not_recorded = provenance["summary"]["spikes_not_recorded"]
        .as_f64()
        .unwrap();
    assert_eq!(written + not_recorded, on_wafer);
}

/// Per-neuron rates of the mismatch reference's population, from spikes.csv.
fn rates(dir: &std::path::Path) -> Vec<f64> {
    let s = spikes(&dir.join("spikes.csv"));
    let lif = s.get("lif").cloned().unwrap_or_default();
    (0..200u32)
        .map(|n| lif.get(&n).map_or(0.0, |t| t.len() as f64))
        .collect()
}

fn mean_and_cv(rates: &[f64]) -> (f64, f64) {
    let n = rates.len() as f64;
    let mean = rates.iter().sum::<f64>() / n;
    let var = rates.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt() / mean)
}

#[test]
fn calibrated_mismatch_spreads_rates_as_the_residuals_predict() {
    let reference = json(&repo("tests/data/bss_lif_mismatch.nest.json"));
    let predicted_cv = reference["predicted_cv"].as_f64().unwrap();
    let predicted_mean = reference["predicted_mean_rate_hz"].as_f64().unwrap();
    // 200 identical neurons at the default speed-up (10^3) with the default mismatch (calibrated).
    let dir = run("tests/data/bss_lif_mismatch.json", "brainscales-wafer", &[]);
    let settings = &json(&dir.path().join("run.json"))["settings"];
    assert_eq!(settings["mismatch"], "calibrated");
    assert_eq!(settings["speedup"], 1000);
    let (mean, cv) = mean_and_cv(&rates(dir.path()));
    // 200 neurons estimate a CV to about 5%; the prediction is a Monte Carlo of the same spreads.
    assert!(
        (cv - predicted_cv).abs() <= 0.35 * predicted_cv,
        "CV {cv}, predicted {predicted_cv}"
    );
    assert!(
        (mean - predicted_mean).abs() <= 0.1 * predicted_mean,
        "{mean} Hz, predicted {predicted_mean} Hz"
    );
    // Without mismatch the same neurons are identical: they fire in step, so only the wafer's count, not
    // the recording's, shows their rate, and it is NEST's nominal one.
    let off = run(
        "tests/data/bss_lif_mismatch.json",
        "brainscales-wafer",
        &["--mismatch", "off"],
    );
    let provenance = json(&off.path().join("provenance.json"));
    let rate = provenance["summary"]["spikes_on_wafer"].as_f64().unwrap() / 200.0;
    let nominal = reference["nominal_rate_hz"].as_f64().unwrap();
    assert!(
        (rate - nominal).abs() <= 0.05 * nominal,
        "{rate} Hz, NEST {nominal} Hz"
    );
    let health = &json(&off.path().join("run.json"))["health"];
    assert_eq!(
        health["verdict"], "unreliable",
        "neurons firing in step collide in the priority encoders: {health}"
    );
}

#[test]
fn a_wafer_run_writes_the_brainscales_keys() {
    let dir = run(
        "tests/data/bss_adex_single.json",
        "brainscales-wafer",
        &["--speedup", "10000", "--duration-ms", "50"],
    );
    let run_json = json(&dir.path().join("run.json"));
    assert_eq!(run_json["machine"], "brainscales-wafer");
    assert_eq!(run_json["machine_family"], "brainscales");
    // 50 ms of biological time at 10^4: 5 us on the wafer.
    let hw = run_json["hardware_time_s"].as_f64().unwrap();
    assert!((hw - 5e-6).abs() < 1e-12, "{hw}");
    assert_eq!(run_json["settings"]["speedup"], 10000);
    let lost: BTreeMap<String, serde_json::Value> =
        serde_json::from_value(run_json["lost"].clone()).unwrap();
    for key in [
        "synapses_lost",
        "l1_events_lost",
        "l2_events_dropped",
        "spikes_not_recorded",
    ] {
        assert!(lost.contains_key(key), "lost.{key}");
    }
    let provenance = json(&dir.path().join("provenance.json"));
    // 10 neurons with an i_offset: 4 current stimuli per HICANN spread them over 3.
    assert_eq!(provenance["hicanns"].as_array().unwrap().len(), 3);
    assert!(provenance["totals"]["spikes"].as_u64().unwrap() > 0);
    let mapping = json(&dir.path().join("mapping.json"));
    for key in [
        "hicanns_used",
        "neurons_placed",
        "circuits_per_neuron",
        "synapses",
        "synapses_lost",
        "synapse_loss_by_projection",
        "weights",
        "speedup",
    ] {
        assert!(!mapping[key].is_null(), "mapping.{key}");
    }
    assert_eq!(mapping["circuits_per_neuron"]["adex"], 2);
}

/// `nmemu map` of `net` (net.json text) with `extra` flags onto `machine`: its stderr, after checking that it
/// was refused with status 1, without a panic, and that nothing was written.
fn map_refused(machine: &str, net: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (file, out) = (dir.path().join("net.json"), dir.path().join("out"));
    std::fs::write(&file, net).unwrap();
    let mut args = vec![
        "map",
        "--machine",
        machine,
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = nmemu(&args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(!e.contains("panicked"), "{e}");
    assert!(!out.exists(), "nothing written");
    e
}

#[test]
fn a_network_too_large_for_the_wafers_is_refused_with_exit_status_1() {
    for (machine, size, expected) in [
        (
            "brainscales-wafer",
            60000,
            ["240000 denmem circuits", "the wafer has 196608 usable"],
        ),
        (
            "brainscales-2-wafers",
            110000,
            ["440000 denmem circuits", "the 2 wafers have 393216 usable"],
        ),
    ] {
        let net = format!(
            r#"{{"format": "nmemu-net/1", "simulation": {{"duration_ms": 10}},
                "populations": [{{"label": "big", "size": {size}, "cell": {{"type": "IF_cond_exp"}}}}]}}"#
        );
        let e = map_refused(machine, &net, &[]);
        assert!(expected.iter().all(|x| e.contains(x)), "{e}");
    }
}

#[test]
fn a_loss_above_max_synapse_loss_is_refused_with_exit_status_1() {
    // All-to-all between two populations of 2000: 4 million synapses, far more than the drivers of the
    // HICANNs they sit on can feed.
    let e = map_refused(
        "brainscales-wafer",
        r#"{"format": "nmemu-net/1", "simulation": {"duration_ms": 10},
            "populations": [{"label": "a", "size": 2000, "cell": {"type": "IF_cond_exp"}},
                            {"label": "b", "size": 2000, "cell": {"type": "IF_cond_exp"}}],
            "projections": [{"label": "a->b", "pre": "a", "post": "b", "receptor_type": "excitatory",
                             "connector": {"type": "AllToAllConnector"},
                             "synapse": {"type": "StaticSynapse", "weight": 0.001}}]}"#,
        &["--max-synapse-loss", "0.01"],
    );
    assert!(
        e.contains("exceeds --max-synapse-loss 0.01") && e.contains("'a->b'"),
        "{e}"
    );
}

#[test]
fn a_target_on_wafer_1_fires_from_a_source_on_wafer_0() {
    let dir = run(
        "tests/data/bss_two_wafers.json",
        "brainscales-2-wafers",
        &["--mismatch", "off"],
    );
    let mapping = json(&dir.path().join("mapping.json"));
    let wafers = mapping["wafers"].as_array().unwrap();
    assert_eq!(wafers.len(), 2, "{mapping}");
    assert_eq!(wafers[0]["neurons_placed"], 2);
    assert_eq!(wafers[1]["neurons_placed"], 2);
    // Both src neurons are played into wafer 1, where each reaches both dst neurons.
    let cross = &mapping["cross_wafer"];
    assert_eq!(cross["routes"], 2, "{cross}");
    assert_eq!(cross["synapses"], 4, "{cross}");
    assert_eq!(cross["synapses_lost"], 0, "{cross}");
    assert_eq!(cross["by_projection"]["src-dst"]["synapses"], 4, "{cross}");
    let latency_ms = cross["route_latency_ms"].as_f64().unwrap();
    assert_eq!(latency_ms, 2.0, "2 us hardware at 10^3");

    let s = spikes(&dir.path().join("spikes.csv"));
    let first = |p: &str| {
        s[p].values()
            .flatten()
            .copied()
            .fold(f64::INFINITY, f64::min)
    };
    // dst has no input but src's spikes, which arrive a route latency after src fired.
    assert!(s.contains_key("dst"), "dst never fired: {s:?}");
    assert!(first("dst") >= first("src") + latency_ms, "{s:?}");

    let provenance = json(&dir.path().join("provenance.json"));
    let routes = provenance["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 2, "{provenance}");
    let forwarded: u64 = routes
        .iter()
        .map(|r| r["forwarded"].as_u64().unwrap())
        .sum();
    let src_recorded: usize = s["src"].values().map(Vec::len).sum();
    assert_eq!(
        forwarded as usize, src_recorded,
        "every recorded src spike crosses"
    );
    assert_eq!(provenance["totals"]["forwarded"].as_u64(), Some(forwarded));
    let on_wafer_1 = provenance["hicanns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["wafer"] == 1)
        .count();
    assert_eq!(on_wafer_1, 1, "dst's HICANN");
    // Per wafer: wafer 1 played what wafer 0 recorded of src and forwarded.
    let wafers = provenance["wafers"].as_array().unwrap();
    assert_eq!(wafers.len(), 2);
    assert_eq!(
        wafers[1]["played"].as_u64(),
        Some(forwarded),
        "{provenance}"
    );
    let spikes_total: u64 = wafers.iter().map(|w| w["spikes"].as_u64().unwrap()).sum();
    assert_eq!(provenance["totals"]["spikes"].as_u64(), Some(spikes_total));
}

/// A source `pre` pairing with 4 IF_cond_exp neurons through an additive STDP projection `stdp` (w_max 0.01
/// µS), while a source `drive` makes them fire `lag_ms` after every pre spike (negative: before).
fn stdp_net(lag_ms: f64) -> String {
    let pre: Vec<f64> = (0..100).map(|i| 10.0 + 50.0 * f64::from(i)).collect();
    let drive: Vec<f64> = pre.iter().map(|t| t + lag_ms).collect();
    serde_json::json!({"format": "nmemu-net/1", "simulation": {"duration_ms": 5100, "timestep_ms": 0.1, "seed": 3},
        "populations": [
            {"label": "pre", "size": 1, "cell": {"type": "SpikeSourceArray", "params": {"spike_times": [pre]}}},
            {"label": "drive", "size": 1, "cell": {"type": "SpikeSourceArray", "params": {"spike_times": [drive]}}},
            {"label": "post", "size": 4, "cell": {"type": "IF_cond_exp"}, "record": ["spikes"]}],
        "projections": [
            {"pre": "drive", "post": "post", "receptor_type": "excitatory",
             "connector": {"type": "AllToAllConnector"}, "synapse": {"type": "StaticSynapse", "weight": 0.1}},
            {"label": "stdp", "pre": "pre", "post": "post", "receptor_type": "excitatory",
             "connector": {"type": "AllToAllConnector"},
             "synapse": {"type": "STDPMechanism", "weight": 0.004,
                 "timing_dependence": {"type": "SpikePairRule", "tau_plus": 20, "tau_minus": 20,
                                       "A_plus": 0.01, "A_minus": 0.012},
                 "weight_dependence": {"type": "AdditiveWeightDependence", "w_min": 0, "w_max": 0.01}}}]})
    .to_string()
}

/// The final weights of `net` (a [`stdp_net`]) on the ideal `machine` at 10^4, as (pre, post, µS) rows, with
/// the realised initial mean from mapping.json.
fn final_stdp_weights(net: &str, machine: &str) -> (Vec<[f64; 3]>, f64) {
    let (_net_dir, net) = common::net_file(net);
    let dir = run(
        net.to_str().unwrap(),
        machine,
        &["--speedup", "10000", "--mismatch", "off"],
    );
    let (shape, values) = common::npy(&dir.path().join("stdp.weights.npy"));
    assert_eq!(shape, [4, 3], "one row per placed synapse");
    let mapping = json(&dir.path().join("mapping.json"));
    let initial = mapping["weights"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["projection"] == "stdp")
        .unwrap()["realised_mean"]
        .as_f64()
        .unwrap();
    (
        values.chunks(3).map(|r| [r[0], r[1], r[2]]).collect(),
        initial,
    )
}

#[test]
fn plastic_weights_are_read_back_on_the_grid_and_move_as_the_pairing_predicts() {
    use brainscales_emu::synapse::DEFAULT_V_GMAX_DAC;
    use brainscales_emu::synapse::driver::{MAX_GMAX_DIV, conductance_siemens};
    use brainscales_emu::time::SpeedUp;
    use nmemu_mapping::brainscales::params::capacitor_for;
    use nmemu_mapping::brainscales::weights::weight_scale;

    let speed_up = SpeedUp::Normal;
    let scale = weight_scale(1.0, 4, capacitor_for(20.0, speed_up), speed_up);
    let on_grid = |w: f64| {
        (1..=MAX_GMAX_DIV).any(|div| {
            (0..16u8).any(|level| {
                let g = conductance_siemens(level, DEFAULT_V_GMAX_DAC, div) / scale;
                (g - w).abs() < 1e-9 * g
            })
        })
    };
    let mean = |rows: &[[f64; 3]]| rows.iter().map(|r| r[2]).sum::<f64>() / rows.len() as f64;
    let (potentiated, initial) = final_stdp_weights(&stdp_net(5.0), "brainscales-wafer");
    for (k, r) in potentiated.iter().enumerate() {
        assert_eq!(
            (r[0], r[1]),
            (0.0, k as f64),
            "(pre, post) in synapse order"
        );
        assert!(on_grid(r[2]), "{} µS is no level of the row", r[2]);
    }
    assert!(
        mean(&potentiated) > initial,
        "pre before post potentiates: {potentiated:?} from {initial}"
    );
    let (depressed, initial) = final_stdp_weights(&stdp_net(-5.0), "brainscales-wafer");
    assert!(depressed.iter().all(|r| on_grid(r[2])), "{depressed:?}");
    assert!(
        mean(&depressed) < initial,
        "post before pre depresses: {depressed:?} from {initial}"
    );
}

#[test]
fn plastic_weights_of_a_projection_on_wafer_1_are_read_back_from_wafer_1() {
    let mut net: serde_json::Value = serde_json::from_str(&stdp_net(5.0)).unwrap();
    net["extensions"] = serde_json::json!({"brainscales": {"placement": {"post": ["1:200"]}}});
    let (potentiated, initial) = final_stdp_weights(&net.to_string(), "brainscales-2-wafers");
    assert_eq!(potentiated.len(), 4, "{potentiated:?}");
    let mean = potentiated.iter().map(|r| r[2]).sum::<f64>() / 4.0;
    assert!(
        mean > initial,
        "pre before post potentiates on wafer 1 too: {potentiated:?} from {initial}"
    );
}

/// One source's regular train (every `ISI_MS` from 50 ms) onto two IF_cond_exp neurons, through a
/// Tsodyks-Markram projection `tm` of weight 0.01 and `tm`'s U, tau_rec and tau_facil, and a static twin
/// `static`.
const STP_ISI_MS: f64 = 100.0;
const STP_SPIKES: usize = 6;

fn stp_net(tm: serde_json::Value) -> String {
    let times: Vec<f64> = (0..STP_SPIKES)
        .map(|k| 50.0 + STP_ISI_MS * k as f64)
        .collect();
    let projection = |label: &str, post: &str, synapse: serde_json::Value| {
        serde_json::json!({"label": label, "pre": "src", "post": post, "receptor_type": "excitatory",
                           "connector": {"type": "AllToAllConnector"}, "synapse": synapse})
    };
    serde_json::json!({"format": "nmemu-net/1", "simulation": {"duration_ms": 700, "timestep_ms": 0.1, "seed": 1},
        "populations": [
            {"label": "src", "size": 1, "cell": {"type": "SpikeSourceArray", "params": {"spike_times": [times]}}},
            {"label": "tm_post", "size": 1, "cell": {"type": "IF_cond_exp"}, "record": ["v"]},
            {"label": "static_post", "size": 1, "cell": {"type": "IF_cond_exp"}, "record": ["v"]}],
        "projections": [
            projection("tm", "tm_post", serde_json::json!({"type": "TsodyksMarkramSynapse", "weight": 0.01,
                                                          "U": tm["U"], "tau_rec": tm["tau_rec"],
                                                          "tau_facil": tm["tau_facil"]})),
            projection("static", "static_post", serde_json::json!({"type": "StaticSynapse", "weight": 0.01}))]})
    .to_string()
}

/// Runs `stp_net(tm)` on the ideal wafer at 10^4 into `out` of the directory returned, with what nmemu
/// said.
fn run_stp(tm: serde_json::Value) -> (tempfile::TempDir, String) {
    let (dir, net) = common::net_file(&stp_net(tm));
    let out = dir.path().join("out");
    let o = nmemu(&[
        "run",
        net.to_str().unwrap(),
        "--machine",
        "brainscales-wafer",
        "--speedup",
        "10000",
        "--mismatch",
        "off",
        "--out",
        out.to_str().unwrap(),
    ]);
    let said = format!("{}{}", common::stdout(&o), stderr(&o));
    assert!(o.status.success(), "{said}");
    (dir, said)
}

/// Per input spike, the PSP amplitudes of `tm_post` and of `static_post` in output directory `dir`; the
/// static ones visible and all equal.
fn stp_amplitudes(dir: &std::path::Path) -> (Vec<f64>, Vec<f64>) {
    let amplitudes = |label: &str| {
        let (shape, v) = common::npy(&dir.join(format!("{label}.v.npy")));
        assert_eq!(shape[1], 1);
        psp_amplitudes(&v)
    };
    let (tm, fixed) = (amplitudes("tm_post"), amplitudes("static_post"));
    assert!(fixed[0] > 1e-3, "a visible PSP (V): {fixed:?}");
    for k in 1..STP_SPIKES {
        assert!(
            (fixed[k] / fixed[0] - 1.0).abs() < 0.01,
            "the static twin has no STP: {fixed:?}"
        );
    }
    (tm, fixed)
}

/// Per input spike, the PSP amplitude in the membrane trace `v` (one sample per 0.1 ms): the peak within
/// the ISI after the spike above the value just before it.
fn psp_amplitudes(v: &[f64]) -> Vec<f64> {
    (0..STP_SPIKES)
        .map(|k| {
            let start = ((50.0 + STP_ISI_MS * k as f64) / DT_MS) as usize;
            let end = start + (STP_ISI_MS / DT_MS) as usize - 10;
            let peak = v[start..end].iter().copied().fold(f64::MIN, f64::max);
            peak - v[start - 1]
        })
        .collect()
}

#[test]
fn a_depressing_tm_projection_depresses_on_the_drivers_and_its_static_twin_does_not() {
    let (tmp, said) = run_stp(serde_json::json!({"U": 0.4, "tau_rec": 500.0, "tau_facil": 0.0}));
    assert!(
        said.contains("STP: 'tm' (depression)") && said.contains("asked 500 ms"),
        "the compromise is a warning: {said}"
    );
    let dir = &tmp.path().join("out");
    let mapping = json(&dir.join("mapping.json"));
    let stp = mapping["short_term_plasticity"].as_array().unwrap();
    assert_eq!(stp.len(), 1, "only the TM projection: {stp:?}");
    let tm = &stp[0];
    assert_eq!(
        (&tm["projection"], &tm["mode"]),
        (&serde_json::json!("tm"), &serde_json::json!("depression"))
    );
    assert_eq!(
        (tm["requested_u"].as_f64(), tm["requested_tau_ms"].as_f64()),
        (Some(0.4), Some(500.0))
    );
    // U 0.4 is the grid's top level; 500 ms is between V_dtc levels, so the realised tau is close, not equal.
    let u = tm["realised_u"].as_f64().unwrap();
    assert!((u - 0.4).abs() < 1e-12, "{u}");
    let taus = tm["realised_tau_ms"].as_array().unwrap();
    assert_eq!(taus.len(), 1);
    let tau = taus[0].as_f64().unwrap();
    assert!(
        (tau - 500.0).abs() < 25.0 && tau != 500.0,
        "{tau} ms realised"
    );
    // The driver's recurrence (spec §4.2, lambda 1, N_dep 0): the factor is 1 - I before the event, then
    // I <- I + U (1 - I), and I decays by exp(-ISI / tau) between events.
    let mut expected = Vec::new();
    let mut inactive: f64 = 0.0;
    for _ in 0..STP_SPIKES {
        expected.push(1.0 - inactive);
        inactive = (inactive + u * (1.0 - inactive)) * (-STP_ISI_MS / tau).exp();
    }
    let (depressed, fixed) = stp_amplitudes(dir);
    // TM's first spike has the efficacy w U (the static twin's is w), so the row holds w U.
    let first = depressed[0] / fixed[0];
    assert!(
        (first - 0.4).abs() < 0.04,
        "first TM PSP / static PSP {first}, TM's first efficacy is U = 0.4"
    );
    for k in 1..STP_SPIKES {
        let ratio = depressed[k] / depressed[0];
        assert!(
            (ratio - expected[k]).abs() < 0.01,
            "PSP {k}: ratio {ratio}, the driver predicts {} ({depressed:?})",
            expected[k]
        );
    }
}

#[test]
fn a_facilitating_tm_projection_facilitates_as_tm_does() {
    let (tmp, said) = run_stp(serde_json::json!({"U": 0.3, "tau_rec": 0.0, "tau_facil": 200.0}));
    let dir = &tmp.path().join("out");
    // U 0.3 lies between the driver's levels: the compromise is a warning.
    assert!(said.contains("STP: 'tm' (facilitation)"), "{said}");
    let mapping = json(&dir.join("mapping.json"));
    let tm = &mapping["short_term_plasticity"][0];
    assert_eq!(tm["mode"], "facilitation");
    assert_eq!(tm["quadrants_set_by_another"], 0);
    let u = tm["realised_u"].as_f64().unwrap();
    assert!((u - 0.3).abs() < 0.011 && u != 0.3, "{u}");
    let tau = tm["realised_tau_ms"][0].as_f64().unwrap();
    assert!((tau - 200.0).abs() < 10.0, "{tau} ms realised");
    // TM with tau_rec 0 (x stays 1): the efficacy is w u, u = U at the first spike, then
    // u <- U + u (1 - U) exp(-ISI / tau_facil). The row holds w (the static twin's weight, up to the
    // 4-bit rounding of each), so the first PSP over the static one is U, and each later one over the
    // first is u / U.
    let (facilitated, fixed) = stp_amplitudes(dir);
    let first = facilitated[0] / fixed[0];
    assert!(
        (first - u).abs() < 0.04,
        "first TM PSP / static PSP {first}, TM's first efficacy is U = {u}"
    );
    let mut expected = u;
    for (k, psp) in facilitated.iter().enumerate() {
        let ratio = psp / facilitated[0];
        assert!(
            (ratio - expected / u).abs() < 0.02,
            "PSP {k}: ratio {ratio}, TM's u / U is {} ({facilitated:?})",
            expected / u
        );
        expected = u + expected * (1.0 - u) * (-STP_ISI_MS / tau).exp();
    }
    assert!(
        facilitated[STP_SPIKES - 1] > 1.5 * facilitated[0],
        "the train facilitates: {facilitated:?}"
    );
}
