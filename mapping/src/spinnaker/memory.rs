//! The host memory a SpiNNaker mapping and run will take, estimated before anything large is allocated, so that
//! a network too large for the host is refused with the figure and the limit instead of being killed or aborting
//! on a failed allocation.
//!
//! The mapper streams the synapses (`summary`): it holds one projection's expansion at a time, with the buckets
//! that sort its words by post slice (12 bytes a synapse), while the synaptic matrices of every core grow to
//! their final size. The matrices dominate large networks: each core holds a matrix per incoming projection with
//! a row slot for *every* neuron of the source population (spinnaker.md §4.5), so their size grows with the
//! number of post slices, which shrink with `--time-scale-factor` 1. The host stores a row end per slot and the
//! words of the rows that are not empty (`SynapticRegion`), not the padded SDRAM image. A run loads the image
//! into the emulator's cores, a second copy of the matrices.
//!
//! [`estimate`] works from the network and a partition: before partitioning, from the largest slices the
//! runtime allows (a lower bound of the matrices, for `validate` and the first check); after, from the slices
//! and delay stages chosen (the check just before the matrices are built). A slot's synapses are taken as
//! Poisson (a random connector's row is empty with probability e^-mean); delayed synapses are assumed spread
//! evenly over the stages. `bench/memory.sh` compares the estimate with measured peaks.

use nmemu_loader::Network;
use nmemu_loader::format::Connector;
use nmemu_loader::memory::{ExpansionBytes, expansion_bytes};
use spinnaker_emu::runtime::stdp::PRE_HISTORY_WORDS;
use spinnaker_emu::runtime::synapse_row::ROW_HEADER_WORDS;

use super::delays::DelayPlan;
use super::partition::{Partition, max_atoms_per_core};

/// Bytes a synapse occupies in the encoding buckets of the projection being written: (row, word, index).
const BUCKET_BYTES: u64 = 12;
/// Bytes kept per plastic synapse for reading weights back: its (pre, post) pair and its index in a matrix.
const PLASTIC_BYTES: u64 = 12;

/// Estimated bytes, per phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// Expanding every projection and holding them all (what `validate` used to hold; the mapper does not).
    pub expanded_all: u64,
    /// The largest single projection's expansion at its peak: what the mapper holds at once.
    pub largest_projection: u64,
    /// The synaptic matrices of every core.
    pub matrices: u64,
    /// Mapping: the matrices, one projection's expansion and its buckets, plastic read-back data.
    pub map: u64,
    /// Running: the mapping's result and the emulator's copy of the matrices.
    pub run: u64,
}

/// The most memory a mapping may plan to use, and what sets it (a flag, named in the refusal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryLimit {
    pub bytes: u64,
    /// Where the limit comes from, e.g. `--max-memory`.
    pub source: String,
    /// The image will be run: its copy in the emulator counts too.
    pub running: bool,
}

impl MemoryEstimate {
    /// The refusal when the mapping, or the run when `limit.running`, needs more than the limit.
    pub fn check(&self, limit: &MemoryLimit) -> Result<(), String> {
        let (needed, what) = if limit.running {
            (self.run, "running")
        } else {
            (self.map, "mapping")
        };
        if needed <= limit.bytes {
            return Ok(());
        }
        Err(format!(
            "{}: {what} {NEEDS} {} (synaptic matrices {}, largest projection expanded {}); \
             the limit is {}",
            limit.source,
            bytes(needed),
            bytes(self.matrices),
            bytes(self.largest_projection),
            bytes(limit.bytes)
        ))
    }
}

/// Whether `error` is a refusal of [`MemoryEstimate::check`].
pub fn is_refusal(error: &str) -> bool {
    error.contains(NEEDS)
}

/// The words every refusal carries.
const NEEDS: &str = "this network needs about";

/// Bytes in kB, MB or GB (powers of 1000), as `--max-memory` takes them.
pub fn bytes(n: u64) -> String {
    let x = n as f64;
    if x < 1e6 {
        format!("{:.1} kB", x / 1e3)
    } else if x < 1e9 {
        format!("{:.1} MB", x / 1e6)
    } else {
        format!("{:.2} GB", x / 1e9)
    }
}

/// How a population is cut into slices, as the estimate sees it.
pub enum Slicing<'a> {
    /// Before partitioning: the largest slices the runtime allows, no delay extensions.
    Largest,
    /// The partition chosen and its delay plan.
    Chosen(&'a Partition, &'a DelayPlan),
}

/// The estimate for `net` with `synapses[j]` synapses in projection j (expected or counted).
pub fn estimate(net: &Network, synapses: &[f64], slicing: &Slicing) -> MemoryEstimate {
    let mut out = MemoryEstimate::default();
    let (mut largest_synapses, mut plastic) = (0.0f64, 0.0);
    for (j, (p, &n)) in net.projections.iter().zip(synapses).enumerate() {
        let ExpansionBytes { held, peak } = expansion_bytes(p, n);
        out.expanded_all += held;
        out.largest_projection = out.largest_projection.max(peak);
        largest_synapses = largest_synapses.max(n);
        if p.synapse.is_plastic() {
            plastic += n;
        }
        out.matrices += matrix_bytes(net, j, n, slicing);
    }
    out.map = out.matrices
        + out.largest_projection
        + (BUCKET_BYTES as f64 * largest_synapses) as u64
        + (PLASTIC_BYTES as f64 * plastic) as u64;
    out.run = out.map + out.matrices;
    out
}

/// The host bytes of projection `j`'s matrices on all the cores it reaches, as `SynapticRegion` stores them:
/// a row end per slot, and a row's words (header, synapses) only where it is not empty.
fn matrix_bytes(net: &Network, j: usize, synapses: f64, slicing: &Slicing) -> u64 {
    let p = &net.projections[j];
    let post = &net.populations[p.post.population];
    let (atoms, row_sets) = match slicing {
        Slicing::Largest => (max_atoms_per_core(post.cell_type), 1),
        Slicing::Chosen(partition, delays) => (
            partition.populations[p.post.population].atoms_per_core,
            1 + delays.of_population[p.pre.population].map_or(0, |v| delays.vertices[v].n_stages),
        ),
    };
    if synapses <= 0.0 {
        return 0;
    }
    let cores = f64::from(p.post.len().div_ceil(atoms.max(1)).max(1)) * f64::from(row_sets);
    let slots = cores * f64::from(net.populations[p.pre.population].size);
    // The slots of the pre view's neurons, and the synapses each holds on average.
    let in_view = cores * f64::from(p.pre.len().max(1));
    let mean = synapses / in_view;
    let words = if p.synapse.is_plastic() {
        // Every plastic row is stored: its pre-synaptic history makes it non-zero.
        slots * (ROW_HEADER_WORDS + PRE_HISTORY_WORDS) as f64 + in_view * (mean + 0.5)
    } else {
        let exact = matches!(
            p.connector,
            Connector::AllToAllConnector { .. } | Connector::OneToOneConnector {}
        );
        let not_empty = if exact {
            mean.min(1.0)
        } else {
            1.0 - (-mean).exp()
        };
        in_view * (not_empty * ROW_HEADER_WORDS as f64 + mean)
    };
    (4.0 * (slots + words)) as u64
}
