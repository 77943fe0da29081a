//! run.json: the summary of one run, with every field outputs.md requires.
//!
//! The derived fields (`spikes_total`, `populations`, `realtime_factor`, `partial`, `completed_ms`) are computed
//! here from the recordings and the timings, so every caller reports them the same way.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::atomic::write_json;
use super::error::WriteError;
use super::health::{Energy, Health};
use super::recordings::Recordings;

/// The constant `"format": "nmemu-run/1"`; a type rather than a string so no caller can write another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunFormat;

impl RunFormat {
    pub const NAME: &'static str = "nmemu-run/1";
}

impl Serialize for RunFormat {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(Self::NAME)
    }
}

impl<'de> Deserialize<'de> for RunFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        if name == Self::NAME {
            Ok(RunFormat)
        } else {
            Err(serde::de::Error::custom(format!(
                "format {name:?} is not {:?}",
                Self::NAME
            )))
        }
    }
}

/// outputs.md: `machine_family` is `"spinnaker"` or `"brainscales"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MachineFamily {
    Spinnaker,
    Brainscales,
}

/// One entry of `populations` in run.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationStats {
    pub size: u32,
    /// Spikes written for this population; 0 when it does not record spikes (see `recorded`).
    pub spikes: u64,
    /// Mean rate per neuron over the simulated biological time; 0 when nothing was simulated.
    pub rate_hz: f64,
    /// Extra field: whether the population records spikes, so a 0 above is not mistaken for silence.
    pub recorded: bool,
}

/// What the caller knows about a run; [`RunSummary::new`] adds everything derivable.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// The preset name as given on the command line.
    pub machine: String,
    pub machine_family: MachineFamily,
    /// Path of the input as given.
    pub net: String,
    pub seed: u64,
    pub threads: usize,
    /// Biological time requested.
    pub duration_ms: f64,
    pub timestep_ms: f64,
    /// Host seconds of the run phase.
    pub wall_s: f64,
    pub map_wall_s: f64,
    /// Host seconds for loading the machine image, when that is a separate phase.
    pub load_wall_s: Option<f64>,
    /// How long the real machine would take (outputs.md: the emulator's own estimate).
    pub hardware_time_s: f64,
    /// `Some(t)` when the run was interrupted after simulating `t` biological ms.
    pub interrupted_at_ms: Option<f64>,
    /// Counters of anything lost or altered, zero when nothing was; the emulator decides the names.
    pub lost: BTreeMap<String, u64>,
    /// Whether the results can be trusted, and why not.
    pub health: Health,
    /// What the real machine would have spent, where the emulator has a power model.
    pub energy: Option<Energy>,
    /// The machine's settings for this run (e.g. SpiNNaker's `time_scale_factor`); the emulator names them.
    pub settings: BTreeMap<String, serde_json::Value>,
}

/// The content of run.json, fields in the order outputs.md lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub format: RunFormat,
    pub machine: String,
    pub machine_family: MachineFamily,
    pub net: String,
    pub seed: u64,
    pub threads: usize,
    pub duration_ms: f64,
    pub timestep_ms: f64,
    pub wall_s: f64,
    pub map_wall_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_wall_s: Option<f64>,
    pub realtime_factor: f64,
    pub hardware_time_s: f64,
    pub partial: bool,
    /// Always written: how far the run got; equal to `duration_ms` when it was not interrupted.
    pub completed_ms: f64,
    pub spikes_total: u64,
    pub populations: BTreeMap<String, PopulationStats>,
    pub lost: BTreeMap<String, u64>,
    pub health: Health,
    /// `energy.total_j`, at the top level for scripts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_j: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy: Option<Energy>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, serde_json::Value>,
}

