//! net.json text -> [`NetFile`]: structure and types, with PyNN defaults filled in.
//!
//! Meaning (ranges, references, signs) is checked afterwards by [`crate::validate`], so this module only answers
//! "is every field where it belongs and of the right type?". The first such problem stops parsing: later fields
//! of a malformed object cannot be read reliably.

use std::collections::BTreeMap;

use serde_json::Value;

use super::reader::{
    JsonPath, Obj, as_array, as_f64, as_str, as_u32, describe, elements, f64_array, tagged,
    u32_array, unknown_name,
};
use super::*;
use crate::error::LoadError;

/// Parses net.json text: syntax errors carry line and column, everything else (a key given twice included) a
/// JSON path.
pub fn parse_str(text: &str) -> Result<NetFile, LoadError> {
    parse_value(&super::unique_keys::parse(text)?)
}

pub fn parse_value(v: &Value) -> Result<NetFile, LoadError> {
    let root = JsonPath::root();
    let o = Obj::new(
        v,
        &root,
        &[
            "format",
            "simulation",
            "populations",
            "projections",
            "extensions",
        ],
    )?;
    let (fv, fp) = o.req("format")?;
    let format = as_str(fv, &fp)?;
    if format != FORMAT_V1 {
        return Err(fp.err(format!(
            "unknown format version \"{format}\"; this build reads: \"{FORMAT_V1}\""
        )));
    }
    let (sv, sp) = o.req("simulation")?;
    let simulation = simulation(sv, &sp)?;
    let (pv, pp) = o.req("populations")?;
    let populations = elements(pv, &pp)?
        .map(|(v, p)| population(v, &p))
        .collect::<Result<_, _>>()?;
    let projections = match o.get("projections") {
        Some((v, p)) => elements(v, &p)?
            .map(|(v, p)| projection(v, &p))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let extensions = match o.get("extensions") {
        Some((v, p)) => extensions(v, &p)?,
        None => BTreeMap::new(),
    };
    Ok(NetFile {
        format: format.to_owned(),
        simulation,
        populations,
        projections,
        extensions,
    })
}

fn simulation(v: &Value, path: &JsonPath) -> Result<Simulation, LoadError> {
    let o = Obj::new(
        v,
        path,
        &[
            "timestep_ms",
            "duration_ms",
            "min_delay_ms",
            "max_delay_ms",
            "seed",
        ],
    )?;
    let timestep_ms = o.f64_or("timestep_ms", 1.0)?;
    Ok(Simulation {
        timestep_ms,
        duration_ms: o.f64("duration_ms")?,
        min_delay_ms: o.f64_or("min_delay_ms", timestep_ms)?,
        max_delay_ms: o.f64_or(
            "max_delay_ms",
            Simulation::DEFAULT_MAX_DELAY_STEPS * timestep_ms,
        )?,
        seed: match o.get("seed") {
            Some(_) => o.u64("seed")?,
            None => 0,
        },
    })
}

fn population(v: &Value, path: &JsonPath) -> Result<PopulationSpec, LoadError> {
    let o = Obj::new(
        v,
        path,
        &["label", "size", "cell", "initial", "structure", "record"],
    )?;
    let (cv, cp) = o.req("cell")?;
    let c = Obj::new(cv, &cp, &["type", "params"])?;
    let cell_type = CellType::from_name(c.tag("type", "cell type", &CellType::names())?)
        .expect("tag() only returns known names");
    let params = match c.get("params") {
        Some((pv, pp)) => value_map(
            pv,
            &pp,
            &cell_type.param_names(),
            &format!("{} parameter", cell_type.name()),
        )?,
        None => BTreeMap::new(),
    };
    let initial_names: Vec<_> = cell_type.initial_values().iter().map(|i| i.name).collect();
    let initial = match o.get("initial") {
        Some((iv, ip)) => value_map(
            iv,
            &ip,
            &initial_names,
            &format!("{} state variable", cell_type.name()),
        )?,
        None => BTreeMap::new(),
    };
    Ok(PopulationSpec {
        label: o.str("label")?.to_owned(),
        size: o.u32("size")?,
        cell: CellSpec { cell_type, params },
        initial,
        structure: o
            .get("structure")
            .map(|(v, p)| structure(v, &p))
            .transpose()?,
        record: match o.get("record") {
            Some((v, p)) => elements(v, &p)?
                .map(|(v, p)| record_item(v, &p))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        },
    })
}

/// `params` / `initial`: names checked against the cell type, values read as [`ParamValue`].
fn value_map(
    v: &Value,
    path: &JsonPath,
    known: &[&str],
    what: &str,
) -> Result<BTreeMap<String, ParamValue>, LoadError> {
    let map = v
        .as_object()
        .ok_or_else(|| path.err(format!("expected an object, got {}", describe(v))))?;
    map.iter()
        .map(|(name, value)| {
            let p = path.field(name);
            if !known.contains(&name.as_str()) {
                return Err(p.err(unknown_name(what, name, known)));
            }
            Ok((name.clone(), param_value(value, &p)?))
        })
        .collect()
}

fn param_value(v: &Value, path: &JsonPath) -> Result<ParamValue, LoadError> {
    match v {
        Value::Number(_) => Ok(ParamValue::Scalar(as_f64(v, path)?)),
        Value::Object(_) => Ok(ParamValue::Random(distribution(v, path)?)),
        Value::Array(a) if a.first().is_some_and(Value::is_array) => Ok(ParamValue::Sequences(
            elements(v, path)?
                .map(|(e, p)| f64_array(e, &p))
                .collect::<Result<_, _>>()?,
        )),
        Value::Array(_) => Ok(ParamValue::Array(f64_array(v, path)?)),
        _ => Err(path.err(format!(
            "expected a number, an array of numbers or a random distribution object, got {}",
            describe(v)
        ))),
    }
}

const DISTRIBUTIONS: [&str; 8] = [
    "uniform",
    "uniform_int",
    "normal",
    "normal_clipped",
    "normal_clipped_to_boundary",
    "lognormal",
    "exponential",
    "gamma",
];

fn distribution(v: &Value, path: &JsonPath) -> Result<Distribution, LoadError> {
    let name = tag_of(v, path, "distribution", "distribution", &DISTRIBUTIONS)?;
    let fields: &[&str] = match name {
        "uniform" | "uniform_int" => &["low", "high"],
        "normal" | "lognormal" => &["mu", "sigma"],
        "normal_clipped" | "normal_clipped_to_boundary" => &["mu", "sigma", "low", "high"],
        "exponential" => &["beta"],
        _ => &["k", "theta"],
    };
    let o = tagged(v, path, "distribution", fields)?;
    Ok(match name {
        "uniform" => Distribution::Uniform {
            low: o.f64("low")?,
            high: o.f64("high")?,
        },
        "uniform_int" => Distribution::UniformInt {
            low: o.f64("low")?,
            high: o.f64("high")?,
        },
        "normal" => Distribution::Normal {
            mu: o.f64("mu")?,
            sigma: o.f64("sigma")?,
        },
        "lognormal" => Distribution::Lognormal {
            mu: o.f64("mu")?,
            sigma: o.f64("sigma")?,
        },
        "normal_clipped" => Distribution::NormalClipped {
            mu: o.f64("mu")?,
            sigma: o.f64("sigma")?,
            low: o.f64("low")?,
            high: o.f64("high")?,
        },
        "normal_clipped_to_boundary" => Distribution::NormalClippedToBoundary {
            mu: o.f64("mu")?,
            sigma: o.f64("sigma")?,
            low: o.f64("low")?,
            high: o.f64("high")?,
        },
        "exponential" => Distribution::Exponential {
            beta: o.f64("beta")?,
        },
        _ => Distribution::Gamma {
            k: o.f64("k")?,
            theta: o.f64("theta")?,
        },
    })
}

fn quantity(v: &Value, path: &JsonPath) -> Result<Quantity, LoadError> {
    match v {
        Value::Object(_) => Ok(Quantity::Random(distribution(v, path)?)),
        Value::Number(_) => Ok(Quantity::Constant(as_f64(v, path)?)),
        _ => Err(path.err(format!(
            "expected a number or a random distribution object, got {}",
            describe(v)
        ))),
    }
}

fn fill_order(o: &Obj) -> Result<FillOrder, LoadError> {
    match o.get("fill_order") {
        None => Ok(FillOrder::Sequential),
        Some((v, p)) => match as_str(v, &p)? {
            "sequential" => Ok(FillOrder::Sequential),
            "random" => Ok(FillOrder::Random),
            other => Err(p.err(unknown_name("fill_order", other, &["sequential", "random"]))),
        },
    }
}

fn structure(v: &Value, path: &JsonPath) -> Result<Structure, LoadError> {
    let kinds = ["Line", "Grid2D", "Grid3D", "RandomStructure"];
    let probe = v
        .as_object()
        .ok_or_else(|| path.err(format!("expected an object, got {}", describe(v))))?;
    let kind = match probe.get("type") {
        Some(t) => as_str(t, &path.field("type"))?,
        None => return Err(path.field("type").err("required field `type` is missing")),
    };
    Ok(match kind {
        "Line" => {
            let o = tagged(v, path, "type", &["dx", "x0", "y", "z"])?;
            Structure::Line {
                dx: o.f64_or("dx", 1.0)?,
                x0: o.f64_or("x0", 0.0)?,
                y: o.f64_or("y", 0.0)?,
                z: o.f64_or("z", 0.0)?,
            }
        }
        "Grid2D" => {
            let o = tagged(
                v,
                path,
                "type",
                &["aspect_ratio", "dx", "dy", "x0", "y0", "z", "fill_order"],
            )?;
            Structure::Grid2D {
                aspect_ratio: o.f64_or("aspect_ratio", 1.0)?,
                dx: o.f64_or("dx", 1.0)?,
                dy: o.f64_or("dy", 1.0)?,
                x0: o.f64_or("x0", 0.0)?,
                y0: o.f64_or("y0", 0.0)?,
                z: o.f64_or("z", 0.0)?,
                fill_order: fill_order(&o)?,
            }
        }
        "Grid3D" => {
            let o = tagged(
                v,
                path,
                "type",
                &[
                    "aspect_ratioXY",
                    "aspect_ratioXZ",
                    "dx",
                    "dy",
                    "dz",
                    "x0",
                    "y0",
                    "z0",
                    "fill_order",
                ],
            )?;
            Structure::Grid3D {
                aspect_ratio_xy: o.f64_or("aspect_ratioXY", 1.0)?,
                aspect_ratio_xz: o.f64_or("aspect_ratioXZ", 1.0)?,
                dx: o.f64_or("dx", 1.0)?,
                dy: o.f64_or("dy", 1.0)?,
                dz: o.f64_or("dz", 1.0)?,
                x0: o.f64_or("x0", 0.0)?,
                y0: o.f64_or("y0", 0.0)?,
                z0: o.f64_or("z0", 0.0)?,
                fill_order: fill_order(&o)?,
            }
        }
        "RandomStructure" => {
            let o = tagged(v, path, "type", &["boundary", "origin"])?;
            let (bv, bp) = o.req("boundary")?;
            let b = Obj::new(bv, &bp, &["type", "width", "height", "depth"])?;
            b.tag("type", "boundary type", &["Cuboid"])?;
            let origin = match o.get("origin") {
                None => [0.0; 3],
                Some((ov, op)) => {
                    let xyz = f64_array(ov, &op)?;
                    <[f64; 3]>::try_from(xyz.as_slice()).map_err(|_| {
                        op.err(format!("expected [x, y, z], got {} numbers", xyz.len()))
                    })?
                }
            };
            Structure::RandomStructure {
                boundary: Boundary::Cuboid {
                    width: b.f64("width")?,
                    height: b.f64("height")?,
                    depth: b.f64("depth")?,
                },
                origin,
            }
        }
        other => {
            return Err(path
                .field("type")
                .err(unknown_name("structure", other, &kinds)));
        }
    })
}

fn record_item(v: &Value, path: &JsonPath) -> Result<RecordItem, LoadError> {
    match v {
        Value::String(s) => Ok(RecordItem::All(s.clone())),
        Value::Object(_) => {
            let o = Obj::new(v, path, &["variables", "indices", "sampling_interval"])?;
            let (vv, vp) = o.req("variables")?;
            let variables = elements(vv, &vp)?
                .map(|(e, p)| as_str(e, &p).map(str::to_owned))
                .collect::<Result<_, _>>()?;
            Ok(RecordItem::Variables {
                variables,
                indices: o
                    .get("indices")
                    .map(|(iv, ip)| u32_array(iv, &ip))
                    .transpose()?,
                sampling_interval: o.opt_f64("sampling_interval")?,
            })
        }
        _ => Err(path.err(format!(
            "expected a variable name or {{\"variables\": [...], \"indices\": [...], \"sampling_interval\": ms}}, got {}",
            describe(v)
        ))),
    }
}

fn pop_ref(v: &Value, path: &JsonPath) -> Result<PopRef, LoadError> {
    match v {
        Value::String(s) => Ok(PopRef::Population(s.clone())),
        Value::Object(m) => {
            let o = Obj::new(v, path, &["population", "indices", "slice"])?;
            let population = o.str("population")?.to_owned();
            match (o.get("indices"), o.get("slice")) {
                (Some((iv, ip)), None) => Ok(PopRef::Indices {
                    population,
                    indices: u32_array(iv, &ip)?,
                }),
                (None, Some((sv, sp))) => {
                    let bounds = as_array(sv, &sp)?;
                    if bounds.len() != 2 {
                        return Err(sp.err(format!(
                            "expected [start, stop], got {} numbers",
                            bounds.len()
                        )));
                    }
                    Ok(PopRef::Slice {
                        population,
                        slice: [
                            as_u32(&bounds[0], &sp.index(0))?,
                            as_u32(&bounds[1], &sp.index(1))?,
                        ],
                    })
                }
                _ if m.len() == 1 => Ok(PopRef::Population(population)),
                _ => Err(path.err("give either `indices` or `slice`, not both")),
            }
        }
        _ => Err(path.err(format!(
            "expected a population label or a view object, got {}",
            describe(v)
        ))),
    }
}

const CONNECTORS: [&str; 8] = [
    "AllToAllConnector",
    "OneToOneConnector",
    "FixedProbabilityConnector",
    "FixedNumberPreConnector",
    "FixedNumberPostConnector",
    "FixedTotalNumberConnector",
    "FromListConnector",
    "DistanceDependentProbabilityConnector",
];

fn connector(v: &Value, path: &JsonPath) -> Result<Connector, LoadError> {
    let kind = tag_of(v, path, "type", "connector type", &CONNECTORS)?;
    const SELF: &str = "allow_self_connections";
    const FIXED_N: [&str; 3] = ["n", SELF, "with_replacement"];
    let fields: &[&str] = match kind {
        "AllToAllConnector" => &[SELF],
        "OneToOneConnector" => &[],
        "FixedProbabilityConnector" => &["p_connect", SELF],
        "FromListConnector" => &["conn_list"],
        "DistanceDependentProbabilityConnector" => &["d_expression", SELF],
        _ => &FIXED_N,
    };
    let o = tagged(v, path, "type", fields)?;
    let allow_self = || o.bool_or(SELF, true);
    Ok(match kind {
        "AllToAllConnector" => Connector::AllToAllConnector {
            allow_self_connections: allow_self()?,
        },
        "OneToOneConnector" => Connector::OneToOneConnector {},
        "FixedProbabilityConnector" => Connector::FixedProbabilityConnector {
            p_connect: o.f64("p_connect")?,
            allow_self_connections: allow_self()?,
        },
        "FixedNumberPreConnector" => Connector::FixedNumberPreConnector {
            n: o.u64("n")?,
            allow_self_connections: allow_self()?,
            with_replacement: o.bool_or("with_replacement", false)?,
        },
        "FixedNumberPostConnector" => Connector::FixedNumberPostConnector {
            n: o.u64("n")?,
            allow_self_connections: allow_self()?,
            with_replacement: o.bool_or("with_replacement", false)?,
        },
        "FixedTotalNumberConnector" => Connector::FixedTotalNumberConnector {
            n: o.u64("n")?,
            allow_self_connections: allow_self()?,
            with_replacement: o.bool_or("with_replacement", true)?,
        },
        "FromListConnector" => {
            let (lv, lp) = o.req("conn_list")?;
            Connector::FromListConnector {
                conn_list: elements(lv, &lp)?
                    .map(|(r, rp)| list_row(r, &rp))
                    .collect::<Result<_, _>>()?,
            }
        }
        _ => Connector::DistanceDependentProbabilityConnector {
            d_expression: o.str("d_expression")?.to_owned(),
            allow_self_connections: allow_self()?,
        },
    })
}

fn list_row(v: &Value, path: &JsonPath) -> Result<ListRow, LoadError> {
    let cells = as_array(v, path)?;
    let weight_delay = match cells.len() {
        2 => None,
        4 => Some((
            as_f64(&cells[2], &path.index(2))?,
            as_f64(&cells[3], &path.index(3))?,
        )),
        n => {
            return Err(path.err(format!(
                "expected [pre, post] or [pre, post, weight, delay], got {n} values"
            )));
        }
    };
    Ok(ListRow {
        pre: as_u32(&cells[0], &path.index(0))?,
        post: as_u32(&cells[1], &path.index(1))?,
        weight_delay,
    })
}

/// Reads and checks the tag of a tagged object before its other fields are known.
fn tag_of<'a>(
    v: &'a Value,
    path: &JsonPath,
    key: &str,
    what: &str,
    known: &[&str],
) -> Result<&'a str, LoadError> {
    let map = v
        .as_object()
        .ok_or_else(|| path.err(format!("expected an object, got {}", describe(v))))?;
    let p = path.field(key);
    let tag = map
        .get(key)
        .ok_or_else(|| p.err(format!("required field `{key}` is missing")))?;
    let name = as_str(tag, &p)?;
    if known.contains(&name) {
        Ok(name)
    } else {
        Err(p.err(unknown_name(what, name, known)))
    }
}

