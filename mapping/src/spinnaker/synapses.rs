//! What the synaptic phase decides before any row is built: per projection how its synapses enter the runtime
//! (synapse type, weight scale, plastic or fixed), per population its STDP rule, per core the synaptic word
//! layout and the weight shifts, and the expected input that sizes slices. The rows themselves are built in
//! `synaptic_matrix`.
//!
//! The weight shifts come from one pass over every projection that sums what each neuron receives
//! ([`InputBound`]); it is sequential per projection and cheap next to expansion.

use nmemu_loader::format::cells::{CellType, SynapseKind};
use nmemu_loader::format::{ReceptorType, SynapseSpec, TimingDependence, WeightDependence};
use nmemu_loader::network::Population;
use nmemu_loader::{Network, Synapses};
use spinnaker_emu::runtime::stdp::StdpConfig;
use spinnaker_emu::runtime::synapse_row::SynapticWordLayout;

use super::partition::{Partition, SYNAPSE_TYPES};
use super::stdp_rule::stdp_config;
use super::summary::ProjectionSummary;
use super::tick_estimate;
use super::weights::{DEFAULT_RATE_HZ, InputBound, WeightScale, shift_for};

/// The highest rate a population's neurons are expected to fire at: a Poisson source's largest `rate`, else
/// sPyNNaker's `spikes_per_second` default.
pub fn source_rate_hz(population: &Population) -> f64 {
    match population.cell_type {
        CellType::SpikeSourcePoisson => population
            .param("rate")
            .map_or(DEFAULT_RATE_HZ, |r| r.range().1),
        _ => DEFAULT_RATE_HZ,
    }
}

/// One projection into a population, as the partitioner's cycle estimate needs it (`tick_estimate`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IncomingProjection {
    /// The pre-synaptic population (its send window).
    pub pre: usize,
    pub n_pre: f64,
    /// Mean synapses per source neuron.
    pub out_degree: f64,
    pub rate_hz: f64,
    pub post_size: f64,
    /// The most spikes the pre view is known to fire in one tick (0: nothing known beyond its rate).
    pub volley: f64,
    pub plastic: bool,
}

/// What arrives at one population, for the partitioner's budgets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IncomingStats {
    /// The longest incoming delay, in timesteps.
    pub max_delay_steps: u32,
    /// Expected synaptic events per post-synaptic neuron per second.
    pub events_per_neuron_per_s: f64,
    pub projections: Vec<IncomingProjection>,
    /// Master-population-table entries of a core: one per pre-synaptic population.
    pub table_entries: u32,
    /// The population fires in volleys: all its neurons in one tick (`tick_estimate::chain_volleys`).
    pub fires_in_volleys: bool,
}

impl IncomingStats {
    pub fn events_per_neuron_per_tick(&self, timestep_ms: f64) -> f64 {
        self.events_per_neuron_per_s * timestep_ms * 1e-3
    }
}

/// Per population, what its projections bring.
pub fn incoming_stats(net: &Network, summaries: &[ProjectionSummary]) -> Vec<IncomingStats> {
    let mut stats = vec![IncomingStats::default(); net.populations.len()];
    let volleys = tick_estimate::projection_volleys(net, summaries);
    for (s, volley) in stats
        .iter_mut()
        .zip(tick_estimate::chain_volleys(net, summaries))
    {
        s.fires_in_volleys = volley;
    }
    for (j, (p, summary)) in net.projections.iter().zip(summaries).enumerate() {
        let rate = source_rate_hz(&net.populations[p.pre.population]);
        let s = &mut stats[p.post.population];
        let n = summary.synapses as f64;
        let n_pre = f64::from(p.pre.len());
        s.max_delay_steps = s.max_delay_steps.max(summary.max_delay);
        s.events_per_neuron_per_s += n * rate / f64::from(p.post.population_size.max(1));
        if !s.projections.iter().any(|q| q.pre == p.pre.population) {
            s.table_entries += 1;
        }
        s.projections.push(IncomingProjection {
            pre: p.pre.population,
            n_pre,
            out_degree: n / n_pre.max(1.0),
            rate_hz: rate,
            post_size: f64::from(p.post.population_size),
            volley: volleys[j],
            plastic: matches!(p.synapse, SynapseSpec::StdpMechanism { .. }),
        });
    }
    stats
}

