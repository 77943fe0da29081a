//! The file names of outputs.md, and the check that a user's label is safe to put in one.
//!
//! Population and projection labels are free user strings in net.json, but outputs.md turns them into file
//! names (`<population>.spikes.npy`, `<projection label>.weights.npy`, ...). A label such as `../x` or `a/b`
//! would write outside the output directory, and a leading dot would hide the file; such labels are refused
//! with an error naming them. They are never rewritten: a script computing the name from its own label must
//! find the file.

use super::error::WriteError;

/// All spikes of the run (outputs.md).
pub const SPIKES_CSV: &str = "spikes.csv";
/// Run summary (outputs.md, "run.json fields").
pub const RUN_JSON: &str = "run.json";
/// Every counter of the run (outputs.md, "provenance.json").
pub const PROVENANCE_JSON: &str = "provenance.json";
/// The mapping used, as `nmemu map` writes it (outputs.md, "mapping.json fields").
pub const MAPPING_JSON: &str = "mapping.json";

/// Refuse a label that is not safe as (part of) a file name in the output directory.
///
/// Refused: the empty string, `/` and `\` (path separators on Unix or Windows), a leading `.` (hidden files,
/// and `.`/`..` themselves), NUL and other control characters. With no separator and no leading dot a label
/// is one path component that is neither `.` nor `..`, so it cannot leave the directory; inner dots (`a..b`,
/// `v1.2`) are therefore allowed. `kind` ("population", "projection", "variable") goes into the error.
pub fn check_label(kind: &'static str, label: &str) -> Result<(), WriteError> {
    match unsafe_label_reason(label) {
        Some(reason) => Err(WriteError::UnsafeLabel {
            kind,
            label: label.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Why `label` cannot name a result file, if it cannot. Validation applies the same rule to net.json labels,
/// so a network is refused at load time rather than after its run.
pub fn unsafe_label_reason(label: &str) -> Option<&'static str> {
    if label.is_empty() {
        Some("it is empty")
    } else if label.contains(['/', '\\']) {
        Some("it contains a path separator ('/' or '\\')")
    } else if label.starts_with('.') {
        Some("it starts with '.'")
    } else if label.chars().any(char::is_control) {
        Some("it contains a control character")
    } else {
        None
    }
}

/// `<population>.spikes.npy`, after checking the label.
pub fn spikes_npy_name(population: &str) -> Result<String, WriteError> {
    check_label("population", population)?;
    Ok(format!("{population}.spikes.npy"))
}

/// `<population>.<variable>.npy` and its sibling `<population>.<variable>.json`, after checking both parts.
pub fn trace_names(population: &str, variable: &str) -> Result<(String, String), WriteError> {
    check_label("population", population)?;
    check_label("variable", variable)?;
    Ok((
        format!("{population}.{variable}.npy"),
        format!("{population}.{variable}.json"),
    ))
}

/// `<projection label>.weights.npy`, after checking the label.
pub fn weights_npy_name(projection: &str) -> Result<String, WriteError> {
    check_label("projection", projection)?;
    Ok(format!("{projection}.weights.npy"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(label: &str) -> bool {
        matches!(
            check_label("population", label),
            Err(WriteError::UnsafeLabel { label: l, kind: "population", .. }) if l == label
        )
    }

    #[test]
    fn unsafe_labels_are_refused_by_name() {
        for label in [
            "", "/", "a/b", "../x", "..", ".", ".hidden", "a\\b", "a\0b", "a\nb",
        ] {
            assert!(refused(label), "{label:?} should be refused");
        }
    }

    #[test]
    fn ordinary_labels_are_accepted() {
        for label in [
            "exc",
            "exc_to_inh",
            "stim->exc#0",
            "a..b",
            "v1.2",
            "Erregend ö",
            "a b",
        ] {
            assert!(check_label("population", label).is_ok(), "{label:?}");
        }
    }

    #[test]
    fn names_follow_outputs_md() {
        assert_eq!(spikes_npy_name("exc").unwrap(), "exc.spikes.npy");
        assert_eq!(
            trace_names("inh", "v").unwrap(),
            ("inh.v.npy".to_owned(), "inh.v.json".to_owned())
        );
        assert_eq!(weights_npy_name("e->i").unwrap(), "e->i.weights.npy");
    }

    #[test]
    fn names_refuse_bad_parts_and_say_which() {
        let err = trace_names("inh", "../v").unwrap_err();
        assert!(matches!(
            err,
            WriteError::UnsafeLabel {
                kind: "variable",
                ..
            }
        ));
        let err = weights_npy_name("a/b").unwrap_err();
        assert!(err.to_string().contains("\"a/b\""), "{err}");
        assert!(err.to_string().starts_with("projection"), "{err}");
    }
}
