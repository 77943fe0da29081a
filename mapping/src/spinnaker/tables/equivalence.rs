//! The exact check that a minimised table routes every key as the mapper's table does.
//!
//! Every minimiser here is supposed to be lossless for the keys the original table routes, and keys it
//! does not route are free (Mundy et al. 2016; PACMAN's `routing_compression_checker` checks the same by
//! probing). The check is symbolic: each original entry's keys (what is left of its key/mask once the
//! entries above it have taken theirs) are split into disjoint key/masks as they meet the minimised entries
//! in priority order, so a table is checked without enumerating 2^32 keys. Only the entries that share a
//! key with the original entry can change its pieces; a [`KeyTrie`] finds them, which keeps the check
//! linear in the table size when entries meet few others (as the mapper's tables do).

use std::fmt;

use spinnaker_emu::router::table::{Route, RoutingEntry};

use super::TableEntry;
use super::key_mask::{KeyMask, first_overlap};
use super::key_trie::KeyTrie;

/// A key the two tables route differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub key: u32,
    /// Position of the original entry that wins the key, and its route.
    pub original_entry: usize,
    pub original: Route,
    /// The route of the minimised table's first match; `None` when nothing matches.
    pub minimised: Option<Route>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "key {:#010x}: the original table routes it to {} (entry {}), the minimised table ",
            self.key, self.original, self.original_entry
        )?;
        match self.minimised {
            Some(route) => write!(f, "to {route}"),
            None => f.write_str(
                "to no entry, and the original entry is not one default routing can stand in for",
            ),
        }
    }
}

impl std::error::Error for Mismatch {}

/// Checks that `minimised` routes every key the way `original` does: for each original entry, every key
/// it wins (first match) must get the same route from the minimised table's first match; a key of a
/// defaultable entry may instead match nothing, since default routing then sends it the same way.
/// Returns the first key (by original entry) that breaks this.
pub fn check_equivalent(
    original: &[TableEntry],
    minimised: &[RoutingEntry],
) -> Result<(), Mismatch> {
    let lookup: Vec<(KeyMask, Route)> = minimised
        .iter()
        .map(|e| (KeyMask::new(e.key, e.mask), e.route))
        .filter(|(km, _)| km.can_match())
        .collect();
    let lookup_trie = KeyTrie::new(&lookup.iter().map(|&(km, _)| km).collect::<Vec<_>>());
    let originals: Vec<KeyMask> = original.iter().map(TableEntry::key_mask).collect();
    // Entries with no key matching both need no priority: each wins all of its keys.
    // Otherwise the entries that can match, by position, and their trie.
    let above: Option<(Vec<usize>, KeyTrie)> = first_overlap(&originals).is_some().then(|| {
        let matching: Vec<usize> = (0..originals.len())
            .filter(|&j| originals[j].can_match())
            .collect();
        let trie = KeyTrie::new(&matching.iter().map(|&j| originals[j]).collect::<Vec<_>>());
        (matching, trie)
    });
    let mut pieces: Vec<KeyMask> = Vec::new();
    let mut split: Vec<KeyMask> = Vec::new();
    let mut met: Vec<usize> = Vec::new();
    for (i, entry) in original.iter().enumerate() {
        pieces.clear();
        if !entry.key_mask().can_match() {
            continue;
        }
        pieces.push(entry.key_mask());
        if let Some((matching, trie)) = &above {
            trie.intersecting(entry.key_mask(), &mut met);
            for &j in met.iter().map(|&m| &matching[m]).take_while(|&&j| j < i) {
                carve(&mut pieces, &mut split, originals[j]);
            }
        }
        lookup_trie.intersecting(entry.key_mask(), &mut met);
        for &(km, route) in met.iter().map(|&j| &lookup[j]) {
            if pieces.is_empty() {
                break;
            }
            if route != entry.route {
                if let Some(key) = pieces.iter().find_map(|p| p.intersection(km)) {
                    return Err(Mismatch {
                        key: key.some_key(),
                        original_entry: i,
                        original: entry.route,
                        minimised: Some(route),
                    });
                }
            } else {
                carve(&mut pieces, &mut split, km);
            }
        }
        if let (Some(left), false) = (pieces.first(), entry.defaultable) {
            return Err(Mismatch {
                key: left.some_key(),
                original_entry: i,
                original: entry.route,
                minimised: None,
            });
        }
    }
    Ok(())
}

