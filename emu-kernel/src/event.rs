//! Events and their deterministic order.
//!
//! Events are ordered by (time, tie). The tie is a stable id: the chip the event happens on, then a port class,
//! a port number and that port's own sequence counter, all from the state of the chip that created the event,
//! never from the order in which threads happened to run, so every chip sees its events in the same order
//! whatever the partitioning of chips across threads. What the classes and ports are is the machine's choice
//! (SpiNNaker: links, core sends, reinjection, deliveries, timers, wake-ups).

use std::cmp::Ordering;
use std::fmt::Debug;

use crate::time::SimTime;

/// What an event does on its chip: the machine's own enum of actions, with its time type.
pub trait Payload: Copy + Eq + Debug + Send + Sync + 'static {
    type Time: SimTime;
    /// Any action: the buffer a pop overwrites.
    const PLACEHOLDER: Self;
}

/// Bits of a port's sequence counter kept in the tie: 2^40 events from one port is over two hours of
/// simulated time at one event per 7.5 ns (SpiNNaker's router cycle).
const SEQ_BITS: u32 = 40;
const PORT_BITS: u32 = 5;
const CLASS_BITS: u32 = 3;
const CHIP_SHIFT: u32 = SEQ_BITS + PORT_BITS + CLASS_BITS;
/// Chips a simulation may hold: the tie keeps 16 bits of chip index.
pub const MAX_CHIPS: usize = 1 << (64 - CHIP_SHIFT);
/// Port classes a machine may use (3 bits of the tie).
pub const MAX_CLASSES: u64 = 1 << CLASS_BITS;
/// Ports per class (5 bits of the tie).
pub const MAX_PORTS: u64 = 1 << PORT_BITS;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Event<A: Payload> {
    pub time: A::Time,
    /// Chip (16 bits), port class (3), port number (5), the port's sequence counter (40).
    tie: u64,
    pub action: A,
}

impl<A: Payload> Event<A> {
    /// The event `action` on dense chip index `chip` at `time`, ordered among events of the same time on that
    /// chip by its port class, its port number and that port's sequence counter `seq`.
    #[inline(always)]
    pub fn new(time: A::Time, chip: u32, class: u64, port: u64, seq: u64, action: A) -> Self {
        debug_assert!((chip as usize) < MAX_CHIPS && class < MAX_CLASSES && port < MAX_PORTS);
        Event {
            time,
            tie: u64::from(chip) << CHIP_SHIFT
                | class << (SEQ_BITS + PORT_BITS)
                | port << SEQ_BITS
                | (seq & ((1 << SEQ_BITS) - 1)),
            action,
        }
    }

    /// An event to be overwritten: the buffer [`EventQueue::pop_before`](crate::EventQueue::pop_before) fills.
    pub fn placeholder() -> Self {
        Event::new(A::Time::ZERO, 0, 0, 0, 0, A::PLACEHOLDER)
    }

    /// Dense index of the chip it happens on.
    #[inline]
    pub fn chip(&self) -> u32 {
        (self.tie >> CHIP_SHIFT) as u32
    }

    /// Whether this event comes before `other` in the kernel's order.
    #[inline]
    pub fn precedes(&self, other: &Self) -> bool {
        (self.time, self.tie) < (other.time, other.tie)
    }

    /// The same event at another time (a periodic timer's next firing).
    pub fn at(self, time: A::Time) -> Self {
        Event { time, ..self }
    }
}

/// Where handlers put the events they cause: the event queue, a partition's outboxes, a list.
///
/// A trait rather than a closure so that the queue's push can be forced inline into the machine's handler: an
/// event built on the stack and handed to an out-of-line push was copied with wide loads over its narrow field
/// stores, which stalled on store forwarding at every hop.
pub trait EventSink<A: Payload> {
    fn emit(&mut self, e: Event<A>);
}

impl<A: Payload> EventSink<A> for Vec<Event<A>> {
    fn emit(&mut self, e: Event<A>) {
        self.push(e);
    }
}

impl<A: Payload> Ord for Event<A> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest event first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.tie).cmp(&(self.time, self.tie))
    }
}

impl<A: Payload> PartialOrd for Event<A> {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
