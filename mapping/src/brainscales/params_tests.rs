use super::*;
use nmemu_loader::network::Values;

/// A neuron's values in `cell`'s parameter order: PyNN defaults, then `set`.
fn values(cell: CellType, set: &[(&str, f64)]) -> Vec<f64> {
    cell.params()
        .iter()
        .map(|p| {
            set.iter()
                .find(|(n, _)| *n == p.name)
                .map_or(p.default, |&(_, v)| v)
        })
        .collect()
}

/// The spec's worked example (§6.4a): IF_cond_exp on 4 big-capacitor denmems.
fn worked_example() -> Vec<f64> {
    values(
        CellType::IfCondExp,
        &[
            ("cm", 0.2),
            ("tau_m", 20.0),
            ("v_rest", -65.0),
            ("v_thresh", -55.0),
            ("v_reset", -70.0),
            ("e_rev_E", 0.0),
            ("e_rev_I", -80.0),
            ("tau_syn_E", 5.0),
            ("tau_syn_I", 5.0),
            ("tau_refrac", 2.0),
        ],
    )
}

fn volt_dac(v: f64) -> f64 {
    (v * 1023.0 / 1.8).round() * 1.8 / 1023.0
}

#[test]
fn the_worked_example_translates_without_clips() {
    let options = ParameterOptions::new(SpeedUp::Normal);
    let t = translate_neuron(WaferCell::IfCondExp, &worked_example(), 4, &options);
    assert_eq!(t.clips, vec![]);
    let d = &t.denmem;
    assert_eq!(d.capacitor, Capacitor::Big);
    assert!((d.e_l_volt - volt_dac(0.55)).abs() < 1e-12);
    assert!((d.v_t_volt - volt_dac(0.65)).abs() < 1e-12);
    assert!((d.synaptic[0].e_rev_volt - volt_dac(0.40)).abs() < 1e-12);
    // E_synx: 614 x 1.2 - 16 = 720.8 -> 721 -> 1.2003 V.
    assert!((d.synaptic[1].e_rev_volt - 737.0 / 614.0).abs() < 1e-12);
    assert!((t.v_reset_volt - 0.5).abs() < 1e-12);
    assert!((d.tau_m_s() - 2e-6).abs() < 0.01e-6);
    assert!((d.synaptic[1].tau_s - 0.5e-6).abs() < 0.005e-6);
    assert!((d.refractory_s - 0.2e-6).abs() < 0.005e-6);
    assert_eq!((d.exponential, d.adaptation), (None, None));
}

#[test]
fn a_value_outside_the_range_is_clipped_and_says_where_it_fits() {
    // tau_syn_E 5 ms is 5 us at 1e3, beyond the 1.51 us top: realised ~1.51 ms; fits at 1e4 (0.5 us).
    let options = ParameterOptions::new(SpeedUp::Slow);
    let t = translate_neuron(WaferCell::IfCondExp, &worked_example(), 4, &options);
    let clip = t.clips.iter().find(|c| c.parameter == "tau_syn_E").unwrap();
    assert_eq!(clip.requested, 5.0);
    assert!((clip.realised - 1.511).abs() < 0.001, "{clip:?}");
    assert_eq!((clip.unit, clip.fits_at_speedup), ("ms", Some(10_000)));
    assert_eq!(t.denmem.synaptic[1].tau_s, t.denmem.synaptic[0].tau_s);
    // Voltages do not depend on the speed-up: nowhere to fit.
    let hot = values(CellType::IfCondExp, &[("e_rev_E", 40.0)]);
    let t = translate_neuron(WaferCell::IfCondExp, &hot, 4, &options);
    let clip = t.clips.iter().find(|c| c.parameter == "e_rev_E").unwrap();
    assert!((clip.realised - 20.0).abs() < 0.1, "{clip:?}");
    assert_eq!(clip.fits_at_speedup, None);
}

#[test]
fn the_capacitor_is_the_one_tau_m_needs() {
    assert_eq!(capacitor_for(20.0, SpeedUp::Normal), Capacitor::Big);
    // 20 ms at 1e5 is 0.2 us: below the big capacitor's 0.423 us, inside the small one's 0.1..4.02 us.
    assert_eq!(capacitor_for(20.0, SpeedUp::Fast), Capacitor::Small);
    assert_eq!(capacitor_for(1.0, SpeedUp::Fast), Capacitor::Small);
    assert_eq!(capacitor_for(1e5, SpeedUp::Fast), Capacitor::Big);
    let t = translate_neuron(
        WaferCell::IfCondExp,
        &worked_example(),
        4,
        &ParameterOptions::new(SpeedUp::Fast),
    );
    assert_eq!(t.denmem.capacitor, Capacitor::Small);
    assert!(
        t.clips.iter().all(|c| c.parameter != "tau_m"),
        "{:?}",
        t.clips
    );
}

