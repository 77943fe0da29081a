//! Size limits: a network larger than stated is refused before anything is allocated for it: the neuron count
//! before per-neuron values are resolved, the synapse count before any projection is expanded. Every
//! [`Network`] constructor takes limits, so no input can make the loader allocate without bound.
//!
//! The synapse count is the connector's expected count ([`crate::connectors::expected_synapses`]), exact for
//! every connector but the probabilistic ones, whose mean is used.

use crate::connectors::expected_synapses;
use crate::error::LoadError;
use crate::format::NetFile;
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
    /// Before anything per neuron is allocated: the total of the populations' sizes.
    pub fn check_neurons(&self, file: &NetFile) -> Result<(), LoadError> {
        let neurons: u64 = file.populations.iter().map(|p| u64::from(p.size)).sum();
        if neurons > self.max_neurons {
            return Err(LoadError::at(
                "populations",
                format!(
                    "the network has {neurons} neurons; the limit is {} (raise it with --max-neurons)",
                    self.max_neurons
                ),
            ));
        }
        Ok(())
    }

    /// Before any projection is expanded: the expected synapse count of the whole network.
    pub fn check_synapses(&self, net: &Network) -> Result<(), LoadError> {
        let synapses: f64 = net
            .projections
            .iter()
            .map(|p| expected_synapses(net, p))
            .sum();
        if synapses > self.max_synapses as f64 {
            return Err(LoadError::at(
                "projections",
                format!(
                    "the network makes about {synapses:.0} synapses; the limit is {} (raise it with --max-synapses)",
                    self.max_synapses
                ),
            ));
        }
        Ok(())
    }
}
