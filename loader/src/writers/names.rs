//! The file names of outputs.md, and how a user's label becomes (part of) one.
//!
//! Population and projection labels are free user strings in net.json, but outputs.md turns them into file
//! names (`<population>.spikes.npy`, `<projection label>.weights.npy`, ...). A stem keeps letters, digits, `.`, `_`
//! and `-` (POSIX's portable file-name characters, and letters of any script) and writes every other character
//! as `%XX` escapes ([`file_stem`]), so a name never needs quoting in a shell, never changes the path or hides
//! the file, and never puts a control character on a terminal: `exc` stays `exc`, the default projection label
//! `exc->inh#2` becomes `exc-%3Einh%232`. `%` is escaped too, so two different labels never share a stem.
//! Two limits remain, refused with an error naming the label: a label must not be empty or hold control
//! characters (net.json rules), and a name must fit the file system's 255 bytes ([`MAX_FILE_NAME_BYTES`]).

use std::borrow::Cow;
use std::fmt::Write;

use super::error::WriteError;

/// All spikes of the run (outputs.md).
pub const SPIKES_CSV: &str = "spikes.csv";
/// Run summary (outputs.md, "run.json fields").
pub const RUN_JSON: &str = "run.json";
/// Every counter of the run (outputs.md, "provenance.json").
pub const PROVENANCE_JSON: &str = "provenance.json";
/// The mapping used, as `nmemu map` writes it (outputs.md, "mapping.json fields").
pub const MAPPING_JSON: &str = "mapping.json";

/// The longest result file name, in bytes: 255, the limit of ext4, XFS, Btrfs, tmpfs and APFS, less the 12
/// bytes that the writer's temporary name (`.<name>.XXXXXX.tmp`, [`super::write_atomic`]) adds.
pub const MAX_FILE_NAME_BYTES: usize = 255 - 12;

/// The stem a label (or a recorded variable's name) gives in file names: letters (of any script), digits,
/// `_`, `-` and `.` (not leading) are kept; every other character is written as `%XX`, one escape per UTF-8
/// byte (`a/b` -> `a%2Fb`, `.x` -> `%2Ex`, `50%` -> `50%25`, `e->i#0` -> `e-%3Ei%230`, `a b` -> `a%20b`).
/// Since `%` is escaped, the stem reads back to exactly one label.
pub fn file_stem(label: &str) -> Cow<'_, str> {
    let escaped = |(i, c): (usize, char)| {
        let kept = c.is_alphanumeric() || matches!(c, '_' | '-') || (c == '.' && i > 0);
        !kept
    };
    if !label.char_indices().any(escaped) {
        return Cow::Borrowed(label);
    }
    let mut stem = String::with_capacity(label.len() + 6);
    for (i, c) in label.char_indices() {
        if escaped((i, c)) {
            let mut utf8 = [0; 4];
            for byte in c.encode_utf8(&mut utf8).bytes() {
                let _ = write!(stem, "%{byte:02X}");
            }
        } else {
            stem.push(c);
        }
    }
    Cow::Owned(stem)
}

/// Refuse a label that net.json's rules forbid: empty, or holding a control character. `kind` ("population",
/// "projection", "variable") goes into the error.
pub fn check_label(kind: &'static str, label: &str) -> Result<(), WriteError> {
    match unsafe_label_reason(label) {
        Some(reason) => Err(WriteError::UnsafeLabel {
            kind,
            label: label.to_owned(),
            reason: reason.to_owned(),
        }),
        None => Ok(()),
    }
}

/// Why `label` cannot be a label at all, if it cannot. Validation applies the same rule to net.json labels,
/// and checks the names with [`spikes_npy_name`], [`trace_names`] and [`weights_npy_name`], so a network is
/// refused at load time rather than after its run.
pub fn unsafe_label_reason(label: &str) -> Option<&'static str> {
    if label.is_empty() {
        Some("it is empty")
    } else if label.chars().any(char::is_control) {
        Some("it contains a control character")
    } else {
        None
    }
}

/// `<population>.spikes.npy`, after checking the label and the name's length.
pub fn spikes_npy_name(population: &str) -> Result<String, WriteError> {
    check_label("population", population)?;
    fitting(
        "population",
        population,
        format!("{}.spikes.npy", file_stem(population)),
    )
}

/// `<population>.<variable>.npy` and its sibling `<population>.<variable>.json`, after checking both parts and
/// the names' length.
pub fn trace_names(population: &str, variable: &str) -> Result<(String, String), WriteError> {
    check_label("population", population)?;
    check_label("variable", variable)?;
    let base = format!("{}.{}", file_stem(population), file_stem(variable));
    fitting("population", population, format!("{base}.json"))?;
    Ok((format!("{base}.npy"), format!("{base}.json")))
}

