//! A denmem's analog parameters in hardware units, and the ranges the circuits reach.
//!
//! The values are what the circuit does (a conductance in siemens, a potential in volts, a time constant in
//! hardware seconds), not the floating-gate cells that set them. [`DenmemParameters::quantise`] puts every
//! calibrated parameter on the grid of its 10-bit DAC through calibtic's default transformations
//! ([`calib`](super::calib)): the wafer runs with the value the DAC code realises, not the requested one.
//!
//! Reachable ranges ([`HardwareRanges`], [`RANGES`]) are those transformations' domains, so that clipping
//! and quantising agree. Speed-ups switch the leak current mirror's divisor (I_gl divisor 27 slow, 3
//! normal, 1 fast; spec §1.4, [`leak_divisor`]); calibtic gives tau_m's domain per speed-up and capacitor
//! (the small capacitor's from its measured tau_m ratio of 5 rather than the design ratio 13.2; spec §2.2,
//! §2.4). The adaptation mirrors have the same slow/fast bits (spec §1.4); calibtic uses one domain for them
//! at every setting (its own FIXME, spec §2.4), so we scale a and tau_w by the divisor ratio divisor / 3:
//! a modelling choice. Refractory time (I_pl), synaptic time constants and b have no speed bits.

use crate::coord::SynapticInput;
use crate::neuron::calib::{self, tau_m_domain};
use crate::neuron::fg::{CellKind, FG_FULL_SCALE_AMPERE, FgClipCounter, NeuronParameter};
use crate::time::SpeedUp;

/// Membrane capacitor of a denmem (spec §2.2, design values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Capacitor {
    /// 2.16456 pF, the hardware default (`bigcap` on).
    Big,
    /// 0.1642 pF.
    Small,
}

impl Capacitor {
    pub fn farad(self) -> f64 {
        match self {
            Capacitor::Big => 2.16456e-12,
            Capacitor::Small => 0.1642e-12,
        }
    }
}

/// One synaptic input circuit: exponentially decaying conductance towards a reversal potential (spec §2.9).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SynapticInputParameters {
    /// Decay time constant (set by V_syntcx / V_syntci).
    pub tau_s: f64,
    /// Reversal potential (E_synx / E_syni).
    pub e_rev_volt: f64,
}

/// The exponential term g_l ΔT exp((V - V_exp) / ΔT); switched off by V_exp = I_rexp = I_bexp = 1023.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExponentialTerm {
    /// ΔT (set by I_rexp).
    pub slope_volt: f64,
    /// The soft threshold V_exp.
    pub v_exp_volt: f64,
}

/// Adaptation: tau_w dw/dt = a (V - E_l) - w, w += b at a spike; switched off by I_fire = 0, I_gladapt = 0,
/// I_radapt = 1023.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Adaptation {
    /// a (I_gladapt).
    pub a_siemens: f64,
    /// b (I_fire).
    pub b_ampere: f64,
    /// tau_w (I_radapt).
    pub tau_w_s: f64,
}

/// A denmem's analog parameters (spec §2.3). V_reset is shared by a quarter of the HICANN (spec §2.4); only
/// this denmem's offset from it is here.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DenmemParameters {
    pub capacitor: Capacitor,
    /// Leak conductance g_l (I_gl); tau_m = C / g_l.
    pub g_l_siemens: f64,
    /// Leak reversal potential E_l.
    pub e_l_volt: f64,
    /// Spike comparator threshold V_t (used when this denmem is the firing one).
    pub v_t_volt: f64,
    pub exponential: Option<ExponentialTerm>,
    pub adaptation: Option<Adaptation>,
    /// Indexed by [`SynapticInput`].
    pub synaptic: [SynapticInputParameters; 2],
    /// Refractory time (I_pl), used when this denmem is the firing one.
    pub refractory_s: f64,
    /// Constant current stimulus into this denmem (the FG current stimulus, spec §2.10).
    pub stimulus_ampere: f64,
    /// Offset of this denmem's reset from the shared V_reset (fixed-pattern mismatch; 0 nominally).
    pub v_reset_offset_volt: f64,
}

