//! Chip coordinates, the six inter-chip links, hop distances, and how each preset lays its chips out on boards.
//!
//! SpiNNaker chips form a triangular ("hexagonal") mesh: each chip has six links and the mesh becomes a torus on
//! multi-board machines (spec §3.1, §3.3). Everything here is fault-free geometry; `machine.rs` applies the faults
//! and decides which chips, cores and links work.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::preset::{MILLION_CORE_BOARDS, Preset};

/// A chip position in machine coordinates: x grows eastwards, y northwards (spec §3.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
pub struct ChipCoord {
    pub x: u16,
    pub y: u16,
}

impl ChipCoord {
    pub const fn new(x: u16, y: u16) -> ChipCoord {
        ChipCoord { x, y }
    }
}

impl fmt::Display for ChipCoord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.x, self.y)
    }
}

/// One of the six links of a chip, numbered anticlockwise from East as the router's route bits are (spec §3.1).
#[repr(u8)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Link {
    East = 0,
    NorthEast = 1,
    North = 2,
    West = 3,
    SouthWest = 4,
    South = 5,
}

impl Link {
    /// All links in link-number order.
    pub const ALL: [Link; 6] = [
        Link::East,
        Link::NorthEast,
        Link::North,
        Link::West,
        Link::SouthWest,
        Link::South,
    ];

    /// The link number (0-5), which is also its bit in a multicast route word (spec §2.3, §3.1).
    pub const fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(index: u8) -> Option<Link> {
        Link::ALL.get(usize::from(index)).copied()
    }

    /// The link a packet sent on `self` arrives on at the neighbour: (l + 3) mod 6 (spec §3.1).
    pub fn opposite(self) -> Link {
        self.rotate(3)
    }

    /// The (dx, dy) step to the neighbour on this link (spec §3.1 table).
    pub const fn vector(self) -> (i32, i32) {
        match self {
            Link::East => (1, 0),
            Link::NorthEast => (1, 1),
            Link::North => (0, 1),
            Link::West => (-1, 0),
            Link::SouthWest => (-1, -1),
            Link::South => (0, -1),
        }
    }

    /// The link `steps` positions anticlockwise (negative: clockwise), i.e. (l + steps) mod 6. Emergency routing
    /// detours a blocked link L over L − 1 and the third chip forwards on L + 1 (spec §2.5).
    pub fn rotate(self, steps: i32) -> Link {
        let index = (self as i32 + steps).rem_euclid(6);
        Link::ALL[index as usize]
    }

    /// Short compass name, as in reports ("E", "NE", "N", "W", "SW", "S").
    pub const fn name(self) -> &'static str {
        match self {
            Link::East => "E",
            Link::NorthEast => "NE",
            Link::North => "N",
            Link::West => "W",
            Link::SouthWest => "SW",
            Link::South => "S",
        }
    }
}

/// Hops between two chips (dx, dy) apart on a mesh without wrap-around: the diagonal link covers one step on both
/// axes when dx and dy have the same sign, otherwise each axis costs its own hops (spec §3.1).
pub fn hop_distance(dx: i32, dy: i32) -> u32 {
    let (ax, ay) = (dx.unsigned_abs(), dy.unsigned_abs());
    if (dx >= 0) == (dy >= 0) {
        ax.max(ay)
    } else {
        ax + ay
    }
}

/// Hops from `a` to `b` on a `width` x `height` torus. With x = dx mod W and y = dy mod H, the shortest path uses
/// one of the four representatives (x, y), (x − W, y), (x, y − H), (x − W, y − H), giving rig's formula
/// min(max(x, y), W − x + y, x + H − y, max(W − x, H − y)) (spec §3.1).
pub fn torus_hop_distance(a: ChipCoord, b: ChipCoord, width: u16, height: u16) -> u32 {
    let (w, h) = (u32::from(width), u32::from(height));
    let x = (u32::from(b.x) + w - u32::from(a.x) % w) % w;
    let y = (u32::from(b.y) + h - u32::from(a.y) % h) % h;
    x.max(y)
        .min(w - x + y)
        .min(x + h - y)
        .min((w - x).max(h - y))
}

/// Side of the square bounding box of one SpiNN-5 board (spec §3.2).
const BOARD_BOX: u16 = 8;
/// Side of the square tile covered by a triad of three SpiNN-5 boards (spec §3.3).
const TRIAD_SIDE: u16 = 12;
/// Triad-local Ethernet chips, in board-in-triad (z) order as spalloc numbers them (spec §3.3).
const TRIAD_ETHERNETS: [(u16, u16); 3] = [(0, 0), (8, 4), (4, 8)];

