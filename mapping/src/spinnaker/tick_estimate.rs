//! The partitioner's cycle estimate: a static model of a neuron core's longest tick, the figure the emulator
//! measures as `Max_tick_cycles` (provenance) and that must fit in the timer period.
//!
//! **What is measured.** A tick lasts from its timer to the end of its background update, and spike processing
//! pre-empts the update (`spinnaker_emu::runtime::program::neuron_core`): every spike whose processing starts
//! before the update has ended lengthens it by the time the spike-processing chain takes, DMA waits included.
//! Spikes that arrive after the update has ended are processed in the idle time and do not count. So the tick
//! is a *busy period*: `E = F + Σ (cost of the spikes that arrived before E)`.
//!
//! **The model**, per slice of `n` neurons (all costs from [`CycleCosts`]):
//! - `F`, the work without input: the timer, `n` x (ring-buffer transfer per synapse type + the update of the
//!   model + recording per recorded variable, plus one), and a send per spike the slice fires in that tick.
//! - Per incoming projection, the cost of one arriving spike: dispatch, the master-population-table search
//!   (⌊log2 entries⌋ + 1 probes), a DMA set-up, the DMA latency and the transfer of the row (header plus the
//!   synapses the row has in this slice), the row overhead and the synapses (fixed: per synapse; plastic: per
//!   synapse, per post-synaptic event, per row, and the write-back DMA set-up).
//! - How many spikes arrive in the peak tick: the larger of the expected number (a spike of a source reaches
//!   the slice when one of its `r` random synapses lands in it, probability `1 - (1 - n/N)^r`, at the source's
//!   rate: a Poisson source's own rate, else sPyNNaker's 30 Hz assumption) and the **volley** a source is
//!   known to fire in one tick: a spike array's largest number of spikes in one tick (read from its spike
//!   times); a neuron population's neurons that start at or above threshold (they all fire in tick 0); every
//!   neuron of a population whose only input is volleys over single-delay projections (a synfire chain: the
//!   whole group fires together). Volleys of different sources are assumed to coincide (tick-0 volleys do).
//! - When they arrive: each source sends within a window after the common timer: a neuron population over its
//!   update (from its own `F` at its starting slice size, without input), a Poisson core after drawing for
//!   every source (per source bookkeeping and the RNG calls of its regime), a spike array at once. Arrivals
//!   are spread evenly over the window, and only those before `E` count: `E` is the least fixed point of
//!   `E = F + Σ_j count_j · cost_j · clamp((E - start_j) / width_j, 0, 1)`, found by iteration.
//!
//! **What it does not see** (said again in `tests/estimate.rs`, which checks the model against the emulator):
//! rates other than the sources' own or 30 Hz (a network that settles well below 30 Hz is over-estimated), and
//! bursts it cannot read from the file: a start-up transient the initial values do not make certain, or
//! synchrony that builds up in a recurrent network. Delay-extension re-sends are not counted (they spread a
//! spike's rows over later ticks), nor SDRAM contention between the cores of a chip beyond one DMA's latency.
//! The estimate runs inside the partitioner's halving loop: it is a sum over the incoming projections and a
//! short iteration, nothing that grows with the synapses.

use nmemu_loader::Network;
use nmemu_loader::format::cells::CellType;
use nmemu_loader::network::Population;
use spinnaker_emu::runtime::cycles::CycleCosts;
use spinnaker_emu::runtime::poisson::{FAST_RATE_PER_TICK_CUTOFF, SLOW_RATE_PER_TICK_CUTOFF};

use super::partition::{CORE_HZ, SYNAPSE_TYPES, max_atoms_per_core};
use super::summary::ProjectionSummary;
use super::synapses::{IncomingProjection, IncomingStats, source_rate_hz};
use super::weights::DEFAULT_RATE_HZ;

/// Words of a synaptic row's header (the DMA reads them with the row).
const ROW_HEADER_WORDS: f64 = 3.0;
/// Uniform draws per exponential variate of a slow Poisson source (von Neumann's method takes about e).
const DRAWS_PER_EXPONENTIAL: f64 = std::f64::consts::E;
/// Fixed-point iterations of the busy period at the most (each adds the arrivals of the last extension).
const MAX_ITERATIONS: usize = 64;

/// When a population's spikes leave its cores, in cycles after the timer: from `start` over `width`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SendWindow {
    pub start: f64,
    pub width: f64,
}

/// What a tick of one slice of a neuron population costs before any input, and how it sends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SliceWork {
    /// Update cycles per neuron (model and recording).
    pub per_neuron: f64,
    /// Spikes one neuron sends in the peak tick (1 for a volley population, else its rate x dt).
    pub sends_per_neuron: f64,
}

