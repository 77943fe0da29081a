//! Tests of the fan-out: hand-built routes, defects, bandwidth, and a property test against a brute-force
//! walk that applies the wiring rules of spec §3.1-§3.3 written out independently here.

use super::*;
use crate::coord::VLineOnHicann;
use crate::layer1::switches::SwitchRow;
use proptest::prelude::*;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use std::collections::BTreeSet;

fn hicann(x: u8, y: u8) -> HicannOnWafer {
    HicannOnWafer::new(x, y).unwrap()
}
fn hl(l: u8) -> HLineOnHicann {
    HLineOnHicann::new(l).unwrap()
}
fn vl(l: u16) -> VLineOnHicann {
    VLineOnHicann::new(l).unwrap()
}
fn driver(l: u8) -> SynapseDriverOnHicann {
    SynapseDriverOnHicann::new(l).unwrap()
}

const OUT_OWN: RepeaterMode = RepeaterMode::Output {
    own_line: true,
    west_line: false,
};

/// Centre HICANN C = (18, 7), sending repeater 0 on hline 6 -> vline 28 (left: 31 - 6/2) -> the left
/// switch row 113 (bottom-left, odd line: it feeds the west neighbour's right driver 113, halco's rule);
/// and east over the east neighbour E's repeater of its hline 8 -> vline 132 (128 + 8/2) -> E's local
/// right row 12.
fn route() -> (L1Network, SendingRepeater) {
    let c = hicann(18, 7);
    let e = hicann(19, 7);
    let mut net = L1Network::default();
    net.hicann_mut(c).repeaters.set(Line::H(hl(6)), OUT_OWN);
    // Vline 28: xm = 7; bottom-left rows have ym = 7 - xm = 0: lines 112, 113, 128, ...
    join(&mut net, c, (6, 28), (Side::Left, 113));
    let inward = RepeaterMode::Forward(Flow::Inward);
    net.hicann_mut(e).repeaters.set(Line::H(hl(8)), inward);
    // Vline 132: xm = 1; top-right rows have ym = 7 - xm = 6: lines 12, 13, 28, ...; 12 is even, so
    // a local right driver.
    join(&mut net, e, (8, 132), (Side::Right, 12));
    (
        net,
        SendingRepeater {
            hicann: c,
            index: 0,
        },
    )
}

/// Closes the crossbar switch (hline, vline) of `h` and the synapse switch of that vline in `row`.
fn join(
    net: &mut L1Network,
    h: HicannOnWafer,
    (hline, vline): (u8, u16),
    (side, line): (Side, u8),
) {
    let cfg = net.hicann_mut(h);
    cfg.crossbar.set(hl(hline), vl(vline), true).unwrap();
    let row = SwitchRow { side, line };
    cfg.synapse_switches.set(row, vl(vline), true).unwrap();
}

#[test]
fn an_event_reaches_exactly_the_switched_drivers() {
    let (net, s) = route();
    let defects = Defects::default();
    net.check(&defects).unwrap();
    let fan = net.fan_out(&defects, s);
    let got: Vec<_> = fan
        .drivers
        .iter()
        .map(|r| (r.hicann, r.driver, r.hops))
        .collect();
    // Bottom-left row 113 of C: driver 113 is a right driver (bottom half, odd), so it is the west
    // neighbour's; one edge crossed.
    let want = vec![
        (hicann(17, 7), driver(113), 1),
        (hicann(19, 7), driver(12), 1),
    ];
    assert_eq!(got, want);
    let timing = L1Timing::default();
    // 64.44 ns + 3.97 ns = 68.41 ns, to the tick.
    assert_eq!(
        timing.latency(1),
        HwTime::from_seconds(64.44e-9) + HwTime::from_seconds(3.97e-9)
    );
    assert_eq!(timing.latency(0).0, (64.44 * 63.0_f64).round() as u64);
}

