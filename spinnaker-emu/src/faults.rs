//! Fault injection: the chips, cores and links of a machine that do not work.
//!
//! Real machines carry a per-board blacklist of dead cores and links and users mask further chips, cores and links
//! (`down_chips`, `down_cores`, `down_links`, spec §7.1); the emulator exposes the same three kinds of fault
//! (spec §7.3). The file format is
//! `{"dead_chips": [[x, y]], "dead_cores": [[x, y, core]], "dead_links": [[x, y, link]]}`, every list optional.
//! Checks that need the machine (is the chip on it?) happen in `Machine::new`.

use serde::{Deserialize, Serialize};

use crate::geometry::{ChipCoord, Link};
use crate::preset::CORES_PER_CHIP;

/// The largest faults file read: 64 MiB. Every core and link of the million-core machine listed dead is about
/// 17 MB; past the limit a file is refused before it fills memory (`/dev/zero`, a file given by mistake).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Dead chips, cores and links, in machine coordinates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// Chips that are gone, with all their cores and links: `[x, y]`.
    pub dead_chips: Vec<(u16, u16)>,
    /// Application cores that cannot be used: `[x, y, core]`, `core` a virtual core id 1-17. Core 0 is refused:
    /// SCAMP renumbers so the monitor is always virtual core 0 (spec §1.1) and hands the monitor role to another
    /// core when the physical monitor is blacklisted (spec §7.1), so losing "the monitor's" core means losing one
    /// core of the chip: list any application core instead.
    pub dead_cores: Vec<(u16, u16, u8)>,
    /// Links that carry nothing in either direction: `[x, y, link]`, `link` the link number 0-5 (spec §3.1).
    /// Naming either end of a link kills it. One-way faults (spec §7.1, §7.3) are not modelled.
    pub dead_links: Vec<(u16, u16, u8)>,
}

impl Faults {
    /// Parses a faults file; errors give the line and column for malformed JSON and the entry path for bad values.
    pub fn from_json(text: &str) -> Result<Faults, String> {
        let faults: Faults = serde_json::from_str(text).map_err(|e| e.to_string())?;
        faults.check()?;
        Ok(faults)
    }

    /// Checks what does not depend on the machine: core ids and link numbers.
    pub fn check(&self) -> Result<(), String> {
        let last_core = CORES_PER_CHIP - 1;
        for (i, &(_, _, core)) in self.dead_cores.iter().enumerate() {
            if core == 0 {
                return Err(format!(
                    "dead_cores[{i}]: core 0 is the monitor, which SCAMP moves to a working core; \
                     mark an application core (1..{last_core}) dead instead"
                ));
            }
            if u32::from(core) > last_core {
                return Err(format!(
                    "dead_cores[{i}]: core must be 1..{last_core}, got {core}"
                ));
            }
        }
        for (i, &(_, _, link)) in self.dead_links.iter().enumerate() {
            if Link::from_index(link).is_none() {
                return Err(format!("dead_links[{i}]: link must be 0..5, got {link}"));
            }
        }
        Ok(())
    }

    /// Every chip the faults mention, with the path of its entry, for checking against a machine.
    pub fn chips_named(&self) -> impl Iterator<Item = (String, ChipCoord)> + '_ {
        let chips = (self.dead_chips.iter().enumerate())
            .map(|(i, &(x, y))| (format!("dead_chips[{i}]"), ChipCoord::new(x, y)));
        let cores = (self.dead_cores.iter().enumerate())
            .map(|(i, &(x, y, _))| (format!("dead_cores[{i}]"), ChipCoord::new(x, y)));
        let links = (self.dead_links.iter().enumerate())
            .map(|(i, &(x, y, _))| (format!("dead_links[{i}]"), ChipCoord::new(x, y)));
        chips.chain(cores).chain(links)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::{CoreModel, Machine};
    use crate::preset::Preset;

    fn c(x: u16, y: u16) -> ChipCoord {
        ChipCoord::new(x, y)
    }

    #[test]
    fn parses_the_documented_format() {
        let text =
            r#"{"dead_chips": [[1, 2]], "dead_cores": [[0, 0, 3]], "dead_links": [[2, 2, 0]]}"#;
        let faults = Faults::from_json(text).unwrap();
        assert_eq!(faults.dead_chips, [(1, 2)]);
        assert_eq!(faults.dead_cores, [(0, 0, 3)]);
        assert_eq!(faults.dead_links, [(2, 2, 0)]);
        let again = serde_json::to_string(&faults).unwrap();
        assert_eq!(Faults::from_json(&again).unwrap(), faults);
    }

