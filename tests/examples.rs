//! Every file in `examples/` runs with the **Run:** command its paragraph in `examples/README.md` gives, and
//! shows the behaviour that paragraph states. A new example without a paragraph, or a paragraph without a
//! command or a check here, fails.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{json, nmemu, repo, spikes};

/// example file name -> the command of its paragraph (without the leading `nmemu`).
fn readme_commands() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(repo("examples/README.md")).unwrap();
    let mut commands = BTreeMap::new();
    for paragraph in text.split("\n\n") {
        let Some(rest) = paragraph.strip_prefix("**`") else {
            continue;
        };
        let name = rest.split('`').next().unwrap().to_string();
        let joined = paragraph.replace('\n', " ");
        let command = joined
            .split("Run")
            .filter_map(|part| part.split_once('`').map(|(_, after)| after))
            .filter_map(|after| after.split('`').next())
            .find(|c| c.starts_with("nmemu "))
            .unwrap_or_else(|| {
                panic!("examples/README.md: the paragraph of {name} has no Run: command")
            });
        let words: Vec<String> = command
            .split_whitespace()
            .skip(1)
            .map(String::from)
            .collect();
        assert!(
            words.iter().any(|w| w == &format!("examples/{name}")),
            "{name}: its Run: command does not run it: {command}"
        );
        commands.insert(name, words);
    }
    commands
}

/// Population -> (spikes, rate in Hz) from run.json.
fn rates(dir: &Path) -> BTreeMap<String, (u64, f64)> {
    let run = json(&dir.join("run.json"));
    run["populations"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(label, p)| {
            (
                label.clone(),
                (
                    p["spikes"].as_u64().unwrap(),
                    p["rate_hz"].as_f64().unwrap(),
                ),
            )
        })
        .collect()
}

