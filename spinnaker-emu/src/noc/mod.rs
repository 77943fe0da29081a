//! Network-on-chip experiments: synthetic multicast traffic on the machine, with no neural model.
//!
//! Every application core injects packets as a Poisson process (seeded per core) towards a destination core
//! chosen by a [`Pattern`]; routes are shortest paths laid out as routing-table entries (straight-through
//! hops are left to default routing, as real tables do); the report gives accepted throughput, latency, hop
//! counts, what was lost and the busiest links. A sweep over rates shows where the interconnect saturates.
//!
//! Shape (compare the interconnect studies the spec names, §3.4: Navaridas et al. 2009, TickySim): latency
//! stays flat while links are lightly loaded, then there is a knee where the busiest link's utilisation nears
//! 1 and accepted throughput stops following offered load. Measured here on spinnaker-48 with the sPyNNaker
//! defaults (emergency routing off, wait1 = 480 cycles, reinjection on), 5 ms runs:
//! uniform traffic follows offered load up to 200 packets/core/ms (median latency 101 router cycles, busiest
//! link 73% busy) and saturates before 300 (accepted 254, p99 latency 21,869 cycles, 3.4 M dumps);
//! hotspot traffic saturates between 20 and 50 packets/core/ms. Beyond the knee accepted throughput *falls*
//! (uniform, 800 offered: 70 accepted), because dumped packets are re-sent and compete with new ones: the
//! congestion collapse that makes sPyNNaker users watch the `Dumped`/`Reinjected` counters. TickySim and
//! Navaridas et al. report the same knee-then-plateau shape for the triangular torus; their absolute numbers
//! were not available to compare (spec §10).

mod latency;
mod report;
mod routes;
mod traffic;

pub use report::{LinkLoad, NocReport};
pub use routes::{Pattern, Routes, build_routes};
pub use traffic::{Experiment, NocConfig, check_rate, max_rate_per_core_per_ms, run};