/// Takes the keys of `away` out of `pieces` (disjoint key/masks), keeping them disjoint; `split` is scratch
/// space, reused to keep the check free of allocation per entry.
fn carve(pieces: &mut Vec<KeyMask>, split: &mut Vec<KeyMask>, away: KeyMask) {
    if !pieces.iter().any(|p| p.intersects(away)) {
        return;
    }
    split.clear();
    for piece in pieces.iter() {
        piece.subtract_into(away, split);
    }
    std::mem::swap(pieces, split);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: u32, mask: u32, route: u32, defaultable: bool) -> TableEntry {
        TableEntry {
            key,
            mask,
            route: Route(route),
            defaultable,
        }
    }

    fn hardware(table: &[TableEntry]) -> Vec<RoutingEntry> {
        table.iter().map(TableEntry::routing_entry).collect()
    }

    #[test]
    fn a_table_is_equivalent_to_itself_and_to_a_correct_merge() {
        let table = [
            entry(0b000, 0b111, 1, false),
            entry(0b001, 0b111, 1, false),
            entry(0b010, 0b111, 2, false),
        ];
        assert_eq!(check_equivalent(&table, &hardware(&table)), Ok(()));
        let merged = [entry(0b010, 0b111, 2, false), entry(0b000, 0b110, 1, false)];
        assert_eq!(check_equivalent(&table, &hardware(&merged)), Ok(()));
        // A merge that also catches keys no original entry routes is still fine.
        let wide = [entry(0b010, 0b111, 2, false), entry(0, 0, 1, false)];
        assert_eq!(check_equivalent(&table, &hardware(&wide)), Ok(()));
    }

    #[test]
    fn a_wrong_order_is_caught_with_the_key() {
        let table = [entry(0b010, 0b111, 2, false), entry(0b000, 0b100, 1, false)];
        let wrong = [entry(0b000, 0b100, 1, false), entry(0b010, 0b111, 2, false)];
        let mismatch = check_equivalent(&table, &hardware(&wrong)).unwrap_err();
        assert_eq!(
            mismatch,
            Mismatch {
                key: 0b010,
                original_entry: 0,
                original: Route(2),
                minimised: Some(Route(1)),
            }
        );
        assert!(
            mismatch
                .to_string()
                .starts_with("key 0x00000002: the original table routes it to NE")
        );
        // The original's own priority counts: entry 1 only wins the keys entry 0 leaves.
        assert_eq!(check_equivalent(&table, &hardware(&table)), Ok(()));
    }

    #[test]
    fn a_missing_entry_is_only_fine_when_default_routing_stands_in() {
        let table = [entry(0x10, 0xF0, 1, true), entry(0x20, 0xF0, 1, false)];
        let without_defaultable = [entry(0x20, 0xF0, 1, false)];
        assert_eq!(
            check_equivalent(&table, &hardware(&without_defaultable)),
            Ok(())
        );
        let without_other = [entry(0x10, 0xF0, 1, true)];
        let mismatch = check_equivalent(&table, &hardware(&without_other)).unwrap_err();
        assert_eq!((mismatch.key, mismatch.minimised), (0x20, None));
        // Half of the keys missing is caught too.
        let half = [entry(0x20, 0xF8, 1, false)];
        let mismatch = check_equivalent(&table[1..], &hardware(&half)).unwrap_err();
        assert_eq!((mismatch.key, mismatch.minimised), (0x28, None));
    }

    #[test]
    fn a_large_table_is_checked_exactly() {
        // 200,000 distinct keys in scattered order (an odd multiplier permutes 0..2^31): scanning the
        // minimised table per entry took 36 s for this; the tries take well under a second (a speed claim
        // belongs in `cargo bench --bench tables`, not in a timed test).
        let table: Vec<TableEntry> = (0..200_000u32)
            .map(|i| entry(i.wrapping_mul(0x9E37_79B1) << 1, !1, 1 << (i % 24), false))
            .collect();
        assert_eq!(check_equivalent(&table, &hardware(&table)), Ok(()));
        let mut moved = hardware(&table);
        moved[150_000].route = Route(1 << 24);
        let mismatch = check_equivalent(&table, &moved).unwrap_err();
        assert_eq!(mismatch.original_entry, 150_000);
    }

    #[test]
    fn entries_that_match_nothing_are_ignored_on_both_sides() {
        let table = [entry(0x10, 0xF0, 1, false)];
        let spoiled = RoutingEntry {
            key: 0xFFFF_FFFF,
            mask: 0,
            route: Route(2),
        };
        let minimised = [spoiled, table[0].routing_entry()];
        assert_eq!(check_equivalent(&table, &minimised), Ok(()));
    }
}
