//! A ternary trie over the key/masks of a table, answering "which entry from position `p` on intersects
//! this key/mask, if any?" without scanning them all.
//!
//! The pair compressor asks this for every merge it tries, against every entry of the routes below the
//! current one; a linear scan made it quadratic in the table size times the number of failed merges
//! (tens of seconds on PACMAN's 39,000-entry `table1`/`table2`). Each trie level is one key bit, most
//! significant first, with a child for entries that fix the bit at 0, at 1, or leave it open; each node
//! records the last table position below it, so subtrees holding only earlier entries are skipped.
//!
//! The equivalence check asks for *every* entry that intersects a key/mask ([`KeyTrie::intersecting`]):
//! scanning the minimised table for each original entry made it quadratic (36 s for one 200,000-entry
//! table, even unminimised).

use super::key_mask::KeyMask;

#[derive(Clone, Copy, Debug, Default)]
struct Node {
    /// Children for bit 0, bit 1 and don't-care; 0 means none (the root is never a child).
    children: [u32; 3],
    /// The highest table position of an entry below this node (u32 keeps a node in 16 bytes).
    last: u32,
}

pub struct KeyTrie {
    nodes: Vec<Node>,
    /// (key, mask, position) of every entry, sorted: the positions of a leaf's key/mask.
    positions: Vec<(u32, u32, u32)>,
}

/// Which child an entry fixing `bit` as `km` does belongs to.
fn branch(km: KeyMask, bit: u32) -> usize {
    if km.mask & bit == 0 {
        2
    } else {
        usize::from(km.key & bit != 0)
    }
}

impl KeyTrie {
    /// The trie of `entries`, each known by its position (fewer than 2^32 of them).
    pub fn new(entries: &[KeyMask]) -> KeyTrie {
        let mut nodes = vec![Node::default()];
        let mut positions = Vec::with_capacity(entries.len());
        for (position, &km) in entries.iter().enumerate() {
            let position = position as u32;
            positions.push((km.key, km.mask, position));
            let mut at = 0;
            nodes[0].last = position;
            for b in (0..32).rev() {
                let child = branch(km, 1 << b);
                if nodes[at].children[child] == 0 {
                    nodes.push(Node::default());
                    nodes[at].children[child] = (nodes.len() - 1) as u32;
                }
                at = nodes[at].children[child] as usize;
                nodes[at].last = position;
            }
        }
        positions.sort_unstable();
        KeyTrie { nodes, positions }
    }

    /// An entry at position `from` or later that matches some key of `km`, if any.
    pub fn intersecting_from(&self, km: KeyMask, from: usize) -> Option<KeyMask> {
        if self.nodes.len() == 1 || (self.nodes[0].last as usize) < from {
            return None;
        }
        self.search(0, 32, KeyMask::new(0, 0), km, from)
    }

    /// The positions of every entry that matches some key of `km`, ascending, into `found` (cleared first).
    pub fn intersecting(&self, km: KeyMask, found: &mut Vec<usize>) {
        found.clear();
        if self.nodes.len() > 1 {
            self.collect(0, 32, KeyMask::new(0, 0), km, found);
        }
        found.sort_unstable();
    }

    /// Depth-first below node `at` as [`KeyTrie::search`], collecting the positions of every leaf reached.
    fn collect(&self, at: usize, bits: u32, path: KeyMask, km: KeyMask, found: &mut Vec<usize>) {
        if bits == 0 {
            let start = self
                .positions
                .partition_point(|&(k, m, _)| (k, m) < (path.key, path.mask));
            found.extend(
                self.positions[start..]
                    .iter()
                    .take_while(|&&(k, m, _)| (k, m) == (path.key, path.mask))
                    .map(|&(_, _, position)| position as usize),
            );
            return;
        }
        let bit = 1 << (bits - 1);
        for child in wanted(branch(km, bit)) {
            let next = self.nodes[at].children[*child] as usize;
            if next != 0 {
                self.collect(next, bits - 1, extend(path, *child, bit), km, found);
            }
        }
    }

    /// Depth-first below node `at`, `bits` levels above the leaves, along `path` (the bits fixed so far):
    /// only children that can hold keys of `km` and entries from `from` on.
    fn search(
        &self,
        at: usize,
        bits: u32,
        path: KeyMask,
        km: KeyMask,
        from: usize,
    ) -> Option<KeyMask> {
        if bits == 0 {
            return Some(path);
        }
        let bit = 1 << (bits - 1);
        wanted(branch(km, bit)).iter().find_map(|&child| {
            let next = self.nodes[at].children[child] as usize;
            if next == 0 || (self.nodes[next].last as usize) < from {
                return None;
            }
            self.search(next, bits - 1, extend(path, child, bit), km, from)
        })
    }
}

/// The children that can hold keys of a query whose `bit` is in branch `b`.
fn wanted(b: usize) -> &'static [usize] {
    match b {
        0 => &[0, 2],
        1 => &[1, 2],
        _ => &[0, 1, 2],
    }
}

/// `path` one level down, into `child` at `bit`.
fn extend(path: KeyMask, child: usize, bit: u32) -> KeyMask {
    match child {
        0 => KeyMask::new(path.key, path.mask | bit),
        1 => KeyMask::new(path.key | bit, path.mask | bit),
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spinnaker::tables::key_mask::tests::km;

    #[test]
    fn answers_as_a_scan_of_the_later_entries_does() {
        let entries = [km("0000"), km("01XX"), km("1X10"), km("XXX1"), km("1100")];
        let trie = KeyTrie::new(&entries);
        let queries = [
            km("0000"),
            km("00X0"),
            km("1XX0"),
            km("XXXX"),
            km("1011"),
            km("0110"),
            km("1000"),
        ];
        for query in queries {
            for from in 0..=entries.len() {
                let found = trie.intersecting_from(query, from);
                let scan = entries[from..].iter().any(|e| e.intersects(query));
                assert_eq!(found.is_some(), scan, "{query:?} from {from}");
                if let Some(entry) = found {
                    assert!(entries[from..].contains(&entry) && entry.intersects(query));
                }
            }
        }
        let mut all = Vec::new();
        for query in queries {
            trie.intersecting(query, &mut all);
            let scan: Vec<usize> = (0..entries.len())
                .filter(|&i| entries[i].intersects(query))
                .collect();
            assert_eq!(all, scan, "{query:?}");
        }
        // Equal key/masks are one leaf with several positions.
        let twice = KeyTrie::new(&[km("01XX"), km("1XXX"), km("01XX")]);
        twice.intersecting(km("0110"), &mut all);
        assert_eq!(all, [0, 2]);
        assert_eq!(KeyTrie::new(&[]).intersecting_from(km("XXXX"), 0), None);
    }
}
