//! Reading a finished (or interrupted) run back: hardware spikes and samples -> populations and neurons in
//! biological time, and every counter -> provenance.
//!
//! Spike times are `tick * timestep` as sPyNNaker reports them (the runtime's first tick is time 0), formed as
//! the exact decimal product so they print on the timestep grid (`22.9`, not `22.900000000000002`). A core's
//! samples are concatenated per tick across the slices of a population; if recording regions filled up
//! (counted in `Recording_overflows`), a population's trace keeps the ticks every slice recorded.

use std::collections::BTreeMap;

use nmemu_loader::Network;
use nmemu_loader::format::ReceptorType;
use nmemu_loader::writers::{
    PlasticWeights, PopulationRecording, Provenance, Recordings, Spike, Trace,
};
use serde_json::{Map, Value, json};
use spinnaker_emu::kernel::Simulation;
use spinnaker_emu::runtime::cycles::CycleCosts;
use spinnaker_emu::runtime::program::{ChipRuntime, Program};

use super::Mapped;

/// The program of slice `s` in a simulation loaded from `mapped.image`.
fn program<'a>(mapped: &Mapped, sim: &'a Simulation<ChipRuntime>, s: usize) -> Option<&'a Program> {
    let (chip, core) = mapped.placements[s];
    let index = sim.machine().chip_index(chip)? as usize;
    sim.chips()[index]
        .app
        .cores
        .get(usize::from(core))?
        .as_ref()
}

/// Spikes and traces per population.
pub fn recordings(net: &Network, mapped: &Mapped, sim: &Simulation<ChipRuntime>) -> Recordings {
    let populations = net
        .populations
        .iter()
        .enumerate()
        .map(|(p, population)| {
            let slices = mapped.partition.populations[p].slices.clone();
            let wanted = |variable: &str| population.record.iter().find(|r| r.variable == variable);
            let spikes = wanted("spikes").map(|r| {
                let mut out = Vec::new();
                for s in slices.clone() {
                    let lo = mapped.partition.slices[s].lo;
                    if let Some(program) = program(mapped, sim, s) {
                        out.extend(
                            program
                                .spikes()
                                .iter()
                                .map(|&(tick, n)| Spike {
                                    neuron: lo + u32::from(n),
                                    time_ms: net.simulation.time_ms(u64::from(tick)),
                                })
                                .filter(|spike| {
                                    r.neurons.as_ref().is_none_or(|l| l.contains(&spike.neuron))
                                }),
                        );
                    }
                }
                out
            });
            let traces = population
                .record
                .iter()
                .filter(|r| r.variable != "spikes")
                .map(|r| {
                    trace(
                        mapped,
                        sim,
                        slices.clone(),
                        &r.variable,
                        r.neurons.as_deref(),
                        net.simulation.time_ms(r.sampling_steps.into()),
                    )
                })
                .collect();
            PopulationRecording {
                label: population.label.clone(),
                size: population.size,
                spikes,
                traces,
            }
        })
        .collect();
    Recordings { populations }
}

/// One variable of one population, across its slices.
fn trace(
    mapped: &Mapped,
    sim: &Simulation<ChipRuntime>,
    slices: std::ops::Range<usize>,
    variable: &str,
    wanted: Option<&[u32]>,
    sampling_interval_ms: f64,
) -> Trace {
    // Per slice: the columns wanted (index into the core's recorded neurons) and the core's samples.
    let mut columns: Vec<(Vec<usize>, &[spinnaker_emu::runtime::program::Sample])> = Vec::new();
    let mut neuron_indices = Vec::new();
    for s in slices {
        let slice = mapped.partition.slices[s];
        let Some(Program::Neurons(core)) = program(mapped, sim, s) else {
            continue;
        };
        let recorded: Vec<u32> = if core.recording().neurons.is_empty() {
            (slice.lo..slice.hi).collect()
        } else {
            core.recording()
                .neurons
                .iter()
                .map(|&n| slice.lo + u32::from(n))
                .collect()
        };
        let keep: Vec<usize> = recorded
            .iter()
            .enumerate()
            .filter(|(_, n)| wanted.is_none_or(|w| w.contains(n)))
            .map(|(i, _)| i)
            .collect();
        neuron_indices.extend(keep.iter().map(|&i| recorded[i]));
        let samples = core
            .traces
            .iter()
            .find(|(name, _)| name == variable)
            .map_or(&[][..], |(_, samples)| samples.as_slice());
        columns.push((keep, samples));
    }
    let ticks = columns.iter().map(|(_, s)| s.len()).min().unwrap_or(0);
    let mut samples = Vec::with_capacity(ticks * neuron_indices.len());
    for t in 0..ticks {
        for (keep, core_samples) in &columns {
            samples.extend(keep.iter().map(|&i| core_samples[t].values[i].to_f64()));
        }
    }
    Trace {
        variable: variable.to_string(),
        neuron_indices,
        sampling_interval_ms,
        samples,
    }
}

