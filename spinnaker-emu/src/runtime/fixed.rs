//! The fixed-point number formats of the sPyNNaker runtime (spec §4.9), bit-exact to what the ARM968 computes.
//!
//! - [`Accum`]: GCC's `accum`, s16.15 in 32 bits. Every membrane voltage, current, conductance and parameter of
//!   the neuron models is one (`REAL`, `input_t`, `state_t`).
//! - [`U032`]: GCC's `unsigned long fract`, u0.32 (`decay_t`): the synaptic decay and init factors.
//! - [`decay_s1615`]: the one mixed product the runtime uses, an accum scaled by a u0.32 factor.
//!
//! Overflow: plain (non-`sat`) fixed-point types overflow *undefined* in ISO/IEC TR 18037, and GCC's ARM back end
//! compiles `accum + accum` to a plain `ADD` and `accum * accum` to `SMULL` plus shifts that keep the low 32 bits
//! of the shifted product. So additions, subtractions, negations and truncating products here wrap on overflow, as
//! the chip does. Only the round-to-nearest product saturates, because spinn_common's helper for it clamps.
//! The u16.16 `unsigned accum` of §4.9 is not needed by any model here, so it has no type.

use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign, Mul, Neg, Shr, Sub, SubAssign};

/// An s16.15 fixed-point number (GCC `accum`, spec §4.9): `value = bits / 2^15`, range ±65,536, LSB 2^−15.
///
/// Comparisons (`PartialOrd`/`Ord`) are on the raw bits, as `REAL_COMPARE` does (§4.9). Serde stores the raw
/// bits, so a saved state restores bit-exactly.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Accum(pub i32);

impl Accum {
    /// Number of fractional bits.
    pub const FRAC_BITS: u32 = 15;
    /// 0.0
    pub const ZERO: Accum = Accum(0);
    /// 1.0
    pub const ONE: Accum = Accum(1 << Self::FRAC_BITS);
    /// The most negative value, −65,536.
    pub const MIN: Accum = Accum(i32::MIN);
    /// The largest value, 65,536 − 2^−15.
    pub const MAX: Accum = Accum(i32::MAX);
    /// One least significant bit, 2^−15.
    pub const LSB: Accum = Accum(1);

    /// An integer as accum (a `REAL_CONST(n)` with integral `n`); wraps outside ±65,536.
    pub const fn from_int(n: i32) -> Accum {
        Accum(n.wrapping_shl(Self::FRAC_BITS))
    }

    /// The accum nearest to `x`, saturating at [`Accum::MIN`]/[`Accum::MAX`] (NaN gives zero).
    ///
    /// This is how the host encodes an s16.15 parameter; ties round away from zero (the host's exact tie rule
    /// only matters for values that are exact odd multiples of 2^−16).
    pub fn from_f64(x: f64) -> Accum {
        // `as` saturates and maps NaN to 0.
        Accum((x * f64::from(1u32 << Self::FRAC_BITS)).round() as i32)
    }

    /// The exact real value.
    pub fn to_f64(self) -> f64 {
        f64::from(self.0) / f64::from(1u32 << Self::FRAC_BITS)
    }

    /// The synaptic input a ring-buffer entry stands for (spec §4.8): the uint16 value shifted left by the
    /// synapse type's `shift` and reinterpreted as s16.15 bits, so the stored weight's LSB is 2^(shift−15).
    ///
    /// The runtime shifts in a signed 32-bit integer; a result past bit 31 is C undefined behaviour and the ARM
    /// simply drops the high bits, which is what this does too.
    ///
    /// # Panics
    /// If `shift >= 32` (the host never chooses one: the weight would be lost entirely).
    pub fn from_ring_buffer(value: u16, shift: u32) -> Accum {
        assert!(shift < 32, "ring-buffer shift {shift} out of range");
        Accum((u32::from(value) << shift) as i32)
    }

