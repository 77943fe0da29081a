//! Synapse-driver configuration (halbe `SynapseDriver`, `RowConfig`; spec §2.7) and the row's weight to
//! conductance transformation (spec §2.8).
//!
//! A driver takes a 6-bit Layer-1 address and drives its two synapse rows. Per row it holds which synaptic
//! input the row feeds, the two 2-bit driver decoders (even and odd columns), which of the quadrant's four
//! V_gmax it uses and the divisor that scales it. Per driver it holds the input mode and the short-term
//! plasticity setting.
//!
//! gmax_div: halbe has two 4-bit fields per row and the sources disagree whether they are one divisor per
//! synaptic input or two halves summed (spec §2.7, §9). The model keeps one divisor per row, 1..=30 (the
//! combined setter's range, the guide's documented range ends at 30); 0 is refused because it gives no
//! finite conductance.

use super::ConfigError;
use crate::coord::SynapticInput;
use serde::{Deserialize, Serialize};

/// How a driver takes its input (halbe `SynapseDriver::set_*`: the `enable`, `locin` and
/// `connect_neighbor` bits, spec §2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DriverMode {
    /// Off and not connected.
    #[default]
    Disabled,
    /// Takes events from its synapse-switch row (the vertical bus) and drives its rows.
    L1,
    /// As `L1`, and connects its input to the outer neighbour so a chain hears the same events.
    L1Mirror,
    /// Drives its rows from the chain and connects to its outer neighbour.
    Mirror,
    /// Passes the chain's signal to its outer neighbour without driving its own rows.
    MirrorOnly,
    /// Drives its rows from the chain; the chain's outer end.
    Listen,
}

impl DriverMode {
    /// Drives its two rows (halbe `enable`).
    pub fn enabled(self) -> bool {
        !matches!(self, DriverMode::Disabled | DriverMode::MirrorOnly)
    }

    /// Takes events from the synapse switch (halbe `locin`); spec §8.2 rule 4: only these take bus input.
    pub fn takes_l1(self) -> bool {
        matches!(self, DriverMode::L1 | DriverMode::L1Mirror)
    }

    /// Joins its input line to the outer neighbour's (halbe `connect_neighbor`).
    pub fn connects_neighbour(self) -> bool {
        matches!(
            self,
            DriverMode::L1Mirror | DriverMode::Mirror | DriverMode::MirrorOnly
        )
    }
}

/// Which inputs a row drives (halbe `RowConfig::set_syn_in`, one bit per input; both may be set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RowInputs {
    #[default]
    None,
    Inhibitory,
    Excitatory,
    Both,
}

impl RowInputs {
    pub fn drives(self, input: SynapticInput) -> bool {
        matches!(
            (self, input),
            (RowInputs::Both, _)
                | (RowInputs::Inhibitory, SynapticInput::Inhibitory)
                | (RowInputs::Excitatory, SynapticInput::Excitatory)
        )
    }
}

/// Largest per-row divisor of V_gmax (spec §2.7, §8.2 rule 8: 0..30, 0 not meaningful).
pub const MAX_GMAX_DIV: u8 = 30;

/// The configuration of one synapse row (halbe `RowConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowConfig {
    pub inputs: RowInputs,
    /// The 2 MSBs of the address accepted on even columns (index 0) and odd columns (index 1).
    pub driver_decoder: [u8; 2],
    /// Which of the quadrant's four V_gmax the row uses, 0..=3.
    pub selgmax: u8,
    /// Divisor of V_gmax, 1..=30.
    pub gmax_div: u8,
}

impl Default for RowConfig {
    /// No input driven; gmax_div at the trafo's reference setting.
    fn default() -> RowConfig {
        RowConfig {
            inputs: RowInputs::None,
            driver_decoder: [0, 0],
            selgmax: 0,
            gmax_div: TRAFO_REFERENCE_GMAX_DIV,
        }
    }
}

/// Short-term plasticity mode bit of a driver (halbe: facilitation 0, depression 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StpMode {
    Facilitation,
    Depression,
}

/// A driver's short-term plasticity: mode and the 3-bit `stp_cap` that sets U_SE (spec §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StpConfig {
    pub mode: StpMode,
    pub cap: u8,
}

/// Largest `stp_cap` (3 bits).
pub const MAX_STP_CAP: u8 = 7;

/// One synapse driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SynapseDriver {
    pub mode: DriverMode,
    pub rows: [RowConfig; 2],
    /// `None`: STP off (the factor is 1).
    pub stp: Option<StpConfig>,
}

