//! What happens on a SpiNNaker chip: packets arriving at its router or delivered to a core, timers, wake-ups,
//! reinjection; and the port classes that order simultaneous events (`emu_kernel::Event` keeps the order).
//!
//! An event is 48 bytes (asserted below): the kernel moves one through its queue for every packet hop, and a
//! smaller event is the cheapest way to move fewer bytes.

pub use emu_kernel::EventSink;
use emu_kernel::Payload;

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

/// Port classes, in the order simultaneous events on one chip happen.
pub(crate) mod class {
    pub const LINK: u64 = 0;
    pub const CORE_SEND: u64 = 1;
    pub const REINJECT: u64 = 2;
    pub const DELIVER: u64 = 3;
    pub const TIMER: u64 = 4;
    pub const WAKE: u64 = 5;
}

impl Payload for Action {
    type Time = Time;
    const PLACEHOLDER: Action = Action::Reinject;
}

/// An event on the SpiNNaker machine.
pub type Event = emu_kernel::Event<Action>;

const _: () = assert!(size_of::<Event>() == 48);
