//! Statistical and behavioural tests of the Poisson core. Statistical checks allow 5 standard errors, each
//! estimated from the sample, so a correct generator fails one of them with probability below 1e-5.

use super::super::jkiss::DEFAULT_SEED;
use super::*;

const DT_MS: f64 = 1.0;

fn forever(rate_hz: f64) -> SourceParams {
    SourceParams {
        rate_hz,
        start_ms: 0.0,
        duration_ms: None,
    }
}

fn core(sources: &[SourceParams], seed: u64) -> PoissonCore {
    PoissonCore::new(sources, DT_MS, Jkiss::for_core(seed, 0)).unwrap()
}

/// Per-tick counts of `n_sources` identical sources at λ = `lambda` (rate = λ / dt) over `ticks` ticks.
fn sample_counts(lambda: f64, n_sources: usize, ticks: u32) -> (Vec<u32>, PoissonCore) {
    let mut core = core(&vec![forever(lambda * 1000.0 / DT_MS); n_sources], 11);
    let mut counts = vec![0u32; n_sources * ticks as usize];
    for t in 0..ticks {
        for (neuron, count) in core.tick(t) {
            counts[t as usize * n_sources + neuron as usize] = count;
        }
    }
    (counts, core)
}

/// Sample mean and variance, and the standard errors of each (the latter from the fourth central moment).
struct Moments {
    mean: f64,
    var: f64,
    mean_se: f64,
    var_se: f64,
}

fn moments(xs: &[u32]) -> Moments {
    let n = xs.len() as f64;
    let mean = xs.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let central = |k: i32| {
        xs.iter()
            .map(|&x| (f64::from(x) - mean).powi(k))
            .sum::<f64>()
            / n
    };
    let var = central(2);
    Moments {
        mean,
        var,
        mean_se: (var / n).sqrt(),
        var_se: ((central(4) - var * var) / n).sqrt(),
    }
}

#[test]
fn mean_count_matches_lambda_in_every_regime() {
    // (λ, sources, ticks): enough source-ticks for ≈10^4 spikes at the slowest rate.
    let cases = [
        (0.001, 500, 20_000),
        (0.005, 500, 4_000),
        (0.5, 100, 10_000),
        (2.0, 100, 10_000),
        (9.0, 100, 10_000),
        (15.0, 100, 10_000),
        (40.0, 100, 10_000),
    ];
    for (lambda, n_sources, ticks) in cases {
        let (counts, core) = sample_counts(lambda, n_sources, ticks);
        let source = &core.sources()[0];
        let m = moments(&counts);
        // What the chip's encoded parameters make the mean: slow sources have exact whole-tick mean
        // intervals here (1000 and 200 ticks); fast ones stop at e^-λ rounded to 15 bits; the Gaussian
        // approximation adds E[(Z/2)²] = 1/4.
        let lambda_chip = source.lambda_per_tick();
        let expected = match source.regime() {
            Regime::Slow => lambda,
            Regime::Fast => -(((-lambda_chip).exp() * 32768.0).round() / 32768.0).ln(),
            Regime::Faster => lambda_chip + 0.25,
        };
        eprintln!(
            "λ {lambda:>6}: {:?} mean {:.5} (expected {expected:.5}, se {:.5}) var {:.5} (se {:.5})",
            source.regime(),
            m.mean,
            m.mean_se,
            m.var,
            m.var_se
        );
        assert!(
            (m.mean - expected).abs() < 5.0 * m.mean_se,
            "λ {lambda}: mean {}",
            m.mean
        );
        let tolerance = if source.regime() == Regime::Faster {
            0.26
        } else {
            0.0013 * lambda
        };
        assert!(
            (m.mean - lambda).abs() < tolerance + 5.0 * m.mean_se,
            "λ {lambda} far from nominal"
        );
    }
}

#[test]
fn variance_shows_poisson_dispersion() {
    // Knuth's method is exactly Poisson, so variance = mean. The Gaussian approximation gives
    // Var(x²) = λ + 1/8 plus 1/12 from rounding to an integer: a Fano factor within 1% of 1 at λ ≥ 15.
    for lambda in [0.5, 2.0, 9.0, 15.0, 40.0] {
        let (counts, core) = sample_counts(lambda, 100, 10_000);
        let m = moments(&counts);
        let expected = match core.sources()[0].regime() {
            Regime::Faster => core.sources()[0].lambda_per_tick() + 1.0 / 8.0 + 1.0 / 12.0,
            _ => m.mean,
        };
        assert!(
            (m.var - expected).abs() < 5.0 * m.var_se,
            "λ {lambda}: var {} vs {expected}",
            m.var
        );
        assert!(
            (m.var / m.mean - 1.0).abs() < 0.01 + 5.0 * m.var_se / m.mean,
            "λ {lambda}: Fano"
        );
    }
}

