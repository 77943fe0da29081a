//! What the machine's arithmetic does to each plastic projection's learning rule (`projections[].stdp` and the
//! STDP entries of `numerical_warnings` in mapping.json).
//!
//! A plastic weight lives in its row as 16 bits at the receiving core's weight scale (`weights`). At every row
//! update the runtime widens it to s16.15, applies the rule, and stores `bits >> shift` back (sPyNNaker 7.x
//! `weight_get_final`): the low `shift` bits of each update are truncated away. With the fractional part of the
//! new weight uniform over its 2^shift values, an update that moves a weight loses (1 − 2^−shift)/2 of a stored
//! unit on average, whatever its sign: potentiation comes out short and depression long, so weights drift
//! towards w_min. Against steps of many units that is noise; against steps of a few it is a second learning rule.
//!
//! The steps are those of the machine's rule (`stdp_rule::stdp_config`): A± in weight units for the additive
//! dependence, A± × (w_max − w_min) at most for the multiplicative one, at a full trace (1.0).

use nmemu_loader::Network;
use nmemu_loader::format::{SynapseSpec, TimingDependence, WeightDependence};
use nmemu_loader::network::Projection;
use serde::Serialize;

use super::partition::Partition;
use super::report::{NumericalKind, NumericalWarning};
use super::synapses::target;
use super::weights::WeightScale;

/// Below this many stored units a full-trace step loses more than 1/8 of itself to truncation on average
/// (half a unit): the warning's "a few LSB".
pub const MIN_STEP_UNITS: f64 = 4.0;

/// One plastic projection's rule in the units the machine stores.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StdpReport {
    /// `additive` or `multiplicative`.
    pub rule: &'static str,
    /// The unit of `weight_lsb` and `truncation_bias`: the post cell type's weight unit.
    pub weight_unit: &'static str,
    /// The ring-buffer shift of the projection's synapse type on its coarsest receiving core.
    pub weight_shift: u8,
    /// One stored unit (LSB) in PyNN weight units, on that core.
    pub weight_lsb: f64,
    /// The largest potentiation and depression step (full trace) in stored units.
    pub a_plus_lsb: f64,
    pub a_minus_lsb: f64,
    /// The expected truncation loss of one update that changes a weight, in stored units (≤ 0) and in PyNN
    /// weight units.
    pub truncation_bias_lsb: f64,
    pub truncation_bias: f64,
}

/// Per projection, its [`StdpReport`] (`None` for static projections).
pub fn reports(
    net: &Network,
    partition: &Partition,
    scales: &[[WeightScale; 2]],
) -> Vec<Option<StdpReport>> {
    (0..net.projections.len())
        .map(|j| report(net, j, partition, scales))
        .collect()
}

fn report(
    net: &Network,
    j: usize,
    partition: &Partition,
    scales: &[[WeightScale; 2]],
) -> Option<StdpReport> {
    let p = &net.projections[j];
    let SynapseSpec::StdpMechanism {
        timing_dependence:
            TimingDependence::SpikePairRule {
                a_plus, a_minus, ..
            },
        weight_dependence,
        ..
    } = p.synapse
    else {
        return None;
    };
    let synapse_type = usize::from(target(net, j).ok()?.synapse_type);
    let scale = scales[partition.populations[p.post.population].slices.clone()]
        .iter()
        .map(|s| s[synapse_type])
        .max_by_key(|s| s.shift)?;
    let units = scale.units_per_weight();
    let (w_min, w_max) = weight_dependence.bounds();
    let (rule, span) = match weight_dependence {
        WeightDependence::AdditiveWeightDependence { .. } => ("additive", 1.0),
        WeightDependence::MultiplicativeWeightDependence { .. } => {
            ("multiplicative", w_max - w_min)
        }
    };
    let bias_units = -(1.0 - 0.5f64.powi(i32::from(scale.shift))) / 2.0;
    Some(StdpReport {
        rule,
        weight_unit: weight_unit(net, j),
        weight_shift: scale.shift,
        weight_lsb: 1.0 / units,
        a_plus_lsb: a_plus.abs() * span * units,
        a_minus_lsb: a_minus.abs() * span * units,
        truncation_bias_lsb: bias_units,
        truncation_bias: bias_units / units,
    })
}

