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

pub mod assemble;
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
use nmemu_loader::random::{Domain, stream};

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

/// The synapses of the network by target HICANN, and which HICANNs each bus must reach.
struct Expanded {
    /// Per HICANN enum, the synapses arriving there.
    incoming: Vec<Vec<Incoming>>,
    /// Per bus, its target HICANNs (sorted).
    targets: Vec<Vec<HicannOnWafer>>,
    /// Per projection: synapses made, and the sum of requested delays (ms).
    synapses: Vec<u64>,
    delay_sum_ms: Vec<f64>,
}

/// Per population and neuron, the neuron's index on its HICANN; per HICANN enum, its neurons' slots.
pub struct Local {
    pub index: Vec<Vec<u32>>,
    pub slots: Vec<Vec<place::NeuronSlot>>,
    /// Per HICANN enum, (population, neuron) of each of its neurons.
    pub owners: Vec<Vec<(usize, u32)>>,
}

fn local_indices(placement: &NeuronPlacement) -> Local {
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
            let h = slot.hicann.to_enum();
            local.index[p][k] = local.slots[h].len() as u32;
            local.slots[h].push(*slot);
            local.owners[h].push((p, k as u32));
        }
    }
    local
}

/// Expands every projection into per-HICANN incoming synapses; synapses of thinned sources are lost.
fn expand(
    net: &Network,
    placement: &NeuronPlacement,
    local: &Local,
    sources: &Sources,
    scale: &[Vec<f64>],
    loss: &mut Loss,
) -> Result<Expanded, String> {
    let mut out = Expanded {
        incoming: vec![Vec::new(); HICANNS_ON_WAFER],
        targets: vec![Vec::new(); sources.buses.len()],
        synapses: vec![0; net.projections.len()],
        delay_sum_ms: vec![0.0; net.projections.len()],
    };
    let mut reaches: Vec<Vec<bool>> = vec![Vec::new(); sources.buses.len()];
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
            let source = sources.of[pre][projection.pre.index(k) as usize];
            for i in syn.row(k) {
                out.delay_sum_ms[j] += f64::from(syn.delays.get(i)) * net.simulation.timestep_ms;
                let Some((bus, address)) = source else {
                    loss.input[j] += 1;
                    continue;
                };
                let n = syn.post[i] as usize;
                let slot = placement.populations[post][n];
                let h = slot.hicann.to_enum();
                let r = &mut reaches[bus as usize];
                if r.is_empty() {
                    r.resize(HICANNS_ON_WAFER, false);
                }
                r[h] = true;
                out.incoming[h].push(Incoming {
                    projection: j as u32,
                    synapse: i as u32,
                    bus,
                    address,
                    neuron: local.index[post][n],
                    excitatory,
                    weight_us: f64::from(syn.weights.get(i)) * weight_factor,
                    reach_us,
                    scale: scale[post][n],
                    stp,
                });
            }
        }
    }
    for (bus, r) in reaches.iter().enumerate() {
        out.targets[bus] = r
            .iter()
            .enumerate()
            .filter(|(_, t)| **t)
            .filter_map(|(h, _)| HicannOnWafer::from_enum(h))
            .collect();
    }
    Ok(out)
}

