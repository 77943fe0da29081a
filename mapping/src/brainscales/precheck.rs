//! The checks of a BrainScaleS mapping that need no placement, cheap enough to run before any long work:
//! the model ([`super::model`]), the hints ([`super::hints`]), every neuron's parameters at the speed-up
//! (the clips of mapping.json's `parameters_clipped`, [`super::params`]), the circuits against the usable
//! denmems of the machine's wafers ([`super::place::check_size`]) and the Layer-2 input load against wafer
//! 0's budget ([`super::inputs::estimate`]; on several wafers a source is played on each wafer holding its
//! targets, which only placement knows). [`super::map`] begins with [`check`]; `nmemu validate --machine
//! brainscales-*` runs [`precheck`] alone, so a user learns what the wafer would clip or refuse before
//! mapping.

use brainscales_emu::defects::Defects;
use brainscales_emu::time::SpeedUp;
use nmemu_loader::Network;

use super::assemble::Translated;
use super::hints::BrainScaleSHints;
use super::inputs::{self, InputEstimate, InputOptions};
use super::model::check_model;
use super::params::{self, ParameterOptions, PopulationClip, TranslatedNeuron};
use super::place::{Circuits, check_size};

/// The model and hints checked, every population's parameters translated.
pub struct Checked {
    pub hints: BrainScaleSHints,
    /// Per population in network order: its neurons translated and its clips; `None` for sources.
    pub translated: Vec<Option<(Vec<TranslatedNeuron>, Vec<PopulationClip>)>>,
}

/// Checks the model and the hints and translates every neuron's parameters at `speed_up`.
pub fn check(net: &Network, speed_up: SpeedUp) -> Result<Checked, String> {
    check_model(net)?;
    let hints = BrainScaleSHints::parse(net)?;
    let options = ParameterOptions::new(speed_up);
    let translated = net
        .populations
        .iter()
        .zip(&hints.neuron_size)
        .map(|(p, &n)| params::translate_population(p, n as usize, &options))
        .collect();
    Ok(Checked { hints, translated })
}

/// Every clip of `translated`, in population and parameter order (mapping.json's `parameters_clipped`).
pub fn clips(translated: &Translated) -> Vec<PopulationClip> {
    translated
        .iter()
        .flatten()
        .flat_map(|(_, clips)| clips.iter().cloned())
        .collect()
}

/// What the wafer would do to a network, as far as it is known before placement.
pub struct Precheck {
    pub hints: BrainScaleSHints,
    pub parameters_clipped: Vec<PopulationClip>,
    pub circuits: Circuits,
    pub inputs: InputEstimate,
}

/// The checks of the module docs for the wafers with `defects` (one each, at least one) at `speed_up`: a
/// refusal names the place (JSON path, hint) as the mapping's would; clips and input load are reported, not
/// refused, as by the mapping.
pub fn precheck(net: &Network, speed_up: SpeedUp, defects: &[Defects]) -> Result<Precheck, String> {
    let Checked { hints, translated } = check(net, speed_up)?;
    let circuits = check_size(net, &hints, defects)?;
    let inputs = inputs::estimate(
        net,
        &defects[0],
        InputOptions {
            speed_up,
            utilization: hints.bandwidth_utilization,
            consider_rate: hints.consider_firing_rate,
            neuron_rate_hz: hints.cross_wafer_rate_hz,
        },
    );
    Ok(Precheck {
        parameters_clipped: clips(&translated),
        hints,
        circuits,
        inputs,
    })
}
