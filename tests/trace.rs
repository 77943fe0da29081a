//! `run --trace` and `nmemu monitor`: tracing changes no result, a trace adds up to provenance.json, its
//! replay shows the same numbers, and a killed run leaves a prefix that replays.

mod common;

use common::{json, nmemu, repo, results, run, spawn, stdout, wait_for};
use nmemu_tui::trace;

#[test]
fn tracing_changes_no_result_and_the_trace_adds_up_to_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synfire.trace");
    let path_text = path.to_str().unwrap();
    let plain = run("examples/synfire.json", "spinnaker-48", &[]);
    // One-timestep windows: the run stops at every tick, the most segmented it can be.
    let traced = run(
        "examples/synfire.json",
        "spinnaker-48",
        &["--trace", path_text, "--trace-period-ms", "1"],
    );
    let (a, b) = (results(plain.path()), results(traced.path()));
    assert!(
        a.iter().any(|(n, _)| n == "spikes.csv") && a.len() >= 4,
        "{:?}",
        a.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs with --trace");
    }
    assert_eq!(a.len(), b.len());

    let t = trace::read(&path).unwrap();
    assert!(!t.truncated);
    assert_eq!(t.frames.len(), 150);
    assert_eq!(t.frames[149].end_ms, 150.0);
    let h = &t.header;
    let provenance = json(&traced.path().join("provenance.json"));
    let routed = h.node_metric(trace::spinnaker::ROUTED).unwrap();
    let spikes_out = h.detail_metric(trace::spinnaker::SPIKES_OUT).unwrap();
    let spikes_in = h.detail_metric(trace::spinnaker::SPIKES_IN).unwrap();
    let node_of = |x: u64, y: u64| {
        h.nodes
            .iter()
            .position(|n| u64::from(n.x) == x && u64::from(n.y) == y)
            .unwrap() as u32
    };
    let samples = || t.frames.iter().flat_map(|f| &f.nodes);
    let chips = provenance["chips"].as_array().unwrap();
    assert!(!chips.is_empty());
    for chip in chips {
        let node = node_of(chip["x"].as_u64().unwrap(), chip["y"].as_u64().unwrap());
        let traced: u64 = samples()
            .filter(|s| s.node == node)
            .map(|s| s.metrics[routed])
            .sum();
        let counted = chip["Local_Multicast_Packets"].as_u64().unwrap()
            + chip["External_Multicast_Packets"].as_u64().unwrap();
        assert_eq!(traced, counted, "chip {chip}");
        for (l, link) in chip["links"].as_array().unwrap().iter().enumerate() {
            let sent: u64 = samples()
                .filter(|s| s.node == node)
                .map(|s| s.links[l])
                .sum();
            assert_eq!(sent, link["sent"].as_u64().unwrap(), "link {l} of {chip}");
        }
    }
    for core in provenance["cores"].as_array().unwrap() {
        let node = node_of(core["x"].as_u64().unwrap(), core["y"].as_u64().unwrap());
        let id = core["core"].as_u64().unwrap() as u16;
        let sum = |k: usize| -> u64 {
            samples()
                .filter(|s| s.node == node)
                .flat_map(|s| &s.details)
                .filter(|(c, _)| *c == id)
                .map(|(_, d)| d[k])
                .sum()
        };
        assert_eq!(
            sum(spikes_out),
            core["Sent_spikes"].as_u64().unwrap(),
            "{core}"
        );
        assert_eq!(
            sum(spikes_in),
            core["Received_spikes"].as_u64().unwrap(),
            "{core}"
        );
    }
    let total: u64 = samples().map(|s| s.metrics[routed]).sum();
    assert_eq!(
        total,
        provenance["summary"]["multicast_packets_through_routers"]
            .as_u64()
            .unwrap()
    );

    // JSON lines: a header line and one line per frame.
    let o = nmemu(&["monitor", path_text, "--jsonl"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().count(), 151);
}

/// Each core's longest tick per window, by frame: (frame's first tick, core as (node, core id)) -> cycles.
fn longest_ticks(t: &trace::Trace) -> std::collections::BTreeMap<(u32, (u32, u16)), u64> {
    let longest = t
        .header
        .detail_metric(trace::spinnaker::LONGEST_TICK)
        .unwrap();
    t.frames
        .iter()
        .flat_map(|f| {
            let tick = (f.start_ms / t.header.timestep_ms).round() as u32;
            f.nodes.iter().flat_map(move |s| {
                s.details
                    .iter()
                    .map(move |(c, d)| ((tick, (s.node, *c)), d[longest]))
            })
        })
        .collect()
}

