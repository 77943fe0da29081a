//! The result files of `nmemu run`, exactly as shared/spec/outputs.md names them.
//!
//! Scripts, notebooks and the test suite read these files, so names and fields are fixed by the spec; this
//! module is the only place that knows them. Every file is written atomically ([`write_atomic`]),
//! [`write_run_outputs`] checks all its inputs before writing the first file, and a result set is staged beside
//! its directory and moved into place whole ([`OutDir`]), so neither bad data nor a killed run leaves a
//! half-written or mixed result directory.
//!
//! The data types are machine-independent: emulators hand over spikes and traces in biological units per
//! population ([`Recordings`]), final plastic weights per projection ([`PlasticWeights`]), a [`RunSummary`]
//! and their counters ([`Provenance`]); the mapping report arrives already built.

mod atomic;
mod error;
mod health;
mod names;
mod npy;
mod out_dir;
mod provenance;
mod recordings;
mod spikes;
mod spikes_csv;
mod summary;
mod traces;
mod weights;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use atomic::{refuse_link, write_atomic, write_json};
pub use error::WriteError;
pub use health::{Energy, Health, HealthReason, Verdict};
pub use names::{
    MAPPING_JSON, MAX_FILE_NAME_BYTES, PROVENANCE_JSON, RUN_JSON, SPIKES_CSV, check_label,
    file_stem, spikes_npy_name, trace_names, unsafe_label_reason, weights_npy_name,
};
pub use out_dir::{OutDir, RESULT_MARKER, STAGING_PREFIX, Staging};
pub use provenance::{Provenance, write_provenance};
pub use recordings::{PopulationRecording, Recordings, Spike, Trace};
pub use spikes::write_population_spikes_npy;
pub use spikes_csv::write_spikes_csv;
pub use summary::{MachineFamily, PopulationStats, RunFormat, RunInfo, RunSummary, write_summary};
pub use traces::write_traces;
pub use weights::{PlasticWeights, write_weights_npy};

/// Write every file of outputs.md's table into `dir` (created if missing); returns the paths written.
///
/// Order: spike arrays, spikes.csv, traces, weights, provenance.json, mapping.json and run.json last, so the
/// presence of run.json means the rest is complete. `mapping` is the mapper's report, written as is. `dir` is
/// meant to be a [`Staging`] directory, which [`Staging::commit`] puts in place of `--out` whole.
///
/// Refused before anything is written: unsafe labels, two outputs with the same file name (e.g. population
/// `a` variable `b.v` and population `a.b` variable `v`), duplicate population labels, spikes or traces that
/// do not fit their population, a provenance section named `totals`, non-finite numbers in the summary and
/// a mapping that is not JSON.
pub fn write_run_outputs(
    dir: &Path,
    recordings: &Recordings,
    summary: &RunSummary,
    provenance: &Provenance,
    mapping: &impl Serialize,
    weights: &[PlasticWeights],
) -> Result<Vec<PathBuf>, WriteError> {
    check_file_names(dir, recordings, weights)?;
    let csv_path = dir.join(SPIKES_CSV);
    let sorted = spikes::sort_recordings(&csv_path, recordings)?;
    for population in &recordings.populations {
        for trace in &population.traces {
            let (npy_name, _) = trace_names(&population.label, &trace.variable)?;
            traces::check_trace(&dir.join(npy_name), population, trace)?;
        }
    }
    let provenance_json = dir.join(PROVENANCE_JSON);
    provenance.check(&provenance_json)?;
    let run_json = dir.join(RUN_JSON);
    summary.check(&run_json)?;
    let mapping_json = dir.join(MAPPING_JSON);
    let mapping_bytes = atomic::json_bytes(&mapping_json, mapping)?;

    std::fs::create_dir_all(dir).map_err(|e| WriteError::io(dir, e))?;
    let mut written = Vec::new();
    for (population, sorted) in recordings.populations.iter().zip(&sorted) {
        if let Some(sorted) = sorted {
            let path = dir.join(spikes_npy_name(&population.label)?);
            spikes::write_npy_sorted(&path, sorted)?;
            written.push(path);
        }
    }
    spikes_csv::write_csv_sorted(&csv_path, recordings, &sorted)?;
    written.push(csv_path);
    for population in &recordings.populations {
        written.extend(write_traces(dir, population)?);
    }
    for projection in weights {
        written.push(write_weights_npy(dir, projection)?);
    }
    write_provenance(&provenance_json, provenance)?;
    written.push(provenance_json);
    write_atomic(&mapping_json, |w| w.write_all(&mapping_bytes))?;
    written.push(mapping_json);
    write_summary(&run_json, summary)?;
    written.push(run_json);
    Ok(written)
}

