//! The router's fast multicast lookup: a decision tree over key bit-fields, compiled once when a
//! table is loaded, that gives the same answer as [`RoutingTable::lookup_naive`] for every key.
//!
//! # Why this design
//!
//! The CAM compares all 1,024 entries at once (spec §2.3); software that scans them costs up to
//! 1,023 compares per packet, and a router sees one packet per cycle. Two cheaper schemes were
//! weighed:
//!
//! - *Hash per distinct mask* (tuple-space search): one probe per distinct mask. Fine for raw
//!   PACMAN tables, which use a handful of masks, but compressed tables (rig's ordered covering,
//!   spec §11) merge entries into many different masks and the probe count grows with them.
//! - *Binary decision tree* on one key bit per node: robust, but about ten dependent loads deep
//!   for a thousand entries.
//!
//! This is a decision tree whose nodes each decode a contiguous *field* of 1–8 key bits, so one
//! node can fan out 256 ways: PACMAN keys are `application | core | neuron` fields (§4.3), and a
//! field cut across the application/core bits splits a 1,023-entry table into leaves of a few
//! entries in one or two steps. A leaf holds, in priority order, copies of the entries that can
//! still match a key reaching it; the lookup scans it and takes the first match, which is what
//! keeps lowest-index-wins exact. The first entry of a leaf is held in the slot that leads to it,
//! so most lookups end with the load that reaches that slot (see `Slot`). An entry that
//! wildcards some of a node's field bits is copied into every child it can match, so
//! overlapping entries stay correct at the price of space.
//!
//! Construction, per node (a set of candidate entries, and the key bits fixed on the path to it):
//! - Entries whose care bits are all fixed on the path match every key arriving there; the first
//!   such entry ends the candidate list, as nothing after it can win. This is what keeps
//!   catch-all entries from being copied everywhere.
//! - The field is chosen among runs of not-yet-fixed bits to minimise the expected leaf size seen
//!   by a key that hits an entry, Σc²/Σc over child sizes c, with total copies capped at twice
//!   the node's size and fan-out at four times its size: a leaf of one entry is decided in its
//!   slot, so more, smaller leaves save scans (+4-5% packet-hops/s on the NoC bench against a cap
//!   of twice).
//! - Nodes are split largest first until every leaf has at most `LEAF_SIZE` entries or a space
//!   budget proportional to the table runs out; then the remaining leaves stay larger. So an
//!   adversarial table (random masks) costs bounded memory and build time and merely scans more.
//!
//! Entries with a (key 1, mask 0) bit never match (§2.3); they are dropped before building, so
//! leaves test just `key & mask == entry key`.
//!
//! The compiled table is immutable after [`FastTable::new`]: plain vectors, no caches, no
//! interior mutability, so it is `Send + Sync` and one copy can be shared by every thread of the
//! event kernel.

use std::collections::BinaryHeap;
use std::ops::Range;

use super::table::{Route, RoutingEntry, RoutingTable};

/// Leaves of at most this many entries are not split: scanning a few contiguous entries costs
/// about as much as one more dependent node load.
const LEAF_SIZE: usize = 4;
/// Widest field one node decodes (256 children).
const MAX_FIELD_BITS: u32 = 8;
/// Space budget, in entry copies plus child slots, per table entry...
const BUDGET_PER_ENTRY: usize = 4;
/// ...plus this much, so that small tables still split down to small leaves.
const BUDGET_BASE: usize = 1024;

/// A child reference: an interior node's index, or a leaf as a range of `candidates`.
///
/// Leaves are encoded inline (bit 31 set, length in bits 30:20, start in bits 19:0) so that
/// reaching a leaf costs no extra load. The budget keeps `candidates` far below 2^20 entries and
/// a leaf never holds more than the table's 1,023.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ref(u32);

impl Ref {
    const LEAF: u32 = 1 << 31;
    const LEN_SHIFT: u32 = 20;
    const START_MASK: u32 = (1 << Self::LEN_SHIFT) - 1;

