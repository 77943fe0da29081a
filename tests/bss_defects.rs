//! Defects per wafer of a multi-wafer BrainScaleS machine: `--defects WAFER:FILE` and the hint's
//! `{"wafer": file}` reach the mapping and the run of that wafer only (tests/data/bss_two_wafers.json: `src`
//! on wafer 0's HICANN 100, `dst` on wafer 1's HICANN 200).

mod common;

use common::{json, nmemu, repo, run, spikes, stderr};

/// A defects file in `dir` killing the denmems of HICANN 200's left half (columns 0 to 127, both rows), or
/// the whole HICANN.
fn defects_file(dir: &std::path::Path, name: &str, whole: bool) -> String {
    let text = if whole {
        r#"{"dead_hicanns": [200]}"#.to_string()
    } else {
        let denmems: Vec<u32> = (0..128).chain(256..384).collect();
        serde_json::json!({"hicanns": [{"hicann": 200, "denmems": denmems}]}).to_string()
    };
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_wafer_s_defects_apply_to_that_wafer_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dead_200 = defects_file(tmp.path(), "dead200.json", true);
    let net = repo("tests/data/bss_two_wafers.json");
    let map = |defects: &str| {
        let out = tmp.path().join("out");
        let o = nmemu(&[
            "map",
            "--machine",
            "brainscales-2-wafers",
            net.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--force",
            "--defects",
            defects,
        ]);
        (o.status.code(), stderr(&o))
    };
    // validate counts the dead HICANN against the machine's usable denmems, on either wafer.
    let o = nmemu(&[
        "validate",
        net.to_str().unwrap(),
        "--machine",
        "brainscales-2-wafers",
        "--defects",
        &format!("1:{dead_200}"),
    ]);
    assert!(
        common::stdout(&o).contains("of the 2 wafers' 392,704 usable"),
        "{}",
        common::stdout(&o)
    );
    // Wafer 0's HICANN 200 is unused: the mapping does not care.
    assert_eq!(map(&dead_200).0, Some(0));
    // Wafer 1's is dst's by the placement hint: refused, naming it.
    let (code, e) = map(&format!("1:{dead_200}"));
    assert_ne!(code, Some(0));
    assert!(
        e.contains("extensions.brainscales.placement.dst") && e.contains("200"),
        "{e}"
    );
}

#[test]
fn a_run_avoids_the_defects_of_wafer_1_and_says_which_files_it_read() {
    let tmp = tempfile::tempdir().unwrap();
    let half = defects_file(tmp.path(), "half200.json", false);
    let flag = format!("1:{half}");
    let dir = run(
        "tests/data/bss_two_wafers.json",
        "brainscales-2-wafers",
        &["--mismatch", "off", "--defects", &flag],
    );
    // The run loads each wafer's image against its defects (dead denmems refuse an image using them), so a
    // mapping that ignored wafer 1's defects would not run; dst still fires from src across the wafers.
    let s = spikes(&dir.path().join("spikes.csv"));
    assert!(s.contains_key("dst"), "dst never fired: {s:?}");
    let settings = &json(&dir.path().join("run.json"))["settings"];
    assert_eq!(
        settings["defects"]["1"]["file"],
        half.as_str(),
        "{settings}"
    );
    assert_eq!(settings["defects"]["1"]["from"], "--defects", "{settings}");
    assert!(settings["defects"].get("0").is_none(), "{settings}");
}

#[test]
fn a_wafer_the_machine_lacks_is_refused_before_mapping() {
    let net = repo("tests/data/bss_two_wafers.json");
    for command in ["map", "validate"] {
        let o = nmemu(&[
            command,
            "--machine",
            "brainscales-2-wafers",
            net.to_str().unwrap(),
            "--defects",
            "2:nowhere.json",
        ]);
        assert_eq!(o.status.code(), Some(1), "{command}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(
                "--defects 2:nowhere.json: wafer 2 does not exist: \
                 --machine brainscales-2-wafers has wafers 0 to 1"
            ),
            "{command}: {}",
            stderr(&o)
        );
    }
}
