//! `FixedNumberPostConnector` (each pre neuron gets n posts), `FixedNumberPreConnector` (each post neuron gets n
//! pres) and `FixedTotalNumberConnector` (n synapses in all).
//!
//! Semantics follow PyNN's docstrings: with replacement every draw is from all eligible neurons (multapses
//! possible); without replacement no neuron repeats until all have been used, so n larger than the eligible
//! count (possible only when excluding self-connections) makes every single connection before any duplicate.
//! Validation bounds n by what can be drawn without repeats once self-connections are excluded, and refuses
//! n > 0 when no neuron has an eligible partner, so no row silently gets fewer synapses than n.

use rand::RngExt;
use rand::seq::index;
use rand_distr::{Binomial, Distribution as _, Hypergeometric};
use rayon::prelude::*;

use super::rows::{
    RowRule, SelfRule, chunk_count, chunk_ends, chunk_rows, excluded_positions, split_at_offsets,
    zeroed,
};
use crate::network::{Projection, View};
use crate::random::{Domain, Stream, stream};

/// Draws `n` of the `eligible` positions of row `k` (stepping over the excluded one) and emits them.
fn draw(
    rng: &mut Stream,
    n: u64,
    eligible: u32,
    with_replacement: bool,
    step_over: Option<u32>,
    emit: &mut impl FnMut(u32),
) {
    if eligible == 0 {
        return;
    }
    let skip = |j: u32| match step_over {
        Some(x) if j >= x => j + 1,
        _ => j,
    };
    if with_replacement {
        for _ in 0..n {
            emit(skip(rng.random_range(0..eligible)));
        }
        return;
    }
    for _ in 0..n / u64::from(eligible) {
        (0..eligible).for_each(|j| emit(skip(j)));
    }
    let rest = (n % u64::from(eligible)) as usize;
    for j in index::sample(rng, eligible as usize, rest) {
        emit(skip(j as u32));
    }
}

/// Each pre row connects to `n` post neurons.
pub struct FixedNumberPost<'a> {
    pub post: &'a View,
    pub n: u64,
    pub with_replacement: bool,
    pub self_rule: SelfRule,
}

impl RowRule for FixedNumberPost<'_> {
    fn row(&self, k: u32, rng: &mut Stream, emit: &mut impl FnMut(u32)) {
        let eligible = self.self_rule.eligible(k, self.post.len());
        draw(
            rng,
            self.n,
            eligible,
            self.with_replacement,
            self.self_rule.excluded(k),
            &mut |j| emit(self.post.index(j)),
        );
    }

    fn count(&self, k: u32, _: &mut Stream) -> u64 {
        if self.self_rule.eligible(k, self.post.len()) == 0 {
            0
        } else {
            self.n
        }
    }
}

/// `n` synapses over the whole projection: row counts drawn first, then each row like [`FixedNumberPost`].
pub struct FixedTotalNumber<'a> {
    pub post: &'a View,
    pub row_counts: Vec<u64>,
    pub with_replacement: bool,
    pub self_rule: SelfRule,
}

impl<'a> FixedTotalNumber<'a> {
    /// Splits `n` over the rows in proportion to each row's eligible posts: a multinomial split with
    /// replacement, a multivariate hypergeometric one without (sequential conditional draws from one stream).
    /// Refuses n larger than the eligible pairs without replacement (validation can only check pre x post;
    /// excluded self-connections are known here).
    pub fn new(
        p: &'a Projection,
        n: u64,
        allow_self: bool,
        with_replacement: bool,
        seed: u64,
    ) -> Result<Self, String> {
        let self_rule = SelfRule::new(p, allow_self);
        let n_post = p.post.len();
        let mut rng = stream(seed, Domain::Connect, &p.label, "row-counts", 0);
        let mut weight_left: u64 = (0..p.pre.len())
            .map(|k| u64::from(self_rule.eligible(k, n_post)))
            .sum();
        if !with_replacement && n > weight_left {
            return Err(format!(
                "without replacement n must be <= the {weight_left} pairs allowed (self-connections excluded), got {n}"
            ));
        }
        let mut left = n;
        let row_counts = (0..p.pre.len())
            .map(|k| {
                let e = u64::from(self_rule.eligible(k, n_post));
                let c = if left == 0 || e == 0 {
                    0
                } else if e >= weight_left {
                    left
                } else if with_replacement {
                    Binomial::new(left, e as f64 / weight_left as f64)
                        .map_or(0, |b| b.sample(&mut rng))
                } else {
                    Hypergeometric::new(weight_left, e, left).map_or(0, |h| h.sample(&mut rng))
                };
                left -= c;
                weight_left -= e;
                c
            })
            .collect();
        Ok(FixedTotalNumber {
            post: &p.post,
            row_counts,
            with_replacement,
            self_rule,
        })
    }
}

