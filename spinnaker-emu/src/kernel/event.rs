//! Events and their deterministic order.
//!
//! Events are ordered by (time, chip, order). `order` is a stable id built only from the state of the chip
//! that created the event (a port class, a port number and that port's own sequence counter), never from the
//! order in which threads happened to run, so every chip sees its events in the same order whatever the
//! partitioning of chips across threads.

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
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Flit {
    pub packet: Packet,
    /// When the source core sent it.
    pub sent: Time,
    /// Links crossed so far.
    pub hops: u16,
    /// Times it was dumped and re-sent by a reinjector.
    pub reinjections: u8,
    /// The sender's tag (e.g. a global core id), for statistics; not part of the packet.
    pub tag: u32,
}

impl Flit {
    pub fn new(packet: Packet, sent: Time, tag: u32) -> Flit {
        Flit {
            packet,
            sent,
            hops: 0,
            reinjections: 0,
            tag,
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

/// Port classes, the top bits of `Event::order`.
pub(crate) mod class {
    pub const LINK: u64 = 0;
    pub const CORE_SEND: u64 = 1;
    pub const REINJECT: u64 = 2;
    pub const DELIVER: u64 = 3;
    pub const TIMER: u64 = 4;
    pub const WAKE: u64 = 5;
}

/// `order` from a port class, a port number and that port's sequence counter.
pub(crate) fn order(class: u64, port: u64, seq: u64) -> u64 {
    (class << 60) | (port << 52) | (seq & ((1 << 52) - 1))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Event {
    pub time: Time,
    /// Dense index of the chip it happens on.
    pub chip: u32,
    pub order: u64,
    pub action: Action,
}

impl Ord for Event {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest event first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.chip, other.order).cmp(&(self.time, self.chip, self.order))
    }
}

impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
