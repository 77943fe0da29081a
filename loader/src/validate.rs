//! The meaning checks of net.json (net-json.md "Validation"): labels, references, views, connector parameters,
//! weight signs, delay ranges, STDP bounds. Every problem is reported with its path, the value and what is
//! allowed, and all problems are reported in one pass.
//!
//! Checks that need per-neuron values (a parameter drawn from a distribution, `v_reset < v_thresh` per neuron)
//! happen where those values are resolved, in [`crate::network`].

use std::collections::HashMap;

use crate::error::{LoadError, Problems};
use crate::expr::Expr;
use crate::format::cells::SynapseKind;
use crate::format::reader::{JsonPath, unknown_name};
use crate::format::*;
use crate::random::{Sampler, support};
use crate::space;
use crate::writers::{
    WriteError, spikes_npy_name, trace_names, unsafe_label_reason, weights_npy_name,
};

/// Checks `file`; `Ok` means every structural and range rule of the spec holds.
pub fn validate(file: &NetFile) -> Result<(), LoadError> {
    let mut problems = Problems::default();
    let root = JsonPath::root();
    simulation(&file.simulation, &root.field("simulation"), &mut problems);
    if !problems.is_empty() {
        // Delays and rates are judged against the timestep and delay range: without a valid simulation block
        // they would only add confusing follow-on errors.
        return problems.into_result(());
    }
    let pops = root.field("populations");
    if file.populations.is_empty() {
        problems.push(pops.as_str(), "a network needs at least one population");
    }
    let mut labels: HashMap<&str, usize> = HashMap::new();
    for (i, pop) in file.populations.iter().enumerate() {
        let path = pops.index(i);
        if let Some(first) = labels.insert(&pop.label, i) {
            problems.push(
                path.field("label").as_str(),
                format!(
                    "duplicate label \"{}\" (also populations[{first}])",
                    pop.label
                ),
            );
        }
        population(pop, &file.simulation, &path, &mut problems);
    }
    let projs = root.field("projections");
    let mut proj_labels: HashMap<String, usize> = HashMap::new();
    for (i, proj) in file.projections.iter().enumerate() {
        let path = projs.index(i);
        let label = proj.label_or_default(i);
        let names = match proj.synapse {
            SynapseSpec::StdpMechanism { .. } => weights_npy_name(&label).map(drop),
            _ => Ok(()),
        };
        check_label(&label, names, &path.field("label"), &mut problems);
        if let Some(first) = proj_labels.insert(label.clone(), i) {
            problems.push(
                path.field("label").as_str(),
                format!("duplicate label \"{label}\" (also projections[{first}])"),
            );
        }
        projection(file, proj, &path, &mut problems);
    }
    problems.into_result(())
}

fn finite_at_least(x: f64, min: f64, strict: bool) -> bool {
    x.is_finite() && if strict { x > min } else { x >= min }
}

fn simulation(sim: &Simulation, path: &JsonPath, problems: &mut Problems) {
    if !finite_at_least(sim.timestep_ms, 0.0, true) {
        problems.push(
            path.field("timestep_ms").as_str(),
            format!("must be > 0, got {}", sim.timestep_ms),
        );
        return;
    }
    if !finite_at_least(sim.duration_ms, 0.0, false) {
        problems.push(
            path.field("duration_ms").as_str(),
            format!("must be >= 0, got {}", sim.duration_ms),
        );
    }
    // PyNN's setup() refuses min_delay < timestep.
    if !(sim.min_delay_ms.is_finite() && sim.min_delay_ms >= sim.timestep_ms * (1.0 - 1e-9)) {
        problems.push(
            path.field("min_delay_ms").as_str(),
            format!(
                "must be >= timestep_ms ({}), got {}",
                sim.timestep_ms, sim.min_delay_ms
            ),
        );
    }
    if sim.max_delay_ms / sim.timestep_ms > f64::from(u16::MAX) {
        problems.push(
            path.field("max_delay_ms").as_str(),
            format!(
                "must be at most {} timesteps ({} ms), got {}",
                u16::MAX,
                f64::from(u16::MAX) * sim.timestep_ms,
                sim.max_delay_ms
            ),
        );
    }
    if !(sim.max_delay_ms.is_finite() && sim.max_delay_ms >= sim.min_delay_ms) {
        problems.push(
            path.field("max_delay_ms").as_str(),
            format!(
                "must be >= min_delay_ms ({}), got {}",
                sim.min_delay_ms, sim.max_delay_ms
            ),
        );
    }
}