fn synapse(v: &Value, path: &JsonPath) -> Result<SynapseSpec, LoadError> {
    let kind = tag_of(
        v,
        path,
        "type",
        "synapse type",
        &["StaticSynapse", "STDPMechanism", "TsodyksMarkramSynapse"],
    )?;
    let fields: &[&str] = match kind {
        "StaticSynapse" => &["weight", "delay"],
        "STDPMechanism" => &["weight", "delay", "timing_dependence", "weight_dependence"],
        _ => &["weight", "delay", "U", "tau_rec", "tau_facil"],
    };
    let o = tagged(v, path, "type", fields)?;
    let weight = match o.get("weight") {
        Some((wv, wp)) => quantity(wv, &wp)?,
        None => Quantity::Constant(0.0),
    };
    let delay = o
        .get("delay")
        .map(|(dv, dp)| quantity(dv, &dp))
        .transpose()?;
    Ok(match kind {
        "StaticSynapse" => SynapseSpec::StaticSynapse { weight, delay },
        "STDPMechanism" => {
            let (tv, tp) = o.req("timing_dependence")?;
            let (wv, wp) = o.req("weight_dependence")?;
            SynapseSpec::StdpMechanism {
                weight,
                delay,
                timing_dependence: timing_dependence(tv, &tp)?,
                weight_dependence: weight_dependence(wv, &wp)?,
            }
        }
        _ => SynapseSpec::TsodyksMarkramSynapse {
            weight,
            delay,
            u: o.f64_or("U", 0.5)?,
            tau_rec: o.f64_or("tau_rec", 100.0)?,
            tau_facil: o.f64_or("tau_facil", 0.0)?,
        },
    })
}

