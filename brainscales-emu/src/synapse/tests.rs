//! Tests of the synapse block against figures computed here from the spec's formulas.

use super::driver::{DriverMode, StpConfig, StpMode};
use super::stdp::{EvaluationPattern, StdpConfig};
use super::*;
use crate::coord::{NeuronOnHicann, SynapseDriverOnHicann};
use crate::time::HwTime;
use proptest::prelude::*;

/// Driver 9 (top-left quadrant, rows 18 and 19) in L1 mode.
const LINE: u8 = 9;

fn l1_config() -> SynapseConfig {
    let mut config = SynapseConfig::default();
    config.drivers[usize::from(LINE)].mode = DriverMode::L1;
    config
}

fn driver(line: u8) -> SynapseDriverOnHicann {
    SynapseDriverOnHicann::new(line).unwrap()
}

fn collect(block: &mut SynapseBlock, line: u8, address: u8, t: HwTime) -> Vec<SynapticEvent> {
    let mut events = Vec::new();
    block.deliver(driver(line), address, t, &mut |e| events.push(e));
    events
}

#[test]
fn a_synapse_of_level_w_gives_the_trafo_jump() {
    for w in 0..16u8 {
        let mut config = l1_config();
        config.quadrants[0].v_gmax_dac[1] = 650;
        let row = &mut config.drivers[usize::from(LINE)].rows[0];
        *row = RowConfig {
            inputs: RowInputs::Excitatory,
            driver_decoder: [2, 2],
            selgmax: 1,
            gmax_div: 4,
        };
        config.synapses.set(18, 40, w, 5).unwrap();
        let mut block = SynapseBlock::new(config).unwrap();
        let events = collect(&mut block, LINE, 2 << 4 | 5, HwTime::ZERO);
        let wf = f64::from(w);
        let expected =
            (93.94 + 81.34 * wf - 1.597 * wf * wf) * 1e-9 * (650.0 / 500.0) * (11.0 / 4.0);
        assert_eq!(events.len(), 1, "w = {w}");
        let e = events[0];
        assert_eq!(e.denmem, NeuronOnHicann::new(40, 0).unwrap());
        assert_eq!(e.input, SynapticInput::Excitatory);
        assert!((e.conductance_siemens - expected).abs() < 1e-18, "w = {w}");
        assert!(e.conductance_siemens > 0.0, "weight 0 still conducts");
    }
}

#[test]
fn only_the_right_address_reaches_a_synapse() {
    let mut config = l1_config();
    let rows = &mut config.drivers[usize::from(LINE)].rows;
    rows[1] = RowConfig {
        inputs: RowInputs::Both,
        driver_decoder: [1, 3],
        ..RowConfig::default()
    };
    // Row 19: column 10 (even) decodes 0b01_0111 = 23, column 11 (odd) 0b11_0111 = 55.
    config.synapses.set(19, 10, 0, 7).unwrap();
    config.synapses.set(19, 11, 0, 7).unwrap();
    let mut block = SynapseBlock::new(config).unwrap();
    // The row's other synapses sit on the disabling decoder 1, so no source has an address 0bXX0001
    // (spec §8.2 rule 7): the 60 others are tried.
    for address in (0..64u8).filter(|a| a & 0x0F != 1) {
        let events = collect(
            &mut block,
            LINE,
            address,
            HwTime::from_ns(u64::from(address)),
        );
        let columns: Vec<u8> = events.iter().map(|e| e.denmem.x()).collect();
        match address {
            23 => assert_eq!(columns, vec![10, 10]),
            55 => assert_eq!(columns, vec![11, 11]),
            _ => assert!(columns.is_empty(), "address {address} reached {columns:?}"),
        }
    }
    // Both inputs of the row get the same jump.
    let events = collect(&mut block, LINE, 23, HwTime::from_ns(100));
    assert_eq!(events[0].input, SynapticInput::Inhibitory);
    assert_eq!(events[1].input, SynapticInput::Excitatory);
    assert!((events[0].conductance_siemens - 93.94e-9).abs() < 1e-20);
    assert_eq!(block.counters().events_in, 61);
    assert_eq!(block.counters().synapses_matched, 3);
}

