//! PyNN cell parameters -> a denmem's hardware parameters, as marocco does with calibtic's default
//! transformations (spec brainscales.md §1.4, §2.4, §6.4, §6.4a, addendum §11; mapping-and-pynn.md §A6.6).
//!
//! Scaling (calibtic `NeuronCalibration::scaleParameters`):
//! - voltages: V_hw = alpha_v V_bio + shift_v (defaults 10 and 1.2 V); delta_T: x alpha_v;
//! - times (tau_m, tau_refrac, tau_syn_E/I, tau_w): / speed-up;
//! - a: x speed-up x C_hw / cm; b: x alpha_v x speed-up x C_hw / cm, with C_hw one denmem's capacitance,
//!   because marocco calibrates with `hw_neuron_size = 1` and gives every denmem of a logical neuron the
//!   one-denmem values (addendum §11): n denmems then add up to the same dynamics;
//! - `i_offset` -> the FG current stimulus (§2.10), scaled as b but with the whole neuron's capacitance:
//!   one stimulus circuit drives the neuron, so its 0..2.5 uA range and 10-bit grid (2.44 nA steps,
//!   `realise_stimulus`) bound the total, which is spread evenly over the denmems' `stimulus_ampere` (the
//!   wafer adds them up). Whether the neuron gets a stimulus at all (4 per HICANN) is decided later
//!   ([`super::realised`]).
//!
//! Which hardware parameter takes which PyNN value (spec §2.4 table): E_l <- v_rest; V_t <- v_thresh for
//! IF_cond_exp, <- v_spike for EIF_cond_exp_isfa_ista, whose V_exp <- v_thresh (calibtic uses v_thresh for
//! V_t when delta_T = 0, but net.json requires delta_T > 0); E_synx/E_syni <- e_rev_E/I; shared V_reset <-
//! v_reset (returned for the HICANN's mean). IF_cond_exp runs with the exponential term and adaptation off;
//! AdEx with a = b = 0 runs without adaptation (DAC 0 switches a and b off, calibtic).
//!
//! Leak mode and capacitor: the speed-up sets the leak mirror (I_gl divisor 27 / 3 / 1, spec §1.4; the
//! wafer image's `speed_up`). The big capacitor is the default (marocco's `bigcap`); the small one is chosen
//! when tau_m fits only its range (e.g. tau_m 20 ms at 1e5), and when tau_m fits neither, the one whose range
//! comes nearer (small for too short, big for too long).
//!
//! Every value outside its range at this speed-up and capacitor is clipped and reported as a
//! [`ParameterClip`]: the PyNN name, requested and realised value in PyNN units (the realised one after the
//! DAC, [`DenmemParameters::quantise`]), and the smallest other speed-up at which the requested value would
//! fit, if one exists. Values inside the range are not reported even though the DAC grid moves them a little.

use brainscales_emu::neuron::calib;
use brainscales_emu::neuron::fg::NeuronParameter;
use brainscales_emu::neuron::{
    Adaptation, Capacitor, ClipCounters, DenmemParameters, ExponentialTerm, HardwareRanges,
    SynapticInputParameters, realise_stimulus,
};
use brainscales_emu::time::SpeedUp;
use nmemu_loader::format::cells::CellType;
use nmemu_loader::network::{Population, Values};

/// How PyNN values become hardware values (marocco's defaults in [`ParameterOptions::new`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParameterOptions {
    pub speed_up: SpeedUp,
    /// Hardware volts per biological volt.
    pub alpha_v: f64,
    /// Hardware volts at biological 0 mV.
    pub shift_v: f64,
}

impl ParameterOptions {
    /// alpha_v 10, shift_v 1.2 V (spec §1.4).
    pub fn new(speed_up: SpeedUp) -> ParameterOptions {
        ParameterOptions {
            speed_up,
            alpha_v: 10.0,
            shift_v: 1.2,
        }
    }
}

/// A neuron model the wafer runs ([`super::model::check_model`] refuses the others).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaferCell {
    IfCondExp,
    Adex,
}

impl WaferCell {
    /// The wafer model of a PyNN cell type, `None` for sources and refused cells.
    pub fn of(cell: CellType) -> Option<WaferCell> {
        match cell {
            CellType::IfCondExp => Some(WaferCell::IfCondExp),
            CellType::EifCondExpIsfaIsta => Some(WaferCell::Adex),
            _ => None,
        }
    }

    fn cell_type(self) -> CellType {
        match self {
            WaferCell::IfCondExp => CellType::IfCondExp,
            WaferCell::Adex => CellType::EifCondExpIsfaIsta,
        }
    }

