//! Repeaters: one per bus line, on one edge of the HICANN, bridging the line to the neighbour's line
//! across that edge (spec §3.1). Horizontal line h has its repeater on the left edge if h is even, on the
//! right edge if odd; vertical lines on the top edge for odd left-half and even right-half lines
//! ([`crate::defects::vrepeater_on_top`]), on the bottom otherwise. Eight horizontal repeaters, on lines
//! 6 + 8 i, are also the sending repeaters of DNC mergers 7 - i (spec §2.5).

use super::L1ConfigError;
use crate::coord::{HLINES, HLineOnHicann, HicannOnWafer, Side, VLINES, VLineOnHicann};
use serde::{Deserialize, Serialize};

/// Which way a forwarding repeater drives, seen from the HICANN that owns it: `Inward` copies the
/// neighbour's line onto ours, `Outward` ours onto the neighbour's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Flow {
    Inward,
    Outward,
}

/// Repeater modes (halbe `HorizontalRepeater`/`VerticalRepeater`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RepeaterMode {
    /// Carries nothing across its edge.
    #[default]
    Idle,
    /// Regenerates events in one direction.
    Forward(Flow),
    /// Test input: forwards like [`RepeaterMode::Forward`] while its test port records (the port itself is
    /// not modelled).
    Input(Flow),
    /// A sending repeater injecting its DNC merger's events onto this HICANN's line, the west neighbour's
    /// line, or both (spec §2.5 item 5). Only on lines 6 + 8 i.
    Output { own_line: bool, west_line: bool },
    /// Test loopback between lines of one repeater block: carries nothing across the edge.
    Loopback,
}

impl RepeaterMode {
    /// Whether the repeater forwards bus events in direction `flow`.
    pub fn forwards(self, flow: Flow) -> bool {
        matches!(self, RepeaterMode::Forward(f) | RepeaterMode::Input(f) if f == flow)
    }
}

/// A bus line of one HICANN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Line {
    H(HLineOnHicann),
    V(VLineOnHicann),
}

impl Line {
    /// A dense index 0..320: horizontal lines first.
    pub fn index(self) -> usize {
        match self {
            Line::H(h) => usize::from(h.line()),
            Line::V(v) => HLINES + usize::from(v.line()),
        }
    }
}

/// The edge (left/right) of horizontal line `h`'s own repeater.
pub fn hrepeater_edge(h: HLineOnHicann) -> Side {
    if h.line().is_multiple_of(2) {
        Side::Left
    } else {
        Side::Right
    }
}

/// Sending repeaters per HICANN (one per DNC merger).
pub const SENDING_REPEATERS: u8 = 8;

/// One repeater setting, as a wafer image names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeaterSetting {
    pub line: Line,
    pub mode: RepeaterMode,
}

/// The 64 horizontal and 256 vertical repeaters of one HICANN; serialised as its non-idle settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<RepeaterSetting>", into = "Vec<RepeaterSetting>")]
pub struct Repeaters {
    modes: [RepeaterMode; HLINES + VLINES],
}

impl Default for Repeaters {
    fn default() -> Self {
        Repeaters {
            modes: [RepeaterMode::Idle; HLINES + VLINES],
        }
    }
}

impl Repeaters {
    pub fn mode(&self, line: Line) -> RepeaterMode {
        self.modes[line.index()]
    }

    pub fn set(&mut self, line: Line, mode: RepeaterMode) {
        self.modes[line.index()] = mode;
    }

    /// Sending repeater `i` (0..8): the repeater of horizontal line 6 + 8 i.
    pub fn sending(&self, i: u8) -> RepeaterMode {
        self.mode(Line::H(HLineOnHicann::of_sending_repeater(i)))
    }

    /// Whether sending repeater `i` injects events anywhere.
    pub fn is_sending(&self, i: u8) -> bool {
        matches!(self.sending(i), RepeaterMode::Output { own_line, west_line } if own_line || west_line)
    }

