//! What `map` and `run` share: the network file, the machine to map it on, and the mapping itself.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use nmemu_loader::format::parse::parse_str;
use nmemu_loader::input::{read_bounded, read_net_file};
use nmemu_loader::{Limits, Network};
use nmemu_mapping::brainscales::{self, BrainScaleSOptions, readback};
use nmemu_mapping::progress::{Observer, Phase};
use nmemu_mapping::spinnaker::{self, Mapped, SpinnakerOptions, time_scale};
use spinnaker_emu::faults::{self, Faults};
use spinnaker_emu::image::MachineDescription;

use super::machine_flags::{BrainScaleSFlags, SpinnakerFlags, TimeScale, refuse_foreign};
use super::machines::Preset;
use super::memory::MemoryArgs;
use super::progress::Progress;
use super::wafer_defects::{self, WaferDefects};

#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// The network file (net.json, format nmemu-net/1).
    pub net: PathBuf,
    /// A machine preset (see `nmemu machines`), e.g. spinnaker-48 or brainscales-wafer; case is ignored.
    #[arg(long)]
    pub machine: String,
    /// Master seed (default: the network's `simulation.seed`). Changes connectivity, parameters drawn
    /// from distributions, Poisson trains and the placement.
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub spinnaker: SpinnakerFlags,
    #[command(flatten)]
    pub brainscales: BrainScaleSFlags,
    /// Host threads (results do not depend on it), at most 4 x the host's cores. Mapping uses all cores by
    /// default; the emulation kernel by default uses as many threads (at most the host's cores) as give every
    /// thread's share of the machine 8 busy chips, else 1: its conservative parallel windows only pay off
    /// when many chips are busy (a large network on a large machine). With more than one thread it still runs
    /// sequentially whenever it measures that faster (a busy host, a quiet network).
    #[arg(long, value_parser = super::parse_threads)]
    pub threads: Option<usize>,
    /// No progress bar (and, when stderr is not a terminal, no progress lines).
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub memory: MemoryArgs,
}

/// A network and the machine's faults or defects, read and checked: everything the mapping needs.
pub struct Loaded {
    pub net: Network,
    pub seed: u64,
    machine: Machine,
}

/// The machine to map onto, with what its flags read.
enum Machine {
    Spinnaker {
        preset: spinnaker_emu::Preset,
        faults: Faults,
    },
    BrainScaleS {
        preset: brainscales_emu::Preset,
        /// Each wafer's, from `--defects` and the network's hint.
        defects: WaferDefects,
    },
}

/// A network mapped onto a machine of either family (boxed: the two mappings differ much in size).
pub enum Mapping {
    Spinnaker(Box<Target<Mapped>>),
    BrainScaleS(Box<Target<Wafers>>),
}

/// A network mapped onto BrainScaleS, with what the run needs besides the image.
pub struct Wafers {
    pub mapped: brainscales::Mapped,
    pub preset: brainscales_emu::Preset,
    /// One per wafer of the machine: the wafers the mapping avoided defects on are the wafers that run.
    pub defects: WaferDefects,
}

/// A network mapped onto a machine, and how long that took; `M` is the family's mapping.
pub struct Target<M> {
    /// The preset, spelt canonically (`spinnaker-48` for `SpiNNaker-48`).
    pub machine: String,
    pub net: Network,
    pub mapped: M,
    pub seed: u64,
    pub map_wall_s: f64,
}

impl<M> Target<M> {
    /// The mapping of `net` onto `preset` that began at `start`.
    fn new(preset: impl ToString, net: Network, mapped: M, seed: u64, start: Instant) -> Target<M> {
        Target {
            machine: preset.to_string(),
            net,
            mapped,
            seed,
            map_wall_s: start.elapsed().as_secs_f64(),
        }
    }
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

