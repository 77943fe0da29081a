//! Logical neurons: denmems joined into one membrane (spec §2.2, §8.2 rule 1).
//!
//! Connected denmems share one membrane potential V; each keeps its own leak, exponential term, adaptation
//! and synaptic inputs, and their currents add (spec §2.3, ESS `CompoundNeuron`). Because the terms are
//! linear in their own state, denmems with equal constants are merged into one term at construction: the
//! leaks into one (sum of g_l, g_l-weighted E_l), exponential terms with equal (ΔT, V_exp) by summing g_l,
//! adaptation terms with equal (tau_w, E_l) by summing a and b, and synaptic inputs with equal (tau,
//! E_rev) into one conductance. With mismatch every denmem keeps its own terms. Only the firing denmem's
//! comparator (V_t) and refractory timer count (spec §2.2); the reset pulls every connected denmem to the
//! shared V_reset, so the reset target is V_reset plus the mean of the members' reset offsets (our choice:
//! equal pull-down strengths).

use rand_xoshiro::Xoshiro256PlusPlus;

use crate::coord::NeuronOnHicann;
use crate::coord::SynapticInput;
use crate::neuron::params::DenmemParameters;
use crate::time::HwTime;

/// Largest logical neuron: a whole neuron block of 32 columns x 2 rows (spec §2.2).
pub const MAX_DENMEMS: usize = 64;

/// A logical neuron the hardware cannot build, naming the denmems at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NeuronError {
    #[error("a logical neuron of {size} denmems: sizes are even, 2..=64 (spec §2.2)")]
    Size { size: usize },
    #[error("denmem ({}, {}) is listed twice", .denmem.x(), .denmem.y())]
    Duplicate { denmem: NeuronOnHicann },
    #[error("denmem ({}, {}) is used without the other row of its column", .denmem.x(), .denmem.y())]
    HalfColumn { denmem: NeuronOnHicann },
    #[error("columns {left} and {right} are used but not the columns between them")]
    NotContiguous { left: u8, right: u8 },
    #[error(
        "denmems ({}, {}) and ({}, {}) lie in different neuron blocks",
        .first.x(), .first.y(), .last.x(), .last.y()
    )]
    CrossesBlock {
        first: NeuronOnHicann,
        last: NeuronOnHicann,
    },
    #[error("the firing denmem ({}, {}) is not one of the neuron's denmems", .firing.x(), .firing.y())]
    FiringNotMember { firing: NeuronOnHicann },
    #[error("denmem ({}, {}): {what} must be positive and finite", .denmem.x(), .denmem.y())]
    BadParameter {
        denmem: NeuronOnHicann,
        what: &'static str,
    },
}

/// Checks the shape rules of spec §8.2 rule 1: an even number (2..=64) of distinct denmems, both rows of
/// every used column, contiguous columns inside one neuron block, and a firing denmem among them.
pub fn check_shape(denmems: &[NeuronOnHicann], firing: NeuronOnHicann) -> Result<(), NeuronError> {
    let size = denmems.len();
    if !(2..=MAX_DENMEMS).contains(&size) || !size.is_multiple_of(2) {
        return Err(NeuronError::Size { size });
    }
    let mut sorted = [NeuronOnHicann::from_enum(0).expect("denmem 0 exists"); MAX_DENMEMS];
    let sorted = &mut sorted[..size];
    sorted.copy_from_slice(denmems);
    sorted.sort_by_key(|d| (d.x(), d.y()));
    for pair in sorted.windows(2) {
        if pair[0] == pair[1] {
            return Err(NeuronError::Duplicate { denmem: pair[0] });
        }
    }
    for column in sorted.chunks(2) {
        if column[0].x() != column[1].x() {
            return Err(NeuronError::HalfColumn { denmem: column[0] });
        }
    }
    for i in (2..size).step_by(2) {
        let (left, right) = (sorted[i - 2].x(), sorted[i].x());
        if right != left + 1 {
            return Err(NeuronError::NotContiguous { left, right });
        }
    }
    let (first, last) = (sorted[0], sorted[size - 1]);
    if first.block() != last.block() {
        return Err(NeuronError::CrossesBlock { first, last });
    }
    if !denmems.contains(&firing) {
        return Err(NeuronError::FiringNotMember { firing });
    }
    Ok(())
}

