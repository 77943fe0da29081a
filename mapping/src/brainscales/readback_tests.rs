use brainscales_emu::Preset;
use brainscales_emu::defects::Defects;
use brainscales_emu::image::{TraceRequest, WaferImage};
use brainscales_emu::system::System;
use brainscales_emu::wafer::build;
use nmemu_loader::Limits;
use nmemu_loader::writers::Recordings;

use super::*;

fn a() -> HicannOnWafer {
    HicannOnWafer::new(18, 7).unwrap()
}

/// A population of `size` neurons recording spikes of all and `v` of neurons 0 and 3 every 0.5 ms.
fn net(size: u32) -> Network {
    let text = format!(
        r#"{{"format": "nmemu-net/1", "simulation": {{"duration_ms": 400, "timestep_ms": 0.1}},
            "populations": [
              {{"label": "in", "size": 1, "cell": {{"type": "SpikeSourceArray", "params": {{"spike_times": [1]}}}}}},
              {{"label": "cells", "size": {size}, "cell": {{"type": "IF_cond_exp"}},
                "record": ["spikes", {{"variables": ["v"], "indices": [0, 3], "sampling_interval": 0.5}}]}}]}}"#
    );
    Network::from_json(&text, &Limits::default()).unwrap()
}

/// `count` neurons on HICANN A driven by rising constant currents (build::recorded_senders: the default
/// denmem, E_l 0.55 V, V_t 0.65 V, V_reset 0.5 V; neuron k gets 1 + 0.01 k times the current), recorded on
/// Gbit channel 0, membranes of neurons 0 and 3 traced.
fn image(count: usize) -> SystemImage {
    let mut wafer = WaferImage::new(SpeedUp::Normal, 1);
    build::recorded_senders(&mut wafer, a(), count, 0.5e-6);
    let firing: Vec<NeuronOnHicann> = wafer.hicanns[0].neurons.iter().map(|n| n.firing).collect();
    wafer.traces = [0, 3]
        .into_iter()
        .map(|k| TraceRequest {
            hicann: a(),
            denmem: firing[k],
        })
        .collect();
    wafer.trace_interval = HwTime::from_ns(20);
    SystemImage {
        wafers: vec![wafer],
        l2_routes: Vec::new(),
    }
}

/// Runs `image` for 60 us of hardware time: 400 ms biological at 10^4 after the 20 us experiment start.
fn run(image: &SystemImage) -> SystemRun {
    let preset = Preset::parse("brainscales-wafer").unwrap();
    let mut system = System::load(image.clone(), preset, &[Defects::default()]).unwrap();
    system.run(HwTime::from_ns(60_000), 1)
}

fn places(image: &SystemImage) -> Vec<(u32, HicannOnWafer, NeuronOnHicann)> {
    image.wafers[0].hicanns[0]
        .neurons
        .iter()
        .map(|n| (0, a(), n.firing))
        .collect()
}

const SCALE: VoltageScale = VoltageScale {
    alpha_v: 10.0,
    shift_v: 1.2,
};

/// Runs `image` and reads it back for `net(6)` at the translation's voltage scale.
fn read_back(image: &SystemImage) -> (SystemRun, Result<(Recordings, SpikeAccount), String>) {
    read_back_until(image, 400.0)
}

/// As [`read_back`], for a run that completed `completed_ms` of the 60 us the system ran.
fn read_back_until(
    image: &SystemImage,
    completed_ms: f64,
) -> (SystemRun, Result<(Recordings, SpikeAccount), String>) {
    let (net, run, places) = (net(6), run(image), places(image));
    let readback = Readback {
        net: &net,
        image,
        places: vec![None, Some(&places)],
        voltage: SCALE,
        completed_ms,
    };
    let read = readback.recordings(&run);
    (run, read)
}

#[test]
fn recorded_spikes_come_back_to_their_neurons_in_biological_time() {
    let image = image(6);
    let (run, read) = read_back(&image);
    let places = places(&image);
    let (recordings, account) = read.unwrap();
    let cells = &recordings.populations[1];
    let spikes = cells.spikes.as_ref().unwrap();
    assert!(recordings.populations[0].spikes.is_none());
    // Every recorded spike is written, none invented.
    assert_eq!(spikes.len(), run.wafers[0].recorded.len());
    assert!(spikes.len() > 6 * 20, "{} spikes", spikes.len());
    assert!(
        spikes
            .iter()
            .all(|s| (0.0..=400.0).contains(&s.time_ms) && s.neuron < 6)
    );
    // Each recorded spike of neuron k follows a spike of k's firing denmem on the wafer by the output
    // path's latency (a few PLL cycles per merger stage: well under 0.2 us hardware, 2 ms biological). The
    // neurons' periods differ by 1 % per neuron, so a spike given to the wrong neuron would drift away
    // from that neuron's spikes within a few periods.
    for k in 0..6u32 {
        let made: Vec<f64> = run.wafers[0]
            .spikes
            .iter()
            .filter(|s| s.neuron == places[k as usize].2)
            .map(|s| s.bio_s * 1e3)
            .collect();
        let written: Vec<f64> = spikes
            .iter()
            .filter(|s| s.neuron == k)
            .map(|s| s.time_ms)
            .collect();
        assert!(written.len() > 20 && written.len() <= made.len());
        for t in written {
            assert!(
                made.iter().any(|&m| (0.0..2.0).contains(&(t - m))),
                "neuron {k}: recorded at {t} ms, made {made:?}"
            );
        }
    }
    // The account: what the wafer made in experiment time against what the recording delivered.
    let made = run.wafers[0]
        .spikes
        .iter()
        .filter(|s| s.bio_s >= 0.0)
        .count() as u64;
    assert_eq!(
        account.populations,
        vec![("cells".to_string(), made, spikes.len() as u64)]
    );
    assert_eq!(account.not_recorded(), made - spikes.len() as u64);
}

