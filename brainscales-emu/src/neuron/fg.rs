//! Floating-gate parameter storage: 4 blocks (one per quadrant) of 24 rows x 129 cells; column 0 holds
//! the block's shared parameters, columns 1..=128 one denmem each (spec §2.4, halbe `FGBlock`).
//!
//! Every cell is a 10-bit DAC value. A voltage cell stores DAC x 1.8 V / 1023 (1.76 mV per LSB), a current
//! cell DAC x 2.5 uA / 1023 (2.44 nA per LSB) (spec §2.4, §5.3). Which cells are currents follows halbe's
//! `isCurrentParameter`: every `I_*`, and despite their names `V_gmax0..3`, `V_bout`, `V_bexp` and
//! `int_op_bias`. The variants below carry halbe's names so that a configuration reads like the hardware's.

use crate::coord::NeuronOnHicann;

/// Largest value of a 10-bit floating-gate cell.
pub const FG_DAC_MAX: u16 = 1023;
/// Voltage of a voltage cell at DAC 1023 (spec §2.4).
pub const FG_FULL_SCALE_VOLT: f64 = 1.8;
/// Current of a current cell at DAC 1023 (spec §2.4).
pub const FG_FULL_SCALE_AMPERE: f64 = 2.5e-6;
/// Floating-gate blocks per HICANN (quadrants) and denmems per block.
pub const FG_BLOCKS: usize = 4;
pub const DENMEMS_PER_FG_BLOCK: usize = 128;

/// Whether a cell drives a voltage or a current, which sets its DAC scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Voltage,
    Current,
}

impl CellKind {
    fn full_scale(self) -> f64 {
        match self {
            CellKind::Voltage => FG_FULL_SCALE_VOLT,
            CellKind::Current => FG_FULL_SCALE_AMPERE,
        }
    }

    /// The analog value (volts or amperes) a cell of this kind holds at `dac`.
    pub fn analog(self, dac: u16) -> f64 {
        f64::from(dac.min(FG_DAC_MAX)) * self.full_scale() / f64::from(FG_DAC_MAX)
    }

    /// The nearest DAC value to `analog` (volts or amperes); values outside 0..=1023 are clipped and
    /// counted in `clips`.
    pub fn quantise(self, analog: f64, clips: &mut FgClipCounter) -> u16 {
        let exact = analog * f64::from(FG_DAC_MAX) / self.full_scale();
        if exact.is_nan() || exact < -0.5 {
            clips.clipped += 1;
            return 0;
        }
        if exact > f64::from(FG_DAC_MAX) + 0.5 {
            clips.clipped += 1;
            return FG_DAC_MAX;
        }
        exact.round() as u16
    }
}

/// Requested analog values that fell outside a cell's 10-bit range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FgClipCounter {
    pub clipped: u64,
}

/// The 23 per-denmem floating-gate parameters (the last two only on HICANN v4), halbe's names and order.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NeuronParameter {
    E_l,
    E_syni,
    E_synx,
    I_bexp,
    I_convi,
    I_convx,
    I_fire,
    I_gl,
    I_gladapt,
    I_intbbi,
    I_intbbx,
    I_pl,
    I_radapt,
    I_rexp,
    I_spikeamp,
    V_exp,
    V_syni,
    V_syntci,
    V_syntcx,
    V_synx,
    V_t,
    V_convoffi,
    V_convoffx,
}

/// Per parameter: halbe default DAC and FG row in (left, right) blocks (spec §2.4).
const NEURON_TABLE: [(u16, u8, u8); 23] = [
    (300, 6, 16),  // E_l
    (100, 18, 2),  // E_syni
    (570, 16, 0),  // E_synx
    (1023, 1, 15), // I_bexp
    (1023, 3, 1),  // I_convi
    (1023, 17, 3), // I_convx
    (511, 7, 19),  // I_fire
    (200, 11, 21), // I_gl
    (100, 9, 11),  // I_gladapt
    (511, 21, 7),  // I_intbbi
    (511, 19, 5),  // I_intbbx
    (511, 13, 9),  // I_pl
    (511, 15, 23), // I_radapt
    (511, 23, 13), // I_rexp
    (1023, 5, 17), // I_spikeamp
    (400, 20, 4),  // V_exp
    (511, 8, 10),  // V_syni
    (800, 10, 8),  // V_syntci
    (800, 14, 12), // V_syntcx
    (511, 22, 6),  // V_synx
    (500, 12, 14), // V_t
    (1023, 4, 18), // V_convoffi
    (1023, 2, 20), // V_convoffx
];

impl NeuronParameter {
    pub const COUNT: usize = 23;

    /// All parameters in halbe's order (the order of a block's cells).
    pub const ALL: [NeuronParameter; 23] = {
        use NeuronParameter::*;
        [
            E_l, E_syni, E_synx, I_bexp, I_convi, I_convx, I_fire, I_gl, I_gladapt, I_intbbi,
            I_intbbx, I_pl, I_radapt, I_rexp, I_spikeamp, V_exp, V_syni, V_syntci, V_syntcx,
            V_synx, V_t, V_convoffi, V_convoffx,
        ]
    };

