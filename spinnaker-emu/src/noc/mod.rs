//! Network-on-chip experiments: synthetic multicast traffic on the machine, with no neural model.
//!
//! Every application core injects packets as a Poisson process (seeded per core) towards a destination core
//! chosen by a [`Pattern`]; routes are shortest paths laid out as routing-table entries (straight-through
//! hops are left to default routing, as real tables do); the report gives accepted throughput, latency, hop
//! counts, what was lost and the busiest links. A sweep over rates shows where the interconnect saturates.
//!
//! Shape to expect (published interconnect studies named in the spec, §3.4: Navaridas et al. 2009 and
//! TickySim): latency flat at a few hundred router cycles while links are lightly loaded, then a knee where
//! the busiest link's utilisation nears 1 and accepted throughput stops following offered load; with the
//! sPyNNaker defaults (emergency routing off, wait1 = 480 cycles) congestion beyond the knee shows as dumped
//! and reinjected packets rather than as unbounded latency.

mod report;
mod routes;
mod traffic;

pub use report::{LinkLoad, NocReport};
pub use routes::{Pattern, Routes, build_routes};
pub use traffic::{NocConfig, run};
