//! Analog non-idealities of the neuron circuits, all seeded and switchable (spec §5).
//!
//! **Fixed-pattern mismatch.** Every denmem deviates from its programmed parameters by a fixed amount, the
//! same in every run on the same wafer: the deviations are drawn from a stream seeded by (wafer seed,
//! HICANN enum, denmem enum) alone, in a fixed order, one draw per parameter whether or not the parameter
//! is switched on. Voltages get an absolute Gaussian offset in volts; conductances, currents and time
//! constants a relative one (transistor mismatch scales currents), or, in calibrated mode, the absolute
//! time spreads the demos report. Positive quantities are floored at [`MISMATCH_FLOOR`] of the nominal
//! value (counted).
//!
//! - Uncalibrated spreads ([`FixedPatternSpreads::uncalibrated`]): the spec found no measured CVs (§5.1, §9),
//!   so the defaults are our assumption, chosen no smaller than the calibrated residuals below (calibration
//!   can only shrink a spread): 50 mV on voltages, 150 mV on E_synx, 30 % on conductances and time
//!   constants, 50 % on the refractory time.
//! - Calibrated spreads ([`FixedPatternSpreads::calibrated`]): the residual bio sigmas of addendum §11
//!   (Brunel demo for the big capacitor, microcircuit demo for the small one), turned into hardware terms
//!   with the voltage scale [`ALPHA_V`] = 10 (spec §1.4: sigma_hw = 10 sigma_bio) and the speed-up for
//!   times (sigma_hw = sigma_bio / speed-up). E_syni has no microcircuit figure; the Brunel one is used.
//!   Calibration covered only the LIF parameters (spec §5.1), so V_exp, ΔT, a, b and tau_w keep their
//!   uncalibrated spreads. (The 50 % weight residual of §11 belongs to the synapses.)
//!
//! **Temporal noise** ([`MembraneNoise`]): white current noise on the membrane. Its magnitude is not in the
//! spec (§5.2); the default gives a membrane of tau 2 us on a big capacitor a stationary sigma of about
//! 2 mV (0.2 mV bio): sigma_V = sigma_I / sqrt(2 g_l C).

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::{SplitMix64, Xoshiro256PlusPlus};

use crate::coord::SynapticInput;
use crate::coord::{HicannOnWafer, NeuronOnHicann};
use crate::neuron::params::{Capacitor, DenmemParameters};
use crate::time::{HwTime, SpeedUp};

/// The bio-to-hardware voltage scale (spec §1.4: V_hw = alpha_v V_bio + shift_v).
pub const ALPHA_V: f64 = 10.0;
/// A positive parameter never drops below this fraction of its nominal value by mismatch.
pub const MISMATCH_FLOOR: f64 = 0.05;

/// Uncalibrated default spreads (our assumption, see the module docs).
pub const UNCALIBRATED_VOLTAGE_SIGMA_VOLT: f64 = 0.050;
pub const UNCALIBRATED_E_SYNX_SIGMA_VOLT: f64 = 0.150;
pub const UNCALIBRATED_RELATIVE_SIGMA: f64 = 0.30;
pub const UNCALIBRATED_REFRACTORY_RELATIVE_SIGMA: f64 = 0.50;

/// How one parameter spreads over denmems: a standard deviation relative to the nominal value, or an
/// absolute one in the parameter's unit (volts, seconds).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Spread {
    Relative(f64),
    Absolute(f64),
}

impl Spread {
    fn apply(self, nominal: f64, z: f64) -> f64 {
        match self {
            Spread::Relative(sigma) => nominal * (1.0 + sigma * z),
            Spread::Absolute(sigma) => nominal + sigma * z,
        }
    }
}

/// One spread per denmem parameter.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FixedPatternSpreads {
    pub e_l: Spread,
    pub v_t: Spread,
    pub v_reset: Spread,
    pub v_exp: Spread,
    pub e_rev_exc: Spread,
    pub e_rev_inh: Spread,
    /// On tau_m = C / g_l (g_l follows).
    pub tau_m: Spread,
    pub tau_syn_exc: Spread,
    pub tau_syn_inh: Spread,
    pub refractory: Spread,
    pub exp_slope: Spread,
    pub a: Spread,
    pub b: Spread,
    pub tau_w: Spread,
}

