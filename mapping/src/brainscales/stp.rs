//! Tsodyks-Markram synapses on the synapse drivers' short-term plasticity (spec brainscales.md §4.2,
//! mapping-and-pynn §A6.6; the projections [`super::model`] accepts).
//!
//! - Mode: `tau_facil = 0` is depression with the recovery time `tau_rec`, `tau_rec = 0` facilitation with
//!   `tau_facil` (marocco's rule: exactly one is non-zero). In the driver both are the decay time of the
//!   inactive fraction, V_dtc. With lambda 1 and N_dep 0 (the quadrant defaults) the depressing factor
//!   `1 - I` is TM's available fraction x, so successive PSPs follow TM's ratios. The facilitating factor
//!   `1 + lambda (I - N_fac)` is, with N_fac 1 and lambda `1 - U_SE`, `U_SE + (1 - U_SE) I`: since the
//!   driver sets `I <- I + U_SE (1 - I)` at each event, that is TM's u (`u <- U + u (1 - U)` decayed by
//!   tau_facil, x staying 1 when tau_rec = 0) event for event, U at the first. So a facilitating quadrant
//!   gets lambda `1 - U_SE` and a depressing one lambda 1. lambda comes from V_stdf and V_bstdf in the
//!   circuit, whose mapping no source gives (brainscales-emu `synapse::stp`): the mapper sets it by value,
//!   as it would with a calibration; marocco sets only the mode, and the default lambda 1 would make the
//!   first event of a facilitating train pass nothing.
//! - Per driver: mode and `stp_cap`, the 3-bit U_SE grid (0.25..0.40): U goes to the nearest level, clipped
//!   to the range. [`key`] is that pair; [`super::synapses`] keeps sources of different keys (and static
//!   ones) on different drivers.
//! - Per quadrant (FG block): V_dtc and lambda. V_dtc's DAC is the rate fit's inverse for the hardware tau
//!   (bio tau / speed-up), rounded and clipped to 0..=1023. Where TM projections of different tau or lambda
//!   share a quadrant, the one with most synapses there (then the first) sets both; the others are reported
//!   as shared.
//! - Weights: a depressing row holds `w U` ([`weight_factor`]), TM's first-spike efficacy, as the driver's
//!   first spike passes the whole weight; mapping.json's `weights` of a TM projection are those `w U`. A
//!   facilitating row holds `w`, which the factor scales by u.
//! - Reported: per TM projection in mapping.json's `short_term_plasticity` (requested vs realised U and
//!   tau, the distinct realised tau over its quadrants), and a warning for every one not realised as asked.

use std::collections::BTreeMap;

use brainscales_emu::coord::SynapseDriverOnHicann;
use brainscales_emu::synapse::SynapseConfig;
use brainscales_emu::synapse::driver::{MAX_STP_CAP, StpConfig, StpMode};
use brainscales_emu::synapse::stp::{
    DEFAULT_LAMBDA, RECOVERY_RATE_OFFSET, RECOVERY_RATE_PER_DAC, U_SE_AT_CAP_0, U_SE_AT_CAP_7,
    tau_rec_s, u_se,
};
use brainscales_emu::time::SpeedUp;
use nmemu_loader::Network;
use nmemu_loader::format::SynapseSpec;
use serde::Serialize;

use super::report::significant;
use super::synapses::Realised;

/// Largest V_dtc DAC value (10-bit floating gate).
const MAX_V_DTC_DAC: u16 = 1023;

/// What one driver's STP is set to; drivers of different keys do not share sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StpKey {
    pub depression: bool,
    pub cap: u8,
}

impl StpKey {
    pub fn config(self) -> StpConfig {
        StpConfig {
            mode: if self.depression {
                StpMode::Depression
            } else {
                StpMode::Facilitation
            },
            cap: self.cap,
        }
    }
}

/// A TM synapse's requested mode, U and time constant (ms), or `None` for any other synapse.
fn request(spec: &SynapseSpec) -> Option<(bool, f64, f64)> {
    match *spec {
        SynapseSpec::TsodyksMarkramSynapse {
            u,
            tau_rec,
            tau_facil,
            ..
        } => Some(if tau_facil == 0.0 {
            (true, u, tau_rec)
        } else {
            (false, u, tau_facil)
        }),
        _ => None,
    }
}

