//! Marsaglia's JKISS generator: the one random stream of a sPyNNaker application core (spec §4.11).
//!
//! spinn_common calls it `mars_kiss64_seed` and the 7.x Poisson source inlines the same recurrence as `rng()`.
//! A core owns exactly one generator, so the order in which the runtime draws from it is part of the
//! behaviour: two runs agree spike for spike only if every draw happens in the same order (see
//! [`super::poisson`]). The state is four 32-bit words `[x, y, z, c]`, in the order the seed is written to
//! SDRAM: a linear congruential part `x`, a xorshift part `y` and a multiply-with-carry part `(z, c)`.

/// The static seed of spinn_common's `mars_kiss64_simp` (spec §9.2 test vectors): `[x, y, z, c]`.
pub const DEFAULT_SEED: [u32; 4] = [123_456_789, 987_654_321, 43_219_876, 6_543_217];

/// ARM968 cycles one call costs on the chip (spinn_common's measurement, spec §4.11); the cycle model charges
/// it per draw reported by [`super::poisson::PoissonCore::last_tick_rng_calls`].
pub const CYCLES_PER_CALL: u32 = 44;

/// Multiplier of the LCG part.
const LCG_MUL: u32 = 314_527_869;
/// Increment of the LCG part.
const LCG_ADD: u32 = 1_234_567;
/// Multiplier of the multiply-with-carry part.
const MWC_MUL: u64 = 4_294_584_393;
/// What seed validation puts in `y` when it is zero: a zero xorshift state would stay zero forever.
const Y_IF_ZERO: u32 = 13_031_301;
/// Seed validation maps `c` into `1..=698769068`, which keeps `(z, c)` off the all-zero fixed point of the
/// multiply-with-carry part and below its modulus.
const C_MODULUS: u32 = 698_769_068;

/// One core's JKISS state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jkiss {
    x: u32,
    y: u32,
    z: u32,
    c: u32,
}

impl Jkiss {
    /// A generator from a seed `[x, y, z, c]`, validated as spinn_common's `validate_mars_kiss64_seed` does:
    /// `y = 0` becomes 13031301 and `c` becomes `c mod 698769068 + 1`.
    ///
    /// sPyNNaker validates on the host before writing the seed (the 7.x core copies it unchanged), so the
    /// stream a core produces is the stream of the validated seed.
    pub fn new(seed: [u32; 4]) -> Self {
        let [x, y, z, c] = seed;
        Self {
            x,
            y: if y == 0 { Y_IF_ZERO } else { y },
            z,
            c: c % C_MODULUS + 1,
        }
    }

    /// A generator that continues from `state` exactly, without validation: how a core resumes from saved
    /// state, and how `mars_kiss64_simp` starts from its static [`DEFAULT_SEED`] (whose `c` is not
    /// validated, so its stream differs from `Jkiss::new(DEFAULT_SEED)` from the first output on).
    pub fn from_state(state: [u32; 4]) -> Self {
        let [x, y, z, c] = state;
        Self { x, y, z, c }
    }

    /// A per-core generator derived from one 64-bit experiment seed and a stable core id.
    ///
    /// sPyNNaker draws each core's seed on the host from Python's `random`, which the emulator cannot
    /// reproduce; what matters is that a run is repeatable and that cores get unrelated streams. The
    /// derivation: hash the core id with the SplitMix64 finaliser, xor it into the seed, run SplitMix64 from
    /// there for two 64-bit words, split them low half first into `[x, y, z, c]` and validate as
    /// [`Jkiss::new`]. The core id should be stable across runs and unique in the machine, e.g.
    /// `(chip_x << 16 | chip_y) << 8 | core`; distinct ids give distinct seeds for the same experiment seed.
    pub fn for_core(seed: u64, core_id: u64) -> Self {
        let mut state = seed ^ splitmix64_mix(core_id);
        let a = splitmix64_next(&mut state);
        let b = splitmix64_next(&mut state);
        Self::new([a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32])
    }

    /// The current state `[x, y, z, c]`; [`Jkiss::from_state`] continues from it.
    pub fn state(&self) -> [u32; 4] {
        [self.x, self.y, self.z, self.c]
    }

    /// The next 32-bit output: each part steps once and the output is `x + y + z` modulo 2^32.
    pub fn next_u32(&mut self) -> u32 {
        self.x = LCG_MUL.wrapping_mul(self.x).wrapping_add(LCG_ADD);
        self.y ^= self.y << 5;
        self.y ^= self.y >> 7;
        self.y ^= self.y << 22;
        let t = MWC_MUL * u64::from(self.z) + u64::from(self.c);
        self.c = (t >> 32) as u32;
        self.z = t as u32;
        self.x.wrapping_add(self.y).wrapping_add(self.z)
    }

