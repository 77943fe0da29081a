//! `mapping.json` for a SpiNNaker machine: what the compiler did and what it could not do exactly.

use nmemu_loader::Network;
use serde::Serialize;
use spinnaker_emu::geometry::ChipCoord;
use spinnaker_emu::machine::Machine;

use super::delays::DelayPlan;
use super::keys::KeyLayout;
use super::partition::{Limit, Partition};
use super::place_route::RoutingReport;
use super::stdp::StdpReport;
use super::time_scale::AutoScale;
use super::weights::Quantisation;

/// What a numerical warning is about (`numerical_warnings[].kind` in mapping.json).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NumericalKind {
    /// The runtime's explicit conductance update can step v past a reversal potential and run away.
    ReversalOvershoot,
    /// Plastic weight steps of only a few weight LSBs: truncation biases the learning rule.
    StdpQuantisation,
    /// A parameter or synapse shape means something else on this machine than in PyNN/NEST.
    ParameterMeaning,
    /// A parameter whose fixed-point image is out of the runtime's range.
    FixedPointRange,
}

/// A result the machine computes faithfully that may not mean what the model means: what, where, and what
/// to change. Each one also makes the run's health verdict at least `degraded`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NumericalWarning {
    pub kind: NumericalKind,
    /// The population or projection label it concerns.
    pub subject: String,
    pub message: String,
    /// What to change to avoid it.
    pub advice: String,
}

/// Host seconds per phase (`phases` in mapping.json).
#[derive(Clone, Debug, Default, Serialize)]
pub struct PhaseTimes {
    pub expand_s: f64,
    pub partition_s: f64,
    pub place_s: f64,
    pub route_s: f64,
    pub keys_s: f64,
    pub tables_s: f64,
    pub synapses_s: f64,
    pub image_s: f64,
    pub total_s: f64,
}

