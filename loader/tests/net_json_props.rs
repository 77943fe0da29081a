//! Property tests of the net.json front end: random valid networks round-trip through JSON and load; random
//! mutations of valid files are refused with an error, never a panic.

use std::collections::BTreeMap;

use nmemu_loader::format::parse::parse_str;
use nmemu_loader::format::*;
use nmemu_loader::{Limits, LoadError, Network};
use proptest::prelude::*;
use serde_json::Value;

/// The cell types that are spike sources (`true`) or neurons (`false`).
fn cell_types(sources: bool) -> Vec<CellType> {
    CellType::ALL
        .into_iter()
        .filter(|c| c.is_source() == sources)
        .collect()
}

/// A valid value for a parameter: positive where the cell table says so, below threshold for potentials.
fn param_value(cell: CellType, name: &'static str, size: u32) -> BoxedStrategy<ParamValue> {
    let def = cell.param(name).expect("known parameter");
    let (lo, hi) = match def.range {
        cells::Range::Positive => (0.1, 50.0),
        cells::Range::NonNegative => (0.0, 50.0),
        // Potentials stay in an order that keeps v_reset < v_thresh < v_spike: they are left at their
        // defaults (see `free_params`), so `Any` here is for currents and Izhikevich's a, b, c, d.
        cells::Range::Any => (-1.0, 1.0),
    };
    prop_oneof![
        (lo..hi).prop_map(ParamValue::Scalar),
        prop::collection::vec(lo..hi, size as usize).prop_map(ParamValue::Array),
        (lo..hi, lo..hi).prop_map(
            |(a, b): (f64, f64)| ParamValue::Random(Distribution::Uniform {
                low: a.min(b),
                high: a.max(b),
            })
        ),
    ]
    .boxed()
}

/// Parameters whose random values cannot break an ordering rule.
fn free_params(cell: CellType) -> Vec<&'static str> {
    cell.params()
        .iter()
        .map(|p| p.name)
        .filter(|n| {
            !matches!(
                *n,
                "v_rest" | "v_reset" | "v_thresh" | "v_spike" | "e_rev_E" | "e_rev_I"
            )
        })
        .collect()
}

fn population(label: String, sources: bool) -> BoxedStrategy<PopulationSpec> {
    (prop::sample::select(cell_types(sources)), 1u32..40)
        .prop_flat_map(move |(cell, size)| {
            let names = free_params(cell);
            let picked = prop::sample::subsequence(names.clone(), 0..=names.len());
            let label = label.clone();
            picked
                .prop_flat_map(move |names| {
                    let values: Vec<_> = names.iter().map(|n| param_value(cell, n, size)).collect();
                    (Just(names), values)
                })
                .prop_map(move |(names, values)| {
                    let mut params: BTreeMap<String, ParamValue> =
                        names.iter().map(|n| n.to_string()).zip(values).collect();
                    if cell == CellType::SpikeSourceArray {
                        params.insert(
                            "spike_times".into(),
                            ParamValue::Array(vec![1.0, 5.0, 5.0, 9.5]),
                        );
                    }
                    let record = vec![RecordItem::All("spikes".into())];
                    PopulationSpec {
                        label: label.clone(),
                        size,
                        cell: CellSpec {
                            cell_type: cell,
                            params,
                        },
                        initial: BTreeMap::new(),
                        structure: Some(Structure::Line {
                            dx: 1.0,
                            x0: 0.0,
                            y: 0.0,
                            z: 0.0,
                        }),
                        record,
                    }
                })
        })
        .boxed()
}

fn connector(n_pre: u32, n_post: u32) -> BoxedStrategy<Connector> {
    let small = n_pre.min(n_post);
    prop_oneof![
        any::<bool>().prop_map(|a| Connector::AllToAllConnector {
            allow_self_connections: a
        }),
        (0.0..=1.0, any::<bool>()).prop_map(|(p, a)| Connector::FixedProbabilityConnector {
            p_connect: p,
            allow_self_connections: a
        }),
        (0..=u64::from(n_pre), any::<bool>()).prop_map(|(n, r)| {
            Connector::FixedNumberPreConnector {
                n,
                allow_self_connections: true,
                with_replacement: r,
            }
        }),
        (0..=u64::from(n_post), any::<bool>()).prop_map(|(n, r)| {
            Connector::FixedNumberPostConnector {
                n,
                allow_self_connections: true,
                with_replacement: r,
            }
        }),
        (0..=u64::from(small)).prop_map(|n| Connector::FixedTotalNumberConnector {
            n,
            allow_self_connections: true,
            with_replacement: true
        }),
        prop::collection::vec((0..n_pre, 0..n_post, 0.0..1.0f64, 1.0..=4.0f64), 0..10).prop_map(
            |rows| {
                Connector::FromListConnector {
                    conn_list: rows
                        .into_iter()
                        .map(|(pre, post, w, d)| ListRow {
                            pre,
                            post,
                            weight_delay: Some((w, d.round())),
                        })
                        .collect(),
                }
            }
        ),
        Just(Connector::DistanceDependentProbabilityConnector {
            d_expression: "exp(-d / 3) * (d < 10)".into(),
            allow_self_connections: false,
        }),
    ]
    .boxed()
}

