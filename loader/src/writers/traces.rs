//! Analog traces: `<population>.<variable>.npy` plus its sibling `<population>.<variable>.json` (outputs.md).
//!
//! The array alone cannot say which neurons its columns are or how far apart its rows are, so the JSON sibling
//! carries the neuron indices and the sampling interval; time of row `s` is `s * sampling_interval_ms`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::atomic::write_json;
use super::error::WriteError;
use super::names::trace_names;
use super::npy::write_f64_matrix;
use super::recordings::{PopulationRecording, Trace};

/// Content of `<population>.<variable>.json`.
#[derive(Serialize)]
struct TraceInfo<'a> {
    neuron_indices: &'a [u32],
    sampling_interval_ms: f64,
    variable: &'a str,
    population: &'a str,
    /// Number of rows of the array, so a reader can check it without NumPy.
    samples: usize,
}

/// Write every trace of `population`; returns the paths written (array then JSON, per trace).
///
/// All traces are checked before the first file is written, so bad data leaves no partial set.
pub fn write_traces(
    dir: &Path,
    population: &PopulationRecording,
) -> Result<Vec<PathBuf>, WriteError> {
    let mut planned = Vec::with_capacity(population.traces.len());
    for trace in &population.traces {
        let (npy_name, json_name) = trace_names(&population.label, &trace.variable)?;
        let npy_path = dir.join(npy_name);
        let rows = check_trace(&npy_path, population, trace)?;
        planned.push((trace, npy_path, dir.join(json_name), rows));
    }
    let mut written = Vec::with_capacity(2 * planned.len());
    for (trace, npy_path, json_path, rows) in planned {
        write_f64_matrix(
            &npy_path,
            rows,
            trace.neuron_indices.len(),
            trace.samples.iter().copied(),
        )?;
        let info = TraceInfo {
            neuron_indices: &trace.neuron_indices,
            sampling_interval_ms: trace.sampling_interval_ms,
            variable: &trace.variable,
            population: &population.label,
            samples: rows,
        };
        write_json(&json_path, &info)?;
        written.push(npy_path);
        written.push(json_path);
    }
    Ok(written)
}

/// Number of sample rows of `trace`, after checking that `samples` fills whole rows, that every recorded
/// neuron exists and that the sampling interval is a positive finite number.
pub(crate) fn check_trace(
    path: &Path,
    population: &PopulationRecording,
    trace: &Trace,
) -> Result<usize, WriteError> {
    let columns = trace.neuron_indices.len();
    let values = trace.samples.len();
    let invalid = |problem: String| Err(WriteError::invalid(path, problem));
    if !(trace.sampling_interval_ms.is_finite() && trace.sampling_interval_ms > 0.0) {
        return invalid(format!(
            "sampling interval {} ms is not a positive number",
            trace.sampling_interval_ms
        ));
    }
    if let Some(&neuron) = trace.neuron_indices.iter().find(|&&n| n >= population.size) {
        return invalid(format!(
            "recorded neuron {neuron} but population {:?} has {} neurons",
            population.label, population.size
        ));
    }
    if columns == 0 {
        return if values == 0 {
            Ok(0)
        } else {
            invalid(format!("{values} samples but no recorded neurons"))
        };
    }
    if !values.is_multiple_of(columns) {
        return invalid(format!(
            "{values} samples is not a multiple of the {columns} recorded neurons"
        ));
    }
    Ok(values / columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writers::npy::tests::read_f64;

    fn population(traces: Vec<Trace>) -> PopulationRecording {
        PopulationRecording {
            label: "inh".into(),
            size: 10,
            spikes: None,
            traces,
        }
    }

    fn trace(variable: &str, neuron_indices: Vec<u32>, samples: Vec<f64>) -> Trace {
        Trace {
            variable: variable.into(),
            neuron_indices,
            sampling_interval_ms: 0.1,
            samples,
        }
    }

    #[test]
    fn array_and_sibling_json_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let samples = vec![-65.0, -70.0, -64.5, -69.0, -64.0, -68.0];
        let p = population(vec![trace("v", vec![0, 1], samples.clone())]);
        let written = write_traces(dir.path(), &p).unwrap();
        assert_eq!(
            written,
            vec![dir.path().join("inh.v.npy"), dir.path().join("inh.v.json")]
        );
        assert_eq!(read_f64(&written[0]), (vec![3, 2], samples));
        let info: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&written[1]).unwrap()).unwrap();
        assert_eq!(info["neuron_indices"], serde_json::json!([0, 1]));
        assert_eq!(info["sampling_interval_ms"], 0.1);
        assert_eq!(info["variable"], "v");
        assert_eq!(info["population"], "inh");
        assert_eq!(info["samples"], 3);
    }

    #[test]
    fn ragged_samples_are_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let p = population(vec![
            trace("v", vec![0], vec![1.0]),
            trace("gsyn_exc", vec![0, 1, 2], vec![0.0; 7]),
        ]);
        let err = write_traces(dir.path(), &p).unwrap_err();
        assert!(err.to_string().contains("inh.gsyn_exc.npy"), "{err}");
        assert!(err.to_string().contains("not a multiple of the 3"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn bad_neuron_or_interval_or_variable_is_refused() {
        let path = Path::new("x.npy");
        let p = population(vec![]);
        assert!(check_trace(path, &p, &trace("v", vec![10], vec![0.0])).is_err());
        assert!(check_trace(path, &p, &trace("v", vec![], vec![0.0])).is_err());
        let mut zero_interval = trace("v", vec![1], vec![0.0]);
        zero_interval.sampling_interval_ms = 0.0;
        assert!(check_trace(path, &p, &zero_interval).is_err());
        assert_eq!(
            check_trace(path, &p, &trace("v", vec![], vec![])).unwrap(),
            0
        );
        let dir = tempfile::tempdir().unwrap();
        let err =
            write_traces(dir.path(), &population(vec![trace("", vec![], vec![])])).unwrap_err();
        assert!(matches!(
            err,
            WriteError::UnsafeLabel {
                kind: "variable",
                ..
            }
        ));
    }
}
