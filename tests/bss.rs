//! BrainScaleS end to end: `nmemu run --machine brainscales-wafer` against NEST's references in `tests/data/`
//! (made by `tests/data/bss_nest.py`), the files a wafer run writes, and the refusals with their exit codes.

mod common;

use std::collections::BTreeMap;

use common::{json, nmemu, repo, run, spikes, stderr};

/// NEST's timestep in the references.
const DT_MS: f64 = 0.1;
/// The current stimulus is on from hardware time 0, 20 us before the experiment start: 200 ms at 10^4.
const LEAD_IN_MS: f64 = 200.0;

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

#[test]
fn single_adex_neurons_follow_nest_with_mismatch_off() {
    let dir = run_ideal("tests/data/bss_adex_single.json");
    let ours = &spikes(&dir.path().join("spikes.csv"))["adex"];
    let nest = &spikes(&repo("tests/data/bss_adex_single.nest.spikes.csv"))["adex"];
    let run_json = json(&dir.path().join("run.json"));
    let not_recorded = run_json["lost"]["spikes_not_recorded"].as_u64().unwrap() as usize;
    let (mut missing, mut compared) = (0, 0);
    for (neuron, expected) in nest {
        let got = ours.get(neuron).map_or(&[][..], Vec::as_slice);
        missing += expected.len().saturating_sub(got.len());
        if got.len() != expected.len() {
            continue;
        }
        for (k, (a, b)) in got.iter().zip(expected).enumerate() {
            // The realised (DAC-grid) parameters differ from the requested ones by a fraction of a percent:
            // spike times drift by less than 1% of the time since the current came on, 200 ms before t = 0
            // (the wafer's lead-in at 10^4, which the reference runs too).
            assert!(
                (a - b).abs() <= 0.01 * (b + LEAD_IN_MS),
                "neuron {neuron} spike {k}: {a} ms, NEST {b} ms"
            );
        }
        for (k, (a, b)) in got.windows(2).zip(expected.windows(2)).enumerate() {
            // Each interval within 3 timesteps: NEST's grid (±1) and the drift per interval.
            let (isi, isi_nest) = (a[1] - a[0], b[1] - b[0]);
            assert!(
                (isi - isi_nest).abs() <= 3.0 * DT_MS + 1e-9,
                "neuron {neuron} interval {k}: {isi} ms, NEST {isi_nest} ms"
            );
            compared += 1;
        }
    }
    assert!(compared >= 60, "{compared} intervals compared");
    // A spike missing from the files is one the recording lost, and run.json counts it.
    assert!(
        missing <= not_recorded,
        "{missing} missing, {not_recorded} counted"
    );
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
    assert!(provenance["hicanns"].as_array().unwrap().len() == 1);
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