#[test]
fn an_idle_repeater_stops_the_bus() {
    let (mut net, s) = route();
    let e = hicann(19, 7);
    net.hicann_mut(e)
        .repeaters
        .set(Line::H(hl(8)), RepeaterMode::Forward(Flow::Outward));
    let fan = net.fan_out(&Defects::default(), s);
    assert_eq!(
        fan.drivers.len(),
        1,
        "only the driver on C's own side is left"
    );
}

#[test]
fn a_defective_bus_carries_nothing() {
    let (net, s) = route();
    let e = hicann(19, 7);
    let dead_line = format!(
        r#"{{"hicanns": [{{"hicann": {}, "hlines": [8]}}]}}"#,
        e.to_enum()
    );
    let fan = net.fan_out(&Defects::from_json(&dead_line).unwrap(), s);
    assert!(fan.drivers.iter().all(|r| r.hicann != e));
    assert!(fan.lines.iter().all(|&(h, _)| h != e));
    // A dead HICANN east of E makes E's even hlines (bridged by that neighbour) unusable.
    let beyond = hicann(20, 7);
    let dead = format!(r#"{{"dead_hicanns": [{}]}}"#, beyond.to_enum());
    let fan = net.fan_out(&Defects::from_json(&dead).unwrap(), s);
    assert!(fan.drivers.iter().all(|r| r.hicann != e));
    // A dead source HICANN sends nothing.
    let dead = format!(r#"{{"dead_hicanns": [{}]}}"#, s.hicann.to_enum());
    assert_eq!(
        net.fan_out(&Defects::from_json(&dead).unwrap(), s),
        FanOut::default()
    );
    // A dead driver is not reached.
    let dead = format!(
        r#"{{"hicanns": [{{"hicann": {}, "synapse_drivers": [12]}}]}}"#,
        e.to_enum()
    );
    assert_eq!(
        net.fan_out(&Defects::from_json(&dead).unwrap(), s)
            .drivers
            .len(),
        1
    );
}

#[test]
fn two_sources_on_one_line_and_two_rows_on_one_driver_are_refused() {
    // C's sending repeater 0 (hline 6) forwarded east three times lands on hline 12 of (21, 7); the
    // sending repeater 1 of (22, 7) (its hline 14, left edge) can drive that same wire westwards.
    let (mut net, s) = route();
    for (step, line) in [(1u8, 8u8), (2, 10), (3, 12)] {
        let h = hicann(18 + step, 7);
        net.hicann_mut(h)
            .repeaters
            .set(Line::H(hl(line)), RepeaterMode::Forward(Flow::Inward));
    }
    assert!(net.check(&Defects::default()).is_ok());
    let (near, far) = (hicann(21, 7), hicann(22, 7));
    let reached = net.fan_out(&Defects::default(), s).lines;
    assert!(reached.contains(&(near, Line::H(hl(12)))));
    let west_only = RepeaterMode::Output {
        own_line: false,
        west_line: true,
    };
    net.hicann_mut(far)
        .repeaters
        .set(Line::H(hl(14)), west_only);
    let err = net.check(&Defects::default()).unwrap_err().to_string();
    assert!(
        err.contains(&near.to_string()) && err.contains("horizontal line 12"),
        "{err}"
    );

    // Two rows feeding one driver: C's right row 12 is local (driver 12 right), and E's left row 12
    // is foreign, feeding the west neighbour's (C's) right driver 12.
    let (mut net, _) = route();
    let c = hicann(18, 7);
    let e = hicann(19, 7);
    let rows = |side| SwitchRow { side, line: 12 };
    let v_c = rows(Side::Right).vlines()[0];
    let v_e = rows(Side::Left).vlines()[0];
    net.hicann_mut(c)
        .synapse_switches
        .set(rows(Side::Right), v_c, true)
        .unwrap();
    assert!(net.check(&Defects::default()).is_ok());
    net.hicann_mut(e)
        .synapse_switches
        .set(rows(Side::Left), v_e, true)
        .unwrap();
    let err = net.check(&Defects::default()).unwrap_err().to_string();
    assert!(
        err.contains("HICANN 174") && err.contains("synapse driver 12"),
        "{err}"
    );
}

#[test]
fn a_saturated_bus_loses_events_and_counts_them() {
    // 125 M events/s is one event per 8 ns; events every 4 ns: every second one is lost.
    let mut bus = BusGate::new(BUS_MAX_EVENT_RATE_HZ);
    let carried = (0..100)
        .filter(|&i| bus.offer(HwTime::from_ns(4 * i)))
        .count();
    assert_eq!(carried, 50);
    assert_eq!(
        bus.counters,
        BusCounters {
            events: 50,
            lost_saturated: 50
        }
    );
    // At 10 ns spacing nothing is lost.
    let mut bus = BusGate::new(BUS_MAX_EVENT_RATE_HZ);
    assert!((0..100).all(|i| bus.offer(HwTime::from_ns(10 * i))));
}

/// The wiring written out from the spec's formulas, for the brute-force walk.
mod rules {
    /// Vlines of hline h (§3.2), found by scanning every vline with the per-vline formula.
    pub fn crossbar(h: u8) -> Vec<u16> {
        (0..256u16)
            .filter(|&v| {
                let k = if v < 128 { (63 + 128 - v) % 32 } else { v % 32 };
                u16::from(h / 2) == k
            })
            .collect()
    }

    /// Switch rows (left?, line) of vline v (§3.3: (n div 2) 16 + n mod 2 + 2 ((v mod 32) div 4),
    /// bottom mirrored 223 - ..., right half mirrored 255 - v).
    pub fn rows(v: u16) -> Vec<(bool, u8)> {
        let left = v < 128;
        let w = if left { v } else { 255 - v };
        let mut rows = Vec::new();
        for n in 0..14u16 {
            let top = (n / 2) * 16 + n % 2 + 2 * ((w % 32) / 4);
            rows.push((left, top as u8));
            rows.push((left, (223 - top) as u8));
        }
        rows
    }

    /// The grid step to the HICANN of the driver that row (left?, line) feeds, `None` for this HICANN
    /// (§2.7, §3.3).
    pub fn row_target(left: bool, line: u8) -> Option<(i8, i8)> {
        let top = line < 112;
        let driver_left = if top {
            line % 2 == 1
        } else {
            line.is_multiple_of(2)
        };
        if driver_left == left {
            None
        } else {
            Some((if left { -1 } else { 1 }, 0))
        }
    }
}

/// Brute-force fixpoint of (HICANN, line) -> hops and drivers reached, from the spec's rules.
fn brute_force(
    net: &L1Network,
    sw: &Generated,
    src: SendingRepeater,
) -> BTreeSet<(usize, u8, u32)> {
    // Nodes: (x, y, is_vertical, index).
    type Node = (u8, u8, bool, u16);
    let mut dist: HashMap<Node, u32> = HashMap::new();
    let (sx, sy) = (src.hicann.x(), src.hicann.y());
    let line = 6 + 8 * u16::from(src.index);
    let RepeaterMode::Output {
        own_line,
        west_line,
    } = net.hicann(src.hicann).repeaters.sending(src.index)
    else {
        unreachable!()
    };
    if own_line && !sw.dead.contains(&(sx, sy, false, line)) {
        dist.insert((sx, sy, false, line), 0);
    }
    if west_line && HicannOnWafer::new(sx - 1, sy).is_some() {
        let west = (sx - 1, sy, false, (line + 62) % 64);
        if !sw.dead.contains(&west) {
            dist.insert(west, 1);
        }
    }
    let mode = |x: u8, y: u8, vertical: bool, l: u16| {
        let h = hicann(x, y);
        let line = if vertical {
            Line::V(vl(l))
        } else {
            Line::H(hl(l as u8))
        };
        net.hicann(h).repeaters.mode(line)
    };
    let fwd = |m: RepeaterMode, f: Flow| m == RepeaterMode::Forward(f);
    loop {
        let mut changed = false;
        let snapshot: Vec<(Node, u32)> = dist.iter().map(|(&n, &d)| (n, d)).collect();
        for ((x, y, vertical, l), d) in snapshot {
            let mut next: Vec<(Node, u32)> = Vec::new();
            if !vertical {
                for &(cx, cy, h, v) in &sw.crossbar {
                    if (cx, cy, h) == (x, y, l as u8) {
                        next.push(((x, y, true, v), d));
                    }
                }
                // East: the bridge is ours (odd line, right edge) or the east neighbour's (even).
                if HicannOnWafer::new(x + 1, y).is_some() {
                    let there = (l + 2) % 64;
                    let ok = if l % 2 == 1 {
                        fwd(mode(x, y, false, l), Flow::Outward)
                    } else {
                        fwd(mode(x + 1, y, false, there), Flow::Inward)
                    };
                    if ok {
                        next.push(((x + 1, y, false, there), d + 1));
                    }
                }
                if x > 0 && HicannOnWafer::new(x - 1, y).is_some() {
                    let there = (l + 62) % 64;
                    let ok = if l % 2 == 0 {
                        fwd(mode(x, y, false, l), Flow::Outward)
                    } else {
                        fwd(mode(x - 1, y, false, there), Flow::Inward)
                    };
                    if ok {
                        next.push(((x - 1, y, false, there), d + 1));
                    }
                }
            } else {
                for &(cx, cy, h, v) in &sw.crossbar {
                    if (cx, cy, v) == (x, y, l) {
                        next.push(((x, y, false, u16::from(h)), d));
                    }
                }
                let top_repeater = if l < 128 { l % 2 == 1 } else { l % 2 == 0 };
                let (north, south) = if l < 128 {
                    ((l + 2) % 128, (l + 126) % 128)
                } else {
                    (128 + (l - 128 + 126) % 128, 128 + (l - 128 + 2) % 128)
                };
                if y > 0 && HicannOnWafer::new(x, y - 1).is_some() {
                    let ok = if top_repeater {
                        fwd(mode(x, y, true, l), Flow::Outward)
                    } else {
                        fwd(mode(x, y - 1, true, north), Flow::Inward)
                    };
                    if ok {
                        next.push(((x, y - 1, true, north), d + 1));
                    }
                }
                if HicannOnWafer::new(x, y + 1).is_some() {
                    let ok = if !top_repeater {
                        fwd(mode(x, y, true, l), Flow::Outward)
                    } else {
                        fwd(mode(x, y + 1, true, south), Flow::Inward)
                    };
                    if ok {
                        next.push(((x, y + 1, true, south), d + 1));
                    }
                }
            }
            for (n, nd) in next {
                if sw.dead.contains(&n) {
                    continue;
                }
                if dist.get(&n).is_none_or(|&old| nd < old) {
                    dist.insert(n, nd);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut reached: HashMap<(usize, u8), u32> = HashMap::new();
    for (&(x, y, vertical, l), &d) in &dist {
        if !vertical {
            continue;
        }
        for &(cx, cy, left, row, v) in &sw.synapse {
            if (cx, cy, v) != (x, y, l) {
                continue;
            }
            assert!(rules::rows(v).contains(&(left, row)));
            let (tx, ty, hops) = match rules::row_target(left, row) {
                None => (x, y, d),
                Some((dx, dy)) => ((x as i8 + dx) as u8, (y as i8 + dy) as u8, d + 1),
            };
            if let Some(t) = HicannOnWafer::new(tx, ty) {
                let e = reached.entry((t.to_enum(), row)).or_insert(hops);
                *e = (*e).min(hops);
            }
        }
    }
    reached.into_iter().map(|((h, r), d)| (h, r, d)).collect()
}

/// Switch settings of a random configuration as the test chose them: crossbar (x, y, hline, vline) and
/// synapse switches (x, y, left?, row line, vline), and the dead lines (x, y, vertical?, line).
struct Generated {
    crossbar: Vec<(u8, u8, u8, u16)>,
    synapse: Vec<(u8, u8, bool, u8, u16)>,
    dead: BTreeSet<(u8, u8, bool, u16)>,
}

impl Generated {
    /// The dead lines as a defects file.
    fn defects(&self) -> Defects {
        let entries: Vec<String> = self
            .dead
            .iter()
            .map(|&(x, y, vertical, l)| {
                let field = if vertical { "vlines" } else { "hlines" };
                format!(
                    r#"{{"hicann": {}, "{field}": [{l}]}}"#,
                    hicann(x, y).to_enum()
                )
            })
            .collect();
        Defects::from_json(&format!(r#"{{"hicanns": [{}]}}"#, entries.join(","))).unwrap()
    }
}

/// A random configuration on the 5 x 5 HICANNs around (18, 7): every line switched where the default
/// exclusiveness limits allow, random repeater modes, a few dead lines.
fn generate(seed: u64) -> (L1Network, Generated, SendingRepeater) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut pick = |n: u64| (rng.next_u64() % n) as usize;
    let mut net = L1Network::default();
    let mut sw = Generated {
        crossbar: Vec::new(),
        synapse: Vec::new(),
        dead: BTreeSet::new(),
    };
    for x in 16..=20u8 {
        for y in 5..=9u8 {
            let h = hicann(x, y);
            let modes = [
                RepeaterMode::Idle,
                RepeaterMode::Forward(Flow::Inward),
                RepeaterMode::Forward(Flow::Outward),
            ];
            for l in 0..64u8 {
                net.hicann_mut(h)
                    .repeaters
                    .set(Line::H(hl(l)), modes[pick(3)]);
            }
            for l in 0..256u16 {
                net.hicann_mut(h)
                    .repeaters
                    .set(Line::V(vl(l)), modes[pick(3)]);
            }
            // About one line in 30 is blacklisted.
            for l in 0..320u16 {
                if pick(30) == 0 {
                    let (vertical, line) = if l < 64 { (false, l) } else { (true, l - 64) };
                    sw.dead.insert((x, y, vertical, line));
                }
            }
            let mut vline_used = [false; 256];
            for l in 0..64u8 {
                {
                    let options = rules::crossbar(l);
                    let v = options[pick(options.len() as u64)];
                    if !vline_used[usize::from(v)] {
                        vline_used[usize::from(v)] = true;
                        net.hicann_mut(h).crossbar.set(hl(l), vl(v), true).unwrap();
                        sw.crossbar.push((x, y, l, v));
                    }
                }
            }
            let mut row_used = HashMap::new();
            for v in 0..256u16 {
                {
                    let options = rules::rows(v);
                    let (left, line) = options[pick(options.len() as u64)];
                    if row_used.insert((left, line), ()).is_none() {
                        let side = if left { Side::Left } else { Side::Right };
                        let row = SwitchRow { side, line };
                        net.hicann_mut(h)
                            .synapse_switches
                            .set(row, vl(v), true)
                            .unwrap();
                        sw.synapse.push((x, y, left, line, v));
                    }
                }
            }
        }
    }
    let index = pick(8) as u8;
    let src = SendingRepeater {
        hicann: hicann(18, 7),
        index,
    };
    let (own_line, west_line) = [(true, false), (false, true), (true, true)][pick(3)];
    let mode = RepeaterMode::Output {
        own_line,
        west_line,
    };
    net.hicann_mut(src.hicann)
        .repeaters
        .set(Line::H(HLineOnHicann::of_sending_repeater(index)), mode);
    (net, sw, src)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn fan_out_equals_a_brute_force_walk(seed in any::<u64>()) {
        let (net, sw, src) = generate(seed);
        let got: BTreeSet<(usize, u8, u32)> = net
            .fan_out(&sw.defects(), src)
            .drivers
            .iter()
            .map(|r| (r.hicann.to_enum(), r.driver.line(), r.hops))
            .collect();
        prop_assert_eq!(got, brute_force(&net, &sw, src));
    }
}
