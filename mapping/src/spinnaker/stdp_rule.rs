//! PyNN's `STDPMechanism(SpikePairRule(...), <dependence>(...))` -> the rule a neuron core's image holds
//! (`StdpConfig`: decay tables and s16.15 bounds and amplitudes), as sPyNNaker 7.x's host writes it.

use nmemu_loader::format::{TimingDependence, WeightDependence};
use spinnaker_emu::runtime::stdp::{StdpConfig, StdpError, WeightRegion, WeightRule};

/// The parameters sPyNNaker 7.x writes for `timing` and `weights` on a core with `n_synapse_types` synapse
/// types at time step `timestep_ms`.
///
/// `global_weight_scale` is 1 for current-based and 1024 for conductance-based neurons (§4.8). Per synapse
/// type the bounds are `w × global_weight_scale` as s16.15; A± are `A × global_weight_scale` for the
/// additive rule and bare for the multiplicative one (`WeightDependenceAdditive/Multiplicative
/// .write_parameters`). The 16-bit row weights of the plastic synapses must be encoded with the same
/// per-type ring-buffer shift as static ones.
///
/// The additive A± are *not* multiplied by w_max. sPyNNaker up to 6.0 wrote `round(A × w_max × scale)`
/// (after PyNN, whose NEST backend maps A_plus to `lambda`, a fraction of w_max); 7.x's
/// `weight_dependence_additive.py` writes `A × global_weight_scale` (the "pre-multiply by Wmax" comment
/// above it survives, the factor does not), and 7.x's reference for its own tests,
/// `synapse_dynamics_utils.calculate_spike_pair_additive_stdp_weight` (used by `test_stdp_pair_additive.py`
/// with w_max 5), adds `A × e^(-Δt/τ)` whatever w_max. The mapper warns where this departs from PyNN.
pub fn stdp_config(
    timing: &TimingDependence,
    weights: &WeightDependence,
    timestep_ms: f64,
    n_synapse_types: usize,
    global_weight_scale: f64,
) -> Result<StdpConfig, StdpError> {
    let TimingDependence::SpikePairRule {
        tau_plus,
        tau_minus,
        a_plus,
        a_minus,
    } = *timing;
    let (rule, amplitude_scale) = match weights {
        WeightDependence::AdditiveWeightDependence { .. } => {
            (WeightRule::Additive, global_weight_scale)
        }
        WeightDependence::MultiplicativeWeightDependence { .. } => {
            (WeightRule::Multiplicative, 1.0)
        }
    };
    let (w_min, w_max) = weights.bounds();
    let region = WeightRegion::from_f64(
        w_min * global_weight_scale,
        w_max * global_weight_scale,
        a_plus * amplitude_scale,
        a_minus * amplitude_scale,
    );
    StdpConfig::new(
        timestep_ms,
        tau_plus,
        tau_minus,
        rule,
        region,
        n_synapse_types,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use spinnaker_emu::runtime::fixed::Accum;

    fn pair(tau_minus: f64, a_plus: f64, a_minus: f64) -> TimingDependence {
        TimingDependence::SpikePairRule {
            tau_plus: 20.0,
            tau_minus,
            a_plus,
            a_minus,
        }
    }

    #[test]
    fn pynn_parameters_become_the_hosts_s1615_words() {
        let timing = pair(20.0, 0.02, 0.03);
        let (w_min, w_max) = (0.001, 0.01);
        // Conductance core: weights in uS times 1024.
        let add = stdp_config(
            &timing,
            &WeightDependence::AdditiveWeightDependence { w_min, w_max },
            0.1,
            2,
            1024.0,
        )
        .unwrap();
        let r = add.weights.regions[1];
        assert_eq!(r.max_weight, Accum::from_f64(10.24));
        assert_eq!(r.a2_plus, Accum::from_f64(20.48));
        assert!(add.backprop_delay);
        let mul = stdp_config(
            &timing,
            &WeightDependence::MultiplicativeWeightDependence { w_min, w_max },
            0.1,
            2,
            1024.0,
        )
        .unwrap();
        assert_eq!(mul.weights.regions[0].a2_minus, Accum::from_f64(0.03));
        assert!(mul.check(2).is_ok());
        assert_eq!(
            mul.check(3),
            Err(StdpError::WrongTypeCount {
                regions: 2,
                synapse_types: 3
            })
        );
    }

    #[test]
    fn a_bad_time_constant_is_named() {
        let e = stdp_config(
            &pair(0.0, 0.01, 0.01),
            &WeightDependence::AdditiveWeightDependence {
                w_min: 0.0,
                w_max: 1.0,
            },
            1.0,
            2,
            1.0,
        )
        .unwrap_err();
        assert!(e.to_string().contains("tau_minus"), "{e}");
    }
}
