//! The sequential loop: every event in one global (time, tie) order, on the calling thread.

use crate::event::{Event, Payload};
use crate::pace::{Budget, CLOCK_EVERY_EVENTS};
use crate::queue::EventQueue;
use crate::sample::{Chips, Sampling};
use crate::time::SimTime;
use crate::{Chip, Stretch};

/// Runs every event before `until`, or those up to the end of the current time once `budget` is spent, calling
/// `sampling`'s hook at each of its points on the way (until it ends the run).
pub(crate) fn run<C: Chip>(
    chips: &mut [C],
    events: Vec<Event<C::Action>>,
    until: <C::Action as Payload>::Time,
    shared: &C::Shared,
    budget: &Budget,
    sampling: &mut Sampling<C>,
) -> Stretch<C::Action> {
    let mut queue: EventQueue<C::Action> = events.into_iter().collect();
    let mut ev = Event::placeholder();
    let (mut end, mut handled) = (until, 0u64);
    loop {
        let mut limit = end.min(sampling.next);
        while queue.pop_before(limit, &mut ev) {
            if let Some(next) = queue.next_chip() {
                chips[next as usize].prefetch();
            }
            chips[ev.chip() as usize].handle(&ev, shared, &mut queue);
            handled += 1;
            if handled % CLOCK_EVERY_EVENTS == 0 && end == until && budget.spent(handled, true) {
                end = until.min(ev.time.after(SimTime::from_ticks(1)));
                limit = end.min(sampling.next);
            }
        }
        if sampling.next > end || !sampling.call(&mut Chips::new(vec![&mut *chips])) {
            break;
        }
    }
    Stretch {
        leftovers: queue.into_vec(),
        reached: sampling.stopped_at.unwrap_or(end),
        events: handled,
    }
}