/// A frame's longest tick per core is the window's own (the emulator's, beside sPyNNaker's running maximum):
/// the largest of the one-tick windows within it, as derived from a run traced tick by tick; their largest is
/// provenance.json's `Max_tick_cycles`. The windows on 2 threads (a sampling point inside the parallel run)
/// change no result either.
#[test]
fn a_frames_longest_tick_is_the_largest_of_its_ticks() {
    let dir = tempfile::tempdir().unwrap();
    let (fine, coarse) = (dir.path().join("1.trace"), dir.path().join("10.trace"));
    let plain = run("examples/synfire.json", "spinnaker-48", &[]);
    let mut per_tick = None;
    for (path, period, threads) in [(&fine, "1", "1"), (&coarse, "10", "2")] {
        let out = run(
            "examples/synfire.json",
            "spinnaker-48",
            &[
                "--trace",
                path.to_str().unwrap(),
                "--trace-period-ms",
                period,
                "--threads",
                threads,
            ],
        );
        assert!(
            results(out.path()) == results(plain.path()),
            "--trace-period-ms {period}"
        );
        per_tick.get_or_insert_with(|| json(&out.path().join("provenance.json")));
    }
    let (ticks, windows) = (
        longest_ticks(&trace::read(&fine).unwrap()),
        longest_ticks(&trace::read(&coarse).unwrap()),
    );
    assert_eq!(windows.keys().map(|k| k.0).max(), Some(140));
    let mut derived = std::collections::BTreeMap::new();
    for (&(tick, core), &cycles) in &ticks {
        let slot = derived.entry((tick / 10 * 10, core)).or_insert(0);
        *slot = cycles.max(*slot);
    }
    assert_eq!(windows, derived);
    // Per core, the largest window is provenance's running maximum; a window after it shows less (a running
    // maximum never falls).
    let provenance = per_tick.unwrap();
    let nodes = &trace::read(&fine).unwrap().header.nodes;
    let mut fell = false;
    for core in provenance["cores"].as_array().unwrap() {
        let at = |k: &str| core[k].as_u64().unwrap();
        let node = nodes
            .iter()
            .position(|n| u64::from(n.x) == at("x") && u64::from(n.y) == at("y"))
            .unwrap() as u32;
        let of_core: Vec<u64> = windows
            .iter()
            .filter(|((_, c), _)| *c == (node, at("core") as u16))
            .map(|(_, &v)| v)
            .collect();
        assert_eq!(of_core.iter().max(), Some(&at("Max_tick_cycles")), "{core}");
        fell |= of_core.windows(2).any(|w| w[1] < w[0]);
    }
    assert!(fell, "{windows:?}");
}

#[test]
fn a_replayed_frame_shows_the_numbers_of_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("va.trace");
    let path_text = path.to_str().unwrap();
    // One window for the whole run: its frame holds the run's counts.
    let out = run(
        "examples/synfire.json",
        "spinnaker-48",
        &["--trace", path_text, "--trace-period-ms", "150"],
    );
    let o = nmemu(&[
        "monitor",
        path_text,
        "--dump-frame",
        "0",
        "--view",
        "spinnaker",
        "--metric",
        "routed",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let text = stdout(&o);
    // The cursor is on the chip that routed most; its panel shows that chip's provenance counters.
    let provenance = json(&out.path().join("provenance.json"));
    let chip = provenance["chips"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|c| {
            c["Local_Multicast_Packets"].as_u64().unwrap()
                + c["External_Multicast_Packets"].as_u64().unwrap()
        })
        .unwrap();
    let routed = chip["Local_Multicast_Packets"].as_u64().unwrap()
        + chip["External_Multicast_Packets"].as_u64().unwrap();
    let title = format!("chip ({}, {}) board 0", chip["x"], chip["y"]);
    assert!(text.contains(&title), "{title}\n{text}");
    let line = format!("routed{routed:>13}");
    assert!(text.contains(&line), "{line}\n{text}");
    assert!(text.contains("frame 1/1 0-150 ms"), "{text}");

    for (args, message) in [
        (vec!["--dump-frame", "1"], "--dump-frame 1: "),
        (
            vec!["--dump-frame", "0", "--view", "wafer"],
            "--view wafer: ",
        ),
        (
            vec!["--dump-frame", "0", "--metric", "spikes"],
            "--metric: unknown metric `spikes`",
        ),
    ] {
        let mut all = vec!["monitor", path_text];
        all.extend(args);
        let o = nmemu(&all);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            common::stderr(&o).contains(message),
            "{}",
            common::stderr(&o)
        );
    }
    let o = nmemu(&["monitor", path_text]);
    assert!(
        common::stderr(&o).contains("not a terminal"),
        "{}",
        common::stderr(&o)
    );
}

