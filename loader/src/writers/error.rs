//! The one error type of the writers: every variant names the file (or the label) it is about.
//!
//! A run can take hours; when its results cannot be written the user must learn which file and why, so no
//! variant is a bare `io::Error`.

use std::path::PathBuf;

/// Why a result file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Creating, writing, syncing or renaming the file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The value could not be turned into JSON (e.g. a map with non-string keys in the mapping report).
    #[error("{path}: cannot serialise as JSON: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A population, projection or variable name cannot give a file name (outputs.md names files after them):
    /// it is empty, holds a control character, or its name would be too long for the file system.
    #[error("{kind} {label:?} cannot be used in a file name: {reason}")]
    UnsafeLabel {
        /// "population", "projection" or "variable".
        kind: &'static str,
        label: String,
        reason: String,
    },
    /// The data meant for this file is inconsistent (e.g. a neuron index beyond the population size).
    #[error("{path}: {problem}")]
    Invalid { path: PathBuf, problem: String },
}

impl WriteError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        WriteError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(path: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        WriteError::Invalid {
            path: path.into(),
            problem: problem.into(),
        }
    }
}
