//! Drawing the monitor: a title, the machine's grid as a heat map beside the selected node's panel, a time
//! slider and the keys. Usable at 80 x 24; a larger terminal gets wider cells, board or reticle outlines
//! between rows and more of the panels. [`render_text`] draws the same screen without a terminal.

mod grid;
mod spinnaker;
mod wafer;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, LineGauge, Paragraph, Sparkline, Wrap};

use crate::app::App;
use crate::trace::{Frame, Header, MachineKind, NodeSample, spinnaker as sp, wafer as wf};

/// The smallest terminal the monitor draws in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// The colour of the hottest nodes.
pub const HOT: Color = Color::Red;

/// What colours the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colouring {
    Routed,
    Drops,
    LinkLoad,
    CoreLoad,
    Spikes,
    BusUse,
    Lost,
}

impl Colouring {
    /// The colourings of a machine's view, the default first.
    pub fn for_kind(kind: MachineKind) -> &'static [Colouring] {
        match kind {
            MachineKind::Spinnaker => &[
                Colouring::Routed,
                Colouring::Drops,
                Colouring::LinkLoad,
                Colouring::CoreLoad,
            ],
            MachineKind::Wafer => &[Colouring::Spikes, Colouring::BusUse, Colouring::Lost],
        }
    }

    /// The name `--metric` takes.
    pub fn name(self) -> &'static str {
        match self {
            Colouring::Routed => "routed",
            Colouring::Drops => "drops",
            Colouring::LinkLoad => "link_load",
            Colouring::CoreLoad => "core_load",
            Colouring::Spikes => "spikes",
            Colouring::BusUse => "bus_use",
            Colouring::Lost => "lost",
        }
    }

    /// The node's value in `frame`: a count, or for core load the busiest core's share of its tick.
    pub fn value(self, h: &Header, frame: &Frame, s: &NodeSample) -> f64 {
        let metric = |name: &str| node_metric(h, Some(s), name) as f64;
        match self {
            Colouring::Routed => metric(sp::ROUTED),
            Colouring::Drops => metric(sp::DROPPED),
            Colouring::LinkLoad | Colouring::BusUse => s.links.iter().sum::<u64>() as f64,
            Colouring::CoreLoad => s
                .details
                .iter()
                .map(|(_, d)| core_load(h, frame, d))
                .fold(0.0, f64::max),
            Colouring::Spikes => metric(wf::SPIKES),
            Colouring::Lost => wf::LOST.iter().map(|m| metric(m)).sum(),
        }
    }
}

/// A core's mean busy cycles per tick in `frame` as a share of the cycles a tick has.
fn core_load(h: &Header, frame: &Frame, core: &[u64]) -> f64 {
    let busy = h.detail_metric(sp::BUSY_CYCLES).map_or(0, |i| core[i]) as f64;
    let budget = h.fact(sp::CYCLES_PER_TICK) * f64::from(frame.ticks);
    if budget > 0.0 { busy / budget } else { 0.0 }
}

/// The glyph and colour of `value` on a scale whose top is `max`: five levels from blue to [`HOT`], a dot
/// for nothing counted, so that a text capture still shows where the heat is.
pub fn heat(value: f64, max: f64) -> (char, Color) {
    if value <= 0.0 || max <= 0.0 {
        return ('·', Color::DarkGray);
    }
    const LEVELS: [(char, Color); 5] = [
        ('░', Color::Blue),
        ('▒', Color::Cyan),
        ('▓', Color::Green),
        ('▓', Color::Yellow),
        ('█', HOT),
    ];
    let level = ((value / max * 5.0).ceil() as usize).clamp(1, 5);
    LEVELS[level - 1]
}

/// Draws the whole monitor into `f`.
pub fn draw(f: &mut ratatui::Frame, app: &App) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let run = match (&app.finished, app.live) {
            (Some(end), _) => format!(" The run {end}."),
            (None, true) => " The run continues.".to_string(),
            (None, false) => String::new(),
        };
        let message = format!(
            "This terminal is {}x{}; the monitor needs at least {MIN_WIDTH}x{MIN_HEIGHT}.{run} Enlarge it, or press q to close the view.",
            area.width, area.height,
        );
        f.render_widget(Paragraph::new(message).wrap(Wrap { trim: true }), area);
        return;
    }
    let [title, body, slider, footer] = rows(area);
    f.render_widget(Paragraph::new(title_line(app)), title);
    draw_body(f, app, body);
    draw_slider(f, app, slider);
    f.render_widget(Paragraph::new(footer_line(app)).style(dim()), footer);
    if app.help {
        draw_help(f, app, area);
    }
}

