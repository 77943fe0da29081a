//! `nmemu tables`: routing tables on their own, outside a mapping run.

use std::path::PathBuf;
use std::time::Instant;

use nmemu_mapping::spinnaker::tables::{
    Algorithm, ChipTable, TableEntry, check_equivalent, minimise_all, read_tables, write_tables,
};
use rayon::prelude::*;
use serde_json::json;
use spinnaker_emu::router::table::RoutingTable;

use super::thousands;
use crate::signals;
use nmemu_loader::writers::refuse_link;

/// Routing tables on their own, outside a mapping run: minimise them as the mapper does.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: TablesCommand,
}

#[derive(Debug, clap::Subcommand)]
enum TablesCommand {
    Minimise(MinimiseArgs),
}

/// Minimise every chip's multicast routing table in a file and prove each result routes every key as
/// before. Reads PACMAN's JSON list of chip tables or a CSV of key,mask,route hex words (one table),
/// either optionally gzipped (every member of a multi-member file; at most 256 MiB of text). Prints the largest tables before and after, then a total line:
/// `total: before N, after M, largest K, seconds S` (S: minimisation time). Fails (status 1) if a table
/// does not fit the target or routes some key differently.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  nmemu tables minimise tests/data/routing-tables/many_to_one.json.gz --target 0
  nmemu tables minimise tests/data/routing-tables/table1.csv.gz --algorithm pair
  nmemu tables minimise tables.json --out minimised.json --threads 1")]
