//! `nmemu map`: place and route a network onto a machine and write mapping.json, without running it.

use nmemu_loader::writers::{MAPPING_JSON, write_json};
use nmemu_mapping::spinnaker::Mapped;
use nmemu_mapping::spinnaker::memory::bytes;

use super::output::OutArgs;
use super::target::TargetArgs;
use super::thousands;
use crate::signals;

/// Map a network onto a machine: slices, placement, routes, keys, minimised routing tables and synaptic
/// data. Writes mapping.json and prints a short summary.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  nmemu map --machine spinnaker-48 examples/va_cuba.json
  nmemu map --machine spinnaker-24b examples/microcircuit_0.1.json --out mc")]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    out: OutArgs,
}

pub fn run(args: &Args) -> Result<(), String> {
    let out = args.out.check(&args.target.net)?;
    let target = args.target.map(args.target.load()?, false)?;
    let _writing = signals::defer();
    let staging = out.stage()?;
    write_json(&staging.path().join(MAPPING_JSON), &target.mapped.report)
        .map_err(|e| e.to_string())?;
    staging.commit().map_err(|e| e.to_string())?;
    print_summary(&target.mapped);
    println!("wrote {}", out.dir.join(MAPPING_JSON).display());
    Ok(())
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
    for w in &r.numerical_warnings {
        println!("  warning: {} ({})", w.message, w.advice);
    }
}
