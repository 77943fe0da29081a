//! The monitor on a real terminal: a replay of a trace file, or a live view fed by a running emulation
//! through a channel. Keys and the mouse drive it (clicks select and seek, the wheel steps frames).
//!
//! The terminal is restored however the view ends: a key, an error, a signal the caller reports through
//! `stop`, a run that ends without saying how (its error must show on the normal screen), or a panic (a panic
//! hook restores it before the message prints). Left in raw mode with mouse capture on, a shell would be
//! unusable, with every mouse move typed into it.

use std::io::stdout;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::{DefaultTerminal, Terminal};

use crate::app::{Action, App};
use crate::trace::Frame;
use crate::view;

/// What a running emulation tells its live view.
pub enum LiveEvent {
    Frame(Frame),
    /// The run ended; the text says how ("finished", "interrupted at 40 ms").
    Finished(String),
}

/// Replays the frames of `app` until the user quits or `stop` says to (a signal arrived).
pub fn run_replay(app: App, stop: &dyn Fn() -> bool) -> Result<(), String> {
    run(app, None, stop).map(|_| ())
}

/// The live view of a run: frames come from `events`; returns [`Action::StopRun`] when the user asked to stop
/// the run, else [`Action::Close`] (the view was closed, or `stop` said to: the run goes on or stops by itself).
/// A channel closed before [`LiveEvent::Finished`] closes the view at once: the run failed and its error must
/// be readable.
pub fn live(
    header: crate::trace::Header,
    events: Receiver<LiveEvent>,
    stop: &dyn Fn() -> bool,
) -> Result<Action, String> {
    run(App::new(header, Vec::new(), true), Some(events), stop)
}

/// Whether the view holds the terminal, so that the panic hook restores it only then.
static OPEN: AtomicBool = AtomicBool::new(false);

/// Gives the terminal back as it was: mouse capture off, the normal screen, the cursor shown, cooked mode.
/// Errors are ignored: there is nothing better to do with a terminal that cannot be written.
fn restore() {
    if OPEN.swap(false, Ordering::SeqCst) {
        let _ = execute!(
            stdout(),
            DisableMouseCapture,
            LeaveAlternateScreen,
            ratatui::crossterm::cursor::Show
        );
        let _ = disable_raw_mode();
    }
}

/// Restores the terminal when dropped: on every return and on unwinding.
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        restore();
    }
}

/// Takes the terminal: raw mode, the alternate screen, mouse capture; once per process, a panic hook that
/// restores it before the panic's message prints.
fn open() -> std::io::Result<(Restore, DefaultTerminal)> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
    enable_raw_mode()?;
    OPEN.store(true, Ordering::SeqCst);
    let guard = Restore;
    execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    Ok((guard, Terminal::new(CrosstermBackend::new(stdout()))?))
}

fn run(
    mut app: App,
    events: Option<Receiver<LiveEvent>>,
    stop: &dyn Fn() -> bool,
) -> Result<Action, String> {
    let result = (|| -> std::io::Result<Action> {
        let (_restore, mut terminal) = open()?;
        let mut last_step = Instant::now();
        loop {
            if let Some(rx) = &events {
                loop {
                    match rx.try_recv() {
                        Ok(LiveEvent::Frame(frame)) => app.push(frame),
                        Ok(LiveEvent::Finished(how)) => app.finished = Some(how),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) if app.finished.is_none() => {
                            return Ok(Action::Close);
                        }
                        Err(TryRecvError::Disconnected) => break,
                    }
                }
            }
            if stop() {
                return Ok(Action::Close);
            }
            if app.playing && last_step.elapsed() >= Duration::from_secs(1) / app.speed() {
                app.play_step();
                last_step = Instant::now();
            }
            let screen = terminal.draw(|f| view::draw(f, &app))?.area;
            if !event::poll(Duration::from_millis(50))? {
                continue;
            }
            match event::read()? {
                Event::Key(key) if key.kind == KeyEventKind::Press => match app.key(key) {
                    Action::Continue => {}
                    end => return Ok(end),
                },
                Event::Mouse(mouse) => app.mouse(mouse, screen),
                _ => {}
            }
        }
    })();
    result.map_err(|e| format!("the terminal: {e}"))
}
