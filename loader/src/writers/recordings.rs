//! What the emulators hand to the writers: spikes and analog traces per population, in biological units.
//!
//! These types are machine-independent on purpose (architecture sketch: the mapper owns every translation
//! between hardware and biology), so a SpiNNaker tick or a BrainScaleS wafer time never reaches this module.

/// One spike: neuron index within its population, time in biological milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    pub neuron: u32,
    pub time_ms: f64,
}

/// One recorded analog variable of one population (outputs.md: `<population>.<variable>.npy`).
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// `v`, `gsyn_exc`, `gsyn_inh`, ... as named in net.json's `record`; part of the file name.
    pub variable: String,
    /// The recorded neurons, in column order of `samples`.
    pub neuron_indices: Vec<u32>,
    pub sampling_interval_ms: f64,
    /// Row-major (sample, recorded neuron): `samples[s * neuron_indices.len() + j]` is neuron
    /// `neuron_indices[j]` at time `s * sampling_interval_ms`. Its length must be a multiple of
    /// `neuron_indices.len()` (the writer checks).
    pub samples: Vec<f64>,
}

/// Everything recorded from one population.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationRecording {
    pub label: String,
    pub size: u32,
    /// `Some` exactly when the population records spikes (it then gets a `.spikes.npy`, even if empty);
    /// any order, the writers sort.
    pub spikes: Option<Vec<Spike>>,
    pub traces: Vec<Trace>,
}

/// The recordings of a run, populations in net.json order (that order breaks time ties in spikes.csv).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recordings {
    pub populations: Vec<PopulationRecording>,
}

impl Recordings {
    /// Number of spikes recorded over all populations.
    pub fn spike_count(&self) -> u64 {
        self.populations
            .iter()
            .filter_map(|p| p.spikes.as_ref())
            .map(|s| s.len() as u64)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spike_count_sums_only_recording_populations() {
        let spike = Spike {
            neuron: 0,
            time_ms: 1.0,
        };
        let recordings = Recordings {
            populations: vec![
                PopulationRecording {
                    label: "a".into(),
                    size: 1,
                    spikes: Some(vec![spike; 3]),
                    traces: vec![],
                },
                PopulationRecording {
                    label: "b".into(),
                    size: 1,
                    spikes: None,
                    traces: vec![],
                },
                PopulationRecording {
                    label: "c".into(),
                    size: 1,
                    spikes: Some(vec![spike; 2]),
                    traces: vec![],
                },
            ],
        };
        assert_eq!(recordings.spike_count(), 5);
    }
}

/// Builders shared by the writers' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::{PopulationRecording, Spike};

    pub fn spike(neuron: u32, time_ms: f64) -> Spike {
        Spike { neuron, time_ms }
    }

    pub fn population(label: &str, size: u32, spikes: Option<Vec<Spike>>) -> PopulationRecording {
        PopulationRecording {
            label: label.into(),
            size,
            spikes,
            traces: vec![],
        }
    }
}
