//! SpiNNaker packets as they travel between routers, comms controllers and links.
//!
//! Every packet is an 8-bit control byte, a 32-bit word and an optional 32-bit payload: 40 or 72
//! bits on the wire (spec §2.1). The control byte's layout depends on the packet type:
//!
//! | bits | multicast (00) | point-to-point (01) | nearest-neighbour (10) | fixed-route (11) |
//! |---|---|---|---|---|
//! | 7:6 | type | type | type | type |
//! | 5:4 | emergency state | sequence code | 5: T (peek/poke), 4:2 route | emergency state |
//! | 3:2 | time stamp | time stamp | (route) | time stamp |
//! | 1 | payload present | payload present | payload present | payload present |
//! | 0 | odd parity | odd parity | odd parity | odd parity |
//!
//! [`Packet`] keeps the fields unpacked so the router can read them without bit twiddling, and
//! [`Packet::control_byte`] / [`Packet::decode`] convert to and from the wire form, so that the
//! router's error-check stage (§2.2) can reject corrupted packets exactly as the hardware does.

use std::fmt;

/// Type field, bits 7:6 of the control byte (§2.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PacketKind {
    /// Type 00: routed by key through the multicast CAM (§2.3).
    Multicast = 0,
    /// Type 01: routed by destination chip through the P2P table (§2.4).
    PointToPoint = 1,
    /// Type 10: one hop to a neighbour, or to the local monitor (§2.4).
    NearestNeighbour = 2,
    /// Type 11: routed by the single fixed-route register r33 (§2.3).
    FixedRoute = 3,
}

/// Emergency-routing state, bits 5:4 of a multicast or fixed-route control byte (§2.1, §2.5).
///
/// The numbering is SpiNNMan's diagnostic-filter enum, which is also the wire value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum EmergencyState {
    /// Not diverted.
    Normal = 0,
    /// Diverted by the previous router, and this router is also a normal destination.
    FirstStageCombined = 1,
    /// First leg of a detour: this router is not a normal destination.
    FirstStage = 2,
    /// Second leg of a detour: the packet reverts to its normal route here.
    SecondStage = 3,
}

impl EmergencyState {
    fn from_bits(bits: u8) -> EmergencyState {
        match bits & 0b11 {
            0 => EmergencyState::Normal,
            1 => EmergencyState::FirstStageCombined,
            2 => EmergencyState::FirstStage,
            _ => EmergencyState::SecondStage,
        }
    }
}

/// Why [`Packet::decode`] refused a packet: the faults the router's error-check stage looks for (§2.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PacketError {
    /// The packet has an even number of 1 bits; SpiNNaker packets carry odd parity (§2.1).
    Parity,
    /// The payload-present bit (bit 1) says one thing and the packet's length another (a framing error).
    PayloadFlag {
        /// The value of the control byte's payload bit.
        flag_set: bool,
    },
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PacketError::Parity => {
                write!(f, "parity error: the packet has an even number of 1 bits")
            }
            PacketError::PayloadFlag { flag_set: true } => {
                write!(
                    f,
                    "framing error: payload bit set but the packet has no payload"
                )
            }
            PacketError::PayloadFlag { flag_set: false } => {
                write!(
                    f,
                    "framing error: payload bit clear but the packet carries a payload"
                )
            }
        }
    }
}

impl std::error::Error for PacketError {}

/// One packet, with its control-byte fields unpacked.
///
/// Which fields mean something depends on `kind`; the others stay at zero (`Normal`, `false`),
/// because the control byte has no room for them and a decoded packet always has them at zero:
///
/// - `key`: multicast routing key; for point-to-point `source << 16 | destination`, each a 16-bit
///   chip address `x << 8 | y`; for nearest-neighbour the 32-bit address/operation word; for
///   fixed-route the 32-bit word, which is itself data (§2.1).
/// - `emergency`: multicast and fixed-route only.
/// - `timestamp`: 2-bit time phase; every kind but nearest-neighbour, whose bits 3:2 are route.
/// - `sequence`: point-to-point only, the 2-bit sequence code.
/// - `nn_route`, `peek_poke`: nearest-neighbour only, the 3-bit route field (0–5 a link,
///   6 broadcast, 7 the local monitor) and the T bit (a direct read/write of the neighbour's
///   System NoC space, §2.4).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Packet {
    /// Packet type.
    pub kind: PacketKind,
    /// The 32-bit word; its meaning depends on `kind` (see the type's documentation).
    pub key: u32,
    /// The second 32-bit word, 0 when absent (see [`Packet::payload`]). Kept as a word and a flag rather
    /// than an `Option<u32>` so that a packet is 16 bytes: the event kernel moves millions of them a second.
    payload_word: u32,
    has_payload: bool,
    /// Emergency-routing state (multicast and fixed-route).
    pub emergency: EmergencyState,
    /// 2-bit global time phase at injection (all kinds but nearest-neighbour).
    pub timestamp: u8,
    /// 2-bit sequence code (point-to-point).
    pub sequence: u8,
    /// 3-bit route field (nearest-neighbour).
    pub nn_route: u8,
    /// T bit: peek/poke rather than a normal packet (nearest-neighbour).
    pub peek_poke: bool,
}