/// How the chips of a preset are arranged on boards; `Machine` adds the faults.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Layout {
    /// SpiNN-3: 2x2 chips that the toolchain wraps into a torus (spec §3.2).
    Spinn3,
    /// One SpiNN-5 board: the 48-chip hexagon inside an 8x8 box, no wrap-around (spec §3.2).
    Spinn5,
    /// A full torus of 12x12 triads, `columns` x `rows` of them (spec §3.3).
    Triads { columns: u32, rows: u32 },
}

impl Layout {
    pub(crate) fn of(preset: Preset) -> Result<Layout, String> {
        let boards = match preset {
            Preset::Spinn3 => return Ok(Layout::Spinn3),
            Preset::Spinn5 => return Ok(Layout::Spinn5),
            Preset::Boards(n) => n,
            Preset::MillionCore => MILLION_CORE_BOARDS,
        };
        if boards == 0 || boards % 3 != 0 || boards > MILLION_CORE_BOARDS {
            return Err(format!(
                "{preset}: a torus needs a positive multiple of 3 boards, at most {MILLION_CORE_BOARDS}"
            ));
        }
        let (columns, rows) = triad_grid(boards / 3);
        Ok(Layout::Triads { columns, rows })
    }

    /// Width and height of the chip grid.
    pub(crate) fn size(self) -> (u16, u16) {
        match self {
            Layout::Spinn3 => (2, 2),
            Layout::Spinn5 => (BOARD_BOX, BOARD_BOX),
            // At most 400 triads, so at most 4,800 chips in a row: fits in u16.
            Layout::Triads { columns, rows } => {
                let side = u32::from(TRIAD_SIDE);
                ((columns * side) as u16, (rows * side) as u16)
            }
        }
    }

    /// Links leaving one edge arrive at the opposite edge everywhere but on a lone SpiNN-5 board (spec §3.2).
    pub(crate) fn wraps(self) -> bool {
        !matches!(self, Layout::Spinn5)
    }

    pub(crate) fn n_boards(self) -> u32 {
        match self {
            Layout::Triads { columns, rows } => columns * rows * 3,
            Layout::Spinn3 | Layout::Spinn5 => 1,
        }
    }

    /// Whether a position inside the grid holds a chip when nothing is broken.
    pub(crate) fn has_chip(self, c: ChipCoord) -> bool {
        match self {
            Layout::Spinn5 => spinn5_has_chip(c.x, c.y),
            Layout::Spinn3 | Layout::Triads { .. } => true,
        }
    }

    /// Whether the chip carries its board's Ethernet: (0, 0) on a single board; x ≡ 0 (mod 4) and
    /// x + y ≡ 0 (mod 12) on a torus (spec §3.2, §3.3).
    pub(crate) fn is_ethernet(self, c: ChipCoord) -> bool {
        match self {
            Layout::Spinn3 | Layout::Spinn5 => c == ChipCoord::new(0, 0),
            Layout::Triads { .. } => {
                c.x.is_multiple_of(4)
                    && (u32::from(c.x) + u32::from(c.y)).is_multiple_of(u32::from(TRIAD_SIDE))
            }
        }
    }

    /// Whether the chip is one of the 8 that SpiNNMachine's virtual SpiNN-5 board gives a dead core, by its
    /// board-local position (spec §3.2); never on SpiNN-3.
    pub(crate) fn has_board_dead_core(self, c: ChipCoord) -> bool {
        const CHIPS: [(u16, u16); 8] = [
            (1, 1),
            (1, 3),
            (3, 1),
            (3, 3),
            (3, 5),
            (5, 2),
            (5, 4),
            (5, 6),
        ];
        let (local, _) = self.board_local(c);
        !matches!(self, Layout::Spinn3) && CHIPS.contains(&(local.x, local.y))
    }

    /// Board-local coordinates of a chip and its board number. Triad boards are numbered as spalloc's (x, y, z)
    /// board coordinates flattened: (triad row · columns + triad column) · 3 + z (spec §3.3).
    pub(crate) fn board_local(self, c: ChipCoord) -> (ChipCoord, u32) {
        let Layout::Triads { columns, rows } = self else {
            return (c, 0);
        };
        let side = u32::from(TRIAD_SIDE);
        let (local, z) = triad_board_local(c);
        // The board's Ethernet chip may sit in the previous triad row or column, across the wrap.
        let ethernet_x = (u32::from(c.x) + columns * side - u32::from(local.x)) % (columns * side);
        let ethernet_y = (u32::from(c.y) + rows * side - u32::from(local.y)) % (rows * side);
        (
            local,
            ((ethernet_y / side) * columns + ethernet_x / side) * 3 + z,
        )
    }
}

