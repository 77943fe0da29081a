//! The BrainScaleS-1 back end: a `Network` -> a checked wafer image (marocco's flow, spec §6,
//! mapping-and-pynn §A6).
//!
//! Phases, each in its own module: check the model ([`model`]) and the hints ([`hints`]) -> place neurons
//! ([`place`]) -> the output path and addresses ([`merger`]) -> place Layer-2 inputs ([`inputs`]) -> expand
//! the projections and route every used bus over Layer 1 ([`l1`]) -> per target HICANN, synapse drivers
//! and synapses ([`drivers`], [`synapses`]) with weights ([`weights`]) -> neuron parameters ([`params`])
//! and the image ([`assemble`]). What cannot be realised is synapse loss, counted by cause and
//! projection ([`report`]); `max_synapse_loss` turns loss above it into an error.

pub mod assemble;
pub mod cross;
pub mod drivers;
pub mod health;
pub mod hints;
pub mod inputs;
pub mod l1;
pub mod merger;
pub mod model;
pub mod params;
pub mod place;
pub mod provenance;
pub mod readback;
pub mod report;
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
use nmemu_loader::format::ReceptorType;
use nmemu_loader::random::{Domain, stream};

use hints::BrainScaleSHints;
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

/// A mapped network.
pub struct Mapped {
    pub image: SystemImage,
    pub placement: Placement,
    pub report: BrainScaleSReport,
    /// To be said at the end of the run (loss, shared V_reset, ...).
    pub warnings: Vec<String>,
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
                    bus,
                    address,
                    neuron: locals[w].index[post][n],
                    excitatory,
                    weight_us: f64::from(syn.weights.get(i)),
                    scale: scale[post][n],
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

/// Routes every bus of one wafer that has targets over Layer 1.
fn route_wafer<'d>(
    defects: &'d Defects,
    sources: &Sources,
    targets: &[Vec<HicannOnWafer>],
) -> (l1::L1Builder<'d>, Vec<l1::Routed>) {
    let mut router = l1::L1Builder::new(defects);
    router.reserve_sending_lines(
        sources
            .buses
            .iter()
            .zip(targets)
            .filter(|(_, t)| !t.is_empty())
            .map(|(b, _)| *b),
    );
    let routes = sources
        .buses
        .iter()
        .zip(targets)
        .map(|(&bus, targets)| router.route(bus, targets))
        .collect();
    (router, routes)
}

