//! PACMAN's ordered Pair compressor (`PairCompressor`, run on-chip as `PairOnChipRouterCompression`, the
//! default of the current sPyNNaker flow; spec A5.3).
//!
//! Entries are grouped by route, rarest route first, so that the most frequent route ends up at the
//! bottom where nothing below constrains it. Within a route, the first entry is merged with the first
//! partner whose merge catches no key of a later route's entries (earlier routes sit above and win in the
//! ordered TCAM, so they need no check); the merge replaces it and the search restarts. An entry with no
//! possible partner is final.

use std::collections::HashMap;

use spinnaker_emu::router::table::Route;

use super::TableEntry;
use super::key_mask::{KeyMask, Merge};
use super::key_trie::KeyTrie;

/// Compresses an orthogonal table (no key matches two entries) into an ordered one.
///
/// Routes of equal frequency are taken in the order of their first entry (PACMAN's quicksort leaves
/// that order arbitrary); entries of a route keep their input order.
pub fn pair(entries: &[TableEntry]) -> Vec<TableEntry> {
    let mut frequency: HashMap<Route, (usize, usize)> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        frequency.entry(e.route).or_insert((0, i)).0 += 1;
    }
    let mut sorted = entries.to_vec();
    sorted.sort_by_key(|e| frequency[&e.route]);
    let key_masks: Vec<KeyMask> = sorted.iter().map(TableEntry::key_mask).collect();
    let trie = KeyTrie::new(&key_masks);
    let mut out = Vec::with_capacity(sorted.len());
    let mut start = 0;
    while start < sorted.len() {
        let route = sorted[start].route;
        let end = start
            + sorted[start..]
                .iter()
                .take_while(|e| e.route == route)
                .count();
        let below = |km: KeyMask| trie.intersecting_from(km, end);
        compress_route(&mut sorted[start..end], below, &mut out);
        start = end;
    }
    out
}

/// Entries below that recently blocked a merge, checked before the trie.
const BLOCKERS: usize = 8;

/// PACMAN's `_compress_by_route`: repeatedly merges the first unfinished entry with the first partner
/// whose merge catches no key of an entry `below` (which returns one it catches), moving the last
/// unfinished entry into the partner's place.
///
/// Most tries fail, and mostly on the same few entries below: the last [`BLOCKERS`] found are checked
/// first, which is exact (they are entries below) and much cheaper than the trie.
fn compress_route(
    bucket: &mut [TableEntry],
    below: impl Fn(KeyMask) -> Option<KeyMask>,
    out: &mut Vec<TableEntry>,
) {
    let mut blockers: Vec<KeyMask> = Vec::with_capacity(BLOCKERS);
    let mut next_blocker = 0;
    let mut blocked = |km: KeyMask| {
        if blockers.iter().any(|b| b.intersects(km)) {
            return true;
        }
        let Some(blocker) = below(km) else {
            return false;
        };
        if blockers.len() < BLOCKERS {
            blockers.push(blocker);
        } else {
            blockers[next_blocker] = blocker;
            next_blocker = (next_blocker + 1) % BLOCKERS;
        }
        true
    };
    let (mut left, mut right) = (0, bucket.len());
    while left < right {
        let first = bucket[left];
        let partner = (left + 1..right).find_map(|index| {
            let other = bucket[index];
            let km = Merge::of([first.key_mask(), other.key_mask()]);
            (!blocked(km)).then_some((index, km, other.defaultable))
        });
        match partner {
            Some((index, km, defaultable)) => {
                bucket[left] = TableEntry {
                    key: km.key,
                    mask: km.mask,
                    route: first.route,
                    defaultable: first.defaultable && defaultable,
                };
                right -= 1;
                bucket[index] = bucket[right];
            }
            None => {
                out.push(first);
                left += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spinnaker::tables::key_mask::tests::km;

    fn row(pattern: &str, route: u32) -> TableEntry {
        let km = km(pattern);
        TableEntry {
            key: km.key,
            mask: km.mask,
            route: Route(route),
            defaultable: false,
        }
    }

    #[test]
    fn the_most_frequent_route_goes_last_and_collapses() {
        let table = [
            row("000", 1),
            row("001", 2),
            row("010", 1),
            row("100", 1),
            row("111", 1),
        ];
        let out = pair(&table);
        assert_eq!(out, [row("001", 2), row("XXX", 1)]);
    }

    #[test]
    fn merges_that_would_catch_a_later_route_are_refused() {
        // Route 2 (two entries) goes above route 1 (three); X00 catches none of route 1's keys.
        let table = [
            row("000", 2),
            row("100", 2),
            row("010", 1),
            row("011", 1),
            row("110", 1),
        ];
        assert_eq!(pair(&table), [row("X00", 2), row("X1X", 1)]);
        // 0XX would catch 001 of route 1 below it.
        let refused = [
            row("000", 2),
            row("011", 2),
            row("001", 1),
            row("100", 1),
            row("101", 1),
        ];
        assert_eq!(pair(&refused)[..2], [row("000", 2), row("011", 2)]);
    }
}
