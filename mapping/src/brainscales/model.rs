//! What the wafer runs, checked before any mapping work: cell types, synapse types and plasticity rules
//! (issue 16 "Model check"; spec brainscales.md §2.3, §4.1, §4.2; mapping-and-pynn.md §A6.6, §A6.7).
//!
//! - Cells: `EIF_cond_exp_isfa_ista` (the AdEx circuit) and `IF_cond_exp` (the same circuit with the
//!   exponential term and adaptation switched off), as marocco; `SpikeSourcePoisson` and `SpikeSourceArray`
//!   enter through Layer 2. Everything else is refused with the cell that would run instead: the synaptic
//!   inputs are conductances decaying exponentially (§2.3, §2.9), so current-based and alpha-shaped cells
//!   become `IF_cond_exp`, and Izhikevich's adapting dynamics become AdEx. Nothing is changed silently.
//! - Synapses: `StaticSynapse`; `TsodyksMarkramSynapse` with exactly one of `tau_rec` / `tau_facil`
//!   non-zero (the driver does depression or facilitation, §4.2; marocco's rule, §A6.6).
//! - STDP: the wafer's rule is a correlation circuit per synapse with one time constant for causal and
//!   acausal pairings (nearest-neighbour pairing), read by a controller that sweeps the rows and moves each
//!   4-bit weight through look-up tables (§4.1). net.json's `SpikePairRule` with `tau_plus = tau_minus`
//!   maps onto it, with an additive (a step of one level up or down) or multiplicative (steps towards
//!   `w_max` / `w_min` in proportion to the distance) weight dependence as the tables; weights then change
//!   at sweeps, not at every pairing. Different `tau_plus` and `tau_minus` cannot be expressed and are
//!   refused. (net.json has no current sources; `i_offset` becomes the FG current stimulus, see
//!   [`super::params`].)

use nmemu_loader::format::cells::CellType;
use nmemu_loader::format::reader::JsonPath;
use nmemu_loader::format::{SynapseSpec, TimingDependence};
use nmemu_loader::network::Network;

/// Refuses what the wafer cannot run: every problem in one message, each with its JSON path, the reason and
/// what would run instead.
pub fn check_model(net: &Network) -> Result<(), String> {
    let mut problems = Vec::new();
    for (i, population) in net.populations.iter().enumerate() {
        if let Some(why) = refuse_cell(population.cell_type) {
            let path = JsonPath::root()
                .field("populations")
                .index(i)
                .field("cell")
                .field("type");
            problems.push(format!(
                "{path}: {} (population '{}') {why}",
                population.cell_type.name(),
                population.label
            ));
        }
    }
    for (i, projection) in net.projections.iter().enumerate() {
        let path = JsonPath::root()
            .field("projections")
            .index(i)
            .field("synapse");
        if let Some((field, why)) = refuse_synapse(&projection.synapse) {
            problems.push(format!(
                "{}: {why} (projection '{}')",
                path.field(field),
                projection.label
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the BrainScaleS wafer cannot run this network:\n  {}",
            problems.join("\n  ")
        ))
    }
}

/// Why `cell` does not run on the wafer and what would, or `None` when it runs.
fn refuse_cell(cell: CellType) -> Option<&'static str> {
    match cell {
        CellType::EifCondExpIsfaIsta
        | CellType::IfCondExp
        | CellType::SpikeSourcePoisson
        | CellType::SpikeSourceArray => None,
        CellType::IfCurrExp => Some(
            "is not on the wafer: its synapses are conductances, not currents; use IF_cond_exp (or run on \
             SpiNNaker, --machine spinnaker-*)",
        ),
        CellType::IfCurrAlpha => Some(
            "is not on the wafer: its synapses are exponentially decaying conductances, not alpha-shaped \
             currents; use IF_cond_exp (or run on SpiNNaker, --machine spinnaker-*)",
        ),
        CellType::IfCondAlpha => Some(
            "is not on the wafer: its synaptic conductances decay exponentially, they have no alpha shape; use \
             IF_cond_exp",
        ),
        CellType::Izhikevich => Some(
            "is not on the wafer: its circuit is AdEx; use EIF_cond_exp_isfa_ista for adapting dynamics (or run \
             on SpiNNaker, --machine spinnaker-*)",
        ),
    }
}

