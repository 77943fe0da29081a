//! Each neuron's recent post-synaptic spikes (upstream `plasticity/stdp/post_events.h`).
//!
//! A neuron keeps its last spike times and post-synaptic traces, oldest first, behind a placeholder entry
//! (time 0, trace 0) that is never dropped and never counts as a spike. When all
//! [`MAX_POST_SYNAPTIC_EVENTS`] slots are full the oldest real spike is dropped. A synapse whose row is
//! fetched reads the spikes since its previous pre-synaptic spike through a [`PostWindow`].

use super::timing::PairTiming;

/// Entries per neuron, the placeholder included (`MAX_POST_SYNAPTIC_EVENTS 16`, §4.8).
pub const MAX_POST_SYNAPTIC_EVENTS: usize = 16;

/// One neuron's post-synaptic history (`post_event_history_t`). Lives in DTCM, so it is core state, not
/// part of the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostHistory {
    /// Entries in use minus one: the placeholder is entry 0.
    count_minus_one: usize,
    times: [u32; MAX_POST_SYNAPTIC_EVENTS],
    traces: [i16; MAX_POST_SYNAPTIC_EVENTS],
}

impl Default for PostHistory {
    /// Only the placeholder (`post_events_init_buffers`; the pair rule's initial trace is 0).
    fn default() -> PostHistory {
        PostHistory {
            count_minus_one: 0,
            times: [0; MAX_POST_SYNAPTIC_EVENTS],
            traces: [0; MAX_POST_SYNAPTIC_EVENTS],
        }
    }
}

/// The post-synaptic spikes a synapse update applies, and the spike before them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostWindow<'a> {
    /// Spike times in the window, oldest first.
    pub times: &'a [u32],
    /// Their traces.
    pub traces: &'a [i16],
    /// The latest spike before the window (the placeholder if none is left).
    pub prev_time: u32,
    pub prev_trace: i16,
    /// Whether `prev_*` is a real spike rather than the placeholder.
    pub prev_valid: bool,
}

impl PostHistory {
    /// `synapse_dynamics_process_post_synaptic_event`: the neuron spiked at `time`; its trace is the last
    /// one decayed to `time` plus one.
    pub fn add_spike(&mut self, time: u32, timing: &PairTiming) {
        let last = self.count_minus_one;
        let trace = timing.add_post_spike(time, self.times[last], self.traces[last]);
        self.add(time, trace);
    }

    /// `post_events_add`: appends, or when full shifts entries 2.. down over entry 1 (the oldest real
    /// spike) and puts the new one last.
    pub fn add(&mut self, time: u32, trace: i16) {
        if self.count_minus_one < MAX_POST_SYNAPTIC_EVENTS - 1 {
            self.count_minus_one += 1;
        } else {
            self.times.copy_within(2.., 1);
            self.traces.copy_within(2.., 1);
        }
        self.times[self.count_minus_one] = time;
        self.traces[self.count_minus_one] = trace;
    }

    /// Real spikes held (at most [`MAX_POST_SYNAPTIC_EVENTS`] − 1).
    pub fn len(&self) -> usize {
        self.count_minus_one
    }

    /// Whether only the placeholder is held.
    pub fn is_empty(&self) -> bool {
        self.count_minus_one == 0
    }

    /// `post_events_get_window_delayed`: the spikes with `begin < time ≤ end`, and the spike before them.
    ///
    /// Upstream walks back from the newest entry while the entry is later than `begin`, stopping at the
    /// placeholder, so entry 0 is never in the window whatever its time.
    pub fn window(&self, begin: u32, end: u32) -> PostWindow<'_> {
        let count = self.count_minus_one + 1;
        let mut first = count;
        while first > 1 && self.times[first - 1] > begin {
            first -= 1;
        }
        let prev = first - 1;
        let stop = first + self.times[first..count].partition_point(|&t| t <= end);
        PostWindow {
            times: &self.times[first..stop],
            traces: &self.traces[first..stop],
            prev_time: self.times[prev],
            prev_trace: self.traces[prev],
            prev_valid: prev != 0,
        }
    }
}
