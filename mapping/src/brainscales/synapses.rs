//! Synapses into rows and columns (marocco `SynapseRouting`, spec §6.3): the synapses one bus brings to
//! one HICANN, after [`super::drivers`] gave its classes their rows.
//!
//! A synapse from address a to neuron n goes into a row (or half-row: the even or odd columns) of its
//! class (a's 2 MSBs, n's synaptic input) and one of n's columns of that half: the cell decodes a's 4
//! LSBs, so every (row, column) cell holds one synapse and a neuron of c columns takes c synapses per
//! row. Cells fill row by row, column by column, synapses in the order the projections made them; what
//! does not fit is lost to rows/addresses. A driver has one STP setting ([`super::stp`]), so classes of
//! another setting start on a fresh driver and set its STP, and half-rows are packed only on buses of one
//! setting. Unused cells keep the
//! disabling decoder ([`brainscales_emu::synapse::array::DISABLED_DECODER`]). Each row's weights are
//! quantised together (one V_gmax and divisor per row) by the caller's quantiser.

use std::collections::BTreeMap;

use brainscales_emu::coord::{HicannOnWafer, SynapseDriverOnHicann};
use brainscales_emu::defects::Defects;
use brainscales_emu::layer1::bus::HicannL1;
use brainscales_emu::synapse::array::MAX_NIBBLE;
use brainscales_emu::synapse::{RowConfig, RowInputs, SynapseConfig};

use super::drivers::{Class, Demand, attach_chain, rows_of_halves, share, share_halves};
use super::l1::Landing;
use super::place::NeuronSlot;
use super::stp::StpKey;
use super::weights::RowWeights;

/// One synapse arriving at a HICANN.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Incoming {
    pub projection: u32,
    /// Its index in the projection's synapse order.
    pub synapse: u32,
    pub bus: u32,
    pub address: u8,
    /// Index of the target neuron on the HICANN.
    pub neuron: u32,
    pub excitatory: bool,
    /// The requested weight (PyNN µS).
    pub weight_us: f64,
    /// The weight its row must reach (µS): `w_max` of a plastic synapse, else 0.
    pub reach_us: f64,
    /// Hardware siemens per µS for the target neuron ([`super::weights::weight_scale`]).
    pub scale: f64,
    /// The driver STP its projection needs ([`super::stp::key`]), `None` for a static driver.
    pub stp: Option<StpKey>,
}

/// Per projection, the synapses lost by cause.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loss {
    pub input: Vec<u64>,
    pub l1: Vec<u64>,
    pub driver: Vec<u64>,
    pub row: Vec<u64>,
}

impl Loss {
    pub fn new(projections: usize) -> Loss {
        Loss {
            input: vec![0; projections],
            l1: vec![0; projections],
            driver: vec![0; projections],
            row: vec![0; projections],
        }
    }

    /// All causes of projection `p`.
    pub fn of(&self, p: usize) -> u64 {
        self.input[p] + self.l1[p] + self.driver[p] + self.row[p]
    }
}

/// A placed synapse and its realised weight, for the weight and delay reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Realised {
    pub projection: u32,
    /// Its index in the projection's synapse order.
    pub synapse: u32,
    /// Where it sits: wafer, HICANN, row (0..448) and column of the synapse arrays.
    pub wafer: u32,
    pub hicann: HicannOnWafer,
    pub row: u16,
    pub column: u16,
    /// Hardware siemens per µS of its target ([`super::weights::weight_scale`]).
    pub scale: f64,
    /// Chip edges the bus crossed to get here.
    pub hops: u32,
    pub requested_us: f64,
    pub realised_us: f64,
    /// Above the row's strongest level: clipped to it.
    pub clipped: bool,
    /// Below level 0, which still conducts: raised to it.
    pub raised: bool,
}

/// One HICANN as its synapses are placed.
pub struct Target<'a> {
    pub wafer: u32,
    pub hicann: HicannOnWafer,
    pub neurons: &'a [NeuronSlot],
    pub synapses: &'a mut SynapseConfig,
    pub l1: &'a mut HicannL1,
    pub defects: &'a Defects,
    pub chain_length: usize,
}

/// Half-rows a class needs for one neuron of `even` even and `odd` odd columns to hold `synapses`: its
/// halves alternate even and odd.
fn halves_for(synapses: usize, even: usize, odd: usize) -> usize {
    let (mut h, mut room) = (0, 0);
    while room < synapses {
        room += if h % 2 == 0 { even } else { odd };
        h += 1;
        if h > 2 * synapses {
            break;
        }
    }
    h
}

