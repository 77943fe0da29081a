//! The health verdict of a wafer run: can its numbers be trusted?
//!
//! The wafer changes a network in ways a simulator does not: synapses the routing could not realise,
//! parameters outside the circuits' ranges clipped, input dropped on the links, spikes lost in the output
//! path and the recording. The mapping report and the run's counters say all of it; this module turns them
//! into one verdict with reasons and advice, as SpiNNaker's `health` does for its machine.
//!
//! The thresholds are nmemu's choice (marocco aborts at any synapse loss by default, ESS prints counters):
//!
//! | measure | `degraded` when | `unreliable` when |
//! |---|---|---|
//! | synapses the mapping could not realise | > 0 | > 1% of synapses |
//! | neuron events lost in the output path and on the buses (L1) | > 0 | > 1% of on-wafer spikes |
//! | input spikes dropped by the link budgets, dead links or full routes (L2) | > 0 | > 1% of input spikes |
//! | parameters clipped by the mapping (per population and parameter) | any | — |
//! | neurons without their i_offset (no current stimulus left on the HICANN) | any | — |
//! | initial values the wafer cannot set (it starts at rest) | any | — |
//! | input sources thinned to fit the bandwidth | any | — |
//! | spikes the recording did not deliver (the network ran with them) | any | — |
//! | parameters the wafer clipped at load (mismatch pushed them out of range) | any | — |

use nmemu_loader::writers::{Health, HealthReason, Provenance, Verdict};

use super::Mapped;
use super::readback::SpikeAccount;
use super::report::significant;

/// Loss fractions above this make a run `unreliable`.
pub const UNRELIABLE_LOSS: f64 = 0.01;

fn graded(fraction: f64) -> Verdict {
    if fraction > UNRELIABLE_LOSS {
        Verdict::Unreliable
    } else {
        Verdict::Degraded
    }
}

