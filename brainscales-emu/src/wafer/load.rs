//! Building the run state of every used HICANN from a checked image.

use super::hicann::{Bus, HicannState, Target, TraceBuffer};
use crate::coord::{HICANNS_ON_WAFER, HicannOnWafer};
use crate::defects::Defects;
use crate::image::{HicannImage, ImageError, Mismatch, WaferImage};
use crate::layer1::bus::{BUS_MAX_EVENT_RATE_HZ, BusGate, L1Network, SendingRepeater};
use crate::layer1::merger::OutputPath;
use crate::layer1::repeaters::SENDING_REPEATERS;
use crate::neuron::nonideal::{Purpose, stream};
use crate::neuron::{
    ClipCounters, FixedPatternSpreads, HardwareRanges, LogicalNeuron, MismatchCounters,
};
use crate::synapse::SynapseBlock;
use crate::time::HwTime;

/// The built units and what loading counted.
pub(super) struct Built {
    pub units: Vec<HicannState>,
    pub clipped: ClipCounters,
    pub mismatch: MismatchCounters,
}

/// Builds the units in HICANN enum order (Layer-2 input is handed to them as the run plans it).
pub(super) fn build(image: &WaferImage, defects: &Defects) -> Result<Built, ImageError> {
    let mut order: Vec<&HicannImage> = image.hicanns.iter().collect();
    order.sort_by_key(|h| h.hicann.to_enum());
    let mut unit_of = vec![None; HICANNS_ON_WAFER];
    for (i, h) in order.iter().enumerate() {
        unit_of[h.hicann.to_enum()] = Some(i as u32);
    }
    let net = image.l1_network();
    let mut clipped = ClipCounters::default();
    let mut mismatch = MismatchCounters::default();
    let mut units = Vec::with_capacity(order.len());
    for h in order {
        let mut unit = hicann_state(image, h, &mut clipped, &mut mismatch)?;
        unit.buses = buses(image, &net, defects, h.hicann, &unit_of);
        for t in image.traces.iter().filter(|t| t.hicann == h.hicann) {
            let neuron = unit.denmem_slot[t.denmem.to_enum()]
                .expect("checked: traced denmems are in a neuron")
                .0;
            unit.traced[neuron as usize] = Some(unit.traces.len());
            unit.traces.push(TraceBuffer {
                denmem: t.denmem,
                interval: image.trace_interval,
                next: HwTime::ZERO,
                v_volt: Vec::new(),
            });
        }
        units.push(unit);
    }
    Ok(Built {
        units,
        clipped,
        mismatch,
    })
}

/// Neurons (DAC quantisation, mismatch, clip, noise), synapse block and output path of one HICANN.
fn hicann_state(
    image: &WaferImage,
    h: &HicannImage,
    clipped: &mut ClipCounters,
    mismatch: &mut MismatchCounters,
) -> Result<HicannState, ImageError> {
    let err = |what: String| ImageError::Hicann {
        hicann: h.hicann,
        what,
    };
    let mut neurons = Vec::with_capacity(h.neurons.len());
    let mut outputs = Vec::with_capacity(h.neurons.len());
    for (i, n) in h.neurons.iter().enumerate() {
        let members: Vec<_> = n
            .denmems
            .iter()
            .map(|&(d, nominal)| {
                let spreads = match image.nonideal.mismatch {
                    Mismatch::Off => None,
                    Mismatch::Uncalibrated => Some(FixedPatternSpreads::uncalibrated()),
                    Mismatch::Calibrated => Some(FixedPatternSpreads::calibrated(
                        nominal.capacitor,
                        image.speed_up,
                    )),
                };
                // The DAC codes are programmed; mismatch acts on what they realise (neuron module docs).
                let programmed = nominal.quantise(image.speed_up, clipped);
                let p = match spreads {
                    Some(s) => s.apply(&programmed, image.wafer_seed, h.hicann, d, mismatch),
                    None => programmed,
                };
                (
                    d,
                    p.clip(HardwareRanges::of(image.speed_up, p.capacitor), clipped),
                )
            })
            .collect();
        let mut neuron = LogicalNeuron::new(&members, n.firing, h.neuron_v_reset_volt(n))
            .map_err(|e| err(format!("neuron {i}: {e}")))?;
        if let Some(noise) = &image.nonideal.membrane_noise {
            let rng = stream(image.wafer_seed, Purpose::MembraneNoise, h.hicann, n.firing);
            neuron.set_noise(noise, rng);
        }
        outputs.push(
            n.denmems
                .iter()
                .map(|&(d, _)| d)
                .filter(|d| h.merger.outputs[d.to_enum()].is_some())
                .collect(),
        );
        neurons.push(neuron);
    }
    let synapses = SynapseBlock::new(h.synapses.clone()).map_err(|e| err(e.to_string()))?;
    let stdp = h.synapses.stdp.iter().any(Option::is_some);
    let background = h.merger.background.iter().any(|b| b.enable);
    let denmems: usize = h.neurons.iter().map(|n| n.denmems.len()).sum();
    let rows = 2 * h
        .synapses
        .drivers
        .iter()
        .filter(|d| d.mode.enabled())
        .count();
    let mut unit = HicannState::new(
        h.hicann,
        neurons,
        outputs,
        synapses,
        stdp,
        OutputPath::new(h.merger.clone()),
        HwTime::clock_period(image.pll_mhz),
        background,
        h.gbit,
    );
    let mut stimuli: Vec<(HwTime, u32, f64)> = h
        .stimuli
        .iter()
        .flat_map(|s| s.steps.iter().map(|&(t, a)| (t, s.neuron as u32, a)))
        .collect();
    stimuli.sort_by_key(|s| (s.0, s.1));
    unit.stimuli = stimuli;
    unit.load = 1 + (denmems + rows) as u64;
    Ok(unit)
}

/// The buses of the sending repeaters of `hicann` in OUTPUT mode, with their fan-out.
fn buses(
    image: &WaferImage,
    net: &L1Network,
    defects: &Defects,
    hicann: HicannOnWafer,
    unit_of: &[Option<u32>],
) -> Vec<Bus> {
    (0..SENDING_REPEATERS)
        .filter(|&i| net.hicann(hicann).repeaters.is_sending(i))
        .map(|index| {
            let fan = net.fan_out(defects, SendingRepeater { hicann, index });
            let mut bus = Bus {
                index,
                gate: BusGate::new(BUS_MAX_EVENT_RATE_HZ),
                targets: Vec::new(),
                unconfigured_targets: 0,
            };
            for r in fan.drivers {
                match unit_of[r.hicann.to_enum()] {
                    Some(unit) => bus.targets.push(Target {
                        unit,
                        driver: r.driver,
                        latency: image.l1_timing.latency(r.hops),
                    }),
                    None => bus.unconfigured_targets += 1,
                }
            }
            bus
        })
        .collect()
}
