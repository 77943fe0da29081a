//! `<population>.spikes.npy` (outputs.md) and the per-population sort that spikes.csv shares.
//!
//! outputs.md orders spikes.csv by time, then population order in net.json, then neuron. Within one
//! population that is (time, neuron), so each population is checked and sorted once by that key; the result
//! is written as its `.spikes.npy` and merged into spikes.csv by [`super::spikes_csv`].

use std::path::{Path, PathBuf};

use super::error::WriteError;
use super::names::spikes_npy_name;
use super::npy::write_f64_matrix;
use super::recordings::{PopulationRecording, Recordings, Spike};

/// Write `<dir>/<label>.spikes.npy` (float64, shape (n, 2): neuron, time_ms) in spikes.csv order; returns
/// its path, or `None` when the population does not record spikes.
pub fn write_population_spikes_npy(
    dir: &Path,
    population: &PopulationRecording,
) -> Result<Option<PathBuf>, WriteError> {
    let Some(spikes) = &population.spikes else {
        return Ok(None);
    };
    let path = dir.join(spikes_npy_name(&population.label)?);
    let sorted = sort_population(&path, population, spikes)?;
    write_npy_sorted(&path, &sorted)?;
    Ok(Some(path))
}

/// Check and sort every population's spikes; `None` for populations that do not record spikes.
/// Problems are reported against `path` (the file about to be written).
pub(crate) fn sort_recordings(
    path: &Path,
    recordings: &Recordings,
) -> Result<Vec<Option<Vec<Spike>>>, WriteError> {
    recordings
        .populations
        .iter()
        .map(|population| {
            population
                .spikes
                .as_ref()
                .map(|spikes| sort_population(path, population, spikes))
                .transpose()
        })
        .collect()
}

/// A sorted copy of `spikes` by (time, neuron), after checking every neuron index is within the population
/// and every time is finite (NaN has no place in a time order). `-0.0` becomes `0.0` so that it neither
/// sorts before `0` nor prints as `-0`.
fn sort_population(
    path: &Path,
    population: &PopulationRecording,
    spikes: &[Spike],
) -> Result<Vec<Spike>, WriteError> {
    let mut sorted = Vec::with_capacity(spikes.len());
    for spike in spikes {
        if spike.neuron >= population.size {
            return Err(WriteError::invalid(
                path,
                format!(
                    "population {:?}: spike of neuron {} but the population has {} neurons",
                    population.label, spike.neuron, population.size
                ),
            ));
        }
        if !spike.time_ms.is_finite() {
            return Err(WriteError::invalid(
                path,
                format!(
                    "population {:?}: spike of neuron {} at time {} ms",
                    population.label, spike.neuron, spike.time_ms
                ),
            ));
        }
        let time_ms = if spike.time_ms == 0.0 {
            0.0
        } else {
            spike.time_ms
        };
        sorted.push(Spike {
            neuron: spike.neuron,
            time_ms,
        });
    }
    sorted.sort_unstable_by(|a, b| {
        a.time_ms
            .total_cmp(&b.time_ms)
            .then(a.neuron.cmp(&b.neuron))
    });
    Ok(sorted)
}

/// Write one population's already sorted spikes as an (n, 2) float64 array.
pub(crate) fn write_npy_sorted(path: &Path, sorted: &[Spike]) -> Result<(), WriteError> {
    let values = sorted.iter().flat_map(|s| [f64::from(s.neuron), s.time_ms]);
    write_f64_matrix(path, sorted.len(), 2, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writers::npy::tests::read_f64;

    use crate::writers::recordings::fixtures::{population, spike};

    #[test]
    fn npy_reads_back_in_csv_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = population(
            "exc",
            8,
            Some(vec![spike(7, 2.5), spike(1, 0.5), spike(0, 2.5)]),
        );
        let path = write_population_spikes_npy(dir.path(), &p)
            .unwrap()
            .unwrap();
        assert_eq!(path, dir.path().join("exc.spikes.npy"));
        let (shape, values) = read_f64(&path);
        assert_eq!(shape, vec![3, 2]);
        assert_eq!(values, vec![1.0, 0.5, 0.0, 2.5, 7.0, 2.5]);
    }

    #[test]
    fn npy_is_written_even_when_empty_and_skipped_when_not_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let empty = population("quiet", 2, Some(vec![]));
        let path = write_population_spikes_npy(dir.path(), &empty)
            .unwrap()
            .unwrap();
        assert_eq!(read_f64(&path), (vec![0, 2], vec![]));
        let unrecorded = population("unrecorded", 2, None);
        assert_eq!(
            write_population_spikes_npy(dir.path(), &unrecorded).unwrap(),
            None
        );
        assert!(!dir.path().join("unrecorded.spikes.npy").exists());
    }

    #[test]
    fn npy_refuses_an_unsafe_label_and_escapes_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = population("a\nb", 2, Some(vec![]));
        let err = write_population_spikes_npy(dir.path(), &p).unwrap_err();
        assert!(matches!(err, WriteError::UnsafeLabel { .. }));
        let p = population("../escape", 2, Some(vec![]));
        let path = write_population_spikes_npy(dir.path(), &p)
            .unwrap()
            .unwrap();
        assert_eq!(path, dir.path().join("%2E.%2Fescape.spikes.npy"));
    }
}
