//! Merger routing (marocco `MergerRouting`, strategy `minimize_number_of_sending_repeaters`, spec §2.5,
//! mapping-and-pynn §A6.2): which DNC merger each neuron block of a HICANN sends through, and the merger
//! tree modes that take it there.
//!
//! Why merge: one-to-one (block i -> DNC merger i) spends a sending repeater, a Layer-1 bus and a DNC
//! merger on every used block, so a full HICANN has no merger left for Layer-2 input and puts 8 buses on
//! the wafer where fewer would carry the same neurons. A bus has 59 addresses, so blocks may share one DNC
//! merger while their neurons fit them. Under the handshake rule a full HICANN of 16-neuron blocks needs
//! 5 buses (blocks {0,1}, 2, 3, {4,5,6}, 7), not 3: a merging tree merger drags its parent into merging
//! the other subtree as well.
//!
//! How: marocco grows adjacent blocks onto DNC mergers in a fixed order (3 first, then 5, 1, 6, ...). Here
//! the choice is exhaustive, because the tree is small: every setting of the 7 upper tree mergers
//! (3^7) that keeps the handshake rule (`MergerConfig::handshake_violation`), and for each every set of DNC
//! mergers whose tree inputs together carry each used block exactly once (no spike twice on the wafer)
//! with at most 59 neurons each. Of these the fewest buses win, then the fewest tree mergers changed from
//! halbe's default, then the first in a fixed order; so a HICANN whose blocks cannot share (or that uses
//! one block) keeps the default tree, block i on DNC merger i. The background mergers always merge (each
//! block's background generator with its encoder), as marocco's configurator sets them. Firing rates are
//! not weighed: a merged bus carries at most 59 neurons, whose summed rate stays far below the slow DNC
//! merger's 125 M events/s at any biological rate the wafer runs.

use std::collections::HashMap;
use std::sync::OnceLock;

use brainscales_emu::coord::NEURON_BLOCKS;
use brainscales_emu::layer1::merger::{DNC_MERGERS, MergerConfig, MergerMode, TREE_MERGERS};

use super::merger::address_pool;

/// The tree mergers above the background mergers (levels 1 to 3).
const UPPER: usize = TREE_MERGERS - NEURON_BLOCKS;

/// The output path of one HICANN's neurons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreePlan {
    /// Modes of tree mergers 8..15.
    pub upper: [MergerMode; UPPER],
    /// Per neuron block, the DNC merger its neurons send through (`None`: no neurons).
    pub dnc_of_block: [Option<u8>; NEURON_BLOCKS],
    /// Per DNC merger, the used blocks (bit b: block b) whose events reach its tree input.
    pub carries: [u8; DNC_MERGERS],
}

impl TreePlan {
    /// Whether DNC merger `dnc` sends neurons.
    pub fn sends_neurons(&self, dnc: u8) -> bool {
        self.dnc_of_block.contains(&Some(dnc))
    }

    /// The tree modes of the plan on `config` (the background mergers keep their MERGE).
    pub fn apply(&self, config: &mut MergerConfig) {
        for (k, &mode) in self.upper.iter().enumerate() {
            config.tree[NEURON_BLOCKS + k].mode = mode;
        }
    }
}

/// One admissible tree setting: its modes, per DNC merger the blocks at its tree input, and how many
/// upper mergers differ from the default.
struct Setting {
    upper: [MergerMode; UPPER],
    reaches: [u8; DNC_MERGERS],
    changes: usize,
}

/// Every tree setting that keeps the handshake rule, fewest changes from the default first.
fn settings() -> &'static [Setting] {
    static TABLE: OnceLock<Vec<Setting>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let default = MergerConfig::default();
        let modes = [
            MergerMode::LeftOnly,
            MergerMode::RightOnly,
            MergerMode::Merge,
        ];
        let mut table = Vec::new();
        for code in 0..3usize.pow(UPPER as u32) {
            let mut config = MergerConfig::default();
            let mut rest = code;
            for k in 0..UPPER {
                config.tree[NEURON_BLOCKS + k].mode = modes[rest % 3];
                rest /= 3;
            }
            if config.handshake_violation().is_some() {
                continue;
            }
            let mut reaches = [0u8; DNC_MERGERS];
            for block in 0..NEURON_BLOCKS {
                for dnc in config.dnc_mergers_of_block(block) {
                    reaches[dnc] |= 1 << block;
                }
            }
            let upper: [MergerMode; UPPER] =
                std::array::from_fn(|k| config.tree[NEURON_BLOCKS + k].mode);
            let changes = (0..UPPER)
                .filter(|&k| upper[k] != default.tree[NEURON_BLOCKS + k].mode)
                .count();
            table.push(Setting {
                upper,
                reaches,
                changes,
            });
        }
        table.sort_by_key(|s| s.changes);
        table
    })
}

