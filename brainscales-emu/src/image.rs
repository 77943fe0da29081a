//! The wafer image: everything a run needs, as the mapper produces it (issue 15, "The wafer image").
//!
//! Per used HICANN ([`HicannImage`]): the logical neurons (denmems with their analog parameters and the
//! firing denmem), the four shared V_reset voltages, the synapse block ([`SynapseConfig`]), the output path
//! ([`MergerConfig`], holding the denmems' 6-bit output addresses), the Layer-1 switches and repeaters
//! ([`HicannL1`]), the Gbit channel directions and current stimuli. For the wafer: speed-up, PLL, seed,
//! the analog non-idealities ([`NonIdealities`]), the Layer-2 input trains (hardware coordinates and
//! experiment time) and which membranes to trace at what interval.
//!
//! [`WaferImage::check`] runs every module's own check and the wafer-level rules, naming the HICANN and the
//! block: a defective HICANN, denmem or synapse driver that is configured, two neurons on one denmem, input
//! on a channel that does not point to the HICANN, more than 2 traced membranes per reticle (spec §1.6: the
//! 8 HICANNs of a reticle share 2 analog outputs; addendum §11: a third is an error). Images are stored with
//! bincode 2 ([`WaferImage::to_bytes`]) like SpiNNaker's machine images.

use crate::coord::{HicannOnWafer, NeuronOnHicann, RETICLES_ON_WAFER};
use crate::defects::Defects;
use crate::layer1::bus::{HicannL1, L1Network, L1Timing};
use crate::layer1::merger::MergerConfig;
use crate::layer1::switches::SwitchLimits;
use crate::layer2::{CHANNELS, GbitDirection, L2Params, L2Spike};
use crate::neuron::calib::IDEAL_VOLTAGE;
use crate::neuron::{DenmemParameters, LogicalNeuron, MembraneNoise};
use crate::synapse::{SynapseBlock, SynapseConfig};
use crate::time::{HwTime, PLL_MHZ, SpeedUp};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Analog outputs per reticle (spec §1.6, `AnalogOnDNC`).
pub const TRACES_PER_RETICLE: usize = 2;
/// Current stimulus generators per HICANN, one per FG block (spec §2.1, §2.10).
pub const STIMULI_PER_HICANN: usize = 4;

/// Fixed-pattern mismatch of the denmems (spec §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Mismatch {
    /// Every denmem exactly as configured.
    #[default]
    Off,
    /// Spreads of an uncalibrated wafer (`FixedPatternSpreads::uncalibrated`).
    Uncalibrated,
    /// The residual spread after calibration (addendum §11, `FixedPatternSpreads::calibrated`).
    Calibrated,
}

/// The analog non-idealities of a run, all seeded by the wafer seed and switchable.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct NonIdealities {
    pub mismatch: Mismatch,
    /// White current noise on every membrane, `None` for off.
    pub membrane_noise: Option<MembraneNoise>,
    /// Gaussian jitter on recorded timestamps (spec §1.2, σ in [`L2Params::jitter_sigma`]).
    pub l2_jitter: bool,
}

/// One logical neuron: its denmems with their parameters, and the one whose comparator fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeuronImage {
    pub denmems: Vec<(NeuronOnHicann, DenmemParameters)>,
    pub firing: NeuronOnHicann,
}

/// The current stimulus of one neuron: the summed current from each step's time on (spec §2.10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentStimulus {
    /// Index into [`HicannImage::neurons`].
    pub neuron: usize,
    /// (hardware time since 0, ampere), times increasing.
    pub steps: Vec<(HwTime, f64)>,
}

/// The configuration of one used HICANN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HicannImage {
    pub hicann: HicannOnWafer,
    pub neurons: Vec<NeuronImage>,
    /// The shared V_reset of each reset group (spec §2.4: {even-top, odd-top, even-bottom, odd-bottom}
    /// denmems, `NeuronOnHicann::reset_group`).
    pub v_reset_volt: [f64; 4],
    pub synapses: SynapseConfig,
    pub merger: MergerConfig,
    pub l1: HicannL1,
    /// Per Gbit channel (= DNC merger).
    pub gbit: [GbitDirection; CHANNELS as usize],
    pub stimuli: Vec<CurrentStimulus>,
}

impl HicannImage {
    /// A HICANN with nothing configured: no neurons, every driver off, halbe's default merger tree, all
    /// switches open, channels off, V_reset 0.5 V.
    pub fn empty(hicann: HicannOnWafer) -> HicannImage {
        HicannImage {
            hicann,
            neurons: Vec::new(),
            v_reset_volt: [0.5; 4],
            synapses: SynapseConfig::default(),
            merger: MergerConfig::default(),
            l1: HicannL1::default(),
            gbit: [GbitDirection::Off; CHANNELS as usize],
            stimuli: Vec::new(),
        }
    }