impl RunSummary {
    /// Build the summary, deriving spike counts and rates from `recordings`.
    ///
    /// Rates and the realtime factor use the biological time actually simulated (`completed_ms`), which is
    /// `duration_ms` unless the run was interrupted: an interrupted run must not look quieter or slower.
    pub fn new(info: RunInfo, recordings: &Recordings) -> Self {
        let completed_ms = info.interrupted_at_ms.unwrap_or(info.duration_ms);
        let populations = recordings
            .populations
            .iter()
            .map(|p| {
                let spikes = p.spikes.as_ref().map_or(0, |s| s.len() as u64);
                let stats = PopulationStats {
                    size: p.size,
                    spikes,
                    rate_hz: rate_hz(spikes, p.size, completed_ms),
                    recorded: p.spikes.is_some(),
                };
                (p.label.clone(), stats)
            })
            .collect();
        RunSummary {
            format: RunFormat,
            machine: info.machine,
            machine_family: info.machine_family,
            net: info.net,
            seed: info.seed,
            threads: info.threads,
            duration_ms: info.duration_ms,
            timestep_ms: info.timestep_ms,
            wall_s: info.wall_s,
            map_wall_s: info.map_wall_s,
            load_wall_s: info.load_wall_s,
            realtime_factor: realtime_factor(completed_ms, info.wall_s),
            hardware_time_s: info.hardware_time_s,
            partial: info.interrupted_at_ms.is_some(),
            completed_ms,
            spikes_total: recordings.spike_count(),
            populations,
            lost: info.lost,
            health: info.health,
            energy_j: info.energy.as_ref().map(|e| e.total_j),
            energy: info.energy,
            settings: info.settings,
        }
    }

    /// The non-zero `lost` counters, for the warning outputs.md asks for.
    pub fn nonzero_lost(&self) -> Vec<(&str, u64)> {
        self.lost
            .iter()
            .filter(|&(_, &n)| n != 0)
            .map(|(name, &n)| (name.as_str(), n))
            .collect()
    }

    /// Refuse non-finite numbers: JSON has none, and serde_json would write `null` into a required field.
    pub(crate) fn check(&self, path: &Path) -> Result<(), WriteError> {
        let fields = [
            ("duration_ms", self.duration_ms),
            ("timestep_ms", self.timestep_ms),
            ("wall_s", self.wall_s),
            ("map_wall_s", self.map_wall_s),
            ("load_wall_s", self.load_wall_s.unwrap_or(0.0)),
            ("realtime_factor", self.realtime_factor),
            ("hardware_time_s", self.hardware_time_s),
            ("completed_ms", self.completed_ms),
        ];
        let stats = self
            .populations
            .values()
            .map(|s| ("populations.*.rate_hz", s.rate_hz));
        let energy = self.energy.iter().flat_map(|e| {
            std::iter::once(("energy.total_j", e.total_j))
                .chain(e.breakdown_j.values().map(|&j| ("energy.breakdown_j.*", j)))
                .chain(
                    e.per_synaptic_event_j
                        .map(|j| ("energy.per_synaptic_event_j", j)),
                )
        });
        match fields
            .into_iter()
            .chain(stats)
            .chain(energy)
            .find(|(_, v)| !v.is_finite())
        {
            Some((name, value)) => Err(WriteError::invalid(
                path,
                format!("{name} is {value}, not a finite number"),
            )),
            None => Ok(()),
        }
    }
}

/// Write `summary` to `path` (normally `<dir>/run.json`).
pub fn write_summary(path: &Path, summary: &RunSummary) -> Result<(), WriteError> {
    summary.check(path)?;
    write_json(path, summary)
}

/// Biological seconds per host second; 0 when the wall time is zero or not a number (nothing measurable).
fn realtime_factor(biological_ms: f64, wall_s: f64) -> f64 {
    let factor = biological_ms / 1000.0 / wall_s;
    if wall_s > 0.0 && factor.is_finite() {
        factor
    } else {
        0.0
    }
}

