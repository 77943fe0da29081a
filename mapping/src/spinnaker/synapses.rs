//! Synaptic data: the expanded synapses of every projection -> per-core synaptic matrices in the runtime's row
//! format (spinnaker.md §4.5, §4.6) and the master population table entries that find them.
//!
//! Layout on a receiving core, as sPyNNaker lays it out: one master-population-table entry per source
//! *population* (its key space, with the slice field as the entry's core field, see `keys`), and behind it one
//! synaptic matrix per projection from that population, with a row for every neuron of the source population
//! (neuron id = slice index * atoms per core + local index, §4.5). A row holds the synapses of one source
//! neuron onto this core's neurons; rows are padded to the matrix's longest row. A row longer than the
//! runtime's 256 synapses is split over several matrices of the same source, which the core fetches one
//! after the other.
//!
//! Two passes over every projection: the first sums what each neuron receives ([`InputBound`]) to choose the
//! weight shifts, the second encodes words with them. Both are sequential per projection and cheap next to
//! expansion; the rows of the slices of one population are then built in parallel.

use std::collections::BTreeSet;

use nmemu_loader::format::cells::{CellType, SynapseKind};
use nmemu_loader::format::{ReceptorType, SynapseSpec, TimingDependence, WeightDependence};
use nmemu_loader::network::Population;
use nmemu_loader::{Network, Synapses};
use rayon::prelude::*;
use spinnaker_emu::runtime::master_pop_table::{AddressListItem, PopSource};
use spinnaker_emu::runtime::stdp::{
    MAX_PLASTIC_ROW_SYNAPSES, PynnWeightDependence, SpikePairRule, StdpConfig, WeightRule,
};
use spinnaker_emu::runtime::synapse_row::{
    MAX_ROW_SYNAPSES, SynapticMatrix, SynapticRegion, SynapticRow, SynapticWordLayout,
};

use super::keys::KeyLayout;
use super::partition::{Partition, SYNAPSE_TYPES};
use super::weights::{DEFAULT_RATE_HZ, InputBound, Quantisation, WeightScale, shift_for};

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

/// One projection into a population, as the partitioner's spike estimate needs it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IncomingProjection {
    pub n_pre: f64,
    /// Mean synapses per source neuron.
    pub out_degree: f64,
    pub rate_hz: f64,
    pub post_size: f64,
}

/// What arrives at one population, for the partitioner's budgets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IncomingStats {
    /// The longest incoming delay, in timesteps.
    pub max_delay_steps: u32,
    /// Expected synaptic events per post-synaptic neuron per second.
    pub events_per_neuron_per_s: f64,
    pub projections: Vec<IncomingProjection>,
}

impl IncomingStats {
    pub fn events_per_neuron_per_tick(&self, timestep_ms: f64) -> f64 {
        self.events_per_neuron_per_s * timestep_ms * 1e-3
    }

    /// Expected spikes per tick arriving at a slice of `atoms` neurons: a source neuron with `r` random
    /// synapses into N neurons reaches a given slice with probability `1 - (1 - atoms/N)^r`; each of its
    /// spikes costs the slice one packet, one table search and one row fetch however many synapses the row has.
    pub fn source_spikes_per_tick(&self, atoms: u32, timestep_ms: f64) -> f64 {
        self.projections
            .iter()
            .map(|p| {
                let share = (f64::from(atoms) / p.post_size.max(1.0)).min(1.0);
                let reach = 1.0 - (1.0 - share).powf(p.out_degree);
                p.n_pre * reach * p.rate_hz * timestep_ms * 1e-3
            })
            .sum()
    }
}

/// Per population, what its projections bring.
pub fn incoming_stats(net: &Network, expanded: &[Synapses]) -> Vec<IncomingStats> {
    let mut stats = vec![IncomingStats::default(); net.populations.len()];
    for (p, synapses) in net.projections.iter().zip(expanded) {
        let rate = source_rate_hz(&net.populations[p.pre.population]);
        let s = &mut stats[p.post.population];
        let n = synapses.post.len() as f64;
        let n_pre = f64::from(p.pre.len());
        s.max_delay_steps = s.max_delay_steps.max(max_delay(synapses));
        s.events_per_neuron_per_s += n * rate / f64::from(p.post.population_size.max(1));
        s.projections.push(IncomingProjection {
            n_pre,
            out_degree: n / n_pre.max(1.0),
            rate_hz: rate,
            post_size: f64::from(p.post.population_size),
        });
    }
    stats
}

