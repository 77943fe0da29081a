//! Coordinates on a BrainScaleS-1 wafer and on one HICANN, after halco's (`halco/hicann/v2`).
//!
//! Figures from `shared/spec/brainscales.md` §1.1 (the HICANN grid on the round wafer, reticles and their
//! FPGAs) and §2 (blocks of one HICANN). Every coordinate is a small newtype whose constructor checks its
//! range, so a value of the type is always a place that exists.

use std::fmt;

/// HICANN grid columns (x) and rows (y) of the wafer; only 384 of the 36 x 16 points exist.
pub const WAFER_COLUMNS: u8 = 36;
pub const WAFER_ROWS: u8 = 16;
pub const HICANNS_ON_WAFER: usize = 384;
/// Reticles (DNCs) on a wafer, each of 4 x 2 HICANNs with one FPGA.
pub const RETICLES_ON_WAFER: usize = 48;

/// First and last present x of each HICANN row (halco `lookup_tables.cpp`): the round wafer.
const ROW_X_RANGE: [(u8, u8); WAFER_ROWS as usize] = [
    (12, 23),
    (12, 23),
    (8, 27),
    (8, 27),
    (4, 31),
    (4, 31),
    (0, 35),
    (0, 35),
    (0, 35),
    (0, 35),
    (4, 31),
    (4, 31),
    (8, 27),
    (8, 27),
    (12, 23),
    (12, 23),
];

/// FPGA of each reticle in reticle-enum order (row-major over the 9 x 8 reticle grid), production ("BSS")
/// wiring, halco `reticle_fpga_grid_bss` (spec §1.1).
const RETICLE_FPGA: [u8; RETICLES_ON_WAFER] = [
    12, 13, 11, //
    16, 14, 15, 10, 9, //
    20, 17, 19, 7, 6, 8, 3, //
    22, 21, 23, 18, 5, 4, 0, 2, 1, //
    25, 26, 24, 28, 43, 42, 47, 45, 46, //
    27, 29, 30, 41, 40, 38, 44, //
    31, 32, 39, 37, 36, //
    33, 34, 35,
];

/// Running index of the first HICANN of each row (row-major, y outer, x inner).
const fn row_starts() -> [u16; WAFER_ROWS as usize + 1] {
    let mut starts = [0u16; WAFER_ROWS as usize + 1];
    let mut y = 0;
    while y < WAFER_ROWS as usize {
        let (lo, hi) = ROW_X_RANGE[y];
        starts[y + 1] = starts[y] + (hi - lo + 1) as u16;
        y += 1;
    }
    starts
}
const ROW_START: [u16; WAFER_ROWS as usize + 1] = row_starts();

/// A HICANN by its grid position on the wafer (`HICANNOnWafer`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct HicannOnWafer {
    x: u8,
    y: u8,
}

/// The four grid directions between HICANNs: east is x + 1, north is y - 1 (halco).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    East,
    West,
    North,
    South,
}

impl HicannOnWafer {
    /// The HICANN at grid point (x, y), if the round wafer has one there.
    pub fn new(x: u8, y: u8) -> Option<HicannOnWafer> {
        let &(lo, hi) = ROW_X_RANGE.get(usize::from(y))?;
        (lo..=hi).contains(&x).then_some(HicannOnWafer { x, y })
    }

    /// The HICANN with running index `index` (0..384, y outer, x inner), halco's enum.
    pub fn from_enum(index: usize) -> Option<HicannOnWafer> {
        if index >= HICANNS_ON_WAFER {
            return None;
        }
        let y = ROW_START.partition_point(|&s| usize::from(s) <= index) - 1;
        let x = ROW_X_RANGE[y].0 as usize + index - usize::from(ROW_START[y]);
        Some(HicannOnWafer {
            x: x as u8,
            y: y as u8,
        })
    }

    pub fn x(self) -> u8 {
        self.x
    }

    pub fn y(self) -> u8 {
        self.y
    }

    /// halco's enum: 297 is (9, 11), 174 is (18, 7).
    pub fn to_enum(self) -> usize {
        usize::from(ROW_START[usize::from(self.y)])
            + usize::from(self.x - ROW_X_RANGE[usize::from(self.y)].0)
    }