/// The `stp_cap` whose U_SE is nearest `u` (clipped to the grid's range).
pub fn cap_for(u: f64) -> u8 {
    let step = (U_SE_AT_CAP_7 - U_SE_AT_CAP_0) / f64::from(MAX_STP_CAP);
    ((u - U_SE_AT_CAP_0) / step)
        .round()
        .clamp(0.0, f64::from(MAX_STP_CAP)) as u8
}

/// The V_dtc DAC whose recovery time is nearest `tau_ms` (bio) at `speed_up`, clipped to the DAC range.
pub fn v_dtc_for(tau_ms: f64, speed_up: SpeedUp) -> u16 {
    let rate = 1.0 / speed_up.to_hardware(tau_ms * 1e-3);
    ((rate - RECOVERY_RATE_OFFSET) / RECOVERY_RATE_PER_DAC)
        .round()
        .clamp(0.0, f64::from(MAX_V_DTC_DAC)) as u16
}

/// The quadrant's lambda for a TM synapse of mode `depression` and U `u` (see the module docs).
fn lambda_for(depression: bool, u: f64) -> f64 {
    if depression {
        DEFAULT_LAMBDA
    } else {
        1.0 - u_se(cap_for(u))
    }
}

/// The driver setting of a projection's synapse, `None` unless it is a TM synapse.
pub fn key(spec: &SynapseSpec) -> Option<StpKey> {
    request(spec).map(|(depression, u, _)| StpKey {
        depression,
        cap: cap_for(u),
    })
}

/// What a synapse's PyNN weight is multiplied by on the wafer. A depressing TM synapse's first spike gives
/// `w U` in PyNN (the available fraction x starts at 1 and each spike uses U of it), while the driver's
/// first spike gives the row's whole weight (`1 - I` with I = 0, spec §4.2); so the row holds `w U`, and
/// every later spike keeps TM's ratios. 1 for every other synapse (a facilitating driver's factor is TM's
/// u itself, see the module docs).
pub fn weight_factor(spec: &SynapseSpec) -> f64 {
    match request(spec) {
        Some((true, u, _)) => u,
        _ => 1.0,
    }
}

/// One TM projection's short-term plasticity as requested and as realised (mapping.json).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StpReport {
    pub projection: String,
    /// `"depression"` or `"facilitation"`.
    pub mode: &'static str,
    pub requested_u: f64,
    pub realised_u: f64,
    /// `tau_rec` (depression) or `tau_facil` (facilitation), bio ms.
    pub requested_tau_ms: f64,
    /// The distinct recovery times of the quadrants its placed synapses sit in, ascending.
    pub realised_tau_ms: Vec<f64>,
    /// Quadrants where a projection of another tau or mode set V_dtc and lambda.
    pub quadrants_set_by_another: u32,
}

