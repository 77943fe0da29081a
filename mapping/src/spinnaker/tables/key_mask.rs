//! The ternary key/mask pair of a multicast routing entry as a set of routing keys, and the bit tricks every
//! minimiser and the equivalence check are built from.
//!
//! Per bit, mask 1 fixes the key bit to the entry's key bit and (key 0, mask 0) is a don't-care "X". The
//! (key 1, mask 0) combination matches nothing at all (spec A0.2); the functions here assume it is absent,
//! which [`KeyMask::can_match`] lets callers check once at the boundary. With it absent, a key/mask pair is
//! a sub-cube of the 32-bit key space and intersection, containment, merging and subtraction are a handful
//! of word operations.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// A ternary key/mask pair: the set of routing keys `k` with `k & mask == key`. The default matches every
/// key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyMask {
    pub key: u32,
    pub mask: u32,
}

impl KeyMask {
    pub const fn new(key: u32, mask: u32) -> KeyMask {
        KeyMask { key, mask }
    }

    /// False when a key bit is set outside the mask: the router never matches such an entry.
    pub fn can_match(self) -> bool {
        self.key & !self.mask == 0
    }

    /// The number of don't-care bits. Ordered covering keeps its table sorted by this (Mundy et al. 2016):
    /// a more general entry below a more specific one can only catch what the specific one leaves.
    pub fn generality(self) -> u32 {
        (!self.key & !self.mask).count_ones()
    }

    /// Whether some routing key matches both: the two agree on every bit both of them fix.
    pub fn intersects(self, other: KeyMask) -> bool {
        (self.key ^ other.key) & self.mask & other.mask == 0
    }

    /// Whether every key of `other` is also a key of `self`.
    pub fn contains(self, other: KeyMask) -> bool {
        other.mask & self.mask == self.mask && other.key & self.mask == self.key
    }

    /// The keys of both, if any: fixed wherever either is fixed.
    pub fn intersection(self, other: KeyMask) -> Option<KeyMask> {
        self.intersects(other).then_some(KeyMask {
            key: self.key | other.key,
            mask: self.mask | other.mask,
        })
    }

    /// One key of the set: every don't-care bit 0.
    pub fn some_key(self) -> u32 {
        self.key
    }

    /// Appends to `out` disjoint key/masks that together hold exactly the keys of `self` that `other` does not
    /// match: one piece per bit that `other` fixes and `self` leaves open, each with that bit set against
    /// `other` and the bits before it set as `other` has them.
    pub fn subtract_into(self, other: KeyMask, out: &mut Vec<KeyMask>) {
        if !self.intersects(other) {
            out.push(self);
            return;
        }
        let mut rest = self;
        let mut open = other.mask & !self.mask;
        while open != 0 {
            let bit = open & open.wrapping_neg();
            open &= open - 1;
            out.push(KeyMask {
                key: rest.key | (!other.key & bit),
                mask: rest.mask | bit,
            });
            rest = KeyMask {
                key: rest.key | (other.key & bit),
                mask: rest.mask | bit,
            };
        }
    }
}

/// The smallest key/mask pair matching every key of every pair folded in (Mundy et al. 2016; rig's
/// `_Merge`): a bit stays fixed only where all members fix it to the same value.
#[derive(Clone, Copy, Debug)]
pub struct Merge {
    any_ones: u32,
    all_ones: u32,
    all_fixed: u32,
}

impl Default for Merge {
    fn default() -> Merge {
        Merge {
            any_ones: 0,
            all_ones: u32::MAX,
            all_fixed: u32::MAX,
        }
    }
}

impl Merge {
    pub fn add(&mut self, km: KeyMask) {
        self.any_ones |= km.key;
        self.all_ones &= km.key;
        self.all_fixed &= km.mask;
    }

    pub fn key_mask(self) -> KeyMask {
        let mask = self.all_fixed & !(self.any_ones ^ self.all_ones);
        KeyMask {
            key: self.all_ones & mask,
            mask,
        }
    }

    /// The merge of exactly these pairs.
    pub fn of(members: impl IntoIterator<Item = KeyMask>) -> KeyMask {
        let mut merge = Merge::default();
        members.into_iter().for_each(|km| merge.add(km));
        merge.key_mask()
    }
}