/// Merged exponential terms: g ΔT exp((V - V_exp) / ΔT).
#[derive(Debug, Clone, Copy)]
pub(super) struct ExpTerm {
    pub g_siemens: f64,
    pub slope_volt: f64,
    pub v_exp_volt: f64,
}

/// Merged adaptation terms: tau dw/dt = a (V - E_l) - w; w += b at a spike.
#[derive(Debug, Clone, Copy)]
pub(super) struct AdaptTerm {
    pub a_siemens: f64,
    pub e_l_volt: f64,
    pub tau_s: f64,
    pub b_ampere: f64,
}

/// Merged synaptic conductances of one input kind decaying with tau towards E_rev.
#[derive(Debug, Clone, Copy)]
pub(super) struct Conductance {
    pub input: SynapticInput,
    pub tau_s: f64,
    pub e_rev_volt: f64,
    pub g_siemens: f64,
}

/// A synaptic input of one denmem of a logical neuron, resolved once so that events need no lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynapticChannel(pub(super) u8);

/// Membrane noise as the integrator applies it (see `nonideal::MembraneNoise`).
#[derive(Debug, Clone)]
pub(super) struct NoiseState {
    /// Standard deviation of one kick: sigma_I sqrt(dt) / C.
    pub kick_volt: f64,
    pub interval: HwTime,
    pub next_kick: HwTime,
    pub rng: Xoshiro256PlusPlus,
}

/// What the integrator did, and any trouble it had.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntegratorCounters {
    pub spikes: u64,
    /// Accepted adaptive (Dormand-Prince) steps.
    pub steps: u64,
    /// Steps rejected by the error control and retried shorter.
    pub rejected_steps: u64,
    /// Spans solved in closed form (no exponential term, adaptation or conductance).
    pub exact_spans: u64,
    /// Steps accepted at the one-tick minimum although their error was above tolerance, or whose result
    /// was not finite (the membrane is then taken to have crossed threshold).
    pub forced_steps: u64,
    /// Steps taken past the time asked ([`LogicalNeuron::look_ahead`]) and dropped because an input
    /// arrived inside them (each is taken again, cut at the input). Included in `steps`.
    pub dropped_steps: u64,
}

/// A step [`LogicalNeuron::look_ahead`] took past the time it was asked for: where it ends and whether on a
/// threshold crossing. Its end state stays in [`LogicalNeuron::scratch`] until it is taken whole (the
/// neuron is asked for its end or later) or dropped (an input inside it).
#[derive(Debug, Clone, Copy)]
pub(super) struct Ahead {
    pub end: HwTime,
    pub crossed: bool,
}

/// Tolerances of the adaptive integrator.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IntegratorSettings {
    /// Local error allowed on V per step. Adaptation currents are held to the current that would move the
    /// leak's equilibrium by as much: abs_tol_volt x sum g_l.
    pub abs_tol_volt: f64,
    /// First step tried after a reset or an event.
    pub initial_step_s: f64,
    /// A conductance below this fraction of sum g_l is dropped to zero so that the closed form applies
    /// (changes V by less than this fraction of its distance to E_rev).
    pub negligible_conductance: f64,
}

impl Default for IntegratorSettings {
    /// 0.1 uV per step (0.01 uV bio at alpha_v 10: at 1 uV the steep AdEx upswing let spike times drift
    /// by a tick per few spikes, for 1 % fewer steps), first step 1 ns, conductances below 1e-9 g_l
    /// dropped.
    fn default() -> IntegratorSettings {
        IntegratorSettings {
            abs_tol_volt: 1e-7,
            initial_step_s: 1e-9,
            negligible_conductance: 1e-9,
        }
    }
}