fn verdict(dir: &Path) -> String {
    json(&dir.join("run.json"))["health"]["verdict"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The PyNN parameters a BrainScaleS mapping clipped, sorted.
fn clipped_parameters(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = json(&dir.join("mapping.json"))["parameters_clipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["parameter"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn within(label: &str, value: f64, lo: f64, hi: f64) {
    assert!(
        (lo..=hi).contains(&value),
        "{label}: {value} not within [{lo}, {hi}]"
    );
}

#[test]
fn every_example_runs_as_its_readme_paragraph_says() {
    let commands = readme_commands();
    let mut files: Vec<String> = std::fs::read_dir(repo("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    for name in &files {
        let words = commands
            .get(name)
            .unwrap_or_else(|| panic!("examples/{name} has no paragraph in examples/README.md"));
        let dir = tempfile::tempdir().unwrap();
        let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
        let net = repo(&format!("examples/{name}"));
        let position = args
            .iter()
            .position(|w| w.starts_with("examples/"))
            .unwrap();
        args[position] = net.to_str().unwrap();
        args.extend(["--out", dir.path().to_str().unwrap(), "--quiet"]);
        let out = nmemu(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if name == "adex.json" {
            // SpiNNaker has no AdEx neuron and points to BrainScaleS.
            let spinnaker = nmemu(&["run", "--machine", "spinnaker-48", net.to_str().unwrap()]);
            let why = String::from_utf8_lossy(&spinnaker.stderr);
            assert!(
                why.contains("no AdEx") && why.contains("brainscales"),
                "{why}"
            );
        }
        assert!(out.status.success(), "{name}: {args:?}\n{stderr}");
        check(name, dir.path());
    }
}

/// What each paragraph promises.
fn check(name: &str, dir: &Path) {
    let r = rates(dir);
    let health = verdict(dir);
    match name {
        "single_neuron.json" => {
            assert_eq!(r["neuron"].0, 6);
            assert_eq!(health, "ok");
        }
        "synfire.json" => {
            let s = spikes(&dir.join("spikes.csv"));
            for k in 0..10 {
                let group = &s[&format!("g{k}")];
                assert_eq!(group.len(), 100, "g{k}: every cell fires");
                let expected = 16.0 + 6.0 * f64::from(k);
                assert!(
                    group.values().all(|t| t == &vec![expected]),
                    "g{k} fires once, all at {expected} ms"
                );
            }
            assert_eq!(health, "ok");
            let run = json(&dir.join("run.json"));
            assert_eq!(run["settings"]["time_scale_factor"], 1);
        }
        "va_cuba.json" => {
            within("exc Hz", r["exc"].1, 4.0, 7.0);
            within("inh Hz", r["inh"].1, 4.0, 7.0);
            assert_eq!(health, "ok");
        }
        "va_coba.json" => {
            within("exc Hz", r["exc"].1, 12.0, 18.0);
            within("inh Hz", r["inh"].1, 12.0, 18.0);
            assert_eq!(health, "ok");
            assert_eq!(
                json(&dir.join("run.json"))["settings"]["time_scale_factor"],
                4
            );
        }
        "stdp_poisson.json" => {
            within("post Hz", r["post"].1, 0.6, 1.2);
            within("input Hz", r["input"].1, 14.0, 16.0);
            assert_ne!(health, "unreliable");
            assert!(dir.join("input-%3Epost.weights.npy").exists());
        }
        "izhikevich.json" => {
            within("spikes", r["classes"].0 as f64, 320.0, 400.0);
            assert_ne!(health, "unreliable");
        }
        "long_delays.json" => {
            assert_eq!(r["delayed"].0, 512, "every neuron fires twice");
            assert_eq!(health, "ok");
        }
        "adex.json" => {
            let clipped = clipped_parameters(dir);
            assert_eq!(clipped, ["delta_T", "i_offset"], "{clipped:?}");
            let on_wafer = json(&dir.join("provenance.json"))["summary"]["spikes_on_wafer"]
                .as_f64()
                .unwrap();
            within("adex spikes on the wafer", on_wafer, 2000.0, 2600.0);
            let s = &spikes(&dir.join("spikes.csv"))["adex"];
            let count = |n: u32| s.get(&n).map_or(0, Vec::len);
            assert!(count(0) <= 1, "below 0.6 nA (nearly) silent");
            assert!(count(40) > 10, "above it tonic");
            let mapping = json(&dir.join("mapping.json"));
            assert_eq!(mapping["hicanns_used"], 25, "4 current stimuli per HICANN");
            assert_eq!(health, "degraded");
        }
        "va_coba_bss.json" => {
            assert!(clipped_parameters(dir).is_empty());
            let mapping = json(&dir.join("mapping.json"));
            for w in mapping["weights"].as_array().unwrap() {
                let (requested, realised) = (
                    w["requested_mean"].as_f64().unwrap(),
                    w["realised_mean"].as_f64().unwrap(),
                );
                within("realised weight", realised / requested, 0.95, 1.05);
            }
            let loss =
                mapping["synapses_lost"].as_f64().unwrap() / mapping["synapses"].as_f64().unwrap();
            within("synapse loss", loss, 0.0, 0.15);
            let on_wafer = json(&dir.join("provenance.json"))["summary"]["spikes_on_wafer"]
                .as_f64()
                .unwrap();
            within("Hz on the wafer", on_wafer / 1000.0, 10.0, 30.0);
            assert!(
                r["exc"].1 < on_wafer / 1000.0,
                "the recording delivers less at 10^4"
            );
        }
        "microcircuit_0.1.json" => {
            let published = [
                ("L23E", 0.97),
                ("L23I", 2.87),
                ("L4E", 4.75),
                ("L4I", 5.40),
                ("L5E", 8.14),
                ("L5I", 9.08),
                ("L6E", 0.99),
                ("L6I", 7.52),
            ];
            for (label, hz) in published {
                within(&format!("{label} Hz"), r[label].1, 0.5 * hz, 1.5 * hz);
            }
            assert_ne!(health, "unreliable");
            let run = json(&dir.join("run.json"));
            let factor = run["settings"]["time_scale_factor"].as_u64().unwrap();
            assert!((10..=60).contains(&factor), "auto chose {factor}");
        }
        other => panic!("examples/{other}: add the check of what its README paragraph states"),
    }
}
