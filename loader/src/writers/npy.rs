//! The one way the writers produce `.npy` files: float64, C order, little-endian (`'<f8'`), via npyz.
//!
//! outputs.md fixes every array as float64 so NumPy users get one dtype everywhere (indices are exact in f64
//! up to 2^53, far beyond any population size).

use std::path::Path;

use npyz::WriterBuilder;

use super::atomic::write_atomic;
use super::error::WriteError;

/// Write a `rows` x `cols` float64 matrix given row-major `values`, atomically.
///
/// `values` must yield exactly `rows * cols` numbers; npyz checks, and a mismatch is reported as an I/O error
/// naming `path` (a bug of the caller, never a panic).
pub(crate) fn write_f64_matrix(
    path: &Path,
    rows: usize,
    cols: usize,
    values: impl IntoIterator<Item = f64>,
) -> Result<(), WriteError> {
    write_atomic(path, |out| {
        let mut writer = npyz::WriteOptions::<f64>::new()
            .default_dtype()
            .shape(&[rows as u64, cols as u64])
            .writer(out)
            .begin_nd()?;
        writer.extend(values)?;
        writer.finish()
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Read a `.npy` back as (shape, values), checking it is little-endian float64 in C order.
    pub(crate) fn read_f64(path: &Path) -> (Vec<u64>, Vec<f64>) {
        let bytes = std::fs::read(path).unwrap();
        let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
        assert_eq!(npy.dtype().descr(), "'<f8'");
        assert_eq!(npy.order(), npyz::Order::C);
        let shape = npy.shape().to_vec();
        (shape, npy.into_vec::<f64>().unwrap())
    }

    #[test]
    fn matrix_reads_back_with_shape_and_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.npy");
        write_f64_matrix(&path, 2, 3, [1.0, 2.0, 3.0, 4.0, 5.5, -6.25]).unwrap();
        let (shape, values) = read_f64(&path);
        assert_eq!(shape, vec![2, 3]);
        assert_eq!(values, vec![1.0, 2.0, 3.0, 4.0, 5.5, -6.25]);
    }

    #[test]
    fn empty_matrix_keeps_its_column_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.npy");
        write_f64_matrix(&path, 0, 2, []).unwrap();
        assert_eq!(read_f64(&path), (vec![0, 2], vec![]));
    }

    #[test]
    fn wrong_value_count_is_an_error_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.npy");
        let err = write_f64_matrix(&path, 2, 2, [1.0, 2.0, 3.0]).unwrap_err();
        assert!(matches!(&err, WriteError::Io { path: p, .. } if p == &path));
        assert!(!path.exists());
    }
}
