//! Seeded random streams and PyNN's random distributions.
//!
//! Determinism rule: every stream is derived from the master seed and a *stable id* (a domain such as
//! "connect", a population or projection label, a chunk or neuron index), never from thread order. So the same
//! net and seed give the same draws whatever the number of threads. The generator is xoshiro256++ (fast, 256-bit
//! state, good statistical quality); ids are mixed with FNV-1a and finalised with SplitMix64.

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution as _, Exp, Gamma, LogNormal, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::format::Distribution;

/// The generator of every stream in the loader.
pub type Stream = Xoshiro256PlusPlus;

/// What a stream is for, so that streams of different purposes never coincide.
#[derive(Debug, Clone, Copy)]
pub enum Domain {
    /// Connectivity of a projection.
    Connect,
    /// Weights and delays of a projection.
    Values,
    /// Per-neuron parameter and initial-value draws of a population.
    Params,
    /// Random positions and random fill orders of a structure.
    Space,
    /// Spike trains a machine's host draws for a spike source (BrainScaleS plays Poisson sources in
    /// through Layer 2; SpiNNaker draws them on its cores instead).
    Sources,
}

impl Domain {
    fn tag(self) -> &'static [u8] {
        match self {
            Domain::Connect => b"connect",
            Domain::Values => b"values",
            Domain::Params => b"params",
            Domain::Space => b"space",
            Domain::Sources => b"sources",
        }
    }
}

/// SplitMix64's finaliser: spreads the bits of an id so that neighbouring ids give unrelated seeds.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The seed of the stream `(master, domain, label, part, index)`: stable across runs, platforms and releases.
pub fn stream_seed(master: u64, domain: Domain, label: &str, part: &str, index: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325;
    h = fnv1a(h, &master.to_le_bytes());
    h = fnv1a(h, domain.tag());
    h = fnv1a(h, &[0xff]);
    h = fnv1a(h, label.as_bytes());
    h = fnv1a(h, &[0xff]);
    h = fnv1a(h, part.as_bytes());
    h = fnv1a(h, &index.to_le_bytes());
    splitmix64(h)
}

/// A generator for one stable id.
pub fn stream(master: u64, domain: Domain, label: &str, part: &str, index: u64) -> Stream {
    Stream::seed_from_u64(stream_seed(master, domain, label, part, index))
}

/// How many times `normal_clipped` redraws before giving up (PyNN's limit).
pub const MAX_REDRAWS: u32 = 1000;

/// A distribution made ready to draw from; build once, draw many times in hot loops.
#[derive(Debug, Clone, Copy)]
pub enum Sampler {
    Uniform {
        low: f64,
        span: f64,
    },
    UniformInt {
        low: i64,
        span: u64,
    },
    Normal(Normal<f64>),
    Clipped {
        normal: Normal<f64>,
        low: f64,
        high: f64,
        redraw: bool,
    },
    LogNormal(LogNormal<f64>),
    Exp(Exp<f64>),
    Gamma(Gamma<f64>),
}

/// `normal_clipped` found nothing inside its bounds in [`MAX_REDRAWS`] draws.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error(
    "normal_clipped found no value within [{low}, {high}] in {MAX_REDRAWS} draws: the bounds hold too little of the distribution"
)]
pub struct RedrawExhausted {
    pub low: f64,
    pub high: f64,
}

