//! Random small networks through the whole pipeline, as the fuzz target (`fuzz/`) does for the loader alone:
//! load (parse, validate, resolve), map onto a SpiNN-5 board and run 20 ms. Each stage may refuse a network
//! with an error, but nothing may panic, and what runs reads back spike times inside the run. A bounded
//! number of cases keeps it to seconds in CI, where cargo-fuzz (nightly) does not run.

use nmemu_loader::{Limits, Network};
use nmemu_mapping::spinnaker::{SpinnakerOptions, map, readback};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{Value, json};
use spinnaker_emu::faults::Faults;
use spinnaker_emu::image::MachineDescription;
use spinnaker_emu::router::config::NetworkParams;
use spinnaker_emu::runtime::cycles::CycleCosts;
use spinnaker_emu::runtime::program;
use spinnaker_emu::time::Time;

const DURATION_MS: f64 = 20.0;

fn cell() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0.0f64..2.0).prop_map(|i| json!({"type": "IF_curr_exp", "params": {"i_offset": i}})),
        (0.0f64..2.0).prop_map(|i| json!({"type": "IF_cond_exp", "params": {"i_offset": i}})),
        (0.0f64..2.0).prop_map(|i| json!({"type": "IF_curr_alpha", "params": {"i_offset": i}})),
        (0.0f64..10.0).prop_map(|i| json!({"type": "Izhikevich", "params": {"i_offset": i}})),
        (0.0f64..200.0).prop_map(|r| json!({"type": "SpikeSourcePoisson", "params": {"rate": r}})),
        prop::collection::vec(0.0f64..DURATION_MS, 0..5).prop_map(|mut t| {
            t.sort_by(f64::total_cmp);
            json!({"type": "SpikeSourceArray", "params": {"spike_times": t}})
        }),
    ]
}

fn connector() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"type": "AllToAllConnector"})),
        Just(json!({"type": "OneToOneConnector"})),
        (0.0f64..1.0).prop_map(|p| json!({"type": "FixedProbabilityConnector", "p_connect": p})),
        (0u64..5).prop_map(|n| json!({"type": "FixedNumberPreConnector", "n": n})),
    ]
}

/// Cells whose synapses are currents: PyNN's inhibitory weights on them are negative.
const CURRENT_BASED: [&str; 3] = ["IF_curr_exp", "IF_curr_alpha", "Izhikevich"];

/// Populations (size, cell) and projections (pre, post, inhibitory, connector, weight, delay) as net.json,
/// valid by construction (projections end on neurons, one-to-one joins equal sizes, weights signed as PyNN
/// wants), so that most cases reach the mapper and the machine.
fn network() -> impl Strategy<Value = Value> {
    let populations = prop::collection::vec((1u64..40, cell()), 1..5);
    let projections = prop::collection::vec(
        (
            0usize..4,
            0usize..4,
            any::<bool>(),
            connector(),
            0.0f64..2.0,
            1.0f64..20.0,
        ),
        0..6,
    );
    (populations, projections, any::<u32>()).prop_map(|(pops, projs, seed)| {
        let neurons: Vec<usize> = (0..pops.len())
            .filter(|&i| !pops[i].1["type"].as_str().unwrap().starts_with("SpikeSource"))
            .collect();
        let projections: Vec<Value> = if neurons.is_empty() {
            Vec::new()
        } else {
            projs
                .into_iter()
                .map(|(pre, post, inhibitory, connector, weight, delay)| {
                    let (pre, post) = (pre % pops.len(), neurons[post % neurons.len()]);
                    let one_to_one = connector["type"] == "OneToOneConnector";
                    let connector = if one_to_one && pops[pre].0 != pops[post].0 {
                        json!({"type": "AllToAllConnector"})
                    } else {
                        connector
                    };
                    let current = CURRENT_BASED.contains(&pops[post].1["type"].as_str().unwrap());
                    let weight = if inhibitory && current { -weight } else { weight };
                    json!({
                        "pre": format!("p{pre}"),
                        "post": format!("p{post}"),
                        "receptor_type": if inhibitory { "inhibitory" } else { "excitatory" },
                        "connector": connector,
                        "synapse": {"type": "StaticSynapse", "weight": weight, "delay": delay.round()},
                    })
                })
                .collect()
        };
        let populations: Vec<Value> = pops
            .into_iter()
            .enumerate()
            .map(|(i, (size, cell))| {
                json!({"label": format!("p{i}"), "size": size, "cell": cell, "record": ["spikes"]})
            })
            .collect();
        json!({
            "format": "nmemu-net/1",
            "simulation": {"timestep_ms": 1.0, "duration_ms": DURATION_MS, "max_delay_ms": 20.0, "seed": seed},
            "populations": populations,
            "projections": projections,
        })
    })
}

/// Loads, maps and runs one network: the spikes recorded, `None` when a stage refuses it, `Err` when the
/// result is wrong.
fn load_map_run(text: &str) -> Result<Option<u64>, TestCaseError> {
    let Ok(net) = Network::from_json(text, &Limits::default()) else {
        return Ok(None);
    };
    let machine = MachineDescription {
        preset: "spinnaker-48".to_string(),
        ideal_cores: false,
        faults: Faults::default(),
    };
    let Ok(mapped) = map(&net, &SpinnakerOptions::new(machine, 1)) else {
        return Ok(None);
    };
    let mut sim = program::load(
        &mapped.image,
        NetworkParams::default(),
        CycleCosts::default(),
    )
    .map_err(|e| TestCaseError::fail(format!("a mapped image does not load: {e}")))?;
    let ticks = (DURATION_MS / net.simulation.timestep_ms) as u64;
    sim.run(Time(mapped.image.timer_period().0 * ticks), 1);
    let recordings = readback::recordings(&net, &mapped, &sim);
    for population in &recordings.populations {
        for spike in population.spikes.iter().flatten() {
            prop_assert!(
                (0.0..DURATION_MS).contains(&spike.time_ms) && spike.neuron < population.size,
                "{}: {:?}",
                population.label,
                spike
            );
        }
    }
    Ok(Some(recordings.spike_count()))
}

/// 64 cases from a fixed seed (reproducible in CI); most must get through all three stages.
#[test]
fn random_networks_load_map_and_run_or_are_refused_without_panicking() {
    const CASES: u32 = 64;
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let (ran, spikes) = (AtomicU32::new(0), AtomicU64::new(0));
    runner
        .run(&network().prop_map(|v| v.to_string()), |text| {
            if let Some(n) = load_map_run(&text)? {
                ran.fetch_add(1, Ordering::Relaxed);
                spikes.fetch_add(n, Ordering::Relaxed);
            }
            Ok(())
        })
        .unwrap();
    let (ran, spikes) = (ran.into_inner(), spikes.into_inner());
    assert!(ran >= CASES / 2, "only {ran} of {CASES} networks ran");
    assert!(spikes > 0, "{ran} networks ran without a spike");
}
