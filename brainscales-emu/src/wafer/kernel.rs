//! The wafer on the shared event kernel ([`emu_kernel`], the one SpiNNaker runs on): each HICANN is a
//! [`Chip`] and its windows are events.
//!
//! A run from `origin` to `until` lays a grid of windows `[origin + k L, origin + (k + 1) L)` of the minimum
//! Layer-1 latency `L` (the last one cut at `until`). Two actions happen on a HICANN:
//! - [`Action::Step`] at a window's *start* runs the HICANN through that window ([`HicannState::step`]) and
//!   posts the Layer-1 events it produced to the HICANNs they reach, then schedules its own next step from
//!   [`HicannState::wake`] (the window containing its wake time, never this one): a quiet HICANN has no
//!   events at all.
//! - [`Action::Arrivals`] makes sure the HICANN steps in the window starting at the event's time: some
//!   Layer-1 events land in it.
//!
//! Arrivals travel in batches: a step posts its events for another HICANN into that HICANN's mailbox
//! ([`Windows::mail`], one lock per target) and sends one `Arrivals` event per target and window they land
//! in, rather than one kernel event per Layer-1 event (each of which cost a queue push and pop, a place in
//! its tick's sort and a handler call: the L1 path was ~7% slower on the kernel than on the former window
//! loop). A step first moves its mailbox into its inbox. Why that is deterministic: every event of a
//! window was posted by a step at least `L` earlier, which the kernel has finished (sequentially: earlier
//! in its order; in parallel: in an earlier window, before its barrier) by the time the window's step
//! runs; events of later windows that are posted meanwhile may or may not be taken in yet, but a step
//! handles only its window's events, and the one who sent them also sent the `Arrivals` event that
//! schedules their window, so the same steps run on the same events whatever the threads did. The inbox is
//! sorted by (time, source HICANN, source sequence) before use, so the order of posting does not matter.
//!
//! `Arrivals` and steps are events at window starts, and at equal times a HICANN's `Arrivals` come before
//! its step (their class is lower). Why the step is at the window start rather than at its end: the kernel
//! requires an event on another chip to be at least the lookahead after its cause, and a step's events
//! land from its window's *end* on (an event leaves its DNC merger in the window and travels at least `L`,
//! module docs of [`super`]). With the step at the start, the earliest arrival is `L` after it, so the
//! lookahead is the window, as with the old window loop.
//!
//! A step made stale by an earlier one (an arrival brought the step forward) is skipped: the HICANN keeps the
//! time of the step it waits for. At the end of a run the events not yet handled stay in the mailboxes and
//! inboxes; the next run moves the mailboxes into the inboxes and schedules every HICANN's first step
//! afresh on its own grid, so runs in segments give exactly what the former window loop gave over the
//! same segments.
//!
//! Threads: a parallel run gives each thread a contiguous range of HICANNs of about equal
//! [`HicannState::load`] (denmems in neurons plus synapse rows driven), not of equal count, so a wafer
//! whose busy HICANNs have low indices still keeps both threads busy; results never depend on the split.
//!
//! Ties: an `Arrivals` event carries the sender's running event number of its batch's first event (port 0
//! of its class), a step the HICANN's own step counter; both from chip state, never from threads.

use std::sync::Mutex;

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
    /// Layer-1 events (in the HICANN's mailbox) reach its drivers in the window starting at the event's
    /// time.
    Arrivals,
    /// The HICANN runs the window starting at the event's time.
    Step,
}

impl Payload for Action {
    type Time = HwTime;
    const PLACEHOLDER: Action = Action::Step;
}

/// The windows of one run and the HICANNs' mailboxes: what every HICANN's handler reads.
#[derive(Debug)]
pub(super) struct Windows {
    pub origin: HwTime,
    pub window: HwTime,
    pub until: HwTime,
    /// Per HICANN (dense index): Layer-1 events posted to it and not yet taken into its inbox.
    pub mail: Vec<Mutex<Vec<Inbound>>>,
}

impl Windows {
    /// The start of the window containing `t` (`t >= origin`).
    pub fn start_of(&self, t: HwTime) -> HwTime {
        let w = self.window.0;
        HwTime(self.origin.0 + (t.0 - self.origin.0) / w * w)
    }

    /// Posts `outbox` (target HICANN, event) to the targets' mailboxes, one lock and one `Arrivals` event
    /// per target and window; leaves `outbox` empty.
    pub fn post(&self, outbox: &mut Vec<(u32, Inbound)>, sink: &mut impl EventSink<Action>) {
        outbox.sort_unstable_by_key(|&(unit, e)| (unit, e.time));
        for batch in outbox.chunk_by(|a, b| a.0 == b.0) {
            let unit = batch[0].0;
            let mut mail = self.mail[unit as usize]
                .lock()
                .expect("a mailbox is never held across a panic");
            mail.extend(batch.iter().map(|&(_, e)| e));
            drop(mail);
            for window in batch.chunk_by(|a, b| self.start_of(a.1.time) == self.start_of(b.1.time))
            {
                let first = window[0].1;
                sink.emit(Event::new(
                    self.start_of(first.time),
                    unit,
                    class::ARRIVAL,
                    0,
                    first.seq,
                    Action::Arrivals,
                ));
            }
        }
        outbox.clear();
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

    fn load(&self) -> u64 {
        self.load
    }

    fn handle(&mut self, ev: &Event<Action>, w: &Windows, sink: &mut impl EventSink<Action>) {
        match ev.action {
            Action::Arrivals => self.schedule(ev.time, ev.chip(), w, sink),
            Action::Step => {
                if self.next_step != Some(ev.time) {
                    return;
                }
                self.next_step = None;
                self.inbox.append(
                    &mut w.mail[ev.chip() as usize]
                        .lock()
                        .expect("a mailbox is never held across a panic"),
                );
                let end = (ev.time + w.window).min(w.until);
                self.step(ev.time, end);
                debug_assert!(
                    self.outbox
                        .iter()
                        .all(|(_, e)| e.time >= ev.time + w.window),
                    "an L1 event lands a window after its step"
                );
                w.post(&mut self.outbox, sink);
                self.schedule(self.wake().max(end), ev.chip(), w, sink);
            }
        }
    }
}
