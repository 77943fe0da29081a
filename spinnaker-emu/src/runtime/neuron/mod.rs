//! The per-neuron update of an application core (spec §4.10): sPyNNaker's "standard component pipeline" for the
//! three models the emulator runs, bit-exact in s16.15.
//!
//! Per neuron and timestep the runtime (and [`NeuronModel::update`]) does, in this order: read V and the
//! synaptic inputs, convert conductances (`>> 10`), record V and the summed inputs (the caller does this *before*
//! the update, with [`NeuronModel::recorded`]), turn conductances into currents, update the model, test the
//! threshold, reset on a spike, and only then decay the synaptic state. Ring-buffer inputs for the tick are
//! transferred before all that with [`NeuronModel::transfer`] (see [`Accum::from_ring_buffer`] for the §4.8
//! conversion).
//!
//! Models ([`lif::LifCurrExp`], [`lif::LifCurrAlpha`], [`cond::LifCondExp`], [`izhikevich::IzhCurrExp`]) hold
//! the s16.15 words the host writes; the mapper encodes PyNN parameters into them. One update per timestep is
//! modelled (`n_steps_per_timestep = 1`); current sources and additional inputs (§4.10 step 5) are not modelled. Every accum × accum product of a model update
//! uses the caller's [`Rounding`]; synaptic decays always truncate (`decay_s1615`, as in 7.1.1). Upstream only
//! the LIF update is known to have a round-to-nearest variant (§4.9); applying it to the conductance products and
//! the Izhikevich step as well is our choice, so that one switch selects one arithmetic.
//!
//! Time stamps: the runtime's first tick is `time = 0` (§4.2), so the n-th update runs at tick n − 1 and
//! sPyNNaker records its spikes at (n − 1)·dt; NEST's on-grid models stamp the same crossing at n·dt.

pub mod alpha_synapse;
pub mod cond;
pub mod exp_synapse;
pub mod izhikevich;
pub mod lif;

#[cfg(test)]
pub(crate) mod fixtures;

use crate::runtime::fixed::{Accum, Rounding};
use serde::{Deserialize, Serialize};

/// The synapse type a ring-buffer entry belongs to (`type` in the ring-buffer index, §4.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Receptor {
    /// Synapse type 0.
    Excitatory,
    /// Synapse type 1.
    Inhibitory,
}

/// The values sPyNNaker records for a neuron at the start of its update (§4.10 step 3, §4.12): V and the
/// summed synaptic inputs after the input-type conversion (currents in nA, or conductances in µS after `>> 10`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// Membrane voltage (mV).
    pub v: Accum,
    /// Summed excitatory input.
    pub gsyn_exc: Accum,
    /// Summed inhibitory input.
    pub gsyn_inh: Accum,
}

/// One neuron of some model with its synapse shaping: what a core's timer callback drives.
pub trait NeuronModel {
    /// Adds one ring-buffer value (already converted to s16.15, §4.8) to a receptor's synaptic state.
    fn transfer(&mut self, receptor: Receptor, input: Accum);
    /// The values to record, read *before* [`NeuronModel::update`] (§4.10 step 3).
    fn recorded(&self) -> Recorded;
    /// One timestep: model update, threshold test, reset, then synaptic decay (§4.10 steps 2, 4, 6–8).
    /// Returns whether the neuron spiked (the caller sends the MC packet and records the spike).
    fn update(&mut self, rounding: Rounding) -> bool;
    /// Updates whose explicit step carried V past a reversal potential (conductance models only).
    fn reversal_crossings(&self) -> u32 {
        0
    }
    /// Updates in which the membrane arithmetic wrapped out of the s16.15 range (the LIF models count it).
    fn fixed_point_wraps(&self) -> u32 {
        0
    }
}

/// The synapse shaping of a current-based neuron (sPyNNaker's `synapse_types_*_impl.h`).
pub trait CurrentSynapses {
    /// Adds one transferred ring-buffer input to a receptor (`synapse_types_add_neuron_input`).
    fn transfer(&mut self, receptor: Receptor, input: Accum);
    /// (excitatory, inhibitory) current the update sees (`synapse_types_get_*_input`).
    fn currents(&self) -> (Accum, Accum);
    /// The shaping step after the neuron update (`synapse_types_shape_input`).
    fn shape(&mut self);
}

/// The neurons of one core: all of one model, so a whole update is one monomorphic loop.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum NeuronArray {
    /// `IF_curr_exp` neurons.
    LifCurrExp(Vec<lif::LifCurrExp>),
    /// `IF_curr_alpha` neurons.
    LifCurrAlpha(Vec<lif::LifCurrAlpha>),
    /// `IF_cond_exp` neurons.
    LifCondExp(Vec<cond::LifCondExp>),
    /// `IZK_curr_exp` neurons.
    IzhCurrExp(Vec<izhikevich::IzhCurrExp>),
}

impl NeuronArray {
    /// Number of neurons.
    pub fn len(&self) -> usize {
        match self {
            NeuronArray::LifCurrExp(n) => n.len(),
            NeuronArray::LifCurrAlpha(n) => n.len(),
            NeuronArray::LifCondExp(n) => n.len(),
            NeuronArray::IzhCurrExp(n) => n.len(),
        }
    }

