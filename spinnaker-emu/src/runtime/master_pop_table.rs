//! The master population table: from a spike's key to the synaptic rows to fetch (spec §4.5).
//!
//! A DTCM array of 5-word entries sorted by key. Each entry points at `count` consecutive
//! address-list items, one per synaptic matrix the source feeds on this core (undelayed and
//! delayed rows, several projections). On a spike the core binary-searches the entries, decodes the
//! source neuron id and colour from the key (§4.3), optionally tests a bit field, and DMAs one row
//! per valid item (§4.7).
//!
//! [`MasterPopTable::lookup`] follows sPyNNaker 7.x `population_table_binary_search_impl.c` step by
//! step: the same probes in the same order, and the same counter for each way a spike can fail.
//! [`MasterPopTable::build`] is how the mapper makes a table; [`MasterPopTable::from_parts`] takes
//! one as loaded, sorted or not.

mod builder;
#[cfg(test)]
mod tests;
mod words;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use builder::PopSource;
pub use words::{
    AddressListItem, INVALID_ADDRESS, MAX_COLOUR_BITS, MAX_MASK_SHIFT, MAX_START, MasterPopEntry,
};

/// DTCM bytes per entry and per address-list item (§4.13).
const ENTRY_BYTES: usize = 20;
const ITEM_BYTES: usize = 4;

/// Why an address-list item, entry or table was refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum PopTableError {
    /// Row length outside 1..=256 words (stored minus one in 8 bits).
    BadRowLength(u16),
    /// Address of 0xFFFFFF or more: 24 bits, and 0xFFFFFF means invalid.
    AddressTooLarge(u32),
    /// An entry's first item lies beyond the 13-bit `start` field.
    StartTooLarge(usize),
    /// More items for one entry than the 16-bit `count` field holds.
    TooManyItems(usize),
    /// More than [`MAX_COLOUR_BITS`] colour bits.
    TooManyColourBits(u8),
    /// A `mask_shift` above [`MAX_MASK_SHIFT`].
    MaskShiftTooLarge(u16),
    /// An entry's items run past the end of the address list.
    ItemsOutOfRange {
        /// Entry position in the table.
        entry: usize,
        /// One past its last item.
        end: usize,
        /// Address-list length.
        len: usize,
    },
    /// Bit fields given for some but not all entries' positions.
    BitFieldCount {
        /// Bit-field slots given.
        bit_fields: usize,
        /// Entries in the table.
        entries: usize,
    },
    /// A key with 1 bits where its mask has 0 bits can never match (§4.5 hit test).
    KeyOutsideMask {
        /// The key.
        key: u32,
        /// Its mask.
        mask: u32,
    },
    /// A mask that is not leading ones then trailing zeros; see [`MasterPopTable::build`].
    MaskNotPrefix {
        /// The key.
        key: u32,
        /// Its mask.
        mask: u32,
    },
    /// Two sources whose key spaces share keys.
    Overlap {
        /// Key and mask of the lower source.
        first: (u32, u32),
        /// Key and mask of the source overlapping it.
        second: (u32, u32),
    },
}

impl fmt::Display for PopTableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PopTableError::BadRowLength(n) => {
                write!(f, "address-list row length {n}: must be 1 to 256 words")
            }
            PopTableError::AddressTooLarge(a) => write!(
                f,
                "address-list address {a:#x} (16-byte units) does not fit 24 bits below the \
                 invalid marker {INVALID_ADDRESS:#x}"
            ),
            PopTableError::StartTooLarge(s) => write!(
                f,
                "entry starts at address-list item {s}; the 13-bit start field holds at most \
                 {MAX_START}"
            ),
            PopTableError::TooManyItems(n) => {
                write!(
                    f,
                    "{n} address-list items for one source; the count field holds 65535"
                )
            }
            PopTableError::TooManyColourBits(n) => write!(
                f,
                "{n} colour bits; the 3-bit field holds at most {MAX_COLOUR_BITS}"
            ),
            PopTableError::MaskShiftTooLarge(s) => write!(
                f,
                "mask_shift {s}: keys are 32 bits, so at most {MAX_MASK_SHIFT}"
            ),
            PopTableError::ItemsOutOfRange { entry, end, len } => write!(
                f,
                "entry {entry} uses address-list items up to {end} but the list has {len}"
            ),
            PopTableError::BitFieldCount {
                bit_fields,
                entries,
            } => write!(
                f,
                "{bit_fields} bit-field slots for {entries} entries: give none or one per entry"
            ),
            PopTableError::KeyOutsideMask { key, mask } => write!(
                f,
                "key {key:#010x} has bits outside mask {mask:#010x}, so no spike can match it"
            ),
            PopTableError::MaskNotPrefix { key, mask } => write!(
                f,
                "mask {mask:#010x} (key {key:#010x}) is not leading ones then zeros: the core's \
                 binary search can miss keys of such an entry"
            ),
            PopTableError::Overlap { first, second } => write!(
                f,
                "key spaces overlap: {:#010x}/{:#010x} and {:#010x}/{:#010x}; the core's binary \
                 search would pick one by position, or miss both",
                first.0, first.1, second.0, second.1
            ),
        }
    }
}