    /// Spec §8.2 rule 6: OUTPUT only on a sending repeater's line and with at least one direction.
    pub fn check(&self, hicann: HicannOnWafer) -> Result<(), L1ConfigError> {
        for (index, mode) in self.modes.iter().enumerate() {
            let RepeaterMode::Output {
                own_line,
                west_line,
            } = *mode
            else {
                continue;
            };
            let name = if index < HLINES {
                format!("horizontal line {index}")
            } else {
                format!("vertical line {}", index - HLINES)
            };
            if index >= HLINES || index % 8 != 6 {
                return Err(L1ConfigError::at(
                    hicann,
                    format!("repeater of {name} is in OUTPUT mode but is no sending repeater"),
                ));
            }
            if !own_line && !west_line {
                return Err(L1ConfigError::at(
                    hicann,
                    format!("sending repeater of {name} is in OUTPUT mode with no direction"),
                ));
            }
        }
        Ok(())
    }
}

impl From<Repeaters> for Vec<RepeaterSetting> {
    fn from(r: Repeaters) -> Self {
        let h = (0..HLINES as u8).map(|l| Line::H(HLineOnHicann::new(l).expect("below 64")));
        let v = (0..VLINES as u16).map(|l| Line::V(VLineOnHicann::new(l).expect("below 256")));
        h.chain(v)
            .filter(|&line| r.mode(line) != RepeaterMode::Idle)
            .map(|line| RepeaterSetting {
                line,
                mode: r.mode(line),
            })
            .collect()
    }
}

impl TryFrom<Vec<RepeaterSetting>> for Repeaters {
    type Error = String;
    fn try_from(list: Vec<RepeaterSetting>) -> Result<Self, String> {
        let mut r = Repeaters::default();
        for s in list {
            if let Line::H(h) = s.line {
                HLineOnHicann::new(h.line()).ok_or("hline outside 0..64")?;
            }
            r.set(s.line, s.mode);
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defects::vrepeater_on_top;

    #[test]
    fn every_edge_holds_half_the_repeaters() {
        let left =
            (0..64).filter(|&l| hrepeater_edge(HLineOnHicann::new(l).unwrap()) == Side::Left);
        assert_eq!(left.count(), 32);
        let top = (0..256).filter(|&l| vrepeater_on_top(VLineOnHicann::new(l).unwrap()));
        assert_eq!(top.count(), 128);
        // Spec §3.1: left half odd -> top, right half inverted.
        assert!(vrepeater_on_top(VLineOnHicann::new(1).unwrap()));
        assert!(vrepeater_on_top(VLineOnHicann::new(128).unwrap()));
        // Sending repeaters sit on even lines, so on the left edge next to the west neighbour.
        assert!(
            (0..8).all(|i| hrepeater_edge(HLineOnHicann::of_sending_repeater(i)) == Side::Left)
        );
    }

    #[test]
    fn output_mode_is_checked() {
        let h = HicannOnWafer::new(18, 7).unwrap();
        let mut r = Repeaters::default();
        let out = RepeaterMode::Output {
            own_line: true,
            west_line: false,
        };
        r.set(Line::H(HLineOnHicann::new(14).unwrap()), out);
        assert!(r.check(h).is_ok() && r.is_sending(1) && !r.is_sending(0));
        r.set(Line::H(HLineOnHicann::new(15).unwrap()), out);
        let err = r.check(h).unwrap_err().to_string();
        assert!(
            err.contains("HICANN 174") && err.contains("horizontal line 15"),
            "{err}"
        );
        let mut r = Repeaters::default();
        let none = RepeaterMode::Output {
            own_line: false,
            west_line: false,
        };
        r.set(Line::H(HLineOnHicann::new(6).unwrap()), none);
        assert!(r.check(h).unwrap_err().to_string().contains("no direction"));
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Repeaters>(&text).unwrap(), r);
    }
}
