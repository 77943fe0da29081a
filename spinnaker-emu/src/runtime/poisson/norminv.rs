//! The inverse normal CDF the faster Poisson regime draws its Gaussian from (spec §4.11).
//!
//! On the chip, spinn_common's `norminv_urt(U)` keeps only the top 16 bits of the uniform `U`, read as a
//! signed `s` in `-32768..=32767` that stands for the probability `p = 0.5 + s/65536`, and returns
//! `Φ⁻¹(p)` in s16.15; `p = 0` (`s = -32768`) is clamped to -7.0. So the Gaussian is a 65536-point
//! quantile grid, left end of each bin, odd in `s` apart from the clamped point. The chip evaluates the grid
//! in fixed point: a 33-entry table for the outermost bins (which are the correctly rounded quantiles) and
//! piecewise polynomials with truncating shifts elsewhere. We evaluate the same grid with Acklam's rational
//! approximation in `f64` (relative error below 1.2e-9) and round to s16.15; that is the correctly rounded
//! quantile for all but a handful of the 65536 inputs, and may differ from the chip's polynomials in the
//! last bit or two. A spike count changes only when `x²` then lands within that error of a rounding boundary.

/// `-Φ⁻¹(0)` as the chip clamps it: 7.0 in s16.15.
const CLAMP_S1615: i32 = 7 << 15;

/// `Φ⁻¹(0.5 + s/65536)` in s16.15 for the top half-word `s` of a uniform draw (`(u as i32) >> 16`).
pub(super) fn norminv_s1615(s: i32) -> i32 {
    debug_assert!((-32768..=32767).contains(&s));
    if s == -32768 {
        return -CLAMP_S1615;
    }
    let p = 0.5 + f64::from(s) / 65536.0;
    (inverse_normal_cdf(p) * 32768.0).round() as i32
}

/// Acklam's approximation to the standard normal quantile for `p` in `(0, 1)`: a rational function of
/// `p - 0.5` in the centre and of `sqrt(-2 ln p)` in the tails. The upper tail is computed from `1 - p`, so
/// the result is exactly odd about 0.5 whenever `1 - p` is exact (it is on the 2^-16 grid).
fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const P_LOW: f64 = 0.024_25;

    if p < P_LOW {
        lower_tail(p)
    } else if p > 1.0 - P_LOW {
        -lower_tail(1.0 - p)
    } else {
        let q = p - 0.5;
        let r = q * q;
        let num = A.iter().fold(0.0, |acc, &a| acc * r + a);
        let den = B.iter().fold(0.0, |acc, &b| acc * r + b) * r + 1.0;
        num * q / den
    }
}

/// Acklam's lower-tail branch, for `p` below 0.02425.
fn lower_tail(p: f64) -> f64 {
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let q = (-2.0 * p.ln()).sqrt();
    let num = C.iter().fold(0.0, |acc, &c| acc * q + c);
    let den = D.iter().fold(0.0, |acc, &d| acc * q + d) * q + 1.0;
    num / den
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `-Φ⁻¹(k/65536)` for k = 1..=8 to many digits, as listed beside spinn_common's `normal.c` tail table.
    const TAIL: [f64; 8] = [
        4.169_569_323_815,
        4.008_772_593_071,
        3.911_952_991_916,
        3.841_930_682_971,
        3.786_819_444_998,
        3.741_252_460_558,
        3.702_336_471_890,
        3.668_329_281_548,
    ];

    #[test]
    fn quantiles_match_known_values() {
        for (k, &z) in TAIL.iter().enumerate() {
            let p = (k + 1) as f64 / 65536.0;
            assert!(
                (inverse_normal_cdf(p) + z).abs() < 1e-8 * z,
                "k = {}",
                k + 1
            );
            assert!(
                (inverse_normal_cdf(1.0 - p) - z).abs() < 1e-8 * z,
                "k = {}",
                k + 1
            );
        }
        assert!((inverse_normal_cdf(0.975) - 1.959_963_984_540_054).abs() < 3e-9);
        assert!((inverse_normal_cdf(0.841_344_746_068_542_9) - 1.0).abs() < 2e-9);
        assert_eq!(inverse_normal_cdf(0.5), 0.0);
    }

    #[test]
    fn grid_is_odd_monotone_and_clamped() {
        assert_eq!(norminv_s1615(-32768), -7 << 15);
        assert_eq!(norminv_s1615(0), 0);
        // The chip's table entry for the last bin: round(4.16957 × 2^15).
        assert_eq!(norminv_s1615(32767), 136_628);
        let mut previous = i32::MIN;
        for s in -32767..=32767 {
            let z = norminv_s1615(s);
            assert_eq!(z, -norminv_s1615(-s), "s = {s}");
            assert!(z >= previous, "s = {s}");
            previous = z;
        }
    }
}
