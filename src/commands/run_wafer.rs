//! `nmemu run` on BrainScaleS: load the mapped system image, run it in chunks of biological time (progress,
//! Ctrl-C), read the recordings back and write the same files as a SpiNNaker run.

use std::collections::BTreeMap;
use std::time::Instant;

use brainscales_emu::image::Mismatch;
use brainscales_emu::system::System;
use brainscales_emu::time::HwTime;
use brainscales_emu::wafer::WaferCounters;
use nmemu_loader::Network;
use nmemu_loader::writers::MachineFamily;
use nmemu_mapping::brainscales::params::ParameterOptions;
use nmemu_mapping::brainscales::readback::{Readback, VoltageScale};
use nmemu_mapping::brainscales::{health, plastic, provenance};
use nmemu_tui::trace::TraceInfo;
use serde_json::json;

use super::output::Out;
use super::run::{Args, MachineOutcome, Outcome, Results, report, run_in_chunks, write_results};
use super::target::{Target, Wafers};
use super::trace::Tracer;
use super::trace_wafer;
use crate::signals;

/// Runs `total_ticks` timesteps of the mapped network on its wafers and writes the results.
pub fn run(
    args: &Args,
    out: &Out,
    target: &Target<Wafers>,
    total_ticks: u32,
    trace_period: Option<u32>,
) -> Result<Outcome, String> {
    let (net, wafers) = (&target.net, &target.mapped);
    let mapped = &wafers.mapped;
    super::map::print_wafer_summary(mapped);
    let first = mapped
        .image
        .wafers
        .first()
        .ok_or("the mapping configured no wafer")?;
    let (speed_up, start) = (first.speed_up, first.l2.start_offset);
    // Chunks end on the wafer's window grid, so that cutting the run changes nothing (`System::advance`).
    let window = first.l1_timing.latency(0).0;
    let until = |ticks: u32| {
        let bio_s = net.simulation.time_ms(ticks.into()) * 1e-3;
        let t = HwTime::from_seconds(start.seconds() + speed_up.to_hardware(bio_s));
        HwTime(t.0.div_ceil(window) * window)
    };

    let load_start = Instant::now();
    // The wafers the image uses, the first of the machine's.
    let defects = &wafers.defects.defects[..mapped.image.wafers.len()];
    let mut system = System::load(mapped.image.clone(), wafers.preset, defects)
        .map_err(|e| format!("loading the wafer image: {e}"))?;
    let load_wall_s = load_start.elapsed().as_secs_f64();
    let threads = args.target.kernel_threads(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // As SpiNNaker's default: a thread pays off for 8 busy HICANNs.
        (mapped.report.hicanns_used as usize / 8).clamp(1, cores)
    });

    let _stopping_cleanly = signals::defer();
    let staging = out.stage()?;
    let time_ms = |tick: u32| net.simulation.time_ms(tick.into());
    let mut tracing = match trace_period {
        Some(period) => {
            let info = TraceInfo {
                machine: &target.machine,
                source: &args.target.net.display().to_string(),
                period_ms: time_ms(period),
                timestep_ms: net.simulation.timestep_ms,
            };
            let header = trace_wafer::header(&info, &mapped.image.wafers);
            Some((args.trace.start(period, header)?, None))
        }
        None => None,
    };
    let mut spans = system.spans();
    // A trace's windows end on a chunk's end, on the window grid like every chunk: results do not change.
    let quiet = args.target.quiet || args.trace.monitor();
    let ran = run_in_chunks(quiet, net, total_ticks, |done| {
        let done = done.min(tracing.as_ref().map_or(u32::MAX, |(t, _)| t.window_end()));
        system.advance(until(done), threads, &mut spans);
        if let Some((tracer, before)) = &mut tracing {
            record_window(tracer, before, &system, done, done == total_ticks, net);
        }
        done
    });
    // An interrupt ends the window in progress.
    if let Some((tracer, before)) = &mut tracing {
        record_window(tracer, before, &system, ran.done, true, net);
    }
    let run = system.finish(spans);

    let completed_ms = net.simulation.time_ms(ran.done.into());
    let translation = ParameterOptions::new(speed_up);
    let places = mapped.placement.neuron_places();
    let readback = Readback {
        net,
        image: &mapped.image,
        places,
        voltage: VoltageScale {
            alpha_v: translation.alpha_v,
            shift_v: translation.shift_v,
        },
        completed_ms,
    };
    let (recordings, account) = readback.recordings(&run)?;
    let mut provenance = provenance::provenance(&run, &account);
    let mut lost = provenance::lost(&provenance, &account);
    lost.insert("synapses_lost".into(), mapped.report.synapses_lost);
    provenance.summary.insert("lost".into(), json!(lost));
    let health = health::verdict(mapped, &provenance, &account);
    let mut settings = BTreeMap::from([
        ("speedup".to_string(), json!(speed_up.factor() as u64)),
        (
            "mismatch".to_string(),
            json!(match first.nonideal.mismatch {
                Mismatch::Off => "off",
                Mismatch::Calibrated => "calibrated",
                Mismatch::Uncalibrated => "raw",
            }),
        ),
        ("wafer_seed".to_string(), json!(first.wafer_seed)),
    ]);
    if let Some(defects) = wafers.defects.settings() {
        settings.insert("defects".to_string(), defects);
    }
    let machine = MachineOutcome {
        family: MachineFamily::Brainscales,
        hardware_time_s: speed_up.to_hardware(completed_ms * 1e-3),
        lost,
        health,
        energy: None,
        settings,
    };
    let weights =
        plastic::final_weights(net, &mapped.image.wafers, &mapped.plastic, system.wafers())?;
    let results = Results {
        recordings: &recordings,
        provenance: &provenance,
        mapping: &mapped.report,
        weights: &weights,
    };
    let host = (&ran, threads, load_wall_s);
    let summary = write_results(args, staging, target, host, machine, results)?;
    if let Some((tracer, _)) = tracing {
        tracer.close(ran.done < total_ticks, summary.completed_ms);
    }
    let mut notes: Vec<String> = mapped
        .warnings
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    if account.not_recorded() > 0 {
        notes.push(format!(
            "note: the wafer made {} spikes in the recording populations, the recording delivered {}: the files \
             hold what the hardware delivers",
            account.on_wafer(),
            account.on_wafer().saturating_sub(account.not_recorded())
        ));
    }
    Ok(report(args, out, net, &summary, &notes))
}

/// Records the trace window that ends at tick `done` (`last`: the run ends there), if one does: the change of
/// every wafer's counters since the previous window.
fn record_window(
    tracer: &mut Tracer,
    before: &mut Option<Vec<WaferCounters>>,
    system: &System,
    done: u32,
    last: bool,
    net: &Network,
) {
    if let Some((from, to)) = tracer.ended(done, last) {
        let ms = |tick: u32| net.simulation.time_ms(tick.into());
        let now: Vec<WaferCounters> = system.wafers().iter().map(|w| w.counters()).collect();
        tracer.record(trace_wafer::frame(
            before.as_deref(),
            &now,
            (ms(from), ms(to)),
            to - from,
        ));
        *before = Some(now);
    }
}
