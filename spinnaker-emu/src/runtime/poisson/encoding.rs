//! How a Poisson source's parameters reach the core and become per-tick quantities (spec §4.9, §4.11).
//!
//! Which regime a source falls in, and what its λ is to the last bit, is decided by two roundings: the host
//! writes times and rates as fixed point (Python's `DataType`, round half to even), and the core derives
//! per-tick values with truncating fixed-point arithmetic. Reproducing both is what makes a 10 Hz source at
//! 1 ms a *slow* source on the chip (λ = 327/2^15, just under the 0.01 cutoff's 328/2^15).

use super::PoissonError;

/// `round(x × 2^frac_bits)` with ties to even, as the host's fixed-point encoding does.
fn encode(x: f64, frac_bits: i32) -> f64 {
    (x * 2f64.powi(frac_bits)).round_ties_even()
}

/// A time or rate as the host writes it for 7.x: unsigned 32.32 (`unsigned long accum`).
pub(super) fn encode_u3232(x: f64) -> Option<u64> {
    (0.0..4_294_967_296.0)
        .contains(&x)
        .then(|| encode(x, 32) as u64)
}

/// The cutoff between slow and fast sources as the host writes it (s16.15): round(0.01 × 2^15) = 328.
pub(super) const SLOW_CUTOFF_S1615: i32 = 328;
/// The cutoff between fast and faster sources (s16.15): 10 × 2^15.
pub(super) const FAST_CUTOFF_S1615: i32 = 10 << 15;

/// The core's view of the timestep: `seconds_per_tick` (u0.32) and `ticks_per_ms` (u16.16) from the host,
/// and the ticks per second (u16.16) the core computes from the latter.
#[derive(Clone, Copy, Debug)]
pub(super) struct Timebase {
    seconds_per_tick: u32,
    ticks_per_ms: u32,
    ticks_per_second: u32,
}

impl Timebase {
    /// Rejects timesteps the core's formats cannot hold: a tick of a second or more (u0.32), or one so short
    /// that `1000 × ticks_per_ms` overflows the core's u16.16 ticks per second (below ≈0.0153 ms).
    pub(super) fn new(tick_ms: f64) -> Result<Self, PoissonError> {
        let bad = || PoissonError::InvalidTick(tick_ms);
        if !(tick_ms.is_finite() && tick_ms > 0.0 && tick_ms < 1000.0) {
            return Err(bad());
        }
        let seconds_per_tick = encode(tick_ms / 1000.0, 32);
        let ticks_per_ms = encode(1.0 / tick_ms, 16);
        let ticks_per_second = 1000.0 * ticks_per_ms;
        if seconds_per_tick >= 4_294_967_296.0 || ticks_per_second >= 4_294_967_296.0 {
            return Err(bad());
        }
        Ok(Self {
            seconds_per_tick: seconds_per_tick as u32,
            ticks_per_ms: ticks_per_ms as u32,
            ticks_per_second: ticks_per_second as u32,
        })
    }

    /// `ms_to_ticks`: `(uint32)(ms × ticks_per_ms + 0.5)` in unsigned 32.32, i.e. the tick nearest to `ms`,
    /// halves rounding up (the product itself truncates to 2^-32).
    pub(super) fn ms_to_ticks(&self, ms_u3232: u64) -> u32 {
        let product = (u128::from(ms_u3232) * u128::from(self.ticks_per_ms)) >> 16;
        ((product + (1 << 31)) >> 32) as u32
    }

    /// λ in s16.15 from the rate in u16.16 Hz: the u16.16 × u0.32 product shifted by 33 (32 for the
    /// fraction, one more for the sign bit), truncating.
    pub(super) fn rate_per_tick_s1615(&self, rate_u1616: u32) -> i32 {
        ((u64::from(rate_u1616) * u64::from(self.seconds_per_tick)) >> 33) as i32
    }

    /// The slow regime's mean inter-spike interval: whole ticks, `ticks_per_second / rate` truncated, 0 for
    /// a zero rate (such a source never spikes).
    pub(super) fn mean_isi_ticks(&self, rate_u1616: u32) -> u32 {
        self.ticks_per_second.checked_div(rate_u1616).unwrap_or(0)
    }
}

/// The rate as the core holds it: the host's u32.32 Hz truncated to u16.16 (`UREAL`). Rates of 65536 Hz
/// and above do not fit and are rejected.
pub(super) fn rate_u1616(rate_hz: f64) -> Option<u32> {
    encode_u3232(rate_hz).and_then(|bits| u32::try_from(bits >> 16).ok())
}

/// `(UFRACT) expk(-λ)`: e^-λ in s16.15 widened to u0.32, so it has 15 significant fraction bits. We assume
/// spinn_common's `expk` returns the nearest s16.15 value. At λ = 9 the quantisation alone moves the
/// effective rate to 9.011.
pub(super) fn exp_minus_lambda_u032(lambda_s1615: i32) -> u32 {
    let e = (-f64::from(lambda_s1615) / 32768.0).exp();
    ((e * 32768.0).round() as u32) << 17
}

/// `sqrtk(λ)` in s16.15, assumed correctly rounded.
pub(super) fn sqrt_s1615(lambda_s1615: i32) -> i32 {
    (f64::from(lambda_s1615) * 32768.0).sqrt().round() as i32
}

/// `(uint32_t) roundk(v, 15)`: spinn_common's `roundk` clears the 15 fraction bits rounding half up, so the
/// cast returns the nearest integer (halves up).
pub(super) fn round_s1615_to_integer(bits: i32) -> i32 {
    (bits >> 15) + ((bits >> 14) & 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_core_roundings() {
        let ms = Timebase::new(1.0).unwrap();
        assert_eq!(ms.seconds_per_tick, 4_294_967); // 0.001 × 2^32 = 4294967.296
        assert_eq!(ms.ticks_per_second, 1000 << 16);
        assert_eq!(ms.rate_per_tick_s1615(rate_u1616(10.0).unwrap()), 327);
        assert_eq!(ms.rate_per_tick_s1615(rate_u1616(500.0).unwrap()), 16_383);
        assert_eq!(ms.mean_isi_ticks(rate_u1616(3.0).unwrap()), 333);
        assert_eq!(ms.mean_isi_ticks(0), 0);
        assert_eq!(ms.ms_to_ticks(encode_u3232(2.5).unwrap()), 3);
        assert_eq!(ms.ms_to_ticks(encode_u3232(2.49).unwrap()), 2);
        let tenth = Timebase::new(0.1).unwrap();
        assert_eq!(tenth.ms_to_ticks(encode_u3232(1.0).unwrap()), 10);
        assert_eq!(tenth.ms_to_ticks(encode_u3232(0.55).unwrap()), 6);
        assert!(Timebase::new(0.01).is_err());
        assert!(Timebase::new(1000.0).is_err());
        assert_eq!(rate_u1616(65_536.0), None);
        assert_eq!(rate_u1616(-1.0), None);
    }

    #[test]
    fn derived_quantities() {
        assert_eq!(exp_minus_lambda_u032(9 << 15), 4 << 17); // e^-9 × 2^15 = 4.04
        assert_eq!(sqrt_s1615(16 << 15), 4 << 15);
        assert_eq!(round_s1615_to_integer((2 << 15) + (1 << 14)), 3);
        assert_eq!(round_s1615_to_integer((2 << 15) + (1 << 14) - 1), 2);
    }
}
