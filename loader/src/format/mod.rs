//! The net.json format, version `nmemu-net/1`: types that mirror `shared/spec/net-json.md` one to one.
//!
//! These types are what a file *says*, with PyNN's defaults filled in; they are not yet checked for meaning
//! (that is [`crate::validate`]) nor resolved to per-neuron values (that is [`crate::network`]).
//! They serialise back to net.json (round trip, used by the property tests) and generate the JSON Schema that
//! `nmemu schema` prints. Parsing is hand-written in [`parse`], for path-precise errors.

pub mod cells;
pub mod parse;
pub mod reader;
pub mod unique_keys;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

pub use cells::CellType;

/// The only format version this build reads and writes.
pub const FORMAT_V1: &str = "nmemu-net/1";

/// A whole net.json document.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetFile {
    /// Must be `"nmemu-net/1"`.
    pub format: String,
    pub simulation: Simulation,
    pub populations: Vec<PopulationSpec>,
    #[serde(default)]
    pub projections: Vec<ProjectionSpec>,
    /// Machine-specific hints keyed by machine family (`spinnaker`, `brainscales`); the mapper of that family
    /// checks and uses them (docs/net-json.md §1.1).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Simulation {
    /// Integration / timer-tick step in ms (default 1.0).
    pub timestep_ms: f64,
    /// Biological time to run, ms.
    pub duration_ms: f64,
    /// Smallest allowed synaptic delay, ms (default: the timestep).
    pub min_delay_ms: f64,
    /// Largest allowed synaptic delay, ms (default: 144 timesteps).
    pub max_delay_ms: f64,
    /// Master seed of every random stream (default 0).
    pub seed: u64,
}

impl Simulation {
    /// net-json.md: `max_delay_ms` defaults to 144 timesteps.
    pub const DEFAULT_MAX_DELAY_STEPS: f64 = 144.0;

    /// The time of timestep `steps`, in ms: see [`crate::time::steps_to_ms`].
    pub fn time_ms(&self, steps: u64) -> f64 {
        crate::time::steps_to_ms(steps, self.timestep_ms)
    }
}

/// A parameter or initial value: the same for all neurons, one per neuron, or drawn from a distribution.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ParamValue {
    Scalar(f64),
    /// One value per neuron (exactly `size` values); for `spike_times`, one sequence shared by every neuron.
    Array(Vec<f64>),
    /// `spike_times` only: one sorted sequence per neuron.
    Sequences(Vec<Vec<f64>>),
    Random(Distribution),
}

/// PyNN's `RandomDistribution` names and parameters (`pyNN.random`, mapping-and-pynn.md §B3.4).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    Uniform {
        low: f64,
        high: f64,
    },
    /// Integers in [low, high) as NumPy's `randint`, which PyNN's `NumpyRNG` calls.
    UniformInt {
        low: f64,
        high: f64,
    },
    Normal {
        mu: f64,
        sigma: f64,
    },
    /// Values outside [low, high] are redrawn (at most 1000 times, as PyNN).
    NormalClipped {
        mu: f64,
        sigma: f64,
        low: f64,
        high: f64,
    },
    /// Values outside [low, high] are clipped to the bound.
    NormalClippedToBoundary {
        mu: f64,
        sigma: f64,
        low: f64,
        high: f64,
    },
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    /// NumPy's `exponential(scale=beta)`: mean beta.
    Exponential {
        beta: f64,
    },
    /// Shape k, scale theta.
    Gamma {
        k: f64,
        theta: f64,
    },
}

