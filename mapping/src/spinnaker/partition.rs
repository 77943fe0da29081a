//! Partitioning: populations -> per-core slices (machine vertices).
//!
//! As sPyNNaker 7.x's fixed splitters do (mapping-and-pynn.md A1.1), each population is cut in order into
//! equal slices of `atoms_per_core` neurons (the last one may be smaller): equal slices are what lets one
//! master-population-table entry with a core field serve every core of a source population (spinnaker.md
//! §4.5). The starting size is the runtime's maximum (256 neurons, 500 Poisson sources, 256 spike-array
//! sources), or the user's `extensions.spinnaker.neurons_per_core` below it (sPyNNaker's
//! `set_number_of_neurons_per_core`, see `extensions`); it then shrinks, as the historical resource-driven
//! PACMAN partitioners did (A1.2), until the slice fits two budgets:
//!
//! - **Ring-buffer reach.** A neuron core's ring buffers have 2^D delay slots with D + T + I <= 14 bits
//!   (§4.8); longer delays go through delay-extension cores (`delays`), which add at most 8 stages of that
//!   reach, so a core reaches 9 x 2^D steps. Only a population whose incoming delays exceed even that gets
//!   smaller slices (fewer index bits I, more delay bits D); the report says so.
//! - **The tick.** The estimated longest tick (`tick_estimate`: the update as a busy period lengthened by the
//!   spikes that arrive during it, in the peak tick the sources' rates and known volleys give) must fit in
//!   the timestep at 200 MHz, with `headroom` to spare. A slice that would overrun by design is halved; a
//!   single neuron that would overrun is an error naming the population.

use std::ops::Range;

use nmemu_loader::Network;
use nmemu_loader::format::cells::CellType;
use serde::Serialize;
use spinnaker_emu::runtime::cycles::CycleCosts;
use spinnaker_emu::runtime::synapse_row::{MAX_RING_BUFFER_BITS, bits_for_values};

use super::delays::MAX_DELAY_STAGES;
use super::synapses::IncomingStats;
use super::tick_estimate::{self, SendWindow, SliceWork};

/// The runtime's neurons per core (`POP_TABLE_MAX_ROW_LENGTH`, A1.1).
pub const MAX_NEURONS_PER_CORE: u32 = 256;
/// sPyNNaker's SpikeSourcePoisson sources per core (A1.1).
pub const MAX_POISSON_PER_CORE: u32 = 500;
/// Synapse types of every neuron model the runtime runs here: excitatory and inhibitory.
pub const SYNAPSE_TYPES: u32 = 2;
/// ARM968 core clock (spinnaker.md §0).
pub const CORE_HZ: f64 = 200e6;

/// One machine vertex: neurons `lo..hi` of a population, run by one application core.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Slice {
    pub population: usize,
    pub lo: u32,
    pub hi: u32,
}

impl Slice {
    pub fn len(&self) -> u32 {
        self.hi - self.lo
    }

    pub fn is_empty(&self) -> bool {
        self.hi == self.lo
    }

    /// Index of this slice among its population's slices.
    pub fn index(&self, atoms_per_core: u32) -> u32 {
        self.lo / atoms_per_core
    }
}

/// The most atoms one core of `cell` runs: 500 Poisson sources, else 256 (A1.1).
pub fn max_atoms_per_core(cell: CellType) -> u32 {
    match cell {
        CellType::SpikeSourcePoisson => MAX_POISSON_PER_CORE,
        _ => MAX_NEURONS_PER_CORE,
    }
}

/// Why a population's slices are smaller than the runtime's maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// The runtime maximum (or the population size).
    Runtime,
    /// The `neurons_per_core` hint of net.json's `extensions.spinnaker`.
    Hint,
    /// Shrunk so the ring buffers and 8 delay-extension stages reach the longest incoming delay.
    DelayReach,
    /// Shrunk so the estimated work fits the tick.
    CycleBudget,
}

