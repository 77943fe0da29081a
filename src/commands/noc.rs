//! `nmemu noc`: a network-on-chip experiment with synthetic traffic on a SpiNNaker machine.

use std::path::PathBuf;
use std::sync::Arc;

use nmemu_loader::input::read_bounded;
use spinnaker_emu::faults::{self, Faults};
use spinnaker_emu::machine::{CoreModel, Machine};
use spinnaker_emu::noc::{NocConfig, NocReport, Pattern, check_rate, run as run_noc};
use spinnaker_emu::router::config::{NetworkParams, WaitField};
use spinnaker_emu::time::Time;

use super::thousands;

/// Inject synthetic multicast traffic from every application core and report throughput, latency, hops,
/// losses and the busiest links. Give several rates (comma-separated) to sweep the offered load and find
/// where the interconnect saturates.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  nmemu noc --machine spinnaker-48 --pattern uniform --rate 10 --duration-ms 100
  nmemu noc --machine spinnaker-48 --pattern hotspot --rate 1,2,5,10,20,50 --duration-ms 20
  nmemu noc --machine spinnaker-48 --pattern local --rate 20 --faults faults.json --emergency-routing")]
pub struct Args {
    /// A SpiNNaker preset (see `nmemu machines`); case is ignored.
    #[arg(long)]
    machine: String,
    /// uniform, local, hotspot or bitcomplement.
    #[arg(long, default_value = "uniform")]
    pattern: String,
    /// Packets per application core per ms, at most 7843 (a full chip's router busy every cycle); a
    /// comma-separated list runs a sweep.
    #[arg(long, value_delimiter = ',', default_value = "10")]
    rate: Vec<f64>,
    /// Injection time in ms (packets still in flight get a further 10% to arrive).
    #[arg(long, default_value_t = 100.0)]
    duration_ms: f64,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// A faults file naming dead chips, cores and links. The file holds JSON such as
    /// {"dead_chips": [[x, y]], "dead_cores": [[x, y, core]], "dead_links": [[x, y, link]]}. Dead chips
    /// send and receive nothing and routes detour around them (the report counts the detours); dead links
    /// stay on the routes, for the router to cope with.
    #[arg(long, value_name = "FILE")]
    faults: Option<PathBuf>,
    /// Turn emergency routing on (wait2 = 0x10 = 16 router cycles); the sPyNNaker default is off.
    #[arg(long)]
    emergency_routing: bool,
    /// Do not re-send dumped packets (the sPyNNaker default re-sends them from the monitor core).
    #[arg(long)]
    no_reinjection: bool,
    /// Send 72-bit packets (with a payload) instead of 40-bit ones.
    #[arg(long)]
    payload: bool,
    /// All 17 application cores on every chip, instead of sPyNNaker's realistic counts.
    #[arg(long)]
    ideal_cores: bool,
    /// Host threads (results do not depend on it; default: all cores; at most 4 x the host's cores).
    #[arg(long, value_parser = super::parse_threads)]
    threads: Option<usize>,
    /// Print the report(s) as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> Result<(), String> {
    let preset = super::machines::parse(&args.machine)?
        .spinnaker("noc measures SpiNNaker's interconnect (its routers and links)")?;
    let pattern = Pattern::parse(&args.pattern).map_err(|e| format!("--pattern: {e}"))?;
    for &rate in &args.rate {
        check_rate(rate).map_err(|e| format!("--rate: {e}"))?;
    }
    if !(args.duration_ms > 0.0 && args.duration_ms.is_finite()) {
        return Err(format!(
            "--duration-ms must be > 0, got {}",
            args.duration_ms
        ));
    }
    let faults = match &args.faults {
        None => Faults::default(),
        Some(path) => {
            let at = |e: &dyn std::fmt::Display| format!("--faults {}: {e}", path.display());
            let text =
                read_bounded(path, faults::MAX_FILE_BYTES, "a faults file").map_err(|e| at(&e))?;
            Faults::from_json(&text).map_err(|e| at(&e))?
        }
    };
    let cores = if args.ideal_cores {
        CoreModel::Ideal
    } else {
        CoreModel::Realistic
    };
    let machine = Arc::new(Machine::new(preset, cores, &faults)?);
    let mut params = NetworkParams::default();
    params.router.reinjection = !args.no_reinjection;
    if args.emergency_routing {
        params.router = params.router.with_emergency_routing(WaitField(0x10));
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut reports = Vec::new();
    for &rate in &args.rate {
        let config = NocConfig {
            pattern,
            rate_per_core_per_ms: rate,
            duration: Time::from_ms(args.duration_ms),
            drain: Time::from_ms(args.duration_ms * 0.1),
            seed: args.seed,
            payload: args.payload,
            threads,
        };
        reports.push(run_noc(machine.clone(), params, &config)?);
    }
    if args.json {
        let text = serde_json::to_string_pretty(&reports).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        if let [one] = reports.as_slice() {
            print_report(&preset.to_string(), one, &machine);
        } else {
            print_sweep(&preset.to_string(), &reports);
        }
        if let Some(first) = reports.first() {
            print_dead_chips(faults.dead_chips.len(), first);
        }
    }
    Ok(())
}

/// What dead chips did to the traffic (the same at every rate: routes depend on the pattern and seed).
fn print_dead_chips(dead: usize, r: &NocReport) {
    if dead == 0 {
        return;
    }
    println!(
        "dead chips: {dead}, neither sending nor receiving; {} flows rerouted around them, {} left out (no working path)",
        thousands(r.flows_rerouted as u64),
        thousands(r.flows_unreachable as u64)
    );
}

fn ns(cycles: u32) -> f64 {
    Time::from_router_cycles(u64::from(cycles)).as_ns()
}

fn print_report(name: &str, r: &NocReport, machine: &Machine) {
    println!(
        "{name}: {} chips, {} application cores, pattern {}, {} routing entries ({} before default-route removal, at most {} per chip)",
        machine.n_chips(),
        thousands(r.application_cores as u64),
        r.pattern,
        thousands(r.routing_entries as u64),
        thousands(r.routing_entries_before_default_removal as u64),
        r.max_entries_per_chip
    );
    println!(
        "offered {:.3} packets/core/ms ({} injected); accepted {:.3} packets/core/ms ({} delivered)",
        r.offered_per_core_per_ms,
        thousands(r.injected),
        r.accepted_per_core_per_ms,
        thousands(r.delivered)
    );
    let l = &r.latency;
    println!(
        "latency (router cycles / ns): min {} / {:.0}, median {} / {:.0}, p99 {} / {:.0}, max {} / {:.0}",
        l.min_cycles,
        ns(l.min_cycles),
        l.median_cycles,
        ns(l.median_cycles),
        l.p99_cycles,
        ns(l.p99_cycles),
        l.max_cycles,
        ns(l.max_cycles)
    );
    println!("hops: mean {:.2}, max {}", r.mean_hops, r.max_hops);
    let k = &r.router;
    println!(
        "dumped {}, reinjected {}, emergency-routed {}, default-routed {}, lost {}",
        thousands(k.dump_mc),
        thousands(k.reinjected),
        thousands(k.emergency_routed),
        thousands(k.ext_default_routed_mc),
        thousands(k.lost())
    );
    if k.lost() > 0 {
        eprintln!(
            "warning: {} packets were lost (dumped and not re-sent)",
            thousands(k.lost())
        );
    }
    println!("busiest links:");
    for link in &r.busiest_links {
        println!(
            "  {} {:<2} {:>12} packets, utilisation {:.1}%",
            link.chip,
            link.link,
            thousands(link.packets),
            100.0 * link.utilisation
        );
    }
    println!(
        "simulated {} packet-hops in {:.2} s ({:.1} M hops/s)",
        thousands(r.packet_hops),
        r.wall_s,
        r.packet_hops as f64 / r.wall_s.max(1e-9) / 1e6
    );
}

fn print_sweep(name: &str, reports: &[NocReport]) {
    println!("{name}, pattern {}:", reports[0].pattern);
    println!(
        "{:>10} {:>10} {:>9} {:>9} {:>9} {:>10} {:>10} {:>10} {:>9}",
        "offered",
        "accepted",
        "lat.med",
        "lat.p99",
        "mean hops",
        "dumped",
        "reinjected",
        "lost",
        "max link"
    );
    for r in reports {
        println!(
            "{:>10.3} {:>10.3} {:>9} {:>9} {:>9.2} {:>10} {:>10} {:>10} {:>8.1}%",
            r.offered_per_core_per_ms,
            r.accepted_per_core_per_ms,
            r.latency.median_cycles,
            r.latency.p99_cycles,
            r.mean_hops,
            r.router.dump_mc,
            r.router.reinjected,
            r.router.lost(),
            100.0 * r.busiest_links.first().map_or(0.0, |l| l.utilisation)
        );
    }
    println!("(offered/accepted in packets per core per ms; latencies in router cycles of 7.5 ns)");
}
