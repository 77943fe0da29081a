//! PyNN's standard cell types as net.json names them: parameters with their defaults, units and allowed ranges,
//! initial values and recordable variables.
//!
//! Source: PyNN 0.13 `pyNN/standardmodels/cells.py` (`default_parameters`, `default_initial_values`, `recordable`,
//! `units`), summarised in `shared/spec/mapping-and-pynn.md` §B1. One table, so that defaults, validation and the
//! JSON Schema cannot disagree.

use schemars::JsonSchema;
use serde::Serialize;

/// A PyNN standard cell type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
pub enum CellType {
    #[serde(rename = "IF_curr_exp")]
    IfCurrExp,
    #[serde(rename = "IF_curr_alpha")]
    IfCurrAlpha,
    #[serde(rename = "IF_cond_exp")]
    IfCondExp,
    #[serde(rename = "IF_cond_alpha")]
    IfCondAlpha,
    #[serde(rename = "EIF_cond_exp_isfa_ista")]
    EifCondExpIsfaIsta,
    Izhikevich,
    SpikeSourcePoisson,
    SpikeSourceArray,
}

/// What a parameter value may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    Any,
    /// Strictly positive: time constants, capacitances.
    Positive,
    NonNegative,
}

impl Range {
    pub fn admits(self, x: f64) -> bool {
        x.is_finite()
            && match self {
                Range::Any => true,
                Range::Positive => x > 0.0,
                Range::NonNegative => x >= 0.0,
            }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Range::Any => "a finite number",
            Range::Positive => "> 0",
            Range::NonNegative => ">= 0",
        }
    }
}

/// One parameter of a cell type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamDef {
    pub name: &'static str,
    pub default: f64,
    pub unit: &'static str,
    pub range: Range,
}

const fn p(name: &'static str, default: f64, unit: &'static str, range: Range) -> ParamDef {
    ParamDef {
        name,
        default,
        unit,
        range,
    }
}

use Range::{Any, NonNegative, Positive};

/// IF_curr_exp / IF_curr_alpha share every name; only the synaptic time constants' defaults differ.
const fn lif_curr(tau_syn: f64) -> [ParamDef; 9] {
    [
        p("v_rest", -65.0, "mV", Any),
        p("cm", 1.0, "nF", Positive),
        p("tau_m", 20.0, "ms", Positive),
        p("tau_refrac", 0.1, "ms", NonNegative),
        p("tau_syn_E", tau_syn, "ms", Positive),
        p("tau_syn_I", tau_syn, "ms", Positive),
        p("i_offset", 0.0, "nA", Any),
        p("v_reset", -65.0, "mV", Any),
        p("v_thresh", -50.0, "mV", Any),
    ]
}

const fn lif_cond(tau_syn_e: f64, tau_syn_i: f64) -> [ParamDef; 11] {
    [
        p("v_rest", -65.0, "mV", Any),
        p("cm", 1.0, "nF", Positive),
        p("tau_m", 20.0, "ms", Positive),
        p("tau_refrac", 0.1, "ms", NonNegative),
        p("tau_syn_E", tau_syn_e, "ms", Positive),
        p("tau_syn_I", tau_syn_i, "ms", Positive),
        p("e_rev_E", 0.0, "mV", Any),
        p("e_rev_I", -70.0, "mV", Any),
        p("v_thresh", -50.0, "mV", Any),
        p("v_reset", -65.0, "mV", Any),
        p("i_offset", 0.0, "nA", Any),
    ]
}

