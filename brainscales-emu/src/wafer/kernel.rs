//! The wafer on the shared event kernel ([`emu_kernel`], the one SpiNNaker runs on): each HICANN is a
//! [`Chip`] and its windows are events.
//!
//! A run from `origin` to `until` lays a grid of windows `[origin + k L, origin + (k + 1) L)` of the minimum
//! Layer-1 latency `L` (the last one cut at `until`). Two actions happen on a HICANN:
//! - [`Action::Step`] at a window's *start* runs the HICANN through that window ([`HicannState::step`]) and
//!   sends the Layer-1 events it produced to the HICANNs they reach, then schedules its own next step from
//!   [`HicannState::wake`] (the window containing its wake time, never this one): a quiet HICANN has no
//!   events at all.
//! - [`Action::Arrival`] puts a Layer-1 event into the HICANN's inbox and makes sure the HICANN steps in the
//!   window containing the event's arrival time.
//!
//! An arrival is an event at the start of the window containing its arrival time (the true time travels in
//! the payload), and at equal times a HICANN's arrivals come before its step (their class is lower): so a
//! step sees every event of its window. Why at the window start rather than at the arrival time with the step
//! at the window end: the kernel requires an event on another chip to be at least the lookahead after its
//! cause, and a step's events land from its window's *end* on (an event leaves its DNC merger in the window
//! and travels at least `L`, module docs of [`super`]). With the step at the start, the earliest arrival is
//! `L` after it, so the lookahead is the window, as with the old window loop.
//!
//! A step made stale by an earlier one (an arrival brought the step forward) is skipped: the HICANN keeps the
//! time of the step it waits for. At the end of a run the arrivals not yet handled are kept by the
//! [`super::Wafer`]; the next run puts them on its own grid and schedules every HICANN's first step afresh,
//! so runs in segments give exactly what the former window loop gave over the same segments.
//!
//! Ties: an arrival carries the sender's running event number (port 0 of its class), a step the HICANN's own
//! step counter; both from chip state, never from threads. Arrivals of one window go into the inbox in any
//! order: the step sorts it by (time, source HICANN, source sequence) first.

use emu_kernel::{Chip, Event, EventSink, MAX_CHIPS, Payload};

use super::hicann::{HicannState, Inbound};
use crate::coord::HICANNS_ON_WAFER;
use crate::time::HwTime;

// Every HICANN of a wafer has a place in an event's tie.
const _: () = assert!(HICANNS_ON_WAFER <= MAX_CHIPS);

/// Event classes: at equal times on a HICANN, arrivals before its step.
mod class {
    pub const ARRIVAL: u64 = 0;
    pub const STEP: u64 = 1;
}

/// What happens on a HICANN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// A Layer-1 event reaches one of its drivers in the window starting at the event's time.
    Arrival(Inbound),
    /// The HICANN runs the window starting at the event's time.
    Step,
}

impl Payload for Action {
    type Time = HwTime;
    const PLACEHOLDER: Action = Action::Step;
}

/// The windows of one run: what every HICANN's handler reads.
#[derive(Debug, Clone, Copy)]
pub(super) struct Windows {
    pub origin: HwTime,
    pub window: HwTime,
    pub until: HwTime,
}

impl Windows {
    /// The start of the window containing `t` (`t >= origin`).
    pub fn start_of(&self, t: HwTime) -> HwTime {
        let w = self.window.0;
        HwTime(self.origin.0 + (t.0 - self.origin.0) / w * w)
    }

    /// The arrival event of `e` on HICANN `unit`.
    pub fn arrival(&self, unit: u32, e: Inbound) -> Event<Action> {
        Event::new(
            self.start_of(e.time),
            unit,
            class::ARRIVAL,
            0,
            e.seq,
            Action::Arrival(e),
        )
    }
}

impl HicannState {
    /// Makes sure this HICANN (dense index `unit`) steps in the window containing `t` (its wake time or an
    /// arrival's), unless an earlier step is pending (it reschedules from [`HicannState::wake`]) or `t` is not
    /// before the run's end.
    pub(super) fn schedule(
        &mut self,
        t: HwTime,
        unit: u32,
        w: &Windows,
        sink: &mut impl EventSink<Action>,
    ) {
        let start = w.start_of(t);
        if t >= w.until || self.next_step.is_some_and(|p| p <= start) {
            return;
        }
        self.next_step = Some(start);
        self.step_seq += 1;
        sink.emit(Event::new(
            start,
            unit,
            class::STEP,
            0,
            self.step_seq,
            Action::Step,
        ));
    }
}

impl Chip for HicannState {
    type Action = Action;
    type Shared = Windows;

    fn handle(&mut self, ev: &Event<Action>, w: &Windows, sink: &mut impl EventSink<Action>) {
        match ev.action {
            Action::Arrival(e) => {
                self.inbox.push(e);
                self.schedule(e.time, ev.chip(), w, sink);
            }
            Action::Step => {
                if self.next_step != Some(ev.time) {
                    return;
                }
                self.next_step = None;
                let end = (ev.time + w.window).min(w.until);
                self.step(ev.time, end);
                for (unit, e) in self.outbox.drain(..) {
                    debug_assert!(
                        e.time >= ev.time + w.window,
                        "an L1 event lands a window after its step"
                    );
                    sink.emit(w.arrival(unit, e));
                }
                self.schedule(self.wake().max(end), ev.chip(), w, sink);
            }
        }
    }
}
