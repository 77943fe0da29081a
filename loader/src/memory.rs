//! Memory estimates of expansion, from the network alone: what expanding a projection will hold and its peak
//! while expanding, known before anything is allocated, so that a network too large for the host is refused
//! with the figure instead of aborting on a failed allocation half-way through.
//!
//! The figures follow [`crate::connectors::expand`]'s storage exactly (CSR: a `u64` row offset per pre row, a
//! `u32` post per synapse, an `f32` weight and a `u16` delay per synapse only where they vary) and add the
//! temporaries it keeps alive at its peak. The synapse count is an input: the expected count before expanding,
//! the exact one after a counting pass.

use crate::connectors::expected_synapses;
use crate::format::{Connector, Quantity};
use crate::network::{Network, Projection};

/// Bytes of one projection's expansion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpansionBytes {
    /// Held by the expanded synapses ([`crate::Synapses::heap_bytes`]).
    pub held: u64,
    /// The most held at once while expanding: `held` plus the largest temporary.
    pub peak: u64,
}

/// What expanding projection `p` into `synapses` synapses takes.
pub fn expansion_bytes(p: &Projection, synapses: f64) -> ExpansionBytes {
    let n = synapses.max(0.0).ceil() as u64;
    let rows = u64::from(p.pre.len()) + 1;
    let explicit = matches!(&p.connector, Connector::FromListConnector { conn_list }
        if conn_list.first().is_some_and(|r| r.weight_delay.is_some()));
    let varies = |q: Option<Quantity>| explicit || matches!(q, Some(Quantity::Random(_)));
    let weight_bytes = if varies(Some(p.synapse.weight())) {
        4
    } else {
        0
    };
    let delays_vary = varies(p.synapse.delay());
    let delay_bytes = if delays_vary { 2 } else { 0 };
    let held = 8 * rows + n * (4 + weight_bytes + delay_bytes);
    // The temporaries, one at a time: the row engine's per-row counts; delays drawn as f32 before they become
    // u16 steps; FixedNumberPre's column-major copy and cursors; FromList's sort order (one usize a row).
    let transient = [
        8 * rows,
        if delays_vary && !explicit { 4 * n } else { 0 },
        match p.connector {
            Connector::FixedNumberPreConnector { .. } => 4 * n + 8 * rows,
            Connector::FromListConnector { .. } => 8 * n + 8 * rows,
            _ => 0,
        },
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    ExpansionBytes {
        held,
        peak: held + transient,
    }
}

/// Per projection, its expected synapse count and expansion bytes.
pub fn expected_expansion(net: &Network) -> Vec<(f64, ExpansionBytes)> {
    net.projections
        .iter()
        .map(|p| {
            let n = expected_synapses(net, p);
            (n, expansion_bytes(p, n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, expand};

    fn net(connector: &str, weight: &str, delay: &str) -> Network {
        let text = format!(
            r#"{{"format": "nmemu-net/1",
                "simulation": {{"duration_ms": 10, "max_delay_ms": 9}},
                "populations": [{{"label": "a", "size": 300, "cell": {{"type": "IF_curr_exp"}}}}],
                "projections": [{{"pre": "a", "post": "a", "receptor_type": "excitatory",
                                  "connector": {connector},
                                  "synapse": {{"type": "StaticSynapse", "weight": {weight}, "delay": {delay}}}}}]}}"#
        );
        Network::from_json(&text, &Limits::default()).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn held_bytes_are_what_the_expansion_holds() {
        let weights = r#"{"distribution": "uniform", "low": 0.1, "high": 0.2}"#;
        let delays = r#"{"distribution": "uniform", "low": 1, "high": 5}"#;
        for (connector, weight, delay) in [
            (r#"{"type": "AllToAllConnector"}"#, "0.1", "1.0"),
            (r#"{"type": "AllToAllConnector"}"#, weights, "1.0"),
            (
                r#"{"type": "FixedNumberPostConnector", "n": 7}"#,
                weights,
                delays,
            ),
            (
                r#"{"type": "FixedNumberPreConnector", "n": 9}"#,
                "0.1",
                delays,
            ),
        ] {
            let net = net(connector, weight, delay);
            let s = expand(&net, 0).unwrap();
            let bytes = expansion_bytes(&net.projections[0], s.len() as f64);
            assert_eq!(
                bytes.held,
                s.heap_bytes() as u64,
                "{connector} {weight} {delay}"
            );
            assert!(bytes.peak >= bytes.held);
        }
    }
}
