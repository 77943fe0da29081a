//! The monitor's state and keys, apart from any terminal so that tests drive it: which frame is shown, which
//! metric colours the grid, which node is selected, whether a replay plays and how fast, and whether a live
//! view follows the newest window.

use std::collections::HashMap;

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use crate::trace::{Frame, Header, MachineKind};
use crate::view::{self, Colouring, Target};

/// Replay speeds, in frames per second.
const SPEEDS: [u32; 7] = [1, 2, 4, 8, 16, 32, 64];

/// What a key asks of the terminal loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Continue,
    /// Close the view (a live run goes on).
    Close,
    /// Close the view and stop the run (live only).
    StopRun,
}

pub struct App {
    pub header: Header,
    pub frames: Vec<Frame>,
    /// The frame shown (0 while a live view has none yet).
    pub frame: usize,
    /// Index into [`Colouring::for_kind`].
    pub colouring: usize,
    /// The selected node.
    pub cursor: usize,
    pub playing: bool,
    /// Index into the replay speeds.
    speed: usize,
    pub help: bool,
    /// A live view: frames arrive while it is open.
    pub live: bool,
    /// A live view follows the newest frame until the user steps back.
    pub follow: bool,
    /// Said in the title once a live run has ended.
    pub finished: Option<String>,
    positions: HashMap<(u16, u16), usize>,
}

