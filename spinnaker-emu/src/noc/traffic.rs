//! The traffic generator that runs on every application core, and the experiment driver.

use std::sync::Arc;

use rand::SeedableRng;
use rand_distr::{Distribution as _, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::latency::LatencyCounts;
use super::report::NocReport;
use super::routes::{Pattern, build_routes};
use crate::geometry::ChipCoord;
use crate::kernel::event::Flit;
use crate::kernel::{Application, CoreContext, Simulation};
use crate::machine::Machine;
use crate::packet::Packet;
use crate::router::config::NetworkParams;
use crate::time::Time;

/// One NoC experiment.
#[derive(Clone, Copy, Debug)]
pub struct NocConfig {
    pub pattern: Pattern,
    /// Offered load: packets each application core injects per millisecond (Poisson).
    pub rate_per_core_per_ms: f64,
    /// How long cores inject.
    pub duration: Time,
    /// Extra time after injection stops for packets in flight to arrive.
    pub drain: Time,
    pub seed: u64,
    /// 72-bit packets (with payload) instead of 40-bit.
    pub payload: bool,
    pub threads: usize,
}

/// The highest offered load the emulation can hold, in packets per application core per ms: a router takes one
/// packet per router cycle (133,333 per ms), so when every core of a chip (at most 17) injects faster than this,
/// packets arrive faster than the router can ever take them and wait, in host memory, without bound (a rate of
/// 1e9 asked for gigabytes within seconds). At the limit a fully used chip keeps its router busy every cycle.
pub fn max_rate_per_core_per_ms() -> f64 {
    let cycles_per_ms = (Time::TICKS_PER_MS / Time::TICKS_PER_ROUTER_CYCLE) as f64;
    (cycles_per_ms / f64::from(crate::preset::CORES_PER_CHIP - 1)).floor()
}

/// Checks an offered load, before anything is allocated.
pub fn check_rate(rate_per_core_per_ms: f64) -> Result<(), String> {
    let max = max_rate_per_core_per_ms();
    if !(rate_per_core_per_ms > 0.0 && rate_per_core_per_ms <= max) {
        return Err(format!(
            "the rate must be > 0 and at most {max} packets per core per ms (17 cores at that rate keep a \
             router busy every cycle; more could only queue without bound), got {rate_per_core_per_ms}"
        ));
    }
    Ok(())
}

/// The most events a NoC experiment may hold waiting: 48 bytes each, 384 MiB (a run stopped here peaked at
/// 0.9 GB resident). Below saturation a run holds a few per source (uniform at 800 packets/core/ms on
/// spinnaker-48: 25 MB); beyond it the backlog grows with time until this limit stops the run.
pub const MAX_PENDING_EVENTS: usize = 1 << 23;

/// How often the backlog is checked: every 0.1 ms of simulated time (slicing a run does not change it).
const GUARD_SLICE: Time = Time(Time::TICKS_PER_MS / 10);

/// Per-core injection state.
#[derive(Clone, Debug)]
struct Source {
    key: u32,
    rng: Xoshiro256PlusPlus,
}

/// A chip's cores: injecting sources and the latency record of packets received.
#[derive(Clone, Debug, Default)]
pub struct TrafficApp {
    sources: Vec<(u8, Source)>,
    /// Mean inter-packet gap in ticks.
    mean_gap: f64,
    until: Time,
    payload: bool,
    pub injected: u64,
    /// Latencies of the delivered packets, in router cycles.
    pub latencies: LatencyCounts,
    /// Links crossed by the delivered packets, in all, and by the longest-travelled one.
    pub hop_sum: u64,
    pub max_hops: u16,
}

/// A Poisson source's next gap: exponential with mean `mean_gap` ticks, rounded up, at least one tick. Drawn
/// with the ziggurat method (`Exp1`) rather than `-ln(u)`: the logarithm was a tenth of a low-load NoC run.
/// Rounded up by hand rather than by `f64::ceil`, which the baseline x86-64 target compiles to a libm call.
fn gap(mean_gap: f64, rng: &mut Xoshiro256PlusPlus) -> Time {
    let x: f64 = Exp1.sample(rng);
    Time(round_up(x * mean_gap).max(1))
}

/// `ticks.ceil() as u64` (saturating) for non-negative `ticks`.
fn round_up(ticks: f64) -> u64 {
    let whole = ticks as u64;
    whole.saturating_add(u64::from((whole as f64) < ticks))
}

impl Application for TrafficApp {
    /// A sink records the latency and hops of what it receives, nothing more.
    const RECORDS_PACKETS_ONLY: bool = true;

    fn on_packet(&mut self, cx: &mut CoreContext<'_>, _core: u8, flit: &Flit) {
        let latency = (cx.now() - flit.sent).0 / Time::TICKS_PER_ROUTER_CYCLE;
        self.latencies
            .record(latency.min(u64::from(u32::MAX)) as u32);
        self.hop_sum += u64::from(flit.hops);
        self.max_hops = self.max_hops.max(flit.hops);
    }

    fn on_wake(&mut self, cx: &mut CoreContext<'_>, core: u8, index: u64) {
        let Some((_, source)) = self.sources.get_mut(index as usize) else {
            return;
        };
        let packet = if self.payload {
            Packet::multicast_with_payload(source.key, 0)
        } else {
            Packet::multicast(source.key)
        };
        let now = cx.now();
        cx.send(now, core, Flit::new(packet, now));
        self.injected += 1;
        let next = now + gap(self.mean_gap, &mut source.rng);
        if next < self.until {
            cx.wake(next, core, index);
        }
    }
}

/// One experiment, loaded and ready: the machine with its tables, every source's first wake-up queued.
pub struct Experiment {
    sim: Simulation<TrafficApp>,
    routes: super::Routes,
    config: NocConfig,
}

impl Experiment {
    /// Builds the routes and tables of `config.pattern` on `machine` and schedules every source.
    pub fn new(
        machine: Arc<Machine>,
        params: NetworkParams,
        config: &NocConfig,
    ) -> Result<Experiment, String> {
        check_rate(config.rate_per_core_per_ms)?;
        let routes = build_routes(&machine, config.pattern, config.seed)?;
        let mean_gap = Time::TICKS_PER_MS as f64 / config.rate_per_core_per_ms;
        let mut sim = Simulation::new(machine.clone(), params, |_| TrafficApp {
            mean_gap,
            until: config.duration,
            payload: config.payload,
            ..TrafficApp::default()
        });
        for (chip, table) in &routes.tables {
            sim.load_table(*chip, table)?;
        }
        let mut first_wakes: Vec<(ChipCoord, u8, Time, u64)> = Vec::new();
        for &(src, key, _) in &routes.flows {
            let i = machine
                .chip_index(src.chip)
                .ok_or("a source chip vanished")? as usize;
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(
                config.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(key),
            );
            let app = &mut sim.chips_mut()[i].app;
            let first = gap(app.mean_gap, &mut rng);
            let index = app.sources.len() as u64;
            app.sources.push((src.core, Source { key, rng }));
            if first < config.duration {
                first_wakes.push((src.chip, src.core, first, index));
            }
        }
        for (chip, core, at, index) in first_wakes {
            sim.wake(chip, core, at, index)?;
        }
        Ok(Experiment {
            sim,
            routes,
            config: *config,
        })
    }

    /// Injects for `duration`, then lets the network drain; returns the wall-clock seconds it took.
    ///
    /// Wake-ups stop at `duration`, so the run ends when the last packet is delivered or lost (the reinjection
    /// limit bounds retries); `MAX_DRAINS` is a guard. Past the interconnect's saturation, packets that the
    /// routers cannot take yet wait as events in host memory, a backlog that grows with the run; it is checked
    /// every [`GUARD_SLICE`] and the run is stopped with an error past [`MAX_PENDING_EVENTS`].
    pub fn simulate(&mut self) -> Result<f64, String> {
        const MAX_DRAINS: u32 = 1000;
        let started = std::time::Instant::now();
        let drain = Time(self.config.drain.0.max(Time::TICKS_PER_US));
        let mut end = self.config.duration + drain;
        self.run_guarded(end, MAX_PENDING_EVENTS)?;
        for _ in 0..MAX_DRAINS {
            if self.sim.pending().is_empty() {
                break;
            }
            end += drain;
            self.run_guarded(end, MAX_PENDING_EVENTS)?;
        }
        Ok(started.elapsed().as_secs_f64())
    }

    /// Replaces how multi-threaded runs choose between parallel and sequential stretches.
    pub fn set_pace(&mut self, pace: crate::kernel::Pace) {
        self.sim.set_pace(pace);
    }

    /// Runs to `until` in slices of [`GUARD_SLICE`], refusing to go on once more than `limit` events wait.
    fn run_guarded(&mut self, until: Time, limit: usize) -> Result<(), String> {
        let mut now = self.sim.now();
        while now < until {
            now = (now + GUARD_SLICE).min(until);
            self.sim.run(now, self.config.threads);
            let pending = self.sim.pending().len();
            if pending > limit {
                return Err(format!(
                    "at {:.2} ms, {pending} packets and events wait in the emulator (limit {limit}, \
                     about {} MB): {} packets/core/ms outruns the interconnect, and the backlog has outgrown what the \
                     emulation holds; lower --rate or --duration-ms",
                    now.as_ms(),
                    (limit * std::mem::size_of::<crate::kernel::event::Event>()) >> 20,
                    self.config.rate_per_core_per_ms
                ));
            }
        }
        Ok(())
    }

    /// The report of a simulated experiment that took `wall_s` seconds.
    pub fn report(&self, wall_s: f64) -> NocReport {
        NocReport::new(&self.sim, &self.config, &self.routes, wall_s)
    }
}

/// Runs one experiment on `machine`.
pub fn run(
    machine: Arc<Machine>,
    params: NetworkParams,
    config: &NocConfig,
) -> Result<NocReport, String> {
    let mut experiment = Experiment::new(machine, params, config)?;
    let wall_s = experiment.simulate()?;
    Ok(experiment.report(wall_s))
}

#[cfg(test)]
mod tests {
    use super::{check_rate, max_rate_per_core_per_ms, round_up};
    use proptest::prelude::*;

    fn experiment(rate: f64) -> super::Experiment {
        use crate::faults::Faults;
        use crate::machine::{CoreModel, Machine};
        let machine =
            Machine::new(crate::Preset::Spinn3, CoreModel::Ideal, &Faults::default()).unwrap();
        let config = super::NocConfig {
            pattern: super::Pattern::Uniform,
            rate_per_core_per_ms: rate,
            duration: super::Time::from_ms(1.0),
            drain: super::Time::from_ms(0.1),
            seed: 1,
            payload: false,
            threads: 1,
        };
        super::Experiment::new(std::sync::Arc::new(machine), Default::default(), &config).unwrap()
    }

    #[test]
    fn a_backlog_past_the_limit_stops_the_run() {
        let until = super::Time::from_ms(1.0);
        assert!(experiment(1.0).run_guarded(until, 10_000).is_ok());
        let e = experiment(7843.0).run_guarded(until, 10_000).unwrap_err();
        assert!(
            e.contains("(limit 10000, about 0 MB): 7843 packets/core/ms outruns"),
            "{e}"
        );
    }

    #[test]
    fn rates_past_the_routers_capacity_are_refused() {
        assert_eq!(max_rate_per_core_per_ms(), 7843.0);
        assert!(check_rate(7843.0).is_ok());
        let e = check_rate(1e9).unwrap_err();
        assert!(e.contains("at most 7843 packets per core per ms"), "{e}");
        assert!(check_rate(f64::INFINITY).is_err());
        assert!(check_rate(f64::NAN).is_err());
        assert!(check_rate(0.0).is_err());
    }

    proptest! {
        #[test]
        fn round_up_is_ceil(ticks in 0.0f64..1e25) {
            prop_assert_eq!(round_up(ticks), ticks.ceil() as u64);
        }

        #[test]
        fn round_up_is_ceil_near_whole_numbers(n in 0u64..1 << 53, nudge in -1i32..=1) {
            let ticks = match nudge {
                -1 => (n as f64).next_down().max(0.0),
                0 => n as f64,
                _ => (n as f64).next_up(),
            };
            prop_assert_eq!(round_up(ticks), ticks.ceil() as u64);
        }
    }
}
