//! Synapses into rows and columns (marocco `SynapseRouting`, spec §6.3): the synapses one bus brings to
//! one HICANN, after [`super::drivers`] gave its classes their rows.
//!
//! A synapse from address a to neuron n goes into a row of its class (a's 2 MSBs, n's synaptic input) and
//! one of n's columns: the cell decodes a's 4 LSBs, so every (row, column) cell holds one synapse and a
//! neuron of c columns takes c synapses per row. Cells fill row by row, column by column, synapses in the
//! order the projections made them; what does not fit is lost to rows/addresses. A driver has one STP
//! setting ([`super::stp`]), so classes of another setting start on a fresh driver and set its STP. Unused cells keep the
//! disabling decoder ([`brainscales_emu::synapse::array::DISABLED_DECODER`]). Each row's weights are
//! quantised together (one V_gmax and divisor per row) by the caller's quantiser.

use std::collections::BTreeMap;

use brainscales_emu::coord::{HicannOnWafer, SynapseDriverOnHicann};
use brainscales_emu::defects::Defects;
use brainscales_emu::layer1::bus::HicannL1;
use brainscales_emu::synapse::array::MAX_NIBBLE;
use brainscales_emu::synapse::{RowConfig, RowInputs, SynapseConfig};

use super::drivers::{Class, Demand, attach_chain, share_rows};
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
    /// Where it sits: HICANN, row (0..448) and column of the synapse arrays.
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
    pub hicann: HicannOnWafer,
    pub neurons: &'a [NeuronSlot],
    pub synapses: &'a mut SynapseConfig,
    pub l1: &'a mut HicannL1,
    pub defects: &'a Defects,
    pub chain_length: usize,
}

/// Places the synapses `incoming` (all of one bus, arriving at `landing`) on `target`; `quantise(row,
/// the row's quadrant V_gmax, requested weights in siemens, the weight the row must reach)` chooses each
/// row's weights. Counts losses into `loss` and appends placed synapses
/// to `realised`.
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
    let columns = |n: u32| usize::from(target.neurons[n as usize].columns);
    let demands: Vec<Demand> = classes
        .iter()
        .map(|(&class, by_neuron)| Demand {
            class,
            rows: by_neuron
                .iter()
                .map(|(&n, s)| s.len().div_ceil(columns(n)))
                .max()
                .unwrap_or(0),
            synapses: by_neuron.values().map(Vec::len).sum(),
        })
        .collect();
    // A driver has one STP setting: each setting's classes take whole drivers.
    let mut rows_per_setting: BTreeMap<Option<StpKey>, usize> = BTreeMap::new();
    for d in &demands {
        *rows_per_setting.entry(d.class.stp).or_default() += d.rows;
    }
    let wanted = rows_per_setting
        .values()
        .map(|r| r.div_ceil(2))
        .sum::<usize>()
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
    let shares = share_rows(&demands, 2 * chain.len());
    let mut rows = chain
        .iter()
        .flat_map(|&line| [0, 1].map(|k| (usize::from(line), k)))
        .peekable();
    let mut setting = None;
    for ((class, by_neuron), share) in classes.iter().zip(shares) {
        // A new setting starts on a fresh driver: the half-used one's second row stays empty.
        if class.stp != setting {
            rows.next_if(|&(_, k)| k == 1);
            setting = class.stp;
        }
        let class_rows: Vec<(usize, usize)> = rows.by_ref().take(share).collect();
        if class_rows.is_empty() {
            for s in by_neuron.values().flatten() {
                loss.driver[incoming[*s].projection as usize] += 1;
            }
            continue;
        }
        // Per row: (column, synapse) in placing order.
        let mut cells: Vec<Vec<(usize, usize)>> = vec![Vec::new(); class_rows.len()];
        for (&n, synapses) in by_neuron {
            let slot = target.neurons[n as usize];
            let mut free = (0..class_rows.len())
                .flat_map(|r| slot.column_range().map(move |c| (r, usize::from(c))));
            for &s in synapses {
                match free.next() {
                    Some((r, c)) => cells[r].push((c, s)),
                    None => loss.row[incoming[s].projection as usize] += 1,
                }
            }
        }
        for (&(line, k), cells) in class_rows.iter().zip(&cells) {
            let row = 2 * line + k;
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
                row,
                target.synapses.quadrants[driver.fg_block()].v_gmax_dac,
                &requested,
                reach,
            );
            target.synapses.drivers[line].stp = class.stp.map(StpKey::config);
            target.synapses.drivers[line].rows[k] = RowConfig {
                inputs: if class.excitatory {
                    RowInputs::Excitatory
                } else {
                    RowInputs::Inhibitory
                },
                driver_decoder: [class.msb; 2],
                ..w.row
            };
            for (i, &(c, s)) in cells.iter().enumerate() {
                target
                    .synapses
                    .synapses
                    .set(row, c, w.weights[i], incoming[s].address & 0x0F)
                    .expect("a 4-bit weight and decoder in the array");
                let (level, got) = (w.weights[i], w.realised_siemens[i]);
                realised.push(Realised {
                    projection: incoming[s].projection,
                    synapse: incoming[s].synapse,
                    hicann: target.hicann,
                    row: row as u16,
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
}
