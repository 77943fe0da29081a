//! A neuron core in time: the timer tick and the packet-driven spike-processing pipeline of sPyNNaker's
//! combined neuron + synapse core (spec §4.2-§4.8), charged with [`CycleCosts`].
//!
//! Timing model:
//! - **Timer** (tick k, at T_k): charge the timer and `neuron_transfer` (every neuron x synapse type), move
//!   ring-buffer slot k into the neurons, then run the background neuron update: neuron i records, updates
//!   and, if it fires, sends its key `key_base + (i << colour bits) + colour` at the moment the update
//!   reaches it. The state is computed at once; only the sends are spread over the update.
//! - **Packets** (FIQ, then the user-event/DMA loop at priority 0, §4.7): each spike waits in the input
//!   buffer (full -> dropped and counted) until the spike-processing chain is free; then the master
//!   population table is searched (cost per probe), each row is fetched by DMA (set-up, then latency plus
//!   transfer time on the chip's shared SDRAM) and its synapses are added into the ring buffers for the tick
//!   in which the processing happens (so the colour rules of §4.8 decide lateness).
//! - **STDP** (a core whose image has an [`StdpConfig`](crate::runtime::stdp::StdpConfig)): a neuron that fires
//!   appends to its post-synaptic history in the update; a row with a plastic region (P > 0) has its plastic
//!   synapses updated and added first, then its fixed ones (§4.7), and its plastic region is DMA'd back to
//!   SDRAM once processed. The write-back occupies the shared SDRAM after the next row's read, which was issued
//!   before it, and costs the CPU a DMA set-up. A post spike enters the history at the timer, like the rest of
//!   the update; with a delay of at least one step no row processed in the same tick could see it anyway. A
//!   plastic row on a core without STDP parameters (which the mapper never builds) has only its fixed part
//!   processed.
//! - **Priorities**: spike processing pre-empts the neuron update, so it lengthens a running update and
//!   delays the sends after the point it interrupted (`sends`: each send leaves when the update, pre-emptions
//!   included, reaches its neuron). A tick whose update is still running when the next timer fires is an
//!   overrun; the next update queues behind it, and the sends the old one has not made yet are placed at the
//!   times known then.
//! - **Effective delay.** A spike sent during tick t reaches its targets during tick t, is written into slot
//!   t + d, and slot t + d is transferred before the update of tick t + d (spinnaker.md §4.2, §4.8; sPyNNaker's
//!   `synapses.c`). So a neuron-to-neuron hop takes d ticks from the sender's update to the first update that
//!   feels it, one tick less than NEST's on-grid models (which stamp a spike at the end of its step).
//! - Rows are processed one after the other; the runtime's double buffering (fetching row k+1 while
//!   processing row k) is modelled by issuing each DMA when the previous row's processing starts.

use crate::image::{NeuronCoreImage, Recording};
use crate::runtime::cycles::{CoreProfile, CycleCosts};
use crate::runtime::fixed::{Accum, Rounding};
use crate::runtime::master_pop_table::AddressListItem;
use crate::runtime::master_pop_table::Outcome;
use crate::runtime::neuron::{NeuronArray, Receptor};
use crate::runtime::ring_buffer::RingBuffers;
use crate::runtime::stdp::{self, PlasticRowMut, PlasticWork, PostHistory};
use crate::runtime::synapse_row::RowView;
use crate::time::Time;

use super::counters::CoreCounters;
use super::sends::PendingSends;
use super::{Clock, CoreOutput, RecordingSpace, Sdram, SpikeQueue};

/// One recorded analog sample: tick and the values of the recorded neurons.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub tick: u32,
    pub values: Vec<Accum>,
}

pub struct NeuronCore {
    image: NeuronCoreImage,
    ring: RingBuffers,
    rounding: Rounding,
    /// The input spike buffer and when spike processing is next free.
    input: SpikeQueue,
    /// End of the latest neuron update (lengthened by spike processing that pre-empts it).
    update_end: Time,
    /// When the latest tick's timer fired: with `update_end`, the length of that tick once no more spike
    /// processing can pre-empt its update (known at the next timer).
    tick_start: Time,
    pub counters: CoreCounters,
    pub profile: CoreProfile,
    /// (tick, neuron) of every recorded spike.
    pub spikes: Vec<(u32, u16)>,
    /// Per recorded variable, its samples.
    pub traces: Vec<(String, Vec<Sample>)>,
    recording_space: RecordingSpace,
    /// Per neuron, its post-synaptic spikes (empty without STDP).
    post_history: Vec<PostHistory>,
    /// Spikes of the running update not sent yet.
    sends: PendingSends,
}