    fn node(index: usize) -> Ref {
        let index = u32::try_from(index).expect("node count fits 31 bits");
        assert!(index < Ref::LEAF);
        Ref(index)
    }

    fn leaf(range: Range<usize>) -> Ref {
        assert!(range.end <= Self::START_MASK as usize && range.len() < 1 << 11);
        Ref(Ref::LEAF | (range.len() as u32) << Ref::LEN_SHIFT | range.start as u32)
    }

    fn is_leaf(self) -> bool {
        self.0 & Ref::LEAF != 0
    }

    fn leaf_range(self) -> Range<usize> {
        let start = (self.0 & Ref::START_MASK) as usize;
        let len = ((self.0 & !Ref::LEAF) >> Ref::LEN_SHIFT) as usize;
        start..start + len
    }
}

/// A child of a node: an interior node, or a leaf whose first entry is held right here.
///
/// Most leaves hold none or one entry (a field decoded down to `LEAF_SIZE` spreads entries thinly), so
/// keeping a leaf's first entry in the slot that leads to it decides most lookups with the one load that
/// reaches the slot: no second dependent load of `candidates`, and no scan loop whose varying length the
/// branch predictor misses. One 16-byte slot per child, four times a bare reference, buys that.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(16))]
struct Slot {
    /// A leaf's first entry; an entry that matches no key for an empty leaf or an interior node.
    first: RoutingEntry,
    /// The interior node, or the leaf's entries after `first`.
    rest: Ref,
}

impl Slot {
    /// An empty leaf: (key 1, mask 0) matches no key (§2.3).
    const EMPTY: Slot = Slot {
        first: RoutingEntry {
            key: 1,
            mask: 0,
            route: Route(0),
        },
        rest: Ref(Ref::LEAF),
    };

    fn node(index: usize) -> Slot {
        Slot {
            rest: Ref::node(index),
            ..Slot::EMPTY
        }
    }
}

/// An interior node: its children are `slots[first_slot..][(key >> shift) & field]`.
#[derive(Clone, Copy, Debug)]
struct Node {
    shift: u32,
    field: u32,
    first_slot: u32,
}

/// A routing table compiled for fast lookup; see the module documentation.
#[derive(Clone, Debug)]
pub struct FastTable {
    /// `slots[0]`, and the root node when it is one (`nodes[0]`), kept in the table itself: the table sits in
    /// the chip's state, so a lookup starts without two dependent loads.
    root: Slot,
    root_node: Node,
    nodes: Vec<Node>,
    /// Children of all nodes; slot 0 is the root.
    slots: Vec<Slot>,
    /// Leaf contents after each leaf's first entry, each leaf's a contiguous run in priority order.
    candidates: Vec<RoutingEntry>,
}

impl FastTable {
    /// Compiles `table`. Linear in the table for realistic tables; bounded by the space budget
    /// otherwise.
    pub fn new(table: &RoutingTable) -> FastTable {
        Builder::new(table.entries()).run()
    }

    /// The route of the lowest-index entry of the table matching `key`, exactly as
    /// [`RoutingTable::lookup_naive`] gives it.
    #[inline(always)]
    pub fn lookup(&self, key: u32) -> Option<Route> {
        let step = |node: Node| {
            &self.slots[node.first_slot as usize + ((key >> node.shift) & node.field) as usize]
        };
        let mut at = &self.root;
        if !at.rest.is_leaf() {
            at = step(self.root_node);
            while !at.rest.is_leaf() {
                at = step(self.nodes[at.rest.0 as usize]);
            }
        }
        if key & at.first.mask == at.first.key {
            return Some(at.first.route);
        }
        self.candidates[at.rest.leaf_range()]
            .iter()
            .find(|e| key & e.mask == e.key)
            .map(|e| e.route)
    }