/// The verdict of a run of `mapped` with these counters.
pub fn verdict(mapped: &Mapped, provenance: &Provenance, account: &SpikeAccount) -> Health {
    let r = &mapped.report;
    let summary = |name: &str| {
        provenance
            .summary
            .get(name)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0) as f64
    };
    let total = |name: &str| provenance.totals.get(name).copied().unwrap_or(0) as f64;
    let mut reasons = Vec::new();
    let mut reason = |severity, what: String, advice: &str| {
        reasons.push(HealthReason {
            severity,
            what,
            advice: advice.to_string(),
        })
    };

    if r.synapses_lost > 0 {
        let fraction = r.synapses_lost as f64 / (r.synapses as f64).max(1.0);
        let worst = r
            .synapse_loss_by_projection
            .iter()
            .filter(|(_, f)| **f > 0.0)
            .map(|(label, f)| format!("'{label}' {:.2}%", 100.0 * f))
            .collect::<Vec<_>>()
            .join(", ");
        reason(
            graded(fraction),
            format!(
                "{:.2}% of the synapses could not be realised ({} of {}: {} on Layer-1 routes, {} for want of \
                 synapse drivers, {} for want of rows or addresses; by projection: {worst})",
                100.0 * fraction,
                r.synapses_lost,
                r.synapses,
                r.synapses_lost_l1,
                r.synapses_lost_driver,
                r.synapses_lost_row
            ),
            "give the mapping room: fewer circuits per neuron (extensions.brainscales.neuron_size), longer \
             driver chains (driver_chain_length), or connected populations placed on neighbouring HICANNs \
             (placement); --max-synapse-loss refuses a mapping that loses more",
        );
    }

    let spikes = summary("spikes_on_wafer").max(total("spikes"));
    let l1_lost = summary("l1_events_lost");
    if l1_lost > 0.0 {
        let fraction = l1_lost / spikes.max(1.0);
        reason(
            graded(fraction),
            format!(
                "{l1_lost} neuron events ({:.3}% of the wafer's spikes) were lost in the output path (priority \
                 encoders, mergers) or on saturated Layer-1 buses: their targets never saw them",
                100.0 * fraction
            ),
            "neurons of one neuron block that fire together collide: spread populations over more HICANNs \
             (extensions.brainscales.placement, larger neuron_size) or lower their rates",
        );
    }

    let l2_dropped = summary("l2_events_dropped") - total("lost_uplink");
    if l2_dropped > 0.0 {
        let fraction = l2_dropped / (total("played") + l2_dropped).max(1.0);
        reason(
            graded(fraction),
            format!(
                "{l2_dropped} input spikes ({:.3}%) were dropped on the Layer-2 links (HICANN or FPGA budget, \
                 dead links, forwarding between wafers)",
                100.0 * fraction
            ),
            "lower extensions.brainscales.bandwidth_utilization so that the mapping spreads the sources, use \
             fewer or slower sources, or a smaller --speedup (the budget is in hardware time)",
        );
    }

    for c in &r.parameters_clipped {
        reason(
            Verdict::Degraded,
            format!(
                "populations '{}': {} = {} {} is outside the circuits' range at --speedup {}; realised {} {}",
                c.population,
                c.parameter,
                significant(c.requested),
                c.unit,
                r.speedup,
                significant(c.realised),
                c.unit
            ),
            &match c.fits_at_speedup {
                Some(s) => format!("it fits at --speedup {s}"),
                None => "it fits at no speed-up: change the parameter".to_string(),
            },
        );
    }

    for l in &r.current_stimuli_lost {
        reason(
            Verdict::Degraded,
            format!(
                "population '{}': {} neurons ran without their i_offset (mean {} nA asked): a HICANN has \
                 {} current stimuli, one per floating-gate block",
                l.population,
                l.neurons,
                significant(l.requested_mean_na),
                brainscales_emu::image::STIMULI_PER_HICANN
            ),
            "give i_offset to fewer neurons (at most 4 per HICANN, 2 per half), or drive them with spike \
             sources instead",
        );
    }

    for i in &r.initial_values_ignored {
        reason(
            Verdict::Degraded,
            format!(
                "population '{}': the wafer cannot set initial {} (mean {} {} asked for {} neurons); they \
                 started from {} {}",
                i.population,
                i.variable,
                significant(i.requested_mean),
                i.unit,
                i.neurons,
                significant(i.used_mean),
                i.unit
            ),
            "let the network settle before the interval you analyse; BrainScaleS-1 starts every membrane at \
             its leak potential",
        );
    }

    for w in r.weights.iter().filter(|w| w.clipped > 0) {
        reason(
            Verdict::Degraded,
            format!(
                "projection '{}': {} weights were above the strongest conductance their synapse rows reach and \
                 were clipped (realised mean {} µS for {} µS requested)",
                w.projection,
                w.clipped,
                significant(w.realised_mean),
                significant(w.requested_mean)
            ),
            "lower the weights, use fewer circuits per neuron (extensions.brainscales.neuron_size: the \
             conductance a weight needs grows with the neuron's capacitance) or a smaller --speedup",
        );
    }

    let thinned = r.inputs_thinned.len();
    if thinned > 0 {
        reason(
            Verdict::Degraded,
            format!(
                "{thinned} input populations were thinned to fit the Layer-2 bandwidth (mapping.json \
                 inputs_thinned)"
            ),
            "use fewer or slower sources, or a smaller --speedup",
        );
    }

    let missed = account.not_recorded();
    if missed > 0 {
        reason(
            Verdict::Degraded,
            format!(
                "{missed} of {} spikes made on the wafer were not recorded (up-link rate, merger losses, \
                 before the experiment start); the network ran with them, the files hold what the hardware \
                 delivers",
                account.on_wafer()
            ),
            "record fewer neurons per HICANN or lower their rates if every spike matters",
        );
    }

    let wafer_clipped = total("parameters_clipped") + total("fg_clipped");
    if wafer_clipped > 0.0 {
        reason(
            Verdict::Degraded,
            format!(
                "{wafer_clipped} denmem parameters left the circuits' ranges once the wafer's mismatch was \
                 applied and were clipped at load"
            ),
            "move the parameters away from the ends of their ranges (mapping.json parameters_clipped lists \
             the ranges' casualties), or run with --mismatch off to see the ideal wafer",
        );
    }
    Health::from_reasons(reasons)
}
