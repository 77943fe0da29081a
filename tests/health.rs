//! The run's health verdict, numerical warnings and energy, end to end: VA COBA at a 1 ms step runs away
//! through the runtime's explicit conductance update (NEST gives ~14 Hz; the machine does not), and the
//! emulator must say so before and after the run.

mod common;

use common::{json, nmemu, repo, run};

/// examples/va_coba.json at a 1 ms step (delays 1 ms), written into `dir`.
fn va_coba_at_1ms(dir: &std::path::Path) -> std::path::PathBuf {
    let mut net = json(&repo("examples/va_coba.json"));
    net["simulation"]["timestep_ms"] = 1.0.into();
    net["simulation"]["min_delay_ms"] = 1.0.into();
    net["simulation"]["max_delay_ms"] = 10.0.into();
    for p in net["projections"].as_array_mut().unwrap() {
        p["synapse"]["delay"] = 1.0.into();
    }
    let path = dir.join("va_coba_1ms.json");
    std::fs::write(&path, serde_json::to_string(&net).unwrap()).unwrap();
    path
}

#[test]
fn a_run_away_conductance_network_is_unreliable_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let net = va_coba_at_1ms(dir.path());
    let out = dir.path().join("out");
    let args = [
        "run",
        "--machine",
        "spinnaker-48",
        net.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--strict",
    ];
    let o = nmemu(&args);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(3),
        "--strict: not ok exits 3\n{stdout}"
    );
    assert!(
        stdout
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("health: unreliable"),
        "the verdict is printed last:\n{stdout}"
    );
    let mapping = json(&out.join("mapping.json"));
    let kinds: Vec<&str> = mapping["numerical_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"reversal_overshoot"), "{kinds:?}");
    let crossings = json(&out.join("provenance.json"))["totals"]["Reversal_potential_crossings"]
        .as_u64()
        .unwrap();
    assert!(crossings > 0);
    let run = json(&out.join("run.json"));
    assert_eq!(run["health"]["verdict"], "unreliable");
    let reasons = run["health"]["reasons"].as_array().unwrap();
    assert!(
        reasons.iter().any(|r| r["what"]
            .as_str()
            .unwrap()
            .contains("past a reversal potential")
            && r["advice"].as_str().unwrap().contains("timestep_ms 0.1")),
        "{reasons:?}"
    );
    let energy = run["energy_j"].as_f64().unwrap();
    let parts: f64 = run["energy"]["breakdown_j"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!(energy > 0.0 && (energy - parts).abs() < 1e-9 * energy);
}

#[test]
fn the_same_network_at_0_1_ms_has_no_overshoot_warning() {
    let dir = tempfile::tempdir().unwrap();
    let o = nmemu(&[
        "map",
        "--machine",
        "spinnaker-48",
        repo("examples/va_coba.json").to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let mapping = json(&dir.path().join("mapping.json"));
    assert!(
        mapping["numerical_warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["kind"] != "reversal_overshoot"),
        "{}",
        mapping["numerical_warnings"]
    );
}

/// The single-neuron example at i_offset 4,000 nA: the drive i_offset·R = 80,000 mV is beyond s16.15, the chip's
/// update wraps at every step (the cell fell silent at -7,178 mV before this was counted); at 2,000 nA it fits.
#[test]
fn fixed_point_wraps_are_warned_counted_and_unreliable() {
    for (i_offset, wraps) in [(4000.0, true), (2000.0, false)] {
        let dir = tempfile::tempdir().unwrap();
        let mut net = json(&repo("examples/single_neuron.json"));
        net["populations"][0]["cell"]["params"]["i_offset"] = i_offset.into();
        let path = dir.path().join("net.json");
        std::fs::write(&path, serde_json::to_string(&net).unwrap()).unwrap();
        let result = run(path.to_str().unwrap(), "spinnaker-3", &[]);
        let out = result.path();
        let counted = json(&out.join("provenance.json"))["totals"]["Fixed_point_wraps"]
            .as_u64()
            .unwrap();
        let warned = json(&out.join("mapping.json"))["numerical_warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["kind"] == "fixed_point_range");
        let verdict = json(&out.join("run.json"))["health"]["verdict"].clone();
        assert_eq!(
            (counted > 0, warned),
            (wraps, wraps),
            "i_offset {i_offset}: {counted} wraps"
        );
        assert_eq!(
            verdict == "unreliable",
            wraps,
            "i_offset {i_offset}: {verdict}"
        );
    }
}
