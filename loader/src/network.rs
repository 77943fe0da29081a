//! [`Network`]: the machine-independent network, with every per-neuron value resolved.
//!
//! Built from a validated [`NetFile`]: PyNN defaults applied, arrays and distributions resolved per neuron (drawn
//! from streams keyed by population label and parameter name), views and recording selections made explicit,
//! positions computed. Connectivity stays as rules here; [`crate::connectors`] expands it on demand, because
//! explicit synapses can take gigabytes.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{LoadError, Problems};
use crate::expr::Expr;
use crate::format::cells::{InitialDefault, Range};
use crate::format::reader::JsonPath;
use crate::format::*;
use crate::input::read_net_file;
use crate::limits::Limits;
use crate::random::{Domain, Sampler, stream};
use crate::space::{self, Position};
use crate::validate::validate;

/// A per-neuron quantity: one value for all, or one per neuron.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Same(f64),
    PerNeuron(Vec<f64>),
}

impl Values {
    pub fn get(&self, neuron: u32) -> f64 {
        match self {
            Values::Same(x) => *x,
            Values::PerNeuron(v) => v[neuron as usize],
        }
    }

    /// (min, max) over the neurons.
    pub fn range(&self) -> (f64, f64) {
        match self {
            Values::Same(x) => (*x, *x),
            Values::PerNeuron(v) => v
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                    (lo.min(*x), hi.max(*x))
                }),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SpikeTimes {
    /// Every neuron fires at these times.
    Shared(Vec<f64>),
    PerNeuron(Vec<Vec<f64>>),
}

impl SpikeTimes {
    pub fn of(&self, neuron: u32) -> &[f64] {
        match self {
            SpikeTimes::Shared(t) => t,
            SpikeTimes::PerNeuron(t) => &t[neuron as usize],
        }
    }
}

/// A set of neurons of one population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    All,
    /// `[start, stop)`.
    Slice(u32, u32),
    /// Sorted or not, without repeats (validated).
    Indices(Vec<u32>),
}

/// Neurons of a population, in view order: position `k` of the view is population neuron `index(k)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub population: usize,
    pub selection: Selection,
    /// Size of the whole population.
    pub population_size: u32,
}

impl View {
    pub fn len(&self) -> u32 {
        match &self.selection {
            Selection::All => self.population_size,
            Selection::Slice(a, b) => b - a,
            Selection::Indices(v) => v.len() as u32,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The population index of view position `k`.
    pub fn index(&self, k: u32) -> u32 {
        match &self.selection {
            Selection::All => k,
            Selection::Slice(a, _) => a + k,
            Selection::Indices(v) => v[k as usize],
        }
    }

    /// The view position of population neuron `i`, if the view contains it; a dense table so that lookups in
    /// hot loops are O(1).
    pub fn positions(&self) -> Vec<Option<u32>> {
        let mut pos = vec![None; self.population_size as usize];
        for k in 0..self.len() {
            pos[self.index(k) as usize] = Some(k);
        }
        pos
    }
}

/// A recorded variable and the neurons it is recorded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    pub variable: String,
    /// `None`: the whole population; otherwise sorted population indices.
    pub neurons: Option<Vec<u32>>,
    /// Timesteps between two samples of an analog variable (`sampling_interval`; 1 for spikes).
    pub sampling_steps: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    pub label: String,
    pub size: u32,
    pub cell_type: CellType,
    /// One entry per `cell_type.params()`, in that order.
    pub params: Vec<Values>,
    /// One entry per `cell_type.initial_values()`, in that order.
    pub initial: Vec<Values>,
    pub spike_times: Option<SpikeTimes>,
    pub positions: Option<Vec<Position>>,
    pub record: Vec<Recording>,
}

impl Population {
    /// A parameter by PyNN name.
    pub fn param(&self, name: &str) -> Option<&Values> {
        let i = self
            .cell_type
            .params()
            .iter()
            .position(|p| p.name == name)?;
        self.params.get(i)
    }

    pub fn initial_value(&self, name: &str) -> Option<&Values> {
        let i = self
            .cell_type
            .initial_values()
            .iter()
            .position(|p| p.name == name)?;
        self.initial.get(i)
    }

