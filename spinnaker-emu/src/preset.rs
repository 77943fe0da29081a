//! Named SpiNNaker machines, as `--machine` accepts them.
//!
//! Figures from `shared/spec/spinnaker.md` §0 and §3: 18 cores per chip; SpiNN-3 = 4 chips (2x2); SpiNN-5 = 48
//! chips; full tori are built from triads of 3 boards (12x12 chips), so a multi-board machine has a multiple of 3
//! boards; the million-core machine has 1,200 boards = 57,600 chips = 1,036,800 cores.

use std::fmt;

/// Cores per chip: one monitor, the rest application cores (datasheet §1, `NUM_CPUS 18`).
pub const CORES_PER_CHIP: u32 = 18;
/// Chips on a SpiNN-5 board.
pub const CHIPS_PER_BOARD: u32 = 48;
/// Boards in the million-core machine.
pub const MILLION_CORE_BOARDS: u32 = 1200;

/// A SpiNNaker machine preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// `spinnaker-3`: one SpiNN-3 board, 4 chips, wrapped as a 2x2 torus.
    Spinn3,
    /// `spinnaker-48`: one SpiNN-5 board; not a torus (links leaving the board are dead).
    Spinn5,
    /// `spinnaker-<N>b`: N SpiNN-5 boards (N a multiple of 3) as a full torus of triads.
    Boards(u32),
    /// `spinnaker-1m`: the 1,200-board million-core machine.
    MillionCore,
}

impl Preset {
    /// Parses a preset name, case ignored; the error lists the accepted forms and starts with "unknown" when
    /// `name` has none of them.
    pub fn parse(name: &str) -> Result<Preset, String> {
        let accepted =
            "spinnaker-3, spinnaker-48, spinnaker-<N>b (N boards, a multiple of 3), spinnaker-1m";
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "spinnaker-3" => return Ok(Preset::Spinn3),
            "spinnaker-48" => return Ok(Preset::Spinn5),
            "spinnaker-1m" => return Ok(Preset::MillionCore),
            _ => {}
        }
        let boards = lower
            .strip_prefix("spinnaker-")
            .and_then(|rest| rest.strip_suffix('b'))
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| {
                format!("unknown SpiNNaker machine `{name}`; expected one of: {accepted}")
            })?;
        if boards == 0 || boards % 3 != 0 {
            return Err(format!(
                "`{name}`: a multi-board torus is made of 3-board triads, so N must be a positive multiple of 3 (got {boards})"
            ));
        }
        if boards > MILLION_CORE_BOARDS {
            return Err(format!(
                "`{name}`: the largest SpiNNaker machine has {MILLION_CORE_BOARDS} boards (spinnaker-1m)"
            ));
        }
        Ok(Preset::Boards(boards))
    }

    /// SpiNN-5 boards, or 0 for the SpiNN-3 board.
    pub fn boards(self) -> u32 {
        match self {
            Preset::Spinn3 => 0,
            Preset::Spinn5 => 1,
            Preset::Boards(n) => n,
            Preset::MillionCore => MILLION_CORE_BOARDS,
        }
    }

    pub fn chips(self) -> u32 {
        match self {
            Preset::Spinn3 => 4,
            other => other.boards() * CHIPS_PER_BOARD,
        }
    }

    /// All cores, monitors included.
    pub fn cores(self) -> u64 {
        u64::from(self.chips()) * u64::from(CORES_PER_CHIP)
    }

    /// The names `nmemu machines` lists (the `<N>b` form shown with two examples).
    pub fn listed() -> [Preset; 5] {
        [
            Preset::Spinn3,
            Preset::Spinn5,
            Preset::Boards(3),
            Preset::Boards(24),
            Preset::MillionCore,
        ]
    }

    pub fn description(self) -> &'static str {
        match self {
            Preset::Spinn3 => "one SpiNN-3 board, 2x2 chips, wrapped",
            Preset::Spinn5 => "one SpiNN-5 board, no wrap-around",
            Preset::Boards(_) => "SpiNN-5 boards in 3-board triads, full torus",
            Preset::MillionCore => "the million-core machine, 240x240 chips",
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Preset::Spinn3 => f.write_str("spinnaker-3"),
            Preset::Spinn5 => f.write_str("spinnaker-48"),
            Preset::Boards(n) => write!(f, "spinnaker-{n}b"),
            Preset::MillionCore => f.write_str("spinnaker-1m"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Preset::listed() {
            assert_eq!(Preset::parse(&p.to_string()), Ok(p));
        }
    }

    #[test]
    fn case_is_ignored() {
        assert_eq!(Preset::parse("SpiNNaker-48"), Ok(Preset::Spinn5));
        assert_eq!(Preset::parse("SPINNAKER-24B"), Ok(Preset::Boards(24)));
        assert_eq!(Preset::parse("spinnaker-1M"), Ok(Preset::MillionCore));
    }

    #[test]
    fn sizes_match_the_spec() {
        assert_eq!(Preset::Spinn3.cores(), 72);
        assert_eq!(Preset::Spinn5.cores(), 864);
        assert_eq!(Preset::MillionCore.chips(), 57_600);
        assert_eq!(Preset::MillionCore.cores(), 1_036_800);
    }

    #[test]
    fn bad_names_say_why() {
        assert!(
            Preset::parse("spinnaker-4b")
                .unwrap_err()
                .contains("multiple of 3")
        );
        assert!(
            Preset::parse("spinnaker-1203b")
                .unwrap_err()
                .contains("1200 boards")
        );
        assert!(
            Preset::parse("spinaker-48")
                .unwrap_err()
                .contains("expected one of")
        );
    }
}
