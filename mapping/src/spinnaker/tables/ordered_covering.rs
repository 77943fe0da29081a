//! Ordered Covering: Mundy's routing-table minimiser (Mundy, Heathcote & Garside 2016, "On-chip order-
//! exploiting routing table minimization for a multicast supercomputer network", HPSR), as in rig's
//! `rig.routing_table.ordered_covering` and PACMAN's port of it (spec A5.1).
//!
//! The router is an ordered TCAM, so entries with the same route may be merged into one key/mask that also
//! matches keys of other routes, as long as those keys are still caught first by an entry above it. The
//! table is kept sorted by generality (number of don't-care bits); each step picks, among the groups of
//! entries sharing a route, the largest subset that can be merged without
//! - a member sinking below an entry that intersects it (up-check), or
//! - the merged entry catching keys of an original entry below it (down-check; originals are found through
//!   the aliases each merged entry keeps, which lets more merges through than comparing with the broad
//!   merged patterns).
//!
//! Ties are broken as rig's Python does: groups in the order of their first entry, the merged entry inserted
//! above entries of equal generality, and the down-check preferring more significant bits. On PACMAN's
//! `many_to_one` tables the merges then leave exactly rig's table sizes, chip by chip (2,780 entries in
//! all); the final remove-default step drops a few more than rig's (2,613 against 2,635, see
//! `remove_default.rs`).

use std::collections::HashMap;

use spinnaker_emu::router::table::Route;

use super::TableEntry;
use super::key_mask::{KeyMask, Merge};
use super::remove_default::remove_default_routes;

/// Minimises `entries`, which must be orthogonal (no key matches two of them) so that sorting them is
/// harmless, and must still contain the entries default routing could handle: they are merge material, and
/// those left over are removed at the end. Stops as soon as the table has at most `target` entries, or
/// when no merge is possible (`None`: as small as possible). The result may still exceed the target.
pub fn ordered_covering(entries: &[TableEntry], target: Option<usize>) -> Vec<TableEntry> {
    let mut table = Table::sorted(entries);
    while target.is_none_or(|t| table.rows.len() > t) {
        let merge = table.best_merge();
        if merge.goodness() <= 0 {
            break;
        }
        table.apply(&merge);
    }
    let merged: Vec<TableEntry> = table.rows.iter().map(Row::entry).collect();
    remove_default_routes(&merged)
}

#[derive(Clone, Copy, Debug)]
struct Row {
    km: KeyMask,
    generality: u32,
    route: Route,
    defaultable: bool,
}

impl Row {
    fn entry(&self) -> TableEntry {
        TableEntry {
            key: self.km.key,
            mask: self.km.mask,
            route: self.route,
            defaultable: self.defaultable,
        }
    }
}

/// The table in generality order, and for each row the original key/masks it stands for.
struct Table {
    rows: Vec<Row>,
    aliases: Vec<Vec<KeyMask>>,
}

/// A set of rows (ascending positions) to merge, with the merged key/mask and where it would go.
#[derive(Clone, Debug, Default)]
struct Candidate {
    members: Vec<usize>,
    km: KeyMask,
    insertion: usize,
}

impl Candidate {
    /// Entries saved by applying it; -1 for the empty merge, as in rig.
    fn goodness(&self) -> isize {
        self.members.len() as isize - 1
    }
}

impl Table {
    fn sorted(entries: &[TableEntry]) -> Table {
        let mut rows: Vec<Row> = entries
            .iter()
            .map(|e| Row {
                km: e.key_mask(),
                generality: e.key_mask().generality(),
                route: e.route,
                defaultable: e.defaultable,
            })
            .collect();
        // Stable: entries of equal generality keep the input order, as in rig.
        rows.sort_by_key(|r| r.generality);
        let aliases = rows.iter().map(|r| vec![r.km]).collect();
        Table { rows, aliases }
    }

    fn candidate(&self, members: Vec<usize>) -> Candidate {
        let km = Merge::of(members.iter().map(|&i| self.rows[i].km));
        let generality = km.generality();
        Candidate {
            insertion: self.rows.partition_point(|r| r.generality < generality),
            members,
            km,
        }
    }

    /// The candidate without the members `drop` says to leave out.
    fn without(&self, candidate: &Candidate, drop: impl Fn(usize) -> bool) -> Candidate {
        let members = candidate
            .members
            .iter()
            .copied()
            .filter(|&i| !drop(i))
            .collect();
        self.candidate(members)
    }

    /// The best refined merge over all route groups; groups that cannot beat the best so far are skipped
    /// before the (costly) refinement.
    fn best_merge(&self) -> Candidate {
        let mut best = Candidate::default();
        let mut best_goodness = 0;
        for group in self.route_groups() {
            if group.len() as isize - 1 <= best_goodness {
                continue;
            }
            let merge = self.refine(self.candidate(group), best_goodness);
            if merge.goodness() > best_goodness {
                best_goodness = merge.goodness();
                best = merge;
            }
        }
        best
    }

