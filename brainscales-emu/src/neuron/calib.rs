//! calibtic's default transformations: a denmem parameter in hardware units (volts, seconds, siemens,
//! amperes) to the 10-bit floating-gate DAC value that sets it, and back to the value that DAC realises.
//!
//! These are what marocco uses when no per-chip calibration exists (`CalibBackend.Default`, spec §2.4
//! table, §5.1), taken from calibtic `NeuronCalibration::populateWithDefault` and its data files
//! (`calibtic/data/HMF/*.dat`, repository `electronicvisions/calibtic`): the figures, not the code.
//! One table ([`trafo`]) gives every calibrated parameter's form, coefficients and domain:
//!
//! | Parameter | Quantity | Form (DAC as a function of x) | Domain |
//! |---|---|---|---|
//! | E_l, V_t, V_exp, E_syni | voltage | ideal: 1023 / 1.8 V x | 0..1.8 V |
//! | E_synx | voltage | 614 x - 16 | 0..1.4 V (saturation, see below) |
//! | I_gl | tau_m | sum c_k x^-k, c = the 1e4 big-capacitor fit x divisor / 3 x (1/5)^k for the small capacitor | per speed-up and capacitor |
//! | I_pl | tau_ref | lookup, DAC 10..1022 | 14.7 ns..1.73 us |
//! | V_syntcx, V_syntci | tau_syn | lookup, DAC 226..1022 (one table, calibtic's two files are identical) | 0.130..1.51 us |
//! | I_rexp | delta_T | -38.5688 + 2.71646e4 x + 3.7804e6 x^2 | 1.21..13.5 mV |
//! | I_gladapt | a | -0.2701 + 1.06392e8 x + 2.01736e13 x^2 | 2.537 nS..4.958 uS |
//! | I_radapt | tau_w | 1 / (-1.222e-3 + 782.014 x + 1.07527e7 x^2) | 2.93..35.4 us |
//! | I_fire | b | 22.4037 + 1.8414e10 x - 5.7288e16 x^2 | 0.0324..69.26 nA |
//!
//! Forward ([`Trafo::to_dac`]): the value is clipped into the domain (counted by the caller), the form
//! evaluated and rounded, and a DAC outside 0..=1023 clipped (counted). Inverse ([`Trafo::from_dac`]): the
//! value in the domain whose form gives that DAC (bisection; forms are monotone on their domains), or the
//! nearer domain end when the DAC lies beyond the form's range, so that `from_dac(to_dac(x))` is a fixed
//! point: realising a realised value changes nothing.
//!
//! Choices where calibtic leaves room, each named:
//! - Lookups: calibtic returns the last table entry >= the value (`std::lower_bound`), one DAC step towards
//!   the longer time at most; we take the nearest entry, which gives the spec's worked example (§6.4a:
//!   0.2 us -> I_pl 66, 0.5 us -> V_syntcx 321, where calibtic's rule gives 65 and 320) and a round trip
//!   within half a step.
//! - E_synx: calibtic's domain is 0..1.8 V with a warning above 1.4 V, where measurements saturate
//!   (spec §1.4); the circuit model clips at 1.4 V, so the domain here ends there.
//! - I_gl follows calibtic per speed-up and capacitor: the 1e4 big-capacitor coefficients times the mirror
//!   divisor ratio ([`leak_divisor`] / 3), and for the small capacitor each c_k times (1/5)^k (its measured
//!   tau_m ratio 5), with calibtic's explicit domains ([`I_GL_DOMAINS`]).
//! - I_gladapt and I_radapt: calibtic uses the 1e4 trafo at every setting (its FIXME #2298, spec §2.4).
//!   Their mirrors have the same slow/fast bits as the leak (spec §1.4), so, as [`params`](super::params)
//!   documents, a is taken x divisor/3 and tau_w / (divisor/3) into the 1e4 trafo: the reachable range of a
//!   shrinks and that of tau_w grows with the divisor.
//! - a and b of 0 switch the term off: DAC 0 realises 0 (calibtic's `disableSubThresholdAdaptation` /
//!   `disableSpikeTriggeredAdaptation` and its reverse transformation).