    pub fn records(&self, variable: &str) -> Option<&Recording> {
        self.record.iter().find(|r| r.variable == variable)
    }
}

/// A connection rule between two views, ready to expand.
#[derive(Debug, Clone)]
pub struct Projection {
    pub label: String,
    pub pre: View,
    pub post: View,
    pub receptor_type: ReceptorType,
    pub connector: Connector,
    /// The parsed `d_expression` of a distance-dependent connector.
    pub d_expression: Option<Expr>,
    pub synapse: SynapseSpec,
    /// The delay when the synapse gives none (PyNN: the simulation's min_delay).
    pub default_delay_ms: f64,
}

impl Projection {
    /// Whether a connection i -> i can arise (pre and post are views of the same population).
    pub fn same_population(&self) -> bool {
        self.pre.population == self.post.population
    }
}

#[derive(Debug, Clone)]
pub struct Network {
    pub simulation: Simulation,
    pub populations: Vec<Population>,
    pub projections: Vec<Projection>,
    pub extensions: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
}

impl Network {
    /// Reads (at most [`crate::input::MAX_NET_FILE_BYTES`]), parses, validates and resolves a net.json file.
    pub fn load(path: &Path, limits: &Limits) -> Result<Network, LoadError> {
        let text = read_net_file(path).map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })?;
        Network::from_json(&text, limits)
    }

    /// Parses, validates and resolves net.json text.
    pub fn from_json(text: &str, limits: &Limits) -> Result<Network, LoadError> {
        Network::from_file(&parse::parse_str(text)?, limits)
    }

    /// Validates and resolves a parsed file, refusing it if it exceeds `limits`.
    pub fn from_file(file: &NetFile, limits: &Limits) -> Result<Network, LoadError> {
        validate(file)?;
        limits.check_neurons(file)?;
        let mut problems = Problems::default();
        let populations: Vec<Population> = file
            .populations
            .iter()
            .enumerate()
            .map(|(i, p)| {
                resolve_population(
                    p,
                    &file.simulation,
                    &JsonPath::root().field("populations").index(i),
                    &mut problems,
                )
            })
            .collect();
        let projections = file
            .projections
            .iter()
            .enumerate()
            .map(|(i, p)| resolve_projection(file, p, i))
            .collect();
        let net = problems.into_result(Network {
            simulation: file.simulation.clone(),
            populations,
            projections,
            extensions: file.extensions.clone(),
        })?;
        limits.check_synapses(&net)?;
        Ok(net)
    }

    pub fn population(&self, label: &str) -> Option<&Population> {
        self.populations.iter().find(|p| p.label == label)
    }

    pub fn neurons(&self) -> u64 {
        self.populations.iter().map(|p| u64::from(p.size)).sum()
    }
}

/// Resolves one value per neuron, drawing from the stream (seed, Params, label, name).
fn resolve_values(value: &ParamValue, size: u32, seed: u64, label: &str, name: &str) -> Values {
    match value {
        ParamValue::Scalar(x) => Values::Same(*x),
        ParamValue::Array(a) => Values::PerNeuron(a.clone()),
        ParamValue::Random(d) => {
            let mut rng = stream(seed, Domain::Params, label, name, 0);
            // Validation built this sampler already; a redraw failure (normal_clipped) becomes NaN and is
            // reported by the range check below with the neuron's index.
            let sampler = Sampler::new(d).ok();
            Values::PerNeuron(
                (0..size)
                    .map(|_| {
                        sampler
                            .as_ref()
                            .and_then(|s| s.sample(&mut rng).ok())
                            .unwrap_or(f64::NAN)
                    })
                    .collect(),
            )
        }
        ParamValue::Sequences(_) => Values::Same(f64::NAN),
    }
}

/// Reports the first neuron whose value is outside `range`.
fn check_range(
    values: &Values,
    range: Range,
    unit: &str,
    path: &JsonPath,
    problems: &mut Problems,
) {
    let bad = match values {
        Values::Same(x) => (!range.admits(*x)).then_some((None, *x)),
        Values::PerNeuron(v) => v
            .iter()
            .position(|x| !range.admits(*x))
            .map(|i| (Some(i), v[i])),
    };
    match bad {
        Some((None, x)) => problems.push(
            path.as_str(),
            format!("must be {} {unit}, got {x}", range.describe()),
        ),
        Some((Some(i), x)) => problems.push(
            path.as_str(),
            format!(
                "must be {} {unit}, got {x} for neuron {i}",
                range.describe()
            ),
        ),
        None => {}
    }
}

