//! The heat map: every node at its grid position, coloured by the chosen metric, with a line between nodes of
//! different groups (boards, reticles) and around the machine's edge, so board and wafer outlines show.
//!
//! SpiNNaker draws y upwards, as the boards are drawn; the wafer draws y downwards, as halco does. Lines
//! between columns or rows are drawn only where some group changes there, at cells two characters wide when
//! the area allows; when it does not, the lines between rows are left out first, then those between columns,
//! then cells become one character wide. A grid larger than the area scrolls with the cursor.

use std::collections::HashMap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use super::heat;
use crate::app::App;
use crate::trace::{Header, MachineKind};

/// The cells and lines of one way of drawing the grid.
struct Plan {
    cell: u16,
    col_lines: bool,
    row_lines: bool,
}

/// Grid positions in drawing order, with whether a line follows each.
struct Axes {
    xs: Vec<(u16, bool)>,
    ys: Vec<(u16, bool)>,
}

fn groups(h: &Header) -> HashMap<(u16, u16), u32> {
    h.nodes.iter().map(|n| ((n.x, n.y), n.group)).collect()
}

fn axes(h: &Header, groups: &HashMap<(u16, u16), u32>) -> Axes {
    let differ = |a: (u16, u16), b: (u16, u16)| {
        let (ga, gb) = (groups.get(&a), groups.get(&b));
        ga != gb && (ga.is_some() || gb.is_some())
    };
    let xs = (0..h.width)
        .map(|x| {
            let line = x + 1 < h.width && (0..h.height).any(|y| differ((x, y), (x + 1, y)));
            (x, line)
        })
        .collect();
    let order: Vec<u16> = match h.kind {
        MachineKind::Spinnaker => (0..h.height).rev().collect(),
        MachineKind::Wafer => (0..h.height).collect(),
    };
    let ys = order
        .iter()
        .enumerate()
        .map(|(i, &y)| {
            let next = order.get(i + 1);
            let line = next.is_some_and(|&n| (0..h.width).any(|x| differ((x, y), (x, n))));
            (y, line)
        })
        .collect();
    Axes { xs, ys }
}

fn extent(axes: &Axes, plan: &Plan) -> (u16, u16) {
    let lines = |v: &[(u16, bool)], on: bool| {
        if on {
            v.iter().filter(|(_, l)| *l).count() as u16
        } else {
            0
        }
    };
    (
        axes.xs.len() as u16 * plan.cell + lines(&axes.xs, plan.col_lines),
        axes.ys.len() as u16 + lines(&axes.ys, plan.row_lines),
    )
}

/// The richest plan that fits `width` x `height`, or the plainest one.
fn plan(axes: &Axes, width: u16, height: u16) -> Plan {
    let plans = [
        Plan {
            cell: 2,
            col_lines: true,
            row_lines: true,
        },
        Plan {
            cell: 2,
            col_lines: true,
            row_lines: false,
        },
        Plan {
            cell: 1,
            col_lines: true,
            row_lines: true,
        },
        Plan {
            cell: 1,
            col_lines: true,
            row_lines: false,
        },
        Plan {
            cell: 1,
            col_lines: false,
            row_lines: false,
        },
    ];
    let last = plans.len() - 1;
    plans
        .into_iter()
        .enumerate()
        .find(|(i, p)| {
            let (w, h) = extent(axes, p);
            *i == last || (w <= width && h <= height)
        })
        .map(|(_, p)| p)
        .expect("the last plan is always taken")
}

/// The size the grid takes when it is given at most `width` x `height`.
pub fn size(h: &Header, width: u16, height: u16) -> (u16, u16) {
    let axes = axes(h, &groups(h));
    let (w, ht) = extent(&axes, &plan(&axes, width, height));
    (w.min(width.max(1)), ht.min(height))
}

/// Where the grid goes in an area: the canvas position of each grid column and row, the canvas's size and the
/// canvas position at the area's top left corner. Drawing and clicks share it, so a click finds the node drawn
/// under it.
struct Placed {
    groups: HashMap<(u16, u16), u32>,
    axes: Axes,
    plan: Plan,
    col_of: HashMap<u16, u16>,
    row_of: HashMap<u16, u16>,
    width: u16,
    height: u16,
    origin: (u16, u16),
}