/// Labels name result files (`<label>.spikes.npy`): a label must be one a file name can come from, and `names`,
/// the check of the names the run would give the label's files, must have found them short enough. A run
/// thus never fails on a name after hours of work.
fn check_label(
    label: &str,
    names: Result<(), WriteError>,
    path: &JsonPath,
    problems: &mut Problems,
) {
    let reason = match (unsafe_label_reason(label), names) {
        (Some(reason), _) => reason.to_owned(),
        (None, Err(WriteError::UnsafeLabel { reason, .. })) => reason,
        (None, Err(e)) => e.to_string(),
        (None, Ok(())) => return,
    };
    problems.push(
        path.as_str(),
        format!("\"{label}\" cannot name a result file: {reason}"),
    );
}

/// The names of the files a run writes for `pop`'s recordings: its spikes and each (known) recorded variable.
fn population_file_names(pop: &PopulationSpec) -> Result<(), WriteError> {
    let recordables = pop.cell.cell_type.recordables();
    for item in &pop.record {
        let variables = match item {
            RecordItem::All(v) => std::slice::from_ref(v),
            RecordItem::Variables { variables, .. } => variables.as_slice(),
        };
        for v in variables
            .iter()
            .filter(|v| recordables.contains(&v.as_str()))
        {
            if v == "spikes" {
                spikes_npy_name(&pop.label)?;
            } else {
                trace_names(&pop.label, v)?;
            }
        }
    }
    Ok(())
}

fn population(pop: &PopulationSpec, sim: &Simulation, path: &JsonPath, problems: &mut Problems) {
    check_label(
        &pop.label,
        population_file_names(pop),
        &path.field("label"),
        problems,
    );
    if pop.size == 0 {
        problems.push(path.field("size").as_str(), "must be >= 1, got 0");
        return;
    }
    let params = path.field("cell").field("params");
    for (name, value) in &pop.cell.params {
        let p = params.field(name);
        if name == "spike_times" {
            spike_times(value, pop.size, &p, problems);
        } else {
            value_shape(value, pop.size, &p, problems);
        }
    }
    for (name, value) in &pop.initial {
        value_shape(
            value,
            pop.size,
            &path.field("initial").field(name),
            problems,
        );
    }
    if let Some(s) = &pop.structure
        && let Err(e) = space::check(s, pop.size)
    {
        problems.push(path.field("structure").as_str(), e);
    }
    record(pop, sim, &path.field("record"), problems);
}

/// `record`: known variables, indices within the population, and sampling intervals on the timestep grid, one
/// per analog variable (as sPyNNaker, which samples each variable at one rate).
fn record(pop: &PopulationSpec, sim: &Simulation, path: &JsonPath, problems: &mut Problems) {
    let cell = pop.cell.cell_type;
    let recordables = cell.recordables();
    let mut intervals: HashMap<&str, (f64, JsonPath)> = HashMap::new();
    for (i, item) in pop.record.iter().enumerate() {
        let p = path.index(i);
        let (vars, indices, interval): (Vec<&String>, &[u32], Option<f64>) = match item {
            RecordItem::All(v) => (vec![v], &[], None),
            RecordItem::Variables {
                variables,
                indices,
                sampling_interval,
            } => (
                variables.iter().collect(),
                indices.as_deref().unwrap_or_default(),
                *sampling_interval,
            ),
        };
        for (j, v) in vars.iter().enumerate() {
            if !recordables.contains(&v.as_str()) {
                let vp = if matches!(item, RecordItem::All(_)) {
                    p.clone()
                } else {
                    p.field("variables").index(j)
                };
                problems.push(
                    vp.as_str(),
                    format!(
                        "{} for {}",
                        unknown_name("recordable variable", v, recordables),
                        cell.name()
                    ),
                );
            }
        }
        if let Some((k, &bad)) = indices.iter().enumerate().find(|(_, n)| **n >= pop.size) {
            problems.push(
                p.field("indices").index(k).as_str(),
                format!("neuron index must be < size {}, got {bad}", pop.size),
            );
        }
        let ip = if interval.is_some() {
            p.field("sampling_interval")
        } else {
            p.clone()
        };
        if let Some(ms) = interval
            && let Err(e) = sampling_steps(ms, sim.timestep_ms)
        {
            problems.push(ip.as_str(), e);
            continue;
        }
        let ms = interval.unwrap_or(sim.timestep_ms);
        for v in vars.into_iter().filter(|v| v.as_str() != "spikes") {
            match intervals.get(v.as_str()) {
                Some((other, at)) if *other != ms => problems.push(
                    ip.as_str(),
                    format!(
                        "`{v}` is sampled every {other} ms at {}; a variable has one sampling interval, got {ms} ms",
                        at.as_str()
                    ),
                ),
                Some(_) => {}
                None => {
                    intervals.insert(v, (ms, ip.clone()));
                }
            }
        }
    }
}

