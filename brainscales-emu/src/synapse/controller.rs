//! The per-array STDP state and the plasticity controller's sweep (spec §4.1).
//!
//! Charges are u16 fixed point, [`CHARGE_PER_PAIRING`] steps per pairing at dt = 0: a capacitor holds up to
//! 64 pairings and saturates there (counted), and an array's two capacitors per synapse take 4 bytes.
//! Pairing needs the last pre spike of each synapse: all synapses of a row with the same 6-bit address see
//! the same pre spikes, so it is kept per (row, address), and the last post spike per column.
//!
//! The controller works through rows `first_row..=last_row` one row time each, the k-th update (k = 0, 1,
//! ...) completing at `start + (k + 1) row_time`. It runs lazily: [`StdpArray::advance`] does every update
//! due up to a time, and the block calls it before each event, so updates and pairings keep their order.
//! An update at time t comes before an event at t. Rows with no charge are skipped when zero charges
//! evaluate to "no change" (then the result is the same). Events must come in time order per block (the
//! kernel's order); a pairing whose spikes arrive reversed counts as dt = 0 instead of wrapping.

use super::SynapseCounters;
use super::array::{COLUMNS, ROWS_PER_ARRAY};
use super::stdp::{LutDirection, StdpConfig, lut_index};
use super::stp::ADDRESSES;
use crate::time::{HwTime, TICKS_PER_NS};

/// Fixed-point steps of a capacitor per pairing at dt = 0.
pub const CHARGE_PER_PAIRING: f64 = 1024.0;
const NEVER: u64 = u64::MAX;

/// One array's STDP state and controller.
#[derive(Debug, Clone)]
pub(crate) struct StdpArray {
    config: StdpConfig,
    /// Direction of the causal, acausal and combined LUT.
    directions: [LutDirection; 3],
    tau_ticks: f64,
    row_ticks: u64,
    start_ticks: u64,
    causal: Box<[u16]>,
    acausal: Box<[u16]>,
    last_pre: Box<[u64]>,
    last_post: Box<[u64]>,
    /// Per row: some capacitor holds charge.
    charged: Box<[bool]>,
    /// Zero charges evaluate to (0, 0), so uncharged rows can be skipped.
    skip_uncharged: bool,
    /// Index of the next row update.
    next: u64,
    finished: bool,
}

fn ticks(seconds: f64) -> f64 {
    seconds * 1e9 * TICKS_PER_NS as f64
}

impl StdpArray {
    /// A controller for a validated config.
    pub(crate) fn new(config: StdpConfig) -> StdpArray {
        let synapses = ROWS_PER_ARRAY * COLUMNS;
        StdpArray {
            directions: config.luts().map(LutDirection::of),
            tau_ticks: ticks(config.tau_s),
            row_ticks: HwTime::from_seconds(config.row_time_s).0.max(1),
            start_ticks: HwTime::from_seconds(config.start_s).0,
            causal: vec![0; synapses].into_boxed_slice(),
            acausal: vec![0; synapses].into_boxed_slice(),
            last_pre: vec![NEVER; ROWS_PER_ARRAY * ADDRESSES].into_boxed_slice(),
            last_post: vec![NEVER; COLUMNS].into_boxed_slice(),
            charged: vec![false; ROWS_PER_ARRAY].into_boxed_slice(),
            skip_uncharged: config.evaluate(0.0, 0.0) == (false, false),
            next: 0,
            finished: false,
            config,
        }
    }

    fn rows_per_sweep(&self) -> u64 {
        u64::from(self.config.last_row - self.config.first_row) + 1
    }

    /// When the next row update completes, if the controller still runs.
    pub(crate) fn next_update(&self) -> Option<HwTime> {
        (!self.finished).then(|| HwTime(self.start_ticks + (self.next + 1) * self.row_ticks))
    }

    /// The charges of a synapse in pairings (causal, acausal).
    pub(crate) fn charges(&self, row: usize, column: usize) -> (f64, f64) {
        let i = row * COLUMNS + column;
        (
            f64::from(self.causal[i]) / CHARGE_PER_PAIRING,
            f64::from(self.acausal[i]) / CHARGE_PER_PAIRING,
        )
    }