/// A logical neuron: its denmems, the merged membrane equation and its state.
#[derive(Debug, Clone)]
pub struct LogicalNeuron {
    pub(super) denmems: Vec<NeuronOnHicann>,
    pub(super) firing: NeuronOnHicann,
    pub(super) c_farad: f64,
    pub(super) g_l_siemens: f64,
    /// g_l-weighted mean E_l.
    pub(super) e_l_volt: f64,
    pub(super) stimulus_ampere: f64,
    pub(super) v_t_volt: f64,
    pub(super) v_reset_volt: f64,
    pub(super) refractory: HwTime,
    pub(super) exp_terms: Vec<ExpTerm>,
    pub(super) adapt_terms: Vec<AdaptTerm>,
    pub(super) conductances: Vec<Conductance>,
    /// Per denmem (in `denmems` order), the conductance index of each synaptic input.
    pub(super) channel_of: Vec<[u8; 2]>,
    pub(super) settings: IntegratorSettings,
    pub(super) noise: Option<NoiseState>,
    pub(super) counters: IntegratorCounters,
    // State.
    pub(super) t: HwTime,
    pub(super) v_volt: f64,
    /// One w per adaptation term.
    pub(super) w_ampere: Vec<f64>,
    pub(super) refractory_until: HwTime,
    pub(super) step_s: f64,
    /// The step taken past the last time asked for, not yet in the state.
    pub(super) ahead: Option<Ahead>,
    /// Dormand-Prince stages and work vectors, 10 x (1 + adaptation terms), allocated once.
    pub(super) scratch: Vec<f64>,
}

fn check_positive(denmem: NeuronOnHicann, what: &'static str, x: f64) -> Result<(), NeuronError> {
    if x > 0.0 && x.is_finite() {
        Ok(())
    } else {
        Err(NeuronError::BadParameter { denmem, what })
    }
}

fn check_parameters(denmem: NeuronOnHicann, p: &DenmemParameters) -> Result<(), NeuronError> {
    check_positive(denmem, "g_l", p.g_l_siemens)?;
    check_positive(
        denmem,
        "tau_syn",
        p.synaptic[0].tau_s.min(p.synaptic[1].tau_s),
    )?;
    if let Some(e) = p.exponential {
        check_positive(denmem, "the exponential slope", e.slope_volt)?;
    }
    if let Some(a) = p.adaptation {
        check_positive(denmem, "tau_w", a.tau_w_s)?;
    }
    Ok(())
}

/// The index of the term matching `same` in `terms`, appending `new` if none does.
fn merge_into<T>(terms: &mut Vec<T>, same: impl Fn(&T) -> bool, new: T) -> usize {
    match terms.iter().position(same) {
        Some(i) => i,
        None => {
            terms.push(new);
            terms.len() - 1
        }
    }
}

