//! End-to-end: `nmemu run --machine spinnaker-*` on the bundled examples, against NEST references
//! (tests/data, see its README), across machine sizes and thread counts, and on refused input.

use std::collections::BTreeMap;

mod common;

use common::{json, nmemu, repo, run, spikes};

#[test]
fn single_neuron_spikes_within_one_tick_of_nest() {
    for (net, reference, dt) in [
        (
            "tests/data/single_neuron.dt1p0.json",
            "tests/data/single_neuron.dt1p0.ongrid.spikes.csv",
            1.0,
        ),
        (
            "tests/data/single_neuron.dt0p1.json",
            "tests/data/single_neuron.dt0p1.ongrid.spikes.csv",
            0.1,
        ),
    ] {
        let dir = run(net, "spinnaker-48", &[]);
        let ours = spikes(&dir.path().join("spikes.csv"));
        let nest = spikes(&repo(reference));
        for (population, neurons) in &nest {
            for (neuron, times) in neurons {
                let got = &ours[population][neuron];
                assert_eq!(
                    got.len(),
                    times.len(),
                    "{net}: spike count of {population}[{neuron}]"
                );
                for (a, b) in got.iter().zip(times) {
                    assert!(
                        (a - b).abs() <= dt + 1e-9,
                        "{net}: spike at {a} ms, NEST at {b} ms"
                    );
                }
            }
        }
        let run = json(&dir.path().join("run.json"));
        assert_eq!(run["partial"], false);
        assert_eq!(run["machine_family"], "spinnaker");
    }
}

/// sPyNNaker stamps a spike with the tick whose update produced it and a spike sent in tick t with delay d
/// enters the update of tick t + d; NEST stamps the end of the step and the target feels the spike one step
/// later. So every neuron-to-neuron hop of the chain is one tick shorter on SpiNNaker (spinnaker-emu's
/// runtime docs): group k of the chain fires (k + 1) ticks earlier than NEST's on-grid reference.
#[test]
fn synfire_pulse_reaches_every_group_as_in_nest() {
    let dir = run("tests/data/synfire.json", "spinnaker-48", &[]);
    let ours = spikes(&dir.path().join("spikes.csv"));
    let nest = spikes(&repo("tests/data/synfire.ongrid.spikes.csv"));
    let dt = 1.0;
    let groups: Vec<&String> = nest.keys().filter(|g| g.starts_with('g')).collect();
    assert_eq!(groups.len(), 10);
    for g in groups {
        let k: f64 = g[1..].parse().unwrap();
        let stats = |s: &BTreeMap<u32, Vec<f64>>| {
            let all: Vec<f64> = s.values().flatten().copied().collect();
            (all.len() as f64, all.iter().sum::<f64>() / all.len() as f64)
        };
        let (n_nest, t_nest) = stats(&nest[g]);
        let (n_ours, t_ours) = stats(
            ours.get(g)
                .unwrap_or_else(|| panic!("group {g} never fired")),
        );
        assert!(
            (n_ours - n_nest).abs() <= 0.1 * n_nest,
            "{g}: {n_ours} spikes, NEST {n_nest}"
        );
        let shifted = t_ours + (k + 1.0) * dt;
        assert!(
            (shifted - t_nest).abs() <= 1.0,
            "{g}: mean {t_ours} ms (+{} hop ticks), NEST {t_nest} ms",
            k + 1.0
        );
    }
}