    /// All 384 HICANNs in enum order.
    pub fn all() -> impl Iterator<Item = HicannOnWafer> {
        (0..HICANNS_ON_WAFER).filter_map(HicannOnWafer::from_enum)
    }

    /// The neighbour in `direction`, if the wafer has one there (buses leaving the edge dead-end).
    pub fn neighbour(self, direction: Direction) -> Option<HicannOnWafer> {
        let (x, y) = (i16::from(self.x), i16::from(self.y));
        let (nx, ny) = match direction {
            Direction::East => (x + 1, y),
            Direction::West => (x - 1, y),
            Direction::North => (x, y - 1),
            Direction::South => (x, y + 1),
        };
        HicannOnWafer::new(u8::try_from(nx).ok()?, u8::try_from(ny).ok()?)
    }

    /// The reticle (DNC) holding this HICANN: `DNCOnWafer(x / 4, y / 2)`.
    pub fn reticle(self) -> ReticleOnWafer {
        ReticleOnWafer {
            x: self.x / 4,
            y: self.y / 2,
        }
    }

    /// The high-speed (Layer-2) link of this HICANN inside its reticle: `2 * (x % 4) + (y % 2)`.
    pub fn link_on_reticle(self) -> u8 {
        2 * (self.x % 4) + self.y % 2
    }
}

impl fmt::Display for HicannOnWafer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HICANN {} ({}, {})", self.to_enum(), self.x, self.y)
    }
}

/// A reticle (DNC) on the 9 x 8 reticle grid; one FPGA serves its 8 HICANNs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReticleOnWafer {
    x: u8,
    y: u8,
}

impl ReticleOnWafer {
    /// Running index 0..48 in row-major order over the present reticles.
    pub fn to_enum(self) -> usize {
        let first_x = RETICLE_ROW_X_RANGE[usize::from(self.y)].0;
        RETICLES_BEFORE_ROW[usize::from(self.y)] + usize::from(self.x - first_x)
    }

    /// The FPGA wired to this reticle (production wafers).
    pub fn fpga(self) -> FpgaOnWafer {
        FpgaOnWafer(RETICLE_FPGA[self.to_enum()])
    }

    /// The eight HICANNs of the reticle.
    pub fn hicanns(self) -> impl Iterator<Item = HicannOnWafer> {
        (0..8u8).filter_map(move |i| HicannOnWafer::new(self.x * 4 + i / 2, self.y * 2 + i % 2))
    }
}

/// First and last present x of each reticle row (spec §1.1: 3, 5, 7, 9, 9, 7, 5, 3 reticles per row) and
/// the reticles in the rows above.
const RETICLE_ROW_X_RANGE: [(u8, u8); 8] = [
    (3, 5),
    (2, 6),
    (1, 7),
    (0, 8),
    (0, 8),
    (1, 7),
    (2, 6),
    (3, 5),
];
const RETICLES_BEFORE_ROW: [usize; 8] = [0, 3, 8, 15, 24, 33, 40, 45];

/// An FPGA of a production wafer (0..48), one per reticle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FpgaOnWafer(pub u8);

/// A denmem: column x (0..256) and row y (0 top, 1 bottom) of a HICANN (`NeuronOnHICANN`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct NeuronOnHicann {
    x: u8,
    y: u8,
}

/// Denmem columns per HICANN and denmems per neuron block (32 columns x 2 rows, one priority encoder).
pub const DENMEM_COLUMNS: u16 = 256;
pub const DENMEMS_ON_HICANN: usize = 512;
pub const NEURON_BLOCKS: usize = 8;
pub const COLUMNS_PER_BLOCK: u8 = 32;

impl NeuronOnHicann {
    pub fn new(x: u8, y: u8) -> Option<NeuronOnHicann> {
        (y < 2).then_some(NeuronOnHicann { x, y })
    }

    /// halco's enum: x + 256 y.
    pub fn from_enum(index: usize) -> Option<NeuronOnHicann> {
        let x = u8::try_from(index % 256).ok()?;
        let y = u8::try_from(index / 256).ok()?;
        NeuronOnHicann::new(x, y)
    }

    pub fn to_enum(self) -> usize {
        usize::from(self.x) + 256 * usize::from(self.y)
    }

    pub fn x(self) -> u8 {
        self.x
    }

    pub fn y(self) -> u8 {
        self.y
    }