/// Sets V_dtc of every quadrant with TM synapses (`realised`: every placed synapse) in `configs` (per
/// wafer, by HICANN enum); returns the per-projection report and the warnings of the module docs.
pub fn configure(
    net: &Network,
    speed_up: SpeedUp,
    realised: &[Realised],
    configs: &mut [BTreeMap<usize, SynapseConfig>],
) -> (Vec<StpReport>, Vec<String>) {
    let requests: Vec<_> = net
        .projections
        .iter()
        .map(|p| request(&p.synapse))
        .collect();
    // Per (wafer, HICANN, quadrant): synapses per TM projection.
    let mut quadrants: BTreeMap<(usize, usize, usize), BTreeMap<u32, u64>> = BTreeMap::new();
    for r in realised
        .iter()
        .filter(|r| requests[r.projection as usize].is_some())
    {
        let driver = SynapseDriverOnHicann::new((r.row / 2) as u8).expect("a row's driver");
        *quadrants
            .entry((r.wafer as usize, r.hicann.to_enum(), driver.fg_block()))
            .or_default()
            .entry(r.projection)
            .or_default() += 1;
    }
    // What projection j asks of its quadrants: tau (bio ms) and lambda.
    let setting_of = |j: u32| {
        let (depression, u, tau) = requests[j as usize].expect("a TM projection");
        (tau, lambda_for(depression, u))
    };
    let mut realised_tau: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    let mut set_by_another: BTreeMap<u32, u32> = BTreeMap::new();
    for (&(w, h, q), counts) in &quadrants {
        let (&chosen, _) = counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .expect("a quadrant with synapses");
        let (tau, lambda) = setting_of(chosen);
        let dac = v_dtc_for(tau, speed_up);
        let stp = &mut configs[w]
            .get_mut(&h)
            .expect("a HICANN with synapses")
            .quadrants[q]
            .stp;
        stp.v_dtc_dac = dac;
        stp.lambda = lambda;
        let tau_ms = speed_up.to_bio(tau_rec_s(dac)) * 1e3;
        for &j in counts.keys() {
            realised_tau.entry(j).or_default().push(tau_ms);
            if setting_of(j) != (tau, lambda) {
                *set_by_another.entry(j).or_default() += 1;
            }
        }
    }
    let mut reports = Vec::new();
    let mut warnings = Vec::new();
    for (j, mut taus) in realised_tau {
        let (depression, u, tau) = requests[j as usize].expect("a TM projection");
        taus.sort_by(f64::total_cmp);
        taus.dedup();
        let report = StpReport {
            projection: net.projections[j as usize].label.clone(),
            mode: if depression {
                "depression"
            } else {
                "facilitation"
            },
            requested_u: u,
            realised_u: u_se(cap_for(u)),
            requested_tau_ms: tau,
            realised_tau_ms: taus,
            quadrants_set_by_another: set_by_another.get(&j).copied().unwrap_or(0),
        };
        if let Some(w) = warning(&report) {
            warnings.push(w);
        }
        reports.push(report);
    }
    (reports, warnings)
}

/// A warning when `report`'s realised U or tau differs from the request by more than 0.1 %, or another
/// projection set some of its quadrants.
fn warning(report: &StpReport) -> Option<String> {
    let off = |got: f64, asked: f64| (got - asked).abs() > 1e-3 * asked;
    let tau_off = report
        .realised_tau_ms
        .iter()
        .any(|&t| off(t, report.requested_tau_ms));
    if !off(report.realised_u, report.requested_u)
        && !tau_off
        && report.quadrants_set_by_another == 0
    {
        return None;
    }
    let taus: Vec<String> = report
        .realised_tau_ms
        .iter()
        .map(|&t| significant(t))
        .collect();
    let shared = match report.quadrants_set_by_another {
        0 => String::new(),
        n => format!(
            "; in {n} quadrant(s) a projection of another tau or mode set the shared V_dtc and lambda"
        ),
    };
    Some(format!(
        "STP: '{}' ({}) runs with U {} (asked {}, the driver's grid is 0.25..0.40 in 8 steps) and tau {} ms \
         (asked {} ms){shared}; see mapping.json short_term_plasticity",
        report.projection,
        report.mode,
        significant(report.realised_u),
        significant(report.requested_u),
        taus.join(", "),
        significant(report.requested_tau_ms),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u_goes_to_the_nearest_cap_within_the_grid() {
        assert_eq!(cap_for(0.1), 0);
        assert_eq!(cap_for(0.25), 0);
        assert_eq!(cap_for(0.3), 2); // 0.271, 0.293, 0.314: 0.293 is nearest
        assert_eq!(cap_for(0.4), 7);
        assert_eq!(cap_for(0.9), 7);
    }

    #[test]
    fn tau_goes_to_the_nearest_v_dtc_and_back() {
        // 104 us hardware is DAC 5 by the fit's measured point: 1.04 s bio at 10^4.
        assert_eq!(v_dtc_for(1040.0, SpeedUp::Normal), 5);
        // 15.4 us (DAC 40) at 10^4 is 154 ms.
        assert_eq!(v_dtc_for(154.0, SpeedUp::Normal), 40);
        // Longer than DAC 0 allows (587 us hardware) clips to 0; shorter than DAC 1023's to 1023.
        assert_eq!(v_dtc_for(60_000.0, SpeedUp::Normal), 0);
        assert_eq!(v_dtc_for(0.001, SpeedUp::Normal), MAX_V_DTC_DAC);
    }
}