impl RowRule for FixedTotalNumber<'_> {
    fn row(&self, k: u32, rng: &mut Stream, emit: &mut impl FnMut(u32)) {
        let eligible = self.self_rule.eligible(k, self.post.len());
        let n = self.row_counts[k as usize];
        draw(
            rng,
            n,
            eligible,
            self.with_replacement,
            self.self_rule.excluded(k),
            &mut |j| emit(self.post.index(j)),
        );
    }

    fn count(&self, k: u32, _: &mut Stream) -> u64 {
        self.row_counts[k as usize]
    }
}

/// For each post view position, the pre position it may not use (itself, when self-connections are excluded).
fn excluded_pres(p: &Projection, allow_self: bool) -> Option<Vec<Option<u32>>> {
    (!allow_self && p.same_population()).then(|| excluded_positions(&p.post, &p.pre))
}

/// The synapses of every pre row that [`fixed_number_pre`] makes, from the same draws, without storing them:
/// memory per row (per thread), not per synapse.
pub fn fixed_number_pre_row_counts(
    p: &Projection,
    n: u64,
    allow_self: bool,
    with_replacement: bool,
    seed: u64,
) -> Vec<u64> {
    let (n_pre, n_post) = (p.pre.len(), p.post.len());
    let excluded = excluded_pres(p, allow_self);
    let excluded_of = |c: u32| excluded.as_ref().and_then(|e| e[c as usize]);
    (0..chunk_count(n_post))
        .into_par_iter()
        .fold(
            || vec![0u64; n_pre as usize],
            |mut counts, chunk| {
                let mut rng = stream(seed, Domain::Connect, &p.label, "columns", u64::from(chunk));
                for c in chunk_rows(chunk, n_post) {
                    let eligible = n_pre - u32::from(excluded_of(c).is_some());
                    draw(
                        &mut rng,
                        n,
                        eligible,
                        with_replacement,
                        excluded_of(c),
                        &mut |k| counts[k as usize] += 1,
                    );
                }
                counts
            },
        )
        .reduce(
            || vec![0u64; n_pre as usize],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

/// Each post neuron gets `n` pre neurons: generated column by column (chunks of `ROW_CHUNK` post positions,
/// streams keyed by column chunk), then transposed into rows by pre. Returns (row_start, post), rows sorted;
/// fails only when the synapses cannot be allocated.
pub fn fixed_number_pre(
    p: &Projection,
    n: u64,
    allow_self: bool,
    with_replacement: bool,
    seed: u64,
) -> Result<(Vec<u64>, Vec<u32>), String> {
    let (n_pre, n_post) = (p.pre.len(), p.post.len());
    let excluded = excluded_pres(p, allow_self);
    let excluded_of = |c: u32| excluded.as_ref().and_then(|e| e[c as usize]);
    let eligible = |c: u32| n_pre - u32::from(excluded_of(c).is_some());
    let mut col_start = Vec::with_capacity(n_post as usize + 1);
    col_start.push(0u64);
    for c in 0..n_post {
        let count = if eligible(c) == 0 { 0 } else { n };
        col_start.push(col_start[c as usize] + count);
    }
    let mut pre_of = zeroed::<u32>(col_start[n_post as usize], "synapses")?;
    split_at_offsets(&mut pre_of, &chunk_ends(&col_start, n_post))
        .into_par_iter()
        .enumerate()
        .for_each(|(chunk, out)| {
            let mut rng = stream(seed, Domain::Connect, &p.label, "columns", chunk as u64);
            let mut i = 0;
            for c in chunk_rows(chunk as u32, n_post) {
                draw(
                    &mut rng,
                    n,
                    eligible(c),
                    with_replacement,
                    excluded_of(c),
                    &mut |k| {
                        out[i] = k;
                        i += 1;
                    },
                );
            }
        });
    transpose(&col_start, &pre_of, n_pre, &p.post)
}

/// Column-major (per post view position) lists of pre rows -> row-major lists of post neurons.
fn transpose(
    col_start: &[u64],
    pre_of: &[u32],
    n_pre: u32,
    post: &View,
) -> Result<(Vec<u64>, Vec<u32>), String> {
    let mut row_start = vec![0u64; n_pre as usize + 1];
    for &k in pre_of {
        row_start[k as usize + 1] += 1;
    }
    for k in 0..n_pre as usize {
        row_start[k + 1] += row_start[k];
    }
    let mut cursor: Vec<u64> = row_start[..n_pre as usize].to_vec();
    let mut out = zeroed::<u32>(pre_of.len() as u64, "synapses")?;
    for c in 0..col_start.len() - 1 {
        let target = post.index(c as u32);
        for &k in &pre_of[col_start[c] as usize..col_start[c + 1] as usize] {
            out[cursor[k as usize] as usize] = target;
            cursor[k as usize] += 1;
        }
    }
    let ends: Vec<usize> = row_start[1..].iter().map(|&e| e as usize).collect();
    split_at_offsets(&mut out, &ends)
        .into_par_iter()
        .for_each(|row| row.sort_unstable());
    Ok((row_start, out))
}
