//! The synapse block of one HICANN: event delivery through drivers, chains and decoders, with STP and STDP.

use super::array::{COLUMNS, ROWS, ROWS_PER_ARRAY, SynapseArrays, scan_row};
use super::chain::{Chains, DEFAULT_CHAIN_LIMIT};
use super::controller::StdpArray;
use super::driver::{RowInputs, SynapseDriver, row_conductances};
use super::stdp::StdpConfig;
use super::stp::{StpQuadrant, StpRule, StpState};
use super::{ConfigError, DEFAULT_V_GMAX_DAC, SynapseCounters};
use crate::coord::{NeuronOnHicann, SYNAPSE_DRIVERS, SynapseDriverOnHicann, SynapticInput};
use crate::time::HwTime;

/// The synapse parameters one FG block (quadrant: top-left, top-right, bottom-left, bottom-right) shares.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QuadrantParams {
    /// V_gmax0..3, floating-gate DAC 0..=1023; a row picks one by `selgmax`.
    pub v_gmax_dac: [u16; 4],
    pub stp: StpQuadrant,
}

impl Default for QuadrantParams {
    fn default() -> QuadrantParams {
        QuadrantParams {
            v_gmax_dac: [DEFAULT_V_GMAX_DAC; 4],
            stp: StpQuadrant::default(),
        }
    }
}

/// The synapse part of a HICANN's wafer image.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SynapseConfig {
    /// By driver line 0..224.
    pub drivers: Vec<SynapseDriver>,
    pub synapses: SynapseArrays,
    /// By FG block, as [`SynapseDriverOnHicann::fg_block`] numbers them.
    pub quadrants: [QuadrantParams; 4],
    /// The plasticity controller of the top (0) and bottom (1) array, if it runs.
    pub stdp: [Option<StdpConfig>; 2],
    /// Longest driver chain accepted.
    pub chain_limit: usize,
}

impl Default for SynapseConfig {
    /// Every driver disabled, every synapse on the disabling decoder, no STDP, marocco's chain limit.
    fn default() -> SynapseConfig {
        SynapseConfig {
            drivers: vec![SynapseDriver::default(); SYNAPSE_DRIVERS],
            synapses: SynapseArrays::default(),
            quadrants: [QuadrantParams::default(); 4],
            stdp: [None; 2],
            chain_limit: DEFAULT_CHAIN_LIMIT,
        }
    }
}

/// One conductance jump: `conductance_siemens` onto `input` of `denmem`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynapticEvent {
    pub denmem: NeuronOnHicann,
    pub input: SynapticInput,
    pub conductance_siemens: f64,
}

/// The synapse block of one HICANN, ready to run.
#[derive(Debug, Clone)]
pub struct SynapseBlock {
    drivers: Vec<SynapseDriver>,
    arrays: SynapseArrays,
    chains: Chains,
    /// Per row 0..448: conductance by weight (its V_gmax and gmax_div applied).
    conductances: Vec<[f64; 16]>,
    /// Per driver with STP on: its rule and per-address state.
    stp: Vec<Option<(StpRule, Box<StpState>)>>,
    stdp: [Option<Box<StdpArray>>; 2],
    counters: SynapseCounters,
}

impl SynapseBlock {
    /// Checks `config` and builds the block.
    pub fn new(config: SynapseConfig) -> Result<SynapseBlock, ConfigError> {
        let SynapseConfig {
            drivers,
            synapses,
            quadrants,
            stdp,
            chain_limit,
        } = config;
        if drivers.len() != SYNAPSE_DRIVERS {
            return Err(ConfigError::DriverCount(drivers.len()));
        }
        for (quadrant, q) in quadrants.iter().enumerate() {
            if let Some(&v) = q.v_gmax_dac.iter().find(|&&v| v > 1023) {
                return Err(ConfigError::Quadrant {
                    quadrant,
                    field: "V_gmax",
                    value: f64::from(v),
                });
            }
            q.stp.validate(quadrant)?;
        }
        for (array, c) in stdp.iter().enumerate() {
            if let Some(c) = c {
                c.validate(array)?;
            }
        }
        let mut conductances = Vec::with_capacity(ROWS);
        let mut stp_states = Vec::with_capacity(SYNAPSE_DRIVERS);
        for (line, driver) in drivers.iter().enumerate() {
            driver.validate(line as u8)?;
            let quadrant = &quadrants[SynapseDriverOnHicann::new(line as u8)
                .expect("224 drivers")
                .fg_block()];
            for row in &driver.rows {
                let v_gmax = quadrant.v_gmax_dac[usize::from(row.selgmax)];
                conductances.push(row_conductances(v_gmax, row.gmax_div));
            }
            stp_states.push(
                driver
                    .stp
                    .map(|c| (StpRule::new(c, &quadrant.stp), Box::new(StpState::new()))),
            );
        }
        let chains = Chains::build(&drivers, chain_limit)?;
        Ok(SynapseBlock {
            drivers,
            arrays: synapses,
            chains,
            conductances,
            stp: stp_states,
            stdp: stdp.map(|c| c.map(|c| Box::new(StdpArray::new(c)))),
            counters: SynapseCounters::default(),
        })
    }