    /// Heap memory held, in bytes: the per-chip cost of keeping the compiled form.
    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * size_of::<Node>()
            + self.slots.capacity() * size_of::<Slot>()
            + self.candidates.capacity() * size_of::<RoutingEntry>()
    }
}

/// A leaf awaiting a decision: split it or keep it.
#[derive(Default)]
struct Pending {
    /// Indices into the table of the entries that can still match, in priority order.
    entries: Vec<u16>,
    /// Key bits fixed by the fields decoded on the path here.
    known: u32,
    /// The slot that will refer to this subtree.
    slot: usize,
}

/// A candidate field of key bits `shift .. shift + width`.
#[derive(Clone, Copy)]
struct Field {
    shift: u32,
    width: u32,
}

impl Field {
    fn mask(self) -> u32 {
        (1 << self.width) - 1
    }
}

struct Builder<'t> {
    table: &'t [RoutingEntry],
    nodes: Vec<Node>,
    slots: Vec<Slot>,
    candidates: Vec<RoutingEntry>,
    /// Entry copies in all leaves plus slots, against `budget`.
    used: usize,
    budget: usize,
    /// Set by the first split refused for space: the nodes still queued are no bigger, so
    /// they would mostly be refused too, and each attempt costs a field search.
    exhausted: bool,
}

