//! The health verdict of a SpiNNaker run: can its numbers be trusted?
//!
//! A run on the real machine can be faithful and still meaningless: an overloaded core drops most of its
//! input, a tick that overruns stretches biological time, an explicit integrator runs away. The chip reports
//! some of this in provenance that few users read; the emulator sees all of it. This module turns the
//! counters and the mapper's numerical warnings into one verdict with reasons and advice.
//!
//! The thresholds are nmemu's choice (sPyNNaker only prints provenance warnings, without a verdict):
//!
//! | measure | `degraded` when | `unreliable` when |
//! |---|---|---|
//! | synaptic events lost (input-buffer overflows, router drops, synapses skipped as late) | > 0 | > 1% of events |
//! | timer-tick overruns | > 0 | > 1% of core-ticks |
//! | ring-buffer saturations (input clipped at 16 bits) | > 0 | > 1% of synaptic events |
//! | updates that stepped V past a reversal potential (`neuron::cond`) | > 0 | > 0.1% of conductance-neuron updates |
//! | neuron updates whose s16.15 arithmetic wrapped (`fixed::WrapCheck`) | — | any |
//! | recording overflows, clipped or vanished weights, each mapper numerical warning | any | — |
//!
//! A lost spike takes its whole row with it, so spikes lost before their row was fetched are weighed by the
//! run's mean row length (synaptic events per processed spike).

use nmemu_loader::Network;
use nmemu_loader::format::cells::CellType;
use nmemu_loader::writers::{Health, HealthReason, Provenance, Verdict};
use spinnaker_emu::runtime::program::{FIXED_POINT_WRAPS, REVERSAL_POTENTIAL_CROSSINGS};

use super::Mapped;
use super::partition::CORE_HZ;

/// Loss fractions above this make a run `unreliable`.
pub const UNRELIABLE_LOSS: f64 = 0.01;
/// Overrun ticks per core-tick above this make a run `unreliable`.
pub const UNRELIABLE_OVERRUNS: f64 = 0.01;
/// Reversal-potential crossings per conductance-neuron update above this make a run `unreliable`: a run-away
/// explicit update crosses on a large share of steps, a rare large input only now and then.
pub const UNRELIABLE_CROSSINGS: f64 = 0.001;

