//! What a BrainScaleS-1 wafer cannot give a neuron, and how nmemu says so: its membrane's initial value
//! (the experiment starts at rest) and a current stimulus beyond the HICANN's four (one per floating-gate
//! block, two per half of the HICANN).

mod common;

use common::{json, net_file, nmemu, npy, run, stderr, stdout};

/// `size` IF_cond_exp neurons (4 circuits each) with `cell_and_more` after the cell type (params,
/// initial, record), and `extensions` as the net's extensions, 20 ms.
fn net(size: u32, cell_and_more: &str, extensions: &str) -> String {
    format!(
        r#"{{"format": "nmemu-net/1", "simulation": {{"duration_ms": 20, "timestep_ms": 0.1, "seed": 3}},
            "populations": [{{"label": "lif", "size": {size}, "cell": {{"type": "IF_cond_exp"{cell_and_more}}}]
            {extensions}}}"#
    )
}

#[test]
fn initial_v_is_reported_and_the_membrane_starts_at_the_leak_potential() {
    let (_dir, file) = net_file(&net(
        4,
        r#"}, "initial": {"v": {"distribution": "uniform", "low": -60.0, "high": -50.0}},
            "record": [{"variables": ["v"], "indices": [0]}]"#,
        "",
    ));
    let dir = run(
        file.to_str().unwrap(),
        "brainscales-wafer",
        &["--speedup", "10000", "--mismatch", "off"],
    );
    let mapping = json(&dir.path().join("mapping.json"));
    let ignored = &mapping["initial_values_ignored"];
    assert_eq!(ignored.as_array().unwrap().len(), 1, "{ignored}");
    let entry = &ignored[0];
    assert_eq!(
        (&entry["population"], &entry["variable"], &entry["neurons"]),
        (&"lif".into(), &"v".into(), &4.into())
    );
    let requested = entry["requested_mean"].as_f64().unwrap();
    assert!((-60.0..=-50.0).contains(&requested), "{requested}");
    // The wafer starts from the leak potential its DAC realises (v_rest -65 mV).
    let e_l = mapping["parameters_realised"]["lif"]["v_rest"]
        .as_f64()
        .unwrap();
    assert!((e_l + 65.0).abs() < 0.2, "{e_l}");
    assert_eq!(entry["used_mean"].as_f64().unwrap(), e_l);
    let (_, v) = npy(&dir.path().join("lif.v.npy"));
    assert!(
        (v[0] - e_l).abs() < 1e-6,
        "v(0) = {} mV, E_l {e_l} mV",
        v[0]
    );
    let health = &json(&dir.path().join("run.json"))["health"];
    assert_eq!(health["verdict"], "degraded", "{health}");
    assert!(health.to_string().contains("initial v"), "{health}");
}

/// `nmemu map` of `net` (net.json text) onto a wafer with `flags`: mapping.json and what it said.
fn map(net: &str, flags: &[&str]) -> (serde_json::Value, String) {
    let (_dir, file) = net_file(net);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("m");
    let mut args = vec![
        "map",
        "--machine",
        "brainscales-wafer",
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["--out", target.to_str().unwrap()]);
    let o = nmemu(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    (json(&target.join("mapping.json")), stdout(&o))
}

#[test]
fn initial_v_at_rest_is_not_reported() {
    let (mapping, _) = map(&net(2, r#"}, "initial": {"v": -65.0}"#, ""), &[]);
    assert_eq!(mapping["initial_values_ignored"], serde_json::json!([]));
}

/// `nmemu map` of 6 neurons with i_offset 0.1 nA at 10^4 and `extensions`.
fn map_driven(extensions: &str) -> (serde_json::Value, String) {
    map(
        &net(6, r#", "params": {"i_offset": 0.1}}"#, extensions),
        &["--speedup", "10000"],
    )
}

#[test]
fn stimulated_neurons_are_spread_so_that_each_keeps_its_current_stimulus() {
    let (mapping, _) = map_driven("");
    // 2 per half of a HICANN: 6 neurons on 2 HICANNs, none without its offset.
    assert_eq!(mapping["hicanns_used"], 2);
    assert_eq!(mapping["current_stimuli_lost"], serde_json::json!([]));
    // On the stimulus's 10-bit grid: 0.1 nA x 10 x 1e4 x 4 x 2.16456 pF / 1 nF = 86.6 nA is DAC 35.43 of
    // 2.5 uA / 1023, so it runs at 35.
    let exact: f64 = 0.1e-9 * 10.0 * 1e4 * 4.0 * 2.16456e-12 / 1e-9;
    let lsb = 2.5e-6 / 1023.0;
    assert!((exact / lsb - 35.43).abs() < 0.01);
    let i_offset = mapping["parameters_realised"]["lif"]["i_offset"]
        .as_f64()
        .unwrap();
    assert!(
        (i_offset - 0.1 * 35.0 * lsb / exact).abs() < 1e-12,
        "{i_offset}"
    );
}

#[test]
fn neurons_beyond_the_current_stimuli_of_their_hicann_lose_their_offset_and_are_counted() {
    // All 6 on one HICANN, in its left half: 2 stimuli for 6 neurons.
    let (mapping, err) =
        map_driven(r#", "extensions": {"brainscales": {"placement": {"lif": [200]}}}"#);
    assert_eq!(mapping["hicanns_used"], 1);
    let lost = &mapping["current_stimuli_lost"];
    assert_eq!(
        lost,
        &serde_json::json!([{"population": "lif", "neurons": 4, "requested_mean_na": 0.1}])
    );
    let realised: Vec<f64> = mapping["parameters_realised"]["lif"]["i_offset"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(realised.iter().filter(|&&i| i > 0.0).count(), 2);
    assert_eq!(realised[2..], [0.0; 4]);
    assert!(
        err.contains("4 neurons run without their i_offset"),
        "{err}"
    );
}