fn place(app: &App, area: Rect) -> Placed {
    let h = &app.header;
    let groups = groups(h);
    let axes = axes(h, &groups);
    let plan = plan(&axes, area.width, area.height);
    // Canvas coordinates of each grid column and row.
    let place = |v: &[(u16, bool)], cell: u16, lines: bool| -> (HashMap<u16, u16>, u16) {
        let (mut at, mut map) = (0u16, HashMap::new());
        for &(p, line) in v {
            map.insert(p, at);
            at += cell;
            if line && lines {
                at += 1;
            }
        }
        (map, at)
    };
    let (col_of, width) = place(&axes.xs, plan.cell, plan.col_lines);
    let (row_of, height) = place(&axes.ys, 1, plan.row_lines);
    // The window onto the canvas: all of it, or the part around the cursor.
    let cursor = h
        .nodes
        .get(app.cursor)
        .map_or((0, 0), |n| (col_of[&n.x], row_of[&n.y]));
    let origin = |cursor: u16, size: u16, view: u16| -> u16 {
        if size <= view {
            0
        } else {
            cursor.saturating_sub(view / 2).min(size - view)
        }
    };
    let origin = (
        origin(cursor.0, width, area.width),
        origin(cursor.1, height, area.height),
    );
    Placed {
        groups,
        axes,
        plan,
        col_of,
        row_of,
        width,
        height,
        origin,
    }
}

/// The node drawn at screen cell (`column`, `row`) when the grid is drawn into `area`, if any.
pub fn node_at(app: &App, area: Rect, column: u16, row: u16) -> Option<usize> {
    let inside = (area.x..area.right()).contains(&column) && (area.y..area.bottom()).contains(&row);
    if !inside {
        return None;
    }
    let p = place(app, area);
    let (c, r) = (column - area.x + p.origin.0, row - area.y + p.origin.1);
    app.header.nodes.iter().position(|n| {
        let left = p.col_of[&n.x];
        p.row_of[&n.y] == r && (left..left + p.plan.cell).contains(&c)
    })
}

/// Draws the grid of `app`'s frame into `area` of `buf`.
pub fn render(buf: &mut Buffer, area: Rect, app: &App) {
    let h = &app.header;
    let placed = place(app, area);
    let (groups, axes, plan) = (&placed.groups, &placed.axes, &placed.plan);
    let (col_of, row_of) = (&placed.col_of, &placed.row_of);
    let (width, height, (ox, oy)) = (placed.width, placed.height, placed.origin);
    let mut canvas = vec![(' ', Style::default()); usize::from(width) * usize::from(height)];
    let at = |c: u16, r: u16| usize::from(r) * usize::from(width) + usize::from(c);

    let frame = app.current();
    let colouring = app.colouring();
    let mut values = vec![0.0; h.nodes.len()];
    if let Some(frame) = frame {
        for s in &frame.nodes {
            values[s.node as usize] = colouring.value(h, frame, s);
        }
    }
    let max = values.iter().copied().fold(0.0, f64::max);
    let line = Style::default().fg(Color::Gray);
    for (i, node) in h.nodes.iter().enumerate() {
        let (c, r) = (col_of[&node.x], row_of[&node.y]);
        let (glyph, colour) = heat(values[i], max);
        let mut style = Style::default().fg(colour);
        let glyph = if i == app.cursor {
            style = style.add_modifier(Modifier::REVERSED);
            '◆'
        } else {
            glyph
        };
        for k in 0..plan.cell {
            canvas[at(c + k, r)] = (glyph, style);
        }
        // Lines to the right and below, where the group changes (or the machine ends).
        let right = (node.x + 1 < h.width).then(|| (node.x + 1, node.y));
        if plan.col_lines && axes.xs.iter().any(|&(x, l)| x == node.x && l) {
            let other = right.and_then(|p| groups.get(&p));
            if other != Some(&node.group) {
                canvas[at(c + plan.cell, r)] = ('│', line);
            }
        }
        if plan.row_lines {
            let k = axes
                .ys
                .iter()
                .position(|&(y, _)| y == node.y)
                .expect("a row");
            if axes.ys[k].1 {
                let below = axes.ys.get(k + 1).map(|&(y, _)| (node.x, y));
                if below.and_then(|p| groups.get(&p)) != Some(&node.group) {
                    for j in 0..plan.cell {
                        canvas[at(c + j, r + 1)] = ('─', line);
                    }
                }
            }
        }
    }
    // Lines also on the far side of a missing neighbour: the machine's outline, left and above.
    for node in &h.nodes {
        let (c, r) = (col_of[&node.x], row_of[&node.y]);
        if plan.col_lines && c > 0 && canvas[at(c - 1, r)].0 == ' ' && node.x > 0 {
            let left = groups.get(&(node.x - 1, node.y));
            if left.is_none() && axes.xs[usize::from(node.x - 1)].1 {
                canvas[at(c - 1, r)] = ('│', line);
            }
        }
        if plan.row_lines && r > 0 {
            let k = axes
                .ys
                .iter()
                .position(|&(y, _)| y == node.y)
                .expect("a row");
            if k > 0 && axes.ys[k - 1].1 && !groups.contains_key(&(node.x, axes.ys[k - 1].0)) {
                for j in 0..plan.cell {
                    canvas[at(c + j, r - 1)] = ('─', line);
                }
            }
        }
    }
    for r in 0..height.min(area.height) {
        for c in 0..width.min(area.width) {
            let (glyph, style) = canvas[at(ox + c, oy + r)];
            buf[(area.x + c, area.y + r)]
                .set_char(glyph)
                .set_style(style);
        }
    }
}
