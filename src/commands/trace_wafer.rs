//! BrainScaleS-1 counters into trace frames: every wafer's 384 HICANNs as nodes (wafer by wafer, in HICANN
//! enum order, grouped by reticle, the wafers side by side as the layout `nmemu_tui::trace::wafer` says), and
//! per window each HICANN's spikes, bus and driver use, Layer-2 traffic, losses by cause and STDP sweeps, as
//! differences of `WaferCounters` (cumulative since load) between two window ends. The run loop calls
//! [`header`] once and [`frame`] at each window's end, as `run` does with `trace_spinnaker`.

use std::collections::BTreeMap;

use brainscales_emu::coord::{HicannOnWafer, NEURON_BLOCKS, WAFER_COLUMNS, WAFER_ROWS};
use brainscales_emu::image::WaferImage;
use brainscales_emu::wafer::WaferCounters;
use nmemu_tui::trace::{Frame, Header, Node, NodeSample, TraceInfo, wafer as layout};

/// The header of a run of `images` (one per wafer): every HICANN of every wafer, those the images configure
/// marked used.
pub fn header(run: &TraceInfo, images: &[WaferImage]) -> Header {
    let nodes = images
        .iter()
        .enumerate()
        .flat_map(|(w, image)| {
            HicannOnWafer::all().map(move |h| Node {
                x: u16::from(h.x()) + w as u16 * layout::WAFER_STRIDE,
                y: h.y().into(),
                group: h.reticle().to_enum() as u32,
                facts: vec![u64::from(image.hicanns.iter().any(|i| i.hicann == h))],
            })
        })
        .collect();
    let width = (images.len().max(1) as u16 - 1) * layout::WAFER_STRIDE + u16::from(WAFER_COLUMNS);
    layout::header(run, (width, WAFER_ROWS.into()), nodes)
}

/// One HICANN's cumulative counts: node metrics, per bus events, per block (spikes, lost).
type Counts = (Vec<u64>, Vec<u64>, Vec<(u16, Vec<u64>)>);

/// Every HICANN's counts of every wafer, by node, in the layout's metric orders.
fn all_counts(wafers: &[WaferCounters]) -> BTreeMap<usize, Counts> {
    wafers
        .iter()
        .enumerate()
        .flat_map(|(w, c)| {
            counts(c)
                .into_iter()
                .map(move |(h, v)| (w * layout::HICANNS_PER_WAFER + h, v))
        })
        .collect()
}

/// Every HICANN's counts in `c`, by HICANN enum, in the layout's metric orders.
fn counts(c: &WaferCounters) -> BTreeMap<usize, Counts> {
    let mut buses: BTreeMap<usize, [(u64, u64); 8]> = BTreeMap::new();
    for (s, b) in &c.buses {
        let per = buses.entry(s.hicann.to_enum()).or_default();
        per[usize::from(s.index) % 8] = (b.events, b.lost_saturated);
    }
    c.hicanns
        .iter()
        .map(|h| {
            let bus = buses.get(&h.hicann.to_enum()).copied().unwrap_or_default();
            let m = &h.merger;
            let sum = |a: &[u64]| a.iter().sum::<u64>();
            let mut blocks = [[0u64; 2]; NEURON_BLOCKS];
            for (n, spikes) in &h.spikes_per_neuron {
                blocks[n.block()][0] += spikes;
            }
            for (b, block) in blocks.iter_mut().enumerate() {
                block[1] = m.pe_collisions[b] + m.pe_overwritten[b];
            }
            let metrics = vec![
                h.spikes_per_neuron.iter().map(|s| s.1).sum(),
                bus.iter().map(|b| b.0).sum(),
                h.synapses.events_delivered,
                h.l2_injected,
                h.uplink.recorded,
                sum(&m.pe_collisions)
                    + sum(&m.pe_overwritten)
                    + sum(&m.background_blocked)
                    + sum(&m.l2_blocked),
                bus.iter().map(|b| b.1).sum(),
                h.synapses.events_no_l1_input,
                sum(&m.unrouted_encoder)
                    + sum(&m.unrouted_background)
                    + sum(&m.unrouted_tree)
                    + sum(&m.unrouted_l2)
                    + h.run.dnc_events_unrouted
                    + h.run.events_to_unconfigured_hicanns
                    + h.run.jumps_to_unused_denmems,
                h.uplink.lost_uplink,
                h.synapses.stdp_sweeps,
            ];
            let links = bus.iter().map(|b| b.0).collect();
            let blocks = blocks
                .iter()
                .enumerate()
                .map(|(b, v)| (b as u16, v.to_vec()))
                .collect();
            (h.hicann.to_enum(), (metrics, links, blocks))
        })
        .collect()
}

