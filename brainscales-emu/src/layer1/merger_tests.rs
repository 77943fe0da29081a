//! Tests of the clocked output path: unloaded latency per tree path, encoder losses under bursts, round
//! robin, backpressure, Layer-2 input, background events, configuration checks, and conservation.

use super::*;
use crate::coord::HLineOnHicann;
use crate::layer1::repeaters::{Line, RepeaterMode};
use proptest::prelude::*;

/// 125 MHz: 8 ns per cycle.
fn cycles(n: u64) -> HwTime {
    HwTime::from_ns(8 * n)
}

fn denmem(x: u8, y: u8) -> NeuronOnHicann {
    NeuronOnHicann::new(x, y).unwrap()
}

fn spike(cycle: u64, x: u8) -> NeuronSpike {
    NeuronSpike {
        time: cycles(cycle),
        denmem: denmem(x, 0),
    }
}

/// Default tree with every denmem's address = its column mod 64.
fn config() -> MergerConfig {
    let mut cfg = MergerConfig::default();
    for (n, out) in cfg.outputs.iter_mut().enumerate() {
        *out = Some((n % 64) as u8);
    }
    cfg
}

fn run(
    cfg: MergerConfig,
    spikes: &[NeuronSpike],
    l2: &[L2Input],
    until: u64,
) -> (Vec<DncEvent>, MergerCounters) {
    let mut path = OutputPath::new(cfg);
    let mut out = Vec::new();
    path.run(spikes, l2, cycles(until), &mut out);
    (out, path.counters)
}

#[test]
fn unloaded_latency_is_two_cycles_per_stage_on_the_tree_path() {
    // Default (one on one): block 0 passes encoder, background merger 0, DNC merger 0 = 3 stages;
    // block 3 passes encoder, mergers 3, L0_1, L1_0, L2_0 and DNC merger 3 = 6 stages.
    let (out, _) = run(config(), &[spike(0, 5)], &[], 100);
    assert_eq!(
        out,
        vec![DncEvent {
            time: cycles(6),
            dnc_merger: 0,
            address: 5,
            queued: HwTime(0)
        }]
    );
    let (out, _) = run(config(), &[spike(10, 96 + 7)], &[], 100);
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].time, out[0].dnc_merger, out[0].address),
        (cycles(22), 3, 39)
    );
    // A spike between clock edges waits for the next edge.
    let (out, _) = run(
        config(),
        &[NeuronSpike {
            time: HwTime::from_ns(1),
            denmem: denmem(0, 0),
        }],
        &[],
        100,
    );
    assert_eq!(out[0].time, cycles(7));
}

#[test]
fn a_synchronous_burst_keeps_only_the_lowest_input() {
    // All 64 denmems of block 0 in one cycle: input 0 (top, column 0) wins, 63 are lost.
    let spikes: Vec<NeuronSpike> = (0..32u8)
        .flat_map(|x| {
            [0, 1].map(|y| NeuronSpike {
                time: cycles(0),
                denmem: denmem(x, y),
            })
        })
        .collect();
    let (out, counters) = run(config(), &spikes, &[], 100);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].address, 0);
    assert_eq!(counters.pe_collisions[0], 63);
}

#[test]
fn a_burst_faster_than_the_encoder_overwrites_waiting_spikes() {
    // One spike per cycle for n cycles: the encoder starts one every 2 cycles (the even cycles); a spike
    // waiting when the next arrives is overwritten; the last one waits and is sent. n = 11: starts at
    // 0, 2, .., 10 = 6 sent, 5 lost. n = 10: 5 starts + the last (cycle 9) = 6 sent, 4 lost.
    for (n, sent, lost) in [(11u64, 6usize, 5u64), (10, 6, 4)] {
        let spikes: Vec<NeuronSpike> = (0..n).map(|c| spike(c, c as u8)).collect();
        let (out, counters) = run(config(), &spikes, &[], 200);
        assert_eq!(out.len(), sent, "n {n}");
        assert_eq!(counters.pe_overwritten[0], lost, "n {n}");
    }
}