    /// The neuron block (priority encoder, background generator) of the column: x / 32.
    pub fn block(self) -> usize {
        usize::from(self.x / COLUMNS_PER_BLOCK)
    }

    /// The floating-gate block (quadrant) holding this denmem's parameters: top-left, top-right,
    /// bottom-left, bottom-right (spec §2.4).
    pub fn fg_block(self) -> usize {
        2 * usize::from(self.y) + usize::from(self.x / 128)
    }

    /// The shared V_reset this denmem uses: one per position in its 2 x 2 quad, {even-top, odd-top,
    /// even-bottom, odd-bottom} (spec §2.4).
    pub fn reset_group(self) -> usize {
        2 * usize::from(self.y) + usize::from(self.x % 2)
    }
}

/// The two synaptic inputs of a denmem; halco's numbering: input 0 inhibitory (towards E_syni), input 1
/// excitatory (towards E_synx) (spec §2.3). Synapse rows choose which they drive; the membrane integrates both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SynapticInput {
    Inhibitory = 0,
    Excitatory = 1,
}

/// Synapse drivers per HICANN (112 left + 112 right) and synapse rows (2 per driver).
pub const SYNAPSE_DRIVERS: usize = 224;
pub const SYNAPSE_ROWS: usize = 448;

/// Left or right edge of a HICANN (drivers, vertical-bus halves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Side {
    Left,
    Right,
}

/// A synapse driver by its driver line 0..224 (`SynapseDriverOnHICANN`): lines below 112 drive the top
/// array. In the top half odd lines are left drivers and even lines right ones; in the bottom half the
/// other way round (spec §2.7).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct SynapseDriverOnHicann(u8);

impl SynapseDriverOnHicann {
    pub fn new(line: u8) -> Option<SynapseDriverOnHicann> {
        (usize::from(line) < SYNAPSE_DRIVERS).then_some(SynapseDriverOnHicann(line))
    }

    pub fn line(self) -> u8 {
        self.0
    }

    pub fn is_top(self) -> bool {
        self.0 < 112
    }

    pub fn side(self) -> Side {
        let odd = self.0 % 2 == 1;
        if odd == self.is_top() {
            Side::Left
        } else {
            Side::Right
        }
    }

    /// Quadrant (FG block) whose shared V_gmax and STP parameters the driver uses.
    pub fn fg_block(self) -> usize {
        2 * usize::from(!self.is_top()) + usize::from(self.side() == Side::Right)
    }

    /// The two synapse rows it drives: 2 y and 2 y + 1 of the 448.
    pub fn rows(self) -> [usize; 2] {
        let y = usize::from(self.0);
        [2 * y, 2 * y + 1]
    }

    /// The sending repeater (0..8) whose bus can reach this driver (halco `synapse.cpp`).
    pub fn reachable_sending_repeater(self) -> u8 {
        let y = self.0 / 2;
        if self.is_top() { 7 - y % 8 } else { y % 8 }
    }
}

/// Horizontal Layer-1 lines per HICANN and vertical ones (128 per half).
pub const HLINES: usize = 64;
pub const VLINES: usize = 256;

/// A horizontal Layer-1 bus line on one HICANN (`HLineOnHICANN`, 0..64).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct HLineOnHicann(u8);

impl HLineOnHicann {
    pub fn new(line: u8) -> Option<HLineOnHicann> {
        (usize::from(line) < HLINES).then_some(HLineOnHicann(line))
    }

    pub fn line(self) -> u8 {
        self.0
    }

    /// The same wire on the next HICANN: index + 2 going east, - 2 going west, mod 64 (spec §3.1: the
    /// shift spreads crosstalk, so a straight route changes line at every hop).
    pub fn across(self, direction: Side) -> HLineOnHicann {
        match direction {
            Side::Right => HLineOnHicann((self.0 + 2) % 64),
            Side::Left => HLineOnHicann((self.0 + 62) % 64),
        }
    }

    /// The line a sending repeater drives: 6 + 8 i.
    pub fn of_sending_repeater(repeater: u8) -> HLineOnHicann {
        HLineOnHicann(6 + 8 * (repeater % 8))
    }
}

/// A vertical Layer-1 bus line (`VLineOnHICANN`, 0..128 left half, 128..256 right half).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct VLineOnHicann(u8);

