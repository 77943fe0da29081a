//! `nmemu run`: map a network, load the machine, run it, write the results.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use nmemu_loader::Network;
use nmemu_loader::time::whole_steps;
use nmemu_loader::writers::{
    Energy, Health, MachineFamily, PlasticWeights, Provenance, Recordings, RunInfo, RunSummary,
    Staging, Verdict, write_run_outputs,
};
use nmemu_mapping::spinnaker::{Mapped, energy, health, readback};
use nmemu_tui::trace::TraceInfo;
use serde::Serialize;
use spinnaker_emu::kernel::{ChipState, Chips};
use spinnaker_emu::router::config::NetworkParams;
use spinnaker_emu::runtime::cycles::CycleCosts;
use spinnaker_emu::runtime::program::{self, ChipRuntime};
use spinnaker_emu::time::Time;

use super::output::{Out, OutArgs};
use super::progress::{Progress, pace};
use super::target::{Mapping, Target, TargetArgs};
use super::thousands;
use super::trace::{TraceArgs, Tracer};
use super::trace_spinnaker;
use crate::signals::{self, Signal};

/// Map a network onto a machine, run it and write spikes, traces, provenance.json, mapping.json and
/// run.json. Ctrl-C (SIGINT) or SIGTERM during the run stops at the next tick boundary and still writes what was
/// recorded (run.json then says `partial: true`; exit status 130 or 143); during loading or mapping they stop at
/// once and write nothing.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  nmemu run --machine spinnaker-48 examples/va_cuba.json
  nmemu run --machine spinnaker-24b examples/synfire.json --out synfire --threads 2
  nmemu run --machine spinnaker-48 examples/single_neuron.json --duration-ms 50 --seed 7
  nmemu run --machine spinnaker-48 examples/va_coba.json --strict
  nmemu run --machine brainscales-wafer examples/adex.json
  nmemu run --machine brainscales-wafer examples/va_coba_bss.json --speedup 10000 --mismatch off
  nmemu run --machine spinnaker-48 examples/va_cuba.json --trace va.trace --trace-period-ms 5
  nmemu run --machine spinnaker-48 examples/va_cuba.json --monitor

Every run ends with a health verdict (ok, degraded, unreliable) and its reasons, also in run.json.")]
pub struct Args {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    out: OutArgs,
    /// Biological time to run (default: the network's `simulation.duration_ms`): a whole number of timesteps,
    /// at most 2^32-1 of them.
    #[arg(long)]
    duration_ms: Option<f64>,
    /// Exit with status 3 when the health verdict is not `ok` (results are still written).
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    pub trace: TraceArgs,
}

/// How a run ended.
pub enum Outcome {
    Completed,
    /// Stopped early by a signal; partial results written.
    Interrupted(Signal),
    /// Completed, but `--strict` and the verdict was not `ok`.
    Unhealthy,
}

/// Ticks run between progress updates and Ctrl-C checks: about 1% of the run, from 1 to 100 ticks, so an
/// interrupt is honoured within a fraction of a second.
fn chunk_ticks(total: u32) -> u32 {
    (total / 100).clamp(1, 100)
}

/// The ticks to run: `--duration-ms`, else the file's `simulation.duration_ms`, which must be a positive whole
/// number of timesteps that the runtime's 32-bit tick counter can count. Nothing is rounded: a duration between
/// two timesteps is refused with the two nearest that run exactly. The error names the flag or the file.
fn run_ticks(flag: Option<f64>, net: &Network, net_path: &Path) -> Result<u32, String> {
    let dt = net.simulation.timestep_ms;
    let (ms, source) = match flag {
        Some(ms) => (ms, format!("--duration-ms {ms}")),
        None => (
            net.simulation.duration_ms,
            format!(
                "{}: simulation.duration_ms {}",
                net_path.display(),
                net.simulation.duration_ms
            ),
        ),
    };
    let whole = whole_steps(ms, dt).map_err(|e| format!("{source}: {e}"))?;
    if whole > u64::from(u32::MAX) {
        return Err(format!(
            "{source}: {whole} timesteps; the runtime counts at most {} (32 bits), {} ms at this timestep",
            u32::MAX,
            net.simulation.time_ms(u32::MAX.into())
        ));
    }
    Ok(whole as u32)
}

pub fn run(args: &Args) -> Result<Outcome, String> {
    let out = args.out.check(&args.target.net)?;
    let loaded = args.target.load()?;
    let total_ticks = run_ticks(args.duration_ms, &loaded.net, &args.target.net)?;
    let trace_period = args
        .trace
        .wanted()
        .then(|| args.trace.check(loaded.net.simulation.timestep_ms))
        .transpose()?;
    match args.target.map(loaded, true)? {
        Mapping::Spinnaker(target) => run_spinnaker(args, &out, &target, total_ticks, trace_period),
        Mapping::BrainScaleS(target) => {
            super::run_wafer::run(args, &out, &target, total_ticks, trace_period)
        }
    }
}

