//! What `map` and `run` share: the network file, the machine to map it on, and the mapping itself.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use nmemu_loader::format::parse::parse_str;
use nmemu_loader::input::{read_bounded, read_net_file};
use nmemu_loader::{Limits, Network};
use nmemu_mapping::progress::{Observer, Phase as _};
use nmemu_mapping::spinnaker::Phase;
use nmemu_mapping::spinnaker::{Mapped, SpinnakerOptions, map, time_scale};
use spinnaker_emu::faults::{self, Faults};
use spinnaker_emu::image::MachineDescription;

use super::memory::MemoryArgs;
use super::progress::Progress;

#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// The network file (net.json, format nmemu-net/1).
    pub net: PathBuf,
    /// A machine preset (see `nmemu machines`), e.g. spinnaker-48; case is ignored.
    #[arg(long)]
    pub machine: String,
    /// Master seed (default: the network's `simulation.seed`). Changes connectivity, parameters drawn
    /// from distributions, Poisson trains and the placement.
    #[arg(long)]
    pub seed: Option<u64>,
    /// A faults file naming dead chips, cores and links. The file holds JSON such as
    /// {"dead_chips": [[x, y]], "dead_cores": [[x, y, core]], "dead_links": [[x, y, link]]}.
    #[arg(long, value_name = "FILE")]
    pub faults: Option<PathBuf>,
    /// All 17 application cores on every chip, instead of sPyNNaker's realistic counts.
    #[arg(long)]
    pub ideal_cores: bool,
    /// Host threads (results do not depend on it), at most 4 x the host's cores. Mapping uses all cores by
    /// default; the emulation kernel by default uses as many threads (at most the host's cores) as give every
    /// thread's share of the machine 8 busy chips, else 1: its conservative parallel windows only pay off
    /// when many chips are busy (a large network on a large machine). With more than one thread it still runs
    /// sequentially whenever it measures that faster (a busy host, a quiet network).
    #[arg(long, value_parser = super::parse_threads)]
    pub threads: Option<usize>,
    /// Fire each core's timer every timestep x N (sPyNNaker's time_scale_factor): N times the cycles per
    /// tick, N times slower than real time on the real machine. `auto`: the smallest N at which a probe run
    /// of the first --probe-ms has no overrun and no input-buffer loss.
    #[arg(long, default_value = "1", value_parser = parse_time_scale)]
    pub time_scale_factor: TimeScale,
    /// With --time-scale-factor auto: biological ms each probe runs (at most the network's duration).
    #[arg(long, default_value_t = 100.0)]
    pub probe_ms: f64,
    /// No progress bar (and, when stderr is not a terminal, no progress lines).
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub memory: MemoryArgs,
}

/// `--time-scale-factor`: a number, or `auto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeScale {
    Fixed(u32),
    Auto,
}

fn parse_time_scale(text: &str) -> Result<TimeScale, String> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(TimeScale::Auto);
    }
    match text.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(TimeScale::Fixed(n)),
        _ => Err(format!(
            "expected a whole number >= 1 or `auto`, got `{text}`"
        )),
    }
}

/// A network and the machine's faults, read and checked: everything the mapping needs.
pub struct Loaded {
    pub net: Network,
    pub seed: u64,
    faults: Faults,
    preset: spinnaker_emu::Preset,
}

/// A network mapped onto a machine, and how long that took.
pub struct Target {
    /// The preset, spelt canonically (`spinnaker-48` for `SpiNNaker-48`).
    pub machine: String,
    pub net: Network,
    pub mapped: Mapped,
    pub seed: u64,
    pub map_wall_s: f64,
}

impl TargetArgs {
    /// Threads for mapping: `--threads`, else all cores.
    pub fn mapping_threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// Threads for the emulation kernel: `--threads`, else `paying()`, what pays off for the loaded network.
    pub fn kernel_threads(&self, paying: impl FnOnce() -> usize) -> usize {
        self.threads.unwrap_or_else(paying)
    }

