//! Small wafer-image builders. They exist for the tests and the benches (`benches/wafer.rs`), not for
//! mapping: they place neurons, route a sending repeater to one synapse driver per target HICANN along
//! the shortest wiring, and write synapse rows, without any of the mapper's optimisation.
//!
//! Address plan (spec §3.6: address 0 and `0bXX0001` reserved): neuron k of a neuron block sends
//! [`neuron_address`]`(k)`, whose two MSBs are 00 for k < 14 (01 for 14 and 15); Layer-2 input sources use
//! [`INPUT_ADDRESSES`] (MSBs 10).

use crate::coord::{
    COLUMNS_PER_BLOCK, Direction, HLineOnHicann, HicannOnWafer, NeuronOnHicann, Side,
    SynapseDriverOnHicann,
};
use crate::image::{HicannImage, NeuronImage, WaferImage};
use crate::layer1::merger::{Merger, MergerMode};
use crate::layer1::repeaters::{Line, RepeaterMode};
use crate::layer1::switches::{crossbar_vlines, vline_rows};
use crate::layer2::{GbitDirection, L2Spike};
use crate::neuron::DenmemParameters;
use crate::synapse::driver::DriverMode;
use crate::synapse::{RowConfig, RowInputs};
use crate::system::{DEFAULT_ROUTE_LATENCY, L2Endpoint, L2Route};
use crate::time::{HwTime, SpeedUp};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Layer-2 input source addresses: 34..=47 (MSBs 10, none reserved).
pub const INPUT_ADDRESSES: [u8; 14] = [34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47];

/// The address of neuron `k` (0..16) of a neuron block: 2..=15, then 18, 19.
pub fn neuron_address(k: usize) -> u8 {
    assert!(
        k < 16,
        "at most 16 addressed neurons per block in this plan"
    );
    if k < 14 {
        2 + k as u8
    } else {
        18 + (k - 14) as u8
    }
}

/// A logical neuron of whole columns `first..first + columns`, firing through its top-left denmem.
pub fn neuron(first: u8, columns: u8, params: DenmemParameters) -> NeuronImage {
    let d = |x, y| NeuronOnHicann::new(x, y).expect("column below 256");
    NeuronImage {
        denmems: (u16::from(first)..u16::from(first) + u16::from(columns))
            .flat_map(|x| [(d(x as u8, 0), params), (d(x as u8, 1), params)])
            .collect(),
        firing: d(first, 0),
    }
}

/// Fills `h` with `count` neurons of `columns` whole columns each, block by block from column 0, and
/// gives each neuron's firing denmem its block address ([`neuron_address`]).
pub fn populate(h: &mut HicannImage, count: usize, columns: u8, params: DenmemParameters) {
    let per_block = usize::from(COLUMNS_PER_BLOCK / columns);
    assert!(count <= 8 * per_block, "{count} neurons do not fit");
    for i in 0..count {
        let (block, k) = (i / per_block, i % per_block);
        let first = block as u8 * COLUMNS_PER_BLOCK + k as u8 * columns;
        let n = neuron(first, columns, params);
        h.merger.outputs[n.firing.to_enum()] = Some(neuron_address(k));
        h.neurons.push(n);
    }
}

/// [`populate`]s `hicann` with `count` neurons of 2 columns, recorded on Gbit channel 0 (block 0's DNC
/// merger), each denmem of neuron k driven by a constant `ampere` (1 + 0.01 k), a little different per
/// neuron so that they do not fire in step.
pub fn recorded_senders(image: &mut WaferImage, hicann: HicannOnWafer, count: usize, ampere: f64) {
    let h = hicann_mut(image, hicann);
    populate(h, count, 2, DenmemParameters::default());
    h.gbit[0] = GbitDirection::ToDnc;
    for (k, n) in h.neurons.iter_mut().enumerate() {
        for (_, p) in &mut n.denmems {
            p.stimulus_ampere = ampere * (1.0 + 0.01 * k as f64);
        }
    }
}

/// The image of `hicann`, adding an empty one if it is not there yet.
pub fn hicann_mut(image: &mut WaferImage, hicann: HicannOnWafer) -> &mut HicannImage {
    let i = match image.hicanns.iter().position(|h| h.hicann == hicann) {
        Some(i) => i,
        None => {
            image.hicanns.push(HicannImage::empty(hicann));
            image.hicanns.len() - 1
        }
    };
    &mut image.hicanns[i]
}