/// How one population was cut.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PopulationSlices {
    pub atoms_per_core: u32,
    /// Indices into [`Partition::slices`].
    pub slices: Range<usize>,
    pub limited_by: Limit,
    /// Estimated cycles per tick of the fullest slice (neuron cores only).
    pub estimated_cycles_per_tick: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Partition {
    pub slices: Vec<Slice>,
    pub populations: Vec<PopulationSlices>,
}

impl Partition {
    /// The slice holding neuron `neuron` of `population`.
    pub fn slice_of(&self, population: usize, neuron: u32) -> usize {
        let p = &self.populations[population];
        p.slices.start + (neuron / p.atoms_per_core) as usize
    }
}

/// The tuning knobs of the partitioner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartitionOptions {
    pub timestep_ms: f64,
    /// The timer period is `timestep_ms * time_scale_factor`: the cycles a core has per tick.
    pub time_scale_factor: u32,
    pub costs: CycleCosts,
    /// Fraction of the tick a slice may plan to use (the rest absorbs bursts).
    pub headroom: f64,
}

/// Cuts every population. `incoming[p]` summarises the synapses arriving at population `p`, `caps[p]` is its
/// neurons-per-core hint (checked against the runtime maximum by `extensions`).
pub fn partition(
    net: &Network,
    incoming: &[IncomingStats],
    caps: &[Option<u32>],
    options: &PartitionOptions,
) -> Result<Partition, String> {
    let mut slices = Vec::new();
    let mut populations = Vec::with_capacity(net.populations.len());
    let work: Vec<Option<SliceWork>> = net
        .populations
        .iter()
        .zip(incoming)
        .map(|(p, s)| {
            (!p.cell_type.is_source())
                .then(|| SliceWork::of(p, s.fires_in_volleys, options.timestep_ms, &options.costs))
        })
        .collect();
    let windows = tick_estimate::send_windows(
        net,
        &work,
        &tick_estimate::start_atoms(net, caps),
        &options.costs,
    );
    for (p, population) in net.populations.iter().enumerate() {
        let cell = population.cell_type;
        // A hint only limits when it cuts below both the runtime maximum and the population.
        let (start, start_limit) = match caps[p] {
            Some(cap) if cap < max_atoms_per_core(cell).min(population.size) => (cap, Limit::Hint),
            _ => (max_atoms_per_core(cell), Limit::Runtime),
        };
        // A slice never holds more than the population, so the cycle estimate is of the slice that exists.
        let start = start.min(population.size.max(1));
        let (atoms, limited_by, cycles) = match &work[p] {
            None => (start, start_limit, None),
            Some(work) => neuron_atoms(
                &population.label,
                (work, &windows),
                &incoming[p],
                (start, start_limit),
                options,
            )?,
        };
        let atoms = atoms.min(population.size).max(1);
        let start = slices.len();
        let mut lo = 0;
        while lo < population.size {
            let hi = (lo + atoms).min(population.size);
            slices.push(Slice {
                population: p,
                lo,
                hi,
            });
            lo = hi;
        }
        populations.push(PopulationSlices {
            atoms_per_core: atoms,
            slices: start..slices.len(),
            limited_by,
            estimated_cycles_per_tick: cycles,
        });
    }
    Ok(Partition {
        slices,
        populations,
    })
}

