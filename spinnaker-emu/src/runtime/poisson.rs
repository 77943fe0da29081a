//! A SpikeSourcePoisson application core: how many spikes each source emits per tick, drawn exactly as
//! sPyNNaker 7.x `spike_source_poisson.c` draws them (spec §4.11), from the core's one [`Jkiss`].
//!
//! Per source, λ = rate × tick length (in s16.15, after the host's and the core's roundings) picks one of
//! three generators:
//!
//! - **slow** (λ < 0.01): a countdown. The source holds the time to its next spike in ticks × 1000
//!   ([`ISI_SCALE_FACTOR`]); each active tick it emits one spike per draw while the countdown is below 1000,
//!   adding a fresh interval per spike, then subtracts 1000. An interval is `round(E × 1000) × mean_isi`
//!   with `E` an Exp(1) variate in s16.15 and `mean_isi` whole ticks, both truncated as on the chip. The
//!   countdown stops outside the active window.
//! - **fast** (λ < 10): Knuth's method. Multiply uniforms in u0.32 (each product truncated to 32 bits,
//!   starting from 0xFFFF_FFFF) until the product is ≤ e^-λ; the count is the number of draws minus one.
//! - **faster** (λ ≥ 10): a Gaussian approximation, `x = Φ⁻¹(U)/2 + √λ` in s16.15, count = round(x²)
//!   (halves up). Since E\[x²\] = λ + 1/4 and Var(x²) = λ + 1/8, the chip's counts run a quarter spike per
//!   tick above λ; we keep that bias rather than correct it.
//!
//! **Exponential variate (von Neumann 1951, as spinn_common `exponential_dist_variate`):** draw a run of
//! uniforms `u0, u1, u2, …` for as long as it keeps falling; if the first rise comes at an odd position,
//! return `k + u0`, otherwise add 1 to `k` and start a new run. `P(accept | u0) = e^-u0` makes `u0`
//! truncated-exponential on [0, 1) and the number of rejected runs geometric, so `k + u0` is Exp(1). Ties
//! follow the chip: at odd positions an equal draw counts as falling, at even positions as a rise. `u0`
//! enters the s16.15 sum truncated to 15 bits.
//!
//! **Timing:** tick `t` (0, 1, 2, …) covers `[t·dt, (t+1)·dt)`. A source is active in ticks
//! `start ≤ t < start + duration`, with both ends converted to the nearest tick (halves up, `ms_to_ticks`);
//! a missing duration means forever. A core must see every tick once, in order: the slow countdown is
//! decremented once per active tick call.
//!
//! **Order of draws:** sources draw in neuron order within a tick, and at construction every slow source
//! (including a zero-rate one) draws its first interval, in neuron order, as the core does at load.
//! Same seed and same parameters therefore give the same spike trains. The chip's rate schedules and live
//! rate changes are not modelled: a source has one rate.

mod encoding;
mod norminv;
#[cfg(test)]
mod tests;

use std::fmt;

use super::jkiss::Jkiss;
use encoding::Timebase;

/// The slow countdown counts ticks × this factor, so intervals keep three decimal places in an integer.
pub const ISI_SCALE_FACTOR: u32 = 1000;

/// Most sources one Poisson core holds by default (spec §4.13).
pub const MAX_SOURCES_PER_CORE: usize = 500;

/// λ at or above which a source is fast rather than slow (spec §4.11), before s16.15 encoding.
pub const SLOW_RATE_PER_TICK_CUTOFF: f64 = 0.01;

/// λ at or above which a source is faster (Gaussian) rather than fast (Knuth), before encoding.
pub const FAST_RATE_PER_TICK_CUTOFF: f64 = 10.0;

/// Which generator a source uses; decided once from its encoded λ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    /// λ < 0.01: exponential inter-spike countdown.
    Slow,
    /// 0.01 ≤ λ < 10: Knuth's multiplication method.
    Fast,
    /// λ ≥ 10: Gaussian approximation.
    Faster,
}