/// Check every label and that no two outputs (nor two populations) share a name: writing one file over another
/// would silently lose results.
fn check_file_names(
    dir: &Path,
    recordings: &Recordings,
    weights: &[PlasticWeights],
) -> Result<(), WriteError> {
    let mut owners: BTreeMap<String, String> =
        [SPIKES_CSV, RUN_JSON, PROVENANCE_JSON, MAPPING_JSON]
            .into_iter()
            .map(|name| (name.to_owned(), "the run".to_owned()))
            .collect();
    let mut claim = |name: String, owner: String| match owners.get(&name) {
        Some(first) => Err(WriteError::invalid(
            dir.join(&name),
            format!("written for both {first} and {owner}"),
        )),
        None => {
            owners.insert(name, owner);
            Ok(())
        }
    };
    let mut labels = BTreeSet::new();
    for population in &recordings.populations {
        check_label("population", &population.label)?;
        if !labels.insert(population.label.as_str()) {
            return Err(WriteError::invalid(
                dir,
                format!("population label {:?} appears twice", population.label),
            ));
        }
        let owner = format!("population {:?}", population.label);
        if population.spikes.is_some() {
            claim(spikes_npy_name(&population.label)?, owner.clone())?;
        }
        for trace in &population.traces {
            let (npy, json) = trace_names(&population.label, &trace.variable)?;
            claim(npy, owner.clone())?;
            claim(json, owner.clone())?;
        }
    }
    for projection in weights {
        let name = weights_npy_name(&projection.projection)?;
        claim(name, format!("projection {:?}", projection.projection))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info() -> RunInfo {
        RunInfo {
            machine: "nmpm1".into(),
            machine_family: MachineFamily::Brainscales,
            net: "net.json".into(),
            seed: 1,
            threads: 2,
            duration_ms: 100.0,
            timestep_ms: 0.1,
            wall_s: 1.0,
            map_wall_s: 0.2,
            load_wall_s: Some(0.1),
            hardware_time_s: 1e-5,
            interrupted_at_ms: None,
            lost: BTreeMap::new(),
            health: Health::from_reasons(Vec::new()),
            energy: None,
            settings: BTreeMap::new(),
        }
    }

    fn population(
        label: &str,
        spikes: Option<Vec<Spike>>,
        traces: Vec<Trace>,
    ) -> PopulationRecording {
        PopulationRecording {
            label: label.into(),
            size: 3,
            spikes,
            traces,
        }
    }

    fn trace(variable: &str) -> Trace {
        Trace {
            variable: variable.into(),
            neuron_indices: vec![0, 2],
            sampling_interval_ms: 1.0,
            samples: vec![0.0; 4],
        }
    }

    fn write(
        dir: &Path,
        recordings: &Recordings,
        weights: &[PlasticWeights],
    ) -> Result<Vec<PathBuf>, WriteError> {
        let summary = RunSummary::new(info(), recordings);
        let provenance = Provenance {
            summary: BTreeMap::new(),
            totals: [("l2_events_dropped".to_owned(), 0)].into_iter().collect(),
            sections: [("hicanns".to_owned(), vec![json!({"hicann": 0})])]
                .into_iter()
                .collect(),
        };
        write_run_outputs(
            dir,
            recordings,
            &summary,
            &provenance,
            &json!({"format": "nmemu-mapping/1"}),
            weights,
        )
    }

    #[test]
    fn every_file_of_the_table_is_written_run_json_last() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("nmemu-out/net");
        let recordings = Recordings {
            populations: vec![
                population("stim", None, vec![]),
                population(
                    "exc",
                    Some(vec![Spike {
                        neuron: 2,
                        time_ms: 3.0,
                    }]),
                    vec![trace("v")],
                ),
            ],
        };
        let weights = [PlasticWeights {
            projection: "stim->exc#0".into(),
            rows: vec![(0, 1, 0.01)],
        }];
        let written = write(&dir, &recordings, &weights).unwrap();
        let names: Vec<&str> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "exc.spikes.npy",
                "spikes.csv",
                "exc.v.npy",
                "exc.v.json",
                "stim-%3Eexc%230.weights.npy",
                "provenance.json",
                "mapping.json",
                "run.json",
            ]
        );
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        on_disk.sort();
        let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        expected.sort();
        assert_eq!(
            on_disk, expected,
            "exactly the returned files, no temporaries"
        );
        let csv = std::fs::read_to_string(dir.join("spikes.csv")).unwrap();
        assert_eq!(csv, "population,neuron,time_ms\nexc,2,3\n");
        let run: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
        assert_eq!(run["spikes_total"], 1);
        assert_eq!(run["machine_family"], "brainscales");
        let mapping = std::fs::read_to_string(dir.join("mapping.json")).unwrap();
        assert_eq!(mapping, "{\n  \"format\": \"nmemu-mapping/1\"\n}\n");
    }

    fn refused_before_writing(recordings: Recordings, weights: &[PlasticWeights], needle: &str) {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let err = write(&dir, &recordings, weights).unwrap_err();
        assert!(
            err.to_string().contains(needle),
            "{err} should mention {needle}"
        );
        assert!(!dir.exists(), "nothing may be written: {err}");
    }

    #[test]
    fn colliding_file_names_are_refused() {
        let recordings = Recordings {
            populations: vec![
                population("a", None, vec![trace("b.v")]),
                population("a.b", None, vec![trace("v")]),
            ],
        };
        refused_before_writing(recordings, &[], "a.b.v.npy");
        let recordings = Recordings {
            populations: vec![population("exc", None, vec![trace("weights")])],
        };
        let weights = [PlasticWeights {
            projection: "exc".into(),
            rows: vec![],
        }];
        refused_before_writing(recordings, &weights, "exc.weights.npy");
    }

    #[test]
    fn bad_inputs_are_refused_before_writing() {
        let twice = Recordings {
            populations: vec![population("p", None, vec![]), population("p", None, vec![])],
        };
        refused_before_writing(twice, &[], "appears twice");
        let unsafe_label = Recordings {
            populations: vec![population("p\u{1b}", None, vec![])],
        };
        refused_before_writing(unsafe_label, &[], "\"p\\u{1b}\"");
        let bad_spike = Recordings {
            populations: vec![population(
                "p",
                Some(vec![Spike {
                    neuron: 3,
                    time_ms: 0.0,
                }]),
                vec![],
            )],
        };
        refused_before_writing(bad_spike, &[], "neuron 3");
        let mut ragged = trace("v");
        ragged.samples.pop();
        refused_before_writing(
            Recordings {
                populations: vec![population("p", None, vec![ragged])],
            },
            &[],
            "p.v.npy",
        );
    }

    #[test]
    fn unserialisable_mapping_is_refused_before_writing() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let recordings = Recordings::default();
        let mapping: BTreeMap<(u8, u8), u8> = [((0, 0), 1)].into_iter().collect();
        let summary = RunSummary::new(info(), &recordings);
        let err = write_run_outputs(
            &dir,
            &recordings,
            &summary,
            &Provenance::default(),
            &mapping,
            &[],
        )
        .unwrap_err();
        assert!(matches!(err, WriteError::Json { .. }), "{err}");
        assert!(!dir.exists());
    }
}