fn synapse() -> impl Strategy<Value = SynapseSpec> {
    let weight = prop_oneof![
        (0.0..2.0f64).prop_map(Quantity::Constant),
        (0.0..1.0f64).prop_map(|h| Quantity::Random(Distribution::Uniform { low: 0.0, high: h })),
    ];
    let delay = prop_oneof![
        Just(None),
        (1.0..4.0f64).prop_map(|d| Some(Quantity::Constant(d))),
        Just(Some(Quantity::Random(Distribution::NormalClipped {
            mu: 2.0,
            sigma: 1.0,
            low: 1.0,
            high: 4.0
        }))),
    ];
    (weight, delay, 0..3u8, 0.0..0.5f64).prop_map(|(weight, delay, kind, w_min)| match kind {
        0 => SynapseSpec::StaticSynapse { weight, delay },
        1 => SynapseSpec::StdpMechanism {
            weight,
            delay,
            timing_dependence: TimingDependence::SpikePairRule {
                tau_plus: 20.0,
                tau_minus: 15.0,
                a_plus: 0.01,
                a_minus: 0.012,
            },
            weight_dependence: WeightDependence::MultiplicativeWeightDependence {
                w_min,
                w_max: 2.0,
            },
        },
        _ => SynapseSpec::TsodyksMarkramSynapse {
            weight,
            delay,
            u: 0.5,
            tau_rec: 100.0,
            tau_facil: w_min * 10.0,
        },
    })
}

