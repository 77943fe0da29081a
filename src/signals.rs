//! SIGINT and SIGTERM, for every command: a message and exit status 128 + the signal's number (130, 143), never a
//! silent death.
//!
//! Where nothing is being written, a signal ends the process at once: it is the fastest way to stop mapping, and
//! there is nothing to finish. Where stopping at once would lose work or leave files half-made, the command
//! [`defer`]s signals: `run` stops its emulation at the next chunk of ticks and writes the partial results, and a
//! result set being written is completed and moved into place; `monitor`'s replay closes its view, giving the
//! terminal back, before nmemu exits (the live view of `run --monitor` closes too). A second signal while deferred ends the process
//! at once all the same (the user insists): a staging directory may stay behind, which the next run removes, and
//! `--out` keeps whatever it held.

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

/// The signal received first, as its number; 0 while none has been.
static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// How many [`Deferred`] guards are alive.
static DEFERRING: AtomicUsize = AtomicUsize::new(0);

/// POSIX's numbers, the same on every Unix.
const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

/// A signal that stops nmemu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT, Ctrl-C.
    Interrupt,
    /// SIGTERM, `kill`'s default: how job schedulers and service managers stop a process.
    Terminate,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// 128 + the signal's number, the shell's convention for a process a signal stopped.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 128 + SIGINT as u8,
            Signal::Terminate => 128 + SIGTERM as u8,
        }
    }
}

/// The first signal received, if any.
pub fn received() -> Option<Signal> {
    match RECEIVED.load(Ordering::SeqCst) {
        SIGINT => Some(Signal::Interrupt),
        SIGTERM => Some(Signal::Terminate),
        _ => None,
    }
}

/// An interrupt asked for from inside nmemu (the live monitor's `Q`): the run stops as on Ctrl-C.
pub fn interrupt() {
    let _ = RECEIVED.compare_exchange(0, SIGINT, Ordering::SeqCst, Ordering::SeqCst);
}

/// While the guard lives, a first signal is only recorded: the command checks [`received`] and stops cleanly.
#[must_use = "signals are deferred only while the guard lives"]
pub struct Deferred(());

pub fn defer() -> Deferred {
    DEFERRING.fetch_add(1, Ordering::SeqCst);
    Deferred(())
}

impl Drop for Deferred {
    fn drop(&mut self) {
        DEFERRING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Records signal `number`; returns the message to print before ending the process at once, or `None` when the
/// command will stop itself. Only atomics and static text: it runs inside the signal handler.
fn on_signal(number: i32) -> Option<&'static str> {
    let first = RECEIVED
        .compare_exchange(0, number, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok();
    if first && DEFERRING.load(Ordering::SeqCst) > 0 {
        return None;
    }
    Some(match (first, number) {
        (true, SIGINT) => "\nnmemu: interrupted (SIGINT); nothing was written\n",
        (true, _) => "nmemu: terminated (SIGTERM); nothing was written\n",
        (false, SIGINT) => {
            "\nnmemu: interrupted again (SIGINT): stopped at once; results not yet in place were discarded\n"
        }
        (false, _) => {
            "nmemu: terminated again (SIGTERM): stopped at once; results not yet in place were discarded\n"
        }
    })
}

/// Installs the handler of SIGINT and SIGTERM; call first thing in `main`. A signal the process was started
/// ignoring (`nohup`, a background job of a non-interactive shell) stays ignored.
#[cfg(unix)]
pub fn install() {
    extern "C" fn handler(number: libc::c_int) {
        if let Some(message) = on_signal(number) {
            // SAFETY: write(2) and _exit(2) are async-signal-safe, and `message` is static.
            unsafe {
                libc::write(2, message.as_ptr().cast(), message.len());
                libc::_exit(128 + number);
            }
        }
    }
    for number in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed `sigaction` is a valid value (no flags, an empty mask) that is filled in before use;
        // the handler touches only atomics and async-signal-safe calls. SA_RESTART keeps file writes running
        // while the signal is handled.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(number, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_IGN
            {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = handler as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(number, &action, std::ptr::null_mut());
        }
    }
}

/// Ctrl-C, the one such signal other systems have.
#[cfg(not(unix))]
pub fn install() {
    let handled = ctrlc::set_handler(|| {
        if let Some(message) = on_signal(SIGINT) {
            eprint!("{message}");
            std::process::exit(128 + SIGINT);
        }
    });
    if let Err(e) = handled {
        eprintln!("warning: Ctrl-C will not stop nmemu cleanly: {e}");
    }
}