const PAYLOAD_BIT: u8 = 1 << 1;
const PARITY_BIT: u8 = 1;

impl Packet {
    fn new(kind: PacketKind, key: u32) -> Packet {
        Packet {
            kind,
            key,
            payload_word: 0,
            has_payload: false,
            emergency: EmergencyState::Normal,
            timestamp: 0,
            sequence: 0,
            nn_route: 0,
            peek_poke: false,
        }
    }

    /// A multicast packet without payload: a spike.
    pub fn multicast(key: u32) -> Packet {
        Packet::new(PacketKind::Multicast, key)
    }

    /// A multicast packet with a payload.
    pub fn multicast_with_payload(key: u32, payload: u32) -> Packet {
        Packet::multicast(key).with_payload(payload)
    }

    /// A point-to-point packet from chip address `source` to chip address `destination`
    /// (each `x << 8 | y`, §2.1).
    pub fn p2p(source: u16, destination: u16) -> Packet {
        Packet::new(
            PacketKind::PointToPoint,
            u32::from(source) << 16 | u32::from(destination),
        )
    }

    /// A normal (not peek/poke) nearest-neighbour packet with the given 3-bit route field and
    /// address/operation word.
    ///
    /// # Panics
    /// If `route` does not fit in 3 bits.
    pub fn nearest_neighbour(route: u8, address: u32) -> Packet {
        assert!(
            route < 8,
            "nearest-neighbour route field is 3 bits, got {route}"
        );
        Packet {
            nn_route: route,
            ..Packet::new(PacketKind::NearestNeighbour, address)
        }
    }

    /// A fixed-route packet carrying `word`.
    pub fn fixed_route(word: u32) -> Packet {
        Packet::new(PacketKind::FixedRoute, word)
    }

    /// The same packet with a payload attached.
    pub fn with_payload(self, payload: u32) -> Packet {
        Packet {
            payload_word: payload,
            has_payload: true,
            ..self
        }
    }

    /// The same packet in emergency-routing state `emergency`.
    #[inline]
    pub fn with_emergency(self, emergency: EmergencyState) -> Packet {
        Packet { emergency, ..self }
    }

    /// The same packet with `payload` attached, or without one.
    fn with_optional_payload(self, payload: Option<u32>) -> Packet {
        match payload {
            Some(word) => self.with_payload(word),
            None => self,
        }
    }

    /// The optional second 32-bit word.
    pub fn payload(&self) -> Option<u32> {
        self.has_payload.then_some(self.payload_word)
    }

    /// Source chip address of a point-to-point packet (the upper half of `key`).
    pub fn p2p_source(&self) -> u16 {
        (self.key >> 16) as u16
    }

    /// Destination chip address of a point-to-point packet (the lower half of `key`).
    pub fn p2p_destination(&self) -> u16 {
        self.key as u16
    }

    /// Length on the wire: 40 bits, or 72 with a payload (§2.1). Link serialisation time and
    /// router energy (25 pJ per bit) scale with it.
    pub fn bits(&self) -> u32 {
        if self.has_payload { 72 } else { 40 }
    }

    /// The control byte, parity included.
    ///
    /// # Panics
    /// In debug builds, if a field is out of its bit width or set for a kind that cannot carry it:
    /// the wire form would silently drop it.
    pub fn control_byte(&self) -> u8 {
        debug_assert!(
            self.fits_control_byte(),
            "{self:?} does not fit its control byte"
        );
        let middle = match self.kind {
            PacketKind::Multicast | PacketKind::FixedRoute => {
                (self.emergency as u8) << 4 | (self.timestamp & 0b11) << 2
            }
            PacketKind::PointToPoint => (self.sequence & 0b11) << 4 | (self.timestamp & 0b11) << 2,
            PacketKind::NearestNeighbour => {
                u8::from(self.peek_poke) << 5 | (self.nn_route & 0b111) << 2
            }
        };
        let flag = if self.has_payload { PAYLOAD_BIT } else { 0 };
        let unsigned = (self.kind as u8) << 6 | middle | flag;
        let ones = unsigned.count_ones() + self.key.count_ones() + self.payload_word.count_ones();
        // Odd parity: the parity bit makes the total number of 1 bits odd.
        unsigned
            | if ones.is_multiple_of(2) {
                PARITY_BIT
            } else {
                0
            }
    }

