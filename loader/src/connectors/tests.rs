//! Expansion tests: exact invariants of each connector, statistics within a few standard deviations,
//! and bit-identical results for any thread count.

use super::*;
use crate::network::Network;

/// A network with populations `a` (size `na`, Line structure) and `b` (size `nb`) and one projection.
fn net(na: u32, nb: u32, pre: &str, post: &str, connector: &str, synapse: &str) -> Network {
    let text = format!(
        r#"{{"format": "nmemu-net/1",
            "simulation": {{"duration_ms": 10, "seed": 42, "max_delay_ms": 20}},
            "populations": [
              {{"label": "a", "size": {na}, "cell": {{"type": "IF_curr_exp"}}, "structure": {{"type": "Line"}}}},
              {{"label": "b", "size": {nb}, "cell": {{"type": "IF_curr_exp"}}, "structure": {{"type": "Line"}}}}],
            "projections": [{{"pre": {pre}, "post": {post}, "receptor_type": "excitatory",
              "connector": {connector}, "synapse": {synapse}}}]}}"#
    );
    Network::from_json(&text, &crate::Limits::default()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const STATIC: &str = r#"{"type": "StaticSynapse", "weight": 0.5, "delay": 2.0}"#;

fn expand0(n: &Network) -> Synapses {
    expand(n, 0).unwrap()
}

/// (pre view position, post population index) of every synapse.
fn pairs(s: &Synapses) -> Vec<(u32, u32)> {
    (0..s.row_start.len() as u32 - 1)
        .flat_map(|k| s.row(k).map(move |i| (k, i)))
        .map(|(k, i)| (k, s.post[i]))
        .collect()
}

#[test]
fn all_to_all_without_self_connections() {
    let n = net(
        50,
        1,
        r#""a""#,
        r#""a""#,
        r#"{"type": "AllToAllConnector", "allow_self_connections": false}"#,
        STATIC,
    );
    let s = expand0(&n);
    assert_eq!(s.len(), 50 * 49);
    assert!(pairs(&s).iter().all(|(k, p)| k != p));
    assert_eq!(expected_synapses(&n, &n.projections[0]), 2450.0);
    assert_eq!(s.weights, PerSynapse::Same(0.5));
    assert_eq!(s.delays, PerSynapse::Same(2));
}

#[test]
fn one_to_one_between_slices() {
    let n = net(
        10,
        20,
        r#"{"population": "a", "slice": [2, 7]}"#,
        r#"{"population": "b", "indices": [19, 3, 4, 5, 0]}"#,
        r#"{"type": "OneToOneConnector"}"#,
        STATIC,
    );
    let s = expand0(&n);
    assert_eq!(pairs(&s), vec![(0, 19), (1, 3), (2, 4), (3, 5), (4, 0)]);
    assert_eq!(n.projections[0].pre.index(0), 2);
}

#[test]
fn fixed_probability_matches_its_statistics() {
    let (na, nb, p) = (2000u32, 1500u32, 0.05);
    let n = net(
        na,
        nb,
        r#""a""#,
        r#""b""#,
        &format!(r#"{{"type": "FixedProbabilityConnector", "p_connect": {p}}}"#),
        STATIC,
    );
    let s = expand0(&n);
    let mean = p * f64::from(na) * f64::from(nb);
    let sd = (mean * (1.0 - p)).sqrt();
    assert!(
        (s.len() as f64 - mean).abs() < 5.0 * sd,
        "{} vs {mean}",
        s.len()
    );
    // Rows sorted, no multapses; every post column gets its share too (no bias to low indices).
    for k in 0..na {
        let row = &s.post[s.row(k)];
        assert!(row.windows(2).all(|w| w[0] < w[1]));
    }
    let mut per_post = vec![0u32; nb as usize];
    s.post.iter().for_each(|&j| per_post[j as usize] += 1);
    let (lo, hi) = (
        per_post[..750].iter().sum::<u32>(),
        per_post[750..].iter().sum::<u32>(),
    );
    assert!((f64::from(lo) - f64::from(hi)).abs() < 5.0 * (mean / 2.0).sqrt() * 2.0);
}

#[test]
fn fixed_probability_extremes() {
    let one = net(
        30,
        1,
        r#""a""#,
        r#""a""#,
        r#"{"type": "FixedProbabilityConnector", "p_connect": 1.0, "allow_self_connections": false}"#,
        STATIC,
    );
    assert_eq!(expand0(&one).len(), 30 * 29);
    let zero = net(
        30,
        1,
        r#""a""#,
        r#""a""#,
        r#"{"type": "FixedProbabilityConnector", "p_connect": 0.0}"#,
        STATIC,
    );
    assert_eq!(expand0(&zero).len(), 0);
}

#[test]
fn fixed_number_pre_gives_each_post_exactly_n_distinct() {
    let n = net(
        300,
        1,
        r#""a""#,
        r#""a""#,
        r#"{"type": "FixedNumberPreConnector", "n": 40, "allow_self_connections": false}"#,
        STATIC,
    );
    let s = expand0(&n);
    let mut pres: Vec<Vec<u32>> = vec![Vec::new(); 300];
    for (k, j) in pairs(&s) {
        pres[j as usize].push(k);
    }
    for (j, list) in pres.iter_mut().enumerate() {
        assert_eq!(list.len(), 40);
        assert!(!list.contains(&(j as u32)));
        list.sort_unstable();
        assert!(
            list.windows(2).all(|w| w[0] < w[1]),
            "repeat without replacement"
        );
    }
}

#[test]
fn fixed_number_post_with_and_without_replacement() {
    let n = net(
        100,
        30,
        r#""a""#,
        r#""b""#,
        r#"{"type": "FixedNumberPostConnector", "n": 30}"#,
        STATIC,
    );
    let s = expand0(&n);
    for k in 0..100 {
        assert_eq!(
            s.post[s.row(k)],
            (0..30).collect::<Vec<u32>>()[..],
            "n = size takes every post once"
        );
    }
    let n = net(
        100,
        30,
        r#""a""#,
        r#""b""#,
        r#"{"type": "FixedNumberPostConnector", "n": 60, "with_replacement": true}"#,
        STATIC,
    );
    let s = expand0(&n);
    assert!((0..100).all(|k| s.row(k).len() == 60));
    assert!(
        (0..100).any(|k| s.post[s.row(k)].windows(2).any(|w| w[0] == w[1])),
        "multapses expected"
    );
}

#[test]
fn fixed_total_number_is_exact() {
    for replace in [true, false] {
        let c = format!(
            r#"{{"type": "FixedTotalNumberConnector", "n": 5000, "with_replacement": {replace}, "allow_self_connections": false}}"#
        );
        let n = net(200, 1, r#""a""#, r#""a""#, &c, STATIC);
        let s = expand0(&n);
        assert_eq!(s.len(), 5000);
        let p = pairs(&s);
        assert!(p.iter().all(|(k, j)| k != j));
        if !replace {
            let mut q = p.clone();
            q.sort_unstable();
            q.dedup();
            assert_eq!(q.len(), 5000, "distinct pairs without replacement");
        }
    }
}

#[test]
fn from_list_keeps_values_and_order_within_a_pre() {
    let n = net(
        5,
        5,
        r#"{"population": "a", "slice": [1, 5]}"#,
        r#""b""#,
        r#"{"type": "FromListConnector", "conn_list": [[2, 4, 0.1, 3.0], [0, 1, 0.2, 1.0], [2, 0, 0.3, 2.4]]}"#,
        STATIC,
    );
    let s = expand0(&n);
    assert_eq!(pairs(&s), vec![(0, 1), (2, 4), (2, 0)]);
    assert_eq!(s.weights, PerSynapse::Each(vec![0.2, 0.1, 0.3]));
    assert_eq!(s.delays, PerSynapse::Each(vec![1, 3, 2]));
    let plain = net(
        3,
        3,
        r#""a""#,
        r#""b""#,
        r#"{"type": "FromListConnector", "conn_list": [[0, 1], [2, 2]]}"#,
        STATIC,
    );
    assert_eq!(expand0(&plain).weights, PerSynapse::Same(0.5));
}

#[test]
fn distance_dependent_on_a_line() {
    let n = net(
        20,
        1,
        r#""a""#,
        r#""a""#,
        r#"{"type": "DistanceDependentProbabilityConnector", "d_expression": "d < 1.5", "allow_self_connections": false}"#,
        STATIC,
    );
    let s = expand0(&n);
    assert!(pairs(&s).iter().all(|(k, j)| k.abs_diff(*j) == 1));
    assert_eq!(s.len(), 38);
    assert_eq!(expected_synapses(&n, &n.projections[0]), 38.0);
}

#[test]
fn random_weights_and_delays_stay_in_bounds() {
    let syn = r#"{"type": "StaticSynapse",
        "weight": {"distribution": "normal_clipped", "mu": 0.3, "sigma": 0.2, "low": 0.0, "high": 0.5},
        "delay": {"distribution": "uniform", "low": 1.0, "high": 5.0}}"#;
    let n = net(
        100,
        100,
        r#""a""#,
        r#""b""#,
        r#"{"type": "FixedProbabilityConnector", "p_connect": 0.5}"#,
        syn,
    );
    let s = expand0(&n);
    let PerSynapse::Each(w) = &s.weights else {
        panic!("weights should vary")
    };
    let PerSynapse::Each(d) = &s.delays else {
        panic!("delays should vary")
    };
    assert_eq!(w.len(), s.post.len());
    assert!(w.iter().all(|x| (0.0..=0.5).contains(x)));
    assert!(d.iter().all(|x| (1..=5).contains(x)));
    assert!(d.contains(&1) && d.contains(&5));
}

#[test]
fn expansion_is_identical_for_any_thread_count() {
    let syn = r#"{"type": "StaticSynapse", "weight": {"distribution": "uniform", "low": 0.0, "high": 1.0}, "delay": 1.0}"#;
    let connectors = [
        r#"{"type": "FixedProbabilityConnector", "p_connect": 0.1}"#,
        r#"{"type": "FixedNumberPreConnector", "n": 20}"#,
        r#"{"type": "FixedNumberPostConnector", "n": 20}"#,
        r#"{"type": "FixedTotalNumberConnector", "n": 30000}"#,
    ];
    for c in connectors {
        let n = net(1000, 700, r#""a""#, r#""b""#, c, syn);
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| expand0(&n))
        };
        let one = run(1);
        assert_eq!(one, run(3), "{c}");
        assert!(!one.is_empty());
    }
}

#[test]
fn different_seeds_give_different_networks() {
    let c = r#"{"type": "FixedProbabilityConnector", "p_connect": 0.1}"#;
    let a = net(200, 200, r#""a""#, r#""b""#, c, STATIC);
    let mut b = a.clone();
    b.simulation.seed += 1;
    assert_ne!(expand0(&a).post, expand0(&b).post);
}

#[test]
fn counting_gives_the_expanded_count_of_every_connector() {
    let connectors = [
        r#"{"type": "AllToAllConnector", "allow_self_connections": false}"#,
        r#"{"type": "FixedProbabilityConnector", "p_connect": 0.1}"#,
        r#"{"type": "FixedNumberPreConnector", "n": 20, "allow_self_connections": false}"#,
        r#"{"type": "FixedNumberPostConnector", "n": 20}"#,
        r#"{"type": "FixedTotalNumberConnector", "n": 30000}"#,
        r#"{"type": "DistanceDependentProbabilityConnector", "d_expression": "exp(-d / 50)"}"#,
        r#"{"type": "FromListConnector", "conn_list": [[0, 1], [3, 2], [0, 0]]}"#,
    ];
    for c in connectors {
        let n = net(300, 200, r#""a""#, r#""a""#, c, STATIC);
        assert_eq!(count(&n, 0).unwrap(), expand0(&n).len(), "{c}");
    }
}
