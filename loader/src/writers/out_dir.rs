//! Checking an output directory before any long work: a run that maps for minutes and then cannot write its
//! results has wasted those minutes.

use std::path::Path;

use super::WriteError;

/// Checks that `dir` can receive results, without creating anything: it is a writable directory, or the
/// nearest existing ancestor is one (the writers create the rest). Writability is tested by creating and
/// removing an anonymous temporary file, which also covers read-only mounts and permissions that mode bits do
/// not tell.
pub fn check_out_dir(dir: &Path) -> Result<(), WriteError> {
    let mut existing = dir;
    loop {
        match std::fs::metadata(existing) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => {
                return Err(WriteError::invalid(
                    dir,
                    format!("{} is not a directory", existing.display()),
                ));
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                existing = match existing.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
            }
            Err(e) => return Err(WriteError::io(existing, e)),
        }
    }
    tempfile::tempfile_in(existing).map(drop).map_err(|e| {
        WriteError::invalid(dir, format!("cannot write in {}: {e}", existing.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_directories_under_a_writable_one_pass_and_are_not_created() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b/c");
        check_out_dir(&dir).unwrap();
        assert!(!tmp.path().join("a").exists());
        check_out_dir(tmp.path()).unwrap();
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_file_in_the_way_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("results");
        std::fs::write(&file, "x").unwrap();
        let err = check_out_dir(&file.join("run1")).unwrap_err().to_string();
        assert!(err.contains("results is not a directory"), "{err}");
        assert!(check_out_dir(&file).is_err());
    }
}
