//! `FromListConnector`: explicit (pre, post[, weight, delay]) rows, given as view positions as in PyNN.
//!
//! Rows are grouped by pre with a stable counting sort, so within one pre neuron the list order is kept; that
//! order is the projection's synapse order.

use super::rows::zeroed;
use super::{Connectivity, PerSynapse};
use crate::format::ListRow;
use crate::network::Projection;
use crate::validate::round_delay_ms;

/// The rows grouped by pre, with their explicit weights and delays when the list has four columns. Fails only
/// when the synapses cannot be allocated.
pub fn from_list(
    p: &Projection,
    rows: &[ListRow],
    timestep_ms: f64,
) -> Result<Connectivity, String> {
    let n_pre = p.pre.len() as usize;
    let mut row_start = vec![0u64; n_pre + 1];
    for r in rows {
        row_start[r.pre as usize + 1] += 1;
    }
    for k in 0..n_pre {
        row_start[k + 1] += row_start[k];
    }
    let mut cursor: Vec<u64> = row_start[..n_pre].to_vec();
    let n = rows.len() as u64;
    let mut order = zeroed::<usize>(n, "synapses")?;
    for (i, r) in rows.iter().enumerate() {
        order[cursor[r.pre as usize] as usize] = i;
        cursor[r.pre as usize] += 1;
    }
    let mut post = zeroed::<u32>(n, "synapses")?;
    post.iter_mut()
        .zip(&order)
        .for_each(|(x, &i)| *x = p.post.index(rows[i].post));
    let explicit = rows.first().is_some_and(|r| r.weight_delay.is_some());
    let values = if explicit {
        let wd = |i: usize| rows[i].weight_delay.unwrap_or_default();
        let mut weights = zeroed::<f32>(n, "weights")?;
        weights
            .iter_mut()
            .zip(&order)
            .for_each(|(w, &i)| *w = wd(i).0 as f32);
        let mut delays = zeroed::<u16>(n, "delays")?;
        delays.iter_mut().zip(&order).for_each(|(d, &i)| {
            *d = (round_delay_ms(wd(i).1, timestep_ms) / timestep_ms).round() as u16
        });
        Some((PerSynapse::Each(weights), PerSynapse::Each(delays)))
    } else {
        None
    };
    Ok(Connectivity {
        row_start,
        post,
        values,
    })
}
