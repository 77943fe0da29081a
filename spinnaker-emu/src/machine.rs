//! The machine a mapped network is loaded onto: which chips exist, which of their cores applications may use,
//! and which links connect them. The mapper and the emulator build it from the same preset, core model and
//! faults, so both see the same machine.
//!
//! State is a few flat arrays (about 13 bytes per chip position) so the 57,600-chip million-core machine
//! (spec §0) stays well under a megabyte.

use crate::faults::Faults;
use crate::geometry::{ChipCoord, Layout, Link};
use crate::preset::{CORES_PER_CHIP, Preset};

/// Which cores of a chip applications get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreModel {
    /// sPyNNaker's defaults on a real machine (spec §0, §3.2, §7.3). Besides the monitor (virtual core 0), every
    /// chip runs an extra monitor (the re-injector) and Ethernet chips also a packet gatherer, leaving 16 and 15
    /// application cores. The 8 SpiNN-5 chips that SpiNNMachine's virtual board gives only 17 cores (§3.2) lose one
    /// more core; multi-board machines repeat that pattern on every board, in board-local coordinates. The missing
    /// core, the extra monitor and the packet gatherer take, in that order, the highest-numbered cores still
    /// working after the faults' dead cores are removed, so applications keep the low virtual ids.
    Realistic,
    /// All 17 non-monitor cores of every chip run applications (minus the faults' dead cores).
    Ideal,
}

/// How a working link is built (spec §3.2): chip to chip on one board, or through the boards' FPGAs and a
/// high-speed serial cable, which is slower and shared (spec §3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    OnBoard,
    BoardToBoard,
}

/// Marks a position without a working chip in `Machine::index_of`.
const NO_CHIP: u32 = u32::MAX;
/// Virtual cores 1..=17: every core but the monitor (spec §1.1).
const ALL_APP_CORES: u32 = ((1 << CORES_PER_CHIP) - 1) & !1;

/// A SpiNNaker machine with its faults applied.
#[derive(Clone, Debug)]
pub struct Machine {
    preset: Preset,
    cores: CoreModel,
    layout: Layout,
    width: u16,
    height: u16,
    /// Dense index of the working chip at each position (row-major, y then x), or `NO_CHIP`.
    index_of: Vec<u32>,
    /// Working chips in dense-index order: row-major, y then x.
    coords: Vec<ChipCoord>,
    /// Application cores of each working chip, by dense index: bit c = virtual core c.
    app_masks: Vec<u32>,
    /// Dead links by position. A link is stored once, at the end it leaves by E, NE or N (bit = link number);
    /// a fault naming the W, SW or S end is recorded at the neighbour, so one bit kills both directions.
    dead_links: Vec<u8>,
    n_cores: u64,
    n_app_cores: u64,
}

impl Machine {
    /// Builds the machine of `preset` with `faults` applied; errors name the offending preset or fault entry.
    pub fn new(preset: Preset, cores: CoreModel, faults: &Faults) -> Result<Machine, String> {
        let layout = Layout::of(preset)?;
        let (width, height) = layout.size();
        faults.check().map_err(|e| format!("faults: {e}"))?;
        for (path, c) in faults.chips_named() {
            if c.x >= width || c.y >= height || !layout.has_chip(c) {
                return Err(format!(
                    "faults: {path}: {c} is not a chip of {preset} ({width}x{height} chips, {})",
                    preset.description()
                ));
            }
        }
        let mut machine = Machine {
            preset,
            cores,
            layout,
            width,
            height,
            index_of: vec![NO_CHIP; usize::from(width) * usize::from(height)],
            coords: Vec::new(),
            app_masks: Vec::new(),
            dead_links: vec![0; usize::from(width) * usize::from(height)],
            n_cores: 0,
            n_app_cores: 0,
        };
        machine.place_chips(faults);
        machine.assign_cores(faults);
        for &(x, y, link) in &faults.dead_links {
            let link = Link::from_index(link).expect("link numbers checked by Faults::check");
            let c = ChipCoord::new(x, y);
            // A link leaving a machine without wrap-around is dead already.
            if let Some(other) = machine.step(c, link) {
                let (position, bit) = machine.link_slot(c, other, link);
                machine.dead_links[position] |= 1 << bit;
            }
        }
        Ok(machine)
    }

