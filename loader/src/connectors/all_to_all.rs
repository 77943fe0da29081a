//! `AllToAllConnector` and `OneToOneConnector`: no randomness, every row known in advance.

use super::rows::{RowRule, SelfRule};
use crate::network::{Projection, View};
use crate::random::Stream;

/// Every pre to every post, except i -> i when self-connections are disallowed (PyNN `AllToAllConnector`).
pub struct AllToAll<'a> {
    pub post: &'a View,
    pub self_rule: SelfRule,
}

impl<'a> AllToAll<'a> {
    pub fn new(p: &'a Projection, allow_self_connections: bool) -> Self {
        AllToAll {
            post: &p.post,
            self_rule: SelfRule::new(p, allow_self_connections),
        }
    }
}

impl RowRule for AllToAll<'_> {
    fn row(&self, k: u32, _: &mut Stream, emit: &mut impl FnMut(u32)) {
        let excluded = self.self_rule.excluded(k);
        for j in (0..self.post.len()).filter(|j| Some(*j) != excluded) {
            emit(self.post.index(j));
        }
    }

    fn count(&self, k: u32, _: &mut Stream) -> u64 {
        u64::from(self.self_rule.eligible(k, self.post.len()))
    }
}

/// Pre view position k to post view position k (PyNN `OneToOneConnector`; sizes validated equal).
pub struct OneToOne<'a> {
    pub post: &'a View,
}

impl RowRule for OneToOne<'_> {
    fn row(&self, k: u32, _: &mut Stream, emit: &mut impl FnMut(u32)) {
        emit(self.post.index(k));
    }

    fn count(&self, _: u32, _: &mut Stream) -> u64 {
        1
    }
}