impl Sampler {
    /// Checks the parameters (as PyNN/NumPy would refuse them) and builds the sampler.
    pub fn new(d: &Distribution) -> Result<Sampler, String> {
        let finite = |name: &str, x: f64| {
            if x.is_finite() {
                Ok(x)
            } else {
                Err(format!("{name} must be finite, got {x}"))
            }
        };
        let ordered = |low: f64, high: f64| {
            finite("low", low)?;
            finite("high", high)?;
            if low <= high {
                Ok(())
            } else {
                Err(format!("low must be <= high, got low {low}, high {high}"))
            }
        };
        let normal = |mu: f64, sigma: f64| {
            finite("mu", mu)?;
            if !(sigma >= 0.0 && sigma.is_finite()) {
                return Err(format!("sigma must be >= 0, got {sigma}"));
            }
            Normal::new(mu, sigma).map_err(|e| e.to_string())
        };
        Ok(match *d {
            Distribution::Uniform { low, high } => {
                ordered(low, high)?;
                Sampler::Uniform {
                    low,
                    span: high - low,
                }
            }
            Distribution::UniformInt { low, high } => {
                ordered(low, high)?;
                if low.fract() != 0.0 || high.fract() != 0.0 || low >= high {
                    return Err(format!(
                        "uniform_int needs integers low < high (high exclusive), got low {low}, high {high}"
                    ));
                }
                Sampler::UniformInt {
                    low: low as i64,
                    span: (high - low) as u64,
                }
            }
            Distribution::Normal { mu, sigma } => Sampler::Normal(normal(mu, sigma)?),
            Distribution::NormalClipped {
                mu,
                sigma,
                low,
                high,
            }
            | Distribution::NormalClippedToBoundary {
                mu,
                sigma,
                low,
                high,
            } => {
                ordered(low, high)?;
                Sampler::Clipped {
                    normal: normal(mu, sigma)?,
                    low,
                    high,
                    redraw: matches!(d, Distribution::NormalClipped { .. }),
                }
            }
            Distribution::Lognormal { mu, sigma } => {
                finite("mu", mu)?;
                if !(sigma >= 0.0 && sigma.is_finite()) {
                    return Err(format!("sigma must be >= 0, got {sigma}"));
                }
                Sampler::LogNormal(LogNormal::new(mu, sigma).map_err(|e| e.to_string())?)
            }
            Distribution::Exponential { beta } => {
                if !(beta > 0.0 && beta.is_finite()) {
                    return Err(format!("beta must be > 0, got {beta}"));
                }
                Sampler::Exp(Exp::new(1.0 / beta).map_err(|e| e.to_string())?)
            }
            Distribution::Gamma { k, theta } => {
                if !(k > 0.0 && k.is_finite() && theta > 0.0 && theta.is_finite()) {
                    return Err(format!("k and theta must be > 0, got k {k}, theta {theta}"));
                }
                Sampler::Gamma(Gamma::new(k, theta).map_err(|e| e.to_string())?)
            }
        })
    }

    pub fn sample(&self, rng: &mut Stream) -> Result<f64, RedrawExhausted> {
        Ok(match *self {
            Sampler::Uniform { low, span } => low + span * rng.random::<f64>(),
            Sampler::UniformInt { low, span } => (low + rng.random_range(0..span) as i64) as f64,
            Sampler::Normal(n) => n.sample(rng),
            Sampler::Clipped {
                normal,
                low,
                high,
                redraw: false,
            } => normal.sample(rng).clamp(low, high),
            Sampler::Clipped {
                normal,
                low,
                high,
                redraw: true,
            } => (0..MAX_REDRAWS)
                .map(|_| normal.sample(rng))
                .find(|x| (low..=high).contains(x))
                .ok_or(RedrawExhausted { low, high })?,
            Sampler::LogNormal(d) => d.sample(rng),
            Sampler::Exp(d) => d.sample(rng),
            Sampler::Gamma(d) => d.sample(rng),
        })
    }
}

/// The smallest and largest value a distribution can give (infinite where unbounded).
pub fn support(d: &Distribution) -> (f64, f64) {
    match *d {
        Distribution::Uniform { low, high } => (low, high),
        Distribution::UniformInt { low, high } => (low, high - 1.0),
        Distribution::Normal { mu, sigma: 0.0 } => (mu, mu),
        Distribution::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
        Distribution::NormalClipped { low, high, .. }
        | Distribution::NormalClippedToBoundary { low, high, .. } => (low, high),
        Distribution::Lognormal { .. }
        | Distribution::Exponential { .. }
        | Distribution::Gamma { .. } => (0.0, f64::INFINITY),
    }
}

