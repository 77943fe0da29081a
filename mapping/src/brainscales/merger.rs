//! The output path (marocco `MergerRouting`, spec §6.1, mapping-and-pynn §A6.2): which DNC merger carries
//! which neuron blocks or Layer-2 input onto Layer 1, and the 6-bit addresses on each.
//!
//! Neuron blocks go onto DNC mergers as [`super::merger_tree`] plans per HICANN (one-to-one, or merged
//! as marocco's default `minimize_number_of_sending_repeaters` does), so every sending repeater carries the blocks merged onto its
//! DNC merger and their neurons' spikes are recorded on its Gbit channel. A DNC merger that sends no
//! neurons is free for Layer-2 input ([`super::inputs`]); it merges its channel with the tree so that its
//! background generator reaches the bus too, unless the tree brings it neuron blocks that send elsewhere
//! (then it takes only its channel, so no neuron's spike goes out twice).
//!
//! Addresses: the 59 of a bus (0 is the background generators' locking address, `0bXX0001` the disabled
//! synapse decoder, spec §3.6), assigned `high_first` as marocco's default does, in column order over the
//! bus' blocks. Every used DNC merger gets its background generator at address 0 (marocco: ISI 125 PLL
//! cycles) to keep the repeater and driver DLLs locked.

use std::collections::BTreeMap;

use brainscales_emu::coord::{HicannOnWafer, NEURON_BLOCKS};
use brainscales_emu::image::HicannImage;
use brainscales_emu::layer1::merger::{Merger, MergerMode};
use brainscales_emu::layer2::GbitDirection;
use brainscales_emu::synapse::array::DISABLED_DECODER;

use super::merger_tree::{Planner, Strategy, TreePlan};
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
    /// Per HICANN enum with neurons, its merger tree.
    pub trees: BTreeMap<usize, TreePlan>,
}

impl Sources {
    pub fn add_bus(&mut self, bus: Bus, input: bool) -> u32 {
        self.buses.push(bus);
        self.input.push(input);
        (self.buses.len() - 1) as u32
    }
}

/// The buses and addresses of the neurons on `wafer`: per HICANN its tree plan under `strategy`, one bus
/// per sending DNC merger, addresses high first in slot (column) order.
pub fn neuron_sources(placement: &NeuronPlacement, wafer: u32, strategy: Strategy) -> Sources {
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
    let mut occupancy: BTreeMap<usize, [usize; NEURON_BLOCKS]> = BTreeMap::new();
    for &(h, _, p, k) in &slots {
        occupancy.entry(h as usize).or_default()[placement.populations[p][k].block()] += 1;
    }
    let mut planner = Planner::new(strategy);
    sources.trees = occupancy
        .into_iter()
        .map(|(h, neurons)| (h, planner.plan(neurons)))
        .collect();
    let mut open: BTreeMap<Bus, (u32, Box<dyn Iterator<Item = u8>>)> = BTreeMap::new();
    for (h, _, p, k) in slots {
        let slot = placement.populations[p][k];
        let bus = Bus {
            hicann: slot.hicann,
            dnc: sources.trees[&(h as usize)].dnc_of_block[slot.block()]
                .expect("a block with neurons sends"),
        };
        let (index, pool) = open
            .entry(bus)
            .or_insert_with(|| (sources.add_bus(bus, false), Box::new(address_pool())));
        let address = pool
            .next()
            .expect("the tree plan keeps a bus within 59 addresses");
        sources.of[p][k] = Some((*index, address));
    }
    sources
}

/// Sets the merger tree of a HICANN with neurons: the plan's modes, and every DNC merger that the tree
/// brings neuron blocks sending elsewhere takes none of them.
pub fn configure_tree(h: &mut HicannImage, plan: &TreePlan) {
    plan.apply(&mut h.merger);
    for dnc in 0..h.merger.dnc.len() {
        if plan.carries[dnc] != 0 && !plan.sends_neurons(dnc as u8) {
            h.merger.dnc[dnc].mode = MergerMode::LeftOnly;
        }
    }
}

/// Sets up the DNC merger of `dnc` on `h` (its tree already set by [`configure_tree`] if it has
/// neurons): recording its neurons on Gbit channel `dnc`, or taking Layer-2 input there; with its
/// background generator either way.
pub fn configure_dnc(h: &mut HicannImage, dnc: u8, input: bool, plan: Option<&TreePlan>) {
    let i = usize::from(dnc);
    h.merger.background[i].enable = true;
    if input {
        h.gbit[i] = GbitDirection::ToHicann;
        let neurons_at_tree_input = plan.is_some_and(|p| p.carries[i] != 0);
        h.merger.dnc[i] = Merger {
            mode: if neurons_at_tree_input {
                MergerMode::LeftOnly
            } else {
                MergerMode::Merge
            },
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
