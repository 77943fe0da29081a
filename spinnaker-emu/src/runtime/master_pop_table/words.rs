//! The packed DTCM words of the master population table: address-list items and 5-word entries
//! (spec §4.5), with the key decoding an entry defines (§4.3).

use serde::{Deserialize, Serialize};

use super::PopTableError;

/// Address-list address marking an invalid item: a placeholder that keeps the undelayed and
/// delayed item positions of all entries aligned (§4.5, `INVALID_ADDRESS`).
pub const INVALID_ADDRESS: u32 = 0xFF_FFFF;

/// Largest `start` the 13-bit field holds (§4.5).
pub const MAX_START: u16 = (1 << 13) - 1;

/// Largest `n_colour_bits` the 3-bit field holds (§4.5).
pub const MAX_COLOUR_BITS: u8 = 7;

/// Largest `mask_shift`: the core shifts a 32-bit key by it, and shifts of 32 or more are
/// undefined in C, so they are refused rather than modelled.
pub const MAX_MASK_SHIFT: u16 = 31;

/// One address-list word: `row_length - 1` in bits 0–7, `address` in bits 8–31 (§4.5).
///
/// `address` is the matrix's offset from the synaptic region base in 16-byte units; 0xFFFFFF
/// marks an invalid placeholder. Every 32-bit word is some item, so it serialises as its word.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(from = "u32", into = "u32")]
pub struct AddressListItem {
    row_length: u16,
    address: u32,
}

impl AddressListItem {
    /// The placeholder item, all ones.
    pub const INVALID: AddressListItem = AddressListItem {
        row_length: 256,
        address: INVALID_ADDRESS,
    };

    /// A valid item: `row_length` words after the row header (1..=256), `address` in 16-byte
    /// units below 0xFFFFFF.
    pub fn new(row_length: u16, address: u32) -> Result<AddressListItem, PopTableError> {
        if !(1..=256).contains(&row_length) {
            return Err(PopTableError::BadRowLength(row_length));
        }
        if address >= INVALID_ADDRESS {
            return Err(PopTableError::AddressTooLarge(address));
        }
        Ok(AddressListItem {
            row_length,
            address,
        })
    }

    /// Words after the row header in each row of the matrix (1..=256).
    pub fn row_length(self) -> u16 {
        self.row_length
    }

    /// Matrix offset from the synaptic region base, in 16-byte units.
    pub fn address(self) -> u32 {
        self.address
    }

    /// Whether this is a real matrix rather than the 0xFFFFFF placeholder.
    pub fn is_valid(self) -> bool {
        self.address != INVALID_ADDRESS
    }

    /// Matrix offset from the synaptic region base in bytes (`address << 4`).
    pub fn offset_bytes(self) -> u32 {
        self.address << 4
    }

    /// Bytes per row, which is also the DMA size: `(row_length + 3) × 4` (§4.5).
    pub fn row_bytes(self) -> u32 {
        (u32::from(self.row_length) + 3) * 4
    }

    /// Offset of source neuron `neuron_id`'s row from the synaptic region base, wrapping like the
    /// core's 32-bit arithmetic.
    pub fn row_offset(self, neuron_id: u32) -> u32 {
        self.offset_bytes()
            .wrapping_add(neuron_id.wrapping_mul(self.row_bytes()))
    }
}

impl From<u32> for AddressListItem {
    fn from(word: u32) -> AddressListItem {
        AddressListItem {
            row_length: (word & 0xFF) as u16 + 1,
            address: word >> 8,
        }
    }
}

impl From<AddressListItem> for u32 {
    fn from(item: AddressListItem) -> u32 {
        u32::from(item.row_length - 1) | item.address << 8
    }
}