/// Makes Gbit channel `channel` of `hicann` an input: the link points to the HICANN and its DNC merger
/// merges the input with the tree (slow, as a merger feeding a sending repeater must be).
pub fn open_input(image: &mut WaferImage, hicann: HicannOnWafer, channel: u8) {
    let h = hicann_mut(image, hicann);
    h.gbit[usize::from(channel)] = GbitDirection::ToHicann;
    h.merger.dnc[usize::from(channel)] = Merger {
        mode: MergerMode::Merge,
        slow: true,
    };
}

/// Routes sending repeater `repeater` of `from` to one top-half synapse driver of `to` (`from` itself or
/// its west neighbour): sets the repeater's output, closes a crossbar switch from the line to a free
/// vertical line and a synapse switch to a free local driver, which is put in L1 mode. Returns the
/// driver, or `None` if no free vertical line or driver is left. Calling it again for the same line
/// returns the driver already routed.
pub fn route(
    image: &mut WaferImage,
    from: HicannOnWafer,
    repeater: u8,
    to: HicannOnWafer,
) -> Option<SynapseDriverOnHicann> {
    let own = HLineOnHicann::of_sending_repeater(repeater);
    let line = if to == from {
        own
    } else {
        assert_eq!(
            from.neighbour(Direction::West),
            Some(to),
            "west neighbour only"
        );
        own.across(Side::Left)
    };
    let target = hicann_mut(image, to);
    let routed = target.l1.crossbar.vlines_of(line).next();
    let vline = match routed {
        Some(v) => v,
        None => {
            let free = crossbar_vlines(line).into_iter().find(|&v| {
                target.l1.crossbar.hlines_of(v).next().is_none() && free_driver(target, v).is_some()
            })?;
            target
                .l1
                .crossbar
                .set(line, free, true)
                .expect("a crossbar switch");
            free
        }
    };
    let switched = target.l1.synapse_switches.rows_of(vline).next();
    let driver = match switched {
        Some(row) => row.target().1,
        None => {
            let row = free_driver(target, vline)?;
            target
                .l1
                .synapse_switches
                .set(row, vline, true)
                .expect("a synapse switch");
            row.target().1
        }
    };
    target.synapses.drivers[usize::from(driver.line())].mode = DriverMode::L1;
    let sender = hicann_mut(image, from);
    let mode = sender.l1.repeaters.mode(Line::H(own));
    let (own_line, west_line) = match mode {
        RepeaterMode::Output {
            own_line,
            west_line,
        } => (own_line, west_line),
        _ => (false, false),
    };
    sender.l1.repeaters.set(
        Line::H(own),
        RepeaterMode::Output {
            own_line: own_line || to == from,
            west_line: west_line || to != from,
        },
    );
    Some(driver)
}

/// A switch row of `v` feeding a disabled top-half driver of this HICANN.
fn free_driver(
    h: &HicannImage,
    v: crate::coord::VLineOnHicann,
) -> Option<crate::layer1::switches::SwitchRow> {
    vline_rows(v).find(|row| {
        let (neighbour, driver) = row.target();
        neighbour.is_none()
            && driver.is_top()
            && h.synapses.drivers[usize::from(driver.line())].mode == DriverMode::Disabled
            && h.l1
                .synapse_switches
                .closed_rows()
                .all(|r| r.target().1 != driver)
    })
}

/// Configures row `k` (0, 1) of `driver` to drive `inputs`, accepting address MSBs `high[parity]`, and
/// gives every synapse of the row weight `weight` and a decoder drawn from the low nibbles of `sources`
/// (the addresses with the half-row's MSBs), seeded by `seed`.
pub fn fill_row(
    h: &mut HicannImage,
    driver: SynapseDriverOnHicann,
    k: usize,
    inputs: RowInputs,
    sources: [&[u8]; 2],
    weight: u8,
    seed: u64,
) {
    let high = sources.map(|s| s[0] >> 4);
    h.synapses.drivers[usize::from(driver.line())].rows[k] = RowConfig {
        inputs,
        driver_decoder: high,
        ..RowConfig::default()
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let row = driver.rows()[k];
    for column in 0..256 {
        let s = sources[column % 2];
        let address = s[rng.random_range(0..s.len())];
        h.synapses
            .synapses
            .set(row, column, weight, address & 0x0F)
            .expect("a synapse");
    }
}

/// Poisson spike trains of `rate_hz` (hardware) for each of `addresses` on `channel` of `hicann`, from
/// `start` to `until` (experiment time).
pub fn poisson_inputs(
    hicann: HicannOnWafer,
    channel: u8,
    addresses: &[u8],
    rate_hz: f64,
    until: HwTime,
    seed: u64,
) -> Vec<L2Spike> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let isi = Exp::new(rate_hz).expect("a positive rate");
    let mut out = Vec::new();
    for &address in addresses {
        let mut t = 0.0;
        loop {
            t += isi.sample(&mut rng);
            let time = HwTime::from_seconds(t);
            if time >= until {
                break;
            }
            out.push(L2Spike {
                hicann,
                channel,
                address,
                time,
            });
        }
    }
    out
}

