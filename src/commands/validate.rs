//! `nmemu validate`: load, validate and expand a network; print what it contains.

use std::path::PathBuf;
use std::time::Instant;

use nmemu_loader::connectors::{PerSynapse, expand};
use nmemu_loader::{Limits, Network, expected_synapses};

use super::{bytes, thousands};

/// Validate a net.json file and print a summary: populations, neurons, projections, the synapse count after
/// expanding every connector, and the memory the expanded network takes.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  nmemu validate examples/va_cuba.json\n  nmemu validate --no-expand examples/microcircuit_0.1.json"
)]
pub struct Args {
    /// The network file (net.json, format nmemu-net/1).
    net: PathBuf,
    /// Only check the file; report expected synapse counts instead of expanding the connectors.
    #[arg(long)]
    no_expand: bool,
    /// Refuse networks with more neurons than this.
    #[arg(long, default_value_t = Limits::default().max_neurons)]
    max_neurons: u64,
    /// Refuse networks expected to make more synapses than this.
    #[arg(long, default_value_t = Limits::default().max_synapses)]
    max_synapses: u64,
    /// Host threads for expansion (default: all cores; at most 4 x the host's cores). Results do not depend
    /// on it.
    #[arg(long, value_parser = super::parse_threads)]
    threads: Option<usize>,
}

pub fn run(args: &Args) -> Result<(), String> {
    let limits = Limits {
        max_neurons: args.max_neurons,
        max_synapses: args.max_synapses,
    };
    let net =
        Network::load(&args.net, &limits).map_err(|e| format!("{}: {e}", args.net.display()))?;
    let sim = &net.simulation;
    println!("{}: valid (nmemu-net/1)", args.net.display());
    println!(
        "simulation: {} ms at a {} ms timestep, delays {}..{} ms, seed {}",
        sim.duration_ms, sim.timestep_ms, sim.min_delay_ms, sim.max_delay_ms, sim.seed
    );
    println!(
        "populations: {}, neurons: {}",
        net.populations.len(),
        thousands(net.neurons())
    );
    for p in &net.populations {
        let recorded: Vec<String> = p
            .record
            .iter()
            .map(|r| match r.sampling_steps {
                1 => r.variable.clone(),
                k => format!(
                    "{} every {} ms",
                    r.variable,
                    net.simulation.time_ms(k.into())
                ),
            })
            .collect();
        println!(
            "  {:<20} {:>10}  {:<24} {}",
            p.label,
            thousands(u64::from(p.size)),
            p.cell_type.name(),
            if recorded.is_empty() {
                String::new()
            } else {
                format!("records {}", recorded.join(", "))
            }
        );
    }
    println!("projections: {}", net.projections.len());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start {:?} threads: {e}", args.threads))?;
    let started = Instant::now();
    let (mut total, mut expected_total, mut memory) = (0u64, 0.0, 0usize);
    // Every projection is kept until the end, so the memory figure is what a mapper holding the whole
    // network needs, not just the largest projection.
    let mut expanded = Vec::with_capacity(net.projections.len());
    println!(
        "  {:<28} {:<40} {:>14} {:>14}",
        "label", "connector", "expected", "synapses"
    );
    for (i, p) in net.projections.iter().enumerate() {
        let expected = expected_synapses(&net, p);
        expected_total += expected;
        let made = if args.no_expand {
            "-".to_owned()
        } else {
            let s = pool
                .install(|| expand(&net, i))
                .map_err(|e| format!("{}: {e}", args.net.display()))?;
            total += s.len();
            memory += s.heap_bytes();
            let made = thousands(s.len());
            expanded.push(s);
            made
        };
        println!(
            "  {:<28} {:<40} {:>14} {:>14}",
            p.label,
            p.connector.name(),
            thousands(expected.round() as u64),
            made
        );
    }
    if args.no_expand {
        println!(
            "synapses: about {} (expected; not expanded)",
            thousands(expected_total.round() as u64)
        );
        return Ok(());
    }
    let seconds = started.elapsed().as_secs_f64();
    let varying = expanded
        .iter()
        .filter(|s| {
            matches!(s.weights, PerSynapse::Each(_)) || matches!(s.delays, PerSynapse::Each(_))
        })
        .count();
    println!(
        "synapses: {} (expected {}), expanded in {seconds:.2} s ({}/s) on {} threads",
        thousands(total),
        thousands(expected_total.round() as u64),
        thousands((total as f64 / seconds.max(1e-9)) as u64),
        pool.current_num_threads()
    );
    println!(
        "memory: {} for synapses ({} of {} projections store per-synapse weights or delays)",
        bytes(memory as u64),
        varying,
        expanded.len()
    );
    Ok(())
}