impl<'t> Builder<'t> {
    fn new(table: &'t [RoutingEntry]) -> Builder<'t> {
        assert!(table.len() <= RoutingTable::APPLICATION_ENTRIES);
        Builder {
            table,
            nodes: Vec::new(),
            slots: vec![Slot::EMPTY],
            candidates: Vec::new(),
            used: 1,
            budget: BUDGET_BASE + BUDGET_PER_ENTRY * table.len(),
            exhausted: false,
        }
    }

    fn run(mut self) -> FastTable {
        let live = (0..self.table.len() as u16).filter(|&i| self.table[usize::from(i)].can_match());
        let root = self.truncated(live.collect(), 0);
        self.used += root.len();
        let mut pending = vec![Pending {
            entries: root,
            known: 0,
            slot: 0,
        }];
        // Largest first, so that the budget is spent where scans would be longest.
        let mut queue = BinaryHeap::from([(pending[0].entries.len(), 0)]);
        while let Some((_, id)) = queue.pop() {
            let Pending {
                entries,
                known,
                slot,
            } = std::mem::take(&mut pending[id]);
            match self.split(&entries, known) {
                Some((field, children)) => {
                    let first_slot = self.slots.len();
                    self.slots[slot] = Slot::node(self.nodes.len());
                    self.nodes.push(Node {
                        shift: field.shift,
                        field: field.mask(),
                        first_slot: first_slot as u32,
                    });
                    let child_known = known | field.mask() << field.shift;
                    for (i, child) in children.into_iter().enumerate() {
                        self.slots.push(Slot::EMPTY);
                        queue.push((child.len(), pending.len()));
                        pending.push(Pending {
                            entries: child,
                            known: child_known,
                            slot: first_slot + i,
                        });
                    }
                }
                None => self.finish_leaf(&entries, slot),
            }
        }
        // Thousands of chips each keep one of these: hand back the growth slack.
        self.nodes.shrink_to_fit();
        self.slots.shrink_to_fit();
        self.candidates.shrink_to_fit();
        FastTable {
            root: self.slots[0],
            root_node: self.nodes.first().copied().unwrap_or(Node {
                shift: 0,
                field: 0,
                first_slot: 0,
            }),
            nodes: self.nodes,
            slots: self.slots,
            candidates: self.candidates,
        }
    }

    fn finish_leaf(&mut self, entries: &[u16], slot: usize) {
        let Some((&first, rest)) = entries.split_first() else {
            return;
        };
        let start = self.candidates.len();
        self.candidates
            .extend(rest.iter().map(|&i| self.table[usize::from(i)]));
        self.slots[slot] = Slot {
            first: self.table[usize::from(first)],
            rest: Ref::leaf(start..self.candidates.len()),
        };
    }

    /// Cuts `entries` after the first entry whose care bits are all in `known`: it matches every
    /// key that gets here, so later entries never win.
    fn truncated(&self, mut entries: Vec<u16>, known: u32) -> Vec<u16> {
        if let Some(first) = entries
            .iter()
            .position(|&i| self.table[usize::from(i)].mask & !known == 0)
        {
            entries.truncate(first + 1);
        }
        entries
    }

    /// The children of a node decoding the best field over `entries`, if splitting is worth it
    /// and fits the budget.
    fn split(&mut self, entries: &[u16], known: u32) -> Option<(Field, Vec<Vec<u16>>)> {
        if entries.len() <= LEAF_SIZE || self.exhausted {
            return None;
        }
        let field = self.best_field(entries, known)?;
        let mut children = vec![Vec::new(); 1 << field.width];
        for &i in entries {
            let e = self.table[usize::from(i)];
            for child in children_of(e, field) {
                children[child as usize].push(i);
            }
        }
        let child_known = known | field.mask() << field.shift;
        let children: Vec<Vec<u16>> = children
            .into_iter()
            .map(|c| self.truncated(c, child_known))
            .collect();
        let copies: usize = children.iter().map(Vec::len).sum();
        let used = self.used - entries.len() + copies + children.len();
        if used > self.budget {
            self.exhausted = true;
            return None;
        }
        self.used = used;
        Some((field, children))
    }

    /// The field over bits not in `known` that minimises Σc²/Σc over child sizes c, if that is
    /// below the node's size (i.e. the split helps).
    fn best_field(&self, entries: &[u16], known: u32) -> Option<Field> {
        let entries: Vec<RoutingEntry> = entries
            .iter()
            .map(|&i| self.table[usize::from(i)])
            .collect();
        let size = entries.len();
        let max_copies = 2 * size;
        let max_fanout = 4 * size;
        let mut best = None;
        // Best score so far as the fraction (Σc², Σc); the node as it stands scores `size`.
        let (mut best_squares, mut best_total) = (size as u64 * size as u64, size as u64);
        let mut counts = Vec::with_capacity(1 << MAX_FIELD_BITS);
        for shift in 0..32 {
            for width in 1..=MAX_FIELD_BITS.min(32 - shift) {
                let field = Field { shift, width };
                if known & field.mask() << shift != 0 || 1 << width > max_fanout {
                    break;
                }
                // Widening a field never lowers the copy count, so stop at the first too many.
                let copies: usize = entries
                    .iter()
                    .map(|e| 1 << (!e.mask >> shift & field.mask()).count_ones())
                    .sum();
                if copies > max_copies {
                    break;
                }
                counts.clear();
                counts.resize(1 << width, 0u64);
                for &e in &entries {
                    for child in children_of(e, field) {
                        counts[child as usize] += 1;
                    }
                }
                let squares: u64 = counts.iter().map(|c| c * c).sum();
                let total = copies as u64;
                // squares / total < best_squares / best_total, without division.
                if squares * best_total < best_squares * total {
                    (best_squares, best_total) = (squares, total);
                    best = Some(field);
                }
            }
        }
        best
    }
}

/// The children (field values) whose keys entry `e` can match: its care bits in the field fixed,
/// every combination of its don't-care bits.
fn children_of(e: RoutingEntry, field: Field) -> impl Iterator<Item = u32> {
    let care = e.mask >> field.shift & field.mask();
    let value = e.key >> field.shift & field.mask();
    let free = field.mask() & !care;
    // Enumerate the subsets of `free`, starting with `free` itself and ending with 0.
    let mut next = Some(free);
    std::iter::from_fn(move || {
        let sub = next?;
        next = (sub != 0).then(|| (sub - 1) & free);
        Some(value | sub)
    })
}

#[cfg(test)]
mod tests;
