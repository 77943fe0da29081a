//! End-to-end tests of `nmemu noc`: determinism across thread counts, faults, sweeps and bad arguments.

use std::process::{Command, Output};

fn nmemu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nmemu"))
        .args(args)
        .output()
        .expect("the nmemu binary runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

const BASE: [&str; 9] = [
    "noc",
    "--machine",
    "spinnaker-48",
    "--pattern",
    "uniform",
    "--duration-ms",
    "5",
    "--seed",
    "7",
];

#[test]
fn same_seed_same_report_for_one_and_two_threads() {
    let run = |threads: &str| {
        json(&nmemu(
            &[
                &BASE[..],
                &["--rate", "50,250", "--json", "--threads", threads],
            ]
            .concat(),
        ))
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one, two);
    let reports = one.as_array().unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports[0]["delivered"].as_u64().unwrap() > 100_000);
    assert_eq!(reports[0]["in_flight"], 0);
    // A different seed gives a different run.
    let other = json(&nmemu(&[
        "noc",
        "--machine",
        "spinnaker-48",
        "--duration-ms",
        "5",
        "--seed",
        "8",
        "--rate",
        "50",
        "--json",
    ]));
    assert_ne!(other[0]["latency"], reports[0]["latency"]);
}

#[test]
fn a_dead_link_shows_in_the_counters() {
    let dir = tempfile::tempdir().unwrap();
    let faults = dir.path().join("faults.json");
    // Kill every link of chip (3, 3): traffic routed through it is dumped, or detoured with emergency routing.
    let links: Vec<String> = (0..6).map(|l| format!("[3, 3, {l}]")).collect();
    std::fs::write(
        &faults,
        format!(r#"{{"dead_links": [{}]}}"#, links.join(", ")),
    )
    .unwrap();
    let f = faults.to_str().unwrap();
    let plain = json(&nmemu(
        &[&BASE[..], &["--rate", "20", "--json", "--faults", f]].concat(),
    ));
    let router = &plain[0]["router"];
    assert!(router["dump_mc"].as_u64().unwrap() > 0, "{router}");
    assert!(
        router["reinjection_abandoned"].as_u64().unwrap() > 0,
        "{router}"
    );
    let detour = json(&nmemu(
        &[
            &BASE[..],
            &[
                "--rate",
                "20",
                "--json",
                "--faults",
                f,
                "--emergency-routing",
            ],
        ]
        .concat(),
    ));
    assert!(detour[0]["router"]["emergency_routed"].as_u64().unwrap() > 0);
    assert!(detour[0]["delivered"].as_u64().unwrap() > plain[0]["delivered"].as_u64().unwrap());
}

#[test]
fn a_dead_chip_is_routed_around_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let faults = dir.path().join("faults.json");
    std::fs::write(&faults, r#"{"dead_chips": [[3, 3]]}"#).unwrap();
    let f = faults.to_str().unwrap();
    for pattern in ["uniform", "bitcomplement"] {
        let args = [
            "noc",
            "--machine",
            "spinnaker-48",
            "--pattern",
            pattern,
            "--rate",
            "5",
            "--duration-ms",
            "2",
            "--faults",
            f,
        ];
        let report = json(&nmemu(&[&args[..], &["--json"]].concat()));
        assert!(
            report[0]["flows_rerouted"].as_u64().unwrap() > 0,
            "{pattern}"
        );
        assert_eq!(report[0]["flows_unreachable"], 0, "{pattern}");
        assert_eq!(report[0]["delivered"], report[0]["injected"], "{pattern}");
        let out = nmemu(&args);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("dead chips: 1, neither sending nor receiving; "),
            "{text}"
        );
    }
}

#[test]
fn bad_arguments_are_refused_clearly() {
    let out = nmemu(&["noc", "--machine", "spinnaker-4b", "--rate", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("multiple of 3"));
    let out = nmemu(&["noc", "--machine", "spinnaker-48", "--pattern", "tornado"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown traffic pattern `tornado`"));
    let out = nmemu(&["noc", "--machine", "spinnaker-48", "--rate", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rate must be > 0"));
}

#[test]
fn a_single_run_prints_a_readable_report() {
    let out = nmemu(&[
        "noc",
        "--machine",
        "spinnaker-3",
        "--rate",
        "5",
        "--duration-ms",
        "2",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "offered 5.000 packets/core/ms",
        "latency (router cycles / ns)",
        "busiest links:",
        "packet-hops",
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
}