/// The screen's rows: the title, the body, the slider and the keys.
fn rows(area: Rect) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// What a click on the screen points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A node of the grid, by index.
    Node(usize),
    /// A frame, by where the slider's line would end for it.
    Frame(usize),
}

/// What screen cell (`column`, `row`) shows when `app` is drawn on a `screen` of that size: the same layout as
/// [`draw`], so a click selects what is drawn under it.
pub fn target_at(app: &App, screen: Rect, column: u16, row: u16) -> Option<Target> {
    if screen.width < MIN_WIDTH || screen.height < MIN_HEIGHT || app.help {
        return None;
    }
    let [_, body, slider, _] = rows(screen);
    if slider.y == row {
        return frame_at(app, slider, column).map(Target::Frame);
    }
    let grid = Block::default()
        .borders(Borders::ALL)
        .inner(body_areas(app, body).map);
    grid::node_at(app, grid, column, row).map(Target::Node)
}

/// The frame a click at `column` of the slider seeks to: the first whose filled line reaches that cell. None on
/// the label or without frames.
fn frame_at(app: &App, area: Rect, column: u16) -> Option<usize> {
    let (_, label) = slider_parts(app);
    // As ratatui's LineGauge draws it: the label, a space, then the line over the rest of the row.
    let start = area.x + (Line::from(label).width() as u16).min(area.width) + 1;
    if column < start || column >= area.right() {
        return None;
    }
    let total_ms = app.frames.last()?.end_ms;
    let width = f64::from(area.right() - start);
    let reached = f64::from(column - start + 1);
    app.frames.iter().position(|fr| {
        total_ms > 0.0 && (width * (fr.end_ms / total_ms).clamp(0.0, 1.0)).floor() >= reached
    })
}

fn dim() -> Style {
    Style::default().fg(Color::Gray)
}

fn title_line(app: &App) -> Line<'static> {
    let h = &app.header;
    let n = app.frames.len();
    let when = app
        .current()
        .map_or("waiting for the first window".to_string(), |fr| {
            format!(
                "frame {}/{n} {}-{} ms",
                app.frame + 1,
                fr.start_ms,
                fr.end_ms
            )
        });
    let state = match (&app.finished, app.live, app.playing) {
        (Some(end), _, _) => format!("run {end}"),
        (None, true, _) if app.follow => "live".to_string(),
        (None, true, _) => "live, paused".to_string(),
        (None, false, true) => format!("playing {}/s", app.speed()),
        (None, false, false) => "paused".to_string(),
    };
    Line::from(vec![
        Span::styled(
            format!(" {} ", h.machine),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!("| {when} | {state} | {}", h.source)),
    ])
}

fn footer_line(app: &App) -> Line<'static> {
    let keys = if app.live {
        "←↑↓→/click move  m metric  ,./wheel step  End live  ? help  q close  Q stop run"
    } else {
        "←↑↓→/click move  m metric  space play  ,./wheel step  +- speed  ? help  q quit"
    };
    Line::from(keys)
}

/// The slider's filled share and its label.
fn slider_parts(app: &App) -> (f64, String) {
    let total_ms = app.frames.last().map_or(0.0, |fr| fr.end_ms);
    let at_ms = app.current().map_or(0.0, |fr| fr.end_ms);
    let ratio = if total_ms > 0.0 {
        at_ms / total_ms
    } else {
        0.0
    };
    (
        ratio.clamp(0.0, 1.0),
        format!("time {at_ms}/{total_ms} ms "),
    )
}

fn draw_slider(f: &mut ratatui::Frame, app: &App, area: Rect) {
    let (ratio, label) = slider_parts(app);
    let gauge = LineGauge::default()
        .ratio(ratio)
        .label(label)
        .filled_style(Style::default().fg(Color::Cyan));
    f.render_widget(gauge, area);
}

