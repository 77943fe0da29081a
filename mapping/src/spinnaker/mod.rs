//! The SpiNNaker back end: a `Network` -> a loaded `MachineImage`.
//!
//! Phases, each in its own module: expand connectors (loader) one projection at a time and keep their
//! [`summary`] -> [`partition`] populations into per-core
//! slices -> allocate [`keys`] -> choose weight scales and build synaptic matrices ([`weights`], [`synapses`])
//! -> place slices on cores (`place`: Hilbert order, then simulated annealing) -> route one multicast tree per
//! source slice (`route`: NER) -> per-chip routing tables, minimised ([`tables`]) -> neuron parameters
//! ([`neurons`]) -> the machine image ([`image`]). Every phase is timed, and everything mapped inexactly is
//! listed in the report's warnings.

pub mod cells;
pub mod delays;
pub mod energy;
pub mod extensions;
pub mod graph;
pub mod health;
pub mod image;
pub mod keys;
pub mod memory;
pub mod neurons;
pub mod numerics;
pub mod partition;
pub mod place;
mod place_route;
pub mod readback;
pub mod report;
pub mod route;
pub mod stdp;
pub mod stdp_rule;
pub mod summary;
pub mod synapses;
pub mod synaptic_matrix;
pub mod tables;
pub mod tick_estimate;
pub mod time_scale;
pub mod weights;

use std::time::Instant;

use nmemu_loader::Network;
use spinnaker_emu::geometry::ChipCoord;
use spinnaker_emu::image::{MachineDescription, MachineImage};
use spinnaker_emu::machine::Machine;
use spinnaker_emu::runtime::cycles::CycleCosts;

use delays::DelayPlan;
use keys::KeyLayout;
use memory::{MemoryEstimate, MemoryLimit, Slicing};
use partition::{Partition, PartitionOptions};
use report::{NumericalWarning, PhaseTimes, SpinnakerReport};

/// What a mapping needs besides the network.
#[derive(Clone, Debug)]
pub struct SpinnakerOptions {
    pub machine: MachineDescription,
    /// Seeds the placer and the Poisson cores (with the network's own seed).
    pub seed: u64,
    pub costs: CycleCosts,
    /// Fraction of a tick a core may plan to use.
    pub headroom: f64,
    /// Simulated-annealing effort (0: keep the Hilbert placement).
    pub placer_effort: f64,
    /// Hardware ticks last this many timesteps (sPyNNaker's `time_scale_factor`).
    pub time_scale_factor: u32,
    /// Told as each phase begins.
    pub progress: crate::progress::Observer<Phase>,
    /// Refuse, before expanding and again before building the synaptic matrices, a mapping whose estimated
    /// memory exceeds this ([`memory`]).
    pub memory_limit: Option<MemoryLimit>,
}

impl SpinnakerOptions {
    pub fn new(machine: MachineDescription, seed: u64) -> SpinnakerOptions {
        SpinnakerOptions {
            machine,
            seed,
            costs: CycleCosts::default(),
            headroom: 0.8,
            placer_effort: 1.0,
            time_scale_factor: 1,
            progress: crate::progress::Observer::default(),
            memory_limit: None,
        }
    }
}

/// A mapped network: the image to load, and what is needed to read results back.
pub struct Mapped {
    pub image: MachineImage,
    pub partition: Partition,
    /// Per machine vertex (slices, then delay-extension cores), its chip and core.
    pub placements: Vec<(ChipCoord, u8)>,
    pub keys: KeyLayout,
    pub delays: DelayPlan,
    /// Per slice and synapse type, how weights are stored.
    pub scales: Vec<[weights::WeightScale; 2]>,
    /// Per projection, its plastic matrices (empty for static projections).
    pub plastic: Vec<Vec<synaptic_matrix::PlasticMatrix>>,
    /// Per plastic projection, (pre, post) population indices of its synapses in synapse order.
    pub plastic_pairs: Vec<Vec<(u32, u32)>>,
    pub report: SpinnakerReport,
    /// The host memory estimated from the partition, before the synaptic matrices were built.
    pub memory: MemoryEstimate,
}

impl Mapped {
    /// The slice loaded on `core` of `chip`.
    pub fn slice_at(&self, chip: ChipCoord, core: u8) -> Option<usize> {
        self.placements.iter().position(|&p| p == (chip, core))
    }
}

/// A phase of [`map`], in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Expand,
    Partition,
    Keys,
    Synapses,
    Place,
    Route,
    Tables,
    Image,
}