/// The order buses are routed in: one-to-one keeps the source order; the merged strategy routes the
/// buses with the most synapses first (marocco's route priority), as every later route finds fewer
/// lines free (ties in source order).
fn route_order(
    sources: &Sources,
    expanded: &Expanded,
    strategy: merger_tree::Strategy,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sources.buses.len()).collect();
    if strategy == merger_tree::Strategy::MinimiseSendingRepeaters {
        let mut synapses = vec![0u64; sources.buses.len()];
        for s in expanded.incoming.iter().flatten() {
            synapses[s.bus as usize] += 1;
        }
        order.sort_by_key(|&b| std::cmp::Reverse(synapses[b]));
    }
    order
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
    let perfect = Defects::default();
    let defects = options.defects.first().unwrap_or(&perfect);
    lap("check", &mut phases);

    options.progress.begin(Phase::Place);
    let placement = place::place(net, &hints, defects).map_err(|e| {
        if options.preset.wafers > 1 {
            format!("{e} (mapping onto more than one wafer is not implemented yet: the network must fit one)")
        } else {
            e
        }
    })?;
    let local = local_indices(&placement);
    lap("place", &mut phases);
    let placed = Placed {
        net,
        options,
        hints: &hints,
        translated: &translated,
        defects,
        placement: &placement,
        local: &local,
    };
    // marocco's default merges neuron blocks to save buses, which can cost rows at the targets: when
    // one block per DNC merger realises every synapse it is kept, else the merged tree is tried too and
    // the one realising more synapses wins (ties: one-to-one).
    use merger_tree::Strategy;
    let first = options.merger.unwrap_or(Strategy::OneToOne);
    let mut best = placed.attempt(first, phases.clone())?;
    if options.merger.is_none() && best.report.synapses_lost > 0 {
        let merged = placed.attempt(Strategy::MinimiseSendingRepeaters, phases)?;
        if merged.report.synapses_lost < best.report.synapses_lost {
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
    let mut warnings = assemble::loss_policy(net, options, &hints, &report, &loss, &synapses)?;
    warnings.extend(stdp_warnings);
    warnings.extend(stp_warnings);
    Ok(Mapped {
        image: SystemImage {
            wafers: vec![image],
            l2_routes: Vec::new(),
        },
        placement: placement_out,
        report,
        warnings,
        plastic,
    })
}

/// What every merger strategy maps from: the network, its hints and translation, and its placed neurons.
struct Placed<'a> {
    net: &'a Network,
    options: &'a BrainScaleSOptions,
    hints: &'a hints::BrainScaleSHints,
    translated: &'a assemble::Translated,
    defects: &'a Defects,
    placement: &'a NeuronPlacement,
    local: &'a Local,
}

/// One strategy's mapping, before the loss policy.
struct Attempt {
    image: brainscales_emu::image::WaferImage,
    placement: Placement,
    report: BrainScaleSReport,
    loss: Loss,
    /// Per projection, synapses made.
    synapses: Vec<u64>,
    /// The plastic rules' warnings ([`plastic::configure`]) and the driver STP's ([`stp::configure`]).
    stdp_warnings: Vec<String>,
    stp_warnings: Vec<String>,
    /// The placed synapses of plastic projections.
    plastic: Vec<Realised>,
}