/// The largest slice of a neuron population within both budgets, from `start` atoms (limited by `start.1`).
fn neuron_atoms(
    label: &str,
    (work, windows): (&SliceWork, &[SendWindow]),
    incoming: &IncomingStats,
    start: (u32, Limit),
    options: &PartitionOptions,
) -> Result<(u32, Limit, Option<u64>), String> {
    let type_bits = bits_for_values(SYNAPSE_TYPES);
    let index_room = MAX_RING_BUFFER_BITS - type_bits;
    let longest = incoming.max_delay_steps.max(1);
    // The reach of a core of `atoms` neurons: its own slots, plus the stages of a delay extension.
    let reach = |atoms: u32| {
        let delay_bits = bits_for_values(longest).min(index_room - bits_for_values(atoms));
        (1u32 << delay_bits) * (1 + MAX_DELAY_STAGES)
    };
    let (mut atoms, mut limited_by) = start;
    while reach(atoms) < longest {
        if atoms == 1 {
            return Err(format!(
                "populations '{label}': incoming delays of up to {longest} timesteps exceed what a core with \
                 delay extensions reaches ({} timesteps)",
                reach(1)
            ));
        }
        atoms /= 2;
        limited_by = Limit::DelayReach;
    }
    let budget = options.headroom
        * options.timestep_ms
        * 1e-3
        * f64::from(options.time_scale_factor)
        * CORE_HZ;
    loop {
        let cycles = tick_estimate::estimate_cycles(
            atoms,
            work,
            incoming,
            windows,
            options.timestep_ms,
            &options.costs,
        );
        if cycles as f64 <= budget {
            return Ok((atoms, limited_by, Some(cycles)));
        }
        if atoms == 1 {
            return Err(format!(
                "populations '{label}': one neuron needs an estimated {cycles} cycles per tick \
                 ({:.1} incoming synaptic events per neuron per {} ms timestep); a core has {budget:.0} to spend. \
                 Slow the machine down with --time-scale-factor (about {} would do)",
                incoming.events_per_neuron_per_tick(options.timestep_ms),
                options.timestep_ms,
                (cycles as f64 / budget * f64::from(options.time_scale_factor)).ceil()
            ));
        }
        atoms /= 2;
        limited_by = Limit::CycleBudget;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nmemu_loader::Limits;

    fn cut(timestep_ms: f64, caps: &[Option<u32>]) -> Partition {
        let net = Network::from_json(
            &serde_json::json!({
                "format": "nmemu-net/1",
                "simulation": {"timestep_ms": timestep_ms, "duration_ms": 10},
                "populations": [
                    {"label": "exc", "size": 1000, "cell": {"type": "IF_curr_exp"}},
                    {"label": "small", "size": 100, "cell": {"type": "IF_curr_exp"}},
                    {"label": "noise", "size": 1000, "cell": {"type": "SpikeSourcePoisson"}}
                ]
            })
            .to_string(),
            &Limits::default(),
        )
        .unwrap();
        let options = PartitionOptions {
            timestep_ms,
            time_scale_factor: 1,
            costs: CycleCosts::default(),
            headroom: 0.8,
        };
        partition(&net, &vec![IncomingStats::default(); 3], caps, &options).unwrap()
    }

    fn cuts(p: &Partition) -> Vec<(u32, Limit, usize)> {
        p.populations
            .iter()
            .map(|s| (s.atoms_per_core, s.limited_by, s.slices.len()))
            .collect()
    }

    #[test]
    fn neurons_per_core_hints_cap_the_slices() {
        assert_eq!(
            cuts(&cut(1.0, &[None, None, None])),
            [
                (256, Limit::Runtime, 4),
                (100, Limit::Runtime, 1),
                (500, Limit::Runtime, 2)
            ]
        );
        // A hint at or above the population size changes nothing; the Poisson cap applies to its 500.
        assert_eq!(
            cuts(&cut(1.0, &[Some(100), Some(128), Some(200)])),
            [
                (100, Limit::Hint, 10),
                (100, Limit::Runtime, 1),
                (200, Limit::Hint, 5)
            ]
        );
    }

    #[test]
    fn the_cycle_budget_still_shrinks_a_hinted_slice() {
        // At 0.1 ms a tick has 16,000 cycles to spend: fewer than 256 LIF neurons fit, halving from the hint.
        let free = cut(0.1, &[None, None, None]);
        let hinted = cut(0.1, &[Some(200), None, None]);
        let budget = free.populations[0].atoms_per_core;
        assert!(budget < 200, "{:?}", cuts(&free));
        assert_eq!(hinted.populations[0].limited_by, Limit::CycleBudget);
        let atoms = hinted.populations[0].atoms_per_core;
        assert!([100, 50, 25, 12, 6, 3, 1].contains(&atoms), "{atoms}");
        assert!(atoms < 2 * budget, "{atoms} vs {budget}");
    }
}