/// A `sampling_interval` in timesteps: a positive whole multiple of the timestep that a 32-bit tick count holds.
pub fn sampling_steps(ms: f64, timestep_ms: f64) -> Result<u32, String> {
    let steps = crate::time::whole_steps(ms, timestep_ms)?;
    u32::try_from(steps).map_err(|_| {
        format!(
            "{ms} ms is {steps} timesteps; a run counts at most {} (32 bits)",
            u32::MAX
        )
    })
}

/// Arrays must have one value per neuron; distributions must have valid parameters; `Sequences` belong to
/// `spike_times` only. Ranges are checked on the resolved values.
fn value_shape(value: &ParamValue, size: u32, path: &JsonPath, problems: &mut Problems) {
    match value {
        ParamValue::Scalar(_) => {}
        ParamValue::Array(a) if a.len() != size as usize => problems.push(
            path.as_str(),
            format!(
                "an array needs exactly one value per neuron ({size}), got {}",
                a.len()
            ),
        ),
        ParamValue::Array(_) => {}
        ParamValue::Sequences(_) => problems.push(
            path.as_str(),
            "expected a number, an array of numbers or a distribution, got an array of arrays",
        ),
        ParamValue::Random(d) => {
            if let Err(e) = Sampler::new(d) {
                problems.push(path.as_str(), e);
            }
        }
    }
}

fn spike_times(value: &ParamValue, size: u32, path: &JsonPath, problems: &mut Problems) {
    let check = |times: &[f64], p: &JsonPath, problems: &mut Problems| {
        if let Some((k, t)) = times
            .iter()
            .enumerate()
            .find(|(_, t)| !(**t >= 0.0 && t.is_finite()))
        {
            problems.push(
                p.index(k).as_str(),
                format!("spike times must be >= 0, got {t}"),
            );
        } else if let Some(k) = times.windows(2).position(|w| w[1] < w[0]) {
            problems.push(
                p.index(k + 1).as_str(),
                format!(
                    "spike times must be sorted, got {} after {}",
                    times[k + 1],
                    times[k]
                ),
            );
        }
    };
    match value {
        ParamValue::Array(times) => check(times, path, problems),
        ParamValue::Sequences(seqs) if seqs.len() != size as usize => problems.push(
            path.as_str(),
            format!(
                "per-neuron spike times need one array per neuron ({size}), got {}",
                seqs.len()
            ),
        ),
        ParamValue::Sequences(seqs) => {
            for (i, s) in seqs.iter().enumerate() {
                check(s, &path.index(i), problems);
            }
        }
        _ => problems.push(
            path.as_str(),
            "expected an array of spike times or one array per neuron",
        ),
    }
}

/// How many neurons two views of the same population have in common.
fn view_overlap(a: &PopRef, b: &PopRef, size: u32) -> u64 {
    let members = |r: &PopRef| -> Vec<bool> {
        let mut m = vec![false; size as usize];
        match r {
            PopRef::Population(_) => m.iter_mut().for_each(|x| *x = true),
            PopRef::Slice { slice, .. } => m[slice[0] as usize..slice[1] as usize]
                .iter_mut()
                .for_each(|x| *x = true),
            PopRef::Indices { indices, .. } => indices.iter().for_each(|&i| m[i as usize] = true),
        }
        m
    };
    let (ma, mb) = (members(a), members(b));
    ma.iter().zip(&mb).filter(|(x, y)| **x && **y).count() as u64
}