/// A valid network: sources first, then neurons; projections from anything to a neuron population, all
/// excitatory with non-negative weights (valid for every synapse kind).
fn network() -> impl Strategy<Value = NetFile> {
    let pops = (
        prop::collection::vec(Just(()), 0..2),
        prop::collection::vec(Just(()), 1..4),
    )
        .prop_flat_map(|(s, n)| {
            let sources: Vec<_> = (0..s.len())
                .map(|i| population(format!("src{i}"), true))
                .collect();
            let neurons: Vec<_> = (0..n.len())
                .map(|i| population(format!("pop {i}"), false))
                .collect();
            (sources, neurons)
        });
    (pops, 0..u64::MAX, prop::bool::ANY).prop_flat_map(|((sources, neurons), seed, dt)| {
        let n_src = sources.len();
        let populations: Vec<PopulationSpec> = sources.into_iter().chain(neurons).collect();
        let n_pops = populations.len();
        let sizes: Vec<u32> = populations.iter().map(|p| p.size).collect();
        let projection = (0..n_pops, n_src..n_pops).prop_flat_map(move |(a, b)| {
            (
                Just((a, b)),
                connector(sizes[a], sizes[b]),
                synapse(),
                any::<bool>(),
            )
        });
        let labels: Vec<String> = populations.iter().map(|p| p.label.clone()).collect();
        prop::collection::vec(projection, 0..5).prop_map(move |projs| NetFile {
            format: FORMAT_V1.into(),
            simulation: Simulation {
                timestep_ms: if dt { 1.0 } else { 0.1 },
                duration_ms: 100.0,
                min_delay_ms: 1.0,
                max_delay_ms: 4.0,
                seed,
            },
            populations: populations.clone(),
            projections: projs
                .into_iter()
                .enumerate()
                .map(
                    |(i, ((a, b), connector, synapse, labelled))| ProjectionSpec {
                        label: labelled.then(|| format!("proj {i}")),
                        pre: PopRef::Population(labels[a].clone()),
                        post: PopRef::Population(labels[b].clone()),
                        receptor_type: ReceptorType::Excitatory,
                        connector,
                        synapse,
                    },
                )
                .collect(),
            extensions: BTreeMap::new(),
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn valid_networks_round_trip_and_load(file in network()) {
        let text = serde_json::to_string_pretty(&file).unwrap();
        let parsed = parse_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&parsed, &file);
        let net = Network::from_file(&parsed, &Limits::default())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        for i in 0..net.projections.len() {
            let s = nmemu_loader::expand(&net, i).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(s.row_start.len(), net.projections[i].pre.len() as usize + 1);
            let post_size = net.populations[net.projections[i].post.population].size;
            prop_assert!(s.post.iter().all(|&j| j < post_size));
        }
    }

    #[test]
    fn byte_mutations_never_panic(file in network(), edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..8)) {
        let mut bytes = serde_json::to_string(&file).unwrap().into_bytes();
        for (at, byte, op) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match op {
                0 => { bytes.remove(i); }
                1 => bytes.insert(i, byte),
                _ => bytes[i] = byte,
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = Network::from_json(&text, &Limits::default());
    }

    #[test]
    fn structural_mutations_are_errors(file in network(), pick in any::<prop::sample::Index>(), how in 0..3u8) {
        let mut value = serde_json::to_value(&file).unwrap();
        let mut objects = Vec::new();
        collect_objects(&value, &mut Vec::new(), &mut objects);
        let path = pick.get(&objects).clone();
        let target = resolve_mut(&mut value, &path);
        let map = target.as_object_mut().unwrap();
        let required_removed = match how {
            0 => { map.insert("bogus_field".into(), Value::Bool(true)); true }
            1 => { let k = map.keys().next().cloned(); k.map(|k| map.insert(k, Value::String("?".into()))); true }
            _ => false,
        };
        let result = Network::from_json(&value.to_string(), &Limits::default());
        if required_removed {
            prop_assert!(result.is_err(), "accepted: {}", value);
            if let Err(LoadError::Invalid(problems)) = &result {
                prop_assert!(!problems.is_empty());
            }
        }
    }
}

/// Paths (as lists of keys/indices) of every object in the document, excluding free-form maps (`params`,
/// `initial`, `extensions`) where any key is a parameter name rather than a field.
fn collect_objects(v: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            out.push(path.clone());
            for (k, child) in m {
                if matches!(k.as_str(), "params" | "initial" | "extensions") {
                    continue;
                }
                path.push(Value::String(k.clone()));
                collect_objects(child, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(Value::from(i));
                collect_objects(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn resolve_mut<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, step| match step {
        Value::String(k) => &mut v[k.as_str()],
        Value::Number(i) => &mut v[i.as_u64().unwrap() as usize],
        _ => unreachable!(),
    })
}

/// A JSON path in the loader's notation (`projections[2].connector`) from a list of keys and indices.
fn path_text(path: &[Value]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Value::String(k) if out.is_empty() => out.push_str(k),
            Value::String(k) => out.push_str(&format!(".{k}")),
            Value::Number(i) => out.push_str(&format!("[{i}]")),
            _ => unreachable!(),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Giving any key of any object twice (free-form maps included) is refused at that key's path, whichever
    /// value comes last.
    #[test]
    fn duplicate_keys_are_refused_at_their_path(file in network(), pick in any::<prop::sample::Index>(), key_pick in any::<prop::sample::Index>(), other in any::<bool>()) {
        let mut value = serde_json::to_value(&file).unwrap();
        let mut objects = Vec::new();
        collect_all_objects(&value, &mut Vec::new(), &mut objects);
        let path = pick.get(&objects).clone();
        let map = resolve_mut(&mut value, &path).as_object_mut().unwrap();
        prop_assume!(!map.is_empty());
        let key = key_pick.get(&map.keys().cloned().collect::<Vec<_>>()).clone();
        let again = if other { Value::Bool(true) } else { map[&key].clone() };
        // A placeholder key that serialises as "\u0000", renamed to `key` in the text.
        map.insert("\0".into(), again);
        let text = value.to_string().replace("\"\\u0000\"", &serde_json::to_string(&key).unwrap());
        let err = parse_str(&text).expect_err(&text);
        let mut at = path.clone();
        at.push(Value::String(key.clone()));
        prop_assert_eq!(err.problems().len(), 1);
        prop_assert_eq!(&err.problems()[0].path, &path_text(&at));
        prop_assert!(err.to_string().contains("given twice"), "{}", err);
    }
}

/// Paths of every object in the document, free-form maps included.
fn collect_all_objects(v: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            out.push(path.clone());
            for (k, child) in m {
                path.push(Value::String(k.clone()));
                collect_all_objects(child, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(Value::from(i));
                collect_all_objects(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}
