//! The row engine: expands a row-wise rule into CSR, in parallel, deterministically.
//!
//! Rows (pre view positions) are cut into chunks of [`ROW_CHUNK`] rows; chunk `c` always draws from the stream
//! (seed, "connect", projection label, "rows", c), whatever thread runs it. Each chunk runs twice: a counting
//! pass, then, once the row offsets are known, a filling pass that re-seeds the same stream and writes straight
//! into the final arrays. The second run costs random numbers but saves a second copy of every synapse, which
//! is what lets the 0.3-billion-synapse microcircuit fit in memory.

use rayon::prelude::*;

use crate::network::{Projection, View};
use crate::random::{Domain, Stream, stream};

/// Rows per chunk: fixed (never derived from the thread count) so that streams are stable.
pub const ROW_CHUNK: u32 = 256;

/// A connection rule evaluated one pre row at a time.
pub trait RowRule: Sync {
    /// Emits the post neurons (population indices) of pre view row `k`, drawing only from `rng`.
    fn row(&self, k: u32, rng: &mut Stream, emit: &mut impl FnMut(u32));

    /// The number of synapses of row `k`; must consume `rng` exactly as [`RowRule::row`] does. Rules whose
    /// counts are known without drawing override it to skip the work.
    fn count(&self, k: u32, rng: &mut Stream) -> u64 {
        let mut n = 0;
        self.row(k, rng, &mut |_| n += 1);
        n
    }
}

/// Which post positions a pre row may not connect to (itself, when self-connections are disallowed).
#[derive(Debug, Clone)]
pub struct SelfRule {
    /// For each pre view row, the post view position of the same neuron, if excluded.
    excluded: Option<Vec<Option<u32>>>,
}

impl SelfRule {
    pub fn new(p: &Projection, allow_self_connections: bool) -> SelfRule {
        SelfRule {
            excluded: (!allow_self_connections && p.same_population())
                .then(|| excluded_positions(&p.pre, &p.post)),
        }
    }

    /// The post view position row `k` may not use.
    pub fn excluded(&self, k: u32) -> Option<u32> {
        self.excluded.as_ref().and_then(|e| e[k as usize])
    }

    /// How many post view positions row `k` may use out of `n_post`.
    pub fn eligible(&self, k: u32, n_post: u32) -> u32 {
        n_post - u32::from(self.excluded(k).is_some())
    }

    /// Number of (pre, post) pairs excluded in all.
    pub fn excluded_pairs(&self) -> u64 {
        self.excluded
            .as_ref()
            .map_or(0, |e| e.iter().filter(|x| x.is_some()).count() as u64)
    }
}

/// For each position of view `a`, the position in view `b` of the same neuron (both views of one population).
pub fn excluded_positions(a: &View, b: &View) -> Vec<Option<u32>> {
    let in_b = b.positions();
    (0..a.len()).map(|k| in_b[a.index(k) as usize]).collect()
}

/// Splits `data` into consecutive pieces ending at `ends` (ascending offsets, the last = `data.len()`).
pub fn split_at_offsets<'a, T>(mut data: &'a mut [T], ends: &[usize]) -> Vec<&'a mut [T]> {
    let mut start = 0;
    let mut pieces = Vec::with_capacity(ends.len());
    for &end in ends {
        let (head, tail) = std::mem::take(&mut data).split_at_mut(end - start);
        pieces.push(head);
        data = tail;
        start = end;
    }
    pieces
}

pub fn chunk_count(n_rows: u32) -> u32 {
    n_rows.div_ceil(ROW_CHUNK)
}

pub fn chunk_rows(c: u32, n_rows: u32) -> std::ops::Range<u32> {
    c * ROW_CHUNK..((c + 1) * ROW_CHUNK).min(n_rows)
}

/// The synapse offsets at which each chunk of rows ends.
pub fn chunk_ends(row_start: &[u64], n_rows: u32) -> Vec<usize> {
    (0..chunk_count(n_rows))
        .map(|c| row_start[chunk_rows(c, n_rows).end as usize] as usize)
        .collect()
}

