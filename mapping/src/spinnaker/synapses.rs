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
use nmemu_loader::format::{ReceptorType, SynapseSpec};
use nmemu_loader::network::Population;
use nmemu_loader::{Network, Synapses};
use rayon::prelude::*;
use spinnaker_emu::runtime::master_pop_table::PopSource;
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

/// How a projection's synapses enter the runtime: synapse type and weight scale.
#[derive(Clone, Copy, Debug)]
struct Target {
    synapse_type: u8,
    scale: f64,
}

fn target(net: &Network, projection: usize) -> Result<Target, String> {
    let p = &net.projections[projection];
    let at = format!("projections[{projection}] '{}'", p.label);
    match p.synapse {
        SynapseSpec::StaticSynapse { .. } => {}
        SynapseSpec::StdpMechanism { .. } => {
            return Err(format!(
                "{at}: STDPMechanism is not mapped to SpiNNaker yet (plastic rows are being added)"
            ));
        }
        _ => {
            return Err(format!(
                "{at}: {} has no SpiNNaker runtime implementation; use StaticSynapse",
                synapse_name(&p.synapse)
            ));
        }
    }
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
    })
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

/// Everything the second pass produces.
pub struct SynapticData {
    /// Indexed like `Partition::slices` (empty for source slices).
    pub slices: Vec<SliceSynapses>,
    /// Per source slice, the slices it has synapses on (sorted).
    pub targets: Vec<Vec<usize>>,
    /// Per projection.
    pub quantisation: Vec<Quantisation>,
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
                let buckets = encode(net, j, &expanded[j], partition, scales, layouts)?;
                let (words, q) = buckets;
                quantisation[j].merge(&q);
                let pre_size = net.populations[pre].size;
                let built: Vec<Result<Vec<SynapticMatrix>, String>> = words
                    .par_iter()
                    .map(|bucket| matrices(bucket, pre_size))
                    .collect();
                for (k, (bucket, matrices)) in words.iter().zip(built).enumerate() {
                    let slice = post_slices.start + k;
                    for &(source_neuron, _) in bucket {
                        targets[partition.slice_of(pre, source_neuron)].insert(slice);
                    }
                    for m in matrices.map_err(|e| format!("projections[{j}]: {e}"))? {
                        let item = slices[slice]
                            .region
                            .push(&m)
                            .map_err(|e| format!("projections[{j}]: {e}"))?;
                        items[k].push(item);
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
    })
}

/// Per post slice of projection `j`, its (source neuron, synaptic word) pairs sorted by source neuron.
type Buckets = Vec<Vec<(u32, u32)>>;

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
            sorted &= bucket.last().is_none_or(|&(s, _)| s <= source);
            bucket.push((source, word));
        }
    }
    if !sorted {
        for bucket in &mut buckets {
            bucket.sort_by_key(|&(s, _)| s);
        }
    }
    Ok((buckets, q))
}

/// The matrices of one (projection, post slice): a row per source neuron, split into as many matrices as the
/// longest row needs (each row at most the runtime's 256 synapses).
fn matrices(bucket: &[(u32, u32)], n_sources: u32) -> Result<Vec<SynapticMatrix>, String> {
    if bucket.is_empty() {
        return Ok(Vec::new());
    }
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
    let n_parts = longest.div_ceil(MAX_ROW_SYNAPSES).max(1);
    let mut out = Vec::with_capacity(n_parts);
    let mut words = Vec::with_capacity(MAX_ROW_SYNAPSES);
    for part in 0..n_parts {
        let rows: Vec<SynapticRow> = starts
            .windows(2)
            .map(|w| {
                words.clear();
                let lo = (w[0] + part * MAX_ROW_SYNAPSES).min(w[1]);
                let hi = (lo + MAX_ROW_SYNAPSES).min(w[1]);
                words.extend(bucket[lo..hi].iter().map(|&(_, word)| word));
                SynapticRow::fixed(&words).map_err(|e| e.to_string())
            })
            .collect::<Result<_, _>>()?;
        out.push(SynapticMatrix::new(&rows).map_err(|e| e.to_string())?);
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
