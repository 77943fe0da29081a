//! The BrainScaleS-1 back end: a `Network` -> a checked wafer image (marocco's flow, spec §6,
//! mapping-and-pynn §A6).
//!
//! Phases, each in its own module: check the model ([`model`]) and the hints ([`hints`]) and translate the
//! parameters ([`precheck`], what `validate --machine` runs too) -> place neurons
//! ([`place`]) -> the output path and addresses ([`merger`]) -> place Layer-2 inputs ([`inputs`]) -> expand
//! the projections and route every used bus over Layer 1 ([`l1`]) -> per target HICANN, synapse drivers
//! and synapses ([`drivers`], [`synapses`]) with weights ([`weights`]) -> neuron parameters ([`params`])
//! and the image ([`assemble`]). What cannot be realised is synapse loss, counted by cause and
//! projection ([`report`]); `max_synapse_loss` turns loss above it into an error.
//!
//! Several wafers: placement spreads the neurons over the machine's wafers; every phase from the output
//! path on runs per wafer (each merger strategy's attempt loops over them), with expansion once for all and
//! the projections between wafers on Layer-2 routes ([`cross`]).

pub mod assemble;
mod attempt;
pub mod cross;
pub mod drivers;
pub mod health;
pub mod hints;
pub mod inputs;
pub mod l1;
pub mod merger;
pub mod merger_tree;
pub mod model;
pub mod params;
pub mod place;
pub mod plastic;
pub mod precheck;
pub mod provenance;
pub mod readback;
pub mod realised;
pub mod report;
pub mod stp;
pub mod synapses;
pub mod weights;

use std::collections::BTreeMap;
use std::time::Instant;

use brainscales_emu::Preset;
use brainscales_emu::coord::{HICANNS_ON_WAFER, HicannOnWafer, NeuronOnHicann};
use brainscales_emu::defects::Defects;
use brainscales_emu::image::NonIdealities;
use brainscales_emu::system::{L2Endpoint, SystemImage};
use brainscales_emu::time::SpeedUp;
use nmemu_loader::Network;
use nmemu_loader::format::{ReceptorType, SynapseSpec};

use attempt::{Attempt, Placed};
use merger::Sources;
use place::NeuronPlacement;
use report::BrainScaleSReport;
use synapses::{Incoming, Loss, Realised};

/// A phase of [`map`], in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Check,
    Place,
    Inputs,
    Expand,
    Route,
    Synapses,
    Image,
}

impl crate::progress::Phase for Phase {
    const ALL: &'static [Phase] = &[
        Phase::Check,
        Phase::Place,
        Phase::Inputs,
        Phase::Expand,
        Phase::Route,
        Phase::Synapses,
        Phase::Image,
    ];

    fn describe(self) -> &'static str {
        match self {
            Phase::Check => "checking the model and hints",
            Phase::Place => "placing neurons",
            Phase::Inputs => "placing inputs",
            Phase::Expand => "expanding connectors",
            Phase::Route => "routing Layer 1",
            Phase::Synapses => "assigning synapse drivers and synapses",
            Phase::Image => "assembling the wafer image",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What a mapping needs besides the network.
#[derive(Clone, Debug)]
pub struct BrainScaleSOptions {
    pub preset: Preset,
    pub speed_up: SpeedUp,
    pub nonideal: NonIdealities,
    pub wafer_seed: u64,
    /// The network seed: connectors, Poisson trains, weight rounding.
    pub seed: u64,
    /// One per wafer; missing ones are perfect wafers.
    pub defects: Vec<Defects>,
    /// Wins over the `max_synapse_loss` hint.
    pub max_synapse_loss: Option<f64>,
    /// The merger strategy; `None` chooses (see [`map`]).
    pub merger: Option<merger_tree::Strategy>,
    pub progress: crate::progress::Observer<Phase>,
}

impl BrainScaleSOptions {
    /// One perfect wafer at 10^3, no mismatch, seeds 0.
    pub fn new(preset: Preset) -> BrainScaleSOptions {
        BrainScaleSOptions {
            preset,
            speed_up: SpeedUp::Slow,
            nonideal: NonIdealities::default(),
            wafer_seed: 0,
            seed: 0,
            defects: Vec::new(),
            max_synapse_loss: None,
            merger: None,
            progress: crate::progress::Observer::default(),
        }
    }
}

/// Where each population went.
#[derive(Clone, Debug, PartialEq)]
pub enum PopulationPlace {
    /// Per neuron: (wafer, HICANN, firing denmem).
    Neurons(Vec<(u32, HicannOnWafer, NeuronOnHicann)>),
    /// Per source neuron: its Layer-2 endpoint(s); empty when it was thinned away.
    Sources(Vec<Vec<L2Endpoint>>),
}

/// Every population's place, indexed like `net.populations`.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    pub populations: Vec<PopulationPlace>,
}