    /// Numbers the working chips in row-major order.
    fn place_chips(&mut self, faults: &Faults) {
        let width = usize::from(self.width);
        let at =
            |position: usize| ChipCoord::new((position % width) as u16, (position / width) as u16);
        // First mark the working positions (any value but NO_CHIP), then number them.
        for (position, slot) in self.index_of.iter_mut().enumerate() {
            if self.layout.has_chip(at(position)) {
                *slot = 0;
            }
        }
        for &(x, y) in &faults.dead_chips {
            let position = self
                .position(ChipCoord::new(x, y))
                .expect("checked by Machine::new");
            self.index_of[position] = NO_CHIP;
        }
        for (position, slot) in self.index_of.iter_mut().enumerate() {
            if *slot != NO_CHIP {
                *slot = self.coords.len() as u32;
                self.coords.push(at(position));
            }
        }
    }

    /// Works out each chip's application cores and the machine's core totals (see `CoreModel`).
    fn assign_cores(&mut self, faults: &Faults) {
        self.app_masks = vec![ALL_APP_CORES; self.coords.len()];
        for &(x, y, core) in &faults.dead_cores {
            if let Some(index) = self.chip_index(ChipCoord::new(x, y)) {
                self.app_masks[index as usize] &= !(1 << core);
            }
        }
        for (mask, &c) in self.app_masks.iter_mut().zip(&self.coords) {
            let realistic = self.cores == CoreModel::Realistic;
            if realistic && self.layout.has_board_dead_core(c) {
                *mask = without_highest(*mask);
            }
            // The monitor plus every working application-capable core.
            self.n_cores += 1 + u64::from(mask.count_ones());
            if realistic {
                let system_cores = 1 + u32::from(self.layout.is_ethernet(c));
                for _ in 0..system_cores {
                    *mask = without_highest(*mask);
                }
            }
            self.n_app_cores += u64::from(mask.count_ones());
        }
    }

    pub fn preset(&self) -> Preset {
        self.preset
    }

    pub fn core_model(&self) -> CoreModel {
        self.cores
    }

    /// Width of the chip grid (x runs 0..width).
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Height of the chip grid (y runs 0..height).
    pub fn height(&self) -> u16 {
        self.height
    }

    /// Whether links leaving one edge arrive at the opposite edge: SpiNN-3 and multi-board tori, not a single
    /// SpiNN-5 board (spec §3.2, §3.3).
    pub fn wraps(&self) -> bool {
        self.layout.wraps()
    }

    /// Boards of the machine; `board_of` returns 0..n_boards().
    pub fn n_boards(&self) -> u32 {
        self.layout.n_boards()
    }

    /// Working chips.
    pub fn n_chips(&self) -> u32 {
        self.coords.len() as u32
    }

    /// Working cores of working chips, monitors and system cores included.
    pub fn n_cores(&self) -> u64 {
        self.n_cores
    }

    /// Application cores over the whole machine.
    pub fn n_app_cores_total(&self) -> u64 {
        self.n_app_cores
    }

    /// Dense index of a working chip: 0..n_chips(), row-major (y then x) over working chips.
    pub fn chip_index(&self, c: ChipCoord) -> Option<u32> {
        let index = self.index_of[self.position(c)?];
        (index != NO_CHIP).then_some(index)
    }

    /// The chip with dense index `index`; panics unless `index < n_chips()`.
    pub fn chip(&self, index: u32) -> ChipCoord {
        self.coords[index as usize]
    }