fn timing_dependence(v: &Value, path: &JsonPath) -> Result<TimingDependence, LoadError> {
    tag_of(v, path, "type", "timing dependence", &["SpikePairRule"])?;
    let o = tagged(
        v,
        path,
        "type",
        &["tau_plus", "tau_minus", "A_plus", "A_minus"],
    )?;
    Ok(TimingDependence::SpikePairRule {
        tau_plus: o.f64_or("tau_plus", 20.0)?,
        tau_minus: o.f64_or("tau_minus", 20.0)?,
        a_plus: o.f64_or("A_plus", 0.01)?,
        a_minus: o.f64_or("A_minus", 0.01)?,
    })
}

fn weight_dependence(v: &Value, path: &JsonPath) -> Result<WeightDependence, LoadError> {
    let kind = tag_of(
        v,
        path,
        "type",
        "weight dependence",
        &["AdditiveWeightDependence", "MultiplicativeWeightDependence"],
    )?;
    let o = tagged(v, path, "type", &["w_min", "w_max"])?;
    let (w_min, w_max) = (o.f64_or("w_min", 0.0)?, o.f64_or("w_max", 1.0)?);
    Ok(if kind == "AdditiveWeightDependence" {
        WeightDependence::AdditiveWeightDependence { w_min, w_max }
    } else {
        WeightDependence::MultiplicativeWeightDependence { w_min, w_max }
    })
}

