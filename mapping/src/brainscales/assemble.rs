//! The wafer image, the placement and the report from the phases' results, and the loss policy.
//!
//! Every HICANN something was configured on gets a [`HicannImage`]: its neurons (each denmem with the
//! neuron's translated parameters, firing through its top-left denmem with its bus address), the DNC
//! merger tree and the DNC mergers of its neuron blocks recording on Gbit channels and those of its inputs taking Layer-2 input,
//! its switches and repeaters and its synapse block. The shared V_reset of each reset group is the mean
//! the group's neurons ask for; where they disagree the spread is reported and warned about.

use std::collections::BTreeMap;

use brainscales_emu::coord::{HicannOnWafer, RETICLES_ON_WAFER};
use brainscales_emu::image::{
    HicannImage, NeuronImage, TRACES_PER_RETICLE, TraceRequest, WaferImage,
};
use brainscales_emu::layer2::L2Spike;
use brainscales_emu::synapse::SynapseConfig;
use brainscales_emu::system::L2Endpoint;
use brainscales_emu::time::{HwTime, SpeedUp};
use nmemu_loader::Network;

use super::cross::CrossWaferReport;
use super::hints::BrainScaleSHints;
use super::l1::L1Builder;
use super::merger::{Sources, configure_dnc, configure_tree};
use super::params::ParameterOptions;
use super::params::{PopulationClip, TranslatedNeuron};
use super::place::NeuronPlacement;
use super::realised::{self, Shared, StimulusBudget};
use super::report::{
    BrainScaleSReport, DelayReport, MergerReport, VResetReport, WaferReport, significant,
};
use super::synapses::{Loss, Realised};
use super::weights::WeightStats;
use super::{BrainScaleSOptions, Local, Placement, PopulationPlace};
use crate::brainscales::inputs::InputReport;

/// Per population its translated neurons and clipped parameters (`None` for sources).
pub type Translated = [Option<(Vec<TranslatedNeuron>, Vec<PopulationClip>)>];

/// The results the image is built from.
pub struct Parts<'a, 'd> {
    pub translated: &'a Translated,
    pub local: &'a Local,
    pub sources: &'a Sources,
    pub router: L1Builder<'d>,
    /// By HICANN enum.
    pub synapse_configs: BTreeMap<usize, SynapseConfig>,
    pub inputs: Vec<L2Spike>,
}

