//! A delay-extension core in time (spec §4.8; sPyNNaker 7.x `delay_extension.c`): spikes of one source slice
//! are counted per (tick, neuron) in uint8 counters, and at each later tick a background task re-sends the
//! counts that are whole stages old, one packet per neuron and stage (payload = count when above one).
//!
//! Timing and state follow the runtime:
//! - **Counters.** A ring of `2^ceil(log2(n_stages * delay_per_stage + 1))` slots of one counter per neuron;
//!   the slot of tick t is `t & mask`, so a slot is reused only after every stage has read it. The timer of
//!   tick t clears the slot of tick `t - 1 - n_stages * delay_per_stage`. A counter at 255 stays there and the
//!   spike is counted in `saturation_count`, never silently lost.
//! - **Spikes** (FIQ, then the user event at priority 0): each waits in the 256-entry input buffer (full ->
//!   dropped and counted) and is counted in the slot of the tick in which it is processed, plus the colour
//!   lateness `(colour - spike colour) & colour mask`. The upstream code *adds* the lateness (a late spike is
//!   held longer, not shorter); it is reproduced as written. Only late packets make a difference.
//! - **Background** (queued by the timer, priority 1, pre-empted by spike processing): for stage d = 0..n the
//!   counters of tick `t - (d + 1) * delay_per_stage` are scanned (cost per neuron) and every non-zero count of
//!   a neuron in the stage's mask is sent, spread over the scan as the neuron core spreads its sends.
//!
//! A spike the source sends in tick t therefore leaves here in tick `t + (d + 1) * delay_per_stage`; the
//! receiving core adds its synapse's remaining delay, so the total is the synapse's delay, as on the machine.

use crate::image::DelayExtensionCoreImage;
use crate::runtime::cycles::CycleCosts;
use crate::time::Time;

use super::counters::{CoreCounters, DelayCounters};
use super::{Clock, CoreOutput, SpikeQueue};

/// The runtime's `IN_BUFFER_SIZE`.
const INPUT_BUFFER: u32 = 256;
/// The runtime's `COUNTER_SATURATION_VALUE`.
const COUNTER_MAX: u8 = u8::MAX;

pub struct DelayExtensionProgram {
    image: DelayExtensionCoreImage,
    /// `counts[slot * n_neurons + neuron]`.
    counts: Vec<u8>,
    slot_mask: u32,
    /// Ticks whose stale slot has been cleared (`0..cleared`).
    cleared: u32,
    input: SpikeQueue,
    /// End of the latest background task (lengthened by spike processing that pre-empts it).
    background_end: Time,
    pub counters: CoreCounters,
    pub delay: DelayCounters,
}

impl DelayExtensionProgram {
    pub fn new(image: DelayExtensionCoreImage) -> Result<DelayExtensionProgram, String> {
        image.check()?;
        let slots = (image.n_stages * image.delay_per_stage + 1).next_power_of_two();
        Ok(DelayExtensionProgram {
            counts: vec![0; slots as usize * image.n_neurons as usize],
            slot_mask: slots - 1,
            cleared: 0,
            input: SpikeQueue::default(),
            background_end: Time::ZERO,
            counters: CoreCounters::default(),
            delay: DelayCounters::default(),
            image,
        })
    }

    fn slot(&mut self, tick: u32) -> &mut [u8] {
        let n = self.image.n_neurons as usize;
        let at = (tick & self.slot_mask) as usize * n;
        &mut self.counts[at..at + n]
    }

    /// Clears the slots the timers of ticks up to `tick` clear (once each, whichever comes first: the timer or a
    /// spike processed just before it).
    fn clear_through(&mut self, tick: u32) {
        let span = self.image.n_stages * self.image.delay_per_stage;
        while self.cleared <= tick {
            let t = self.cleared;
            self.cleared += 1;
            if t > span {
                self.slot(t - 1 - span).fill(0);
            }
        }
    }

    fn colour_mask(&self) -> u32 {
        (1 << self.image.n_colour_bits) - 1
    }

