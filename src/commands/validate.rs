//! `nmemu validate`: load and validate a network, count its synapses, estimate the memory mapping and running
//! it take; print what it contains. With `--machine`, also the machine's checks that need no mapping.

use std::path::PathBuf;
use std::time::Instant;

use brainscales_emu::time::SpeedUp;
use nmemu_loader::{Limits, Network, count, expected_synapses};
use nmemu_mapping::brainscales::precheck::precheck;
use nmemu_mapping::spinnaker::memory::{self, MemoryEstimate, Slicing, bytes};

use super::machine_flags::parse_speedup;
use super::machines::Preset;
use super::memory::MemoryArgs;
use super::thousands;
use super::wafer_defects::{self, DefectsArg, parse_defects_arg};

/// Validate a net.json file and print a summary: populations, neurons, projections, the exact synapse count of
/// every connector (counted one projection at a time, without storing synapses), and the memory mapping and
/// running the network are estimated to take. Refuses a network whose mapping would exceed --max-memory.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  nmemu validate examples/va_cuba.json\n  nmemu validate --no-expand examples/microcircuit_0.1.json\n  nmemu validate --machine brainscales-wafer examples/adex.json --speedup 10000"
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
    /// Also check the network against a machine preset (see `nmemu machines`), before counting and without
    /// mapping: what `map` would refuse or report. BrainScaleS: the model, extensions.brainscales, every
    /// parameter's range at --speedup (the clips mapping.json would list), the denmem circuits against the
    /// wafer's usable ones, the Layer-2 input load against the wafer's budget. SpiNNaker: the timestep,
    /// extensions.spinnaker, the cell types and where the runtime differs from the model.
    #[arg(long)]
    machine: Option<String>,
    /// BrainScaleS, with --machine: the speed-up whose parameter ranges apply, 1000, 10000 or 100000
    /// (default 1000).
    #[arg(long, value_parser = parse_speedup)]
    speedup: Option<SpeedUp>,
    /// BrainScaleS, with --machine: a defects file for wafer 0, or with `WAFER:` for that wafer; repeatable
    /// (replaces extensions.brainscales.defects for the wafers it names), as for `map`.
    #[arg(long, value_name = "[WAFER:]FILE", value_parser = parse_defects_arg)]
    defects: Vec<DefectsArg>,
}

pub fn run(args: &Args) -> Result<(), String> {
    let limits = Limits {
        max_neurons: args.max_neurons,
        max_synapses: args.max_synapses,
    };
    let machine = args.machine()?;
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
    if let Some(machine) = machine {
        check_machine(args, &net, machine)?;
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

impl Args {
    /// `--machine`, read; `--speedup` and `--defects` are refused without a BrainScaleS machine.
    fn machine(&self) -> Result<Option<Preset>, String> {
        let machine = self
            .machine
            .as_deref()
            .map(super::machines::parse)
            .transpose()?;
        let wafer_flags: Vec<&str> = [
            ("--speedup", self.speedup.is_some()),
            ("--defects", !self.defects.is_empty()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect();
        match (machine, wafer_flags.as_slice()) {
            (Some(Preset::BrainScaleS(_)), _) | (_, []) => Ok(machine),
            (_, names) => Err(format!(
                "{}: for a BrainScaleS machine; give --machine brainscales-* (see `nmemu machines`){}",
                names.join(", "),
                machine.map_or(String::new(), |m| format!(", not --machine {m}"))
            )),
        }
    }
}

/// The checks of `machine` that need no mapping; a refusal names the network file, the machine and the place.
fn check_machine(args: &Args, net: &Network, machine: Preset) -> Result<(), String> {
    let at = |e: String| format!("{}: --machine {machine}: {e}", args.net.display());
    match machine {
        Preset::Spinnaker(_) => {
            let checked = nmemu_mapping::spinnaker::check(net).map_err(at)?;
            println!("machine {machine}: the runtime has every cell type, timestep and hint");
            super::map::print_numerical(&checked.notes);
        }
        Preset::BrainScaleS(bss) => {
            let defects = wafer_defects::resolve(
                &args.defects,
                &args.net,
                net,
                &machine.to_string(),
                bss.wafers,
            )?
            .defects;
            let speed_up = args.speedup.unwrap_or(SpeedUp::Slow);
            let c = precheck(net, speed_up, &defects).map_err(at)?;
            println!(
                "machine {machine} at speed-up {}: the wafer runs every cell and synapse type",
                thousands(speed_up.factor() as u64)
            );
            let whose = match defects.len() {
                1 => "the wafer's".to_string(),
                n => format!("the {n} wafers'"),
            };
            println!(
                "  circuits: {} neurons take {} denmems of {whose} {} usable",
                thousands(c.circuits.neurons),
                thousands(c.circuits.needed),
                thousands(c.circuits.usable)
            );
            super::map::print_clips(&c.parameters_clipped);
            print_inputs(&c.inputs, c.hints.bandwidth_utilization);
        }
    }
    Ok(())
}

/// The Layer-2 input load against the wafer's budget, with warnings where input placement must thin.
fn print_inputs(e: &nmemu_mapping::brainscales::inputs::InputEstimate, utilization: f64) {
    let mhz = |hz: f64| format!("{:.1} M", hz * 1e-6);
    println!(
        "  inputs: {} sources, {}events/s in hardware time against a Layer-2 budget of {}events/s \
         (bandwidth_utilization {utilization})",
        thousands(e.sources),
        mhz(e.rate_hz),
        mhz(e.budget_hz)
    );
    if e.excess() > 0.0 {
        println!(
            "  warning: the input exceeds the wafer's Layer-2 budget: at least {:.1}% of its rate will be \
             thinned (a smaller --speedup, lower rates, or extensions.brainscales.bandwidth_utilization)",
            100.0 * e.excess()
        );
    }
    if e.largest_hz > e.hicann_budget_hz {
        println!(
            "  warning: a source at {}events/s exceeds one HICANN link's budget of {}events/s and will be \
             thinned",
            mhz(e.largest_hz),
            mhz(e.hicann_budget_hz)
        );
    }
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
