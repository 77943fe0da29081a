//! Defects of one wafer: what is dead, read from a JSON file, queried by the Layer-1 fan-out, the Layer-2
//! links and (later) the mapper, so that the emulator and the mapper see the same wafer.
//!
//! The component classes follow redman's blacklists (spec §5.4): whole HICANNs, horizontal and vertical
//! buses, horizontal and vertical repeaters, denmems, synapse drivers, and per FPGA the FPGA itself and the
//! high-speed (Layer-2) link of each HICANN. A HICANN without its link can still be configured but has no
//! spike input or output (spec §5.4, our reading of sthal's `highspeed_hicanns`).
//!
//! **Dead neighbours.** Every line of a HICANN has its own repeater on one edge (horizontal: even lines
//! left, odd right; vertical: left half odd top, even bottom, right half the other way round, spec §3.1);
//! its other end is bridged by the neighbour's repeater on that edge. "Every second line of a HICANN is
//! therefore driven from a neighbour's repeater — if a neighbour HICANN is dead, those lines are unusable"
//! (spec §3.1, guide): a line is unusable when the HICANN across the edge *opposite* its own repeater is
//! dead. A neighbour that does not exist (wafer edge) only dead-ends the line.
//!
//! File format (every list optional, numbers are halco enums):
//! ```json
//! { "dead_hicanns": [12], "dead_fpgas": [3], "dead_links": [40],
//!   "hicanns": [ { "hicann": 174, "hlines": [6], "vlines": [], "hrepeaters": [], "vrepeaters": [],
//!                  "denmems": [0, 511], "synapse_drivers": [3] } ] }
//! ```

use crate::coord::{
    Direction, FpgaOnWafer, HICANNS_ON_WAFER, HLINES, HLineOnHicann, HicannOnWafer, NeuronOnHicann,
    SYNAPSE_DRIVERS, SynapseDriverOnHicann, VLINES, VLineOnHicann,
};
use serde::{Deserialize, Serialize};

/// A fixed-size bitset of `W` 64-bit words: the compact per-line and per-denmem blacklists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bits<const W: usize>([u64; W]);

impl<const W: usize> Default for Bits<W> {
    fn default() -> Self {
        Bits([0; W])
    }
}

impl<const W: usize> Bits<W> {
    pub fn get(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 == 1
    }

    pub fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
}

/// The JSON file as written: lists of enums, checked by [`Defects::from_file`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefectsFile {
    #[serde(default)]
    pub dead_hicanns: Vec<u32>,
    #[serde(default)]
    pub dead_fpgas: Vec<u32>,
    /// HICANNs whose high-speed link to their FPGA is dead.
    #[serde(default)]
    pub dead_links: Vec<u32>,
    #[serde(default)]
    pub hicanns: Vec<HicannDefectsFile>,
}