impl Placed<'_> {
    /// Maps the placed network with `strategy` from the output path on; `phases` so far.
    fn attempt(
        &self,
        strategy: merger_tree::Strategy,
        mut phases: BTreeMap<String, f64>,
    ) -> Result<Attempt, String> {
        let Placed {
            net,
            options,
            hints,
            translated,
            defects,
            placement,
            local,
        } = *self;
        let mut clock = Instant::now();
        let mut lap = |name: &str, phases: &mut BTreeMap<String, f64>| {
            *phases.entry(name.to_string()).or_default() += clock.elapsed().as_secs_f64();
            clock = Instant::now();
        };
        let mut sources = merger::neuron_sources(placement, strategy);
        lap("place", &mut phases);

        options.progress.begin(Phase::Inputs);
        let input_report = inputs::place_inputs(
            net,
            placement,
            defects,
            inputs::InputOptions {
                speed_up: options.speed_up,
                utilization: hints.bandwidth_utilization,
                consider_rate: hints.consider_firing_rate,
            },
            &mut sources,
        );
        let l2_inputs = inputs::input_spikes(net, &sources, options.speed_up, options.seed);
        lap("inputs", &mut phases);

        options.progress.begin(Phase::Expand);
        let mut loss = Loss::new(net.projections.len());
        let scale: Vec<Vec<f64>> = net
            .populations
            .iter()
            .zip(translated)
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
        let mut expanded = expand(net, placement, local, &sources, &scale, &mut loss)?;
        lap("expand", &mut phases);

        options.progress.begin(Phase::Route);
        let mut router = l1::L1Builder::new(defects);
        router.reserve_sending_lines(
            sources
                .buses
                .iter()
                .zip(&expanded.targets)
                .filter(|(_, t)| !t.is_empty())
                .map(|(b, _)| *b),
        );
        let mut routes = vec![l1::Routed::default(); sources.buses.len()];
        for b in route_order(&sources, &expanded, strategy) {
            routes[b] = router.route(sources.buses[b], &expanded.targets[b]);
        }
        lap("route", &mut phases);

        options.progress.begin(Phase::Synapses);
        let mut synapse_configs = BTreeMap::new();
        let mut realised: Vec<Realised> = Vec::new();
        for h in HicannOnWafer::all() {
            let incoming = &mut expanded.incoming[h.to_enum()];
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
                let mut quantise = |row: usize, v_gmax: [u16; 4], w: &[f64], reach: f64| {
                    let id = (h.to_enum() as u64) << 16 | row as u64;
                    let mut rng = stream(
                        options.seed,
                        Domain::Values,
                        "brainscales-synapse-rows",
                        "round",
                        id,
                    );
                    weights::quantise_row(w, reach, v_gmax, &mut rng)
                };
                synapses::place_bus(
                    &mut target,
                    landing,
                    group,
                    &mut quantise,
                    &mut loss,
                    &mut realised,
                );
            }
            router.touched[h.to_enum()] = true;
            synapse_configs.insert(h.to_enum(), config);
            incoming.clear();
            incoming.shrink_to_fit();
        }
        let stdp_warnings =
            plastic::configure(net, options.speed_up, &realised, &mut synapse_configs);
        let (stp_report, stp_warnings) =
            stp::configure(net, options.speed_up, &realised, &mut synapse_configs);
        lap("synapses", &mut phases);

        options.progress.begin(Phase::Image);
        let (image, v_reset, shared) = assemble::wafer_image(
            net,
            options,
            assemble::Parts {
                translated,
                local,
                sources: &sources,
                router,
                synapse_configs,
                inputs: l2_inputs,
            },
        )?;
        image.check(defects).map_err(|e| {
            format!("the mapper built an image the wafer refuses (a mapper bug): {e}")
        })?;
        lap("image", &mut phases);

        let placement_out = assemble::placement(net, placement, &sources);
        let mut report = assemble::report(
            net,
            options,
            hints,
            &image,
            assemble::Outcome {
                expanded_synapses: &expanded.synapses,
                delay_sum_ms: &expanded.delay_sum_ms,
                loss: &loss,
                realised: &realised,
                v_reset,
                translated,
                shared: &shared,
                inputs: input_report,
            },
        );
        report.phases = phases;
        report.short_term_plasticity = stp_report;
        let plastic_rules: Vec<bool> = net
            .projections
            .iter()
            .map(|p| plastic::rule(&p.synapse, options.speed_up).is_some())
            .collect();
        let plastic = realised
            .into_iter()
            .filter(|r| plastic_rules[r.projection as usize])
            .collect();
        Ok(Attempt {
            image,
            placement: placement_out,
            report,
            loss,
            synapses: expanded.synapses,
            stdp_warnings,
            stp_warnings,
            plastic,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_buses_are_routed_busiest_first_one_to_one_in_source_order() {
        let h = HicannOnWafer::from_enum(0).unwrap();
        let mut sources = Sources::default();
        for dnc in 0..3 {
            sources.add_bus(merger::Bus { hicann: h, dnc }, false);
        }
        let synapse = |bus| Incoming {
            projection: 0,
            bus,
            address: 63,
            synapse: 0,
            neuron: 0,
            excitatory: true,
            weight_us: 0.01,
            reach_us: 0.0,
            scale: 1.0,
            stp: None,
        };
        let expanded = Expanded {
            incoming: vec![[1, 2, 2, 0, 2, 1].map(synapse).to_vec()],
            targets: Vec::new(),
            synapses: Vec::new(),
            delay_sum_ms: Vec::new(),
        };
        use merger_tree::Strategy::*;
        assert_eq!(route_order(&sources, &expanded, OneToOne), vec![0, 1, 2]);
        assert_eq!(
            route_order(&sources, &expanded, MinimiseSendingRepeaters),
            vec![2, 1, 0]
        );
    }
}