/// The verdict of a run that completed `ticks` timesteps.
pub fn verdict(net: &Network, mapped: &Mapped, provenance: &Provenance, ticks: u32) -> Health {
    let total = |name: &str| provenance.totals.get(name).copied().unwrap_or(0) as f64;
    let mut reasons = Vec::new();
    let mut reason = |severity, what: String, advice: String| {
        reasons.push(HealthReason {
            severity,
            what,
            advice,
        })
    };
    let graded = |fraction: f64, limit: f64| {
        if fraction > limit {
            Verdict::Unreliable
        } else {
            Verdict::Degraded
        }
    };
    let slower = slow_down_advice(mapped, total("Max_tick_cycles"));

    let events = total("Total_pre_synaptic_events");
    let spikes_lost = total("Times_the_input_buffer_lost_packets") + total("Lost_Packets");
    let skipped = total("Skipped synapses");
    if spikes_lost + skipped > 0.0 {
        let row = events / total("How many spikes were processed").max(1.0);
        let lost = spikes_lost * row.max(1.0) + skipped;
        let fraction = lost / (events + lost);
        reason(
            graded(fraction, UNRELIABLE_LOSS),
            format!(
                "{:.3}% of synaptic events were lost ({} spikes dropped by input buffers or routers, {} synapses \
                 skipped as late)",
                100.0 * fraction,
                spikes_lost,
                skipped
            ),
            if total("Times_the_timer_tic_over_ran") > 0.0 {
                format!("give the cores more time: {slower}, or fewer neurons per core")
            } else {
                "no tick overran, so the spikes came in bursts faster than a core takes them: spread the \
                 receiving populations over more cores (extensions.spinnaker.neurons_per_core)"
                    .to_string()
            },
        );
    }

    let core_ticks = mapped.placements.len() as f64 * f64::from(ticks);
    let overruns = total("Times_the_timer_tic_over_ran");
    if overruns > 0.0 {
        let fraction = overruns / core_ticks.max(1.0);
        reason(
            graded(fraction, UNRELIABLE_OVERRUNS),
            format!(
                "{:.3}% of core-ticks overran the timer ({overruns} ticks; the longest took {} cycles of the {} a \
                 tick has): the machine ran slower than its clock and biological time stretched",
                100.0 * fraction,
                total("Max_tick_cycles"),
                timer_cycles(mapped)
            ),
            slower.clone(),
        );
    }

    let saturations = total("Times_synaptic_weights_have_saturated");
    if saturations > 0.0 {
        let fraction = saturations / events.max(1.0);
        reason(
            graded(fraction, UNRELIABLE_LOSS),
            format!(
                "{saturations} ring-buffer additions saturated at 16 bits ({:.3}% of synaptic events): input was \
                 clipped",
                100.0 * fraction
            ),
            "lower the weights, or spread their arrival over more delays".to_string(),
        );
    }

    let crossings = total(REVERSAL_POTENTIAL_CROSSINGS);
    if crossings > 0.0 {
        let updates = f64::from(ticks)
            * net
                .populations
                .iter()
                .filter(|p| p.cell_type == CellType::IfCondExp)
                .map(|p| f64::from(p.size))
                .sum::<f64>();
        let fraction = crossings / updates.max(1.0);
        reason(
            graded(fraction, UNRELIABLE_CROSSINGS),
            format!(
                "{crossings} conductance-neuron updates ({:.4}%) stepped the membrane past a reversal potential: \
                 the runtime's explicit update overshoots when g·R·(1 − e^(−dt/τm)) > e^(−dt/τm), and the result \
                 is an artefact of the integration, not of the model",
                100.0 * fraction
            ),
            format!(
                "use a smaller timestep (simulation.timestep_ms 0.1){}",
                if net.simulation.timestep_ms > 0.1 {
                    ""
                } else {
                    " or smaller conductances"
                }
            ),
        );
    }

    let wraps = total(FIXED_POINT_WRAPS);
    if wraps > 0.0 {
        reason(
            Verdict::Unreliable,
            format!(
                "{wraps} neuron updates wrapped out of the s16.15 range (±65,536): the chip's arithmetic wraps \
                 silently and the membrane jumps by 65,536 mV"
            ),
            "bring the inputs and parameters within range: mapping.json numerical_warnings (fixed_point_range) \
             names them; often a current or weight given in pA instead of nA"
                .to_string(),
        );
    }

    let recording = total("Recording_overflows");
    if recording > 0.0 {
        reason(
            Verdict::Degraded,
            format!(
                "{recording} ticks of recording did not fit the recording region and are missing"
            ),
            "record fewer variables or neurons, or run shorter segments".to_string(),
        );
    }

    for p in &mapped.report.projections {
        let q = &p.weights;
        if q.clipped + q.rounded_to_zero > 0 {
            reason(
                Verdict::Degraded,
                format!(
                    "projections '{}': {} weights clipped at the 16-bit maximum, {} rounded to zero",
                    p.label, q.clipped, q.rounded_to_zero
                ),
                "see mapping.json projections[].weights; bring the weights of one target population closer \
                 together"
                    .to_string(),
            );
        }
    }
    for w in &mapped.report.numerical_warnings {
        reason(Verdict::Degraded, w.message.clone(), w.advice.clone());
    }
    Health::from_reasons(reasons)
}

/// Core cycles in one timer period.
fn timer_cycles(mapped: &Mapped) -> u64 {
    (mapped.image.timer_period().as_ms() * 1e-3 * CORE_HZ).round() as u64
}

/// "--time-scale-factor N" for the measured peak tick, or `auto` when nothing overran.
fn slow_down_advice(mapped: &Mapped, max_tick_cycles: f64) -> String {
    let per_timestep = timer_cycles(mapped) as f64 / f64::from(mapped.image.time_scale_factor);
    let needed = (max_tick_cycles / per_timestep).ceil() as u64;
    if needed > u64::from(mapped.image.time_scale_factor) {
        format!("--time-scale-factor {needed} (the longest tick measured needs it)")
    } else {
        "--time-scale-factor auto".to_string()
    }
}
