//! BrainScaleS mapping onto several wafers: populations spill onto the next wafer, projections between
//! wafers become Layer-2 routes into the target wafer's inputs, and the refusals name the sizes. The wafers
//! are shrunk by defects to 8 usable HICANNs each so that small networks fill them.

use brainscales_emu::Preset;
use brainscales_emu::coord::HicannOnWafer;
use brainscales_emu::defects::{Defects, DefectsFile};
use nmemu_loader::{Limits, Network};
use nmemu_mapping::brainscales::{BrainScaleSOptions, Mapped, PopulationPlace, map};
use serde_json::{Value, json};

/// 8 usable HICANNs in the wafer's centre (x 16..=19, y 7..=8): 64 neurons of 64 denmems; `dead_links`
/// besides.
fn small_wafer(dead_links: &[HicannOnWafer]) -> Defects {
    let keep = |h: &HicannOnWafer| (16..=19).contains(&h.x()) && (7..=8).contains(&h.y());
    Defects::from_file(&DefectsFile {
        dead_hicanns: HicannOnWafer::all()
            .filter(|h| !keep(h))
            .map(|h| h.to_enum() as u32)
            .collect(),
        dead_links: dead_links.iter().map(|h| h.to_enum() as u32).collect(),
        ..DefectsFile::default()
    })
    .unwrap()
}

fn options(wafers: u32, defects: Vec<Defects>) -> BrainScaleSOptions {
    BrainScaleSOptions {
        defects,
        ..BrainScaleSOptions::new(Preset { wafers })
    }
}

/// Populations of `sizes` neurons of 64 denmems (one per neuron block) named a, b, c, ...; an all-to-all
/// projection `x-y` for each (x, y) of `projections`; one spike source "in" onto every population.
fn net(sizes: &[u32], projections: &[(usize, usize)], brainscales: Value) -> Network {
    let label = |i: usize| ((b'a' + i as u8) as char).to_string();
    let mut populations = vec![
        json!({"label": "in", "size": 1, "cell": {"type": "SpikeSourceArray",
        "params": {"spike_times": [5.0]}}}),
    ];
    let mut all = vec![];
    for (i, &size) in sizes.iter().enumerate() {
        populations.push(json!({"label": label(i), "size": size, "cell": {"type": "IF_cond_exp"}}));
        all.push((None, i));
    }
    all.extend(projections.iter().map(|&(x, y)| (Some(x), y)));
    let projections: Vec<Value> = all
        .into_iter()
        .map(|(pre, post)| {
            let pre = pre.map_or("in".to_string(), label);
            json!({"label": format!("{pre}-{}", label(post)), "pre": pre, "post": label(post),
                   "receptor_type": "excitatory", "connector": {"type": "AllToAllConnector"},
                   "synapse": {"type": "StaticSynapse", "weight": 0.001}})
        })
        .collect();
    let mut brainscales = brainscales;
    brainscales["neuron_size"] = (0..sizes.len()).map(|i| (label(i), json!(64))).collect();
    let file = json!({
        "format": "nmemu-net/1",
        "simulation": {"duration_ms": 10, "timestep_ms": 0.1},
        "populations": populations,
        "projections": projections,
        "extensions": {"brainscales": brainscales}
    });
    Network::from_json(&file.to_string(), &Limits::default()).unwrap()
}

/// Per neuron of population `p` (1 = a), its wafer.
fn wafers_of(m: &Mapped, p: usize) -> Vec<u32> {
    let PopulationPlace::Neurons(n) = &m.placement.populations[p] else {
        panic!("a neuron population");
    };
    n.iter().map(|&(w, _, _)| w).collect()
}

#[test]
fn populations_spill_whole_onto_the_next_wafer_and_cross_over_layer_2() {
    // a fills 40 of wafer 0's 64 neurons; b (40) does not fit the 24 left and goes whole to wafer 1; c (20)
    // follows it there.
    let n = net(&[40, 40, 20], &[(0, 1), (1, 2)], json!({}));
    let defects = vec![small_wafer(&[]), small_wafer(&[])];
    let m = map(&n, &options(2, defects.clone())).unwrap();
    assert_eq!(wafers_of(&m, 1), vec![0; 40]);
    assert_eq!(wafers_of(&m, 2), vec![1; 40]);
    assert_eq!(wafers_of(&m, 3), vec![1; 20]);
    m.image
        .check(Preset { wafers: 2 }, &defects)
        .expect("a system image the emulator loads");

    // Every neuron of a reaches b on wafer 1: one route each, from wafer 0's recording to wafer 1's input.
    assert_eq!(m.image.l2_routes.len(), 40);
    assert!(
        m.image
            .l2_routes
            .iter()
            .all(|r| r.source.wafer == 0 && r.target.wafer == 1)
    );
    let r = &m.report;
    assert_eq!(r.cross_wafer.routes, 40);
    assert_eq!(r.cross_wafer.synapses, 40 * 40);
    assert_eq!(r.cross_wafer.by_projection.len(), 1);
    assert_eq!(r.cross_wafer.by_projection["a-b"].synapses, 1600);
    assert_eq!(r.wafers.len(), 2);
    assert_eq!(
        (r.wafers[0].neurons_placed, r.wafers[1].neurons_placed),
        (40, 60)
    );
    assert_eq!(r.neurons_placed, 100);
    assert_eq!(
        r.hicanns_used,
        r.wafers[0].hicanns_used + r.wafers[1].hicanns_used
    );
    // a's neurons are inputs on wafer 1, at the assumed 10 Hz x 10^3 each.
    let rate: f64 = r.wafers[1]
        .inputs_per_hicann
        .values()
        .map(|l| l.rate_hz)
        .sum();
    let sources: u32 = r.wafers[1]
        .inputs_per_hicann
        .values()
        .map(|l| l.sources)
        .sum();
    assert_eq!(sources, 40 + 1, "a's neurons and the spike source");
    assert!(rate >= 40.0 * 10.0 * 1000.0, "{rate}");

    // The spike source has targets on both wafers: it is played on both.
    let PopulationPlace::Sources(s) = &m.placement.populations[0] else {
        panic!("a source");
    };
    let on: Vec<u32> = s[0].iter().map(|e| e.wafer).collect();
    assert_eq!(on, vec![0, 1]);
}

