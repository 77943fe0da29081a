//! Building a master population table from the mapper's view of each incoming source (§4.5).

use super::{AddressListItem, MAX_START, MasterPopEntry, MasterPopTable, PopTableError};

/// One source (a key space) feeding this core, as the mapper describes it.
///
/// `start` and `count` of the entry follow from where `items` end up in the address list, so
/// they are not given here.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct PopSource {
    /// Key of the source's key space.
    pub key: u32,
    /// Mask of the source's key space: leading ones, then zeros.
    pub mask: u32,
    /// Low key bits carrying the colour (§4.3; sPyNNaker's default is 4).
    pub n_colour_bits: u8,
    /// Mask of the source-core field once shifted down (0 for a single source core).
    pub core_mask: u16,
    /// Position of the source-core field in the key.
    pub mask_shift: u16,
    /// Neurons per source core.
    pub n_neurons: u16,
    /// Words of bit field per source core.
    pub n_words: u16,
    /// One item per synaptic matrix of this source, in the order the core fetches them, with
    /// [`AddressListItem::INVALID`] placeholders where a matrix is absent.
    pub items: Vec<AddressListItem>,
    /// Optional bit field: bit `n` set when source neuron `n` has synapses here.
    pub bit_field: Option<Vec<u32>>,
}

impl MasterPopTable {
    /// A table the core's binary search is guaranteed to work on: entries sorted by key, each
    /// source's items laid out consecutively in that order.
    ///
    /// Refused: keys with bits outside their mask (they match nothing); masks that are not
    /// leading ones then zeros; key spaces that overlap; and fields too wide for the entry words.
    ///
    /// Why prefix masks only: the search steps by comparing `entry.key < spike`, which is sound
    /// when each key space is an interval. With other masks disjoint spaces interleave, e.g. key 0
    /// mask 1 (even keys) and key 3 mask 3 (keys ≡ 3 mod 4): spike 4 probes the second entry,
    /// sees 3 < 4, searches above it, and misses the first. sPyNNaker's key allocator produces
    /// prefix masks (application field, then core and neuron fields below it, §4.3).
    pub fn build(mut sources: Vec<PopSource>) -> Result<MasterPopTable, PopTableError> {
        for source in &sources {
            let (key, mask) = (source.key, source.mask);
            if key & !mask != 0 {
                return Err(PopTableError::KeyOutsideMask { key, mask });
            }
            if mask.leading_ones() + mask.trailing_zeros() != u32::BITS {
                return Err(PopTableError::MaskNotPrefix { key, mask });
            }
        }
        sources.sort_by_key(|source| source.key);
        for pair in sources.windows(2) {
            let (low, high) = (&pair[0], &pair[1]);
            if high.key <= low.key | !low.mask {
                return Err(PopTableError::Overlap {
                    first: (low.key, low.mask),
                    second: (high.key, high.mask),
                });
            }
        }

        let mut entries = Vec::with_capacity(sources.len());
        let mut address_list = Vec::new();
        let mut bit_fields = Vec::with_capacity(sources.len());
        for source in sources {
            let start = address_list.len();
            if start > usize::from(MAX_START) {
                return Err(PopTableError::StartTooLarge(start));
            }
            let count = u16::try_from(source.items.len())
                .map_err(|_| PopTableError::TooManyItems(source.items.len()))?;
            entries.push(MasterPopEntry {
                key: source.key,
                mask: source.mask,
                start: start as u16,
                n_colour_bits: source.n_colour_bits,
                count,
                core_mask: source.core_mask,
                mask_shift: source.mask_shift,
                n_neurons: source.n_neurons,
                n_words: source.n_words,
            });
            address_list.extend(source.items);
            bit_fields.push(source.bit_field);
        }
        MasterPopTable::from_parts(entries, address_list, bit_fields)
    }
}
