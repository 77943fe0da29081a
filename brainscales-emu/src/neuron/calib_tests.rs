use super::*;
use proptest::prelude::*;

/// Every calibrated parameter at every speed-up and capacitor.
fn all_trafos() -> Vec<(NeuronParameter, SpeedUp, Capacitor, Trafo)> {
    let mut out = Vec::new();
    for p in NeuronParameter::ALL {
        for s in [SpeedUp::Slow, SpeedUp::Normal, SpeedUp::Fast] {
            for c in [Capacitor::Big, Capacitor::Small] {
                if let Some(t) = trafo(p, s, c) {
                    out.push((p, s, c, t));
                }
            }
        }
    }
    out
}

fn dac(p: NeuronParameter, value: f64) -> u16 {
    let c = trafo(p, SpeedUp::Normal, Capacitor::Big)
        .unwrap()
        .to_dac(value);
    assert!(!c.outside_domain && !c.dac_clipped, "{p:?} {value}");
    c.dac
}

#[test]
fn worked_example_gives_the_spec_dac_values() {
    // Spec §6.4a (IF_cond_exp at 1e4, big capacitor).
    assert_eq!(dac(NeuronParameter::I_gl, 2e-6), 80);
    assert_eq!(dac(NeuronParameter::V_syntcx, 0.5e-6), 321);
    assert_eq!(dac(NeuronParameter::V_syntci, 0.5e-6), 321);
    assert_eq!(dac(NeuronParameter::I_pl, 0.2e-6), 66);
    assert_eq!(dac(NeuronParameter::E_synx, 1.2), 721);
    assert_eq!(dac(NeuronParameter::E_l, 0.55), 313);
    assert_eq!(dac(NeuronParameter::V_t, 0.65), 369);
    assert_eq!(dac(NeuronParameter::E_syni, 0.40), 227);
}

#[test]
fn domain_ends_reach_the_dac_ends() {
    let i_gl = trafo(NeuronParameter::I_gl, SpeedUp::Normal, Capacitor::Big).unwrap();
    assert_eq!(i_gl.domain(), (0.541e-6, 48.2e-6));
    // tau 0.541 us gives 1025.2, clipped to 1023 and counted; 48.2 us gives 0.999 -> 1.
    let short = i_gl.to_dac(0.541e-6);
    assert_eq!(
        (short.dac, short.outside_domain, short.dac_clipped),
        (1023, false, true)
    );
    let long = i_gl.to_dac(48.2e-6);
    assert_eq!(
        (long.dac, long.outside_domain, long.dac_clipped),
        (1, false, false)
    );
    // Beyond the domain: clipped into it and counted.
    let beyond = i_gl.to_dac(100e-6);
    assert_eq!((beyond.dac, beyond.outside_domain), (1, true));
    let nan = i_gl.to_dac(f64::NAN);
    assert!(nan.outside_domain);
    // The lookups' ends are their tables' ends.
    let i_pl = trafo(NeuronParameter::I_pl, SpeedUp::Normal, Capacitor::Big).unwrap();
    assert_eq!(i_pl.to_dac(1.0).dac, 10);
    assert_eq!(i_pl.to_dac(1e-9).dac, 1022);
    assert_eq!(i_pl.from_dac(10), I_PL_LOOKUP[0]);
    // The slow setting multiplies I_gl's coefficients by 27 / 3: a tau needs nine times the DAC.
    let slow = trafo(NeuronParameter::I_gl, SpeedUp::Slow, Capacitor::Big).unwrap();
    assert!((slow.from_dac(720) / i_gl.from_dac(80) - 1.0).abs() < 1e-9);
    // The small capacitor's tau is a fifth of the big one's at the same DAC.
    let small = trafo(NeuronParameter::I_gl, SpeedUp::Normal, Capacitor::Small).unwrap();
    assert!((small.from_dac(80) * 5.0 / i_gl.from_dac(80) - 1.0).abs() < 1e-12);
}

