//! The synaptic region of one core, stored compactly.
//!
//! In SDRAM a region is mostly padding: every row slot of a matrix is as long as its longest row, and every
//! neuron of a source population has a slot on every core its projection reaches, whether or not it has synapses
//! there. With small slices most slots are empty (the full-scale microcircuit at 8 neurons a core: 21 GB of
//! SDRAM images for 1.2 GB of synaptic words). So the region keeps the SDRAM *layout* (offsets, strides,
//! alignment, size) but stores only each row's own words, header first, and nothing for an empty row (all
//! zeros). A row read gives its words without the padding: the header says how many follow, so nothing that
//! parses a row can tell the difference. [`SynapticRegion::words`] rebuilds the SDRAM image.

use serde::{Deserialize, Serialize};

use super::SynapseError;
use super::matrix::{SynapticMatrix, checked_stride};
use super::row::{MAX_ROW_LENGTH_WORDS, ROW_HEADER_WORDS, RowView};
use crate::runtime::master_pop_table::{AddressListItem, INVALID_ADDRESS};

/// Bytes per address-list address unit (§4.5, `INDIRECT_ADDRESS_SHIFT = 4`).
const ADDRESS_UNIT_BYTES: usize = 16;

/// The longest row slot, in words.
const MAX_STRIDE_WORDS: usize = MAX_ROW_LENGTH_WORDS + ROW_HEADER_WORDS;

/// What every empty row slot reads as.
static ZERO_SLOT: [u32; MAX_STRIDE_WORDS] = [0; MAX_STRIDE_WORDS];

/// One matrix of a region: where it starts, its stride and rows, and its first row among the region's rows.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
struct Span {
    start_words: usize,
    stride: usize,
    n_rows: usize,
    first_row: usize,
}

/// The synaptic-matrix region of one core: matrices at 16-byte-aligned offsets from its base,
/// the base the address list's offsets are relative to (§4.5).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SynapticRegion {
    /// SDRAM words the region spans, alignment fill and padding included.
    len_words: usize,
    /// The matrices, in address order.
    spans: Vec<Span>,
    /// Per row of every matrix in order, where its words end in `packed` (they start where the previous
    /// row's end). An empty row has none. `u32`: a region is at most 2^28 bytes (24-bit address field).
    row_end: Vec<u32>,
    packed: Vec<u32>,
    /// Handed out by [`Self::read_mut`] for an empty row, zeroed each time.
    #[serde(skip)]
    scratch: Vec<u32>,
}

/// Regions are equal when their SDRAM contents are (the scratch slot is not part of them).
impl PartialEq for SynapticRegion {
    fn eq(&self, other: &SynapticRegion) -> bool {
        (self.len_words, &self.spans, &self.row_end, &self.packed)
            == (other.len_words, &other.spans, &other.row_end, &other.packed)
    }
}

impl Eq for SynapticRegion {}

impl SynapticRegion {
    /// An empty region.
    pub fn new() -> SynapticRegion {
        SynapticRegion::default()
    }

    /// Appends `matrix` at the next 16-byte boundary and returns the address-list item that points at
    /// it. Refuses offsets the 24-bit address field cannot hold.
    pub fn push(&mut self, matrix: &SynapticMatrix) -> Result<AddressListItem, SynapseError> {
        let stride = matrix.stride_words();
        self.push_rows(matrix.row_length(), matrix.n_rows(), |r, out| {
            let slot = &matrix.words()[r * stride..(r + 1) * stride];
            // A row's words are its header and what the header counts; a slot that does not parse is
            // kept whole.
            let used = RowView::parse(slot).map_or(stride, |row| {
                ROW_HEADER_WORDS
                    + row.plastic_region().len()
                    + row.fixed_words().len()
                    + row.n_plastic_controls().div_ceil(2)
            });
            out.extend_from_slice(&slot[..used]);
            Ok(())
        })
    }

    /// Appends a matrix of `n_rows` row slots of `row_length` words without building it first:
    /// `row(r, words)` appends row r, header first, to the given words (as [`SynapticRow::write`]
    /// does); the slot is padded with zeros in the SDRAM layout. Refuses a row longer than its slot; on
    /// any error the region is left as it was.
    ///
    /// [`SynapticRow::write`]: super::SynapticRow::write
    pub fn push_rows(
        &mut self,
        row_length: u16,
        n_rows: usize,
        mut row: impl FnMut(usize, &mut Vec<u32>) -> Result<(), SynapseError>,
    ) -> Result<AddressListItem, SynapseError> {
        let stride = checked_stride(row_length)?;
        let (start_words, item) = self.next_item(row_length)?;
        let (rows_before, packed_before) = (self.row_end.len(), self.packed.len());
        self.row_end.reserve_exact(n_rows);
        for r in 0..n_rows {
            let slot = self.packed.len();
            let written = row(r, &mut self.packed).and_then(|()| {
                let used = self.packed.len() - slot;
                if used > stride {
                    return Err(SynapseError::RowTooLong {
                        words: used - ROW_HEADER_WORDS,
                        limit: usize::from(row_length),
                    });
                }
                Ok(())
            });
            if let Err(e) = written {
                self.row_end.truncate(rows_before);
                self.packed.truncate(packed_before);
                return Err(e);
            }
            if self.packed[slot..].iter().all(|&w| w == 0) {
                self.packed.truncate(slot);
            }
            self.row_end.push(self.packed.len() as u32);
        }
        self.spans.push(Span {
            start_words,
            stride,
            n_rows,
            first_row: rows_before,
        });
        self.len_words = start_words + stride * n_rows;
        Ok(item)
    }