/// The size of a view, or why it is not valid; `None` when the population does not exist (reported elsewhere).
fn view_size(
    file: &NetFile,
    r: &PopRef,
    path: &JsonPath,
    problems: &mut Problems,
) -> Option<(usize, u32)> {
    let label = r.population();
    let Some(index) = file.populations.iter().position(|p| p.label == label) else {
        let labels: Vec<&str> = file.populations.iter().map(|p| p.label.as_str()).collect();
        let p = match r {
            PopRef::Population(_) => path.clone(),
            _ => path.field("population"),
        };
        problems.push(p.as_str(), unknown_name("population", label, &labels));
        return None;
    };
    let size = file.populations[index].size;
    match r {
        PopRef::Population(_) => Some((index, size)),
        PopRef::Indices { indices, .. } => {
            let p = path.field("indices");
            if indices.is_empty() {
                problems.push(p.as_str(), "a view must select at least one neuron");
                return None;
            }
            if let Some((k, &bad)) = indices.iter().enumerate().find(|(_, n)| **n >= size) {
                problems.push(
                    p.index(k).as_str(),
                    format!("index must be < the size of \"{label}\" ({size}), got {bad}"),
                );
                return None;
            }
            let mut sorted = indices.clone();
            sorted.sort_unstable();
            if sorted.windows(2).any(|w| w[0] == w[1]) {
                problems.push(p.as_str(), "a view must not repeat a neuron");
                return None;
            }
            Some((index, indices.len() as u32))
        }
        PopRef::Slice {
            slice: [start, stop],
            ..
        } => {
            if !(start < stop && *stop <= size) {
                problems.push(
                    path.field("slice").as_str(),
                    format!(
                        "needs start < stop <= size of \"{label}\" ({size}), got [{start}, {stop}]"
                    ),
                );
                return None;
            }
            Some((index, stop - start))
        }
    }
}

fn projection(file: &NetFile, proj: &ProjectionSpec, path: &JsonPath, problems: &mut Problems) {
    let pre = view_size(file, &proj.pre, &path.field("pre"), problems);
    let post = view_size(file, &proj.post, &path.field("post"), problems);
    let (Some((pre_pop, n_pre)), Some((post_pop, n_post))) = (pre, post) else {
        return;
    };
    let post_cell = file.populations[post_pop].cell.cell_type;
    let Some(kind) = post_cell.synapse_kind() else {
        problems.push(
            path.field("post").as_str(),
            format!(
                "\"{}\" is a {}: spike sources receive no synapses",
                file.populations[post_pop].label,
                post_cell.name()
            ),
        );
        return;
    };
    let cpath = path.field("connector");
    let sim = &file.simulation;
    let weights = WeightRule {
        kind,
        receptor: proj.receptor_type,
    };
    match &proj.connector {
        Connector::FixedProbabilityConnector { p_connect, .. }
            if !(0.0..=1.0).contains(p_connect) =>
        {
            problems.push(
                cpath.field("p_connect").as_str(),
                format!("must be within [0, 1], got {p_connect}"),
            );
        }
        Connector::OneToOneConnector {} if n_pre != n_post => problems.push(
            cpath.as_str(),
            format!("OneToOneConnector needs pre and post of equal size, got {n_pre} and {n_post}"),
        ),
        Connector::FixedNumberPreConnector {
            n,
            with_replacement,
            allow_self_connections,
        }
        | Connector::FixedNumberPostConnector {
            n,
            with_replacement,
            allow_self_connections,
        }
        | Connector::FixedTotalNumberConnector {
            n,
            with_replacement,
            allow_self_connections,
        } if *n <= u64::from(u32::MAX) => {
            // Excluded self-connections shrink what can be drawn without repeats: a neuron in both views
            // has one partner fewer.
            let overlap = if *allow_self_connections || pre_pop != post_pop {
                0
            } else {
                view_overlap(&proj.pre, &proj.post, file.populations[pre_pop].size)
            };
            let less = u64::from(overlap > 0);
            let (limit, what) = match &proj.connector {
                Connector::FixedNumberPreConnector { .. } => (
                    u64::from(n_pre) - less,
                    "pre neurons each post neuron can get",
                ),
                Connector::FixedNumberPostConnector { .. } => (
                    u64::from(n_post) - less,
                    "post neurons each pre neuron can get",
                ),
                _ => (
                    u64::from(n_pre) * u64::from(n_post) - overlap,
                    "(pre, post) pairs",
                ),
            };
            if *with_replacement && *n > 0 && limit == 0 {
                problems.push(
                    cpath.field("n").as_str(),
                    "no neuron has an eligible partner once self-connections are excluded",
                );
            } else if !*with_replacement && *n > limit {
                problems.push(
                    cpath.field("n").as_str(),
                    format!(
                        "without replacement n must be <= the {limit} {what}{}, got {n}",
                        if overlap > 0 {
                            " (self-connections excluded)"
                        } else {
                            ""
                        }
                    ),
                );
            }
        }
        Connector::FixedNumberPreConnector { n, .. }
        | Connector::FixedNumberPostConnector { n, .. }
        | Connector::FixedTotalNumberConnector { n, .. } => problems.push(
            cpath.field("n").as_str(),
            format!("must be at most {}, got {n}", u32::MAX),
        ),
        Connector::FromListConnector { conn_list } => {
            let lpath = cpath.field("conn_list");
            for (k, row) in conn_list.iter().enumerate() {
                let rp = lpath.index(k);
                if row.pre >= n_pre {
                    problems.push(
                        rp.index(0).as_str(),
                        format!("pre index must be < the pre size {n_pre}, got {}", row.pre),
                    );
                }
                if row.post >= n_post {
                    problems.push(
                        rp.index(1).as_str(),
                        format!(
                            "post index must be < the post size {n_post}, got {}",
                            row.post
                        ),
                    );
                }
                if let Some((w, d)) = row.weight_delay {
                    weights.check_constant(w, &rp.index(2), problems);
                    check_constant_delay(d, sim, &rp.index(3), problems);
                }
            }
            if conn_list
                .windows(2)
                .any(|w| w[0].weight_delay.is_some() != w[1].weight_delay.is_some())
            {
                problems.push(
                    lpath.as_str(),
                    "every row must have the same width: [pre, post] or [pre, post, weight, delay]",
                );
            }
        }
        Connector::DistanceDependentProbabilityConnector { d_expression, .. } => {
            if let Err(e) = Expr::parse(d_expression) {
                problems.push(cpath.field("d_expression").as_str(), e.to_string());
            }
            for (r, pop) in [("pre", pre_pop), ("post", post_pop)] {
                if file.populations[pop].structure.is_none() {
                    problems.push(
                        path.field(r).as_str(),
                        format!(
                            "DistanceDependentProbabilityConnector needs positions: population \"{}\" has no `structure`",
                            file.populations[pop].label
                        ),
                    );
                }
            }
        }
        _ => {}
    }
    synapse(
        &proj.synapse,
        weights,
        sim,
        &path.field("synapse"),
        problems,
    );
}

