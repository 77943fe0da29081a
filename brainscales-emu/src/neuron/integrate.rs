//! The membrane equation of a logical neuron, integrated in hardware seconds (spec §2.3):
//!
//! ```text
//! C dV/dt = -G_L (V - E_L) + sum_e g_e ΔT_e exp((min(V, V_t) - V_exp,e) / ΔT_e)
//!           + sum_c g_c(t) (E_c - V) - sum_j w_j + I_stim
//! tau_j dw_j/dt = a_j (V - E_l,j) - w_j          dg_c/dt = -g_c / tau_c
//! ```
//!
//! - Conductances decay in closed form (g exp(-t / tau)), also at the stage nodes of a step.
//! - With no exponential term, no adaptation and no conductance the equation is linear with constant
//!   coefficients and is solved in closed form, threshold crossing included (the common quiet LIF case).
//! - Otherwise Dormand-Prince 5(4) with error control on V (and on w, scaled to volts through G_L), as NEST
//!   does for `aeif_cond_exp` with GSL's embedded Runge-Kutta; near threshold the exponential term shrinks
//!   the steps by itself. Rejected steps are counted.
//! - Steps are whole ticks of [`HwTime`] (1/63 ns), so a spike lands on the tick grid: when a step ends at
//!   or above V_t the crossing is bisected over ticks by re-stepping from the step's start (each shorter
//!   step is at least as accurate as the accepted one); the spike time is the first tick with V >= V_t.
//! - Inside the ODE every term sees V clamped to [0 V, V_t]: the ESS clamps at v_spike and NEST at V_peak, and
//!   the ground rail bounds the circuit, so the exponential stays finite and a crossing step's overshoot
//!   (its stages swing far both ways when the exponential is steep) does not leak into w.
//! - Spike: V <- V_reset, w_j += b_j, V held for the firing denmem's refractory time while w and the
//!   conductances evolve (ESS behaviour, spec §2.3); during the hold w is solved in closed form.
//! - Looking ahead ([`LogicalNeuron::look_ahead`]): a neuron asked only for its spikes up to a time (the end
//!   of a wafer window) takes its next step at the length the error control chose even when it ends after
//!   that time, and keeps it aside. Asked for a later time, it takes the step whole; given an input inside
//!   the step, it drops it and steps again to the input. So the steps follow the dynamics and the inputs,
//!   not the window grid: a spiking AdEx neuron at 10^3 took one 64 ns step per window, where the error
//!   control allowed about 300 ns. A step taken again can find a crossing a few ticks earlier than the
//!   dropped one showed, even before the time last looked at: the wafer sends such a spike at its
//!   window's start and counts it (`HicannRunCounters::spikes_found_late`).
//! - Membrane noise (optional) is white current noise applied as a voltage kick of
//!   sigma_I sqrt(dt) / C every `dt` (Euler-Maruyama for additive noise) on a fixed tick grid, so that the
//!   draws do not depend on the step-size control.

use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::neuron::logical::{Ahead, LogicalNeuron, NoiseState, SynapticChannel};
use crate::neuron::nonideal::MembraneNoise;
use crate::time::{HwTime, TICKS_PER_NS};

const TICKS_PER_SECOND: f64 = TICKS_PER_NS as f64 * 1e9;