/// A weight or delay: a constant or a distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Quantity {
    Constant(f64),
    Random(Distribution),
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CellSpec {
    #[serde(rename = "type")]
    pub cell_type: CellType,
    #[serde(default)]
    pub params: BTreeMap<String, ParamValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PopulationSpec {
    pub label: String,
    pub size: u32,
    pub cell: CellSpec,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub initial: BTreeMap<String, ParamValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structure: Option<Structure>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record: Vec<RecordItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FillOrder {
    Sequential,
    Random,
}

/// PyNN's `pyNN.space` structures, with PyNN's defaults (`Line(dx=1, x0=0, y=0, z=0)` ...).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Structure {
    Line {
        dx: f64,
        x0: f64,
        y: f64,
        z: f64,
    },
    Grid2D {
        aspect_ratio: f64,
        dx: f64,
        dy: f64,
        x0: f64,
        y0: f64,
        z: f64,
        fill_order: FillOrder,
    },
    Grid3D {
        #[serde(rename = "aspect_ratioXY")]
        aspect_ratio_xy: f64,
        #[serde(rename = "aspect_ratioXZ")]
        aspect_ratio_xz: f64,
        dx: f64,
        dy: f64,
        dz: f64,
        x0: f64,
        y0: f64,
        z0: f64,
        fill_order: FillOrder,
    },
    RandomStructure {
        boundary: Boundary,
        origin: [f64; 3],
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Boundary {
    Cuboid { width: f64, height: f64, depth: f64 },
}

/// An entry of `record`: a variable for the whole population, or variables with a subset of neurons and/or a
/// sampling interval (PyNN's `record(variables, sampling_interval=)`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RecordItem {
    All(String),
    Variables {
        variables: Vec<String>,
        /// The neurons recorded (default: all).
        #[serde(skip_serializing_if = "Option::is_none")]
        indices: Option<Vec<u32>>,
        /// ms between two samples of an analog variable, a positive multiple of the timestep (default: the
        /// timestep). Spikes are events and are all recorded.
        #[serde(skip_serializing_if = "Option::is_none")]
        sampling_interval: Option<f64>,
    },
}

/// `pre` / `post` of a projection: a whole population or a view of it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PopRef {
    Population(String),
    Indices {
        population: String,
        indices: Vec<u32>,
    },
    /// `[start, stop)`, stop exclusive.
    Slice {
        population: String,
        slice: [u32; 2],
    },
}

impl PopRef {
    pub fn population(&self) -> &str {
        match self {
            PopRef::Population(l) => l,
            PopRef::Indices { population, .. } | PopRef::Slice { population, .. } => population,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReceptorType {
    Excitatory,
    Inhibitory,
}

/// PyNN connectors (`pyNN/connectors.py`, mapping-and-pynn.md §B2) with PyNN's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Connector {
    AllToAllConnector {
        allow_self_connections: bool,
    },
    OneToOneConnector {},
    FixedProbabilityConnector {
        p_connect: f64,
        allow_self_connections: bool,
    },
    /// Each post neuron gets `n` pre neurons.
    FixedNumberPreConnector {
        n: u64,
        allow_self_connections: bool,
        with_replacement: bool,
    },
    /// Each pre neuron connects to `n` post neurons.
    FixedNumberPostConnector {
        n: u64,
        allow_self_connections: bool,
        with_replacement: bool,
    },
    FixedTotalNumberConnector {
        n: u64,
        allow_self_connections: bool,
        with_replacement: bool,
    },
    FromListConnector {
        conn_list: Vec<ListRow>,
    },
    DistanceDependentProbabilityConnector {
        d_expression: String,
        allow_self_connections: bool,
    },
}

impl Connector {
    pub fn name(&self) -> &'static str {
        match self {
            Connector::AllToAllConnector { .. } => "AllToAllConnector",
            Connector::OneToOneConnector {} => "OneToOneConnector",
            Connector::FixedProbabilityConnector { .. } => "FixedProbabilityConnector",
            Connector::FixedNumberPreConnector { .. } => "FixedNumberPreConnector",
            Connector::FixedNumberPostConnector { .. } => "FixedNumberPostConnector",
            Connector::FixedTotalNumberConnector { .. } => "FixedTotalNumberConnector",
            Connector::FromListConnector { .. } => "FromListConnector",
            Connector::DistanceDependentProbabilityConnector { .. } => {
                "DistanceDependentProbabilityConnector"
            }
        }
    }
}

/// A `conn_list` row: `[pre, post]` or `[pre, post, weight, delay]`; indices are positions in the view.
#[derive(Debug, Clone, Copy, PartialEq, JsonSchema)]
#[schemars(with = "Vec<f64>")]
pub struct ListRow {
    pub pre: u32,
    pub post: u32,
    pub weight_delay: Option<(f64, f64)>,
}

impl Serialize for ListRow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.weight_delay {
            Some((w, d)) => (self.pre, self.post, w, d).serialize(s),
            None => (self.pre, self.post).serialize(s),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum TimingDependence {
    SpikePairRule {
        tau_plus: f64,
        tau_minus: f64,
        #[serde(rename = "A_plus")]
        a_plus: f64,
        #[serde(rename = "A_minus")]
        a_minus: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum WeightDependence {
    AdditiveWeightDependence { w_min: f64, w_max: f64 },
    MultiplicativeWeightDependence { w_min: f64, w_max: f64 },
}

impl WeightDependence {
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            WeightDependence::AdditiveWeightDependence { w_min, w_max }
            | WeightDependence::MultiplicativeWeightDependence { w_min, w_max } => (w_min, w_max),
        }
    }
}

/// PyNN synapse types. `delay: None` means the simulation's `min_delay_ms`, as PyNN.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum SynapseSpec {
    StaticSynapse {
        weight: Quantity,
        #[serde(skip_serializing_if = "Option::is_none")]
        delay: Option<Quantity>,
    },
    #[serde(rename = "STDPMechanism")]
    StdpMechanism {
        weight: Quantity,
        #[serde(skip_serializing_if = "Option::is_none")]
        delay: Option<Quantity>,
        timing_dependence: TimingDependence,
        weight_dependence: WeightDependence,
    },
    TsodyksMarkramSynapse {
        weight: Quantity,
        #[serde(skip_serializing_if = "Option::is_none")]
        delay: Option<Quantity>,
        #[serde(rename = "U")]
        u: f64,
        tau_rec: f64,
        tau_facil: f64,
    },
}

impl SynapseSpec {
    pub fn weight(&self) -> Quantity {
        match *self {
            SynapseSpec::StaticSynapse { weight, .. }
            | SynapseSpec::StdpMechanism { weight, .. }
            | SynapseSpec::TsodyksMarkramSynapse { weight, .. } => weight,
        }
    }

    pub fn delay(&self) -> Option<Quantity> {
        match *self {
            SynapseSpec::StaticSynapse { delay, .. }
            | SynapseSpec::StdpMechanism { delay, .. }
            | SynapseSpec::TsodyksMarkramSynapse { delay, .. } => delay,
        }
    }

    pub fn is_plastic(&self) -> bool {
        matches!(self, SynapseSpec::StdpMechanism { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectionSpec {
    /// Unique when given; default `"<pre>-><post>#<index>"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub pre: PopRef,
    pub post: PopRef,
    pub receptor_type: ReceptorType,
    pub connector: Connector,
    pub synapse: SynapseSpec,
}

impl ProjectionSpec {
    /// The label, or the default `"<pre>-><post>#<index>"`.
    pub fn label_or_default(&self, index: usize) -> String {
        self.label.clone().unwrap_or_else(|| {
            format!(
                "{}->{}#{index}",
                self.pre.population(),
                self.post.population()
            )
        })
    }
}

/// The JSON Schema of net.json, for editors.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(NetFile)).unwrap_or_default()
}
