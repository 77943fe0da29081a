//! What the wafer runs instead of what the network asked for, per population: every translated parameter
//! as realised (mapping.json `parameters_realised`), the current stimuli the HICANNs could not give
//! (`current_stimuli_lost`) and the initial values the wafer cannot set (`initial_values_ignored`).
//!
//! **Realised parameters** are the nominal wafer's (mismatch off): each value after the range clip and its
//! DAC code, back in PyNN units, with V_reset the one the neuron's reset groups share on its HICANN and
//! i_offset on the current stimulus's 10-bit grid (0 where the neuron lost its stimulus). They are what a
//! simulator must be given to reproduce the ideal wafer (tests/data/bss_nest.py does so for NEST). `cm` is
//! not translated (the circuit's capacitance is fixed; a, b, i_offset and the weights are scaled by it) and
//! so not listed.
//!
//! **Current stimuli.** A HICANN has one current stimulus per floating-gate block (spec §2.1, §2.10: 4 per
//! HICANN). A logical neuron spans both denmem rows of its half of the HICANN (x < 128 or >= 128, spec §2.2,
//! FG blocks top/bottom-left and top/bottom-right), so it can take the stimulus of either of its half's two
//! blocks: 2 stimulated neurons per half. Placement ([`super::place`]) keeps a population's stimulated
//! neurons within that limit when the wafer has stimuli enough; any neuron still beyond it (in slot order)
//! runs without its offset and is counted here (marocco discards such sources with a warning).
//!
//! **Initial values.** BrainScaleS-1 cannot set a membrane: the experiment starts from the circuit's rest,
//! E_l, with w and the synaptic conductances at 0 (spec §1.2: the neurons run free from the end of the
//! configuration, 20 us of hardware time before the experiment starts). A requested `v` other than
//! `v_rest`, or a nonzero `w`/`gsyn_*`, is reported with the value the wafer starts from instead.

use std::collections::BTreeMap;

use nmemu_loader::Network;
use serde::Serialize;

use super::assemble::Translated;
use super::params::{Field, ParameterOptions, WaferCell};

/// Current stimuli per half of a HICANN: its two FG blocks (module docs).
pub const STIMULI_PER_HALF: usize = brainscales_emu::image::STIMULI_PER_HICANN / 2;

/// The half of a HICANN a neuron block is in (blocks 0..4 left, 4..8 right).
pub fn half_of_block(block: usize) -> usize {
    block / (brainscales_emu::coord::NEURON_BLOCKS / 2)
}

/// The stimuli left on one HICANN, per half.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StimulusBudget {
    used: [usize; 2],
}

impl StimulusBudget {
    /// Whether a neuron in `block` can still have a stimulus (without taking it).
    pub fn has_room(&self, block: usize) -> bool {
        self.used[half_of_block(block)] < STIMULI_PER_HALF
    }

    /// Takes a stimulus for a neuron in `block`, or says there is none left.
    pub fn take(&mut self, block: usize) -> bool {
        let room = self.has_room(block);
        self.used[half_of_block(block)] += usize::from(room);
        room
    }
}

/// One parameter of a population as realised: one value when every neuron has it, else one per neuron.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RealisedValue {
    Same(f64),
    PerNeuron(Vec<f64>),
}

/// Neurons of a population that run without their `i_offset` (no current stimulus left on their HICANN).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StimulusLoss {
    pub population: String,
    pub neurons: u32,
    /// The mean i_offset they asked for, nA.
    pub requested_mean_na: f64,
}

/// An initial value of a population the wafer cannot set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InitialValueIgnored {
    pub population: String,
    pub variable: &'static str,
    /// Neurons whose requested value differs from where the wafer starts.
    pub neurons: u32,
    /// Mean requested over those neurons.
    pub requested_mean: f64,
    /// Mean value the wafer starts from over those neurons.
    pub used_mean: f64,
    pub unit: &'static str,
}

/// Per wafer population and neuron, what the HICANN it sits on decided: the shared V_reset (hardware
/// volts, realised) and whether it lost its current stimulus.
#[derive(Clone, Debug, Default)]
pub struct Shared {
    pub v_reset_volt: Vec<Vec<f64>>,
    pub stimulus_lost: Vec<Vec<bool>>,
}

impl Shared {
    /// Room for every neuron of every population (sources get none).
    pub fn new(net: &Network) -> Shared {
        let sizes = net.populations.iter().map(|p| {
            if p.cell_type.is_source() {
                0
            } else {
                p.size as usize
            }
        });
        Shared {
            v_reset_volt: sizes.clone().map(|n| vec![f64::NAN; n]).collect(),
            stimulus_lost: sizes.map(|n| vec![false; n]).collect(),
        }
    }
}