    /// The shared V_reset a logical neuron sees: the mean over its denmems' reset groups (each denmem's
    /// reset circuit pulls the shorted membrane to its group's V_reset; equal conductances assumed), each
    /// group's V_reset as its 10-bit FG cell realises it (calibtic's ideal voltage transformation).
    pub fn neuron_v_reset_volt(&self, neuron: &NeuronImage) -> f64 {
        let sum: f64 = neuron
            .denmems
            .iter()
            .map(|(d, _)| IDEAL_VOLTAGE.realise(self.v_reset_volt[d.reset_group()]).0)
            .sum();
        sum / neuron.denmems.len() as f64
    }
}

/// One membrane to record: the logical neuron containing `denmem`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRequest {
    pub hicann: HicannOnWafer,
    pub denmem: NeuronOnHicann,
}

/// The whole configuration of a wafer run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaferImage {
    pub speed_up: SpeedUp,
    /// HICANN PLL in MHz; every HICANN's merger config must use it.
    pub pll_mhz: u32,
    pub wafer_seed: u64,
    pub nonideal: NonIdealities,
    /// Link figures; `jitter` and `seed` are overridden from [`NonIdealities::l2_jitter`] and the seed.
    pub l2: L2Params,
    pub l1_timing: L1Timing,
    pub switch_limits: SwitchLimits,
    pub hicanns: Vec<HicannImage>,
    /// Input spikes in experiment time.
    pub inputs: Vec<L2Spike>,
    pub traces: Vec<TraceRequest>,
    pub trace_interval: HwTime,
}

/// A configuration the wafer cannot run; the message names the HICANN and the block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("{hicann}: {what}")]
    Hicann { hicann: HicannOnWafer, what: String },
    #[error("{0}")]
    Wafer(String),
}

fn at(hicann: HicannOnWafer, what: impl std::fmt::Display) -> ImageError {
    ImageError::Hicann {
        hicann,
        what: what.to_string(),
    }
}

impl WaferImage {
    /// An image with no HICANN configured yet.
    pub fn new(speed_up: SpeedUp, wafer_seed: u64) -> WaferImage {
        WaferImage {
            speed_up,
            pll_mhz: MergerConfig::default().pll_mhz,
            wafer_seed,
            nonideal: NonIdealities::default(),
            l2: L2Params::default(),
            l1_timing: L1Timing::default(),
            switch_limits: SwitchLimits::default(),
            hicanns: Vec::new(),
            inputs: Vec::new(),
            traces: Vec::new(),
            trace_interval: HwTime::from_ns(10),
        }
    }

    /// The Layer-2 settings of the run: the image's figures with the jitter switch and the wafer seed.
    pub fn l2_params(&self) -> L2Params {
        L2Params {
            jitter: self.nonideal.l2_jitter,
            seed: self.wafer_seed,
            ..self.l2
        }
    }

    /// The Layer-1 network of the image (unused HICANNs all open).
    pub fn l1_network(&self) -> L1Network {
        let mut net = L1Network::default();
        net.limits = self.switch_limits;
        for h in &self.hicanns {
            *net.hicann_mut(h.hicann) = h.l1.clone();
        }
        net
    }

    /// The image of `hicann`, if it is used.
    pub fn hicann(&self, hicann: HicannOnWafer) -> Option<&HicannImage> {
        self.hicanns.iter().find(|h| h.hicann == hicann)
    }

    /// Checks the image against the wafer's defects (see the module docs).
    pub fn check(&self, defects: &Defects) -> Result<(), ImageError> {
        if !PLL_MHZ.contains(&self.pll_mhz) {
            return Err(ImageError::Wafer(format!(
                "PLL {} MHz is not one of {PLL_MHZ:?}",
                self.pll_mhz
            )));
        }
        let mut seen = HashSet::new();
        for h in &self.hicanns {
            if !seen.insert(h.hicann) {
                return Err(at(h.hicann, "is configured twice"));
            }
            if !defects.is_hicann_usable(h.hicann) {
                return Err(at(h.hicann, "is defective but configured"));
            }
            self.check_hicann(h, defects)?;
        }
        self.l1_network()
            .check(defects)
            .map_err(|e| ImageError::Wafer(e.to_string()))?;
        self.check_inputs()?;
        self.check_traces()
    }

