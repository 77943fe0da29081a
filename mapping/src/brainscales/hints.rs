//! `extensions.brainscales`: the BrainScaleS hints of a net.json, checked and resolved per population.
//!
//! The loader keeps `extensions` as raw JSON; here the BrainScaleS keys get their meaning (marocco's
//! `PyMarocco` options of the same names, docs/net-json.md §1.1). Every key is optional:
//!
//! - `neuron_size`: `{label: n}` denmems per logical neuron, even, 2..=64 (marocco `check_neuron_size`;
//!   default 4).
//! - `driver_chain_length`: synapse drivers one vertical bus may feed by mirroring, 1..=56 (default 3).
//! - `bandwidth_utilization`: the fraction of the Layer-2 input budgets input placement fills, (0, 1]
//!   (default 0.8).
//! - `consider_firing_rate`: whether input placement counts the sources' rates against the budgets
//!   (default true; false counts addresses only, as marocco's default does).
//! - `placement`: `{label: [HICANNs]}` the HICANNs a population's neurons go to, in order. A HICANN is its
//!   enum id on wafer 0 (`45`) or `"wafer:enum"` on any wafer of the machine (`"1:45"`); the placer checks
//!   the wafer exists.
//! - `cross_wafer_rate_hz`: the biological rate assumed for a neuron whose spikes cross to another wafer,
//!   counted against the target wafer's Layer-2 input budgets as a source's rate is (default 10 Hz; the
//!   mapper cannot know a neuron's rate before the run).
//! - `defects`: a defects file for wafer 0, or `{"wafer": file}` one per wafer of a multi-wafer machine
//!   (`{"0": "w0.json", "2": "w2.json"}`), relative to the net.json's directory (the binary reads them and
//!   checks the wafers exist).
//! - `max_synapse_loss`: the loss fraction above which mapping fails, [0, 1] (`--max-synapse-loss` wins).
//!
//! Unknown keys and labels are refused with the JSON path and a "did you mean".

use brainscales_emu::coord::{HICANNS_ON_WAFER, HicannOnWafer};
use brainscales_emu::synapse::chain::{DEFAULT_CHAIN_LIMIT, HARDWARE_MAX_CHAIN};
use nmemu_loader::Network;
use nmemu_loader::format::reader::{JsonPath, Obj, as_bool, as_f64, as_str, as_u32, unknown_name};
use serde_json::Value;
use std::collections::BTreeMap;

/// marocco's default logical neuron size.
pub const DEFAULT_NEURON_SIZE: u32 = 4;
/// marocco's default fill of the input budgets.
pub const DEFAULT_BANDWIDTH_UTILIZATION: f64 = 0.8;

/// The assumed rate of a neuron whose spikes cross wafers.
pub const DEFAULT_CROSS_WAFER_RATE_HZ: f64 = 10.0;

const KEYS: [&str; 8] = [
    "neuron_size",
    "driver_chain_length",
    "bandwidth_utilization",
    "consider_firing_rate",
    "placement",
    "cross_wafer_rate_hz",
    "defects",
    "max_synapse_loss",
];

/// A HICANN of a multi-wafer machine, as a `placement` hint names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaferHicann {
    pub wafer: u32,
    pub hicann: HicannOnWafer,
}

/// `extensions.brainscales`, checked against the network.
#[derive(Clone, Debug, PartialEq)]
pub struct BrainScaleSHints {
    /// Denmems per logical neuron, per population in network order (sources too; unused there).
    pub neuron_size: Vec<u32>,
    pub driver_chain_length: usize,
    pub bandwidth_utilization: f64,
    pub consider_firing_rate: bool,
    /// Per population, the HICANNs its neurons must go to (`None`: the placer chooses).
    pub placement: Vec<Option<Vec<WaferHicann>>>,
    pub cross_wafer_rate_hz: f64,
    /// The defects files as written (relative to the net.json's directory), by wafer.
    pub defects: BTreeMap<u32, String>,
    pub max_synapse_loss: Option<f64>,
}