impl NeuronCore {
    pub fn new(image: NeuronCoreImage) -> Result<NeuronCore, String> {
        let ring = RingBuffers::new(image.word_layout, image.weight_shifts.len() as u16)
            .map_err(|e| e.to_string())?;
        let post_history = match &image.stdp {
            Some(stdp) => {
                stdp.check(image.weight_shifts.len())
                    .map_err(|e| e.to_string())?;
                vec![PostHistory::default(); image.neurons.len()]
            }
            None => Vec::new(),
        };
        let traces = image
            .recording
            .variables
            .iter()
            .map(|v| (v.name.clone(), Vec::new()))
            .collect();
        Ok(NeuronCore {
            image,
            ring,
            rounding: Rounding::Truncate,
            input: SpikeQueue::default(),
            update_end: Time::ZERO,
            tick_start: Time::ZERO,
            counters: CoreCounters::default(),
            profile: CoreProfile::default(),
            spikes: Vec::new(),
            traces,
            recording_space: RecordingSpace::default(),
            post_history,
            sends: PendingSends::default(),
        })
    }

    pub fn neurons(&self) -> &NeuronArray {
        &self.image.neurons
    }

    fn update_cost(&self, costs: &CycleCosts) -> u64 {
        let per_neuron = match self.image.neurons {
            NeuronArray::LifCurrExp(_) => costs.update_lif,
            NeuronArray::LifCurrAlpha(_) => costs.update_lif_alpha,
            NeuronArray::LifCondExp(_) => costs.update_cond,
            NeuronArray::IzhCurrExp(_) => costs.update_izhikevich,
        };
        per_neuron + costs.record_per_variable * (self.image.recording.variables.len() as u64 + 1)
    }

    /// `Max_tick_cycles`: from the timer at `start` to the end of that tick's update as far as it is known.
    fn note_tick_length(&mut self, start: Time) {
        let cycles = (self.update_end.max(start) - start).0 / Time::TICKS_PER_CORE_CYCLE;
        self.counters.note_tick_cycles(cycles);
    }