/// PyNN's weight sign rules (units.txt): conductances and excitatory weights >= 0, current-based (and
/// voltage-jump) inhibitory weights <= 0.
#[derive(Clone, Copy)]
struct WeightRule {
    kind: SynapseKind,
    receptor: ReceptorType,
}

impl WeightRule {
    /// The allowed interval, and why.
    fn allowed(self) -> (f64, f64, String) {
        let unit = self.kind.weight_unit();
        match (self.kind, self.receptor) {
            (SynapseKind::Conductance, _) => (
                0.0,
                f64::INFINITY,
                format!("conductance-based weights (in {unit}) must be >= 0"),
            ),
            (_, ReceptorType::Excitatory) => (
                0.0,
                f64::INFINITY,
                format!("excitatory weights (in {unit}) must be >= 0"),
            ),
            (_, ReceptorType::Inhibitory) => (
                f64::NEG_INFINITY,
                0.0,
                format!(
                    "inhibitory current-based weights (in {unit}) must be <= 0 (PyNN's sign convention)"
                ),
            ),
        }
    }

    fn check_constant(self, w: f64, path: &JsonPath, problems: &mut Problems) {
        let (lo, hi, why) = self.allowed();
        if !(w >= lo && w <= hi) {
            problems.push(path.as_str(), format!("{why}, got {w}"));
        }
    }

    fn check(self, q: &Quantity, path: &JsonPath, problems: &mut Problems) {
        match q {
            Quantity::Constant(w) => self.check_constant(*w, path, problems),
            Quantity::Random(d) => {
                if let Err(e) = Sampler::new(d) {
                    problems.push(path.as_str(), e);
                    return;
                }
                let (lo, hi, why) = self.allowed();
                let (s_lo, s_hi) = support(d);
                if s_lo < lo || s_hi > hi {
                    problems.push(
                        path.as_str(),
                        format!(
                            "{why}, but this distribution can give values in [{s_lo}, {s_hi}]; bound it (e.g. normal_clipped with {})",
                            if lo == 0.0 { "low: 0" } else { "high: 0" }
                        ),
                    );
                }
            }
        }
    }
}