impl BrainScaleSHints {
    /// Reads and checks `net.extensions.brainscales` (absent: the defaults).
    pub fn parse(net: &Network) -> Result<BrainScaleSHints, String> {
        let root = JsonPath::root().field("extensions").field("brainscales");
        let raw = Value::Object(
            net.extensions
                .get("brainscales")
                .cloned()
                .unwrap_or_default(),
        );
        let o = Obj::new(&raw, &root, &KEYS).map_err(|e| e.to_string())?;
        let n = net.populations.len();
        let mut hints = BrainScaleSHints {
            neuron_size: vec![DEFAULT_NEURON_SIZE; n],
            driver_chain_length: DEFAULT_CHAIN_LIMIT,
            bandwidth_utilization: DEFAULT_BANDWIDTH_UTILIZATION,
            consider_firing_rate: true,
            placement: vec![None; n],
            cross_wafer_rate_hz: DEFAULT_CROSS_WAFER_RATE_HZ,
            defects: BTreeMap::new(),
            max_synapse_loss: None,
        };
        if let Some((v, p)) = o.get("neuron_size") {
            for (i, value, vp) in by_label(net, v, &p, "denmems per neuron")? {
                let size = as_u32(value, &vp).map_err(|e| e.to_string())?;
                if !(2..=64).contains(&size) || size % 2 != 0 {
                    return Err(format!(
                        "{vp}: a logical neuron is an even number of 2 to 64 denmems (one neuron block), got {size}"
                    ));
                }
                hints.neuron_size[i] = size;
            }
        }
        if let Some((v, p)) = o.get("driver_chain_length") {
            let len = as_u32(v, &p).map_err(|e| e.to_string())? as usize;
            if !(1..=HARDWARE_MAX_CHAIN).contains(&len) {
                return Err(format!(
                    "{p}: a driver chain is 1 to {HARDWARE_MAX_CHAIN} synapse drivers (one quadrant), got {len}"
                ));
            }
            hints.driver_chain_length = len;
        }
        if let Some((v, p)) = o.get("bandwidth_utilization") {
            let u = as_f64(v, &p).map_err(|e| e.to_string())?;
            if !(u > 0.0 && u <= 1.0) {
                return Err(format!(
                    "{p}: a fraction of the input budget in (0, 1], got {u}"
                ));
            }
            hints.bandwidth_utilization = u;
        }
        if let Some((v, p)) = o.get("consider_firing_rate") {
            hints.consider_firing_rate = as_bool(v, &p).map_err(|e| e.to_string())?;
        }
        if let Some((v, p)) = o.get("placement") {
            for (i, value, vp) in by_label(net, v, &p, "HICANNs")? {
                hints.placement[i] = Some(hicanns(value, &vp)?);
            }
        }
        if let Some((v, p)) = o.get("cross_wafer_rate_hz") {
            let r = as_f64(v, &p).map_err(|e| e.to_string())?;
            if !(r.is_finite() && r >= 0.0) {
                return Err(format!("{p}: a rate in Hz, 0 or more, got {r}"));
            }
            hints.cross_wafer_rate_hz = r;
        }
        if let Some((v, p)) = o.get("defects") {
            hints.defects = defects_files(v, &p)?;
        }
        if let Some((v, p)) = o.get("max_synapse_loss") {
            let f = as_f64(v, &p).map_err(|e| e.to_string())?;
            if !(0.0..=1.0).contains(&f) {
                return Err(format!(
                    "{p}: a fraction of the synapses in [0, 1], got {f}"
                ));
            }
            hints.max_synapse_loss = Some(f);
        }
        Ok(hints)
    }
}

/// The entries of an object keyed by population label: (population index, value, path).
fn by_label<'a>(
    net: &Network,
    v: &'a Value,
    path: &JsonPath,
    what: &str,
) -> Result<Vec<(usize, &'a Value, JsonPath)>, String> {
    let map = v
        .as_object()
        .ok_or_else(|| format!("{path}: expected an object of population labels to {what}"))?;
    let labels: Vec<&str> = net.populations.iter().map(|p| p.label.as_str()).collect();
    map.iter()
        .map(|(label, value)| {
            let p = path.field(label);
            let i = labels.iter().position(|l| l == label).ok_or_else(|| {
                format!("{p}: {}", unknown_name("population label", label, &labels))
            })?;
            Ok((i, value, p))
        })
        .collect()
}