    /// Tick `tick` starts at `now`.
    pub fn timer(
        &mut self,
        now: Time,
        tick: u32,
        costs: &CycleCosts,
        out: &mut CoreOutput<'_, '_>,
    ) {
        // Spikes still waiting in the input buffer are late (`spike_processing_clear_input_buffer`).
        self.counters.late_packets += self.input.waiting_at(now);
        let n = self.image.neurons.len() as u64;
        let timer_cycles = costs.timer
            + n * self.image.weight_shifts.len() as u64 * costs.transfer_per_neuron_per_type;
        self.profile.timer_cycles += timer_cycles;
        for input in self.ring.transfer(tick) {
            if u64::from(input.neuron) >= n {
                continue;
            }
            let shift = u32::from(self.image.weight_shifts[input.synapse_type as usize]);
            let receptor = if input.synapse_type == 0 {
                Receptor::Excitatory
            } else {
                Receptor::Inhibitory
            };
            self.image
                .neurons
                .neuron_mut(input.neuron as usize)
                .transfer(receptor, Accum::from_ring_buffer(input.value, shift));
        }
        // The previous tick, now final: spike processing may have pre-empted its update after it was queued.
        self.note_tick_length(self.tick_start);
        self.tick_start = now;
        let behind = self.update_end > now;
        if behind {
            self.counters.timer_overruns += 1;
        }
        self.counters.max_backgrounds_queued = self
            .counters
            .max_backgrounds_queued
            .max(1 + u64::from(behind));
        let start = (now + CycleCosts::time(timer_cycles)).max(self.update_end);
        self.sends.emit(now, true, out);
        self.sends.begin(start);
        let per_neuron = self.update_cost(costs);
        let colour = tick & ((1 << self.image.n_colour_bits) - 1);
        let (key_base, colour_bits) = (self.image.key_base, self.image.n_colour_bits);
        let record = &self.image.recording;
        let recorded = |i: usize| record.neurons.is_empty() || record.neurons.contains(&(i as u16));
        let due: Vec<bool> = record
            .variables
            .iter()
            .map(|v| v.every_ticks > 0 && tick.is_multiple_of(v.every_ticks))
            .collect();
        let sample_now = due.contains(&true);
        let n_recorded = if record.neurons.is_empty() {
            n as usize
        } else {
            record.neurons.len()
        };
        let mut bytes = if record.spikes {
            Recording::spike_bytes(n_recorded)
        } else {
            0
        };
        bytes += due.iter().filter(|&&d| d).count() as u64 * (4 + 4 * n_recorded as u64);
        let fits = bytes == 0
            || self
                .recording_space
                .claim(bytes, record.buffer_bytes, &mut self.counters);
        let sample_now = sample_now && fits;
        let mut cycles = 0u64;
        let mut sent = 0u64;
        let mut samples: Vec<Vec<Accum>> = vec![Vec::new(); self.traces.len()];
        let spikes = &mut self.spikes;
        let traces = &self.traces;
        let stdp = self.image.stdp.as_ref();
        let post_history = &mut self.post_history;
        let sends = &mut self.sends;
        self.image
            .neurons
            .update_all(self.rounding, |i, values, spiked| {
                cycles += per_neuron;
                if sample_now && recorded(i) {
                    for (k, (name, _)) in traces.iter().enumerate().filter(|&(k, _)| due[k]) {
                        samples[k].push(match name.as_str() {
                            "v" => values.v,
                            "gsyn_exc" => values.gsyn_exc,
                            _ => values.gsyn_inh,
                        });
                    }
                }
                if spiked {
                    if let Some(stdp) = stdp {
                        post_history[i].add_spike(tick, &stdp.timing);
                        cycles += costs.stdp_post_spike;
                    }
                    if let Some(base) = key_base {
                        cycles += costs.send_spike;
                        sent += 1;
                        sends.push(cycles, base + ((i as u32) << colour_bits) + colour);
                    }
                    if record.spikes && fits && recorded(i) {
                        spikes.push((tick, i as u16));
                    }
                }
            });
        for (((_, trace), values), due) in self.traces.iter_mut().zip(samples).zip(due) {
            if sample_now && due {
                trace.push(Sample { tick, values });
            }
        }
        self.profile.neuron_update_cycles += cycles;
        self.update_end = start + CycleCosts::time(cycles);
        self.sends.emit(now, false, out);
        self.note_tick_length(now);
        self.counters.spikes_sent += sent;
        self.counters.max_spikes_sent_in_tick = self.counters.max_spikes_sent_in_tick.max(sent);
    }

    /// A wake-up the core asked for: send what is due.
    pub fn wake(&mut self, now: Time, token: u64, out: &mut CoreOutput<'_, '_>) {
        if self.sends.is_current(token) {
            self.sends.emit(now, false, out);
        }
    }

    /// A multicast packet arrives at `now`: `count` spikes of `key` (a payload carries a count, §4.11).
    pub fn packet(
        &mut self,
        now: Time,
        key: u32,
        count: u32,
        clock: &Clock,
        costs: &CycleCosts,
        sdram: &mut Sdram,
    ) {
        self.counters.packets_received += 1;
        self.profile.packet_cycles += costs.packet_fiq;
        let arrived = now + CycleCosts::time(costs.packet_fiq);
        for _ in 0..count {
            let capacity = self.image.incoming_spike_buffer;
            let Some(start) = self.input.admit(now, arrived, capacity, &mut self.counters) else {
                continue;
            };
            let end = self.process(start, key, clock, costs, sdram);
            // Spike processing pre-empts a running neuron update and so lengthens it.
            if start < self.update_end {
                self.update_end += end - start;
                self.sends.preempted(start, end);
            }
            self.input.free = end;
        }
    }