    /// The next output read as an unsigned u0.32 fraction (spec §4.9 `UFRACT`): uniform on `[0, 1)` in
    /// steps of 2^-32. The bits are those of [`Jkiss::next_u32`]; the runtime uses them this way (`ulrbits`)
    /// in the Knuth product and the exponential variate, so the name marks the reading, not a conversion.
    pub fn next_u032(&mut self) -> u32 {
        self.next_u32()
    }
}

/// The SplitMix64 output function (Steele, Lea and Flood 2014): a bijection on `u64` with good avalanche.
fn splitmix64_mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One SplitMix64 step: advance by the golden-ratio increment, then mix.
fn splitmix64_next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    splitmix64_mix(*state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The recurrence written out again with plain `u64` arithmetic and masks, independently of the
    /// implementation above, so a slip in either shows as a mismatch.
    fn reference(seed: [u32; 4], n: usize) -> Vec<u32> {
        const M: u64 = 0xFFFF_FFFF;
        let [mut x, mut y, mut z, mut c] = seed.map(u64::from);
        (0..n)
            .map(|_| {
                x = (314_527_869 * x + 1_234_567) & M;
                y ^= (y << 5) & M;
                y ^= y >> 7;
                y ^= (y << 22) & M;
                let t = 4_294_584_393 * z + c;
                c = t >> 32;
                z = t & M;
                ((x + y + z) & M) as u32
            })
            .collect()
    }

    /// spinn_common `mars_kiss64_simp` from its static seed (spec §9.2): the raw, unvalidated state.
    const SIMP_FIRST_10: [u32; 10] = [
        560_241_513,
        2_602_615_593,
        2_542_353_780,
        3_322_652_092,
        2_306_311_670,
        3_473_025_722,
        4_103_263_712,
        718_504_230,
        1_670_074_768,
        3_653_747_430,
    ];

    /// The same seed after host validation (`c` = 6543218), as a Poisson core seeded with it would run.
    const VALIDATED_FIRST_5: [u32; 5] = [
        560_241_514,
        2_602_232_690,
        3_128_173_126,
        299_228_681,
        2_416_555_195,
    ];

    #[test]
    fn default_seed_first_outputs_are_pinned() {
        assert_eq!(reference(DEFAULT_SEED, 10), SIMP_FIRST_10);
        let mut raw = Jkiss::from_state(DEFAULT_SEED);
        assert_eq!(SIMP_FIRST_10.map(|_| raw.next_u32()), SIMP_FIRST_10);

        let validated = [
            DEFAULT_SEED[0],
            DEFAULT_SEED[1],
            DEFAULT_SEED[2],
            DEFAULT_SEED[3] + 1,
        ];
        assert_eq!(reference(validated, 5), VALIDATED_FIRST_5);
        let mut rng = Jkiss::new(DEFAULT_SEED);
        assert_eq!(rng.state(), validated);
        assert_eq!(VALIDATED_FIRST_5.map(|_| rng.next_u32()), VALIDATED_FIRST_5);
    }

    #[test]
    fn validation_fixes_y_and_c() {
        let rng = Jkiss::new([1, 0, 2, 0]);
        assert_eq!(rng.state(), [1, 13_031_301, 2, 1]);
        let rng = Jkiss::new([1, 5, 2, u32::MAX]);
        assert_eq!(rng.state(), [1, 5, 2, u32::MAX % 698_769_068 + 1]);
    }

    #[test]
    fn uniform_mean_is_one_half() {
        // Mean of n uniforms on [0,1) has standard deviation sqrt(1/12/n); allow 5 of them.
        let n = 1_000_000;
        let mut rng = Jkiss::new(DEFAULT_SEED);
        let sum: f64 = (0..n)
            .map(|_| f64::from(rng.next_u032()) / 4_294_967_296.0)
            .sum();
        let mean = sum / f64::from(n);
        let sigma = (1.0 / 12.0 / f64::from(n)).sqrt();
        assert!((mean - 0.5).abs() < 5.0 * sigma, "mean {mean}");
    }

    #[test]
    fn per_core_seeds_are_repeatable_and_distinct() {
        assert_eq!(Jkiss::for_core(7, 3), Jkiss::for_core(7, 3));
        let mut states: Vec<[u32; 4]> =
            (0..1000).map(|id| Jkiss::for_core(7, id).state()).collect();
        states.push(Jkiss::for_core(8, 0).state());
        states.sort_unstable();
        states.dedup();
        assert_eq!(states.len(), 1001);
    }

    proptest! {
        #[test]
        fn validated_state_is_in_range_and_resumes_exactly(seed in any::<[u32; 4]>(), n in 0usize..50) {
            let mut rng = Jkiss::new(seed);
            let [_, y, _, c] = rng.state();
            prop_assert!(y != 0);
            prop_assert!((1..=698_769_068).contains(&c));
            let start = rng.state();
            let ours: Vec<u32> = (0..n).map(|_| rng.next_u32()).collect();
            prop_assert_eq!(reference(start, n), ours);
            let mut resumed = Jkiss::from_state(rng.state());
            prop_assert_eq!(resumed.next_u32(), rng.next_u32());
        }
    }
}
