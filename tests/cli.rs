//! End-to-end tests of the `nmemu` binary on the bundled examples and on bad input.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{net_file, nmemu, repo};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The synapse total `nmemu validate` reports.
fn synapses_reported(out: &str) -> u64 {
    let line = out
        .lines()
        .find(|l| l.starts_with("synapses: "))
        .expect("a synapses line");
    line["synapses: ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap()
}

#[test]
fn every_example_and_reference_network_validates() {
    let mut files: Vec<PathBuf> = ["examples", "tests/data"]
        .iter()
        .flat_map(|d| std::fs::read_dir(repo(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| {
            // `*.nest.json` are NEST's reference results, not networks.
            p.extension().is_some_and(|e| e == "json")
                && !p.to_string_lossy().ends_with(".nest.json")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 12, "{files:?}");
    for f in files {
        let out = nmemu(&["validate", f.to_str().unwrap()]);
        assert!(out.status.success(), "{}: {}", f.display(), stderr(&out));
        assert!(stdout(&out).contains("valid (nmemu-net/1)"));
    }
}

#[test]
fn va_cuba_synapse_count_matches_connector_statistics() {
    let out = nmemu(&["validate", repo("examples/va_cuba.json").to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Four FixedProbability(0.02) projections over 4000 x 4000 pairs: 320,000 expected, sd ~ 560.
    let n = synapses_reported(&stdout(&out));
    assert!(n.abs_diff(320_000) < 5 * 560, "{n}");
    assert!(stdout(&out).contains("neurons: 4,000"));
}

#[test]
fn thread_count_does_not_change_the_network() {
    let f = repo("examples/microcircuit_0.1.json");
    let one = nmemu(&["validate", "--threads", "1", f.to_str().unwrap()]);
    let two = nmemu(&["validate", "--threads", "2", f.to_str().unwrap()]);
    assert!(one.status.success() && two.status.success());
    assert_eq!(
        synapses_reported(&stdout(&one)),
        synapses_reported(&stdout(&two))
    );
}

/// Writes `text` to a temporary net.json, validates it and returns (exit code, stderr).
fn validate_text(text: &str) -> (i32, String) {
    let (_dir, path) = net_file(text);
    let out = nmemu(&["validate", path.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    (out.status.code().unwrap_or(-1), err)
}

const VALID: &str = r#"{"format": "nmemu-net/1", "simulation": {"duration_ms": 100},
  "populations": [{"label": "a", "size": 10, "cell": {"type": "IF_curr_exp"}},
                  {"label": "b", "size": 10, "cell": {"type": "IF_curr_exp"}}],
  "projections": [{"pre": "a", "post": "b", "receptor_type": "excitatory",
                   "connector": {"type": "FixedProbabilityConnector", "p_connect": 0.5},
                   "synapse": {"type": "StaticSynapse", "weight": 0.1, "delay": 1.0}}]}"#;

#[test]
fn malformed_inputs_exit_1_with_the_place_named() {
    assert_eq!(validate_text(VALID).0, 0);
    let cases = [
        (
            VALID.replace("\"size\": 10,", "\"size\": 10"),
            "line 2, column",
        ),
        (
            VALID.replace("p_connect\": 0.5", "p_conect\": 0.5"),
            "projections[0].connector.p_conect: unknown field `p_conect` (did you mean `p_connect`?)",
        ),
        (
            VALID.replace("0.5}", "1.5}"),
            "projections[0].connector.p_connect: must be within [0, 1], got 1.5",
        ),
        (
            VALID.replace("\"post\": \"b\"", "\"post\": \"c\""),
            "projections[0].post: unknown population `c`",
        ),
        (
            VALID.replace("\"weight\": 0.1", "\"weight\": -0.1"),
            "projections[0].synapse.weight: excitatory weights (in nA) must be >= 0, got -0.1",
        ),
        (
            VALID.replace("\"delay\": 1.0", "\"delay\": 500.0"),
            "projections[0].synapse.delay: must be within [1, 144] ms",
        ),
        (
            VALID.replace("\"size\": 10,", "\"size\": 0,"),
            "populations[0].size: must be >= 1, got 0",
        ),
        (
            VALID.replace("nmemu-net/1", "nmemu-net/9"),
            "format: unknown format version \"nmemu-net/9\"; this build reads: \"nmemu-net/1\"",
        ),
        (
            VALID.replace(
                "{\"type\": \"IF_curr_exp\"}}]",
                "{\"type\": \"IF_curr_exp\", \"params\": {\"tau_m\": -1}}}]",
            ),
            "populations[1].cell.params.tau_m: must be > 0 ms, got -1",
        ),
        (
            VALID.replace("\"label\": \"a\"", "\"label\": \"a\\u001b\"").replace("\"pre\": \"a\"", "\"pre\": \"a\\u001b\""),
            "populations[0].label: \"a\\u{1b}\" cannot name a result file: it contains a control character",
        ),
        (
            VALID.replace(
                "\"post\": \"b\"",
                "\"post\": \"a\"",
            )
            .replace(
                "{\"type\": \"FixedProbabilityConnector\", \"p_connect\": 0.5}",
                "{\"type\": \"FixedNumberPostConnector\", \"n\": 10, \"allow_self_connections\": false}",
            ),
            "projections[0].connector.n: without replacement n must be <= the 9 post neurons each pre neuron can get (self-connections excluded), got 10",
        ),
        (
            VALID.replace("\"weight\": 0.1", "\"weight\": {\"distribution\": \"poisson\", \"lam\": 1}"),
            "projections[0].synapse.weight.distribution: unknown distribution `poisson`",
        ),
    ];
    for (text, expected) in cases {
        let (code, err) = validate_text(&text);
        assert_eq!(code, 1, "{expected}: {err}");
        assert!(err.contains(expected), "expected `{expected}` in:\n{err}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = VALID.replace("0.5}", "1.5}").replace(
        "\"size\": 10, \"cell\": {\"type\": \"IF_curr_exp\"}}]",
        "\"size\": 0, \"cell\": {\"type\": \"IF_curr_exp\"}}]",
    );
    let (code, err) = validate_text(&text);
    assert_eq!(code, 1);
    assert!(
        err.contains("populations[1].size") && err.contains("p_connect"),
        "{err}"
    );
}

#[test]
fn a_network_over_the_stated_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("net.json");
    std::fs::write(&path, VALID).unwrap();
    let out = nmemu(&["validate", "--max-synapses", "10", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the network makes about 50 synapses; the limit is 10"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_file_and_usage_errors() {
    let out = nmemu(&["validate", "no/such/net.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no/such/net.json"));
    assert_eq!(nmemu(&["validate"]).status.code(), Some(2));
    assert_eq!(nmemu(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn machines_lists_the_presets() {
    let out = stdout(&nmemu(&["machines"]));
    for name in [
        "spinnaker-3",
        "spinnaker-48",
        "spinnaker-24b",
        "spinnaker-1m",
        "brainscales-wafer",
        "brainscales-4-wafers",
    ] {
        assert!(out.contains(name), "{name} missing from:\n{out}");
    }
    assert!(out.contains("1,036,800"));
}

#[test]
fn schema_is_json_schema_of_net_json() {
    let out = nmemu(&["schema"]);
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["title"], "NetFile");
    let required = schema["required"].as_array().unwrap();
    for field in ["format", "simulation", "populations"] {
        assert!(required.iter().any(|r| r == field), "{field} not required");
    }
    let text = stdout(&out);
    for name in [
        "FixedProbabilityConnector",
        "IF_cond_exp",
        "STDPMechanism",
        "normal_clipped",
        "Grid2D",
    ] {
        assert!(text.contains(name), "{name} missing from the schema");
    }
}

#[test]
fn example_generator_reproduces_the_bundled_microcircuit() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("mc.json");
    let out = nmemu(&[
        "example",
        "microcircuit",
        "--scale",
        "0.1",
        "--seed",
        "1",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let generated = std::fs::read_to_string(&out_path).unwrap();
    let bundled = std::fs::read_to_string(repo("examples/microcircuit_0.1.json")).unwrap();
    assert!(
        generated == bundled,
        "examples/microcircuit_0.1.json is stale"
    );
    assert_eq!(
        nmemu(&["example", "microcircuit", "--scale", "1.5"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn every_command_help_shows_an_example() {
    for cmd in [
        vec!["--help"],
        vec!["validate", "--help"],
        vec!["machines", "--help"],
        vec!["schema", "--help"],
        vec!["example", "--help"],
    ] {
        let out = nmemu(&cmd);
        assert!(out.status.success());
        assert!(stdout(&out).contains("Example"), "{cmd:?}");
    }
}

#[cfg(unix)]
#[test]
fn a_reader_that_closes_the_pipe_ends_the_program_without_a_panic() {
    use std::io::Read;
    use std::process::Stdio;
    // `nmemu schema | true`: the reader is gone before the program writes its first line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_nmemu"))
        .arg("schema")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the nmemu binary runs");
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
}

/// `nmemu run` on single_neuron.json with `extra` flags, into `out` inside a fresh directory; returns the
/// output and whether `out` exists afterwards.
fn run_single_neuron(extra: &[&str]) -> (Output, bool) {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let net = repo("examples/single_neuron.json");
    let mut args = vec!["run", "--quiet", "--out", out_dir.to_str().unwrap()];
    if !extra.contains(&"--machine") {
        args.extend(["--machine", "spinnaker-3"]);
    }
    args.extend(extra);
    args.push(net.to_str().unwrap());
    let out = nmemu(&args);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    (out, out_dir.exists())
}

#[test]
fn bad_flags_are_refused_before_mapping_and_nothing_is_written() {
    for (extra, expected) in [
        (
            vec!["--duration-ms", "0.4"],
            "--duration-ms 0.4: not a whole number of 1 ms timesteps",
        ),
        (
            vec!["--duration-ms", "1e12"],
            "the runtime counts at most 4294967295",
        ),
        (vec!["--faults", "/dev/zero"], "the limit for a faults file"),
        (
            vec!["--machine", "brainscales-21-wafers"],
            "1 to 20 wafer modules",
        ),
        (
            vec!["--machine", "brainscales"],
            "unknown BrainScaleS machine",
        ),
        (
            vec![
                "--machine",
                "brainscales-wafer",
                "--faults",
                "f.json",
                "--ideal-cores",
            ],
            "--faults, --ideal-cores: flags for a SpiNNaker machine, not --machine brainscales-wafer, which \
             takes --speedup",
        ),
        (
            vec!["--speedup", "10000"],
            "--speedup: a flag for a BrainScaleS machine, not --machine spinnaker-3",
        ),
        (vec!["--speedup", "2000"], "expected 1000, 10000 or 100000"),
        (
            vec!["--machine", "brainscales-wafer", "--mismatch", "some"],
            "expected `off`, `calibrated` or `raw`",
        ),
        (
            vec!["--machine", "brainscales-wafer", "--max-synapse-loss", "2"],
            "expected a fraction from 0 to 1",
        ),
        (
            vec!["--machine", "brainscales-wafer", "--defects", "/dev/zero"],
            "the limit for a defects file",
        ),
        (
            vec!["--machine", "spinaker-48"],
            "did you mean `spinnaker-48`?",
        ),
        (
            vec!["--threads", "99999999999"],
            "expected a whole number from 1 to",
        ),
    ] {
        let (out, written) = run_single_neuron(&extra);
        assert!(!out.status.success(), "{extra:?} accepted");
        assert!(
            stderr(&out).contains(expected),
            "{extra:?}: {}",
            stderr(&out)
        );
        assert!(
            !stdout(&out).contains("mapped onto"),
            "{extra:?} refused only after mapping"
        );
        assert!(!written, "{extra:?} wrote its output directory");
    }
}

#[test]
fn an_unwritable_out_is_refused_before_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("results");
    std::fs::write(&file, "not a directory").unwrap();
    let under = file.join("run1");
    for cmd in ["run", "map"] {
        let out = nmemu(&[
            cmd,
            "--machine",
            "spinnaker-3",
            "--out",
            under.to_str().unwrap(),
            repo("examples/single_neuron.json").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        assert!(
            stderr(&out).contains("results is not a directory"),
            "{cmd}: {}",
            stderr(&out)
        );
        assert!(!stdout(&out).contains("mapped onto"), "{cmd}");
    }
}

#[test]
fn a_zero_duration_in_the_file_blames_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("net.json");
    std::fs::write(
        &path,
        VALID.replace("\"duration_ms\": 100", "\"duration_ms\": 0"),
    )
    .unwrap();
    let out = nmemu(&[
        "run",
        "--machine",
        "spinnaker-3",
        "--out",
        dir.path().join("out").to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("net.json: simulation.duration_ms 0: must be a positive number of ms"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn machine_names_ignore_case_and_are_written_canonically() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = nmemu(&[
        "run",
        "--quiet",
        "--machine",
        "SpiNNaker-3",
        "--duration-ms",
        "5",
        "--out",
        out_dir.to_str().unwrap(),
        repo("examples/single_neuron.json").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["machine"], "spinnaker-3");
    let machines = stdout(&nmemu(&["machines"]));
    assert!(
        machines.contains("brainscales-wafer") && machines.contains("spills onto the next"),
        "{machines}"
    );
}

#[test]
fn unbounded_inputs_are_refused_with_the_limit() {
    let out = nmemu(&["validate", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("/dev/zero: larger than 256 MiB, the limit for a net.json file"),
        "{}",
        stderr(&out)
    );
    let started = std::time::Instant::now();
    let out = nmemu(&[
        "noc",
        "--machine",
        "spinnaker-3",
        "--rate",
        "10,1e9",
        "--duration-ms",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("at most 7843 packets per core per ms"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed().as_secs() < 5);
    let out = nmemu(&["noc", "--machine", "brainscales-wafer"]);
    assert!(
        stderr(&out).contains("noc measures SpiNNaker's interconnect"),
        "{}",
        stderr(&out)
    );
    let (code, err) = validate_text(&VALID.replace("\"size\": 10,", "\"size\": 10, \"size\": 5,"));
    assert_eq!(code, 1);
    assert!(
        err.contains("populations[0].size: `size` is given twice"),
        "{err}"
    );
}