/// The plan for a HICANN with `neurons[b]` neurons in block b (see the module docs).
pub fn plan(neurons: [usize; NEURON_BLOCKS]) -> TreePlan {
    let capacity = address_pool().count();
    let used = (0..NEURON_BLOCKS)
        .filter(|&b| neurons[b] > 0)
        .fold(0u8, |m, b| m | 1 << b);
    let load = |blocks: u8| -> usize {
        (0..NEURON_BLOCKS)
            .filter(|&b| blocks & 1 << b != 0)
            .map(|b| neurons[b])
            .sum()
    };
    // (buses, rank in the table, chosen DNC mergers as bits)
    let mut best: Option<(u32, usize, u8)> = None;
    for (rank, s) in settings().iter().enumerate() {
        let candidates = (0..DNC_MERGERS)
            .filter(|&d| s.reaches[d] & used != 0)
            .fold(0u8, |m, d| m | 1 << d);
        for chosen in 1..=u8::MAX {
            if chosen & !candidates != 0
                || best.is_some_and(|(buses, _, _)| chosen.count_ones() >= buses)
            {
                continue;
            }
            let (mut covered, mut parts) = (0u8, 0u32);
            let mut fits = true;
            for d in (0..DNC_MERGERS).filter(|&d| chosen & 1 << d != 0) {
                let blocks = s.reaches[d] & used;
                covered |= blocks;
                parts += blocks.count_ones();
                fits &= load(blocks) <= capacity;
            }
            if fits && covered == used && parts == used.count_ones() {
                best = Some((chosen.count_ones(), rank, chosen));
            }
        }
    }
    let Some((_, rank, chosen)) = best else {
        // No used block: the default tree, nothing sends.
        return TreePlan {
            upper: settings()[0].upper,
            dnc_of_block: [None; NEURON_BLOCKS],
            carries: [0; DNC_MERGERS],
        };
    };
    let s = &settings()[rank];
    let mut dnc_of_block = [None; NEURON_BLOCKS];
    for d in (0..DNC_MERGERS).filter(|&d| chosen & 1 << d != 0) {
        for (b, slot) in dnc_of_block.iter_mut().enumerate() {
            if s.reaches[d] & used & 1 << b != 0 {
                *slot = Some(d as u8);
            }
        }
    }
    TreePlan {
        upper: s.upper,
        dnc_of_block,
        carries: std::array::from_fn(|d| s.reaches[d] & used),
    }
}

/// halbe's default tree, block i on DNC merger i.
pub fn one_to_one(neurons: [usize; NEURON_BLOCKS]) -> TreePlan {
    let default = MergerConfig::default();
    let mut carries = [0u8; DNC_MERGERS];
    for block in (0..NEURON_BLOCKS).filter(|&b| neurons[b] > 0) {
        for dnc in default.dnc_mergers_of_block(block) {
            carries[dnc] |= 1 << block;
        }
    }
    TreePlan {
        upper: std::array::from_fn(|k| default.tree[NEURON_BLOCKS + k].mode),
        dnc_of_block: std::array::from_fn(|b| (neurons[b] > 0).then_some(b as u8)),
        carries,
    }
}

/// How neuron blocks go onto DNC mergers; mapping.json names them as marocco's options do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    /// Block i on DNC merger i ([`one_to_one`]).
    #[default]
    OneToOne,
    /// The fewest buses ([`plan`]).
    MinimiseSendingRepeaters,
}

