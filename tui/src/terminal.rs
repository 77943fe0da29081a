//! The monitor on a real terminal: a replay of a trace file, or a live view fed by a running emulation
//! through a channel. The terminal is restored however the view ends (ratatui's panic hook restores it on a
//! panic).

use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, Event, KeyEventKind};

use crate::app::{Action, App};
use crate::trace::Frame;
use crate::view;

/// What a running emulation tells its live view.
pub enum LiveEvent {
    Frame(Frame),
    /// The run ended; the text says how ("finished", "interrupted at 40 ms").
    Finished(String),
}

/// Replays the frames of `app` until the user quits.
pub fn run_replay(app: App) -> Result<(), String> {
    run(app, None).map(|_| ())
}

/// The live view of a run: frames come from `events`; returns [`Action::StopRun`] when the user asked to stop
/// the run, else [`Action::Close`] (the view was closed; the run goes on).
pub fn live(header: crate::trace::Header, events: Receiver<LiveEvent>) -> Result<Action, String> {
    run(App::new(header, Vec::new(), true), Some(events))
}

fn run(mut app: App, events: Option<Receiver<LiveEvent>>) -> Result<Action, String> {
    let mut terminal = ratatui::try_init().map_err(|e| format!("the terminal: {e}"))?;
    let result = (|| -> std::io::Result<Action> {
        let mut last_step = Instant::now();
        loop {
            if let Some(rx) = &events {
                loop {
                    match rx.try_recv() {
                        Ok(LiveEvent::Frame(frame)) => app.push(frame),
                        Ok(LiveEvent::Finished(how)) => app.finished = Some(how),
                        Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                    }
                }
            }
            if app.playing && last_step.elapsed() >= Duration::from_secs(1) / app.speed() {
                app.play_step();
                last_step = Instant::now();
            }
            terminal.draw(|f| view::draw(f, &app))?;
            if event::poll(Duration::from_millis(50))?
                && let Event::Key(key) = event::read()?
                && key.kind == KeyEventKind::Press
            {
                match app.key(key) {
                    Action::Continue => {}
                    end => return Ok(end),
                }
            }
        }
    })();
    ratatui::restore();
    result.map_err(|e| format!("the terminal: {e}"))
}
