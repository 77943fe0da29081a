//! The latencies of delivered packets, kept as counts per value rather than one number per packet.
//!
//! A low-load run on spinnaker-48 delivers millions of packets, all within a few hundred router cycles: a
//! count per cycle value holds that in a few cache lines, where a list grew by four bytes a packet (and
//! made every delivery a push on a growing vector). Percentiles stay exact: the counts are the sorted list,
//! run-length encoded.

use serde::Serialize;

/// Latencies below this many router cycles (30.7 us) are counted per value; longer ones (packets caught in
/// congestion or re-sent by a reinjector) are listed one by one.
const COUNTED_CYCLES: usize = 4096;

/// Latency percentiles, in router cycles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    pub min_cycles: u32,
    pub median_cycles: u32,
    pub p99_cycles: u32,
    pub max_cycles: u32,
}

/// The latencies recorded at one chip's cores, or merged over many.
#[derive(Clone, Debug, Default)]
pub struct LatencyCounts {
    /// `counts[c]`: packets that took `c` router cycles, for `c` below [`COUNTED_CYCLES`]; allocated with
    /// the first packet, so chips that receive nothing hold nothing.
    counts: Vec<u64>,
    /// Latencies of [`COUNTED_CYCLES`] or more, in arrival order.
    long: Vec<u32>,
}

impl LatencyCounts {
    /// Records one packet that took `cycles` router cycles.
    #[inline]
    pub fn record(&mut self, cycles: u32) {
        match self.counts.get_mut(cycles as usize) {
            Some(count) => *count += 1,
            None => self.record_first_or_long(cycles),
        }
    }

    #[cold]
    fn record_first_or_long(&mut self, cycles: u32) {
        if (cycles as usize) < COUNTED_CYCLES {
            self.counts.resize(COUNTED_CYCLES, 0);
            self.counts[cycles as usize] += 1;
        } else {
            self.long.push(cycles);
        }
    }

    /// Packets recorded.
    pub fn len(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.long.len() as u64
    }

    /// Adds `other`'s packets to these.
    pub fn merge(&mut self, other: &LatencyCounts) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.long.extend_from_slice(&other.long);
    }

    /// Minimum, median, 99th percentile and maximum: the values at ranks round((n - 1) p) of the sorted
    /// latencies, p = 0, 0.5, 0.99, 1. All zero when nothing was recorded.
    pub fn summary(&self) -> Latency {
        let n = self.len();
        if n == 0 {
            return Latency::default();
        }
        let mut long = self.long.clone();
        long.sort_unstable();
        let counted = n - long.len() as u64;
        let at_rank = |rank: u64| -> u32 {
            if rank >= counted {
                return long[(rank - counted) as usize];
            }
            let mut below = 0;
            for (cycles, &count) in self.counts.iter().enumerate() {
                below += count;
                if rank < below {
                    return cycles as u32;
                }
            }
            unreachable!("rank {rank} is below the {counted} counted packets")
        };
        let rank = |p: f64| ((n - 1) as f64 * p).round() as u64;
        Latency {
            min_cycles: at_rank(0),
            median_cycles: at_rank(rank(0.5)),
            p99_cycles: at_rank(rank(0.99)),
            max_cycles: at_rank(n - 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition: percentiles of the sorted list of every latency.
    fn sorted_summary(mut all: Vec<u32>) -> Latency {
        all.sort_unstable();
        let Some(&max_cycles) = all.last() else {
            return Latency::default();
        };
        let pct = |p: f64| all[((all.len() - 1) as f64 * p).round() as usize];
        Latency {
            min_cycles: all[0],
            median_cycles: pct(0.5),
            p99_cycles: pct(0.99),
            max_cycles,
        }
    }

    fn latency() -> impl Strategy<Value = u32> {
        prop_oneof![0u32..300, 0u32..2 * COUNTED_CYCLES as u32, any::<u32>()]
    }

    proptest! {
        /// Counting per value, split over chips and merged, gives the percentiles of the full sorted list.
        #[test]
        fn same_percentiles_as_the_sorted_list(
            chips in prop::collection::vec(prop::collection::vec(latency(), 0..60), 0..5)
        ) {
            let mut merged = LatencyCounts::default();
            for chip in &chips {
                let mut counts = LatencyCounts::default();
                for &cycles in chip {
                    counts.record(cycles);
                }
                merged.merge(&counts);
            }
            let all: Vec<u32> = chips.concat();
            prop_assert_eq!(merged.len(), all.len() as u64);
            prop_assert_eq!(merged.summary(), sorted_summary(all));
        }
    }
}
