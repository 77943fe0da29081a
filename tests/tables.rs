//! End-to-end tests of `nmemu tables minimise` on PACMAN's reference tables and on bad files.

use std::process::{Command, Output};

const MANY_TO_ONE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/routing-tables/many_to_one.json.gz"
);

fn nmemu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nmemu"))
        .args(args)
        .output()
        .expect("the nmemu binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The numbers of the last line, `total: before N, after M, largest K, seconds S`.
fn total_line(out: &Output) -> (usize, usize, usize, f64) {
    assert!(out.status.success(), "{}", stderr(out));
    let text = stdout(out);
    let last = text.lines().last().expect("some output");
    let numbers: Vec<&str> = last
        .strip_prefix("total: before ")
        .and_then(|rest| {
            let (before, rest) = rest.split_once(", after ")?;
            let (after, rest) = rest.split_once(", largest ")?;
            let (largest, seconds) = rest.split_once(", seconds ")?;
            Some(vec![before, after, largest, seconds])
        })
        .unwrap_or_else(|| panic!("last line {last:?}"));
    (
        numbers[0].parse().unwrap(),
        numbers[1].parse().unwrap(),
        numbers[2].parse().unwrap(),
        numbers[3].parse().unwrap(),
    )
}

#[test]
fn ordered_covering_on_many_to_one_matches_rig() {
    let out = nmemu(&["tables", "minimise", MANY_TO_ONE, "--target", "0"]);
    let (before, after, largest, seconds) = total_line(&out);
    assert_eq!(before, 15_245);
    assert!(after <= 2_635, "{after}");
    assert!(largest <= 1_023, "{largest}");
    assert!(seconds >= 0.0);
    let text = stdout(&out);
    assert!(text.contains("(1, 1): 1,650 → 993"), "{text}");
    assert!(
        text.contains("equivalence: every table routes every key as before"),
        "{text}"
    );
}

#[test]
fn pair_json_and_out_file() {
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("minimised.json.gz");
    let out = nmemu(&[
        "tables",
        "minimise",
        MANY_TO_ONE,
        "--algorithm",
        "pair",
        "--target",
        "0",
        "--threads",
        "1",
        "--json",
        "--out",
        written.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["algorithm"], "pair");
    assert_eq!(report["tables"].as_array().unwrap().len(), 576);
    let after = report["after"].as_u64().unwrap();
    assert!(after <= 2_494, "{after}");
    // The written tables read back, and minimising them again keeps every route.
    let again = nmemu(&[
        "tables",
        "minimise",
        written.to_str().unwrap(),
        "--algorithm",
        "none",
    ]);
    let (before, unchanged, _, _) = total_line(&again);
    assert_eq!((before as u64, unchanged as u64), (after, after));
}

#[test]
fn the_router_target_only_touches_tables_that_do_not_fit() {
    let out = nmemu(&["tables", "minimise", MANY_TO_ONE, "--verbose"]);
    let (before, after, largest, _) = total_line(&out);
    assert!(largest <= 1_023 && largest > 1_000, "{largest}");
    assert!(before - after <= 1_650 - 1_000, "{before} -> {after}");
    assert_eq!(stdout(&out).matches(" → ").count(), 576);
    // Remove-default alone cannot fit the largest table.
    let out = nmemu(&[
        "tables",
        "minimise",
        MANY_TO_ONE,
        "--algorithm",
        "remove-default",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("(1, 1): remove-default could not fit 1650 entries into 1023"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_files_are_refused_with_the_place_named() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "bad.json",
            r#"[{"x": 0, "y": 0, "entries": [{"key": 1, "mask": -1, "defaultable": false, "spinnaker_route": 1}]}]"#,
            "bad.json: [0].entries[0].mask: expected an unsigned 32-bit integer, got -1",
        ),
        (
            "bad.csv",
            "0x0,0xFFFFFFFF,0x1\n0x1,0xFFFFFFFF\n",
            "bad.csv: line 2: expected key,mask,route, got 2 fields",
        ),
        (
            "truncated.json",
            "[{\"x\": 0,",
            "truncated.json: line 1, column",
        ),
        (
            "twice.json",
            r#"[{"x": 1, "y": 0, "entries": []}, {"x": 1, "y": 0, "entries": []}]"#,
            "twice.json: [1]: chip (1, 0) already has a table, at [0]; a router holds one table",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = nmemu(&["tables", "minimise", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = stderr(&out);
        assert!(err.contains(expected) && !err.contains("panicked"), "{err}");
    }
    let out = nmemu(&["tables", "minimise", "no/such/tables.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no/such/tables.json"));
    // Usage errors are the argument parser's.
    let out = nmemu(&["tables", "minimise", MANY_TO_ONE, "--algorithm", "espresso"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected one of ordered-covering, pair, remove-default, none"));
    assert_eq!(nmemu(&["tables"]).status.code(), Some(2));
    // A target the router cannot hold is refused before the file is read.
    let out = nmemu(&[
        "tables",
        "minimise",
        "no/such/file.json",
        "--target",
        "1024",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: --target 1024: a router holds at most 1023 application entries"
    );
}

#[test]
fn help_shows_an_example() {
    let out = nmemu(&["tables", "minimise", "--help"]);
    assert!(
        stdout(&out)
            .contains("nmemu tables minimise tests/data/routing-tables/many_to_one.json.gz")
    );
}
