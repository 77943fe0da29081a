//! Interim weights until bss-params' `weights.rs` is merged: a fixed scale and nearest-level rounding.

use brainscales_emu::synapse::RowConfig;
use brainscales_emu::synapse::driver::{TRAFO_REFERENCE_GMAX_DIV, TRAFO_REFERENCE_V_GMAX_DAC, conductance_siemens};

use super::synapses::RowWeights;

/// Hardware siemens per biological microsiemens.
pub fn weight_scale(_cm_nf: f64, _denmems: usize) -> f64 {
    1e-6
}

/// The nearest of the 16 levels at the reference row setting.
pub fn quantise_row(weights_hw_siemens: &[f64]) -> RowWeights {
    let level = |w: f64| {
        (0..16u8)
            .min_by(|&a, &b| {
                let d = |l| (conductance_siemens(l, TRAFO_REFERENCE_V_GMAX_DAC, TRAFO_REFERENCE_GMAX_DIV) - w).abs();
                d(a).total_cmp(&d(b))
            })
            .expect("16 levels")
    };
    let weights: Vec<u8> = weights_hw_siemens.iter().map(|&w| level(w)).collect();
    RowWeights {
        row: RowConfig::default(),
        realised_hw: weights
            .iter()
            .map(|&l| conductance_siemens(l, TRAFO_REFERENCE_V_GMAX_DAC, TRAFO_REFERENCE_GMAX_DIV))
            .collect(),
        weights,
    }
}
