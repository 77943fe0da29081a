//! The output path (marocco `MergerRouting`, spec §6.1, mapping-and-pynn §A6.2): which DNC merger carries
//! which neuron block or Layer-2 input onto Layer 1, and the 6-bit addresses on each.
//!
//! Strategy `one_to_one`: each neuron block keeps halbe's default merger tree, block i to DNC merger i, so
//! every sending repeater carries one block and its neurons' spikes are recorded on Gbit channel i. A
//! DNC merger whose block has no neurons is free for Layer-2 input ([`super::inputs`]); it merges its
//! channel with the tree so that its background generator reaches the bus too.
//!
//! Addresses: the 59 of a bus (0 is the background generators' locking address, `0bXX0001` the disabled
//! synapse decoder, spec §3.6), assigned `high_first` as marocco's default does. Every used DNC merger
//! gets its background generator at address 0 (marocco: ISI 125 PLL cycles) to keep the repeater and
//! driver DLLs locked.

use brainscales_emu::coord::HicannOnWafer;
use brainscales_emu::image::HicannImage;
use brainscales_emu::layer1::merger::{Merger, MergerMode};
use brainscales_emu::layer2::GbitDirection;
use brainscales_emu::synapse::array::DISABLED_DECODER;

use super::place::NeuronPlacement;

/// Addresses a bus can give to sources, highest first (59).
pub fn address_pool() -> impl Iterator<Item = u8> {
    (1..64u8).rev().filter(|a| a & 0x0F != DISABLED_DECODER)
}

/// One DNC merger of one HICANN: the source of one Layer-1 bus (its sending repeater is `7 - dnc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bus {
    pub hicann: HicannOnWafer,
    pub dnc: u8,
}

impl Bus {
    /// The sending repeater the DNC merger drives (spec §2.5).
    pub fn sending_repeater(self) -> u8 {
        7 - self.dnc
    }
}

/// Every spike source's bus and address: neurons (through their block's DNC merger) and Layer-2 inputs.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    pub buses: Vec<Bus>,
    /// Whether the bus carries Layer-2 input (else a neuron block).
    pub input: Vec<bool>,
    /// Per population, per neuron: (bus index, address), `None` for an input source thinned away.
    pub of: Vec<Vec<Option<(u32, u8)>>>,
}

impl Sources {
    pub fn add_bus(&mut self, bus: Bus, input: bool) -> u32 {
        self.buses.push(bus);
        self.input.push(input);
        (self.buses.len() - 1) as u32
    }
}

/// The buses and addresses of the neurons on `wafer`: one bus per used neuron block, addresses high first
/// in slot order.
pub fn neuron_sources(placement: &NeuronPlacement, wafer: u32) -> Sources {
    let mut sources = Sources {
        of: placement
            .populations
            .iter()
            .map(|p| vec![None; p.len()])
            .collect(),
        ..Sources::default()
    };
    let mut slots: Vec<(u32, u8, usize, usize)> = placement
        .populations
        .iter()
        .enumerate()
        .flat_map(|(p, slots)| {
            slots
                .iter()
                .enumerate()
                .filter(move |(_, s)| s.wafer == wafer)
                .map(move |(k, s)| (s.hicann.to_enum() as u32, s.first_column, p, k))
        })
        .collect();
    slots.sort_unstable();
    let mut current: Option<(Bus, u32, Box<dyn Iterator<Item = u8>>)> = None;
    for (_, _, p, k) in slots {
        let slot = placement.populations[p][k];
        let bus = Bus {
            hicann: slot.hicann,
            dnc: slot.block() as u8,
        };
        if current.as_ref().is_none_or(|(b, _, _)| *b != bus) {
            let index = sources.add_bus(bus, false);
            current = Some((bus, index, Box::new(address_pool())));
        }
        let (_, index, pool) = current.as_mut().expect("set above");
        let address = pool
            .next()
            .expect("at most 32 neurons per block, 59 addresses");
        sources.of[p][k] = Some((*index, address));
    }
    sources
}

/// Sets up the DNC merger of `dnc` on `h`: recording its block's neurons on Gbit channel `dnc`, or taking
/// Layer-2 input there; with its background generator either way.
pub fn configure_dnc(h: &mut HicannImage, dnc: u8, input: bool) {
    let i = usize::from(dnc);
    h.merger.background[i].enable = true;
    if input {
        h.gbit[i] = GbitDirection::ToHicann;
        h.merger.dnc[i] = Merger {
            mode: MergerMode::Merge,
            slow: true,
        };
    } else {
        h.gbit[i] = GbitDirection::ToDnc;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_has_59_addresses_without_the_reserved_ones() {
        let pool: Vec<u8> = address_pool().collect();
        assert_eq!(pool.len(), 59);
        assert_eq!(pool[0], 63);
        for reserved in [0, 1, 17, 33, 49] {
            assert!(!pool.contains(&reserved));
        }
    }
}