/// Per population (label) and parameter its realised values, per neuron, in PyNN units (module docs).
pub fn per_neuron(
    net: &Network,
    translated: &Translated,
    shared: &Shared,
    options: &ParameterOptions,
) -> Vec<Option<BTreeMap<&'static str, Vec<f64>>>> {
    let to_mv = |v: f64| (v - options.shift_v) / options.alpha_v * 1e3;
    net.populations
        .iter()
        .enumerate()
        .map(|(p, population)| {
            let cell = WaferCell::of(population.cell_type)?;
            let (neurons, _) = translated[p].as_ref()?;
            let mut values: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
            for (k, neuron) in neurons.iter().enumerate() {
                for (&(name, field), &value) in cell.fields().iter().zip(&neuron.realised) {
                    let value = match field {
                        Field::Reset => to_mv(shared.v_reset_volt[p][k]),
                        Field::Offset if shared.stimulus_lost[p][k] => 0.0,
                        _ => value,
                    };
                    values.entry(name).or_default().push(value);
                }
            }
            Some(values)
        })
        .collect()
}

/// mapping.json's `parameters_realised`: per population label and parameter one value, or one per neuron
/// where they differ.
pub fn report(
    net: &Network,
    realised: &[Option<BTreeMap<&'static str, Vec<f64>>>],
) -> BTreeMap<String, BTreeMap<&'static str, RealisedValue>> {
    net.populations
        .iter()
        .zip(realised)
        .filter_map(|(population, values)| {
            let values = values.as_ref()?;
            let params = values
                .iter()
                .map(|(&name, v)| {
                    let same = v.iter().all(|x| x.to_bits() == v[0].to_bits());
                    let value = if same {
                        RealisedValue::Same(v[0])
                    } else {
                        RealisedValue::PerNeuron(v.clone())
                    };
                    (name, value)
                })
                .collect();
            Some((population.label.clone(), params))
        })
        .collect()
}

/// The populations some of whose neurons lost their current stimulus.
pub fn stimuli_lost(net: &Network, shared: &Shared) -> Vec<StimulusLoss> {
    net.populations
        .iter()
        .zip(&shared.stimulus_lost)
        .filter_map(|(population, lost)| {
            let offset = population.param("i_offset")?;
            let neurons: Vec<u32> = (0..lost.len() as u32)
                .filter(|&k| lost[k as usize])
                .collect();
            (!neurons.is_empty()).then(|| StimulusLoss {
                population: population.label.clone(),
                neurons: neurons.len() as u32,
                requested_mean_na: neurons.iter().map(|&k| offset.get(k)).sum::<f64>()
                    / neurons.len() as f64,
            })
        })
        .collect()
}

/// The initial values the wafer does not honour (module docs): `v` starts at the realised E_l, `w` and
/// the conductances at 0.
pub fn initial_values_ignored(
    net: &Network,
    realised: &[Option<BTreeMap<&'static str, Vec<f64>>>],
) -> Vec<InitialValueIgnored> {
    let mut out = Vec::new();
    for (population, values) in net.populations.iter().zip(realised) {
        let Some(values) = values else { continue };
        let rest = population.param("v_rest").expect("wafer cells have v_rest");
        for (spec, requested) in population
            .cell_type
            .initial_values()
            .iter()
            .zip(&population.initial)
        {
            let is_v = spec.name == "v";
            let asked_rest = |k: u32| if is_v { rest.get(k) } else { 0.0 };
            let start = |k: u32| {
                if is_v {
                    values["v_rest"][k as usize]
                } else {
                    0.0
                }
            };
            let differing: Vec<u32> = (0..population.size)
                .filter(|&k| requested.get(k) != asked_rest(k))
                .collect();
            if differing.is_empty() {
                continue;
            }
            let n = differing.len() as f64;
            out.push(InitialValueIgnored {
                population: population.label.clone(),
                variable: spec.name,
                neurons: differing.len() as u32,
                requested_mean: differing.iter().map(|&k| requested.get(k)).sum::<f64>() / n,
                used_mean: differing.iter().map(|&k| start(k)).sum::<f64>() / n,
                unit: spec.unit,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_stimuli_per_half_of_a_hicann() {
        let mut budget = StimulusBudget::default();
        assert!(budget.take(0) && budget.take(3));
        assert!(!budget.take(2), "the left half's two FG blocks are taken");
        assert!(budget.has_room(4) && budget.take(4) && budget.take(7));
        assert!(!budget.has_room(5));
    }
}