#[test]
fn spikes_after_the_completed_ms_are_neither_written_nor_counted() {
    let (run, read) = read_back_until(&image(6), 150.0);
    let (recordings, account) = read.unwrap();
    let spikes = recordings.populations[1].spikes.as_ref().unwrap();
    let in_run = |bio_s: f64| (0.0..=150.0).contains(&(bio_s * 1e3));
    let recorded = run.wafers[0].recorded.iter().filter(|r| in_run(r.bio_s));
    assert!(run.wafers[0].recorded.len() > 2 * recorded.clone().count());
    assert_eq!(spikes.len(), recorded.count());
    assert!(spikes.iter().all(|s| s.time_ms <= 150.0));
    let made = run.wafers[0].spikes.iter().filter(|s| in_run(s.bio_s));
    assert_eq!(
        account.populations,
        vec![(
            "cells".to_string(),
            made.count() as u64,
            spikes.len() as u64
        )]
    );
}

#[test]
fn membranes_are_written_in_mv_between_reset_and_threshold() {
    let (recordings, _) = read_back(&image(6)).1.unwrap();
    let trace = &recordings.populations[1].traces[0];
    assert_eq!(trace.variable, "v");
    assert_eq!(trace.neuron_indices, vec![0, 3]);
    assert_eq!(trace.sampling_interval_ms, 0.5);
    // 400 ms at 0.5 ms: 800 samples of 2 neurons.
    assert_eq!(trace.samples.len(), 800 * 2);
    // V_reset 0.5 V is -70 mV, V_t 0.65 V is -55 mV: the membrane of a regularly firing neuron stays in
    // between (a little overshoot past the comparator allowed).
    let (lo, hi) = trace
        .samples
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    assert!(lo > -70.5 && hi < -54.0, "{lo}..{hi} mV");
    assert!(hi - lo > 10.0, "the membrane swings: {lo}..{hi} mV");
}

#[test]
fn a_membrane_that_was_not_traced_is_an_error_not_a_missing_file() {
    let mut image = image(6);
    image.wafers[0].traces.truncate(1);
    let e = read_back(&image).1.err().unwrap();
    assert!(
        e.contains("population cells neuron 3") && e.contains("not traced"),
        "{e}"
    );
}

#[test]
fn recordables_other_than_the_membrane_are_refused_by_name() {
    let text = r#"{"format": "nmemu-net/1", "simulation": {"duration_ms": 10},
        "populations": [{"label": "cells", "size": 2, "cell": {"type": "IF_cond_exp"},
                         "record": ["spikes", "v", "gsyn_exc"]}]}"#;
    let net = Network::from_json(text, &Limits::default()).unwrap();
    let e = check_recordables(&net).unwrap_err();
    assert!(
        e.starts_with("populations[0] (cells).record: `gsyn_exc` cannot be recorded"),
        "{e}"
    );
    assert_eq!(check_recordables(&self::net(6)), Ok(()));
}

#[test]
fn provenance_counts_every_hicann_and_sums_the_losses() {
    let (run, read) = read_back(&image(6));
    let (_, account) = read.unwrap();
    let p = super::super::provenance::provenance(&run, &account);
    let c = &run.wafers[0].counters.hicanns[0];
    assert_eq!(p.sections["hicanns"].len(), 1);
    assert_eq!(p.sections["hicanns"][0]["hicann"], a().to_enum());
    assert_eq!(p.totals["spikes"], run.wafers[0].spikes.len() as u64);
    assert_eq!(p.totals["recorded"], run.wafers[0].recorded.len() as u64);
    let encoder_losses: u64 =
        c.merger.pe_collisions.iter().sum::<u64>() + c.merger.pe_overwritten.iter().sum::<u64>();
    assert!(
        encoder_losses > 0,
        "six neurons in step on one encoder collide"
    );
    assert_eq!(p.summary["l1_events_lost"], encoder_losses);
    assert_eq!(p.summary["spikes_not_recorded"], account.not_recorded());
    let lost = super::super::provenance::lost(&p, &account);
    assert_eq!(lost["l1_events_lost"], encoder_losses);
    assert_eq!(lost["l2_events_dropped"], c.uplink.lost_uplink);
}