#[test]
fn a_synapse_on_the_unused_decoder_never_conducts() {
    // Every synapse of row 18 on the disabling decoder 1 (the default), weights 15; sources get every
    // address but 0bXX0001 (spec §8.2 rule 7).
    let mut config = l1_config();
    config.drivers[usize::from(LINE)].rows[0].inputs = RowInputs::Excitatory;
    for column in 0..256 {
        config.synapses.set(18, column, 15, 1).unwrap();
    }
    let mut block = SynapseBlock::new(config).unwrap();
    let mut reached = 0;
    for address in (0..64u8).filter(|a| a & 0x0F != 1) {
        reached += collect(&mut block, LINE, address, HwTime::ZERO).len();
    }
    assert_eq!(reached, 0);
    // Address 1 itself reaches all 256 (driver decoder 0 on both halves).
    assert_eq!(collect(&mut block, LINE, 1, HwTime::ZERO).len(), 256);
}

#[test]
fn events_at_a_driver_without_l1_input_are_counted_lost() {
    let mut config = l1_config();
    config.drivers[usize::from(LINE)].mode = DriverMode::Disabled;
    config.drivers[usize::from(LINE)].rows[0].inputs = RowInputs::Excitatory;
    config.synapses.set(18, 0, 3, 0).unwrap();
    let mut block = SynapseBlock::new(config).unwrap();
    assert!(collect(&mut block, LINE, 0, HwTime::ZERO).is_empty());
    let c = block.counters();
    assert_eq!(
        (c.events_in, c.events_no_l1_input, c.events_delivered),
        (1, 1, 0)
    );
}

#[test]
fn a_chain_delivers_to_every_enabled_driver() {
    // Chain 5 (listen), 7 (mirror only: passes, no rows), 9 (L1 mirror, the primary).
    let mut config = SynapseConfig::default();
    for (line, mode) in [
        (5, DriverMode::Listen),
        (7, DriverMode::MirrorOnly),
        (9, DriverMode::L1Mirror),
    ] {
        config.drivers[line].mode = mode;
        config.drivers[line].rows[0].inputs = RowInputs::Excitatory;
        config.synapses.set(2 * line, 3, 4, 6).unwrap();
    }
    let mut block = SynapseBlock::new(config).unwrap();
    let events = collect(&mut block, 9, 6, HwTime::ZERO);
    assert_eq!(events.len(), 2);
    assert_eq!(block.counters().synapses_matched, 2);
    // The listener takes nothing from the bus itself.
    assert!(collect(&mut block, 5, 6, HwTime::ZERO).is_empty());
}

#[test]
fn stp_scales_the_jump() {
    // Depression, cap 0 (U_SE 0.25), V_dtc 40: second event 3 us later carries
    // 1 - 0.25 exp(-3 us / tau_rec), tau_rec = 1 / (1582 * 40 + 1703) s (spec §4.2).
    let mut config = l1_config();
    let d = &mut config.drivers[usize::from(LINE)];
    d.rows[0].inputs = RowInputs::Excitatory;
    d.stp = Some(StpConfig {
        mode: StpMode::Depression,
        cap: 0,
    });
    config.quadrants[0].stp.v_dtc_dac = 40;
    config.synapses.set(18, 0, 8, 3).unwrap();
    let mut block = SynapseBlock::new(config).unwrap();
    let g0 = collect(&mut block, LINE, 3, HwTime::ZERO)[0].conductance_siemens;
    let g1 = collect(&mut block, LINE, 3, HwTime::from_ns(3000))[0].conductance_siemens;
    let tau: f64 = 1.0 / (1582.0 * 40.0 + 1703.0);
    assert!((g0 - (93.94 + 81.34 * 8.0 - 1.597 * 64.0) * 1e-9).abs() < 1e-18);
    assert!((g1 / g0 - (1.0 - 0.25 * (-3e-6 / tau).exp())).abs() < 1e-12);
}

