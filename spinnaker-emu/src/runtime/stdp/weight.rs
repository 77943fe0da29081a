//! Weight dependences of the one-term STDP rules (upstream `weight_additive_one_term_impl.h`,
//! `weight_multiplicative_impl.h`; PyNN `AdditiveWeightDependence`, `MultiplicativeWeightDependence`, spec
//! B3.2).
//!
//! While a synapse is updated its weight is an s16.15 value in the units of the neuron's input: the 16-bit
//! row weight shifted left by the synapse type's ring-buffer shift (§4.8). Bounds and amplitudes are s16.15
//! too, written by the host per synapse type. At the end the weight goes back to 16 bits by shifting right
//! (truncating), exactly as it went in.

use serde::{Deserialize, Serialize};

use super::lut::mul_accum_fixed;
use crate::runtime::fixed::Accum;

/// How the size of a weight change depends on the weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WeightRule {
    /// Δw = ±A × trace, independent of w; the weight is clamped to [w_min, w_max] after every step.
    Additive,
    /// Potentiation (w_max − w)·A+ × trace, depression (w − w_min)·A− × trace. Upstream does not clamp: the
    /// factors keep w inside the bounds unless A × trace exceeds 1.
    Multiplicative,
}

/// One synapse type's weight-dependence parameters as the core holds them
/// (`plasticity_weight_region_data_t`), all s16.15.
///
/// For [`WeightRule::Additive`], `a2_plus`/`a2_minus` are A± in weight units (A± × the global weight
/// scale); for [`WeightRule::Multiplicative`] they are the bare A± (sPyNNaker 7.x `write_parameters`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightRegion {
    pub min_weight: Accum,
    pub max_weight: Accum,
    pub a2_plus: Accum,
    pub a2_minus: Accum,
}

impl WeightRegion {
    /// The region of bounds `min_weight`, `max_weight` and amplitudes `a2_plus`, `a2_minus` (already scaled as
    /// above), each rounded to s16.15 as the host writes it.
    pub fn from_f64(min_weight: f64, max_weight: f64, a2_plus: f64, a2_minus: f64) -> WeightRegion {
        WeightRegion {
            min_weight: Accum::from_f64(min_weight),
            max_weight: Accum::from_f64(max_weight),
            a2_plus: Accum::from_f64(a2_plus),
            a2_minus: Accum::from_f64(a2_minus),
        }
    }
}

/// The weight dependence of a core: the rule and, per synapse type, its parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightDependence {
    pub rule: WeightRule,
    /// Indexed by synapse type; one per type of the core (`n_synapse_types` regions upstream).
    pub regions: Vec<WeightRegion>,
}

/// One synapse's weight while its deferred update is applied (`weight_state_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightState {
    weight: Accum,
    shift: u32,
    /// Clamps that changed the weight (additive rule only).
    clips: u32,
}

impl WeightState {
    /// `weight_get_initial`: the row's 16-bit weight as s16.15 input units (`kbits(weight << shift)`).
    pub fn new(weight: u16, shift: u8) -> WeightState {
        let shift = u32::from(shift);
        WeightState {
            weight: Accum::from_ring_buffer(weight, shift),
            shift,
            clips: 0,
        }
    }

    /// The weight now, s16.15.
    pub fn weight(&self) -> Accum {
        self.weight
    }

    /// How many clamps to the bounds changed the weight so far.
    pub fn clips(&self) -> u32 {
        self.clips
    }

    /// `weight_one_term_apply_potentiation` with a potentiation of `amount` (s4.11).
    pub fn potentiate(&mut self, rule: WeightRule, region: &WeightRegion, amount: i32) {
        match rule {
            WeightRule::Additive => {
                let raised = self.weight + mul_accum_fixed(region.a2_plus, amount);
                self.weight = self.clamp(raised, raised.min(region.max_weight));
            }
            WeightRule::Multiplicative => {
                let scale = (region.max_weight - self.weight) * region.a2_plus;
                self.weight += mul_accum_fixed(scale, amount);
            }
        }
    }

    /// `weight_one_term_apply_depression` with a depression of `amount` (s4.11).
    pub fn depress(&mut self, rule: WeightRule, region: &WeightRegion, amount: i32) {
        match rule {
            WeightRule::Additive => {
                let lowered = self.weight - mul_accum_fixed(region.a2_minus, amount);
                self.weight = self.clamp(lowered, lowered.max(region.min_weight));
            }
            WeightRule::Multiplicative => {
                let scale = (self.weight - region.min_weight) * region.a2_minus;
                self.weight -= mul_accum_fixed(scale, amount);
            }
        }
    }

    /// Counts a clamp that moved `value` to `clamped`.
    fn clamp(&mut self, value: Accum, clamped: Accum) -> Accum {
        self.clips += u32::from(clamped != value);
        clamped
    }

    /// `weight_get_final`: back to the row's 16 bits, `bitsk(weight) >> shift` cast to `uint16_t`.
    pub fn final_weight(&self) -> u16 {
        (self.weight.0 >> self.shift) as u16
    }
}