    /// Accum × accum rounded to nearest (ties towards +∞) and saturated: spinn_common's
    /// `__stdfix_smul_k_round_nearest`, used by the `MULT_ROUND_NEAREST_ACCUM` branch variant of §4.9.
    pub fn mul_round_nearest(self, rhs: Accum) -> Accum {
        let p = i64::from(self.0) * i64::from(rhs.0);
        // Add the highest dropped bit, as `__stdfix_round_s64` does.
        let r = (p >> Self::FRAC_BITS) + ((p >> (Self::FRAC_BITS - 1)) & 1);
        Accum(r.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
    }
}

/// Wrapping, as the ARM `ADD` GCC emits for a non-saturating `accum` addition.
impl Add for Accum {
    type Output = Accum;
    fn add(self, rhs: Accum) -> Accum {
        Accum(self.0.wrapping_add(rhs.0))
    }
}

/// Wrapping, as the ARM `SUB` GCC emits.
impl Sub for Accum {
    type Output = Accum;
    fn sub(self, rhs: Accum) -> Accum {
        Accum(self.0.wrapping_sub(rhs.0))
    }
}

/// Wrapping (−MIN is MIN), as the ARM `RSB` GCC emits.
impl Neg for Accum {
    type Output = Accum;
    fn neg(self) -> Accum {
        Accum(self.0.wrapping_neg())
    }
}

impl AddAssign for Accum {
    fn add_assign(&mut self, rhs: Accum) {
        *self = *self + rhs;
    }
}

impl SubAssign for Accum {
    fn sub_assign(&mut self, rhs: Accum) {
        *self = *self - rhs;
    }
}

/// Accum × accum as GCC compiles the C `*` (spec §4.9, the 7.1.1 default): the 64-bit product shifted right
/// arithmetically by 15 (so rounded towards −∞), keeping the low 32 bits.
impl Mul for Accum {
    type Output = Accum;
    fn mul(self, rhs: Accum) -> Accum {
        Accum(((i64::from(self.0) * i64::from(rhs.0)) >> Self::FRAC_BITS) as i32)
    }
}

/// Arithmetic shift of the bits: the C `accum >> n` (e.g. the conductance `value >> 10` of §4.10, and
/// `REAL_HALF(x) = x * 0.5k`, which truncates exactly like `x >> 1`).
impl Shr<u32> for Accum {
    type Output = Accum;
    fn shr(self, n: u32) -> Accum {
        Accum(self.0 >> n)
    }
}

/// Which accum × accum product the neuron models use (spec §4.9: implement both, default to truncation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rounding {
    /// GCC stdfix `*`, rounding towards −∞ and wrapping (sPyNNaker 7.1.1).
    #[default]
    Truncate,
    /// `MULT_ROUND_NEAREST_ACCUM`, round half up and saturating (an upstream branch variant).
    Nearest,
}

impl Rounding {
    /// `a × b` in this rounding mode.
    pub fn mul(self, a: Accum, b: Accum) -> Accum {
        match self {
            Rounding::Truncate => a * b,
            Rounding::Nearest => a.mul_round_nearest(b),
        }
    }
}

/// Accum arithmetic that notes when a result leaves the s16.15 range: the chip wraps it (or, for the rounding
/// product, saturates it) without a word; the emulator computes the same bits and counts the event, so a run whose
/// membrane jumped by 65,536 mV is not mistaken for a result (provenance `Fixed_point_wraps`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WrapCheck {
    /// Some operation since [`WrapCheck::default`] left the range.
    pub wrapped: bool,
}

impl WrapCheck {
    /// `a + b`, wrapping as [`Accum`]'s `+`.
    #[inline(always)]
    pub fn add(&mut self, a: Accum, b: Accum) -> Accum {
        let (r, o) = a.0.overflowing_add(b.0);
        self.wrapped |= o;
        Accum(r)
    }

