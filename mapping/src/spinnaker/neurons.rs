//! Neuron parameters: a slice of a population -> the runtime's fixed-point neuron state (spinnaker.md §4.9,
//! §4.10), and spike sources -> Poisson and spike-array cores (§4.11).
//!
//! What the runtime cannot run is refused here, with the machine that can: AdEx and IF_cond_alpha exist on
//! BrainScaleS (AdEx) or nowhere in this emulator (IF_cond_alpha). Izhikevich runs with the runtime's
//! exponential current synapses (5 ms, sPyNNaker's `IZK_curr_exp` defaults) instead of PyNN's voltage jumps,
//! and IF_curr_alpha with the runtime's alpha shape (charge w, not PyNN's w·e·τ); [`model_notes`] says so in
//! the mapping report.

use nmemu_loader::format::cells::CellType;
use nmemu_loader::network::{Population, SpikeTimes};
use spinnaker_emu::runtime::neuron::NeuronArray;
use spinnaker_emu::runtime::neuron::cond::{CondConfig, LifCondExp};
use spinnaker_emu::runtime::neuron::izhikevich::{IzhConfig, IzhCurrExp};
use spinnaker_emu::runtime::neuron::lif::{LifConfig, LifCurrAlpha, LifCurrExp};
use spinnaker_emu::runtime::poisson::SourceParams;

use super::partition::Slice;
use super::report::{NumericalKind, NumericalWarning};

/// Refuses cell types the SpiNNaker runtime does not have, naming the population.
pub fn check_supported(population: &Population) -> Result<(), String> {
    let refuse = |why: &str| {
        Err(format!(
            "populations '{}': {} {why}",
            population.label,
            population.cell_type.name()
        ))
    };
    match population.cell_type {
        CellType::EifCondExpIsfaIsta => refuse(
            "is not in the SpiNNaker runtime (sPyNNaker has no AdEx); run it on BrainScaleS (--machine brainscales-*)",
        ),
        CellType::IfCondAlpha => refuse(
            "is not in the SpiNNaker runtime (sPyNNaker has no alpha-shaped conductances); use IF_cond_exp",
        ),
        _ => Ok(()),
    }
}

/// Where the emulated runtime knowingly differs from the PyNN model (for the mapping report).
pub fn model_notes(population: &Population) -> Option<NumericalWarning> {
    let label = &population.label;
    let (message, advice) = match population.cell_type {
        CellType::Izhikevich => (
            "Izhikevich runs with exponential current synapses (tau 5 ms, weights in nA) as sPyNNaker's \
             IZK_curr_exp does, not PyNN's voltage jumps; results differ from NEST",
            "compare with NEST's izhikevich driven through exponential current synapses, or scale weights \
             to the current shape",
        ),
        CellType::IfCurrAlpha => (
            "IF_curr_alpha runs with sPyNNaker's alpha synapse, w (t/tau^2) e^(-t/tau): a spike of weight w \
             delivers charge w (nA ms) and peaks at w/(e tau), where PyNN's alpha current peaks at w (charge \
             w e tau); results differ from NEST",
            "multiply weights by e*tau_syn to match PyNN's peak current, or use IF_curr_exp",
        ),
        _ => return None,
    };
    Some(NumericalWarning {
        kind: NumericalKind::ParameterMeaning,
        subject: label.clone(),
        message: format!("populations '{label}': {message}"),
        advice: advice.to_string(),
    })
}

/// The neuron state of `slice`.
pub fn neuron_array(population: &Population, slice: &Slice, timestep_ms: f64) -> NeuronArray {
    let param = |name: &str, n: u32| population.param(name).map_or(0.0, |v| v.get(n));
    let initial = |name: &str, n: u32| population.initial_value(name).map(|v| v.get(n));
    let lif = |n: u32| LifConfig {
        tau_m: param("tau_m", n),
        cm: param("cm", n),
        v_rest: param("v_rest", n),
        v_reset: param("v_reset", n),
        v_thresh: param("v_thresh", n),
        tau_refrac: param("tau_refrac", n),
        i_offset: param("i_offset", n),
        tau_syn_e: param("tau_syn_E", n),
        tau_syn_i: param("tau_syn_I", n),
        v: initial("v", n).unwrap_or_else(|| param("v_rest", n)),
    };
    let neurons = slice.lo..slice.hi;
    match population.cell_type {
        CellType::IfCondExp => NeuronArray::LifCondExp(
            neurons
                .map(|n| {
                    let rev = CondConfig {
                        e_rev_e: param("e_rev_E", n),
                        e_rev_i: param("e_rev_I", n),
                    };
                    LifCondExp::from_pynn(&lif(n), &rev, timestep_ms)
                })
                .collect(),
        ),
        CellType::Izhikevich => NeuronArray::IzhCurrExp(
            neurons
                .map(|n| {
                    let d = IzhConfig::default();
                    let config = IzhConfig {
                        a: param("a", n),
                        b: param("b", n),
                        c: param("c", n),
                        d: param("d", n),
                        i_offset: param("i_offset", n),
                        v: initial("v", n).unwrap_or(d.v),
                        u: initial("u", n).unwrap_or(d.u),
                        ..d
                    };
                    IzhCurrExp::from_pynn(&config, timestep_ms)
                })
                .collect(),
        ),
        CellType::IfCurrAlpha => NeuronArray::LifCurrAlpha(
            neurons
                .map(|n| LifCurrAlpha::from_pynn(&lif(n), timestep_ms))
                .collect(),
        ),
        _ => NeuronArray::LifCurrExp(
            neurons
                .map(|n| LifCurrExp::from_pynn(&lif(n), timestep_ms))
                .collect(),
        ),
    }
}

/// The Poisson sources of `slice`.
pub fn poisson_sources(population: &Population, slice: &Slice) -> Vec<SourceParams> {
    let param = |name: &str, n: u32| population.param(name).map_or(0.0, |v| v.get(n));
    (slice.lo..slice.hi)
        .map(|n| {
            let duration = param("duration", n);
            SourceParams {
                rate_hz: param("rate", n),
                start_ms: param("start", n),
                // PyNN's default duration (1e10 ms) means "for ever".
                duration_ms: (duration < 1e9).then_some(duration),
            }
        })
        .collect()
}

/// The spike ticks of each source of `slice`: a spike at t ms is sent in the tick that starts at t
/// (rounded to the nearest tick, as sPyNNaker's host code does). Two spikes in one tick stay two: the core
/// sends them as one packet with a count.
pub fn spike_ticks(population: &Population, slice: &Slice, timestep_ms: f64) -> Vec<Vec<u32>> {
    let empty = SpikeTimes::Shared(Vec::new());
    let times = population.spike_times.as_ref().unwrap_or(&empty);
    (slice.lo..slice.hi)
        .map(|n| {
            times
                .of(n)
                .iter()
                .map(|&t| (t / timestep_ms).round() as u32)
                .collect()
        })
        .collect()
}