/// Whether board-local (x, y) is one of the 48 chips of a SpiNN-5 board's hexagonal footprint: inside the 8x8 box
/// and −3 ≤ x − y ≤ 4 (spec §3.2).
fn spinn5_has_chip(x: u16, y: u16) -> bool {
    let diagonal = i32::from(x) - i32::from(y);
    x < BOARD_BOX && y < BOARD_BOX && (-3..=4).contains(&diagonal)
}

/// Triad columns and rows for `triads` triads: as square as possible, never taller than wide, and exactly `triads`
/// of them so the torus holds exactly the requested boards (spec §3.3: 1 → 1x1, 8 → 4x2, 400 → 20x20).
fn triad_grid(triads: u32) -> (u32, u32) {
    let rows = (1..=triads)
        .take_while(|r| r * r <= triads)
        .filter(|&r| triads.is_multiple_of(r))
        .last()
        .unwrap_or(1);
    (triads / rows, rows)
}

/// Where a chip of a triad torus sits on its board: the board-local coordinates (inside the 8x8 box) and the
/// board's index within its triad (z). The board is the one whose centre, its Ethernet chip + (3.6, 3.4), is
/// nearest under the hexagonal metric max(|dx|, |dy|, |dx − dy|); the off-lattice centre breaks ties (spec §3.3,
/// SpiNNMachine's triad geometry).
fn triad_board_local(c: ChipCoord) -> (ChipCoord, u32) {
    // Work in tenths of a chip so the centre offset (3.6, 3.4) is an integer.
    let x = i32::from(c.x % TRIAD_SIDE) * 10;
    let y = i32::from(c.y % TRIAD_SIDE) * 10;
    let side = i32::from(TRIAD_SIDE) * 10;
    let mut best = (i32::MAX, ChipCoord::new(0, 0), 0);
    for (z, &(ex, ey)) in (0u32..).zip(TRIAD_ETHERNETS.iter()) {
        for shift_x in [-side, 0, side] {
            for shift_y in [-side, 0, side] {
                let origin_x = i32::from(ex) * 10 + shift_x;
                let origin_y = i32::from(ey) * 10 + shift_y;
                let dx = x - (origin_x + 36);
                let dy = y - (origin_y + 34);
                let distance = dx.abs().max(dy.abs()).max((dx - dy).abs());
                if distance < best.0 {
                    // The nearest board's Ethernet chip is never east or north of the chip: offsets are in 0..8.
                    let local =
                        ChipCoord::new(((x - origin_x) / 10) as u16, ((y - origin_y) / 10) as u16);
                    best = (distance, local, z);
                }
            }
        }
    }
    (best.1, best.2)
}

/// The displacement (dx, dy) of a shortest path from `a` to `b` on a `width` x `height` grid, taking the
/// wrap-around where `wraps` and where it is shorter (hop distance as in §3.1).
pub fn shortest_vector(
    a: ChipCoord,
    b: ChipCoord,
    width: u16,
    height: u16,
    wraps: bool,
) -> (i64, i64) {
    let (w, h) = (i64::from(width), i64::from(height));
    let (dx0, dy0) = (
        i64::from(b.x) - i64::from(a.x),
        i64::from(b.y) - i64::from(a.y),
    );
    let shifts: &[i64] = if wraps { &[0, -1, 1] } else { &[0] };
    let len = |dx: i64, dy: i64| {
        if dx.signum() == dy.signum() {
            dx.abs().max(dy.abs())
        } else {
            dx.abs() + dy.abs()
        }
    };
    let mut best = (dx0, dy0);
    for &kx in shifts {
        for &ky in shifts {
            let (dx, dy) = (dx0 + kx * w, dy0 + ky * h);
            if len(dx, dy) < len(best.0, best.1) {
                best = (dx, dy);
            }
        }
    }
    best
}

