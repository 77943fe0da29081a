//! Warnings, before a run, where the runtime's arithmetic is likely to depart from the model.
//!
//! **Reversal overshoot.** sPyNNaker's `IF_cond_exp` update is explicit (`neuron::cond`): with the total
//! conductance g, the factor of V in one step is `e − g·R·(1 − e)` with `e = exp(−dt/τ_m)`, so the membrane
//! overshoots its reversal potential once `g·R·(1 − e) > e` and oscillates unstably beyond twice that. The
//! mapper bounds the conductance a neuron can expect from its inputs, shot noise from independent Poisson
//! sources at the rates the weight scaling assumes (`synapses::source_rate_hz`): mean `Σ ν w τ_syn` plus
//! `ring_buffer_sigma` (5) standard deviations, `σ² = Σ ν w² τ_syn / 2`, summed over both receptors. A
//! population whose bound crosses the limit gets a `ReversalOvershoot` warning with the timestep that would
//! avoid it; the runtime then counts the updates that actually overshoot (`Reversal_potential_crossings`).
//!
//! **Fixed-point range.** Every parameter and state is s16.15, ±65,536 (spinnaker.md §4.9). A parameter beyond
//! that saturates when the host encodes it; a LIF membrane whose constant drive `α = i_offset·R + v_rest` is beyond
//! it wraps at every update (i_offset 4,000 nA at R = 20 MΩ is 80,000 mV). Both get a `FixedPointRange` warning
//! naming the population and parameter; the runtime counts the wraps that happen (`Fixed_point_wraps`).

use nmemu_loader::format::ReceptorType;
use nmemu_loader::format::cells::CellType;
use nmemu_loader::{Network, Synapses};

use super::report::{NumericalKind, NumericalWarning};
use super::synapses::source_rate_hz;
use super::weights::RING_BUFFER_SIGMA;

/// Per neuron and receptor, Σ ν w (µS/ms) and Σ ν w² (µS²/ms).
#[derive(Clone, Copy, Default)]
struct Shot {
    mean: [f64; 2],
    variance: [f64; 2],
}

/// The shot noise of every conductance neuron, summed one projection at a time as the mapper streams them.
pub struct Shots(Vec<Vec<Shot>>);

impl Shots {
    pub fn new(net: &Network) -> Shots {
        Shots(
            net.populations
                .iter()
                .map(|p| match p.cell_type {
                    CellType::IfCondExp => vec![Shot::default(); p.size as usize],
                    _ => Vec::new(),
                })
                .collect(),
        )
    }

    /// Adds the synapses of projection `j`.
    pub fn add(&mut self, net: &Network, j: usize, synapses: &Synapses) {
        let p = &net.projections[j];
        let post = &mut self.0[p.post.population];
        if post.is_empty() {
            return;
        }
        let rate_per_ms = source_rate_hz(&net.populations[p.pre.population]) * 1e-3;
        let r = usize::from(p.receptor_type == ReceptorType::Inhibitory);
        for (i, &n) in synapses.post.iter().enumerate() {
            let w = f64::from(synapses.weights.get(i)).abs();
            let s = &mut post[n as usize];
            s.mean[r] += rate_per_ms * w;
            s.variance[r] += rate_per_ms * w * w;
        }
    }
}

/// `ReversalOvershoot` warnings for the conductance populations of `net`, from the shot noise of all its
/// projections.
pub fn reversal_overshoot(net: &Network, shots: &Shots) -> Vec<NumericalWarning> {
    let dt = net.simulation.timestep_ms;
    let mut warnings = Vec::new();
    for (population, shots) in net.populations.iter().zip(&shots.0) {
        if shots.is_empty() {
            continue;
        }
        let param = |name: &str, n: u32| population.param(name).map_or(0.0, |v| v.get(n));
        // The worst neuron: the largest ratio of g·R·(1 − e) to e, with its conductance bound.
        let (mut worst, mut g_worst, mut tau_m_worst, mut r_worst) = (0.0f64, 0.0, 1.0, 0.0);
        for (n, s) in (0u32..).zip(shots) {
            let taus = [param("tau_syn_E", n), param("tau_syn_I", n)];
            let g: f64 = (0..2)
                .map(|r| {
                    s.mean[r] * taus[r] + RING_BUFFER_SIGMA * (s.variance[r] * taus[r] / 2.0).sqrt()
                })
                .sum();
            let tau_m = param("tau_m", n);
            let r_mohm = tau_m / param("cm", n);
            let ratio = overshoot_ratio(g, r_mohm, tau_m, dt);
            if ratio > worst {
                (worst, g_worst, tau_m_worst, r_worst) = (ratio, g, tau_m, r_mohm);
            }
        }
        if worst <= 1.0 {
            continue;
        }
        let fits = [0.1, 0.05, 0.01]
            .into_iter()
            .find(|&d| d < dt && overshoot_ratio(g_worst, r_worst, tau_m_worst, d) <= 1.0);
        warnings.push(NumericalWarning {
            kind: NumericalKind::ReversalOvershoot,
            subject: population.label.clone(),
            message: format!(
                "populations '{}': an input conductance of up to {g_worst:.3} µS (mean + {RING_BUFFER_SIGMA} σ at the \
                 assumed input rates) makes the runtime's explicit IF_cond_exp update overshoot the reversal \
                 potentials at dt = {dt} ms (g·R·(1 − e^(−dt/τm)) is {worst:.2} × e^(−dt/τm)); the network can run \
                 away where NEST's integrator would not",
                population.label
            ),
            advice: match fits {
                Some(d) => format!("set simulation.timestep_ms to {d} (the overshoot bound then holds)"),
                None => "use a smaller timestep or smaller conductance weights".to_string(),
            },
        });
    }
    warnings
}