    /// halbe's default DAC value.
    pub fn default_dac(self) -> u16 {
        NEURON_TABLE[self as usize].0
    }

    /// The FG row holding this parameter in a left (0, 2) or right (1, 3) block.
    pub fn row(self, block: usize) -> u8 {
        let (_, left, right) = NEURON_TABLE[self as usize];
        if block.is_multiple_of(2) { left } else { right }
    }

    pub fn kind(self) -> CellKind {
        use NeuronParameter::*;
        match self {
            I_bexp | I_convi | I_convx | I_fire | I_gl | I_gladapt | I_intbbi | I_intbbx | I_pl
            | I_radapt | I_rexp | I_spikeamp => CellKind::Current,
            _ => CellKind::Voltage,
        }
    }
}

/// The 23 shared parameters of a floating-gate block (column 0), halbe's names. `V_bout` and `V_clra` exist
/// only in the left blocks (0, 2), `V_bexp` and `V_clrc` only in the right ones (1, 3): they share a row.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SharedParameter {
    V_reset,
    int_op_bias,
    V_dllres,
    V_bout,
    V_bexp,
    V_fac,
    I_breset,
    V_dep,
    I_bstim,
    V_thigh,
    V_gmax0,
    V_gmax1,
    V_gmax2,
    V_gmax3,
    V_tlow,
    V_clra,
    V_clrc,
    V_stdf,
    V_m,
    V_bstdf,
    V_dtc,
    V_br,
    V_ccas,
}

/// Per shared parameter: halbe default DAC, FG row, whether the cell is a current (spec §2.4).
const SHARED_TABLE: [(u16, u8, CellKind); 23] = {
    use CellKind::{Current as I, Voltage as V};
    [
        (300, 0, V),   // V_reset
        (1023, 1, I),  // int_op_bias
        (200, 2, V),   // V_dllres
        (1023, 3, I),  // V_bout
        (1023, 3, I),  // V_bexp
        (0, 4, V),     // V_fac
        (1023, 5, I),  // I_breset
        (0, 6, V),     // V_dep
        (1023, 7, I),  // I_bstim
        (0, 8, V),     // V_thigh
        (1000, 11, I), // V_gmax0
        (1000, 13, I), // V_gmax1
        (1000, 15, I), // V_gmax2
        (1000, 9, I),  // V_gmax3
        (0, 10, V),    // V_tlow
        (0, 12, V),    // V_clra
        (0, 12, V),    // V_clrc
        (0, 14, V),    // V_stdf
        (0, 16, V),    // V_m
        (0, 17, V),    // V_bstdf
        (0, 19, V),    // V_dtc
        (0, 21, V),    // V_br
        (800, 23, V),  // V_ccas
    ]
};

impl SharedParameter {
    pub const COUNT: usize = 23;

    pub fn default_dac(self) -> u16 {
        SHARED_TABLE[self as usize].0
    }

    pub fn row(self) -> u8 {
        SHARED_TABLE[self as usize].1
    }

    pub fn kind(self) -> CellKind {
        SHARED_TABLE[self as usize].2
    }

    /// Whether block `block` (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right) has this cell.
    pub fn exists_in(self, block: usize) -> bool {
        match self {
            SharedParameter::V_bout | SharedParameter::V_clra => block.is_multiple_of(2),
            SharedParameter::V_bexp | SharedParameter::V_clrc => !block.is_multiple_of(2),
            _ => true,
        }
    }
}

/// A write the floating gates refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FgError {
    #[error("floating-gate value {dac} is outside 0..=1023")]
    DacOutOfRange { dac: u16 },
    #[error("floating-gate block {block} has no cell {parameter:?} (left/right-only parameter)")]
    NoSuchCell {
        block: usize,
        parameter: SharedParameter,
    },
}

fn checked(dac: u16) -> Result<u16, FgError> {
    if dac > FG_DAC_MAX {
        Err(FgError::DacOutOfRange { dac })
    } else {
        Ok(dac)
    }
}

/// One floating-gate block: its shared cells and the cells of its 128 denmems, initialised to halbe's
/// defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FgBlock {
    shared: [u16; SharedParameter::COUNT],
    denmems: Box<[[u16; NeuronParameter::COUNT]; DENMEMS_PER_FG_BLOCK]>,
}

impl Default for FgBlock {
    fn default() -> FgBlock {
        let mut shared = [0; SharedParameter::COUNT];
        for (cell, &(dac, _, _)) in shared.iter_mut().zip(&SHARED_TABLE) {
            *cell = dac;
        }
        let mut column = [0; NeuronParameter::COUNT];
        for (cell, p) in column.iter_mut().zip(NeuronParameter::ALL) {
            *cell = p.default_dac();
        }
        FgBlock {
            shared,
            denmems: Box::new([column; DENMEMS_PER_FG_BLOCK]),
        }
    }
}

/// The four floating-gate blocks of one HICANN, addressed by denmem (its block is its quadrant, spec §2.4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FloatingGates {
    blocks: [FgBlock; FG_BLOCKS],
}

