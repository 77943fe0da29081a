//! `--max-memory`: networks too large for the host are refused from their memory estimate, quickly and before
//! anything large is allocated, with the estimate, the limit and the flag; nothing is written.

mod common;

use common::{nmemu, repo};

/// A net.json of populations `a` and `b` and one projection a -> b with `connector`.
fn network(a: u32, b: u32, connector: &str) -> String {
    format!(
        r#"{{"format": "nmemu-net/1", "simulation": {{"duration_ms": 10}},
  "populations": [{{"label": "a", "size": {a}, "cell": {{"type": "IF_curr_exp"}}}},
                  {{"label": "b", "size": {b}, "cell": {{"type": "IF_curr_exp"}}}}],
  "projections": [{{"pre": "a", "post": "b", "receptor_type": "excitatory", "connector": {connector},
                   "synapse": {{"type": "StaticSynapse", "weight": 0.1, "delay": 1.0}}}}]}}"#
    )
}

/// Runs nmemu on `text` saved as net.json; returns (exit code, stdout, stderr, whether --out was created).
fn on(text: &str, args: &[&str]) -> (i32, String, String, bool) {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net.json");
    std::fs::write(&net, text).unwrap();
    let out_dir = dir.path().join("out");
    let mut all: Vec<&str> = args.to_vec();
    all.push(net.to_str().unwrap());
    if args[0] != "validate" {
        all.extend(["--out", out_dir.to_str().unwrap()]);
    }
    let o = nmemu(&all);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).to_string(),
        err,
        out_dir.exists(),
    )
}

fn assert_refused(err: &str, limit: &str) {
    assert!(
        err.contains("--max-memory") && err.contains("needs about"),
        "{err}"
    );
    assert!(err.contains(&format!("the limit is {limit}")), "{err}");
}

#[test]
fn all_to_all_40k_by_40k_is_refused_by_map_run_and_validate() {
    let net = network(40_000, 40_000, r#"{"type": "AllToAllConnector"}"#);
    for command in ["map", "run"] {
        let (code, _, err, written) = on(
            &net,
            &[command, "--machine", "spinnaker-48", "--max-memory", "4GB"],
        );
        assert_eq!(code, 1, "{command}: {err}");
        assert_refused(&err, "4.00 GB");
        assert!(!written, "{command} wrote its --out");
    }
    let (code, out, err, _) = on(&net, &["validate", "--max-memory", "4GB"]);
    assert_eq!(code, 1, "{err}");
    assert_refused(&err, "4.00 GB");
    assert!(
        out.contains("synapses: about 1,600,000,000 (expected; not counted)"),
        "{out}"
    );
}

#[test]
fn fixed_number_post_of_a_billion_is_refused() {
    let net = network(
        1,
        10,
        r#"{"type": "FixedNumberPostConnector", "n": 1000000000, "with_replacement": true}"#,
    );
    let (code, _, err, written) = on(
        &net,
        &["run", "--machine", "spinnaker-48", "--max-memory", "2GiB"],
    );
    assert_eq!(code, 1, "{err}");
    assert_refused(&err, "2.15 GB");
    assert!(!written);
}

#[test]
fn validate_answers_for_1e5_by_1e5_without_expanding() {
    let net = network(
        100_000,
        100_000,
        r#"{"type": "FixedProbabilityConnector", "p_connect": 0.15}"#,
    );
    // 1.5 billion synapses are 6 GB expanded: a limit of 100 MB would refuse anything that expanded them.
    let (code, out, err, _) = on(&net, &["validate", "--no-expand", "--max-memory", "100GB"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("synapses: about 1,500,000,000 (expected; not counted)"),
        "{out}"
    );
    assert!(out.contains("expanded synapses 6.00 GB in all"), "{out}");
    let (code, out, err, _) = on(&net, &["validate", "--max-memory", "100MB"]);
    assert_eq!(code, 1);
    assert_refused(&err, "100.0 MB");
    assert!(out.contains("memory (estimate"), "{out}");
}

#[test]
fn bundled_examples_fit_a_modest_limit_and_a_tiny_one_refuses_them() {
    let net = repo("examples/va_cuba.json");
    let net = net.to_str().unwrap();
    let o = nmemu(&["validate", "--max-memory", "1GB", net]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = nmemu(&["validate", "--max-memory", "1MB", net]);
    assert_eq!(o.status.code(), Some(1));
    assert_refused(&String::from_utf8_lossy(&o.stderr), "1.0 MB");
}