/// Blocks 0 and 1 merged in L0_0 (merger 8) onto DNC merger 1; DNC merger 0 takes only Layer 2, so
/// block 0's events are not also sent there.
fn two_on_one(dnc_slow: bool) -> MergerConfig {
    let mut cfg = config();
    cfg.tree[8].mode = MergerMode::Merge;
    cfg.dnc[0].mode = MergerMode::LeftOnly;
    cfg.dnc[1].slow = dnc_slow;
    cfg
}

/// `n` spikes of denmem 3 (block 0) and of denmem 36 (block 1), together every 2 cycles.
fn paired(n: u64) -> Vec<NeuronSpike> {
    (0..n)
        .flat_map(|k| [spike(2 * k, 3), spike(2 * k, 36)])
        .collect()
}

#[test]
fn merging_takes_turns() {
    // Both blocks send one event every 2 cycles at the same cycles; merger 8 and a fast DNC merger take
    // one per cycle, so nothing is lost and the output alternates, left (block 0) first.
    let (out, counters) = run(two_on_one(false), &paired(8), &[], 200);
    let addresses: Vec<u8> = out
        .iter()
        .filter(|e| e.dnc_merger == 1)
        .map(|e| e.address)
        .collect();
    assert_eq!(addresses, [3, 36].repeat(8));
    assert_eq!(counters.pe_overwritten, [0; 8]);
}

#[test]
fn a_slow_dnc_merger_backs_up_and_the_encoders_lose() {
    // Same input into a slow DNC merger: it takes one event per 2 cycles, half the offered rate; the
    // rest backs up and is lost at the encoders; every spike is either sent or counted.
    let (out, counters) = run(two_on_one(true), &paired(50), &[], 1000);
    let lost: u64 = counters.pe_overwritten.iter().sum();
    assert_eq!(out.len() as u64 + lost, 100);
    // During the 100-cycle burst one event per 2 cycles passes (50); what the path held when it ended
    // drains afterwards: at most its storage, 2 encoders x 2 + 3 mergers x (2 latches + 2 in the pipe)
    // + the DNC merger's right latch and pipe (3) = 19.
    assert!((50..=69).contains(&out.len()), "{}", out.len());
    // Throughput bound: at most one event per 2 cycles leaves DNC merger 1 (times strictly 2 apart).
    assert!(
        out.windows(2)
            .all(|w| w[1].time.0 - w[0].time.0 >= cycles(2).0)
    );
    assert!(out.iter().any(|e| e.queued > HwTime(0)));
}

#[test]
fn layer2_input_enters_its_dnc_merger() {
    let mut cfg = config();
    cfg.dnc[7].mode = MergerMode::Merge;
    let l2 = [L2Input {
        time: cycles(3),
        dnc_merger: 7,
        address: 42,
    }];
    let (out, counters) = run(cfg, &[], &l2, 100);
    assert_eq!(
        out,
        vec![DncEvent {
            time: cycles(5),
            dnc_merger: 7,
            address: 42,
            queued: HwTime(0)
        }]
    );
    assert_eq!(counters.emitted[7], 1);
    // The default DNC merger takes only the tree: the L2 event is dropped by configuration, counted.
    let (out, counters) = run(config(), &[], &l2, 100);
    assert!(out.is_empty());
    assert_eq!(counters.unrouted_l2[7], 1);
}

#[test]
fn background_events_flow_at_their_rate() {
    // Period 124 -> one event per 125 cycles, address 0, through background merger 2 onto DNC merger 2.
    let mut cfg = config();
    cfg.background[2] = BackgroundGenerator {
        enable: true,
        period: 124,
        ..BackgroundGenerator::default()
    };
    let (out, _) = run(cfg, &[], &[], 125 * 10 + 10);
    assert_eq!(out.len(), 10);
    assert!(out.iter().all(|e| e.dnc_merger == 2 && e.address == 0));
    assert_eq!(out[0].time, cycles(125 + 4));
}

