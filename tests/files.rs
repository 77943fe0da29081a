//! Result directories, signals, labels and paths: a result set appears whole and never mixed with an earlier one;
//! SIGINT and SIGTERM stop every phase with a message and a status; labels give safe file names and safe messages.

mod common;

use std::path::Path;
use std::process::Output;

use common::{entries, json, net_file, nmemu, repo, send, spawn, stderr, stdout, wait_for};

const MARKER: &str = ".nmemu-result";

/// `nmemu map` of the single-neuron example into `out`.
fn map_into(out: &Path, extra: &[&str]) -> Output {
    let net = repo("examples/single_neuron.json");
    let mut args = vec![
        "map",
        "--machine",
        "spinnaker-3",
        net.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    nmemu(&args)
}

fn staging_in(dir: &Path) -> bool {
    entries(dir).iter().any(|n| n.starts_with(".nmemu-tmp-"))
}

#[test]
fn a_foreign_directory_is_refused_and_force_replaces_it_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = map_into(&out, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    for needle in [
        "--out",
        "`notes.txt`",
        "not an earlier nmemu result",
        "--force",
    ] {
        assert!(stderr(&o).contains(needle), "{needle}: {}", stderr(&o));
    }
    assert!(
        !stdout(&o).contains("mapped onto"),
        "refused before mapping"
    );
    assert_eq!(entries(&out), ["notes.txt"]);
    assert_eq!(entries(tmp.path()), ["out"]);

    let o = map_into(&out, &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(entries(&out), [MARKER, "mapping.json"]);
    assert_eq!(entries(tmp.path()), ["out"]);
}

#[test]
fn a_new_result_replaces_the_earlier_one_whole_and_leftovers_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let net = repo("examples/single_neuron.json");
    let o = nmemu(&[
        "run",
        "--machine",
        "spinnaker-3",
        net.to_str().unwrap(),
        "--duration-ms",
        "5",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(entries(&out).contains(&"neuron.spikes.npy".to_owned()));
    let marker = json(&out.join(MARKER));
    assert_eq!(marker["format"], "nmemu-result/1");
    assert!(
        marker["files"]
            .as_array()
            .unwrap()
            .contains(&"run.json".into())
    );

    // What a killed run leaves: a staging directory with part of a result.
    let leftover = tmp.path().join(".nmemu-tmp-killed");
    std::fs::create_dir(&leftover).unwrap();
    std::fs::write(leftover.join("spikes.csv"), "population,neuron,time_ms\n").unwrap();

    let o = map_into(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: removed") && stderr(&o).contains(".nmemu-tmp-killed"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        entries(&out),
        [MARKER, "mapping.json"],
        "nothing of the earlier run stays beside the new mapping"
    );
    assert_eq!(entries(tmp.path()), ["out"]);
}

/// Runs `net` on `machine` (with `extra` flags) for 10^8 ms, sends `signal` once the run is under way (the
/// staging directory, made just before the first tick, exists, and the process has used `cpu` more clock ticks
/// of CPU since) and checks the partial result set: `code`, the message, run.json's `partial`, a stop on a tick,
/// spikes.csv, no staging left. Returns the directory (inside the TempDir) and the completed ms.
#[cfg(target_os = "linux")]
fn interrupt_run(
    machine: &str,
    net: &Path,
    extra: &[&str],
    (signal, code): (&str, i32),
    cpu: u64,
) -> (tempfile::TempDir, f64) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut args = vec![
        "run",
        "--machine",
        machine,
        net.to_str().unwrap(),
        "--duration-ms",
        "100000000",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let mut child = spawn(&args);
    let pid = child.id();
    wait_for(&mut child, "the run started", || staging_in(tmp.path()));
    let started = cpu_ticks(pid);
    wait_for(&mut child, "the run ran", || {
        cpu_ticks(pid) >= started + cpu
    });
    send(&child, signal);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("interrupted (SIG{signal}) at")),
        "{}",
        stderr(&o)
    );
    let summary = json(&out.join("run.json"));
    assert_eq!(summary["partial"], true);
    let completed = summary["completed_ms"].as_f64().unwrap();
    assert!(completed < 1e8, "completed {completed} ms");
    let ticks = completed / summary["timestep_ms"].as_f64().unwrap_or(1.0);
    assert!(
        (ticks - ticks.round()).abs() < 1e-6,
        "stopped at a tick boundary: {completed} ms"
    );
    for file in ["spikes.csv", "mapping.json", "provenance.json"] {
        assert!(
            entries(&out).contains(&file.to_owned()),
            "a complete set: {file}"
        );
    }
    assert_eq!(entries(tmp.path()), ["out"], "no staging left");
    (tmp, completed)
}

#[cfg(target_os = "linux")]
#[test]
fn sigint_and_sigterm_during_the_run_stop_at_a_tick_and_write_a_marked_partial_result() {
    let net = repo("examples/single_neuron.json");
    for signal in [("INT", 130), ("TERM", 143)] {
        interrupt_run("spinnaker-3", &net, &[], signal, 0);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn sigint_and_sigterm_stop_a_wafer_run_with_its_spikes_up_to_the_stop() {
    // A neuron driven by its own current (about 9 Hz): no input trains drawn for the long duration.
    let (_dir, net) = net_file(
        r#"{"format": "nmemu-net/1", "simulation": {"duration_ms": 1000, "timestep_ms": 0.1},
            "populations": [{"label": "a", "size": 1, "record": ["spikes"],
                             "cell": {"type": "IF_cond_exp", "params": {"i_offset": 1.0}}}]}"#,
    );
    for signal in [("INT", 130), ("TERM", 143)] {
        // 0.2 s of CPU into the run, seconds of biological time: the neurons have fired.
        let (tmp, completed) = interrupt_run(
            "brainscales-wafer",
            &net,
            &["--mismatch", "off"],
            signal,
            20,
        );
        let spikes = common::spikes(&tmp.path().join("out/spikes.csv"));
        let times: Vec<f64> = spikes["a"].values().flatten().copied().collect();
        assert!(times.len() > 10, "{} spikes in {completed} ms", times.len());
        assert!(
            times.iter().all(|&t| t <= completed),
            "spikes up to the stop"
        );
    }
}

#[cfg(unix)]
#[test]
fn sigint_while_loading_says_so_and_writes_nothing() {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("net.json");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut child = spawn(&[
        "map",
        "--machine",
        "spinnaker-3",
        fifo.to_str().unwrap(),
        "--out",
        tmp.path().join("out").to_str().unwrap(),
    ]);
    // Opening a pipe's writing end without blocking succeeds only once a reader has it open: nmemu is then
    // waiting for the network's text.
    let mut writer = None;
    wait_for(&mut child, "opening the network file", || {
        writer = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .ok();
        writer.is_some()
    });
    send(&child, "INT");
    let o = child.wait_with_output().unwrap();
    drop(writer);
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("interrupted (SIGINT); nothing was written"),
        "{}",
        stderr(&o)
    );
    assert_eq!(entries(tmp.path()), ["net.json"]);
}

/// The CPU time a process has used, in clock ticks (`/proc/<pid>/stat`: utime + stime).
#[cfg(target_os = "linux")]
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    fields
        .get(11..13)
        .map_or(0, |f| f.iter().map(|t| t.parse::<u64>().unwrap_or(0)).sum())
}