/// A vector of `len` default values, or an error naming `what` and the bytes when the host cannot give them:
/// a failed allocation must refuse the network, not abort the process.
pub fn zeroed<T: Clone + Default>(len: u64, what: &str) -> Result<Vec<T>, String> {
    let mut v = Vec::new();
    usize::try_from(len)
        .ok()
        .and_then(|n| v.try_reserve_exact(n).ok())
        .ok_or_else(|| {
            format!(
                "cannot allocate {} bytes for {len} {what} (the host's memory is exhausted)",
                len.saturating_mul(size_of::<T>() as u64)
            )
        })?;
    v.resize(len as usize, T::default());
    Ok(v)
}

/// The stream of chunk `c` of a projection's rows.
fn chunk_stream(seed: u64, label: &str, c: u32) -> Stream {
    stream(seed, Domain::Connect, label, "rows", u64::from(c))
}

/// The counting pass: the synapse count of every row, drawing what [`expand_rows`] draws.
pub fn row_counts<R: RowRule>(rule: &R, n_rows: u32, seed: u64, label: &str) -> Vec<u64> {
    let mut counts = vec![0u64; n_rows as usize];
    counts
        .par_chunks_mut(ROW_CHUNK as usize)
        .enumerate()
        .for_each(|(c, out)| {
            let c = c as u32;
            let mut r = chunk_stream(seed, label, c);
            for (k, slot) in chunk_rows(c, n_rows).zip(out.iter_mut()) {
                *slot = rule.count(k, &mut r);
            }
        });
    counts
}

/// Row offsets from row counts: `[0, c0, c0 + c1, ...]`.
pub fn offsets(counts: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let counts = counts.into_iter();
    let mut row_start = Vec::with_capacity(counts.size_hint().0 + 1);
    row_start.push(0u64);
    let mut total = 0u64;
    for n in counts {
        total += n;
        row_start.push(total);
    }
    row_start
}

/// Expands `rule` over `n_rows` rows into (row_start, post); rows are sorted by post. Fails only when the
/// synapses cannot be allocated.
pub fn expand_rows<R: RowRule>(
    rule: &R,
    n_rows: u32,
    seed: u64,
    label: &str,
) -> Result<(Vec<u64>, Vec<u32>), String> {
    let row_start = offsets(row_counts(rule, n_rows, seed, label));
    let mut post = zeroed::<u32>(row_start[n_rows as usize], "synapses")?;
    let ends = chunk_ends(&row_start, n_rows);
    split_at_offsets(&mut post, &ends)
        .into_par_iter()
        .enumerate()
        .for_each(|(c, out)| {
            let c = c as u32;
            let rows = chunk_rows(c, n_rows);
            let base = row_start[rows.start as usize] as usize;
            let mut r = chunk_stream(seed, label, c);
            let mut i = 0usize;
            for k in rows.clone() {
                rule.row(k, &mut r, &mut |p| {
                    out[i] = p;
                    i += 1;
                });
            }
            for k in rows {
                let (a, b) = (
                    row_start[k as usize] as usize - base,
                    row_start[k as usize + 1] as usize - base,
                );
                out[a..b].sort_unstable();
            }
        });
    Ok((row_start, post))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allocation_the_host_cannot_give_is_an_error_not_an_abort() {
        let e = zeroed::<u32>(u64::MAX / 8, "synapses").unwrap_err();
        assert!(
            e.contains("cannot allocate") && e.contains("synapses"),
            "{e}"
        );
        assert_eq!(zeroed::<u16>(3, "delays"), Ok(vec![0; 3]));
    }

    #[test]
    fn split_at_offsets_covers_everything() {
        let mut v: Vec<u32> = (0..10).collect();
        let pieces = split_at_offsets(&mut v, &[3, 3, 7, 10]);
        let lens: Vec<usize> = pieces.iter().map(|p| p.len()).collect();
        assert_eq!(lens, vec![3, 0, 4, 3]);
        assert_eq!(pieces[2][0], 3);
    }
}
