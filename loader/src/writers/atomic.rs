//! Atomic file replacement: every result file appears whole or not at all.
//!
//! outputs.md promises that an interrupted run (exit 130) still leaves its files, and scripts read them without
//! checking anything but their presence. So a file is written to a hidden temporary sibling, flushed and synced,
//! and only then renamed over the final name: a crash leaves either the old file or the new one, never half of one.

use std::ffi::OsString;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Serialize;

use super::error::WriteError;

/// Large enough that per-row `write!` calls of spikes.csv and per-element npy writes rarely reach the kernel.
const BUFFER_BYTES: usize = 1 << 16;

/// Write `path` atomically: `write` fills a buffered temporary file in the same directory, which is then synced
/// and renamed over `path`.
///
/// A `path` that is a symbolic link is refused: renaming over it would replace the link, and following it would
/// write wherever it points, possibly outside what the user meant to change.
///
/// If `write` fails, the temporary file is deleted and an existing `path` is left untouched. The temporary file
/// is named `.<file name>.<random>.tmp`, so a leftover after a power cut is hidden and recognisable. On Unix the
/// file gets the permissions `File::create` would give (0o666 minus the umask), not the owner-only mode of
/// temporary files, because results are meant to be shared.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let file_name = path
        .file_name()
        .ok_or_else(|| WriteError::invalid(path, "not a file path"))?;
    refuse_link(path)?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut prefix = OsString::from(".");
    prefix.push(file_name);
    prefix.push(".");

    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temp = builder
        .tempfile_in(dir)
        .map_err(|e| WriteError::io(path, e))?;

    let mut out = BufWriter::with_capacity(BUFFER_BYTES, temp);
    write(&mut out).map_err(|e| WriteError::io(path, e))?;
    let temp = out
        .into_inner()
        .map_err(|e| WriteError::io(path, e.into_error()))?;
    temp.as_file()
        .sync_all()
        .map_err(|e| WriteError::io(path, e))?;
    temp.persist(path)
        .map_err(|e| WriteError::io(path, e.error))?;
    Ok(())
}

/// Refuses a `path` that is a symbolic link, as [`write_atomic`] does; for commands that check their output
/// flags before long work.
pub fn refuse_link(path: &Path) -> Result<(), WriteError> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(WriteError::invalid(
            path,
            "is a symbolic link; nmemu neither writes through a link nor replaces it: give the file's own path",
        ));
    }
    Ok(())
}

/// Write `value` as pretty-printed JSON with a trailing newline, atomically.
///
/// The JSON is built in memory first, so a value that cannot be serialised is reported as
/// [`WriteError::Json`] and leaves no file behind.
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<(), WriteError> {
    let bytes = json_bytes(path, value)?;
    write_atomic(path, |w| w.write_all(&bytes))
}

/// The bytes [`write_json`] writes: pretty JSON and a newline; errors name `path`, the file they are for.
pub(crate) fn json_bytes(path: &Path, value: &impl Serialize) -> Result<Vec<u8>, WriteError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|source| WriteError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::fs;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_content_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, |w| w.write_all(b"hello\n")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"hello\n");
        assert_eq!(entries(dir.path()), vec!["a.txt"]);
    }

    #[test]
    fn failing_closure_keeps_the_old_file_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        fs::write(&path, b"old").unwrap();
        let err = write_atomic(&path, |w| {
            w.write_all(b"half of the new content")?;
            Err(std::io::Error::other("disk on fire"))
        })
        .unwrap_err();
        assert!(matches!(&err, WriteError::Io { path: p, .. } if p == &path));
        assert!(err.to_string().contains("a.txt"), "{err}");
        assert!(err.to_string().contains("disk on fire"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(dir.path()), vec!["a.txt"]);
    }

    #[test]
    fn replaces_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        fs::write(&path, b"a much longer old content").unwrap();
        write_atomic(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn missing_directory_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/a.txt");
        let err = write_atomic(&path, |w| w.write_all(b"x")).unwrap_err();
        assert!(matches!(&err, WriteError::Io { path: p, .. } if p == &path));
    }

    #[test]
    fn a_directory_path_is_refused() {
        let err = write_atomic(Path::new("/"), |w| w.write_all(b"x")).unwrap_err();
        assert!(matches!(err, WriteError::Invalid { .. }));
    }

    #[cfg(unix)]
    #[test]
    fn permissions_match_a_plainly_created_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let reference = dir.path().join("reference");
        fs::File::create(&reference).unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, |w| w.write_all(b"x")).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&reference));
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_neither_followed_nor_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        fs::write(&target, b"precious").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = write_atomic(&link, |w| w.write_all(b"x")).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read(&target).unwrap(), b"precious");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(entries(dir.path()), vec!["link", "target"]);
    }

    #[test]
    fn json_is_pretty_with_a_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let value: BTreeMap<&str, u32> = [("a", 1), ("b", 2)].into_iter().collect();
        write_json(&path, &value).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "{\n  \"a\": 1,\n  \"b\": 2\n}\n"
        );
    }

    #[test]
    fn unserialisable_json_is_reported_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        let value: BTreeMap<(u32, u32), u32> = [((1, 2), 3)].into_iter().collect();
        let err = write_json(&path, &value).unwrap_err();
        assert!(matches!(&err, WriteError::Json { path: p, .. } if p == &path));
        assert!(entries(dir.path()).is_empty());
    }
}
