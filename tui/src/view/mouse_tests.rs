//! Clicks and the wheel on ratatui's `TestBackend`: a click on the cell where a node is drawn selects it, on
//! both views, at 80 x 24 and larger, and when the grid scrolls; a click on the slider seeks to the frame whose
//! line ends there; the wheel steps frames.

use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::tests::wafer_app;
use super::*;
use crate::trace::spinnaker::tests::small_trace;
use crate::trace::{Node, TraceInfo, spinnaker as sp_trace};

fn mouse(kind: MouseEventKind, (column, row): (u16, u16)) -> MouseEvent {
    MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }
}

fn click(at: (u16, u16)) -> MouseEvent {
    mouse(MouseEventKind::Down(MouseButton::Left), at)
}

/// Where the selected node is drawn: the cursor's glyph.
fn cursor_cell(buffer: &ratatui::buffer::Buffer) -> (u16, u16) {
    let area = buffer.area;
    (0..area.height)
        .flat_map(|y| (0..area.width).map(move |x| (x, y)))
        .find(|&p| buffer[p].symbol() == "◆")
        .expect("the cursor is drawn")
}

/// For every node: finds the cell it is drawn at (the cursor's glyph while it is selected), selects another
/// node, clicks that cell and checks the click selected the node at that grid position.
fn every_node_is_selected_by_a_click_on_its_cell(mut app: App, width: u16, height: u16) {
    let screen = Rect::new(0, 0, width, height);
    let n = app.header.nodes.len();
    for i in 0..n {
        app.cursor = i;
        let cell = cursor_cell(&render_buffer(&app, width, height));
        app.cursor = (i + 1) % n;
        app.mouse(click(cell), screen);
        let (want, got) = (&app.header.nodes[i], &app.header.nodes[app.cursor]);
        assert_eq!(
            (got.x, got.y),
            (want.x, want.y),
            "a click at {cell:?} on {width}x{height}"
        );
    }
}

fn spinnaker_run() -> TraceInfo<'static> {
    TraceInfo {
        machine: "spinnaker-48",
        source: "net.json",
        period_ms: 10.0,
        timestep_ms: 1.0,
    }
}

/// The 48 chips of a SpiNN-5 board, each quarter of it a group of its own so that outlines cross the grid
/// both ways.
fn board_app() -> App {
    let first = [0, 0, 0, 0, 1, 2, 3, 4];
    let last = [4, 5, 6, 7, 7, 7, 7, 7];
    let nodes: Vec<Node> = (0..8u16)
        .flat_map(|y| {
            (first[usize::from(y)]..=last[usize::from(y)]).map(move |x| Node {
                x,
                y,
                group: u32::from(x / 4 + 2 * (y / 4)),
                facts: vec![0],
            })
        })
        .collect();
    assert_eq!(nodes.len(), 48);
    let header = sp_trace::header(&spinnaker_run(), (8, 8), nodes, 200_000.0);
    App::new(header, small_trace().frames, false)
}

#[test]
fn a_click_on_a_chip_selects_it_at_80x24_and_larger() {
    for (width, height) in [(80, 24), (130, 45)] {
        every_node_is_selected_by_a_click_on_its_cell(board_app(), width, height);
        let t = small_trace();
        every_node_is_selected_by_a_click_on_its_cell(
            App::new(t.header, t.frames, false),
            width,
            height,
        );
    }
}

#[test]
fn a_click_on_a_hicann_selects_it_at_80x24_and_larger() {
    for (width, height) in [(80, 24), (130, 45)] {
        every_node_is_selected_by_a_click_on_its_cell(wafer_app(), width, height);
    }
}

#[test]
fn a_click_on_a_scrolled_grid_selects_the_chip_drawn_there() {
    // 48 x 48 chips of one group: one character a chip at 80 x 24, more than the area, so the grid scrolls.
    let nodes = (0..48u16)
        .flat_map(|y| {
            (0..48u16).map(move |x| Node {
                x,
                y,
                group: 0,
                facts: vec![0],
            })
        })
        .collect();
    let header = sp_trace::header(&spinnaker_run(), (48, 48), nodes, 200_000.0);
    let mut app = App::new(header, small_trace().frames, false);
    let screen = Rect::new(0, 0, 80, 24);
    app.cursor = 30 * 48 + 40;
    let (c, r) = cursor_cell(&render_buffer(&app, 80, 24));
    // The chip to the right, then the one above (y goes up).
    app.mouse(click((c + 1, r)), screen);
    assert_eq!(app.cursor, 30 * 48 + 41);
    let (c, r) = cursor_cell(&render_buffer(&app, 80, 24));
    app.mouse(click((c, r - 1)), screen);
    assert_eq!(app.cursor, 31 * 48 + 41);
}

#[test]
fn a_click_on_the_slider_seeks_to_the_frame_under_it() {
    let t = small_trace();
    let mut app = App::new(t.header, t.frames, false);
    for (width, height) in [(80, 24), (130, 45)] {
        let screen = Rect::new(0, 0, width, height);
        let row = height - 2;
        for k in 0..3 {
            app.show(k);
            let buffer = render_buffer(&app, width, height);
            // The last cell of frame k's filled line (the labels of all three frames are as wide).
            let end = (0..width)
                .filter(|&x| buffer[(x, row)].symbol() == "─" && buffer[(x, row)].fg == Color::Cyan)
                .max()
                .expect("a filled line");
            app.show((k + 1) % 3);
            app.mouse(click((end, row)), screen);
            assert_eq!(app.frame, k, "a click at column {end} on {width}x{height}");
        }
        // A click on the label seeks nowhere.
        app.mouse(click((2, row)), screen);
        assert_eq!(app.frame, 2);
    }
}

#[test]
fn the_wheel_steps_frames_and_a_click_closes_the_help() {
    let t = small_trace();
    let mut app = App::new(t.header, t.frames, false);
    let screen = Rect::new(0, 0, 80, 24);
    app.mouse(mouse(MouseEventKind::ScrollDown, (5, 5)), screen);
    app.mouse(mouse(MouseEventKind::ScrollDown, (5, 5)), screen);
    assert_eq!(app.frame, 2);
    app.mouse(mouse(MouseEventKind::ScrollUp, (5, 5)), screen);
    assert_eq!(app.frame, 1);
    // With the help open, a click on a chip only closes the help.
    let other = app.cursor;
    app.cursor = 0;
    let cell = cursor_cell(&render_buffer(&app, 80, 24));
    app.cursor = other;
    app.help = true;
    app.mouse(click(cell), screen);
    assert!(!app.help);
    assert_eq!(app.cursor, other);
    app.mouse(click(cell), screen);
    assert_eq!(app.cursor, 0);
}