    /// Row positions grouped by route, groups in the order of their first row.
    fn route_groups(&self) -> Vec<Vec<usize>> {
        let mut group_of_route: HashMap<Route, usize> = HashMap::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            let g = *group_of_route.entry(row.route).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(i);
        }
        groups
    }

    /// rig's `_refine_merge`: down-check, up-check, and a second down-check if the up-check removed
    /// anything (the up-check cannot be needed again: a smaller merge only moves up the table).
    fn refine(&self, candidate: Candidate, min_goodness: isize) -> Candidate {
        let candidate = self.down_check(candidate, min_goodness);
        if candidate.goodness() <= min_goodness {
            return candidate;
        }
        let before = candidate.members.len();
        let candidate = self.up_check(candidate, min_goodness);
        if candidate.members.len() != before && candidate.goodness() > min_goodness {
            self.down_check(candidate, min_goodness)
        } else {
            candidate
        }
    }

    /// Drops each member (bottom first) that an entry between it and the insertion point intersects: the
    /// merged entry would sit below that entry and lose the member's keys to it. Returns the empty merge
    /// once the candidate is no better than `min_goodness`.
    fn up_check(&self, mut candidate: Candidate, min_goodness: isize) -> Candidate {
        let members = candidate.members.clone();
        for &i in members.iter().rev() {
            let between = self
                .rows
                .get(i + 1..candidate.insertion)
                .unwrap_or_default();
            let km = self.rows[i].km;
            if between.iter().any(|r| r.km.intersects(km)) {
                candidate = self.without(&candidate, |m| m == i);
                if candidate.goodness() <= min_goodness {
                    return Candidate::default();
                }
            }
        }
        candidate
    }

    /// Shrinks the candidate until its merged entry catches no original key/mask of any row below the
    /// insertion point, or gives up (empty merge). Each round looks at the covered originals with the
    /// fewest "settable" bits (don't-care in the merge, fixed in the original): for each such bit and
    /// the value the original has there, removing the members that have X or that value forces the merged
    /// bit to the other value; the smallest such removal is made (more significant bits first on ties).
    fn down_check(&self, mut candidate: Candidate, min_goodness: isize) -> Candidate {
        while candidate.goodness() > min_goodness {
            let Some(covered) = self.most_stringent_covered(&candidate) else {
                return candidate;
            };
            if covered.settable == 0 {
                return Candidate::default();
            }
            let mut best: Option<(usize, u32, bool)> = None;
            for bit in (0..32).rev().map(|b| 1u32 << b) {
                // rig orders (bit, value-to-avoid-is-0) descending: a covered 0 before a covered 1.
                for (present, covered_one) in [(covered.zeros, false), (covered.ones, true)] {
                    if present & bit == 0 {
                        continue;
                    }
                    let count = candidate
                        .members
                        .iter()
                        .filter(|&&m| self.blocks(m, bit, covered_one))
                        .count();
                    if best.is_none_or(|(n, _, _)| count < n) {
                        best = Some((count, bit, covered_one));
                    }
                }
            }
            let (_, bit, covered_one) = best.expect("a settable bit gives at least one option");
            candidate = self.without(&candidate, |m| self.blocks(m, bit, covered_one));
        }
        Candidate::default()
    }

    /// Whether row `m` keeps the merged entry's `bit` from taking the value opposite to `covered_one`: it
    /// has a don't-care there or the covered original's value.
    fn blocks(&self, m: usize, bit: u32, covered_one: bool) -> bool {
        let km = self.rows[m].km;
        km.mask & bit == 0 || (km.key & bit != 0) == covered_one
    }

    /// The original key/masks below the insertion point that the merged entry would catch keys of,
    /// reduced to those with the fewest settable bits: the union of their settable bits where they have 0
    /// and where they have 1. `None` when nothing is covered; `settable == 0` when some original cannot be
    /// avoided at all.
    fn most_stringent_covered(&self, candidate: &Candidate) -> Option<Covered> {
        let merged = candidate.km;
        let mut found: Option<Covered> = None;
        for (row, aliases) in self.rows[candidate.insertion..]
            .iter()
            .zip(&self.aliases[candidate.insertion..])
        {
            // A row's originals all lie inside it.
            if !row.km.intersects(merged) {
                continue;
            }
            for alias in aliases.iter().filter(|a| a.intersects(merged)) {
                let settable = alias.mask & !merged.mask;
                let n = settable.count_ones();
                let here = Covered {
                    stringency: n,
                    settable,
                    zeros: settable & !alias.key,
                    ones: settable & alias.key,
                };
                found = Some(match found {
                    Some(f) if f.stringency < n => f,
                    Some(f) if f.stringency == n => Covered {
                        settable: f.settable | settable,
                        zeros: f.zeros | here.zeros,
                        ones: f.ones | here.ones,
                        ..f
                    },
                    _ => here,
                });
                if n == 0 {
                    return found;
                }
            }
        }
        found
    }

    /// Replaces the members by the merged entry at its insertion point; its aliases are the members'
    /// originals, flattened.
    fn apply(&mut self, merge: &Candidate) {
        let first = self.rows[merge.members[0]];
        let merged = Row {
            km: merge.km,
            generality: merge.km.generality(),
            route: first.route,
            defaultable: merge.members.iter().all(|&m| self.rows[m].defaultable),
        };
        let originals: Vec<KeyMask> = merge
            .members
            .iter()
            .flat_map(|&m| std::mem::take(&mut self.aliases[m]))
            .collect();
        let n = self.rows.len();
        let mut rows = Vec::with_capacity(n + 1 - merge.members.len());
        let mut aliases = Vec::with_capacity(rows.capacity());
        let mut members = merge.members.iter().peekable();
        let mut pending = Some((merged, originals));
        for (i, (row, row_aliases)) in self.rows.iter().zip(self.aliases.drain(..)).enumerate() {
            if i == merge.insertion
                && let Some((r, a)) = pending.take()
            {
                rows.push(r);
                aliases.push(a);
            }
            if members.next_if_eq(&&i).is_none() {
                rows.push(*row);
                aliases.push(row_aliases);
            }
        }
        if let Some((r, a)) = pending {
            rows.push(r);
            aliases.push(a);
        }
        self.rows = rows;
        self.aliases = aliases;
    }
}

