//! provenance.json of a wafer system run: every counter of [`WaferCounters`] per HICANN (section `hicanns`),
//! per sending repeater in output mode (`buses`), per Layer-2 route between wafers (`routes`) and, on several
//! wafers, per wafer (`wafers`: each wafer's totals), machine totals, and a `summary` of the headline
//! figures for a reader who does not know the hardware.
//!
//! Counter names are the emulator's block counters' field names (`pe_collisions`, `lost_uplink`,
//! `synapses_matched`...), the ESS' vocabulary (spec §11 item 2: L2 dropped-before-run, L2 lost up, L1 lost),
//! so each can be looked up in `brainscales-emu`'s docs. Per-block arrays (priority encoders, mergers) are
//! summed per HICANN; per-neuron spike counts stay out of the file (a full wafer has 196,608 denmems): the
//! spikes files hold them.

use std::collections::BTreeMap;

use brainscales_emu::system::SystemRun;
use brainscales_emu::wafer::{HicannCounters, WaferCounters};
use nmemu_loader::writers::Provenance;
use serde_json::{Map, Value, json};

use super::readback::SpikeAccount;

/// The counters of one HICANN by name.
fn hicann_counters(h: &HicannCounters) -> Vec<(&'static str, u64)> {
    let m = &h.merger;
    let sum = |a: &[u64]| a.iter().sum::<u64>();
    let s = &h.synapses;
    vec![
        ("spikes", h.spikes_per_neuron.iter().map(|n| n.1).sum()),
        ("pe_collisions", sum(&m.pe_collisions)),
        ("pe_overwritten", sum(&m.pe_overwritten)),
        ("background_blocked", sum(&m.background_blocked)),
        ("l2_blocked", sum(&m.l2_blocked)),
        ("unrouted_encoder", sum(&m.unrouted_encoder)),
        ("unrouted_background", sum(&m.unrouted_background)),
        ("unrouted_tree", sum(&m.unrouted_tree)),
        ("unrouted_l2", sum(&m.unrouted_l2)),
        ("dnc_emitted", sum(&m.emitted)),
        ("events_in", s.events_in),
        ("events_no_l1_input", s.events_no_l1_input),
        ("events_delivered", s.events_delivered),
        ("synapses_matched", s.synapses_matched),
        ("stdp_sweeps", s.stdp_sweeps),
        ("stdp_rows_processed", s.stdp_rows_processed),
        ("weights_saturated_low", s.weights_saturated_low),
        ("weights_saturated_high", s.weights_saturated_high),
        ("stdp_charge_saturated", s.stdp_charge_saturated),
        ("recorded", h.uplink.recorded),
        ("lost_uplink", h.uplink.lost_uplink),
        ("before_start", h.uplink.before_start),
        ("dnc_events_unrouted", h.run.dnc_events_unrouted),
        (
            "events_to_unconfigured_hicanns",
            h.run.events_to_unconfigured_hicanns,
        ),
        ("jumps_to_unused_denmems", h.run.jumps_to_unused_denmems),
        ("spikes_found_late", h.run.spikes_found_late),
        ("l2_injected", h.l2_injected),
        ("integrator_steps", h.integrator.steps),
        ("integrator_rejected_steps", h.integrator.rejected_steps),
        ("integrator_exact_spans", h.integrator.exact_spans),
        ("integrator_forced_steps", h.integrator.forced_steps),
        ("integrator_dropped_steps", h.integrator.dropped_steps),
    ]
}

/// The counters of a wafer that belong to no one HICANN.
fn wafer_counters(c: &WaferCounters) -> Vec<(&'static str, u64)> {
    vec![
        ("l1_events", c.l1_events()),
        ("l1_lost_saturated", c.l1_lost_saturated()),
        ("played", c.playback.played),
        ("dropped_hicann_budget", c.playback.dropped_hicann_budget),
        ("dropped_fpga_budget", c.playback.dropped_fpga_budget),
        ("dropped_dead_link", c.playback.dropped_dead_link),
        (
            "parameters_clipped",
            c.clipped.total() - c.clipped.fg.clipped,
        ),
        ("fg_clipped", c.clipped.fg.clipped),
        ("mismatch_floored", c.mismatch.floored),
    ]
}

