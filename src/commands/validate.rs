//! `nmemu validate`: load and validate a network, count its synapses, estimate the memory mapping and running
//! it take; print what it contains.

use std::path::PathBuf;
use std::time::Instant;

use nmemu_loader::{Limits, Network, count, expected_synapses};
use nmemu_mapping::spinnaker::memory::{self, MemoryEstimate, Slicing, bytes};

use super::memory::MemoryArgs;
use super::thousands;

/// Validate a net.json file and print a summary: populations, neurons, projections, the exact synapse count of
/// every connector (counted one projection at a time, without storing synapses), and the memory mapping and
/// running the network are estimated to take. Refuses a network whose mapping would exceed --max-memory.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  nmemu validate examples/va_cuba.json\n  nmemu validate --no-expand examples/microcircuit_0.1.json"
)]
pub struct Args {
    /// The network file (net.json, format nmemu-net/1).
    net: PathBuf,
    /// Only check the file; report expected synapse counts instead of counting what the connectors make.
    #[arg(long)]
    no_expand: bool,
    /// Refuse networks with more neurons than this.
    #[arg(long, default_value_t = Limits::default().max_neurons)]
    max_neurons: u64,
    /// Refuse networks expected to make more synapses than this.
    #[arg(long, default_value_t = Limits::default().max_synapses)]
    max_synapses: u64,
    #[command(flatten)]
    memory: MemoryArgs,
    /// Host threads for counting (default: all cores; at most 4 x the host's cores). Results do not depend
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
    let expected: Vec<f64> = net
        .projections
        .iter()
        .map(|p| expected_synapses(&net, p))
        .collect();
    let expected_total: f64 = expected.iter().sum();
    // Refused before counting: counting is cheap in memory but not in time.
    let (limit, source) = args.memory.limit_bytes();
    let before = check_memory(&net, &expected, limit, &source);
    let counted = if args.no_expand || before.is_err() {
        None
    } else {
        Some(count_all(&net, args.threads)?)
    };
    println!(
        "  {:<28} {:<40} {:>14} {:>14}",
        "label", "connector", "expected", "synapses"
    );
    for (i, p) in net.projections.iter().enumerate() {
        println!(
            "  {:<28} {:<40} {:>14} {:>14}",
            p.label,
            p.connector.name(),
            thousands(expected[i].round() as u64),
            counted
                .as_ref()
                .map_or("-".to_owned(), |(c, _)| thousands(c[i]))
        );
    }
    let synapses: Vec<f64> = match &counted {
        None => {
            println!(
                "synapses: about {} (expected; not counted)",
                thousands(expected_total.round() as u64)
            );
            expected
        }
        Some((counts, seconds)) => {
            let total: u64 = counts.iter().sum();
            println!(
                "synapses: {} (expected {}), counted in {seconds:.2} s ({}/s)",
                thousands(total),
                thousands(expected_total.round() as u64),
                thousands((total as f64 / seconds.max(1e-9)) as u64),
            );
            counts.iter().map(|&n| n as f64).collect()
        }
    };
    print_estimate(
        &memory::estimate(&net, &synapses, &Slicing::Largest),
        limit,
        &source,
    );
    before
}

/// The refusal when mapping `net` with `synapses` would exceed the limit.
fn check_memory(net: &Network, synapses: &[f64], limit: u64, source: &str) -> Result<(), String> {
    memory::estimate(net, synapses, &Slicing::Largest).check(&memory::MemoryLimit {
        bytes: limit,
        source: source.to_string(),
        running: false,
    })
}

/// Every projection's exact synapse count, one projection at a time, and the seconds it took.
fn count_all(net: &Network, threads: Option<usize>) -> Result<(Vec<u64>, f64), String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start {threads:?} threads: {e}"))?;
    let started = Instant::now();
    let counts = (0..net.projections.len())
        .map(|j| pool.install(|| count(net, j)).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    Ok((counts, started.elapsed().as_secs_f64()))
}

fn print_estimate(e: &MemoryEstimate, limit: u64, source: &str) {
    println!(
        "memory (estimate, at the largest slices; a small --time-scale-factor makes smaller slices and larger \
         matrices):"
    );
    println!(
        "  expanded synapses {} in all, the largest projection {} (the mapper holds one at a time)",
        bytes(e.expanded_all),
        bytes(e.largest_projection)
    );
    println!(
        "  map {} (synaptic matrices {}), run {}; limit {} ({source})",
        bytes(e.map),
        bytes(e.matrices),
        bytes(e.run),
        bytes(limit)
    );
}