/// What the down-check needs of the most stringent covered originals.
#[derive(Clone, Copy, Debug)]
struct Covered {
    stringency: u32,
    settable: u32,
    zeros: u32,
    ones: u32,
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

    fn patterns(table: &[TableEntry]) -> Vec<(KeyMask, u32)> {
        table.iter().map(|e| (e.key_mask(), e.route.0)).collect()
    }

    #[test]
    fn up_check_drops_a_member_that_would_sink_below_an_intersecting_entry() {
        // rig's `_refine_upcheck` example: merging all three N entries gives XXXX below X000, which would
        // take 1000; so 1000 is left out and 0XXX goes to the bottom.
        let table = Table::sorted(&[
            row("0011", 1),
            row("0100", 1),
            row("1000", 1),
            row("X000", 2),
        ]);
        let merge = table.up_check(table.candidate(vec![0, 1, 2]), 0);
        assert_eq!(merge.members, [0, 1]);
        assert_eq!((merge.km, merge.insertion), (km("0XXX"), 4));
    }

    #[test]
    fn down_check_shrinks_a_merge_that_would_cover_an_entry_below() {
        // rig's `_refine_downcheck` example: 00XXX would take 00110 from XX1XX; leaving out the members with
        // X or 1 in bit 2 gives 000X1, which covers nothing below.
        let table = Table::sorted(&[
            row("00001", 1),
            row("00011", 1),
            row("00100", 1),
            row("00X00", 1),
            row("XX1XX", 2),
        ]);
        let merge = table.down_check(table.candidate(vec![0, 1, 2, 3]), 0);
        assert_eq!(merge.members, [0, 1]);
        assert_eq!((merge.km, merge.insertion), (km("000X1"), 3));
        // An entry below with no settable bit cannot be avoided: the merge is abandoned.
        let blocked = Table::sorted(&[row("0000", 1), row("0011", 1), row("XXXX", 2)]);
        assert_eq!(
            blocked
                .down_check(blocked.candidate(vec![0, 1]), 0)
                .goodness(),
            -1
        );
    }

    #[test]
    fn aliases_let_a_merge_sit_above_a_broad_merged_entry() {
        // 0011 and 1100 merge to XXXX first; 01XX can then go above it because it covers neither original.
        let table = [
            row("0011", 1),
            row("1100", 1),
            row("0101", 2),
            row("0110", 2),
        ];
        let minimised = ordered_covering(&table, None);
        assert_eq!(patterns(&minimised), [(km("01XX"), 2), (km("XXXX"), 1)]);
        // ... but 11XX would hide 1100 of XXXX, so 1101 and 1110 stay apart.
        let table = [
            row("0011", 1),
            row("1100", 1),
            row("1101", 2),
            row("1110", 2),
        ];
        assert_eq!(ordered_covering(&table, None).len(), 3);
    }

    #[test]
    fn stops_at_the_target_and_removes_default_routes() {
        let table: Vec<TableEntry> = (0..8u32)
            .map(|k| TableEntry {
                key: k,
                mask: 0xFFFF_FFFF,
                route: Route(1 << (k % 2)),
                defaultable: false,
            })
            .collect();
        assert_eq!(ordered_covering(&table, None).len(), 2);
        // One merge of four takes 8 entries to 5: stop there, whatever the target.
        assert_eq!(ordered_covering(&table, Some(7)).len(), 5);
        assert_eq!(ordered_covering(&table, Some(8)).len(), 8);
        let defaultable: Vec<TableEntry> = table
            .iter()
            .map(|e| TableEntry {
                defaultable: true,
                ..*e
            })
            .collect();
        assert!(ordered_covering(&defaultable, None).is_empty());
    }
}