fn projection(v: &Value, path: &JsonPath) -> Result<ProjectionSpec, LoadError> {
    let o = Obj::new(
        v,
        path,
        &[
            "label",
            "pre",
            "post",
            "receptor_type",
            "connector",
            "synapse",
        ],
    )?;
    let (rv, rp) = o.req("receptor_type")?;
    let receptor_type = match as_str(rv, &rp)? {
        "excitatory" => ReceptorType::Excitatory,
        "inhibitory" => ReceptorType::Inhibitory,
        other => {
            return Err(rp.err(unknown_name(
                "receptor_type",
                other,
                &["excitatory", "inhibitory"],
            )));
        }
    };
    let (pre, pre_p) = o.req("pre")?;
    let (post, post_p) = o.req("post")?;
    let (cv, cp) = o.req("connector")?;
    let synapse_spec = match o.get("synapse") {
        Some((sv, sp)) => synapse(sv, &sp)?,
        None => SynapseSpec::StaticSynapse {
            weight: Quantity::Constant(0.0),
            delay: None,
        },
    };
    Ok(ProjectionSpec {
        label: o.opt_str("label")?.map(str::to_owned),
        pre: pop_ref(pre, &pre_p)?,
        post: pop_ref(post, &post_p)?,
        receptor_type,
        connector: connector(cv, &cp)?,
        synapse: synapse_spec,
    })
}

fn extensions(
    v: &Value,
    path: &JsonPath,
) -> Result<BTreeMap<String, serde_json::Map<String, Value>>, LoadError> {
    let o = Obj::new(v, path, &["spinnaker", "brainscales"])?;
    ["spinnaker", "brainscales"]
        .into_iter()
        .filter_map(|family| o.get(family).map(|(fv, fp)| (family, fv, fp)))
        .map(|(family, fv, fp)| match fv {
            Value::Object(m) => Ok((family.to_owned(), m.clone())),
            other => Err(fp.err(format!(
                "expected an object of hints, got {}",
                describe(other)
            ))),
        })
        .collect()
}