#[test]
fn slow_intervals_are_exponential() {
    const MEAN_ISI: f64 = 200.0; // 5 Hz at 1 ms
    let (n_sources, ticks) = (200, 50_000u32);
    let mut core = core(&vec![forever(5.0); n_sources], 5);
    let mut last = vec![None; n_sources];
    let (mut isis, mut draws, mut spikes) = (Vec::new(), 0u64, 0u64);
    for t in 0..ticks {
        for (neuron, count) in core.tick(t) {
            if let Some(previous) = last[neuron as usize] {
                isis.push(t - previous);
            }
            isis.extend(std::iter::repeat_n(0, count as usize - 1));
            last[neuron as usize] = Some(t);
            spikes += u64::from(count);
        }
        draws += u64::from(core.last_tick_rng_calls());
    }
    let n = isis.len() as f64;
    let m = moments(&isis);
    let cv = m.var.sqrt() / m.mean;
    eprintln!("slow ISIs: n {n}, mean {:.3} ticks, CV {cv:.4}", m.mean);
    assert!((m.mean - MEAN_ISI).abs() < 5.0 * m.mean_se);
    // The sample CV of n exponential intervals has standard deviation ≈ 1/√n.
    assert!((cv - 1.0).abs() < 5.0 / n.sqrt(), "CV {cv}");
    // Survival function at a few points. Whole-tick intervals move it by at most one tick, 1/200.
    for k in [1u32, 50, 100, 200, 400, 800] {
        let empirical = isis.iter().filter(|&&isi| isi >= k).count() as f64 / n;
        let exact = (-f64::from(k) / MEAN_ISI).exp();
        let se = (exact * (1.0 - exact) / n).sqrt();
        assert!(
            (empirical - exact).abs() < 5.0 * se + 1.0 / MEAN_ISI,
            "P(ISI ≥ {k}) = {empirical}"
        );
    }
    // Von Neumann's method takes e / (1 - 1/e) ≈ 4.30 uniforms per variate; a wrong acceptance rule would
    // shift this (and the distribution) visibly.
    let per_variate = draws as f64 / spikes as f64;
    eprintln!("draws per exponential variate {per_variate:.3}");
    assert!((per_variate - std::f64::consts::E / (1.0 - (-1f64).exp())).abs() < 0.05);
}