    /// Checks the flags and reads the network (with `--seed` applied) and the faults or defects file, each
    /// read bounded: everything that can be refused before the mapping's long work.
    pub fn load(&self) -> Result<Loaded, String> {
        let preset = super::machines::parse(&self.machine)?;
        refuse_foreign(&preset, &self.spinnaker, &self.brainscales)?;
        let probe_ms = self.spinnaker.probe_ms();
        if self.spinnaker.time_scale() == TimeScale::Auto
            && !(probe_ms.is_finite() && probe_ms > 0.0)
        {
            return Err(format!(
                "--probe-ms: must be a positive number of ms, got {probe_ms}"
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
        let machine = match preset {
            Preset::Spinnaker(preset) => Machine::Spinnaker {
                preset,
                faults: self.read_faults()?,
            },
            Preset::BrainScaleS(preset) => Machine::BrainScaleS {
                preset,
                defects: wafer_defects::resolve(
                    &self.brainscales.defects,
                    &self.net,
                    &net,
                    &preset.to_string(),
                    preset.wafers,
                )?,
            },
        };
        Ok(Loaded { net, seed, machine })
    }

    /// `--faults`, read bounded and checked (no faults without it).
    fn read_faults(&self) -> Result<Faults, String> {
        let Some(path) = &self.spinnaker.faults else {
            return Ok(Faults::default());
        };
        let at = |e: &dyn std::fmt::Display| format!("--faults {}: {e}", path.display());
        let text =
            read_bounded(path, faults::MAX_FILE_BYTES, "a faults file").map_err(|e| at(&e))?;
        Faults::from_json(&text).map_err(|e| at(&e))
    }

    /// Maps a loaded network onto `--machine`; `running`: the image will be run (its copy in the emulator
    /// counts against `--max-memory`).
    pub fn map(&self, loaded: Loaded, running: bool) -> Result<Mapping, String> {
        let Loaded { net, seed, machine } = loaded;
        let start = Instant::now();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.mapping_threads())
            .build()
            .map_err(|e| e.to_string())?;
        match machine {
            Machine::Spinnaker { preset, faults } => {
                let mapped = self.map_spinnaker(&net, seed, preset, faults, running, &pool)?;
                Ok(Mapping::Spinnaker(Box::new(Target::new(
                    preset, net, mapped, seed, start,
                ))))
            }
            Machine::BrainScaleS { preset, defects } => {
                let mapped = self.map_brainscales(&net, seed, preset, defects, &pool)?;
                Ok(Mapping::BrainScaleS(Box::new(Target::new(
                    preset, net, mapped, seed, start,
                ))))
            }
        }
    }

    /// Maps onto BrainScaleS, avoiding each wafer's `defects`.
    fn map_brainscales(
        &self,
        net: &Network,
        seed: u64,
        preset: brainscales_emu::Preset,
        defects: WaferDefects,
        pool: &rayon::ThreadPool,
    ) -> Result<Wafers, String> {
        readback::check_recordables(net).map_err(|e| format!("{}: {e}", self.net.display()))?;
        let flags = &self.brainscales;
        let bar = mapping_bar::<brainscales::Phase>(self.quiet);
        let options = BrainScaleSOptions {
            speed_up: flags.speed_up(),
            nonideal: flags.nonideal(),
            wafer_seed: flags.wafer_seed.unwrap_or(0),
            seed,
            defects: defects.defects.clone(),
            max_synapse_loss: flags.max_synapse_loss,
            progress: observe(&bar),
            ..BrainScaleSOptions::new(preset)
        };
        let outcome = pool.install(|| brainscales::map(net, &options));
        bar.finish();
        let mapped = outcome.map_err(|e| format!("{}: {e}", self.net.display()))?;
        Ok(Wafers {
            mapped,
            preset,
            defects,
        })
    }

    fn map_spinnaker(
        &self,
        net: &Network,
        seed: u64,
        preset: spinnaker_emu::Preset,
        faults: Faults,
        running: bool,
        pool: &rayon::ThreadPool,
    ) -> Result<Mapped, String> {
        let description = MachineDescription {
            preset: preset.to_string(),
            ideal_cores: self.spinnaker.ideal_cores,
            faults,
        };
        let bar = mapping_bar::<spinnaker::Phase>(self.quiet);
        let observer = observe(&bar);
        let outcome = match self.spinnaker.time_scale() {
            TimeScale::Fixed(factor) => {
                let options = SpinnakerOptions {
                    time_scale_factor: factor,
                    progress: observer,
                    memory_limit: Some(self.memory.limit(running)),
                    ..SpinnakerOptions::new(description, seed)
                };
                pool.install(|| spinnaker::map(net, &options))
                    .map(|m| (m, None))
            }
            TimeScale::Auto => {
                // Probes load every image they try.
                let options = SpinnakerOptions {
                    progress: observer,
                    memory_limit: Some(self.memory.limit(true)),
                    ..SpinnakerOptions::new(description, seed)
                };
                let probe_ms = self
                    .spinnaker
                    .probe_ms()
                    .min(net.simulation.duration_ms.max(net.simulation.timestep_ms));
                pool.install(|| {
                    time_scale::choose(net, &options, probe_ms, self.kernel_threads(|| 1))
                })
                .map(|(m, auto)| (m, Some((auto, probe_ms))))
            }
        };
        bar.finish();
        let (mapped, auto) = outcome?;
        if let Some((auto, probe_ms)) = auto {
            eprintln!(
                "--time-scale-factor auto: chose {} after {} probe(s) of {probe_ms} ms",
                auto.chosen,
                auto.probes.len()
            );
        }
        Ok(mapped)
    }
}

/// The mapping's progress bar, one step per phase of `P`.
fn mapping_bar<P: Phase>(quiet: bool) -> Arc<Progress> {
    Arc::new(Progress::new(
        quiet,
        "mapping",
        P::ALL.len() as u64,
        "mapping [{bar:30}] {msg} ({elapsed})",
    ))
}

/// An observer that moves `bar` to each phase as it begins.
fn observe<P: Phase>(bar: &Arc<Progress>) -> Observer<P> {
    let shown = Arc::clone(bar);
    Observer::new(move |phase: P| {
        shown.update(
            phase.index() as u64,
            format!(
                "phase {}/{}: {}",
                phase.index() + 1,
                P::ALL.len(),
                phase.describe()
            ),
        );
    })
}