fn resolve_population(
    spec: &PopulationSpec,
    simulation: &Simulation,
    path: &JsonPath,
    problems: &mut Problems,
) -> Population {
    let (seed, timestep_ms) = (simulation.seed, simulation.timestep_ms);
    let cell = spec.cell.cell_type;
    let ppath = path.field("cell").field("params");
    let params: Vec<Values> = cell
        .params()
        .iter()
        .map(|def| {
            let v = match spec.cell.params.get(def.name) {
                Some(v) => resolve_values(v, spec.size, seed, &spec.label, def.name),
                None => Values::Same(def.default),
            };
            check_range(&v, def.range, def.unit, &ppath.field(def.name), problems);
            v
        })
        .collect();
    let param_values = |name: &str| {
        cell.params()
            .iter()
            .position(|p| p.name == name)
            .map(|i| &params[i])
    };
    for &(lower, upper) in cell.ordered_params() {
        if let (Some(lo), Some(hi)) = (param_values(lower), param_values(upper))
            && let Some(i) = (0..spec.size).find(|&i| lo.get(i) >= hi.get(i))
        {
            problems.push(
                ppath.field(lower).as_str(),
                format!(
                    "{lower} must be < {upper}, got {lower} {} and {upper} {} for neuron {i}",
                    lo.get(i),
                    hi.get(i)
                ),
            );
        }
    }
    let ipath = path.field("initial");
    let initial = cell
        .initial_values()
        .iter()
        .map(|def| {
            let v = match (spec.initial.get(def.name), def.default) {
                (Some(v), _) => resolve_values(
                    v,
                    spec.size,
                    seed,
                    &spec.label,
                    &format!("initial.{}", def.name),
                ),
                (None, InitialDefault::Value(x)) => Values::Same(x),
                (None, InitialDefault::Param(p)) => {
                    param_values(p).cloned().unwrap_or(Values::Same(f64::NAN))
                }
            };
            check_range(&v, Range::Any, def.unit, &ipath.field(def.name), problems);
            v
        })
        .collect();
    let spike_times =
        (cell == CellType::SpikeSourceArray).then(|| match spec.cell.params.get("spike_times") {
            Some(ParamValue::Sequences(s)) => SpikeTimes::PerNeuron(s.clone()),
            Some(ParamValue::Array(t)) => SpikeTimes::Shared(t.clone()),
            _ => SpikeTimes::Shared(Vec::new()),
        });
    Population {
        label: spec.label.clone(),
        size: spec.size,
        cell_type: cell,
        params,
        initial,
        spike_times,
        positions: spec
            .structure
            .as_ref()
            .map(|s| space::positions(s, spec.size, seed, &spec.label)),
        record: resolve_record(&spec.record, timestep_ms),
    }
}

/// Merges `record` entries per variable: whole population wins over subsets; subsets are united. Validation
/// made each analog variable's sampling interval one whole number of timesteps.
fn resolve_record(items: &[RecordItem], timestep_ms: f64) -> Vec<Recording> {
    let mut by_var: BTreeMap<&str, (Option<Vec<u32>>, u32)> = BTreeMap::new();
    for item in items {
        match item {
            RecordItem::All(v) => {
                by_var.entry(v).or_insert((None, 1)).0 = None;
            }
            RecordItem::Variables {
                variables,
                indices,
                sampling_interval,
            } => {
                let steps = sampling_interval
                    .and_then(|ms| crate::validate::sampling_steps(ms, timestep_ms).ok())
                    .unwrap_or(1);
                for v in variables {
                    let entry = by_var.entry(v).or_insert_with(|| (Some(Vec::new()), 1));
                    if v != "spikes" {
                        entry.1 = entry.1.max(steps);
                    }
                    match (indices, &mut entry.0) {
                        (None, neurons) => *neurons = None,
                        (Some(list), Some(neurons)) => neurons.extend_from_slice(list),
                        // A variable already recorded from the whole population (`None`) stays so.
                        (Some(_), None) => {}
                    }
                }
            }
        }
    }
    by_var
        .into_iter()
        .map(|(variable, (neurons, sampling_steps))| Recording {
            variable: variable.to_owned(),
            neurons: neurons.map(|mut n| {
                n.sort_unstable();
                n.dedup();
                n
            }),
            sampling_steps,
        })
        .collect()
}

fn resolve_view(file: &NetFile, r: &PopRef) -> View {
    let population = file
        .populations
        .iter()
        .position(|p| p.label == r.population())
        .unwrap_or_default();
    View {
        population,
        population_size: file.populations[population].size,
        selection: match r {
            PopRef::Population(_) => Selection::All,
            PopRef::Slice { slice, .. } => Selection::Slice(slice[0], slice[1]),
            PopRef::Indices { indices, .. } => Selection::Indices(indices.clone()),
        },
    }
}

fn resolve_projection(file: &NetFile, spec: &ProjectionSpec, index: usize) -> Projection {
    let d_expression = match &spec.connector {
        Connector::DistanceDependentProbabilityConnector { d_expression, .. } => {
            Expr::parse(d_expression).ok()
        }
        _ => None,
    };
    Projection {
        label: spec.label_or_default(index),
        pre: resolve_view(file, &spec.pre),
        post: resolve_view(file, &spec.post),
        receptor_type: spec.receptor_type,
        connector: spec.connector.clone(),
        d_expression,
        synapse: spec.synapse,
        default_delay_ms: file.simulation.min_delay_ms,
    }
}