/// `<projection label>.weights.npy`, after checking the label and the name's length.
pub fn weights_npy_name(projection: &str) -> Result<String, WriteError> {
    check_label("projection", projection)?;
    fitting(
        "projection",
        projection,
        format!("{}.weights.npy", file_stem(projection)),
    )
}

/// `name` if it fits [`MAX_FILE_NAME_BYTES`]; else the label's refusal, with the name's length.
fn fitting(kind: &'static str, label: &str, name: String) -> Result<String, WriteError> {
    if name.len() <= MAX_FILE_NAME_BYTES {
        return Ok(name);
    }
    Err(WriteError::UnsafeLabel {
        kind,
        label: label.to_owned(),
        reason: format!(
            "it gives a result file name of {} bytes, and file names are at most {MAX_FILE_NAME_BYTES} \
             (the file system's 255, less 12 for the writer's temporary name); shorten the label",
            name.len()
        ),
    })
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
    fn empty_labels_and_control_characters_are_refused_by_name() {
        for label in ["", "a\0b", "a\nb", "\u{1b}[31m"] {
            assert!(refused(label), "{label:?} should be refused");
        }
    }

    #[test]
    fn ordinary_labels_are_their_own_stems() {
        for label in ["exc", "exc_to_inh", "a..b", "v1.2", "Erregend-ö", "e-1"] {
            assert!(check_label("population", label).is_ok(), "{label:?}");
            assert!(
                matches!(file_stem(label), Cow::Borrowed(s) if s == label),
                "{label:?}"
            );
        }
    }

    #[test]
    fn unsafe_characters_are_escaped_and_no_two_labels_share_a_stem() {
        assert_eq!(file_stem("a/b"), "a%2Fb");
        assert_eq!(file_stem("../x"), "%2E.%2Fx");
        assert_eq!(file_stem(".hidden"), "%2Ehidden");
        assert_eq!(file_stem("a\\b"), "a%5Cb");
        assert_eq!(file_stem("50%"), "50%25");
        assert_eq!(file_stem("a%2Fb"), "a%252Fb");
        assert_eq!(file_stem("\u{85}"), "%C2%85");
        assert_eq!(file_stem("stim->exc#0"), "stim-%3Eexc%230");
        assert_eq!(file_stem("a b"), "a%20b");
        assert_eq!(file_stem("x*?"), "x%2A%3F");
        assert_ne!(file_stem("a/b"), file_stem("a%2Fb"));
        assert_eq!(spikes_npy_name("..").unwrap(), "%2E..spikes.npy");
        assert_eq!(weights_npy_name("a/b").unwrap(), "a%2Fb.weights.npy");
    }

    #[test]
    fn names_follow_outputs_md() {
        assert_eq!(spikes_npy_name("exc").unwrap(), "exc.spikes.npy");
        assert_eq!(
            trace_names("inh", "v").unwrap(),
            ("inh.v.npy".to_owned(), "inh.v.json".to_owned())
        );
        assert_eq!(weights_npy_name("e->i").unwrap(), "e-%3Ei.weights.npy");
    }

    #[test]
    fn names_longer_than_the_file_system_allows_are_refused() {
        let longest = "p".repeat(MAX_FILE_NAME_BYTES - ".spikes.npy".len());
        assert_eq!(
            spikes_npy_name(&longest).unwrap().len(),
            MAX_FILE_NAME_BYTES
        );
        let err = spikes_npy_name(&format!("{longest}p"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("244 bytes"), "{err}");
        assert!(err.contains("at most 243"), "{err}");
        // Escapes count: 80 slashes are 240 bytes of stem.
        assert!(weights_npy_name(&"/".repeat(80)).is_err());
        let err = trace_names(&longest, "gsyn_exc").unwrap_err();
        assert!(matches!(
            err,
            WriteError::UnsafeLabel {
                kind: "population",
                ..
            }
        ));
    }

    #[test]
    fn names_refuse_bad_parts_and_say_which() {
        let err = trace_names("inh", "").unwrap_err();
        assert!(matches!(
            err,
            WriteError::UnsafeLabel {
                kind: "variable",
                ..
            }
        ));
        let err = weights_npy_name("a\nb").unwrap_err();
        assert!(err.to_string().contains("\"a\\nb\""), "{err}");
        assert!(err.to_string().starts_with("projection"), "{err}");
    }
}
