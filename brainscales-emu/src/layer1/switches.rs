//! The sparse switch matrices of a HICANN: the crossbar between horizontal and vertical lines (spec §3.2)
//! and the synapse switches between vertical lines and synapse-driver inputs (spec §3.3), with halco's
//! existence rules and sthal's exclusiveness checks.
//!
//! Both serialise as lists of closed switches, so a wafer image names each switch by its lines and a
//! switch that does not exist is refused when the image is read.

use super::L1ConfigError;
use crate::coord::{
    HLINES, HLineOnHicann, HicannOnWafer, SYNAPSE_DRIVERS, Side, SynapseDriverOnHicann,
    VLineOnHicann,
};
use serde::{Deserialize, Serialize};

/// Switch counts per line the configuration may close. sthal's defaults are all 1 (`Settings`): a
/// horizontal bus branches into at most one vertical line per HICANN and a vertical line drives at most
/// one synapse driver directly (spec §3.2, §3.3, §8.2 rules 2 and 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchLimits {
    /// Closed crossbar switches per horizontal line, both sides together.
    pub crossbar_per_hline: u32,
    pub crossbar_per_vline: u32,
    /// Closed synapse switches per switch row (one side of one driver line).
    pub synapse_per_row: u32,
    /// Closed synapse switches per vertical line, over all its rows top and bottom (halbe
    /// `SynapseSwitch::check_exclusiveness` counts a column "per side", the side being the line's half).
    pub synapse_per_vline: u32,
}

impl Default for SwitchLimits {
    fn default() -> Self {
        SwitchLimits {
            crossbar_per_hline: 1,
            crossbar_per_vline: 1,
            synapse_per_row: 1,
            synapse_per_vline: 1,
        }
    }
}

/// The 8 vertical lines horizontal line `h` can switch to: left {0, 32, 64, 96} + (31 - h/2), then right
/// {128, 160, 192, 224} + h/2 (halco, spec §3.2). Bit k of a crossbar mask is entry k.
pub fn crossbar_vlines(h: HLineOnHicann) -> [VLineOnHicann; 8] {
    let half = u16::from(h.line() / 2);
    std::array::from_fn(|k| {
        let k = k as u16;
        let v = if k < 4 {
            32 * k + 31 - half
        } else {
            128 + 32 * (k - 4) + half
        };
        VLineOnHicann::new(v).expect("below 256")
    })
}

/// The 2 horizontal lines vertical line `v` can switch to: 2k and 2k + 1 with k = (63 - v) mod 32 on the
/// left half and v mod 32 on the right (spec §3.2).
pub fn crossbar_hlines(v: VLineOnHicann) -> [HLineOnHicann; 2] {
    let x = u16::from(v.line());
    // (63 - v) mod 32 for the left half, taken non-negative: 31 - v mod 32.
    let k = if x < 128 { 31 - x % 32 } else { x % 32 } as u8;
    [2 * k, 2 * k + 1].map(|l| HLineOnHicann::new(l).expect("below 64"))
}

/// One closed crossbar switch, as a wafer image names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossbarSwitch {
    pub hline: HLineOnHicann,
    pub vline: VLineOnHicann,
}

/// The crossbar of one HICANN: per horizontal line a mask over its [`crossbar_vlines`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<CrossbarSwitch>", into = "Vec<CrossbarSwitch>")]
pub struct Crossbar {
    closed: [u8; HLINES],
}

impl Default for Crossbar {
    fn default() -> Self {
        Crossbar {
            closed: [0; HLINES],
        }
    }
}

impl Crossbar {
    /// Closes or opens the switch between `h` and `v`; `Err` names the pair if the hardware has no such
    /// switch.
    pub fn set(&mut self, h: HLineOnHicann, v: VLineOnHicann, closed: bool) -> Result<(), String> {
        let k = crossbar_vlines(h)
            .iter()
            .position(|&x| x == v)
            .ok_or_else(|| {
                format!(
                    "no crossbar switch between hline {} and vline {}",
                    h.line(),
                    v.line()
                )
            })?;
        let mask = &mut self.closed[usize::from(h.line())];
        if closed {
            *mask |= 1 << k;
        } else {
            *mask &= !(1 << k);
        }
        Ok(())
    }

    /// The vertical lines `h` is switched to.
    pub fn vlines_of(&self, h: HLineOnHicann) -> impl Iterator<Item = VLineOnHicann> {
        let mask = self.closed[usize::from(h.line())];
        crossbar_vlines(h)
            .into_iter()
            .enumerate()
            .filter(move |&(k, _)| mask >> k & 1 == 1)
            .map(|(_, v)| v)
    }

