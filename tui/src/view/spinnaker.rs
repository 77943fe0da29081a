//! The selected chip: its router counters, its six links, its table's occupancy and its cores' load.

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{core_load, heat, selected};
use crate::app::App;
use crate::trace::spinnaker as sp;

pub fn panel(f: &mut ratatui::Frame, app: &App, area: Rect) {
    let h = &app.header;
    let Some((node, sample, frame)) = selected(app) else {
        return;
    };
    let metric = |name: &str| {
        sample
            .and_then(|s| h.node_metric(name).map(|i| s.metrics[i]))
            .unwrap_or(0)
    };
    // Two counters a line, under short labels.
    let pair = |(a, la): (&str, &str), (b, lb): (&str, &str)| {
        Line::from(format!(
            "{la:<10}{:>9}   {lb:<10}{:>9}",
            metric(a),
            metric(b)
        ))
    };
    let mut lines = vec![
        pair((sp::ROUTED, "routed"), (sp::DROPPED, "dropped")),
        pair((sp::DEFAULT_ROUTED, "default"), (sp::LOST, "lost")),
        pair(
            (sp::EMERGENCY_ROUTED, "emergency"),
            (sp::REINJECTED, "reinjected"),
        ),
    ];
    let links: Vec<String> = h
        .links
        .iter()
        .enumerate()
        .map(|(l, name)| format!("{name} {}", sample.map_or(0, |s| s.links[l])))
        .collect();
    lines.push(Line::from(format!("links  {}", links.join("  "))));
    let entries = h.node_fact(sp::TABLE_ENTRIES).map_or(0, |i| node.facts[i]);
    lines.push(Line::from(format!(
        "table  {entries}/{} entries ({:.0}%)",
        sp::TABLE_CAPACITY,
        entries as f64 * 100.0 / sp::TABLE_CAPACITY as f64
    )));
    let cycles = h.fact(sp::CYCLES_PER_TICK);
    lines.push(Line::from(format!(
        "cores  load of {cycles} cycles/tick, spikes in/out"
    )));
    let detail = |core: &[u64], name: &str| h.detail_metric(name).map_or(0, |i| core[i]);
    let bar_width = usize::from(area.width.saturating_sub(2))
        .saturating_sub(34)
        .clamp(4, 20);
    for (id, core) in sample.map_or(&[][..], |s| &s.details[..]) {
        let load = core_load(h, frame, core);
        let filled = ((load * bar_width as f64).round() as usize).min(bar_width);
        let (_, colour) = heat(load.min(1.0), 1.0);
        let lost = detail(core, sp::OVERRUNS) + detail(core, sp::INPUT_LOSSES);
        lines.push(Line::from(vec![
            Span::raw(format!("c{id:<2} ")),
            Span::styled("█".repeat(filled), Style::default().fg(colour)),
            Span::styled(
                "░".repeat(bar_width - filled),
                Style::default().fg(Color::DarkGray),
            ),
            Span::raw(format!(
                " {:>3.0}% {}/{}{}",
                load * 100.0,
                detail(core, sp::SPIKES_IN),
                detail(core, sp::SPIKES_OUT),
                if lost > 0 {
                    format!(" lost {lost}")
                } else {
                    String::new()
                }
            )),
        ]));
    }
    let title = format!(" chip ({}, {}) board {} ", node.x, node.y, node.group);
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}
