//! Sampling points inside one run: the caller's hook is called at times it chooses, with every chip quiescent
//! (every event before the time processed, none at or after it), and the run goes on without ending.
//!
//! A caller that reads counters per window of simulated time (a trace), updates a progress bar or checks for
//! a signal could instead end the run at each window and start it again; that rebuilds the event queue on one
//! thread, and on several starts the threads, splits the queue and warms the barrier up again, which on a
//! light network costs more than the window's work. A sampling point costs a comparison on one thread and two
//! barriers on several. Where the points fall changes no result: each chip sees the same events in the same
//! order whatever the windows (the parallel windows only end earlier, at the point).

use crate::Chip;
use crate::event::Payload;
use crate::time::SimTime;

/// A machine's time type, for chips `C`.
pub(crate) type TimeOf<C> = <<C as Chip>::Action as Payload>::Time;

/// The chips of a machine at a sampling point, in index order, however the run split them among threads.
pub struct Chips<'a, C> {
    parts: Vec<&'a mut [C]>,
}

impl<'a, C> Chips<'a, C> {
    /// `parts` in chip order.
    pub(crate) fn new(parts: Vec<&'a mut [C]>) -> Self {
        Chips { parts }
    }

    pub fn len(&self) -> usize {
        self.parts.iter().map(|p| p.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &C> {
        self.parts.iter().flat_map(|p| p.iter())
    }

    /// For state that only observes the run, such as a per-window maximum that a sample resets: changing what
    /// a chip's events see would make results depend on where the sampling points fall.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut C> {
        self.parts.iter_mut().flat_map(|p| p.iter_mut())
    }
}

/// What a run calls at each sampling point `at`: it returns the next point (later than `at`), or `None` to end
/// the run at `at`. It runs on one of the run's threads, while the others wait.
pub trait Hook<C: Chip>: Send {
    fn sample(&mut self, chips: &mut Chips<'_, C>, at: TimeOf<C>) -> Option<TimeOf<C>>;
}

impl<C: Chip, F> Hook<C> for F
where
    F: FnMut(&mut Chips<'_, C>, TimeOf<C>) -> Option<TimeOf<C>> + Send,
{
    fn sample(&mut self, chips: &mut Chips<'_, C>, at: TimeOf<C>) -> Option<TimeOf<C>> {
        self(chips, at)
    }
}

/// A run's hook and its next sampling point.
pub(crate) struct Sampling<'h, C: Chip> {
    /// [`SimTime::NEVER`] once there is none.
    pub(crate) next: TimeOf<C>,
    /// Where the hook ended the run.
    pub(crate) stopped_at: Option<TimeOf<C>>,
    /// Called once per window, never per event: a `dyn` costs nothing here and keeps the runners' code single.
    hook: &'h mut dyn Hook<C>,
}

impl<'h, C: Chip> Sampling<'h, C> {
    pub(crate) fn new(first: TimeOf<C>, hook: &'h mut dyn Hook<C>) -> Self {
        Sampling {
            next: first,
            stopped_at: None,
            hook,
        }
    }

    /// Calls the hook at the point due; false when it ended the run there.
    pub(crate) fn call(&mut self, chips: &mut Chips<'_, C>) -> bool {
        let at = self.next;
        match self.hook.sample(chips, at) {
            Some(next) => {
                assert!(
                    next > at,
                    "a sampling point at {at:?} asked for {next:?} next"
                );
                self.next = next;
                true
            }
            None => {
                self.next = TimeOf::<C>::NEVER;
                self.stopped_at = Some(at);
                false
            }
        }
    }
}