    /// Parses a packet off the wire, rejecting parity and payload-flag errors (§2.1, §2.2).
    pub fn decode(control: u8, key: u32, payload: Option<u32>) -> Result<Packet, PacketError> {
        let ones = control.count_ones() + key.count_ones() + payload.map_or(0, u32::count_ones);
        if ones.is_multiple_of(2) {
            return Err(PacketError::Parity);
        }
        let flag_set = control & PAYLOAD_BIT != 0;
        if flag_set != payload.is_some() {
            return Err(PacketError::PayloadFlag { flag_set });
        }
        let high = (control >> 4) & 0b11;
        let low = (control >> 2) & 0b11;
        let base = |kind| Packet::new(kind, key).with_optional_payload(payload);
        Ok(match control >> 6 {
            0 => Packet {
                emergency: EmergencyState::from_bits(high),
                timestamp: low,
                ..base(PacketKind::Multicast)
            },
            1 => Packet {
                sequence: high,
                timestamp: low,
                ..base(PacketKind::PointToPoint)
            },
            2 => Packet {
                peek_poke: control & (1 << 5) != 0,
                nn_route: (control >> 2) & 0b111,
                ..base(PacketKind::NearestNeighbour)
            },
            _ => Packet {
                emergency: EmergencyState::from_bits(high),
                timestamp: low,
                ..base(PacketKind::FixedRoute)
            },
        })
    }

