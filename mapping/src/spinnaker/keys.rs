//! Key allocation: one zoned key layout for the whole machine, as PACMAN's `ZonedRoutingInfoAllocator`
//! builds it (mapping-and-pynn.md A4.1):
//!
//! ```text
//! | population (A bits) | slice (M bits) | neuron (I bits) | colour (4 bits) |
//! ```
//!
//! A, M and I are the widest any population needs, so every slice's key space is aligned and the fields sit
//! at the same place in every key. That is what makes the tables minimisable (entries of one population
//! differ only in the slice field) and what lets a receiving core find a source population with one master
//! population table entry whose core field is M bits at shift I + 4 (spinnaker.md §4.5). The four colour
//! bits carry the sending tick modulo 16 (§4.3, sPyNNaker's default `n_colour_bits`).

use serde::Serialize;
use spinnaker_emu::runtime::master_pop_table::PopSource;
use spinnaker_emu::runtime::synapse_row::bits_for_values;

use super::delays::DelayPlan;
use super::partition::Partition;

/// sPyNNaker's default colour bits (A4.1).
pub const N_COLOUR_BITS: u8 = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct KeyLayout {
    pub population_bits: u8,
    pub slice_bits: u8,
    pub neuron_bits: u8,
    pub colour_bits: u8,
}

impl KeyLayout {
    /// The narrowest layout for a partition and its delay vertices (population fields after the populations',
    /// sliced as their sources, stages x atoms neurons per slice); an error over 32 bits.
    pub fn for_partition(partition: &Partition, delays: &DelayPlan) -> Result<KeyLayout, String> {
        let population_bits =
            bits_for_values((partition.populations.len() + delays.vertices.len()) as u32);
        let slice_bits = partition
            .populations
            .iter()
            .map(|p| bits_for_values(p.slices.len() as u32))
            .max()
            .unwrap_or(0);
        let neuron_bits = partition
            .populations
            .iter()
            .map(|p| bits_for_values(p.atoms_per_core))
            .chain(delays.vertices.iter().map(|v| {
                bits_for_values(v.n_stages * partition.populations[v.source].atoms_per_core)
            }))
            .max()
            .unwrap_or(0);
        KeyLayout::new(population_bits, slice_bits, neuron_bits)
    }

    /// A layout with the given field widths and the default colour bits; an error over 32 bits.
    pub fn new(population_bits: u8, slice_bits: u8, neuron_bits: u8) -> Result<KeyLayout, String> {
        let layout = KeyLayout {
            population_bits,
            slice_bits,
            neuron_bits,
            colour_bits: N_COLOUR_BITS,
        };
        let total = layout.total_bits();
        if total > 32 {
            return Err(format!(
                "keys need {total} bits ({population_bits} population + {slice_bits} slice + {neuron_bits} \
                 neuron + {N_COLOUR_BITS} colour); a multicast key has 32"
            ));
        }
        Ok(layout)
    }

    fn total_bits(&self) -> u32 {
        u32::from(self.population_bits + self.slice_bits + self.neuron_bits + self.colour_bits)
    }

    /// Shift of the slice field.
    fn slice_shift(&self) -> u32 {
        u32::from(self.neuron_bits + self.colour_bits)
    }

    /// Shift of the population field.
    fn population_shift(&self) -> u32 {
        self.slice_shift() + u32::from(self.slice_bits)
    }

    /// First key of slice `slice` of population `population`: neuron n sends `key + (n << 4) + colour`.
    pub fn slice_key(&self, population: usize, slice: u32) -> u32 {
        (population as u32)
            .checked_shl(self.population_shift())
            .unwrap_or(0)
            | slice << self.slice_shift()
    }

    /// The mask of one slice's key space (population and slice fields).
    pub fn slice_mask(&self) -> u32 {
        u32::MAX.checked_shl(self.slice_shift()).unwrap_or(0)
    }

    /// The mask of one population's key space (population field only).
    pub fn population_mask(&self) -> u32 {
        u32::MAX.checked_shl(self.population_shift()).unwrap_or(0)
    }

    /// The master-population-table source of a whole population whose slices hold `atoms_per_core`
    /// neurons; `items` are its synaptic matrices on the receiving core.
    pub fn pop_source(
        &self,
        population: usize,
        atoms_per_core: u32,
        items: Vec<spinnaker_emu::runtime::master_pop_table::AddressListItem>,
    ) -> PopSource {
        PopSource {
            key: self.slice_key(population, 0),
            mask: self.population_mask(),
            n_colour_bits: self.colour_bits,
            core_mask: ((1u32 << self.slice_bits) - 1) as u16,
            mask_shift: self.slice_shift() as u16,
            n_neurons: atoms_per_core as u16,
            n_words: atoms_per_core.div_ceil(32) as u16,
            items,
            bit_field: None,
        }
    }

    /// (population, slice, local neuron) of a key, ignoring the colour.
    pub fn decode(&self, key: u32) -> (usize, u32, u32) {
        let field = |shift: u32, bits: u8| {
            key.checked_shr(shift).unwrap_or(0) & ((1u64 << bits) - 1) as u32
        };
        (
            field(self.population_shift(), self.population_bits) as usize,
            field(self.slice_shift(), self.slice_bits),
            field(u32::from(self.colour_bits), self.neuron_bits),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spinnaker::partition::{Limit, PopulationSlices, Slice};

    fn partition(sizes: &[(u32, u32)]) -> Partition {
        let mut slices = Vec::new();
        let mut populations = Vec::new();
        for (p, &(size, atoms)) in sizes.iter().enumerate() {
            let start = slices.len();
            for lo in (0..size).step_by(atoms as usize) {
                slices.push(Slice {
                    population: p,
                    lo,
                    hi: (lo + atoms).min(size),
                });
            }
            populations.push(PopulationSlices {
                atoms_per_core: atoms,
                slices: start..slices.len(),
                limited_by: Limit::Runtime,
                estimated_cycles_per_tick: None,
            });
        }
        Partition {
            slices,
            populations,
        }
    }

    #[test]
    fn keys_of_every_neuron_are_distinct_and_decode_back() {
        let part = partition(&[(3200, 256), (800, 256), (1000, 500), (1, 1)]);
        let layout = KeyLayout::for_partition(&part, &DelayPlan::default()).unwrap();
        assert_eq!(
            (
                layout.population_bits,
                layout.slice_bits,
                layout.neuron_bits
            ),
            (2, 4, 9)
        );
        let mut seen = std::collections::HashSet::new();
        for s in &part.slices {
            let atoms = part.populations[s.population].atoms_per_core;
            let key = layout.slice_key(s.population, s.index(atoms));
            assert_eq!(key & !layout.slice_mask(), 0);
            for n in 0..s.len() {
                let k = key + (n << N_COLOUR_BITS) + 15;
                assert!(seen.insert(k));
                assert_eq!(
                    layout.decode(k),
                    (s.population, s.index(atoms), n),
                    "key {k:#x}"
                );
                let source = layout.pop_source(s.population, atoms, vec![]);
                assert_eq!(k & source.mask, source.key);
            }
        }
    }

    #[test]
    fn too_many_bits_is_an_error() {
        assert!(KeyLayout::new(8, 11, 9).is_ok());
        let err = KeyLayout::new(8, 12, 9).unwrap_err();
        assert!(err.contains("a multicast key has 32"), "{err}");
    }
}