    /// Tick `tick` starts at `now`: clear the stale slot, then the background sends what is due.
    pub fn timer(
        &mut self,
        now: Time,
        tick: u32,
        costs: &CycleCosts,
        out: &mut CoreOutput<'_, '_>,
    ) {
        self.counters.late_packets += self.input.waiting_at(now);
        self.clear_through(tick);
        let behind = self.background_end > now;
        self.counters.max_backgrounds_queued = self
            .counters
            .max_backgrounds_queued
            .max(1 + u64::from(behind));
        let start = (now + CycleCosts::time(costs.timer)).max(self.background_end);
        let colour = tick & self.colour_mask();
        let n_neurons = self.image.n_neurons;
        let mut cycles = 0u64;
        let mut sent = 0u64;
        for d in 0..self.image.n_stages {
            let Some(from) = tick.checked_sub((d + 1) * self.image.delay_per_stage) else {
                break;
            };
            cycles += u64::from(n_neurons) * costs.delay_scan_per_neuron;
            let at = (from & self.slot_mask) as usize * n_neurons as usize;
            let mask = &self.image.stage_masks[d as usize];
            for n in 0..n_neurons {
                let count = self.counts[at + n as usize];
                if count == 0 || mask[n as usize / 32] & (1 << (n % 32)) == 0 {
                    continue;
                }
                if let Some(base) = self.image.key_base {
                    cycles += costs.send_spike;
                    let key = base + ((d * n_neurons + n) << self.image.n_colour_bits) + colour;
                    let payload = (count > 1).then_some(u32::from(count));
                    out.send(start + CycleCosts::time(cycles), key, payload);
                    sent += u64::from(count);
                }
            }
        }
        self.background_end = start + CycleCosts::time(cycles);
        let tick_cycles = (self.background_end - now).0 / Time::TICKS_PER_CORE_CYCLE;
        self.counters.note_tick_cycles(tick_cycles);
        self.counters.spikes_sent += sent;
        self.counters.max_spikes_sent_in_tick = self.counters.max_spikes_sent_in_tick.max(sent);
    }

    /// A multicast packet arrives at `now`: `count` spikes of `key`.
    pub fn packet(&mut self, now: Time, key: u32, count: u32, clock: &Clock, costs: &CycleCosts) {
        self.counters.packets_received += 1;
        let arrived = now + CycleCosts::time(costs.packet_fiq);
        for _ in 0..count {
            let Some(start) = self
                .input
                .admit(now, arrived, INPUT_BUFFER, &mut self.counters)
            else {
                continue;
            };
            self.count_spike(clock.tick_at(start), key);
            let end = start + CycleCosts::time(costs.delay_spike);
            // Spike processing pre-empts a running background task and so lengthens it.
            if start < self.background_end {
                self.background_end += end - start;
            }
            self.input.free = end;
        }
    }

    /// `spike_process` for one spike processed during tick `tick`.
    fn count_spike(&mut self, tick: u32, key: u32) {
        self.counters.spikes_processed += 1;
        if key & self.image.source_mask != self.image.source_key {
            self.delay.invalid_keys += 1;
            return;
        }
        let id = key & !self.image.source_mask;
        let colour_mask = self.colour_mask();
        let neuron = id >> self.image.n_colour_bits;
        if neuron >= self.image.n_neurons {
            self.delay.invalid_neurons += 1;
            return;
        }
        let lateness = (tick & colour_mask).wrapping_sub(id & colour_mask) & colour_mask;
        self.clear_through(tick);
        let counter = &mut self.slot(tick + lateness)[neuron as usize];
        if *counter == COUNTER_MAX {
            self.delay.saturations += 1;
        } else {
            *counter += 1;
        }
        self.delay.added += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core(n_colour_bits: u8) -> DelayExtensionProgram {
        DelayExtensionProgram::new(DelayExtensionCoreImage {
            source_key: 0x1_0000,
            source_mask: 0xFFFF_0000,
            n_neurons: 3,
            delay_per_stage: 2,
            n_stages: 2,
            key_base: Some(0x2_0000),
            n_colour_bits,
            stage_masks: vec![vec![0b111]; 2],
        })
        .unwrap()
    }

    #[test]
    fn a_full_counter_stays_at_255_and_counts_what_it_loses() {
        let mut c = core(0);
        for _ in 0..300 {
            c.count_spike(7, 0x1_0001);
        }
        assert_eq!(c.slot(7)[1], 255);
        assert_eq!((c.delay.added, c.delay.saturations), (300, 45));
    }

    #[test]
    fn foreign_keys_and_neurons_beyond_the_slice_are_counted_not_added() {
        let mut c = core(0);
        c.count_spike(1, 0x5_0000);
        c.count_spike(1, 0x1_0003);
        assert_eq!((c.delay.invalid_keys, c.delay.invalid_neurons), (1, 1));
        assert_eq!(c.delay.added, 0);
        assert_eq!(c.counters.spikes_processed, 2);
        assert!(c.counts.iter().all(|&n| n == 0));
    }

    #[test]
    fn a_late_spike_goes_into_a_later_slot_as_upstream_writes_it() {
        // Sent with colour 5 (tick 5), processed in tick 6: one tick late, counted in slot 6 + 1.
        let mut c = core(3);
        c.count_spike(6, 0x1_0000 + (2 << 3) + 5);
        assert_eq!(c.slot(7)[2], 1);
        assert_eq!(c.slot(6)[2], 0);
    }
}
