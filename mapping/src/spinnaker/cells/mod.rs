//! PyNN cell parameters (PyNN's names and units: ms, nF, mV, nA, µS) -> the runtime's fixed-point neurons, as
//! sPyNNaker's host code encodes them (spinnaker.md §4.10). The machine crate holds only the encoded words; this
//! is the one place the PyNN names meet them.

use spinnaker_emu::runtime::fixed::Accum;
use spinnaker_emu::runtime::neuron::alpha_synapse::AlphaSynapses;
use spinnaker_emu::runtime::neuron::cond::{LifCondExp, Reversal};
use spinnaker_emu::runtime::neuron::exp_synapse::ExpSynapses;
use spinnaker_emu::runtime::neuron::izhikevich::{IzhCurrExp, Izhikevich};
use spinnaker_emu::runtime::neuron::lif::{
    Lif, LifCurr, LifCurrAlpha, LifCurrExp, LifParams, refractory_steps,
};

/// LIF parameters in PyNN units (ms, nF, mV, nA), with the synaptic time constants of the `*_exp` models.
/// `Default` is PyNN's `IF_curr_exp` default as sPyNNaker uses it (§4.10).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LifConfig {
    /// Membrane time constant τ_m (ms).
    pub tau_m: f64,
    /// Membrane capacitance C_m (nF).
    pub cm: f64,
    /// Resting potential (mV).
    pub v_rest: f64,
    /// Potential after a spike (mV).
    pub v_reset: f64,
    /// Threshold (mV).
    pub v_thresh: f64,
    /// Refractory period (ms).
    pub tau_refrac: f64,
    /// Constant input current (nA).
    pub i_offset: f64,
    /// Excitatory synaptic time constant (ms).
    pub tau_syn_e: f64,
    /// Inhibitory synaptic time constant (ms).
    pub tau_syn_i: f64,
    /// Initial membrane potential (mV; PyNN's initial value `v`).
    pub v: f64,
}

impl Default for LifConfig {
    fn default() -> LifConfig {
        LifConfig {
            tau_m: 20.0,
            cm: 1.0,
            v_rest: -65.0,
            v_reset: -65.0,
            v_thresh: -50.0,
            tau_refrac: 0.1,
            i_offset: 0.0,
            tau_syn_e: 5.0,
            tau_syn_i: 5.0,
            v: -65.0,
        }
    }
}

/// Reversal potentials (mV). `Default` is PyNN's `IF_cond_exp` default.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CondConfig {
    /// Excitatory reversal potential E_rev_E.
    pub e_rev_e: f64,
    /// Inhibitory reversal potential E_rev_I.
    pub e_rev_i: f64,
}

impl Default for CondConfig {
    fn default() -> CondConfig {
        CondConfig {
            e_rev_e: 0.0,
            e_rev_i: -70.0,
        }
    }
}

/// Izhikevich parameters and initial state in PyNN units, with the synaptic time constants.
/// `Default` is PyNN's `Izhikevich` default (§4.10) with sPyNNaker's 5 ms synapses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IzhConfig {
    /// Recovery time scale.
    pub a: f64,
    /// Recovery sensitivity.
    pub b: f64,
    /// Reset voltage (mV).
    pub c: f64,
    /// Recovery increment at a spike.
    pub d: f64,
    /// Constant input current (nA, used as mV/ms).
    pub i_offset: f64,
    /// Initial V (mV).
    pub v: f64,
    /// Initial U.
    pub u: f64,
    /// Excitatory synaptic time constant (ms).
    pub tau_syn_e: f64,
    /// Inhibitory synaptic time constant (ms).
    pub tau_syn_i: f64,
}

impl Default for IzhConfig {
    fn default() -> IzhConfig {
        IzhConfig {
            a: 0.02,
            b: 0.2,
            c: -65.0,
            d: 2.0,
            i_offset: 0.0,
            v: -70.0,
            u: -14.0,
            tau_syn_e: 5.0,
            tau_syn_i: 5.0,
        }
    }
}