impl SliceWork {
    pub fn of(
        population: &Population,
        volley: bool,
        timestep_ms: f64,
        c: &CycleCosts,
    ) -> SliceWork {
        let update = match population.cell_type {
            CellType::IfCondExp | CellType::IfCondAlpha | CellType::EifCondExpIsfaIsta => {
                c.update_cond
            }
            CellType::Izhikevich => c.update_izhikevich,
            CellType::IfCurrAlpha => c.update_lif_alpha,
            _ => c.update_lif,
        };
        let variables = population
            .record
            .iter()
            .filter(|r| r.variable != "spikes")
            .count() as u64;
        SliceWork {
            per_neuron: (update + c.record_per_variable * (variables + 1)) as f64,
            sends_per_neuron: if volley {
                1.0
            } else {
                DEFAULT_RATE_HZ * timestep_ms * 1e-3
            },
        }
    }

    /// `F`: timer, transfer, update and sends of `atoms` neurons, no input.
    fn fixed(&self, atoms: f64, c: &CycleCosts) -> f64 {
        let transfer = (c.transfer_per_neuron_per_type * u64::from(SYNAPSE_TYPES)) as f64;
        c.timer as f64
            + atoms * (transfer + self.per_neuron + self.sends_per_neuron * c.send_spike as f64)
    }
}

/// Per population, when its spikes leave, with slices at their starting size `start_atoms[p]` (before the
/// cycle budget halves them: a smaller slice sends earlier, so arrivals are if anything under-counted).
pub fn send_windows(
    net: &Network,
    work: &[Option<SliceWork>],
    start_atoms: &[u32],
    c: &CycleCosts,
) -> Vec<SendWindow> {
    let dt = net.simulation.timestep_ms;
    net.populations
        .iter()
        .enumerate()
        .map(|(p, population)| {
            let atoms = f64::from(start_atoms[p]);
            match population.cell_type {
                CellType::SpikeSourcePoisson => {
                    let lambda = source_rate_hz(population) * dt * 1e-3;
                    let draws = if lambda < SLOW_RATE_PER_TICK_CUTOFF {
                        lambda * DRAWS_PER_EXPONENTIAL
                    } else if lambda < FAST_RATE_PER_TICK_CUTOFF {
                        lambda + 1.0
                    } else {
                        1.0
                    };
                    SendWindow {
                        start: c.timer as f64
                            + atoms * (c.poisson_per_source as f64 + draws * c.rng_call as f64),
                        width: atoms * lambda.min(1.0) * c.send_spike as f64,
                    }
                }
                CellType::SpikeSourceArray => SendWindow {
                    start: c.timer as f64,
                    width: atoms * c.send_spike as f64,
                },
                _ => {
                    let w = work[p].expect("neuron populations have their work");
                    let fixed = w.fixed(atoms, c);
                    let start = c.timer as f64
                        + atoms
                            * (c.transfer_per_neuron_per_type * u64::from(SYNAPSE_TYPES)) as f64;
                    SendWindow {
                        start,
                        width: fixed - start,
                    }
                }
            }
        })
        .collect()
}

/// The starting slice size of every population, as `partition` starts it (hint or runtime maximum, at most
/// the population).
pub fn start_atoms(net: &Network, caps: &[Option<u32>]) -> Vec<u32> {
    net.populations
        .iter()
        .zip(caps)
        .map(|(p, cap)| {
            let max = max_atoms_per_core(p.cell_type);
            cap.map_or(max, |c| c.min(max)).min(p.size.max(1))
        })
        .collect()
}