impl std::error::Error for PopTableError {}

/// Counters the core reports as provenance (§6.2); they live with the core's runtime state.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct PopTableCounters {
    /// "Invalid Master Pop hits": spikes no entry matched.
    pub invalid_master_pop_hits: u32,
    /// "Number of failed pop table searches": matched spikes whose items were all invalid
    /// (ghost searches), including entries with no items.
    pub ghost_searches: u32,
    /// "How many packets were filtered by the bitfield filterer.": dropped before any DMA.
    pub bit_field_filtered_packets: u32,
}

/// A matched spike: the entry and what was decoded from the key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Hit {
    /// Position of the matching entry in the table.
    pub entry: usize,
    /// Source neuron id (row index in each matrix).
    pub neuron_id: u32,
    /// The sender's colour, 0 without colour bits.
    pub colour: u32,
    /// The entry's colour bits, needed for the lateness computation (§4.8).
    pub n_colour_bits: u8,
    /// The entry's address-list items are `items_start..items_end`, valid or not.
    pub items_start: usize,
    /// One past the entry's last address-list item.
    pub items_end: usize,
}

/// What became of a spike in the table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// No entry matched; counted in `invalid_master_pop_hits`.
    Miss,
    /// The bit field says the source neuron has no synapses here; counted, no DMA.
    Filtered(Hit),
    /// Every item is invalid (or there are none); counted as a ghost search.
    Ghost(Hit),
    /// At least one row to fetch: see [`MasterPopTable::rows`].
    Rows(Hit),
}

/// The result of one lookup: the probes the binary search made (each costs core cycles) and
/// the outcome.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Lookup {
    /// Entries examined by the binary search.
    pub probes: u32,
    /// What happened to the spike.
    pub outcome: Outcome,
}

impl Lookup {
    /// The hit when there are rows to fetch.
    pub fn hit(&self) -> Option<&Hit> {
        match &self.outcome {
            Outcome::Rows(hit) => Some(hit),
            _ => None,
        }
    }
}

/// One row DMA the core starts for a hit (§4.5, §4.7).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RowFetch {
    /// Position of the item in the address list.
    pub item_index: usize,
    /// The item.
    pub item: AddressListItem,
    /// Row offset from the synaptic region base, in bytes.
    pub offset_bytes: u32,
    /// Bytes to transfer: `(row_length + 3) × 4`.
    pub n_bytes: u32,
}

/// A core's master population table, address list and optional per-entry bit fields.
///
/// Invariants: every entry passes [`MasterPopEntry::check`], its items lie inside the address
/// list, and there is one bit-field slot per entry.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "TableFields")]
pub struct MasterPopTable {
    entries: Vec<MasterPopEntry>,
    address_list: Vec<AddressListItem>,
    bit_fields: Vec<Option<Vec<u32>>>,
}

/// The unchecked serialised form of [`MasterPopTable`].
#[derive(Deserialize)]
struct TableFields {
    entries: Vec<MasterPopEntry>,
    address_list: Vec<AddressListItem>,
    bit_fields: Vec<Option<Vec<u32>>>,
}

impl TryFrom<TableFields> for MasterPopTable {
    type Error = PopTableError;

    fn try_from(f: TableFields) -> Result<MasterPopTable, PopTableError> {
        MasterPopTable::from_parts(f.entries, f.address_list, f.bit_fields)
    }
}

