//! Connector expansion: a projection's rule -> explicit synapses, stored as CSR.
//!
//! [`expand`] is deterministic (same net and seed => same synapses, whatever the thread count: every stream is
//! keyed by projection label and a fixed-size chunk index), parallel (rayon over row chunks) and compact (no
//! per-synapse heap object: a row offset per pre neuron, then one `u32` post index per synapse, and weights and
//! delays stored per synapse only when they vary).
//!
//! Synapse order: rows in pre view order; within a row, posts ascending (generated connectors) or in list order
//! (`FromListConnector`). This order is the projection's synapse order, used for `<projection>.weights.npy`.

mod all_to_all;
mod fixed_number;
mod from_list;
mod probability;
mod rows;

use rayon::prelude::*;

use crate::error::LoadError;
use crate::format::reader::JsonPath;
use crate::format::{Connector, Quantity};
use crate::network::{Network, Projection};
use crate::random::{Domain, Sampler, stream};
use rows::{SelfRule, chunk_ends, expand_rows, split_at_offsets};

pub use rows::ROW_CHUNK;

/// A per-synapse quantity: one value for all synapses or one per synapse (in synapse order).
#[derive(Debug, Clone, PartialEq)]
pub enum PerSynapse<T> {
    Same(T),
    Each(Vec<T>),
}

impl<T: Copy> PerSynapse<T> {
    pub fn get(&self, i: usize) -> T {
        match self {
            PerSynapse::Same(x) => *x,
            PerSynapse::Each(v) => v[i],
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            PerSynapse::Same(_) => 0,
            PerSynapse::Each(v) => v.len() * size_of::<T>(),
        }
    }
}

/// The explicit synapses of one projection.
#[derive(Debug, Clone, PartialEq)]
pub struct Synapses {
    /// Synapses of pre view position `k` are `row_start[k]..row_start[k + 1]`; length = pre view size + 1.
    pub row_start: Vec<u64>,
    /// Post neuron of each synapse, as an index into the post *population*.
    pub post: Vec<u32>,
    /// Weight in PyNN units (nA, uS or mV by the post cell type). `f32`: 24-bit mantissa, finer than any
    /// machine's weight resolution (SpiNNaker: 16-bit fixed point).
    pub weights: PerSynapse<f32>,
    /// Delay in timesteps (rounded from ms, validated within [min_delay, max_delay]).
    pub delays: PerSynapse<u16>,
}

impl Synapses {
    pub fn len(&self) -> u64 {
        self.post.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.post.is_empty()
    }

    /// The synapses of pre view position `k`, as a range of synapse indices.
    pub fn row(&self, k: u32) -> std::ops::Range<usize> {
        self.row_start[k as usize] as usize..self.row_start[k as usize + 1] as usize
    }

    /// Memory held, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.row_start.len() * 8
            + self.post.len() * 4
            + self.weights.heap_bytes()
            + self.delays.heap_bytes()
    }
}

/// Rows and posts, plus values when the connector gives them (a four-column `FromListConnector`).
pub struct Connectivity {
    pub row_start: Vec<u64>,
    pub post: Vec<u32>,
    pub values: Option<(PerSynapse<f32>, PerSynapse<u16>)>,
}

fn rows_only((row_start, post): (Vec<u64>, Vec<u32>)) -> Connectivity {
    Connectivity {
        row_start,
        post,
        values: None,
    }
}

/// Expands projection `index` of `net` into explicit synapses.
pub fn expand(net: &Network, index: usize) -> Result<Synapses, LoadError> {
    let p = &net.projections[index];
    let seed = net.simulation.seed;
    let n_pre = p.pre.len();
    let c = match &p.connector {
        Connector::AllToAllConnector {
            allow_self_connections,
        } => rows_only(expand_rows(
            &all_to_all::AllToAll::new(p, *allow_self_connections),
            n_pre,
            seed,
            &p.label,
        )),
        Connector::OneToOneConnector {} => rows_only(expand_rows(
            &all_to_all::OneToOne { post: &p.post },
            n_pre,
            seed,
            &p.label,
        )),
        Connector::FixedProbabilityConnector {
            p_connect,
            allow_self_connections,
        } => rows_only({
            let rule = probability::FixedProbability::new(p, *p_connect, *allow_self_connections);
            expand_rows(&rule, n_pre, seed, &p.label)
        }),
        Connector::FixedNumberPostConnector {
            n,
            allow_self_connections,
            with_replacement,
        } => rows_only({
            let rule = fixed_number::FixedNumberPost {
                post: &p.post,
                n: *n,
                with_replacement: *with_replacement,
                self_rule: SelfRule::new(p, *allow_self_connections),
            };
            expand_rows(&rule, n_pre, seed, &p.label)
        }),
        Connector::FixedNumberPreConnector {
            n,
            allow_self_connections,
            with_replacement,
        } => rows_only(fixed_number::fixed_number_pre(
            p,
            *n,
            *allow_self_connections,
            *with_replacement,
            seed,
        )),
        Connector::FixedTotalNumberConnector {
            n,
            allow_self_connections,
            with_replacement,
        } => rows_only({
            let rule = fixed_number::FixedTotalNumber::new(
                p,
                *n,
                *allow_self_connections,
                *with_replacement,
                seed,
            )
            .map_err(|e| projection_path(index).field("connector").field("n").err(e))?;
            expand_rows(&rule, n_pre, seed, &p.label)
        }),
        Connector::FromListConnector { conn_list } => {
            from_list::from_list(p, conn_list, net.simulation.timestep_ms)
        }
        Connector::DistanceDependentProbabilityConnector {
            allow_self_connections,
            ..
        } => {
            let pre_pop = &net.populations[p.pre.population];
            let post_pop = &net.populations[p.post.population];
            let (Some(expr), Some(pre_positions), Some(post_positions)) =
                (&p.d_expression, &pre_pop.positions, &post_pop.positions)
            else {
                return Err(projection_path(index).field("connector").err(
                    "distance-dependent connector without positions or expression (not validated?)",
                ));
            };
            rows_only({
                let rule = probability::DistanceDependent {
                    pre: &p.pre,
                    post: &p.post,
                    pre_positions,
                    post_positions,
                    expr,
                    self_rule: SelfRule::new(p, *allow_self_connections),
                };
                expand_rows(&rule, n_pre, seed, &p.label)
            })
        }
    };
    let (weights, delays) = match c.values {
        Some(v) => v,
        None => (
            draw_values(p, &c.row_start, seed, index, Value::Weight)?,
            to_steps(draw_values(
                p,
                &c.row_start,
                seed,
                index,
                Value::Delay {
                    timestep_ms: net.simulation.timestep_ms,
                },
            )?),
        ),
    };
    Ok(Synapses {
        row_start: c.row_start,
        post: c.post,
        weights,
        delays,
    })
}