/// Events lost on the way from a neuron to its synapses or to the recording: the output path's encoders
/// and latches, and the buses' rate limit.
const L1_LOSSES: [&str; 5] = [
    "pe_collisions",
    "pe_overwritten",
    "background_blocked",
    "l2_blocked",
    "l1_lost_saturated",
];
/// Layer-2 events lost: input dropped before the run by the link budgets or a dead link, recorded events
/// lost on the up-links, forwarded events a target wafer could not play.
const L2_LOSSES: [&str; 5] = [
    "dropped_hicann_budget",
    "dropped_fpga_budget",
    "dropped_dead_link",
    "lost_uplink",
    "route_dropped",
];

/// provenance.json of `run` (see the module docs); `account` says what the recording delivered.
pub fn provenance(run: &SystemRun, account: &SpikeAccount) -> Provenance {
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    let mut add = |name: &str, value: u64| *totals.entry(name.to_string()).or_default() += value;
    let mut hicanns = Vec::new();
    let mut buses = Vec::new();
    let mut wafers = Vec::new();
    for (w, wafer) in run.wafers.iter().enumerate() {
        let c = &wafer.counters;
        let mut own: BTreeMap<&str, u64> = BTreeMap::new();
        for h in &c.hicanns {
            let mut entry = Map::new();
            entry.insert("wafer".into(), json!(w));
            entry.insert("hicann".into(), json!(h.hicann.to_enum()));
            entry.insert("x".into(), json!(h.hicann.x()));
            entry.insert("y".into(), json!(h.hicann.y()));
            entry.insert("neurons".into(), json!(h.spikes_per_neuron.len()));
            for (name, value) in hicann_counters(h) {
                *own.entry(name).or_default() += value;
                entry.insert(name.into(), json!(value));
            }
            hicanns.push(Value::Object(entry));
        }
        for (name, value) in wafer_counters(c) {
            *own.entry(name).or_default() += value;
        }
        let mut entry = Map::from_iter([("wafer".to_string(), json!(w))]);
        for (name, value) in own {
            add(name, value);
            entry.insert(name.into(), json!(value));
        }
        wafers.push(Value::Object(entry));
        for (repeater, b) in &c.buses {
            buses.push(json!({
                "wafer": w,
                "hicann": repeater.hicann.to_enum(),
                "repeater": repeater.index,
                "events": b.events,
                "lost_saturated": b.lost_saturated,
            }));
        }
    }
    let mut routes = Vec::new();
    for (i, r) in run.routes.iter().enumerate() {
        add("forwarded", r.forwarded);
        add("route_dropped", r.dropped());
        routes.push(json!({"route": i, "forwarded": r.forwarded, "dropped": r.dropped()}));
    }
    let total = |name: &str| totals.get(name).copied().unwrap_or(0);
    let summary: BTreeMap<String, Value> = [
        ("spikes_on_wafer", json!(account.on_wafer())),
        ("spikes_not_recorded", json!(account.not_recorded())),
        ("spikes_recorded", json!(total("recorded"))),
        ("hicanns", json!(hicanns.len())),
        ("l1_events", json!(total("l1_events"))),
        ("l1_events_lost", json!(sum(&totals, &L1_LOSSES))),
        ("l2_events_dropped", json!(sum(&totals, &L2_LOSSES))),
        ("input_spikes_played", json!(total("played"))),
        ("synaptic_events", json!(total("synapses_matched"))),
        ("parameters_clipped", json!(total("parameters_clipped"))),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut sections = BTreeMap::from([("hicanns".to_string(), hicanns)]);
    if !buses.is_empty() {
        sections.insert("buses".into(), buses);
    }
    if !routes.is_empty() {
        sections.insert("routes".into(), routes);
    }
    if wafers.len() > 1 {
        sections.insert("wafers".into(), wafers);
    }
    Provenance {
        summary,
        totals,
        sections,
    }
}

fn sum(totals: &BTreeMap<String, u64>, names: &[&str]) -> u64 {
    names
        .iter()
        .map(|n| totals.get(*n).copied().unwrap_or(0))
        .sum()
}

/// run.json's `lost` from the run's side: Layer-1 and Layer-2 events lost, spikes the recording did not
/// deliver, parameters the wafer clipped at load. The mapping's own losses (synapses) join these in the
/// binary.
pub fn lost(provenance: &Provenance, account: &SpikeAccount) -> BTreeMap<String, u64> {
    let t = &provenance.totals;
    BTreeMap::from([
        ("l1_events_lost".to_string(), sum(t, &L1_LOSSES)),
        ("l2_events_dropped".to_string(), sum(t, &L2_LOSSES)),
        ("spikes_not_recorded".to_string(), account.not_recorded()),
        (
            "parameters_clipped_on_wafer".to_string(),
            sum(t, &["parameters_clipped", "fg_clipped"]),
        ),
    ])
}