/// One slice on its core (outputs.md `slices`).
#[derive(Clone, Debug, Serialize)]
pub struct SliceReport {
    pub population: String,
    /// First neuron and one past the last.
    pub lo: u32,
    pub hi: u32,
    pub chip: [u16; 2],
    pub core: u8,
    /// Its first multicast key.
    pub key: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PopulationReport {
    pub label: String,
    pub cell_type: &'static str,
    pub size: u32,
    pub atoms_per_core: u32,
    pub limited_by: Limit,
    pub estimated_cycles_per_tick: Option<u64>,
    pub cores: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProjectionReport {
    pub label: String,
    pub synapses: u64,
    pub weights: Quantisation,
    /// Σ|realised| / Σ|requested| − 1.
    pub net_weight_error: f64,
    /// Plastic synapses whose delay fills the ring buffers exactly: stored as 0, skipped by the runtime.
    pub plastic_synapses_never_applied: u64,
    /// The learning rule in stored units (plastic projections only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdp: Option<StdpReport>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TableReport {
    pub x: u16,
    pub y: u16,
    /// Entries from the routing trees, including those default routing covers.
    pub before: usize,
    pub after: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct LinkLoad {
    pub x: u16,
    pub y: u16,
    pub link: &'static str,
    /// Predicted packets per second at the sources' expected rates.
    pub packets_per_s: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Placement {
    pub placer: &'static str,
    pub seed: u64,
    /// Σ net weight × bounding-box half-perimeter before and after annealing.
    pub cost_before: f64,
    pub cost_after: f64,
    /// Annealing temperatures run, and moves per temperature asked (rig's effort · N^1.33) and made (capped by
    /// the work budget on dense graphs, see `place::annealing`).
    pub temperatures: u32,
    pub moves_per_temperature_asked: u64,
    pub moves_per_temperature_made: u64,
}

/// One delay-extension core: the source slice whose spikes it delays, where it runs, its stages.
#[derive(Clone, Debug, Serialize)]
pub struct DelayExtensionReport {
    pub population: String,
    pub lo: u32,
    pub hi: u32,
    pub chip: [u16; 2],
    pub core: u8,
    pub stages: u32,
    pub ticks_per_stage: u32,
}

/// outputs.md `routing_entries`.
#[derive(Clone, Debug, Serialize)]
pub struct RoutingEntries {
    pub before_minimisation: usize,
    pub after_minimisation: usize,
    pub max_per_chip: usize,
}

/// mapping.json for SpiNNaker (the fields outputs.md requires first, then the details).
#[derive(Clone, Debug, Serialize)]
pub struct SpinnakerReport {
    pub format: &'static str,
    pub machine: String,
    pub map_wall_s: f64,
    pub phases: PhaseTimes,
    pub cores_used: usize,
    pub chips_used: usize,
    pub slices: Vec<SliceReport>,
    pub routing_entries: RoutingEntries,
    pub synapses: u64,
    pub delay_extension_cores: usize,
    pub delay_extensions: Vec<DelayExtensionReport>,
    pub application_cores_available: u64,
    pub timestep_ms: f64,
    /// The hardware timer fires every `timestep_ms * time_scale_factor`.
    pub time_scale_factor: u32,
    /// How `--time-scale-factor auto` chose the factor (absent when it was given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_scale_auto: Option<AutoScale>,
    pub keys: KeyLayout,
    pub placement: Placement,
    pub populations: Vec<PopulationReport>,
    pub projections: Vec<ProjectionReport>,
    pub routing_tables: Vec<TableReport>,
    pub link_loads: Vec<LinkLoad>,
    pub sdram_synaptic_bytes: u64,
    /// Everything mapped inexactly: unsupported model details, clipped or vanished weights.
    pub warnings: Vec<String>,
    /// Where the machine's arithmetic departs from the model (see [`NumericalWarning`]).
    pub numerical_warnings: Vec<NumericalWarning>,
}

/// What the phases produced, for the report.
pub struct Phases<'a> {
    pub partition: &'a Partition,
    pub keys: &'a KeyLayout,
    pub delays: &'a DelayPlan,
    /// Per machine vertex.
    pub placements: &'a [(ChipCoord, u8)],
    pub routing: RoutingReport,
    /// Per projection.
    pub quantisation: &'a [Quantisation],
    pub plastic_never_applied: &'a [u64],
    pub stdp: &'a [Option<StdpReport>],
    pub sdram_synaptic_bytes: u64,
    pub warnings: Vec<String>,
    pub numerical_warnings: Vec<NumericalWarning>,
    pub time_scale_factor: u32,
    pub times: PhaseTimes,
}

/// Assembles the report once every phase has run.
pub fn build(
    net: &Network,
    machine: &Machine,
    preset: &str,
    phases: Phases<'_>,
) -> SpinnakerReport {
    let Phases {
        partition,
        keys,
        delays,
        placements,
        routing,
        quantisation,
        plastic_never_applied,
        stdp,
        sdram_synaptic_bytes,
        mut warnings,
        numerical_warnings,
        time_scale_factor,
        times,
    } = phases;
    let populations = net
        .populations
        .iter()
        .zip(&partition.populations)
        .map(|(population, slices)| PopulationReport {
            label: population.label.clone(),
            cell_type: population.cell_type.name(),
            size: population.size,
            atoms_per_core: slices.atoms_per_core,
            limited_by: slices.limited_by,
            estimated_cycles_per_tick: slices.estimated_cycles_per_tick,
            cores: slices.slices.len(),
        })
        .collect();
    let slices = partition
        .slices
        .iter()
        .zip(placements)
        .map(|(slice, &(chip, core))| {
            let atoms = partition.populations[slice.population].atoms_per_core;
            SliceReport {
                population: net.populations[slice.population].label.clone(),
                lo: slice.lo,
                hi: slice.hi,
                chip: [chip.x, chip.y],
                core,
                key: format!(
                    "{:#010x}",
                    keys.slice_key(slice.population, slice.index(atoms))
                ),
            }
        })
        .collect();
    let projections = net
        .projections
        .iter()
        .zip(quantisation)
        .zip(plastic_never_applied)
        .zip(stdp)
        .map(|(((p, q), &never), stdp)| {
            if never > 0 {
                warnings.push(format!(
                    "projections '{}': {never} plastic synapses have a delay of exactly the receiving core's \
                     ring-buffer length, stored as 0; sPyNNaker's plastic-synapse code skips such a synapse at \
                     every spike (provenance 'Skipped synapses'); a delay one step shorter avoids it",
                    p.label
                ));
            }
            if q.clipped > 0 {
                warnings.push(format!(
                    "projections '{}': {} weights above the 16-bit range were clipped",
                    p.label, q.clipped
                ));
            }
            if q.rounded_to_zero > 0 {
                warnings.push(format!(
                    "projections '{}': {} non-zero weights round to zero at this core's weight scale",
                    p.label, q.rounded_to_zero
                ));
            }
            ProjectionReport {
                label: p.label.clone(),
                synapses: q.synapses,
                weights: *q,
                net_weight_error: if q.requested_sum > 0.0 {
                    q.realised_sum / q.requested_sum - 1.0
                } else {
                    0.0
                },
                plastic_synapses_never_applied: never,
                stdp: stdp.clone(),
            }
        })
        .collect();
    let delay_extensions = delays
        .cores(partition)
        .map(|(vertex, v, s)| {
            let (slice, d) = (&partition.slices[s], &delays.vertices[v]);
            let (chip, core) = placements[vertex];
            DelayExtensionReport {
                population: net.populations[d.source].label.clone(),
                lo: slice.lo,
                hi: slice.hi,
                chip: [chip.x, chip.y],
                core,
                stages: d.n_stages,
                ticks_per_stage: d.per_stage,
            }
        })
        .collect::<Vec<_>>();
    let mut chips: Vec<ChipCoord> = placements.iter().map(|&(c, _)| c).collect();
    chips.sort();
    chips.dedup();
    SpinnakerReport {
        format: "nmemu-mapping/1",
        machine: preset.to_string(),
        map_wall_s: times.total_s,
        phases: times,
        cores_used: placements.len(),
        chips_used: chips.len(),
        slices,
        routing_entries: RoutingEntries {
            before_minimisation: routing.tables.iter().map(|t| t.before).sum(),
            after_minimisation: routing.tables.iter().map(|t| t.after).sum(),
            max_per_chip: routing.tables.iter().map(|t| t.after).max().unwrap_or(0),
        },
        synapses: quantisation.iter().map(|q| q.synapses).sum(),
        delay_extension_cores: delay_extensions.len(),
        delay_extensions,
        application_cores_available: machine.n_app_cores_total(),
        timestep_ms: net.simulation.timestep_ms,
        time_scale_factor,
        time_scale_auto: None,
        keys: *keys,
        placement: routing.placement,
        populations,
        projections,
        routing_tables: routing.tables,
        link_loads: routing.link_loads,
        sdram_synaptic_bytes,
        warnings,
        numerical_warnings,
    }
}