/// The delay as the machine sees it: rounded to the nearest timestep (net-json.md).
pub fn round_delay_ms(delay_ms: f64, timestep_ms: f64) -> f64 {
    (delay_ms / timestep_ms).round() * timestep_ms
}

fn delay_in_range(d: f64, sim: &Simulation) -> bool {
    let r = round_delay_ms(d, sim.timestep_ms);
    let eps = 1e-9 * sim.timestep_ms;
    d.is_finite() && r >= sim.min_delay_ms - eps && r <= sim.max_delay_ms + eps
}

fn delay_range_text(sim: &Simulation) -> String {
    format!(
        "must be within [{}, {}] ms (min_delay_ms, max_delay_ms) after rounding to the {} ms timestep",
        sim.min_delay_ms, sim.max_delay_ms, sim.timestep_ms
    )
}

fn check_constant_delay(d: f64, sim: &Simulation, path: &JsonPath, problems: &mut Problems) {
    if !delay_in_range(d, sim) {
        problems.push(
            path.as_str(),
            format!(
                "{}, got {d} (rounds to {})",
                delay_range_text(sim),
                round_delay_ms(d, sim.timestep_ms)
            ),
        );
    }
}

fn synapse(
    syn: &SynapseSpec,
    weights: WeightRule,
    sim: &Simulation,
    path: &JsonPath,
    problems: &mut Problems,
) {
    weights.check(&syn.weight(), &path.field("weight"), problems);
    let dpath = path.field("delay");
    match syn.delay() {
        None => {}
        Some(Quantity::Constant(d)) => check_constant_delay(d, sim, &dpath, problems),
        Some(Quantity::Random(d)) => match Sampler::new(&d) {
            Err(e) => problems.push(dpath.as_str(), e),
            Ok(_) => {
                let (lo, hi) = support(&d);
                if !(delay_in_range(lo, sim) && delay_in_range(hi, sim)) {
                    problems.push(
                        dpath.as_str(),
                        format!(
                            "{}, but this distribution can give values in [{lo}, {hi}]; bound it (uniform, or normal_clipped with low and high)",
                            delay_range_text(sim)
                        ),
                    );
                }
            }
        },
    }
    let non_negative = |p: JsonPath, x: f64, problems: &mut Problems| {
        if !finite_at_least(x, 0.0, false) {
            problems.push(p.as_str(), format!("must be >= 0, got {x}"));
        }
    };
    match *syn {
        SynapseSpec::StdpMechanism {
            timing_dependence:
                TimingDependence::SpikePairRule {
                    tau_plus,
                    tau_minus,
                    a_plus,
                    a_minus,
                },
            weight_dependence,
            ..
        } => {
            let t = path.field("timing_dependence");
            for (name, x) in [("tau_plus", tau_plus), ("tau_minus", tau_minus)] {
                if !finite_at_least(x, 0.0, true) {
                    problems.push(t.field(name).as_str(), format!("must be > 0, got {x}"));
                }
            }
            non_negative(t.field("A_plus"), a_plus, problems);
            non_negative(t.field("A_minus"), a_minus, problems);
            let (w_min, w_max) = weight_dependence.bounds();
            let w = path.field("weight_dependence");
            if !(w_min.is_finite() && w_max.is_finite() && 0.0 <= w_min && w_min <= w_max) {
                problems.push(
                    w.as_str(),
                    format!("needs 0 <= w_min <= w_max, got w_min {w_min}, w_max {w_max}"),
                );
            }
        }
        SynapseSpec::TsodyksMarkramSynapse {
            u,
            tau_rec,
            tau_facil,
            ..
        } => {
            if !(u > 0.0 && u <= 1.0) {
                problems.push(
                    path.field("U").as_str(),
                    format!("must be within (0, 1], got {u}"),
                );
            }
            non_negative(path.field("tau_rec"), tau_rec, problems);
            non_negative(path.field("tau_facil"), tau_facil, problems);
        }
        SynapseSpec::StaticSynapse { .. } => {}
    }
}
