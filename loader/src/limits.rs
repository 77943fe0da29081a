//! Size limits: a network larger than stated is refused *before* expansion allocates anything.
//!
//! The synapse count is the connector's expected count ([`crate::connectors::expected_synapses`]), exact for
//! every connector but the probabilistic ones, whose mean is used.

use crate::connectors::expected_synapses;
use crate::error::{LoadError, Problems};
use crate::network::Network;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_neurons: u64,
    pub max_synapses: u64,
}

impl Default for Limits {
    /// 2 billion synapses at 4-10 bytes each stay within the 24 GiB of the reference machine; 250 million
    /// neurons is the full million-core SpiNNaker at 256 neurons per core.
    fn default() -> Self {
        Limits {
            max_neurons: 250_000_000,
            max_synapses: 2_000_000_000,
        }
    }
}

impl Limits {
    pub fn check(&self, net: &Network) -> Result<(), LoadError> {
        let mut problems = Problems::default();
        let neurons = net.neurons();
        if neurons > self.max_neurons {
            problems.push(
                "populations",
                format!(
                    "the network has {neurons} neurons; the limit is {} (raise it with --max-neurons)",
                    self.max_neurons
                ),
            );
        }
        let synapses: f64 = net
            .projections
            .iter()
            .map(|p| expected_synapses(net, p))
            .sum();
        if synapses > self.max_synapses as f64 {
            problems.push(
                "projections",
                format!(
                    "the network makes about {synapses:.0} synapses; the limit is {} (raise it with --max-synapses)",
                    self.max_synapses
                ),
            );
        }
        problems.into_result(())
    }
}