/// The cell column of a denmem inside its block.
fn column_in_block(denmem: NeuronOnHicann) -> usize {
    usize::from(denmem.x()) % DENMEMS_PER_FG_BLOCK
}

impl FloatingGates {
    pub fn neuron(&self, denmem: NeuronOnHicann, parameter: NeuronParameter) -> u16 {
        self.blocks[denmem.fg_block()].denmems[column_in_block(denmem)][parameter as usize]
    }

    pub fn set_neuron(
        &mut self,
        denmem: NeuronOnHicann,
        parameter: NeuronParameter,
        dac: u16,
    ) -> Result<(), FgError> {
        self.blocks[denmem.fg_block()].denmems[column_in_block(denmem)][parameter as usize] =
            checked(dac)?;
        Ok(())
    }

    /// A shared cell of `block`, or `None` where the block has no such cell.
    pub fn shared(&self, block: usize, parameter: SharedParameter) -> Option<u16> {
        parameter
            .exists_in(block)
            .then(|| self.blocks[block].shared[parameter as usize])
    }

    pub fn set_shared(
        &mut self,
        block: usize,
        parameter: SharedParameter,
        dac: u16,
    ) -> Result<(), FgError> {
        if !parameter.exists_in(block) {
            return Err(FgError::NoSuchCell { block, parameter });
        }
        self.blocks[block].shared[parameter as usize] = checked(dac)?;
        Ok(())
    }

    /// The shared V_reset a denmem uses: the V_reset cell of the block numbered by the denmem's position in
    /// its quad, not by its quadrant (spec §2.4).
    pub fn v_reset_volt(&self, denmem: NeuronOnHicann) -> f64 {
        let dac = self.blocks[denmem.reset_group()].shared[SharedParameter::V_reset as usize];
        CellKind::Voltage.analog(dac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn worked_example_voltages_give_the_spec_dac_values() {
        // Spec §6.4a: E_l 0.55 V -> 313, V_t 0.65 V -> 369, V_reset 0.50 V -> 284, E_syni 0.40 V -> 227.
        let mut clips = FgClipCounter::default();
        for (volt, dac) in [(0.55, 313), (0.65, 369), (0.50, 284), (0.40, 227)] {
            assert_eq!(CellKind::Voltage.quantise(volt, &mut clips), dac);
        }
        assert_eq!(clips.clipped, 0);
        // 2.44 nA per LSB (spec §2.4).
        assert!((CellKind::Current.analog(1) - 2.4438e-9).abs() < 1e-12);
    }

    #[test]
    fn out_of_range_values_clip_and_count() {
        let mut clips = FgClipCounter::default();
        assert_eq!(CellKind::Voltage.quantise(2.0, &mut clips), 1023);
        assert_eq!(CellKind::Current.quantise(-1e-6, &mut clips), 0);
        assert_eq!(CellKind::Voltage.quantise(1.8, &mut clips), 1023);
        assert_eq!(clips.clipped, 2);
    }

    #[test]
    fn cells_know_their_kind_and_side() {
        assert_eq!(NeuronParameter::I_gl.kind(), CellKind::Current);
        assert_eq!(NeuronParameter::V_syntcx.kind(), CellKind::Voltage);
        assert_eq!(SharedParameter::V_gmax2.kind(), CellKind::Current);
        assert_eq!(SharedParameter::V_reset.kind(), CellKind::Voltage);
        assert_eq!(NeuronParameter::E_synx.row(1), 0);
        assert_eq!(SharedParameter::V_ccas.row(), 23);
        let mut fg = FloatingGates::default();
        assert_eq!(fg.shared(1, SharedParameter::V_bout), None);
        assert!(fg.set_shared(0, SharedParameter::V_bexp, 5).is_err());
        assert!(fg.set_shared(1, SharedParameter::V_bexp, 5).is_ok());
    }

    #[test]
    fn denmems_are_stored_in_their_quadrant_and_reset_by_quad_position() {
        let mut fg = FloatingGates::default();
        let top_right = NeuronOnHicann::new(130, 0).unwrap();
        let bottom_left = NeuronOnHicann::new(2, 1).unwrap();
        fg.set_neuron(top_right, NeuronParameter::V_t, 700).unwrap();
        assert_eq!(fg.neuron(top_right, NeuronParameter::V_t), 700);
        assert_eq!(fg.neuron(bottom_left, NeuronParameter::V_t), 500);
        assert!(
            fg.set_neuron(top_right, NeuronParameter::V_t, 1024)
                .is_err()
        );
        // Bottom, even column -> reset group 2, whatever its quadrant.
        fg.set_shared(2, SharedParameter::V_reset, 284).unwrap();
        assert!((fg.v_reset_volt(NeuronOnHicann::new(200, 1).unwrap()) - 0.5).abs() < 1e-3);
    }

    proptest! {
        #[test]
        fn dac_round_trips(dac in 0u16..=1023) {
            let mut clips = FgClipCounter::default();
            for kind in [CellKind::Voltage, CellKind::Current] {
                prop_assert_eq!(kind.quantise(kind.analog(dac), &mut clips), dac);
            }
            prop_assert_eq!(clips.clipped, 0);
        }
    }
}
