//! f64 references of exactly the equations the fixed-point models evaluate (tests only).
//!
//! Each is built from a fixed-point neuron, taking its *quantised* coefficients as f64, so a comparison measures
//! the arithmetic (truncated products) alone, not the parameter encoding. Conductances are divided by 1024
//! exactly instead of shifted.

use spinnaker_emu::runtime::neuron::Receptor;
use spinnaker_emu::runtime::neuron::cond::{CONDUCTANCE_SHIFT, LifCondExp, Reversal};
use spinnaker_emu::runtime::neuron::exp_synapse::{ExpSynapse, ExpSynapses};
use spinnaker_emu::runtime::neuron::izhikevich::{
    IzhCurrExp, Izhikevich, MAGIC_MULTIPLIER, SIMPLE_TQ_OFFSET, THRESHOLD,
};
use spinnaker_emu::runtime::neuron::lif::{Lif, LifCurrExp};

/// One exponential synapse.
#[derive(Clone, Copy, Debug)]
pub struct RefSynapse {
    decay: f64,
    init: f64,
    pub value: f64,
}

impl RefSynapse {
    fn of(s: &ExpSynapse) -> RefSynapse {
        RefSynapse {
            decay: s.decay_factor.to_f64(),
            init: s.init_factor.to_f64(),
            value: s.value.to_f64(),
        }
    }
}

/// Both receptors.
#[derive(Clone, Copy, Debug)]
pub struct RefSynapses {
    pub exc: RefSynapse,
    pub inh: RefSynapse,
}

impl RefSynapses {
    fn of(s: &ExpSynapses) -> RefSynapses {
        RefSynapses {
            exc: RefSynapse::of(&s.exc),
            inh: RefSynapse::of(&s.inh),
        }
    }

    pub fn transfer(&mut self, receptor: Receptor, w: f64) {
        let s = match receptor {
            Receptor::Excitatory => &mut self.exc,
            Receptor::Inhibitory => &mut self.inh,
        };
        s.value += w * s.init;
    }

    fn decay(&mut self) {
        self.exc.value *= self.exc.decay;
        self.inh.value *= self.inh.decay;
    }
}

/// The LIF membrane.
#[derive(Clone, Copy, Debug)]
pub struct RefLif {
    v_rest: f64,
    v_reset: f64,
    v_thresh: f64,
    r: f64,
    exp_tc: f64,
    i_offset: f64,
    t_refract: i32,
    pub v: f64,
    timer: i32,
}

impl RefLif {
    pub fn of(l: &Lif) -> RefLif {
        let p = &l.params;
        RefLif {
            v_rest: p.v_rest.to_f64(),
            v_reset: p.v_reset.to_f64(),
            v_thresh: p.v_thresh.to_f64(),
            r: p.r_membrane.to_f64(),
            exp_tc: p.exp_tc.to_f64(),
            i_offset: p.i_offset.to_f64(),
            t_refract: p.t_refract,
            v: l.v.to_f64(),
            timer: l.refract_timer,
        }
    }

    fn step(&mut self, exc: f64, inh: f64) -> bool {
        if self.timer <= 0 {
            let alpha = (exc - inh + self.i_offset) * self.r + self.v_rest;
            self.v = alpha - self.exp_tc * (alpha - self.v);
        } else {
            self.timer -= 1;
        }
        let spiked = self.v >= self.v_thresh;
        if spiked {
            self.v = self.v_reset;
            self.timer = self.t_refract;
        }
        spiked
    }
}

/// The Izhikevich membrane.
#[derive(Clone, Copy, Debug)]
pub struct RefIzh {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    i_offset: f64,
    pub v: f64,
    pub u: f64,
    dt: f64,
    h: f64,
}

impl RefIzh {
    pub fn of(n: &Izhikevich) -> RefIzh {
        RefIzh {
            a: n.a.to_f64(),
            b: n.b.to_f64(),
            c: n.c.to_f64(),
            d: n.d.to_f64(),
            i_offset: n.i_offset.to_f64(),
            v: n.v.to_f64(),
            u: n.u.to_f64(),
            dt: n.dt.to_f64(),
            h: n.this_h.to_f64(),
        }
    }

    pub fn step(&mut self, exc: f64, inh: f64) -> bool {
        let k = MAGIC_MULTIPLIER.to_f64();
        let (h, v1, u1, a, b) = (self.h, self.v, self.u, self.a, self.b);
        let pre_alph = 140.0 + exc - inh + self.i_offset - u1;
        let alpha = pre_alph + (5.0 + k * v1) * v1;
        let eta = v1 + h * alpha / 2.0;
        let beta = h * (b * v1 - u1) * a / 2.0;
        self.v += h * (pre_alph - beta + (5.0 + k * eta) * eta);
        self.u += a * h * (-u1 - beta + b * eta);
        self.h = self.dt;
        let spiked = self.v >= THRESHOLD.to_f64();
        if spiked {
            self.v = self.c;
            self.u += self.d;
            self.h = self.dt * SIMPLE_TQ_OFFSET.to_f64();
        }
        spiked
    }
}

/// The three neurons with their synapses, mirroring [`NeuronModel`](spinnaker_emu::runtime::neuron::NeuronModel).
#[derive(Clone, Copy, Debug)]
pub enum RefNeuron {
    LifCurr(RefLif, RefSynapses),
    LifCond(RefLif, (f64, f64), RefSynapses),
    IzhCurr(RefIzh, RefSynapses),
}

impl RefNeuron {
    pub fn lif_curr(n: &LifCurrExp) -> RefNeuron {
        RefNeuron::LifCurr(RefLif::of(&n.lif), RefSynapses::of(&n.synapses))
    }

    pub fn lif_cond(n: &LifCondExp) -> RefNeuron {
        let Reversal { e_rev_e, e_rev_i } = n.reversal;
        RefNeuron::LifCond(
            RefLif::of(&n.lif),
            (e_rev_e.to_f64(), e_rev_i.to_f64()),
            RefSynapses::of(&n.synapses),
        )
    }

    pub fn izh_curr(n: &IzhCurrExp) -> RefNeuron {
        RefNeuron::IzhCurr(RefIzh::of(&n.izh), RefSynapses::of(&n.synapses))
    }

    pub fn transfer(&mut self, receptor: Receptor, w: f64) {
        match self {
            RefNeuron::LifCurr(_, s) | RefNeuron::LifCond(_, _, s) | RefNeuron::IzhCurr(_, s) => {
                s.transfer(receptor, w)
            }
        }
    }

    pub fn v(&self) -> f64 {
        match self {
            RefNeuron::LifCurr(l, _) | RefNeuron::LifCond(l, _, _) => l.v,
            RefNeuron::IzhCurr(n, _) => n.v,
        }
    }

    pub fn update(&mut self) -> bool {
        let scale = f64::from(1u32 << CONDUCTANCE_SHIFT);
        let (spiked, s) = match self {
            RefNeuron::LifCurr(l, s) => (l.step(s.exc.value, s.inh.value), s),
            RefNeuron::LifCond(l, (e_e, e_i), s) => {
                let i_exc = s.exc.value / scale * (*e_e - l.v);
                let i_inh = -(s.inh.value / scale) * (*e_i - l.v);
                (l.step(i_exc, i_inh), s)
            }
            RefNeuron::IzhCurr(n, s) => (n.step(s.exc.value, s.inh.value), s),
        };
        s.decay();
        spiked
    }
}