/// Estimated cycles of the longest tick of a slice of `atoms` neurons (see the module docs).
pub fn estimate_cycles(
    atoms: u32,
    work: &SliceWork,
    incoming: &IncomingStats,
    windows: &[SendWindow],
    timestep_ms: f64,
    c: &CycleCosts,
) -> u64 {
    let n = f64::from(atoms);
    let fixed = work.fixed(n, c);
    let probes = f64::from(incoming.table_entries.max(1).ilog2() + 1);
    let cycles_per_ns = CORE_HZ * 1e-9;
    let per_byte = CORE_HZ * 1e-6 / c.sdram_bytes_per_us;
    let per_row = (c.spike_dispatch + c.dma_setup + c.row_overhead) as f64
        + probes * c.pop_table_probe as f64
        + c.dma_latency_ns * cycles_per_ns
        + ROW_HEADER_WORDS * 4.0 * per_byte;
    let arrivals: Vec<(SendWindow, f64)> = incoming
        .projections
        .iter()
        .map(|p| {
            let (count, synapses) = spikes_in_peak_tick(p, n, timestep_ms);
            let per_synapse = if p.plastic {
                let post_events = (DEFAULT_RATE_HZ / p.rate_hz.max(f64::MIN_POSITIVE)).min(16.0);
                c.plastic_synapse as f64 + post_events * c.stdp_post_event as f64
            } else {
                c.fixed_synapse as f64
            };
            let plastic_row = if p.plastic {
                (c.plastic_row + c.dma_setup) as f64
            } else {
                0.0
            };
            let cost = per_row + plastic_row + synapses * (per_synapse + 4.0 * per_byte);
            (windows[p.pre], count * cost)
        })
        .collect();
    let mut end = fixed;
    for _ in 0..MAX_ITERATIONS {
        let next = fixed
            + arrivals
                .iter()
                .map(|(w, total)| total * ((end - w.start) / w.width.max(1.0)).clamp(0.0, 1.0))
                .sum::<f64>();
        let done = next - end < 1.0;
        end = next;
        if done {
            break;
        }
    }
    end.ceil() as u64
}

/// (spikes of `p` reaching a slice of `atoms` neurons in the peak tick, synapses per such spike's row).
fn spikes_in_peak_tick(p: &IncomingProjection, atoms: f64, timestep_ms: f64) -> (f64, f64) {
    let share = (atoms / p.post_size.max(1.0)).min(1.0);
    let reach = 1.0 - (1.0 - share).powf(p.out_degree);
    if reach <= 0.0 {
        return (0.0, 0.0);
    }
    let expected = p.n_pre * p.rate_hz * timestep_ms * 1e-3;
    (expected.max(p.volley) * reach, p.out_degree * share / reach)
}

/// Per projection, the most spikes its pre view is known to fire in one tick (0 when nothing is known): see
/// the module docs. `volleys[p]` of the populations is solved first, from spike arrays forwards.
pub fn projection_volleys(net: &Network, summaries: &[ProjectionSummary]) -> Vec<f64> {
    let dt = net.simulation.timestep_ms;
    let chain = chain_volleys(net, summaries);
    net.projections
        .iter()
        .map(|j| {
            let pre = &net.populations[j.pre.population];
            let neurons = (0..j.pre.len()).map(|k| j.pre.index(k));
            match pre.cell_type {
                CellType::SpikeSourceArray => {
                    let mut ticks: Vec<u32> = neurons
                        .flat_map(|n| {
                            pre.spike_times
                                .as_ref()
                                .map(|t| t.of(n))
                                .unwrap_or(&[])
                                .iter()
                                .map(|&t| (t / dt).round() as u32)
                                .collect::<Vec<_>>()
                        })
                        .collect();
                    ticks.sort_unstable();
                    ticks
                        .chunk_by(|a, b| a == b)
                        .map(|run| run.len())
                        .max()
                        .unwrap_or(0) as f64
                }
                CellType::SpikeSourcePoisson => 0.0,
                _ if chain[j.pre.population] => f64::from(j.pre.len()),
                _ => neurons.filter(|&n| starts_above_threshold(pre, n)).count() as f64,
            }
        })
        .collect()
}

/// Whether a neuron's initial v is at or above its threshold (it fires in the first update).
fn starts_above_threshold(population: &Population, neuron: u32) -> bool {
    let threshold = match population.cell_type {
        CellType::Izhikevich => Some(30.0),
        _ => population.param("v_thresh").map(|t| t.get(neuron)),
    };
    match (threshold, population.initial_value("v")) {
        (Some(t), Some(v)) => v.get(neuron) >= t,
        _ => false,
    }
}