fn row_config(dd: [u8; 2], inputs: u8) -> RowConfig {
    let inputs = [
        RowInputs::None,
        RowInputs::Inhibitory,
        RowInputs::Excitatory,
        RowInputs::Both,
    ][usize::from(inputs)];
    RowConfig {
        inputs,
        driver_decoder: dd,
        ..RowConfig::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn delivered_columns_match_brute_force(
        dd in proptest::array::uniform4(0u8..4),
        inputs in proptest::array::uniform2(0u8..4),
        decoders in proptest::collection::vec(0u8..16, 512),
        address in 0u8..64,
    ) {
        let mut config = l1_config();
        let rows = [row_config([dd[0], dd[1]], inputs[0]), row_config([dd[2], dd[3]], inputs[1])];
        config.drivers[usize::from(LINE)].rows = rows;
        for (i, &dec) in decoders.iter().enumerate() {
            config.synapses.set(18 + i / 256, i % 256, 0, dec).unwrap();
        }
        let mut block = SynapseBlock::new(config).unwrap();
        let mut got: Vec<(u8, SynapticInput)> = collect(&mut block, LINE, address, HwTime::ZERO)
            .iter()
            .map(|e| (e.denmem.x(), e.input))
            .collect();
        let mut expected = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            for c in 0..256usize {
                let hit = row.driver_decoder[c % 2] == address >> 4
                    && decoders[r * 256 + c] == address & 0xF;
                let inh = inputs[r] & 1 == 1;
                let exc = inputs[r] & 2 == 2;
                if hit && inh {
                    expected.push((c as u8, SynapticInput::Inhibitory));
                }
                if hit && exc {
                    expected.push((c as u8, SynapticInput::Excitatory));
                }
            }
        }
        got.sort_by_key(|&(c, i)| (c, i == SynapticInput::Excitatory));
        expected.sort_by_key(|&(c, i)| (c, i == SynapticInput::Excitatory));
        prop_assert_eq!(got, expected);
    }
}

// --- STDP ---

/// Local row 18 of the top array (driver 9, row 0), column 40, address 0b10_0101 = 37.
const ROW: usize = 18;
const COLUMN: u8 = 40;
const ADDRESS: u8 = 37;
const STEP_UP: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15];
const STEP_DOWN: [u8; 16] = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];

/// One L1 driver, one synapse of weight `w`, a controller visiting only row 18 every `row_time_s` (or the
/// whole array), threshold 0.5 pairings, tau 2 us, one-step LUTs.
fn stdp_block(w: u8, whole_array: bool, row_time_s: f64) -> SynapseBlock {
    let mut config = l1_config();
    config.drivers[usize::from(LINE)].rows[0] = RowConfig {
        inputs: RowInputs::Excitatory,
        driver_decoder: [2, 2],
        ..RowConfig::default()
    };
    config.synapses.set(ROW, usize::from(COLUMN), w, 5).unwrap();
    let (first_row, last_row) = if whole_array { (0, 223) } else { (18, 18) };
    config.stdp[0] = Some(StdpConfig {
        tau_s: 2e-6,
        threshold_high: 0.5,
        threshold_low: 0.5,
        causal: STEP_UP,
        acausal: STEP_DOWN,
        first_row,
        last_row,
        row_time_s,
        ..StdpConfig::default()
    });
    SynapseBlock::new(config).unwrap()
}

fn post(block: &mut SynapseBlock, ns: u64) {
    block.post_spike(NeuronOnHicann::new(COLUMN, 0).unwrap(), HwTime::from_ns(ns));
}

fn pre(block: &mut SynapseBlock, ns: u64) {
    collect(block, LINE, ADDRESS, HwTime::from_ns(ns));
}

fn weight(block: &SynapseBlock) -> u8 {
    block.arrays().weight(ROW, usize::from(COLUMN))
}

#[test]
fn one_causal_pairing_then_one_sweep_is_one_step_up() {
    let mut block = stdp_block(6, false, 10e-6);
    pre(&mut block, 1_000);
    post(&mut block, 1_400);
    let (causal, acausal) = block.stdp_charges(ROW, usize::from(COLUMN)).unwrap();
    assert!((causal - (-0.4f64 / 2.0).exp()).abs() < 1.0 / 1024.0);
    assert_eq!(acausal, 0.0);
    block.advance(HwTime::from_ns(9_999));
    assert_eq!(
        weight(&block),
        6,
        "no change before the row's update at 10 us"
    );
    block.advance(HwTime::from_ns(10_000));
    assert_eq!(weight(&block), 7);
    assert_eq!(
        block.stdp_charges(ROW, usize::from(COLUMN)),
        Some((0.0, 0.0))
    );
    block.advance(HwTime::from_ns(50_000));
    assert_eq!(weight(&block), 7, "reset charges cause no further steps");
}

/// One pairing at 1 us (pre then post `dt_ns` later if `causal`, else post then pre) on a synapse of
/// weight `w`, and the row's update at 10 us.
fn one_pairing_and_update(w: u8, causal: bool, dt_ns: u64) -> SynapseBlock {
    let mut block = stdp_block(w, false, 10e-6);
    type Spike = fn(&mut SynapseBlock, u64);
    let (first, second): (Spike, Spike) = if causal { (pre, post) } else { (post, pre) };
    first(&mut block, 1_000);
    second(&mut block, 1_000 + dt_ns);
    block.advance(HwTime::from_ns(10_000));
    block
}