/// Why a source or core could not be built: a value the host's or the core's formats cannot hold.
#[derive(Clone, Debug, PartialEq)]
pub enum PoissonError {
    /// Tick length in ms outside what `seconds_per_tick` (u0.32) and ticks per second (u16.16) can hold.
    InvalidTick(f64),
    /// Rate in Hz negative, not finite, or 65536 Hz or more (the core holds rates in u16.16).
    InvalidRate(f64),
    /// Start or duration in ms negative, not finite, or beyond unsigned 32.32.
    InvalidTime(f64),
    /// More sources than [`MAX_SOURCES_PER_CORE`].
    TooManySources(usize),
}

impl fmt::Display for PoissonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidTick(ms) => write!(f, "timestep of {ms} ms is outside 0.0153..1000 ms"),
            Self::InvalidRate(hz) => write!(f, "Poisson rate {hz} Hz is not in 0..65536 Hz"),
            Self::InvalidTime(ms) => {
                write!(f, "Poisson start/duration {ms} ms is not in 0..2^32 ms")
            }
            Self::TooManySources(n) => {
                write!(
                    f,
                    "{n} Poisson sources on one core; at most {MAX_SOURCES_PER_CORE}"
                )
            }
        }
    }
}

impl std::error::Error for PoissonError {}

/// One source's parameters as PyNN gives them.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SourceParams {
    /// Mean rate in Hz.
    pub rate_hz: f64,
    /// Start of the active window, ms from the start of the run.
    pub start_ms: f64,
    /// Length of the active window in ms; `None` for the rest of the run.
    pub duration_ms: Option<f64>,
}

/// One source neuron of a Poisson core.
#[derive(Clone, Debug)]
pub struct PoissonSource {
    start_tick: u32,
    /// First tick after the window; `u32::MAX` for forever (the runtime's `END_OF_TIME`).
    end_tick: u32,
    lambda_s1615: i32,
    generator: Generator,
}

/// A regime with the state and precomputed constants its generator needs.
#[derive(Clone, Debug)]
enum Generator {
    Slow {
        mean_isi_ticks: u32,
        time_to_spike: u32,
    },
    Fast {
        exp_minus_lambda_u032: u32,
    },
    Faster {
        sqrt_lambda_s1615: i32,
    },
}

/// The core's generator with a count of the draws taken from it, which the cycle model charges.
struct Draws<'a> {
    rng: &'a mut Jkiss,
    calls: u32,
}

impl Draws<'_> {
    fn next(&mut self) -> u32 {
        self.calls += 1;
        self.rng.next_u032()
    }
}

impl PoissonSource {
    /// A source firing at `rate_hz` in ticks of `tick_ms`, active from `start_ms` for `duration_ms`
    /// (`None`: forever). A slow source draws its first interval from `rng` now, as the core does at load.
    pub fn new(
        rate_hz: f64,
        start_ms: f64,
        duration_ms: Option<f64>,
        tick_ms: f64,
        rng: &mut Jkiss,
    ) -> Result<Self, PoissonError> {
        let params = SourceParams {
            rate_hz,
            start_ms,
            duration_ms,
        };
        Self::build(
            params,
            &Timebase::new(tick_ms)?,
            &mut Draws { rng, calls: 0 },
        )
    }

