use nmemu_loader::{Limits, Network};
use spinnaker_emu::image::MachineDescription;

use super::super::report::NumericalKind;
use super::super::{Mapped, SpinnakerOptions, map};

/// Ten Poisson inputs at 10 Hz onto one IF_curr_exp cell, all-to-all, plastic, weight 0.01 nA, delay 1 ms.
fn mapped(weight_dependence: &str, a_plus: f64) -> Mapped {
    let text = format!(
        r#"{{
        "format": "nmemu-net/1",
        "simulation": {{"timestep_ms": 1.0, "duration_ms": 10.0, "min_delay_ms": 1.0, "max_delay_ms": 10.0, "seed": 1}},
        "populations": [
            {{"label": "in", "size": 10, "cell": {{"type": "SpikeSourcePoisson", "params": {{"rate": 10.0}}}}}},
            {{"label": "cell", "size": 1, "cell": {{"type": "IF_curr_exp", "params": {{}}}}}}
        ],
        "projections": [{{
            "label": "learn", "pre": "in", "post": "cell", "receptor_type": "excitatory",
            "connector": {{"type": "AllToAllConnector"}},
            "synapse": {{
                "type": "STDPMechanism", "weight": 0.01, "delay": 1.0,
                "timing_dependence": {{"type": "SpikePairRule", "A_plus": {a_plus}, "A_minus": 0.012}},
                "weight_dependence": {weight_dependence}
            }}
        }}]
    }}"#
    );
    let net = Network::from_json(&text, &Limits::default()).unwrap();
    let machine = MachineDescription {
        preset: "spinnaker-3".to_string(),
        ideal_cores: false,
        faults: Default::default(),
    };
    map(&net, &SpinnakerOptions::new(machine, 1)).unwrap()
}

const ADDITIVE_1: &str = r#"{"type": "AdditiveWeightDependence", "w_min": 0.0, "w_max": 1.0}"#;

#[test]
fn plastic_synapses_are_sized_for_w_max_not_their_initial_weight() {
    // Ten synapses that may all reach w_max = 1 nA in one tick (one delay): bound 10 -> shift 4, where their
    // initial 0.01 nA would give a bound of 0.1 -> shift 0 and no room above 2 nA.
    let m = mapped(ADDITIVE_1, 0.01);
    let slice = m.partition.populations[1].slices.start;
    assert_eq!(m.scales[slice][0].shift, 4);
}

#[test]
fn the_report_gives_steps_and_truncation_in_stored_units() {
    let m = mapped(ADDITIVE_1, 0.01);
    let r = m.report.projections[0].stdp.clone().unwrap();
    // Shift 4: 2^11 stored units per nA.
    assert_eq!(
        (r.rule, r.weight_unit, r.weight_shift),
        ("additive", "nA", 4)
    );
    assert_eq!(r.weight_lsb, 1.0 / 2048.0);
    assert!((r.a_plus_lsb - 20.48).abs() < 1e-9, "{}", r.a_plus_lsb);
    assert!((r.a_minus_lsb - 24.576).abs() < 1e-9, "{}", r.a_minus_lsb);
    assert_eq!(r.truncation_bias_lsb, -(1.0 - 1.0 / 16.0) / 2.0);
    assert_eq!(r.truncation_bias, r.truncation_bias_lsb / 2048.0);
    assert!(
        m.report.numerical_warnings.is_empty(),
        "{:?}",
        m.report.numerical_warnings
    );
    let json = serde_json::to_value(&m.report).unwrap();
    assert_eq!(json["projections"][0]["stdp"]["weight_shift"], 4);

    let multiplicative = mapped(
        r#"{"type": "MultiplicativeWeightDependence", "w_min": 0.0, "w_max": 0.5}"#,
        0.01,
    );
    let r = multiplicative.report.projections[0].stdp.clone().unwrap();
    // w_max 0.5 over ten synapses: bound 5 -> shift 3, 4096 units per nA; the largest step is A x (w_max - w_min).
    assert_eq!((r.rule, r.weight_shift), ("multiplicative", 3));
    assert!((r.a_plus_lsb - 0.01 * 0.5 * 4096.0).abs() < 1e-9);
}

#[test]
fn steps_of_a_few_stored_units_and_additive_amplitudes_unlike_nest_are_warned_about() {
    // A_plus 0.001 nA at 2048 units per nA: 2.05 units.
    let m = mapped(ADDITIVE_1, 0.001);
    let w = &m.report.numerical_warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        (w[0].kind, w[0].subject.as_str()),
        (NumericalKind::StdpQuantisation, "learn")
    );
    assert!(w[0].message.contains("2.05 steps"), "{}", w[0].message);

    let m = mapped(
        r#"{"type": "AdditiveWeightDependence", "w_min": 0.0, "w_max": 0.5}"#,
        0.01,
    );
    let w = &m.report.numerical_warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].kind, NumericalKind::ParameterMeaning);
    assert!(
        w[0].advice.contains("A_plus = 0.005 and A_minus = 0.006"),
        "{}",
        w[0].advice
    );
}