impl LogicalNeuron {
    /// Joins `members` (each denmem with its analog parameters) into one neuron firing through `firing`,
    /// reset to `v_reset_volt` (the shared V_reset, spec §2.4). Starts at rest (V = mean E_l) at time 0.
    pub fn new(
        members: &[(NeuronOnHicann, DenmemParameters)],
        firing: NeuronOnHicann,
        v_reset_volt: f64,
    ) -> Result<LogicalNeuron, NeuronError> {
        let denmems: Vec<_> = members.iter().map(|&(d, _)| d).collect();
        check_shape(&denmems, firing)?;
        let mut c_farad = 0.0;
        let mut g_l_siemens = 0.0;
        let mut g_e = 0.0;
        let mut stimulus_ampere = 0.0;
        let mut reset_offset = 0.0;
        let mut exp_terms: Vec<ExpTerm> = Vec::new();
        let mut adapt_terms: Vec<AdaptTerm> = Vec::new();
        let mut conductances: Vec<Conductance> = Vec::new();
        let mut channel_of = Vec::with_capacity(members.len());
        let mut fire_params = members[0].1;
        for &(denmem, p) in members {
            check_parameters(denmem, &p)?;
            if denmem == firing {
                fire_params = p;
            }
            c_farad += p.capacitor.farad();
            g_l_siemens += p.g_l_siemens;
            g_e += p.g_l_siemens * p.e_l_volt;
            stimulus_ampere += p.stimulus_ampere;
            reset_offset += p.v_reset_offset_volt;
            if let Some(e) = p.exponential {
                let same =
                    |t: &ExpTerm| t.slope_volt == e.slope_volt && t.v_exp_volt == e.v_exp_volt;
                let new = ExpTerm {
                    g_siemens: 0.0,
                    slope_volt: e.slope_volt,
                    v_exp_volt: e.v_exp_volt,
                };
                let i = merge_into(&mut exp_terms, same, new);
                exp_terms[i].g_siemens += p.g_l_siemens;
            }
            if let Some(a) = p.adaptation {
                let same = |t: &AdaptTerm| t.tau_s == a.tau_w_s && t.e_l_volt == p.e_l_volt;
                let new = AdaptTerm {
                    a_siemens: 0.0,
                    e_l_volt: p.e_l_volt,
                    tau_s: a.tau_w_s,
                    b_ampere: 0.0,
                };
                let i = merge_into(&mut adapt_terms, same, new);
                adapt_terms[i].a_siemens += a.a_siemens;
                adapt_terms[i].b_ampere += a.b_ampere;
            }
            let mut channels = [0u8; 2];
            for (input, syn) in [SynapticInput::Inhibitory, SynapticInput::Excitatory]
                .into_iter()
                .zip(&p.synaptic)
            {
                let same = |c: &Conductance| {
                    c.input == input && c.tau_s == syn.tau_s && c.e_rev_volt == syn.e_rev_volt
                };
                let new = Conductance {
                    input,
                    tau_s: syn.tau_s,
                    e_rev_volt: syn.e_rev_volt,
                    g_siemens: 0.0,
                };
                channels[input as usize] = merge_into(&mut conductances, same, new) as u8;
            }
            channel_of.push(channels);
        }
        let refractory = HwTime::from_seconds(fire_params.refractory_s).max(HwTime(1));
        let e_l_volt = g_e / g_l_siemens;
        let dim = 1 + adapt_terms.len();
        Ok(LogicalNeuron {
            firing,
            c_farad,
            g_l_siemens,
            e_l_volt,
            stimulus_ampere,
            v_t_volt: fire_params.v_t_volt,
            v_reset_volt: v_reset_volt + reset_offset / members.len() as f64,
            refractory,
            w_ampere: vec![0.0; adapt_terms.len()],
            ahead: None,
            exp_terms,
            adapt_terms,
            conductances,
            channel_of,
            settings: IntegratorSettings::default(),
            noise: None,
            counters: IntegratorCounters::default(),
            t: HwTime::ZERO,
            v_volt: e_l_volt,
            refractory_until: HwTime::ZERO,
            step_s: IntegratorSettings::default().initial_step_s,
            scratch: vec![0.0; 10 * dim],
            denmems,
        })
    }

    pub fn denmems(&self) -> &[NeuronOnHicann] {
        &self.denmems
    }

    pub fn firing_denmem(&self) -> NeuronOnHicann {
        self.firing
    }

    /// Total membrane capacitance (sum over the denmems).
    pub fn capacitance_farad(&self) -> f64 {
        self.c_farad
    }

    /// The handle of synaptic input `input` of member `denmem`, for [`LogicalNeuron::add_conductance`].
    pub fn channel(&self, denmem: NeuronOnHicann, input: SynapticInput) -> Option<SynapticChannel> {
        let i = self.denmems.iter().position(|&d| d == denmem)?;
        Some(SynapticChannel(self.channel_of[i][input as usize]))
    }

    pub fn set_settings(&mut self, settings: IntegratorSettings) {
        self.settings = settings;
        self.step_s = settings.initial_step_s;
    }

    pub fn counters(&self) -> &IntegratorCounters {
        &self.counters
    }

    /// The time of the state (a step looked ahead past it is not in the state).
    pub fn time(&self) -> HwTime {
        self.t
    }

    /// The membrane at [`LogicalNeuron::time`].
    pub fn v_volt(&self) -> f64 {
        self.v_volt
    }

    /// Sets the membrane potential (an initial condition).
    pub fn set_v_volt(&mut self, v_volt: f64) {
        self.v_volt = v_volt;
    }

    /// The summed adaptation current.
    pub fn w_ampere(&self) -> f64 {
        self.w_ampere.iter().sum()
    }

    /// The summed synaptic conductance on `input` of all denmems.
    pub fn conductance_siemens(&self, input: SynapticInput) -> f64 {
        self.conductances
            .iter()
            .filter(|c| c.input == input)
            .map(|c| c.g_siemens)
            .sum()
    }

    /// Whether the membrane is clamped after a spike.
    pub fn is_refractory(&self) -> bool {
        self.t < self.refractory_until
    }

