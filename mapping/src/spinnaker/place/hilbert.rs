//! Constructive placement along a Hilbert curve of chips (rig's `hilbert` placer, Heathcote 2016).
//!
//! A Hilbert curve keeps consecutive cells adjacent and any run of cells compact, so vertices with nearby
//! ids, which the mapper gives to slices of one population and to populations that talk to each other,
//! share chips or sit on neighbouring ones. Consecutive cells differ by one step east, west, north or
//! south, all of which are SpiNNaker links, and the curve covers a board or a torus without long jumps.
//! The result is the starting point of the annealer.

use spinnaker_emu::geometry::ChipCoord;
use spinnaker_emu::machine::Machine;

use super::{CoreLocation, Placements};
use crate::spinnaker::graph::Graph;

/// The position of cell (x, y) along the Hilbert curve filling the `side` x `side` square, `side` a power of
/// two: 0 at (0, 0), `side`² − 1 at (side − 1, 0). The classic quadrant-by-quadrant construction: each bit
/// level picks a quadrant and rotates or reflects the coordinates into that quadrant's frame.
pub fn hilbert_index(side: u32, x: u32, y: u32) -> u64 {
    debug_assert!(side.is_power_of_two() && x < side && y < side);
    let (mut x, mut y) = (x, y);
    let mut d = 0u64;
    let mut s = side / 2;
    while s > 0 {
        let rx = u32::from(x & s != 0);
        let ry = u32::from(y & s != 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = side - 1 - x;
                y = side - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

/// The working chips of `machine` in Hilbert-curve order over the smallest power-of-two square covering the
/// chip grid; positions without a working chip are skipped.
pub fn hilbert_chips(machine: &Machine) -> Vec<ChipCoord> {
    let side = u32::from(machine.width().max(machine.height())).next_power_of_two();
    let mut chips: Vec<ChipCoord> = machine.chips().collect();
    chips.sort_by_key(|c| hilbert_index(side, u32::from(c.x), u32::from(c.y)));
    chips
}

/// Places the vertices of `graph` in id order on the application cores of the chips in Hilbert order, each
/// chip's cores ascending. Fails, with both counts, when the machine has fewer application cores than the
/// graph has vertices.
pub fn place_hilbert(machine: &Machine, graph: &Graph) -> Result<Placements, String> {
    let needed = u64::from(graph.n_vertices());
    let usable = machine.n_app_cores_total();
    if needed > usable {
        return Err(format!(
            "needs {needed} application cores; {} has {usable} usable",
            machine.preset()
        ));
    }
    let locations = hilbert_chips(machine)
        .into_iter()
        .flat_map(|chip| {
            machine
                .app_cores(chip)
                .map(move |core| CoreLocation { chip, core })
        })
        .take(needed as usize)
        .collect();
    Placements::new(machine, locations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spinnaker::graph::VertexId;
    use spinnaker_emu::Preset;
    use spinnaker_emu::faults::Faults;
    use spinnaker_emu::machine::CoreModel;

    #[test]
    fn the_curve_visits_every_cell_once_through_neighbours() {
        for side in [1u32, 2, 4, 8, 16, 64] {
            let mut cells: Vec<(u64, u32, u32)> = (0..side)
                .flat_map(|x| (0..side).map(move |y| (hilbert_index(side, x, y), x, y)))
                .collect();
            cells.sort_unstable();
            let indices: Vec<u64> = cells.iter().map(|c| c.0).collect();
            assert_eq!(
                indices,
                (0..u64::from(side * side)).collect::<Vec<_>>(),
                "side {side}"
            );
            for pair in cells.windows(2) {
                let (ax, ay, bx, by) = (pair[0].1, pair[0].2, pair[1].1, pair[1].2);
                assert_eq!(
                    ax.abs_diff(bx) + ay.abs_diff(by),
                    1,
                    "side {side}: {pair:?}"
                );
            }
        }
    }

    fn machine(preset: &str, faults: &Faults) -> Machine {
        Machine::new(Preset::parse(preset).unwrap(), CoreModel::Realistic, faults).unwrap()
    }

    #[test]
    fn fills_working_cores_chip_by_chip_along_the_curve() {
        let faults = Faults {
            dead_chips: vec![(0, 1)],
            dead_cores: vec![(0, 0, 1), (1, 0, 5)],
            ..Faults::default()
        };
        let m = machine("spinnaker-48", &faults);
        let chips = hilbert_chips(&m);
        assert_eq!(chips.len(), 47);
        // The curve starts (0, 0), (0, 1), (1, 1), (1, 0); (0, 1) is dead.
        assert_eq!(
            &chips[..3],
            [
                ChipCoord::new(0, 0),
                ChipCoord::new(1, 1),
                ChipCoord::new(1, 0)
            ]
        );
        let graph = Graph::with_vertices(m.n_app_cores_total() as u32);
        let p = place_hilbert(&m, &graph).unwrap();
        // Chip (0, 0): Ethernet, core 1 dead, so cores 2..=15.
        let first: Vec<u8> = p
            .on_chip(ChipCoord::new(0, 0))
            .iter()
            .map(|&(c, _)| c)
            .collect();
        assert_eq!(first, (2..=15).collect::<Vec<u8>>());
        assert_eq!(
            p.location(VertexId(14)),
            CoreLocation {
                chip: ChipCoord::new(1, 1),
                core: 1
            }
        );
        assert!(p.on_chip(ChipCoord::new(1, 0)).iter().all(|&(c, _)| c != 5));
        assert!(p.on_chip(ChipCoord::new(0, 1)).is_empty());
        assert!(p.iter().all(|(_, at)| at.core != 0));
        assert_eq!(p.chips().len(), 47);
    }

    #[test]
    fn too_many_vertices_are_refused_with_both_counts() {
        let m = machine("spinnaker-48", &Faults::default());
        let err = place_hilbert(&m, &Graph::with_vertices(900)).unwrap_err();
        assert_eq!(
            err,
            "needs 900 application cores; spinnaker-48 has 759 usable"
        );
        assert_eq!(
            place_hilbert(&m, &Graph::with_vertices(759)).unwrap().len(),
            759
        );
        assert!(
            place_hilbert(&m, &Graph::with_vertices(0))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_torus_is_covered_by_a_padded_square() {
        let m = machine("spinnaker-24b", &Faults::default());
        let chips = hilbert_chips(&m);
        assert_eq!(chips.len(), 48 * 24);
        // 48 x 24 sits in a 64 x 64 square; consecutive chips on the curve stay adjacent where it does not
        // leave the grid, which it does at most a few times.
        let jumps = chips
            .windows(2)
            .filter(|p| p[0].x.abs_diff(p[1].x) + p[0].y.abs_diff(p[1].y) != 1)
            .count();
        assert!(jumps <= 4, "{jumps} jumps");
    }
}