impl Default for DenmemParameters {
    /// The spec's worked example (§6.4a, IF_cond_exp at 1e4 on big capacitors): E_l 0.55 V, V_t 0.65 V,
    /// tau_m 2 us, E_synx 1.2 V, E_syni 0.4 V, tau_syn 0.5 us, refractory 0.2 us, no exponential term, no
    /// adaptation.
    fn default() -> DenmemParameters {
        DenmemParameters {
            capacitor: Capacitor::Big,
            g_l_siemens: Capacitor::Big.farad() / 2e-6,
            e_l_volt: 0.55,
            v_t_volt: 0.65,
            exponential: None,
            adaptation: None,
            synaptic: [
                SynapticInputParameters {
                    tau_s: 0.5e-6,
                    e_rev_volt: 0.4,
                },
                SynapticInputParameters {
                    tau_s: 0.5e-6,
                    e_rev_volt: 1.2,
                },
            ],
            refractory_s: 0.2e-6,
            stimulus_ampere: 0.0,
            v_reset_offset_volt: 0.0,
        }
    }
}

/// The reachable ranges of one speed-up and capacitor setting; each pair is (lowest, highest).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HardwareRanges {
    pub speed_up: SpeedUp,
    pub capacitor: Capacitor,
    pub tau_m_s: (f64, f64),
    pub refractory_s: (f64, f64),
    pub tau_syn_s: (f64, f64),
    pub exp_slope_volt: (f64, f64),
    pub a_siemens: (f64, f64),
    pub tau_w_s: (f64, f64),
    pub b_ampere: (f64, f64),
    /// Any FG voltage (E_l, V_t, V_exp, E_syni, V_reset).
    pub voltage_volt: (f64, f64),
    /// E_synx saturates above ~1.4 V (spec §1.4, §2.4).
    pub e_rev_exc_volt: (f64, f64),
    /// The current stimulus: one FG current cell.
    pub stimulus_ampere: (f64, f64),
}

/// The I_gl current-mirror divisor of a speed-up setting (sthal, spec §1.4): tau_m scales with it.
pub const fn leak_divisor(speed_up: SpeedUp) -> f64 {
    match speed_up {
        SpeedUp::Slow => 27.0,
        SpeedUp::Normal => 3.0,
        SpeedUp::Fast => 1.0,
    }
}

/// The domain of `parameter`'s transformation.
const fn domain(parameter: NeuronParameter, speed_up: SpeedUp, capacitor: Capacitor) -> (f64, f64) {
    match calib::trafo(parameter, speed_up, capacitor) {
        Some(t) => t.domain(),
        None => panic!("a calibrated parameter"),
    }
}

/// One row of [`RANGES`]: the calibtic domains of the parameters at this setting.
const fn row(speed_up: SpeedUp, capacitor: Capacitor) -> HardwareRanges {
    use NeuronParameter::*;
    HardwareRanges {
        speed_up,
        capacitor,
        tau_m_s: tau_m_domain(speed_up, capacitor),
        refractory_s: domain(I_pl, speed_up, capacitor),
        tau_syn_s: domain(V_syntcx, speed_up, capacitor),
        exp_slope_volt: domain(I_rexp, speed_up, capacitor),
        a_siemens: domain(I_gladapt, speed_up, capacitor),
        tau_w_s: domain(I_radapt, speed_up, capacitor),
        b_ampere: domain(I_fire, speed_up, capacitor),
        voltage_volt: domain(E_l, speed_up, capacitor),
        e_rev_exc_volt: domain(E_synx, speed_up, capacitor),
        stimulus_ampere: (0.0, FG_FULL_SCALE_AMPERE),
    }
}

/// Reachable ranges for every speed-up and capacitor (spec §2.4 table, §8.3; scaling per the module docs).
pub const RANGES: [HardwareRanges; 6] = [
    row(SpeedUp::Slow, Capacitor::Big),
    row(SpeedUp::Slow, Capacitor::Small),
    row(SpeedUp::Normal, Capacitor::Big),
    row(SpeedUp::Normal, Capacitor::Small),
    row(SpeedUp::Fast, Capacitor::Big),
    row(SpeedUp::Fast, Capacitor::Small),
];

