//! `extensions.spinnaker`: the SpiNNaker hints of a net.json, checked and resolved per population.
//!
//! The loader keeps `extensions` as raw JSON (it knows no machine); this module is where the SpiNNaker ones get
//! their meaning. Three keys, each optional (docs/net-json.md §1.1):
//!
//! - `neurons_per_core`: `{label or cell type: n}`, a cap on the atoms of one core. sPyNNaker has it at both
//!   levels: `set_number_of_neurons_per_core(CellClass, n)` for a class and the Population parameter
//!   `neurons_per_core`, which wins (`AbstractPyNNNeuronModel.create_vertex` falls back to the class value only
//!   when the population gives none); so a label wins over a cell type here. A value above the runtime's
//!   maximum is refused, as `AbstractPyNNModel.set_model_max_atoms_per_dimension_per_core` refuses one above
//!   the model's absolute maximum. The partitioner may still shrink the slices further (delay reach, cycle
//!   budget), and says which limit applied.
//! - `populations`: `{label: {name: value}}`, parameters the runtime's model has beyond PyNN's standard cell
//!   type ([`machine_params`]): today `tau_syn_E`/`tau_syn_I` of Izhikevich, whose sPyNNaker build
//!   `IZK_curr_exp` has exponential current synapses (`izk_curr_exp.py`: both 5 ms by default).
//! - `compressor`: the routing-table minimiser used on a chip whose table exceeds the router's entries.
//!
//! Unknown keys, labels, cell types and parameters are refused with the JSON path and a "did you mean".

use nmemu_loader::Network;
use nmemu_loader::format::cells::CellType;
use nmemu_loader::format::reader::{
    JsonPath, Obj, as_f64, as_str, as_u32, f64_array, unknown_name,
};
use nmemu_loader::network::Values;
use serde_json::Value;

use super::partition::max_atoms_per_core;
use super::tables::Algorithm;

/// A parameter of the runtime's model that PyNN's standard cell type does not have. Every one today is a time
/// constant in ms, so it must be finite and > 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MachineParam {
    pub name: &'static str,
    pub default: f64,
    pub unit: &'static str,
}

/// `IZK_curr_exp`'s synaptic time constants (sPyNNaker `izk_curr_exp.py`, `default_parameters`).
const IZHIKEVICH: [MachineParam; 2] = [
    MachineParam {
        name: "tau_syn_E",
        default: 5.0,
        unit: "ms",
    },
    MachineParam {
        name: "tau_syn_I",
        default: 5.0,
        unit: "ms",
    },
];

/// The machine-specific parameters of `cell` on SpiNNaker (empty: PyNN's parameters are all it has).
pub fn machine_params(cell: CellType) -> &'static [MachineParam] {
    match cell {
        CellType::Izhikevich => &IZHIKEVICH,
        _ => &[],
    }
}

/// The compressor names net.json uses (the spec's `"ordered_covering"`): the command line's with `_`.
fn compressor_name(algorithm: Algorithm) -> String {
    algorithm.name().replace('-', "_")
}

/// The hints of one population, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct PopulationHints {
    /// The cap on neurons per core, from its label or else its cell type.
    pub neurons_per_core: Option<u32>,
    /// Every machine parameter of its cell type, in [`machine_params`] order, the default where not given.
    pub params: Vec<(&'static str, Values)>,
}