/// The SpiNNaker run of a mapped network.
fn run_spinnaker(
    args: &Args,
    out: &Out,
    target: &Target<Mapped>,
    total_ticks: u32,
    trace_period: Option<u32>,
) -> Result<Outcome, String> {
    let (net, mapped) = (&target.net, &target.mapped);
    super::map::print_summary(mapped);

    let load_start = Instant::now();
    let mut sim = program::load(
        &mapped.image,
        NetworkParams::default(),
        CycleCosts::default(),
    )?;
    let load_wall_s = load_start.elapsed().as_secs_f64();
    let threads = args.target.kernel_threads(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        sim.paying_threads(|chip| chip.cores.iter().any(Option::is_some), cores)
    });

    // From here a signal stops the emulation at the next chunk, and the results so far are written.
    let _stopping_cleanly = signals::defer();
    let staging = out.stage()?;
    let time_ms = |tick: u32| net.simulation.time_ms(tick.into());
    let mut tracing = match trace_period {
        Some(period) => {
            let run = TraceInfo {
                machine: &target.machine,
                source: &args.target.net.display().to_string(),
                period_ms: time_ms(period),
                timestep_ms: net.simulation.timestep_ms,
            };
            let header = trace_spinnaker::header(&run, &mapped.image, &sim);
            Some((
                args.trace.start(period, header)?,
                trace_spinnaker::Sampler::new(&sim),
            ))
        }
        None => None,
    };
    // The live view owns the terminal.
    let quiet = args.target.quiet || args.trace.monitor();
    // One kernel run, sampled at every chunk's end (progress, Ctrl-C) and every trace window's end: the points
    // change no result (tests/trace.rs compares them) and cost no restart of the run.
    let period = mapped.image.timer_period().0;
    let chunks = Chunks::new(quiet, net, total_ticks);
    // The next point after tick `done`, where the chunk after it (`stop`) or the trace window ends.
    let point = |stop: Option<u32>, tracing: &Option<(Tracer, trace_spinnaker::Sampler)>| {
        let window_end = tracing.as_ref().map_or(u32::MAX, |(t, _)| t.window_end());
        stop.map(|tick| Time(period * u64::from(tick.min(window_end))))
    };
    let first = point(chunks.next_stop(0), &tracing);
    let mut hook = |chips: &mut Chips<'_, ChipState<ChipRuntime>>, at: Time| {
        let done = (at.0 / period) as u32;
        chunks.reached(done);
        let stop = chunks.next_stop(done);
        // The run's end or an interrupt ends the window in progress.
        if let Some((tracer, sampler)) = &mut tracing
            && let Some((from, to)) = tracer.ended(done, stop.is_none())
        {
            tracer.record(sampler.frame(chips, (time_ms(from), time_ms(to)), to - from));
        }
        point(stop, &tracing)
    };
    let until = Time(period * u64::from(total_ticks));
    let done = first.map_or(Time::ZERO, |first| {
        sim.run_sampled(until, threads, (first, &mut hook))
    });
    let ran = chunks.finish((done.0 / period) as u32);

    let recordings = readback::recordings(net, mapped, &sim);
    let provenance = readback::provenance(net, mapped, &sim);
    let hardware_time_s = readback::hardware_time_s(mapped, &sim, ran.done);
    let health = health::verdict(net, mapped, &provenance, ran.done);
    let machine = MachineOutcome {
        family: MachineFamily::Spinnaker,
        hardware_time_s,
        lost: readback::lost(mapped, &provenance),
        health,
        energy: Some(energy::energy(sim.machine(), &sim, hardware_time_s)),
        settings: [
            (
                "time_scale_factor".to_string(),
                serde_json::json!(mapped.image.time_scale_factor),
            ),
            (
                "time_scale_auto".to_string(),
                serde_json::to_value(&mapped.report.time_scale_auto).map_err(|e| e.to_string())?,
            ),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .collect(),
    };
    let results = Results {
        recordings: &recordings,
        provenance: &provenance,
        mapping: &mapped.report,
        weights: &readback::plastic_weights(net, mapped, &sim),
    };
    let host = (&ran, threads, load_wall_s);
    let summary = write_results(args, staging, target, host, machine, results)?;
    if let Some((tracer, _)) = tracing {
        tracer.close(ran.done < total_ticks, summary.completed_ms);
    }
    Ok(report(args, out, net, &summary, &[]))
}

/// What a machine family adds to run.json beside the run's times.
pub struct MachineOutcome {
    pub family: MachineFamily,
    pub hardware_time_s: f64,
    pub lost: BTreeMap<String, u64>,
    pub health: Health,
    pub energy: Option<Energy>,
    pub settings: BTreeMap<String, serde_json::Value>,
}