#[test]
fn a_killed_run_leaves_a_trace_prefix_that_replays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.trace");
    let net = repo("examples/va_cuba.json");
    let out = dir.path().join("out");
    let mut child = spawn(&[
        "run",
        "--machine",
        "spinnaker-48",
        net.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--trace",
        path.to_str().unwrap(),
        "--trace-period-ms",
        "1",
    ]);
    wait_for(&mut child, "three windows were traced", || {
        std::fs::read(&path)
            .ok()
            .and_then(|b| trace::read_bytes(&b).ok())
            .is_some_and(|t| t.frames.len() >= 3)
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let t = trace::read(&path).unwrap();
    assert!(
        t.frames.len() >= 3 && t.frames.len() < 1000,
        "{}",
        t.frames.len()
    );
    for (i, f) in t.frames.iter().enumerate() {
        assert_eq!((f.start_ms, f.end_ms), (i as f64, i as f64 + 1.0));
    }
    let o = nmemu(&[
        "monitor",
        path.to_str().unwrap(),
        "--dump-frame",
        "2",
        "--size",
        "80x24",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        stdout(&o).contains(&format!("frame 3/{}", t.frames.len())),
        "{}",
        stdout(&o)
    );
}

#[test]
fn bad_trace_flags_are_refused_before_mapping() {
    let net = repo("examples/synfire.json");
    let net = net.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/t.trace");
    for (extra, message) in [
        (
            vec!["--trace-period-ms", "0.5", "--trace", "t.trace"],
            "--trace-period-ms 0.5: ",
        ),
        (
            vec!["--trace-period-ms", "0", "--trace", "t.trace"],
            "--trace-period-ms 0: ",
        ),
        (
            vec!["--trace", missing.to_str().unwrap()],
            "its directory does not exist",
        ),
        (
            vec!["--monitor"],
            "--monitor: standard output is not a terminal",
        ),
    ] {
        let mut args = vec!["run", "--machine", "spinnaker-48", net, "--quiet"];
        args.extend(extra);
        let o = nmemu(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = common::stderr(&o);
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(!err.contains("mapping"), "{err}");
    }
    // A window without a trace or a monitor would do nothing: a usage error.
    let o = nmemu(&[
        "run",
        "--machine",
        "spinnaker-48",
        net,
        "--quiet",
        "--trace-period-ms",
        "5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("--trace-period-ms"),
        "{}",
        common::stderr(&o)
    );
}

#[test]
fn a_wafer_trace_changes_no_result_and_adds_up_to_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("adex.trace");
    let flags = ["--speedup", "10000", "--duration-ms", "200"];
    let plain = run("examples/adex.json", "brainscales-wafer", &flags);
    let mut traced_flags = flags.to_vec();
    traced_flags.extend(["--trace", path.to_str().unwrap(), "--trace-period-ms", "10"]);
    let traced = run("examples/adex.json", "brainscales-wafer", &traced_flags);
    let (a, b) = (results(plain.path()), results(traced.path()));
    assert!(a.iter().any(|(n, _)| n == "spikes.csv"));
    assert_eq!(a.len(), b.len());
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs with --trace");
    }

    let t = trace::read(&path).unwrap();
    assert_eq!(t.frames.len(), 20);
    let totals = &json(&traced.path().join("provenance.json"))["totals"];
    let sum = |name: &str| -> u64 {
        let m = t.header.node_metric(name).unwrap();
        t.frames
            .iter()
            .flat_map(|f| &f.nodes)
            .map(|s| s.metrics[m])
            .sum()
    };
    assert!(totals["spikes"].as_u64().unwrap() > 100);
    assert_eq!(
        sum(trace::wafer::SPIKES),
        totals["spikes"].as_u64().unwrap()
    );
    assert_eq!(
        sum(trace::wafer::L1_EVENTS),
        totals["l1_events"].as_u64().unwrap()
    );
    assert_eq!(
        sum(trace::wafer::L2_OUT),
        totals["recorded"].as_u64().unwrap()
    );
}

#[test]
fn a_two_wafer_trace_counts_each_wafer_on_its_own_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.trace");
    let traced = run(
        "tests/data/bss_two_wafers.json",
        "brainscales-2-wafers",
        &["--mismatch", "off", "--trace", path.to_str().unwrap()],
    );
    let t = trace::read(&path).unwrap();
    assert_eq!(t.header.nodes.len(), 2 * trace::wafer::HICANNS_PER_WAFER);
    let wafers = json(&traced.path().join("provenance.json"))["wafers"].clone();
    for (w, wafer) in wafers.as_array().unwrap().iter().enumerate() {
        let on_wafer = |name: &str| -> u64 {
            let m = t.header.node_metric(name).unwrap();
            t.frames
                .iter()
                .flat_map(|f| &f.nodes)
                .filter(|s| s.node as usize / trace::wafer::HICANNS_PER_WAFER == w)
                .map(|s| s.metrics[m])
                .sum()
        };
        assert!(wafer["spikes"].as_u64().unwrap() > 0, "{wafer}");
        for (metric, counter) in [
            (trace::wafer::SPIKES, "spikes"),
            (trace::wafer::L1_EVENTS, "l1_events"),
            (trace::wafer::L2_IN, "l2_injected"),
        ] {
            assert_eq!(
                on_wafer(metric),
                wafer[counter].as_u64().unwrap(),
                "wafer {w} {metric}"
            );
        }
    }
}