impl PopulationHints {
    /// The values of machine parameter `name`.
    pub fn param(&self, name: &str) -> Option<&Values> {
        self.params.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// `extensions.spinnaker`, checked against the network.
#[derive(Clone, Debug, PartialEq)]
pub struct SpinnakerHints {
    /// Per population, in network order.
    pub populations: Vec<PopulationHints>,
    /// The minimiser of tables that exceed the router (default: ordered covering).
    pub compressor: Algorithm,
}

impl SpinnakerHints {
    /// Reads and checks `net.extensions.spinnaker` (absent: no hints). Hints for other machine families are
    /// not looked at.
    pub fn parse(net: &Network) -> Result<SpinnakerHints, String> {
        let root = JsonPath::root().field("extensions").field("spinnaker");
        let raw = Value::Object(net.extensions.get("spinnaker").cloned().unwrap_or_default());
        let o = Obj::new(
            &raw,
            &root,
            &["neurons_per_core", "populations", "compressor"],
        )
        .map_err(|e| e.to_string())?;
        let mut populations: Vec<PopulationHints> = net
            .populations
            .iter()
            .map(|p| PopulationHints {
                neurons_per_core: None,
                params: machine_params(p.cell_type)
                    .iter()
                    .map(|m| (m.name, Values::Same(m.default)))
                    .collect(),
            })
            .collect();
        if let Some((v, p)) = o.get("neurons_per_core") {
            neurons_per_core(net, v, &p, &mut populations)?;
        }
        if let Some((v, p)) = o.get("populations") {
            population_params(net, v, &p, &mut populations)?;
        }
        let compressor = match o.get("compressor") {
            Some((v, p)) => compressor(v, &p)?,
            None => Algorithm::OrderedCovering,
        };
        Ok(SpinnakerHints {
            populations,
            compressor,
        })
    }

    /// Per population, its neurons-per-core cap (for the partitioner).
    pub fn neurons_per_core(&self) -> Vec<Option<u32>> {
        self.populations
            .iter()
            .map(|p| p.neurons_per_core)
            .collect()
    }
}

/// `neurons_per_core`: caps by label, then by cell type for populations without their own.
fn neurons_per_core(
    net: &Network,
    v: &Value,
    path: &JsonPath,
    populations: &mut [PopulationHints],
) -> Result<(), String> {
    let map = v.as_object().ok_or_else(|| {
        format!("{path}: expected an object of population labels or cell types to neurons per core")
    })?;
    let labels: Vec<&str> = net.populations.iter().map(|p| p.label.as_str()).collect();
    let mut by_type: Vec<(CellType, u32)> = Vec::new();
    for (key, value) in map {
        let p = path.field(key);
        let n = as_u32(value, &p).map_err(|e| e.to_string())?;
        let (cell, what) = if let Some(i) = labels.iter().position(|l| l == key) {
            populations[i].neurons_per_core = Some(n);
            (net.populations[i].cell_type, format!("population '{key}'"))
        } else if let Some(&cell) = CellType::ALL.iter().find(|c| c.name() == key) {
            by_type.push((cell, n));
            (cell, key.clone())
        } else {
            let known: Vec<&str> = labels.iter().copied().chain(CellType::names()).collect();
            return Err(format!(
                "{p}: {}",
                unknown_name("population label or cell type", key, &known)
            ));
        };
        let max = max_atoms_per_core(cell);
        if n == 0 || n > max {
            return Err(format!(
                "{p}: {what} ({}) can have 1 to {max} neurons per core on the SpiNNaker runtime, got {n}",
                cell.name()
            ));
        }
    }
    for (hints, population) in populations.iter_mut().zip(&net.populations) {
        if hints.neurons_per_core.is_none() {
            hints.neurons_per_core = by_type
                .iter()
                .find(|(c, _)| *c == population.cell_type)
                .map(|&(_, n)| n);
        }
    }
    Ok(())
}

/// `populations`: machine parameters by label, each a number or one number per neuron.
fn population_params(
    net: &Network,
    v: &Value,
    path: &JsonPath,
    populations: &mut [PopulationHints],
) -> Result<(), String> {
    let map = v
        .as_object()
        .ok_or_else(|| format!("{path}: expected an object of population labels to parameters"))?;
    let labels: Vec<&str> = net.populations.iter().map(|p| p.label.as_str()).collect();
    for (label, params) in map {
        let p = path.field(label);
        let i = labels
            .iter()
            .position(|l| l == label)
            .ok_or_else(|| format!("{p}: {}", unknown_name("population label", label, &labels)))?;
        let population = &net.populations[i];
        let known = machine_params(population.cell_type);
        if known.is_empty() {
            let with: Vec<String> = CellType::ALL
                .iter()
                .filter(|c| !machine_params(**c).is_empty())
                .map(|c| c.name().to_string())
                .collect();
            return Err(format!(
                "{p}: {} has no SpiNNaker-specific parameters (only {} has: its PyNN parameters go in \
                 cell.params)",
                population.cell_type.name(),
                with.join(", ")
            ));
        }
        let names: Vec<&str> = known.iter().map(|m| m.name).collect();
        let o = Obj::new(params, &p, &names).map_err(|e| e.to_string())?;
        for (slot, m) in populations[i].params.iter_mut().zip(known) {
            if let Some((value, vp)) = o.get(m.name) {
                slot.1 = machine_value(value, &vp, population.size, m)?;
            }
        }
    }
    Ok(())
}

/// One machine parameter: a number for every neuron, or an array of one per neuron; finite and > 0.
fn machine_value(
    v: &Value,
    path: &JsonPath,
    size: u32,
    m: &MachineParam,
) -> Result<Values, String> {
    let values = match v {
        Value::Array(_) => {
            let values = f64_array(v, path).map_err(|e| e.to_string())?;
            if values.len() != size as usize {
                return Err(format!(
                    "{path}: expected {size} values (one per neuron), got {}",
                    values.len()
                ));
            }
            Values::PerNeuron(values)
        }
        _ => Values::Same(as_f64(v, path).map_err(|e| e.to_string())?),
    };
    let (lo, hi) = values.range();
    if !(lo > 0.0 && hi.is_finite()) {
        let bad = if lo > 0.0 { hi } else { lo };
        return Err(format!(
            "{path}: {} is a time constant and must be > 0 {}, got {bad}",
            m.name, m.unit
        ));
    }
    Ok(values)
}

fn compressor(v: &Value, path: &JsonPath) -> Result<Algorithm, String> {
    let name = as_str(v, path).map_err(|e| e.to_string())?;
    let names: Vec<String> = Algorithm::ALL.into_iter().map(compressor_name).collect();
    Algorithm::ALL
        .into_iter()
        .find(|a| compressor_name(*a) == name)
        .ok_or_else(|| {
            let known: Vec<&str> = names.iter().map(String::as_str).collect();
            format!("{path}: {}", unknown_name("compressor", name, &known))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nmemu_loader::Limits;
    use serde_json::json;

    fn net(extensions: Value) -> Network {
        let file = json!({
            "format": "nmemu-net/1",
            "simulation": {"duration_ms": 10},
            "populations": [
                {"label": "exc", "size": 300, "cell": {"type": "IF_curr_exp"}},
                {"label": "inh", "size": 100, "cell": {"type": "IF_curr_exp"}},
                {"label": "izh", "size": 3, "cell": {"type": "Izhikevich"}},
                {"label": "noise", "size": 1000, "cell": {"type": "SpikeSourcePoisson"}}
            ],
            "extensions": extensions
        });
        Network::from_json(&file.to_string(), &Limits::default()).unwrap()
    }

    fn hints(extensions: Value) -> Result<SpinnakerHints, String> {
        SpinnakerHints::parse(&net(extensions))
    }

    #[test]
    fn no_hints_leave_the_defaults() {
        let h = hints(json!({"brainscales": {"anything": 1}})).unwrap();
        assert_eq!(h.neurons_per_core(), vec![None; 4]);
        assert_eq!(h.compressor, Algorithm::OrderedCovering);
        assert_eq!(
            h.populations[2].param("tau_syn_E"),
            Some(&Values::Same(5.0))
        );
        assert!(h.populations[0].params.is_empty());
    }

    #[test]
    fn a_label_wins_over_its_cell_type() {
        let h = hints(json!({"spinnaker": {"neurons_per_core": {
            "IF_curr_exp": 64, "exc": 128, "SpikeSourcePoisson": 400
        }}}))
        .unwrap();
        assert_eq!(
            h.neurons_per_core(),
            vec![Some(128), Some(64), None, Some(400)]
        );
    }

    #[test]
    fn caps_above_the_runtime_maximum_are_refused() {
        let err = hints(json!({"spinnaker": {"neurons_per_core": {"exc": 300}}})).unwrap_err();
        assert_eq!(
            err,
            "extensions.spinnaker.neurons_per_core.exc: population 'exc' (IF_curr_exp) can have 1 to 256 \
             neurons per core on the SpiNNaker runtime, got 300"
        );
        assert!(
            hints(json!({"spinnaker": {"neurons_per_core": {"SpikeSourcePoisson": 500}}})).is_ok()
        );
        let zero =
            hints(json!({"spinnaker": {"neurons_per_core": {"Izhikevich": 0}}})).unwrap_err();
        assert!(zero.contains("got 0"), "{zero}");
    }

    #[test]
    fn unknown_names_are_refused_with_a_suggestion() {
        let cases = [
            (
                json!({"spinnaker": {"neurons_per_cor": {}}}),
                "extensions.spinnaker.neurons_per_cor: unknown field `neurons_per_cor` (did you mean \
                 `neurons_per_core`?)",
            ),
            (
                json!({"spinnaker": {"neurons_per_core": {"IF_cur_exp": 64}}}),
                "extensions.spinnaker.neurons_per_core.IF_cur_exp: unknown population label or cell type \
                 `IF_cur_exp` (did you mean `IF_curr_exp`?)",
            ),
            (
                json!({"spinnaker": {"populations": {"izk": {"tau_syn_E": 2.0}}}}),
                "extensions.spinnaker.populations.izk: unknown population label `izk` (did you mean `izh`?)",
            ),
            (
                json!({"spinnaker": {"populations": {"izh": {"tau_syn_e": 2.0}}}}),
                "extensions.spinnaker.populations.izh.tau_syn_e: unknown field `tau_syn_e` (did you mean \
                 `tau_syn_E`?)",
            ),
            (
                json!({"spinnaker": {"compressor": "ordered-covering"}}),
                "extensions.spinnaker.compressor: unknown compressor `ordered-covering` (did you mean \
                 `ordered_covering`?)",
            ),
        ];
        for (extensions, expected) in cases {
            let err = hints(extensions).unwrap_err();
            assert!(err.starts_with(expected), "{err}");
        }
    }

    #[test]
    fn machine_parameters_are_per_population_and_checked() {
        let h =
            hints(json!({"spinnaker": {"populations": {"izh": {"tau_syn_I": [1.0, 2.0, 3.0]}}}}))
                .unwrap();
        assert_eq!(
            h.populations[2].param("tau_syn_E"),
            Some(&Values::Same(5.0))
        );
        assert_eq!(
            h.populations[2].param("tau_syn_I"),
            Some(&Values::PerNeuron(vec![1.0, 2.0, 3.0]))
        );
        let short = hints(json!({"spinnaker": {"populations": {"izh": {"tau_syn_I": [1.0]}}}}));
        assert!(short.unwrap_err().contains("expected 3 values"));
        let negative = hints(json!({"spinnaker": {"populations": {"izh": {"tau_syn_E": -1.0}}}}));
        assert_eq!(
            negative.unwrap_err(),
            "extensions.spinnaker.populations.izh.tau_syn_E: tau_syn_E is a time constant and must be > 0 \
             ms, got -1"
        );
        let lif = hints(json!({"spinnaker": {"populations": {"exc": {"tau_syn_E": 2.0}}}}));
        assert!(
            lif.unwrap_err()
                .contains("IF_curr_exp has no SpiNNaker-specific parameters (only Izhikevich has")
        );
    }

    #[test]
    fn every_minimiser_can_be_chosen() {
        for (name, algorithm) in [
            ("ordered_covering", Algorithm::OrderedCovering),
            ("pair", Algorithm::Pair),
            ("remove_default", Algorithm::RemoveDefault),
            ("none", Algorithm::None),
        ] {
            let h = hints(json!({"spinnaker": {"compressor": name}})).unwrap();
            assert_eq!(h.compressor, algorithm);
        }
    }
}