#[test]
fn one_acausal_pairing_is_one_step_down() {
    assert_eq!(weight(&one_pairing_and_update(6, false, 400)), 5);
}

#[test]
fn uncorrelated_spikes_change_nothing() {
    // Pre and post 60 us apart (30 tau): the pairing charge exp(-30) rounds to nothing.
    let mut block = stdp_block(6, false, 10e-6);
    pre(&mut block, 1_000);
    post(&mut block, 61_000);
    pre(&mut block, 200_000);
    block.advance(HwTime::from_ns(400_000));
    assert_eq!(weight(&block), 6);
    assert!(block.counters().stdp_rows_processed >= 40);
}

#[test]
fn the_sweep_period_limits_how_fast_weights_change() {
    // Whole array at 1 us per row: row 18 is updated at 19 us, then every 224 us. Ten causal pairings
    // between two visits (20 us = 10 tau apart, so their acausal cross-pairings round to no charge) still
    // give one step per visit.
    let mut block = stdp_block(0, true, 1e-6);
    let period = 224_000u64;
    let visit = |k: u64| 19_000 + k * period;
    for k in 0..5u64 {
        for p in 0..10u64 {
            let t = visit(k) + 1_000 + p * 20_000;
            pre(&mut block, t);
            post(&mut block, t + 200);
        }
        block.advance(HwTime::from_ns(visit(k + 1) - 1));
        assert_eq!(weight(&block), k as u8, "unchanged until the next visit");
        block.advance(HwTime::from_ns(visit(k + 1)));
        assert_eq!(weight(&block), k as u8 + 1, "one step per visit");
    }
    // Visits at 19 us + k 224 us for k = 0..=5 and 224 rows per sweep.
    let t_end = visit(5);
    assert_eq!(block.counters().stdp_sweeps, t_end / period);
    assert_eq!(block.counters().stdp_rows_processed, t_end / 1_000);
}

#[test]
fn saturation_at_the_range_ends_is_counted() {
    let block = one_pairing_and_update(15, true, 100);
    assert_eq!(weight(&block), 15);
    assert_eq!(block.counters().weights_saturated_high, 1);
    let block = one_pairing_and_update(0, false, 100);
    assert_eq!(weight(&block), 0);
    assert_eq!(block.counters().weights_saturated_low, 1);
    assert_eq!(block.counters().weights_saturated_high, 0);
}

#[test]
fn a_single_sweep_controller_stops() {
    let mut config = SynapseConfig::default();
    config.stdp[1] = Some(StdpConfig {
        continuous: false,
        first_row: 100,
        last_row: 109,
        row_time_s: 2e-6,
        ..StdpConfig::default()
    });
    let mut block = SynapseBlock::new(config).unwrap();
    assert_eq!(block.next_stdp_update(1), Some(HwTime::from_ns(2_000)));
    block.advance(HwTime::from_ns(1_000_000));
    assert_eq!(block.counters().stdp_sweeps, 1);
    assert_eq!(block.counters().stdp_rows_processed, 10);
    assert_eq!(block.next_stdp_update(1), None);
    assert_eq!(block.next_stdp_update(0), None);
}

#[test]
fn evaluation_patterns_select_the_combined_lut() {
    // Both patterns on the causal capacitor: a causal pairing sets both bits, so the combined LUT acts.
    let mut config = l1_config();
    config.drivers[usize::from(LINE)].rows[0] = RowConfig {
        inputs: RowInputs::Excitatory,
        driver_decoder: [2, 2],
        ..RowConfig::default()
    };
    config.synapses.set(ROW, usize::from(COLUMN), 9, 5).unwrap();
    let ac = EvaluationPattern {
        ac: true,
        ..EvaluationPattern::default()
    };
    config.stdp[0] = Some(StdpConfig {
        threshold_high: 0.5,
        threshold_low: 0.5,
        patterns: [ac, ac],
        combined: [3; 16],
        first_row: 18,
        last_row: 18,
        ..StdpConfig::default()
    });
    let mut block = SynapseBlock::new(config).unwrap();
    pre(&mut block, 100);
    post(&mut block, 200);
    block.advance(HwTime::from_ns(10_000));
    assert_eq!(weight(&block), 3);
}
