//! The selected HICANN: spikes, bus use, driver use, Layer-2 rates, losses by cause, and its neuron blocks.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{bar_line, node_metric, selected};
use crate::app::App;
use crate::trace::wafer as wf;

pub fn panel(f: &mut ratatui::Frame, app: &App, area: Rect) {
    let h = &app.header;
    let Some((node, sample, frame)) = selected(app) else {
        return;
    };
    let metric = |name: &str| node_metric(h, sample, name);
    let seconds = (frame.end_ms - frame.start_ms) * 1e-3;
    let rate = |n: u64| {
        if seconds > 0.0 {
            n as f64 / seconds
        } else {
            0.0
        }
    };
    let l2 = |way: &str, name: &str| {
        let n = metric(name);
        Line::from(format!("L2 {way} {n} ({:.0}/s)", rate(n)))
    };
    let mut lines = vec![
        Line::from(format!(
            "spikes {}  l1 events {}",
            metric(wf::SPIKES),
            metric(wf::L1_EVENTS)
        )),
        Line::from(format!(
            "drivers took {}  stdp sweeps {}",
            metric(wf::DRIVER_EVENTS),
            metric(wf::STDP_SWEEPS)
        )),
        l2("in", wf::L2_IN),
        l2("out", wf::L2_OUT),
        Line::from(format!(
            "lost: merger {} bus {} driver {}",
            metric(wf::LOST_MERGER),
            metric(wf::LOST_BUS),
            metric(wf::LOST_DRIVER)
        )),
        Line::from(format!(
            "      unrouted {} uplink {}",
            metric(wf::LOST_UNROUTED),
            metric(wf::LOST_UPLINK)
        )),
    ];
    let buses: Vec<String> = (0..h.links.len())
        .map(|l| sample.map_or(0, |s| s.links[l]).to_string())
        .collect();
    lines.push(Line::from(format!("buses {}", buses.join(" "))));
    lines.push(Line::from("blocks: spikes (lost)"));
    let blocks = sample.map_or(&[][..], |s| &s.details[..]);
    let spikes = h.detail_metric(wf::BLOCK_SPIKES);
    let lost = h.detail_metric(wf::BLOCK_LOST);
    let max = blocks
        .iter()
        .map(|(_, d)| spikes.map_or(0, |i| d[i]))
        .max()
        .unwrap_or(0) as f64;
    let bar_width = usize::from(area.width.saturating_sub(2))
        .saturating_sub(18)
        .clamp(4, 24);
    for (id, d) in blocks {
        let n = spikes.map_or(0, |i| d[i]);
        let l = lost.map_or(0, |i| d[i]);
        let share = if max > 0.0 { n as f64 / max } else { 0.0 };
        let tail = format!(
            " {n}{}",
            if l > 0 {
                format!(" ({l})")
            } else {
                String::new()
            }
        );
        lines.push(bar_line(format!("b{id} "), share, bar_width, tail));
    }
    let used = h.node_fact(wf::USED).is_some_and(|i| node.facts[i] == 1);
    let (wafer, hicann, x) = wf::hicann_of(app.cursor, node.x);
    let title = format!(
        " {}HICANN {hicann} ({x}, {}) reticle {}{} ",
        if h.nodes.len() > wf::HICANNS_PER_WAFER {
            format!("wafer {wafer} ")
        } else {
            String::new()
        },
        node.y,
        node.group,
        if used { "" } else { ", unused" }
    );
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}
