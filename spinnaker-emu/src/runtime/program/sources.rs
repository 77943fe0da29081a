//! Spike-source cores: SpikeSourcePoisson (spec §4.11) and SpikeSourceArray. At each tick they send one
//! multicast packet per source that fires, spread over the tick's work; a source firing k > 1 times in a
//! tick sends one packet with payload k (the receiver inserts the key k times).

use crate::image::{PoissonCoreImage, Recording, SpikeArrayCoreImage};
use crate::runtime::cycles::CycleCosts;
use crate::runtime::jkiss::Jkiss;
use crate::runtime::poisson::PoissonCore;
use crate::time::Time;

use super::counters::CoreCounters;
use super::{CoreOutput, RecordingSpace};

/// What every source core does with the sources that fire in a tick: send, record, count.
pub struct SourceOutput {
    key_base: Option<u32>,
    n_colour_bits: u8,
    recording: Recording,
    space: RecordingSpace,
    pub counters: CoreCounters,
    /// (tick, neuron), once per spike.
    pub spikes: Vec<(u32, u16)>,
}

impl SourceOutput {
    fn new(key_base: Option<u32>, n_colour_bits: u8, recording: &Recording) -> SourceOutput {
        SourceOutput {
            key_base,
            n_colour_bits,
            recording: recording.clone(),
            space: RecordingSpace::default(),
            counters: CoreCounters::default(),
            spikes: Vec::new(),
        }
    }

    /// Sends the `(neuron, count)` pairs of tick `tick` of a core of `n_sources`, after `cycles` of work.
    fn emit(
        &mut self,
        (now, tick): (Time, u32),
        n_sources: usize,
        fired: impl Iterator<Item = (u32, u32)>,
        mut cycles: u64,
        costs: &CycleCosts,
        out: &mut CoreOutput<'_, '_>,
    ) {
        let colour = tick & ((1 << self.n_colour_bits) - 1);
        let record = self.recording.spikes
            && self.space.claim(
                Recording::spike_bytes(n_sources),
                self.recording.buffer_bytes,
                &mut self.counters,
            );
        let mut sent = 0;
        for (neuron, count) in fired {
            if let Some(base) = self.key_base {
                cycles += costs.send_spike;
                let key = base + (neuron << self.n_colour_bits) + colour;
                out.send(
                    now + CycleCosts::time(cycles),
                    key,
                    (count > 1).then_some(count),
                );
                sent += 1;
            }
            if record {
                self.spikes
                    .extend(std::iter::repeat_n((tick, neuron as u16), count as usize));
            }
        }
        self.counters.spikes_sent += sent;
        self.counters.max_spikes_sent_in_tick = self.counters.max_spikes_sent_in_tick.max(sent);
        self.counters.note_tick_cycles(cycles);
    }
}

pub struct PoissonProgram {
    core: PoissonCore,
    pub output: SourceOutput,
}

impl PoissonProgram {
    pub fn new(image: &PoissonCoreImage, tick_ms: f64) -> Result<PoissonProgram, String> {
        Ok(PoissonProgram {
            core: PoissonCore::new(&image.sources, tick_ms, Jkiss::new(image.seed))
                .map_err(|e| e.to_string())?,
            output: SourceOutput::new(image.key_base, image.n_colour_bits, &image.recording),
        })
    }

    pub fn timer(
        &mut self,
        now: Time,
        tick: u32,
        costs: &CycleCosts,
        out: &mut CoreOutput<'_, '_>,
    ) {
        let fired: Vec<(u32, u32)> = self.core.tick(tick).collect();
        let n = self.core.sources().len();
        let cycles = costs.timer
            + n as u64 * costs.poisson_per_source
            + u64::from(self.core.last_tick_rng_calls()) * costs.rng_call;
        self.output
            .emit((now, tick), n, fired.into_iter(), cycles, costs, out);
    }
}

pub struct SpikeArrayProgram {
    spike_ticks: Vec<Vec<u32>>,
    /// Per source, the index of its next spike in `spike_ticks`.
    next: Vec<usize>,
    pub output: SourceOutput,
}

impl SpikeArrayProgram {
    pub fn new(image: &SpikeArrayCoreImage) -> SpikeArrayProgram {
        SpikeArrayProgram {
            spike_ticks: image.spike_ticks.clone(),
            next: vec![0; image.spike_ticks.len()],
            output: SourceOutput::new(image.key_base, image.n_colour_bits, &image.recording),
        }
    }

    pub fn timer(
        &mut self,
        now: Time,
        tick: u32,
        costs: &CycleCosts,
        out: &mut CoreOutput<'_, '_>,
    ) {
        let mut fired = Vec::new();
        for (neuron, times) in self.spike_ticks.iter().enumerate() {
            let next = &mut self.next[neuron];
            let mut count = 0;
            while times.get(*next).is_some_and(|&t| t <= tick) {
                count += u32::from(times[*next] == tick);
                *next += 1;
            }
            if count > 0 {
                fired.push((neuron as u32, count));
            }
        }
        let n = self.spike_ticks.len();
        self.output
            .emit((now, tick), n, fired.into_iter(), costs.timer, costs, out);
    }
}
