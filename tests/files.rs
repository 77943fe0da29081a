//! Labels and paths: labels give safe file names and safe messages; `tables --out` never writes through a link.

mod common;

use std::path::Path;

use common::{entries, nmemu, repo, stderr, stdout};

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