#[test]
fn a_later_population_back_fills_the_wafer_of_its_partners() {
    // a fills 40 of wafer 0's 64 neurons and b (40) goes whole to wafer 1; c (20), connected to a only,
    // fits the 24 left on wafer 0 and goes there, beside a, instead of following b: only a-b crosses.
    let n = net(&[40, 40, 20], &[(0, 1), (0, 2)], json!({}));
    let m = map(&n, &options(2, vec![small_wafer(&[]), small_wafer(&[])])).unwrap();
    assert_eq!(wafers_of(&m, 1), vec![0; 40]);
    assert_eq!(wafers_of(&m, 2), vec![1; 40]);
    assert_eq!(wafers_of(&m, 3), vec![0; 20]);
    let r = &m.report;
    assert_eq!(r.cross_wafer.synapses, 40 * 40);
    assert_eq!(
        r.cross_wafer.by_projection.keys().collect::<Vec<_>>(),
        ["a-b"]
    );
    assert_eq!(
        (r.wafers[0].neurons_placed, r.wafers[1].neurons_placed),
        (60, 40)
    );

    // With no partner placed (c connected to nothing), a population takes the lowest-numbered wafer
    // with room: c back-fills wafer 0 after b moved on.
    let n = net(&[40, 40, 20], &[(0, 1)], json!({}));
    let m = map(&n, &options(2, vec![small_wafer(&[]), small_wafer(&[])])).unwrap();
    assert_eq!(wafers_of(&m, 3), vec![0; 20]);
}

#[test]
fn a_population_larger_than_a_wafer_is_split_across_wafers() {
    let n = net(&[100], &[], json!({}));
    let m = map(&n, &options(2, vec![small_wafer(&[]), small_wafer(&[])])).unwrap();
    let w = wafers_of(&m, 1);
    assert_eq!(w.iter().filter(|&&w| w == 0).count(), 64);
    assert_eq!(w.iter().filter(|&&w| w == 1).count(), 36);
    assert!(w.is_sorted(), "the first neurons fill wafer 0");
}

#[test]
fn a_neuron_whose_link_is_dead_loses_its_cross_wafer_synapses_as_input() {
    let (x, y) = (
        HicannOnWafer::new(17, 7).unwrap(),
        HicannOnWafer::new(18, 8).unwrap(),
    );
    let hints = json!({"placement": {"a": [x.to_enum()], "b": [format!("1:{}", y.to_enum())]}});
    let n = net(&[2, 3], &[(0, 1)], hints);
    let ok = map(&n, &options(2, vec![small_wafer(&[]), small_wafer(&[])])).unwrap();
    assert_eq!(wafers_of(&ok, 2), vec![1; 3]);
    assert_eq!(ok.report.cross_wafer.synapses, 6);
    assert_eq!(ok.report.cross_wafer.synapses_lost, 0);
    assert_eq!(ok.image.l2_routes.len(), 2);

    let m = map(&n, &options(2, vec![small_wafer(&[x]), small_wafer(&[])])).unwrap();
    assert!(m.image.l2_routes.is_empty());
    let r = &m.report;
    assert_eq!(
        (r.cross_wafer.synapses, r.cross_wafer.synapses_lost),
        (6, 6)
    );
    assert_eq!(r.synapses_lost_input, 6);
    assert_eq!(r.synapse_loss_by_projection["a-b"], 1.0);
    assert!(
        m.warnings.iter().any(|w| w.contains("'a-b' 6 of 6")),
        "{:?}",
        m.warnings
    );
}

#[test]
fn refusals_name_the_wafers_and_sizes() {
    let two = || options(2, vec![small_wafer(&[]), small_wafer(&[])]);
    let err = |n: &Network| map(n, &two()).err().unwrap();
    let e = err(&net(&[200], &[], json!({})));
    assert!(
        e.starts_with("the network needs 12800 denmem circuits for 200 neurons")
            && e.contains("the 2 wafers have 8192 usable")
            && e.contains("a machine of more than 2 wafers"),
        "{e}"
    );
    let e = err(&net(&[2], &[], json!({"placement": {"a": ["2:100"]}})));
    assert_eq!(
        e,
        "extensions.brainscales.placement.a: wafer 2 does not exist (the machine has 2 wafer(s), 0 to 1)"
    );
    let e = err(&net(&[2], &[], json!({"placement": {"a": ["1:0"]}})));
    assert_eq!(
        e,
        "extensions.brainscales.placement.a: HICANN 0 (12, 0) of wafer 1 is defective"
    );
}