use super::fg::{FG_DAC_MAX, FG_FULL_SCALE_VOLT, NeuronParameter};
use super::params::{Capacitor, leak_divisor};
use crate::time::SpeedUp;

/// calibtic `i_pl_lookup.dat`: tau_ref in seconds for DAC 10, 11, ..., 1022.
const I_PL_LOOKUP: [f64; 1013] = include!("calib/i_pl_lookup.in");
/// calibtic `v_syntcx_lookup.dat` (identical to `v_syntci_lookup.dat`): tau_syn in seconds for DAC 226..=1022.
const V_SYNTC_LOOKUP: [f64; 797] = include!("calib/v_syntcx_lookup.in");
/// DAC value of each lookup's first entry (calibtic `Lookup::create`'s second argument).
const I_PL_OFFSET: u16 = 10;
const V_SYNTC_OFFSET: u16 = 226;

/// calibtic `i_gl_slow0_fast0_bigcap1_fit_parameters.dat`: DAC = sum c_k tau^-k at 1e4, big capacitor.
const I_GL_FIT: [f64; 5] = [
    0.0,
    3.88526104127e-05,
    4.59779147464e-10,
    -5.59735172633e-16,
    2.49921049455e-22,
];
/// calibtic's tau_m domains (seconds) per speed-up and capacitor.
pub const I_GL_DOMAINS: [(SpeedUp, Capacitor, (f64, f64)); 6] = [
    (SpeedUp::Slow, Capacitor::Big, (1.50e-6, 2.00e-4)),
    (SpeedUp::Normal, Capacitor::Big, (5.41e-7, 4.82e-5)),
    (SpeedUp::Fast, Capacitor::Big, (4.23e-7, 2.01e-5)),
    (SpeedUp::Slow, Capacitor::Small, (3.00e-7, 7.22e-5)),
    (SpeedUp::Normal, Capacitor::Small, (1.083e-7, 9.63e-6)),
    (SpeedUp::Fast, Capacitor::Small, (1.00e-7, 4.02e-6)),
];
/// calibtic's measured big-to-small capacitor tau_m ratio (`big_to_smallcap_tau_m_factor` = 1/5).
const SMALL_CAP_TAU_FACTOR: f64 = 0.2;
/// E_synx's usable top: measurements saturate above it (spec §1.4, calibtic's warning).
pub const E_SYNX_SATURATION_VOLT: f64 = 1.4;

/// The shape of a transformation, x in the form's own units (see the module table).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Form {
    /// DAC = sum c_k x^k.
    Polynomial([f64; 3]),
    /// DAC = sum c_k x^-k.
    NegativePowers([f64; 5]),
    /// DAC = 1 / sum c_k x^k.
    OneOverPolynomial([f64; 3]),
    /// DAC = offset + index of the nearest entry (entries fall with the DAC).
    Lookup { table: &'static [f64], offset: u16 },
}

impl Form {
    fn eval(&self, x: f64) -> f64 {
        let poly = |c: &[f64], x: f64| c.iter().rev().fold(0.0, |acc, &c| acc * x + c);
        match self {
            Form::Polynomial(c) => poly(c, x),
            Form::NegativePowers(c) => poly(c, 1.0 / x),
            Form::OneOverPolynomial(c) => 1.0 / poly(c, x),
            Form::Lookup { .. } => unreachable!("lookups are not evaluated"),
        }
    }
}

/// One parameter's transformation at one speed-up and capacitor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trafo {
    form: Form,
    /// The form's domain, in its own units.
    domain: (f64, f64),
    /// The parameter value is multiplied by this before the form (the adaptation mirrors' divisor ratio).
    input_scale: f64,
    /// A value of exactly 0 means "switched off": DAC 0, and DAC 0 realises 0.
    zero_is_off: bool,
}

/// What [`Trafo::to_dac`] did to a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversion {
    pub dac: u16,
    /// The value lay outside the domain (or was NaN) and was clipped into it.
    pub outside_domain: bool,
    /// The rounded form lay outside 0..=1023 and was clipped.
    pub dac_clipped: bool,
}

impl Trafo {
    const fn new(form: Form, domain: (f64, f64)) -> Trafo {
        Trafo {
            form,
            domain,
            input_scale: 1.0,
            zero_is_off: false,
        }
    }