    /// The PyNN parameters translated, each with the hardware quantity it sets (module docs).
    pub fn fields(self) -> &'static [(&'static str, Field)] {
        use Field::*;
        const LIF: [(&str, Field); 10] = [
            ("v_rest", LeakPotential),
            ("v_thresh", Threshold),
            ("v_reset", Reset),
            ("e_rev_E", ExcitatoryReversal),
            ("e_rev_I", InhibitoryReversal),
            ("tau_m", MembraneTau),
            ("tau_syn_E", ExcitatoryTau),
            ("tau_syn_I", InhibitoryTau),
            ("tau_refrac", Refractory),
            ("i_offset", Offset),
        ];
        const ADEX: [(&str, Field); 15] = [
            ("v_rest", LeakPotential),
            ("v_spike", Threshold),
            ("v_thresh", ExpThreshold),
            ("v_reset", Reset),
            ("e_rev_E", ExcitatoryReversal),
            ("e_rev_I", InhibitoryReversal),
            ("tau_m", MembraneTau),
            ("tau_syn_E", ExcitatoryTau),
            ("tau_syn_I", InhibitoryTau),
            ("tau_refrac", Refractory),
            ("i_offset", Offset),
            ("delta_T", ExpSlope),
            ("a", AdaptationA),
            ("b", AdaptationB),
            ("tau_w", AdaptationTau),
        ];
        match self {
            WaferCell::IfCondExp => &LIF,
            WaferCell::Adex => &ADEX,
        }
    }
}

/// A hardware quantity a PyNN parameter sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    LeakPotential,
    Threshold,
    ExpThreshold,
    Reset,
    ExcitatoryReversal,
    InhibitoryReversal,
    MembraneTau,
    ExcitatoryTau,
    InhibitoryTau,
    Refractory,
    Offset,
    ExpSlope,
    AdaptationA,
    AdaptationB,
    AdaptationTau,
}

/// One translation setting: speed-up, capacitor, voltage map, the neuron's cm and size.
#[derive(Debug, Clone, Copy)]
struct Context {
    options: ParameterOptions,
    capacitor: Capacitor,
    cm_nf: f64,
    denmems: usize,
}

impl Context {
    /// Hardware units per PyNN unit of `field` (module docs); voltages add `shift_v` besides.
    fn scale(&self, field: Field) -> f64 {
        use Field::*;
        let s = self.options.speed_up.factor();
        let per_cm = self.capacitor.farad() / (self.cm_nf * 1e-9);
        match field {
            LeakPotential | Threshold | ExpThreshold | Reset | ExcitatoryReversal
            | InhibitoryReversal | ExpSlope => self.options.alpha_v * 1e-3,
            MembraneTau | ExcitatoryTau | InhibitoryTau | Refractory | AdaptationTau => 1e-3 / s,
            AdaptationA => 1e-9 * s * per_cm,
            AdaptationB => 1e-9 * self.options.alpha_v * s * per_cm,
            Offset => 1e-9 * self.options.alpha_v * s * per_cm * self.denmems as f64,
        }
    }

    fn offset(&self, field: Field) -> f64 {
        use Field::*;
        match field {
            LeakPotential | Threshold | ExpThreshold | Reset | ExcitatoryReversal
            | InhibitoryReversal => self.options.shift_v,
            _ => 0.0,
        }
    }

    fn to_hardware(self, field: Field, bio: f64) -> f64 {
        bio * self.scale(field) + self.offset(field)
    }

    fn to_bio(self, field: Field, hardware: f64) -> f64 {
        (hardware - self.offset(field)) / self.scale(field)
    }

    /// The hardware range of `field` at this setting.
    fn range(&self, field: Field) -> (f64, f64) {
        use Field::*;
        let r = HardwareRanges::of(self.options.speed_up, self.capacitor);
        match field {
            LeakPotential | Threshold | ExpThreshold | Reset | InhibitoryReversal => r.voltage_volt,
            ExcitatoryReversal => r.e_rev_exc_volt,
            MembraneTau => r.tau_m_s,
            ExcitatoryTau | InhibitoryTau => r.tau_syn_s,
            Refractory => r.refractory_s,
            Offset => r.stimulus_ampere,
            ExpSlope => r.exp_slope_volt,
            AdaptationA => r.a_siemens,
            AdaptationB => r.b_ampere,
            AdaptationTau => r.tau_w_s,
        }
    }

    /// Whether the PyNN value `bio` of `field` is realisable here (a and b of 0 switch the term off).
    fn fits(&self, field: Field, bio: f64) -> bool {
        let off = matches!(field, Field::AdaptationA | Field::AdaptationB) && bio == 0.0;
        let (lo, hi) = self.range(field);
        off || (lo..=hi).contains(&self.to_hardware(field, bio))
    }
}