/// One wafer's synapse drivers and synapses, per target HICANN, by HICANN enum; what does not fit is
/// added to `loss`, what does to `realised`. Weight rounding draws per (HICANN, row) and, beyond wafer 0,
/// per wafer.
#[allow(clippy::too_many_arguments)]
fn place_synapses(
    wafer: u32,
    incoming: &mut [Vec<Incoming>],
    routes: &[l1::Routed],
    router: &mut l1::L1Builder,
    local: &Local,
    hints: &BrainScaleSHints,
    defects: &Defects,
    seed: u64,
    loss: &mut Loss,
    realised: &mut Vec<Realised>,
) -> BTreeMap<usize, brainscales_emu::synapse::SynapseConfig> {
    let mut synapse_configs = BTreeMap::new();
    for h in HicannOnWafer::all() {
        let incoming = &mut incoming[h.to_enum()];
        if incoming.is_empty() {
            continue;
        }
        incoming.sort_by_key(|s| s.bus);
        let mut config = brainscales_emu::synapse::SynapseConfig {
            chain_limit: hints.driver_chain_length,
            ..Default::default()
        };
        let mut target = synapses::Target {
            hicann: h,
            neurons: &local.slots[h.to_enum()],
            synapses: &mut config,
            l1: &mut router.hicanns[h.to_enum()],
            defects,
            chain_length: hints.driver_chain_length,
        };
        for group in incoming.chunk_by(|a, b| a.bus == b.bus) {
            let landing = routes[group[0].bus as usize]
                .landings
                .iter()
                .find(|l| l.hicann == h);
            let Some(landing) = landing else {
                for s in group {
                    loss.l1[s.projection as usize] += 1;
                }
                continue;
            };
            let mut quantise = |row: usize, v_gmax: [u16; 4], w: &[f64]| {
                let id = u64::from(wafer) << 32 | (h.to_enum() as u64) << 16 | row as u64;
                let mut rng = stream(
                    seed,
                    Domain::Values,
                    "brainscales-synapse-rows",
                    "round",
                    id,
                );
                weights::quantise_row(w, v_gmax, &mut rng)
            };
            synapses::place_bus(&mut target, landing, group, &mut quantise, loss, realised);
        }
        router.touched[h.to_enum()] = true;
        synapse_configs.insert(h.to_enum(), config);
        incoming.clear();
        incoming.shrink_to_fit();
    }
    synapse_configs
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
    model::check_model(net)?;
    let hints = BrainScaleSHints::parse(net)?;
    let parameter_options = params::ParameterOptions::new(options.speed_up);
    let translated: Vec<Option<(Vec<params::TranslatedNeuron>, Vec<params::PopulationClip>)>> = net
        .populations
        .iter()
        .zip(&hints.neuron_size)
        .map(|(p, &n)| params::translate_population(p, n as usize, &parameter_options))
        .collect();
    let machine_defects: Vec<Defects> = (0..options.preset.wafers as usize)
        .map(|w| options.defects.get(w).cloned().unwrap_or_default())
        .collect();
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
    let mut sources: Vec<Sources> = (0..wafers as u32)
        .map(|w| merger::neuron_sources(&placement, w))
        .collect();
    lap("place", &mut phases);

    options.progress.begin(Phase::Inputs);
    let needed = cross::inputs_needed(net, &placement, defects, wafers)?;
    let input_options = inputs::InputOptions {
        speed_up: options.speed_up,
        utilization: hints.bandwidth_utilization,
        consider_rate: hints.consider_firing_rate,
        neuron_rate_hz: hints.cross_wafer_rate_hz,
    };
    let input_reports: Vec<inputs::InputReport> = (0..wafers)
        .map(|w| {
            let wafer = (w as u32, &defects[w]);
            inputs::place_inputs(
                net,
                &placement,
                wafer,
                input_options,
                &needed[w],
                &mut sources[w],
            )
        })
        .collect();
    let mut l2_inputs: Vec<_> = sources
        .iter()
        .map(|s| inputs::input_spikes(net, s, options.speed_up, options.seed))
        .collect();
    let l2_routes = cross::routes(net, &placement, &sources, &needed);
    lap("inputs", &mut phases);

    options.progress.begin(Phase::Expand);
    let mut loss = Loss::new(net.projections.len());
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
    let mut expanded = expand(net, &placement, &locals, &sources, &scale, &mut loss)?;
    lap("expand", &mut phases);

    options.progress.begin(Phase::Route);
    let mut routed: Vec<_> = (0..wafers)
        .map(|w| route_wafer(&defects[w], &sources[w], &expanded.targets[w]))
        .collect();
    lap("route", &mut phases);

    options.progress.begin(Phase::Synapses);
    let mut realised: Vec<Realised> = Vec::new();
    let synapse_configs: Vec<_> = (0..wafers)
        .map(|w| {
            let (router, routes) = &mut routed[w];
            place_synapses(
                w as u32,
                &mut expanded.incoming[w],
                routes,
                router,
                &locals[w],
                &hints,
                &defects[w],
                options.seed,
                &mut loss,
                &mut realised,
            )
        })
        .collect();
    lap("synapses", &mut phases);

    options.progress.begin(Phase::Image);
    let mut images = Vec::with_capacity(wafers);
    let mut v_reset = Vec::new();
    for (w, ((router, _), synapse_configs)) in routed.into_iter().zip(synapse_configs).enumerate() {
        let (image, resets) = assemble::wafer_image(
            net,
            options,
            w as u32,
            assemble::Parts {
                translated: &translated,
                local: &locals[w],
                sources: &sources[w],
                router,
                synapse_configs,
                inputs: std::mem::take(&mut l2_inputs[w]),
            },
        )?;
        image.check(&defects[w]).map_err(|e| {
            format!("the mapper built an image wafer {w} refuses (a mapper bug): {e}")
        })?;
        images.push(image);
        v_reset.extend(resets);
    }
    lap("image", &mut phases);

    let placement_out = assemble::placement(net, &placement, &sources);
    let mut report = assemble::report(
        net,
        options,
        &hints,
        &images,
        assemble::Outcome {
            expanded_synapses: &expanded.synapses,
            delay_sum_ms: &expanded.delay_sum_ms,
            loss: &loss,
            realised: &realised,
            v_reset,
            translated: &translated,
            inputs: input_reports,
            cross: cross::CrossWaferReport::new(net, &l2_routes, &expanded.cross, options.speed_up),
        },
    );
    report.phases = phases;
    report.map_wall_s = start.elapsed().as_secs_f64();
    let warnings = assemble::loss_policy(net, options, &hints, &report, &loss, &expanded.synapses)?;
    Ok(Mapped {
        image: SystemImage {
            wafers: images,
            l2_routes,
        },
        placement: placement_out,
        report,
        warnings,
    })
}