    fn build(
        params: SourceParams,
        timebase: &Timebase,
        draws: &mut Draws,
    ) -> Result<Self, PoissonError> {
        let rate = encoding::rate_u1616(params.rate_hz)
            .ok_or(PoissonError::InvalidRate(params.rate_hz))?;
        let time = |ms: f64| encoding::encode_u3232(ms).ok_or(PoissonError::InvalidTime(ms));
        let start_tick = timebase.ms_to_ticks(time(params.start_ms)?);
        let end_tick = match params.duration_ms.map(time).transpose()? {
            Some(duration) if duration != u64::from(u32::MAX) << 32 => {
                start_tick.wrapping_add(timebase.ms_to_ticks(duration))
            }
            _ => u32::MAX,
        };
        let lambda_s1615 = timebase.rate_per_tick_s1615(rate);
        let generator = if lambda_s1615 >= encoding::FAST_CUTOFF_S1615 {
            Generator::Faster {
                sqrt_lambda_s1615: encoding::sqrt_s1615(lambda_s1615),
            }
        } else if lambda_s1615 >= encoding::SLOW_CUTOFF_S1615 {
            Generator::Fast {
                exp_minus_lambda_u032: encoding::exp_minus_lambda_u032(lambda_s1615),
            }
        } else {
            let mean_isi_ticks = timebase.mean_isi_ticks(rate);
            Generator::Slow {
                mean_isi_ticks,
                time_to_spike: interval_scaled(mean_isi_ticks, draws),
            }
        };
        Ok(Self {
            start_tick,
            end_tick,
            lambda_s1615,
            generator,
        })
    }

    /// The spikes this source emits in tick `t`, drawing from the core's `rng`; 0 outside its window.
    pub fn tick(&mut self, t: u32, rng: &mut Jkiss) -> u32 {
        self.step(t, &mut Draws { rng, calls: 0 })
    }

    /// Which generator the encoded λ selected.
    pub fn regime(&self) -> Regime {
        match self.generator {
            Generator::Slow { .. } => Regime::Slow,
            Generator::Fast { .. } => Regime::Fast,
            Generator::Faster { .. } => Regime::Faster,
        }
    }

    /// λ, the expected spikes per tick, as the core holds it (s16.15, truncated).
    pub fn lambda_per_tick(&self) -> f64 {
        f64::from(self.lambda_s1615) / 32768.0
    }

    fn step(&mut self, t: u32, draws: &mut Draws) -> u32 {
        if t < self.start_tick || t >= self.end_tick {
            return 0;
        }
        match &mut self.generator {
            Generator::Slow {
                mean_isi_ticks: 0, ..
            } => 0,
            Generator::Slow {
                mean_isi_ticks,
                time_to_spike,
            } => {
                let mut count = 0;
                while *time_to_spike < ISI_SCALE_FACTOR {
                    count += 1;
                    *time_to_spike =
                        time_to_spike.wrapping_add(interval_scaled(*mean_isi_ticks, draws));
                }
                *time_to_spike -= ISI_SCALE_FACTOR;
                count
            }
            // e^-λ ≥ e^-10 keeps the threshold above zero, so the chip's guard for a zero threshold (no
            // draws, no spikes) never fires with the standard cutoffs and is not modelled.
            Generator::Fast {
                exp_minus_lambda_u032,
            } => knuth_count(*exp_minus_lambda_u032, draws),
            Generator::Faster { sqrt_lambda_s1615 } => gaussian_count(*sqrt_lambda_s1615, draws),
        }
    }
}

/// The next slow interval in ticks × [`ISI_SCALE_FACTOR`]: `round(E × 1000) × mean_isi`, wrapping in 32
/// bits as the chip's `uint32_t` does. Wrapping needs `E × mean_isi` ≥ 4.3·10^6 ticks, so it only shows
/// for rates below ≈0.01 Hz at 1 ms.
fn interval_scaled(mean_isi_ticks: u32, draws: &mut Draws) -> u32 {
    let scale = ISI_SCALE_FACTOR as i32;
    let scaled = encoding::round_s1615_to_integer(exponential_s1615(draws).wrapping_mul(scale));
    (scaled as u32).wrapping_mul(mean_isi_ticks)
}

/// An Exp(1) variate in s16.15 by von Neumann's comparison method (module docs).
fn exponential_s1615(draws: &mut Draws) -> i32 {
    let mut whole = 0i32;
    loop {
        let first = draws.next();
        let mut previous = first;
        let mut position = 1u32;
        loop {
            let current = draws.next();
            let falling = if position % 2 == 1 {
                current <= previous
            } else {
                current < previous
            };
            if !falling {
                break;
            }
            previous = current;
            position += 1;
        }
        if position % 2 == 1 {
            return whole + (first >> 17) as i32;
        }
        whole += 1 << 15;
    }
}