const IF_CURR_EXP: [ParamDef; 9] = lif_curr(5.0);
const IF_CURR_ALPHA: [ParamDef; 9] = lif_curr(0.5);
const IF_COND_EXP: [ParamDef; 11] = lif_cond(5.0, 5.0);
const IF_COND_ALPHA: [ParamDef; 11] = lif_cond(0.3, 0.5);
const ADEX: [ParamDef; 16] = [
    p("cm", 0.281, "nF", Positive),
    p("tau_refrac", 0.1, "ms", NonNegative),
    p("v_spike", -40.0, "mV", Any),
    p("v_reset", -70.6, "mV", Any),
    p("v_rest", -70.6, "mV", Any),
    p("tau_m", 9.3667, "ms", Positive),
    p("i_offset", 0.0, "nA", Any),
    p("a", 4.0, "nS", Any),
    p("b", 0.0805, "nA", Any),
    p("delta_T", 2.0, "mV", Positive),
    p("tau_w", 144.0, "ms", Positive),
    p("v_thresh", -50.4, "mV", Any),
    p("e_rev_E", 0.0, "mV", Any),
    p("tau_syn_E", 5.0, "ms", Positive),
    p("e_rev_I", -80.0, "mV", Any),
    p("tau_syn_I", 5.0, "ms", Positive),
];
const IZHIKEVICH: [ParamDef; 5] = [
    p("a", 0.02, "1/ms", Any),
    p("b", 0.2, "1/ms", Any),
    p("c", -65.0, "mV", Any),
    p("d", 2.0, "mV/ms", Any),
    p("i_offset", 0.0, "nA", Any),
];
const POISSON: [ParamDef; 3] = [
    p("rate", 1.0, "Hz", NonNegative),
    p("start", 0.0, "ms", NonNegative),
    p("duration", 1e10, "ms", NonNegative),
];

/// Where an initial value's default comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InitialDefault {
    Value(f64),
    /// The value of a parameter (net.json: `v` defaults to `v_rest`).
    Param(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InitialDef {
    pub name: &'static str,
    pub default: InitialDefault,
    pub unit: &'static str,
}

const fn init(name: &'static str, default: InitialDefault, unit: &'static str) -> InitialDef {
    InitialDef {
        name,
        default,
        unit,
    }
}

use InitialDefault::{Param, Value};

const V_REST: InitialDef = init("v", Param("v_rest"), "mV");
const INIT_CURR: [InitialDef; 3] = [
    V_REST,
    init("isyn_exc", Value(0.0), "nA"),
    init("isyn_inh", Value(0.0), "nA"),
];
const INIT_COND: [InitialDef; 3] = [
    V_REST,
    init("gsyn_exc", Value(0.0), "uS"),
    init("gsyn_inh", Value(0.0), "uS"),
];
const INIT_ADEX: [InitialDef; 4] = [
    V_REST,
    init("w", Value(0.0), "nA"),
    init("gsyn_exc", Value(0.0), "uS"),
    init("gsyn_inh", Value(0.0), "uS"),
];
const INIT_IZHIKEVICH: [InitialDef; 2] = [
    init("v", Value(-70.0), "mV"),
    init("u", Value(-14.0), "mV/ms"),
];

/// How a cell's synapses act, which fixes the unit and sign rules of weights (PyNN `units.txt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynapseKind {
    /// Weights in nA; inhibitory weights <= 0.
    Current,
    /// Weights in uS; all weights >= 0.
    Conductance,
    /// Weights are voltage jumps in mV (PyNN's Izhikevich); inhibitory weights <= 0.
    VoltageJump,
}

impl SynapseKind {
    pub fn weight_unit(self) -> &'static str {
        match self {
            SynapseKind::Current => "nA",
            SynapseKind::Conductance => "uS",
            SynapseKind::VoltageJump => "mV",
        }
    }
}

impl CellType {
    pub const ALL: [CellType; 8] = [
        CellType::IfCurrExp,
        CellType::IfCurrAlpha,
        CellType::IfCondExp,
        CellType::IfCondAlpha,
        CellType::EifCondExpIsfaIsta,
        CellType::Izhikevich,
        CellType::SpikeSourcePoisson,
        CellType::SpikeSourceArray,
    ];

