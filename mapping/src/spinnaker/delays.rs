//! Delay extensions: synapses whose delay exceeds the receiving core's ring-buffer reach go through a
//! delay-extension core, as sPyNNaker's `DelaySupportAdder` arranges it (mapping-and-pynn.md A1.3, spinnaker.md
//! §4.8).
//!
//! One delay vertex per source population that needs one, sliced like the source (one delay core per source
//! slice). It re-emits each spike at stages 1..=n of `per_stage` ticks each, with its own keys: stage s of
//! source neuron n is delay neuron `(s - 1) * slice_len + n`. A synapse of delay d whose target core reaches
//! `native` slots is direct when `d <= native`; otherwise it sits in the delayed rows of stage
//! `s = ceil(d / per_stage) - 1` with the remaining delay `d - s * per_stage` (1..=per_stage). `per_stage` is the
//! smallest native reach among the delayed targets, so every remainder fits its target's ring buffers.

use nmemu_loader::Network;
use serde::Serialize;
use spinnaker_emu::runtime::synapse_row::SynapticWordLayout;

use super::partition::Partition;
use super::summary::ProjectionSummary;

pub use spinnaker_emu::image::MAX_DELAY_STAGES;

/// The delay vertex of one source population.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DelayVertex {
    pub source: usize,
    /// Ticks per stage.
    pub per_stage: u32,
    pub n_stages: u32,
}

/// Which source populations get a delay vertex, and where their cores sit among the machine vertices
/// (after the partition's slices).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DelayPlan {
    pub vertices: Vec<DelayVertex>,
    /// Per population, its delay vertex (index into `vertices`).
    pub of_population: Vec<Option<usize>>,
    /// Per delay vertex, the machine-vertex index of its first slice's core.
    first_vertex: Vec<usize>,
}

impl DelayPlan {
    /// Machine vertices: the partition's slices, then one delay core per slice of each delayed source.
    pub fn n_vertices(&self, partition: &Partition) -> usize {
        partition.slices.len()
            + self
                .vertices
                .iter()
                .map(|v| partition.populations[v.source].slices.len())
                .sum::<usize>()
    }

    /// The machine vertex of delay vertex `v`'s core for source slice `c` (index within the population).
    pub fn vertex_of(&self, v: usize, c: u32) -> usize {
        self.first_vertex[v] + c as usize
    }

    /// Every delay core: (machine vertex, delay vertex, source slice index in `partition.slices`).
    pub fn cores<'a>(
        &'a self,
        partition: &'a Partition,
    ) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
        self.vertices
            .iter()
            .enumerate()
            .flat_map(move |(v, vertex)| {
                partition.populations[vertex.source]
                    .slices
                    .clone()
                    .enumerate()
                    .map(move |(c, s)| (self.first_vertex[v] + c, v, s))
            })
    }

    /// (source slice index within the population, stage, neuron within the slice) of a delayed row.
    pub fn split_row(
        &self,
        partition: &Partition,
        vertex: &DelayVertex,
        row: u32,
    ) -> (u32, u32, u32) {
        let source = &partition.populations[vertex.source];
        let per_slice = vertex.n_stages * source.atoms_per_core;
        let (c, rest) = (row / per_slice, row % per_slice);
        let slice_len = partition.slices[source.slices.start + c as usize].len();
        (c, rest / slice_len + 1, rest % slice_len)
    }
}

/// Where a synapse of `delay` steps goes: directly (`None`) or through stage `s` with the remaining delay.
pub fn route_delay(delay: u32, native: u32, vertex: Option<&DelayVertex>) -> Option<(u32, u32)> {
    let v = vertex.filter(|_| delay > native)?;
    let stage = delay.div_ceil(v.per_stage) - 1;
    Some((stage, delay - stage * v.per_stage))
}

/// Plans the delay vertices from the longest delay each projection needs and its target's native reach.
pub fn plan(
    net: &Network,
    summaries: &[ProjectionSummary],
    layouts: &[SynapticWordLayout],
    partition: &Partition,
) -> Result<DelayPlan, String> {
    // Per source population: (smallest native reach of a delayed target, longest delayed delay).
    let mut needs: Vec<Option<(u32, u32)>> = vec![None; net.populations.len()];
    for (p, summary) in net.projections.iter().zip(summaries) {
        let native = layouts[p.post.population].delay_slots();
        let longest = summary.max_delay;
        if longest > native {
            let need = needs[p.pre.population].get_or_insert((native, longest));
            *need = (need.0.min(native), need.1.max(longest));
        }
    }
    let mut out = DelayPlan {
        vertices: Vec::new(),
        of_population: vec![None; net.populations.len()],
        first_vertex: Vec::new(),
    };
    let mut next_vertex = partition.slices.len();
    for (source, need) in needs.into_iter().enumerate() {
        let Some((per_stage, longest)) = need else {
            continue;
        };
        let n_stages = longest.div_ceil(per_stage) - 1;
        if n_stages > MAX_DELAY_STAGES {
            return Err(format!(
                "populations '{}': delays of up to {longest} timesteps need {n_stages} delay stages of {per_stage}; \
                 a delay-extension core has at most {MAX_DELAY_STAGES}",
                net.populations[source].label
            ));
        }
        out.of_population[source] = Some(out.vertices.len());
        out.first_vertex.push(next_vertex);
        next_vertex += partition.populations[source].slices.len();
        out.vertices.push(DelayVertex {
            source,
            per_stage,
            n_stages,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_split_into_a_stage_and_a_remainder_that_fits() {
        let v = DelayVertex {
            source: 0,
            per_stage: 16,
            n_stages: 8,
        };
        assert_eq!(route_delay(16, 16, Some(&v)), None, "within reach: direct");
        assert_eq!(route_delay(17, 16, Some(&v)), Some((1, 1)));
        assert_eq!(route_delay(32, 16, Some(&v)), Some((1, 16)));
        assert_eq!(route_delay(33, 16, Some(&v)), Some((2, 1)));
        assert_eq!(route_delay(144, 16, Some(&v)), Some((8, 16)));
        // A target with a longer native reach keeps its delays direct.
        assert_eq!(route_delay(40, 64, Some(&v)), None);
        for d in 17..=144 {
            let (s, rest) = route_delay(d, 16, Some(&v)).unwrap();
            assert!((1..=8).contains(&s) && (1..=16).contains(&rest) && s * 16 + rest == d);
        }
    }
}
