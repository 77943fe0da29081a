//! Neurons for the runtime's own tests, as literal s16.15 words: PyNN's default cells at a 1 ms step as the
//! mapper encodes them. Encoding PyNN parameters is the mapper's job (`nmemu_mapping::spinnaker::cells`, tested
//! there); the runtime's tests need only some valid neurons.

use super::cond::{LifCondExp, Reversal};
use super::exp_synapse::ExpSynapses;
use super::izhikevich::{IzhCurrExp, Izhikevich};
use super::lif::{Lif, LifCurr, LifCurrExp, LifParams};
use crate::runtime::fixed::Accum;

/// `IF_curr_exp`'s defaults at 1 ms with a constant input `i_offset`: V_rest = V_reset = V = -65 mV, threshold
/// -50 mV, R = 20 MΩ, exp(-1/20) = 31,170 LSB, one refractory step, 5 ms synapses.
pub fn lif_curr_exp(i_offset: Accum) -> LifCurrExp {
    LifCurr {
        lif: lif(i_offset),
        synapses: ExpSynapses::new(5.0, 5.0, 1.0),
    }
}

fn lif(i_offset: Accum) -> Lif {
    Lif {
        params: LifParams {
            v_rest: Accum::from_int(-65),
            v_reset: Accum::from_int(-65),
            v_thresh: Accum::from_int(-50),
            r_membrane: Accum::from_int(20),
            exp_tc: Accum(31_170),
            i_offset,
            t_refract: 1,
        },
        v: Accum::from_int(-65),
        refract_timer: 0,
        fixed_point_wraps: 0,
    }
}

/// `IF_cond_exp`'s defaults at 1 ms: the membrane of [`lif_curr_exp`] without input, E_rev_E 0 mV, E_rev_I
/// -70 mV.
pub fn lif_cond_exp() -> LifCondExp {
    LifCondExp {
        lif: lif(Accum::ZERO),
        reversal: Reversal {
            e_rev_e: Accum::ZERO,
            e_rev_i: Accum::from_int(-70),
        },
        synapses: ExpSynapses::new(5.0, 5.0, 1.0),
        reversal_crossings: 0,
    }
}

/// `Izhikevich`'s defaults at 1 ms: a 0.02, b 0.2, c -65 mV, d 2, V -70 mV, U -14, 5 ms synapses.
pub fn izh_curr_exp() -> IzhCurrExp {
    IzhCurrExp {
        izh: Izhikevich {
            a: Accum(655),
            b: Accum(6554),
            c: Accum::from_int(-65),
            d: Accum::from_int(2),
            i_offset: Accum::ZERO,
            v: Accum::from_int(-70),
            u: Accum::from_int(-14),
            dt: Accum::ONE,
            this_h: Accum::ONE,
        },
        synapses: ExpSynapses::new(5.0, 5.0, 1.0),
    }
}