    #[test]
    fn every_list_is_optional() {
        assert_eq!(Faults::from_json("{}").unwrap(), Faults::default());
        let only_links = Faults::from_json(r#"{"dead_links": [[0, 0, 5]]}"#).unwrap();
        assert!(only_links.dead_chips.is_empty() && only_links.dead_cores.is_empty());
    }

    #[test]
    fn errors_name_the_entry() {
        let bad_link = r#"{"dead_links": [[0, 0, 1], [3, 4, 7]]}"#;
        assert_eq!(
            Faults::from_json(bad_link).unwrap_err(),
            "dead_links[1]: link must be 0..5, got 7"
        );
        let monitor = r#"{"dead_cores": [[0, 0, 0]]}"#;
        assert!(
            Faults::from_json(monitor)
                .unwrap_err()
                .starts_with("dead_cores[0]: core 0 is the monitor")
        );
        let too_high = r#"{"dead_cores": [[0, 0, 17], [0, 0, 18]]}"#;
        assert_eq!(
            Faults::from_json(too_high).unwrap_err(),
            "dead_cores[1]: core must be 1..17, got 18"
        );
    }

    #[test]
    fn malformed_files_are_refused_with_a_position() {
        let unknown = Faults::from_json(r#"{"dead_link": []}"#).unwrap_err();
        assert!(unknown.contains("unknown field `dead_link`"), "{unknown}");
        let short = Faults::from_json(r#"{"dead_chips": [[1]]}"#).unwrap_err();
        assert!(short.contains("line 1"), "{short}");
        let negative = Faults::from_json(r#"{"dead_chips": [[-1, 0]]}"#).unwrap_err();
        assert!(negative.contains("column"), "{negative}");
    }

    #[test]
    fn chips_named_lists_every_entry_with_its_path() {
        let faults = Faults {
            dead_chips: vec![(1, 1)],
            dead_cores: vec![(2, 2, 4)],
            dead_links: vec![(3, 3, 5)],
        };
        let named: Vec<_> = faults.chips_named().collect();
        assert_eq!(
            named,
            [
                ("dead_chips[0]".to_string(), ChipCoord::new(1, 1)),
                ("dead_cores[0]".to_string(), ChipCoord::new(2, 2)),
                ("dead_links[0]".to_string(), ChipCoord::new(3, 3)),
            ]
        );
    }

    #[test]
    fn faults_remove_chips_cores_and_links() {
        let faults = Faults::from_json(
            r#"{"dead_chips": [[1, 2]], "dead_cores": [[0, 0, 3], [2, 1, 17]],
                "dead_links": [[2, 2, 0], [3, 4, 3]]}"#,
        )
        .unwrap();
        let m = Machine::new(Preset::Spinn5, CoreModel::Realistic, &faults).unwrap();
        assert_eq!(m.n_chips(), 47);
        assert!(!m.has_chip(c(1, 2)) && m.app_cores(c(1, 2)).next().is_none());
        assert_eq!(m.neighbour(c(1, 2), Link::East), None);
        assert_eq!(m.neighbour(c(0, 2), Link::East), None);
        assert_eq!(m.neighbour(c(1, 1), Link::North), None);
        let eth: Vec<u8> = m.app_cores(c(0, 0)).collect();
        assert_eq!(eth, [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
        assert_eq!(m.n_app_cores(c(2, 1)), 15);
        // Both directions of both dead links, whichever end the fault named.
        assert_eq!(m.neighbour(c(2, 2), Link::East), None);
        assert_eq!(m.neighbour(c(3, 2), Link::West), None);
        assert_eq!(m.neighbour(c(3, 4), Link::West), None);
        assert_eq!(m.neighbour(c(2, 4), Link::East), None);
        assert_eq!(m.neighbour(c(2, 2), Link::North), Some(c(2, 3)));
        for (chip, link) in m
            .chips()
            .flat_map(|chip| Link::ALL.map(|link| (chip, link)))
        {
            if let Some(other) = m.neighbour(chip, link) {
                assert_eq!(m.neighbour(other, link.opposite()), Some(chip));
            }
        }
        assert_eq!(m.n_app_cores_total(), 759 - 16 - 2);
        assert_eq!(m.n_cores(), 48 * 18 - 8 - 18 - 2);
    }

    #[test]
    fn faults_off_the_machine_are_refused() {
        let refuse = |preset, json: &str| {
            Machine::new(
                preset,
                CoreModel::Ideal,
                &serde_json::from_str(json).unwrap(),
            )
            .unwrap_err()
        };
        let missing = refuse(Preset::Spinn5, r#"{"dead_chips": [[0, 0], [7, 0]]}"#);
        assert!(
            missing.starts_with("faults: dead_chips[1]: (7, 0) is not a chip of spinnaker-48"),
            "{missing}"
        );
        let outside = refuse(Preset::Boards(3), r#"{"dead_links": [[12, 0, 1]]}"#);
        assert!(
            outside.starts_with("faults: dead_links[0]: (12, 0)"),
            "{outside}"
        );
        let monitor = refuse(Preset::Spinn3, r#"{"dead_cores": [[0, 1, 0]]}"#);
        assert!(
            monitor.starts_with("faults: dead_cores[0]: core 0 is the monitor"),
            "{monitor}"
        );
    }
}
