//! Per-core provenance, under the names sPyNNaker reports (spec §6.1, §6.2).

use serde::Serialize;

use crate::runtime::master_pop_table::PopTableCounters;
use crate::runtime::ring_buffer::SynapseCounters;
use crate::runtime::stdp::StdpCounters;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CoreCounters {
    /// Ticks whose neuron update started while the previous one was still running (the core fell behind).
    pub timer_overruns: u64,
    /// Most neuron updates queued at once (1 when the core keeps up).
    pub max_backgrounds_queued: u64,
    /// Longest tick: from the timer to the end of that tick's neuron update, including the spike processing that
    /// pre-empted it (known once the next tick begins; the last tick counts as far as its timer saw), in core
    /// cycles.
    pub max_tick_cycles: u64,
    /// The longest tick since a trace last sampled this core ([`CoreCounters::take_window_max_tick_cycles`]).
    /// Not provenance, and not something the real core keeps: it has only the running maximum above. The
    /// emulator sees every tick, so a trace can show each window's own longest tick.
    #[serde(skip)]
    pub window_max_tick_cycles: u64,
    /// Multicast packets received (a packet with a payload k counts k spikes in `spikes_received`).
    pub packets_received: u64,
    pub spikes_received: u64,
    /// Spikes dropped because the input buffer was full.
    pub input_buffer_overflows: u64,
    /// Most spikes waiting in the input buffer at once.
    pub max_input_buffer: u64,
    /// Spikes still waiting when a tick began (`Number_of_late_spikes`).
    pub late_packets: u64,
    pub spikes_processed: u64,
    pub dmas: u64,
    /// Fixed plus plastic synapses processed (`Total_pre_synaptic_events`).
    pub synaptic_events: u64,
    pub spikes_sent: u64,
    /// Most spikes sent in one tick.
    pub max_spikes_sent_in_tick: u64,
    /// Ticks whose recording did not fit the recording region and was lost.
    pub recording_overflows: u64,
    pub pop_table: PopTableCounters,
    pub synapses: SynapseCounters,
    pub stdp: StdpCounters,
}

impl CoreCounters {
    /// A tick's length became known (or grew): `cycles` core cycles.
    pub fn note_tick_cycles(&mut self, cycles: u64) {
        self.max_tick_cycles = self.max_tick_cycles.max(cycles);
        self.window_max_tick_cycles = self.window_max_tick_cycles.max(cycles);
    }

    /// The longest tick noted since the last call (a trace window's), starting the next window.
    pub fn take_window_max_tick_cycles(&mut self) -> u64 {
        std::mem::take(&mut self.window_max_tick_cycles)
    }

    /// (sPyNNaker name, value) pairs for provenance.json.
    pub fn named(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("Times_the_timer_tic_over_ran", self.timer_overruns),
            ("Max_backgrounds_queued", self.max_backgrounds_queued),
            ("Max_tick_cycles", self.max_tick_cycles),
            ("Received_multicast_packets", self.packets_received),
            ("Received_spikes", self.spikes_received),
            (
                "Times_the_input_buffer_lost_packets",
                self.input_buffer_overflows,
            ),
            ("Max_filled_size_input_buffer", self.max_input_buffer),
            ("Number_of_late_spikes", self.late_packets),
            ("How many spikes were processed", self.spikes_processed),
            ("DMAs", self.dmas),
            ("Total_pre_synaptic_events", self.synaptic_events),
            ("Sent_spikes", self.spikes_sent),
            ("Max_spikes_per_time_step", self.max_spikes_sent_in_tick),
            ("Recording_overflows", self.recording_overflows),
            (
                "Invalid Master Pop hits",
                u64::from(self.pop_table.invalid_master_pop_hits),
            ),
            (
                "Number of failed pop table searches",
                u64::from(self.pop_table.ghost_searches),
            ),
            (
                "How many packets were filtered by the bitfield filterer.",
                u64::from(self.pop_table.bit_field_filtered_packets),
            ),
            (
                "Times_synaptic_weights_have_saturated",
                u64::from(self.synapses.saturations),
            ),
            (
                "Skipped synapses",
                u64::from(self.synapses.skipped_synapses),
            ),
            ("Late spikes", u64::from(self.synapses.late_spikes)),
            ("Max late spike", u64::from(self.synapses.max_late_spike)),
            ("Plastic_pre_synaptic_events", self.stdp.plastic_synapses),
            (
                "Times_plastic_synaptic_weights_have_saturated",
                self.stdp.saturations,
            ),
            ("Plastic_weights_clipped_to_bounds", self.stdp.weight_clips),
        ]
    }
}

/// What only a delay-extension core counts (spec §6.2, `delay_extension.c`'s provenance).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DelayCounters {
    /// Spikes counted for a later stage (`n_packets_added`; saturated ones included, as upstream).
    pub added: u64,
    /// Spikes lost because their counter was already at 255 (`n_packets_lost_due_to_count_saturation`).
    pub saturations: u64,
    /// Packets of the source's key space whose neuron id is beyond the slice.
    pub invalid_neurons: u64,
    /// Packets outside the source's key space.
    pub invalid_keys: u64,
}

impl DelayCounters {
    /// (name, value) pairs for provenance.json: a delay core's share of the [`CoreCounters`] (those it keeps),
    /// then its own under the names spec §6.2 lists.
    pub fn named(&self, core: &CoreCounters) -> Vec<(&'static str, u64)> {
        let shared = [
            "Max_backgrounds_queued",
            "Max_tick_cycles",
            "Received_multicast_packets",
            "Received_spikes",
            "Times_the_input_buffer_lost_packets",
            "Max_filled_size_input_buffer",
            "Number_of_late_spikes",
            "How many spikes were processed",
            "Sent_spikes",
            "Max_spikes_per_time_step",
        ];
        let mut out: Vec<(&'static str, u64)> = core
            .named()
            .into_iter()
            .filter(|(name, _)| shared.contains(name))
            .collect();
        out.extend([
            ("Number_of_packets_added", self.added),
            ("saturation_count", self.saturations),
            ("invalid_neuron_count", self.invalid_neurons),
            ("invalid_key_count", self.invalid_keys),
        ]);
        out
    }
}