/// Dormand-Prince 5(4) nodes, stage coefficients (the last row is the 5th-order solution, whose derivative
/// is the 7th stage) and the difference between the 5th- and 4th-order weights.
/// The nodes (0, 1/5, 3/10, 4/5, 8/9, 1, 1) are in ninetieths of the step, so the conductance decay at
/// every node is a power of one exponential b = exp(-h / (90 tau)): b^0, b^18, b^27, b^72, b^80, b^90.
/// Built by repeated squaring (a dozen multiplications, relative error ~1e-14) instead of an exp or a
/// `powi` call per node.
fn node_decays(b: f64) -> [f64; 7] {
    let b2 = b * b;
    let b8 = b2 * b2 * b2 * b2;
    let b9 = b8 * b;
    let b18 = b9 * b9;
    let b27 = b18 * b9;
    let b72 = b18 * b18 * b18 * b18;
    let b90 = b72 * b18;
    [1.0, b18, b27, b72, b72 * b8, b90, b90]
}
const STAGES: [[f64; 6]; 7] = [
    [0.0; 6],
    [1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
    [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
    [
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
        0.0,
        0.0,
    ],
    [
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
        0.0,
    ],
    [
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];
const ERROR_WEIGHTS: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];

/// Step-size controller: safety factor and the bounds of one change.
const SAFETY: f64 = 0.9;
const MIN_SHRINK: f64 = 0.2;
const MAX_GROWTH: f64 = 5.0;

fn seconds(ticks: u64) -> f64 {
    ticks as f64 / TICKS_PER_SECOND
}

/// The factor a step of scaled error `err` (1 = at tolerance) should change by.
fn step_factor(err: f64) -> f64 {
    if err == 0.0 {
        MAX_GROWTH
    } else {
        (SAFETY * err.powf(-0.2)).clamp(MIN_SHRINK, MAX_GROWTH)
    }
}

impl LogicalNeuron {
    /// Adds a conductance jump to one synaptic input (a synapse event arriving now). Call it when the
    /// neuron has been advanced to the event's time. The step size carries on: the jump falls between
    /// steps and the error control shortens the next one if it must (resetting it cost 4x the steps at
    /// one event per 100 ns).
    pub fn add_conductance(&mut self, channel: SynapticChannel, siemens: f64) {
        debug_assert!(self.ahead.is_none(), "advance to the input's time first");
        self.conductances[usize::from(channel.0)].g_siemens += siemens;
    }

    /// Sets the summed current stimulus of the neuron (a step of the FG current stimulus, spec §2.10).
    pub fn set_stimulus_ampere(&mut self, ampere: f64) {
        debug_assert!(self.ahead.is_none(), "advance to the stimulus step first");
        self.stimulus_ampere = ampere;
        self.step_s = self.settings.initial_step_s;
    }

    /// Turns white membrane current noise on, drawing from `rng` (seed it by a stable id:
    /// `nonideal::stream(wafer_seed, Purpose::MembraneNoise, hicann, firing_denmem)`); the first kick is
    /// one interval from now.
    pub fn set_noise(&mut self, noise: &MembraneNoise, rng: Xoshiro256PlusPlus) {
        let interval = noise.kick_interval.max(HwTime(1));
        self.noise = Some(NoiseState {
            kick_volt: noise.current_ampere_per_sqrt_hz * seconds(interval.0).sqrt() / self.c_farad,
            interval,
            next_kick: self.t + interval,
            rng,
        });
    }

    /// Integrates up to `until`. Returns the first spike at or before `until`, leaving the state just
    /// after it (reset, refractory); the caller calls again to go on. Otherwise the state is at `until`,
    /// where an input may be added. Allocation-free.
    pub fn advance(&mut self, until: HwTime) -> Option<HwTime> {
        self.run_to(until, false)
    }

    /// As [`LogicalNeuron::advance`], but only the spikes are promised: the state may stay before `until`
    /// with a step taken past it (module docs, looking ahead). Call [`LogicalNeuron::advance`] before
    /// adding an input or reading the membrane.
    pub fn look_ahead(&mut self, until: HwTime) -> Option<HwTime> {
        self.run_to(until, true)
    }

    fn run_to(&mut self, until: HwTime, may_look_ahead: bool) -> Option<HwTime> {
        let spike = self.first_spike(until, may_look_ahead)?;
        self.fire();
        Some(spike)
    }

    /// The first threshold crossing up to `until`, the state at it (not yet reset).
    fn first_spike(&mut self, until: HwTime, may_look_ahead: bool) -> Option<HwTime> {
        while self.t < until {
            match self.ahead.take() {
                Some(ahead) if ahead.end <= until => {
                    self.take_ahead(ahead.end);
                    if ahead.crossed {
                        return Some(ahead.end);
                    }
                }
                Some(ahead) if may_look_ahead => {
                    self.ahead = Some(ahead);
                    return None;
                }
                // An input inside the step: it is taken again, cut there (its dense output is 4th-order
                // and not error-controlled: it put spikes 4 ticks off the reference, the retaken step
                // none).
                Some(_) => {
                    self.counters.dropped_steps += 1;
                    continue;
                }
                None => {
                    let kick = self.noise.as_ref().map(|n| n.next_kick);
                    let stop = kick.map_or(until, |k| until.min(k));
                    // A step looked ahead never passes a kick: the kicks stay on their grid.
                    let horizon = if may_look_ahead {
                        kick.unwrap_or(HwTime(u64::MAX))
                    } else {
                        stop
                    };
                    if self.t < self.refractory_until {
                        self.hold(stop.min(self.refractory_until));
                    } else if let Some(spike) = self.integrate_to(stop, horizon) {
                        return Some(spike);
                    }
                    if self.ahead.is_some() {
                        return None;
                    }
                }
            }
            if self.kick_due() && self.kick() {
                return Some(self.t);
            }
        }
        None
    }

    /// The step looked ahead, whole: the state at its `end`.
    fn take_ahead(&mut self, end: HwTime) {
        let dim = 1 + self.w_ampere.len();
        let out = &self.scratch[9 * dim..10 * dim];
        self.v_volt = out[0];
        self.w_ampere.copy_from_slice(&out[1..]);
        self.decay_conductances(seconds(end.0 - self.t.0));
        self.t = end;
    }

    fn kick_due(&self) -> bool {
        self.noise.as_ref().is_some_and(|n| n.next_kick == self.t)
    }

    /// Applies one noise kick (not while refractory: V is held). Whether V reached threshold.
    fn kick(&mut self) -> bool {
        let refractory = self.t < self.refractory_until;
        let noise = self.noise.as_mut().expect("kick_due checked it");
        noise.next_kick = noise.next_kick + noise.interval;
        if refractory {
            return false;
        }
        let z: f64 = StandardNormal.sample(&mut noise.rng);
        self.v_volt += noise.kick_volt * z;
        self.v_volt >= self.v_t_volt
    }

    fn fire(&mut self) {
        self.counters.spikes += 1;
        self.v_volt = self.v_reset_volt;
        for (w, term) in self.w_ampere.iter_mut().zip(&self.adapt_terms) {
            *w += term.b_ampere;
        }
        self.refractory_until = self.t + self.refractory;
        self.step_s = self.settings.initial_step_s;
    }

    /// The refractory hold up to `end`: V stays at V_reset, each w relaxes to a (V_reset - E_l) in closed
    /// form, the conductances decay.
    fn hold(&mut self, end: HwTime) {
        let dt = seconds(end.0 - self.t.0);
        for (w, term) in self.w_ampere.iter_mut().zip(&self.adapt_terms) {
            let target = term.a_siemens * (self.v_volt - term.e_l_volt);
            *w = target + (*w - target) * (-dt / term.tau_s).exp();
        }
        self.decay_conductances(dt);
        self.t = end;
    }

    fn decay_conductances(&mut self, dt: f64) {
        for c in &mut self.conductances {
            if c.g_siemens != 0.0 {
                c.g_siemens *= (-dt / c.tau_s).exp();
            }
        }
    }

    /// Integrates to `stop` or to the first threshold crossing before it (returned; the state is then at
    /// the crossing, not yet reset). A step may end after `stop`, up to `horizon`: it is then kept aside as
    /// [`LogicalNeuron::ahead`] and the state stays before `stop`.
    fn integrate_to(&mut self, stop: HwTime, horizon: HwTime) -> Option<HwTime> {
        while self.t < stop {
            if self.v_volt >= self.v_t_volt {
                return Some(self.t);
            }
            let negligible = self.settings.negligible_conductance * self.g_l_siemens;
            for c in &mut self.conductances {
                if c.g_siemens.abs() < negligible {
                    c.g_siemens = 0.0;
                }
            }
            let quiet = self.exp_terms.is_empty()
                && self.adapt_terms.is_empty()
                && self.conductances.iter().all(|c| c.g_siemens == 0.0);
            let crossed = if quiet {
                self.exact_to(stop)
            } else {
                self.adaptive_step(stop, horizon)
            };
            if crossed {
                return Some(self.t);
            }
            if self.ahead.is_some() {
                return None;
            }
        }
        None
    }

    /// The closed form of C dV/dt = -G_L (V - E_L) + I: relaxation to V_inf = E_L + I / G_L with
    /// tau = C / G_L; the crossing of V_t is at tau ln((V - V_inf) / (V_t - V_inf)), rounded up to a tick.
    fn exact_to(&mut self, stop: HwTime) -> bool {
        self.counters.exact_spans += 1;
        let tau = self.c_farad / self.g_l_siemens;
        let v_inf = self.e_l_volt + self.stimulus_ampere / self.g_l_siemens;
        let mut end = stop;
        let mut crossed = false;
        if v_inf > self.v_t_volt {
            let t_cross = tau * ((self.v_volt - v_inf) / (self.v_t_volt - v_inf)).ln();
            let ticks = (t_cross * TICKS_PER_SECOND).ceil().max(0.0) as u64;
            if ticks <= stop.0 - self.t.0 {
                end = HwTime(self.t.0 + ticks);
                crossed = true;
            }
        }
        let dt = seconds(end.0 - self.t.0);
        self.v_volt = v_inf + (self.v_volt - v_inf) * (-dt / tau).exp();
        self.t = end;
        crossed
    }

    /// Summed conductance G and G x E_rev at each stage node of a step of `h` seconds.
    fn conductance_at_nodes(&self, h: f64) -> [(f64, f64); 7] {
        let mut sums = [(0.0, 0.0); 7];
        for c in &self.conductances {
            if c.g_siemens == 0.0 {
                continue;
            }
            let decays = node_decays((-h / (90.0 * c.tau_s)).exp());
            for (decay, sum) in decays.iter().zip(&mut sums) {
                let g = c.g_siemens * decay;
                sum.0 += g;
                sum.1 += g * c.e_rev_volt;
            }
        }
        sums
    }

    /// The derivatives of y = (V, w_1..) where the summed conductance is G and G x E_rev is `g_e`.
    fn derivatives(&self, (g, g_e): (f64, f64), y: &[f64], dy: &mut [f64]) {
        // Every term sees V clamped between the ground rail and V_t (NEST's aeif_cond_exp clamps at V_peak
        // the same way; the circuit's membrane cannot leave its supply): the stages of a threshold-crossing
        // step overshoot by orders of magnitude either way when the exponential term is steep, and w must
        // not integrate that overshoot (it did, and the membrane then ran away).
        let v = y[0].clamp(0.0, self.v_t_volt);
        let mut current =
            self.stimulus_ampere - self.g_l_siemens * (v - self.e_l_volt) + g_e - g * v;
        for e in &self.exp_terms {
            current += e.g_siemens * e.slope_volt * ((v - e.v_exp_volt) / e.slope_volt).exp();
        }
        for (j, term) in self.adapt_terms.iter().enumerate() {
            let w = y[1 + j];
            current -= w;
            dy[1 + j] = (term.a_siemens * (v - term.e_l_volt) - w) / term.tau_s;
        }
        dy[0] = current / self.c_farad;
    }

    /// One Dormand-Prince step of `h` seconds from `y0` into `out`; returns the error estimate scaled to
    /// the tolerance (1 = at tolerance, infinite if the result is not finite). `k` holds 7 stages, `tmp`
    /// one state.
    fn dp_step(&self, y0: &[f64], h: f64, k: &mut [f64], tmp: &mut [f64], out: &mut [f64]) -> f64 {
        let dim = y0.len();
        let conductance = self.conductance_at_nodes(h);
        self.derivatives(conductance[0], y0, &mut k[..dim]);
        for stage in 1..7 {
            for j in 0..dim {
                let mut sum = 0.0;
                for (m, a) in STAGES[stage][..stage].iter().enumerate() {
                    sum += a * k[m * dim + j];
                }
                tmp[j] = y0[j] + h * sum;
            }
            self.derivatives(
                conductance[stage],
                tmp,
                &mut k[stage * dim..(stage + 1) * dim],
            );
        }
        out.copy_from_slice(tmp);
        let tol_v = self.settings.abs_tol_volt;
        let tol_w = tol_v * self.g_l_siemens;
        let mut err: f64 = 0.0;
        for j in 0..dim {
            let mut e = 0.0;
            for (m, weight) in ERROR_WEIGHTS.iter().enumerate() {
                e += weight * k[m * dim + j];
            }
            let tol = if j == 0 { tol_v } else { tol_w };
            err = err.max((h * e).abs() / tol);
        }
        if out.iter().all(|x| x.is_finite()) {
            err
        } else {
            f64::INFINITY
        }
    }

    /// One accepted adaptive step towards `stop`, or up to `horizon` (retrying shorter until the error is
    /// within tolerance). Returns whether it ended on a threshold crossing, bisected to the first tick with
    /// V >= V_t. A step that ends after `stop` is kept aside ([`LogicalNeuron::ahead`], its stages and
    /// states in `scratch`), and the state stays where it was.
    fn adaptive_step(&mut self, stop: HwTime, horizon: HwTime) -> bool {
        let remaining = horizon.0 - self.t.0;
        let mut ticks = ((self.step_s * TICKS_PER_SECOND) as u64).clamp(1, remaining);
        let mut scratch = std::mem::take(&mut self.scratch);
        let dim = 1 + self.w_ampere.len();
        let (k, rest) = scratch.split_at_mut(7 * dim);
        let (tmp, rest) = rest.split_at_mut(dim);
        let (y0, rest) = rest.split_at_mut(dim);
        let out = &mut rest[..dim];
        y0[0] = self.v_volt;
        y0[1..].copy_from_slice(&self.w_ampere);
        let mut err = self.dp_step(y0, seconds(ticks), k, tmp, out);
        while err > 1.0 && ticks > 1 {
            self.counters.rejected_steps += 1;
            let shorter = (ticks as f64 * step_factor(err).min(SAFETY)) as u64;
            ticks = shorter.clamp(1, ticks - 1);
            err = self.dp_step(y0, seconds(ticks), k, tmp, out);
        }
        self.counters.steps += 1;
        let proposed = seconds(ticks) * step_factor(err);
        // A step cut short by `stop` says nothing about the step the dynamics allow: keep the longer one.
        self.step_s = if ticks == remaining {
            proposed.max(self.step_s)
        } else {
            proposed
        };
        let mut crossed = out[0] >= self.v_t_volt;
        if err.is_infinite() {
            // Numerical trouble even at one tick: take the membrane to have fired.
            self.counters.forced_steps += 1;
            out.copy_from_slice(y0);
            out[0] = self.v_t_volt;
            crossed = true;
        } else if err > 1.0 && !crossed {
            // (A one-tick step that crosses threshold needs no accuracy: the spike is on that tick.)
            self.counters.forced_steps += 1;
        } else if crossed {
            let (mut below, mut above) = (0, ticks);
            while above - below > 1 {
                let mid = below + (above - below) / 2;
                self.dp_step(y0, seconds(mid), k, tmp, out);
                if out[0] >= self.v_t_volt {
                    above = mid;
                } else {
                    below = mid;
                }
            }
            ticks = above;
            self.dp_step(y0, seconds(ticks), k, tmp, out);
        }
        if self.t.0 + ticks > stop.0 {
            self.ahead = Some(Ahead {
                end: HwTime(self.t.0 + ticks),
                crossed,
            });
            self.scratch = scratch;
            return false;
        }
        self.v_volt = out[0];
        self.w_ampere.copy_from_slice(&out[1..]);
        self.scratch = scratch;
        self.decay_conductances(seconds(ticks));
        self.t = HwTime(self.t.0 + ticks);
        crossed
    }
}