/// Where the body's parts go: the grid's framed block, the selected node's panel, the history under the grid.
struct Body {
    map: Rect,
    right: Rect,
    below: Rect,
}

fn body_areas(app: &App, area: Rect) -> Body {
    let grid_size = grid::size(&app.header, area.width.saturating_sub(36), area.height);
    let left_width = (grid_size.0 + 2).max(30).min(area.width.saturating_sub(34));
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_width), Constraint::Min(0)]).areas(area);
    let map_height = (grid_size.1 + 2).min(left.height);
    let [map, below] =
        Layout::vertical([Constraint::Length(map_height), Constraint::Min(0)]).areas(left);
    Body { map, right, below }
}

/// The grid on the left, the selected node's panel on the right; sparklines and the worst nodes and links
/// under the grid.
fn draw_body(f: &mut ratatui::Frame, app: &App, area: Rect) {
    let Body { map, right, below } = body_areas(app, area);
    let colouring = app.colouring();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", colouring.name()));
    let inner = block.inner(map);
    f.render_widget(block, map);
    grid::render(f.buffer_mut(), inner, app);
    match app.header.kind {
        MachineKind::Spinnaker => spinnaker::panel(f, app, right),
        MachineKind::Wafer => wafer::panel(f, app, right),
    }
    draw_history(f, app, below);
}

/// Per frame up to the one shown: the machine's total of node metric `name` (or of several).
fn history(app: &App, names: &[&str]) -> Vec<u64> {
    let idx: Vec<usize> = names
        .iter()
        .filter_map(|n| app.header.node_metric(n))
        .collect();
    app.frames[..(app.frame + 1).min(app.frames.len())]
        .iter()
        .map(|fr| {
            fr.nodes
                .iter()
                .map(|s| idx.iter().map(|&i| s.metrics[i]).sum::<u64>())
                .sum()
        })
        .collect()
}

/// Sparklines of traffic and losses over time, then the worst nodes and links of the frame shown.
fn draw_history(f: &mut ratatui::Frame, app: &App, area: Rect) {
    if area.height < 3 {
        return;
    }
    let (traffic, losses): (&[&str], &[&str]) = match app.header.kind {
        MachineKind::Spinnaker => (&[sp::ROUTED], &[sp::DROPPED]),
        MachineKind::Wafer => (&[wf::SPIKES], &wf::LOST),
    };
    // A label and its sparkline come as a pair, so that no sparkline shows without its name: as many pairs as
    // fit, the worst nodes and links in the rest.
    let pairs = usize::from(area.height / 2).min(2);
    let mut rows = vec![Constraint::Length(1); 2 * pairs];
    rows.push(Constraint::Min(0));
    let rows = Layout::vertical(rows).split(area);
    let width = usize::from(area.width);
    for (k, (label, names, colour)) in [
        ("traffic", traffic, Color::Cyan),
        ("lost/dropped", losses, HOT),
    ]
    .into_iter()
    .take(pairs)
    .enumerate()
    {
        let data = history(app, names);
        let last = data.last().copied().unwrap_or(0);
        let peak = data.iter().copied().max().unwrap_or(0);
        f.render_widget(
            Paragraph::new(format!("{label}: {last} (peak {peak})")).style(dim()),
            rows[2 * k],
        );
        let tail = &data[data.len().saturating_sub(width)..];
        f.render_widget(
            Sparkline::default()
                .data(tail)
                .style(Style::default().fg(colour)),
            rows[2 * k + 1],
        );
    }
    f.render_widget(Paragraph::new(worst_lines(app)), rows[2 * pairs]);
}

