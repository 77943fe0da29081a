//! End-to-end: how results are written (docs/outputs.md): spike times on the timestep grid, traces at their
//! `sampling_interval`, provenance.json's summary and key style, and the printed summaries in one population
//! order.

mod common;

use common::{json, net_file, nmemu, npy, run};

/// At a 0.1 ms step: a spike source firing at times whose float product `tick * 0.1` is noisy, and two identical
/// neurons driven to fire, one recording v every timestep, the other every 1 ms.
const NET: &str = r#"{"format": "nmemu-net/1",
  "simulation": {"timestep_ms": 0.1, "duration_ms": 30, "min_delay_ms": 0.1},
  "populations": [
    {"label": "src", "size": 1, "cell": {"type": "SpikeSourceArray", "params": {"spike_times": [0.3, 22.9, 27.7]}},
     "record": ["spikes"]},
    {"label": "every_step", "size": 2, "cell": {"type": "IF_curr_exp", "params": {"i_offset": 1.0, "tau_refrac": 2.0}},
     "record": ["spikes", "v"]},
    {"label": "every_ms", "size": 2, "cell": {"type": "IF_curr_exp", "params": {"i_offset": 1.0, "tau_refrac": 2.0}},
     "record": ["spikes", {"variables": ["v"], "indices": [0, 1], "sampling_interval": 1.0}]}
  ]}"#;

#[test]
fn spike_times_print_on_the_timestep_grid() {
    let (_net_dir, net) = net_file(NET);
    let dir = run(net.to_str().unwrap(), "spinnaker-3", &[]);
    let text = std::fs::read_to_string(dir.path().join("spikes.csv")).unwrap();
    let times: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert!(times.len() > 3, "{text}");
    for t in &times {
        let decimals = t.split_once('.').map_or(0, |(_, f)| f.len());
        assert!(
            decimals <= 1,
            "{t} is off the 0.1 ms grid's decimals:\n{text}"
        );
    }
    let source: Vec<&str> = text.lines().filter(|l| l.starts_with("src,")).collect();
    assert_eq!(source, ["src,0,0.3", "src,0,22.9", "src,0,27.7"]);
    // The float products that were written before are noisy: this test would catch them.
    assert_eq!((229.0 * 0.1f64).to_string(), "22.900000000000002");
    let (shape, values) = npy(&dir.path().join("src.spikes.npy"));
    assert_eq!(shape, [3, 2]);
    assert_eq!(values[3], 22.9);
}

#[test]
fn traces_keep_every_kth_sample_of_their_sampling_interval() {
    let (_net_dir, net) = net_file(NET);
    let dir = run(net.to_str().unwrap(), "spinnaker-3", &[]);
    let meta = |p: &str| json(&dir.path().join(format!("{p}.v.json")));
    assert_eq!(meta("every_step")["sampling_interval_ms"], 0.1);
    assert_eq!(meta("every_ms")["sampling_interval_ms"], 1.0);
    let (fine_shape, fine) = npy(&dir.path().join("every_step.v.npy"));
    let (coarse_shape, coarse) = npy(&dir.path().join("every_ms.v.npy"));
    assert_eq!(fine_shape, [300, 2]);
    assert_eq!(coarse_shape, [30, 2]);
    assert_eq!(meta("every_ms")["samples"], 30);
    let every_tenth: Vec<f64> = fine.chunks(2).step_by(10).flatten().copied().collect();
    assert_eq!(coarse, every_tenth, "row s is the sample at s x 1 ms");
    let validated = nmemu(&["validate", net.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&validated.stdout);
    assert!(said.contains("records spikes, v every 1 ms"), "{said}");
}

#[test]
fn a_sampling_interval_off_the_timestep_grid_is_refused_with_its_path() {
    let (_dir, net) = net_file(&NET.replace(
        r#""sampling_interval": 1.0"#,
        r#""sampling_interval": 0.25"#,
    ));
    let out = nmemu(&["validate", net.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "populations[2].record[1].sampling_interval: not a whole number of 0.1 ms timesteps"
        ) && err.contains("0.2 or 0.3 ms"),
        "{err}"
    );
    let (_dir, net) = net_file(&NET.replace(
        r#"{"variables": ["v"], "indices": [0, 1], "sampling_interval": 1.0}"#,
        r#""v", {"variables": ["v"], "sampling_interval": 1.0}"#,
    ));
    let out = nmemu(&["validate", net.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("populations[2].record[2].sampling_interval: `v` is sampled every 0.1 ms at populations[2].record[1]"),
        "{err}"
    );
}

#[test]
fn provenance_starts_with_a_summary_and_keeps_the_hardware_names() {
    let dir = run(
        "examples/va_cuba.json",
        "spinnaker-48",
        &["--duration-ms", "100"],
    );
    let text = std::fs::read_to_string(dir.path().join("provenance.json")).unwrap();
    assert!(
        text.trim_start().starts_with("{\n  \"summary\": {"),
        "{}",
        &text[..200]
    );
    let provenance = json(&dir.path().join("provenance.json"));
    let summary = &provenance["summary"];
    let totals = &provenance["totals"];
    assert_eq!(summary["spikes_sent"], totals["Sent_spikes"]);
    assert_eq!(
        summary["synaptic_events"],
        totals["Total_pre_synaptic_events"]
    );
    assert_eq!(summary["lost"], json(&dir.path().join("run.json"))["lost"]);
    assert!(summary["spikes_sent"].as_u64().unwrap() > 0);
    // sPyNNaker's names verbatim, and one name per counter (a router's lost packets were also written as
    // `Lost_packets` beside `Lost_Packets`).
    assert!(totals.get("Times_the_input_buffer_lost_packets").is_some());
    assert!(totals.get("Skipped synapses").is_some());
    assert!(totals.get("Lost_Packets").is_some());
    assert!(totals.get("Lost_packets").is_none());
    // Every other key is snake_case.
    let snake = |k: &str| {
        k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    for (key, _) in provenance.as_object().unwrap() {
        assert!(snake(key), "{key}");
    }
    let core = &provenance["cores"][0];
    for key in ["x", "y", "core", "population", "neurons", "profile_cycles"] {
        assert!(core.get(key).is_some(), "{key} in {core}");
    }
}

#[test]
fn map_and_run_list_populations_in_the_files_order() {
    // The file's order (src, every_step, every_ms) is not alphabetical.
    let (net_dir, net) = net_file(NET);
    let net = net.to_str().unwrap();
    let order = |stdout: &str| -> Vec<usize> {
        ["src", "every_step", "every_ms"]
            .iter()
            .map(|p| {
                stdout
                    .find(&format!("  {p} "))
                    .unwrap_or_else(|| panic!("{p}:\n{stdout}"))
            })
            .collect()
    };
    let out = net_dir.path().join("out");
    let stdout = |command: &str| {
        let o = nmemu(&[
            command,
            "--machine",
            "spinnaker-3",
            net,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let mapped = stdout("map");
    let ran = stdout("run");
    let run_part = &ran[ran.find("ran ").unwrap()..];
    for positions in [order(&mapped), order(run_part)] {
        assert!(positions.is_sorted(), "{mapped}\n{ran}");
    }
}