/// Builds the image of `wafer` (see the module docs), with the HICANNs whose populations disagree on
/// V_reset; what each of its neurons' HICANN decided for it (shared V_reset, current stimulus) goes into
/// `shared`, which holds every wafer's.
pub fn wafer_image(
    net: &Network,
    options: &BrainScaleSOptions,
    wafer: u32,
    parts: Parts,
    shared: &mut Shared,
) -> Result<(WaferImage, Vec<VResetReport>), String> {
    let Parts {
        translated,
        local,
        sources,
        router,
        mut synapse_configs,
        inputs,
    } = parts;
    let mut hicanns: BTreeMap<usize, HicannImage> = BTreeMap::new();
    fn get(hicanns: &mut BTreeMap<usize, HicannImage>, h: HicannOnWafer) -> &mut HicannImage {
        hicanns
            .entry(h.to_enum())
            .or_insert_with(|| HicannImage::empty(h))
    }
    for (&e, plan) in &sources.trees {
        let h = HicannOnWafer::from_enum(e).expect("a HICANN enum");
        configure_tree(get(&mut hicanns, h), plan);
    }
    for (i, bus) in sources.buses.iter().enumerate() {
        let plan = sources.trees.get(&bus.hicann.to_enum());
        configure_dnc(
            get(&mut hicanns, bus.hicann),
            bus.dnc,
            sources.input[i],
            plan,
        );
    }
    let mut traces = Vec::new();
    let mut v_reset = Vec::new();
    for h in HicannOnWafer::all() {
        let e = h.to_enum();
        if local.slots[e].is_empty() {
            continue;
        }
        let image = get(&mut hicanns, h);
        let mut reset: [Vec<f64>; 4] = Default::default();
        let mut asked: Vec<(usize, f64)> = Vec::new();
        let mut stimuli = StimulusBudget::default();
        for (slot, &(p, k)) in local.slots[e].iter().zip(&local.owners[e]) {
            let neuron = &translated[p].as_ref().expect("a wafer cell").0[k as usize];
            let (mut params, v_reset) = (neuron.denmem, neuron.v_reset_volt);
            if params.stimulus_ampere > 0.0 && !stimuli.take(slot.block()) {
                params.stimulus_ampere = 0.0;
                shared.stimulus_lost[p][k as usize] = true;
            }
            asked.push((p, v_reset));
            let denmems: Vec<_> = slot.denmems().map(|d| (d, params)).collect();
            for (d, _) in &denmems {
                reset[d.reset_group()].push(v_reset);
            }
            let (bus, address) = sources.of[p][k as usize].expect("every neuron has an address");
            debug_assert_eq!(sources.buses[bus as usize].hicann, h);
            image.merger.outputs[slot.firing().to_enum()] = Some(address);
            image.neurons.push(NeuronImage {
                denmems,
                firing: slot.firing(),
            });
            if net.populations[p]
                .records("v")
                .is_some_and(|r| r.neurons.as_ref().is_none_or(|n| n.contains(&k)))
            {
                traces.push((
                    p,
                    TraceRequest {
                        hicann: h,
                        denmem: slot.firing(),
                    },
                ));
            }
        }
        for (g, values) in reset.iter().enumerate() {
            if !values.is_empty() {
                image.v_reset_volt[g] = values.iter().sum::<f64>() / values.len() as f64;
            }
        }
        for (n, &(p, k)) in image.neurons.iter().zip(&local.owners[e]) {
            shared.v_reset_volt[p][k as usize] = image.neuron_v_reset_volt(n);
        }
        let (lo, hi) = asked
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &(_, v)| {
                (a.min(v), b.max(v))
            });
        if hi > lo {
            let mut populations: Vec<String> = asked
                .iter()
                .map(|&(p, _)| net.populations[p].label.clone())
                .collect();
            populations.dedup();
            v_reset.push(VResetReport {
                wafer,
                hicann: e as u32,
                mean_volt: asked.iter().map(|&(_, v)| v).sum::<f64>() / asked.len() as f64,
                spread_volt: hi - lo,
                populations,
            });
        }
    }
    for (e, l1) in router.hicanns.into_iter().enumerate() {
        if router.touched[e] {
            get(&mut hicanns, HicannOnWafer::from_enum(e).expect("enum")).l1 = l1;
        }
    }
    for (e, config) in std::mem::take(&mut synapse_configs) {
        get(&mut hicanns, HicannOnWafer::from_enum(e).expect("enum")).synapses = config;
    }
    let mut per_reticle = vec![Vec::new(); RETICLES_ON_WAFER];
    for (p, t) in &traces {
        per_reticle[t.hicann.reticle().to_enum()].push(*p);
    }
    if let Some(crowded) = per_reticle.iter().find(|r| r.len() > TRACES_PER_RETICLE) {
        let mut names: Vec<&str> = crowded
            .iter()
            .map(|&p| net.populations[p].label.as_str())
            .collect();
        names.dedup();
        return Err(format!(
            "{} recorded membranes (\"v\") of populations {} share one reticle, which has {TRACES_PER_RETICLE} \
             analog outputs: record \"v\" of fewer neurons",
            crowded.len(),
            names.join(", ")
        ));
    }
    let mut image = WaferImage::new(options.speed_up, options.wafer_seed);
    image.nonideal = options.nonideal;
    image.hicanns = hicanns.into_values().collect();
    image.inputs = inputs;
    image.traces = traces.into_iter().map(|(_, t)| t).collect();
    if let Some(interval) = trace_interval(net, options.speed_up) {
        image.trace_interval = interval;
    }
    Ok((image, v_reset))
}

/// The analog outputs' sampling interval: the shortest `v` recording interval in hardware time (a finer grid
/// would only cost memory and integrator stops; readback interpolates), `None` when nothing records `v`.
fn trace_interval(net: &Network, speed_up: SpeedUp) -> Option<HwTime> {
    net.populations
        .iter()
        .filter_map(|p| p.records("v"))
        .map(|r| r.sampling_steps)
        .min()
        .map(|steps| {
            let bio_s = net.simulation.time_ms(steps.into()) * 1e-3;
            HwTime::from_seconds(speed_up.to_hardware(bio_s)).max(HwTime(1))
        })
}

