//! spikes.csv (outputs.md): header `population,neuron,time_ms`, one row per recorded spike.
//!
//! Rows are ordered by time, then population order in net.json, then neuron. The per-population lists sorted
//! by [`super::spikes`] are k-way merged on (time, population index, neuron) keys, so millions of spikes cost
//! one sort per population and a heap with one entry per population: no string comparison, no allocation
//! per row.
//!
//! Times are written with Rust's `Display` for `f64`: the shortest decimal that parses back to the same f64,
//! never in exponent form, and without a fractional part for whole numbers (`17`, `17.5`, `0.1`).

use std::borrow::Cow;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;
use std::path::{Path, PathBuf};

use super::atomic::write_atomic;
use super::error::WriteError;
use super::names::SPIKES_CSV;
use super::recordings::{Recordings, Spike};
use super::spikes::sort_recordings;

/// Write `<dir>/spikes.csv` for every population of `recordings` that records spikes; returns its path.
pub fn write_spikes_csv(dir: &Path, recordings: &Recordings) -> Result<PathBuf, WriteError> {
    let path = dir.join(SPIKES_CSV);
    let sorted = sort_recordings(&path, recordings)?;
    write_csv_sorted(&path, recordings, &sorted)?;
    Ok(path)
}

/// The next unwritten spike of one population, ordered as spikes.csv rows are.
#[derive(Clone, Copy)]
struct Head {
    time_ms: f64,
    population: usize,
    neuron: u32,
    /// Index of the spike after this one in the population's sorted list.
    next: usize,
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        self.time_ms
            .total_cmp(&other.time_ms)
            .then(self.population.cmp(&other.population))
            .then(self.neuron.cmp(&other.neuron))
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

/// Write spikes.csv from per-population lists sorted by [`sort_recordings`] (paired with
/// `recordings.populations` in order), merging them on (time, population index, neuron).
pub(crate) fn write_csv_sorted(
    path: &Path,
    recordings: &Recordings,
    sorted: &[Option<Vec<Spike>>],
) -> Result<(), WriteError> {
    // Only recording populations, still in net.json order, so an index into `lists` orders as population
    // order does; the heap holds only indices taken from `lists` itself.
    let lists: Vec<(Cow<'_, str>, &[Spike])> = recordings
        .populations
        .iter()
        .zip(sorted)
        .filter_map(|(p, s)| s.as_deref().map(|s| (csv_field(&p.label), s)))
        .collect();
    let mut heap: BinaryHeap<Reverse<Head>> = lists
        .iter()
        .enumerate()
        .filter_map(|(population, (_, list))| {
            list.first().map(|first| {
                Reverse(Head {
                    time_ms: first.time_ms,
                    population,
                    neuron: first.neuron,
                    next: 1,
                })
            })
        })
        .collect();

    write_atomic(path, |out| {
        out.write_all(b"population,neuron,time_ms\n")?;
        while let Some(mut top) = heap.peek_mut() {
            let head = top.0;
            let (label, list) = &lists[head.population];
            writeln!(out, "{label},{},{}", head.neuron, head.time_ms)?;
            match list.get(head.next) {
                Some(spike) => {
                    *top = Reverse(Head {
                        time_ms: spike.time_ms,
                        population: head.population,
                        neuron: spike.neuron,
                        next: head.next + 1,
                    });
                }
                None => {
                    PeekMut::pop(top);
                }
            }
        }
        Ok(())
    })
}

/// A label as one CSV field (RFC 4180): quoted, with inner quotes doubled, only when it contains a comma,
/// a quote or a line break, so ordinary labels stay bare.
fn csv_field(label: &str) -> Cow<'_, str> {
    if label.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", label.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writers::recordings::PopulationRecording;

    use crate::writers::recordings::fixtures::{population, spike};

    #[test]
    fn csv_orders_by_time_then_population_order_then_neuron() {
        // "zeta" comes first in net.json: population order, not label order, breaks time ties.
        let recordings = Recordings {
            populations: vec![
                population(
                    "zeta",
                    10,
                    Some(vec![spike(5, 1.0), spike(2, 1.0), spike(9, 0.5)]),
                ),
                population("silent", 10, None),
                population(
                    "alpha",
                    10,
                    Some(vec![spike(0, 1.0), spike(3, 0.25), spike(1, 2.0)]),
                ),
            ],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = write_spikes_csv(dir.path(), &recordings).unwrap();
        assert_eq!(path, dir.path().join("spikes.csv"));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "population,neuron,time_ms\n\
             alpha,3,0.25\n\
             zeta,9,0.5\n\
             zeta,2,1\n\
             zeta,5,1\n\
             alpha,0,1\n\
             alpha,1,2\n"
        );
    }

    #[test]
    fn times_round_trip_without_noise() {
        let times = [17.0, 0.1, 1.0 / 3.0, 1e-7, 123456.789, -0.0];
        let spikes = times.iter().map(|&t| spike(0, t)).collect();
        let recordings = Recordings {
            populations: vec![population("p", 1, Some(spikes))],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = write_spikes_csv(dir.path(), &recordings).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let written: Vec<&str> = text
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap())
            .collect();
        assert_eq!(written[0], "0");
        assert_eq!(written[3], "0.3333333333333333");
        assert_eq!(written[4], "17");
        let mut expected = times.to_vec();
        expected.sort_by(f64::total_cmp);
        let parsed: Vec<f64> = written.iter().map(|t| t.parse().unwrap()).collect();
        assert_eq!(parsed, expected);
        assert!(
            written.iter().all(|t| !t.contains('e')),
            "no exponent form: {written:?}"
        );
    }

    #[test]
    fn labels_with_commas_or_quotes_are_quoted() {
        assert_eq!(csv_field("exc"), "exc");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn no_recording_population_gives_just_the_header() {
        let recordings = Recordings {
            populations: vec![population("p", 3, None)],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = write_spikes_csv(dir.path(), &recordings).unwrap();
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            "population,neuron,time_ms\n"
        );
    }

    #[test]
    fn bad_spikes_are_refused_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        for (bad, needle) in [(spike(4, 1.0), "neuron 4"), (spike(0, f64::NAN), "NaN")] {
            let recordings = Recordings {
                populations: vec![population("p", 4, Some(vec![spike(0, 0.0), bad]))],
            };
            let err = write_spikes_csv(dir.path(), &recordings).unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
            assert!(err.to_string().contains("\"p\""), "{err}");
            assert!(!dir.path().join("spikes.csv").exists());
        }
    }

    #[test]
    fn merge_of_many_spikes_is_sorted_and_complete() {
        // A fixed linear congruential generator: coarse times make many ties across and within populations.
        let mut state: u64 = 12345;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        let populations: Vec<PopulationRecording> = (0..4)
            .map(|p| {
                let spikes = (0..20_000)
                    .map(|_| spike(next() % 50, f64::from(next() % 1000) * 0.1))
                    .collect();
                population(&format!("p{p}"), 50, Some(spikes))
            })
            .collect();
        let recordings = Recordings { populations };
        let dir = tempfile::tempdir().unwrap();
        let text =
            std::fs::read_to_string(write_spikes_csv(dir.path(), &recordings).unwrap()).unwrap();
        let keys: Vec<(f64, u32, u32)> = text
            .lines()
            .skip(1)
            .map(|line| {
                let mut fields = line.split(',');
                let pop: u32 = fields.next().unwrap()[1..].parse().unwrap();
                let neuron = fields.next().unwrap().parse().unwrap();
                (fields.next().unwrap().parse().unwrap(), pop, neuron)
            })
            .collect();
        assert_eq!(keys.len(), 80_000);
        assert!(keys.windows(2).all(|w| {
            w[0].0
                .total_cmp(&w[1].0)
                .then(w[0].1.cmp(&w[1].1))
                .then(w[0].2.cmp(&w[1].2))
                != Ordering::Greater
        }));
    }
}