impl SynapseDriver {
    /// Checks every field's range (spec §8.2 rule 8); `line` names the driver in the error.
    pub fn validate(&self, line: u8) -> Result<(), ConfigError> {
        for (row, config) in self.rows.iter().enumerate() {
            let bad = |field, value| ConfigError::RowField {
                line,
                row,
                field,
                value,
            };
            if let Some(&d) = config.driver_decoder.iter().find(|&&d| d > 3) {
                return Err(bad("driver_decoder", d));
            }
            if config.selgmax > 3 {
                return Err(bad("selgmax", config.selgmax));
            }
            if !(1..=MAX_GMAX_DIV).contains(&config.gmax_div) {
                return Err(bad("gmax_div", config.gmax_div));
            }
        }
        match self.stp {
            Some(stp) if stp.cap > MAX_STP_CAP => Err(ConfigError::StpCap { line, cap: stp.cap }),
            _ => Ok(()),
        }
    }
}

/// The default synapse trafo from RTL simulation, g (nS) = c0 + c1 w + c2 w^2 at V_gmax 500 and gmax_div 11
/// (calibtic defaults, spec §2.8): 93.94 nS at w = 0 ... 955 nS at w = 15.
pub const TRAFO_COEFFICIENTS_NS: [f64; 3] = [93.94, 81.34, -1.597];
/// The V_gmax (floating-gate DAC) the trafo was measured at.
pub const TRAFO_REFERENCE_V_GMAX_DAC: u16 = 500;
/// The gmax_div the trafo was measured at.
pub const TRAFO_REFERENCE_GMAX_DIV: u8 = 11;

/// Conductance jump of a synapse of 4-bit `weight` in a row using `v_gmax_dac` and `gmax_div`: the trafo
/// scaled in proportion to V_gmax / gmax_div (spec §2.8: "other rows' trafos are assumed proportional";
/// the guide's w-only part independent of V_gmax is not separated in any reachable source, so the whole
/// trafo scales). Weight 0 still conducts: 93.94 nS at the reference setting.
pub fn conductance_siemens(weight: u8, v_gmax_dac: u16, gmax_div: u8) -> f64 {
    let w = f64::from(weight);
    let [c0, c1, c2] = TRAFO_COEFFICIENTS_NS;
    let reference_ns = c0 + c1 * w + c2 * w * w;
    let scale = (f64::from(v_gmax_dac) / f64::from(TRAFO_REFERENCE_V_GMAX_DAC))
        * (f64::from(TRAFO_REFERENCE_GMAX_DIV) / f64::from(gmax_div));
    reference_ns * scale * 1e-9
}

/// The 16 conductances of a row, indexed by weight, so delivery is a table lookup.
pub(crate) fn row_conductances(v_gmax_dac: u16, gmax_div: u8) -> [f64; 16] {
    std::array::from_fn(|w| conductance_siemens(w as u8, v_gmax_dac, gmax_div))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_match_halbe_bits() {
        // (enable, locin, connect_neighbor) from halbe SynapseDriver.cpp.
        let bits = |m: DriverMode| (m.enabled(), m.takes_l1(), m.connects_neighbour());
        assert_eq!(bits(DriverMode::Disabled), (false, false, false));
        assert_eq!(bits(DriverMode::L1), (true, true, false));
        assert_eq!(bits(DriverMode::L1Mirror), (true, true, true));
        assert_eq!(bits(DriverMode::Mirror), (true, false, true));
        assert_eq!(bits(DriverMode::MirrorOnly), (false, false, true));
        assert_eq!(bits(DriverMode::Listen), (true, false, false));
    }

    #[test]
    fn trafo_end_points_and_scaling() {
        // Spec §2.8: 93.9 nS at w = 0 and 955 nS at w = 15 (93.94 + 1220.1 - 359.325 = 954.715).
        assert!((conductance_siemens(0, 500, 11) - 93.94e-9).abs() < 1e-15);
        assert!((conductance_siemens(15, 500, 11) - 954.715e-9).abs() < 1e-15);
        // calibtic's ESS rows: (650, 4) is x3.575 the reference, (200, 15) x0.2933.
        let ratio = conductance_siemens(9, 650, 4) / conductance_siemens(9, 500, 11);
        assert!((ratio - 650.0 / 500.0 * 11.0 / 4.0).abs() < 1e-12);
        assert!((ratio - 3.575).abs() < 1e-12);
    }

    #[test]
    fn validation_names_the_field() {
        let mut d = SynapseDriver::default();
        assert!(d.validate(3).is_ok());
        d.rows[1].gmax_div = 0;
        assert_eq!(
            d.validate(3),
            Err(ConfigError::RowField {
                line: 3,
                row: 1,
                field: "gmax_div",
                value: 0
            })
        );
        d.rows[1].gmax_div = 31;
        assert!(d.validate(3).is_err());
        d.rows[1].gmax_div = 30;
        d.rows[0].driver_decoder = [0, 4];
        assert!(d.validate(3).is_err());
        d.rows[0].driver_decoder = [0, 3];
        d.stp = Some(StpConfig {
            mode: StpMode::Depression,
            cap: 8,
        });
        assert!(d.validate(3).is_err());
    }
}
