//! Remove default routes (rig's `remove_default_routes`, PACMAN's port of it; spec A5.2).
//!
//! A packet that arrives over a link and matches no entry leaves by the opposite link. An entry whose
//! packets do exactly that (the mapper marks it `defaultable`) can be dropped, unless a lower entry
//! would then catch some of its keys. Ordered covering ends with this step, and rig's pipeline tries it
//! alone before minimising.

use super::TableEntry;
use super::key_mask::KeyMask;
use super::key_trie::KeyTrie;

/// The table without the defaultable entries that no entry below them intersects.
///
/// rig compares each candidate with every entry below it in the input; here it is compared only with the
/// entries below it that stay, walking up from the bottom. That is still safe: the keys a dropped entry
/// gave up now fall through entries that are all either above it (and did not match them before) or
/// dropped themselves, so they leave the table unmatched and are default-routed the way the entry sent
/// them. And it drops more: two defaultable entries that overlap only each other both go. The entries
/// below that a candidate meets come from a [`KeyTrie`]: comparing with every kept entry was quadratic
/// (26 s for 200,000 entries none of which is defaultable).
pub fn remove_default_routes(table: &[TableEntry]) -> Vec<TableEntry> {
    if !table.iter().any(|e| e.defaultable) {
        return table.to_vec();
    }
    let key_masks: Vec<KeyMask> = table.iter().map(TableEntry::key_mask).collect();
    let trie = KeyTrie::new(&key_masks);
    let mut kept = vec![false; table.len()];
    let mut met = Vec::new();
    for i in (0..table.len()).rev() {
        kept[i] = !table[i].defaultable || {
            trie.intersecting(key_masks[i], &mut met);
            met.iter().any(|&j| j > i && kept[j])
        };
    }
    table
        .iter()
        .zip(&kept)
        .filter_map(|(entry, &keep)| keep.then_some(*entry))
        .collect()
}

#[cfg(test)]
mod tests {
    use spinnaker_emu::router::table::Route;

    use super::*;

    fn entry(key: u32, mask: u32, defaultable: bool) -> TableEntry {
        TableEntry {
            key,
            mask,
            route: Route(1 << 3),
            defaultable,
        }
    }

    #[test]
    fn only_defaultable_entries_without_a_lower_overlap_go() {
        let table = [
            entry(0x10, 0xF0, true),
            // Overlaps a lower entry: dropping it would hand keys 0x28-0x2F to that entry.
            entry(0x20, 0xF0, true),
            entry(0x30, 0xF0, false),
            entry(0x28, 0xF8, false),
        ];
        let kept = remove_default_routes(&table);
        assert_eq!(kept, [table[1], table[2], table[3]]);
    }

    #[test]
    fn overlapping_defaultable_entries_go_together() {
        let table = [entry(0x10, 0xF0, true), entry(0x00, 0x00, true)];
        assert!(remove_default_routes(&table).is_empty());
        let keep_both = [entry(0x10, 0xF0, true), entry(0x00, 0x00, false)];
        assert_eq!(remove_default_routes(&keep_both), keep_both);
        assert!(remove_default_routes(&[]).is_empty());
    }

    #[test]
    fn a_large_table_keeps_exactly_the_shadowing_entries() {
        // 400,000 entries with distinct keys, every other one defaultable, and one kept below them all
        // that some of them shadow: comparing each entry with every kept one took 26 s for this (speed is
        // `cargo bench --bench tables`' to show, not a timed test's).
        let mut table: Vec<TableEntry> = (0..400_000u32)
            .map(|i| entry(i.wrapping_mul(0x9E37_79B1) << 1, !1, i % 2 == 0))
            .collect();
        table.push(entry(0x10, 0xFFFF_FFF0, false));
        let kept = remove_default_routes(&table);
        let shadowing = table
            .iter()
            .filter(|e| e.defaultable && e.key & 0xFFFF_FFF0 == 0x10)
            .count();
        assert_eq!(kept.len(), 200_001 + shadowing);
    }
}