    fn check_hicann(&self, h: &HicannImage, defects: &Defects) -> Result<(), ImageError> {
        let hicann = h.hicann;
        if h.merger.pll_mhz != self.pll_mhz {
            return Err(at(
                hicann,
                format!(
                    "merger PLL {} MHz differs from the wafer's {} MHz",
                    h.merger.pll_mhz, self.pll_mhz
                ),
            ));
        }
        let mut used = HashSet::new();
        for (i, n) in h.neurons.iter().enumerate() {
            let members: Vec<_> = n.denmems.clone();
            LogicalNeuron::new(&members, n.firing, h.neuron_v_reset_volt(n))
                .map_err(|e| at(hicann, format!("neuron {i}: {e}")))?;
            for &(d, _) in &n.denmems {
                if !used.insert(d) {
                    return Err(at(hicann, format!("denmem {d:?} is in two neurons")));
                }
                if !defects.is_denmem_usable(hicann, d) {
                    return Err(at(hicann, format!("neuron {i}: denmem {d:?} is defective")));
                }
            }
        }
        SynapseBlock::new(h.synapses.clone()).map_err(|e| at(hicann, e))?;
        for (line, driver) in h.synapses.drivers.iter().enumerate() {
            let d = crate::coord::SynapseDriverOnHicann::new(line as u8).expect("224 drivers");
            if driver.mode.enabled() && !defects.is_driver_usable(hicann, d) {
                return Err(at(
                    hicann,
                    format!("synapse driver {line}: defective but enabled"),
                ));
            }
        }
        h.merger
            .check(hicann, &h.l1.repeaters)
            .map_err(|e| ImageError::Wafer(e.to_string()))?;
        if h.stimuli.len() > STIMULI_PER_HICANN {
            return Err(at(
                hicann,
                format!(
                    "{} current stimuli, the HICANN has {STIMULI_PER_HICANN}",
                    h.stimuli.len()
                ),
            ));
        }
        for s in &h.stimuli {
            if s.neuron >= h.neurons.len() {
                return Err(at(
                    hicann,
                    format!("current stimulus of neuron {}: no such neuron", s.neuron),
                ));
            }
            if s.steps.windows(2).any(|w| w[1].0 <= w[0].0) {
                return Err(at(
                    hicann,
                    format!(
                        "current stimulus of neuron {}: times not increasing",
                        s.neuron
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_inputs(&self) -> Result<(), ImageError> {
        for (index, s) in self.inputs.iter().enumerate() {
            let Some(h) = self.hicann(s.hicann) else {
                return Err(at(
                    s.hicann,
                    format!("input spike {index}: HICANN not configured"),
                ));
            };
            let direction = h.gbit.get(usize::from(s.channel));
            if direction != Some(&GbitDirection::ToHicann) {
                return Err(at(
                    s.hicann,
                    format!(
                        "input spike {index}: Gbit channel {} does not point to the HICANN",
                        s.channel
                    ),
                ));
            }
            if s.address >= 64 {
                return Err(at(
                    s.hicann,
                    format!("input spike {index}: address {} is not 6-bit", s.address),
                ));
            }
        }
        Ok(())
    }

    fn check_traces(&self) -> Result<(), ImageError> {
        if !self.traces.is_empty() && self.trace_interval == HwTime::ZERO {
            return Err(ImageError::Wafer("trace interval 0".into()));
        }
        let mut per_reticle = [0usize; RETICLES_ON_WAFER];
        for t in &self.traces {
            let in_neuron = self.hicann(t.hicann).is_some_and(|h| {
                h.neurons
                    .iter()
                    .any(|n| n.denmems.iter().any(|&(d, _)| d == t.denmem))
            });
            if !in_neuron {
                return Err(at(
                    t.hicann,
                    format!("traced denmem {:?} is in no neuron", t.denmem),
                ));
            }
            let reticle = t.hicann.reticle();
            per_reticle[reticle.to_enum()] += 1;
            if per_reticle[reticle.to_enum()] > TRACES_PER_RETICLE {
                return Err(at(
                    t.hicann,
                    format!(
                        "a third traced membrane on its reticle ({TRACES_PER_RETICLE} analog outputs per reticle)"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The bincode configuration of stored images.
    fn bincode_config() -> bincode::config::Configuration {
        bincode::config::standard()
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        bincode::serde::encode_to_vec(self, Self::bincode_config()).map_err(|e| e.to_string())
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<WaferImage, String> {
        let (image, used) = bincode::serde::decode_from_slice(bytes, Self::bincode_config())
            .map_err(|e| e.to_string())?;
        if used != bytes.len() {
            return Err(format!("{} trailing bytes", bytes.len() - used));
        }
        Ok(image)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_neuron_resets_to_the_v_reset_its_fg_cells_realise() {
        // 0.5 V is DAC 284.17 of 1.8 V / 1023; the cell holds DAC 284, 0.49971 V. Two reset groups of a
        // 2-denmem neuron (top and bottom of one column) are averaged after the DAC.
        let mut h = HicannImage::empty(HicannOnWafer::from_enum(0).unwrap());
        h.v_reset_volt = [0.5, 0.5, 0.6, 0.6];
        let denmem = |y| {
            (
                NeuronOnHicann::new(0, y).unwrap(),
                DenmemParameters::default(),
            )
        };
        let neuron = NeuronImage {
            denmems: vec![denmem(0), denmem(1)],
            firing: denmem(0).0,
        };
        let cell = |v: f64| (v * 1023.0 / 1.8).round() * 1.8 / 1023.0;
        let expected = (cell(0.5) + cell(0.6)) / 2.0;
        assert!((h.neuron_v_reset_volt(&neuron) - expected).abs() < 1e-12);
        assert!((h.neuron_v_reset_volt(&neuron) - 0.55).abs() > 1e-4);
    }
}
