//! Spike-source cores: SpikeSourcePoisson (spec §4.11) and SpikeSourceArray. At each tick they send one
//! multicast packet per source that fires, spread over the tick's work; a Poisson source firing k > 1
//! times in a tick sends one packet with payload k (the receiver inserts the key k times).

use crate::image::{PoissonCoreImage, Recording, SpikeArrayCoreImage};
use crate::runtime::cycles::CycleCosts;
use crate::runtime::jkiss::Jkiss;
use crate::runtime::poisson::PoissonCore;
use crate::time::Time;

use super::counters::CoreCounters;
use super::{CoreOutput, RecordingSpace};

pub struct PoissonProgram {
    core: PoissonCore,
    key_base: u32,
    n_colour_bits: u8,
    recording: Recording,
    recording_space: RecordingSpace,
    pub counters: CoreCounters,
    pub spikes: Vec<(u32, u16)>,
}

impl PoissonProgram {
    pub fn new(image: &PoissonCoreImage, tick_ms: f64) -> Result<PoissonProgram, String> {
        Ok(PoissonProgram {
            core: PoissonCore::new(&image.sources, tick_ms, Jkiss::new(image.seed))
                .map_err(|e| e.to_string())?,
            key_base: image.key_base,
            n_colour_bits: image.n_colour_bits,
            recording: image.recording.clone(),
            recording_space: RecordingSpace::default(),
            counters: CoreCounters::default(),
            spikes: Vec::new(),
        })
    }

    pub fn timer(
        &mut self,
        now: Time,
        tick: u32,
        costs: &CycleCosts,
        out: &mut CoreOutput<'_, '_>,
    ) {
        let colour = tick & ((1 << self.n_colour_bits) - 1);
        let fired: Vec<(u32, u32)> = self.core.tick(tick).collect();
        let record = self.recording.spikes
            && self.recording_space.claim(
                Recording::spike_bytes(self.core.sources().len()),
                self.recording.buffer_bytes,
                &mut self.counters,
            );
        let sources = self.core.sources().len() as u64;
        let mut cycles = costs.timer
            + sources * costs.poisson_per_source
            + u64::from(self.core.last_tick_rng_calls()) * costs.rng_call;
        for &(neuron, count) in &fired {
            cycles += costs.send_spike;
            let key = self.key_base + (neuron << self.n_colour_bits) + colour;
            out.send(
                now + CycleCosts::time(cycles),
                key,
                (count > 1).then_some(count),
            );
            if record {
                self.spikes
                    .extend(std::iter::repeat_n((tick, neuron as u16), count as usize));
            }
        }
        self.counters.spikes_sent += fired.len() as u64;
        self.counters.max_spikes_sent_in_tick = self
            .counters
            .max_spikes_sent_in_tick
            .max(fired.len() as u64);
        self.counters.max_tick_cycles = self.counters.max_tick_cycles.max(cycles);
    }
}

pub struct SpikeArrayProgram {
    image: SpikeArrayCoreImage,
    recording_space: RecordingSpace,
    /// Per source, the index of its next spike in `spike_ticks`.
    next: Vec<usize>,
    pub counters: CoreCounters,
    pub spikes: Vec<(u32, u16)>,
}

impl SpikeArrayProgram {
    pub fn new(image: &SpikeArrayCoreImage) -> SpikeArrayProgram {
        SpikeArrayProgram {
            next: vec![0; image.spike_ticks.len()],
            image: image.clone(),
            recording_space: RecordingSpace::default(),
            counters: CoreCounters::default(),
            spikes: Vec::new(),
        }
    }

    pub fn timer(
        &mut self,
        now: Time,
        tick: u32,
        costs: &CycleCosts,
        out: &mut CoreOutput<'_, '_>,
    ) {
        let colour = tick & ((1 << self.image.n_colour_bits) - 1);
        let mut cycles = costs.timer;
        let mut sent = 0;
        let record = self.image.recording.spikes
            && self.recording_space.claim(
                Recording::spike_bytes(self.image.spike_ticks.len()),
                self.image.recording.buffer_bytes,
                &mut self.counters,
            );
        for (neuron, times) in self.image.spike_ticks.iter().enumerate() {
            let next = &mut self.next[neuron];
            let mut count = 0;
            while times.get(*next).is_some_and(|&t| t <= tick) {
                count += u32::from(times[*next] == tick);
                *next += 1;
            }
            if count > 0 {
                cycles += costs.send_spike;
                let key =
                    self.image.key_base + ((neuron as u32) << self.image.n_colour_bits) + colour;
                out.send(
                    now + CycleCosts::time(cycles),
                    key,
                    (count > 1).then_some(count),
                );
                sent += 1;
                if record {
                    self.spikes
                        .extend(std::iter::repeat_n((tick, neuron as u16), count as usize));
                }
            }
        }
        self.counters.spikes_sent += sent;
        self.counters.max_spikes_sent_in_tick = self.counters.max_spikes_sent_in_tick.max(sent);
        self.counters.max_tick_cycles = self.counters.max_tick_cycles.max(cycles);
    }
}