    /// Processes one spike from `start`; returns when the chain is free again.
    fn process(
        &mut self,
        start: Time,
        key: u32,
        clock: &Clock,
        costs: &CycleCosts,
        sdram: &mut Sdram,
    ) -> Time {
        self.counters.spikes_processed += 1;
        let lookup = self
            .image
            .master_pop_table
            .lookup(key, &mut self.counters.pop_table);
        let search = costs.spike_dispatch + u64::from(lookup.probes) * costs.pop_table_probe;
        self.profile.packet_cycles += search;
        let mut cpu = start + CycleCosts::time(search);
        let Outcome::Rows(hit) = lookup.outcome else {
            return cpu;
        };
        let mut dma_issue = cpu + CycleCosts::time(costs.dma_setup);
        // The previous row's plastic write-back: (issue time, bytes), queued behind the next row's read.
        let mut write_back: Option<(Time, u32)> = None;
        for fetch in self.image.master_pop_table.rows(&hit) {
            self.counters.dmas += 1;
            let ready = sdram.transfer(dma_issue, fetch.n_bytes, costs);
            if let Some((at, bytes)) = write_back.take() {
                sdram.transfer(at, bytes, costs);
            }
            let begin = cpu.max(ready);
            self.profile.dma_wait_cycles += (begin - cpu).0 / Time::TICKS_PER_CORE_CYCLE;
            let Some(words) = self
                .image
                .synaptic_region
                .read_mut(fetch.offset_bytes, fetch.n_bytes)
                .filter(|words| RowView::parse(words).is_ok())
            else {
                // A row outside the region or with a bad header: the mapper built a broken image.
                continue;
            };
            let tick = clock.tick_at(begin);
            let arrival = self.ring.begin_row(tick, hit.colour, hit.n_colour_bits);
            let mut plastic = PlasticWork::default();
            let mut plastic_cycles = 0;
            let mut write_bytes = None;
            if let (Some(config), Some(mut row)) = (&self.image.stdp, PlasticRowMut::parse(words)) {
                plastic = stdp::process_row(
                    config,
                    &mut row,
                    &self.post_history,
                    &self.image.weight_shifts,
                    &mut self.ring,
                    &arrival,
                    &mut self.counters.stdp,
                );
                plastic_cycles = costs.plastic_row
                    + plastic.synapses * costs.plastic_synapse
                    + plastic.post_events * costs.stdp_post_event
                    + costs.dma_setup;
                write_bytes = Some(row.region_bytes());
            }
            let row = RowView::parse(words).expect("parsed above");
            let mut n = 0u64;
            for synapse in row.fixed_synapses(self.image.word_layout) {
                self.ring.add_synapse(&arrival, synapse);
                n += 1;
            }
            self.counters.synaptic_events += n + plastic.synapses;
            let work = costs.row_overhead + n * costs.fixed_synapse + plastic_cycles;
            self.profile.synaptic_processing_cycles += work;
            // The next row's DMA starts as this row's processing begins (two row buffers, §4.7).
            dma_issue = begin + CycleCosts::time(costs.dma_setup);
            cpu = begin + CycleCosts::time(work);
            write_back = write_bytes.map(|bytes| (cpu, bytes));
        }
        if let Some((at, bytes)) = write_back {
            sdram.transfer(at, bytes, costs);
        }
        self.counters.synapses = *self.ring.counters();
        cpu
    }

    /// The plastic weights of source neuron `source_neuron`'s row in the synaptic matrix the address-list
    /// `item` points at (what [`SynapticRegion::push`](crate::runtime::synapse_row::SynapticRegion::push)
    /// returned when the mapper built the image), in the order the row was built.
    ///
    /// These are the weights as they sit in SDRAM now. As on the real machine a synapse's weight only changes
    /// when its row is fetched for a pre-synaptic spike, so post-synaptic spikes since the row's last spike
    /// are not yet reflected; sPyNNaker reads the weights back as stored, without a final flush, and so does
    /// this. `None` when the row is outside the region or has no plastic region.
    pub fn plastic_weights(&self, item: AddressListItem, source_neuron: u32) -> Option<Vec<u16>> {
        let words = self
            .image
            .synaptic_region
            .read(item.row_offset(source_neuron), item.row_bytes())?;
        let row = RowView::parse(words).ok()?;
        Some(stdp::plastic_weights(&row)?.collect())
    }

    pub fn recording(&self) -> &Recording {
        &self.image.recording
    }
}
