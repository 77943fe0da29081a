//! Processing the plastic part of a row that arrived for a pre-synaptic spike (spec §4.7: plastic part
//! first, then the fixed part; upstream `synapse_dynamics_process_plastic_synapses` and
//! `plasticity_update_synapse` in `synapse_dynamics_stdp_mad_impl.c`).
//!
//! The update is deferred: a post-synaptic spike only enters its neuron's history, and a synapse catches up
//! when its row is next fetched. For a spike sent at `t` (the processing step minus the colour delay) with
//! the row's previous pre-synaptic spike at `t₀`, each plastic synapse of dendritic delay d (0 without
//! back-propagation delay) in build order:
//! 1. takes the post spikes `p` with `t₀ − d < p ≤ t − d`, i.e. those reaching the synapse (at `p + d`)
//!    since the last pre spike, and potentiates once per spike with the pre trace left at `t₀`;
//! 2. if a real post spike precedes the spike at `t` (the last one applied, else the one before the
//!    window), depresses with that spike's post trace decayed to `t`;
//! 3. stores the new 16-bit weight in the row and adds it to the ring buffer unless the spike is too late.
//!
//! The row's pre-synaptic trace is advanced to `t` before the synapses are walked; the whole plastic region
//! is then written back to SDRAM by the caller.

use super::post_events::PostHistory;
use super::row::PlasticRowMut;
use super::weight::WeightState;
use super::{StdpConfig, StdpCounters};
use crate::runtime::ring_buffer::{Arrival, RingBuffers};
use crate::runtime::synapse_row::FixedSynapse;

/// What one plastic row cost, for the cycle model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlasticWork {
    /// Plastic synapses walked.
    pub synapses: u64,
    /// Post-synaptic spikes applied, summed over the row's synapses.
    pub post_events: u64,
}

/// Updates every plastic synapse of `row` for the spike described by `arrival` (a row begun with
/// [`RingBuffers::begin_row`]) and adds the new weights into `ring`. `post` holds the core's neurons'
/// histories; `weight_shifts` the ring-buffer shift per synapse type.
///
/// A synapse whose type or neuron the core does not have (a broken image) is left untouched. Allocation-free.
pub fn process_row(
    config: &StdpConfig,
    row: &mut PlasticRowMut<'_>,
    post: &[PostHistory],
    weight_shifts: &[u8],
    ring: &mut RingBuffers,
    arrival: &Arrival,
    counters: &mut StdpCounters,
) -> PlasticWork {
    let time = arrival.sent_time();
    let (last_pre_time, last_pre_trace) = row.pre_history();
    let trace = config
        .timing
        .add_pre_spike(time, last_pre_time, last_pre_trace);
    row.set_pre_history(time, trace);
    let (timing, rule, layout) = (&config.timing, config.weights.rule, ring.layout());
    let mut work = PlasticWork {
        synapses: row.n_synapses() as u64,
        post_events: 0,
    };
    for i in 0..row.n_synapses() {
        let synapse = layout.decode(u32::from(row.control(i)));
        let t = usize::from(synapse.synapse_type);
        let (Some(region), Some(&shift), Some(history)) = (
            config.weights.regions.get(t),
            weight_shifts.get(t),
            post.get(usize::from(synapse.index)),
        ) else {
            continue;
        };
        let delay = if config.backprop_delay {
            u32::from(synapse.delay)
        } else {
            0
        };
        let window = history.window(
            last_pre_time.saturating_sub(delay),
            time.saturating_sub(delay),
        );
        let mut state = WeightState::new(row.weight(i), shift);
        for &post_time in window.times {
            let seen = post_time.wrapping_add(delay);
            if let Some(amount) = timing.potentiation(seen, last_pre_time, last_pre_trace) {
                state.potentiate(rule, region, amount);
            }
        }
        work.post_events += window.times.len() as u64;
        let previous = match (window.times.last(), window.traces.last()) {
            (Some(&t), Some(&trace)) => Some((t, trace)),
            _ => window
                .prev_valid
                .then_some((window.prev_time, window.prev_trace)),
        };
        if let Some((post_time, post_trace)) = previous {
            let seen = post_time.wrapping_add(delay);
            if let Some(amount) = timing.depression(time, seen, post_trace) {
                state.depress(rule, region, amount);
            }
        }
        let weight = state.final_weight();
        row.set_weight(i, weight);
        counters.weight_clips += u64::from(state.clips());
        let added = ring.add_plastic_synapse(arrival, FixedSynapse { weight, ..synapse });
        counters.saturations += u64::from(added == Some(true));
    }
    counters.plastic_synapses += work.synapses;
    work
}
