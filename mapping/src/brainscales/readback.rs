//! A wafer system's run back in the network's terms: spikes per population in biological ms, membrane traces
//! in mV, and the account of spikes the hardware would not have delivered.
//!
//! **Which spikes are written.** The emulator sees every spike of every neuron on the wafer
//! ([`WaferRun::spikes`]); the real system delivers only what its FPGAs record through Layer 2
//! ([`WaferRun::recorded`]: after the merger tree, the up-link's rate limit and the experiment start). The
//! files hold what the hardware would deliver, the recorded spikes, each traced back from its (wafer,
//! HICANN, Gbit channel, 6-bit address) to the neuron through the image's merger configuration; the
//! difference is counted per population ([`SpikeAccount`]) and reported, so a user sees what a real
//! experiment would have missed (spec §11 item 2: missing spikes above ~25 M events/s per HICANN).
//!
//! **Time.** Both spike lists carry biological seconds since the experiment start (hardware time less the
//! Layer-2 start offset, times the speed-up); they are written in ms. Spikes are not moved onto the
//! timestep grid: the wafer is continuous in time, and its 4 ns recording grid is finer than any timestep.
//! Only spikes from the experiment start to the completed ms count: the system stops on its window grid, a
//! little after the last timestep. A spike made inside the run but stamped by the FPGA after its end is
//! made and not recorded, as on the real system, whose recording ends with the experiment.
//!
//! **Membranes.** The analog outputs sample V of the logical neuron containing the traced denmem from
//! hardware time 0; sample `s` of a recording with interval `Δ` (biological) is read at the hardware time of
//! `s Δ` after the experiment start, interpolated linearly between the two nearest hardware samples, and
//! turned back into mV by the inverse of the parameter translation's voltage transform
//! (`V_bio = (V_hw - shift_v) / alpha_v`, [`VoltageScale`]). Only `v` exists on the wafer: the analog outputs
//! show membranes, not conductances or adaptation currents ([`check_recordables`] refuses the rest before
//! mapping).

use std::collections::HashMap;

use brainscales_emu::coord::{HicannOnWafer, NeuronOnHicann};
use brainscales_emu::layer2::GbitDirection;
use brainscales_emu::system::{SystemImage, SystemRun};
use brainscales_emu::time::{HwTime, SpeedUp};
use brainscales_emu::wafer::{Trace as WaferTrace, WaferRun};
use nmemu_loader::Network;
use nmemu_loader::writers::{PopulationRecording, Recordings, Spike, Trace};

/// (wafer, HICANN, channel, address) -> (population, neuron).
type RecordedSources = HashMap<(u32, HicannOnWafer, u8, u8), (usize, u32)>;

/// Where each neuron of a population fires: (wafer, HICANN, firing denmem), in population order.
pub type NeuronPlaces = [(u32, HicannOnWafer, NeuronOnHicann)];

/// The voltage transform of the parameter translation, `V_hw = alpha_v V_bio + shift_v` (volts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoltageScale {
    pub alpha_v: f64,
    pub shift_v: f64,
}

impl VoltageScale {
    /// A hardware membrane voltage in biological mV.
    pub fn to_bio_mv(self, v_hw_volt: f64) -> f64 {
        (v_hw_volt - self.shift_v) / self.alpha_v * 1e3
    }
}

/// Spikes of the recording populations: on the wafer in experiment time, and as recorded through Layer 2
/// (what the files hold).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpikeAccount {
    /// (population label, spikes on the wafer, spikes recorded), populations that record spikes only.
    pub populations: Vec<(String, u64, u64)>,
}

impl SpikeAccount {
    /// Spikes the wafer made that the recording did not deliver.
    pub fn not_recorded(&self) -> u64 {
        self.populations
            .iter()
            .map(|(_, on_wafer, recorded)| on_wafer.saturating_sub(*recorded))
            .sum()
    }

    pub fn on_wafer(&self) -> u64 {
        self.populations.iter().map(|p| p.1).sum()
    }
}

/// The membrane is the wafer's only analog recordable.
const MEMBRANE: &str = "v";

/// Refuses recordings the wafer cannot make, naming the population and the variable.
pub fn check_recordables(net: &Network) -> Result<(), String> {
    for (p, population) in net.populations.iter().enumerate() {
        for record in &population.record {
            if record.variable != "spikes" && record.variable != MEMBRANE {
                return Err(format!(
                    "populations[{p}] ({}).record: `{}` cannot be recorded on BrainScaleS: the wafer's \
                     analog outputs show only the membrane potential `v` (spec §1.6)",
                    population.label, record.variable
                ));
            }
        }
    }
    Ok(())
}