    /// The parameter values the transformation accepts, (lowest, highest), in parameter units.
    pub const fn domain(&self) -> (f64, f64) {
        let (a, b) = (
            self.domain.0 / self.input_scale,
            self.domain.1 / self.input_scale,
        );
        if a <= b { (a, b) } else { (b, a) }
    }

    /// The DAC value for `value`, clipping it into the domain and the DAC into 0..=1023.
    pub fn to_dac(&self, value: f64) -> Conversion {
        if self.zero_is_off && value == 0.0 {
            return Conversion {
                dac: 0,
                outside_domain: false,
                dac_clipped: false,
            };
        }
        let (lo, hi) = self.domain;
        let x = value * self.input_scale;
        let outside_domain = !(lo..=hi).contains(&x);
        let x = if x.is_nan() { lo } else { x.clamp(lo, hi) };
        let exact = match self.form {
            Form::Lookup { table, offset } => f64::from(offset) + nearest_falling(table, x) as f64,
            form => form.eval(x).round(),
        };
        let dac_clipped = !(0.0..=f64::from(FG_DAC_MAX)).contains(&exact);
        Conversion {
            dac: exact.clamp(0.0, f64::from(FG_DAC_MAX)) as u16,
            outside_domain,
            dac_clipped,
        }
    }

    /// The parameter value `dac` realises.
    pub fn from_dac(&self, dac: u16) -> f64 {
        if self.zero_is_off && dac == 0 {
            return 0.0;
        }
        let x = match self.form {
            Form::Lookup { table, offset } => {
                let i = usize::from(dac.saturating_sub(offset)).min(table.len() - 1);
                table[i]
            }
            form => solve(form, self.domain, f64::from(dac)),
        };
        x / self.input_scale
    }

    /// The value the DAC nearest to `value` realises, and what converting it did.
    pub fn realise(&self, value: f64) -> (f64, Conversion) {
        let c = self.to_dac(value);
        (self.from_dac(c.dac), c)
    }
}

/// Index of the entry of a falling `table` nearest to `x` (the lowest index among equal entries).
fn nearest_falling(table: &[f64], x: f64) -> usize {
    let above = table.partition_point(|&t| t > x);
    let candidates = [above.checked_sub(1), (above < table.len()).then_some(above)];
    candidates
        .into_iter()
        .flatten()
        .min_by(|&a, &b| (table[a] - x).abs().total_cmp(&(table[b] - x).abs()))
        .map(|i| table.partition_point(|&t| t > table[i]))
        .unwrap_or(0)
}

/// The x in `domain` with `form(x) = target`, or the domain end whose form is nearer `target`.
fn solve(form: Form, (lo, hi): (f64, f64), target: f64) -> f64 {
    let (f_lo, f_hi) = (form.eval(lo), form.eval(hi));
    let rising = f_hi > f_lo;
    if (target - f_lo) * (target - f_hi) > 0.0 {
        return if (target - f_lo).abs() < (target - f_hi).abs() {
            lo
        } else {
            hi
        };
    }
    let (mut a, mut b) = (lo, hi);
    loop {
        let mid = 0.5 * (a + b);
        if mid <= a || mid >= b {
            return mid;
        }
        if (form.eval(mid) < target) == rising {
            a = mid;
        } else {
            b = mid;
        }
    }
}

/// The I_gl trafo's domain at `speed_up` for `capacitor`.
pub const fn tau_m_domain(speed_up: SpeedUp, capacitor: Capacitor) -> (f64, f64) {
    let mut i = 0;
    while i < I_GL_DOMAINS.len() {
        let (s, c, d) = I_GL_DOMAINS[i];
        if s as u8 == speed_up as u8 && c as u8 == capacitor as u8 {
            return d;
        }
        i += 1;
    }
    panic!("I_GL_DOMAINS covers every speed-up and capacitor")
}

