//! The exact check that a minimised table routes every key as the mapper's table does.
//!
//! Every minimiser here is supposed to be lossless for the keys the original table routes, and keys it
//! does not route are free (Mundy et al. 2016; PACMAN's `routing_compression_checker` checks the same by
//! probing). The check is symbolic: each original entry's keys (what is left of its key/mask once the
//! entries above it have taken theirs) are split into disjoint key/masks as they meet the minimised entries
//! in priority order, so a table is checked without enumerating 2^32 keys.

use std::fmt;

use spinnaker_emu::router::table::{Route, RoutingEntry};

use super::TableEntry;
use super::key_mask::{KeyMask, first_overlap};

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
    let originals: Vec<KeyMask> = original.iter().map(TableEntry::key_mask).collect();
    // Entries with no key matching both need no priority: each wins all of its keys.
    let orthogonal = first_overlap(&originals).is_none();
    let mut pieces: Vec<KeyMask> = Vec::new();
    let mut split: Vec<KeyMask> = Vec::new();
    for (i, entry) in original.iter().enumerate() {
        pieces.clear();
        if !entry.key_mask().can_match() {
            continue;
        }
        pieces.push(entry.key_mask());
        if !orthogonal {
            for &above in &originals[..i] {
                if above.can_match() {
                    carve(&mut pieces, &mut split, above);
                }
            }
        }
        for &(km, route) in &lookup {
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