impl MasterPopTable {
    /// A table as loaded, in the given order: neither sorted nor checked for overlaps, so that a
    /// malformed table behaves as it would on the core. `bit_fields` is empty (no filters) or has
    /// one slot per entry; a bit field holds one bit per source neuron, neuron `n` in bit `n % 32`
    /// of word `n / 32`.
    pub fn from_parts(
        entries: Vec<MasterPopEntry>,
        address_list: Vec<AddressListItem>,
        mut bit_fields: Vec<Option<Vec<u32>>>,
    ) -> Result<MasterPopTable, PopTableError> {
        if bit_fields.is_empty() {
            bit_fields = vec![None; entries.len()];
        } else if bit_fields.len() != entries.len() {
            return Err(PopTableError::BitFieldCount {
                bit_fields: bit_fields.len(),
                entries: entries.len(),
            });
        }
        for (position, entry) in entries.iter().enumerate() {
            entry.check()?;
            let end = usize::from(entry.start) + usize::from(entry.count);
            if end > address_list.len() {
                return Err(PopTableError::ItemsOutOfRange {
                    entry: position,
                    end,
                    len: address_list.len(),
                });
            }
        }
        Ok(MasterPopTable {
            entries,
            address_list,
            bit_fields,
        })
    }

    /// The entries in table order.
    pub fn entries(&self) -> &[MasterPopEntry] {
        &self.entries
    }

    /// The address list.
    pub fn address_list(&self) -> &[AddressListItem] {
        &self.address_list
    }

    /// The bit field of the entry at `position`, if it has one.
    pub fn bit_field(&self, position: usize) -> Option<&[u32]> {
        self.bit_fields.get(position)?.as_deref()
    }

    /// DTCM the table and address list take: 20 bytes per entry, 4 per item (§4.13).
    pub fn dtcm_bytes(&self) -> usize {
        self.entries.len() * ENTRY_BYTES + self.address_list.len() * ITEM_BYTES
    }

    /// Looks `spike` up as the core does (§4.5) and bumps the matching counter.
    ///
    /// Binary search over `[lo, hi)`: probe `mid = (lo + hi) / 2`; a hit if
    /// `(spike & mask) == key`, else search above if `entry.key < spike`, below otherwise. This
    /// finds the matching entry when the key spaces are disjoint intervals, which
    /// [`MasterPopTable::build`] guarantees. With overlapping spaces it returns whichever
    /// matching entry it probes first, or misses though an entry matches; that is reproduced, not
    /// repaired. At most ⌊log2 n⌋ + 1 probes.
    ///
    /// On a match: decode neuron id and colour, then test the bit field (a clear bit, or a neuron
    /// beyond the field, filters the spike), then look for a valid item (none: ghost search).
    pub fn lookup(&self, spike: u32, counters: &mut PopTableCounters) -> Lookup {
        let (mut lo, mut hi) = (0, self.entries.len());
        let mut probes = 0;
        while lo < hi {
            let mid = (lo + hi) / 2;
            probes += 1;
            let entry = &self.entries[mid];
            if entry.matches(spike) {
                let outcome = self.classify(mid, spike, counters);
                return Lookup { probes, outcome };
            }
            if entry.key < spike {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        counters.invalid_master_pop_hits += 1;
        Lookup {
            probes,
            outcome: Outcome::Miss,
        }
    }

    /// What happens after the entry at `position` matched `spike`.
    fn classify(&self, position: usize, spike: u32, counters: &mut PopTableCounters) -> Outcome {
        let entry = &self.entries[position];
        let (neuron_id, colour) = entry.source(spike);
        let items_start = usize::from(entry.start);
        let hit = Hit {
            entry: position,
            neuron_id,
            colour,
            n_colour_bits: entry.n_colour_bits,
            items_start,
            items_end: items_start + usize::from(entry.count),
        };
        if let Some(bits) = self.bit_field(position) {
            let word = bits.get((neuron_id / 32) as usize).copied().unwrap_or(0);
            if word >> (neuron_id % 32) & 1 == 0 {
                counters.bit_field_filtered_packets += 1;
                return Outcome::Filtered(hit);
            }
        }
        if self.rows(&hit).next().is_none() {
            counters.ghost_searches += 1;
            return Outcome::Ghost(hit);
        }
        Outcome::Rows(hit)
    }

    /// The row DMAs for a hit, in address-list order, skipping invalid items.
    pub fn rows(&self, hit: &Hit) -> impl Iterator<Item = RowFetch> + '_ {
        let (neuron_id, start) = (hit.neuron_id, hit.items_start);
        self.address_list[start..hit.items_end]
            .iter()
            .enumerate()
            .filter(|(_, item)| item.is_valid())
            .map(move |(offset, &item)| RowFetch {
                item_index: start + offset,
                item,
                offset_bytes: item.row_offset(neuron_id),
                n_bytes: item.row_bytes(),
            })
    }
}
