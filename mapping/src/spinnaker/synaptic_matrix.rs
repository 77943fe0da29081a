//! Synaptic matrices: the expanded synapses of every projection -> per-core synaptic matrices in the runtime's
//! row format (spinnaker.md §4.5, §4.6) and the master population table entries that find them.
//!
//! Layout on a receiving core, as sPyNNaker lays it out: one master-population-table entry per source
//! *population* (its key space, with the slice field as the entry's core field, see `keys`), and behind it one
//! synaptic matrix per projection from that population, with a row for every neuron of the source population
//! (neuron id = slice index * atoms per core + local index, §4.5). A row holds the synapses of one source
//! neuron onto this core's neurons; rows are padded to the matrix's longest row. A row longer than the
//! runtime's 256 synapses (254 plastic) is split over several matrices of the same source, which the core
//! fetches one after the other.
//!
//! Synapses that need a delay extension (`delays`) go into *delayed* matrices behind a second entry, the key
//! space of the source's delay vertex; their rows are indexed by delay neuron (slice index * stages * atoms
//! per core + (stage - 1) * slice length + local index) and their delays are the remainders.
//!
//! One pass per projection expands it (the mapper's second pass, see `summary`), encodes its words into
//! per-slice buckets and drops the synapses; the rows of the slices of one population are then built in
//! parallel. Only one projection's synapses are held at a time.

use std::collections::BTreeSet;

use nmemu_loader::{Network, Synapses, expand};
use rayon::prelude::*;
use spinnaker_emu::runtime::master_pop_table::{AddressListItem, PopSource};
use spinnaker_emu::runtime::stdp::MAX_PLASTIC_ROW_SYNAPSES;
use spinnaker_emu::runtime::synapse_row::{
    MAX_ROW_SYNAPSES, SynapticRegion, SynapticRow, SynapticWordLayout,
};

use super::delays::{DelayPlan, route_delay};
use super::keys::KeyLayout;
use super::partition::Partition;
use super::synapses::target;
use super::weights::{Quantisation, WeightScale};

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
    /// Row r holds projection synapses `synapses[row_start[r]..row_start[r + 1]]`, in order.
    pub row_start: Vec<u32>,
    pub synapses: Vec<u32>,
}

/// Everything the synaptic phase produces.
pub struct SynapticData {
    /// Indexed like `Partition::slices` (empty for source slices).
    pub slices: Vec<SliceSynapses>,
    /// Per vertex (slices, then delay-extension slices), the vertices its spikes reach (sorted).
    pub targets: Vec<Vec<usize>>,
    /// Per delay vertex and slice of its source, per stage, a bitfield of the source neurons whose delayed
    /// spikes have synapses somewhere (the delay core sends only those).
    pub stage_masks: Vec<Vec<Vec<Vec<u32>>>>,
    /// Per projection.
    pub quantisation: Vec<Quantisation>,
    /// Per projection, its plastic synapses stored with a delay field of 0 (a delay of exactly the ring
    /// buffers' length), which the runtime's plastic code skips at every spike (`add_plastic_synapse`).
    pub plastic_never_applied: Vec<u64>,
    /// Per projection, its plastic matrices (empty for static projections).
    pub plastic: Vec<Vec<PlasticMatrix>>,
    /// Per plastic projection, (pre, post) population indices of its synapses in synapse order (empty for
    /// static projections).
    pub plastic_pairs: Vec<Vec<(u32, u32)>>,
}

/// Per post slice: (row, synaptic word, synapse index) sorted by row.
type Buckets = Vec<Vec<(u32, u32, u32)>>;