#[test]
fn same_seed_same_spike_trains() {
    let params: Vec<SourceParams> = [1.0, 5.0, 0.0, 500.0, 2000.0, 9000.0, 15_000.0, 40_000.0]
        .iter()
        .enumerate()
        .map(|(i, &rate_hz)| SourceParams {
            rate_hz,
            start_ms: i as f64 * 3.0,
            duration_ms: (i % 2 == 0).then_some(500.0),
        })
        .collect();
    let run = |seed| {
        let mut core = core(&params, seed);
        (0..2000)
            .flat_map(|t| {
                core.tick(t)
                    .map(move |(n, c)| (t, n, c))
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));

    // A lone source driven through `PoissonSource::tick` draws exactly as a one-source core.
    let mut rng = Jkiss::new(DEFAULT_SEED);
    let mut source = PoissonSource::new(2000.0, 0.0, None, DT_MS, &mut rng).unwrap();
    let mut lone = PoissonCore::new(&[forever(2000.0)], DT_MS, Jkiss::new(DEFAULT_SEED)).unwrap();
    for t in 0..1000 {
        let count = source.tick(t, &mut rng);
        assert_eq!(lone.tick(t).next(), (count > 0).then_some((0, count)));
    }
}

/// The ticks in `0..horizon` in which a 20 kHz source is active, seen as the ticks in which it draws: a
/// fast or faster source takes at least one draw per active tick, whatever it emits.
fn active_ticks(start_ms: f64, duration_ms: Option<f64>, tick_ms: f64, horizon: u32) -> Vec<u32> {
    let params = SourceParams {
        rate_hz: 20_000.0,
        start_ms,
        duration_ms,
    };
    let mut core = PoissonCore::new(&[params], tick_ms, Jkiss::new(DEFAULT_SEED)).unwrap();
    (0..horizon)
        .filter(|&t| core.tick(t).count() <= 1 && core.last_tick_rng_calls() > 0)
        .collect()
}

#[test]
fn window_is_exact_at_tick_boundaries() {
    assert_eq!(
        active_ticks(10.0, Some(20.0), 1.0, 100),
        (10..30).collect::<Vec<_>>()
    );
    assert_eq!(
        active_ticks(1.0, Some(0.5), 0.1, 100),
        (10..15).collect::<Vec<_>>()
    );
    assert_eq!(active_ticks(0.0, Some(0.0), 1.0, 10), Vec::<u32>::new());
    // Times convert to the nearest tick, halves up: 2.5 ms starts tick 3, 2.4 ms tick 2.
    assert_eq!(active_ticks(2.5, Some(2.0), 1.0, 10), vec![3, 4]);
    assert_eq!(active_ticks(2.4, Some(2.0), 1.0, 10), vec![2, 3]);
    assert_eq!(active_ticks(0.0, None, 1.0, 1000).len(), 1000);

    // A slow source's countdown waits outside its window: the run of ticks after the window opens is
    // the same whenever it opens.
    let after_start = |start_ms: f64| {
        let params = SourceParams {
            rate_hz: 5.0,
            start_ms,
            duration_ms: None,
        };
        let mut core = PoissonCore::new(&[params], 1.0, Jkiss::new(DEFAULT_SEED)).unwrap();
        let start = start_ms as u32;
        (0..start + 5000)
            .filter(|&t| core.tick(t).next().is_some())
            .map(|t| t - start)
            .collect::<Vec<_>>()
    };
    assert_eq!(after_start(0.0), after_start(700.0));
}

#[test]
fn regimes_follow_the_encoded_cutoffs() {
    let mut rng = Jkiss::new(DEFAULT_SEED);
    let mut regime = |rate_hz| {
        PoissonSource::new(rate_hz, 0.0, None, 1.0, &mut rng)
            .unwrap()
            .regime()
    };
    // 10 Hz at 1 ms encodes to λ = 327/2^15, under the 0.01 cutoff's 328/2^15.
    assert_eq!(regime(10.0), Regime::Slow);
    assert_eq!(regime(10.01), Regime::Fast);
    assert_eq!(regime(10_000.0), Regime::Fast);
    assert_eq!(regime(10_001.0), Regime::Faster);
    assert_eq!(regime(0.0), Regime::Slow);
    let mut silent = core(&[forever(0.0)], 3);
    assert!((0..10_000).all(|t| silent.tick(t).next().is_none()));
}

#[test]
fn rng_calls_per_tick_are_counted() {
    // Knuth: one draw per spike plus the one that crosses the threshold.
    let mut fast = core(&[forever(2000.0)], 4);
    for t in 0..1000 {
        let count = fast.tick(t).next().map_or(0, |(_, c)| c);
        assert_eq!(fast.last_tick_rng_calls(), count + 1);
    }
    // Gaussian: one draw per active source; a silent slow tick and an inactive source: none.
    let later = SourceParams {
        start_ms: 500.0,
        ..forever(40_000.0)
    };
    let mut mixed = core(&[forever(40_000.0), forever(0.0), later], 4);
    for t in 0..1000 {
        assert_eq!(mixed.tick(t).count(), if t < 500 { 1 } else { 2 });
        assert_eq!(mixed.last_tick_rng_calls(), if t < 500 { 1 } else { 2 });
    }
}

#[test]
fn core_limits_and_errors() {
    let too_many = vec![forever(1.0); MAX_SOURCES_PER_CORE + 1];
    assert_eq!(
        PoissonCore::new(&too_many, 1.0, Jkiss::new(DEFAULT_SEED)).unwrap_err(),
        PoissonError::TooManySources(501)
    );
    let full = vec![forever(20_000.0); MAX_SOURCES_PER_CORE];
    let mut core = PoissonCore::new(&full, 1.0, Jkiss::new(DEFAULT_SEED)).unwrap();
    let neurons: Vec<u32> = core.tick(0).map(|(n, _)| n).collect();
    assert_eq!(neurons, (0..500).collect::<Vec<_>>());
    let bad = |params| PoissonCore::new(&[params], 1.0, Jkiss::new(DEFAULT_SEED)).unwrap_err();
    assert_eq!(bad(forever(-1.0)), PoissonError::InvalidRate(-1.0));
    assert_eq!(bad(forever(70_000.0)), PoissonError::InvalidRate(70_000.0));
    assert!(
        bad(SourceParams {
            start_ms: f64::NAN,
            ..forever(1.0)
        })
        .to_string()
        .contains("NaN")
    );
    assert_eq!(
        PoissonCore::new(&[], 0.0, Jkiss::new(DEFAULT_SEED)).unwrap_err(),
        PoissonError::InvalidTick(0.0)
    );
}