/// The s16.15 range (spinnaker.md §4.9): |x| below this is representable.
const ACCUM_LIMIT: f64 = 65_536.0;

/// `FixedPointRange` warnings: parameters that saturate, LIF drives that wrap.
pub fn fixed_point_range(net: &Network) -> Vec<NumericalWarning> {
    let mut warnings = Vec::new();
    for population in &net.populations {
        let label = &population.label;
        let warn = |warnings: &mut Vec<NumericalWarning>, message: String, advice: &str| {
            warnings.push(NumericalWarning {
                kind: NumericalKind::FixedPointRange,
                subject: label.clone(),
                message: format!("populations '{label}': {message}"),
                advice: advice.to_string(),
            })
        };
        // Spike sources' rates, times and durations are not s16.15 on the chip.
        let source = matches!(
            population.cell_type,
            CellType::SpikeSourcePoisson | CellType::SpikeSourceArray
        );
        for spec in population.cell_type.params().iter().filter(|_| !source) {
            let Some(values) = population.param(spec.name) else {
                continue;
            };
            let (lo, hi) = values.range();
            if lo.abs().max(hi.abs()) >= ACCUM_LIMIT {
                warn(
                    &mut warnings,
                    format!(
                        "{} reaches {} ({}), beyond the runtime's s16.15 range of ±65,536, and saturates",
                        spec.name,
                        if hi.abs() >= lo.abs() { hi } else { lo },
                        spec.unit
                    ),
                    "check the parameter's unit (PyNN: mV, nA, nF, ms)",
                );
            }
        }
        let lif = matches!(
            population.cell_type,
            CellType::IfCurrExp | CellType::IfCurrAlpha | CellType::IfCondExp
        );
        if !lif {
            continue;
        }
        let param = |name: &str, n: u32| population.param(name).map_or(0.0, |v| v.get(n));
        let worst = (0..population.size)
            .map(|n| param("i_offset", n) * param("tau_m", n) / param("cm", n) + param("v_rest", n))
            .fold(0.0f64, |a, b| if b.abs() > a.abs() { b } else { a });
        if worst.abs() >= ACCUM_LIMIT {
            warn(
                &mut warnings,
                format!(
                    "the membrane's constant drive i_offset·R + v_rest reaches {worst:.0} mV, beyond the s16.15 \
                     range of ±65,536: the update wraps at every step and the neuron's output is meaningless"
                ),
                "lower i_offset (in nA) or R = tau_m / cm",
            );
        }
    }
    warnings
}

/// `g·R·(1 − e) / e` with `e = exp(−dt/τ_m)`: above 1 the explicit step overshoots.
fn overshoot_ratio(g_us: f64, r_mohm: f64, tau_m: f64, dt: f64) -> f64 {
    let e = (-dt / tau_m).exp();
    g_us * r_mohm * (1.0 - e) / e
}

#[cfg(test)]
mod tests {
    use super::overshoot_ratio;

    #[test]
    fn the_overshoot_limit_matches_the_update() {
        // VA COBA's cells: R = 20 ms / 0.2 nF = 100 MΩ. At dt = 1 ms 0.2 µS is past the limit
        // (0.2 × 100 × 0.0488 / 0.951 ≈ 1.03); at dt = 0.1 ms it is far below it.
        assert!(overshoot_ratio(0.2, 100.0, 20.0, 1.0) > 1.0);
        assert!(overshoot_ratio(0.2, 100.0, 20.0, 0.1) < 0.11);
        assert!(overshoot_ratio(0.0, 100.0, 20.0, 1.0) == 0.0);
    }
}
