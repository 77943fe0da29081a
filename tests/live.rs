//! The live view (`run --monitor`) and the replay on a real terminal: nmemu runs in a pseudo-terminal of a set
//! size, a terminal emulator (vt100) keeps its screen; the test waits until a known text shows on it, types
//! keys, and checks how the run ended, its result set, and that the terminal was given back (the normal
//! screen, mouse capture off, the cursor shown). Waits are for text on the screen, never for a time; the
//! timeout only guards against a hang.
#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use common::{json, repo, results, run};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// How long nmemu may stay silent, or take to end, before the test fails as hung.
const HANG: Duration = Duration::from_secs(300);

/// nmemu in a pseudo-terminal: the screen it drew (a terminal emulator's), everything it wrote, the keyboard.
struct Pty {
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    keys: Box<dyn Write + Send>,
    output: Receiver<Vec<u8>>,
    screen: vt100::Parser,
    raw: Vec<u8>,
}

impl Pty {
    fn spawn(args: &[&str], (cols, rows): (u16, u16)) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal opens");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_nmemu"));
        command.args(args);
        command.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(command).expect("nmemu starts");
        // Only the child holds the terminal's other end now: reading ends when it exits.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let (tx, output) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let keys = pair.master.take_writer().unwrap();
        Pty {
            child,
            _master: pair.master,
            keys,
            output,
            screen: vt100::Parser::new(rows, cols, 0),
            raw: Vec::new(),
        }
    }

    fn contents(&self) -> String {
        self.screen.screen().contents()
    }

    /// The screen as text, and all that was written (for failure messages).
    fn show(&self) -> String {
        format!(
            "screen:\n{}\n\nall output:\n{}",
            self.contents(),
            String::from_utf8_lossy(&self.raw).escape_debug()
        )
    }

    /// Takes what nmemu wrote next, waiting at most until `deadline`; false once it has ended.
    fn read(&mut self, deadline: Instant) -> bool {
        match self
            .output
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(bytes) => {
                self.screen.process(&bytes);
                self.raw.extend(bytes);
                true
            }
            Err(RecvTimeoutError::Disconnected) => false,
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                panic!("nmemu hung for {HANG:?}:\n{}", self.show())
            }
        }
    }

    /// Reads until the screen shows `marker`; fails if nmemu ends first.
    fn wait_for(&mut self, marker: &str) {
        let deadline = Instant::now() + HANG;
        while !self.contents().contains(marker) {
            if !self.read(deadline) {
                panic!("nmemu ended before `{marker}` showed:\n{}", self.show());
            }
        }
    }

    fn press(&mut self, keys: &str) {
        self.keys.write_all(keys.as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }

    /// Reads to the end; returns the exit code once the terminal was checked to be given back.
    fn finish(&mut self) -> u32 {
        let deadline = Instant::now() + HANG;
        while self.read(deadline) {}
        let code = self.child.wait().unwrap().exit_code();
        let screen = self.screen.screen();
        assert!(
            !screen.alternate_screen()
                && screen.mouse_protocol_mode() == vt100::MouseProtocolMode::None
                && !screen.hide_cursor(),
            "the terminal was not given back:\n{}",
            self.show()
        );
        code
    }
}

fn run_args<'a>(net: &'a str, machine: &'a str, out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "run",
        "--machine",
        machine,
        net,
        "--out",
        out.to_str().unwrap(),
        "--monitor",
    ];
    args.extend_from_slice(extra);
    args
}

/// `run --monitor` in a pty of `size`, with `keys` typed once the texts they wait for show: it exits 0 with a
/// complete result set equal to that of the same run without the monitor.
fn monitored_run_equals_plain(size: (u16, u16), keys: &[(&str, &str)]) {
    // 3,000 windows, about a second's run: keys typed at the first screens mostly find the run still going.
    let duration = ["--duration-ms", "30000"];
    let plain = run("examples/synfire.json", "spinnaker-48", &duration);
    let net = repo("examples/synfire.json");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args = run_args(net.to_str().unwrap(), "spinnaker-48", &out, &duration);
    let mut pty = Pty::spawn(&args, size);
    for (marker, key) in keys {
        pty.wait_for(marker);
        pty.press(key);
    }
    let code = pty.finish();
    assert_eq!(code, 0, "{}", pty.show());
    assert_eq!(json(&out.join("run.json"))["partial"], false);
    let (a, b) = (results(plain.path()), results(&out));
    assert!(a.iter().any(|(n, _)| n == "spikes.csv"));
    assert_eq!(
        a.iter().map(|f| &f.0).collect::<Vec<_>>(),
        b.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs with --monitor");
    }
}

#[test]
fn q_closes_the_live_view_and_the_run_completes_as_without_it() {
    // The footer shows once the view is drawn.
    monitored_run_equals_plain((100, 30), &[("q close", "q")]);
}

#[test]
fn a_too_small_terminal_gets_a_message_and_the_run_completes() {
    // The message says when the run has finished (keys but q change nothing meanwhile); q closes the view.
    monitored_run_equals_plain(
        (40, 10),
        &[("This terminal is 40x10", "m"), ("finished:", "q")],
    );
}

#[test]
fn capital_q_stops_the_run_with_a_partial_result_set() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let net = repo("examples/single_neuron.json");
    // A run far longer than any test: only Q ends it.
    let args = run_args(
        net.to_str().unwrap(),
        "spinnaker-3",
        &out,
        &["--duration-ms", "100000000"],
    );
    let mut pty = Pty::spawn(&args, (100, 30));
    // The title says the view follows the run as it goes.
    pty.wait_for("| live |");
    pty.press("Q");
    let code = pty.finish();
    assert_eq!(code, 130, "{}", pty.show());
    let summary = json(&out.join("run.json"));
    assert_eq!(summary["partial"], true);
    let completed = summary["completed_ms"].as_f64().unwrap();
    assert!(completed < 1e8, "completed {completed} ms");
}

#[test]
fn a_click_seeks_the_replay_and_a_signal_gives_the_terminal_back() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("synfire.trace");
    let path_text = path.to_str().unwrap();
    run(
        "examples/synfire.json",
        "spinnaker-48",
        &["--trace", path_text],
    );
    let mut pty = Pty::spawn(&["monitor", path_text], (100, 30));
    pty.wait_for("frame 1/15");
    pty.press("G");
    pty.wait_for("frame 15/15");
    // A click on the first cell of the slider's line, after its label `time 150/150 ms `, seeks to the first
    // frame (crossterm's mouse capture asks for SGR reports: 1-based column and row, press then release).
    pty.press("\x1b[<0;18;29M\x1b[<0;18;29m");
    pty.wait_for("frame 1/15");
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pty.child.process_id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let code = pty.finish();
    assert_eq!(code, 143, "{}", pty.show());
    assert!(
        pty.contents().contains("nmemu: stopped by SIGTERM"),
        "{}",
        pty.show()
    );
}