    /// The horizontal lines `v` is switched to.
    pub fn hlines_of(&self, v: VLineOnHicann) -> impl Iterator<Item = HLineOnHicann> + '_ {
        crossbar_hlines(v)
            .into_iter()
            .filter(move |&h| self.vlines_of(h).any(|x| x == v))
    }

    /// sthal's exclusiveness check with `limits` (spec §8.2 rule 2).
    pub fn check(&self, hicann: HicannOnWafer, limits: &SwitchLimits) -> Result<(), L1ConfigError> {
        for (h, mask) in self.closed.iter().enumerate() {
            if mask.count_ones() > limits.crossbar_per_hline {
                return Err(L1ConfigError::at(
                    hicann,
                    format!(
                        "horizontal line {h} has {} closed crossbar switches (limit {})",
                        mask.count_ones(),
                        limits.crossbar_per_hline
                    ),
                ));
            }
        }
        for v in 0..=255u16 {
            let v = VLineOnHicann::new(v).expect("below 256");
            let n = self.hlines_of(v).count() as u32;
            if n > limits.crossbar_per_vline {
                return Err(L1ConfigError::at(
                    hicann,
                    format!(
                        "vertical line {} has {n} closed crossbar switches (limit {})",
                        v.line(),
                        limits.crossbar_per_vline
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl From<Crossbar> for Vec<CrossbarSwitch> {
    fn from(c: Crossbar) -> Self {
        (0..HLINES as u8)
            .map(|h| HLineOnHicann::new(h).expect("below 64"))
            .flat_map(|hline| {
                c.vlines_of(hline)
                    .map(move |vline| CrossbarSwitch { hline, vline })
            })
            .collect()
    }
}

impl TryFrom<Vec<CrossbarSwitch>> for Crossbar {
    type Error = String;
    fn try_from(list: Vec<CrossbarSwitch>) -> Result<Self, String> {
        let mut c = Crossbar::default();
        for s in list {
            let hline = HLineOnHicann::new(s.hline.line()).ok_or("hline outside 0..64")?;
            c.set(hline, s.vline, true)?;
        }
        Ok(c)
    }
}

/// A synapse-switch row: one side (matrix half) of one driver line 0..224 (`SynapseSwitchRowOnHICANN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SwitchRow {
    pub side: Side,
    pub line: u8,
}

impl SwitchRow {
    /// The 16 vertical lines of the row's side it can switch to: with ym = (line mod 16) / 2, the lines
    /// whose xm = (v mod 32) / 4 equals ym (top-left and bottom-right quadrants) or 7 - ym (the other two),
    /// halco's existence rule (spec §3.3). Bit j of a row mask is entry j.
    pub fn vlines(self) -> [VLineOnHicann; 16] {
        let ym = (self.line % 16) / 2;
        let top = usize::from(self.line) < SYNAPSE_DRIVERS / 2;
        let straight = top == (self.side == Side::Left);
        let xm = u16::from(if straight { ym } else { 7 - ym });
        let base = if self.side == Side::Left { 0 } else { 128 };
        std::array::from_fn(|j| {
            let j = j as u16;
            VLineOnHicann::new(base + 32 * (j / 4) + 4 * xm + j % 4).expect("below 256")
        })
    }

    /// The driver the row feeds and the neighbour it sits on (`None`: this HICANN). halco: a row is local
    /// where a driver of its side exists on its line; otherwise it feeds the driver of that line on the
    /// neighbour it faces, west for a left row, east for a right row (spec §3.3; halbe's side + parity
    /// rule disagrees in the bottom half and is not followed).
    pub fn target(self) -> (Option<Side>, SynapseDriverOnHicann) {
        let driver = SynapseDriverOnHicann::new(self.line).expect("row line below 224");
        let neighbour = (driver.side() != self.side).then_some(self.side);
        (neighbour, driver)
    }
}

/// The switch rows vertical line `v` reaches: 14 in the top half and 14 in the bottom half (spec §3.3).
pub fn vline_rows(v: VLineOnHicann) -> impl Iterator<Item = SwitchRow> {
    let side = v.side();
    let xm = (v.line() % 32) / 4;
    (0..14u8).flat_map(move |g| {
        let top = g < 7;
        let straight = top == (side == Side::Left);
        let ym = if straight { xm } else { 7 - xm };
        [0, 1].map(|b| SwitchRow {
            side,
            line: 16 * g + 2 * ym + b,
        })
    })
}

/// One closed synapse switch, as a wafer image names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynapseSwitch {
    pub row: SwitchRow,
    pub vline: VLineOnHicann,
}

/// The synapse switches of one HICANN: per row (left rows, then right rows) a mask over its
/// [`SwitchRow::vlines`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<SynapseSwitch>", into = "Vec<SynapseSwitch>")]
pub struct SynapseSwitches {
    closed: [[u16; SYNAPSE_DRIVERS]; 2],
}

impl Default for SynapseSwitches {
    fn default() -> Self {
        SynapseSwitches {
            closed: [[0; SYNAPSE_DRIVERS]; 2],
        }
    }
}

fn side_index(side: Side) -> usize {
    usize::from(side == Side::Right)
}

impl SynapseSwitches {
    pub fn set(&mut self, row: SwitchRow, v: VLineOnHicann, closed: bool) -> Result<(), String> {
        if usize::from(row.line) >= SYNAPSE_DRIVERS {
            return Err(format!("switch row {} outside 0..224", row.line));
        }
        let j = row.vlines().iter().position(|&x| x == v).ok_or_else(|| {
            format!(
                "no synapse switch between vline {} and {:?} row {}",
                v.line(),
                row.side,
                row.line
            )
        })?;
        let mask = &mut self.closed[side_index(row.side)][usize::from(row.line)];
        if closed {
            *mask |= 1 << j;
        } else {
            *mask &= !(1 << j);
        }
        Ok(())
    }

    pub fn is_closed(&self, row: SwitchRow, v: VLineOnHicann) -> bool {
        let mask = self.closed[side_index(row.side)][usize::from(row.line)];
        row.vlines()
            .iter()
            .position(|&x| x == v)
            .is_some_and(|j| mask >> j & 1 == 1)
    }

    /// The rows `v` drives through closed switches.
    pub fn rows_of(&self, v: VLineOnHicann) -> impl Iterator<Item = SwitchRow> + '_ {
        vline_rows(v).filter(move |&row| self.is_closed(row, v))
    }

    /// Rows with at least one closed switch.
    pub fn closed_rows(&self) -> impl Iterator<Item = SwitchRow> + '_ {
        [Side::Left, Side::Right].into_iter().flat_map(move |side| {
            (0..SYNAPSE_DRIVERS as u8)
                .map(move |line| SwitchRow { side, line })
                .filter(|row| self.closed[side_index(row.side)][usize::from(row.line)] != 0)
        })
    }

    /// sthal's exclusiveness check with `limits` (spec §8.2 rule 3).
    pub fn check(&self, hicann: HicannOnWafer, limits: &SwitchLimits) -> Result<(), L1ConfigError> {
        for row in self.closed_rows() {
            let n = self.closed[side_index(row.side)][usize::from(row.line)].count_ones();
            if n > limits.synapse_per_row {
                return Err(L1ConfigError::at(
                    hicann,
                    format!(
                        "{:?} synapse-switch row {} has {n} closed switches (limit {})",
                        row.side, row.line, limits.synapse_per_row
                    ),
                ));
            }
        }
        for v in 0..=255u16 {
            let v = VLineOnHicann::new(v).expect("below 256");
            let n = self.rows_of(v).count() as u32;
            if n > limits.synapse_per_vline {
                return Err(L1ConfigError::at(
                    hicann,
                    format!(
                        "vertical line {} has {n} closed synapse switches (limit {})",
                        v.line(),
                        limits.synapse_per_vline
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl From<SynapseSwitches> for Vec<SynapseSwitch> {
    fn from(s: SynapseSwitches) -> Self {
        let s = &s;
        s.closed_rows()
            .flat_map(|row| {
                row.vlines()
                    .into_iter()
                    .filter(move |&v| s.is_closed(row, v))
                    .map(move |vline| SynapseSwitch { row, vline })
            })
            .collect()
    }
}

impl TryFrom<Vec<SynapseSwitch>> for SynapseSwitches {
    type Error = String;
    fn try_from(list: Vec<SynapseSwitch>) -> Result<Self, String> {
        let mut s = SynapseSwitches::default();
        for sw in list {
            s.set(sw.row, sw.vline, true)?;
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hl(l: u8) -> HLineOnHicann {
        HLineOnHicann::new(l).unwrap()
    }
    fn vl(l: u16) -> VLineOnHicann {
        VLineOnHicann::new(l).unwrap()
    }

    #[test]
    fn crossbar_counts_of_spec_3_2() {
        // Each hline reaches 4 vlines per side; each vline 2 hlines; 512 switches in all.
        let mut per_vline = [0u32; 256];
        for h in 0..64 {
            let vs = crossbar_vlines(hl(h));
            assert_eq!(vs.iter().filter(|v| v.side() == Side::Left).count(), 4);
            assert_eq!(vs.iter().filter(|v| v.side() == Side::Right).count(), 4);
            for v in vs {
                per_vline[usize::from(v.line())] += 1;
                assert!(crossbar_hlines(v).contains(&hl(h)), "h {h} v {}", v.line());
            }
        }
        assert!(per_vline.iter().all(|&n| n == 2));
        assert_eq!(per_vline.iter().sum::<u32>(), 512);
        // Spec example values: hline 0 -> left 31, 63, 95, 127; right 128, 160, 192, 224.
        let lines: Vec<u8> = crossbar_vlines(hl(0)).iter().map(|v| v.line()).collect();
        assert_eq!(lines, [31, 63, 95, 127, 128, 160, 192, 224]);
    }

    #[test]
    fn synapse_switch_counts_of_spec_3_3() {
        // 16 switches per row, 7,168 in all; each vline reaches 14 rows top and 14 bottom.
        let mut total = 0;
        let mut per_vline = [(0u32, 0u32); 256];
        for side in [Side::Left, Side::Right] {
            for line in 0..224u8 {
                let row = SwitchRow { side, line };
                let vs = row.vlines();
                total += vs.len();
                for v in vs {
                    assert_eq!(v.side(), side);
                    // halbe's existence rule, written out independently.
                    let (x, y) = (usize::from(v.line()), usize::from(line));
                    let (xm, ym) = ((x % 32) / 4, (y % 16 - y % 2) / 2);
                    let exists = if y < 112 {
                        if x < 128 { ym == xm } else { 7 - ym == xm }
                    } else if x >= 128 {
                        ym == xm
                    } else {
                        7 - ym == xm
                    };
                    assert!(exists);
                    let slot = &mut per_vline[x];
                    if y < 112 { slot.0 += 1 } else { slot.1 += 1 }
                }
            }
        }
        assert_eq!(total, 7168);
        assert!(per_vline.iter().all(|&c| c == (14, 14)));
        for v in 0..256 {
            assert_eq!(vline_rows(vl(v)).count(), 28);
            assert!(vline_rows(vl(v)).all(|r| r.vlines().contains(&vl(v))));
        }
    }

    #[test]
    fn rows_feed_one_local_and_one_foreign_driver_per_line() {
        // Top left odd lines are local (left drivers there), top left even lines feed the west
        // neighbour's right driver of the same line; bottom halves the other way round.
        assert_eq!(
            SwitchRow {
                side: Side::Left,
                line: 1
            }
            .target()
            .0,
            None
        );
        assert_eq!(
            SwitchRow {
                side: Side::Left,
                line: 0
            }
            .target()
            .0,
            Some(Side::Left)
        );
        assert_eq!(
            SwitchRow {
                side: Side::Left,
                line: 112
            }
            .target()
            .0,
            None
        );
        assert_eq!(
            SwitchRow {
                side: Side::Right,
                line: 112
            }
            .target()
            .0,
            Some(Side::Right)
        );
        for line in 0..224u8 {
            let local = [Side::Left, Side::Right]
                .into_iter()
                .filter(|&side| SwitchRow { side, line }.target().0.is_none())
                .count();
            assert_eq!(local, 1, "line {line}");
        }
    }

    #[test]
    fn exclusiveness_is_checked_with_limits() {
        let h = HicannOnWafer::new(18, 7).unwrap();
        let mut c = Crossbar::default();
        c.set(hl(0), vl(31), true).unwrap();
        assert!(c.check(h, &SwitchLimits::default()).is_ok());
        c.set(hl(0), vl(128), true).unwrap();
        let err = c
            .check(h, &SwitchLimits::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("HICANN 174") && err.contains("horizontal line 0"),
            "{err}"
        );
        let two = SwitchLimits {
            crossbar_per_hline: 2,
            ..SwitchLimits::default()
        };
        assert!(c.check(h, &two).is_ok());
        assert!(c.set(hl(0), vl(30), true).is_err(), "no such switch");
        // vline 31 also reaches hline 1: two switches on one vline.
        let mut c = Crossbar::default();
        c.set(hl(0), vl(31), true).unwrap();
        c.set(hl(1), vl(31), true).unwrap();
        let err = c
            .check(h, &SwitchLimits::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("vertical line 31"), "{err}");

        let mut s = SynapseSwitches::default();
        let v = vl(0);
        let rows: Vec<SwitchRow> = vline_rows(v).collect();
        s.set(rows[0], v, true).unwrap();
        assert!(s.check(h, &SwitchLimits::default()).is_ok());
        s.set(rows[5], v, true).unwrap();
        let err = s
            .check(h, &SwitchLimits::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("vertical line 0"), "{err}");
    }

    #[test]
    fn switches_round_trip_through_json() {
        let mut c = Crossbar::default();
        c.set(hl(6), crossbar_vlines(hl(6))[5], true).unwrap();
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Crossbar>(&text).unwrap(), c);
        assert!(serde_json::from_str::<Crossbar>(r#"[{"hline": 0, "vline": 0}]"#).is_err());
        let mut s = SynapseSwitches::default();
        let row = SwitchRow {
            side: Side::Right,
            line: 9,
        };
        s.set(row, row.vlines()[3], true).unwrap();
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<SynapseSwitches>(&text).unwrap(), s);
    }
}