/// The network is chaotic: compare the statistics with NEST's seed-to-seed range (va_cuba.nest.json).
#[test]
fn va_cuba_rate_and_irregularity_match_nest() {
    let dir = run("tests/data/va_cuba.json", "spinnaker-48", &[]);
    let ours = spikes(&dir.path().join("spikes.csv"));
    let reference = json(&repo("tests/data/va_cuba.nest.json"));
    let (n_neurons, duration_s) = (4000.0, 1.0);
    let trains: Vec<&Vec<f64>> = ours.values().flat_map(|p| p.values()).collect();
    let count: usize = trains.iter().map(|t| t.len()).sum();
    let rate = count as f64 / n_neurons / duration_s;
    let (lo, hi) = (
        reference["rate_hz"]["min"].as_f64().unwrap(),
        reference["rate_hz"]["max"].as_f64().unwrap(),
    );
    let widen = 0.1 * (hi - lo).max(0.1 * (hi + lo) / 2.0);
    assert!(
        rate >= lo - widen && rate <= hi + widen,
        "rate {rate} Hz, NEST {lo}..{hi}"
    );
    let cvs: Vec<f64> = trains
        .iter()
        .filter(|t| t.len() > 2)
        .map(|t| {
            let isi: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
            let mean = isi.iter().sum::<f64>() / isi.len() as f64;
            let var = isi.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / isi.len() as f64;
            var.sqrt() / mean
        })
        .collect();
    let cv = cvs.iter().sum::<f64>() / cvs.len() as f64;
    let nest_cv = reference["cv_isi"]["mean"].as_f64().unwrap();
    assert!(
        (cv - nest_cv).abs() <= 0.1,
        "CV of ISI {cv}, NEST {nest_cv}"
    );
    let provenance = json(&dir.path().join("provenance.json"));
    assert!(provenance["totals"]["Received_spikes"].as_u64().unwrap() > 100_000);
    let mapping = json(&dir.path().join("mapping.json"));
    assert_eq!(mapping["format"], "nmemu-mapping/1");
    assert_eq!(mapping["synapses"].as_u64().unwrap(), 320_115);
}

