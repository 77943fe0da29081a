//! Events and their deterministic order.
//!
//! Events are ordered by (time, tie). The tie is a stable id: the chip the event happens on, then a port class,
//! a port number and that port's own sequence counter, all from the state of the chip that created the event,
//! never from the order in which threads happened to run, so every chip sees its events in the same order
//! whatever the partitioning of chips across threads.
//!
//! An event is 48 bytes (asserted below): the kernel moves one through its queue for every packet hop, and a
//! smaller event is the cheapest way to move fewer bytes.

use std::cmp::Ordering;

use crate::packet::Packet;
use crate::time::Time;

/// Where a packet entered a router.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Port {
    /// From the neighbour on this link (index 0-5, the receiving chip's link).
    Link(u8),
    /// From a local core (virtual core id).
    Core(u8),
}

/// A packet in flight, with what the emulator tracks beside its bits.
///
/// Packed to 4-byte alignment so that it fits an [`Action`] with its port in 32 bytes; fields are read by
/// value (`flit.sent`), never borrowed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(C, packed(4))]
pub struct Flit {
    pub packet: Packet,
    /// When the source core sent it.
    pub sent: Time,
    /// Links crossed so far.
    pub hops: u16,
    /// Times it was dumped and re-sent by a reinjector.
    pub reinjections: u8,
}

impl Flit {
    pub fn new(packet: Packet, sent: Time) -> Flit {
        Flit {
            packet,
            sent,
            hops: 0,
            reinjections: 0,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Action {
    /// A packet reaches the router's input.
    Arrive { port: Port, flit: Flit },
    /// A packet reaches a local core.
    Deliver { core: u8, flit: Flit },
    /// A core's periodic timer fires.
    Timer { core: u8 },
    /// A wake-up a core asked for.
    Wake { core: u8, token: u64 },
    /// The reinjector's periodic tick: re-send what it holds.
    Reinject,
}

/// Port classes, bits 47:45 of the tie.
pub(crate) mod class {
    pub const LINK: u64 = 0;
    pub const CORE_SEND: u64 = 1;
    pub const REINJECT: u64 = 2;
    pub const DELIVER: u64 = 3;
    pub const TIMER: u64 = 4;
    pub const WAKE: u64 = 5;
}

/// Bits of a port's sequence counter kept in the tie: 2^40 events from one port is over two hours of
/// simulated time at one packet per router cycle.
const SEQ_BITS: u32 = 40;
const PORT_BITS: u32 = 5;
const CLASS_BITS: u32 = 3;
const CHIP_SHIFT: u32 = SEQ_BITS + PORT_BITS + CLASS_BITS;
/// Chips a simulation may hold: the tie keeps 16 bits of chip index (the million-core machine has 57,600).
pub const MAX_CHIPS: usize = 1 << (64 - CHIP_SHIFT);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Event {
    pub time: Time,
    /// Chip (16 bits), port class (3), port number (5), the port's sequence counter (40).
    tie: u64,
    pub action: Action,
}

const _: () = assert!(size_of::<Event>() == 48);

impl Event {
    /// The event `action` on dense chip index `chip` at `time`, ordered among events of the same time on that
    /// chip by its port class, its port number and that port's sequence counter `seq`.
    #[inline(always)]
    pub(crate) fn new(
        time: Time,
        chip: u32,
        class: u64,
        port: u64,
        seq: u64,
        action: Action,
    ) -> Event {
        debug_assert!(
            (chip as usize) < MAX_CHIPS && class < 1 << CLASS_BITS && port < 1 << PORT_BITS
        );
        Event {
            time,
            tie: u64::from(chip) << CHIP_SHIFT
                | class << (SEQ_BITS + PORT_BITS)
                | port << SEQ_BITS
                | (seq & ((1 << SEQ_BITS) - 1)),
            action,
        }
    }

    /// An event to be overwritten: the buffer [`EventQueue::pop_before`](super::queue::EventQueue) fills.
    pub(crate) fn placeholder() -> Event {
        Event::new(Time::ZERO, 0, 0, 0, 0, Action::Reinject)
    }

    /// Dense index of the chip it happens on.
    #[inline]
    pub fn chip(&self) -> u32 {
        (self.tie >> CHIP_SHIFT) as u32
    }

    /// Whether this event comes before `other` in the kernel's order.
    #[inline]
    pub(crate) fn precedes(&self, other: &Event) -> bool {
        (self.time, self.tie) < (other.time, other.tie)
    }

    /// The same event at another time (a periodic timer's next firing).
    pub(crate) fn at(self, time: Time) -> Event {
        Event { time, ..self }
    }
}

/// Where handlers put the events they cause: the event queue, a partition's outboxes, a list.
///
/// A trait rather than a closure so that the queue's push can be forced inline into the router: an event
/// built on the stack and handed to an out-of-line push was copied with wide loads over its narrow field
/// stores, which stalled on store forwarding at every hop.
pub trait EventSink {
    fn emit(&mut self, e: Event);
}

impl EventSink for Vec<Event> {
    fn emit(&mut self, e: Event) {
        self.push(e);
    }
}

impl Ord for Event {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest event first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.tie).cmp(&(self.time, self.tie))
    }
}

impl PartialOrd for Event {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