    /// Whether every field is within its width and unused fields are zero, i.e. whether
    /// `decode` of the encoded packet gives it back.
    fn fits_control_byte(&self) -> bool {
        let emergency_ok = matches!(self.kind, PacketKind::Multicast | PacketKind::FixedRoute)
            || self.emergency == EmergencyState::Normal;
        let timestamp_ok = if self.kind == PacketKind::NearestNeighbour {
            self.timestamp == 0
        } else {
            self.timestamp < 4
        };
        let sequence_ok = if self.kind == PacketKind::PointToPoint {
            self.sequence < 4
        } else {
            self.sequence == 0
        };
        let nn_ok = if self.kind == PacketKind::NearestNeighbour {
            self.nn_route < 8
        } else {
            self.nn_route == 0 && !self.peek_poke
        };
        emergency_ok && timestamp_ok && sequence_ok && nn_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn emergency() -> impl Strategy<Value = EmergencyState> {
        (0u8..4).prop_map(EmergencyState::from_bits)
    }

    /// Any packet that fits its control byte, of every kind.
    fn packet() -> impl Strategy<Value = Packet> {
        let payload = proptest::option::of(any::<u32>());
        prop_oneof![
            (
                any::<u32>(),
                payload.clone(),
                emergency(),
                0u8..4,
                any::<bool>()
            )
                .prop_map(|(key, payload, emergency, timestamp, fixed)| {
                    Packet {
                        emergency,
                        timestamp,
                        ..if fixed {
                            Packet::fixed_route(key)
                        } else {
                            Packet::multicast(key)
                        }
                    }
                    .with_optional_payload(payload)
                }),
            (any::<u16>(), any::<u16>(), payload.clone(), 0u8..4, 0u8..4).prop_map(
                |(source, destination, payload, sequence, timestamp)| {
                    Packet {
                        sequence,
                        timestamp,
                        ..Packet::p2p(source, destination)
                    }
                    .with_optional_payload(payload)
                }
            ),
            (0u8..8, any::<u32>(), payload, any::<bool>()).prop_map(
                |(route, address, payload, peek_poke)| {
                    Packet {
                        peek_poke,
                        ..Packet::nearest_neighbour(route, address)
                    }
                    .with_optional_payload(payload)
                }
            ),
        ]
    }

    /// The packet's wire bits, control byte first, as (control, key, payload).
    fn wire(p: &Packet) -> (u8, u32, Option<u32>) {
        (p.control_byte(), p.key, p.payload())
    }

    proptest! {
        #[test]
        fn encode_then_decode_gives_the_packet_back(p in packet()) {
            let (control, key, payload) = wire(&p);
            prop_assert_eq!(Packet::decode(control, key, payload), Ok(p));
            prop_assert_eq!(control >> 6, p.kind as u8);
            prop_assert_eq!(control & PAYLOAD_BIT != 0, p.payload().is_some());
        }

        #[test]
        fn total_number_of_ones_is_odd(p in packet()) {
            let (control, key, payload) = wire(&p);
            let ones = control.count_ones() + key.count_ones() + payload.map_or(0, u32::count_ones);
            prop_assert_eq!(ones % 2, 1);
        }

        #[test]
        fn flipping_any_single_bit_breaks_parity(p in packet(), bit in 0u32..72) {
            let bit = bit % p.bits();
            let (mut control, mut key, mut payload) = wire(&p);
            match bit {
                0..8 => control ^= 1 << bit,
                8..40 => key ^= 1 << (bit - 8),
                _ => payload = payload.map(|w| w ^ 1 << (bit - 40)),
            }
            prop_assert_eq!(Packet::decode(control, key, payload), Err(PacketError::Parity));
        }
    }

    #[test]
    fn constructors_fill_the_documented_fields() {
        let p = Packet::p2p(0x0102, 0x0304);
        assert_eq!(p.key, 0x0102_0304);
        assert_eq!((p.p2p_source(), p.p2p_destination()), (0x0102, 0x0304));
        assert_eq!(Packet::multicast(7).bits(), 40);
        assert_eq!(Packet::multicast_with_payload(7, 9).bits(), 72);
        assert_eq!(Packet::multicast_with_payload(7, 9).payload(), Some(9));
        assert_eq!(Packet::nearest_neighbour(6, 0).nn_route, 6);
        assert_eq!(Packet::fixed_route(1).kind, PacketKind::FixedRoute);
    }

    #[test]
    fn control_byte_matches_the_spinnaker_h_constants() {
        // spinnaker.h puts the control byte in bits 23:16 of TCR: PKT_P2P 0x40, PKT_NN 0x80,
        // PKT_NND (peek/poke) 0xA0, PKT_FR 0xC0, PKT_PL 0x02 (§2.1). Mask off the parity bit.
        let kind_bits = |p: Packet| p.control_byte() & !PARITY_BIT;
        assert_eq!(kind_bits(Packet::multicast(0)), 0x00);
        assert_eq!(kind_bits(Packet::p2p(0, 0)), 0x40);
        assert_eq!(kind_bits(Packet::nearest_neighbour(0, 0)), 0x80);
        let peek = Packet {
            peek_poke: true,
            ..Packet::nearest_neighbour(0, 0)
        };
        assert_eq!(kind_bits(peek), 0xA0);
        assert_eq!(kind_bits(Packet::fixed_route(0)), 0xC0);
        assert_eq!(kind_bits(Packet::multicast_with_payload(0, 0)), 0x02);
    }

    #[test]
    fn parity_of_known_packets() {
        // Key 0, no payload: the only other 1 bits are in the control byte.
        assert_eq!(Packet::multicast(0).control_byte(), 0x01);
        assert_eq!(Packet::multicast(1).control_byte(), 0x00);
        assert_eq!(Packet::multicast_with_payload(0, 0).control_byte(), 0x02);
    }

    #[test]
    fn decode_rejects_a_payload_flag_that_disagrees_with_the_length() {
        // Flag set but no payload; the flag is the only 1 bit, so parity passes.
        assert_eq!(
            Packet::decode(PAYLOAD_BIT, 0, None),
            Err(PacketError::PayloadFlag { flag_set: true })
        );
        // Parity is checked first.
        assert_eq!(
            Packet::decode(PAYLOAD_BIT, 1, None),
            Err(PacketError::Parity)
        );
        // Flag clear, one-bit payload: odd total, but a payload the flag does not announce.
        assert_eq!(
            Packet::decode(0, 0, Some(1)),
            Err(PacketError::PayloadFlag { flag_set: false })
        );
    }

    #[test]
    fn nearest_neighbour_has_no_time_stamp() {
        // Bits 4:2 all belong to the route: route 7 sets bits 3:2 too, which decode must not read
        // as a time stamp.
        let p = Packet::nearest_neighbour(7, 0x1234);
        let decoded = Packet::decode(p.control_byte(), p.key, None).unwrap();
        assert_eq!((decoded.nn_route, decoded.timestamp), (7, 0));
    }
}
