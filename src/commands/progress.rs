//! Progress of the long phases (mapping, running) on stderr: a bar when stderr is a terminal, else one plain
//! line every few seconds at most, so a log of a long run shows where it is without a bar's redraws.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// The most often a plain progress line is written when stderr is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// One phase's progress: a bar, plain lines, or nothing (`--quiet`).
pub struct Progress {
    bar: ProgressBar,
    /// Plain lines instead of the bar: what is in progress, and when a line may next be written.
    lines: Option<(&'static str, Mutex<Throttle>)>,
}

impl Progress {
    /// `what` names the phase in plain lines ("mapping", "running"); `total` is the bar's length, `template`
    /// its indicatif layout (`{msg}` is the message of [`Progress::update`]).
    pub fn new(quiet: bool, what: &'static str, total: u64, template: &str) -> Progress {
        if quiet {
            return Progress {
                bar: ProgressBar::hidden(),
                lines: None,
            };
        }
        if !std::io::stderr().is_terminal() {
            return Progress {
                bar: ProgressBar::hidden(),
                lines: Some((what, Mutex::new(Throttle::new(Instant::now(), LINE_EVERY)))),
            };
        }
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress { bar, lines: None }
    }

    /// Moves to `position` of the total, saying `message`.
    pub fn update(&self, position: u64, message: String) {
        if let Some((what, throttle)) = &self.lines {
            if throttle.lock().is_ok_and(|mut t| t.due(Instant::now())) {
                eprintln!("{what}: {message}");
            }
            return;
        }
        self.bar.set_position(position);
        self.bar.set_message(message);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Lets an event through at most once per period.
struct Throttle {
    last: Instant,
    every: Duration,
}

impl Throttle {
    /// The first event is let through one period after `start`: a short phase writes no line at all.
    fn new(start: Instant, every: Duration) -> Throttle {
        Throttle { last: start, every }
    }

    fn due(&mut self, now: Instant) -> bool {
        if now.duration_since(self.last) < self.every {
            return false;
        }
        self.last = now;
        true
    }
}

/// How biological time compares with the host's: "590x slower than real time", "3.2x faster than real time".
pub fn pace(biological_s: f64, wall_s: f64) -> String {
    if biological_s <= 0.0 {
        return "no biological time simulated yet".into();
    }
    if wall_s <= 0.0 {
        return "faster than the host clock can time".into();
    }
    let factor = biological_s / wall_s;
    let (times, word) = if factor >= 1.0 {
        (factor, "faster")
    } else {
        (1.0 / factor, "slower")
    };
    if times < 10.0 {
        format!("{times:.1}x {word} than real time")
    } else {
        format!("{times:.0}x {word} than real time")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_reads_as_slower_or_faster() {
        assert_eq!(pace(1.0, 590.0), "590x slower than real time");
        assert_eq!(pace(3.2, 1.0), "3.2x faster than real time");
        assert_eq!(pace(1.0, 1.0), "1.0x faster than real time");
        assert_eq!(pace(1.0, 2.5), "2.5x slower than real time");
        assert_eq!(pace(0.0, 1.0), "no biological time simulated yet");
        assert_eq!(pace(1.0, 0.0), "faster than the host clock can time");
    }

    #[test]
    fn plain_lines_come_once_per_period_at_most() {
        let start = Instant::now();
        let every = Duration::from_secs(5);
        let mut throttle = Throttle::new(start, every);
        let at = |s: u64| start + Duration::from_secs(s);
        assert!(!throttle.due(at(1)), "nothing before the first period");
        assert!(throttle.due(at(5)));
        assert!(!throttle.due(at(9)));
        assert!(throttle.due(at(10)));
        assert!(throttle.due(at(30)));
        assert!(!throttle.due(at(34)));
    }
}