/// Residual bio sigmas after calibration (addendum §11): volts for potentials, seconds for times.
struct CalibratedBio {
    e_l: f64,
    v_t: f64,
    v_reset: f64,
    e_rev_exc: f64,
    e_rev_inh: f64,
    tau_m: f64,
    tau_syn_exc: f64,
    tau_syn_inh: f64,
    refractory: f64,
}

/// Brunel demo, wafer 30, big capacitor.
const CALIBRATED_BIG_CAP: CalibratedBio = CalibratedBio {
    e_l: 1.96e-3,
    v_t: 1.12e-3,
    v_reset: 4.2e-3,
    e_rev_exc: 14e-3,
    e_rev_inh: 1.96e-3,
    tau_m: 2e-3,
    tau_syn_exc: 0.4e-3,
    tau_syn_inh: 0.2e-3,
    refractory: 1e-3,
};

/// Microcircuit demo, small capacitor, slow leak (E_syni from the Brunel demo).
const CALIBRATED_SMALL_CAP: CalibratedBio = CalibratedBio {
    e_l: 2.0e-3,
    v_t: 1.1e-3,
    v_reset: 1.6e-3,
    e_rev_exc: 11.1e-3,
    e_rev_inh: 1.96e-3,
    tau_m: 8.0e-3,
    tau_syn_exc: 0.6e-3,
    tau_syn_inh: 0.4e-3,
    refractory: 1.5e-3,
};

impl FixedPatternSpreads {
    pub fn uncalibrated() -> FixedPatternSpreads {
        let volt = Spread::Absolute(UNCALIBRATED_VOLTAGE_SIGMA_VOLT);
        let relative = Spread::Relative(UNCALIBRATED_RELATIVE_SIGMA);
        FixedPatternSpreads {
            e_l: volt,
            v_t: volt,
            v_reset: volt,
            v_exp: volt,
            e_rev_exc: Spread::Absolute(UNCALIBRATED_E_SYNX_SIGMA_VOLT),
            e_rev_inh: volt,
            tau_m: relative,
            tau_syn_exc: relative,
            tau_syn_inh: relative,
            refractory: Spread::Relative(UNCALIBRATED_REFRACTORY_RELATIVE_SIGMA),
            exp_slope: relative,
            a: relative,
            b: relative,
            tau_w: relative,
        }
    }

    /// The residual spread after calibration for `capacitor` at `speed_up` (addendum §11, see the module
    /// docs for the conversion).
    pub fn calibrated(capacitor: Capacitor, speed_up: SpeedUp) -> FixedPatternSpreads {
        let bio = match capacitor {
            Capacitor::Big => &CALIBRATED_BIG_CAP,
            Capacitor::Small => &CALIBRATED_SMALL_CAP,
        };
        let volt = |sigma_bio: f64| Spread::Absolute(ALPHA_V * sigma_bio);
        let time = |sigma_bio: f64| Spread::Absolute(speed_up.to_hardware(sigma_bio));
        FixedPatternSpreads {
            e_l: volt(bio.e_l),
            v_t: volt(bio.v_t),
            v_reset: volt(bio.v_reset),
            e_rev_exc: volt(bio.e_rev_exc),
            e_rev_inh: volt(bio.e_rev_inh),
            tau_m: time(bio.tau_m),
            tau_syn_exc: time(bio.tau_syn_exc),
            tau_syn_inh: time(bio.tau_syn_inh),
            refractory: time(bio.refractory),
            ..FixedPatternSpreads::uncalibrated()
        }
    }