impl Placement {
    /// Per population its neurons' places, `None` for a source: what [`readback::Readback`] reads.
    pub fn neuron_places(&self) -> Vec<Option<&readback::NeuronPlaces>> {
        self.populations
            .iter()
            .map(|p| match p {
                PopulationPlace::Neurons(n) => Some(n.as_slice()),
                PopulationPlace::Sources(_) => None,
            })
            .collect()
    }
}

/// A mapped network.
pub struct Mapped {
    pub image: SystemImage,
    pub placement: Placement,
    pub report: BrainScaleSReport,
    /// To be said at the end of the run (loss, shared V_reset, ...).
    pub warnings: Vec<String>,
    /// The placed synapses of plastic projections, whose final weights the run reads back
    /// ([`plastic::final_weights`]).
    pub plastic: Vec<Realised>,
}

/// The synapses of the network by wafer and target HICANN, and which HICANNs each bus must reach.
struct Expanded {
    /// Per wafer, per HICANN enum, the synapses arriving there.
    incoming: Vec<Vec<Vec<Incoming>>>,
    /// Per wafer, per bus of its [`Sources`], its target HICANNs (sorted).
    targets: Vec<Vec<Vec<HicannOnWafer>>>,
    /// Per projection: synapses made, and the sum of requested delays (ms).
    synapses: Vec<u64>,
    delay_sum_ms: Vec<f64>,
    /// Per projection, its synapses from one wafer to another.
    cross: Vec<cross::CrossProjection>,
}

/// Per population and neuron, the neuron's index on its HICANN; per HICANN enum, its neurons' slots.
pub struct Local {
    pub index: Vec<Vec<u32>>,
    pub slots: Vec<Vec<place::NeuronSlot>>,
    /// Per HICANN enum, (population, neuron) of each of its neurons.
    pub owners: Vec<Vec<(usize, u32)>>,
}

/// The [`Local`] of `wafer` (neurons of other wafers keep index 0, unused).
fn local_indices(placement: &NeuronPlacement, wafer: u32) -> Local {
    let mut local = Local {
        index: placement
            .populations
            .iter()
            .map(|p| vec![0; p.len()])
            .collect(),
        slots: vec![Vec::new(); HICANNS_ON_WAFER],
        owners: vec![Vec::new(); HICANNS_ON_WAFER],
    };
    for (p, slots) in placement.populations.iter().enumerate() {
        for (k, slot) in slots.iter().enumerate() {
            if slot.wafer != wafer {
                continue;
            }
            let h = slot.hicann.to_enum();
            local.index[p][k] = local.slots[h].len() as u32;
            local.slots[h].push(*slot);
            local.owners[h].push((p, k as u32));
        }
    }
    local
}

/// Expands every projection into per-wafer, per-HICANN incoming synapses, each from its source's bus on
/// the target's wafer; synapses of sources thinned there are lost.
fn expand(
    net: &Network,
    placement: &NeuronPlacement,
    locals: &[Local],
    sources: &[Sources],
    scale: &[Vec<f64>],
    loss: &mut Loss,
) -> Result<Expanded, String> {
    let mut out = Expanded {
        incoming: vec![vec![Vec::new(); HICANNS_ON_WAFER]; sources.len()],
        targets: sources
            .iter()
            .map(|s| vec![Vec::new(); s.buses.len()])
            .collect(),
        synapses: vec![0; net.projections.len()],
        delay_sum_ms: vec![0.0; net.projections.len()],
        cross: vec![cross::CrossProjection::default(); net.projections.len()],
    };
    let mut reaches: Vec<Vec<Vec<bool>>> = sources
        .iter()
        .map(|s| vec![Vec::new(); s.buses.len()])
        .collect();
    for (j, projection) in net.projections.iter().enumerate() {
        let syn = nmemu_loader::expand(net, j).map_err(|e| e.to_string())?;
        let (pre, post) = (projection.pre.population, projection.post.population);
        let excitatory = projection.receptor_type == ReceptorType::Excitatory;
        // A plastic synapse's row must reach w_max.
        let reach_us = match projection.synapse {
            SynapseSpec::StdpMechanism {
                weight_dependence, ..
            } => weight_dependence.bounds().1,
            _ => 0.0,
        };
        let stp = stp::key(&projection.synapse);
        let weight_factor = stp::weight_factor(&projection.synapse);
        out.synapses[j] = syn.len();
        for k in 0..projection.pre.len() {
            let pre_neuron = projection.pre.index(k) as usize;
            let home = placement.populations[pre].get(pre_neuron).map(|s| s.wafer);
            for i in syn.row(k) {
                out.delay_sum_ms[j] += f64::from(syn.delays.get(i)) * net.simulation.timestep_ms;
                let n = syn.post[i] as usize;
                let slot = placement.populations[post][n];
                let w = slot.wafer as usize;
                let crossing = home.is_some_and(|h| h != slot.wafer);
                out.cross[j].synapses += u64::from(crossing);
                let Some((bus, address)) = sources[w].of[pre][pre_neuron] else {
                    loss.input[j] += 1;
                    out.cross[j].lost += u64::from(crossing);
                    continue;
                };
                let h = slot.hicann.to_enum();
                let r = &mut reaches[w][bus as usize];
                if r.is_empty() {
                    r.resize(HICANNS_ON_WAFER, false);
                }
                r[h] = true;
                out.incoming[w][h].push(Incoming {
                    projection: j as u32,
                    synapse: i as u32,
                    bus,
                    address,
                    neuron: locals[w].index[post][n],
                    excitatory,
                    weight_us: f64::from(syn.weights.get(i)) * weight_factor,
                    reach_us,
                    scale: scale[post][n],
                    stp,
                });
            }
        }
    }
    for (targets, reaches) in out.targets.iter_mut().zip(&reaches) {
        for (bus, r) in reaches.iter().enumerate() {
            targets[bus] = r
                .iter()
                .enumerate()
                .filter(|(_, t)| **t)
                .filter_map(|(h, _)| HicannOnWafer::from_enum(h))
                .collect();
        }
    }
    Ok(out)
}