/// The LIF membrane's s16.15 parameters for timestep `dt_ms`. The chip derives `R` and `exp_TC` with
/// `kdivk`/`expk`; we take the f64 values rounded to s16.15, which can differ from `expk` by about one LSB.
///
/// # Panics
/// If `tau_m`, `cm` or `dt_ms` is not positive (validation refuses such networks before mapping).
pub fn lif_params(c: &LifConfig, dt_ms: f64) -> LifParams {
    assert!(
        c.tau_m > 0.0 && c.cm > 0.0 && dt_ms > 0.0,
        "tau_m {} ms, cm {} nF and dt {dt_ms} ms must be positive",
        c.tau_m,
        c.cm
    );
    LifParams {
        v_rest: Accum::from_f64(c.v_rest),
        v_reset: Accum::from_f64(c.v_reset),
        v_thresh: Accum::from_f64(c.v_thresh),
        r_membrane: Accum::from_f64(c.tau_m / c.cm),
        exp_tc: Accum::from_f64((-dt_ms / c.tau_m).exp()),
        i_offset: Accum::from_f64(c.i_offset),
        t_refract: refractory_steps(c.tau_refrac, dt_ms),
    }
}

/// A LIF membrane at its initial voltage, not refractory.
pub fn lif(c: &LifConfig, dt_ms: f64) -> Lif {
    Lif {
        params: lif_params(c, dt_ms),
        v: Accum::from_f64(c.v),
        refract_timer: 0,
        fixed_point_wraps: 0,
    }
}

/// `IF_curr_exp` at its initial state, for timestep `dt_ms`.
pub fn lif_curr_exp(c: &LifConfig, dt_ms: f64) -> LifCurrExp {
    LifCurr {
        lif: lif(c, dt_ms),
        synapses: ExpSynapses::new(c.tau_syn_e, c.tau_syn_i, dt_ms),
    }
}

/// `IF_curr_alpha` at its initial state, for timestep `dt_ms`.
pub fn lif_curr_alpha(c: &LifConfig, dt_ms: f64) -> LifCurrAlpha {
    LifCurr {
        lif: lif(c, dt_ms),
        synapses: AlphaSynapses::new(c.tau_syn_e, c.tau_syn_i, dt_ms),
    }
}

/// The s16.15 reversal potentials.
pub fn reversal(c: &CondConfig) -> Reversal {
    Reversal {
        e_rev_e: Accum::from_f64(c.e_rev_e),
        e_rev_i: Accum::from_f64(c.e_rev_i),
    }
}

/// `IF_cond_exp` at its initial state, for timestep `dt_ms`. PyNN's `IF_cond_exp` defaults are
/// `LifConfig::default()` (its membrane and synapse defaults equal `IF_curr_exp`'s) with
/// `CondConfig::default()`.
pub fn lif_cond_exp(c: &LifConfig, rev: &CondConfig, dt_ms: f64) -> LifCondExp {
    LifCondExp {
        lif: lif(c, dt_ms),
        reversal: reversal(rev),
        synapses: ExpSynapses::new(c.tau_syn_e, c.tau_syn_i, dt_ms),
        reversal_crossings: 0,
    }
}

/// An Izhikevich membrane at its initial state for timestep `dt_ms`.
pub fn izhikevich(c: &IzhConfig, dt_ms: f64) -> Izhikevich {
    let dt = Accum::from_f64(dt_ms);
    Izhikevich {
        a: Accum::from_f64(c.a),
        b: Accum::from_f64(c.b),
        c: Accum::from_f64(c.c),
        d: Accum::from_f64(c.d),
        i_offset: Accum::from_f64(c.i_offset),
        v: Accum::from_f64(c.v),
        u: Accum::from_f64(c.u),
        dt,
        this_h: dt,
    }
}

/// `IZK_curr_exp` at its initial state, for timestep `dt_ms`.
pub fn izh_curr_exp(c: &IzhConfig, dt_ms: f64) -> IzhCurrExp {
    IzhCurrExp {
        izh: izhikevich(c, dt_ms),
        synapses: ExpSynapses::new(c.tau_syn_e, c.tau_syn_i, dt_ms),
    }
}

#[cfg(test)]
mod cond_tests;
#[cfg(test)]
mod izhikevich_tests;
#[cfg(test)]
mod lif_tests;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod trajectory_tests;