    /// The last time up to which V cannot reach V_t without new input: a guarantee (`HwTime(u64::MAX)`:
    /// never), for runs that leave a quiet neuron unadvanced. Without noise or adaptation V stays above
    /// V_low = min(V, V_reset, every reversal potential, E_l + min(I_stim, 0) / g_l), so each current is
    /// at most its value at V_low (the exponential term at most its value at V_t, where the integrator
    /// clamps it; conductances only decay): V rises by at most that sum / C per second once the
    /// refractory hold ends, and the bound's crossing is rounded down with a tick to spare. With a step
    /// looked ahead ([`LogicalNeuron::look_ahead`]), at least the tick before its end: what that step shows
    /// (a step taken again, cut at an input, may cross a few ticks earlier: see the integrator's docs).
    pub fn quiet_until(&self) -> HwTime {
        let bound = self.quiet_bound();
        match self.ahead {
            Some(ahead) => bound.max(HwTime(ahead.end.0 - 1)),
            None => bound,
        }
    }

    /// [`LogicalNeuron::quiet_until`] from the state alone.
    fn quiet_bound(&self) -> HwTime {
        if self.noise.is_some() || !self.adapt_terms.is_empty() || self.v_volt >= self.v_t_volt {
            return self.t;
        }
        let mut v_low = self
            .v_volt
            .min(self.v_reset_volt)
            .min(self.e_l_volt + self.stimulus_ampere.min(0.0) / self.g_l_siemens);
        for c in &self.conductances {
            v_low = v_low.min(c.e_rev_volt);
        }
        let mut current =
            self.stimulus_ampere.max(0.0) + self.g_l_siemens * (self.e_l_volt - v_low).max(0.0);
        for c in &self.conductances {
            current += c.g_siemens * (c.e_rev_volt - v_low).max(0.0);
        }
        for e in &self.exp_terms {
            current +=
                e.g_siemens * e.slope_volt * ((self.v_t_volt - e.v_exp_volt) / e.slope_volt).exp();
        }
        let headroom = self.v_t_volt - self.v_volt.max(self.v_reset_volt);
        if headroom <= 0.0 {
            return self.t;
        }
        let ticks = headroom * self.c_farad / current * (1e9 * crate::time::TICKS_PER_NS as f64);
        if !ticks.is_finite() || ticks >= 1e18 {
            return HwTime(u64::MAX);
        }
        let from = self.t.max(self.refractory_until);
        HwTime((from.0 + ticks.floor() as u64).saturating_sub(2)).max(self.t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(x: u8, y: u8) -> NeuronOnHicann {
        NeuronOnHicann::new(x, y).unwrap()
    }

    fn columns(xs: std::ops::Range<u8>) -> Vec<NeuronOnHicann> {
        xs.flat_map(|x| [d(x, 0), d(x, 1)]).collect()
    }

    #[test]
    fn valid_shapes_pass() {
        assert_eq!(check_shape(&columns(0..1), d(0, 1)), Ok(()));
        assert_eq!(check_shape(&columns(32..64), d(40, 0)), Ok(()));
        assert_eq!(check_shape(&columns(5..7), d(6, 1)), Ok(()));
    }

    #[test]
    fn rule_violations_are_refused_naming_the_denmems() {
        let err = |denmems: &[NeuronOnHicann], firing| check_shape(denmems, firing).unwrap_err();
        assert_eq!(err(&[d(0, 0)], d(0, 0)), NeuronError::Size { size: 1 });
        assert_eq!(
            err(&[d(0, 0), d(0, 1), d(1, 0)], d(0, 0)),
            NeuronError::Size { size: 3 }
        );
        assert_eq!(
            err(&columns(0..33), d(0, 0)),
            NeuronError::Size { size: 66 }
        );
        assert_eq!(
            err(&[d(3, 0), d(3, 0)], d(3, 0)),
            NeuronError::Duplicate { denmem: d(3, 0) }
        );
        // One row only: the top denmems of columns 3 and 4.
        assert_eq!(
            err(&[d(3, 0), d(4, 0)], d(3, 0)),
            NeuronError::HalfColumn { denmem: d(3, 0) }
        );
        let mut gap = columns(0..2);
        gap.extend(columns(3..4));
        gap.extend(columns(8..9));
        assert_eq!(
            err(&gap, d(0, 0)),
            NeuronError::NotContiguous { left: 1, right: 3 }
        );
        // Columns 31 and 32 are contiguous but in neuron blocks 0 and 1.
        assert_eq!(
            err(&columns(31..33), d(31, 0)),
            NeuronError::CrossesBlock {
                first: d(31, 0),
                last: d(32, 1)
            }
        );
        assert_eq!(
            err(&columns(0..2), d(2, 0)),
            NeuronError::FiringNotMember { firing: d(2, 0) }
        );
        let message = err(&[d(3, 0), d(4, 0)], d(3, 0)).to_string();
        assert!(message.contains("(3, 0)"), "{message}");
    }

    #[test]
    fn equal_denmems_merge_and_different_ones_do_not() {
        let p = DenmemParameters::default();
        let members: Vec<_> = columns(0..2).into_iter().map(|d| (d, p)).collect();
        let n = LogicalNeuron::new(&members, d(0, 0), 0.5).unwrap();
        assert_eq!(n.conductances.len(), 2);
        assert!((n.capacitance_farad() - 4.0 * 2.16456e-12).abs() < 1e-20);
        let ch = n.channel(d(1, 1), SynapticInput::Excitatory).unwrap();
        assert_eq!(n.conductances[usize::from(ch.0)].e_rev_volt, 1.2);
        let mut other = p;
        other.synaptic[1].tau_s = 0.7e-6;
        let mut members = members;
        members[3].1 = other;
        let n = LogicalNeuron::new(&members, d(0, 0), 0.5).unwrap();
        assert_eq!(n.conductances.len(), 3);
        assert_eq!(n.channel(d(2, 0), SynapticInput::Excitatory), None);
        let bad = DenmemParameters {
            g_l_siemens: 0.0,
            ..p
        };
        assert!(matches!(
            LogicalNeuron::new(&[(d(0, 0), p), (d(0, 1), bad)], d(0, 0), 0.5),
            Err(NeuronError::BadParameter { .. })
        ));
    }

    proptest! {
        /// `quiet_until` is a guarantee: integrating to it gives no spike.
        #[test]
        fn quiet_until_never_misses_a_spike(
            g_exc in 0.0f64..20e-6, g_inh in 0.0f64..5e-6, stim in -2e-6f64..3e-6, ns in 1u64..4000,
        ) {
            let p = DenmemParameters::default();
            let members: Vec<_> = columns(0..2).into_iter().map(|d| (d, p)).collect();
            let mut n = LogicalNeuron::new(&members, d(0, 0), 0.5).unwrap();
            n.set_stimulus_ampere(stim);
            let exc = n.channel(d(0, 0), SynapticInput::Excitatory).unwrap();
            let inh = n.channel(d(1, 1), SynapticInput::Inhibitory).unwrap();
            n.add_conductance(exc, g_exc);
            n.add_conductance(inh, g_inh);
            let quiet = n.quiet_until();
            prop_assert_eq!(n.advance(quiet.min(HwTime::from_ns(ns))), None);
        }

        /// Every block-internal run of whole columns is a neuron; moving any one denmem out of it breaks
        /// the whole-column rule.
        #[test]
        fn whole_column_runs_inside_a_block_are_exactly_the_valid_shapes(
            block in 0u8..8, first in 0u8..32, width in 1u8..=32, drop in 0usize..64, fire in 0usize..64,
        ) {
            let first_x = block * 32 + first;
            let last_x = (u16::from(first_x) + u16::from(width) - 1).min(u16::from(block) * 32 + 31);
            let denmems: Vec<_> = (first_x..=last_x as u8).flat_map(|x| [d(x, 0), d(x, 1)]).collect();
            let firing = denmems[fire % denmems.len()];
            prop_assert_eq!(check_shape(&denmems, firing), Ok(()));
            // Move one denmem two columns past the run (same row): the size stays even, two columns are
            // left half-used.
            let mut moved = denmems.clone();
            let i = drop % moved.len();
            let away = d(((last_x + 2) % 256) as u8, moved[i].y());
            moved[i] = away;
            let firing = if moved.contains(&firing) { firing } else { away };
            let refused = matches!(check_shape(&moved, firing), Err(NeuronError::HalfColumn { .. }));
            prop_assert!(refused);
        }
    }
}
