//! The 16-bit fixed point of sPyNNaker's STDP code and its exponential-decay lookup tables (upstream
//! `plasticity/stdp/stdp_typedefs.h`, `maths.h`; the host's `get_exp_lut_array`).
//!
//! Traces and decay factors are s4.11 numbers in an `int16_t` (`STDP_FIXED_POINT 11`, 1.0 = 2048). A decay
//! `exp(−Δt/τ)` is not computed on the chip: the host writes a table of `floor(exp(−i·dt/τ) × 2048)` for
//! i = 0, 1, …, long enough to reach zero, and a lookup past the end gives 0.

use serde::{Deserialize, Serialize};

use crate::runtime::fixed::Accum;

/// Fractional bits of STDP traces and decays (`STDP_FIXED_POINT`).
pub const STDP_FIXED_POINT: u32 = 11;

/// 1.0 in the STDP fixed point (`STDP_FIXED_POINT_ONE`): what one spike adds to a trace.
pub const STDP_FIXED_POINT_ONE: i32 = 1 << STDP_FIXED_POINT;

/// Most entries a table may have: its length is a `uint16_t` in the table header (`int16_lut`).
pub const MAX_LUT_ENTRIES: usize = u16::MAX as usize;

/// `STDP_FIXED_MUL_16X16(a, b)`: the ARM `SMULBB` of the low signed 16 bits of each operand, shifted right
/// arithmetically by 11 (so rounded towards −∞).
pub fn mul_16x16(a: i32, b: i32) -> i32 {
    (i32::from(a as i16) * i32::from(b as i16)) >> STDP_FIXED_POINT
}

/// `mul_accum_fixed(a, x)`: an accum times an STDP fixed-point value, done as an accum product after moving
/// `x` to s16.15 with `<< 4` (`S1615_TO_STDP_RIGHT_SHIFT`).
pub fn mul_accum_fixed(a: Accum, stdp_fixed: i32) -> Accum {
    a * Accum(stdp_fixed.wrapping_shl(Accum::FRAC_BITS - STDP_FIXED_POINT))
}

/// An exponential-decay lookup table (`int16_lut`): entry i is `exp(−(i << shift)·dt/τ)` in s4.11.
///
/// The pair rule uses shift 0 (one entry per time step). Serde stores the entries as the host wrote them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpDecayLut {
    shift: u16,
    values: Vec<i16>,
}

impl ExpDecayLut {
    /// The table sPyNNaker's host writes for time constant `tau_ms` at time step `timestep_ms`
    /// (`get_exp_lut_array(time_step, tau, shift=0)`): λ = dt/τ, `ln(2048)/λ` entries rounded up to an even
    /// count, entry i = `floor(exp(−i·λ) × 2048)`.
    ///
    /// `None` unless both times are positive and finite and the table fits its 16-bit length.
    pub fn new(timestep_ms: f64, tau_ms: f64) -> Option<ExpDecayLut> {
        if !(timestep_ms > 0.0 && tau_ms > 0.0 && timestep_ms.is_finite() && tau_ms.is_finite()) {
            return None;
        }
        let lambda = timestep_ms / tau_ms;
        let reach = f64::from(STDP_FIXED_POINT_ONE).ln() / lambda;
        // Python's `divmod(reach, 2)`, then one more pair for any remainder.
        let pairs = (reach / 2.0).floor();
        let size = 2.0 * (pairs + f64::from(u8::from(reach - 2.0 * pairs > 0.0)));
        if size > MAX_LUT_ENTRIES as f64 {
            return None;
        }
        let values = (0..size as usize)
            .map(|i| {
                ((-(i as f64) * lambda).exp() * f64::from(STDP_FIXED_POINT_ONE)).floor() as i16
            })
            .collect();
        Some(ExpDecayLut { shift: 0, values })
    }

    /// A table with given entries, e.g. read back from a host's data specification.
    pub fn from_values(shift: u16, values: Vec<i16>) -> ExpDecayLut {
        ExpDecayLut { shift, values }
    }

    /// The entries.
    pub fn values(&self) -> &[i16] {
        &self.values
    }

    /// `maths_lut_exponential_decay`: the decay over `time` steps, 0 past the end of the table.
    pub fn decay(&self, time: u32) -> i32 {
        let index = (u64::from(time) >> self.shift.min(63)) as usize;
        self.values.get(index).map_or(0, |&v| i32::from(v))
    }
}
