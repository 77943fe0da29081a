//! `<projection label>.weights.npy`: final weights of a plastic projection (outputs.md).
//!
//! Rows stay in the projection's synapse order, the order connector expansion produced, so row `i` of the file
//! is synapse `i` of the projection and a script can compare it with the initial weights element-wise.

use std::path::{Path, PathBuf};

use super::error::WriteError;
use super::names::weights_npy_name;
use super::npy::write_f64_matrix;

/// The final weights of one plastic projection.
#[derive(Debug, Clone, PartialEq)]
pub struct PlasticWeights {
    /// The projection's label (net.json's, or its default `<pre>-><post>#<index>`); names the file.
    pub projection: String,
    /// (pre index, post index, weight in PyNN units: uS for conductance synapses, nA for current synapses),
    /// in the projection's synapse order.
    pub rows: Vec<(u32, u32, f64)>,
}

/// Write `<dir>/<projection>.weights.npy`, float64 shape (n, 3): pre, post, weight; returns its path.
pub fn write_weights_npy(dir: &Path, weights: &PlasticWeights) -> Result<PathBuf, WriteError> {
    let path = dir.join(weights_npy_name(&weights.projection)?);
    let values = weights
        .rows
        .iter()
        .flat_map(|&(pre, post, w)| [f64::from(pre), f64::from(post), w]);
    write_f64_matrix(&path, weights.rows.len(), 3, values)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writers::npy::tests::read_f64;

    #[test]
    fn weights_read_back_in_synapse_order() {
        let dir = tempfile::tempdir().unwrap();
        let weights = PlasticWeights {
            projection: "exc->inh#0".into(),
            rows: vec![(3, 1, 0.5), (0, 2, 0.004), (u32::MAX, 0, -1.25)],
        };
        let path = write_weights_npy(dir.path(), &weights).unwrap();
        assert_eq!(path, dir.path().join("exc-%3Einh%230.weights.npy"));
        let (shape, values) = read_f64(&path);
        assert_eq!(shape, vec![3, 3]);
        assert_eq!(
            values,
            vec![
                3.0,
                1.0,
                0.5,
                0.0,
                2.0,
                0.004,
                f64::from(u32::MAX),
                0.0,
                -1.25
            ]
        );
    }

    #[test]
    fn unsafe_projection_label_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let weights = PlasticWeights {
            projection: "a\nb".into(),
            rows: vec![],
        };
        let err = write_weights_npy(dir.path(), &weights).unwrap_err();
        assert!(matches!(
            err,
            WriteError::UnsafeLabel {
                kind: "projection",
                ..
            }
        ));
    }
}
