//! The machine image: per machine vertex its core program (neurons or a spike source with its data, or a
//! delay extension), placed on its chip and core, with every chip's routing table and recording regions sized
//! from what SDRAM is left.

use std::collections::BTreeMap;

use nmemu_loader::Network;
use nmemu_loader::format::cells::CellType;
use spinnaker_emu::geometry::ChipCoord;
use spinnaker_emu::image::{
    ChipImage, CoreImage, CoreProgram, DelayExtensionCoreImage, MachineDescription, MachineImage,
    NeuronCoreImage, PoissonCoreImage, Recording, SampledVariable, SpikeArrayCoreImage,
};
use spinnaker_emu::router::table::RoutingEntry;
use spinnaker_emu::runtime::jkiss::Jkiss;
use spinnaker_emu::runtime::master_pop_table::MasterPopTable;
use spinnaker_emu::runtime::stdp::StdpConfig;

use super::delays::DelayPlan;
use super::extensions::PopulationHints;
use super::keys::KeyLayout;
use super::neurons;
use super::partition::{Partition, Slice};
use super::synaptic_matrix::SliceSynapses;
use super::weights::WeightScale;

/// Usable SDRAM per chip in the tool chain's model (mapping-and-pynn.md quick reference).
pub const SDRAM_PER_CHIP_BYTES: u64 = 123_469_792;
/// sPyNNaker's `incoming_spike_buffer_size` default (B3.5).
pub const INCOMING_SPIKE_BUFFER: u32 = 256;

/// What the runtime can record of a neuron core (`Recorded`, §4.12).
const NEURON_RECORDABLES: [&str; 3] = ["v", "gsyn_exc", "gsyn_inh"];

/// The recording a slice's population asks for: spikes, variables, and the union of recorded neurons as
/// local indices (empty = all). Variables the runtime cannot record are refused.
pub fn recording(
    population: &nmemu_loader::network::Population,
    slice: &Slice,
) -> Result<Recording, String> {
    let mut spikes = false;
    let mut variables = Vec::new();
    let mut all = false;
    let mut neurons = std::collections::BTreeSet::new();
    for r in &population.record {
        if r.variable == "spikes" {
            spikes = true;
        } else if NEURON_RECORDABLES.contains(&r.variable.as_str()) {
            variables.push(SampledVariable {
                name: r.variable.clone(),
                every_ticks: r.sampling_steps,
            });
        } else {
            return Err(format!(
                "populations '{}': recording '{}' is not available from the SpiNNaker runtime (it records {})",
                population.label,
                r.variable,
                NEURON_RECORDABLES.join(", ")
            ));
        }
        match &r.neurons {
            None => all = true,
            Some(list) => neurons.extend(
                list.iter()
                    .filter(|&&n| (slice.lo..slice.hi).contains(&n))
                    .map(|&n| (n - slice.lo) as u16),
            ),
        }
    }
    Ok(Recording {
        spikes,
        variables,
        neurons: if all {
            Vec::new()
        } else {
            neurons.into_iter().collect()
        },
        buffer_bytes: None,
    })
}

/// What the earlier phases decided for every machine vertex (slices in slice order, then delay cores).
pub struct SliceData<'a> {
    /// Per slice.
    pub synapses: Vec<SliceSynapses>,
    pub scales: &'a [[WeightScale; 2]],
    /// Per population.
    pub stdp: &'a [Option<StdpConfig>],
    /// Per population, its `extensions.spinnaker` hints (machine-specific parameters).
    pub hints: &'a [PopulationHints],
    /// Per vertex, the first key of its key space.
    pub vertex_keys: &'a [u32],
    /// Per vertex, the vertices its spikes reach; none means nothing listens and the core sends nothing.
    pub targets: &'a [Vec<usize>],
    pub delays: &'a DelayPlan,
    /// Per delay vertex and slice of its source, per stage, the neurons the stage sends.
    pub stage_masks: Vec<Vec<Vec<Vec<u32>>>>,
}