fn projection_path(index: usize) -> JsonPath {
    JsonPath::root().field("projections").index(index)
}

#[derive(Clone, Copy)]
enum Value {
    Weight,
    Delay { timestep_ms: f64 },
}

/// Delays are drawn as whole timesteps in `f32` (exact up to 2^24) and stored as `u16` (validation bounds
/// max_delay_ms / timestep_ms to 65535).
fn to_steps(delays: PerSynapse<f32>) -> PerSynapse<u16> {
    match delays {
        PerSynapse::Same(x) => PerSynapse::Same(x as u16),
        PerSynapse::Each(v) => PerSynapse::Each(v.into_iter().map(|x| x as u16).collect()),
    }
}

/// Draws the weights or delays of every synapse, per row chunk from the stream (seed, "values", label,
/// "weight"|"delay", chunk), in parallel.
fn draw_values(
    p: &Projection,
    row_start: &[u64],
    seed: u64,
    index: usize,
    what: Value,
) -> Result<PerSynapse<f32>, LoadError> {
    let (quantity, name) = match what {
        Value::Weight => (p.synapse.weight(), "weight"),
        Value::Delay { .. } => (
            p.synapse
                .delay()
                .unwrap_or(Quantity::Constant(p.default_delay_ms)),
            "delay",
        ),
    };
    let convert = |x: f64| match what {
        Value::Weight => x as f32,
        Value::Delay { timestep_ms } => (x / timestep_ms).round() as f32,
    };
    let d = match quantity {
        Quantity::Constant(x) => return Ok(PerSynapse::Same(convert(x))),
        Quantity::Random(d) => d,
    };
    let path = projection_path(index).field("synapse").field(name);
    let sampler = Sampler::new(&d).map_err(|e| path.err(e))?;
    let n_rows = p.pre.len();
    let total = row_start[n_rows as usize] as usize;
    let mut out = vec![0f32; total];
    split_at_offsets(&mut out, &chunk_ends(row_start, n_rows))
        .into_par_iter()
        .enumerate()
        .try_for_each(|(c, slice)| {
            let mut rng = stream(seed, Domain::Values, &p.label, name, c as u64);
            slice.iter_mut().try_for_each(|x| {
                *x = convert(
                    sampler
                        .sample(&mut rng)
                        .map_err(|e| path.err(e.to_string()))?,
                );
                Ok(())
            })
        })?;
    Ok(PerSynapse::Each(out))
}

/// The synapse count a connector is expected to make (exact where the rule fixes it, the mean otherwise),
/// known without expanding: for summaries and for refusing networks over a size limit before allocating.
pub fn expected_synapses(net: &Network, p: &Projection) -> f64 {
    let (n_pre, n_post) = (f64::from(p.pre.len()), f64::from(p.post.len()));
    let excluded = |allow: bool| SelfRule::new(p, allow).excluded_pairs() as f64;
    match &p.connector {
        Connector::AllToAllConnector {
            allow_self_connections,
        } => n_pre * n_post - excluded(*allow_self_connections),
        Connector::OneToOneConnector {} => n_pre,
        Connector::FixedProbabilityConnector {
            p_connect,
            allow_self_connections,
        } => p_connect * (n_pre * n_post - excluded(*allow_self_connections)),
        Connector::FixedNumberPreConnector { n, .. } => *n as f64 * n_post,
        Connector::FixedNumberPostConnector { n, .. } => *n as f64 * n_pre,
        Connector::FixedTotalNumberConnector { n, .. } => *n as f64,
        Connector::FromListConnector { conn_list } => conn_list.len() as f64,
        Connector::DistanceDependentProbabilityConnector {
            allow_self_connections,
            ..
        } => {
            let pre = &net.populations[p.pre.population];
            let post = &net.populations[p.post.population];
            let (Some(expr), Some(a), Some(b)) = (&p.d_expression, &pre.positions, &post.positions)
            else {
                return 0.0;
            };
            let rule = SelfRule::new(p, *allow_self_connections);
            (0..p.pre.len())
                .into_par_iter()
                .map(|k| {
                    let from = &a[p.pre.index(k) as usize];
                    (0..p.post.len())
                        .filter(|j| Some(*j) != rule.excluded(k))
                        .map(|j| {
                            expr.probability(crate::space::distance(
                                from,
                                &b[p.post.index(j) as usize],
                            ))
                        })
                        .sum::<f64>()
                })
                .sum()
        }
    }
}

#[cfg(test)]
mod tests;