/// Knuth's method in u0.32: the number of uniforms multiplied in before the product falls to
/// `exp_minus_lambda`, minus one.
fn knuth_count(exp_minus_lambda_u032: u32, draws: &mut Draws) -> u32 {
    let mut product = u32::MAX;
    let mut draws_taken = 0;
    loop {
        draws_taken += 1;
        product = ((u64::from(product) * u64::from(draws.next())) >> 32) as u32;
        if product <= exp_minus_lambda_u032 {
            return draws_taken - 1;
        }
    }
}

/// The Gaussian approximation in s16.15: `z/2` by a truncating accum multiply, `x²` likewise (wrapping
/// beyond 65535, as the chip's non-saturating multiply would, only for λ of tens of thousands), then the
/// nearest integer.
fn gaussian_count(sqrt_lambda_s1615: i32, draws: &mut Draws) -> u32 {
    const HALF_S1615: i64 = 1 << 14;
    let z = norminv::norminv_s1615((draws.next() as i32) >> 16);
    let x = ((i64::from(z) * HALF_S1615) >> 15) as i32 + sqrt_lambda_s1615;
    let x_squared = ((i64::from(x) * i64::from(x)) >> 15) as i32;
    encoding::round_s1615_to_integer(x_squared) as u32
}

/// A SpikeSourcePoisson core: up to [`MAX_SOURCES_PER_CORE`] sources sharing one [`Jkiss`].
#[derive(Clone, Debug)]
pub struct PoissonCore {
    sources: Vec<PoissonSource>,
    rng: Jkiss,
    spikes: Vec<(u32, u32)>,
    last_tick_rng_calls: u32,
}

impl PoissonCore {
    /// A core with one source per entry of `sources` (neuron ids in that order) in ticks of `tick_ms`,
    /// drawing from `rng` (e.g. [`Jkiss::for_core`]). Slow sources draw their first interval now.
    pub fn new(
        sources: &[SourceParams],
        tick_ms: f64,
        mut rng: Jkiss,
    ) -> Result<Self, PoissonError> {
        if sources.len() > MAX_SOURCES_PER_CORE {
            return Err(PoissonError::TooManySources(sources.len()));
        }
        let timebase = Timebase::new(tick_ms)?;
        let mut draws = Draws {
            rng: &mut rng,
            calls: 0,
        };
        let sources = sources
            .iter()
            .map(|&params| PoissonSource::build(params, &timebase, &mut draws))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            sources,
            rng,
            spikes: Vec::new(),
            last_tick_rng_calls: 0,
        })
    }

    /// Runs tick `t` and yields `(neuron, count)` for every source with at least one spike, in neuron order:
    /// the core sends one multicast packet per pair, the count as its payload (spec §4.11). The tick runs
    /// in full when called; the iterator only reads its result.
    pub fn tick(&mut self, t: u32) -> impl Iterator<Item = (u32, u32)> {
        let mut draws = Draws {
            rng: &mut self.rng,
            calls: 0,
        };
        self.spikes.clear();
        for (neuron, source) in (0u32..).zip(&mut self.sources) {
            let count = source.step(t, &mut draws);
            if count > 0 {
                self.spikes.push((neuron, count));
            }
        }
        self.last_tick_rng_calls = draws.calls;
        self.spikes.iter().copied()
    }

    /// Draws the last [`PoissonCore::tick`] took from the generator, for the cycle model to charge
    /// (≈[`super::jkiss::CYCLES_PER_CALL`] each).
    pub fn last_tick_rng_calls(&self) -> u32 {
        self.last_tick_rng_calls
    }

    /// The sources, indexed by neuron id.
    pub fn sources(&self) -> &[PoissonSource] {
        &self.sources
    }
}
