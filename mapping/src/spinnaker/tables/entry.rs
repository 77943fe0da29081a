use spinnaker_emu::router::table::{Route, RoutingEntry};

use super::key_mask::KeyMask;

/// A multicast routing entry with what the mapper knows beyond the hardware word: whether default routing
/// would already send its packets where the entry does (they arrive on exactly one link and leave only on
/// the opposite link, spec A5.2). Such entries are merge material for minimisation and are dropped from the
/// table loaded into the router.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TableEntry {
    pub key: u32,
    pub mask: u32,
    pub route: Route,
    pub defaultable: bool,
}

impl TableEntry {
    /// The hardware entry (what the router holds).
    pub fn routing_entry(&self) -> RoutingEntry {
        RoutingEntry {
            key: self.key,
            mask: self.mask,
            route: self.route,
        }
    }

    /// The set of routing keys the entry matches.
    pub fn key_mask(&self) -> KeyMask {
        KeyMask::new(self.key, self.mask)
    }
}