/// Maps `net` onto the machine of `options` (see the module docs).
pub fn map(net: &Network, options: &BrainScaleSOptions) -> Result<Mapped, String> {
    let start = Instant::now();
    let mut phases: BTreeMap<String, f64> = BTreeMap::new();
    let mut clock = Instant::now();
    let mut lap = |name: &str, phases: &mut BTreeMap<String, f64>| {
        phases.insert(name.to_string(), clock.elapsed().as_secs_f64());
        clock = Instant::now();
    };
    options.progress.begin(Phase::Check);
    let precheck::Checked { hints, translated } = precheck::check(net, options.speed_up)?;
    let machine_defects = machine_defects(options);
    lap("check", &mut phases);

    options.progress.begin(Phase::Place);
    let placement = place::place(net, &hints, &machine_defects)?;
    // Wafers up to the last one holding a neuron (at least wafer 0, for the inputs).
    let wafers = placement
        .populations
        .iter()
        .flatten()
        .map(|s| s.wafer as usize + 1)
        .max()
        .unwrap_or(1);
    let defects = &machine_defects[..wafers];
    let locals: Vec<Local> = (0..wafers as u32)
        .map(|w| local_indices(&placement, w))
        .collect();
    let needed = cross::inputs_needed(net, &placement, defects, wafers)?;
    lap("place", &mut phases);
    // Every strategy's synapses scale by their target's capacitance and cm alike.
    let scale: Vec<Vec<f64>> = net
        .populations
        .iter()
        .zip(&translated)
        .zip(&hints.neuron_size)
        .map(|((p, t), &n)| {
            let Some((neurons, _)) = t else {
                return Vec::new();
            };
            let cm = p.param("cm").expect("wafer cells have cm");
            (0..p.size)
                .map(|k| {
                    let capacitor = neurons[k as usize].denmem.capacitor;
                    weights::weight_scale(cm.get(k), n as usize, capacitor, options.speed_up)
                })
                .collect()
        })
        .collect();
    let placed = Placed {
        net,
        options,
        hints: &hints,
        translated: &translated,
        scale: &scale,
        defects,
        placement: &placement,
        locals: &locals,
        needed: &needed,
    };
    // marocco's default merges neuron blocks to save buses, which can cost rows at the targets: when
    // one block per DNC merger realises every synapse it is kept, else the merged tree is tried too and
    // the one realising more synapses wins (ties: one-to-one).
    use merger_tree::Strategy;
    let first = options.merger.unwrap_or(Strategy::OneToOne);
    let mut best = placed.attempt(first, phases.clone())?;
    let tried = |strategy, a: &Attempt| report::MergerTry {
        strategy,
        synapses_lost: a.report.synapses_lost,
    };
    let mut merger = report::MergerReport {
        chosen: first,
        tried: vec![tried(first, &best)],
    };
    if options.merger.is_none() && best.report.synapses_lost > 0 {
        let strategy = Strategy::MinimiseSendingRepeaters;
        let merged = placed.attempt(strategy, phases)?;
        merger.tried.push(tried(strategy, &merged));
        if merged.report.synapses_lost < best.report.synapses_lost {
            merger.chosen = strategy;
            best = merged;
        }
    }
    let Attempt {
        image,
        placement: placement_out,
        mut report,
        loss,
        synapses,
        stdp_warnings,
        stp_warnings,
        plastic,
    } = best;
    report.map_wall_s = start.elapsed().as_secs_f64();
    report.merger = merger;
    let mut warnings = assemble::loss_policy(net, options, &hints, &report, &loss, &synapses)?;
    warnings.extend(stdp_warnings);
    warnings.extend(stp_warnings);
    Ok(Mapped {
        image,
        placement: placement_out,
        report,
        warnings,
        plastic,
    })
}

/// One defect set per wafer of the machine: those of `options`, perfect wafers for the rest.
fn machine_defects(options: &BrainScaleSOptions) -> Vec<Defects> {
    (0..options.preset.wafers as usize)
        .map(|w| options.defects.get(w).cloned().unwrap_or_default())
        .collect()
}