/// `defects`: one file (wafer 0's) or an object of files keyed by wafer index.
fn defects_files(v: &Value, path: &JsonPath) -> Result<BTreeMap<u32, String>, String> {
    let Some(map) = v.as_object() else {
        let file = as_str(v, path).map_err(|_| {
            format!("{path}: expected a defects file, or an object of them by wafer (`{{\"1\": \"w1.json\"}}`)")
        })?;
        return Ok(BTreeMap::from([(0, file.to_string())]));
    };
    map.iter()
        .map(|(wafer, file)| {
            let p = path.field(wafer);
            let w = wafer
                .parse::<u32>()
                .map_err(|_| format!("{p}: expected a wafer index (0, 1, ...), got `{wafer}`"))?;
            Ok((w, as_str(file, &p).map_err(|e| e.to_string())?.to_string()))
        })
        .collect()
}

/// A non-empty list of distinct HICANNs: enum ids on wafer 0, or `"wafer:enum"` strings.
fn hicanns(v: &Value, path: &JsonPath) -> Result<Vec<WaferHicann>, String> {
    let ids = v.as_array().ok_or_else(|| {
        format!("{path}: expected an array of HICANNs (enum ids, or \"wafer:enum\")")
    })?;
    if ids.is_empty() {
        return Err(format!("{path}: expected at least one HICANN"));
    }
    let mut out: Vec<WaferHicann> = Vec::with_capacity(ids.len());
    for (k, id) in ids.iter().enumerate() {
        let at = path.index(k);
        let (wafer, id) = match id {
            Value::String(s) => s
                .split_once(':')
                .and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)))
                .ok_or_else(|| {
                    format!("{at}: expected \"wafer:enum\" (e.g. \"1:45\"), got \"{s}\"")
                })?,
            _ => (0, as_u32(id, &at).map_err(|e| e.to_string())?),
        };
        let hicann = HicannOnWafer::from_enum(id as usize).ok_or_else(|| {
            format!(
                "{at}: HICANN {id} does not exist (a wafer has 0 to {})",
                HICANNS_ON_WAFER - 1
            )
        })?;
        let h = WaferHicann { wafer, hicann };
        if out.contains(&h) {
            return Err(format!(
                "{at}: HICANN {id} of wafer {wafer} is listed twice"
            ));
        }
        out.push(h);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nmemu_loader::Limits;
    use serde_json::json;

    fn hints(extensions: Value) -> Result<BrainScaleSHints, String> {
        let file = json!({
            "format": "nmemu-net/1",
            "simulation": {"duration_ms": 10},
            "populations": [
                {"label": "exc", "size": 30, "cell": {"type": "IF_cond_exp"}},
                {"label": "noise", "size": 10, "cell": {"type": "SpikeSourcePoisson"}}
            ],
            "extensions": extensions
        });
        BrainScaleSHints::parse(&Network::from_json(&file.to_string(), &Limits::default()).unwrap())
    }

    #[test]
    fn defaults_and_values() {
        let d = hints(json!({"spinnaker": {"x": 1}})).unwrap();
        assert_eq!(d.neuron_size, vec![4, 4]);
        assert_eq!(d.driver_chain_length, 3);
        assert_eq!(d.bandwidth_utilization, 0.8);
        assert!(d.consider_firing_rate);
        let h = hints(json!({"brainscales": {
            "neuron_size": {"exc": 8}, "driver_chain_length": 5, "bandwidth_utilization": 0.5,
            "consider_firing_rate": false, "placement": {"exc": [3, "1:4"]}, "defects": "d.json",
            "max_synapse_loss": 0.1, "cross_wafer_rate_hz": 2.5
        }}))
        .unwrap();
        assert_eq!(h.neuron_size, vec![8, 4]);
        assert_eq!(h.driver_chain_length, 5);
        assert_eq!(
            h.placement[0],
            Some(vec![
                WaferHicann {
                    wafer: 0,
                    hicann: HicannOnWafer::from_enum(3).unwrap()
                },
                WaferHicann {
                    wafer: 1,
                    hicann: HicannOnWafer::from_enum(4).unwrap()
                }
            ])
        );
        assert_eq!(h.cross_wafer_rate_hz, 2.5);
        assert_eq!(d.cross_wafer_rate_hz, DEFAULT_CROSS_WAFER_RATE_HZ);
        assert_eq!(h.defects, BTreeMap::from([(0, "d.json".to_string())]));
        let w =
            hints(json!({"brainscales": {"defects": {"1": "w1.json", "0": "w0.json"}}})).unwrap();
        assert_eq!(
            w.defects,
            BTreeMap::from([(0, "w0.json".to_string()), (1, "w1.json".to_string())])
        );
        assert!(d.defects.is_empty());
        assert_eq!(h.max_synapse_loss, Some(0.1));
        assert!(!h.consider_firing_rate);
    }

    #[test]
    fn refusals_name_the_path_and_suggest() {
        let cases = [
            (
                json!({"brainscales": {"neuron_sise": {}}}),
                "extensions.brainscales.neuron_sise: unknown field `neuron_sise` (did you mean `neuron_size`?)",
            ),
            (
                json!({"brainscales": {"neuron_size": {"exd": 4}}}),
                "extensions.brainscales.neuron_size.exd: unknown population label `exd` (did you mean `exc`?)",
            ),
            (
                json!({"brainscales": {"neuron_size": {"exc": 5}}}),
                "extensions.brainscales.neuron_size.exc: a logical neuron is an even number of 2 to 64 denmems",
            ),
            (
                json!({"brainscales": {"driver_chain_length": 57}}),
                "extensions.brainscales.driver_chain_length: a driver chain is 1 to 56",
            ),
            (
                json!({"brainscales": {"bandwidth_utilization": 1.5}}),
                "extensions.brainscales.bandwidth_utilization: a fraction of the input budget in (0, 1], got 1.5",
            ),
            (
                json!({"brainscales": {"placement": {"exc": [384]}}}),
                "extensions.brainscales.placement.exc[0]: HICANN 384 does not exist",
            ),
            (
                json!({"brainscales": {"placement": {"exc": [1, 1]}}}),
                "extensions.brainscales.placement.exc[1]: HICANN 1 of wafer 0 is listed twice",
            ),
            (
                json!({"brainscales": {"placement": {"exc": [1, "0:1"]}}}),
                "extensions.brainscales.placement.exc[1]: HICANN 1 of wafer 0 is listed twice",
            ),
            (
                json!({"brainscales": {"placement": {"exc": ["1/4"]}}}),
                "extensions.brainscales.placement.exc[0]: expected \"wafer:enum\" (e.g. \"1:45\"), got \"1/4\"",
            ),
            (
                json!({"brainscales": {"placement": {"exc": ["1:400"]}}}),
                "extensions.brainscales.placement.exc[0]: HICANN 400 does not exist",
            ),
            (
                json!({"brainscales": {"defects": {"one": "w1.json"}}}),
                "extensions.brainscales.defects.one: expected a wafer index (0, 1, ...), got `one`",
            ),
            (
                json!({"brainscales": {"defects": 3}}),
                "extensions.brainscales.defects: expected a defects file, or an object of them by wafer",
            ),
            (
                json!({"brainscales": {"defects": {"1": 3}}}),
                "extensions.brainscales.defects.1: expected a string",
            ),
            (
                json!({"brainscales": {"cross_wafer_rate_hz": -1}}),
                "extensions.brainscales.cross_wafer_rate_hz: a rate in Hz, 0 or more",
            ),
            (
                json!({"brainscales": {"max_synapse_loss": -0.1}}),
                "extensions.brainscales.max_synapse_loss: a fraction of the synapses in [0, 1]",
            ),
        ];
        for (extensions, expected) in cases {
            let err = hints(extensions).unwrap_err();
            assert!(err.starts_with(expected), "{err}");
        }
    }
}