    /// The PyNN name, as written in net.json.
    pub fn name(self) -> &'static str {
        match self {
            CellType::IfCurrExp => "IF_curr_exp",
            CellType::IfCurrAlpha => "IF_curr_alpha",
            CellType::IfCondExp => "IF_cond_exp",
            CellType::IfCondAlpha => "IF_cond_alpha",
            CellType::EifCondExpIsfaIsta => "EIF_cond_exp_isfa_ista",
            CellType::Izhikevich => "Izhikevich",
            CellType::SpikeSourcePoisson => "SpikeSourcePoisson",
            CellType::SpikeSourceArray => "SpikeSourceArray",
        }
    }

    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|c| c.name()).collect()
    }

    pub fn from_name(name: &str) -> Option<CellType> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Numeric parameters with PyNN defaults. `SpikeSourceArray.spike_times` is not numeric and not listed.
    pub fn params(self) -> &'static [ParamDef] {
        match self {
            CellType::IfCurrExp => &IF_CURR_EXP,
            CellType::IfCurrAlpha => &IF_CURR_ALPHA,
            CellType::IfCondExp => &IF_COND_EXP,
            CellType::IfCondAlpha => &IF_COND_ALPHA,
            CellType::EifCondExpIsfaIsta => &ADEX,
            CellType::Izhikevich => &IZHIKEVICH,
            CellType::SpikeSourcePoisson => &POISSON,
            CellType::SpikeSourceArray => &[],
        }
    }

    /// Every parameter name net.json accepts in `cell.params`.
    pub fn param_names(self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.params().iter().map(|p| p.name).collect();
        if self == CellType::SpikeSourceArray {
            names.push("spike_times");
        }
        names
    }

    pub fn param(self, name: &str) -> Option<&'static ParamDef> {
        self.params().iter().find(|p| p.name == name)
    }

    pub fn initial_values(self) -> &'static [InitialDef] {
        match self {
            CellType::IfCurrExp | CellType::IfCurrAlpha => &INIT_CURR,
            CellType::IfCondExp | CellType::IfCondAlpha => &INIT_COND,
            CellType::EifCondExpIsfaIsta => &INIT_ADEX,
            CellType::Izhikevich => &INIT_IZHIKEVICH,
            CellType::SpikeSourcePoisson | CellType::SpikeSourceArray => &[],
        }
    }

    /// Variables `record` may name for this cell type.
    pub fn recordables(self) -> &'static [&'static str] {
        match self {
            CellType::IfCurrExp | CellType::IfCurrAlpha => &["spikes", "v"],
            CellType::IfCondExp | CellType::IfCondAlpha => &["spikes", "v", "gsyn_exc", "gsyn_inh"],
            CellType::EifCondExpIsfaIsta => &["spikes", "v", "w", "gsyn_exc", "gsyn_inh"],
            CellType::Izhikevich => &["spikes", "v", "u"],
            CellType::SpikeSourcePoisson | CellType::SpikeSourceArray => &["spikes"],
        }
    }

    /// `None` for spike sources, which receive no synapses.
    pub fn synapse_kind(self) -> Option<SynapseKind> {
        match self {
            CellType::IfCurrExp | CellType::IfCurrAlpha => Some(SynapseKind::Current),
            CellType::IfCondExp | CellType::IfCondAlpha | CellType::EifCondExpIsfaIsta => {
                Some(SynapseKind::Conductance)
            }
            CellType::Izhikevich => Some(SynapseKind::VoltageJump),
            CellType::SpikeSourcePoisson | CellType::SpikeSourceArray => None,
        }
    }

    pub fn is_source(self) -> bool {
        self.synapse_kind().is_none()
    }

    /// Pairs `(lower, upper)` of parameters that must satisfy lower < upper (net-json.md: v_reset < v_thresh).
    pub fn ordered_params(self) -> &'static [(&'static str, &'static str)] {
        match self {
            CellType::IfCurrExp
            | CellType::IfCurrAlpha
            | CellType::IfCondExp
            | CellType::IfCondAlpha => &[("v_reset", "v_thresh")],
            CellType::EifCondExpIsfaIsta => &[("v_reset", "v_spike"), ("v_thresh", "v_spike")],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in CellType::ALL {
            assert_eq!(CellType::from_name(c.name()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.name());
        }
    }

    #[test]
    fn pynn_defaults_that_differ_between_types() {
        let tau = |c: CellType, n| c.param(n).unwrap().default;
        assert_eq!(tau(CellType::IfCurrExp, "tau_syn_E"), 5.0);
        assert_eq!(tau(CellType::IfCurrAlpha, "tau_syn_E"), 0.5);
        assert_eq!(tau(CellType::IfCondAlpha, "tau_syn_E"), 0.3);
        assert_eq!(tau(CellType::IfCondExp, "e_rev_I"), -70.0);
        assert_eq!(tau(CellType::EifCondExpIsfaIsta, "e_rev_I"), -80.0);
        assert_eq!(
            CellType::SpikeSourceArray.param_names(),
            vec!["spike_times"]
        );
    }
}
