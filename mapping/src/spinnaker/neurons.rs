//! Neuron parameters: a slice of a population -> the runtime's fixed-point neuron state (spinnaker.md §4.9,
//! §4.10), and spike sources -> Poisson and spike-array cores (§4.11).
//!
//! What the runtime cannot run is refused here, with the machine that can: AdEx and IF_cond_alpha exist on
//! BrainScaleS (AdEx) or nowhere in this emulator (IF_cond_alpha). Izhikevich runs as sPyNNaker's
//! `IZK_curr_exp`: exponential current synapses instead of PyNN's voltage jumps, with the time constants of
//! `extensions.spinnaker.populations` (5 ms by default), and `i_offset` added to dv/dt unscaled where NEST
//! multiplies it by 1000; IF_curr_alpha runs with the runtime's alpha shape (charge w, not PyNN's w·e·τ).
//! [`model_notes`] says so in the mapping report, one entry per difference.

use nmemu_loader::format::cells::CellType;
use nmemu_loader::network::{Population, SpikeTimes, Values};
use spinnaker_emu::runtime::neuron::NeuronArray;
use spinnaker_emu::runtime::poisson::SourceParams;

use super::cells::{
    CondConfig, IzhConfig, LifConfig, izh_curr_exp, lif_cond_exp, lif_curr_alpha, lif_curr_exp,
};
use super::extensions::PopulationHints;
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
            "is not in the SpiNNaker runtime (sPyNNaker has no AdEx); the BrainScaleS wafer runs it: --machine brainscales-wafer",
        ),
        CellType::IfCondAlpha => refuse(
            "is not in the SpiNNaker runtime (sPyNNaker has no alpha-shaped conductances); use IF_cond_exp",
        ),
        _ => Ok(()),
    }
}

/// Where the emulated runtime knowingly differs from the PyNN model (for the mapping report): one entry per
/// parameter or synapse shape whose meaning differs from PyNN/NEST.
pub fn model_notes(population: &Population, hints: &PopulationHints) -> Vec<NumericalWarning> {
    let label = &population.label;
    let note = |message: String, advice: String| NumericalWarning {
        kind: NumericalKind::ParameterMeaning,
        subject: label.clone(),
        message: format!("populations '{label}': {message}"),
        advice,
    };
    match population.cell_type {
        CellType::Izhikevich => {
            let tau = |name| hints.param(name).map_or("5 ms".into(), |v| span(v, "ms"));
            let mut notes = vec![note(
                format!(
                    "Izhikevich runs with exponential current synapses (tau_syn_E {}, tau_syn_I {}, weights in \
                     nA) as sPyNNaker's IZK_curr_exp does, not PyNN's voltage jumps; results differ from NEST",
                    tau("tau_syn_E"),
                    tau("tau_syn_I")
                ),
                format!(
                    "compare with NEST's izhikevich driven through exponential current synapses, or scale \
                     weights to the current shape; the time constants are set in \
                     extensions.spinnaker.populations.{label}"
                ),
            )];
            // sPyNNaker `neuron_model_izh_impl.h`, `neuron_model_state_update`: the input of the step is
            // exc - inh + I_offset, in the units of dv/dt (mV/ms); NEST's izhikevich takes I_e in pA.
            if let Some(i_offset) = population.param("i_offset").filter(|v| v.range() != (0.0, 0.0)) {
                notes.push(note(
                    format!(
                        "Izhikevich i_offset {} enters dv/dt unscaled as in sPyNNaker (I = i_offset); NEST \
                         converts it to I_e in pA (x1000), so the same value drives a NEST cell 1000 times \
                         harder",
                        span(i_offset, "nA")
                    ),
                    "for the drive of a NEST run with i_offset x nA give 1000 x here (Izhikevich's I = 10 is \
                     i_offset 10 on SpiNNaker, 0.01 on NEST)"
                        .to_string(),
                ));
            }
            notes
        }
        CellType::IfCurrAlpha => vec![note(
            "IF_curr_alpha runs with sPyNNaker's alpha synapse, w (t/tau^2) e^(-t/tau): a spike of weight w \
             delivers charge w (nA ms) and peaks at w/(e tau), where PyNN's alpha current peaks at w (charge \
             w e tau); results differ from NEST"
                .to_string(),
            "multiply weights by e*tau_syn to match PyNN's peak current, or use IF_curr_exp".to_string(),
        )],
        _ => Vec::new(),
    }
}

