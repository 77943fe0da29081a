//! The cost model: ARM968 cycles (200 MHz) charged for each action of the runtime.
//!
//! Defaults are the spec's estimates from the 7.1.1 C code (§5.2, marked *derived, calibrate before
//! trusting*): the middle of each range given there. Every figure is a named field so a user can calibrate
//! against real hardware; the per-core breakdown ([`CoreProfile`]) shows where the cycles went, as
//! sPyNNaker's profiler tags do.

use serde::{Deserialize, Serialize};

use crate::time::Time;

/// Cycles per action (CPU clock cycles at 200 MHz), and the DMA timing.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CycleCosts {
    /// Timer interrupt entry, `time++`, input-buffer bookkeeping, queueing the background update.
    pub timer: u64,
    /// `neuron_transfer`: per neuron per synapse type, touched even when empty (§5.2: 5-8).
    pub transfer_per_neuron_per_type: u64,
    /// Background update per neuron, by model (§5.2: LIF 150-300; conductance adds two accum multiplies;
    /// Izhikevich about 2x LIF).
    pub update_lif: u64,
    /// LIF with alpha synapses: the shaping adds two accum multiplies per receptor (a named guess; the
    /// division of a transfer is charged here too, as inputs arrive in most ticks of a busy neuron).
    pub update_lif_alpha: u64,
    pub update_cond: u64,
    pub update_izhikevich: u64,
    /// Recording, per neuron per recorded variable (the toolchain's 8 cycles, §5.1).
    pub record_per_variable: u64,
    /// `send_spike_mc`: wait for TCR.N and write the key (U: not in the spec; a named guess).
    pub send_spike: u64,
    /// FIQ entry, CC read and circular-buffer insert per packet (§5.2: 30-60).
    pub packet_fiq: u64,
    /// User event / DMA-done dispatch per spike (§5.2: 50-100).
    pub spike_dispatch: u64,
    /// Per master-population-table probe of the binary search (§5.2: ~10).
    pub pop_table_probe: u64,
    /// `spin1_dma_transfer` set-up (§5.2: 60-100).
    pub dma_setup: u64,
    /// Row header and colour handling (§5.2: ~20).
    pub row_overhead: u64,
    /// The fixed-synapse inner loop, per synapse (§5.2: 14-18).
    pub fixed_synapse: u64,
    /// One plastic synapse of a row (STDP, `process_plastic_synapse`): decode the control half-word, find the
    /// post-synaptic window, the depression, the final weight and its ring-buffer add. The spec gives no figure;
    /// the toolchain plans 1.4 M STDP synaptic events per second per core against 13 M static (mapping A1.1, from
    /// "Synapse-Centric Mapping of Cortical Models"), about 143 against 15 cycles at 200 MHz. With one post
    /// spike per window ([`Self::stdp_post_event`]) the default makes 145.
    pub plastic_synapse: u64,
    /// One post-synaptic spike applied to one plastic synapse: a table lookup, a 16x16 multiply, an accum
    /// multiply and a clamp (a named guess, see [`Self::plastic_synapse`]).
    pub stdp_post_event: u64,
    /// Per plastic row: the pre-synaptic trace update (a lookup and a multiply) and the loop set-up (a named
    /// guess). The write-back DMA set-up is charged as [`Self::dma_setup`].
    pub plastic_row: u64,
    /// Per neuron spike on a core with STDP: decay the post-synaptic trace and append to the history, shifting
    /// up to 15 entries when full (a named guess).
    pub stdp_post_spike: u64,
    /// One JKISS call (§5.1: 44, measured upstream).
    pub rng_call: u64,
    /// Poisson source bookkeeping per source per tick (U: a named guess).
    pub poisson_per_source: u64,
    /// A delay-extension core's `spike_process` per spike: key check, neuron id, colour, counter increment (a
    /// named guess; the loop is a handful of loads, compares and a byte store).
    pub delay_spike: u64,
    /// A delay-extension core's background scan, per neuron per stage due: load the counter and test it (a
    /// named guess).
    pub delay_scan_per_neuron: u64,
    /// DMA access latency in ns (§5.2: 500-1000, U).
    pub dma_latency_ns: f64,
    /// SDRAM bandwidth a DMA gets, bytes per microsecond, shared by the cores of a chip (§5.2: 300-600 MB/s
    /// per core uncontended; the chip's SDRAM sustains about 1 GB/s, §0).
    pub sdram_bytes_per_us: f64,
}

impl Default for CycleCosts {
    fn default() -> Self {
        CycleCosts {
            timer: 100,
            transfer_per_neuron_per_type: 6,
            update_lif: 225,
            update_lif_alpha: 300,
            update_cond: 285,
            update_izhikevich: 450,
            record_per_variable: 8,
            send_spike: 20,
            packet_fiq: 45,
            spike_dispatch: 75,
            pop_table_probe: 10,
            dma_setup: 80,
            row_overhead: 20,
            fixed_synapse: 16,
            plastic_synapse: 120,
            stdp_post_event: 25,
            plastic_row: 40,
            stdp_post_spike: 40,
            rng_call: 44,
            poisson_per_source: 20,
            delay_spike: 30,
            delay_scan_per_neuron: 4,
            dma_latency_ns: 750.0,
            sdram_bytes_per_us: 1000.0,
        }
    }
}

impl CycleCosts {
    /// The time `cycles` core cycles take.
    pub fn time(cycles: u64) -> Time {
        Time::from_core_cycles(cycles)
    }

    /// How long the SDRAM is busy moving `bytes`.
    pub fn transfer_time(&self, bytes: u32) -> Time {
        Time::from_ns(f64::from(bytes) * 1000.0 / self.sdram_bytes_per_us)
    }
}

/// Where a core's cycles went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoreProfile {
    pub timer_cycles: u64,
    pub neuron_update_cycles: u64,
    pub packet_cycles: u64,
    pub synaptic_processing_cycles: u64,
    /// Time the spike-processing chain waited for DMA data, in core cycles.
    pub dma_wait_cycles: u64,
}