/// Settings of [`recurrent_network`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recurrent {
    /// Logical neurons per HICANN (4 denmems each; at most 128).
    pub neurons: usize,
    /// Poisson rate per input source, in biological Hz.
    pub input_rate_bio_hz: f64,
    pub input_weight: u8,
    pub recurrent_weight: u8,
    /// Length of the input trains, experiment hardware time.
    pub duration: HwTime,
    pub seed: u64,
}

impl Recurrent {
    /// The small setting of the tests: 32 neurons per HICANN, 25 Hz biological input of weight 6,
    /// recurrent weight 2, 10 µs of input.
    pub fn small(seed: u64) -> Recurrent {
        Recurrent {
            neurons: 32,
            input_rate_bio_hz: 25.0,
            input_weight: 6,
            recurrent_weight: 2,
            duration: HwTime::from_ns(10_000),
            seed,
        }
    }
}

/// A recurrent network over `hicanns` at 10^4: each HICANN holds `neurons` neurons of 4 denmems; Gbit
/// channels 0..4 record blocks 0..4, channels 4..8 carry Poisson input ([`INPUT_ADDRESSES`]) into DNC
/// mergers 4..8. Every sending repeater drives one driver on its own HICANN and one on its west
/// neighbour (if that is in the list): row 0 excitatory from the bus' input sources, row 1 inhibitory
/// from the bus' neurons, so the recurrent traffic is inhibitory and the input sets the rate.
pub fn recurrent_network(hicanns: &[HicannOnWafer], r: Recurrent) -> WaferImage {
    let mut image = WaferImage::new(SpeedUp::Normal, r.seed);
    let params = DenmemParameters::default();
    for &h in hicanns {
        populate(hicann_mut(&mut image, h), r.neurons, 2, params);
        for channel in 0..8u8 {
            if channel < 4 {
                hicann_mut(&mut image, h).gbit[usize::from(channel)] = GbitDirection::ToDnc;
            } else {
                open_input(&mut image, h, channel);
            }
        }
    }
    let neurons: Vec<u8> = (0..14).map(neuron_address).collect();
    let rate_hw = r.input_rate_bio_hz * SpeedUp::Normal.factor();
    for &h in hicanns {
        let west = h.neighbour(Direction::West).filter(|w| hicanns.contains(w));
        for repeater in 0..8u8 {
            for to in std::iter::once(h).chain(west) {
                let Some(driver) = route(&mut image, h, repeater, to) else {
                    continue;
                };
                let seed = r.seed ^ (h.to_enum() as u64) << 16 ^ u64::from(driver.line()) << 8;
                let target = hicann_mut(&mut image, to);
                let inputs = &INPUT_ADDRESSES[..];
                fill_row(
                    target,
                    driver,
                    0,
                    RowInputs::Excitatory,
                    [inputs, inputs],
                    r.input_weight,
                    seed,
                );
                fill_row(
                    target,
                    driver,
                    1,
                    RowInputs::Inhibitory,
                    [&neurons, &neurons],
                    r.recurrent_weight,
                    seed + 1,
                );
            }
        }
        for channel in 4..8u8 {
            let seed = r.seed ^ (h.to_enum() as u64) << 20 ^ u64::from(channel);
            let trains = poisson_inputs(h, channel, &INPUT_ADDRESSES, rate_hw, r.duration, seed);
            image.inputs.extend(trains);
        }
    }
    image
}

/// Routes between two wafers (0 and 1) of a [`recurrent_network`] each: every wafer's 14 neuron addresses,
/// recorded on channel 0 of `from`, drive input channel 4 of `to` on the other wafer.
pub fn cross_routes(from: HicannOnWafer, to: HicannOnWafer) -> Vec<L2Route> {
    (0..2u32)
        .flat_map(|wafer| {
            (0..14).map(move |k| L2Route {
                source: L2Endpoint {
                    wafer,
                    hicann: from,
                    channel: 0,
                    address: neuron_address(k),
                },
                target: L2Endpoint {
                    wafer: 1 - wafer,
                    hicann: to,
                    channel: 4,
                    address: INPUT_ADDRESSES[k],
                },
                latency: DEFAULT_ROUTE_LATENCY,
            })
        })
        .collect()
}
