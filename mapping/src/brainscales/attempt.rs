//! One merger strategy's mapping of the placed network ([`super::map`] tries one or two): from the output
//! path on, every phase wafer by wafer (sources, inputs, expansion once for all, Layer-1 routing, synapses,
//! plasticity and STP over every wafer's synapse configs, the images), then the placement and the report.

use std::collections::BTreeMap;
use std::time::Instant;

use brainscales_emu::coord::HicannOnWafer;
use brainscales_emu::defects::Defects;
use brainscales_emu::system::SystemImage;
use nmemu_loader::Network;
use nmemu_loader::random::{Domain, stream};

use super::merger::Sources;
use super::place::NeuronPlacement;
use super::report::BrainScaleSReport;
use super::synapses::{Incoming, Loss, Realised};
use super::{
    BrainScaleSOptions, Local, Phase, Placement, assemble, cross, expand, hints, inputs, l1,
    merger, merger_tree, plastic, realised, stp, synapses, weights,
};

/// The order buses are routed in: one-to-one keeps the source order; the merged strategy routes the
/// buses with the most synapses first (marocco's route priority), as every later route finds fewer
/// lines free (ties in source order).
fn route_order(
    sources: &Sources,
    incoming: &[Vec<Incoming>],
    strategy: merger_tree::Strategy,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sources.buses.len()).collect();
    if strategy == merger_tree::Strategy::MinimiseSendingRepeaters {
        let mut synapses = vec![0u64; sources.buses.len()];
        for s in incoming.iter().flatten() {
            synapses[s.bus as usize] += 1;
        }
        order.sort_by_key(|&b| std::cmp::Reverse(synapses[b]));
    }
    order
}

/// Routes every bus of one wafer that has targets over Layer 1, in [`route_order`].
fn route_wafer<'d>(
    defects: &'d Defects,
    sources: &Sources,
    targets: &[Vec<HicannOnWafer>],
    order: Vec<usize>,
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
    let mut routes = vec![l1::Routed::default(); sources.buses.len()];
    for b in order {
        routes[b] = router.route(sources.buses[b], &targets[b]);
    }
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
    hints: &hints::BrainScaleSHints,
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
            wafer,
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
                let id = u64::from(wafer) << 32 | (h.to_enum() as u64) << 16 | row as u64;
                let mut rng = stream(
                    seed,
                    Domain::Values,
                    "brainscales-synapse-rows",
                    "round",
                    id,
                );
                weights::quantise_row(w, reach, v_gmax, &mut rng)
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

/// What every merger strategy maps from: the network, its hints and translation, its placed neurons and the
/// inputs each wafer needs.
pub(super) struct Placed<'a> {
    pub(super) net: &'a Network,
    pub(super) options: &'a BrainScaleSOptions,
    pub(super) hints: &'a hints::BrainScaleSHints,
    pub(super) translated: &'a assemble::Translated,
    /// Per population and neuron, hardware siemens per µS ([`weights::weight_scale`]).
    pub(super) scale: &'a [Vec<f64>],
    /// Per wafer used.
    pub(super) defects: &'a [Defects],
    pub(super) placement: &'a NeuronPlacement,
    pub(super) locals: &'a [Local],
    pub(super) needed: &'a cross::Needed,
}

/// One strategy's mapping, before the loss policy.
pub(super) struct Attempt {
    pub(super) image: SystemImage,
    pub(super) placement: Placement,
    pub(super) report: BrainScaleSReport,
    pub(super) loss: Loss,
    /// Per projection, synapses made.
    pub(super) synapses: Vec<u64>,
    /// The plastic rules' warnings ([`plastic::configure`]) and the driver STP's ([`stp::configure`]).
    pub(super) stdp_warnings: Vec<String>,
    pub(super) stp_warnings: Vec<String>,
    /// The placed synapses of plastic projections.
    pub(super) plastic: Vec<Realised>,
}