/// The core program of every machine vertex (slices in slice order, then delay-extension cores).
pub fn core_programs(
    net: &Network,
    partition: &Partition,
    keys: &KeyLayout,
    data: SliceData<'_>,
    timestep_ms: f64,
    seed: u64,
) -> Result<Vec<CoreProgram>, String> {
    let SliceData {
        synapses,
        scales,
        stdp,
        hints,
        vertex_keys,
        targets,
        delays,
        mut stage_masks,
    } = data;
    let key_base = |vertex: usize| (!targets[vertex].is_empty()).then_some(vertex_keys[vertex]);
    let delay_programs: Vec<CoreProgram> = delays
        .cores(partition)
        .map(|(vertex, v, s)| {
            let d = &delays.vertices[v];
            let c = s - partition.populations[d.source].slices.start;
            CoreProgram::DelayExtension(DelayExtensionCoreImage {
                source_key: vertex_keys[s],
                source_mask: keys.slice_mask(),
                n_neurons: partition.slices[s].len(),
                delay_per_stage: d.per_stage,
                n_stages: d.n_stages,
                key_base: key_base(vertex),
                n_colour_bits: keys.colour_bits,
                stage_masks: std::mem::take(&mut stage_masks[v][c]),
            })
        })
        .collect();
    let mut programs = partition
        .slices
        .iter()
        .zip(synapses)
        .enumerate()
        .map(|(index, (slice, syn))| {
            let population = &net.populations[slice.population];
            let atoms = partition.populations[slice.population].atoms_per_core;
            let key_base = key_base(index);
            let recording = recording(population, slice)?;
            Ok(match population.cell_type {
                CellType::SpikeSourcePoisson => CoreProgram::PoissonSource(PoissonCoreImage {
                    sources: neurons::poisson_sources(population, slice),
                    // Keyed by (population, slice), not by chip and core: the same network gives the same
                    // Poisson trains on any machine.
                    seed: Jkiss::for_core(
                        seed,
                        (slice.population as u64) << 32 | u64::from(slice.index(atoms)),
                    )
                    .state(),
                    key_base,
                    n_colour_bits: keys.colour_bits,
                    recording,
                }),
                CellType::SpikeSourceArray => CoreProgram::SpikeArray(SpikeArrayCoreImage {
                    spike_ticks: neurons::spike_ticks(population, slice, timestep_ms),
                    key_base,
                    n_colour_bits: keys.colour_bits,
                    recording,
                }),
                _ => CoreProgram::Neurons(NeuronCoreImage {
                    neurons: neurons::neuron_array(
                        population,
                        &hints[slice.population],
                        slice,
                        timestep_ms,
                    ),
                    key_base,
                    n_colour_bits: keys.colour_bits,
                    master_pop_table: MasterPopTable::build(syn.sources).map_err(|e| {
                        format!("populations '{}' slice {index}: {e}", population.label)
                    })?,
                    synaptic_region: syn.region,
                    word_layout: syn.layout,
                    weight_shifts: scales[index].iter().map(|s| s.shift).collect(),
                    incoming_spike_buffer: INCOMING_SPIKE_BUFFER,
                    recording,
                    stdp: stdp[slice.population].clone().map(Box::new),
                }),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    programs.extend(delay_programs);
    Ok(programs)
}

/// Places the programs on their cores, adds the routing tables, and sizes every core's recording region
/// from the SDRAM its chip has left after the synaptic matrices, shared equally by the chip's loaded cores.
pub fn assemble(
    machine: MachineDescription,
    timestep_us: u32,
    time_scale_factor: u32,
    programs: Vec<CoreProgram>,
    placements: &[(ChipCoord, u8)],
    tables: BTreeMap<ChipCoord, Vec<RoutingEntry>>,
) -> Result<MachineImage, String> {
    let mut chips: BTreeMap<ChipCoord, ChipImage> = BTreeMap::new();
    for (program, &(chip, core)) in programs.into_iter().zip(placements) {
        chips
            .entry(chip)
            .or_insert_with(|| ChipImage {
                chip,
                routing_table: Vec::new(),
                cores: Vec::new(),
            })
            .cores
            .push(CoreImage { core, program });
    }
    for (chip, table) in tables {
        chips
            .entry(chip)
            .or_insert_with(|| ChipImage {
                chip,
                routing_table: Vec::new(),
                cores: Vec::new(),
            })
            .routing_table = table;
    }
    for chip in chips.values_mut() {
        chip.cores.sort_by_key(|c| c.core);
        let synaptic: u64 = chip
            .cores
            .iter()
            .map(|c| match &c.program {
                CoreProgram::Neurons(n) => n.synaptic_region.size_bytes() as u64,
                _ => 0,
            })
            .sum();
        let Some(left) = SDRAM_PER_CHIP_BYTES.checked_sub(synaptic) else {
            return Err(format!(
                "chip {}: its cores' synaptic matrices need {synaptic} bytes of SDRAM; a chip has \
                 {SDRAM_PER_CHIP_BYTES}. Use a larger machine or fewer synapses per neuron",
                chip.chip
            ));
        };
        let per_core = left / chip.cores.len().max(1) as u64;
        for core in &mut chip.cores {
            let recording = match &mut core.program {
                CoreProgram::Neurons(n) => &mut n.recording,
                CoreProgram::PoissonSource(p) => &mut p.recording,
                CoreProgram::SpikeArray(a) => &mut a.recording,
                CoreProgram::DelayExtension(_) => continue,
            };
            recording.buffer_bytes = Some(per_core);
        }
    }
    Ok(MachineImage {
        machine,
        timestep_us,
        time_scale_factor,
        chips: chips.into_values().collect(),
    })
}