/// The synapse field that the wafer cannot realise and why, or `None`.
fn refuse_synapse(synapse: &SynapseSpec) -> Option<(&'static str, &'static str)> {
    match *synapse {
        SynapseSpec::StaticSynapse { .. } => None,
        SynapseSpec::TsodyksMarkramSynapse {
            tau_rec, tau_facil, ..
        } => match (tau_rec != 0.0, tau_facil != 0.0) {
            (true, false) | (false, true) => None,
            (true, true) => Some((
                "tau_facil",
                "the wafer's synapse driver does depression or facilitation, not both; set tau_facil to 0 \
                 (depression) or tau_rec to 0 (facilitation)",
            )),
            (false, false) => Some((
                "tau_rec",
                "a Tsodyks-Markram synapse with tau_rec = tau_facil = 0 has no dynamics on the wafer's driver; \
                 use StaticSynapse, or set tau_rec (depression) or tau_facil (facilitation)",
            )),
        },
        SynapseSpec::StdpMechanism {
            timing_dependence:
                TimingDependence::SpikePairRule {
                    tau_plus,
                    tau_minus,
                    ..
                },
            ..
        } => (tau_plus != tau_minus).then_some((
            "timing_dependence.tau_minus",
            "the wafer's STDP circuit has one time constant for causal and acausal pairings; set tau_minus \
             equal to tau_plus (or run on SpiNNaker, --machine spinnaker-*, which has the pair rule)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nmemu_loader::limits::Limits;
    use serde_json::json;

    fn net(cell: &str, synapse: serde_json::Value) -> Network {
        let text = json!({
            "format": "nmemu-net/1",
            "simulation": {"duration_ms": 10.0},
            "populations": [
                {"label": "in", "size": 2, "cell": {"type": "SpikeSourcePoisson", "params": {"rate": 5.0}}},
                {"label": "n", "size": 2, "cell": {"type": cell}}
            ],
            "projections": [{
                "pre": "in", "post": "n", "receptor_type": "excitatory",
                "connector": {"type": "AllToAllConnector"},
                "synapse": synapse
            }]
        });
        Network::from_json(&text.to_string(), &Limits::default()).unwrap()
    }

    fn static_synapse() -> serde_json::Value {
        json!({"type": "StaticSynapse", "weight": 0.01})
    }

    #[test]
    fn the_wafer_models_pass() {
        for cell in ["IF_cond_exp", "EIF_cond_exp_isfa_ista"] {
            assert_eq!(check_model(&net(cell, static_synapse())), Ok(()));
        }
        let depressing = json!({"type": "TsodyksMarkramSynapse", "weight": 0.01, "U": 0.3,
                                "tau_rec": 100.0, "tau_facil": 0.0});
        assert_eq!(check_model(&net("IF_cond_exp", depressing)), Ok(()));
        let facilitating = json!({"type": "TsodyksMarkramSynapse", "weight": 0.01, "U": 0.3,
                                  "tau_rec": 0.0, "tau_facil": 200.0});
        assert_eq!(check_model(&net("IF_cond_exp", facilitating)), Ok(()));
        let stdp = json!({"type": "STDPMechanism", "weight": 0.01,
            "timing_dependence": {"type": "SpikePairRule", "tau_plus": 20.0, "tau_minus": 20.0,
                                  "A_plus": 0.01, "A_minus": 0.01},
            "weight_dependence": {"type": "MultiplicativeWeightDependence", "w_min": 0.0, "w_max": 0.02}});
        assert_eq!(check_model(&net("IF_cond_exp", stdp)), Ok(()));
    }

    #[test]
    fn other_cells_are_refused_with_the_path_and_the_alternative() {
        for (cell, instead) in [
            ("IF_curr_exp", "use IF_cond_exp"),
            ("IF_curr_alpha", "use IF_cond_exp"),
            ("IF_cond_alpha", "use IF_cond_exp"),
            ("Izhikevich", "use EIF_cond_exp_isfa_ista"),
        ] {
            let e = check_model(&net(cell, static_synapse())).unwrap_err();
            assert!(e.contains("populations[1].cell.type"), "{e}");
            assert!(e.contains(cell) && e.contains(instead), "{e}");
        }
    }

    #[test]
    fn synapses_the_driver_cannot_do_are_refused() {
        let both = json!({"type": "TsodyksMarkramSynapse", "weight": 0.01, "U": 0.3,
                          "tau_rec": 100.0, "tau_facil": 50.0});
        let e = check_model(&net("IF_cond_exp", both)).unwrap_err();
        assert!(e.contains("projections[0].synapse.tau_facil"), "{e}");
        assert!(e.contains("depression or facilitation"), "{e}");
        let asymmetric = json!({"type": "STDPMechanism", "weight": 0.01,
            "timing_dependence": {"type": "SpikePairRule", "tau_plus": 20.0, "tau_minus": 30.0,
                                  "A_plus": 0.01, "A_minus": 0.01},
            "weight_dependence": {"type": "AdditiveWeightDependence", "w_min": 0.0, "w_max": 0.02}});
        let e = check_model(&net("IF_cond_exp", asymmetric)).unwrap_err();
        assert!(
            e.contains("projections[0].synapse.timing_dependence.tau_minus"),
            "{e}"
        );
        // Both problems of one network in one message.
        let e = check_model(&net(
            "IF_curr_exp",
            json!({"type": "TsodyksMarkramSynapse",
            "weight": 0.01, "U": 0.3, "tau_rec": 100.0, "tau_facil": 50.0}),
        ))
        .unwrap_err();
        assert!(
            e.contains("populations[1]") && e.contains("projections[0]"),
            "{e}"
        );
    }
}
