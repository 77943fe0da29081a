//! Kernel properties on whole NoC runs: bit-identical results for any thread count, and conservation (every
//! injected packet is delivered or counted lost).

use std::sync::Arc;

use proptest::prelude::*;

use crate::faults::Faults;
use crate::kernel::Pace;
use crate::machine::{CoreModel, Machine};
use crate::noc::{Experiment, NocConfig, NocReport, Pattern, run};
use crate::preset::Preset;
use crate::router::config::{NetworkParams, WaitField};
use crate::time::Time;

fn config(pattern: Pattern, rate: f64, threads: usize) -> NocConfig {
    NocConfig {
        pattern,
        rate_per_core_per_ms: rate,
        duration: Time::from_ms(1.0),
        drain: Time::from_ms(1.0),
        seed: 11,
        payload: false,
        threads,
    }
}

fn machine(preset: Preset, faults: &Faults) -> Arc<Machine> {
    Arc::new(Machine::new(preset, CoreModel::Realistic, faults).unwrap())
}

fn comparable(r: &NocReport) -> serde_json::Value {
    serde_json::to_value(r).unwrap()
}

#[test]
fn any_thread_count_gives_the_same_run() {
    let m = machine(Preset::Spinn5, &Faults::default());
    for pattern in [Pattern::Uniform, Pattern::Hotspot] {
        let one = run(
            m.clone(),
            NetworkParams::default(),
            &config(pattern, 20.0, 1),
        )
        .unwrap();
        assert!(one.delivered > 1000, "{one:?}");
        for threads in [2, 3] {
            let many = run(
                m.clone(),
                NetworkParams::default(),
                &config(pattern, 20.0, threads),
            )
            .unwrap();
            assert_eq!(
                comparable(&one),
                comparable(&many),
                "{pattern:?} with {threads} threads"
            );
        }
    }
}

/// Stretches that switch between the parallel windows and the sequential loop every thousand events or so
/// (as the kernel does when it finds one mode faster) leave the run exactly as on one thread.
#[test]
fn switching_between_parallel_and_sequential_changes_nothing() {
    let m = machine(Preset::Spinn5, &Faults::default());
    let one = run(
        m.clone(),
        NetworkParams::default(),
        &config(Pattern::Uniform, 20.0, 1),
    )
    .unwrap();
    for threads in [2, 3] {
        let cfg = config(Pattern::Uniform, 20.0, threads);
        let mut experiment = Experiment::new(m.clone(), NetworkParams::default(), &cfg).unwrap();
        experiment.set_pace(Pace::alternating(1000));
        let wall_s = experiment.simulate().unwrap();
        assert_eq!(
            comparable(&one),
            comparable(&experiment.report(wall_s)),
            "{threads} threads"
        );
    }
}

#[test]
fn hotspot_traffic_congests_and_the_counters_say_so() {
    let m = machine(Preset::Spinn5, &Faults::default());
    let r = run(
        m,
        NetworkParams::default(),
        &config(Pattern::Hotspot, 200.0, 1),
    )
    .unwrap();
    assert!(
        r.router.dump_mc > 0 && r.router.reinjected > 0,
        "{:?}",
        r.router
    );
    assert!(r.latency.p99_cycles > 480, "{:?}", r.latency);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn every_packet_is_delivered_or_counted_lost(
        pattern in prop::sample::select(vec![Pattern::Uniform, Pattern::Local, Pattern::Hotspot, Pattern::BitComplement]),
        rate in 1.0..100.0f64,
        dead in prop::collection::vec((0u16..8, 0u16..8, 0u8..6), 0..6)
            .prop_map(|v| v.into_iter().filter(|(x, y, _)| (-3..=4).contains(&(i32::from(*x) - i32::from(*y)))).collect::<Vec<_>>()),
        reinjection in any::<bool>(),
        emergency in any::<bool>(),
    ) {
        let faults = Faults { dead_links: dead, ..Faults::default() };
        let m = machine(Preset::Spinn5, &faults);
        let mut params = NetworkParams::default();
        params.router.reinjection = reinjection;
        if emergency {
            params.router = params.router.with_emergency_routing(WaitField(0x20));
        }
        let r = run(m, params, &config(pattern, rate, 2)).unwrap();
        prop_assert!(r.injected > 0);
        prop_assert_eq!(r.in_flight, 0);
        prop_assert_eq!(r.injected, r.delivered + r.router.lost(), "{:?}", r.router);
    }
}