fn weight_unit(net: &Network, j: usize) -> &'static str {
    let post = &net.populations[net.projections[j].post.population];
    post.cell_type
        .synapse_kind()
        .map_or("", |k| k.weight_unit())
}

/// The warnings the reports call for: steps of fewer than [`MIN_STEP_UNITS`] stored units, and additive amplitudes
/// whose meaning differs from PyNN's.
pub fn warnings(net: &Network, reports: &[Option<StdpReport>]) -> Vec<NumericalWarning> {
    let mut out = Vec::new();
    for (p, r) in net.projections.iter().zip(reports) {
        let Some(r) = r else { continue };
        let label = &p.label;
        let steps = [r.a_plus_lsb, r.a_minus_lsb];
        let smallest = steps
            .into_iter()
            .filter(|&s| s > 0.0)
            .fold(f64::INFINITY, f64::min);
        if smallest < MIN_STEP_UNITS {
            out.push(NumericalWarning {
                kind: NumericalKind::StdpQuantisation,
                subject: label.clone(),
                message: format!(
                    "projections '{label}': plastic weights are stored in steps of {:.3e} {unit} (ring-buffer \
                     shift {}); a full-trace potentiation is {:.2} steps and a depression {:.2}, and every \
                     update truncates the new weight, losing {:.2} of a step on average ({:.3e} {unit}), so \
                     weights drift towards w_min",
                    r.weight_lsb,
                    r.weight_shift,
                    r.a_plus_lsb,
                    r.a_minus_lsb,
                    -r.truncation_bias_lsb,
                    -r.truncation_bias,
                    unit = r.weight_unit,
                ),
                advice: format!(
                    "make every step at least {MIN_STEP_UNITS} stored units: larger A_plus/A_minus, or finer \
                     steps from a smaller ring-buffer shift (fewer incoming synapses per neuron, a smaller \
                     w_max or smaller weights onto '{}')",
                    net.populations[p.post.population].label
                ),
            });
        }
        if let Some(warning) = additive_meaning(p, r.weight_unit) {
            out.push(warning);
        }
    }
    out
}

/// sPyNNaker 7.x's additive rule steps by A± in weight units (see `stdp_rule::stdp_config`); PyNN's NEST backend
/// (`stdp_synapse`, which works on w / Wmax, with `lambda` = A_plus) steps by A± × w_max. They agree only when
/// w_max is 1.
fn additive_meaning(p: &Projection, unit: &str) -> Option<NumericalWarning> {
    let SynapseSpec::StdpMechanism {
        timing_dependence:
            TimingDependence::SpikePairRule {
                a_plus, a_minus, ..
            },
        weight_dependence: WeightDependence::AdditiveWeightDependence { w_max, .. },
        ..
    } = p.synapse
    else {
        return None;
    };
    if w_max == 1.0 || w_max <= 0.0 {
        return None;
    }
    let label = &p.label;
    Some(NumericalWarning {
        kind: NumericalKind::ParameterMeaning,
        subject: label.clone(),
        message: format!(
            "projections '{label}': sPyNNaker 7.x's additive STDP takes A_plus and A_minus as weights (a \
             full-trace step of {a_plus} {unit}), where PyNN's NEST backend scales them by w_max = {w_max} (a \
             step of {} {unit}): steps here are {:.3} times NEST's",
            a_plus * w_max,
            1.0 / w_max
        ),
        advice: format!(
            "the amplitudes run as sPyNNaker 7.x runs them; if they were meant as NEST's fractions of w_max, \
             give A_plus = {} and A_minus = {} (A x w_max)",
            a_plus * w_max,
            a_minus * w_max
        ),
    })
}

#[cfg(test)]
mod tests;
