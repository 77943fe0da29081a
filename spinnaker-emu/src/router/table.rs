//! The multicast routing table: ternary (key, mask) entries in priority order, and the route words
//! they select (spec §2.3).
//!
//! [`RoutingTable::lookup_naive`] is the definition of matching, written as plainly as possible;
//! the router uses the precompiled [`super::lookup::FastTable`], which is checked against it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Inter-chip links on a chip (§2.3, §3.1).
pub const LINKS: u8 = 6;
/// Processors on a chip, numbered by physical ID (§2.3).
pub const CORES: u8 = 18;

/// Link names by number, anticlockwise from East (§3.1).
const LINK_NAMES: [&str; LINKS as usize] = ["E", "NE", "N", "W", "SW", "S"];
const LINK_MASK: u32 = (1 << LINKS) - 1;
const CORE_SHIFT: u32 = LINKS as u32;
const CORE_MASK: u32 = (1 << CORES) - 1;

/// A 24-bit route word: the set of outputs a packet is copied to (§2.3).
///
/// Bits 0–5 are links E, NE, N, W, SW, S; bits 6–23 are physical processors 0–17
/// (`MC_CORE_ROUTE(p) = 1 << (p + 6)`). An empty route is legal: the packet goes nowhere.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub struct Route(pub u32);

impl Route {
    /// Link numbers in this route, ascending. Walks the set bits only: the router does this for every
    /// packet.
    pub fn links(self) -> impl Iterator<Item = u8> {
        SetBits(u32::from(self.link_bits()))
    }

    /// Physical processor numbers in this route, ascending.
    pub fn cores(self) -> impl Iterator<Item = u8> {
        SetBits(self.core_bits())
    }

    /// This route plus link `link`.
    ///
    /// # Panics
    /// If `link` is not 0–5: it would set a processor bit instead.
    pub fn with_link(self, link: u8) -> Route {
        assert!(link < LINKS, "a chip has links 0-5, got {link}");
        Route(self.0 | 1 << link)
    }

    /// This route plus physical processor `core`.
    ///
    /// # Panics
    /// If `core` is not 0–17: it would set a bit outside the 24-bit route word.
    pub fn with_core(self, core: u8) -> Route {
        assert!(core < CORES, "a chip has processors 0-17, got {core}");
        Route(self.0 | 1 << (u32::from(core) + CORE_SHIFT))
    }

    /// Whether the route includes link `link`; false for numbers that are not links.
    pub fn has_link(self, link: u8) -> bool {
        link < LINKS && self.0 & 1 << link != 0
    }

    /// Whether the route includes physical processor `core`; false for numbers that are not
    /// processors.
    pub fn has_core(self, core: u8) -> bool {
        core < CORES && self.0 & 1 << (u32::from(core) + CORE_SHIFT) != 0
    }

    /// Whether the route sends the packet nowhere.
    pub fn is_empty(self) -> bool {
        self.link_bits() == 0 && self.core_bits() == 0
    }

    /// The six link bits, link 0 in bit 0.
    pub fn link_bits(self) -> u8 {
        (self.0 & LINK_MASK) as u8
    }

    /// The eighteen processor bits, processor 0 in bit 0.
    pub fn core_bits(self) -> u32 {
        (self.0 >> CORE_SHIFT) & CORE_MASK
    }
}

/// The positions of the set bits of a word, lowest first.
struct SetBits(u32);

impl Iterator for SetBits {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros() as u8;
        self.0 &= self.0 - 1;
        Some(bit)
    }
}

/// Links by name, then processors as `c<n>`, e.g. `E NE c3 c7`; `none` when empty.
impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let links = self.links().map(|l| LINK_NAMES[usize::from(l)].to_string());
        let cores = self.cores().map(|c| format!("c{c}"));
        let names: Vec<String> = links.chain(cores).collect();
        f.write_str(&names.join(" "))
    }
}

/// One ternary CAM entry (§2.3).
///
/// Per bit, (key, mask) = (0, 0) don't care, (0, 1) must be 0, (1, 1) must be 1, and (1, 0)
/// never matches: SARK marks unused entries with key `0xFFFFFFFF`, mask 0.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct RoutingEntry {
    /// Bit values to match where `mask` is 1.
    pub key: u32,
    /// Bits of the packet key that this entry looks at.
    pub mask: u32,
    /// Where a matching packet goes.
    pub route: Route,
}

impl RoutingEntry {
    /// Whether a packet with routing key `key` matches this entry.
    pub fn matches(&self, key: u32) -> bool {
        (key & self.mask) == self.key && self.can_match()
    }

    /// False for entries with a (key 1, mask 0) bit, which match no key at all (§2.3).
    pub fn can_match(&self) -> bool {
        self.key & !self.mask == 0
    }
}

/// Why a routing table could not be built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TableError {
    /// More entries than the CAM has room for applications.
    TooManyEntries {
        /// How many entries were given.
        given: usize,
    },
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::TooManyEntries { given } => write!(
                f,
                "a multicast routing table holds at most {} application entries (entry 0 of {} is \
                 reserved by the system), got {given}",
                RoutingTable::APPLICATION_ENTRIES,
                RoutingTable::CAPACITY
            ),
        }
    }
}

impl std::error::Error for TableError {}