#[test]
fn delays_beyond_the_ring_buffers_go_through_a_delay_extension_exactly() {
    // Source neuron i drives neuron i with a delay of 1 + i % 144 ticks; a 256-neuron core's ring buffers reach
    // 32, so most synapses go through the delay-extension core's stages.
    let dir = run("examples/long_delays.json", "spinnaker-48", &[]);
    let mapping = json(&dir.path().join("mapping.json"));
    assert_eq!(mapping["delay_extension_cores"], 1);
    assert_eq!(mapping["delay_extensions"][0]["ticks_per_stage"], 32);
    assert_eq!(mapping["delay_extensions"][0]["stages"], 4);
    let spikes = spikes(&dir.path().join("spikes.csv"));
    let delayed = &spikes["delayed"];
    assert_eq!(delayed.len(), 256, "every neuron fired");
    // The same input fires every neuron after the same latency once its delay is taken off, whichever stage
    // carried it.
    let latencies: std::collections::BTreeSet<Vec<i64>> = delayed
        .iter()
        .map(|(&i, times)| {
            let delay = 1 + i64::from(i) % 144;
            times.iter().map(|&t| t as i64 - delay).collect()
        })
        .collect();
    assert_eq!(latencies.len(), 1, "latencies: {latencies:?}");
    let provenance = json(&dir.path().join("provenance.json"));
    let delay_core = provenance["cores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["delay_extension_of"] == "stim")
        .expect("the delay core's provenance");
    // Neurons 32..=143 and 176..=255 need a stage, twice each (spikes at 10 and 40 ms).
    assert_eq!(delay_core["Sent_spikes"], 2 * (112 + 80));
    assert_eq!(delay_core["saturation_count"], 0);
    let run_json = json(&dir.path().join("run.json"));
    assert!(
        run_json["lost"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| v == 0),
        "{}",
        run_json["lost"]
    );
}

#[test]
fn machine_size_changes_placement_not_spikes() {
    for net in [
        "tests/data/synfire.json",
        "tests/data/single_neuron.dt1p0.json",
        "examples/long_delays.json",
    ] {
        let outputs: Vec<Vec<u8>> = ["spinnaker-3", "spinnaker-48", "spinnaker-24b"]
            .iter()
            .map(|m| std::fs::read(run(net, m, &[]).path().join("spikes.csv")).unwrap())
            .collect();
        assert!(outputs[0].len() > 30, "{net}: spikes were recorded");
        assert_eq!(outputs[0], outputs[1], "{net}: spinnaker-3 vs spinnaker-48");
        assert_eq!(
            outputs[1], outputs[2],
            "{net}: spinnaker-48 vs spinnaker-24b"
        );
    }
}

#[test]
fn thread_count_does_not_change_any_output() {
    let one = run(
        "tests/data/va_cuba.json",
        "spinnaker-48",
        &["--threads", "1"],
    );
    let two = run(
        "tests/data/va_cuba.json",
        "spinnaker-48",
        &["--threads", "2"],
    );
    for file in ["spikes.csv", "exc.spikes.npy", "provenance.json"] {
        let a = std::fs::read(one.path().join(file)).unwrap();
        let b = std::fs::read(two.path().join(file)).unwrap();
        assert!(a == b, "{file} differs between --threads 1 and 2");
    }
}

#[test]
fn refused_networks_say_why_and_what_would_work() {
    let adex = nmemu(&[
        "run",
        "--machine",
        "spinnaker-48",
        repo("examples/adex.json").to_str().unwrap(),
    ]);
    assert_eq!(adex.status.code(), Some(1));
    let err = String::from_utf8_lossy(&adex.stderr);
    assert!(
        err.contains("'adex'") && err.contains("BrainScaleS"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    std::fs::write(
        &big,
        r#"{"format": "nmemu-net/1", "simulation": {"duration_ms": 10},
            "populations": [{"label": "p", "size": 300000, "cell": {"type": "IF_curr_exp"}}]}"#,
    )
    .unwrap();
    let o = nmemu(&["map", "--machine", "spinnaker-48", big.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("needs 1172 application cores; spinnaker-48 has 759 usable")
            && err.contains("spinnaker-3b"),
        "{err}"
    );
}

#[test]
fn plastic_synapses_the_runtime_would_skip_are_reported() {
    // 256 Poisson sources one-to-one onto 256 neurons through STDP synapses: a 256-neuron core's ring buffers
    // have 32 slots, so a delay of 32 steps is stored as 0, which the runtime's plastic code skips.
    let dir = tempfile::tempdir().unwrap();
    let net = |delay: f64| {
        serde_json::json!({
            "format": "nmemu-net/1",
            "simulation": {"timestep_ms": 1.0, "duration_ms": 100.0, "min_delay_ms": 1.0, "max_delay_ms": 32.0, "seed": 3},
            "populations": [
                {"label": "input", "size": 256, "cell": {"type": "SpikeSourcePoisson", "params": {"rate": 20.0}}},
                {"label": "post", "size": 256, "cell": {"type": "IF_curr_exp", "params": {}}, "record": ["spikes"]}
            ],
            "projections": [{
                "label": "stdp", "pre": "input", "post": "post", "receptor_type": "excitatory",
                "connector": {"type": "OneToOneConnector"},
                "synapse": {
                    "type": "STDPMechanism", "weight": 0.5, "delay": delay,
                    "timing_dependence": {"type": "SpikePairRule"},
                    "weight_dependence": {"type": "AdditiveWeightDependence", "w_min": 0.0, "w_max": 1.0}
                }
            }]
        })
    };
    let mut skipped = Vec::new();
    for delay in [32.0, 31.0] {
        let path = dir.path().join(format!("net{delay}.json"));
        std::fs::write(&path, net(delay).to_string()).unwrap();
        let out = run(path.to_str().unwrap(), "spinnaker-48", &[]);
        let mapping = json(&out.path().join("mapping.json"));
        let provenance = json(&out.path().join("provenance.json"));
        skipped.push((
            mapping["projections"][0]["plastic_synapses_never_applied"].clone(),
            provenance["totals"]["Skipped synapses"].as_u64().unwrap(),
        ));
    }
    assert_eq!(skipped[0].0, 256);
    assert!(skipped[0].1 > 100, "every input spike skips its synapse");
    assert_eq!(skipped[1], (serde_json::json!(0), 0));
}

#[test]
fn izhikevich_firing_classes_behave_as_the_readme_says() {
    // examples/izhikevich.json: Izhikevich's (2003) RS, IB, CH, FS and LTS cells under I = 10, which is
    // i_offset 10 on SpiNNaker (added to dv/dt unscaled). examples/README.md states what each class does.
    let dir = run("examples/izhikevich.json", "spinnaker-3", &[]);
    let spikes = spikes(&dir.path().join("spikes.csv"));
    let cells = &spikes["classes"];
    let isis = |n: u32| -> Vec<f64> { cells[&n].windows(2).map(|w| w[1] - w[0]).collect() };
    let count = |n: u32| cells[&n].len();
    let tail = |v: &[f64]| v[v.len() / 2..].to_vec();
    let within = |v: &[f64], lo: f64, hi: f64| v.iter().all(|&x| (lo..=hi).contains(&x));

    // RS: tonic with adaptation, the intervals lengthen from about 23 ms to about 45 ms.
    let rs = isis(0);
    assert!((18..=28).contains(&count(0)), "RS {rs:?}");
    assert!(rs[0] < 30.0 && within(&tail(&rs), 40.0, 50.0), "RS {rs:?}");
    // IB: a burst at onset (intervals of a few ms), then tonic firing at about 31 ms intervals.
    let ib = isis(1);
    assert!((28..=40).contains(&count(1)), "IB {ib:?}");
    assert!(
        ib[0] < 10.0 && ib[1] < 10.0 && within(&ib[2..], 25.0, 45.0),
        "IB {ib:?}"
    );
    // CH: repetitive bursts of several spikes a few ms apart, every ~60 ms.
    let ch = isis(2);
    assert!((75..=100).contains(&count(2)), "CH {ch:?}");
    let gaps = ch.iter().filter(|&&x| x > 20.0).count();
    assert!(
        (12..=20).contains(&gaps) && ch.len() >= 4 * gaps,
        "CH {ch:?}"
    );
    assert!(ch.iter().all(|x| !(6.0..=40.0).contains(x)), "CH {ch:?}");
    // FS: tonic at well over 100 Hz; the intervals settle within a few spikes and then stay put.
    let fs = isis(3);
    assert!((115..=150).contains(&count(3)), "FS {fs:?}");
    let steady = &fs[5..];
    let (lo, hi) = steady.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| {
        (lo.min(x), hi.max(x))
    });
    assert!(hi - lo <= 0.5 && within(steady, 6.0, 8.5), "FS {fs:?}");
    // LTS: adapts from about 3 ms to about 13.5 ms intervals.
    let lts = isis(4);
    assert!((65..=90).contains(&count(4)), "LTS {lts:?}");
    assert!(
        lts[0] < 4.0 && within(&tail(&lts), 12.0, 15.0),
        "LTS {lts:?}"
    );

    // The mapping report says i_offset means something else on NEST.
    let mapping = json(&dir.path().join("mapping.json"));
    let notes = mapping["numerical_warnings"].as_array().unwrap();
    assert!(
        notes.iter().any(|w| w["kind"] == "parameter_meaning"
            && w["message"]
                .as_str()
                .unwrap()
                .contains("i_offset 10 nA enters dv/dt unscaled")),
        "{notes:?}"
    );
}

#[test]
fn spinnaker_hints_cut_the_populations_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let net = |spinnaker: serde_json::Value| {
        let path = dir.path().join("net.json");
        let text = serde_json::json!({
            "format": "nmemu-net/1",
            "simulation": {"duration_ms": 10},
            "populations": [
                {"label": "exc", "size": 400, "cell": {"type": "IF_curr_exp"}},
                {"label": "inh", "size": 100, "cell": {"type": "IF_curr_exp"}}
            ],
            "extensions": {"spinnaker": spinnaker, "brainscales": {"ignored": true}}
        });
        std::fs::write(&path, text.to_string()).unwrap();
        path
    };
    let path = net(serde_json::json!({"neurons_per_core": {"IF_curr_exp": 50, "exc": 100}}));
    let out = dir.path().join("out");
    let o = nmemu(&[
        "map",
        "--machine",
        "spinnaker-3",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mapping = json(&out.join("mapping.json"));
    let cut: Vec<_> = mapping["populations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["atoms_per_core"].clone(),
                p["limited_by"].clone(),
                p["cores"].clone(),
            )
        })
        .collect();
    assert_eq!(
        cut,
        [
            (100.into(), "hint".into(), 4.into()),
            (50.into(), "hint".into(), 2.into())
        ]
    );

    let path = net(serde_json::json!({"neurons_per_core": {"exc": 100}, "compresor": "pair"}));
    let o = nmemu(&["map", "--machine", "spinnaker-3", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "extensions.spinnaker.compresor: unknown field `compresor` (did you mean `compressor`?)"
        ),
        "{err}"
    );
}