impl VLineOnHicann {
    pub fn new(line: u16) -> Option<VLineOnHicann> {
        u8::try_from(line).ok().map(VLineOnHicann)
    }

    pub fn line(self) -> u8 {
        self.0
    }

    pub fn side(self) -> Side {
        if self.0 < 128 {
            Side::Left
        } else {
            Side::Right
        }
    }

    /// The same wire on the neighbour to the north or south (spec §3.1): left half north (v + 2) mod 128,
    /// south (v - 2); right half the other way round.
    pub fn across(self, north: bool) -> VLineOnHicann {
        let (base, v) = if self.0 < 128 {
            (0, self.0)
        } else {
            (128, self.0 - 128)
        };
        let up = (self.0 < 128) == north;
        let shifted = if up { (v + 2) % 128 } else { (v + 126) % 128 };
        VLineOnHicann(base + shifted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_matches_halco_examples() {
        assert_eq!(HicannOnWafer::from_enum(297), HicannOnWafer::new(9, 11));
        assert_eq!(HicannOnWafer::new(18, 7).unwrap().to_enum(), 174);
        assert_eq!(HicannOnWafer::new(12, 0).unwrap().to_enum(), 0);
        assert_eq!(HicannOnWafer::new(23, 15).unwrap().to_enum(), 383);
        assert_eq!(HicannOnWafer::all().count(), HICANNS_ON_WAFER);
        for (i, h) in HicannOnWafer::all().enumerate() {
            assert_eq!(h.to_enum(), i);
        }
        assert!(HicannOnWafer::new(0, 0).is_none());
        assert!(HicannOnWafer::from_enum(384).is_none());
    }

    #[test]
    fn neighbours_exist_only_on_the_wafer() {
        let edge = HicannOnWafer::new(12, 0).unwrap();
        assert_eq!(edge.neighbour(Direction::North), None);
        assert_eq!(edge.neighbour(Direction::West), None);
        assert_eq!(edge.neighbour(Direction::East), HicannOnWafer::new(13, 0));
        assert_eq!(edge.neighbour(Direction::South), HicannOnWafer::new(12, 1));
    }

    #[test]
    fn reticles_and_fpgas() {
        let mut seen = [false; RETICLES_ON_WAFER];
        let mut reticles: Vec<_> = HicannOnWafer::all().map(HicannOnWafer::reticle).collect();
        reticles.dedup();
        reticles.sort();
        reticles.dedup();
        assert_eq!(reticles.len(), RETICLES_ON_WAFER);
        for r in &reticles {
            assert_eq!(r.hicanns().count(), 8);
            seen[usize::from(r.fpga().0)] = true;
        }
        assert!(seen.iter().all(|&s| s), "every FPGA serves one reticle");
        // Row 0 of the reticle grid holds FPGAs 12, 13, 11.
        let first = HicannOnWafer::from_enum(0).unwrap().reticle();
        assert_eq!(first.to_enum(), 0);
        assert_eq!(first.fpga(), FpgaOnWafer(12));
    }

    #[test]
    fn drivers_alternate_sides() {
        let d = |l| SynapseDriverOnHicann::new(l).unwrap();
        assert_eq!(d(1).side(), Side::Left);
        assert_eq!(d(0).side(), Side::Right);
        assert_eq!(d(112).side(), Side::Left);
        assert_eq!(d(113).side(), Side::Right);
        let left = (0..224).filter(|&l| d(l).side() == Side::Left).count();
        assert_eq!(left, 112);
        assert_eq!(d(5).rows(), [10, 11]);
    }

    #[test]
    fn bus_shifts_return_after_a_round_trip() {
        for l in 0..64 {
            let h = HLineOnHicann::new(l).unwrap();
            assert_eq!(h.across(Side::Right).across(Side::Left), h);
        }
        for v in 0..256 {
            let line = VLineOnHicann::new(v).unwrap();
            assert_eq!(line.across(true).across(false), line);
            assert_eq!(line.across(true).side(), line.side());
        }
        assert_eq!(
            HLineOnHicann::new(63).unwrap().across(Side::Right).line(),
            1
        );
        assert_eq!(VLineOnHicann::new(0).unwrap().across(true).line(), 2);
        assert_eq!(VLineOnHicann::new(128).unwrap().across(true).line(), 254);
    }
}