    /// `a − b`, wrapping as [`Accum`]'s `−`.
    #[inline(always)]
    pub fn sub(&mut self, a: Accum, b: Accum) -> Accum {
        let (r, o) = a.0.overflowing_sub(b.0);
        self.wrapped |= o;
        Accum(r)
    }

    /// `a × b` in `rounding`'s product, noting a wrapped (truncating) or saturated (nearest) result.
    #[inline(always)]
    pub fn mul(&mut self, rounding: Rounding, a: Accum, b: Accum) -> Accum {
        let p = i64::from(a.0) * i64::from(b.0);
        let exact = match rounding {
            Rounding::Truncate => p >> Accum::FRAC_BITS,
            Rounding::Nearest => (p >> Accum::FRAC_BITS) + ((p >> (Accum::FRAC_BITS - 1)) & 1),
        };
        let r = rounding.mul(a, b);
        self.wrapped |= i64::from(r.0) != exact;
        r
    }
}

/// A u0.32 fraction (GCC `unsigned long fract`, `decay_t`, spec §4.9): `value = bits / 2^32`, in [0, 1).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct U032(pub u32);

impl U032 {
    /// The u0.32 nearest to `x`, saturating to [0, 1 − 2^−32] (so 1.0 becomes the largest fraction).
    pub fn from_f64(x: f64) -> U032 {
        U032((x * 4_294_967_296.0).round() as u32)
    }

    /// The exact real value.
    pub fn to_f64(self) -> f64 {
        f64::from(self.0) / 4_294_967_296.0
    }
}