/// The capacitor a neuron with `tau_m_ms` needs at `speed_up` (module docs).
pub fn capacitor_for(tau_m_ms: f64, speed_up: SpeedUp) -> Capacitor {
    let tau = tau_m_ms * 1e-3 / speed_up.factor();
    let inside = |c| {
        let (lo, hi) = HardwareRanges::of(speed_up, c).tau_m_s;
        (lo..=hi).contains(&tau)
    };
    let big_lo = HardwareRanges::of(speed_up, Capacitor::Big).tau_m_s.0;
    if inside(Capacitor::Big) || (!inside(Capacitor::Small) && tau > big_lo) {
        Capacitor::Big
    } else {
        Capacitor::Small
    }
}

/// A PyNN value the wafer cannot realise at this speed-up.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterClip {
    /// The PyNN name.
    pub parameter: &'static str,
    pub requested: f64,
    /// After the clip and the DAC, in the same PyNN unit.
    pub realised: f64,
    pub unit: &'static str,
    /// The smallest other speed-up (1e3, 1e4, 1e5) at which `requested` fits.
    pub fits_at_speedup: Option<u32>,
    /// Bit k set: fits at [`SPEED_UPS`]`[k]` (the population's fit needs every neuron's).
    fits_mask: u8,
}

/// The speed-ups a `fits_at_speedup` can name, ascending.
const SPEED_UPS: [SpeedUp; 3] = [SpeedUp::Slow, SpeedUp::Normal, SpeedUp::Fast];

/// The smallest speed-up in `mask`.
fn smallest(mask: u8) -> Option<u32> {
    (0..SPEED_UPS.len())
        .find(|&k| mask & (1 << k) != 0)
        .map(|k| SPEED_UPS[k].factor() as u32)
}

/// One neuron's hardware parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct TranslatedNeuron {
    /// Realised hardware values (after range clip and DAC quantisation), the same for every denmem.
    pub denmem: DenmemParameters,
    /// The requested hardware V_reset, clipped to the FG range (shared per HICANN quarter; the route
    /// averages).
    pub v_reset_volt: f64,
    pub clips: Vec<ParameterClip>,
    /// Every translated PyNN parameter as the wafer realises it (after clip and DAC), in PyNN units, in
    /// [`WaferCell::fields`] order; v_reset before the HICANN's sharing ([`super::realised`] replaces it).
    pub realised: Vec<f64>,
}

/// Translates one neuron: `params` are its values in `cell.params()` order (PyNN units), `denmems` the
/// circuits of its logical neuron.
pub fn translate_neuron(
    cell: WaferCell,
    params: &[f64],
    denmems: usize,
    options: &ParameterOptions,
) -> TranslatedNeuron {
    let names = cell.cell_type().params();
    let value = |name: &str| {
        names
            .iter()
            .position(|p| p.name == name)
            .map_or(f64::NAN, |i| params[i])
    };
    let context = |speed_up: SpeedUp| Context {
        options: ParameterOptions {
            speed_up,
            ..*options
        },
        capacitor: capacitor_for(value("tau_m"), speed_up),
        cm_nf: value("cm"),
        denmems,
    };
    let here = context(options.speed_up);
    let mut hw = [0.0; 15];
    for &(name, field) in cell.fields() {
        let (lo, hi) = here.range(field);
        hw[field as usize] = here.to_hardware(field, value(name)).clamp(lo, hi);
    }
    let at = |field: Field| hw[field as usize];
    let c = here.capacitor;
    let adex = cell == WaferCell::Adex;
    let nominal = DenmemParameters {
        capacitor: c,
        g_l_siemens: c.farad() / at(Field::MembraneTau),
        e_l_volt: at(Field::LeakPotential),
        v_t_volt: at(Field::Threshold),
        exponential: adex.then(|| ExponentialTerm {
            slope_volt: at(Field::ExpSlope),
            v_exp_volt: at(Field::ExpThreshold),
        }),
        adaptation: (adex && (value("a") != 0.0 || value("b") != 0.0)).then(|| Adaptation {
            a_siemens: if value("a") == 0.0 {
                0.0
            } else {
                at(Field::AdaptationA)
            },
            b_ampere: if value("b") == 0.0 {
                0.0
            } else {
                at(Field::AdaptationB)
            },
            tau_w_s: at(Field::AdaptationTau),
        }),
        synaptic: [
            SynapticInputParameters {
                tau_s: at(Field::InhibitoryTau),
                e_rev_volt: at(Field::InhibitoryReversal),
            },
            SynapticInputParameters {
                tau_s: at(Field::ExcitatoryTau),
                e_rev_volt: at(Field::ExcitatoryReversal),
            },
        ],
        refractory_s: at(Field::Refractory),
        stimulus_ampere: realise_stimulus(at(Field::Offset)) / denmems as f64,
        v_reset_offset_volt: 0.0,
    };
    let denmem = nominal.quantise(options.speed_up, &mut ClipCounters::default());
    let reset = calib::trafo(NeuronParameter::E_l, options.speed_up, c).expect("a voltage trafo");
    let realised = |field: Field| match field {
        Field::LeakPotential => denmem.e_l_volt,
        Field::Threshold => denmem.v_t_volt,
        Field::Reset => reset.realise(at(Field::Reset)).0,
        Field::ExpThreshold => denmem.exponential.map_or(0.0, |e| e.v_exp_volt),
        Field::ExpSlope => denmem.exponential.map_or(0.0, |e| e.slope_volt),
        Field::ExcitatoryReversal => denmem.synaptic[1].e_rev_volt,
        Field::InhibitoryReversal => denmem.synaptic[0].e_rev_volt,
        Field::MembraneTau => denmem.tau_m_s(),
        Field::ExcitatoryTau => denmem.synaptic[1].tau_s,
        Field::InhibitoryTau => denmem.synaptic[0].tau_s,
        Field::Refractory => denmem.refractory_s,
        Field::Offset => denmem.stimulus_ampere * denmems as f64,
        Field::AdaptationA => denmem.adaptation.map_or(0.0, |a| a.a_siemens),
        Field::AdaptationB => denmem.adaptation.map_or(0.0, |a| a.b_ampere),
        Field::AdaptationTau => denmem
            .adaptation
            .map_or(at(Field::AdaptationTau), |a| a.tau_w_s),
    };
    let clips = cell
        .fields()
        .iter()
        .filter(|&&(name, field)| !here.fits(field, value(name)))
        .map(|&(name, field)| {
            let fits_mask = SPEED_UPS
                .iter()
                .enumerate()
                .filter(|&(_, &s)| s != options.speed_up && context(s).fits(field, value(name)))
                .fold(0u8, |m, (k, _)| m | 1 << k);
            ParameterClip {
                parameter: name,
                requested: value(name),
                realised: here.to_bio(field, realised(field)),
                unit: names.iter().find(|p| p.name == name).map_or("", |p| p.unit),
                fits_at_speedup: smallest(fits_mask),
                fits_mask,
            }
        })
        .collect();
    TranslatedNeuron {
        denmem,
        v_reset_volt: at(Field::Reset),
        clips,
        realised: cell
            .fields()
            .iter()
            .map(|&(_, field)| here.to_bio(field, realised(field)))
            .collect(),
    }
}

