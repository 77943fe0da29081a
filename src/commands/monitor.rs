//! `nmemu monitor`: replay a trace, render one frame as text, or export it as JSON lines.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use nmemu_tui::App;
use nmemu_tui::trace;

/// Replay a trace written by `nmemu run --trace FILE`: the machine's grid as a heat map, the selected chip or
/// HICANN, traffic and losses over time; play/pause, step, speed and a time slider (`?` lists the keys).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  nmemu monitor va.trace
  nmemu monitor va.trace --dump-frame 3 --metric drops
  nmemu monitor va.trace --jsonl > va.jsonl

A trace of a run that was stopped holds the windows before the stop; the monitor says so.")]
pub struct Args {
    /// The trace file.
    file: PathBuf,
    /// Print frame N (from 0) as text, as the monitor would draw it, instead of opening the view.
    #[arg(long, value_name = "N")]
    dump_frame: Option<usize>,
    /// The view of --dump-frame; it must match the trace's machine (the default).
    #[arg(long, value_enum)]
    view: Option<View>,
    /// The metric colouring the grid (spinnaker: routed, drops, link_load, core_load; wafer: spikes, bus_use,
    /// lost).
    #[arg(long, value_name = "M")]
    metric: Option<String>,
    /// The size of --dump-frame's screen, columns x rows.
    #[arg(long, value_name = "COLSxROWS", default_value = "100x30", value_parser = parse_size)]
    size: (u16, u16),
    /// Print the trace as JSON lines (a header line, then one line per frame) instead of opening the view.
    #[arg(long, conflicts_with = "dump_frame")]
    jsonl: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum View {
    Spinnaker,
    Wafer,
}

/// `--size`: columns x rows, at least the monitor's minimum.
fn parse_size(text: &str) -> Result<(u16, u16), String> {
    let parsed = text
        .split_once('x')
        .and_then(|(c, r)| Some((c.parse::<u16>().ok()?, r.parse::<u16>().ok()?)));
    match parsed {
        Some((c, r)) if c >= nmemu_tui::view::MIN_WIDTH && r >= nmemu_tui::view::MIN_HEIGHT => {
            Ok((c, r))
        }
        _ => Err(format!(
            "expected COLSxROWS of at least {}x{}, got `{text}`",
            nmemu_tui::view::MIN_WIDTH,
            nmemu_tui::view::MIN_HEIGHT
        )),
    }
}

pub fn run(args: &Args) -> Result<(), String> {
    let t = trace::read(&args.file)?;
    if t.truncated {
        eprintln!(
            "note: {}: the trace ends inside a window (its run was stopped); showing the {} whole windows before",
            args.file.display(),
            t.frames.len()
        );
    }
    if let Some(view) = args.view {
        let wanted = match view {
            View::Spinnaker => trace::MachineKind::Spinnaker,
            View::Wafer => trace::MachineKind::Wafer,
        };
        if wanted != t.header.kind {
            return Err(format!(
                "--view {}: {} holds a {} trace",
                wanted.name(),
                args.file.display(),
                t.header.kind.name()
            ));
        }
    }
    if args.jsonl {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        trace::write_jsonl(&t, &mut out)
            .and_then(|()| out.flush())
            .map_err(|e| format!("standard output: {e}"))?;
        return Ok(());
    }
    let (header, frames) = (t.header, t.frames);
    let n = frames.len();
    let mut app = App::new(header, frames, false);
    if let Some(metric) = &args.metric {
        app.set_colouring(metric)
            .map_err(|e| format!("--metric: {e}"))?;
    }
    match args.dump_frame {
        Some(k) => {
            if k >= n {
                return Err(format!(
                    "--dump-frame {k}: {} holds {n} frames{}",
                    args.file.display(),
                    if n > 0 {
                        format!(" (0 to {})", n - 1)
                    } else {
                        String::new()
                    }
                ));
            }
            app.show(k);
            app.select_hottest();
            print!(
                "{}",
                nmemu_tui::view::render_text(&app, args.size.0, args.size.1)
            );
            Ok(())
        }
        None => {
            if !std::io::stdout().is_terminal() {
                return Err(
                    "standard output is not a terminal: use --dump-frame N or --jsonl".to_string(),
                );
            }
            // A signal closes the view, which restores the terminal, before nmemu exits by it (main).
            let _restore_first = crate::signals::defer();
            nmemu_tui::terminal::run_replay(app, &|| crate::signals::received().is_some())
        }
    }
}