impl Strategy {
    /// The name mapping.json and the summary give it (marocco's for the merged tree).
    pub fn name(self) -> &'static str {
        match self {
            Strategy::OneToOne => "one_to_one",
            Strategy::MinimiseSendingRepeaters => "minimize_number_of_sending_repeaters",
        }
    }
}

impl serde::Serialize for Strategy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Plans of one strategy, per distinct block occupancy: on a full wafer most HICANNs look alike.
pub struct Planner {
    strategy: Strategy,
    cache: HashMap<[usize; NEURON_BLOCKS], TreePlan>,
}

impl Planner {
    pub fn new(strategy: Strategy) -> Planner {
        Planner {
            strategy,
            cache: HashMap::new(),
        }
    }

    pub fn plan(&mut self, neurons: [usize; NEURON_BLOCKS]) -> TreePlan {
        let strategy = self.strategy;
        *self.cache.entry(neurons).or_insert_with(|| match strategy {
            Strategy::OneToOne => one_to_one(neurons),
            Strategy::MinimiseSendingRepeaters => plan(neurons),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sends(plan: &TreePlan) -> Vec<u8> {
        let mut d: Vec<u8> = plan.dnc_of_block.iter().flatten().copied().collect();
        d.sort_unstable();
        d.dedup();
        d
    }

    #[test]
    fn one_block_keeps_the_default_tree() {
        let default = MergerConfig::default();
        for b in 0..NEURON_BLOCKS {
            let mut n = [0; NEURON_BLOCKS];
            n[b] = 16;
            let p = plan(n);
            assert_eq!(p.dnc_of_block[b], Some(b as u8));
            assert!((0..UPPER).all(|k| p.upper[k] == default.tree[NEURON_BLOCKS + k].mode));
        }
    }

    /// 59 addresses would take 3 blocks of 16 per bus, but a merging tree merger needs its parent to
    /// merge too (the handshake), which then mixes in the other subtree: 5 buses is the least, 3 DNC
    /// mergers stay free for input (one-to-one: 8 and none).
    #[test]
    fn a_full_hicann_of_16_neuron_blocks_sends_on_5_buses() {
        let p = plan([16; NEURON_BLOCKS]);
        assert_eq!(sends(&p).len(), 5, "{p:?}");
        let mut config = MergerConfig::default();
        p.apply(&mut config);
        assert_eq!(config.handshake_violation(), None);
        for b in 0..NEURON_BLOCKS {
            let d = p.dnc_of_block[b].expect("every block sends");
            assert!(config.dnc_mergers_of_block(b).contains(&usize::from(d)));
        }
    }

    #[test]
    fn one_to_one_sends_every_used_block_on_its_own_merger() {
        let p = one_to_one([16, 0, 3, 0, 0, 0, 0, 32]);
        assert_eq!(
            p.dnc_of_block,
            [Some(0), None, Some(2), None, None, None, None, Some(7)]
        );
        assert_eq!(p.carries, [1, 0, 4, 0, 0, 0, 0, 128]);
    }

    #[test]
    fn blocks_of_32_neurons_cannot_share_a_bus() {
        let p = plan([32; NEURON_BLOCKS]);
        assert_eq!(sends(&p).len(), NEURON_BLOCKS);
    }

    #[test]
    fn every_used_block_reaches_exactly_one_sending_merger_within_59_addresses() {
        for pattern in 1..=u8::MAX {
            let n: [usize; NEURON_BLOCKS] =
                std::array::from_fn(|b| if pattern & 1 << b != 0 { 16 + b } else { 0 });
            let p = plan(n);
            let mut config = MergerConfig::default();
            p.apply(&mut config);
            assert_eq!(config.handshake_violation(), None);
            for d in sends(&p) {
                let blocks: usize = (0..NEURON_BLOCKS)
                    .filter(|&b| p.dnc_of_block[b] == Some(d))
                    .map(|b| n[b])
                    .sum();
                assert!(blocks <= 59);
            }
            for b in (0..NEURON_BLOCKS).filter(|&b| n[b] > 0) {
                let sending: Vec<usize> = config
                    .dnc_mergers_of_block(b)
                    .into_iter()
                    .filter(|&d| p.sends_neurons(d as u8))
                    .collect();
                assert_eq!(sending, vec![usize::from(p.dnc_of_block[b].unwrap())]);
            }
        }
    }
}