/// How a projection's synapses enter the runtime: synapse type, weight scale, plastic rows or fixed words.
#[derive(Clone, Copy, Debug)]
pub(super) struct Target {
    pub synapse_type: u8,
    pub scale: f64,
    pub plastic: bool,
}

pub(super) fn target(net: &Network, projection: usize) -> Result<Target, String> {
    let p = &net.projections[projection];
    let at = format!("projections[{projection}] '{}'", p.label);
    let plastic = match p.synapse {
        SynapseSpec::StaticSynapse { .. } => false,
        SynapseSpec::StdpMechanism { .. } => true,
        _ => {
            return Err(format!(
                "{at}: {} has no SpiNNaker runtime implementation; use StaticSynapse",
                synapse_name(&p.synapse)
            ));
        }
    };
    let kind = net.populations[p.post.population].cell_type.synapse_kind();
    Ok(Target {
        synapse_type: match p.receptor_type {
            ReceptorType::Excitatory => 0,
            ReceptorType::Inhibitory => 1,
        },
        scale: if kind == Some(SynapseKind::Conductance) {
            1024.0
        } else {
            1.0
        },
        plastic,
    })
}

/// Per population, the STDP rule of its cores (sPyNNaker runs one synapse dynamics per core): `None` when no
/// plastic projection arrives; an error naming both projections when two arrive with different rules.
pub fn stdp_configs(net: &Network, timestep_ms: f64) -> Result<Vec<Option<StdpConfig>>, String> {
    let mut rules: Vec<Option<(usize, TimingDependence, WeightDependence)>> =
        vec![None; net.populations.len()];
    for (j, p) in net.projections.iter().enumerate() {
        let SynapseSpec::StdpMechanism {
            timing_dependence,
            weight_dependence,
            ..
        } = p.synapse
        else {
            continue;
        };
        let slot = &mut rules[p.post.population];
        match slot {
            Some((first, t, w)) if (*t, *w) != (timing_dependence, weight_dependence) => {
                return Err(format!(
                    "projections[{j}] '{}': its STDP rule differs from that of projections[{first}] '{}' onto \
                     the same population; a SpiNNaker core runs one rule",
                    p.label, net.projections[*first].label
                ));
            }
            Some(_) => {}
            None => *slot = Some((j, timing_dependence, weight_dependence)),
        }
    }
    rules
        .into_iter()
        .enumerate()
        .map(|(q, rule)| {
            let Some((j, timing, weights)) = rule else {
                return Ok(None);
            };
            let scale =
                if net.populations[q].cell_type.synapse_kind() == Some(SynapseKind::Conductance) {
                    1024.0
                } else {
                    1.0
                };
            stdp_config(
                &timing,
                &weights,
                timestep_ms,
                SYNAPSE_TYPES as usize,
                scale,
            )
            .map(Some)
            .map_err(|e| format!("projections[{j}] '{}': {e}", net.projections[j].label))
        })
        .collect()
}

fn synapse_name(s: &SynapseSpec) -> &'static str {
    match s {
        SynapseSpec::StaticSynapse { .. } => "StaticSynapse",
        SynapseSpec::StdpMechanism { .. } => "STDPMechanism",
        _ => "TsodyksMarkramSynapse",
    }
}