/// A per-neuron value for a message: `5 ms`, or `1 to 3 ms` when the neurons differ.
fn span(values: &Values, unit: &str) -> String {
    match values.range() {
        (lo, hi) if lo == hi => format!("{lo} {unit}"),
        (lo, hi) => format!("{lo} to {hi} {unit}"),
    }
}

/// The neuron state of `slice`.
pub fn neuron_array(
    population: &Population,
    hints: &PopulationHints,
    slice: &Slice,
    timestep_ms: f64,
) -> NeuronArray {
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
                    lif_cond_exp(&lif(n), &rev, timestep_ms)
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
                        tau_syn_e: hints.param("tau_syn_E").map_or(d.tau_syn_e, |v| v.get(n)),
                        tau_syn_i: hints.param("tau_syn_I").map_or(d.tau_syn_i, |v| v.get(n)),
                    };
                    izh_curr_exp(&config, timestep_ms)
                })
                .collect(),
        ),
        CellType::IfCurrAlpha => NeuronArray::LifCurrAlpha(
            neurons
                .map(|n| lif_curr_alpha(&lif(n), timestep_ms))
                .collect(),
        ),
        _ => NeuronArray::LifCurrExp(
            neurons
                .map(|n| lif_curr_exp(&lif(n), timestep_ms))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spinnaker::extensions::SpinnakerHints;
    use nmemu_loader::{Limits, Network};
    use serde_json::{Value, json};

    fn izhikevich(i_offset: f64, extensions: Value) -> (Network, SpinnakerHints) {
        let net = Network::from_json(
            &json!({
                "format": "nmemu-net/1",
                "simulation": {"timestep_ms": 0.1, "duration_ms": 10},
                "populations": [{"label": "izh", "size": 2, "cell": {"type": "Izhikevich",
                    "params": {"i_offset": i_offset}}}],
                "extensions": extensions
            })
            .to_string(),
            &Limits::default(),
        )
        .unwrap();
        let hints = SpinnakerHints::parse(&net).unwrap();
        (net, hints)
    }

    #[test]
    fn izhikevich_synapses_take_the_hinted_time_constants() {
        let (net, hints) = izhikevich(
            10.0,
            json!({"spinnaker": {"populations": {"izh": {"tau_syn_E": [2.0, 3.0], "tau_syn_I": 10.0}}}}),
        );
        let slice = Slice {
            population: 0,
            lo: 0,
            hi: 2,
        };
        let NeuronArray::IzhCurrExp(cells) =
            neuron_array(&net.populations[0], &hints.populations[0], &slice, 0.1)
        else {
            panic!("an Izhikevich array");
        };
        for (cell, tau_e) in cells.iter().zip([2.0, 3.0]) {
            let config = IzhConfig {
                i_offset: 10.0,
                tau_syn_e: tau_e,
                tau_syn_i: 10.0,
                ..IzhConfig::default()
            };
            assert_eq!(*cell, izh_curr_exp(&config, 0.1));
        }
        assert_ne!(
            cells[0],
            izh_curr_exp(
                &IzhConfig {
                    i_offset: 10.0,
                    ..IzhConfig::default()
                },
                0.1
            )
        );
    }

    #[test]
    fn izhikevich_notes_name_the_synapses_and_a_non_zero_i_offset() {
        let (net, hints) = izhikevich(0.0, json!({}));
        let notes = model_notes(&net.populations[0], &hints.populations[0]);
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].message.contains("tau_syn_E 5 ms, tau_syn_I 5 ms"),
            "{}",
            notes[0].message
        );

        let (net, hints) = izhikevich(
            10.0,
            json!({"spinnaker": {"populations": {"izh": {"tau_syn_E": [2.0, 3.0]}}}}),
        );
        let notes = model_notes(&net.populations[0], &hints.populations[0]);
        assert_eq!(notes.len(), 2);
        assert!(
            notes[0]
                .message
                .contains("tau_syn_E 2 to 3 ms, tau_syn_I 5 ms"),
            "{}",
            notes[0].message
        );
        assert!(
            notes[0]
                .advice
                .contains("extensions.spinnaker.populations.izh")
        );
        assert_eq!(notes[1].kind, NumericalKind::ParameterMeaning);
        assert_eq!(notes[1].subject, "izh");
        assert!(
            notes[1]
                .message
                .starts_with("populations 'izh': Izhikevich i_offset 10 nA enters dv/dt unscaled"),
            "{}",
            notes[1].message
        );
        assert!(notes[1].advice.contains("give 1000 x here"));
    }
}