impl HardwareRanges {
    pub fn of(speed_up: SpeedUp, capacitor: Capacitor) -> &'static HardwareRanges {
        RANGES
            .iter()
            .find(|r| r.speed_up == speed_up && r.capacitor == capacitor)
            .expect("RANGES has every speed-up and capacitor")
    }
}

/// The current a neuron's FG current stimulus realises for `ampere`: the nearest of the 10-bit current
/// cell's 1024 values, 0..2.5 uA in steps of 2.5 uA / 1023 = 2.44 nA (spec §2.4, §2.10: halbe's
/// `FGStimulus` holds 129 such 10-bit cells, marocco writes them as raw DAC values). calibtic has no
/// transformation for the stimulus, so the cell's design scale is used linearly. Outside the range it clips.
pub fn realise_stimulus(ampere: f64) -> f64 {
    let cell = CellKind::Current;
    let clamped = ampere.clamp(0.0, FG_FULL_SCALE_AMPERE);
    cell.analog(cell.quantise(clamped, &mut FgClipCounter::default()))
}

/// The parameters [`DenmemParameters::clip`] can clip, to count them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClippedParameter {
    MembraneTau,
    LeakPotential,
    Threshold,
    ExpSlope,
    ExpThreshold,
    AdaptationA,
    AdaptationB,
    AdaptationTau,
    SynapticTau,
    ReversalPotential,
    Refractory,
    Stimulus,
}

impl ClippedParameter {
    pub const COUNT: usize = 12;
}

/// Parameters clipped to the hardware's ranges, per parameter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClipCounters {
    pub clipped: [u64; ClippedParameter::COUNT],
    /// Voltages that fell outside the floating gate's 10-bit range when quantised.
    pub fg: FgClipCounter,
}

impl ClipCounters {
    pub fn of(&self, parameter: ClippedParameter) -> u64 {
        self.clipped[parameter as usize]
    }

    pub fn total(&self) -> u64 {
        self.clipped.iter().sum::<u64>() + self.fg.clipped
    }

    fn clip(&mut self, parameter: ClippedParameter, value: &mut f64, (lo, hi): (f64, f64)) {
        let clipped = value.clamp(lo, hi);
        if clipped != *value {
            self.clipped[parameter as usize] += 1;
            *value = clipped;
        }
    }
}

impl DenmemParameters {
    /// tau_m = C / g_l.
    pub fn tau_m_s(&self) -> f64 {
        self.capacitor.farad() / self.g_l_siemens
    }

    /// These parameters moved into `ranges` (which should be the ranges of this denmem's capacitor),
    /// counting each parameter that had to move.
    pub fn clip(&self, ranges: &HardwareRanges, counters: &mut ClipCounters) -> DenmemParameters {
        use ClippedParameter as P;
        let mut p = *self;
        let mut tau_m = p.tau_m_s();
        counters.clip(P::MembraneTau, &mut tau_m, ranges.tau_m_s);
        p.g_l_siemens = p.capacitor.farad() / tau_m;
        counters.clip(P::LeakPotential, &mut p.e_l_volt, ranges.voltage_volt);
        counters.clip(P::Threshold, &mut p.v_t_volt, ranges.voltage_volt);
        if let Some(e) = &mut p.exponential {
            counters.clip(P::ExpSlope, &mut e.slope_volt, ranges.exp_slope_volt);
            counters.clip(P::ExpThreshold, &mut e.v_exp_volt, ranges.voltage_volt);
        }
        if let Some(a) = &mut p.adaptation {
            counters.clip(P::AdaptationA, &mut a.a_siemens, ranges.a_siemens);
            counters.clip(P::AdaptationB, &mut a.b_ampere, ranges.b_ampere);
            counters.clip(P::AdaptationTau, &mut a.tau_w_s, ranges.tau_w_s);
        }
        for (input, syn) in p.synaptic.iter_mut().enumerate() {
            counters.clip(P::SynapticTau, &mut syn.tau_s, ranges.tau_syn_s);
            let e_range = if input == SynapticInput::Excitatory as usize {
                ranges.e_rev_exc_volt
            } else {
                ranges.voltage_volt
            };
            counters.clip(P::ReversalPotential, &mut syn.e_rev_volt, e_range);
        }
        counters.clip(P::Refractory, &mut p.refractory_s, ranges.refractory_s);
        counters.clip(P::Stimulus, &mut p.stimulus_ampere, ranges.stimulus_ampere);
        p
    }

