//! SpiNNaker counters into trace frames: the layout from the machine and its image, and per window each chip's
//! router counters, link counts and per-core load and spikes, as differences of the emulator's cumulative
//! counters between two window ends.

use std::collections::HashMap;

use nmemu_tui::trace::{Frame, Header, Node, NodeSample, TraceInfo, spinnaker as layout};
use spinnaker_emu::image::MachineImage;
use spinnaker_emu::kernel::{ChipState, Chips, Simulation};
use spinnaker_emu::router::counters::RouterCounters;
use spinnaker_emu::runtime::program::{ChipRuntime, Program};
use spinnaker_emu::time::Time;

/// The header of a run of `image` on `sim`'s machine: one node per chip, in the machine's dense chip order.
pub fn header(run: &TraceInfo, image: &MachineImage, sim: &Simulation<ChipRuntime>) -> Header {
    let m = sim.machine();
    let entries: HashMap<_, _> = image
        .chips
        .iter()
        .map(|c| (c.chip, c.routing_table.len() as u64))
        .collect();
    let nodes = m
        .chips()
        .map(|c| Node {
            x: c.x,
            y: c.y,
            group: m.board_of(c),
            facts: vec![entries.get(&c).copied().unwrap_or(0)],
        })
        .collect();
    let cycles_per_tick = (image.timer_period().0 / Time::TICKS_PER_CORE_CYCLE) as f64;
    layout::header(run, (m.width(), m.height()), nodes, cycles_per_tick)
}

/// One chip's counters at a window's end.
#[derive(Clone, Default, PartialEq)]
struct ChipTotals {
    router: RouterCounters,
    links: [u64; 6],
    /// Per loaded core: its id and [`layout::CORE_METRICS`] (the longest tick of the window, the rest
    /// cumulative).
    cores: Vec<(u16, [u64; 6])>,
}

/// `chip`'s counters now; starts its cores' next window of longest ticks.
fn totals(chip: &mut ChipState<ChipRuntime>) -> ChipTotals {
    let cores = chip
        .app
        .cores
        .iter_mut()
        .enumerate()
        .filter_map(|(id, p)| Some((id as u16, p.as_mut()?)))
        .map(|(id, p)| {
            let longest = p.take_window_max_tick_cycles();
            let busy = match &*p {
                Program::Neurons(n) => {
                    let q = &n.profile;
                    q.timer_cycles
                        + q.neuron_update_cycles
                        + q.packet_cycles
                        + q.synaptic_processing_cycles
                }
                _ => 0,
            };
            let c = p.counters();
            (
                id,
                [
                    busy,
                    longest,
                    c.timer_overruns,
                    c.spikes_received,
                    c.spikes_sent,
                    c.input_buffer_overflows,
                ],
            )
        })
        .collect();
    ChipTotals {
        router: chip.router.counters,
        links: chip.router.link_counters().map(|l| l.sent),
        cores,
    }
}

/// The node metrics of router counters, in [`layout::NODE_METRICS`] order.
fn router_metrics(r: &RouterCounters) -> [u64; 6] {
    [
        r.loc_mc + r.ext_mc,
        r.ext_default_routed_mc + r.loc_default_routed_mc,
        r.dump_mc + r.dump_pp + r.dump_nn + r.dump_fr,
        r.emergency_routed,
        r.reinjected,
        r.lost(),
    ]
}

/// The window's counts: cumulative counters `now` less `before`.
fn differences(now: &[u64], before: &[u64]) -> Vec<u64> {
    now.iter().zip(before).map(|(&a, b)| a - b).collect()
}

/// Turns the simulation's counters into one frame per window.
pub struct Sampler {
    last: Vec<ChipTotals>,
}

impl Sampler {
    pub fn new(sim: &Simulation<ChipRuntime>) -> Sampler {
        Sampler {
            last: vec![ChipTotals::default(); sim.chips().len()],
        }
    }

    /// The window that ended now, `ticks` timesteps from `start_ms` to `end_ms`. A chip that counted
    /// nothing in it is left out.
    pub fn frame(
        &mut self,
        chips: &mut Chips<'_, ChipState<ChipRuntime>>,
        (start_ms, end_ms): (f64, f64),
        ticks: u32,
    ) -> Frame {
        let mut nodes = Vec::new();
        for (i, chip) in chips.iter_mut().enumerate() {
            let now = totals(chip);
            let before = std::mem::replace(&mut self.last[i], now);
            let now = &self.last[i];
            let metrics = differences(
                &router_metrics(&now.router),
                &router_metrics(&before.router),
            );
            let links = differences(&now.links, &before.links);
            let details: Vec<(u16, Vec<u64>)> = now
                .cores
                .iter()
                .map(|(id, values)| {
                    let mut old = before
                        .cores
                        .iter()
                        .find(|(o, _)| o == id)
                        .map_or([0; 6], |(_, v)| *v);
                    // The longest tick is already the window's own.
                    old[1] = 0;
                    (*id, differences(values, &old))
                })
                .filter(|(_, d)| d.iter().any(|&v| v > 0))
                .collect();
            if metrics.iter().chain(&links).all(|&v| v == 0) && details.is_empty() {
                continue;
            }
            nodes.push(NodeSample {
                node: i as u32,
                metrics,
                links,
                details,
            });
        }
        Frame {
            start_ms,
            end_ms,
            ticks,
            nodes,
        }
    }
}