    /// This denmem's parameters as the wafer realises them: `nominal` plus the denmem's fixed deviation.
    pub fn apply(
        &self,
        nominal: &DenmemParameters,
        wafer_seed: u64,
        hicann: HicannOnWafer,
        denmem: NeuronOnHicann,
        counters: &mut MismatchCounters,
    ) -> DenmemParameters {
        let mut rng = stream(wafer_seed, Purpose::Mismatch, hicann, denmem);
        let mut z = [0.0f64; 14];
        for draw in &mut z {
            *draw = StandardNormal.sample(&mut rng);
        }
        let mut positive = |spread: Spread, nominal: f64, z: f64| {
            let value = spread.apply(nominal, z);
            if value < MISMATCH_FLOOR * nominal {
                counters.floored += 1;
                MISMATCH_FLOOR * nominal
            } else {
                value
            }
        };
        let mut p = *nominal;
        let c = p.capacitor.farad();
        p.g_l_siemens = c / positive(self.tau_m, nominal.tau_m_s(), z[0]);
        let exc = SynapticInput::Excitatory as usize;
        let inh = SynapticInput::Inhibitory as usize;
        p.synaptic[exc].tau_s = positive(self.tau_syn_exc, p.synaptic[exc].tau_s, z[1]);
        p.synaptic[inh].tau_s = positive(self.tau_syn_inh, p.synaptic[inh].tau_s, z[2]);
        p.refractory_s = positive(self.refractory, p.refractory_s, z[3]);
        if let Some(e) = &mut p.exponential {
            e.slope_volt = positive(self.exp_slope, e.slope_volt, z[4]);
            e.v_exp_volt = self.v_exp.apply(e.v_exp_volt, z[5]);
        }
        if let Some(a) = &mut p.adaptation {
            a.a_siemens = positive(self.a, a.a_siemens, z[6]);
            a.b_ampere = positive(self.b, a.b_ampere, z[7]);
            a.tau_w_s = positive(self.tau_w, a.tau_w_s, z[8]);
        }
        p.e_l_volt = self.e_l.apply(p.e_l_volt, z[9]);
        p.v_t_volt = self.v_t.apply(p.v_t_volt, z[10]);
        p.v_reset_offset_volt = self.v_reset.apply(p.v_reset_offset_volt, z[11]);
        p.synaptic[exc].e_rev_volt = self.e_rev_exc.apply(p.synaptic[exc].e_rev_volt, z[12]);
        p.synaptic[inh].e_rev_volt = self.e_rev_inh.apply(p.synaptic[inh].e_rev_volt, z[13]);
        p
    }
}

/// Parameters that mismatch would have pushed below [`MISMATCH_FLOOR`] of nominal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MismatchCounters {
    pub floored: u64,
}

/// White current noise on the membrane, applied every `kick_interval`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MembraneNoise {
    /// sigma_I of the white current (A / sqrt(Hz)).
    pub current_ampere_per_sqrt_hz: f64,
    /// The grid of the kicks; much shorter than the membrane time constant.
    pub kick_interval: HwTime,
}

impl Default for MembraneNoise {
    /// sigma_I = 2 mV x sqrt(2 g_l C) for tau 2 us on a big capacitor (4.33e-12 A/sqrt(Hz)); kicks every
    /// 5 ns (1/400 of that tau).
    fn default() -> MembraneNoise {
        let c = Capacitor::Big.farad();
        let g_l = c / 2e-6;
        MembraneNoise {
            current_ampere_per_sqrt_hz: 2e-3 * (2.0 * g_l * c).sqrt(),
            kick_interval: HwTime::from_ns(5),
        }
    }
}

/// What a random stream is for, so that streams of different purposes never coincide.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    Mismatch = 1,
    MembraneNoise = 2,
}

/// The stream of `purpose` for one denmem of one HICANN on the wafer of `wafer_seed`: SplitMix64 applied
/// in a chain over the ids, so that neighbouring ids give unrelated seeds.
pub fn stream(
    wafer_seed: u64,
    purpose: Purpose,
    hicann: HicannOnWafer,
    denmem: NeuronOnHicann,
) -> Xoshiro256PlusPlus {
    let ids = [
        purpose as u64,
        hicann.to_enum() as u64,
        denmem.to_enum() as u64,
    ];
    let seed = ids.into_iter().fold(wafer_seed, |h, id| {
        SplitMix64::seed_from_u64(h ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15)).next_u64()
    });
    Xoshiro256PlusPlus::seed_from_u64(seed)
}