    /// Every calibrated parameter replaced by the value its DAC code realises at `speed_up` ([`calib`]):
    /// values outside a transformation's domain are clipped into it and counted per parameter, DAC values
    /// outside 0..=1023 counted in `counters.fg`. Realising a realised value changes nothing, so the mapper
    /// and the wafer may both call it. The current stimulus is not an FG parameter of the denmem (spec
    /// §2.10: a pattern generator per FG block driving one neuron) and stays as it is: the mapper puts the
    /// neuron's total on its grid ([`realise_stimulus`]).
    pub fn quantise(&self, speed_up: SpeedUp, counters: &mut ClipCounters) -> DenmemParameters {
        use ClippedParameter as C;
        use NeuronParameter as N;
        let mut p = *self;
        let capacitor = p.capacitor;
        let mut realise = |parameter: N, clipped: C, value: &mut f64| {
            let trafo =
                calib::trafo(parameter, speed_up, capacitor).expect("a calibrated parameter");
            let (realised, conversion) = trafo.realise(*value);
            counters.clipped[clipped as usize] += u64::from(conversion.outside_domain);
            counters.fg.clipped += u64::from(conversion.dac_clipped);
            *value = realised;
        };
        let mut tau_m = p.tau_m_s();
        realise(N::I_gl, C::MembraneTau, &mut tau_m);
        p.g_l_siemens = capacitor.farad() / tau_m;
        realise(N::E_l, C::LeakPotential, &mut p.e_l_volt);
        realise(N::V_t, C::Threshold, &mut p.v_t_volt);
        if let Some(e) = &mut p.exponential {
            realise(N::I_rexp, C::ExpSlope, &mut e.slope_volt);
            realise(N::V_exp, C::ExpThreshold, &mut e.v_exp_volt);
        }
        if let Some(a) = &mut p.adaptation {
            realise(N::I_gladapt, C::AdaptationA, &mut a.a_siemens);
            realise(N::I_fire, C::AdaptationB, &mut a.b_ampere);
            realise(N::I_radapt, C::AdaptationTau, &mut a.tau_w_s);
        }
        let [inhibitory, excitatory] = &mut p.synaptic;
        realise(N::V_syntci, C::SynapticTau, &mut inhibitory.tau_s);
        realise(N::E_syni, C::ReversalPotential, &mut inhibitory.e_rev_volt);
        realise(N::V_syntcx, C::SynapticTau, &mut excitatory.tau_s);
        realise(N::E_synx, C::ReversalPotential, &mut excitatory.e_rev_volt);
        realise(N::I_pl, C::Refractory, &mut p.refractory_s);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_the_calibtic_domains() {
        let normal = HardwareRanges::of(SpeedUp::Normal, Capacitor::Big);
        assert_eq!(normal.tau_m_s, (0.541e-6, 48.2e-6));
        // calibtic's own domains at 1e3 and 1e5 (not the 1e4 one times the divisor ratio): big capacitor
        // 1.5..200 us at 1e3, i.e. 1.5..200 ms biological.
        let slow = HardwareRanges::of(SpeedUp::Slow, Capacitor::Big);
        assert_eq!(slow.tau_m_s, (1.5e-6, 2.0e-4));
        let fast_small = HardwareRanges::of(SpeedUp::Fast, Capacitor::Small);
        assert_eq!(fast_small.tau_m_s, (1.0e-7, 4.02e-6));
        // a shrinks and tau_w grows with the divisor ratio (module docs); tau_syn has no speed bit.
        assert!((slow.a_siemens.1 - 4958e-9 / 9.0).abs() < 1e-18);
        assert!((slow.tau_w_s.1 - 35.4e-6 * 9.0).abs() < 1e-15);
        assert_eq!(slow.tau_syn_s, normal.tau_syn_s);
        assert!((normal.tau_syn_s.0 - 0.1299e-6).abs() < 1e-10);
        assert!((normal.refractory_s.1 - 1.732e-6).abs() < 1e-9);
        assert_eq!(normal.e_rev_exc_volt, (0.0, 1.4));
        assert_eq!(RANGES.len(), 6);
    }

    #[test]
    fn clip_moves_out_of_range_values_and_counts_them() {
        let ranges = HardwareRanges::of(SpeedUp::Normal, Capacitor::Big);
        let mut counters = ClipCounters::default();
        let mut p = DenmemParameters {
            g_l_siemens: Capacitor::Big.farad() / 100e-6,
            refractory_s: 5e-9,
            ..DenmemParameters::default()
        };
        p.synaptic[SynapticInput::Excitatory as usize].e_rev_volt = 1.6;
        let q = p.clip(ranges, &mut counters);
        assert!((q.tau_m_s() - 48.2e-6).abs() < 1e-12);
        assert_eq!(q.refractory_s, ranges.refractory_s.0);
        assert_eq!(q.synaptic[1].e_rev_volt, 1.4);
        assert_eq!(counters.of(ClippedParameter::MembraneTau), 1);
        assert_eq!(counters.of(ClippedParameter::Refractory), 1);
        assert_eq!(counters.of(ClippedParameter::ReversalPotential), 1);
        assert_eq!(counters.total(), 3);
        // The default (spec §6.4a) is inside every range.
        let mut none = ClipCounters::default();
        assert_eq!(
            DenmemParameters::default().clip(ranges, &mut none),
            DenmemParameters::default()
        );
        assert_eq!(none.total(), 0);
    }

    #[test]
    fn quantise_puts_every_parameter_on_its_dac_grid() {
        let mut counters = ClipCounters::default();
        let p = DenmemParameters {
            e_l_volt: 0.5501,
            exponential: Some(ExponentialTerm {
                slope_volt: 5e-3,
                v_exp_volt: 0.7,
            }),
            adaptation: Some(Adaptation {
                a_siemens: 100e-9,
                b_ampere: 10e-9,
                tau_w_s: 10e-6,
            }),
            ..DenmemParameters::default()
        };
        let q = p.quantise(SpeedUp::Normal, &mut counters);
        assert!((q.e_l_volt - 313.0 * 1.8 / 1023.0).abs() < 1e-12);
        // tau_m 2 us -> I_gl 80 realises 2.0006 us (spec §6.4a), not 2 us.
        assert_ne!(q.tau_m_s(), p.tau_m_s());
        assert!((q.tau_m_s() - 2e-6).abs() < 0.01e-6);
        assert_ne!(q.synaptic[0].tau_s, 0.5e-6);
        assert_ne!(q.refractory_s, 0.2e-6);
        assert_ne!(q.adaptation.unwrap().a_siemens, 100e-9);
        assert_ne!(q.exponential.unwrap().slope_volt, 5e-3);
        assert_eq!(counters.total(), 0);
        // Realising a realised value changes nothing.
        assert_eq!(q.quantise(SpeedUp::Normal, &mut counters), q);
        assert_eq!(counters.total(), 0);
        // Out of the domain: clipped and counted; adaptation a = 0 stays off.
        let off = DenmemParameters {
            g_l_siemens: Capacitor::Big.farad() / 1e-3,
            adaptation: Some(Adaptation {
                a_siemens: 0.0,
                b_ampere: 10e-9,
                tau_w_s: 10e-6,
            }),
            ..DenmemParameters::default()
        };
        let r = off.quantise(SpeedUp::Normal, &mut counters);
        assert!(r.tau_m_s() <= 48.2e-6);
        assert_eq!(r.adaptation.unwrap().a_siemens, 0.0);
        assert_eq!(counters.of(ClippedParameter::MembraneTau), 1);
        assert_eq!(counters.total(), 1);
    }
}