    /// An event with 6-bit `address` arrives at `driver` from its synapse switch at `t` (times
    /// non-decreasing per block). For every synapse it reaches, `out` gets one [`SynapticEvent`] per input
    /// its row drives: for each enabled driver of the chain, each of its 2 rows, each column c, the synapse
    /// matches iff `driver_decoder[c % 2] == address >> 4` and `decoder == address & 0xF` (spec §2.8); the
    /// jump is the row's trafo at the synapse's weight times the driver's STP factor.
    pub fn deliver(
        &mut self,
        driver: SynapseDriverOnHicann,
        address: u8,
        t: HwTime,
        out: &mut impl FnMut(SynapticEvent),
    ) {
        debug_assert!(address < 64, "L1 addresses are 6-bit");
        self.advance(t);
        self.counters.events_in += 1;
        if !self.drivers[usize::from(driver.line())].mode.takes_l1() {
            self.counters.events_no_l1_input += 1;
            return;
        }
        self.counters.events_delivered += 1;
        let (high, low) = (address >> 4, address & 0x0F);
        for line in self.chains.reach(driver.line()) {
            let line = usize::from(line);
            let config = &self.drivers[line];
            if !config.mode.enabled() {
                continue;
            }
            let factor = match &mut self.stp[line] {
                Some((rule, state)) => state.fire(rule, address, t),
                None => 1.0,
            };
            for (k, row_config) in config.rows.iter().enumerate() {
                if row_config.inputs == RowInputs::None {
                    continue;
                }
                let row = 2 * line + k;
                let (array, local) = (row / ROWS_PER_ARRAY, row % ROWS_PER_ARRAY);
                let mut stdp = self.stdp[array].as_deref_mut();
                let previous_pre = stdp.as_mut().map(|s| s.pre_row(local, address, t));
                let table = &self.conductances[row];
                let counters = &mut self.counters;
                let inputs = row_config.inputs;
                let even = row_config.driver_decoder[0] == high;
                let odd = row_config.driver_decoder[1] == high;
                scan_row(self.arrays.row(row), low, even, odd, |column, weight| {
                    counters.synapses_matched += 1;
                    let conductance_siemens = table[usize::from(weight)] * factor;
                    let denmem = NeuronOnHicann::new(column as u8, array as u8).expect("y 0 or 1");
                    for input in [SynapticInput::Inhibitory, SynapticInput::Excitatory] {
                        if inputs.drives(input) {
                            out(SynapticEvent {
                                denmem,
                                input,
                                conductance_siemens,
                            });
                        }
                    }
                    if let (Some(s), Some(pre)) = (stdp.as_mut(), previous_pre) {
                        s.pre_synapse(local, column, pre, t, counters);
                    }
                });
            }
        }
    }

    /// `denmem` spiked at `t`: the post spike of its synapse column for STDP. A logical neuron's spike
    /// reaches all its denmems (they share the fire line, spec §2.2): call this for each of them.
    pub fn post_spike(&mut self, denmem: NeuronOnHicann, t: HwTime) {
        self.advance(t);
        let array = usize::from(denmem.y());
        let Some(stdp) = self.stdp[array].as_deref_mut() else {
            return;
        };
        let column = usize::from(denmem.x());
        let (drivers, arrays) = (&self.drivers, &self.arrays);
        let address = |local: usize| {
            let row = array * ROWS_PER_ARRAY + local;
            let high = drivers[row / 2].rows[row % 2].driver_decoder[column % 2];
            high << 4 | arrays.decoder(row, column)
        };
        stdp.post(column, t, address, &mut self.counters);
    }

    /// Runs the plasticity controllers up to `t` (the block does this itself before each event; call it at
    /// the end of a run so the last sweeps happen).
    pub fn advance(&mut self, t: HwTime) {
        for (array, stdp) in self.stdp.iter_mut().enumerate() {
            if let Some(s) = stdp.as_deref_mut()
                && s.next_update().is_some_and(|due| due <= t)
            {
                s.advance(t, self.arrays.array_mut(array), &mut self.counters);
            }
        }
    }

    pub fn counters(&self) -> &SynapseCounters {
        &self.counters
    }

    /// Weights and decoders as they are now (STDP changes weights).
    pub fn arrays(&self) -> &SynapseArrays {
        &self.arrays
    }

    /// When the controller of `array` (0 top, 1 bottom) next completes a row, if it runs.
    pub fn next_stdp_update(&self, array: usize) -> Option<HwTime> {
        self.stdp[array].as_ref().and_then(|s| s.next_update())
    }

    /// Correlation charges (causal, acausal) of a synapse in pairings, if its array runs STDP.
    pub fn stdp_charges(&self, row: usize, column: usize) -> Option<(f64, f64)> {
        debug_assert!(row < ROWS && column < COLUMNS);
        self.stdp[row / ROWS_PER_ARRAY]
            .as_ref()
            .map(|s| s.charges(row % ROWS_PER_ARRAY, column))
    }
}