/// Every population's place, for reading results back: a source neuron's endpoint on every wafer it is
/// played on, by wafer.
pub fn placement(net: &Network, placement: &NeuronPlacement, sources: &[Sources]) -> Placement {
    let populations = net
        .populations
        .iter()
        .enumerate()
        .map(|(p, population)| {
            if population.cell_type.is_source() {
                PopulationPlace::Sources(
                    (0..population.size as usize)
                        .map(|k| {
                            sources
                                .iter()
                                .enumerate()
                                .filter_map(|(w, s)| {
                                    let (bus, address) = s.of[p].get(k).copied().flatten()?;
                                    let b = s.buses[bus as usize];
                                    Some(L2Endpoint {
                                        wafer: w as u32,
                                        hicann: b.hicann,
                                        channel: b.dnc,
                                        address,
                                    })
                                })
                                .collect()
                        })
                        .collect(),
                )
            } else {
                PopulationPlace::Neurons(
                    placement.populations[p]
                        .iter()
                        .map(|s| (s.wafer, s.hicann, s.firing()))
                        .collect(),
                )
            }
        })
        .collect();
    Placement { populations }
}

/// What the report is built from.
pub struct Outcome<'a> {
    pub expanded_synapses: &'a [u64],
    pub delay_sum_ms: &'a [f64],
    pub loss: &'a Loss,
    pub realised: &'a [Realised],
    pub v_reset: Vec<VResetReport>,
    pub translated: &'a Translated,
    pub shared: &'a Shared,
    /// Per wafer.
    pub inputs: Vec<InputReport>,
    pub cross: CrossWaferReport,
}

/// The mapping report.
pub fn report(
    net: &Network,
    options: &BrainScaleSOptions,
    hints: &BrainScaleSHints,
    images: &[WaferImage],
    o: Outcome,
) -> BrainScaleSReport {
    let image = &images[0];
    let n = net.projections.len();
    let label = |j: usize| net.projections[j].label.clone();
    let per_neuron = realised::per_neuron(
        net,
        o.translated,
        o.shared,
        &ParameterOptions::new(options.speed_up),
    );
    let lost: u64 = (0..n).map(|j| o.loss.of(j)).sum();
    let mut weights = vec![WeightStats::default(); n];
    let mut delays = vec![(0.0f64, 0u64); n];
    for r in o.realised {
        let j = r.projection as usize;
        weights[j].add(r.requested_us, r.realised_us, (r.clipped, r.raised));
        let latency = image.l1_timing.latency(r.hops).seconds();
        delays[j].0 += options.speed_up.to_bio(latency) * 1000.0;
        delays[j].1 += 1;
    }
    BrainScaleSReport {
        format: "nmemu-mapping/1",
        machine: options.preset.to_string(),
        map_wall_s: 0.0,
        speedup: options.speed_up.factor() as u32,
        hicanns_used: images.iter().map(|i| i.hicanns.len() as u32).sum(),
        neurons_placed: images.iter().map(neurons_placed).sum(),
        circuits_per_neuron: net
            .populations
            .iter()
            .zip(&hints.neuron_size)
            .filter(|(p, _)| !p.cell_type.is_source())
            .map(|(p, &s)| (p.label.clone(), s))
            .collect(),
        synapses: o.expanded_synapses.iter().sum(),
        synapses_lost: lost,
        synapses_lost_l1: o.loss.l1.iter().sum(),
        synapses_lost_driver: o.loss.driver.iter().sum(),
        synapses_lost_row: o.loss.row.iter().sum(),
        synapses_lost_input: o.loss.input.iter().sum(),
        synapse_loss_by_projection: (0..n)
            .map(|j| {
                let total = o.expanded_synapses[j];
                (
                    label(j),
                    if total == 0 {
                        0.0
                    } else {
                        o.loss.of(j) as f64 / total as f64
                    },
                )
            })
            .collect(),
        parameters_clipped: super::precheck::clips(o.translated),
        parameters_realised: realised::report(net, &per_neuron),
        current_stimuli_lost: realised::stimuli_lost(net, o.shared),
        initial_values_ignored: realised::initial_values_ignored(net, &per_neuron),
        inputs_per_hicann: o.inputs[0].per_hicann.clone(),
        inputs_per_fpga: o.inputs[0].per_fpga.clone(),
        inputs_thinned: o.inputs.iter().flat_map(|i| i.thinned.clone()).collect(),
        wafers: images
            .iter()
            .zip(&o.inputs)
            .enumerate()
            .map(|(w, (image, inputs))| WaferReport {
                wafer: w as u32,
                hicanns_used: image.hicanns.len() as u32,
                neurons_placed: neurons_placed(image),
                inputs_per_hicann: inputs.per_hicann.clone(),
                inputs_per_fpga: inputs.per_fpga.clone(),
            })
            .collect(),
        cross_wafer: o.cross,
        merger: MergerReport::default(),
        weights: (0..n)
            .filter(|&j| weights[j].count() > 0)
            .map(|j| weights[j].summary(&label(j)))
            .collect(),
        delays: (0..n)
            .filter(|&j| o.expanded_synapses[j] > 0)
            .map(|j| DelayReport {
                projection: label(j),
                requested_ms: o.delay_sum_ms[j] / o.expanded_synapses[j] as f64,
                realised_ms: if delays[j].1 == 0 {
                    f64::NAN
                } else {
                    delays[j].0 / delays[j].1 as f64
                },
            })
            .collect(),
        v_reset: o.v_reset,
        short_term_plasticity: Vec::new(),
        phases: BTreeMap::new(),
    }
}