impl Placed<'_> {
    /// Maps the placed network with `strategy` from the output path on, wafer by wafer; `phases` so far.
    pub(super) fn attempt(
        &self,
        strategy: merger_tree::Strategy,
        mut phases: BTreeMap<String, f64>,
    ) -> Result<Attempt, String> {
        let Placed {
            net,
            options,
            hints,
            translated,
            scale,
            defects,
            placement,
            locals,
            needed,
        } = *self;
        let wafers = defects.len();
        let mut clock = Instant::now();
        let mut lap = |name: &str, phases: &mut BTreeMap<String, f64>| {
            *phases.entry(name.to_string()).or_default() += clock.elapsed().as_secs_f64();
            clock = Instant::now();
        };
        let mut sources: Vec<Sources> = (0..wafers as u32)
            .map(|w| merger::neuron_sources(placement, w, strategy))
            .collect();
        lap("place", &mut phases);

        options.progress.begin(Phase::Inputs);
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
                    placement,
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
        let l2_routes = cross::routes(net, placement, &sources, needed);
        lap("inputs", &mut phases);

        options.progress.begin(Phase::Expand);
        let mut loss = Loss::new(net.projections.len());
        let mut expanded = expand(net, placement, locals, &sources, scale, &mut loss)?;
        lap("expand", &mut phases);

        options.progress.begin(Phase::Route);
        let mut routed: Vec<_> = (0..wafers)
            .map(|w| {
                let order = route_order(&sources[w], &expanded.incoming[w], strategy);
                route_wafer(&defects[w], &sources[w], &expanded.targets[w], order)
            })
            .collect();
        lap("route", &mut phases);

        options.progress.begin(Phase::Synapses);
        let mut realised: Vec<Realised> = Vec::new();
        let mut synapse_configs: Vec<_> = (0..wafers)
            .map(|w| {
                let (router, routes) = &mut routed[w];
                place_synapses(
                    w as u32,
                    &mut expanded.incoming[w],
                    routes,
                    router,
                    &locals[w],
                    hints,
                    &defects[w],
                    options.seed,
                    &mut loss,
                    &mut realised,
                )
            })
            .collect();
        let stdp_warnings =
            plastic::configure(net, options.speed_up, &realised, &mut synapse_configs);
        let (stp_report, stp_warnings) =
            stp::configure(net, options.speed_up, &realised, &mut synapse_configs);
        lap("synapses", &mut phases);

        options.progress.begin(Phase::Image);
        let mut images = Vec::with_capacity(wafers);
        let mut v_reset = Vec::new();
        let mut shared = realised::Shared::new(net);
        let wafer_parts = routed.into_iter().zip(synapse_configs).enumerate();
        for (w, ((router, _), synapse_configs)) in wafer_parts {
            let (image, resets) = assemble::wafer_image(
                net,
                options,
                w as u32,
                assemble::Parts {
                    translated,
                    local: &locals[w],
                    sources: &sources[w],
                    router,
                    synapse_configs,
                    inputs: std::mem::take(&mut l2_inputs[w]),
                },
                &mut shared,
            )?;
            image.check(&defects[w]).map_err(|e| {
                format!("the mapper built an image wafer {w} refuses (a mapper bug): {e}")
            })?;
            images.push(image);
            v_reset.extend(resets);
        }
        lap("image", &mut phases);

        let placement_out = assemble::placement(net, placement, &sources);
        let mut report = assemble::report(
            net,
            options,
            hints,
            &images,
            assemble::Outcome {
                expanded_synapses: &expanded.synapses,
                delay_sum_ms: &expanded.delay_sum_ms,
                loss: &loss,
                realised: &realised,
                v_reset,
                translated,
                shared: &shared,
                inputs: input_reports,
                cross: cross::CrossWaferReport::new(
                    net,
                    &l2_routes,
                    &expanded.cross,
                    options.speed_up,
                ),
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
            image: SystemImage {
                wafers: images,
                l2_routes,
            },
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
        let incoming = vec![[1, 2, 2, 0, 2, 1].map(synapse).to_vec()];
        use merger_tree::Strategy::*;
        assert_eq!(route_order(&sources, &incoming, OneToOne), vec![0, 1, 2]);
        assert_eq!(
            route_order(&sources, &incoming, MinimiseSendingRepeaters),
            vec![2, 1, 0]
        );
    }
}