/// How far a run in chunks got: ticks asked and done, and the wall seconds it took.
pub struct Ran {
    pub total_ticks: u32,
    pub done: u32,
    pub wall_s: f64,
}

/// What a run writes besides run.json.
pub struct Results<'a, R> {
    pub recordings: &'a Recordings,
    pub provenance: &'a Provenance,
    /// The mapper's report, mapping.json.
    pub mapping: &'a R,
    pub weights: &'a [PlasticWeights],
}

/// Writes `results` and run.json (the same for both families but for `machine`'s part; `host`: how far the run
/// got, on how many threads, and the seconds loading took) into `staging` and puts it in place; returns the
/// summary.
pub fn write_results<M, R: Serialize>(
    args: &Args,
    staging: Staging,
    target: &Target<M>,
    (ran, threads, load_wall_s): (&Ran, usize, f64),
    machine: MachineOutcome,
    results: Results<R>,
) -> Result<RunSummary, String> {
    let sim = &target.net.simulation;
    let summary = RunSummary::new(
        RunInfo {
            machine: target.machine.clone(),
            machine_family: machine.family,
            net: args.target.net.display().to_string(),
            seed: target.seed,
            threads,
            duration_ms: sim.time_ms(ran.total_ticks.into()),
            timestep_ms: sim.timestep_ms,
            wall_s: ran.wall_s,
            map_wall_s: target.map_wall_s,
            load_wall_s: Some(load_wall_s),
            hardware_time_s: machine.hardware_time_s,
            interrupted_at_ms: (ran.done < ran.total_ticks).then(|| sim.time_ms(ran.done.into())),
            lost: machine.lost,
            health: machine.health,
            energy: machine.energy,
            settings: machine.settings,
        },
        results.recordings,
    );
    write_run_outputs(
        staging.path(),
        results.recordings,
        &summary,
        results.provenance,
        results.mapping,
        results.weights,
    )
    .map_err(|e| e.to_string())?;
    staging.commit().map_err(|e| e.to_string())?;
    Ok(summary)
}

/// A run's progress bar and Ctrl-C checks, at the end of every chunk of about 1% of the run.
struct Chunks<'n> {
    net: &'n Network,
    total_ticks: u32,
    progress: Progress,
    start: Instant,
}

impl<'n> Chunks<'n> {
    fn new(quiet: bool, net: &'n Network, total_ticks: u32) -> Self {
        Chunks {
            net,
            total_ticks,
            progress: Progress::new(
                quiet,
                "running",
                total_ticks.into(),
                "running [{bar:30}] {msg}, {elapsed} elapsed, eta {eta}",
            ),
            start: Instant::now(),
        }
    }

    /// Where the chunk after tick `done` ends; `None` once the run is done or a signal has arrived.
    fn next_stop(&self, done: u32) -> Option<u32> {
        (done < self.total_ticks && signals::received().is_none())
            .then(|| (done + chunk_ticks(self.total_ticks)).min(self.total_ticks))
    }

    /// The run has reached tick `done`.
    fn reached(&self, done: u32) {
        let done_ms = self.net.simulation.time_ms(done.into());
        self.progress.update(
            done.into(),
            format!(
                "{done_ms}/{} ms ({})",
                self.net.simulation.time_ms(self.total_ticks.into()),
                pace(done_ms * 1e-3, self.start.elapsed().as_secs_f64())
            ),
        );
    }

    /// The run ended at tick `done`.
    fn finish(self, done: u32) -> Ran {
        let wall_s = self.start.elapsed().as_secs_f64();
        self.progress.finish();
        Ran {
            total_ticks: self.total_ticks,
            done,
            wall_s,
        }
    }
}

/// Runs `total_ticks` timesteps of `net` in chunks (`step(until)` runs the machine up to tick `until` or an
/// earlier one, and returns the tick it reached), with a progress bar, until done or a signal arrives: for a
/// machine whose run cannot be sampled inside one call.
pub fn run_in_chunks(
    quiet: bool,
    net: &Network,
    total_ticks: u32,
    mut step: impl FnMut(u32) -> u32,
) -> Ran {
    let chunks = Chunks::new(quiet, net, total_ticks);
    let mut done = 0;
    while let Some(until) = chunks.next_stop(done) {
        done = step(until);
        chunks.reached(done);
    }
    chunks.finish(done)
}

/// The machine's time for a person: seconds with 3 decimals as long as that shows it (SpiNNaker), else ms or
/// µs (a wafer at 10^4 runs a biological second in 100 µs).
fn hardware_time(seconds: f64) -> String {
    if seconds >= 0.01 || seconds == 0.0 {
        format!("{seconds:.3} s")
    } else if seconds >= 1e-5 {
        format!("{:.3} ms", seconds * 1e3)
    } else {
        format!("{:.3} µs", seconds * 1e6)
    }
}