fn neurons_placed(image: &WaferImage) -> u64 {
    image.hicanns.iter().map(|h| h.neurons.len() as u64).sum()
}

/// Loss above the limit (the option's, else the hint's) is an error naming the projections; any loss below
/// it is a warning, as is a shared V_reset the populations disagree on.
pub fn loss_policy(
    net: &Network,
    options: &BrainScaleSOptions,
    hints: &BrainScaleSHints,
    report: &BrainScaleSReport,
    loss: &Loss,
    synapses: &[u64],
) -> Result<Vec<String>, String> {
    let mut warnings = Vec::new();
    let lossy: Vec<String> = (0..net.projections.len())
        .filter(|&j| loss.of(j) > 0)
        .map(|j| {
            format!(
                "'{}' {} of {} ({:.2}%: L1 {}, drivers {}, rows {}, thinned inputs {})",
                net.projections[j].label,
                loss.of(j),
                synapses[j],
                100.0 * loss.of(j) as f64 / synapses[j] as f64,
                loss.l1[j],
                loss.driver[j],
                loss.row[j],
                loss.input[j]
            )
        })
        .collect();
    let fraction = if report.synapses == 0 {
        0.0
    } else {
        report.synapses_lost as f64 / report.synapses as f64
    };
    let (limit, from) = match (options.max_synapse_loss, hints.max_synapse_loss) {
        (Some(f), _) => (Some(f), "--max-synapse-loss"),
        (None, Some(f)) => (Some(f), "extensions.brainscales.max_synapse_loss"),
        (None, None) => (None, ""),
    };
    if let Some(limit) = limit.filter(|&l| fraction > l) {
        return Err(format!(
            "synapse loss {:.4} ({} of {}) exceeds {from} {limit}; lost by projection: {}",
            fraction,
            report.synapses_lost,
            report.synapses,
            lossy.join("; ")
        ));
    }
    if !lossy.is_empty() {
        warnings.push(format!(
            "SYNAPSE LOSS: {} of {} synapses ({:.2}%) could not be realised on the wafer: {}",
            report.synapses_lost,
            report.synapses,
            100.0 * fraction,
            lossy.join("; ")
        ));
    }
    for l in &report.current_stimuli_lost {
        warnings.push(format!(
            "population '{}': {} neurons run without their i_offset (mean {} nA asked): their HICANNs have no \
             current stimulus left ({} per HICANN, one per floating-gate block)",
            l.population,
            l.neurons,
            significant(l.requested_mean_na),
            brainscales_emu::image::STIMULI_PER_HICANN
        ));
    }
    for i in &report.initial_values_ignored {
        warnings.push(format!(
            "population '{}': initial {} of {} neurons (mean {} {}) cannot be set on the wafer; they start \
             from {} {}",
            i.population,
            i.variable,
            i.neurons,
            significant(i.requested_mean),
            i.unit,
            significant(i.used_mean),
            i.unit
        ));
    }
    for v in &report.v_reset {
        warnings.push(format!(
            "{}HICANN {}: populations {} ask for different V_reset; the shared V_reset is their mean {:.3} V \
             (hardware; spread {:.3} V)",
            if v.wafer == 0 {
                String::new()
            } else {
                format!("wafer {} ", v.wafer)
            },
            v.hicann,
            v.populations.join(", "),
            v.mean_volt,
            v.spread_volt
        ));
    }
    Ok(warnings)
}