/// A chip's multicast routing table: the application entries in priority order, lowest index
/// first (§2.3).
///
/// The system's reserved entry 0 is not held here; `entries()[0]` is the highest-priority
/// application entry.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct RoutingTable {
    entries: Vec<RoutingEntry>,
}

impl RoutingTable {
    /// Entries in the router's CAM (§2.3, `MC_TABLE_SIZE`).
    pub const CAPACITY: usize = 1024;
    /// Entries left for applications once SARK/SCAMP takes entry 0 (§2.3, `RTR_ALLOC_FIRST = 1`).
    pub const APPLICATION_ENTRIES: usize = Self::CAPACITY - 1;

    /// A table of `entries` in priority order; refuses more than
    /// [`RoutingTable::APPLICATION_ENTRIES`].
    pub fn new(entries: Vec<RoutingEntry>) -> Result<RoutingTable, TableError> {
        if entries.len() > Self::APPLICATION_ENTRIES {
            return Err(TableError::TooManyEntries {
                given: entries.len(),
            });
        }
        Ok(RoutingTable { entries })
    }

    /// The entries in priority order.
    pub fn entries(&self) -> &[RoutingEntry] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The route of the lowest-index entry matching `key`, or `None` if no entry matches (then the
    /// router default-routes or drops the packet, §2.3).
    ///
    /// This is the definition, a linear scan; the router uses [`super::lookup::FastTable`].
    pub fn lookup_naive(&self, key: u32) -> Option<Route> {
        self.entries
            .iter()
            .find(|e| e.matches(key))
            .map(|e| e.route)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: u32, mask: u32, route: Route) -> RoutingEntry {
        RoutingEntry { key, mask, route }
    }

    #[test]
    fn ternary_match_vectors() {
        // §9.2.
        let e = entry(0x0001_0000, 0xFFFF_0000, Route::default());
        assert!(e.matches(0x0001_ABCD));
        assert!(!e.matches(0x0002_ABCD));
        let unused = entry(0xFFFF_FFFF, 0, Route::default());
        for key in [0, 0xFFFF_FFFF, 0x1234_5678] {
            assert!(!unused.matches(key));
        }
    }

    #[test]
    fn a_single_key_one_mask_zero_bit_spoils_the_entry() {
        // Everything else is don't-care, so without the rule this would match half of all keys.
        let e = entry(0x8000_0000, 0, Route::default());
        assert!(!e.can_match());
        assert!(!e.matches(0x8000_0000));
        assert!(entry(0, 0, Route::default()).matches(0xDEAD_BEEF));
    }

    #[test]
    fn lowest_index_wins() {
        // §9.2: entry 0 → core 1, entry 1 (catch-all) → link N.
        let core1 = Route::default().with_core(1);
        let north = Route::default().with_link(2);
        let table = RoutingTable::new(vec![
            entry(0x1000, 0xF000, core1),
            entry(0x0000, 0x0000, north),
        ])
        .unwrap();
        assert_eq!(table.lookup_naive(0x1234), Some(core1));
        assert_eq!(table.lookup_naive(0x2234), Some(north));
    }

    #[test]
    fn unmatched_key_has_no_route() {
        let table = RoutingTable::new(vec![entry(0x1000, 0xF000, Route(1))]).unwrap();
        assert_eq!(table.lookup_naive(0x2000), None);
        assert_eq!(RoutingTable::default().lookup_naive(0), None);
    }

    #[test]
    fn capacity_is_1023_application_entries() {
        let e = entry(0, 0, Route(1));
        let full = RoutingTable::new(vec![e; 1023]).unwrap();
        assert_eq!(full.len(), 1023);
        let err = RoutingTable::new(vec![e; 1024]).unwrap_err();
        assert_eq!(err, TableError::TooManyEntries { given: 1024 });
        let message = err.to_string();
        assert!(
            message.contains("1023") && message.contains("1024"),
            "{message}"
        );
    }

    #[test]
    fn route_bits_and_names() {
        let r = Route::default()
            .with_link(0)
            .with_link(1)
            .with_core(3)
            .with_core(7);
        assert_eq!(r.0, 0b11 | 1 << 9 | 1 << 13);
        assert_eq!(r.to_string(), "E NE c3 c7");
        assert_eq!(r.links().collect::<Vec<_>>(), [0, 1]);
        assert_eq!(r.cores().collect::<Vec<_>>(), [3, 7]);
        assert_eq!(r.link_bits(), 0b11);
        assert_eq!(r.core_bits(), 1 << 3 | 1 << 7);
        assert!(r.has_link(1) && !r.has_link(2) && !r.has_link(6));
        assert!(r.has_core(7) && !r.has_core(8) && !r.has_core(18));
        assert!(!r.is_empty() && Route::default().is_empty());
        assert_eq!(Route::default().to_string(), "none");
        let all = Route(0x00FF_FFFF);
        assert_eq!(all.links().count(), 6);
        assert_eq!(all.cores().count(), 18);
        assert_eq!(all.to_string().split(' ').next_back(), Some("c17"));
    }

    #[test]
    #[should_panic(expected = "links 0-5")]
    fn link_six_is_not_a_link() {
        Route::default().with_link(6);
    }

    #[test]
    #[should_panic(expected = "processors 0-17")]
    fn core_eighteen_is_not_a_core() {
        Route::default().with_core(18);
    }
}
