//! `--trace`, `--trace-period-ms` and `--monitor` of `run`: windows of biological time, the trace file each
//! window is appended to, and the live view each is sent to. The machine's sampler makes the frames
//! (`trace_spinnaker`, `trace_wafer`); this module decides when a window ends and where its frame goes.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;

use nmemu_loader::time::whole_steps;
use nmemu_tui::app::Action;
use nmemu_tui::terminal::LiveEvent;
use nmemu_tui::{Frame, Header, TraceWriter};

use crate::signals;

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("tracing").multiple(true).args(["trace", "monitor"]))]
pub struct TraceArgs {
    /// Write a trace to FILE: per window of biological time, each chip's router counters and link traffic and
    /// each core's load and spikes; appended window by window, so a stopped run leaves a readable prefix.
    /// Replay it with `nmemu monitor FILE`.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// The trace's window of biological time: a whole number of timesteps (with --trace or --monitor).
    #[arg(long, value_name = "MS", default_value_t = 10.0, requires = "tracing")]
    trace_period_ms: f64,
    /// Show the live monitor while the run proceeds: `q` closes the view and the run goes on, `Q` stops the run.
    #[arg(long)]
    monitor: bool,
}

impl TraceArgs {
    pub fn monitor(&self) -> bool {
        self.monitor
    }

    /// Whether a window must be sampled at all.
    pub fn wanted(&self) -> bool {
        self.trace.is_some() || self.monitor
    }

    /// Checks the flags before any long work; returns the window in timesteps of `timestep_ms`.
    pub fn check(&self, timestep_ms: f64) -> Result<u32, String> {
        let flag = format!("--trace-period-ms {}", self.trace_period_ms);
        let steps =
            whole_steps(self.trace_period_ms, timestep_ms).map_err(|e| format!("{flag}: {e}"))?;
        if steps == 0 || steps > u64::from(u32::MAX) {
            return Err(format!(
                "{flag}: must be from one timestep ({timestep_ms} ms) to 2^32-1 of them"
            ));
        }
        if let Some(path) = &self.trace {
            if path.is_dir() {
                return Err(format!("--trace {}: is a directory", path.display()));
            }
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            if parent.is_some_and(|p| !p.is_dir()) {
                return Err(format!(
                    "--trace {}: its directory does not exist",
                    path.display()
                ));
            }
        }
        if self.monitor && !std::io::stdout().is_terminal() {
            return Err(
                "--monitor: standard output is not a terminal; use --trace FILE and `nmemu monitor FILE` instead"
                    .to_string(),
            );
        }
        Ok(steps as u32)
    }

    /// Opens the trace file and the live view.
    pub fn start(&self, period: u32, header: Header) -> Result<Tracer, String> {
        let writer = match &self.trace {
            Some(path) => Some((
                path.clone(),
                TraceWriter::create(path, &header).map_err(|e| format!("--trace {e}"))?,
            )),
            None => None,
        };
        let live = self.monitor.then(|| {
            let (tx, rx) = channel();
            // A signal stops the run at its next chunk (deferred): the view closes at once so that the
            // terminal is back before the run's last messages.
            let view = std::thread::spawn(move || {
                match nmemu_tui::terminal::live(header, rx, &|| signals::received().is_some()) {
                    Ok(Action::StopRun) => signals::interrupt(),
                    Ok(_) => {}
                    Err(e) => eprintln!("warning: --monitor: {e}; the run goes on"),
                }
            });
            (tx, view)
        });
        Ok(Tracer {
            period,
            writer,
            live,
            window_start: 0,
        })
    }
}

/// Where the windows of a run go.
pub struct Tracer {
    period: u32,
    writer: Option<(PathBuf, TraceWriter)>,
    live: Option<(Sender<LiveEvent>, JoinHandle<()>)>,
    /// The first tick of the window in progress.
    window_start: u32,
}

impl Tracer {
    /// The tick where the window in progress ends.
    pub fn window_end(&self) -> u32 {
        self.window_start.saturating_add(self.period)
    }

    /// The window in progress if it has ended at tick `done` (or `last`, the run's end or an interrupt, ends it
    /// early): its first and last tick; the caller samples it and passes the frame to [`Tracer::record`].
    pub fn ended(&mut self, done: u32, last: bool) -> Option<(u32, u32)> {
        if done > self.window_start && (done >= self.window_end() || last) {
            let window = (self.window_start, done);
            self.window_start = done;
            Some(window)
        } else {
            None
        }
    }

    /// Appends a window's frame to the trace and sends it to the live view. A trace that cannot be written is
    /// said once and closed; the run goes on (its results matter more than the trace).
    pub fn record(&mut self, frame: Frame) {
        if let Some((path, writer)) = &mut self.writer
            && let Err(e) = writer.append(&frame)
        {
            eprintln!(
                "warning: --trace {}: {e}; the trace ends before {} ms",
                path.display(),
                frame.start_ms
            );
            self.writer = None;
        }
        if let Some((tx, _)) = &self.live {
            // A closed view no longer listens; the run goes on.
            let _ = tx.send(LiveEvent::Frame(frame));
        }
    }

    /// At the end of a run (`interrupted` at `completed_ms`, or whole): tells the live view how it ended and
    /// waits until the user closes it.
    pub fn close(mut self, interrupted: bool, completed_ms: f64) {
        if let Some((tx, view)) = self.live.take() {
            let how = if interrupted {
                format!("stopped at {completed_ms} ms")
            } else {
                "finished: q closes the view".to_string()
            };
            let _ = tx.send(LiveEvent::Finished(how));
            drop(tx);
            let _ = view.join();
        }
    }
}

/// A run that ends without [`Tracer::close`] (an error on the way) closes the live view and waits until the
/// terminal is restored, so that the error prints on the normal screen.
impl Drop for Tracer {
    fn drop(&mut self) {
        if let Some((tx, view)) = self.live.take() {
            drop(tx);
            let _ = view.join();
        }
    }
}