/// How a row a class owns is set up: its driver's STP, its synaptic input and the 2-MSB decoder of each
/// column parity (`None` for a half no class uses).
#[derive(Clone, Copy)]
struct RowSetup {
    stp: Option<StpKey>,
    excitatory: bool,
    decoders: [Option<u8>; 2],
}

/// Places the synapses `incoming` (all of one bus, arriving at `landing`) on `target`; `quantise(row,
/// the row's quadrant V_gmax, requested weights in siemens, the weight the row must reach)` chooses each
/// row's weights. Counts losses into `loss` and appends placed synapses to `realised`.
///
/// Classes take whole rows when that costs no more drivers than half-rows would (and fits the chain);
/// otherwise half-row packing ([`super::drivers`]) saves the drivers for other buses.
pub fn place_bus(
    target: &mut Target,
    landing: &Landing,
    incoming: &[Incoming],
    quantise: &mut impl FnMut(usize, [u16; 4], &[f64], f64) -> RowWeights,
    loss: &mut Loss,
    realised: &mut Vec<Realised>,
) {
    let mut classes: BTreeMap<Class, BTreeMap<u32, Vec<usize>>> = BTreeMap::new();
    for (i, s) in incoming.iter().enumerate() {
        let class = Class {
            stp: s.stp,
            excitatory: s.excitatory,
            msb: s.address >> 4,
        };
        classes
            .entry(class)
            .or_default()
            .entry(s.neuron)
            .or_default()
            .push(i);
    }
    let slot = |n: u32| target.neurons[n as usize];
    let demand = |units: &dyn Fn(u32, usize) -> usize| -> Vec<Demand> {
        classes
            .iter()
            .map(|(&class, by_neuron)| Demand {
                class,
                units: by_neuron
                    .iter()
                    .map(|(&n, s)| units(n, s.len()))
                    .max()
                    .unwrap_or(0),
                synapses: by_neuron.values().map(Vec::len).sum(),
            })
            .collect()
    };
    let whole = demand(&|n, s| s.div_ceil(usize::from(slot(n).columns)));
    let halved = demand(&|n, s| {
        let even = slot(n).column_range().filter(|c| c % 2 == 0).count();
        halves_for(s, even, usize::from(slot(n).columns) - even)
    });
    let rows_whole: usize = whole.iter().map(|d| d.units).sum();
    let halves: Vec<usize> = halved.iter().map(|d| d.units).collect();
    let rows_packed = rows_of_halves(&halved, &halves);
    // A driver has one STP setting: each setting's classes take whole drivers, and half-rows are packed
    // only on a bus of one setting.
    let mut rows_per_setting: BTreeMap<Option<StpKey>, usize> = BTreeMap::new();
    for d in &whole {
        *rows_per_setting.entry(d.class.stp).or_default() += d.units;
    }
    let drivers = |rows: usize| rows.div_ceil(2);
    let drivers_whole: usize = rows_per_setting.values().map(|&r| drivers(r)).sum();
    let pack = rows_per_setting.len() == 1
        && rows_packed < rows_whole
        && (drivers(rows_packed) < drivers_whole || drivers_whole > target.chain_length);
    let wanted = if pack {
        drivers(rows_packed)
    } else {
        drivers_whole
    }
    .min(target.chain_length);
    let chain = attach_chain(
        target.l1,
        target.synapses,
        target.defects,
        target.hicann,
        landing.vline,
        wanted,
    )
    .unwrap_or_default();
    let rows = 2 * chain.len();
    // Per class its half-rows as (driver line, row of the driver, column parity), in chain order.
    let chain_rows: Vec<(usize, usize)> = chain
        .iter()
        .flat_map(|&line| [0, 1].map(|k| (usize::from(line), k)))
        .collect();
    let mut next = 0usize;
    let mut last_input = None;
    let shares = if pack {
        share_halves(&halved, rows)
    } else {
        share(&whole, rows).into_iter().map(|r| 2 * r).collect()
    };
    let mut owned: Vec<Vec<(usize, usize, usize)>> = Vec::with_capacity(classes.len());
    let mut setting = None;
    for (class, &h) in classes.keys().zip(&shares) {
        // A new STP setting starts on a fresh driver (4 half-rows), a new input or whole rows on a fresh
        // row; what the skipped half-rows leave no room for is lost.
        if class.stp != setting {
            next = next.next_multiple_of(4);
            setting = class.stp;
        }
        if !pack || last_input != Some(class.excitatory) {
            next = next.next_multiple_of(2);
        }
        let h = h.min((2 * rows).saturating_sub(next));
        if h > 0 {
            last_input = Some(class.excitatory);
        }
        owned.push(
            (next..next + h)
                .map(|u| (chain_rows[u / 2].0, chain_rows[u / 2].1, u % 2))
                .collect(),
        );
        next += h;
    }
    // Per row of the chain a class owns: its cells (column, synapse), input and 2-MSB decoders per parity.
    let mut cells: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
    let mut setup: BTreeMap<usize, RowSetup> = BTreeMap::new();
    for ((class, by_neuron), halves) in classes.iter().zip(&owned) {
        if halves.is_empty() {
            for s in by_neuron.values().flatten() {
                loss.driver[incoming[*s].projection as usize] += 1;
            }
            continue;
        }
        for &(line, k, parity) in halves {
            let row = 2 * line + k;
            setup
                .entry(row)
                .or_insert(RowSetup {
                    stp: class.stp,
                    excitatory: class.excitatory,
                    decoders: [None; 2],
                })
                .decoders[parity] = Some(class.msb);
        }
        let rows_of_class: Vec<usize> = {
            let mut r: Vec<usize> = halves.iter().map(|&(l, k, _)| 2 * l + k).collect();
            r.dedup();
            r
        };
        for (&n, synapses) in by_neuron {
            let columns = slot(n).column_range();
            let mut free = rows_of_class.iter().flat_map(|&row| {
                columns.clone().filter_map(move |c| {
                    halves
                        .iter()
                        .any(|&(l, k, p)| 2 * l + k == row && p == usize::from(c % 2))
                        .then_some((row, usize::from(c)))
                })
            });
            for &s in synapses {
                match free.next() {
                    Some((row, c)) => cells.entry(row).or_default().push((c, s)),
                    None => loss.row[incoming[s].projection as usize] += 1,
                }
            }
        }
    }
    // Rows in chain order, as they were handed out; a row a class owns is set up even if it holds none.
    for &(line, k) in &chain_rows {
        let row = &(2 * line + k);
        let Some(&RowSetup {
            stp,
            excitatory,
            decoders,
        }) = setup.get(row)
        else {
            continue;
        };
        let cells = cells.get(row).map_or(&[][..], Vec::as_slice);
        let requested: Vec<f64> = cells
            .iter()
            .map(|&(_, s)| incoming[s].weight_us * incoming[s].scale)
            .collect();
        let reach = cells
            .iter()
            .map(|&(_, s)| incoming[s].reach_us * incoming[s].scale)
            .fold(0.0, f64::max);
        let driver = SynapseDriverOnHicann::new(line as u8).expect("a chain line");
        let w = quantise(
            *row,
            target.synapses.quadrants[driver.fg_block()].v_gmax_dac,
            &requested,
            reach,
        );
        let msb = |p: usize| decoders[p].or(decoders[1 - p]).expect("a used half");
        target.synapses.drivers[line].stp = stp.map(StpKey::config);
        target.synapses.drivers[line].rows[k] = RowConfig {
            inputs: if excitatory {
                RowInputs::Excitatory
            } else {
                RowInputs::Inhibitory
            },
            driver_decoder: [msb(0), msb(1)],
            ..w.row
        };
        for (i, &(c, s)) in cells.iter().enumerate() {
            target
                .synapses
                .synapses
                .set(*row, c, w.weights[i], incoming[s].address & 0x0F)
                .expect("a 4-bit weight and decoder in the array");
            let (level, got) = (w.weights[i], w.realised_siemens[i]);
            realised.push(Realised {
                projection: incoming[s].projection,
                synapse: incoming[s].synapse,
                wafer: target.wafer,
                hicann: target.hicann,
                row: *row as u16,
                column: c as u16,
                scale: incoming[s].scale,
                hops: landing.hops,
                requested_us: incoming[s].weight_us,
                realised_us: got / incoming[s].scale,
                clipped: level == MAX_NIBBLE && requested[i] > got,
                raised: level == 0 && requested[i] < got,
            });
        }
    }
}