#[test]
fn configuration_rules_of_8_2() {
    let h = HicannOnWafer::new(18, 7).unwrap();
    let mut reps = Repeaters::default();
    assert!(config().check(h, &reps).is_ok());
    // DNC merger 0 feeds sending repeater 7 (hline 62): it must be slow.
    reps.set(
        Line::H(HLineOnHicann::of_sending_repeater(7)),
        RepeaterMode::Output {
            own_line: true,
            west_line: false,
        },
    );
    let mut cfg = config();
    assert!(cfg.check(h, &reps).is_ok());
    cfg.dnc[0].slow = false;
    let err = cfg.check(h, &reps).unwrap_err().to_string();
    assert!(
        err.contains("HICANN 174") && err.contains("DNC merger 0"),
        "{err}"
    );
    // L0_0 merging under L1_0 taking only its left input (L0_0) breaks the handshake.
    let mut cfg = config();
    cfg.tree[8].mode = MergerMode::Merge;
    cfg.tree[12].mode = MergerMode::LeftOnly;
    let err = cfg.check(h, &Repeaters::default()).unwrap_err().to_string();
    assert!(err.contains("tree merger 8"), "{err}");
    cfg.tree[12].mode = MergerMode::RightOnly;
    assert!(cfg.check(h, &Repeaters::default()).is_ok());
    let mut cfg = config();
    cfg.outputs[3] = Some(64);
    assert!(
        cfg.check(h, &Repeaters::default())
            .unwrap_err()
            .to_string()
            .contains("denmem 3")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// Every spike of an enabled denmem is sent or counted lost, whatever the timing and tree.
    #[test]
    fn every_spike_is_sent_or_counted(
        raw in proptest::collection::vec((0u64..400, 0u8..=255, 0u8..2), 0..300),
        merge_all in any::<bool>(),
        slow in any::<bool>(),
    ) {
        let mut cfg = config();
        if merge_all {
            cfg.tree = [Merger { mode: MergerMode::Merge, slow }; TREE_MERGERS];
            cfg.dnc = [Merger { mode: MergerMode::LeftOnly, slow }; DNC_MERGERS];
            cfg.dnc[3].mode = MergerMode::RightOnly;
        }
        let mut spikes: Vec<NeuronSpike> = raw
            .iter()
            .map(|&(c, x, y)| NeuronSpike { time: cycles(c), denmem: denmem(x, y) })
            .collect();
        spikes.sort_by_key(|s| s.time);
        let (out, k) = run(cfg, &spikes, &[], 10_000);
        let lost: u64 = (0..8).map(|b| k.pe_collisions[b] + k.pe_overwritten[b] + k.unrouted_encoder[b]).sum();
        let unrouted: u64 = k.unrouted_tree.iter().sum();
        // No event is duplicated: in the merged tree the DNC mergers other than 3 take only Layer 2.
        prop_assert_eq!(out.len() as u64 + lost + unrouted, spikes.len() as u64);
    }
}

#[test]
fn blocks_reach_the_dnc_mergers_the_tree_selects() {
    // halbe's default: one block per DNC merger (sthal's `getDNCMergerOutput` topology).
    let cfg = MergerConfig::default();
    for block in 0..NEURON_BLOCKS {
        assert_eq!(
            cfg.dnc_mergers_of_block(block),
            vec![block],
            "block {block}"
        );
    }
    // Everything merged: block 0 climbs background merger 0 (DNC 0), level-1 merger 8 (DNC 1), level-2
    // merger 12 (no DNC merger) and the top merger 14 (DNC 3).
    let mut merged = MergerConfig::default();
    for m in merged.tree.iter_mut().chain(merged.dnc.iter_mut()) {
        m.mode = MergerMode::Merge;
    }
    assert_eq!(merged.dnc_mergers_of_block(0), vec![0, 1, 3]);
    // A DNC merger that takes only its Layer-2 input records no neuron.
    merged.dnc[0].mode = MergerMode::LeftOnly;
    assert_eq!(merged.dnc_mergers_of_block(0), vec![1, 3]);
}