/// Two positions of pairs that match a common key, or `None` when the pairs are orthogonal (the
/// precondition of ordered covering and of the pair compressor, which both reorder the table).
///
/// Pairs with the same mask intersect only when their keys are equal, and pairs of masks `m1`, `m2`
/// only when their keys agree on `m1 & m2`; so the pairs are grouped by mask and each pair of groups is
/// checked by hashing one side. Tables built from a few key allocations have few masks, which makes this
/// near-linear; with many masks the groups are small and the check falls back to direct comparison.
pub fn first_overlap(pairs: &[KeyMask]) -> Option<(usize, usize)> {
    let mut group_of_mask: HashMap<u32, usize> = HashMap::new();
    let mut groups: Vec<(u32, Vec<usize>)> = Vec::new();
    for (i, km) in pairs.iter().enumerate() {
        let g = *group_of_mask.entry(km.mask).or_insert_with(|| {
            groups.push((km.mask, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i);
    }
    let mut seen: HashMap<u32, usize> = HashMap::new();
    let mut overlap: Option<(usize, usize)> = None;
    let mut note = |a: usize, b: usize| {
        let found = (a.min(b), a.max(b));
        if overlap.is_none_or(|o| found < o) {
            overlap = Some(found);
        }
    };
    for (a, (mask_a, members_a)) in groups.iter().enumerate() {
        for (mask_b, members_b) in &groups[a..] {
            let common = mask_a & mask_b;
            let same_group = mask_a == mask_b;
            if !same_group && members_a.len() * members_b.len() <= members_a.len() + members_b.len()
            {
                for &i in members_a {
                    for &j in members_b {
                        if pairs[i].intersects(pairs[j]) {
                            note(i, j);
                        }
                    }
                }
                continue;
            }
            seen.clear();
            for &i in members_a {
                match seen.entry(pairs[i].key & common) {
                    // Within a group an equal key is an overlap; across groups only a key of the other.
                    Entry::Occupied(j) if same_group => note(*j.get(), i),
                    Entry::Occupied(_) => {}
                    Entry::Vacant(slot) => {
                        slot.insert(i);
                    }
                }
            }
            if !same_group {
                for &j in members_b {
                    if let Some(&i) = seen.get(&(pairs[j].key & common)) {
                        note(i, j);
                    }
                }
            }
        }
    }
    overlap
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A pair written as the rig docs do, most significant bit first: `0`, `1` or `X`; the bits above
    /// the pattern are fixed at 0.
    pub(crate) fn km(pattern: &str) -> KeyMask {
        pattern.chars().fold(KeyMask::new(0, u32::MAX), |acc, c| {
            let (k, m) = match c {
                '0' => (0, 1),
                '1' => (1, 1),
                'X' => (0, 0),
                _ => panic!("bad pattern {pattern}"),
            };
            KeyMask::new(acc.key << 1 | k, acc.mask << 1 | m)
        })
    }

    #[test]
    fn merge_keeps_only_bits_all_members_agree_on() {
        assert_eq!(Merge::of([km("0000"), km("0001")]), km("000X"));
        assert_eq!(Merge::of([km("0001"), km("0010")]), km("00XX"));
        assert_eq!(Merge::of([km("1X00"), km("1101")]), km("1X0X"));
        assert_eq!(Merge::of([km("1010")]), km("1010"));
        assert_eq!(Merge::of([km("0000"), km("0001")]).generality(), 1);
    }

    #[test]
    fn intersection_and_containment() {
        assert!(km("0X1").intersects(km("011")));
        assert!(!km("0X1").intersects(km("1X1")));
        assert!(km("XXX").intersects(km("101")));
        assert!(km("0XX").contains(km("01X")));
        assert!(!km("01X").contains(km("0XX")));
        assert_eq!(km("0XX").intersection(km("X1X")), Some(km("01X")));
        assert_eq!(km("0XX").intersection(km("1XX")), None);
        assert!(!KeyMask::new(0b1, 0).can_match());
        assert_eq!(km("XXX").generality(), 3);
    }

    #[test]
    fn subtraction_gives_disjoint_pieces_of_what_is_left() {
        let mut out = Vec::new();
        km("XXX").subtract_into(km("01X"), &mut out);
        assert_eq!(out.len(), 2);
        assert!(!out[0].intersects(out[1]));
        for key in 0..8u32 {
            let inside_left = out.iter().any(|p| key & p.mask == p.key);
            let expected = key & 0b110 != 0b010;
            assert_eq!(inside_left, expected, "key {key:03b}");
        }
        out.clear();
        km("01X").subtract_into(km("0XX"), &mut out);
        assert!(out.is_empty());
        km("01X").subtract_into(km("1XX"), &mut out);
        assert_eq!(out, [km("01X")]);
    }

    #[test]
    fn overlaps_are_found_within_and_across_masks() {
        let orthogonal = [km("00XX"), km("01XX"), km("1000"), km("1001"), km("11X1")];
        assert_eq!(first_overlap(&orthogonal), None);
        assert_eq!(
            first_overlap(&[km("00XX"), km("1XXX"), km("00XX")]),
            Some((0, 2))
        );
        assert_eq!(
            first_overlap(&[km("0000"), km("1XX1"), km("X0X1"), km("1101")]),
            Some((1, 2))
        );
        // Equal keys under the common bits of two masks overlap only across the groups.
        let mut two_groups = vec![km("1000"), km("1001"), km("1010"), km("00XX"), km("01XX")];
        assert_eq!(first_overlap(&two_groups), None);
        two_groups.push(km("10XX"));
        assert_eq!(first_overlap(&two_groups), Some((0, 5)));
        assert_eq!(first_overlap(&[]), None);
    }
}
