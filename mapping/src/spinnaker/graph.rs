//! The place-and-route problem: vertices that each need one application core, and the multicast nets
//! between them.
//!
//! The mapper makes every core's worth of work (a slice of a population, a block of Poisson sources) a
//! vertex, and the spikes of one source vertex a net: its sinks are the vertices holding target neurons and
//! its weight the packets expected on it, which the annealer uses to pull busy nets tighter. This is rig's
//! netlist (Heathcote 2016) reduced to what SpiNNaker placement needs once a vertex is exactly one core.

use std::fmt;

/// A vertex: one application core's worth of work. Ids are dense, `0..Graph::n_vertices()`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct VertexId(pub u32);

impl fmt::Display for VertexId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vertex {}", self.0)
    }
}

/// A net, by its position in `Graph::nets()`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct NetId(pub u32);

impl fmt::Display for NetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "net {}", self.0)
    }
}

/// One multicast stream: everything `source` sends reaches every sink. A sink may be the source itself
/// (a population projecting onto itself) and may be listed more than once; both are harmless.
#[derive(Clone, Debug, PartialEq)]
pub struct Net {
    pub source: VertexId,
    pub sinks: Vec<VertexId>,
    /// Expected packets on the net (any unit, the same for all nets); the annealer's cost scales with it.
    pub weight: f64,
}

impl Net {
    /// The distinct vertices of the net, ascending: what its bounding box spans.
    pub fn vertices(&self) -> Vec<VertexId> {
        let mut all: Vec<VertexId> = Some(self.source)
            .into_iter()
            .chain(self.sinks.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// Vertices and nets, checked as nets are added so placement and routing can index without checks.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    n_vertices: u32,
    nets: Vec<Net>,
}

impl Graph {
    /// A graph of `n_vertices` vertices, `VertexId(0)` to `VertexId(n_vertices - 1)`, and no nets.
    pub fn with_vertices(n_vertices: u32) -> Graph {
        Graph {
            n_vertices,
            nets: Vec::new(),
        }
    }

    /// Adds a vertex and returns its id.
    pub fn add_vertex(&mut self) -> VertexId {
        self.n_vertices += 1;
        VertexId(self.n_vertices - 1)
    }

    /// Adds a net; refuses vertices the graph does not have and weights that are negative or not finite.
    pub fn add_net(&mut self, net: Net) -> Result<NetId, String> {
        let id = NetId(self.nets.len() as u32);
        let n = self.n_vertices;
        if let Some(v) = Some(net.source)
            .into_iter()
            .chain(net.sinks.iter().copied())
            .find(|v| v.0 >= n)
        {
            return Err(format!(
                "{id}: {v} does not exist (the graph has {n} vertices)"
            ));
        }
        if !(net.weight.is_finite() && net.weight >= 0.0) {
            return Err(format!(
                "{id}: weight must be finite and non-negative, got {}",
                net.weight
            ));
        }
        self.nets.push(net);
        Ok(id)
    }

    pub fn n_vertices(&self) -> u32 {
        self.n_vertices
    }

    pub fn vertices(&self) -> impl ExactSizeIterator<Item = VertexId> + use<> {
        (0..self.n_vertices).map(VertexId)
    }

    /// All nets, `NetId(i)` at index i.
    pub fn nets(&self) -> &[Net] {
        &self.nets
    }

    /// The net `id`; panics if the graph has no such net.
    pub fn net(&self, id: NetId) -> &Net {
        &self.nets[id.0 as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nets_are_checked_against_the_vertices() {
        let mut g = Graph::with_vertices(2);
        assert_eq!(g.add_vertex(), VertexId(2));
        let net = |source, sinks: &[u32], weight| Net {
            source: VertexId(source),
            sinks: sinks.iter().map(|&s| VertexId(s)).collect(),
            weight,
        };
        assert_eq!(g.add_net(net(0, &[1, 2, 1, 0], 1.0)), Ok(NetId(0)));
        assert_eq!(
            g.net(NetId(0)).vertices(),
            [VertexId(0), VertexId(1), VertexId(2)]
        );
        assert_eq!(
            g.add_net(net(0, &[3], 1.0)).unwrap_err(),
            "net 1: vertex 3 does not exist (the graph has 3 vertices)"
        );
        assert!(
            g.add_net(net(0, &[1], f64::NAN))
                .unwrap_err()
                .contains("weight")
        );
        assert!(g.add_net(net(0, &[1], -1.0)).is_err());
        assert_eq!(
            (g.n_vertices(), g.nets().len(), g.vertices().len()),
            (3, 1, 3)
        );
    }
}