/// The clips of one population's parameter, for mapping.json's `parameters_clipped`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PopulationClip {
    pub population: String,
    pub parameter: &'static str,
    /// The mean requested value over the clipped neurons.
    pub requested: f64,
    /// The mean realised value over the clipped neurons.
    pub realised: f64,
    pub unit: &'static str,
    /// The smallest other speed-up at which every clipped neuron's value fits.
    pub fits_at_speedup: Option<u32>,
    /// How many neurons were clipped.
    pub neurons: u32,
}

/// Every neuron of a wafer-cell population translated (one translation shared when no parameter varies),
/// and its clips aggregated per parameter in the cell's parameter order; `None` for sources.
pub fn translate_population(
    population: &Population,
    denmems: usize,
    options: &ParameterOptions,
) -> Option<(Vec<TranslatedNeuron>, Vec<PopulationClip>)> {
    let cell = WaferCell::of(population.cell_type)?;
    let uniform = population
        .params
        .iter()
        .all(|v| matches!(v, Values::Same(_)));
    let translate = |i: u32| {
        let params: Vec<f64> = population.params.iter().map(|v| v.get(i)).collect();
        translate_neuron(cell, &params, denmems, options)
    };
    let neurons: Vec<TranslatedNeuron> = if uniform {
        vec![translate(0); population.size as usize]
    } else {
        (0..population.size).map(translate).collect()
    };
    let clips = cell
        .fields()
        .iter()
        .filter_map(|&(name, _)| aggregate(&population.label, name, &neurons))
        .collect();
    Some((neurons, clips))
}

/// The clips of parameter `name` over `neurons`, or `None` when none was clipped.
fn aggregate(label: &str, name: &str, neurons: &[TranslatedNeuron]) -> Option<PopulationClip> {
    let clips: Vec<&ParameterClip> = neurons
        .iter()
        .flat_map(|n| n.clips.iter().filter(|c| c.parameter == name))
        .collect();
    let first = clips.first()?;
    let n = clips.len() as f64;
    let mask = clips.iter().fold(u8::MAX, |m, c| m & c.fits_mask);
    Some(PopulationClip {
        population: label.to_owned(),
        parameter: first.parameter,
        requested: clips.iter().map(|c| c.requested).sum::<f64>() / n,
        realised: clips.iter().map(|c| c.realised).sum::<f64>() / n,
        unit: first.unit,
        fits_at_speedup: smallest(mask),
        neurons: clips.len() as u32,
    })
}

#[cfg(test)]
#[path = "params_tests.rs"]
mod tests;