/// The weight every synapse of a plastic projection is sized for, as sPyNNaker 7.x does: its
/// `SynapseDynamicsSTDP.get_weight_maximum` is the larger of the connector's largest weight and the rule's w_max,
/// and its `get_weight_mean` returns that maximum too, with variance 0, "because the weights could all be changed
/// to the maximum"; `AbstractPopulationVertex.get_ring_buffer_shifts` (its `_Stats`) then sizes the ring buffers
/// as for static synapses of that weight. (7.x's shift choice does not read the rules' `weight_change_minimum`.)
/// So w_max always fits the 16-bit row weight, which STDP writes back by truncation at every row update.
/// `None` for a static projection.
fn plastic_weight(spec: &SynapseSpec, synapses: &Synapses) -> Option<f64> {
    let SynapseSpec::StdpMechanism {
        weight_dependence, ..
    } = spec
    else {
        return None;
    };
    let largest = (0..synapses.post.len())
        .map(|i| f64::from(synapses.weights.get(i)).abs())
        .fold(0.0, f64::max);
    Some(largest.max(weight_dependence.bounds().1.abs()))
}

/// Per post neuron and synapse type, the input its synapses can bring, summed one projection at a time as the
/// mapper streams them; the first projection without a runtime implementation is kept as the error
/// [`weight_scales`] returns.
pub struct InputBounds {
    per_neuron: Vec<Vec<[InputBound; 2]>>,
    /// Per population, the weight scale of its synapses (conductances are stored × 1024).
    scales: Vec<f64>,
    error: Option<String>,
}

impl InputBounds {
    pub fn new(net: &Network) -> InputBounds {
        InputBounds {
            per_neuron: net
                .populations
                .iter()
                .map(|p| vec![[InputBound::default(); 2]; p.size as usize])
                .collect(),
            scales: vec![1.0; net.populations.len()],
            error: None,
        }
    }

    /// Adds the synapses of projection `index`.
    pub fn add(&mut self, net: &Network, index: usize, synapses: &Synapses, timestep_ms: f64) {
        if self.error.is_some() {
            return;
        }
        let p = &net.projections[index];
        let t = match target(net, index) {
            Ok(t) => t,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        let lambda = source_rate_hz(&net.populations[p.pre.population]) * timestep_ms * 1e-3;
        let post = &mut self.per_neuron[p.post.population];
        self.scales[p.post.population] = t.scale;
        let plastic = plastic_weight(&p.synapse, synapses);
        for (i, &n) in synapses.post.iter().enumerate() {
            let w = plastic.unwrap_or_else(|| f64::from(synapses.weights.get(i)).abs()) * t.scale;
            post[n as usize][usize::from(t.synapse_type)].add(w, lambda, synapses.delays.get(i));
        }
    }
}

/// Per slice and synapse type, how weights are stored.
pub fn weight_scales(
    bounds: &InputBounds,
    partition: &Partition,
) -> Result<Vec<[WeightScale; 2]>, String> {
    if let Some(e) = &bounds.error {
        return Err(e.clone());
    }
    Ok(partition
        .slices
        .iter()
        .map(|s| {
            let neurons = &bounds.per_neuron[s.population][s.lo as usize..s.hi as usize];
            std::array::from_fn(|t| {
                let bound = neurons.iter().map(|n| n[t].bound()).fold(0.0, f64::max);
                WeightScale {
                    shift: shift_for(bound),
                    scale: bounds.scales[s.population],
                }
            })
        })
        .collect())
}

/// The word layout of every neuron population's cores (sources get a minimal placeholder).
pub fn layouts(
    net: &Network,
    partition: &Partition,
    incoming: &[super::synapses::IncomingStats],
) -> Result<Vec<SynapticWordLayout>, String> {
    net.populations
        .iter()
        .enumerate()
        .map(|(p, population)| {
            SynapticWordLayout::for_core(
                partition.populations[p].atoms_per_core,
                SYNAPSE_TYPES,
                incoming[p].max_delay_steps.max(1),
            )
            .map_err(|e| format!("populations '{}': {e}", population.label))
        })
        .collect()
}
