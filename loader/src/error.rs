//! Errors of the loader: every one names where in the input it was found.
//!
//! The house rule is "bad input gets a clear error naming the place, never a panic": syntax errors carry line and
//! column (from serde_json), everything else carries a JSON path such as `projections[2].connector.p_connect`.

use std::fmt;
use std::path::PathBuf;

use crate::escape::for_terminal;

/// One thing wrong with the input, at one JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON path, e.g. `projections[2].connector.p_connect`; empty for the document root.
    pub path: String,
    pub message: String,
}

/// Paths and messages quote the file's own strings (labels, field names), so both are printed with their
/// control characters escaped ([`crate::escape`]): a problem is one line, whatever the file holds.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = for_terminal(&self.message);
        if self.path.is_empty() {
            write!(f, "{message}")
        } else {
            write!(f, "{}: {message}", for_terminal(&self.path))
        }
    }
}

/// Why a network could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("JSON syntax error at line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// One or more problems, each at its own path (validation reports all it finds, not just the first).
    #[error("{}", display_problems(.0))]
    Invalid(Vec<Problem>),
}

fn display_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl LoadError {
    /// A single problem at `path`.
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        LoadError::Invalid(vec![Problem {
            path: path.into(),
            message: message.into(),
        }])
    }

    /// The problems of an `Invalid` error (empty for I/O and syntax errors).
    pub fn problems(&self) -> &[Problem] {
        match self {
            LoadError::Invalid(p) => p,
            _ => &[],
        }
    }
}

/// Collects problems so that validation reports everything wrong in one pass.
#[derive(Debug, Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// Keeps the problems of a failed sub-step and carries on.
    pub fn absorb(&mut self, err: LoadError) {
        match err {
            LoadError::Invalid(p) => self.0.extend(p),
            other => self.push("", other.to_string()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when no problem was found.
    pub fn into_result<T>(self, value: T) -> Result<T, LoadError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(LoadError::Invalid(self.0))
        }
    }
}