/// Dead components of one HICANN in the file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HicannDefectsFile {
    pub hicann: u32,
    #[serde(default)]
    pub hlines: Vec<u32>,
    #[serde(default)]
    pub vlines: Vec<u32>,
    #[serde(default)]
    pub hrepeaters: Vec<u32>,
    #[serde(default)]
    pub vrepeaters: Vec<u32>,
    #[serde(default)]
    pub denmems: Vec<u32>,
    #[serde(default)]
    pub synapse_drivers: Vec<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum DefectsError {
    /// Not JSON, or not this shape (serde names the line and column).
    #[error("defects file: {0}")]
    Json(#[from] serde_json::Error),
    #[error("defects file: {path} = {value} is outside {range}")]
    OutOfRange {
        path: String,
        value: u32,
        range: &'static str,
    },
}

/// Dead components of one HICANN, as bitsets.
#[derive(Debug, Clone, Copy, Default)]
struct HicannDefects {
    hlines: Bits<1>,
    vlines: Bits<4>,
    hrepeaters: Bits<1>,
    vrepeaters: Bits<4>,
    denmems: Bits<8>,
    drivers: Bits<4>,
}

/// The defects of one wafer, checked and ready for queries. `Defects::default()` is a perfect wafer.
#[derive(Debug, Clone)]
pub struct Defects {
    dead_hicanns: Bits<6>,
    dead_links: Bits<6>,
    dead_fpgas: Bits<1>,
    hicanns: Vec<HicannDefects>,
}

impl Default for Defects {
    fn default() -> Self {
        Defects {
            dead_hicanns: Bits::default(),
            dead_links: Bits::default(),
            dead_fpgas: Bits::default(),
            hicanns: vec![HicannDefects::default(); HICANNS_ON_WAFER],
        }
    }
}

/// Sets the bits of `values` (a list at JSON path `path`) after checking each is below `end`.
fn fill<const W: usize>(
    bits: &mut Bits<W>,
    values: &[u32],
    end: usize,
    path: &str,
    range: &'static str,
) -> Result<(), DefectsError> {
    for (i, &value) in values.iter().enumerate() {
        if value as usize >= end {
            return Err(DefectsError::OutOfRange {
                path: format!("{path}[{i}]"),
                value,
                range,
            });
        }
        bits.set(value as usize);
    }
    Ok(())
}

impl Defects {
    /// Parses and checks a defects file.
    pub fn from_json(text: &str) -> Result<Defects, DefectsError> {
        Defects::from_file(&serde_json::from_str(text)?)
    }

    /// Checks every number against its range; the error names the JSON path of the first bad one.
    pub fn from_file(file: &DefectsFile) -> Result<Defects, DefectsError> {
        let mut d = Defects::default();
        let h = HICANNS_ON_WAFER;
        fill(
            &mut d.dead_hicanns,
            &file.dead_hicanns,
            h,
            "dead_hicanns",
            "0..384",
        )?;
        fill(
            &mut d.dead_links,
            &file.dead_links,
            h,
            "dead_links",
            "0..384",
        )?;
        fill(
            &mut d.dead_fpgas,
            &file.dead_fpgas,
            48,
            "dead_fpgas",
            "0..48",
        )?;
        for (i, entry) in file.hicanns.iter().enumerate() {
            let path = |field: &str| format!("hicanns[{i}].{field}");
            if entry.hicann as usize >= h {
                return Err(DefectsError::OutOfRange {
                    path: path("hicann"),
                    value: entry.hicann,
                    range: "0..384",
                });
            }
            let c = &mut d.hicanns[entry.hicann as usize];
            fill(
                &mut c.hlines,
                &entry.hlines,
                HLINES,
                &path("hlines"),
                "0..64",
            )?;
            fill(
                &mut c.vlines,
                &entry.vlines,
                VLINES,
                &path("vlines"),
                "0..256",
            )?;
            fill(
                &mut c.hrepeaters,
                &entry.hrepeaters,
                HLINES,
                &path("hrepeaters"),
                "0..64",
            )?;
            fill(
                &mut c.vrepeaters,
                &entry.vrepeaters,
                VLINES,
                &path("vrepeaters"),
                "0..256",
            )?;
            fill(
                &mut c.denmems,
                &entry.denmems,
                512,
                &path("denmems"),
                "0..512",
            )?;
            let drivers = &entry.synapse_drivers;
            fill(
                &mut c.drivers,
                drivers,
                SYNAPSE_DRIVERS,
                &path("synapse_drivers"),
                "0..224",
            )?;
        }
        Ok(d)
    }

    pub fn is_hicann_usable(&self, h: HicannOnWafer) -> bool {
        !self.dead_hicanns.get(h.to_enum())
    }

    pub fn is_fpga_usable(&self, f: FpgaOnWafer) -> bool {
        !self.dead_fpgas.get(usize::from(f.0))
    }

    /// Spike input and output of `h` need the HICANN, its high-speed link and its reticle's FPGA.
    pub fn is_link_usable(&self, h: HicannOnWafer) -> bool {
        self.is_hicann_usable(h)
            && !self.dead_links.get(h.to_enum())
            && self.is_fpga_usable(h.reticle().fpga())
    }

    /// Whether the neighbour in `toward` exists and is dead (a missing neighbour only dead-ends a line).
    fn neighbour_dead(&self, h: HicannOnWafer, toward: Direction) -> bool {
        h.neighbour(toward)
            .is_some_and(|n| !self.is_hicann_usable(n))
    }

    /// Whether `h` is dead or `listed` picks the component out of its blacklists.
    fn dead(&self, h: HicannOnWafer, listed: impl FnOnce(&HicannDefects) -> bool) -> bool {
        !self.is_hicann_usable(h) || listed(&self.hicanns[h.to_enum()])
    }

    /// A horizontal line carries events if its HICANN lives, it is not blacklisted, and the neighbour that
    /// bridges its far end lives (odd lines have their repeater on the right edge, so they depend on the
    /// west neighbour; even lines on the east one).
    pub fn is_hline_usable(&self, h: HicannOnWafer, line: HLineOnHicann) -> bool {
        let far = if line.line() % 2 == 1 {
            Direction::West
        } else {
            Direction::East
        };
        let i = usize::from(line.line());
        !self.dead(h, |d| d.hlines.get(i)) && !self.neighbour_dead(h, far)
    }

    /// As [`Defects::is_hline_usable`] for vertical lines: the far end is the edge opposite the line's
    /// own repeater ([`vrepeater_on_top`]).
    pub fn is_vline_usable(&self, h: HicannOnWafer, line: VLineOnHicann) -> bool {
        let far = if vrepeater_on_top(line) {
            Direction::South
        } else {
            Direction::North
        };
        let i = usize::from(line.line());
        !self.dead(h, |d| d.vlines.get(i)) && !self.neighbour_dead(h, far)
    }

    pub fn is_hrepeater_usable(&self, h: HicannOnWafer, line: HLineOnHicann) -> bool {
        !self.dead(h, |d| d.hrepeaters.get(usize::from(line.line())))
    }

    pub fn is_vrepeater_usable(&self, h: HicannOnWafer, line: VLineOnHicann) -> bool {
        !self.dead(h, |d| d.vrepeaters.get(usize::from(line.line())))
    }

    pub fn is_denmem_usable(&self, h: HicannOnWafer, n: NeuronOnHicann) -> bool {
        !self.dead(h, |d| d.denmems.get(n.to_enum()))
    }

    pub fn is_driver_usable(&self, h: HicannOnWafer, d: SynapseDriverOnHicann) -> bool {
        !self.dead(h, |c| c.drivers.get(usize::from(d.line())))
    }
}

/// Whether the repeater of vertical line `v` sits on the top edge: left half odd lines, right half even
/// lines (spec §3.1).
pub fn vrepeater_on_top(v: VLineOnHicann) -> bool {
    (v.line() < 128) == (v.line() % 2 == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hicann(x: u8, y: u8) -> HicannOnWafer {
        HicannOnWafer::new(x, y).unwrap()
    }

    #[test]
    fn a_perfect_wafer_has_everything() {
        let d = Defects::from_json("{}").unwrap();
        let h = hicann(18, 7);
        assert!(d.is_hicann_usable(h) && d.is_link_usable(h));
        assert!(
            HicannOnWafer::all()
                .all(|h| (0..64).all(|l| { d.is_hline_usable(h, HLineOnHicann::new(l).unwrap()) }))
        );
    }

    #[test]
    fn listed_components_are_dead_and_nothing_else() {
        let text = r#"{"hicanns": [{"hicann": 174, "hlines": [6], "vlines": [200], "denmems": [511],
                       "synapse_drivers": [3], "hrepeaters": [1], "vrepeaters": [0]}]}"#;
        let d = Defects::from_json(text).unwrap();
        let h = HicannOnWafer::from_enum(174).unwrap();
        let other = HicannOnWafer::from_enum(175).unwrap();
        let hl = |l| HLineOnHicann::new(l).unwrap();
        let vl = |l| VLineOnHicann::new(l).unwrap();
        assert!(!d.is_hline_usable(h, hl(6)) && d.is_hline_usable(h, hl(7)));
        assert!(d.is_hline_usable(other, hl(6)));
        assert!(!d.is_vline_usable(h, vl(200)) && d.is_vline_usable(h, vl(201)));
        assert!(!d.is_denmem_usable(h, NeuronOnHicann::from_enum(511).unwrap()));
        assert!(d.is_denmem_usable(h, NeuronOnHicann::from_enum(510).unwrap()));
        let driver = |l| SynapseDriverOnHicann::new(l).unwrap();
        assert!(!d.is_driver_usable(h, driver(3)) && d.is_driver_usable(h, driver(4)));
        assert!(!d.is_hrepeater_usable(h, hl(1)) && d.is_hrepeater_usable(h, hl(0)));
        assert!(!d.is_vrepeater_usable(h, vl(0)) && d.is_vrepeater_usable(h, vl(1)));
    }

    #[test]
    fn a_dead_neighbour_kills_every_second_line() {
        let centre = hicann(18, 7);
        let east = centre.neighbour(Direction::East).unwrap();
        let north = centre.neighbour(Direction::North).unwrap();
        let text = format!(
            r#"{{"dead_hicanns": [{}, {}]}}"#,
            east.to_enum(),
            north.to_enum()
        );
        let d = Defects::from_json(&text).unwrap();
        assert!(!d.is_hicann_usable(east));
        // Even hlines are bridged at their right end by the east neighbour's repeaters.
        let dead_h = (0..64u8)
            .filter(|&l| !d.is_hline_usable(centre, HLineOnHicann::new(l).unwrap()))
            .collect::<Vec<_>>();
        assert_eq!(dead_h, (0..64).step_by(2).collect::<Vec<_>>());
        // Vertical lines whose own repeater is at the bottom depend on the north neighbour: left half
        // even lines, right half odd lines.
        let dead_v = (0..256u16)
            .filter(|&l| !d.is_vline_usable(centre, VLineOnHicann::new(l).unwrap()))
            .collect::<Vec<_>>();
        let expected: Vec<u16> = (0..256u16).filter(|&v| (v < 128) == (v % 2 == 0)).collect();
        assert_eq!(dead_v, expected);
        // The wafer edge dead-ends lines but does not kill them.
        let edge = hicann(12, 0);
        assert!(d.is_hline_usable(edge, HLineOnHicann::new(3).unwrap()));
    }

    #[test]
    fn dead_fpgas_and_links_cut_layer2_only() {
        let h = hicann(18, 7);
        let fpga = h.reticle().fpga().0;
        let d = Defects::from_json(&format!(r#"{{"dead_fpgas": [{fpga}]}}"#)).unwrap();
        assert!(!d.is_link_usable(h) && d.is_hicann_usable(h));
        let d = Defects::from_json(&format!(r#"{{"dead_links": [{}]}}"#, h.to_enum())).unwrap();
        assert!(!d.is_link_usable(h));
        assert!(d.is_link_usable(h.neighbour(Direction::East).unwrap()));
    }

    #[test]
    fn errors_name_the_json_path_and_range() {
        let err = Defects::from_json(
            r#"{"hicanns": [{"hicann": 1}, {"hicann": 2, "vlines": [3, 256]}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("hicanns[1].vlines[1] = 256") && err.contains("0..256"),
            "{err}"
        );
        let err = Defects::from_json(r#"{"dead_hicanns": [384]}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("dead_hicanns[0] = 384") && err.contains("0..384"),
            "{err}"
        );
        let err = Defects::from_json(r#"{"dead_hicans": []}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field"), "{err}");
    }
}
