//! Placement: which application core of which chip runs each vertex.
//!
//! Two steps, as in rig (Heathcote 2016): a constructive placement that lays vertices along a Hilbert curve
//! of chips ([`hilbert`]), so vertices with nearby ids land on nearby chips, then simulated annealing
//! ([`annealing`]) that moves vertices to shrink the nets' bounding boxes.

pub mod annealing;
pub mod hilbert;

use std::collections::BTreeMap;
use std::fmt;

use spinnaker_emu::geometry::ChipCoord;
use spinnaker_emu::machine::Machine;

use crate::spinnaker::graph::VertexId;

/// One application core of the machine: a chip and a virtual core id (1-17; 0 is the monitor). Route words
/// and machine images name cores by the same id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct CoreLocation {
    pub chip: ChipCoord,
    pub core: u8,
}

impl fmt::Display for CoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} core {}", self.chip, self.core)
    }
}

/// Where every vertex of a graph runs, with the reverse lookup by chip. Every location is an application
/// core of a working chip, used by one vertex only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placements {
    /// By vertex id.
    locations: Vec<CoreLocation>,
    /// The vertices of each used chip, by ascending core.
    by_chip: BTreeMap<ChipCoord, Vec<(u8, VertexId)>>,
}

impl Placements {
    /// Placements from each vertex's location (`locations[i]` for `VertexId(i)`); errors name the first
    /// location that is not a free application core of a working chip.
    pub fn new(machine: &Machine, locations: Vec<CoreLocation>) -> Result<Placements, String> {
        let mut by_chip: BTreeMap<ChipCoord, Vec<(u8, VertexId)>> = BTreeMap::new();
        for (i, &at) in locations.iter().enumerate() {
            let v = VertexId(i as u32);
            if !machine.has_chip(at.chip) {
                return Err(format!(
                    "{v} placed on {}, which is not a working chip",
                    at.chip
                ));
            }
            if !machine.app_cores(at.chip).any(|c| c == at.core) {
                return Err(format!(
                    "{v} placed on {at}, which is not an application core"
                ));
            }
            by_chip.entry(at.chip).or_default().push((at.core, v));
        }
        for (chip, vertices) in &mut by_chip {
            vertices.sort_unstable();
            if let Some(pair) = vertices.windows(2).find(|p| p[0].0 == p[1].0) {
                return Err(format!(
                    "{} and {} both placed on {chip} core {}",
                    pair[0].1, pair[1].1, pair[0].0
                ));
            }
        }
        Ok(Placements { locations, by_chip })
    }

    /// The core `v` runs on; panics if `v` is not a vertex of the placed graph.
    pub fn location(&self, v: VertexId) -> CoreLocation {
        self.locations[v.0 as usize]
    }

    /// Placed vertices.
    pub fn len(&self) -> usize {
        self.locations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.locations.is_empty()
    }

    /// Every vertex with its location, by vertex id.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (VertexId, CoreLocation)> + '_ {
        self.locations
            .iter()
            .enumerate()
            .map(|(i, &at)| (VertexId(i as u32), at))
    }

    /// The (core, vertex) pairs on `chip`, by ascending core; empty for a chip without vertices.
    pub fn on_chip(&self, chip: ChipCoord) -> &[(u8, VertexId)] {
        self.by_chip.get(&chip).map_or(&[], Vec::as_slice)
    }

    /// The chips holding at least one vertex, ascending.
    pub fn chips(&self) -> impl ExactSizeIterator<Item = ChipCoord> + '_ {
        self.by_chip.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spinnaker_emu::Preset;
    use spinnaker_emu::faults::Faults;
    use spinnaker_emu::machine::CoreModel;

    fn at(x: u16, y: u16, core: u8) -> CoreLocation {
        CoreLocation {
            chip: ChipCoord::new(x, y),
            core,
        }
    }

    #[test]
    fn placements_check_cores_and_look_up_by_chip() {
        let m = Machine::new(Preset::Spinn5, CoreModel::Realistic, &Faults::default()).unwrap();
        let p = Placements::new(&m, vec![at(1, 0, 3), at(1, 0, 1), at(2, 2, 1)]).unwrap();
        assert_eq!(
            p.on_chip(ChipCoord::new(1, 0)),
            [(1, VertexId(1)), (3, VertexId(0))]
        );
        assert_eq!(p.on_chip(ChipCoord::new(5, 5)), []);
        assert_eq!(
            p.chips().collect::<Vec<_>>(),
            [ChipCoord::new(1, 0), ChipCoord::new(2, 2)]
        );
        assert_eq!(p.location(VertexId(2)), at(2, 2, 1));
        assert_eq!(p.iter().len(), 3);
        let err = |locations| Placements::new(&m, locations).unwrap_err();
        assert_eq!(
            err(vec![at(7, 0, 1)]),
            "vertex 0 placed on (7, 0), which is not a working chip"
        );
        assert!(err(vec![at(0, 0, 0)]).contains("not an application core"));
        // Chip (0, 0) carries the Ethernet: cores 16 and 17 run system software.
        assert!(err(vec![at(0, 0, 16)]).contains("not an application core"));
        assert_eq!(
            err(vec![at(1, 0, 2), at(1, 0, 2)]),
            "vertex 0 and vertex 1 both placed on (1, 0) core 2"
        );
    }
}