#[cfg(target_os = "linux")]
#[test]
fn sigterm_while_mapping_says_so_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let net = tmp.path().join("net.json");
    let text = std::fs::read_to_string(repo("examples/single_neuron.json"))
        .unwrap()
        .replace("\"duration_ms\": 200.0", "\"duration_ms\": 100000000.0");
    std::fs::write(&net, text).unwrap();
    // `auto` probes the first --probe-ms of the run on the emulator while mapping: a mapping as long as wanted.
    let mut child = spawn(&[
        "map",
        "--machine",
        "spinnaker-3",
        net.to_str().unwrap(),
        "--time-scale-factor",
        "auto",
        "--probe-ms",
        "100000000",
        "--out",
        tmp.path().join("out").to_str().unwrap(),
    ]);
    // Reading and checking a one-neuron network takes milliseconds of CPU: past 0.3 s it is mapping.
    let pid = child.id();
    wait_for(&mut child, "mapping", || cpu_ticks(pid) >= 30);
    send(&child, "TERM");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(143), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("terminated (SIGTERM); nothing was written"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("mapped onto"), "{}", stdout(&o));
    assert_eq!(entries(tmp.path()), ["net.json"]);
}

/// A one-population net: `label` (a JSON string's content) records spikes when `records`.
fn net_with_label(dir: &Path, label: &str, records: bool) -> String {
    let record = if records { "[\"spikes\"]" } else { "[]" };
    let text = format!(
        r#"{{"format": "nmemu-net/1", "simulation": {{"duration_ms": 5}},
            "populations": [{{"label": "{label}", "size": 1, "record": {record},
                              "cell": {{"type": "SpikeSourceArray", "params": {{"spike_times": [1.0]}}}}}}]}}"#
    );
    let path = dir.join("net.json");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn labels_too_long_for_a_file_name_are_refused_by_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "x".repeat(240);
    let o = nmemu(&["validate", &net_with_label(tmp.path(), &long, true)]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    for needle in [
        "populations[0].label",
        "251 bytes",
        "at most 243",
        "shorten the label",
    ] {
        assert!(stderr(&o).contains(needle), "{needle}: {}", stderr(&o));
    }
    // Without a recording it names no file, so any length will do.
    let o = nmemu(&["validate", &net_with_label(tmp.path(), &long, false)]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn control_characters_of_the_file_reach_the_terminal_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let validate = |text: &str, expected: &str| {
        let path = tmp.path().join("net.json");
        std::fs::write(&path, text).unwrap();
        let o = nmemu(&["validate", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(
            !err.contains('\u{1b}'),
            "a raw escape reached the terminal: {err:?}"
        );
        assert!(err.contains(expected), "{expected}: {err}");
    };
    let path = net_with_label(tmp.path(), "a\\u001b[2Jb", true);
    let text = std::fs::read_to_string(&path).unwrap();
    validate(&text, "populations[0].label: \"a\\u{1b}[2Jb\"");
    validate(
        &text.replace("\"size\"", "\"siz\\u001be\": 1, \"size\""),
        "unknown field `siz\\u{1b}e`",
    );
}

#[test]
fn unsafe_characters_in_labels_give_escaped_file_names_inside_out() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = nmemu(&[
        "run",
        "--machine",
        "spinnaker-3",
        &net_with_label(tmp.path(), "../a/b", true),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        entries(&out).contains(&"%2E.%2Fa%2Fb.spikes.npy".to_owned()),
        "{:?}",
        entries(&out)
    );
    assert_eq!(entries(tmp.path()), ["net.json", "out"]);
    let csv = std::fs::read_to_string(out.join("spikes.csv")).unwrap();
    assert!(
        csv.contains("../a/b,0,"),
        "labels stay as written inside files: {csv}"
    );
}

#[cfg(unix)]
#[test]
fn tables_out_refuses_a_symbolic_link() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("precious.json");
    std::fs::write(&target, "keep me").unwrap();
    let link = tmp.path().join("tables.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let tables = repo("tests/data/routing-tables/many_to_one.json.gz");
    let o = nmemu(&[
        "tables",
        "minimise",
        tables.to_str().unwrap(),
        "--algorithm",
        "none",
        "--out",
        link.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("--out") && stderr(&o).contains("symbolic link"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("total:"), "refused before minimising");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}