/// The mean of a distribution, for expected-value estimates (clipped normals: the mean of the clipped law is
/// approximated by the clamped `mu`, good enough for size estimates).
pub fn mean(d: &Distribution) -> f64 {
    match *d {
        Distribution::Uniform { low, high } => 0.5 * (low + high),
        Distribution::UniformInt { low, high } => 0.5 * (low + high - 1.0),
        Distribution::Normal { mu, .. } => mu,
        Distribution::NormalClipped { mu, low, high, .. }
        | Distribution::NormalClippedToBoundary { mu, low, high, .. } => mu.clamp(low, high),
        Distribution::Lognormal { mu, sigma } => (mu + 0.5 * sigma * sigma).exp(),
        Distribution::Exponential { beta } => beta,
        Distribution::Gamma { k, theta } => k * theta,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_every_part_of_the_id() {
        let base = stream_seed(1, Domain::Connect, "a->b#0", "", 0);
        assert_ne!(base, stream_seed(2, Domain::Connect, "a->b#0", "", 0));
        assert_ne!(base, stream_seed(1, Domain::Values, "a->b#0", "", 0));
        assert_ne!(base, stream_seed(1, Domain::Connect, "a->b#1", "", 0));
        assert_ne!(base, stream_seed(1, Domain::Connect, "a->b#0", "x", 0));
        assert_ne!(base, stream_seed(1, Domain::Connect, "a->b#0", "", 1));
        // Label/part boundaries are separated, so ("ab", "") and ("a", "b") differ.
        assert_ne!(
            stream_seed(1, Domain::Params, "ab", "", 0),
            stream_seed(1, Domain::Params, "a", "b", 0)
        );
    }

    #[test]
    fn seeds_are_stable_across_releases() {
        // Changing the derivation changes every network's connectivity: this value is pinned on purpose.
        assert_eq!(
            stream_seed(0, Domain::Connect, "", "", 0),
            0x7f20_4792_767b_516c
        );
    }

    fn draws(d: Distribution, n: usize) -> Vec<f64> {
        let s = Sampler::new(&d).unwrap();
        let mut rng = stream(3, Domain::Values, "t", "", 0);
        (0..n).map(|_| s.sample(&mut rng).unwrap()).collect()
    }

    #[test]
    fn moments_match_pynn_parameterisation() {
        let m = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!((m(&draws(Distribution::Exponential { beta: 2.0 }, 200_000)) - 2.0).abs() < 0.03);
        assert!(
            (m(&draws(Distribution::Gamma { k: 2.0, theta: 3.0 }, 200_000)) - 6.0).abs() < 0.06
        );
        let ints = draws(
            Distribution::UniformInt {
                low: 1.0,
                high: 4.0,
            },
            10_000,
        );
        assert!(ints.iter().all(|x| [1.0, 2.0, 3.0].contains(x)));
        let clipped = draws(
            Distribution::NormalClipped {
                mu: 0.0,
                sigma: 1.0,
                low: 0.5,
                high: 0.7,
            },
            1000,
        );
        assert!(clipped.iter().all(|x| (0.5..=0.7).contains(x)));
    }

    #[test]
    fn hopeless_clipping_is_an_error_not_a_hang() {
        let s = Sampler::new(&Distribution::NormalClipped {
            mu: 0.0,
            sigma: 1.0,
            low: 50.0,
            high: 51.0,
        })
        .unwrap();
        let mut rng = stream(0, Domain::Values, "t", "", 0);
        assert!(s.sample(&mut rng).is_err());
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(
            Sampler::new(&Distribution::Normal {
                mu: 0.0,
                sigma: -1.0
            })
            .is_err()
        );
        assert!(
            Sampler::new(&Distribution::Uniform {
                low: 2.0,
                high: 1.0
            })
            .is_err()
        );
        assert!(Sampler::new(&Distribution::Exponential { beta: 0.0 }).is_err());
    }
}
