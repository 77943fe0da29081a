//! `--time-scale-factor auto`: the smallest factor at which no core overruns its tick.
//!
//! sPyNNaker leaves the factor to the user, who learns it by trial on the machine. The partitioner's
//! estimate (`tick_estimate::estimate_cycles`) models the peak tick from the sources' rates and the volleys
//! the file makes certain, but not a start-up transient or synchrony the network builds up, nor SDRAM
//! contention that only placement decides (`tests/estimate.rs` names the examples it misses). So the choice
//! is made the way a user would make it on the hardware, but measured by the emulator: map at a factor, run
//! a probe of the first `probe_ms` of biological time, read every core's longest tick (`Max_tick_cycles`)
//! and the input-buffer losses, and move the factor to what the longest tick needs (with 10% to spare),
//! bisecting between the largest factor seen to overrun and the smallest seen to run clean, until they meet
//! or [`MAX_PROBES`] probes have run; the smallest clean factor wins. The factor starts at the smallest one
//! at which the partitioner's estimate maps onto the machine. Input-buffer losses are measured and reported
//! but do not raise the factor: without overruns they come from bursts (many spikes within microseconds)
//! that a longer tick does not absorb, and the health verdict names them.
//! A probe sees only the start of the run: a network whose load grows later can still overrun, which the
//! run's health verdict then reports.

use serde::Serialize;
use spinnaker_emu::router::config::NetworkParams;
use spinnaker_emu::runtime::program;
use spinnaker_emu::time::Time;

use nmemu_loader::Network;

use super::partition::CORE_HZ;
use super::{Mapped, SpinnakerOptions, map};

/// The largest factor `auto` tries (a 1 ms tick becomes one second).
pub const MAX_FACTOR: u32 = 1000;
/// Probes at the most: each jumps to the factor the measured tick needs, so a few suffice unless the load
/// keeps growing with the factor.
pub const MAX_PROBES: usize = 8;
/// Spare time the chosen factor leaves above the longest measured tick.
pub const MARGIN: f64 = 1.1;

/// One probe: the factor tried and what the emulator measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Probe {
    pub time_scale_factor: u32,
    /// Cycles in one timer period at this factor.
    pub timer_period_cycles: u64,
    /// The largest of the partitioner's per-population estimates (cycles per tick).
    pub estimated_cycles: u64,
    /// The longest tick any core took.
    pub measured_max_tick_cycles: u64,
    pub timer_overruns: u64,
    pub input_buffer_overflows: u64,
}

/// How `auto` chose (mapping.json `time_scale_auto`, run.json `settings.time_scale_auto`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AutoScale {
    pub chosen: u32,
    /// Biological ms each probe ran.
    pub probe_ms: f64,
    pub probes: Vec<Probe>,
}

/// Maps `net` at the smallest factor whose probe runs without an overrun.
pub fn choose(
    net: &Network,
    options: &SpinnakerOptions,
    probe_ms: f64,
    threads: usize,
) -> Result<(Mapped, AutoScale), String> {
    let dt_ms = net.simulation.timestep_ms;
    let probe_ticks = (probe_ms / dt_ms).round().max(1.0) as u32;
    // Factors known to overrun (the largest) and to run clean (the smallest, with its mapping).
    let mut failing = 0u32;
    let mut best: Option<(u32, Mapped)> = None;
    let mut factor = 1;
    let mut probes = Vec::new();
    loop {
        let attempt = SpinnakerOptions {
            time_scale_factor: factor,
            ..options.clone()
        };
        let mapped = match map(net, &attempt) {
            Ok(mapped) => mapped,
            // The partitioner shrinks slices to fit the tick; at a small factor that may take more cores
            // than the machine has (or more memory for their matrices than the host has), or a single neuron
            // may not fit: a larger factor gives every core more time.
            Err(e) if factor < MAX_FACTOR && is_capacity(&e) => {
                failing = factor;
                factor = (factor * 2).min(MAX_FACTOR);
                continue;
            }
            Err(e) => return Err(e),
        };
        let probe = run_probe(&mapped, &attempt, probe_ticks, threads)?;
        let per_timestep = probe.timer_period_cycles as f64 / f64::from(factor);
        // What the longest tick needs. Measured on an overloaded machine it includes the backlog, so it can
        // overshoot; measured on a clean run it is the real need and usually smaller than the factor.
        let needed = ((probe.measured_max_tick_cycles as f64 * MARGIN / per_timestep).ceil()
            as u32)
            .clamp(1, MAX_FACTOR);
        let clean = probe.timer_overruns == 0 && needed <= factor;
        let last = (probe.measured_max_tick_cycles, probe.timer_period_cycles);
        probes.push(probe);
        if clean {
            best = Some((factor, mapped));
        } else {
            failing = factor;
        }
        let ceiling = best.as_ref().map_or(MAX_FACTOR + 1, |(f, _)| *f);
        // The next factor: what the measurement asks for, kept strictly between the two bounds (bisecting
        // when it falls outside).
        let mut next = if clean {
            needed
        } else {
            needed.max(factor + 1)
        };
        if next <= failing || next >= ceiling {
            next = failing + (ceiling.min(MAX_FACTOR + 1) - failing) / 2;
        }
        let settled = ceiling <= failing + 1 || next <= failing || next >= ceiling;
        if settled || probes.len() >= MAX_PROBES || (best.is_none() && factor >= MAX_FACTOR) {
            let Some((chosen, mapped)) = best else {
                return Err(format!(
                    "--time-scale-factor auto: cores still overrun at factor {factor} after {} probes (the \
                     longest tick took {} cycles of the {} it had); give the network more cores (fewer neurons \
                     per core) or a larger machine",
                    probes.len(),
                    last.0,
                    last.1
                ));
            };
            let auto = AutoScale {
                chosen,
                probe_ms: f64::from(probe_ticks) * dt_ms,
                probes,
            };
            let mut mapped = mapped;
            mapped.report.time_scale_auto = Some(auto.clone());
            return Ok((mapped, auto));
        }
        factor = next;
    }
}

/// Whether a mapping error is one a larger factor can cure.
fn is_capacity(error: &str) -> bool {
    error.contains("application cores")
        || error.contains("--time-scale-factor")
        || super::memory::is_refusal(error)
}

fn run_probe(
    mapped: &Mapped,
    options: &SpinnakerOptions,
    ticks: u32,
    threads: usize,
) -> Result<Probe, String> {
    let mut sim = program::load(&mapped.image, NetworkParams::default(), options.costs)?;
    sim.run(
        Time(mapped.image.timer_period().0 * u64::from(ticks)),
        threads,
    );
    let mut probe = Probe {
        time_scale_factor: options.time_scale_factor,
        timer_period_cycles: (mapped.image.timer_period().as_ms() * 1e-3 * CORE_HZ).round() as u64,
        estimated_cycles: mapped
            .partition
            .populations
            .iter()
            .filter_map(|p| p.estimated_cycles_per_tick)
            .max()
            .unwrap_or(0),
        measured_max_tick_cycles: 0,
        timer_overruns: 0,
        input_buffer_overflows: 0,
    };
    for chip in sim.chips() {
        for core in chip.app.cores.iter().flatten() {
            let c = core.counters();
            probe.measured_max_tick_cycles = probe.measured_max_tick_cycles.max(c.max_tick_cycles);
            probe.timer_overruns += c.timer_overruns;
            probe.input_buffer_overflows += c.input_buffer_overflows;
        }
    }
    Ok(probe)
}
