//! `nmemu validate --machine`: the machine's checks that need no mapping, with `map`'s messages, before any
//! counting.

mod common;

use common::{nmemu, repo, stderr, stdout};

/// `nmemu validate` of `net` (net.json text) with `extra` arguments: (exit code, stdout, stderr).
fn validate(net: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("net.json");
    std::fs::write(&file, net).unwrap();
    let mut args = vec!["validate", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = nmemu(&args);
    let e = stderr(&o);
    assert!(!e.contains("panicked"), "{e}");
    (o.status.code(), stdout(&o), e)
}

fn example(name: &str) -> String {
    std::fs::read_to_string(repo("examples").join(name)).unwrap()
}

#[test]
fn an_adex_network_passes_on_the_wafer_with_the_clips_map_reports() {
    let adex = repo("examples/adex.json");
    let (code, out, e) = validate(&example("adex.json"), &["--machine", "brainscales-wafer"]);
    assert_eq!(code, Some(0), "{e}");
    assert!(
        out.contains("circuits: 100 neurons take 400 denmems of the wafer's 196,608 usable"),
        "{out}"
    );
    assert!(out.contains("inputs: 100 sources"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let o = nmemu(&[
        "map",
        "--machine",
        "brainscales-wafer",
        adex.to_str().unwrap(),
        "--out",
        dir.path().join("m").to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mapped = stdout(&o);
    let clipped: Vec<&str> = mapped
        .lines()
        .filter(|l| l.contains("clipped:"))
        .map(|l| l.trim())
        .collect();
    assert!(
        clipped.iter().any(|l| l.contains("tau_syn_E 5 ms")),
        "{clipped:?}"
    );
    for line in &clipped {
        assert!(
            out.contains(line),
            "map says `{line}`, validate does not:\n{out}"
        );
    }
    // At 10^4 the synaptic time constants fit.
    let (code, out, _) = validate(
        &example("adex.json"),
        &["--machine", "brainscales-wafer", "--speedup", "10000"],
    );
    assert_eq!(code, Some(0));
    assert!(
        !out.contains("tau_syn_E") && out.contains("speed-up 10,000"),
        "{out}"
    );
}

#[test]
fn an_adex_network_is_refused_on_spinnaker_naming_the_wafer_before_counting() {
    let (code, out, e) = validate(&example("adex.json"), &["--machine", "spinnaker-48"]);
    assert_eq!(code, Some(1), "{e}");
    assert!(
        e.contains("--machine spinnaker-48") && e.contains("--machine brainscales-wafer"),
        "{e}"
    );
    assert!(
        !out.contains("synapses:"),
        "refused before counting:\n{out}"
    );
}

#[test]
fn wafer_refusals_name_the_place() {
    let (code, _, e) = validate(
        &example("va_cuba.json"),
        &["--machine", "brainscales-wafer"],
    );
    assert_eq!(code, Some(1));
    assert!(
        e.contains("populations[0].cell.type") && e.contains("use IF_cond_exp"),
        "{e}"
    );
    let too_large = r#"{"format": "nmemu-net/1", "simulation": {"duration_ms": 10},
        "populations": [{"label": "big", "size": 60000, "cell": {"type": "IF_cond_exp"}}]}"#;
    let (code, _, e) = validate(too_large, &["--machine", "brainscales-wafer"]);
    assert_eq!(code, Some(1));
    assert!(
        e.contains("240000")
            && e.contains("196608")
            && e.contains("extensions.brainscales.neuron_size"),
        "{e}"
    );
    // Two wafers hold it: the check counts both, with the map's multi-wafer message beyond them.
    let (code, out, e) = validate(too_large, &["--machine", "brainscales-2-wafers"]);
    assert_eq!(code, Some(0), "{e}");
    assert!(
        out.contains("60,000 neurons take 240,000 denmems of the 2 wafers' 393,216 usable"),
        "{out}"
    );
    let larger = too_large.replace("60000", "100000");
    let (code, _, e) = validate(&larger, &["--machine", "brainscales-2-wafers"]);
    assert_eq!(code, Some(1));
    assert!(
        e.contains("the 2 wafers have 393216 usable") && e.contains("more than 2 wafers"),
        "{e}"
    );
    let misspelt = r#"{"format": "nmemu-net/1", "simulation": {"duration_ms": 10},
        "populations": [{"label": "a", "size": 4, "cell": {"type": "IF_cond_exp"}}],
        "extensions": {"brainscales": {"neuron_sise": {"a": 4}}}}"#;
    let (code, _, e) = validate(misspelt, &["--machine", "brainscales-wafer"]);
    assert_eq!(code, Some(1));
    assert!(
        e.contains("extensions.brainscales") && e.contains("neuron_size"),
        "{e}"
    );
}

#[test]
fn input_beyond_a_link_budget_is_reported() {
    // One source at 1 kHz is 100 M events/s at 10^5, more than a HICANN link takes.
    let net = r#"{"format": "nmemu-net/1", "simulation": {"duration_ms": 10},
        "populations": [{"label": "in", "size": 1, "cell": {"type": "SpikeSourcePoisson",
                                                          "params": {"rate": 1000}}},
                        {"label": "a", "size": 4, "cell": {"type": "IF_cond_exp"}}],
        "projections": [{"pre": "in", "post": "a", "receptor_type": "excitatory",
                         "connector": {"type": "AllToAllConnector"},
                         "synapse": {"type": "StaticSynapse", "weight": 0.001}}]}"#;
    let (code, out, _) = validate(
        net,
        &["--machine", "brainscales-wafer", "--speedup", "100000"],
    );
    assert_eq!(code, Some(0));
    assert!(out.contains("exceeds one HICANN link's budget"), "{out}");
    let (_, out, _) = validate(net, &["--machine", "brainscales-wafer"]);
    assert!(!out.contains("exceeds"), "{out}");
}

#[test]
fn wafer_flags_without_a_wafer_are_refused_by_name() {
    let net = example("adex.json");
    let (code, _, e) = validate(&net, &["--speedup", "10000"]);
    assert_eq!(code, Some(1));
    assert!(
        e.contains("--speedup") && e.contains("--machine brainscales-*"),
        "{e}"
    );
    let (code, _, e) = validate(&net, &["--machine", "spinnaker-48", "--defects", "x.json"]);
    assert_eq!(code, Some(1));
    assert!(
        e.contains("--defects") && e.contains("not --machine spinnaker-48"),
        "{e}"
    );
}