#[test]
fn adaptation_zero_is_off_and_biases_are_constants() {
    let a = trafo(NeuronParameter::I_gladapt, SpeedUp::Normal, Capacitor::Big).unwrap();
    assert_eq!(a.to_dac(0.0).dac, 0);
    assert_eq!(a.from_dac(0), 0.0);
    let b = trafo(NeuronParameter::I_fire, SpeedUp::Normal, Capacitor::Big).unwrap();
    assert_eq!(b.realise(0.0).0, 0.0);
    assert!(trafo(NeuronParameter::I_convx, SpeedUp::Normal, Capacitor::Big).is_none());
    assert_eq!(technical_bias(NeuronParameter::I_convx), Some(1023));
    assert_eq!(technical_bias(NeuronParameter::V_synx), Some(511));
    assert_eq!(technical_bias(NeuronParameter::I_gl), None);
    // Every parameter is either calibrated or a constant bias.
    for p in NeuronParameter::ALL {
        let calibrated = trafo(p, SpeedUp::Normal, Capacitor::Big).is_some();
        assert_ne!(calibrated, technical_bias(p).is_some(), "{p:?}");
    }
}

#[test]
fn realising_twice_is_realising_once() {
    // Over every DAC's value (reachable or not) and beyond the domain: the realised value is a fixed point.
    for (p, s, c, t) in all_trafos() {
        let (lo, hi) = t.domain();
        let probes = (0..=FG_DAC_MAX)
            .map(|d| t.from_dac(d))
            .chain([lo * 0.5, hi * 2.0]);
        for x in probes {
            let once = t.realise(x).0;
            let twice = t.realise(once);
            assert_eq!(twice.0, once, "{p:?} {s:?} {c:?} {x}");
            assert!(!twice.1.outside_domain, "{p:?} {s:?} {c:?} {x}");
        }
    }
}

#[test]
fn realised_values_are_monotone_in_the_dac() {
    for (p, s, c, t) in all_trafos() {
        let values: Vec<f64> = (0..=FG_DAC_MAX).map(|d| t.from_dac(d)).collect();
        let rising = values.windows(2).all(|w| w[1] >= w[0]);
        let falling = values.windows(2).all(|w| w[1] <= w[0]);
        assert!(rising || falling, "{p:?} {s:?} {c:?}");
    }
}

/// A point of `t`'s domain at fraction `f` (geometric for positive domains, which span decades).
fn point(t: &Trafo, f: f64) -> f64 {
    let (lo, hi) = t.domain();
    if lo > 0.0 {
        lo * (hi / lo).powf(f)
    } else {
        lo + (hi - lo) * f
    }
}

proptest! {
    #[test]
    fn round_trip_within_half_a_dac_step(i in 0usize..64, f in 0.0f64..=1.0) {
        let all = all_trafos();
        let (p, _, _, t) = all[i % all.len()];
        let x = point(&t, f);
        let c = t.to_dac(x);
        prop_assert!(!c.outside_domain);
        match t.form {
            Form::Lookup { table, offset } => {
                // The realised entry is at least as near as both neighbours.
                let i = usize::from(c.dac - offset);
                let err = (table[i] - x).abs();
                for j in [i.wrapping_sub(1), i + 1] {
                    if let Some(&n) = table.get(j) {
                        prop_assert!(err <= (n - x).abs(), "{:?} {}", p, x);
                    }
                }
            }
            form if !(c.dac_clipped || t.zero_is_off && c.dac == 0) => {
                prop_assert!((form.eval(x * t.input_scale) - f64::from(c.dac)).abs() <= 0.5);
                // The realised value gives back the same DAC.
                prop_assert_eq!(t.to_dac(t.from_dac(c.dac)).dac, c.dac);
            }
            _ => {}
        }
    }

    #[test]
    fn dac_is_monotone_in_the_value(i in 0usize..64, f in 0.0f64..=1.0, g in 0.0f64..=1.0) {
        let all = all_trafos();
        let (p, _, _, t) = all[i % all.len()];
        let (x, y) = (point(&t, f.min(g)), point(&t, f.max(g)));
        let (dx, dy) = (t.to_dac(x).dac, t.to_dac(y).dac);
        let rising = t.from_dac(1023) > t.from_dac(1);
        prop_assert!(if rising { dx <= dy } else { dx >= dy }, "{:?} {} {}", p, x, y);
    }
}