/// Mean rate per neuron in Hz; 0 when no time was simulated or the population is empty.
fn rate_hz(spikes: u64, size: u32, biological_ms: f64) -> f64 {
    if size == 0 || biological_ms.is_nan() || biological_ms <= 0.0 {
        return 0.0;
    }
    spikes as f64 / f64::from(size) / (biological_ms / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writers::recordings::{PopulationRecording, Spike};

    fn info() -> RunInfo {
        RunInfo {
            machine: "spinn-5".into(),
            machine_family: MachineFamily::Spinnaker,
            net: "examples/va.json".into(),
            seed: 7,
            threads: 2,
            duration_ms: 1000.0,
            timestep_ms: 1.0,
            wall_s: 4.0,
            map_wall_s: 0.5,
            load_wall_s: None,
            hardware_time_s: 1.0,
            interrupted_at_ms: None,
            lost: [
                ("dropped_packets".to_owned(), 0),
                ("timer_overruns".to_owned(), 3),
            ]
            .into_iter()
            .collect(),
            health: Health::from_reasons(Vec::new()),
            energy: None,
            settings: BTreeMap::new(),
        }
    }

    fn recordings() -> Recordings {
        let spikes = |n| {
            Some(vec![
                Spike {
                    neuron: 0,
                    time_ms: 1.0
                };
                n
            ])
        };
        Recordings {
            populations: vec![
                PopulationRecording {
                    label: "exc".into(),
                    size: 4,
                    spikes: spikes(20),
                    traces: vec![],
                },
                PopulationRecording {
                    label: "stim".into(),
                    size: 2,
                    spikes: None,
                    traces: vec![],
                },
                PopulationRecording {
                    label: "inh".into(),
                    size: 1,
                    spikes: spikes(0),
                    traces: vec![],
                },
            ],
        }
    }

    #[test]
    fn run_json_has_every_required_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        write_summary(&path, &RunSummary::new(info(), &recordings())).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for field in [
            "format",
            "machine",
            "machine_family",
            "net",
            "seed",
            "threads",
            "duration_ms",
            "timestep_ms",
            "wall_s",
            "map_wall_s",
            "realtime_factor",
            "hardware_time_s",
            "partial",
            "completed_ms",
            "spikes_total",
            "populations",
            "lost",
        ] {
            assert!(
                json.get(field).is_some_and(|v| !v.is_null()),
                "run.json lacks {field}"
            );
        }
        assert_eq!(json["format"], "nmemu-run/1");
        assert_eq!(json["machine_family"], "spinnaker");
        assert_eq!(json["spikes_total"], 20);
        assert_eq!(json["partial"], false);
        assert_eq!(json["completed_ms"], 1000.0);
        assert_eq!(json["lost"]["timer_overruns"], 3);
        assert!(json.get("load_wall_s").is_none());
        let exc = &json["populations"]["exc"];
        assert_eq!(
            (&exc["size"], &exc["spikes"], &exc["rate_hz"]),
            (&4.into(), &20.into(), &5.0.into())
        );
        assert_eq!(json["populations"]["stim"]["recorded"], false);
        let back: RunSummary = serde_json::from_value(json).unwrap();
        assert_eq!(back, RunSummary::new(info(), &recordings()));
    }

    #[test]
    fn realtime_factor_is_biological_over_host_seconds_and_guarded() {
        assert_eq!(RunSummary::new(info(), &recordings()).realtime_factor, 0.25);
        assert_eq!(realtime_factor(1000.0, 0.0), 0.0);
        assert_eq!(realtime_factor(1000.0, f64::NAN), 0.0);
        assert_eq!(realtime_factor(0.0, 2.0), 0.0);
        assert_eq!(realtime_factor(500.0, 0.25), 2.0);
    }

    #[test]
    fn rates_guard_zero_time_and_size() {
        assert_eq!(rate_hz(10, 5, 0.0), 0.0);
        assert_eq!(rate_hz(10, 0, 100.0), 0.0);
        assert_eq!(rate_hz(10, 5, 100.0), 20.0);
    }

    #[test]
    fn interrupted_run_is_partial_and_rates_use_the_completed_time() {
        let mut run = info();
        run.interrupted_at_ms = Some(250.0);
        let summary = RunSummary::new(run, &recordings());
        assert!(summary.partial);
        assert_eq!(summary.completed_ms, 250.0);
        assert_eq!(summary.duration_ms, 1000.0);
        assert_eq!(summary.populations["exc"].rate_hz, 20.0);
        assert_eq!(summary.realtime_factor, 0.0625);
    }

    #[test]
    fn non_finite_numbers_are_refused_by_name() {
        let mut summary = RunSummary::new(info(), &recordings());
        summary.hardware_time_s = f64::INFINITY;
        let err = write_summary(Path::new("run.json"), &summary).unwrap_err();
        assert!(err.to_string().contains("hardware_time_s"), "{err}");
    }

    #[test]
    fn wrong_format_does_not_read_back() {
        let mut json = serde_json::to_value(RunSummary::new(info(), &recordings())).unwrap();
        json["format"] = "nmemu-run/2".into();
        assert!(serde_json::from_value::<RunSummary>(json).is_err());
    }

    #[test]
    fn nonzero_lost_lists_only_losses() {
        let summary = RunSummary::new(info(), &recordings());
        assert_eq!(summary.nonzero_lost(), vec![("timer_overruns", 3)]);
    }
}