    /// Checks the flags and reads the network (with `--seed` applied) and the faults file, each read bounded:
    /// everything that can be refused before the mapping's long work.
    pub fn load(&self) -> Result<Loaded, String> {
        let preset = super::machines::parse(&self.machine)?
            .spinnaker("BrainScaleS mapping is not available yet")?;
        if self.time_scale_factor == TimeScale::Auto
            && !(self.probe_ms.is_finite() && self.probe_ms > 0.0)
        {
            return Err(format!(
                "--probe-ms: must be a positive number of ms, got {}",
                self.probe_ms
            ));
        }
        let at = |e: &dyn std::fmt::Display| format!("{}: {e}", self.net.display());
        let text = read_net_file(&self.net).map_err(|e| at(&e))?;
        let mut file = parse_str(&text).map_err(|e| at(&e))?;
        if let Some(seed) = self.seed {
            file.simulation.seed = seed;
        }
        let seed = file.simulation.seed;
        let net = Network::from_file(&file, &Limits::default()).map_err(|e| at(&e))?;
        let faults = match &self.faults {
            None => Faults::default(),
            Some(path) => {
                let at = |e: &dyn std::fmt::Display| format!("--faults {}: {e}", path.display());
                let text = read_bounded(path, faults::MAX_FILE_BYTES, "a faults file")
                    .map_err(|e| at(&e))?;
                Faults::from_json(&text).map_err(|e| at(&e))?
            }
        };
        Ok(Loaded {
            net,
            seed,
            faults,
            preset,
        })
    }

    /// Maps a loaded network onto `--machine`; `running`: the image will be run (its copy in the emulator
    /// counts against `--max-memory`).
    pub fn map(&self, loaded: Loaded, running: bool) -> Result<Target, String> {
        let Loaded {
            net,
            seed,
            faults,
            preset,
        } = loaded;
        let description = MachineDescription {
            preset: preset.to_string(),
            ideal_cores: self.ideal_cores,
            faults,
        };
        let start = Instant::now();
        let progress = Arc::new(Progress::new(
            self.quiet,
            "mapping",
            Phase::ALL.len() as u64,
            "mapping [{bar:30}] {msg} ({elapsed})",
        ));
        let shown = Arc::clone(&progress);
        let observer = Observer::new(move |phase: Phase| {
            shown.update(
                phase.index() as u64,
                format!(
                    "phase {}/{}: {}",
                    phase.index() + 1,
                    Phase::ALL.len(),
                    phase.describe()
                ),
            );
        });
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.mapping_threads())
            .build()
            .map_err(|e| e.to_string())?;
        let outcome = match self.time_scale_factor {
            TimeScale::Fixed(factor) => {
                let options = SpinnakerOptions {
                    time_scale_factor: factor,
                    progress: observer,
                    memory_limit: Some(self.memory.limit(running)),
                    ..SpinnakerOptions::new(description, seed)
                };
                pool.install(|| map(&net, &options)).map(|m| (m, None))
            }
            TimeScale::Auto => {
                // Probes load every image they try.
                let options = SpinnakerOptions {
                    progress: observer,
                    memory_limit: Some(self.memory.limit(true)),
                    ..SpinnakerOptions::new(description, seed)
                };
                let probe_ms = self
                    .probe_ms
                    .min(net.simulation.duration_ms.max(net.simulation.timestep_ms));
                pool.install(|| {
                    time_scale::choose(&net, &options, probe_ms, self.kernel_threads(|| 1))
                })
                .map(|(m, auto)| (m, Some((auto, probe_ms))))
            }
        };
        progress.finish();
        let (mapped, auto) = outcome?;
        if let Some((auto, probe_ms)) = auto {
            eprintln!(
                "--time-scale-factor auto: chose {} after {} probe(s) of {probe_ms} ms",
                auto.chosen,
                auto.probes.len()
            );
        }
        Ok(Target {
            machine: preset.to_string(),
            net,
            mapped,
            seed,
            map_wall_s: start.elapsed().as_secs_f64(),
        })
    }
}