/// Builds every neuron core's matrices and master population table sources.
pub fn build(
    net: &Network,
    partition: &Partition,
    keys: &KeyLayout,
    delays: &DelayPlan,
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
    let mut targets = vec![BTreeSet::new(); delays.n_vertices(partition)];
    let mut stage_masks: Vec<Vec<Vec<Vec<u32>>>> = delays
        .vertices
        .iter()
        .map(|v| {
            partition.populations[v.source]
                .slices
                .clone()
                .map(|s| {
                    let words = partition.slices[s].len().div_ceil(32) as usize;
                    vec![vec![0; words]; v.n_stages as usize]
                })
                .collect()
        })
        .collect();
    let mut quantisation = vec![Quantisation::default(); net.projections.len()];
    let mut plastic_never_applied = vec![0; net.projections.len()];
    let mut plastic = vec![Vec::new(); net.projections.len()];
    let mut plastic_pairs = vec![Vec::new(); net.projections.len()];
    // One set of buckets for every projection: their capacity is kept, so the large vectors are not
    // allocated (and their pages zeroed by the kernel) again for each projection.
    let mut encoded = Encoded::default();
    for post in 0..net.populations.len() {
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
            let pre_slices = &partition.populations[pre];
            let delay = delays.of_population[pre].map(|v| (v, delays.vertices[v]));
            let mut direct_items = vec![Vec::new(); post_slices.len()];
            let mut delayed_items = vec![Vec::new(); post_slices.len()];
            for &j in group {
                let synapses = expand(net, j).map_err(|e| e.to_string())?;
                encode(
                    net,
                    j,
                    &synapses,
                    (partition, delays, scales, layouts),
                    &mut encoded,
                )?;
                quantisation[j].merge(&encoded.quantisation);
                plastic_never_applied[j] += encoded.plastic_never_applied;
                let row_kind = target(net, j)?.plastic.then_some(layouts[post]);
                if row_kind.is_some() {
                    plastic_pairs[j] = synapse_pairs(net, j, &synapses);
                }
                drop(synapses);
                let delayed_rows = delay.map_or(0, |(_, v)| {
                    pre_slices.slices.len() as u32 * v.n_stages * pre_slices.atoms_per_core
                });
                for (buckets, n_rows, items, delayed) in [
                    (
                        &encoded.direct,
                        net.populations[pre].size,
                        &mut direct_items,
                        false,
                    ),
                    (&encoded.delayed, delayed_rows, &mut delayed_items, true),
                ] {
                    // Each post slice's matrices go into its own region, so the slices are built in parallel.
                    let pushed: Vec<Result<Vec<PushedMatrix>, String>> = buckets
                        .par_iter()
                        .zip(slices[post_slices.clone()].par_iter_mut())
                        .map(|(bucket, s)| push_matrices(bucket, n_rows, row_kind, &mut s.region))
                        .collect();
                    for (k, (bucket, matrices)) in buckets.iter().zip(pushed).enumerate() {
                        let slice = post_slices.start + k;
                        // Rows are sorted: visit each row once, whatever its length.
                        for run in bucket.chunk_by(|a, b| a.0 == b.0) {
                            let row = run[0].0;
                            match delay.filter(|_| delayed) {
                                None => {
                                    targets[partition.slice_of(pre, row)].insert(slice);
                                }
                                Some((v, vertex)) => {
                                    let (c, stage, n) = delays.split_row(partition, &vertex, row);
                                    let source_slice = pre_slices.slices.start + c as usize;
                                    let delay_vertex = delays.vertex_of(v, c);
                                    targets[source_slice].insert(delay_vertex);
                                    targets[delay_vertex].insert(slice);
                                    stage_masks[v][c as usize][stage as usize - 1]
                                        [n as usize / 32] |= 1 << (n % 32);
                                }
                            }
                        }
                        for m in matrices.map_err(|e| format!("projections[{j}]: {e}"))? {
                            items[k].push(m.item);
                            if row_kind.is_some() {
                                plastic[j].push(PlasticMatrix {
                                    slice,
                                    item: m.item,
                                    row_start: m.row_start,
                                    synapses: m.synapses,
                                });
                            }
                        }
                    }
                }
            }
            for (k, (direct, delayed)) in direct_items.into_iter().zip(delayed_items).enumerate() {
                let sources = &mut slices[post_slices.start + k].sources;
                if !direct.is_empty() {
                    sources.push(keys.pop_source(pre, pre_slices.atoms_per_core, direct));
                }
                if let Some((v, vertex)) = delay.filter(|_| !delayed.is_empty()) {
                    sources.push(keys.pop_source(
                        net.populations.len() + v,
                        vertex.n_stages * pre_slices.atoms_per_core,
                        delayed,
                    ));
                }
            }
        }
        slices[post_slices]
            .par_iter_mut()
            .for_each(|s| s.region.shrink_to_fit());
    }
    Ok(SynapticData {
        slices,
        targets: targets
            .into_iter()
            .map(|t| t.into_iter().collect())
            .collect(),
        stage_masks,
        quantisation,
        plastic_never_applied,
        plastic,
        plastic_pairs,
    })
}

