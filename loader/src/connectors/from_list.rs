//! `FromListConnector`: explicit (pre, post[, weight, delay]) rows, given as view positions as in PyNN.
//!
//! Rows are grouped by pre with a stable counting sort, so within one pre neuron the list order is kept; that
//! order is the projection's synapse order.

use super::{Connectivity, PerSynapse};
use crate::format::ListRow;
use crate::network::Projection;
use crate::validate::round_delay_ms;

/// The rows grouped by pre, with their explicit weights and delays when the list has four columns.
pub fn from_list(p: &Projection, rows: &[ListRow], timestep_ms: f64) -> Connectivity {
    let n_pre = p.pre.len() as usize;
    let mut row_start = vec![0u64; n_pre + 1];
    for r in rows {
        row_start[r.pre as usize + 1] += 1;
    }
    for k in 0..n_pre {
        row_start[k + 1] += row_start[k];
    }
    let mut cursor: Vec<u64> = row_start[..n_pre].to_vec();
    let mut order = vec![0usize; rows.len()];
    for (i, r) in rows.iter().enumerate() {
        order[cursor[r.pre as usize] as usize] = i;
        cursor[r.pre as usize] += 1;
    }
    let post = order.iter().map(|&i| p.post.index(rows[i].post)).collect();
    let explicit = rows.first().is_some_and(|r| r.weight_delay.is_some());
    let values = explicit.then(|| {
        let wd = |i: usize| rows[i].weight_delay.unwrap_or_default();
        (
            PerSynapse::Each(order.iter().map(|&i| wd(i).0 as f32).collect()),
            PerSynapse::Each(
                order
                    .iter()
                    .map(|&i| (round_delay_ms(wd(i).1, timestep_ms) / timestep_ms).round() as u16)
                    .collect(),
            ),
        )
    });
    Connectivity {
        row_start,
        post,
        values,
    }
}
