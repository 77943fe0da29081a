//! Named BrainScaleS-1 machines, as `--machine` accepts them.
//!
//! Figures from `shared/spec/brainscales.md` §0: 384 HICANNs per wafer (48 reticles of 8), 512 denmems per
//! HICANN (196,608 per wafer), 20 wafer modules in the system.

use std::fmt;

pub const HICANNS_PER_WAFER: u32 = 384;
pub const DENMEMS_PER_HICANN: u32 = 512;
/// Wafer modules in the BrainScaleS-1 system.
pub const WAFERS_IN_SYSTEM: u32 = 20;

/// A BrainScaleS-1 machine preset: some number of wafer modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub wafers: u32,
}

impl Preset {
    /// `brainscales-wafer` or `brainscales-<N>-wafers` (1 <= N <= 20), case ignored. The error starts with
    /// "unknown" when `name` has neither form.
    pub fn parse(name: &str) -> Result<Preset, String> {
        let lower = name.to_ascii_lowercase();
        if lower == "brainscales-wafer" {
            return Ok(Preset { wafers: 1 });
        }
        let wafers = lower
            .strip_prefix("brainscales-")
            .and_then(|rest| rest.strip_suffix("-wafers"))
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| {
                format!(
                    "unknown BrainScaleS machine `{name}`; expected one of: brainscales-wafer, brainscales-<N>-wafers"
                )
            })?;
        if !(1..=WAFERS_IN_SYSTEM).contains(&wafers) {
            return Err(format!(
                "`{name}`: the BrainScaleS-1 system has 1 to {WAFERS_IN_SYSTEM} wafer modules (got {wafers})"
            ));
        }
        Ok(Preset { wafers })
    }

    pub fn hicanns(self) -> u32 {
        self.wafers * HICANNS_PER_WAFER
    }

    pub fn denmems(self) -> u64 {
        u64::from(self.hicanns()) * u64::from(DENMEMS_PER_HICANN)
    }

    pub fn listed() -> [Preset; 2] {
        [Preset { wafers: 1 }, Preset { wafers: 4 }]
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wafers == 1 {
            f.write_str("brainscales-wafer")
        } else {
            write!(f, "brainscales-{}-wafers", self.wafers)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_sizes() {
        assert_eq!(Preset::parse("brainscales-wafer"), Ok(Preset { wafers: 1 }));
        assert_eq!(
            Preset::parse("brainscales-4-wafers").unwrap().hicanns(),
            1536
        );
        assert_eq!(Preset { wafers: 1 }.denmems(), 196_608);
        assert!(Preset::parse("brainscales-21-wafers").is_err());
        assert!(Preset::parse("brainscales").is_err());
        assert_eq!(Preset::parse("BrainScaleS-Wafer"), Ok(Preset { wafers: 1 }));
        assert_eq!(
            Preset::parse("BrainScaleS-2-Wafers"),
            Ok(Preset { wafers: 2 })
        );
        for p in Preset::listed() {
            assert_eq!(Preset::parse(&p.to_string()), Ok(p));
        }
    }
}