/// (pre, post) population indices of projection `j`'s synapses, in synapse order.
fn synapse_pairs(net: &Network, j: usize, s: &Synapses) -> Vec<(u32, u32)> {
    let p = &net.projections[j];
    (0..p.pre.len())
        .flat_map(|k| s.post[s.row(k)].iter().map(move |&n| (p.pre.index(k), n)))
        .collect()
}

/// One projection's words, bucketed by post slice.
#[derive(Default)]
struct Encoded {
    direct: Buckets,
    delayed: Buckets,
    quantisation: Quantisation,
    plastic_never_applied: u64,
}

/// What every projection's encoding reads: the partition, delay plan, per-slice weight scales and per-population
/// word layouts.
type Plan<'a> = (
    &'a Partition,
    &'a DelayPlan,
    &'a [[WeightScale; 2]],
    &'a [SynapticWordLayout],
);

/// Encodes projection `j` into `out` (its buckets cleared first, their capacity kept).
fn encode(
    net: &Network,
    j: usize,
    synapses: &Synapses,
    (partition, delays, scales, layouts): Plan<'_>,
    out: &mut Encoded,
) -> Result<(), String> {
    let p = &net.projections[j];
    let t = target(net, j)?;
    let post = &partition.populations[p.post.population];
    let pre = &partition.populations[p.pre.population];
    let layout = layouts[p.post.population];
    let native = layout.delay_slots();
    let vertex = delays.of_population[p.pre.population].map(|v| delays.vertices[v]);
    out.quantisation = Quantisation::default();
    out.plastic_never_applied = 0;
    for buckets in [&mut out.direct, &mut out.delayed] {
        buckets.resize_with(post.slices.len(), Vec::new);
        buckets.truncate(post.slices.len());
        buckets.iter_mut().for_each(Vec::clear);
    }
    for k in 0..p.pre.len() {
        let source = p.pre.index(k);
        let range =
            synapses.row_start[k as usize] as usize..synapses.row_start[k as usize + 1] as usize;
        for i in range {
            let n = synapses.post[i];
            let slice = (n / post.atoms_per_core) as usize;
            let scale = scales[post.slices.start + slice][usize::from(t.synapse_type)];
            let weight = scale.quantise(synapses.weights.get(i), &mut out.quantisation);
            let steps = u32::from(synapses.delays.get(i));
            let (row, steps, buckets) = match route_delay(steps, native, vertex.as_ref()) {
                None => (source, steps, &mut out.direct),
                Some((stage, rest)) => {
                    let v = vertex.expect("routed through a delay vertex");
                    let c = source / pre.atoms_per_core;
                    let slice_len = partition.slices[pre.slices.start + c as usize].len();
                    let row = c * v.n_stages * pre.atoms_per_core
                        + (stage - 1) * slice_len
                        + source % pre.atoms_per_core;
                    (row, rest, &mut out.delayed)
                }
            };
            let delay = layout
                .delay_field(steps)
                .map_err(|e| format!("projections[{j}] '{}': synapse {i}: {e}", p.label))?;
            out.plastic_never_applied += u64::from(t.plastic && delay == 0);
            let index = (n % post.atoms_per_core) as u16;
            let word = layout
                .encode(weight, delay, t.synapse_type, index)
                .map_err(|e| format!("projections[{j}] '{}': {e}", p.label))?;
            buckets[slice].push((row, word, i as u32));
        }
    }
    // Direct rows come in source order already unless the view reorders the sources; delayed rows interleave
    // stages. A stable sort keeps each row's synapses in synapse order.
    for bucket in out.direct.iter_mut().chain(&mut out.delayed) {
        if !bucket.is_sorted_by_key(|&(r, _, _)| r) {
            bucket.sort_by_key(|&(r, _, _)| r);
        }
    }
    Ok(())
}

