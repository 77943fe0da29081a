//! `FixedProbabilityConnector` and `DistanceDependentProbabilityConnector`: an independent Bernoulli trial per
//! (pre, post) pair.
//!
//! A constant probability is expanded by geometric skipping: the gap to the next connected post is
//! floor(ln(U) / ln(1 - p)), which has exactly the distribution of the run of failed trials. The work is then
//! proportional to the synapses made, not to the pairs tried (p = 0.02 over 4000 posts: ~80 draws, not 4000).

use rand::RngExt;

use super::rows::{RowRule, SelfRule};
use crate::expr::Expr;
use crate::network::{Projection, View};
use crate::random::Stream;
use crate::space::{Position, distance};

pub struct FixedProbability<'a> {
    post: &'a View,
    p: f64,
    /// ln(1 - p), precomputed.
    log_q: f64,
    self_rule: SelfRule,
}

impl<'a> FixedProbability<'a> {
    pub fn new(proj: &'a Projection, p: f64, allow_self_connections: bool) -> Self {
        FixedProbability {
            post: &proj.post,
            p,
            log_q: (-p).ln_1p(),
            self_rule: SelfRule::new(proj, allow_self_connections),
        }
    }
}

impl RowRule for FixedProbability<'_> {
    fn row(&self, k: u32, rng: &mut Stream, emit: &mut impl FnMut(u32)) {
        if self.p <= 0.0 {
            return;
        }
        let n = u64::from(self.post.len());
        let excluded = self.self_rule.excluded(k).map(u64::from);
        let mut j: u64 = 0;
        loop {
            if self.p < 1.0 {
                // 1 - U lies in (0, 1], so the logarithm is finite; the gap is 0 with probability p.
                let u: f64 = rng.random();
                let gap = ((1.0 - u).ln() / self.log_q).floor();
                if gap >= (n - j) as f64 {
                    return;
                }
                j += gap as u64;
            }
            if j >= n {
                return;
            }
            if Some(j) != excluded {
                emit(self.post.index(j as u32));
            }
            j += 1;
        }
    }
}

/// Probability f(d) of the distance between the two neurons' positions.
pub struct DistanceDependent<'a> {
    pub pre: &'a View,
    pub post: &'a View,
    pub pre_positions: &'a [Position],
    pub post_positions: &'a [Position],
    pub expr: &'a Expr,
    pub self_rule: SelfRule,
}

impl RowRule for DistanceDependent<'_> {
    fn row(&self, k: u32, rng: &mut Stream, emit: &mut impl FnMut(u32)) {
        let from = &self.pre_positions[self.pre.index(k) as usize];
        let excluded = self.self_rule.excluded(k);
        for j in 0..self.post.len() {
            let target = self.post.index(j);
            let p = self
                .expr
                .probability(distance(from, &self.post_positions[target as usize]));
            // Always draw, so the stream does not depend on which probabilities are 0 or 1.
            let u: f64 = rng.random();
            if u < p && Some(j) != excluded {
                emit(target);
            }
        }
    }
}
