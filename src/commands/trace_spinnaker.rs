//! SpiNNaker counters into trace frames: the layout from the machine and its image, and per window each chip's
//! router counters, link counts and per-core load and spikes, as differences of the emulator's cumulative
//! counters between two window ends.

use std::collections::HashMap;

use nmemu_tui::trace::{Frame, Header, Node, NodeSample, TraceInfo, spinnaker as layout};
use spinnaker_emu::image::MachineImage;
use spinnaker_emu::kernel::Simulation;
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

/// One chip's cumulative counters at a window's end.
#[derive(Clone, Default, PartialEq)]
struct ChipTotals {
    router: RouterCounters,
    links: [u64; 6],
    /// Per loaded core: its id and [`layout::CORE_METRICS`] (the longest tick as it stands, the rest
    /// cumulative).
    cores: Vec<(u16, [u64; 6])>,
}

fn totals(chip: &spinnaker_emu::kernel::ChipState<ChipRuntime>) -> ChipTotals {
    let cores = chip
        .app
        .cores
        .iter()
        .enumerate()
        .filter_map(|(id, p)| Some((id as u16, p.as_ref()?)))
        .map(|(id, p)| {
            let c = p.counters();
            let busy = match p {
                Program::Neurons(n) => {
                    let q = &n.profile;
                    q.timer_cycles
                        + q.neuron_update_cycles
                        + q.packet_cycles
                        + q.synaptic_processing_cycles
                }
                _ => 0,
            };
            (
                id,
                [
                    busy,
                    c.max_tick_cycles,
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

    /// The window that ended now, `ticks` timesteps from `start_ms` to `end_ms`.
    pub fn frame(
        &mut self,
        sim: &Simulation<ChipRuntime>,
        (start_ms, end_ms): (f64, f64),
        ticks: u32,
    ) -> Frame {
        let mut nodes = Vec::new();
        for (i, chip) in sim.chips().iter().enumerate() {
            let now = totals(chip);
            if now == self.last[i] {
                continue;
            }
            let before = &self.last[i];
            let metrics = router_metrics(&now.router)
                .iter()
                .zip(router_metrics(&before.router))
                .map(|(&a, b)| a - b)
                .collect();
            let links = now
                .links
                .iter()
                .zip(before.links)
                .map(|(&a, b)| a - b)
                .collect();
            let details = now
                .cores
                .iter()
                .map(|(id, values)| {
                    let old = before
                        .cores
                        .iter()
                        .find(|(o, _)| o == id)
                        .map_or([0; 6], |(_, v)| *v);
                    let mut d: Vec<u64> = values.iter().zip(old).map(|(&a, b)| a - b).collect();
                    // The longest tick is a running maximum: shown as it stands, not as a difference.
                    d[1] = values[1];
                    (*id, d)
                })
                .filter(|(_, d)| d.iter().enumerate().any(|(k, &v)| k != 1 && v > 0))
                .collect();
            nodes.push(NodeSample {
                node: i as u32,
                metrics,
                links,
                details,
            });
            self.last[i] = now;
        }
        Frame {
            start_ms,
            end_ms,
            ticks,
            nodes,
        }
    }
}