/// What one run of the system turns into, for the writers.
pub struct Readback<'a> {
    pub net: &'a Network,
    pub image: &'a SystemImage,
    /// Per population, where its neurons fire; `None` for spike sources (they live on the FPGAs).
    pub places: Vec<Option<&'a NeuronPlaces>>,
    pub voltage: VoltageScale,
    /// Biological ms the run completed.
    pub completed_ms: f64,
}

impl Readback<'_> {
    /// The recordings of `run` and the account of its spikes. An error when two recorded neurons share a
    /// (HICANN, channel, address), or a membrane the network records was not traced: both mean the image
    /// cannot deliver what the network asks, and writing fewer results would hide it.
    pub fn recordings(&self, run: &SystemRun) -> Result<(Recordings, SpikeAccount), String> {
        let sources = self.recorded_sources()?;
        let mut recorded: Vec<Vec<Spike>> = vec![Vec::new(); self.net.populations.len()];
        for (w, wafer) in run.wafers.iter().enumerate() {
            for r in wafer.recorded.iter().filter(|r| self.in_run(r.bio_s)) {
                let s = r.spike;
                if let Some(&(p, neuron)) = sources.get(&(w as u32, s.hicann, s.channel, s.address))
                {
                    recorded[p].push(Spike {
                        neuron,
                        time_ms: r.bio_s * 1e3,
                    });
                }
            }
        }
        let on_wafer = self.spikes_on_wafer(run);
        let mut account = SpikeAccount::default();
        let mut populations = Vec::with_capacity(self.net.populations.len());
        for (p, (population, spikes)) in self.net.populations.iter().zip(recorded).enumerate() {
            let wants_spikes = population.record.iter().find(|r| r.variable == "spikes");
            let spikes = wants_spikes.map(|r| {
                let kept: Vec<Spike> = spikes
                    .into_iter()
                    .filter(|s| r.neurons.as_ref().is_none_or(|l| l.contains(&s.neuron)))
                    .collect();
                let made = on_wafer[p]
                    .iter()
                    .filter(|&&(n, _)| r.neurons.as_ref().is_none_or(|l| l.contains(&n)))
                    .count() as u64;
                account
                    .populations
                    .push((population.label.clone(), made, kept.len() as u64));
                kept
            });
            let traces = population
                .record
                .iter()
                .filter(|r| r.variable == MEMBRANE)
                .map(|r| self.trace(p, r, run))
                .collect::<Result<Vec<_>, _>>()?;
            populations.push(PopulationRecording {
                label: population.label.clone(),
                size: population.size,
                spikes,
                traces,
            });
        }
        Ok((Recordings { populations }, account))
    }

    /// Whether biological second `bio_s` of experiment time lies in the run: from the experiment start to
    /// the completed ms. The system runs on its window grid (a Layer-1 latency, 64 ns of hardware time), so
    /// its last window can end after the run's last timestep; spikes of that overshoot belong to no timestep
    /// of the run and are neither written nor counted as made.
    fn in_run(&self, bio_s: f64) -> bool {
        (0.0..=self.completed_ms).contains(&(bio_s * 1e3))
    }

    /// (wafer, HICANN, channel, address) -> (population, neuron) of every placed neuron whose events reach
    /// a recording Gbit channel.
    fn recorded_sources(&self) -> Result<RecordedSources, String> {
        let mut sources = HashMap::new();
        for (p, places) in self.places.iter().enumerate() {
            for (n, &(w, h, d)) in places.iter().flat_map(|s| s.iter()).enumerate() {
                let Some(hicann) = self.image.wafers.get(w as usize).and_then(|i| i.hicann(h))
                else {
                    continue;
                };
                let Some(address) = hicann.merger.outputs[d.to_enum()] else {
                    continue;
                };
                for channel in hicann.merger.dnc_mergers_of_block(d.block()) {
                    if hicann.gbit[channel] != GbitDirection::ToDnc {
                        continue;
                    }
                    let key = (w, h, channel as u8, address);
                    if let Some((q, m)) = sources.insert(key, (p, n as u32)) {
                        return Err(format!(
                            "wafer {w} {h}: neuron {m} of {} and neuron {n} of {} are both recorded on Gbit \
                             channel {channel} with address {address}: their spikes cannot be told apart",
                            self.net.populations[q].label, self.net.populations[p].label
                        ));
                    }
                }
            }
        }
        Ok(sources)
    }

    /// Per population, its neurons' on-wafer spikes in experiment time as (neuron, bio s).
    fn spikes_on_wafer(&self, run: &SystemRun) -> Vec<Vec<(u32, f64)>> {
        let mut neuron_of = HashMap::new();
        for (p, places) in self.places.iter().enumerate() {
            for (n, &place) in places.iter().flat_map(|s| s.iter()).enumerate() {
                neuron_of.insert(place, (p, n as u32));
            }
        }
        let mut out = vec![Vec::new(); self.net.populations.len()];
        for (w, wafer) in run.wafers.iter().enumerate() {
            for s in wafer.spikes.iter().filter(|s| self.in_run(s.bio_s)) {
                if let Some(&(p, n)) = neuron_of.get(&(w as u32, s.hicann, s.neuron)) {
                    out[p].push((n, s.bio_s));
                }
            }
        }
        out
    }

    /// The membrane recording `record` of population `p`.
    fn trace(
        &self,
        p: usize,
        record: &nmemu_loader::network::Recording,
        run: &SystemRun,
    ) -> Result<Trace, String> {
        let population = &self.net.populations[p];
        let places = self.places[p].ok_or_else(|| {
            format!(
                "population {}: a spike source has no membrane to record",
                population.label
            )
        })?;
        let neuron_indices: Vec<u32> = record
            .neurons
            .clone()
            .unwrap_or_else(|| (0..population.size).collect());
        let sim = &self.net.simulation;
        let interval_ms = sim.time_ms(record.sampling_steps.into());
        let samples_per_neuron = (self.completed_ms / interval_ms + 1e-9).floor() as usize;
        let mut columns = Vec::with_capacity(neuron_indices.len());
        for &n in &neuron_indices {
            let (w, h, d) = places[n as usize];
            let trace = self
                .find_trace(&run.wafers[w as usize], w, h, d)
                .ok_or_else(|| {
                    format!(
                        "population {} neuron {n} (wafer {w} {h}): its membrane was not traced",
                        population.label
                    )
                })?;
            columns.push(trace);
        }
        let image = &self.image.wafers[0];
        let (speed_up, start) = (image.speed_up, image.l2.start_offset);
        let mut samples = Vec::with_capacity(samples_per_neuron * columns.len());
        for s in 0..samples_per_neuron {
            let at = hardware_time(speed_up, start, s as f64 * interval_ms);
            for trace in &columns {
                let v = sample(trace, at).ok_or_else(|| {
                    format!(
                        "population {}: the membrane trace ends before {} ms",
                        population.label,
                        s as f64 * interval_ms
                    )
                })?;
                samples.push(self.voltage.to_bio_mv(v));
            }
        }
        Ok(Trace {
            variable: MEMBRANE.to_string(),
            neuron_indices,
            sampling_interval_ms: interval_ms,
            samples,
        })
    }

    /// The trace of the logical neuron firing on `denmem`: a trace of any of its denmems.
    fn find_trace<'r>(
        &self,
        run: &'r WaferRun,
        wafer: u32,
        hicann: HicannOnWafer,
        firing: NeuronOnHicann,
    ) -> Option<&'r WaferTrace> {
        let neuron = self.image.wafers[wafer as usize]
            .hicann(hicann)?
            .neurons
            .iter()
            .find(|n| n.firing == firing)?;
        run.traces
            .iter()
            .find(|t| t.hicann == hicann && neuron.denmems.iter().any(|(d, _)| *d == t.denmem))
    }
}

/// Hardware seconds since 0 of biological ms `bio_ms` after the experiment start.
fn hardware_time(speed_up: SpeedUp, start: HwTime, bio_ms: f64) -> f64 {
    start.seconds() + speed_up.to_hardware(bio_ms * 1e-3)
}

/// The trace's voltage at hardware second `t`, linear between samples; `None` past its end.
fn sample(trace: &WaferTrace, t: f64) -> Option<f64> {
    let x = t / trace.interval.seconds();
    let k = x.floor() as usize;
    let frac = x - k as f64;
    let lo = *trace.v_volt.get(k)?;
    match trace.v_volt.get(k + 1) {
        Some(hi) => Some(lo + frac * (hi - lo)),
        None if frac < 1e-9 => Some(lo),
        None => None,
    }
}

#[cfg(test)]
#[path = "readback_tests.rs"]
mod tests;