/// I_gl's negative-power coefficients at `speed_up` for `capacitor` (calibtic's scaling, module docs).
const fn i_gl_coefficients(speed_up: SpeedUp, capacitor: Capacitor) -> [f64; 5] {
    let divisor_ratio = leak_divisor(speed_up) / leak_divisor(SpeedUp::Normal);
    let tau_factor = match capacitor {
        Capacitor::Big => 1.0,
        Capacitor::Small => SMALL_CAP_TAU_FACTOR,
    };
    let mut c = I_GL_FIT;
    let mut power = 1.0;
    let mut k = 0;
    while k < c.len() {
        c[k] *= divisor_ratio * power;
        power *= tau_factor;
        k += 1;
    }
    c
}

/// The transformation of every FG voltage without a calibration of its own (E_l, V_t, V_exp, E_syni and
/// the shared V_reset): DAC = V x 1023 / 1.8 V.
pub const IDEAL_VOLTAGE: Trafo = Trafo::new(
    Form::Polynomial([0.0, FG_DAC_MAX as f64 / FG_FULL_SCALE_VOLT, 0.0]),
    (0.0, FG_FULL_SCALE_VOLT),
);

/// calibtic's default transformation of `parameter` at `speed_up` for a denmem with `capacitor`, or `None`
/// for the technical biases calibtic sets to constants ([`technical_bias`]).
pub const fn trafo(
    parameter: NeuronParameter,
    speed_up: SpeedUp,
    capacitor: Capacitor,
) -> Option<Trafo> {
    use NeuronParameter::*;
    let mirror_ratio = leak_divisor(speed_up) / leak_divisor(SpeedUp::Normal);
    Some(match parameter {
        E_l | V_t | V_exp | E_syni => IDEAL_VOLTAGE,
        E_synx => Trafo::new(
            Form::Polynomial([-16.0, 614.0, 0.0]),
            (0.0, E_SYNX_SATURATION_VOLT),
        ),
        I_gl => Trafo::new(
            Form::NegativePowers(i_gl_coefficients(speed_up, capacitor)),
            tau_m_domain(speed_up, capacitor),
        ),
        I_pl => Trafo::new(
            Form::Lookup {
                table: &I_PL_LOOKUP,
                offset: I_PL_OFFSET,
            },
            (I_PL_LOOKUP[I_PL_LOOKUP.len() - 1], I_PL_LOOKUP[0]),
        ),
        V_syntcx | V_syntci => Trafo::new(
            Form::Lookup {
                table: &V_SYNTC_LOOKUP,
                offset: V_SYNTC_OFFSET,
            },
            (V_SYNTC_LOOKUP[V_SYNTC_LOOKUP.len() - 1], V_SYNTC_LOOKUP[0]),
        ),
        I_rexp => Trafo::new(
            Form::Polynomial([-38.5688, 27.1646e3, 3.7804e6]),
            (1.21e-3, 13.5e-3),
        ),
        I_gladapt => Trafo {
            input_scale: mirror_ratio,
            zero_is_off: true,
            ..Trafo::new(
                Form::Polynomial([-0.2701, 0.106392e9, 2.01736e13]),
                (2.537e-9, 4958e-9),
            )
        },
        I_radapt => Trafo {
            input_scale: 1.0 / mirror_ratio,
            ..Trafo::new(
                Form::OneOverPolynomial([-1.222e-3, 7.82014e2, 1.07527e7]),
                (2.93e-6, 35.4e-6),
            )
        },
        I_fire => Trafo {
            zero_is_off: true,
            ..Trafo::new(
                Form::Polynomial([22.4037, 18.414e9, -0.057288e18]),
                (0.0324e-9, 69.26e-9),
            )
        },
        I_bexp | I_convi | I_convx | I_intbbi | I_intbbx | I_spikeamp | V_syni | V_synx
        | V_convoffi | V_convoffx => return None,
    })
}

/// The constant DAC calibtic writes for a technical bias ("dark marco magic a.k.a. biases"), or `None` for
/// a calibrated parameter.
pub const fn technical_bias(parameter: NeuronParameter) -> Option<u16> {
    use NeuronParameter::*;
    match parameter {
        I_convi | I_convx | I_spikeamp | I_bexp | V_convoffi | V_convoffx => Some(1023),
        I_intbbi | I_intbbx | V_syni | V_synx => Some(511),
        _ => None,
    }
}

#[cfg(test)]
#[path = "calib_tests.rs"]
mod tests;