    /// Whether the core has no neurons.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Neuron `index`, for transfers and inspection.
    ///
    /// # Panics
    /// If `index >= len()`.
    pub fn neuron_mut(&mut self, index: usize) -> &mut dyn NeuronModel {
        match self {
            NeuronArray::LifCurrExp(n) => &mut n[index],
            NeuronArray::LifCurrAlpha(n) => &mut n[index],
            NeuronArray::LifCondExp(n) => &mut n[index],
            NeuronArray::IzhCurrExp(n) => &mut n[index],
        }
    }

    /// Σ [`NeuronModel::reversal_crossings`] over the core's neurons.
    pub fn reversal_crossings(&self) -> u64 {
        self.sum(|n| n.reversal_crossings())
    }

    /// Σ [`NeuronModel::fixed_point_wraps`] over the core's neurons.
    pub fn fixed_point_wraps(&self) -> u64 {
        self.sum(|n| n.fixed_point_wraps())
    }

    /// Σ `count(neuron)` over the core's neurons.
    fn sum(&self, count: impl Fn(&dyn NeuronModel) -> u32) -> u64 {
        fn total<N: NeuronModel>(neurons: &[N], count: impl Fn(&dyn NeuronModel) -> u32) -> u64 {
            neurons.iter().map(|n| u64::from(count(n))).sum()
        }
        match self {
            NeuronArray::LifCurrExp(n) => total(n, count),
            NeuronArray::LifCurrAlpha(n) => total(n, count),
            NeuronArray::LifCondExp(n) => total(n, count),
            NeuronArray::IzhCurrExp(n) => total(n, count),
        }
    }

    /// Updates every neuron in index order, calling `visit(index, recorded_before_update, spiked)` for each,
    /// which is the order in which the runtime records, updates and sends (§4.10).
    pub fn update_all(&mut self, rounding: Rounding, visit: impl FnMut(usize, Recorded, bool)) {
        fn run<N: NeuronModel>(
            neurons: &mut [N],
            rounding: Rounding,
            mut visit: impl FnMut(usize, Recorded, bool),
        ) {
            for (i, n) in neurons.iter_mut().enumerate() {
                let recorded = n.recorded();
                let spiked = n.update(rounding);
                visit(i, recorded, spiked);
            }
        }
        match self {
            NeuronArray::LifCurrExp(n) => run(n, rounding, visit),
            NeuronArray::LifCurrAlpha(n) => run(n, rounding, visit),
            NeuronArray::LifCondExp(n) => run(n, rounding, visit),
            NeuronArray::IzhCurrExp(n) => run(n, rounding, visit),
        }
    }
}

#[cfg(test)]
mod array_tests {
    use super::fixtures::{izh_curr_exp, lif_cond_exp, lif_curr_exp};
    use super::*;

    fn arrays() -> [NeuronArray; 3] {
        [
            NeuronArray::LifCurrExp(vec![lif_curr_exp(Accum::from_int(100)); 3]),
            NeuronArray::LifCondExp(vec![lif_cond_exp(); 2]),
            NeuronArray::IzhCurrExp(vec![izh_curr_exp(); 4]),
        ]
    }

    #[test]
    fn update_all_records_before_updating_in_index_order() {
        for mut a in arrays() {
            let last = a.len() - 1;
            assert!(!a.is_empty());
            a.neuron_mut(last)
                .transfer(Receptor::Excitatory, Accum::from_int(1));
            let expected = a.neuron_mut(last).recorded();
            let mut seen = vec![];
            a.update_all(Rounding::Truncate, |i, recorded, _| {
                seen.push(i);
                if i == last {
                    assert_eq!(recorded, expected);
                }
            });
            assert_eq!(seen, (0..=last).collect::<Vec<_>>());
            assert_ne!(
                a.neuron_mut(last).recorded(),
                expected,
                "the update moved the state"
            );
        }
    }

    #[test]
    fn update_all_reports_spikes() {
        let [mut lif, ..] = arrays();
        let mut spikes = vec![];
        for _ in 0..3 {
            let mut n = 0;
            lif.update_all(Rounding::Truncate, |_, _, s| n += usize::from(s));
            spikes.push(n);
        }
        // 100 nA crosses the threshold in one step; τ_refrac 0.1 ms freezes the next step.
        assert_eq!(spikes, [3, 0, 3]);
    }

    #[test]
    fn state_survives_a_serde_round_trip_bit_exactly() {
        for mut a in arrays() {
            a.neuron_mut(0)
                .transfer(Receptor::Inhibitory, Accum(12_345));
            a.update_all(Rounding::Truncate, |_, _, _| ());
            let mut b: NeuronArray =
                serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
            assert_eq!(a, b);
            for _ in 0..50 {
                a.update_all(Rounding::Nearest, |_, _, _| ());
                b.update_all(Rounding::Nearest, |_, _, _| ());
            }
            assert_eq!(a, b);
        }
    }
}
