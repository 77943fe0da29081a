//! `nmemu map`: place and route a network onto a machine and write mapping.json, without running it.

use nmemu_loader::writers::{MAPPING_JSON, write_json};
use nmemu_mapping::brainscales;
use nmemu_mapping::brainscales::params::PopulationClip;
use nmemu_mapping::brainscales::report::significant;
use nmemu_mapping::spinnaker::Mapped;
use nmemu_mapping::spinnaker::memory::bytes;
use nmemu_mapping::spinnaker::report::NumericalWarning;

use super::output::OutArgs;
use super::target::{Mapping, TargetArgs};
use super::thousands;
use crate::signals;

/// Map a network onto a machine: slices, placement, routes, keys, minimised routing tables and synaptic
/// data. Writes mapping.json and prints a short summary.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  nmemu map --machine spinnaker-48 examples/va_cuba.json
  nmemu map --machine brainscales-wafer examples/adex.json --speedup 10000
  nmemu map --machine spinnaker-24b examples/microcircuit_0.1.json --out mc")]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    out: OutArgs,
}

pub fn run(args: &Args) -> Result<(), String> {
    let out = args.out.check(&args.target.net)?;
    let mapping = args.target.map(args.target.load()?, false)?;
    let _writing = signals::defer();
    let staging = out.stage()?;
    let path = staging.path().join(MAPPING_JSON);
    match &mapping {
        Mapping::Spinnaker(t) => write_json(&path, &t.mapped.report),
        Mapping::BrainScaleS(t) => write_json(&path, &t.mapped.mapped.report),
    }
    .map_err(|e| e.to_string())?;
    staging.commit().map_err(|e| e.to_string())?;
    match &mapping {
        Mapping::Spinnaker(t) => print_summary(&t.mapped),
        Mapping::BrainScaleS(t) => print_wafer_summary(&t.mapped.mapped),
    }
    println!("wrote {}", out.dir.join(MAPPING_JSON).display());
    Ok(())
}

/// A BrainScaleS mapping in a few lines: HICANNs, neurons, synapses and their loss by cause, every clipped
/// parameter with where it would fit, the mapper's warnings.
pub fn print_wafer_summary(mapped: &brainscales::Mapped) {
    let r = &mapped.report;
    println!(
        "mapped onto {} at speed-up {}: {} neurons on {} HICANNs, {} synapses, mapping took {:.2} s",
        r.machine,
        thousands(r.speedup.into()),
        thousands(r.neurons_placed),
        r.hicanns_used,
        thousands(r.synapses),
        r.phases.values().sum::<f64>()
    );
    if r.wafers.len() > 1 {
        for w in &r.wafers {
            println!(
                "  wafer {}: {} neurons on {} HICANNs",
                w.wafer,
                thousands(w.neurons_placed),
                w.hicanns_used
            );
        }
        let c = &r.cross_wafer;
        println!(
            "  across wafers: {} synapses ({} lost) over {} Layer-2 routes, each {} ms of delay on top",
            thousands(c.synapses),
            thousands(c.synapses_lost),
            thousands(c.routes),
            significant(c.route_latency_ms)
        );
    }
    if let [first, second] = r.merger.tried.as_slice() {
        println!(
            "  merger tree: {} lost {} synapses, {} {}: kept {}",
            first.strategy.name(),
            thousands(first.synapses_lost),
            second.strategy.name(),
            thousands(second.synapses_lost),
            r.merger.chosen.name()
        );
    }
    for (label, n) in &r.circuits_per_neuron {
        println!("  {label:<20} {n} circuits per neuron");
    }
    if r.synapses_lost > 0 {
        println!(
            "  warning: {} synapses lost ({:.2}%): {} Layer-1 route, {} driver, {} row/address, {} thinned input",
            thousands(r.synapses_lost),
            100.0 * r.synapses_lost as f64 / (r.synapses as f64).max(1.0),
            thousands(r.synapses_lost_l1),
            thousands(r.synapses_lost_driver),
            thousands(r.synapses_lost_row),
            thousands(r.synapses_lost_input)
        );
    }
    print_clips(&r.parameters_clipped);
    for w in &mapped.warnings {
        println!("  warning: {w}");
    }
}

/// One line per clipped parameter of a population, with where it would fit (`map`, `run` and `validate
/// --machine` say it alike).
pub fn print_clips(clips: &[PopulationClip]) {
    for c in clips {
        println!(
            "  clipped: {} {} {} {} -> {} {} ({} neurons){}",
            c.population,
            c.parameter,
            significant(c.requested),
            c.unit,
            significant(c.realised),
            c.unit,
            c.neurons,
            c.fits_at_speedup
                .map_or(String::new(), |s| format!("; fits at --speedup {s}"))
        );
    }
}

/// The mapping in a few lines: what went where, how big the tables are, the memory estimate, what is inexact.
pub fn print_summary(mapped: &Mapped) {
    let r = &mapped.report;
    println!(
        "mapped onto {}: {} application cores on {} chips ({} usable), {} synapses, mapping took {:.2} s",
        r.machine,
        r.cores_used,
        r.chips_used,
        thousands(r.application_cores_available),
        thousands(r.synapses),
        r.map_wall_s
    );
    println!(
        "  {:<20} {:>8} {:>6} {:>7}  {:<14} {:>12}",
        "population", "neurons", "cores", "n/core", "limited by", "cycles/tick"
    );
    for p in &r.populations {
        println!(
            "  {:<20} {:>8} {:>6} {:>7}  {:<14} {:>12}",
            p.label,
            thousands(u64::from(p.size)),
            p.cores,
            p.atoms_per_core,
            format!("{:?}", p.limited_by),
            p.estimated_cycles_per_tick
                .map_or("-".to_string(), thousands)
        );
    }
    println!(
        "  routing entries: {} before minimisation, {} after, largest table {}",
        thousands(r.routing_entries.before_minimisation as u64),
        thousands(r.routing_entries.after_minimisation as u64),
        r.routing_entries.max_per_chip
    );
    println!(
        "  memory (estimate): map {}, run {} (synaptic matrices {})",
        bytes(mapped.memory.map),
        bytes(mapped.memory.run),
        bytes(mapped.memory.matrices)
    );
    for w in &r.warnings {
        println!("  warning: {w}");
    }
    print_numerical(&r.numerical_warnings);
}

/// The numerical warnings, one line each with its advice.
pub fn print_numerical(warnings: &[NumericalWarning]) {
    for w in warnings {
        println!("  warning: {} ({})", w.message, w.advice);
    }
}