    /// Where the next matrix (of rows of `row_length` words) starts, in words, and its address-list item.
    fn next_item(&self, row_length: u16) -> Result<(usize, AddressListItem), SynapseError> {
        let start_words = self.len_words.next_multiple_of(ADDRESS_UNIT_BYTES / 4);
        let offset_bytes = start_words * 4;
        let address = offset_bytes / ADDRESS_UNIT_BYTES;
        if address >= INVALID_ADDRESS as usize {
            return Err(SynapseError::RegionTooLarge { offset_bytes });
        }
        let item = AddressListItem::new(row_length, address as u32)
            .expect("a checked row length and address make a valid item");
        Ok((start_words, item))
    }

    /// The region as written to SDRAM: every slot padded, zero fill before each matrix.
    pub fn words(&self) -> Vec<u32> {
        let mut words = vec![0; self.len_words];
        for span in &self.spans {
            for r in 0..span.n_rows {
                if let Some(row) = self.stored(span.first_row + r) {
                    let at = span.start_words + r * span.stride;
                    words[at..at + row.len()].copy_from_slice(row);
                }
            }
        }
        words
    }

    /// SDRAM bytes the region occupies.
    pub fn size_bytes(&self) -> usize {
        self.len_words * 4
    }

    /// Host bytes the region's contents take (its row ends and stored words).
    pub fn heap_bytes(&self) -> usize {
        4 * (self.row_end.len() + self.packed.len()) + self.spans.len() * size_of::<Span>()
    }

    /// Gives back the capacity left over from growing the region matrix by matrix: once a core's region is
    /// complete, thousands of cores' spare capacity would add up.
    pub fn shrink_to_fit(&mut self) {
        self.row_end.shrink_to_fit();
        self.packed.shrink_to_fit();
        self.spans.shrink_to_fit();
    }

    /// The row a DMA of `n_bytes` from `offset_bytes` past the region base fetches, as the core requests a
    /// row (§4.5, §4.7): its words without the slot's padding. `None` unless the range is exactly one row
    /// slot, where the real core would read whatever SDRAM holds there.
    pub fn read(&self, offset_bytes: u32, n_bytes: u32) -> Option<&[u32]> {
        let (row, stride) = self.slot(offset_bytes, n_bytes)?;
        Some(match self.stored(row) {
            Some(words) => words,
            None => &ZERO_SLOT[..stride],
        })
    }

    /// The same words as [`Self::read`], writable: a row whose plastic region the core updates and
    /// DMAs back to SDRAM (§4.7). The emulator processes the row in place, so the read and the
    /// write-back are one borrow; their SDRAM time is charged separately. An empty row is a zeroed
    /// scratch slot (it has no plastic region, so nothing is written back).
    pub fn read_mut(&mut self, offset_bytes: u32, n_bytes: u32) -> Option<&mut [u32]> {
        let (row, stride) = self.slot(offset_bytes, n_bytes)?;
        let (start, end) = self.bounds(row)?;
        if start == end {
            self.scratch.clear();
            self.scratch.resize(stride, 0);
            return Some(&mut self.scratch);
        }
        self.packed.get_mut(start..end)
    }

    /// The region row and stride of the slot a byte range covers exactly.
    fn slot(&self, offset_bytes: u32, n_bytes: u32) -> Option<(usize, usize)> {
        if !offset_bytes.is_multiple_of(4) || !n_bytes.is_multiple_of(4) {
            return None;
        }
        let start = offset_bytes as usize / 4;
        let span = self.spans[..self.spans.partition_point(|s| s.start_words <= start)].last()?;
        let within = start - span.start_words;
        let r = within.checked_div(span.stride)?;
        (within.is_multiple_of(span.stride)
            && r < span.n_rows
            && n_bytes as usize / 4 == span.stride)
            .then_some((span.first_row + r, span.stride))
    }

    /// Where region row `row`'s words start and end in `packed`.
    fn bounds(&self, row: usize) -> Option<(usize, usize)> {
        let start = match row.checked_sub(1) {
            None => 0,
            Some(r) => *self.row_end.get(r)? as usize,
        };
        Some((start, *self.row_end.get(row)? as usize))
    }

    /// The stored words of region row `row`; `None` when it is empty.
    fn stored(&self, row: usize) -> Option<&[u32]> {
        let (start, end) = self.bounds(row)?;
        (start < end).then(|| self.packed.get(start..end)).flatten()
    }
}