impl crate::progress::Phase for Phase {
    const ALL: &'static [Phase] = &[
        Phase::Expand,
        Phase::Partition,
        Phase::Keys,
        Phase::Synapses,
        Phase::Place,
        Phase::Route,
        Phase::Tables,
        Phase::Image,
    ];

    fn describe(self) -> &'static str {
        match self {
            Phase::Expand => "expanding connectors",
            Phase::Partition => "partitioning populations",
            Phase::Keys => "allocating keys",
            Phase::Synapses => "building synaptic matrices",
            Phase::Place => "placing cores",
            Phase::Route => "routing",
            Phase::Tables => "building and minimising routing tables",
            Phase::Image => "assembling the machine image",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Maps `net` onto the machine of `options`.
pub fn map(net: &Network, options: &SpinnakerOptions) -> Result<Mapped, String> {
    let start = Instant::now();
    let mut times = PhaseTimes::default();
    let mut numerical_warnings = Vec::new();
    let machine = options.machine.build()?;
    let timestep_ms = net.simulation.timestep_ms;
    let Checked {
        timestep_us,
        hints,
        notes,
    } = check(net)?;
    numerical_warnings.extend(notes);

    if let Some(limit) = &options.memory_limit {
        let expected: Vec<f64> = net
            .projections
            .iter()
            .map(|p| nmemu_loader::expected_synapses(net, p))
            .collect();
        memory::estimate(net, &expected, &Slicing::Largest).check(limit)?;
    }

    let t = Instant::now();
    options.progress.begin(Phase::Expand);
    let summary = summary::summarise(net)?;
    times.expand_s = t.elapsed().as_secs_f64();
    numerical_warnings.extend(numerics::reversal_overshoot(net, &summary.shots));
    numerical_warnings.extend(numerics::fixed_point_range(net));

    let t = Instant::now();
    options.progress.begin(Phase::Partition);
    let incoming = synapses::incoming_stats(net, &summary.projections);
    let partition = partition::partition(
        net,
        &incoming,
        &hints.neurons_per_core(),
        &PartitionOptions {
            timestep_ms,
            time_scale_factor: options.time_scale_factor,
            costs: options.costs,
            headroom: options.headroom,
        },
    )?;
    let layouts = synapses::layouts(net, &partition, &incoming)?;
    let delays = delays::plan(net, &summary.projections, &layouts, &partition)?;
    check_fits(
        delays.n_vertices(&partition) as u64,
        &machine,
        &options.machine,
    )?;
    times.partition_s = t.elapsed().as_secs_f64();

    let counted: Vec<f64> = summary
        .projections
        .iter()
        .map(|s| s.synapses as f64)
        .collect();
    let memory = memory::estimate(net, &counted, &Slicing::Chosen(&partition, &delays));
    if let Some(limit) = &options.memory_limit {
        memory.check(limit)?;
    }

    let t = Instant::now();
    options.progress.begin(Phase::Keys);
    let keys = KeyLayout::for_partition(&partition, &delays)?;
    times.keys_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    options.progress.begin(Phase::Synapses);
    let scales = synapses::weight_scales(&summary.bounds, &partition)?;
    drop(summary);
    let stdp = synapses::stdp_configs(net, timestep_ms)?;
    let stdp_reports = stdp::reports(net, &partition, &scales);
    numerical_warnings.extend(stdp::warnings(net, &stdp_reports));
    let synaptic = synaptic_matrix::build(net, &partition, &keys, &delays, &scales, &layouts)?;
    let plastic_pairs = synaptic.plastic_pairs;
    times.synapses_s = t.elapsed().as_secs_f64();

    let (vertex_keys, packets_per_s) = vertex_keys_and_rates(net, &partition, &keys, &delays);
    let routed = place_route::place_and_route(
        &machine,
        &place_route::Vertices {
            keys: &vertex_keys,
            mask: keys.slice_mask(),
            packets_per_s: &packets_per_s,
            targets: &synaptic.targets,
            compressor: hints.compressor,
        },
        options,
        &mut times,
    )?;

    let t = Instant::now();
    options.progress.begin(Phase::Image);
    let sdram_synaptic_bytes = synaptic
        .slices
        .iter()
        .map(|s| s.region.size_bytes() as u64)
        .sum();
    let quantisation = synaptic.quantisation;
    let plastic_never_applied = synaptic.plastic_never_applied;
    let plastic = synaptic.plastic;
    let programs = image::core_programs(
        net,
        &partition,
        &keys,
        image::SliceData {
            synapses: synaptic.slices,
            scales: &scales,
            stdp: &stdp,
            hints: &hints.populations,
            vertex_keys: &vertex_keys,
            targets: &synaptic.targets,
            delays: &delays,
            stage_masks: synaptic.stage_masks,
        },
        timestep_ms,
        options.seed,
    )?;
    let image = image::assemble(
        options.machine.clone(),
        timestep_us,
        options.time_scale_factor,
        programs,
        &routed.placements,
        routed.tables,
    )?;
    image.check()?;
    times.image_s = t.elapsed().as_secs_f64();
    times.total_s = start.elapsed().as_secs_f64();

    let report = report::build(
        net,
        &machine,
        &options.machine.preset,
        report::Phases {
            partition: &partition,
            keys: &keys,
            delays: &delays,
            placements: &routed.placements,
            routing: routed.report,
            quantisation: &quantisation,
            plastic_never_applied: &plastic_never_applied,
            stdp: &stdp_reports,
            sdram_synaptic_bytes,
            warnings: Vec::new(),
            numerical_warnings,
            time_scale_factor: options.time_scale_factor,
            times,
        },
    );
    Ok(Mapped {
        image,
        partition,
        placements: routed.placements,
        keys,
        delays,
        scales,
        plastic,
        plastic_pairs,
        report,
        memory,
    })
}

/// The runtime's tick: 1 ms or 0.1 ms (spinnaker.md §0).
/// What [`check`] found.
pub struct Checked {
    pub timestep_us: u32,
    pub hints: extensions::SpinnakerHints,
    /// Where the runtime knowingly differs from the PyNN model ([`neurons::model_notes`]).
    pub notes: Vec<NumericalWarning>,
}

/// The checks of a mapping that need neither the machine nor the synapses: the timestep the runtime ticks
/// at, `extensions.spinnaker`, the cell types it has. [`map`] begins with them, and `nmemu validate
/// --machine spinnaker-*` runs them alone.
pub fn check(net: &Network) -> Result<Checked, String> {
    let timestep_us = timestep_us(net.simulation.timestep_ms)?;
    let hints = extensions::SpinnakerHints::parse(net)?;
    let mut notes = Vec::new();
    for (population, own) in net.populations.iter().zip(&hints.populations) {
        neurons::check_supported(population)?;
        notes.extend(neurons::model_notes(population, own));
    }
    Ok(Checked {
        timestep_us,
        hints,
        notes,
    })
}

fn timestep_us(timestep_ms: f64) -> Result<u32, String> {
    let us = (timestep_ms * 1000.0).round();
    if (us - timestep_ms * 1000.0).abs() > 1e-6 || !(us == 1000.0 || us == 100.0) {
        return Err(format!(
            "simulation.timestep_ms: the SpiNNaker runtime ticks every 1.0 or 0.1 ms, got {timestep_ms}"
        ));
    }
    Ok(us as u32)
}

/// Per machine vertex, the first key of its key space and the packets per second it is expected to send.
fn vertex_keys_and_rates(
    net: &Network,
    partition: &Partition,
    keys: &KeyLayout,
    delays: &DelayPlan,
) -> (Vec<u32>, Vec<f64>) {
    let slice_rate = |s: usize| {
        let slice = &partition.slices[s];
        f64::from(slice.len()) * synapses::source_rate_hz(&net.populations[slice.population])
    };
    let mut vertex_keys = Vec::with_capacity(delays.n_vertices(partition));
    let mut rates = Vec::with_capacity(vertex_keys.capacity());
    for (s, slice) in partition.slices.iter().enumerate() {
        let atoms = partition.populations[slice.population].atoms_per_core;
        vertex_keys.push(keys.slice_key(slice.population, slice.index(atoms)));
        rates.push(slice_rate(s));
    }
    for (_, v, s) in delays.cores(partition) {
        let source = &partition.populations[delays.vertices[v].source];
        let c = (s - source.slices.start) as u32;
        vertex_keys.push(keys.slice_key(net.populations.len() + v, c));
        rates.push(slice_rate(s));
    }
    (vertex_keys, rates)
}

/// Refuses a mapping that needs more application cores than the machine has, naming the smallest preset that
/// would hold it.
fn check_fits(
    needed: u64,
    machine: &Machine,
    description: &MachineDescription,
) -> Result<(), String> {
    let available = machine.n_app_cores_total();
    if needed <= available {
        return Ok(());
    }
    let fits = |name: &str| {
        let candidate = MachineDescription {
            preset: name.to_string(),
            ..description.clone()
        };
        candidate
            .build()
            .ok()
            .filter(|m| m.n_app_cores_total() >= needed)
            .map(|m| (name.to_string(), m.n_app_cores_total()))
    };
    let per_board = fits("spinnaker-48").map_or(759, |(_, n)| n).max(1);
    let smallest = ["spinnaker-3", "spinnaker-48"]
        .iter()
        .find_map(|n| fits(n))
        .or_else(|| {
            let boards = needed.div_ceil(per_board).div_ceil(3) * 3;
            (boards..=1200)
                .step_by(3)
                .find_map(|b| fits(&format!("spinnaker-{b}b")))
        });
    let hint = smallest.map_or(String::new(), |(name, n)| {
        format!("; the smallest preset that fits is {name} ({n} usable)")
    });
    Err(format!(
        "the network needs {needed} application cores; {} has {available} usable{hint}",
        description.preset
    ))
}