/// Per population, whether it fires in volleys: a spike array does; a neuron population does when it has
/// input and all of it comes from volley populations over projections of one delay each (least fixed point,
/// so a recurrent loop without an array behind it does not).
pub fn chain_volleys(net: &Network, summaries: &[ProjectionSummary]) -> Vec<bool> {
    let mut volley: Vec<bool> = net
        .populations
        .iter()
        .map(|p| p.cell_type == CellType::SpikeSourceArray)
        .collect();
    loop {
        let mut changed = false;
        for (q, population) in net.populations.iter().enumerate() {
            if volley[q] || population.cell_type.is_source() {
                continue;
            }
            let mut inputs = net
                .projections
                .iter()
                .enumerate()
                .filter(|(_, j)| j.post.population == q)
                .peekable();
            if inputs.peek().is_some()
                && inputs.all(|(k, j)| volley[j.pre.population] && summaries[k].one_delay)
            {
                volley[q] = true;
                changed = true;
            }
        }
        if !changed {
            return volley;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spinnaker::summary::summarise;
    use crate::spinnaker::synapses::incoming_stats;
    use nmemu_loader::Limits;

    /// The estimate of population `post` of `net` at its full size (one slice).
    fn estimate(net: serde_json::Value, post: usize) -> u64 {
        let net = Network::from_json(&net.to_string(), &Limits::default()).unwrap();
        let summary = summarise(&net).unwrap();
        let incoming = incoming_stats(&net, &summary.projections);
        let c = CycleCosts::default();
        let dt = net.simulation.timestep_ms;
        let work: Vec<Option<SliceWork>> = net
            .populations
            .iter()
            .zip(&incoming)
            .map(|(p, s)| {
                (!p.cell_type.is_source()).then(|| SliceWork::of(p, s.fires_in_volleys, dt, &c))
            })
            .collect();
        let caps = vec![None; net.populations.len()];
        let windows = send_windows(&net, &work, &start_atoms(&net, &caps), &c);
        let size = net.populations[post].size;
        estimate_cycles(
            size,
            work[post].as_ref().unwrap(),
            &incoming[post],
            &windows,
            dt,
            &c,
        )
    }

    fn network(source: serde_json::Value, delay: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "format": "nmemu-net/1",
            "simulation": {"timestep_ms": 1.0, "duration_ms": 50},
            "populations": [
                {"label": "src", "size": 100, "cell": source},
                {"label": "g0", "size": 100, "cell": {"type": "IF_curr_exp"}},
                {"label": "g1", "size": 100, "cell": {"type": "IF_curr_exp"}}
            ],
            "projections": [
                {"pre": "src", "post": "g0", "receptor_type": "excitatory", "connector": {"type": "AllToAllConnector"},
                 "synapse": {"type": "StaticSynapse", "weight": 0.1, "delay": delay}},
                {"pre": "g0", "post": "g1", "receptor_type": "excitatory", "connector": {"type": "AllToAllConnector"},
                 "synapse": {"type": "StaticSynapse", "weight": 0.1, "delay": 5.0}}
            ]
        })
    }

    #[test]
    fn a_volley_from_a_spike_array_is_paid_for_in_one_tick_and_travels_down_a_chain() {
        let array =
            serde_json::json!({"type": "SpikeSourceArray", "params": {"spike_times": [10.0]}});
        let net = network(array, serde_json::json!(5.0));
        let c = CycleCosts::default();
        // 100 spikes, each a row of 100 synapses: at least 100 x 100 synapse costs on top of the update.
        let volley = 100 * 100 * c.fixed_synapse + 100 * c.update_lif;
        for post in [1, 2] {
            let cycles = estimate(net.clone(), post);
            assert!(cycles > volley, "g{}: {cycles} <= {volley}", post - 1);
        }
        // Spread delays break the chain: g0 still gets the array's volley, g1 only g0's rate.
        let spread = network(
            serde_json::json!({"type": "SpikeSourceArray", "params": {"spike_times": [10.0]}}),
            serde_json::json!({"distribution": "uniform", "low": 1.0, "high": 9.0}),
        );
        assert!(estimate(spread.clone(), 1) > volley);
        assert!(estimate(spread, 2) < volley / 4);
    }

    #[test]
    fn spikes_sent_after_the_update_has_ended_do_not_lengthen_the_tick() {
        let c = CycleCosts::default();
        let alone = c.timer
            + 100 * (2 * c.transfer_per_neuron_per_type + c.update_lif + c.record_per_variable);
        // 100 Poisson sources: they draw for all 100 before sending, about 6,500 cycles, inside g0's update.
        let poisson = serde_json::json!({"type": "SpikeSourcePoisson", "params": {"rate": 50.0}});
        let early = estimate(network(poisson, serde_json::json!(1.0)), 1);
        assert!(early as f64 > alone as f64 * 1.1, "{early} vs {alone}");
        // One g0 neuron alone ends its update long before the sources send: its tick is its own work.
        let mut net = network(
            serde_json::json!({"type": "SpikeSourcePoisson", "params": {"rate": 50.0}}),
            serde_json::json!(1.0),
        );
        net["populations"][1]["size"] = 1.into();
        let own =
            c.timer + 2 * c.transfer_per_neuron_per_type + c.update_lif + c.record_per_variable;
        let late = estimate(net, 1);
        assert!(late <= own + 1, "{late} vs {own}");
    }
}