/// The first step of a dimension-ordered shortest path along (dx, dy): diagonal (NE/SW) while both
/// coordinates go the same way, then E/W, then N/S; `None` when already there.
pub fn first_step(dx: i64, dy: i64) -> Option<Link> {
    Some(match (dx.signum(), dy.signum()) {
        (1, 1) => Link::NorthEast,
        (-1, -1) => Link::SouthWest,
        (1, _) => Link::East,
        (-1, _) => Link::West,
        (_, 1) => Link::North,
        (_, -1) => Link::South,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    #[test]
    fn links_are_numbered_anticlockwise_with_opposites() {
        for (i, link) in Link::ALL.iter().enumerate() {
            assert_eq!(link.index(), i);
            assert_eq!(Link::from_index(i as u8), Some(*link));
            let (dx, dy) = link.vector();
            assert_eq!(link.opposite().vector(), (-dx, -dy));
            assert_eq!(link.opposite().opposite(), *link);
            assert_eq!(link.rotate(1).rotate(-1), *link);
            assert_eq!(link.rotate(6), *link);
        }
        assert_eq!(Link::from_index(6), None);
        assert_eq!(Link::East.rotate(-1), Link::South);
        assert_eq!(Link::South.rotate(1), Link::East);
        assert_eq!(Link::SouthWest.name(), "SW");
        assert_eq!(ChipCoord::new(3, 7).to_string(), "(3, 7)");
    }

    /// Breadth-first hop counts from (0, 0) over the six links of a `w` x `h` torus.
    fn bfs(w: u16, h: u16) -> Vec<u32> {
        let (wi, hi) = (i32::from(w), i32::from(h));
        let mut dist = vec![u32::MAX; usize::from(w) * usize::from(h)];
        dist[0] = 0;
        let mut queue = VecDeque::from([(0i32, 0i32)]);
        while let Some((x, y)) = queue.pop_front() {
            let d = dist[(y * wi + x) as usize];
            for link in Link::ALL {
                let (dx, dy) = link.vector();
                let (nx, ny) = ((x + dx).rem_euclid(wi), (y + dy).rem_euclid(hi));
                let slot = &mut dist[(ny * wi + nx) as usize];
                if *slot == u32::MAX {
                    *slot = d + 1;
                    queue.push_back((nx, ny));
                }
            }
        }
        dist
    }

    #[test]
    fn torus_distance_matches_breadth_first_search() {
        for w in 1..=9u16 {
            for h in 1..=9u16 {
                let dist = bfs(w, h);
                for ay in 0..h {
                    for ax in 0..w {
                        // Translation invariance: distance(a, b) = distance(0, b − a).
                        for by in 0..h {
                            for bx in 0..w {
                                let rx = (bx + w - ax) % w;
                                let ry = (by + h - ay) % h;
                                let want = dist[usize::from(ry * w + rx)];
                                let a = ChipCoord::new(ax, ay);
                                let b = ChipCoord::new(bx, by);
                                assert_eq!(
                                    torus_hop_distance(a, b, w, h),
                                    want,
                                    "{a}->{b} on {w}x{h}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn mesh_distance_matches_a_large_torus() {
        // Far from the wrap, a torus is a mesh.
        let dist = bfs(64, 64);
        for dx in -15i32..=15 {
            for dy in -15i32..=15 {
                let at = (dy.rem_euclid(64) * 64 + dx.rem_euclid(64)) as usize;
                assert_eq!(hop_distance(dx, dy), dist[at], "({dx}, {dy})");
            }
        }
    }

    #[test]
    fn spinn5_footprint_rows() {
        let rows: Vec<usize> = (0..8)
            .map(|y| (0..8).filter(|&x| spinn5_has_chip(x, y)).count())
            .collect();
        assert_eq!(rows, [5, 6, 7, 8, 7, 6, 5, 4]);
        assert!(spinn5_has_chip(0, 0));
        assert!(!spinn5_has_chip(7, 0));
        assert!(!spinn5_has_chip(0, 4));
    }

    #[test]
    fn triad_sizes() {
        assert_eq!(triad_grid(7), (7, 1));
        let size = |boards| {
            let layout = Layout::of(Preset::Boards(boards)).unwrap();
            (layout.size(), layout.n_boards())
        };
        assert_eq!(size(3), ((12, 12), 3));
        assert_eq!(size(24), ((48, 24), 24));
        assert_eq!(size(600), ((240, 120), 600));
        assert_eq!(size(1200), ((240, 240), 1200));
        assert!(Layout::of(Preset::Boards(4)).is_err());
        assert!(Layout::of(Preset::Boards(1203)).is_err());
    }

    #[test]
    fn triad_ethernets_are_the_three_board_origins() {
        let layout = Layout::of(Preset::Boards(3)).unwrap();
        let mut found = Vec::new();
        for y in 0..TRIAD_SIDE {
            for x in 0..TRIAD_SIDE {
                if layout.is_ethernet(ChipCoord::new(x, y)) {
                    found.push((x, y));
                }
            }
        }
        found.sort();
        assert_eq!(found, [(0, 0), (4, 8), (8, 4)]);
    }

    #[test]
    fn nearest_centre_gives_every_board_the_spinn5_footprint() {
        let mut per_board = [0; 3];
        for y in 0..TRIAD_SIDE {
            for x in 0..TRIAD_SIDE {
                let (local, z) = triad_board_local(ChipCoord::new(x, y));
                assert!(spinn5_has_chip(local.x, local.y), "({x}, {y}) -> {local}");
                let (ex, ey) = TRIAD_ETHERNETS[z as usize];
                assert_eq!((ex + local.x) % TRIAD_SIDE, x);
                assert_eq!((ey + local.y) % TRIAD_SIDE, y);
                per_board[z as usize] += 1;
            }
        }
        assert_eq!(per_board, [48, 48, 48]);
    }
}