fn max_delay(synapses: &Synapses) -> u32 {
    use nmemu_loader::connectors::PerSynapse;
    match &synapses.delays {
        PerSynapse::Same(d) if !synapses.post.is_empty() => u32::from(*d),
        PerSynapse::Same(_) => 0,
        PerSynapse::Each(d) => d.iter().copied().max().map_or(0, u32::from),
    }
}

/// How a projection's synapses enter the runtime: synapse type, weight scale, plastic rows or fixed words.
#[derive(Clone, Copy, Debug)]
struct Target {
    synapse_type: u8,
    scale: f64,
    plastic: bool,
}

fn target(net: &Network, projection: usize) -> Result<Target, String> {
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
            let Some((
                j,
                TimingDependence::SpikePairRule {
                    tau_plus,
                    tau_minus,
                    a_plus,
                    a_minus,
                },
                w,
            )) = rule
            else {
                return Ok(None);
            };
            let (w_min, w_max) = w.bounds();
            let dependence = PynnWeightDependence {
                rule: match w {
                    WeightDependence::AdditiveWeightDependence { .. } => WeightRule::Additive,
                    WeightDependence::MultiplicativeWeightDependence { .. } => {
                        WeightRule::Multiplicative
                    }
                },
                w_min,
                w_max,
            };
            let scale =
                if net.populations[q].cell_type.synapse_kind() == Some(SynapseKind::Conductance) {
                    1024.0
                } else {
                    1.0
                };
            StdpConfig::from_pynn(
                &SpikePairRule {
                    tau_plus,
                    tau_minus,
                    a_plus,
                    a_minus,
                },
                &dependence,
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

/// Per slice and synapse type, how weights are stored.
pub fn weight_scales(
    net: &Network,
    expanded: &[Synapses],
    partition: &Partition,
    timestep_ms: f64,
) -> Result<Vec<[WeightScale; 2]>, String> {
    let mut bounds: Vec<Vec<[InputBound; 2]>> = net
        .populations
        .iter()
        .map(|p| vec![[InputBound::default(); 2]; p.size as usize])
        .collect();
    let mut scales = vec![1.0; net.populations.len()];
    for (index, (p, synapses)) in net.projections.iter().zip(expanded).enumerate() {
        let t = target(net, index)?;
        let lambda = source_rate_hz(&net.populations[p.pre.population]) * timestep_ms * 1e-3;
        let post = &mut bounds[p.post.population];
        scales[p.post.population] = t.scale;
        for (i, &n) in synapses.post.iter().enumerate() {
            let w = f64::from(synapses.weights.get(i)).abs() * t.scale;
            post[n as usize][usize::from(t.synapse_type)].add(w, lambda, synapses.delays.get(i));
        }
    }
    Ok(partition
        .slices
        .iter()
        .map(|s| {
            let neurons = &bounds[s.population][s.lo as usize..s.hi as usize];
            std::array::from_fn(|t| {
                let bound = neurons.iter().map(|n| n[t].bound()).fold(0.0, f64::max);
                WeightScale {
                    shift: shift_for(bound),
                    scale: scales[s.population],
                }
            })
        })
        .collect())
}

/// The synaptic data of one neuron core.
#[derive(Clone, Debug)]
pub struct SliceSynapses {
    pub layout: SynapticWordLayout,
    pub region: SynapticRegion,
    pub sources: Vec<PopSource>,
}

/// A plastic matrix on a core, and which synapses of its projection its rows hold, so final weights can be read
/// back in the projection's synapse order.
#[derive(Clone, Debug)]
pub struct PlasticMatrix {
    pub slice: usize,
    pub item: AddressListItem,
    /// Row of source neuron n holds projection synapses `synapses[row_start[n]..row_start[n + 1]]`, in order.
    pub row_start: Vec<u32>,
    pub synapses: Vec<u32>,
}

/// Everything the second pass produces.
pub struct SynapticData {
    /// Indexed like `Partition::slices` (empty for source slices).
    pub slices: Vec<SliceSynapses>,
    /// Per source slice, the slices it has synapses on (sorted).
    pub targets: Vec<Vec<usize>>,
    /// Per projection.
    pub quantisation: Vec<Quantisation>,
    /// Per projection, its plastic matrices (empty for static projections).
    pub plastic: Vec<Vec<PlasticMatrix>>,
}

/// Builds every neuron core's matrices and master population table sources.
pub fn build(
    net: &Network,
    expanded: &[Synapses],
    partition: &Partition,
    keys: &KeyLayout,
    scales: &[[WeightScale; 2]],
    layouts: &[SynapticWordLayout],
) -> Result<SynapticData, String> {
    let mut slices: Vec<SliceSynapses> = partition
        .slices
        .iter()
        .map(|s| SliceSynapses {
            layout: layouts[s.population],
            region: SynapticRegion::new(),
            sources: Vec::new(),
        })
        .collect();
    let mut targets = vec![BTreeSet::new(); partition.slices.len()];
    let mut quantisation = vec![Quantisation::default(); net.projections.len()];
    let mut plastic = vec![Vec::new(); net.projections.len()];
    for (post, _) in net.populations.iter().enumerate() {
        let post_slices = partition.populations[post].slices.clone();
        // Incoming projections grouped by source population, in population then projection order.
        let mut incoming: Vec<usize> = (0..net.projections.len())
            .filter(|&j| net.projections[j].post.population == post)
            .collect();
        incoming.sort_by_key(|&j| (net.projections[j].pre.population, j));
        for group in incoming.chunk_by(|&a, &b| {
            net.projections[a].pre.population == net.projections[b].pre.population
        }) {
            let pre = net.projections[group[0]].pre.population;
            let mut items = vec![Vec::new(); post_slices.len()];
            for &j in group {
                let (words, q) = encode(net, j, &expanded[j], partition, scales, layouts)?;
                quantisation[j].merge(&q);
                let pre_size = net.populations[pre].size;
                let layout = layouts[post];
                let row_kind = target(net, j)?.plastic.then_some(layout);
                let built: Vec<Result<Vec<BuiltMatrix>, String>> = words
                    .par_iter()
                    .map(|bucket| matrices(bucket, pre_size, row_kind))
                    .collect();
                for (k, (bucket, matrices)) in words.iter().zip(built).enumerate() {
                    let slice = post_slices.start + k;
                    for &(source_neuron, _, _) in bucket {
                        targets[partition.slice_of(pre, source_neuron)].insert(slice);
                    }
                    for m in matrices.map_err(|e| format!("projections[{j}]: {e}"))? {
                        let item = slices[slice]
                            .region
                            .push(&m.matrix)
                            .map_err(|e| format!("projections[{j}]: {e}"))?;
                        items[k].push(item);
                        if row_kind.is_some() {
                            plastic[j].push(PlasticMatrix {
                                slice,
                                item,
                                row_start: m.row_start,
                                synapses: m.synapses,
                            });
                        }
                    }
                }
            }
            for (k, items) in items.into_iter().enumerate() {
                if !items.is_empty() {
                    let atoms = partition.populations[pre].atoms_per_core;
                    slices[post_slices.start + k]
                        .sources
                        .push(keys.pop_source(pre, atoms, items));
                }
            }
        }
    }
    Ok(SynapticData {
        slices,
        targets: targets
            .into_iter()
            .map(|t| t.into_iter().collect())
            .collect(),
        quantisation,
        plastic,
    })
}

/// Per post slice of projection `j`, its (source neuron, synaptic word, synapse index) sorted by source neuron.
type Buckets = Vec<Vec<(u32, u32, u32)>>;

fn encode(
    net: &Network,
    j: usize,
    synapses: &Synapses,
    partition: &Partition,
    scales: &[[WeightScale; 2]],
    layouts: &[SynapticWordLayout],
) -> Result<(Buckets, Quantisation), String> {
    let p = &net.projections[j];
    let t = target(net, j)?;
    let post = &partition.populations[p.post.population];
    let layout = layouts[p.post.population];
    let mut buckets: Buckets = vec![Vec::new(); post.slices.len()];
    let mut q = Quantisation::default();
    let mut sorted = true;
    for k in 0..p.pre.len() {
        let source = p.pre.index(k);
        let range =
            synapses.row_start[k as usize] as usize..synapses.row_start[k as usize + 1] as usize;
        for i in range {
            let n = synapses.post[i];
            let slice = (n / post.atoms_per_core) as usize;
            let scale = scales[post.slices.start + slice][usize::from(t.synapse_type)];
            let weight = scale.quantise(synapses.weights.get(i), &mut q);
            let steps = u32::from(synapses.delays.get(i));
            let delay = layout
                .delay_field(steps)
                .map_err(|e| format!("projections[{j}] '{}': synapse {i}: {e}", p.label))?;
            let index = (n % post.atoms_per_core) as u16;
            let word = layout
                .encode(weight, delay, t.synapse_type, index)
                .map_err(|e| format!("projections[{j}] '{}': {e}", p.label))?;
            let bucket = &mut buckets[slice];
            sorted &= bucket.last().is_none_or(|&(s, _, _)| s <= source);
            bucket.push((source, word, i as u32));
        }
    }
    if !sorted {
        for bucket in &mut buckets {
            bucket.sort_by_key(|&(s, _, _)| s);
        }
    }
    Ok((buckets, q))
}

/// One synaptic matrix and the projection synapses of its rows (see [`PlasticMatrix`]).
struct BuiltMatrix {
    matrix: SynapticMatrix,
    row_start: Vec<u32>,
    synapses: Vec<u32>,
}

/// The matrices of one (projection, post slice): a row per source neuron, split into as many matrices as the
/// longest row needs (a fixed row holds at most 256 synapses, a plastic one 254). `plastic` gives the core's
/// word layout when the rows are plastic.
fn matrices(
    bucket: &[(u32, u32, u32)],
    n_sources: u32,
    plastic: Option<SynapticWordLayout>,
) -> Result<Vec<BuiltMatrix>, String> {
    if bucket.is_empty() {
        return Ok(Vec::new());
    }
    let per_row = if plastic.is_some() {
        MAX_PLASTIC_ROW_SYNAPSES
    } else {
        MAX_ROW_SYNAPSES
    };
    let mut starts = Vec::with_capacity(n_sources as usize + 1);
    let mut i = 0;
    for source in 0..n_sources {
        starts.push(i);
        while i < bucket.len() && bucket[i].0 == source {
            i += 1;
        }
    }
    starts.push(i);
    let longest = starts.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    let n_parts = longest.div_ceil(per_row).max(1);
    let mut out = Vec::with_capacity(n_parts);
    let mut words = Vec::with_capacity(per_row);
    let mut fixed = Vec::with_capacity(per_row);
    for part in 0..n_parts {
        let mut row_start = vec![0u32];
        let mut synapses = Vec::new();
        let rows: Vec<SynapticRow> = starts
            .windows(2)
            .map(|w| {
                let lo = (w[0] + part * per_row).min(w[1]);
                let hi = (lo + per_row).min(w[1]);
                let entries = &bucket[lo..hi];
                if plastic.is_some() {
                    synapses.extend(entries.iter().map(|&(_, _, i)| i));
                    row_start.push(synapses.len() as u32);
                }
                let row = match plastic {
                    Some(layout) => {
                        fixed.clear();
                        fixed.extend(entries.iter().map(|&(_, word, _)| layout.decode(word)));
                        SynapticRow::plastic(layout, &fixed, &[])
                    }
                    None => {
                        words.clear();
                        words.extend(entries.iter().map(|&(_, word, _)| word));
                        SynapticRow::fixed(&words)
                    }
                };
                row.map_err(|e| e.to_string())
            })
            .collect::<Result<_, _>>()?;
        out.push(BuiltMatrix {
            matrix: SynapticMatrix::new(&rows).map_err(|e| e.to_string())?,
            row_start,
            synapses,
        });
    }
    Ok(out)
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