/// The three hottest nodes by the current colouring and the three busiest links.
fn worst_lines(app: &App) -> Vec<Line<'static>> {
    let Some(frame) = app.current() else {
        return Vec::new();
    };
    let h = &app.header;
    let colouring = app.colouring();
    let name = |node: u32| {
        let n = &h.nodes[node as usize];
        format!("({},{})", n.x, n.y)
    };
    let mut nodes: Vec<(f64, u32)> = frame
        .nodes
        .iter()
        .map(|s| (colouring.value(h, frame, s), s.node))
        .filter(|&(v, _)| v > 0.0)
        .collect();
    nodes.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut links: Vec<(u64, u32, usize)> = frame
        .nodes
        .iter()
        .flat_map(|s| {
            s.links
                .iter()
                .enumerate()
                .map(move |(l, &v)| (v, s.node, l))
        })
        .filter(|&(v, _, _)| v > 0)
        .collect();
    links.sort_by(|a, b| b.0.cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let worst: Vec<String> = nodes
        .iter()
        .take(3)
        .map(|&(v, n)| format!("{} {}", name(n), short(v)))
        .collect();
    let busiest: Vec<String> = links
        .iter()
        .take(3)
        .map(|&(v, n, l)| format!("{} {} {v}", name(n), h.links[l]))
        .collect();
    vec![
        Line::from(format!("worst: {}", worst.join("  "))),
        Line::from(format!("links: {}", busiest.join("  "))),
    ]
}

/// A value as a count, or as a percentage when it is a share.
fn short(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v}")
    } else {
        format!("{:.0}%", v * 100.0)
    }
}

fn draw_help(f: &mut ratatui::Frame, app: &App, area: Rect) {
    let mut text = vec![
        "←↑↓→, hjkl     move between nodes",
        "click          select a node; on the slider, seek",
        "H              select the hottest node",
        "m / M          next / previous colouring metric",
        ", / .          previous / next frame",
        "wheel up/down  previous / next frame",
        "[ / ]          back / forward a tenth of the run",
        "g / G, Home/End first / last frame",
    ];
    if app.live {
        text.extend([
            "q, Esc         close the view (the run goes on)",
            "Q, Ctrl-C      stop the run",
        ]);
    } else {
        text.extend([
            "space          play / pause",
            "+ / -          faster / slower",
            "q, Esc         quit",
        ]);
    }
    text.push("");
    text.push("any key or click closes this help");
    let metrics: Vec<&str> = Colouring::for_kind(app.header.kind)
        .iter()
        .map(|c| c.name())
        .collect();
    let mut lines: Vec<Line> = text.into_iter().map(Line::from).collect();
    lines.insert(0, Line::from(format!("metrics: {}", metrics.join(", "))));
    let height = lines.len() as u16 + 2;
    let width = 56.min(area.width);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width,
        height.min(area.height),
    );
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" help (?) ")),
        rect,
    );
}

/// The screen of `app` at `width` x `height` as text, one line per row, trailing spaces trimmed.
pub fn render_text(app: &App, width: u16, height: u16) -> String {
    let buffer = render_buffer(app, width, height);
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The screen of `app` in a test backend's buffer.
pub fn render_buffer(app: &App, width: u16, height: u16) -> ratatui::buffer::Buffer {
    let mut terminal =
        Terminal::new(TestBackend::new(width, height)).expect("a test backend always opens");
    terminal
        .draw(|f| draw(f, app))
        .expect("drawing into a test backend cannot fail");
    terminal.backend().buffer().clone()
}

#[cfg(test)]
mod mouse_tests;
#[cfg(test)]
mod tests;

/// `label`, a bar `width` cells long filled to `share` (0 to 1) in its heat colour, then `tail`.
fn bar_line(label: String, share: f64, width: usize, tail: String) -> Line<'static> {
    let share = share.clamp(0.0, 1.0);
    let filled = ((share * width as f64).round() as usize).min(width);
    let (_, colour) = heat(share, 1.0);
    Line::from(vec![
        Span::raw(label),
        Span::styled("█".repeat(filled), Style::default().fg(colour)),
        Span::styled(
            "░".repeat(width - filled),
            Style::default().fg(Color::DarkGray),
        ),
        Span::raw(tail),
    ])
}

/// Node metric `name` of `sample`, 0 for a node that counted nothing.
fn node_metric(h: &Header, sample: Option<&NodeSample>, name: &str) -> u64 {
    sample
        .and_then(|s| h.node_metric(name).map(|i| s.metrics[i]))
        .unwrap_or(0)
}

/// The selected node, its sample in the frame shown (none if it counted nothing) and that frame.
fn selected(app: &App) -> Option<(&crate::trace::Node, Option<&NodeSample>, &Frame)> {
    let frame = app.current()?;
    let node = app.header.nodes.get(app.cursor)?;
    Some((node, frame.node(app.cursor as u32), frame))
}