pub struct MinimiseArgs {
    /// The table file: .json or .csv, optionally .gz.
    file: PathBuf,
    /// ordered-covering (Mundy's, as in rig), pair (PACMAN's ordered pair compressor), remove-default
    /// (only drop entries default routing handles) or none.
    #[arg(long, default_value = "ordered-covering")]
    algorithm: Algorithm,
    /// Entries per table to reach, at most the router's 1023; tables that already fit are left alone and
    /// ordered covering stops as soon as one fits. 0 minimises as far as possible (and still requires the
    /// router's 1023). Ordered covering and pair refuse tables of more than 50,000 entries (their time
    /// grows faster than the square of the table); remove-default and none take any size.
    #[arg(long, default_value_t = RoutingTable::APPLICATION_ENTRIES)]
    target: usize,
    /// Host threads (results do not depend on it; default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Write the minimised tables here, in the PACMAN JSON format (gzipped if the name ends in .gz).
    #[arg(long)]
    out: Option<PathBuf>,
    /// List every table, not only the largest.
    #[arg(long)]
    verbose: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Tables listed without --verbose.
const LARGEST_SHOWN: usize = 5;

pub fn run(args: &Args) -> Result<(), String> {
    match &args.command {
        TablesCommand::Minimise(args) => minimise(args),
    }
}

fn minimise(args: &MinimiseArgs) -> Result<(), String> {
    if args.target > RoutingTable::APPLICATION_ENTRIES {
        return Err(format!(
            "--target {}: a router holds at most {} application entries",
            args.target,
            RoutingTable::APPLICATION_ENTRIES
        ));
    }
    if let Some(out) = &args.out {
        refuse_link(out).map_err(|e| format!("--out {e}"))?;
    }
    let tables = read_tables(&args.file).map_err(|e| e.to_string())?;
    let target = (args.target > 0).then_some(args.target);
    let limit = target.unwrap_or(RoutingTable::APPLICATION_ENTRIES);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start {:?} threads: {e}", args.threads))?;
    let started = Instant::now();
    let results = pool.install(|| minimise_all(&tables, args.algorithm, target));
    let seconds = started.elapsed().as_secs_f64();
    let mut problems: Vec<String> = Vec::new();
    let mut minimised: Vec<ChipTable> = Vec::with_capacity(tables.len());
    for (table, result) in tables.iter().zip(results) {
        match result {
            Ok(entries) => minimised.push(ChipTable {
                chip: table.chip,
                entries: entries
                    .iter()
                    .map(|e| TableEntry {
                        key: e.key,
                        mask: e.mask,
                        route: e.route,
                        defaultable: false,
                    })
                    .collect(),
            }),
            Err(e) => problems.push(format!("{}: {}: {e}", args.file.display(), table.chip)),
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let checked = Instant::now();
    let mismatches: Vec<String> = pool.install(|| {
        tables
            .par_iter()
            .zip(&minimised)
            .filter_map(|(before, after)| {
                let hardware: Vec<_> = after
                    .entries
                    .iter()
                    .map(TableEntry::routing_entry)
                    .collect();
                check_equivalent(&before.entries, &hardware)
                    .err()
                    .map(|m| format!("{}: {m}", before.chip))
            })
            .collect()
    });
    let check_seconds = checked.elapsed().as_secs_f64();
    if !mismatches.is_empty() {
        return Err(format!(
            "{}: {} minimised tables route keys differently:\n{}",
            args.file.display(),
            mismatches.len(),
            mismatches.join("\n")
        ));
    }
    let before: usize = tables.iter().map(|t| t.entries.len()).sum();
    let after: usize = minimised.iter().map(|t| t.entries.len()).sum();
    let largest = minimised
        .iter()
        .max_by_key(|t| t.entries.len())
        .map_or(0, |t| t.entries.len());
    if args.json {
        let per_table: Vec<_> = tables
            .iter()
            .zip(&minimised)
            .map(|(b, a)| json!({"x": b.chip.x, "y": b.chip.y, "before": b.entries.len(), "after": a.entries.len()}))
            .collect();
        let report = json!({
            "file": args.file.display().to_string(),
            "algorithm": args.algorithm.name(),
            "target": target,
            "tables": per_table,
            "before": before,
            "after": after,
            "largest": largest,
            "seconds": seconds,
            "check_seconds": check_seconds,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        print_report(args, &tables, &minimised, limit, check_seconds);
    }
    if let Some(out) = &args.out {
        let _writing = signals::defer();
        write_tables(out, &minimised).map_err(|e| e.to_string())?;
    }
    if !args.json {
        println!("total: before {before}, after {after}, largest {largest}, seconds {seconds:.3}");
    }
    let too_long: Vec<String> = minimised
        .iter()
        .filter(|t| t.entries.len() > limit)
        .map(|t| format!("{}: {} entries", t.chip, t.entries.len()))
        .collect();
    if too_long.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: {} tables do not fit the router's {limit} entries: {}",
            args.file.display(),
            too_long.len(),
            too_long.join(", ")
        ))
    }
}

fn print_report(
    args: &MinimiseArgs,
    tables: &[ChipTable],
    minimised: &[ChipTable],
    limit: usize,
    check_seconds: f64,
) {
    let before: usize = tables.iter().map(|t| t.entries.len()).sum();
    let goal = if args.target > 0 {
        format!("to at most {} entries per table", thousands(limit as u64))
    } else {
        "as far as possible".to_owned()
    };
    println!(
        "{}: {} tables, {} entries; {} {goal}",
        args.file.display(),
        tables.len(),
        thousands(before as u64),
        args.algorithm
    );
    let mut order: Vec<usize> = (0..tables.len()).collect();
    if !args.verbose {
        order.sort_by_key(|&i| std::cmp::Reverse(tables[i].entries.len()));
        order.truncate(LARGEST_SHOWN);
    }
    for &i in &order {
        println!(
            "  {}: {} → {}",
            tables[i].chip,
            thousands(tables[i].entries.len() as u64),
            thousands(minimised[i].entries.len() as u64)
        );
    }
    if !args.verbose && tables.len() > order.len() {
        println!(
            "  (the {} largest inputs; --verbose lists all)",
            order.len()
        );
    }
    if let Some(largest) = minimised.iter().max_by_key(|t| t.entries.len()) {
        println!(
            "largest after: {} with {} entries",
            largest.chip,
            thousands(largest.entries.len() as u64)
        );
    }
    println!(
        "equivalence: every table routes every key as before (checked in {check_seconds:.3} s)"
    );
}