    /// Working chips in dense-index order.
    pub fn chips(&self) -> impl ExactSizeIterator<Item = ChipCoord> + '_ {
        self.coords.iter().copied()
    }

    pub fn has_chip(&self, c: ChipCoord) -> bool {
        self.chip_index(c).is_some()
    }

    /// Whether `c` is a working chip that carries its board's Ethernet: (0, 0) on one board; x ≡ 0 (mod 4) and
    /// x + y ≡ 0 (mod 12) on a torus (spec §3.2, §3.3).
    pub fn is_ethernet(&self, c: ChipCoord) -> bool {
        self.has_chip(c) && self.layout.is_ethernet(c)
    }

    /// The board a chip position belongs to (nearest board centre, spec §3.3); defined for dead chips too.
    /// Panics if `c` is outside the width x height grid.
    pub fn board_of(&self, c: ChipCoord) -> u32 {
        let (w, h) = (self.width, self.height);
        assert!(c.x < w && c.y < h, "{c} is outside the {w}x{h} chip grid");
        self.layout.board_local(c).1
    }

    /// Virtual ids of the cores applications may use on `c`, ascending; none for a missing chip.
    pub fn app_cores(&self, c: ChipCoord) -> impl Iterator<Item = u8> + use<> {
        let mask = self.app_mask(c);
        (1..CORES_PER_CHIP as u8).filter(move |&core| mask & (1 << core) != 0)
    }

    pub fn n_app_cores(&self, c: ChipCoord) -> u32 {
        self.app_mask(c).count_ones()
    }

    /// The chip reached over `link` from `c`, if both chips work and so does the link.
    pub fn neighbour(&self, c: ChipCoord, link: Link) -> Option<ChipCoord> {
        self.chip_index(c)?;
        let other = self.step(c, link)?;
        self.chip_index(other)?;
        let (position, bit) = self.link_slot(c, other, link);
        (self.dead_links[position] & (1 << bit) == 0).then_some(other)
    }

    /// How the working link `link` of `c` is built; `None` where `neighbour` is `None`.
    pub fn link_kind(&self, c: ChipCoord, link: Link) -> Option<LinkKind> {
        let other = self.neighbour(c, link)?;
        Some(if self.board_of(c) == self.board_of(other) {
            LinkKind::OnBoard
        } else {
            LinkKind::BoardToBoard
        })
    }

    fn app_mask(&self, c: ChipCoord) -> u32 {
        self.chip_index(c)
            .map_or(0, |index| self.app_masks[index as usize])
    }

    fn position(&self, c: ChipCoord) -> Option<usize> {
        (c.x < self.width && c.y < self.height)
            .then(|| usize::from(c.y) * usize::from(self.width) + usize::from(c.x))
    }

    /// The grid position one hop over `link`, wrapping on tori; `None` off the edge of a board without wrap.
    /// Pure geometry: the position need not hold a working chip, nor the link work (see `neighbour`).
    pub fn step(&self, c: ChipCoord, link: Link) -> Option<ChipCoord> {
        let (dx, dy) = link.vector();
        let (w, h) = (i32::from(self.width), i32::from(self.height));
        let (mut x, mut y) = (i32::from(c.x) + dx, i32::from(c.y) + dy);
        if self.wraps() {
            (x, y) = (x.rem_euclid(w), y.rem_euclid(h));
        }
        ((0..w).contains(&x) && (0..h).contains(&y)).then(|| ChipCoord::new(x as u16, y as u16))
    }

    /// Where the dead bit of the link from `c` to its neighbour `other` over `link` lives (see `dead_links`).
    fn link_slot(&self, c: ChipCoord, other: ChipCoord, link: Link) -> (usize, usize) {
        let (from, link) = if link.index() < 3 {
            (c, link)
        } else {
            (other, link.opposite())
        };
        let position = self.position(from).expect("both ends are on the grid");
        (position, link.index())
    }
}