/// Counters whose machine total is a maximum, not a sum.
fn is_maximum(name: &str) -> bool {
    name.starts_with("Max")
}

/// provenance.json: per core and per chip, under the names sPyNNaker and SpiNNMan use, with machine totals.
pub fn provenance(net: &Network, mapped: &Mapped, sim: &Simulation<ChipRuntime>) -> Provenance {
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    let mut add = |name: &str, value: u64| {
        let total = totals.entry(name.to_string()).or_default();
        *total = if is_maximum(name) {
            (*total).max(value)
        } else {
            *total + value
        };
    };
    // Neuron and source cores (one per slice), then delay-extension cores (one per delayed source slice): what
    // the core does, for which neurons, and its counters.
    let slice_cores = mapped
        .partition
        .slices
        .iter()
        .enumerate()
        .map(|(s, slice)| {
            let label = &net.populations[slice.population].label;
            (s, "population", label, slice)
        });
    let delay_cores = mapped
        .delays
        .cores(&mapped.partition)
        .map(|(vertex, v, s)| {
            let label = &net.populations[mapped.delays.vertices[v].source].label;
            (
                vertex,
                "delay_extension_of",
                label,
                &mapped.partition.slices[s],
            )
        });
    let mut cores = Vec::new();
    for (vertex, role, label, slice) in slice_cores.chain(delay_cores) {
        let (chip, core) = mapped.placements[vertex];
        let Some(program) = program(mapped, sim, vertex) else {
            continue;
        };
        let mut entry = Map::new();
        entry.insert("x".into(), json!(chip.x));
        entry.insert("y".into(), json!(chip.y));
        entry.insert("core".into(), json!(core));
        entry.insert(role.into(), json!(label));
        entry.insert("neurons".into(), json!([slice.lo, slice.hi]));
        for (name, value) in program.named_counters() {
            add(name, value);
            entry.insert(name.into(), json!(value));
        }
        if let Program::Neurons(n) = program {
            entry.insert("profile_cycles".into(), json!(n.profile));
        }
        cores.push(Value::Object(entry));
    }
    let mut chips = Vec::new();
    for state in sim.chips() {
        let counters = &state.router.counters;
        let named = counters.named();
        let links: Vec<Value> = state
            .router
            .link_counters()
            .iter()
            .map(|l| json!({"sent": l.sent, "blocked": l.blocked, "wait_cycles": l.wait_cycles}))
            .collect();
        if named.iter().all(|&(_, v)| v == 0) {
            continue;
        }
        let mut entry = Map::new();
        entry.insert("x".into(), json!(state.coord.x));
        entry.insert("y".into(), json!(state.coord.y));
        for (name, value) in named {
            add(name, value);
            entry.insert(name.into(), json!(value));
        }
        entry.insert("links".into(), Value::Array(links));
        chips.push(Value::Object(entry));
    }
    let total = |name: &str| totals.get(name).copied().unwrap_or(0);
    let summary = [
        ("cores", json!(cores.len())),
        ("chips_with_traffic", json!(chips.len())),
        ("spikes_sent", json!(total("Sent_spikes"))),
        ("spikes_received", json!(total("Received_spikes"))),
        ("synaptic_events", json!(total("Total_pre_synaptic_events"))),
        (
            "multicast_packets_through_routers",
            json!(total("Local_Multicast_Packets") + total("External_Multicast_Packets")),
        ),
        ("longest_tick_cycles", json!(total("Max_tick_cycles"))),
        ("lost", json!(lost_in(mapped, &totals))),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect();
    let mut sections = BTreeMap::new();
    sections.insert("cores".to_string(), cores);
    sections.insert("chips".to_string(), chips);
    Provenance {
        summary,
        totals,
        sections,
    }
}

/// Everything lost or altered, for run.json's `lost` and the terminal warning: zero entries included, so a
/// reader sees what was checked.
pub fn lost(mapped: &Mapped, provenance: &Provenance) -> BTreeMap<String, u64> {
    lost_in(mapped, &provenance.totals)
}

/// [`lost`] from the machine totals (provenance.json's summary carries it too).
fn lost_in(mapped: &Mapped, totals: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    let total = |name: &str| totals.get(name).copied().unwrap_or(0);
    let weights = mapped.report.projections.iter().map(|p| p.weights);
    let mut lost = BTreeMap::new();
    lost.insert("packets_dropped_by_routers".into(), total("Lost_Packets"));
    lost.insert(
        "spikes_dropped_from_input_buffers".into(),
        total("Times_the_input_buffer_lost_packets"),
    );
    lost.insert(
        "ring_buffer_saturations".into(),
        total("Times_synaptic_weights_have_saturated"),
    );
    lost.insert("late_synapses_skipped".into(), total("Skipped synapses"));
    lost.insert(
        "timer_tick_overruns".into(),
        total("Times_the_timer_tic_over_ran"),
    );
    lost.insert("recording_overflows".into(), total("Recording_overflows"));
    lost.insert(
        "delayed_spikes_lost_to_counter_saturation".into(),
        total("saturation_count"),
    );
    lost.insert(
        "delayed_spikes_with_invalid_keys".into(),
        total("invalid_key_count") + total("invalid_neuron_count"),
    );
    lost.insert(
        "weights_clipped".into(),
        weights.clone().map(|w| w.clipped).sum(),
    );
    lost.insert(
        "weights_rounded_to_zero".into(),
        weights.map(|w| w.rounded_to_zero).sum(),
    );
    lost
}

/// How long the real machine would have taken: the ticks run at the timer period (the timestep times the time
/// scale factor), unless a core overran (then the longest tick sets the pace).
pub fn hardware_time_s(mapped: &Mapped, sim: &Simulation<ChipRuntime>, ticks: u32) -> f64 {
    let tick_s = mapped.image.timer_period().as_ms() * 1e-3;
    let longest = (0..mapped.placements.len())
        .filter_map(|s| program(mapped, sim, s))
        .map(|p: &Program| p.counters().max_tick_cycles)
        .max()
        .unwrap_or(0);
    let longest_s = CycleCosts::time(longest).as_ms() * 1e-3;
    f64::from(ticks) * tick_s.max(longest_s)
}

/// The final weights of every plastic projection, as the cores hold them (a synapse changes only when its row
/// is fetched for a spike, so this is what sPyNNaker would read back too), in PyNN units and synapse order.
pub fn plastic_weights(
    net: &Network,
    mapped: &Mapped,
    sim: &Simulation<ChipRuntime>,
) -> Vec<PlasticWeights> {
    mapped
        .plastic
        .iter()
        .enumerate()
        .filter(|(_, matrices)| !matrices.is_empty())
        .map(|(j, matrices)| {
            let pairs = &mapped.plastic_pairs[j];
            let mut weights = vec![f64::NAN; pairs.len()];
            let synapse_type =
                usize::from(net.projections[j].receptor_type == ReceptorType::Inhibitory);
            for m in matrices {
                let scale = mapped.scales[m.slice][synapse_type];
                let Some(program) = program(mapped, sim, m.slice) else {
                    continue;
                };
                for (source, bounds) in m.row_start.windows(2).enumerate() {
                    let synapses = &m.synapses[bounds[0] as usize..bounds[1] as usize];
                    if synapses.is_empty() {
                        continue;
                    }
                    if let Some(row) = program.plastic_weights(m.item, source as u32) {
                        for (&i, &w) in synapses.iter().zip(&row) {
                            weights[i as usize] = f64::from(w) / scale.units_per_weight();
                        }
                    }
                }
            }
            PlasticWeights {
                projection: net.projections[j].label.clone(),
                rows: pairs
                    .iter()
                    .zip(weights)
                    .map(|(&(pre, post), w)| (pre, post, w))
                    .collect(),
            }
        })
        .collect()
}