/// After the files are written: the run in a few lines (time, rates, losses, energy, `notes` of the machine),
/// the interruption or the health verdict, and how the run ends.
pub fn report(
    args: &Args,
    out: &Out,
    net: &Network,
    summary: &RunSummary,
    notes: &[String],
) -> Outcome {
    println!(
        "ran {} ms of biological time in {:.2} s ({}; the machine would take {})",
        summary.completed_ms,
        summary.wall_s,
        pace(summary.completed_ms * 1e-3, summary.wall_s),
        hardware_time(summary.hardware_time_s)
    );
    // In the file's population order, as the mapping summary above.
    for (label, stats) in net
        .populations
        .iter()
        .filter_map(|p| Some((&p.label, summary.populations.get(&p.label)?)))
    {
        if stats.recorded {
            println!(
                "  {label:<20} {:>10} spikes {:>9.2} Hz",
                thousands(stats.spikes),
                stats.rate_hz
            );
        }
    }
    let lost = summary.nonzero_lost();
    if !lost.is_empty() {
        let list: Vec<String> = lost
            .iter()
            .map(|(name, n)| format!("{name} {}", thousands(*n)))
            .collect();
        println!(
            "warning: lost or altered: {} (see provenance.json)",
            list.join(", ")
        );
    }
    for note in notes {
        println!("{note}");
    }
    if let Some(e) = &summary.energy {
        println!(
            "the machine would have used {:.3} J ({})",
            e.total_j,
            e.per_synaptic_event_j
                .map_or("no synaptic events".to_string(), |j| format!(
                    "{:.2} µJ per synaptic event",
                    j * 1e6
                ))
        );
    }
    println!("wrote {}", out.dir.display());
    if let (true, Some(signal)) = (summary.partial, signals::received()) {
        eprintln!(
            "interrupted ({}) at {:.1} ms: partial results written",
            signal.name(),
            summary.completed_ms
        );
        return Outcome::Interrupted(signal);
    }
    print_health(&summary.health);
    if args.strict && summary.health.verdict != Verdict::Ok {
        return Outcome::Unhealthy;
    }
    Outcome::Completed
}

/// The verdict, last, with every reason and what to change.
fn print_health(health: &Health) {
    for r in &health.reasons {
        println!("  {}: {} -> {}", r.severity.name(), r.what, r.advice);
    }
    println!(
        "health: {}{}",
        health.verdict.name(),
        match health.verdict {
            Verdict::Ok => " (nothing lost, no numerical warnings)",
            Verdict::Degraded =>
                " (usable with the caveats above: check them before trusting single spikes or exact numbers)",
            Verdict::Unreliable =>
                " (these results do not describe the network: change what is listed above)",
        }
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use nmemu_loader::Limits;

    fn net(duration_ms: f64, timestep_ms: f64) -> Network {
        let text = format!(
            r#"{{"format": "nmemu-net/1",
                "simulation": {{"duration_ms": {duration_ms}, "timestep_ms": {timestep_ms}, "min_delay_ms": {timestep_ms}}},
                "populations": [{{"label": "a", "size": 1, "cell": {{"type": "IF_curr_exp"}}}}]}}"#
        );
        Network::from_json(&text, &Limits::default()).unwrap()
    }

    #[test]
    fn durations_run_exactly_or_are_refused() {
        let path = Path::new("net.json");
        assert_eq!(run_ticks(None, &net(100.0, 1.0), path), Ok(100));
        assert_eq!(run_ticks(Some(2.0), &net(100.0, 0.1), path), Ok(20));
        let e = run_ticks(Some(0.4), &net(100.0, 1.0), path).unwrap_err();
        assert_eq!(
            e,
            "--duration-ms 0.4: not a whole number of 1 ms timesteps (0.4 steps); the nearest that run exactly: 1 ms"
        );
        let e = run_ticks(Some(2.5), &net(100.0, 1.0), path).unwrap_err();
        assert!(e.ends_with("2 or 3 ms"), "{e}");
        let e = run_ticks(Some(1e12), &net(100.0, 1.0), path).unwrap_err();
        assert!(
            e.starts_with("--duration-ms 1000000000000: 1000000000000 timesteps; the runtime counts at most 4294967295"),
            "{e}"
        );
        assert!(run_ticks(Some(f64::NAN), &net(100.0, 1.0), path).is_err());
    }

    #[test]
    fn a_zero_duration_in_the_file_blames_the_file() {
        let e = run_ticks(None, &net(0.0, 1.0), Path::new("net.json")).unwrap_err();
        assert_eq!(
            e,
            "net.json: simulation.duration_ms 0: must be a positive number of ms"
        );
        assert_eq!(run_ticks(Some(5.0), &net(0.0, 1.0), Path::new("x")), Ok(5));
    }
}