/// `mask` without its highest set bit (unchanged if empty).
fn without_highest(mask: u32) -> u32 {
    match mask {
        0 => 0,
        _ => mask & !(1 << (31 - mask.leading_zeros())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn build(preset: Preset, cores: CoreModel) -> Machine {
        Machine::new(preset, cores, &Faults::default()).unwrap()
    }

    fn c(x: u16, y: u16) -> ChipCoord {
        ChipCoord::new(x, y)
    }

    /// Every working link of every chip leads to a chip whose opposite link leads back.
    fn assert_links_return(m: &Machine) {
        for chip in m.chips() {
            for link in Link::ALL {
                if let Some(other) = m.neighbour(chip, link) {
                    assert_eq!(
                        m.neighbour(other, link.opposite()),
                        Some(chip),
                        "{chip} {link:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn spinn3_is_a_2x2_torus() {
        let m = build(Preset::Spinn3, CoreModel::Ideal);
        assert_eq!(
            (m.width(), m.height(), m.n_chips(), m.wraps()),
            (2, 2, 4, true)
        );
        for chip in m.chips() {
            for link in Link::ALL {
                assert_eq!(m.link_kind(chip, link), Some(LinkKind::OnBoard));
            }
        }
        assert_eq!(m.neighbour(c(0, 0), Link::West), Some(c(1, 0)));
        assert_eq!(m.neighbour(c(0, 0), Link::SouthWest), Some(c(1, 1)));
        assert_eq!(m.neighbour(c(1, 1), Link::NorthEast), Some(c(0, 0)));
        assert_links_return(&m);
        let ethernets: Vec<_> = m.chips().filter(|&x| m.is_ethernet(x)).collect();
        assert_eq!(ethernets, [c(0, 0)]);
    }

    #[test]
    fn three_boards_make_a_12x12_torus() {
        let m = build(Preset::Boards(3), CoreModel::Ideal);
        assert_eq!(
            (m.width(), m.height(), m.n_chips(), m.n_boards()),
            (12, 12, 144, 3)
        );
        for chip in m.chips() {
            assert!(Link::ALL.iter().all(|&l| m.neighbour(chip, l).is_some()));
        }
        assert_eq!(m.neighbour(c(0, 0), Link::West), Some(c(11, 0)));
        assert_eq!(m.neighbour(c(11, 11), Link::NorthEast), Some(c(0, 0)));
        assert_links_return(&m);
        let ethernets: Vec<_> = m.chips().filter(|&x| m.is_ethernet(x)).collect();
        assert_eq!(ethernets, [c(0, 0), c(8, 4), c(4, 8)]);
        assert_eq!([0, 1, 2].map(|i| m.board_of(ethernets[i])), [0, 1, 2]);
    }

    #[test]
    fn every_board_of_a_torus_is_a_spinn5_with_48_board_to_board_links() {
        for boards in [3, 24] {
            let m = build(Preset::Boards(boards), CoreModel::Ideal);
            let n = boards as usize;
            let (mut chips, mut ethernets, mut crossing) = (vec![0; n], vec![0; n], vec![0; n]);
            for chip in m.chips() {
                let board = m.board_of(chip) as usize;
                chips[board] += 1;
                ethernets[board] += usize::from(m.is_ethernet(chip));
                crossing[board] += (Link::ALL.iter())
                    .filter(|&&l| m.link_kind(chip, l) == Some(LinkKind::BoardToBoard))
                    .count();
            }
            // 3 FPGAs x 16 chip links leave each board (spec §3.2).
            let want = (vec![48; n], vec![1; n], vec![48; n]);
            assert_eq!((chips, ethernets, crossing), want, "{boards} boards");
        }
    }

    #[test]
    fn spinn5_is_a_hexagon_without_wrap() {
        let m = build(Preset::Spinn5, CoreModel::Ideal);
        assert_eq!(
            (m.width(), m.height(), m.n_chips(), m.wraps()),
            (8, 8, 48, false)
        );
        let rows: Vec<usize> = (0..8)
            .map(|y| m.chips().filter(|x| x.y == y).count())
            .collect();
        assert_eq!(rows, [5, 6, 7, 8, 7, 6, 5, 4]);
        assert!(m.is_ethernet(c(0, 0)));
        assert!(!m.has_chip(c(7, 0)) && m.chip_index(c(7, 0)).is_none());
        assert_eq!(m.neighbour(c(0, 0), Link::West), None);
        assert_eq!(m.neighbour(c(4, 0), Link::East), None);
        let working: usize = m
            .chips()
            .map(|x| {
                Link::ALL
                    .iter()
                    .filter(|&&l| m.neighbour(x, l).is_some())
                    .count()
            })
            .sum();
        // The 48 links that leave the hexagon go to the FPGAs and are dead (spec §3.2).
        assert_eq!(working, 48 * 6 - 48);
        assert_links_return(&m);
        // Dense indices run row-major.
        let chips: Vec<_> = m.chips().collect();
        assert!(
            chips
                .windows(2)
                .all(|w| (w[0].y, w[0].x) < (w[1].y, w[1].x))
        );
        assert!((0..48).all(|i| m.chip_index(m.chip(i)) == Some(i)));
    }

    #[test]
    fn realistic_core_counts() {
        let app = |preset| build(preset, CoreModel::Realistic).n_app_cores_total();
        // 4 x 16, minus the Ethernet chip's packet gatherer.
        assert_eq!(app(Preset::Spinn3), 63);
        // 48 x 16, minus the packet gatherer, minus the 8 chips with a dead core.
        assert_eq!(app(Preset::Spinn5), 759);
        assert_eq!(app(Preset::Boards(3)), 3 * 759);
        assert_eq!(app(Preset::Boards(24)), 24 * 759);
        let m = build(Preset::Spinn5, CoreModel::Realistic);
        assert_eq!(m.n_cores(), 48 * 18 - 8);
        let app_cores = |x, y| m.app_cores(c(x, y)).collect::<Vec<u8>>();
        // Ethernet chip: 17 extra monitor, 16 gatherer; dead-core chip: 17 dead, 16 extra monitor.
        assert_eq!(app_cores(0, 0), Vec::from_iter(1..=15));
        assert_eq!(app_cores(1, 1), Vec::from_iter(1..=15));
        assert_eq!(app_cores(2, 1), Vec::from_iter(1..=16));
        // The pattern repeats in board-local coordinates: board 1's Ethernet chip is (8, 4).
        let torus = build(Preset::Boards(3), CoreModel::Realistic);
        assert_eq!(torus.n_app_cores(c(9, 5)), 15);
        assert_eq!(torus.n_app_cores(c(10, 5)), 16);
        let ideal = build(Preset::Spinn5, CoreModel::Ideal);
        assert_eq!(
            (ideal.n_app_cores_total(), ideal.n_cores()),
            (48 * 17, 48 * 18)
        );
    }

    #[test]
    fn million_core_machine_is_small() {
        let ideal = build(Preset::MillionCore, CoreModel::Ideal);
        assert_eq!(
            (ideal.width(), ideal.height(), ideal.n_boards()),
            (240, 240, 1200)
        );
        assert_eq!((ideal.n_chips(), ideal.n_cores()), (57_600, 1_036_800));
        let m = build(Preset::MillionCore, CoreModel::Realistic);
        assert_eq!(m.n_app_cores_total(), 1200 * 759);
        assert_eq!(m.n_cores(), 1_036_800 - 1200 * 8);
        let bytes = std::mem::size_of_val(&*m.index_of)
            + std::mem::size_of_val(&*m.coords)
            + std::mem::size_of_val(&*m.app_masks)
            + std::mem::size_of_val(&*m.dead_links);
        assert!(bytes <= 57_600 * 14, "{bytes} bytes");
    }

    type RawFaults = (Vec<(u16, u16, u8)>, Vec<(u16, u16)>);

    fn torus_with_faults() -> impl Strategy<Value = (Preset, RawFaults)> {
        let presets = prop_oneof![
            Just(Preset::Spinn3),
            (1u32..=4).prop_map(|triads| Preset::Boards(3 * triads)),
        ];
        let links = prop::collection::vec((0u16..1000, 0u16..1000, 0u8..6), 0..40);
        let chips = prop::collection::vec((0u16..1000, 0u16..1000), 0..4);
        (presets, (links, chips))
    }

    proptest! {
        #[test]
        fn neighbours_are_symmetric_with_faults((preset, (links, chips)) in torus_with_faults()) {
            let (w, h) = build(preset, CoreModel::Ideal).layout.size();
            let dead_links: Vec<_> = links.iter().map(|&(x, y, l)| (x % w, y % h, l)).collect();
            let dead_chips: Vec<_> = chips.iter().map(|&(x, y)| (x % w, y % h)).collect();
            let distinct = dead_chips.iter().collect::<std::collections::BTreeSet<_>>().len();
            let faults = Faults { dead_links: dead_links.clone(), dead_chips, ..Faults::default() };
            let m = Machine::new(preset, CoreModel::Ideal, &faults).unwrap();
            prop_assert_eq!(m.n_chips() as usize, usize::from(w) * usize::from(h) - distinct);
            for chip in m.chips() {
                for link in Link::ALL {
                    if let Some(other) = m.neighbour(chip, link) {
                        prop_assert_eq!(m.neighbour(other, link.opposite()), Some(chip));
                    }
                }
            }
            for &(x, y, l) in &dead_links {
                prop_assert_eq!(m.neighbour(c(x, y), Link::from_index(l).unwrap()), None);
            }
        }
    }
}
