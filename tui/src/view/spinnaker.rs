//! The selected chip: its router counters, its six links, its table's occupancy and its cores' load (the mean
//! tick and the window's longest, as shares of a tick's cycles).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{bar_line, core_load, node_metric, selected};
use crate::app::App;
use crate::trace::spinnaker as sp;

pub fn panel(f: &mut ratatui::Frame, app: &App, area: Rect) {
    let h = &app.header;
    let Some((node, sample, frame)) = selected(app) else {
        return;
    };
    let metric = |name: &str| node_metric(h, sample, name);
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
        "cores  mean/max of {cycles} cycles, spikes in/out"
    )));
    let detail = |core: &[u64], name: &str| h.detail_metric(name).map_or(0, |i| core[i]);
    let cores = sample.map_or(&[][..], |s| &s.details[..]);
    // One core a line, or two side by side when a short panel could not show them all (80 x 24).
    let room = usize::from(area.height.saturating_sub(2)).saturating_sub(lines.len());
    let inner = usize::from(area.width.saturating_sub(2));
    let columns = if cores.len() > room && inner >= 44 {
        2
    } else {
        1
    };
    let column = inner / columns;
    let bar_width = column
        .saturating_sub(if columns == 1 { 37 } else { 22 })
        .clamp(4, 20);
    let bars: Vec<Line> = cores
        .iter()
        .map(|(id, core)| {
            let load = core_load(h, frame, core);
            // The window's longest tick beside the mean: a core can keep up on average and still overrun.
            let longest = detail(core, sp::LONGEST_TICK) as f64 / cycles.max(1.0);
            let lost = detail(core, sp::OVERRUNS) + detail(core, sp::INPUT_LOSSES);
            let tail = format!(
                " {:>3.0}/{:.0}% {}/{}{}",
                load * 100.0,
                longest * 100.0,
                detail(core, sp::SPIKES_IN),
                detail(core, sp::SPIKES_OUT),
                if lost > 0 {
                    format!(" lost {lost}")
                } else {
                    String::new()
                }
            );
            bar_line(format!("c{id:<2} "), load, bar_width, tail)
        })
        .collect();
    for pair in bars.chunks(columns) {
        let mut line = pair[0].clone();
        if let Some(right) = pair.get(1) {
            line.spans
                .push(Span::raw(" ".repeat(column.saturating_sub(line.width()))));
            line.spans.extend(right.spans.iter().cloned());
        }
        lines.push(line);
    }
    let title = format!(" chip ({}, {}) board {} ", node.x, node.y, node.group);
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}
