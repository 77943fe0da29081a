//! What a NoC experiment measured.

use serde::Serialize;

use super::latency::{Latency, LatencyCounts};
use super::routes::Routes;
use super::traffic::{NocConfig, TrafficApp};
use crate::geometry::{ChipCoord, Link};
use crate::kernel::Simulation;
use crate::router::counters::RouterCounters;
use crate::time::Time;

/// Traffic on one link direction.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkLoad {
    pub chip: ChipCoord,
    pub link: &'static str,
    pub packets: u64,
    /// Fraction of the run (injection and drain) the link spent sending.
    pub utilisation: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NocReport {
    pub pattern: String,
    pub application_cores: usize,
    pub offered_per_core_per_ms: f64,
    pub injected: u64,
    pub delivered: u64,
    /// Packets still travelling when the run stopped (0 once the network has drained).
    pub in_flight: u64,
    /// Simulated time until the network drained, in ms.
    pub drained_ms: f64,
    /// Delivered packets per core per ms of injection.
    pub accepted_per_core_per_ms: f64,
    /// In router cycles (7.5 ns).
    pub latency: Latency,
    pub mean_hops: f64,
    pub max_hops: u16,
    pub router: RouterCounters,
    /// Flows whose route crossed a dead chip and that took a detour over working chips instead.
    pub flows_rerouted: usize,
    /// Flows left out: no path of working chips and links reaches their destination.
    pub flows_unreachable: usize,
    pub routing_entries: usize,
    pub routing_entries_before_default_removal: usize,
    pub max_entries_per_chip: usize,
    pub busiest_links: Vec<LinkLoad>,
    /// Packet-hops simulated (links crossed, in all).
    pub packet_hops: u64,
    /// Host seconds of the run (not part of the result: excluded from determinism comparisons).
    #[serde(skip)]
    pub wall_s: f64,
}

impl NocReport {
    pub(super) fn new(
        sim: &Simulation<TrafficApp>,
        config: &NocConfig,
        routes: &Routes,
        wall_s: f64,
    ) -> NocReport {
        let mut latencies = LatencyCounts::default();
        let (mut hop_sum, mut max_hops, mut injected) = (0u64, 0u16, 0u64);
        for c in sim.chips() {
            latencies.merge(&c.app.latencies);
            hop_sum += c.app.hop_sum;
            max_hops = max_hops.max(c.app.max_hops);
            injected += c.app.injected;
        }
        let latency = latencies.summary();
        let delivered = latencies.len();
        let cores = routes.flows.len();
        let ms = config.duration.as_ms();
        let totals = sim.totals();
        let links = &sim.params().links;
        let serial = Time::from_router_cycles(if config.payload {
            links.cycles_72bit
        } else {
            links.cycles_40bit
        });
        let mut busiest: Vec<LinkLoad> = sim
            .chips()
            .iter()
            .flat_map(|c| {
                Link::ALL
                    .iter()
                    .map(move |l| (c.coord, *l, c.router.link_counters()[l.index()].sent))
            })
            .filter(|(_, _, n)| *n > 0)
            .map(|(chip, l, packets)| LinkLoad {
                chip,
                link: l.name(),
                packets,
                utilisation: (packets * serial.0) as f64 / sim.now().0.max(1) as f64,
            })
            .collect();
        busiest.sort_by(|a, b| {
            b.packets
                .cmp(&a.packets)
                .then(a.chip.cmp(&b.chip))
                .then(a.link.cmp(b.link))
        });
        busiest.truncate(5);
        NocReport {
            pattern: format!("{:?}", config.pattern).to_lowercase(),
            application_cores: cores,
            offered_per_core_per_ms: config.rate_per_core_per_ms,
            injected,
            delivered,
            in_flight: sim.packets_in_flight(),
            drained_ms: sim.now().as_ms(),
            accepted_per_core_per_ms: delivered as f64
                / cores.max(1) as f64
                / ms.max(f64::MIN_POSITIVE),
            latency,
            mean_hops: if delivered == 0 {
                0.0
            } else {
                hop_sum as f64 / delivered as f64
            },
            max_hops,
            router: totals.router,
            flows_rerouted: routes.rerouted,
            flows_unreachable: routes.unreachable,
            routing_entries: routes.tables.values().map(|t| t.len()).sum(),
            routing_entries_before_default_removal: routes.entries_before_default_removal,
            max_entries_per_chip: routes.tables.values().map(|t| t.len()).max().unwrap_or(0),
            busiest_links: busiest,
            packet_hops: totals.links.sent,
            wall_s,
        }
    }
}