/// One synaptic matrix written into a core's region: its address-list item and the projection synapses of its
/// rows (see [`PlasticMatrix`]).
struct PushedMatrix {
    item: AddressListItem,
    row_start: Vec<u32>,
    synapses: Vec<u32>,
}

/// Writes the matrices of one (projection, post slice) into the slice's `region`: `n_rows` rows, split into as
/// many matrices as the longest row needs (a fixed row holds at most 256 synapses, a plastic one 254). Fixed
/// rows are written in place; plastic rows (`plastic` gives the core's word layout) are built first, their
/// length depending on the rule's region.
fn push_matrices(
    bucket: &[(u32, u32, u32)],
    n_rows: u32,
    plastic: Option<SynapticWordLayout>,
    region: &mut SynapticRegion,
) -> Result<Vec<PushedMatrix>, String> {
    if bucket.is_empty() {
        return Ok(Vec::new());
    }
    let per_row = if plastic.is_some() {
        MAX_PLASTIC_ROW_SYNAPSES
    } else {
        MAX_ROW_SYNAPSES
    };
    let mut starts = Vec::with_capacity(n_rows as usize + 1);
    let mut i = 0;
    for row in 0..n_rows {
        starts.push(i);
        while i < bucket.len() && bucket[i].0 == row {
            i += 1;
        }
    }
    starts.push(i);
    let longest = starts.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    let n_parts = longest.div_ceil(per_row).max(1);
    // Row r's entries in part `part`.
    let part_of = |w: &[usize], part: usize| {
        let lo = (w[0] + part * per_row).min(w[1]);
        &bucket[lo..(lo + per_row).min(w[1])]
    };
    let mut out = Vec::with_capacity(n_parts);
    let mut words = Vec::with_capacity(per_row);
    for part in 0..n_parts {
        let (item, row_start, synapses) = match plastic {
            None => {
                let row_length = starts.windows(2).map(|w| part_of(w, part).len()).max();
                let item = region.push_rows(
                    row_length.unwrap_or(0).max(1) as u16,
                    n_rows as usize,
                    |r, out| {
                        words.clear();
                        words.extend(part_of(&starts[r..r + 2], part).iter().map(|e| e.1));
                        SynapticRow::write(&[], &words, &[], out)
                    },
                );
                (item, Vec::new(), Vec::new())
            }
            Some(layout) => {
                let mut row_start = vec![0u32];
                let mut synapses = Vec::new();
                let mut fixed = Vec::with_capacity(per_row);
                let rows: Vec<SynapticRow> = starts
                    .windows(2)
                    .map(|w| {
                        let entries = part_of(w, part);
                        synapses.extend(entries.iter().map(|&(_, _, i)| i));
                        row_start.push(synapses.len() as u32);
                        fixed.clear();
                        fixed.extend(entries.iter().map(|&(_, word, _)| layout.decode(word)));
                        SynapticRow::plastic(layout, &fixed, &[]).map_err(|e| e.to_string())
                    })
                    .collect::<Result<_, _>>()?;
                let row_length = rows.iter().map(SynapticRow::length_words).max();
                let item = region.push_rows(
                    row_length.unwrap_or(0).max(1) as u16,
                    rows.len(),
                    |r, out| {
                        out.extend_from_slice(rows[r].row_words());
                        Ok(())
                    },
                );
                (item, row_start, synapses)
            }
        };
        out.push(PushedMatrix {
            item: item.map_err(|e| e.to_string())?,
            row_start,
            synapses,
        });
    }
    Ok(out)
}
