//! The flags of `map` and `run` that belong to one machine family: SpiNNaker's (`--faults`, `--ideal-cores`,
//! `--time-scale-factor`, `--probe-ms`) and BrainScaleS' (`--speedup`, `--mismatch`, `--wafer-seed`,
//! `--defects`, `--max-synapse-loss`). A flag of the other family is refused by name rather than ignored: a
//! user who asks for `--faults` on a wafer would otherwise believe the run honoured it.

use std::path::PathBuf;

use brainscales_emu::image::{Mismatch, NonIdealities};
use brainscales_emu::time::SpeedUp;

use super::wafer_defects::{DefectsArg, parse_defects_arg};

#[derive(Debug, clap::Args)]
pub struct SpinnakerFlags {
    /// SpiNNaker: a faults file naming dead chips, cores and links. The file holds JSON such as
    /// {"dead_chips": [[x, y]], "dead_cores": [[x, y, core]], "dead_links": [[x, y, link]]}.
    #[arg(long, value_name = "FILE")]
    pub faults: Option<PathBuf>,
    /// SpiNNaker: all 17 application cores on every chip, instead of sPyNNaker's realistic counts.
    #[arg(long)]
    pub ideal_cores: bool,
    /// SpiNNaker: fire each core's timer every timestep x N (sPyNNaker's time_scale_factor; default 1): N
    /// times the cycles per tick, N times slower than real time on the real machine. `auto`: the smallest N
    /// at which a probe run of the first --probe-ms has no overrun and no input-buffer loss.
    #[arg(long, value_parser = parse_time_scale)]
    pub time_scale_factor: Option<TimeScale>,
    /// SpiNNaker, with --time-scale-factor auto: biological ms each probe runs (default 100, at most the
    /// network's duration).
    #[arg(long)]
    pub probe_ms: Option<f64>,
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

impl SpinnakerFlags {
    /// `--time-scale-factor`, default 1.
    pub fn time_scale(&self) -> TimeScale {
        self.time_scale_factor.unwrap_or(TimeScale::Fixed(1))
    }

    /// `--probe-ms`, default 100.
    pub fn probe_ms(&self) -> f64 {
        self.probe_ms.unwrap_or(100.0)
    }

    /// The SpiNNaker flags given, by name.
    fn given(&self) -> Vec<&'static str> {
        [
            ("--faults", self.faults.is_some()),
            ("--ideal-cores", self.ideal_cores),
            ("--time-scale-factor", self.time_scale_factor.is_some()),
            ("--probe-ms", self.probe_ms.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }
}

#[derive(Debug, clap::Args)]
pub struct BrainScaleSFlags {
    /// BrainScaleS: how much faster than biology the wafer runs, 1000, 10000 or 100000 (default 1000). Each
    /// has its own reachable parameter ranges: a time constant that clips at one may fit at another
    /// (mapping.json's `parameters_clipped` says where).
    #[arg(long, value_parser = parse_speedup)]
    pub speedup: Option<SpeedUp>,
    /// BrainScaleS: fixed-pattern mismatch of the neuron circuits: `off` (every circuit as configured),
    /// `calibrated` (the residual spread after calibration; default) or `raw` (an uncalibrated wafer).
    #[arg(long, value_parser = parse_mismatch)]
    pub mismatch: Option<Mismatch>,
    /// BrainScaleS: the wafer's seed (default 0): which fixed pattern of mismatch the wafer has. The
    /// network's seed (--seed) draws connectivity and input; this one draws the hardware.
    #[arg(long)]
    pub wafer_seed: Option<u64>,
    /// BrainScaleS: a defects file (JSON: dead HICANNs, FPGAs, links, buses, repeaters, denmems, synapse
    /// drivers) for wafer 0, or with `WAFER:` for that wafer of a multi-wafer machine; repeat it for several
    /// wafers. The mapping avoids them and the run sees the same wafers. Replaces
    /// `extensions.brainscales.defects` for the wafers it names.
    #[arg(long, value_name = "[WAFER:]FILE", value_parser = parse_defects_arg)]
    pub defects: Vec<DefectsArg>,
    /// BrainScaleS: refuse the mapping when more than this fraction (0 to 1) of the synapses cannot be
    /// realised (default: any loss runs and is reported). Wins over `extensions.brainscales.max_synapse_loss`.
    #[arg(long, value_name = "F", value_parser = parse_fraction)]
    pub max_synapse_loss: Option<f64>,
}

pub fn parse_speedup(text: &str) -> Result<SpeedUp, String> {
    text.parse::<f64>()
        .ok()
        .and_then(SpeedUp::from_factor)
        .ok_or_else(|| format!("expected 1000, 10000 or 100000, got `{text}`"))
}

fn parse_mismatch(text: &str) -> Result<Mismatch, String> {
    match text {
        "off" => Ok(Mismatch::Off),
        "calibrated" => Ok(Mismatch::Calibrated),
        "raw" => Ok(Mismatch::Uncalibrated),
        _ => Err(format!(
            "expected `off`, `calibrated` or `raw`, got `{text}`"
        )),
    }
}

fn parse_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!("expected a fraction from 0 to 1, got `{text}`")),
    }
}

impl BrainScaleSFlags {
    /// `--speedup`, default 10^3 (the product's default).
    pub fn speed_up(&self) -> SpeedUp {
        self.speedup.unwrap_or(SpeedUp::Slow)
    }

    /// The non-idealities of `--mismatch` (default calibrated). Layer-2 time-stamp jitter (spec §1.2) goes
    /// with mismatch: `off` is the ideal wafer that the NEST comparisons need. Membrane noise stays off: its
    /// magnitude is not in the spec (§5.2), and a made-up figure would pass for a measured one.
    pub fn nonideal(&self) -> NonIdealities {
        let mismatch = self.mismatch.unwrap_or(Mismatch::Calibrated);
        NonIdealities {
            mismatch,
            membrane_noise: None,
            l2_jitter: mismatch != Mismatch::Off,
        }
    }

    /// The BrainScaleS flags given, by name.
    fn given(&self) -> Vec<&'static str> {
        [
            ("--speedup", self.speedup.is_some()),
            ("--mismatch", self.mismatch.is_some()),
            ("--wafer-seed", self.wafer_seed.is_some()),
            ("--defects", !self.defects.is_empty()),
            ("--max-synapse-loss", self.max_synapse_loss.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }
}

/// Refuses the flags of the family `machine` does not belong to, naming them and what the machine takes.
pub fn refuse_foreign(
    machine: &super::machines::Preset,
    spinnaker: &SpinnakerFlags,
    brainscales: &BrainScaleSFlags,
) -> Result<(), String> {
    let (foreign, family, own) = match machine {
        super::machines::Preset::Spinnaker(_) => (
            brainscales.given(),
            "BrainScaleS",
            "--faults, --ideal-cores, --time-scale-factor, --probe-ms",
        ),
        super::machines::Preset::BrainScaleS(_) => (
            spinnaker.given(),
            "SpiNNaker",
            "--speedup, --mismatch, --wafer-seed, --defects, --max-synapse-loss",
        ),
    };
    match foreign.as_slice() {
        [] => Ok(()),
        names => Err(format!(
            "{}: {} for a {family} machine, not --machine {machine}, which takes {own}",
            names.join(", "),
            if names.len() == 1 { "a flag" } else { "flags" },
        )),
    }
}