    fn charge(
        &mut self,
        acausal: bool,
        row: usize,
        column: usize,
        dt: u64,
        counters: &mut SynapseCounters,
    ) {
        let q = ((-(dt as f64) / self.tau_ticks).exp() * CHARGE_PER_PAIRING).round() as u32;
        let slot = if acausal {
            &mut self.acausal[row * COLUMNS + column]
        } else {
            &mut self.causal[row * COLUMNS + column]
        };
        let sum = u32::from(*slot) + q;
        if sum > u32::from(u16::MAX) {
            counters.stdp_charge_saturated += 1;
        }
        *slot = sum.min(u32::from(u16::MAX)) as u16;
        self.charged[row] |= *slot != 0;
    }

    /// A pre spike with `address` reaches `row` at `t`: returns the previous pre spike time of that
    /// (row, address), to pass to [`Self::pre_synapse`] for each synapse it matches.
    pub(crate) fn pre_row(&mut self, row: usize, address: u8, t: HwTime) -> u64 {
        std::mem::replace(
            &mut self.last_pre[row * ADDRESSES + usize::from(address)],
            t.0,
        )
    }

    /// Acausal pairing at a matched synapse: with the column's last post spike, if no pre spike of this
    /// synapse came after it.
    pub(crate) fn pre_synapse(
        &mut self,
        row: usize,
        column: usize,
        previous_pre: u64,
        t: HwTime,
        counters: &mut SynapseCounters,
    ) {
        let post = self.last_post[column];
        if post != NEVER && (previous_pre == NEVER || post > previous_pre) {
            self.charge(true, row, column, t.0.saturating_sub(post), counters);
        }
    }

    /// The denmem of `column` fired at `t`: causal pairing on every synapse of the column whose last pre
    /// spike came after the column's last post spike. `address(row)` is the 6-bit address the synapse at
    /// (row, column) decodes.
    pub(crate) fn post(
        &mut self,
        column: usize,
        t: HwTime,
        address: impl Fn(usize) -> u8,
        counters: &mut SynapseCounters,
    ) {
        let post = self.last_post[column];
        for row in 0..ROWS_PER_ARRAY {
            let pre = self.last_pre[row * ADDRESSES + usize::from(address(row))];
            if pre != NEVER && (post == NEVER || pre > post) {
                self.charge(false, row, column, t.0.saturating_sub(pre), counters);
            }
        }
        self.last_post[column] = t.0;
    }

    /// Does every row update due at or before `t`; `weights` are the array's synapse bytes.
    pub(crate) fn advance(
        &mut self,
        t: HwTime,
        weights: &mut [u8],
        counters: &mut SynapseCounters,
    ) {
        while let Some(due) = self.next_update() {
            if due > t {
                break;
            }
            let n = self.rows_per_sweep();
            let offset = self.next % n;
            let row = usize::from(self.config.first_row) + offset as usize;
            self.update_row(
                row,
                &mut weights[row * COLUMNS..(row + 1) * COLUMNS],
                counters,
            );
            self.next += 1;
            if offset + 1 == n {
                counters.stdp_sweeps += 1;
                self.finished = !self.config.continuous;
            }
        }
    }

    fn update_row(&mut self, row: usize, weights: &mut [u8], counters: &mut SynapseCounters) {
        counters.stdp_rows_processed += 1;
        if self.skip_uncharged && !self.charged[row] {
            return;
        }
        let mut charged = false;
        for (column, cell) in weights.iter_mut().enumerate() {
            let i = row * COLUMNS + column;
            let (c, a) = self.charges(row, column);
            let bits = self.config.evaluate(c, a);
            if let Some(k) = lut_index(bits) {
                let (lut, direction) = (self.config.luts()[k], self.directions[k]);
                let w = *cell & 0x0F;
                let new = lut[usize::from(w)];
                counters.weights_saturated_high +=
                    u64::from(w == 15 && new == 15 && direction.potentiates);
                counters.weights_saturated_low +=
                    u64::from(w == 0 && new == 0 && direction.depresses);
                *cell = (*cell & 0xF0) | new;
                if self.config.reset {
                    self.causal[i] = 0;
                    self.acausal[i] = 0;
                }
            }
            charged |= self.causal[i] != 0 || self.acausal[i] != 0;
        }
        self.charged[row] = charged;
    }
}