/// One master population table entry, the five DTCM words of §4.5:
///
/// ```text
/// word 0  key
/// word 1  mask
/// word 2  start (bits 0-12) | n_colour_bits (13-15) | count (16-31)
/// word 3  core_mask (bits 0-15) | mask_shift (16-31)
/// word 4  n_neurons (bits 0-15) | n_words (16-31)
/// ```
///
/// Bit positions follow GCC's little-endian bit-field allocation for the C struct (first declared
/// field in the lowest bits). Fields are public; [`MasterPopEntry::check`] (run by every table
/// constructor and by [`MasterPopEntry::to_words`]) refuses values the words cannot hold.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub struct MasterPopEntry {
    /// Key bits a matching spike has where `mask` is 1.
    pub key: u32,
    /// Bits of the spike compared with `key`.
    pub mask: u32,
    /// First address-list item (13 bits).
    pub start: u16,
    /// Low key bits carrying the sender's colour (3 bits, §4.3).
    pub n_colour_bits: u8,
    /// Address-list items of this entry.
    pub count: u16,
    /// Mask of the source-core field once shifted down.
    pub core_mask: u16,
    /// Position of the source-core field in the key.
    pub mask_shift: u16,
    /// Neurons per source core, to turn (core, local id) into a source neuron id.
    pub n_neurons: u16,
    /// Words of bit field per source core (`n_words`); carried for the bit-field filter, unused by
    /// the lookup itself.
    pub n_words: u16,
}

impl MasterPopEntry {
    /// Refuses field values the packed words cannot hold, and shifts of 32 or more.
    pub fn check(&self) -> Result<(), PopTableError> {
        if self.start > MAX_START {
            return Err(PopTableError::StartTooLarge(usize::from(self.start)));
        }
        if self.n_colour_bits > MAX_COLOUR_BITS {
            return Err(PopTableError::TooManyColourBits(self.n_colour_bits));
        }
        if self.mask_shift > MAX_MASK_SHIFT {
            return Err(PopTableError::MaskShiftTooLarge(self.mask_shift));
        }
        Ok(())
    }

    /// The five DTCM words.
    pub fn to_words(&self) -> Result<[u32; 5], PopTableError> {
        self.check()?;
        Ok([
            self.key,
            self.mask,
            u32::from(self.start)
                | u32::from(self.n_colour_bits) << 13
                | u32::from(self.count) << 16,
            u32::from(self.core_mask) | u32::from(self.mask_shift) << 16,
            u32::from(self.n_neurons) | u32::from(self.n_words) << 16,
        ])
    }

    /// Unpacks five DTCM words (any words unpack; [`MasterPopEntry::check`] may still refuse the
    /// shift).
    pub fn from_words(words: [u32; 5]) -> MasterPopEntry {
        MasterPopEntry {
            key: words[0],
            mask: words[1],
            start: (words[2] & 0x1FFF) as u16,
            n_colour_bits: ((words[2] >> 13) & 0x7) as u8,
            count: (words[2] >> 16) as u16,
            core_mask: words[3] as u16,
            mask_shift: (words[3] >> 16) as u16,
            n_neurons: words[4] as u16,
            n_words: (words[4] >> 16) as u16,
        }
    }

    /// The §4.5 hit test: `(spike & mask) == key`.
    pub fn matches(&self, spike: u32) -> bool {
        spike & self.mask == self.key
    }

    /// Index of the source core within the source population: `(spike >> mask_shift) & core_mask`.
    pub fn core_index(&self, spike: u32) -> u32 {
        (spike >> self.mask_shift) & u32::from(self.core_mask)
    }

    /// The source neuron id and the sender's colour carried by `spike` (§4.3, §4.5).
    ///
    /// The local id is what the key has outside the entry mask and the core field; its low
    /// `n_colour_bits` are the colour and the rest the neuron on the source core, offset by
    /// `core_index × n_neurons`. The sum wraps at 32 bits as on the core. Expects a checked
    /// entry: shifts by more than 31 (`n_colour_bits`, `mask_shift`) overflow.
    pub fn source(&self, spike: u32) -> (u32, u32) {
        let core_field = u32::from(self.core_mask) << self.mask_shift;
        let local = spike & !(self.mask | core_field);
        let colour = local & ((1 << self.n_colour_bits) - 1);
        let core_sum = self.core_index(spike) * u32::from(self.n_neurons);
        let neuron_id = (local >> self.n_colour_bits).wrapping_add(core_sum);
        (neuron_id, colour)
    }
}