#[test]
fn adex_scales_a_b_and_delta_t_as_calibtic() {
    let options = ParameterOptions::new(SpeedUp::Slow);
    let p = values(CellType::EifCondExpIsfaIsta, &[]);
    let t = translate_neuron(WaferCell::Adex, &p, 4, &options);
    let per_cm = Capacitor::Big.farad() / 0.281e-9;
    let a = t.denmem.adaptation.unwrap();
    // a 4 nS x 1e3 x C / cm = 30.8 nS; b 0.0805 nA x 10 x 1e3 x C / cm = 6.2 nA; within half a DAC step.
    assert!(
        (a.a_siemens / (4e-9 * 1e3 * per_cm) - 1.0).abs() < 0.01,
        "{a:?}"
    );
    assert!(
        (a.b_ampere / (0.0805e-9 * 10.0 * 1e3 * per_cm) - 1.0).abs() < 0.01,
        "{a:?}"
    );
    assert!((a.tau_w_s / 144e-6 - 1.0).abs() < 0.01, "{a:?}");
    // delta_T 2 mV x 10 = 20 mV is beyond I_rexp's 13.5 mV (spec §2.4's warning), at every speed-up.
    let e = t.denmem.exponential.unwrap();
    assert!((e.slope_volt - 13.5e-3).abs() < 0.1e-3, "{e:?}");
    let clip = t.clips.iter().find(|c| c.parameter == "delta_T").unwrap();
    assert!((clip.realised - 1.35).abs() < 0.01 && clip.fits_at_speedup.is_none());
    assert!((e.v_exp_volt - volt_dac(-50.4e-3 * 10.0 + 1.2)).abs() < 1e-12);
    assert!((t.denmem.v_t_volt - volt_dac(-40e-3 * 10.0 + 1.2)).abs() < 1e-12);
    // a = b = 0: no adaptation circuit, nothing clipped.
    let plain = values(
        CellType::EifCondExpIsfaIsta,
        &[
            ("a", 0.0),
            ("b", 0.0),
            ("delta_T", 1.0),
            ("tau_syn_E", 1.0),
            ("tau_syn_I", 1.0),
        ],
    );
    let t = translate_neuron(WaferCell::Adex, &plain, 4, &options);
    assert_eq!((t.denmem.adaptation, t.clips.clone()), (None, vec![]));
}

#[test]
fn i_offset_drives_the_current_stimulus_of_the_whole_neuron() {
    // 0.1 nA x 10 x 1e4 x 4 x 2.16456 pF / 0.2 nF = 0.433 uA in total, a quarter per denmem.
    let mut p = worked_example();
    let i_offset = CellType::IfCondExp
        .params()
        .iter()
        .position(|q| q.name == "i_offset")
        .unwrap();
    p[i_offset] = 0.1;
    let options = ParameterOptions::new(SpeedUp::Normal);
    let t = translate_neuron(WaferCell::IfCondExp, &p, 4, &options);
    let total = 0.1e-9 * 10.0 * 1e4 * 4.0 * Capacitor::Big.farad() / 0.2e-9;
    // The stimulus is one 10-bit current cell: 0.433 uA is DAC 177.15 of 2.5 uA / 1023, so it runs at 177.
    let lsb = 2.5e-6 / 1023.0;
    assert!((total / lsb - 177.15).abs() < 0.01);
    assert!((t.denmem.stimulus_ampere * 4.0 - 177.0 * lsb).abs() < 1e-15);
    assert_eq!(t.clips, vec![]);
    let realised = WaferCell::IfCondExp
        .fields()
        .iter()
        .position(|f| f.0 == "i_offset")
        .map(|k| t.realised[k])
        .unwrap();
    assert!(
        (realised - 0.1 * 177.0 * lsb / total).abs() < 1e-12,
        "{realised}"
    );
    // 1 nA needs 4.3 uA, beyond the stimulus's 2.5 uA: fits at 1e3. Negative: clipped to 0, fits nowhere.
    p[i_offset] = 1.0;
    let t = translate_neuron(WaferCell::IfCondExp, &p, 4, &options);
    assert_eq!(t.clips[0].fits_at_speedup, Some(1000));
    assert!((t.denmem.stimulus_ampere * 4.0 - 2.5e-6).abs() < 1e-15);
    p[i_offset] = -0.1;
    let t = translate_neuron(WaferCell::IfCondExp, &p, 4, &options);
    assert_eq!(
        (t.clips[0].realised, t.clips[0].fits_at_speedup),
        (0.0, None)
    );
}

#[test]
fn a_population_reports_each_parameter_once() {
    let mut population = Population {
        label: "exc".into(),
        size: 3,
        cell_type: CellType::IfCondExp,
        params: worked_example().into_iter().map(Values::Same).collect(),
        initial: vec![],
        spike_times: None,
        positions: None,
        record: vec![],
    };
    let tau_syn_e = CellType::IfCondExp
        .params()
        .iter()
        .position(|q| q.name == "tau_syn_E")
        .unwrap();
    let index = |name| {
        CellType::IfCondExp
            .params()
            .iter()
            .position(|q| q.name == name)
            .unwrap()
    };
    population.params[index("tau_syn_I")] = Values::Same(1.0);
    population.params[index("tau_refrac")] = Values::Same(1.0);
    population.params[tau_syn_e] = Values::PerNeuron(vec![5.0, 3.0, 1.0]);
    let options = ParameterOptions::new(SpeedUp::Slow);
    let (neurons, clips) = translate_population(&population, 4, &options).unwrap();
    assert_eq!(neurons.len(), 3);
    assert_eq!(clips.len(), 1, "{clips:?}");
    let c = &clips[0];
    assert_eq!(
        (c.population.as_str(), c.parameter, c.neurons),
        ("exc", "tau_syn_E", 2)
    );
    assert_eq!(c.requested, 4.0);
    assert_eq!(c.fits_at_speedup, Some(10_000));
    // A uniform population is translated once.
    population.params[tau_syn_e] = Values::Same(1.0);
    let (neurons, clips) = translate_population(&population, 4, &options).unwrap();
    assert!(neurons.iter().all(|n| *n == neurons[0]) && clips.is_empty());
    population.cell_type = CellType::SpikeSourcePoisson;
    assert!(translate_population(&population, 4, &options).is_none());
}