impl App {
    /// A view of `frames`; the cursor starts on the node hottest in the first frame by the first metric.
    pub fn new(header: Header, frames: Vec<Frame>, live: bool) -> App {
        let positions = header
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| ((n.x, n.y), i))
            .collect();
        let mut app = App {
            header,
            frames,
            frame: 0,
            colouring: 0,
            cursor: 0,
            playing: false,
            speed: 2,
            help: false,
            live,
            follow: live,
            finished: None,
            positions,
        };
        app.select_hottest();
        app
    }

    /// The frame shown.
    pub fn current(&self) -> Option<&Frame> {
        self.frames.get(self.frame)
    }

    pub fn colouring(&self) -> Colouring {
        Colouring::for_kind(self.header.kind)[self.colouring]
    }

    /// Colours by the metric called `name`; the error lists the names this trace's view has.
    pub fn set_colouring(&mut self, name: &str) -> Result<(), String> {
        let all = Colouring::for_kind(self.header.kind);
        match all.iter().position(|c| c.name() == name) {
            Some(i) => {
                self.colouring = i;
                Ok(())
            }
            None => Err(format!(
                "unknown metric `{name}` for the {} view; expected one of: {}",
                self.header.kind.name(),
                all.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
            )),
        }
    }

    /// Shows frame `index` (clamped to the frames there are).
    pub fn show(&mut self, index: usize) {
        self.frame = index.min(self.frames.len().saturating_sub(1));
        self.follow = self.live && self.frame + 1 == self.frames.len();
    }

    /// Moves the cursor to the node the current colouring finds hottest in the frame shown.
    pub fn select_hottest(&mut self) {
        let colouring = self.colouring();
        if let Some(frame) = self.current() {
            let hottest = frame
                .nodes
                .iter()
                .map(|s| (colouring.value(&self.header, frame, s), s.node))
                .fold(None, |best: Option<(f64, u32)>, (v, n)| match best {
                    Some((b, _)) if b >= v => best,
                    _ => Some((v, n)),
                });
            if let Some((_, node)) = hottest {
                self.cursor = node as usize;
            }
        }
    }

    /// A live frame arrives.
    pub fn push(&mut self, frame: Frame) {
        let first = self.frames.is_empty();
        self.frames.push(frame);
        if self.follow {
            self.frame = self.frames.len() - 1;
        }
        if first {
            self.select_hottest();
        }
    }

    /// The next frame of a playing replay; stops at the end.
    pub fn play_step(&mut self) {
        if self.frame + 1 < self.frames.len() {
            self.show(self.frame + 1);
        } else {
            self.playing = false;
        }
    }

    /// Frames per second of a playing replay.
    pub fn speed(&self) -> u32 {
        SPEEDS[self.speed]
    }

    pub fn key(&mut self, key: KeyEvent) -> Action {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return if self.live {
                Action::StopRun
            } else {
                Action::Close
            };
        }
        if self.help {
            // Any key closes the help, q also the view.
            self.help = false;
            return match key.code {
                KeyCode::Char('q') => Action::Close,
                _ => Action::Continue,
            };
        }
        let up = if self.header.kind == MachineKind::Spinnaker {
            1
        } else {
            -1
        };
        let last = self.frames.len().saturating_sub(1);
        let tenth = (self.frames.len() / 10).max(1);
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Action::Close,
            KeyCode::Char('Q') if self.live => return Action::StopRun,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Left | KeyCode::Char('h') => self.move_cursor(-1, 0),
            KeyCode::Right | KeyCode::Char('l') => self.move_cursor(1, 0),
            KeyCode::Up | KeyCode::Char('k') => self.move_cursor(0, up),
            KeyCode::Down | KeyCode::Char('j') => self.move_cursor(0, -up),
            KeyCode::Char('m') => {
                self.colouring = (self.colouring + 1) % Colouring::for_kind(self.header.kind).len()
            }
            KeyCode::Char('M') => {
                let n = Colouring::for_kind(self.header.kind).len();
                self.colouring = (self.colouring + n - 1) % n;
            }
            KeyCode::Char('H') => self.select_hottest(),
            KeyCode::Char(' ') => self.playing = !self.playing && !self.live,
            KeyCode::Char('.') => self.step(1),
            KeyCode::Char(',') => self.step(-1),
            KeyCode::Char(']') => self.step(tenth as i64),
            KeyCode::Char('[') => self.step(-(tenth as i64)),
            KeyCode::Home | KeyCode::Char('g') => {
                self.playing = false;
                self.show(0);
            }
            KeyCode::End | KeyCode::Char('G') => self.show(last),
            KeyCode::Char('+') | KeyCode::Char('=') => {
                self.speed = (self.speed + 1).min(SPEEDS.len() - 1)
            }
            KeyCode::Char('-') => self.speed = self.speed.saturating_sub(1),
            _ => {}
        }
        Action::Continue
    }

    /// A mouse event on a `screen` of that size: a left click selects the node under it or seeks to the frame
    /// under it on the slider (and closes the help first, as a key does); the wheel steps frames, down to the
    /// next.
    pub fn mouse(&mut self, event: MouseEvent, screen: Rect) {
        match event.kind {
            MouseEventKind::Down(MouseButton::Left) if self.help => self.help = false,
            MouseEventKind::Down(MouseButton::Left) => {
                match view::target_at(self, screen, event.column, event.row) {
                    Some(Target::Node(i)) => self.cursor = i,
                    Some(Target::Frame(k)) => {
                        self.playing = false;
                        self.show(k);
                    }
                    None => {}
                }
            }
            MouseEventKind::ScrollDown => self.step(1),
            MouseEventKind::ScrollUp => self.step(-1),
            _ => {}
        }
    }

    /// Steps `by` frames and pauses.
    fn step(&mut self, by: i64) {
        self.playing = false;
        let target = (self.frame as i64 + by).max(0) as usize;
        self.show(target);
    }

    /// The nearest node from the cursor in direction (dx, dy), skipping grid positions without a node.
    fn move_cursor(&mut self, dx: i32, dy: i32) {
        let Some(node) = self.header.nodes.get(self.cursor) else {
            return;
        };
        let (mut x, mut y) = (i32::from(node.x), i32::from(node.y));
        let (w, h) = (i32::from(self.header.width), i32::from(self.header.height));
        loop {
            x += dx;
            y += dy;
            if x < 0 || y < 0 || x >= w || y >= h {
                return;
            }
            if let Some(&i) = self.positions.get(&(x as u16, y as u16)) {
                self.cursor = i;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::spinnaker::tests::small_trace;

    fn press(app: &mut App, code: KeyCode) -> Action {
        app.key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn keys_move_the_cursor_step_frames_and_close() {
        let t = small_trace();
        let mut app = App::new(t.header, t.frames, false);
        // (2, 1) is hottest in frame 0.
        assert_eq!(app.cursor, 1);
        press(&mut app, KeyCode::Left);
        // (1, 1) has no chip: the cursor goes on to (0, 1).
        assert_eq!(app.cursor, 3);
        press(&mut app, KeyCode::Down);
        assert_eq!(app.cursor, 0);
        press(&mut app, KeyCode::Char('.'));
        press(&mut app, KeyCode::Char('.'));
        press(&mut app, KeyCode::Char('.'));
        assert_eq!(app.frame, 2);
        press(&mut app, KeyCode::Char('g'));
        assert_eq!(app.frame, 0);
        press(&mut app, KeyCode::Char('m'));
        assert_eq!(app.colouring().name(), "drops");
        assert!(
            app.set_colouring("spikes")
                .unwrap_err()
                .contains("expected one of: routed, drops")
        );
        press(&mut app, KeyCode::Char('?'));
        assert!(app.help);
        assert_eq!(press(&mut app, KeyCode::Char('x')), Action::Continue);
        assert!(!app.help);
        assert_eq!(press(&mut app, KeyCode::Char('Q')), Action::Continue);
        assert_eq!(press(&mut app, KeyCode::Char('q')), Action::Close);
    }

    #[test]
    fn a_live_view_follows_the_newest_frame_until_stepped_back() {
        let t = small_trace();
        let mut app = App::new(t.header, Vec::new(), true);
        for f in &t.frames[..2] {
            app.push(f.clone());
        }
        assert_eq!(app.frame, 1);
        press(&mut app, KeyCode::Char(','));
        app.push(t.frames[2].clone());
        assert_eq!(app.frame, 0);
        press(&mut app, KeyCode::End);
        assert_eq!(app.frame, 2);
        assert_eq!(press(&mut app, KeyCode::Char('Q')), Action::StopRun);
    }
}
