//! What a wafer run counted: spikes per neuron, Layer-1 events per bus, everything lost by place and cause,
//! Layer-2 traffic, STDP and parameter clipping (issue 15, "Counters"). Each block counts in its own
//! struct ([`MergerCounters`], [`BusCounters`], [`SynapseCounters`], [`RecordCounters`],
//! [`PlaybackCounters`], [`ClipCounters`], [`IntegratorCounters`]); this module gathers them per HICANN
//! and adds what only the run itself sees ([`HicannRunCounters`]).

use crate::coord::{HicannOnWafer, NeuronOnHicann};
use crate::layer1::bus::{BusCounters, SendingRepeater};
use crate::layer1::merger::MergerCounters;
use crate::layer2::{PlaybackCounters, RecordCounters};
use crate::neuron::{ClipCounters, IntegratorCounters, MismatchCounters};
use crate::synapse::SynapseCounters;

/// Events the run itself drops, per HICANN.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HicannRunCounters {
    /// Events leaving a DNC merger whose sending repeater is not in OUTPUT mode and whose Gbit channel does
    /// not record: they go nowhere.
    pub dnc_events_unrouted: u64,
    /// Deliveries a bus would make to drivers on HICANNs the image does not configure.
    pub events_to_unconfigured_hicanns: u64,
    /// Synapses that matched an event on a column whose denmem belongs to no neuron.
    pub jumps_to_unused_denmems: u64,
    /// Spikes a neuron found before the window it found them in, sent at the window's start: a step looked
    /// ahead past a window and taken again, cut at an input, crossed a few ticks earlier than it had shown
    /// (a numerical difference within the integrator's tolerance).
    pub spikes_found_late: u64,
}

/// The counters of one HICANN.
#[derive(Debug, Clone, PartialEq)]
pub struct HicannCounters {
    pub hicann: HicannOnWafer,
    /// Spikes of each neuron (by firing denmem), in the image's neuron order.
    pub spikes_per_neuron: Vec<(NeuronOnHicann, u64)>,
    pub merger: MergerCounters,
    pub synapses: SynapseCounters,
    pub uplink: RecordCounters,
    pub run: HicannRunCounters,
    /// Layer-2 events injected into the DNC mergers.
    pub l2_injected: u64,
    pub integrator: IntegratorCounters,
}

/// Every counter of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct WaferCounters {
    pub hicanns: Vec<HicannCounters>,
    /// Per sending repeater in OUTPUT mode: events carried and lost to the rate limit.
    pub buses: Vec<(SendingRepeater, BusCounters)>,
    /// Input spikes played, and dropped before the run by cause.
    pub playback: PlaybackCounters,
    /// Parameters clipped to the hardware's ranges at load.
    pub clipped: ClipCounters,
    pub mismatch: MismatchCounters,
}

impl WaferCounters {
    /// Total on-wafer spikes.
    pub fn spikes(&self) -> u64 {
        self.hicanns
            .iter()
            .flat_map(|h| &h.spikes_per_neuron)
            .map(|s| s.1)
            .sum()
    }

    /// Events carried by all buses.
    pub fn l1_events(&self) -> u64 {
        self.buses.iter().map(|b| b.1.events).sum()
    }

    /// Events lost on the buses to their rate limit.
    pub fn l1_lost_saturated(&self) -> u64 {
        self.buses.iter().map(|b| b.1.lost_saturated).sum()
    }

    /// Events recorded through Layer 2 and lost on the up-links.
    pub fn l2_recorded(&self) -> u64 {
        self.hicanns.iter().map(|h| h.uplink.recorded).sum()
    }

    pub fn l2_lost_uplink(&self) -> u64 {
        self.hicanns.iter().map(|h| h.uplink.lost_uplink).sum()
    }

    /// Conductance jumps delivered (synapses matched) on the whole wafer.
    pub fn synapses_matched(&self) -> u64 {
        self.hicanns
            .iter()
            .map(|h| h.synapses.synapses_matched)
            .sum()
    }

    /// The integrator counters summed over the wafer.
    pub fn integrator(&self) -> IntegratorCounters {
        let mut sum = IntegratorCounters::default();
        for h in &self.hicanns {
            add_integrator(&mut sum, &h.integrator);
        }
        sum
    }
}

/// `sum += c`, field by field.
pub(super) fn add_integrator(sum: &mut IntegratorCounters, c: &IntegratorCounters) {
    sum.spikes += c.spikes;
    sum.steps += c.steps;
    sum.rejected_steps += c.rejected_steps;
    sum.exact_spans += c.exact_spans;
    sum.forced_steps += c.forced_steps;
    sum.dropped_steps += c.dropped_steps;
}