/// `x × d` for an s16.15 `x` and a u0.32 `d` (spec §4.9 `decay_s1615`): the 64-bit product of the bits shifted
/// right by 32, so rounded towards −∞. Since `d < 1` the result never overflows and `|result| ≤ |x|`.
pub fn decay_s1615(x: Accum, d: U032) -> Accum {
    Accum(((i64::from(x.0) * i64::from(d.0)) >> 32) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LSB: f64 = 1.0 / 32768.0;

    #[test]
    fn wrap_check_computes_the_chip_bits_and_flags_leaving_the_range() {
        let mut w = WrapCheck::default();
        assert_eq!(w.add(Accum::ONE, Accum::ONE), Accum::from_int(2));
        assert_eq!(
            w.mul(
                Rounding::Truncate,
                Accum::from_int(100),
                Accum::from_int(20)
            ),
            Accum::from_int(2000)
        );
        assert!(!w.wrapped);
        let big = Accum::from_int(4000);
        assert_eq!(
            w.mul(Rounding::Truncate, big, Accum::from_int(20)),
            big * Accum::from_int(20)
        );
        assert!(w.wrapped, "80,000 mV wraps");
        let mut w = WrapCheck::default();
        assert_eq!(w.sub(Accum::MIN, Accum::LSB), Accum::MAX);
        assert!(w.wrapped);
        let mut w = WrapCheck::default();
        assert_eq!(
            w.mul(Rounding::Nearest, big, Accum::from_int(20)),
            Accum::MAX
        );
        assert!(w.wrapped, "the rounding product saturates");
    }

    #[test]
    fn constants_and_conversions_are_exact() {
        assert_eq!(Accum::ONE, Accum(32768));
        assert_eq!(Accum::from_int(-65), Accum(-2_129_920));
        assert_eq!(Accum::from_f64(-65.0), Accum::from_int(-65));
        assert_eq!(Accum::from_f64(0.1), Accum(3277)); // 3276.8 rounds up
        assert_eq!(Accum::from_f64(-0.1), Accum(-3277));
        assert_eq!(Accum::from_f64(0.040008544921875), Accum(1311));
        assert_eq!(Accum::from_f64(1e9), Accum::MAX);
        assert_eq!(Accum::from_f64(-1e9), Accum::MIN);
        assert_eq!(Accum::from_f64(f64::NAN), Accum::ZERO);
        assert_eq!(Accum(-98_304).to_f64(), -3.0);
        assert_eq!(U032::from_f64(0.5), U032(1 << 31));
        assert_eq!(U032::from_f64(1.0), U032(u32::MAX));
        assert_eq!(U032::from_f64(-0.5), U032(0));
        // exp(-0.2) = 0.818730753077981..., × 2^32 = 3516421808.699...
        assert_eq!(U032::from_f64((-0.2f64).exp()), U032(3_516_421_809));
    }

    #[test]
    fn add_sub_neg_wrap_like_the_arm() {
        assert_eq!(Accum(5) + Accum(-7), Accum(-2));
        assert_eq!(Accum::MAX + Accum::LSB, Accum::MIN);
        assert_eq!(Accum::MIN - Accum::LSB, Accum::MAX);
        assert_eq!(-Accum::MIN, Accum::MIN);
        let mut a = Accum::ONE;
        a += Accum::ONE;
        a -= Accum(1);
        assert_eq!(a, Accum(65535));
    }

    #[test]
    fn truncating_product_rounds_towards_minus_infinity() {
        assert_eq!(Accum::ONE * Accum::ONE, Accum::ONE);
        assert_eq!(
            Accum::from_f64(1.5) * Accum::from_f64(2.5),
            Accum::from_f64(3.75)
        );
        assert_eq!(Accum(1) * Accum(1), Accum(0));
        assert_eq!(Accum(-1) * Accum(1), Accum(-1));
        assert_eq!(Accum(3) * Accum(1 << 14), Accum(1)); // 1.5 LSB -> 1
        assert_eq!(Accum(-3) * Accum(1 << 14), Accum(-2)); // -1.5 LSB -> -2
        // 1 nA × 20 MΩ: the LIF alpha term.
        assert_eq!(Accum::ONE * Accum::from_int(20), Accum::from_int(20));
        // Overflow keeps the low 32 bits: 256 × 256 = 65536 = 2^31 bits wraps to MIN.
        assert_eq!(Accum::from_int(256) * Accum::from_int(256), Accum::MIN);
    }

    #[test]
    fn nearest_product_rounds_half_up_and_saturates() {
        assert_eq!(Accum(1).mul_round_nearest(Accum(1 << 14)), Accum(1)); // 0.5 LSB -> 1
        assert_eq!(Accum(-1).mul_round_nearest(Accum(1 << 14)), Accum(0)); // -0.5 LSB -> 0
        assert_eq!(Accum(3).mul_round_nearest(Accum(1 << 14)), Accum(2)); // 1.5 -> 2
        assert_eq!(Accum(-3).mul_round_nearest(Accum(1 << 14)), Accum(-1)); // -1.5 -> -1
        assert_eq!(Accum(-1).mul_round_nearest(Accum(1)), Accum(0));
        assert_eq!(
            Accum::from_int(256).mul_round_nearest(Accum::from_int(256)),
            Accum::MAX
        );
        assert_eq!(Accum::MIN.mul_round_nearest(Accum::MIN), Accum::MAX);
        assert_eq!(Accum::MIN.mul_round_nearest(Accum::MAX), Accum::MIN);
        assert_eq!(Rounding::Nearest.mul(Accum(3), Accum(1 << 14)), Accum(2));
        assert_eq!(Rounding::Truncate.mul(Accum(3), Accum(1 << 14)), Accum(1));
        assert_eq!(Rounding::default(), Rounding::Truncate);
    }

    #[test]
    fn shift_right_is_arithmetic() {
        assert_eq!(Accum::from_int(1024) >> 10, Accum::ONE);
        assert_eq!(Accum(-1) >> 10, Accum(-1));
        assert_eq!(Accum(-2048) >> 10, Accum(-2));
    }

    #[test]
    fn decay_of_hand_computed_cases() {
        let half = U032(1 << 31);
        assert_eq!(decay_s1615(Accum::ONE, half), Accum(16384));
        assert_eq!(decay_s1615(Accum(1), half), Accum(0));
        assert_eq!(decay_s1615(Accum(-1), half), Accum(-1));
        assert_eq!(decay_s1615(Accum(-3), half), Accum(-2));
        assert_eq!(decay_s1615(Accum::MIN, U032(u32::MAX)), Accum::MIN);
        assert_eq!(decay_s1615(Accum::MAX, U032(u32::MAX)), Accum(i32::MAX - 1));
        assert_eq!(decay_s1615(Accum::from_int(7), U032(0)), Accum::ZERO);
    }

    #[test]
    fn ring_buffer_values_become_accum_bits() {
        // w = 0.5 nA with shift 4 is stored as 0.5 × 2^(15-4) = 1024 (spec §4.8).
        assert_eq!(Accum::from_ring_buffer(1024, 4), Accum::from_f64(0.5));
        assert_eq!(Accum::from_ring_buffer(0xFFFF, 0), Accum(0xFFFF));
        assert_eq!(Accum::from_ring_buffer(1, 15), Accum::ONE);
        assert_eq!(Accum::from_ring_buffer(0x8000, 16), Accum::MIN);
    }

    fn product_fits(a: i32, b: i32) -> bool {
        let p = (i64::from(a) * i64::from(b)) >> 15;
        i32::try_from(p).is_ok() && i32::try_from(p + 1).is_ok()
    }

    /// Pairs of every magnitude whose product fits s16.15 (shifting spreads the magnitudes evenly).
    fn fitting_pair() -> impl Strategy<Value = (i32, i32)> {
        (any::<i32>(), any::<i32>(), 0u32..32, 0u32..32)
            .prop_map(|(a, b, sa, sb)| (a >> sa, b >> sb))
            .prop_filter("product overflows", |(a, b)| product_fits(*a, *b))
    }

    proptest! {
        #[test]
        fn truncating_product_is_within_one_lsb_below((a, b) in fitting_pair()) {
            let exact = Accum(a).to_f64() * Accum(b).to_f64();
            let got = (Accum(a) * Accum(b)).to_f64();
            prop_assert!(got <= exact && exact - got < LSB, "{a} * {b}: {got} vs {exact}");
        }

        #[test]
        fn nearest_product_is_within_half_an_lsb((a, b) in fitting_pair()) {
            let exact = Accum(a).to_f64() * Accum(b).to_f64();
            let got = Accum(a).mul_round_nearest(Accum(b)).to_f64();
            prop_assert!((got - exact).abs() <= LSB / 2.0, "{a} * {b}: {got} vs {exact}");
        }

        #[test]
        fn decay_is_monotone_in_x_and_shrinks(x1: i32, x2: i32, d: u32) {
            let (lo, hi) = (Accum(x1.min(x2)), Accum(x1.max(x2)));
            prop_assert!(decay_s1615(lo, U032(d)) <= decay_s1615(hi, U032(d)));
            for x in [lo, hi] {
                let y = decay_s1615(x, U032(d));
                prop_assert!(i64::from(y.0).abs() <= i64::from(x.0).abs());
                let exact = x.to_f64() * U032(d).to_f64();
                prop_assert!(y.to_f64() <= exact && exact - y.to_f64() < LSB);
            }
        }

        #[test]
        fn decay_is_monotone_in_the_factor(x: i32, d1: u32, d2: u32) {
            let (lo, hi) = (U032(d1.min(d2)), U032(d1.max(d2)));
            let (a, b) = (decay_s1615(Accum(x), lo), decay_s1615(Accum(x), hi));
            if x >= 0 { prop_assert!(a <= b) } else { prop_assert!(a >= b) }
        }

        #[test]
        fn from_f64_round_trips_within_half_an_lsb(x in -65_000.0f64..65_000.0) {
            prop_assert!((Accum::from_f64(x).to_f64() - x).abs() <= LSB / 2.0);
            let f = x.abs() / 65_000.0;
            prop_assert!((U032::from_f64(f).to_f64() - f).abs() <= 0.5 / 4_294_967_296.0);
        }
    }
}
