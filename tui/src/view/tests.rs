//! Widget tests on ratatui's `TestBackend`: the synthetic trace of `trace::spinnaker::tests` and a wafer one.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::trace::spinnaker::tests::small_trace;
use crate::trace::{Node, NodeSample, TraceInfo, wafer as wf};

/// The buffer position of the first cell showing `glyph`.
fn find(buffer: &ratatui::buffer::Buffer, glyph: &str) -> Option<(u16, u16)> {
    // The grid's block starts at column 0 of row 1; the panel's bars are further right.
    (1..buffer.area.height)
        .flat_map(|y| (0..30).map(move |x| (x, y)))
        .find(|&p| buffer[p].symbol() == glyph)
}

#[test]
fn the_hot_chip_is_drawn_in_the_hot_colour_and_its_counters_are_shown() {
    let t = small_trace();
    let mut app = App::new(t.header, t.frames, false);
    // The cursor starts on the hot chip (2, 1); move it off, to (0, 0), which routed 100 of 900.
    app.key(KeyEvent::new(KeyCode::Left, KeyModifiers::NONE));
    app.key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    let buffer = render_buffer(&app, 80, 24);
    let hot = find(&buffer, "█").expect("a full-heat cell");
    assert_eq!(buffer[hot].fg, HOT);
    // The cursor's chip (0, 0) is cool: 100 of 900.
    let cursor = find(&buffer, "◆").unwrap();
    assert_eq!(buffer[cursor].fg, Color::Blue);
    // (2, 1) is drawn above (0, 0) and to its right: y goes up.
    assert!(hot.1 < cursor.1 && hot.0 > cursor.0, "{hot:?} {cursor:?}");
    let text = render_text(&app, 80, 24);
    assert!(text.contains("chip (0, 0) board 0"), "{text}");
    assert!(text.contains("routed          100"), "{text}");
    assert!(text.contains("table  12/1024 entries"), "{text}");
    // The hot chip's counters once selected.
    app.key(KeyEvent::new(KeyCode::Char('H'), KeyModifiers::NONE));
    let text = render_text(&app, 80, 24);
    assert!(text.contains("chip (2, 1) board 0"), "{text}");
    assert!(
        text.contains("routed          900   dropped           5"),
        "{text}"
    );
    assert!(text.contains("NE 400"), "{text}");
    // Core 3: 150,000 busy cycles over 10 ticks of 200,000: 8%; its longest tick 20,000 cycles: 10%; 7 spikes
    // in, 40 out.
    assert!(text.contains(" 8/10% 7/40"), "{text}");
    assert!(text.contains("worst: (2,1) 900  (0,0) 100"), "{text}");
    assert!(text.contains("links: (2,1) NE 400"), "{text}");
}

#[test]
fn help_opens_on_question_mark() {
    let t = small_trace();
    let mut app = App::new(t.header, t.frames, false);
    assert!(!render_text(&app, 80, 24).contains("help (?)"));
    app.key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::NONE));
    let text = render_text(&app, 80, 24);
    assert!(text.contains("help (?)"), "{text}");
    assert!(
        text.contains("metrics: routed, drops, link_load, core_load"),
        "{text}"
    );
}

#[test]
fn a_small_terminal_gets_a_message() {
    let t = small_trace();
    let app = App::new(t.header, t.frames, true);
    let text = render_text(&app, 60, 20);
    assert!(
        text.contains("This terminal is 60x20; the monitor needs at least 80x24."),
        "{text}"
    );
    assert!(text.contains("The run continues."), "{text}");
    let mut app = app;
    app.finished = Some("finished: q closes the view".to_string());
    let text = render_text(&app, 60, 20);
    assert!(
        text.contains("The run finished: q closes the view."),
        "{text}"
    );
}

/// A wafer of every HICANN, grouped by reticle; HICANN 100 spiked most.
pub(super) fn wafer_app() -> App {
    let mut nodes = Vec::new();
    for y in 0..16u16 {
        for x in 0..36u16 {
            let lo = [12, 12, 8, 8, 4, 4, 0, 0, 0, 0, 4, 4, 8, 8, 12, 12][usize::from(y)];
            if x >= lo && x <= 35 - lo {
                nodes.push(Node {
                    x,
                    y,
                    group: u32::from(y / 2) * 9 + u32::from(x / 4),
                    facts: vec![1],
                });
            }
        }
    }
    let run = TraceInfo {
        machine: "wafer",
        source: "net.json",
        period_ms: 10.0,
        timestep_ms: 0.1,
    };
    let header = wf::header(&run, (36, 16), nodes);
    let sample = |node, spikes| NodeSample {
        node,
        metrics: vec![spikes, 5, 4, 0, 3, 0, 2, 0, 0, 0, 0],
        links: vec![5, 0, 0, 0, 0, 0, 0, 0],
        details: vec![(0, vec![spikes, 1])],
    };
    let frame = Frame {
        start_ms: 0.0,
        end_ms: 10.0,
        ticks: 100,
        nodes: vec![sample(3, 10), sample(100, 70)],
    };
    App::new(header, vec![frame], false)
}

#[test]
fn the_wafer_view_shows_the_round_wafer_and_the_selected_hicann() {
    let app = wafer_app();
    let text = render_text(&app, 80, 24);
    assert!(text.contains("HICANN 100 ("), "{text}");
    assert!(text.contains("spikes 70  l1 events 5"), "{text}");
    assert!(text.contains("lost: merger 0 bus 2 driver 0"), "{text}");
    assert!(text.contains("b0 "), "{text}");
    // The top row has 12 HICANNs, the middle rows 36: the outline is round.
    let rows: Vec<usize> = text
        .lines()
        .map(|l| {
            l.chars()
                .filter(|c| *c == '·' || *c == '◆' || *c == '░' || *c == '█')
                .count()
        })
        .filter(|&n| n > 0)
        .collect();
    assert!(rows.contains(&12) && rows.contains(&36), "{rows:?}\n{text}");
    // Three rows under the grid: the traffic's label and sparkline, then the worst HICANNs (the losses'
    // sparkline would show without its label).
    let lines: Vec<&str> = text.lines().collect();
    let traffic = lines
        .iter()
        .position(|l| l.starts_with("traffic: "))
        .expect(&text);
    assert!(lines[traffic + 2].starts_with("worst: (12,5) 70"), "{text}");
    let buffer = render_buffer(&app, 80, 24);
    let hot = find(&buffer, "◆").unwrap();
    assert_eq!(buffer[hot].fg, HOT);
}

#[test]
fn every_core_of_a_full_chip_shows_at_80x24() {
    let mut t = small_trace();
    let hot = &mut t.frames[0].nodes[1];
    let core = hot.details[0].1.clone();
    hot.details = (1..=17).map(|id| (id, core.clone())).collect();
    let app = App::new(t.header, t.frames, false);
    let text = render_text(&app, 80, 24);
    assert!(text.contains("c1 ") && text.contains("c17 "), "{text}");
}
