//! `nmemu`: the command line. Wiring only: each subcommand parses its arguments and calls into the crates.

mod commands;
mod signals;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use nmemu_loader::escape::for_terminal_keeping_lines;

/// Cycle-level emulator suite for neuromorphic hardware (SpiNNaker, BrainScaleS-1).
#[derive(Debug, Parser)]
#[command(name = "nmemu", version, about, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "Examples:
  nmemu run --machine spinnaker-48 examples/va_cuba.json
  nmemu map --machine spinnaker-48 examples/synfire.json
  nmemu validate examples/va_cuba.json
  nmemu machines
  nmemu example microcircuit --scale 0.1 -o microcircuit.json
  nmemu schema > net.schema.json
  nmemu noc --machine spinnaker-48 --pattern uniform --rate 1,10,50 --duration-ms 20
  nmemu tables minimise tests/data/routing-tables/many_to_one.json.gz --target 0
  nmemu run --machine spinnaker-48 examples/synfire.json --trace synfire.trace
  nmemu monitor synfire.trace";

#[derive(Debug, Subcommand)]
enum Command {
    Run(commands::run::Args),
    Map(commands::map::Args),
    Validate(commands::validate::Args),
    Machines(commands::machines::Args),
    Schema(commands::schema::Args),
    Example(commands::example::Args),
    Noc(commands::noc::Args),
    Tables(commands::tables::Args),
    Monitor(commands::monitor::Args),
}

/// Rust ignores SIGPIPE, so `println!` panics once a reader such as `head` closes the pipe. Restore the
/// default: the program ends quietly, as other Unix tools do.
#[cfg(unix)]
fn end_quietly_on_closed_pipe() {
    // SAFETY: setting a signal's disposition to its default before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn end_quietly_on_closed_pipe() {}

fn main() -> ExitCode {
    end_quietly_on_closed_pipe();
    signals::install();
    let cli = Cli::parse();
    // `monitor`'s replay is the one deferring command that writes no file.
    let writes = !matches!(cli.command, Command::Monitor(_));
    let result = match cli.command {
        Command::Run(args) => match commands::run::run(&args) {
            Ok(commands::run::Outcome::Interrupted(signal)) => {
                return ExitCode::from(signal.exit_code());
            }
            Ok(commands::run::Outcome::Unhealthy) => return ExitCode::from(3),
            other => other.map(|_| ()),
        },
        Command::Map(args) => commands::map::run(&args),
        Command::Validate(args) => commands::validate::run(&args),
        Command::Machines(args) => commands::machines::run(&args),
        Command::Schema(args) => commands::schema::run(&args),
        Command::Example(args) => commands::example::run(&args),
        Command::Noc(args) => commands::noc::run(&args),
        Command::Tables(args) => commands::tables::run(&args),
        Command::Monitor(args) => commands::monitor::run(&args),
    };
    if let Err(message) = &result {
        // Messages quote the user's files (labels, field names, paths): no control character of theirs reaches
        // the terminal raw.
        eprintln!("error: {}", for_terminal_keeping_lines(message));
    }
    if let Some(signal) = signals::received() {
        // Received while writing: the command finished its files first.
        eprintln!(
            "nmemu: stopped by {}{}",
            signal.name(),
            if writes {
                " after finishing the files it was writing"
            } else {
                ""
            }
        );
        return ExitCode::from(signal.exit_code());
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}