/// The window between `before` (every wafer's counters at its start; `None` at load) and `now`.
pub fn frame(
    before: Option<&[WaferCounters]>,
    now: &[WaferCounters],
    (start_ms, end_ms): (f64, f64),
    ticks: u32,
) -> Frame {
    let old = before.map(all_counts).unwrap_or_default();
    let minus = |a: &[u64], b: Option<&[u64]>| -> Vec<u64> {
        a.iter()
            .enumerate()
            .map(|(i, &v)| v - b.map_or(0, |b| b[i]))
            .collect()
    };
    let nodes = all_counts(now)
        .into_iter()
        .filter_map(|(node, (metrics, links, blocks))| {
            let was = old.get(&node);
            let details: Vec<(u16, Vec<u64>)> = blocks
                .iter()
                .map(|(b, v)| (*b, minus(v, was.map(|w| &w.2[usize::from(*b)].1[..]))))
                .filter(|(_, v)| v.iter().any(|&x| x > 0))
                .collect();
            let sample = NodeSample {
                node: node as u32,
                metrics: minus(&metrics, was.map(|w| &w.0[..])),
                links: minus(&links, was.map(|w| &w.1[..])),
                details,
            };
            let counted = sample.metrics.iter().chain(&sample.links).any(|&v| v > 0);
            counted.then_some(sample)
        })
        .collect();
    Frame {
        start_ms,
        end_ms,
        ticks,
        nodes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use brainscales_emu::defects::Defects;
    use brainscales_emu::time::HwTime;
    use brainscales_emu::wafer::Wafer;
    use brainscales_emu::wafer::build::{Recurrent, recurrent_network};

    #[test]
    fn windows_of_a_wafer_run_add_up_to_its_counters() {
        let hicanns: Vec<HicannOnWafer> = [(16, 7), (17, 7), (18, 7), (19, 7)]
            .iter()
            .map(|&(x, y)| HicannOnWafer::new(x, y).unwrap())
            .collect();
        let image = recurrent_network(&hicanns, Recurrent::small(7));
        let run = TraceInfo {
            machine: "wafer",
            source: "net.json",
            period_ms: 10.0,
            timestep_ms: 0.1,
        };
        let header = header(&run, std::slice::from_ref(&image));
        assert_eq!(header.nodes.len(), 384);
        let used: Vec<usize> = (0..384)
            .filter(|&i| header.nodes[i].facts[0] == 1)
            .collect();
        assert_eq!(
            used,
            hicanns.iter().map(|h| h.to_enum()).collect::<Vec<_>>()
        );
        let mut wafer = Wafer::load(image, &Defects::default()).unwrap();
        let half = wafer.run(HwTime::from_ns(15_000), 1).counters;
        let end = wafer.run(HwTime::from_ns(30_000), 1).counters;
        let frames = [
            frame(None, std::slice::from_ref(&half), (0.0, 50.0), 500),
            frame(
                Some(std::slice::from_ref(&half)),
                std::slice::from_ref(&end),
                (50.0, 100.0),
                500,
            ),
        ];
        let total = |name: &str| -> u64 {
            let i = header.node_metric(name).unwrap();
            frames
                .iter()
                .flat_map(|f| &f.nodes)
                .map(|s| s.metrics[i])
                .sum()
        };
        assert!(end.spikes() > 0 && end.l1_events() > 0);
        assert_eq!(total(layout::SPIKES), end.spikes());
        assert_eq!(total(layout::L1_EVENTS), end.l1_events());
        assert_eq!(total(layout::L2_OUT), end.l2_recorded());
        assert_eq!(total(layout::LOST_BUS), end.l1_lost_saturated());
        assert!(frames.iter().all(|f| {
            f.nodes
                .iter()
                .all(|s| header.nodes[s.node as usize].facts[0] == 1)
        }));
        // Per block spikes add up to the HICANN's.
        for s in frames.iter().flat_map(|f| &f.nodes) {
            let blocks: u64 = s.details.iter().map(|(_, d)| d[0]).sum();
            assert_eq!(blocks, s.metrics[0]);
        }
        // The frames draw: the second window's hottest HICANN is one the image uses.
        let mut app = nmemu_tui::App::new(header, frames.to_vec(), false);
        app.show(1);
        app.select_hottest();
        assert!(used.contains(&app.cursor));
        let text = nmemu_tui::view::render_text(&app, 80, 24);
        let title = format!(
            "HICANN {} ({}, 7) reticle",
            app.cursor, app.header.nodes[app.cursor].x
        );
        assert!(text.contains(&title), "{text}");
    }

    #[test]
    fn the_layout_s_wafer_is_the_emulator_s() {
        assert_eq!(
            layout::HICANNS_PER_WAFER,
            brainscales_emu::coord::HICANNS_ON_WAFER
        );
        assert_eq!(layout::WAFER_STRIDE, u16::from(WAFER_COLUMNS) + 1);
    }

    #[test]
    fn a_second_wafer_is_drawn_to_the_right_of_the_first() {
        let h = HicannOnWafer::new(17, 7).unwrap();
        let image = recurrent_network(&[h], Recurrent::small(3));
        let run = TraceInfo {
            machine: "brainscales-2-wafers",
            source: "net.json",
            period_ms: 10.0,
            timestep_ms: 0.1,
        };
        let images = [WaferImage::new(image.speed_up, 0), image.clone()];
        let header = header(&run, &images);
        assert_eq!(header.nodes.len(), 768);
        assert_eq!(header.width, 37 + 36);
        let node = 384 + h.to_enum();
        assert_eq!((header.nodes[node].x, header.nodes[node].y), (37 + 17, 7));
        let used: Vec<usize> = (0..768)
            .filter(|&i| header.nodes[i].facts[0] == 1)
            .collect();
        assert_eq!(used, vec![node]);
        let mut wafer = Wafer::load(image, &Defects::default()).unwrap();
        let quiet = Wafer::load(images[0].clone(), &Defects::default()).unwrap();
        let end = [
            quiet.counters(),
            wafer.run(HwTime::from_ns(30_000), 1).counters,
        ];
        let f = frame(None, &end, (0.0, 100.0), 1000);
        assert!(!f.nodes.is_empty() && f.nodes.iter().all(|s| s.node as usize == node));
        let mut app = nmemu_tui::App::new(header, vec![f], false);
        app.show(0);
        app.select_hottest();
        assert_eq!(app.cursor, node);
        let text = nmemu_tui::view::render_text(&app, 120, 30);
        let title = format!("wafer 1 HICANN {} (17, 7) reticle", h.to_enum());
        assert!(text.contains(&title), "{text}");
    }
}
