//! The output directory of `run` and `map`: a result set appears whole, replaces an earlier one whole, or does not
//! appear at all.
//!
//! Writing files one by one into `--out` let a killed run leave new spikes beside an old run.json, and files an
//! earlier run wrote but this one does not stayed there, looking like this run's. So a result set is written into
//! a fresh staging directory beside `--out` (same file system: the final rename cannot copy) and moved into place
//! only when complete ([`Staging::commit`]). The staging directory is named `.nmemu-tmp-<random>` and locked
//! while its process lives; one left by a killed process is unlocked, and the next run or map into the same parent
//! directory removes it. Since `--out` is replaced whole, [`OutDir::check`] refuses a non-empty directory that is
//! not an earlier result, one whose every entry is listed in its [`RESULT_MARKER`], unless `--force` is given.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::WriteError;
use super::atomic::write_json;

/// The hidden file that makes a directory an nmemu result: its format and the files of the set. A directory
/// holding anything it does not list is not replaced without `--force`.
pub const RESULT_MARKER: &str = ".nmemu-result";
/// The marker's `format`.
const RESULT_FORMAT: &str = "nmemu-result/1";
/// The name prefix of staging directories, and so of the leftovers of killed runs.
pub const STAGING_PREFIX: &str = ".nmemu-tmp-";
/// The largest marker read; a million file names fit.
const MAX_MARKER_BYTES: u64 = 64 << 20;

#[derive(Serialize, Deserialize)]
struct Marker {
    format: String,
    files: BTreeSet<String>,
}

/// An output directory, checked before any long work: a run that maps for minutes and then cannot write its
/// results has wasted those minutes.
#[derive(Debug)]
pub struct OutDir {
    /// Where the results go; a symbolic link given as `--out` is followed, so it keeps pointing at them.
    path: PathBuf,
    /// Where the staging directory goes.
    parent: PathBuf,
}

impl OutDir {
    /// Checks `dir` without creating or changing anything: it is missing (with a writable nearest ancestor),
    /// empty, an earlier nmemu result, or `force` is given; and its parent can receive the staging directory.
    pub fn check(dir: &Path, force: bool) -> Result<OutDir, WriteError> {
        let path = match std::fs::symlink_metadata(dir) {
            Ok(m) if m.file_type().is_symlink() => {
                std::fs::canonicalize(dir).map_err(|e| WriteError::io(dir, e))?
            }
            _ => dir.to_path_buf(),
        };
        let parent = match path.parent() {
            Some(p) if p.as_os_str().is_empty() => Path::new("."),
            Some(p) => p,
            None => {
                return Err(WriteError::invalid(
                    dir,
                    "cannot hold results: they are staged in a directory beside it",
                ));
            }
        };
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => check_replaceable(dir, &path, force)?,
            Ok(_) => return Err(WriteError::invalid(dir, "is not a directory")),
            Err(e) if missing(&e) => {}
            Err(e) => return Err(WriteError::io(dir, e)),
        }
        let existing = nearest_existing(dir, parent)?;
        tempfile::tempfile_in(existing).map(drop).map_err(|e| {
            WriteError::invalid(dir, format!("cannot write in {}: {e}", existing.display()))
        })?;
        Ok(OutDir {
            parent: parent.to_path_buf(),
            path,
        })
    }

    /// Makes the staging directory (and any missing parents), after removing the leftovers of killed runs
    /// beside it; returns it with the leftovers removed, which the caller reports.
    pub fn stage(&self) -> Result<(Staging, Vec<PathBuf>), WriteError> {
        std::fs::create_dir_all(&self.parent).map_err(|e| WriteError::io(&self.parent, e))?;
        let removed = remove_leftovers(&self.parent);
        let (dir, lock) = locked_staging_dir(&self.parent)?;
        let staging = Staging {
            dir,
            _lock: lock,
            out: self.path.clone(),
            parent: self.parent.clone(),
        };
        Ok((staging, removed))
    }
}

/// A result set being written: files go into [`Staging::path`], and [`Staging::commit`] puts them in place.
/// Dropped without a commit, the staging directory is removed and `--out` is untouched.
pub struct Staging {
    dir: tempfile::TempDir,
    /// Held until the commit or the drop (and released by the kernel when the process dies): an unlocked
    /// staging directory belongs to no running process.
    _lock: Option<File>,
    out: PathBuf,
    parent: PathBuf,
}

impl Staging {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Lists the staged files in the [`RESULT_MARKER`], syncs them, and replaces `--out` with them: an earlier
    /// result is moved aside in one rename, the new one moved in with the next, and the old one removed.
    pub fn commit(self) -> Result<(), WriteError> {
        let files = entries(self.path())?
            .into_iter()
            .map(|name| {
                name.into_string()
                    .map_err(|n| WriteError::invalid(self.path().join(n), "not a UTF-8 file name"))
            })
            .collect::<Result<BTreeSet<String>, WriteError>>()?;
        write_json(
            &self.path().join(RESULT_MARKER),
            &Marker {
                format: RESULT_FORMAT.to_owned(),
                files,
            },
        )?;
        sync_dir(self.path())?;
        let old = match std::fs::symlink_metadata(&self.out) {
            Ok(_) => {
                let aside = staging_dir(&self.parent)?;
                std::fs::rename(&self.out, aside.path())
                    .map_err(|e| WriteError::io(&self.out, e))?;
                Some(aside)
            }
            Err(e) if missing(&e) => None,
            Err(e) => return Err(WriteError::io(&self.out, e)),
        };
        if let Err(e) = std::fs::rename(self.path(), &self.out) {
            let Some(aside) = old else {
                return Err(WriteError::io(&self.out, e));
            };
            let aside = aside.keep();
            return Err(match std::fs::rename(&aside, &self.out) {
                Ok(()) => WriteError::io(&self.out, e),
                Err(back) => WriteError::invalid(
                    &self.out,
                    format!(
                        "{e}; and the earlier result could not be put back ({back}): it is in {}",
                        aside.display()
                    ),
                ),
            });
        }
        let _ = self.dir.keep();
        drop(old);
        sync_dir(&self.parent)
    }
}

/// Refuses a non-empty directory that is not an earlier result (unless `force`), and one that holds the current
/// directory (replacing it would pull the ground from under the user's shell).
fn check_replaceable(dir: &Path, path: &Path, force: bool) -> Result<(), WriteError> {
    if let (Ok(here), Ok(target)) = (std::env::current_dir(), std::fs::canonicalize(path))
        && here.starts_with(&target)
    {
        return Err(WriteError::invalid(
            dir,
            "holds the current directory, and results replace their directory whole; choose another",
        ));
    }
    let names = entries(path)?;
    if names.is_empty() || force {
        return Ok(());
    }
    let listed = read_marker(path);
    let foreign: Vec<String> = names
        .iter()
        .filter(|n| {
            n.to_str().is_none_or(|n| {
                n != RESULT_MARKER && !listed.as_ref().is_some_and(|l| l.contains(n))
            })
        })
        .map(|n| format!("`{}`", n.to_string_lossy()))
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    let shown = foreign.len().min(3);
    let more = match foreign.len() - shown {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Err(WriteError::invalid(
        dir,
        format!(
            "not empty and not an earlier nmemu result: it holds {}{more}, which no nmemu result there lists \
             (in its {RESULT_MARKER}); results replace their directory whole, so choose another directory, or \
             add --force to replace this one with everything in it",
            foreign[..shown].join(", ")
        ),
    ))
}

/// The files an earlier result lists, if `dir` holds a readable marker of this format.
fn read_marker(dir: &Path) -> Option<BTreeSet<String>> {
    let text = crate::input::read_bounded(
        &dir.join(RESULT_MARKER),
        MAX_MARKER_BYTES,
        "a result marker",
    )
    .ok()?;
    let marker: Marker = serde_json::from_str(&text).ok()?;
    (marker.format == RESULT_FORMAT).then_some(marker.files)
}

/// Removes every unlocked staging directory in `parent`, the leftovers of runs that were killed, and returns
/// them. One that cannot be removed is left for a later run.
fn remove_leftovers(parent: &Path) -> Vec<PathBuf> {
    let Ok(names) = entries(parent) else {
        return Vec::new();
    };
    names
        .into_iter()
        .filter(|n| n.to_str().is_some_and(|n| n.starts_with(STAGING_PREFIX)))
        .map(|n| parent.join(n))
        .filter(|path| {
            if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
                return false;
            }
            // The lock is held until the directory is gone, so its owner cannot be between the two.
            let Ok(lock) = File::open(path) else {
                return false;
            };
            lock.try_lock().is_ok() && std::fs::remove_dir_all(path).is_ok()
        })
        .collect()
}

/// A new staging directory in `parent`, locked. A concurrent run's [`remove_leftovers`] may take a directory
/// in the instant between its creation and its lock; then another is made. Where locks cannot be taken at all
/// (a file system without them), the directory is used unlocked: the results are still staged whole, only a
/// concurrent run into the same parent could take it for a leftover.
fn locked_staging_dir(parent: &Path) -> Result<(tempfile::TempDir, Option<File>), WriteError> {
    for _ in 0..16 {
        let dir = staging_dir(parent)?;
        let file = match File::open(dir.path()) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(_) => return Ok((dir, None)),
        };
        match file.try_lock() {
            Ok(()) if dir.path().exists() => return Ok((dir, Some(file))),
            Ok(()) | Err(std::fs::TryLockError::WouldBlock) => continue,
            Err(std::fs::TryLockError::Error(_)) => return Ok((dir, None)),
        }
    }
    Err(WriteError::invalid(
        parent,
        "cannot make a staging directory here: each one vanished before it could be locked",
    ))
}

/// A new, empty staging directory in `parent`, with the permissions of a plainly created directory.
fn staging_dir(parent: &Path) -> Result<tempfile::TempDir, WriteError> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(STAGING_PREFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o777));
    }
    builder
        .tempdir_in(parent)
        .map_err(|e| WriteError::io(parent, e))
}

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Result<Vec<OsString>, WriteError> {
    let mut names = std::fs::read_dir(dir)
        .and_then(|entries| {
            entries
                .map(|e| e.map(|e| e.file_name()))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|e| WriteError::io(dir, e))?;
    names.sort();
    Ok(names)
}

/// The nearest existing ancestor of `dir`, starting at `parent`; it must be a directory.
fn nearest_existing<'a>(dir: &Path, parent: &'a Path) -> Result<&'a Path, WriteError> {
    let mut existing = parent;
    loop {
        match std::fs::metadata(existing) {
            Ok(m) if m.is_dir() => return Ok(existing),
            Ok(_) => {
                return Err(WriteError::invalid(
                    dir,
                    format!("{} is not a directory", existing.display()),
                ));
            }
            Err(e) if missing(&e) => {
                existing = match existing.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
            }
            Err(e) => return Err(WriteError::io(existing, e)),
        }
    }
}

fn missing(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

/// Makes a directory's entries durable: the renames of a commit survive a power cut once it returns.
fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| WriteError::io(dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        entries(dir)
            .unwrap()
            .into_iter()
            .map(|n| n.into_string().unwrap())
            .collect()
    }

    /// Stages `files` for `out` and commits them.
    fn result(out: &Path, files: &[&str]) {
        let (staging, _) = OutDir::check(out, false).unwrap().stage().unwrap();
        for f in files {
            std::fs::write(staging.path().join(f), f).unwrap();
        }
        staging.commit().unwrap();
    }

    #[test]
    fn missing_directories_under_a_writable_one_pass_and_are_not_created() {
        let tmp = tempfile::tempdir().unwrap();
        OutDir::check(&tmp.path().join("a/b/c"), false).unwrap();
        OutDir::check(tmp.path(), false).unwrap();
        assert!(names(tmp.path()).is_empty());
    }

    #[test]
    fn a_file_in_the_way_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("results");
        std::fs::write(&file, "x").unwrap();
        let err = OutDir::check(&file.join("run1"), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("results is not a directory"), "{err}");
        assert!(OutDir::check(&file, true).is_err());
    }

    #[test]
    fn a_commit_replaces_an_earlier_result_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("a/out");
        result(&out, &["run.json", "old.v.npy"]);
        assert_eq!(names(&out), [RESULT_MARKER, "old.v.npy", "run.json"]);
        assert_eq!(names(tmp.path().join("a").as_path()), ["out"]);
        result(&out, &["run.json"]);
        assert_eq!(
            names(&out),
            [RESULT_MARKER, "run.json"],
            "nothing of the old set"
        );
        assert_eq!(
            names(tmp.path().join("a").as_path()),
            ["out"],
            "no staging left"
        );
    }

    #[test]
    fn a_foreign_directory_is_refused_unless_forced() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        result(&out, &["run.json"]);
        for f in ["notes.txt", "plot.png", "a", "b"] {
            std::fs::write(out.join(f), "mine").unwrap();
        }
        let err = OutDir::check(&out, false).unwrap_err().to_string();
        assert!(
            err.contains("it holds `a`, `b`, `notes.txt` and 1 more"),
            "{err}"
        );
        assert!(err.contains("--force"), "{err}");
        std::fs::write(out.join(RESULT_MARKER), "{\"format\": \"x\"}").unwrap();
        assert!(
            OutDir::check(&out, false).is_err(),
            "a marker of another format"
        );
        let (staging, _) = OutDir::check(&out, true).unwrap().stage().unwrap();
        std::fs::write(staging.path().join("run.json"), "new").unwrap();
        staging.commit().unwrap();
        assert_eq!(names(&out), [RESULT_MARKER, "run.json"]);
    }

    #[test]
    fn leftovers_of_killed_runs_are_removed_and_live_stagings_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let leftover = tmp.path().join(format!("{STAGING_PREFIX}dead"));
        std::fs::create_dir(&leftover).unwrap();
        std::fs::write(leftover.join("spikes.csv"), "half").unwrap();
        let (live, removed) = OutDir::check(&out, false).unwrap().stage().unwrap();
        assert_eq!(removed, std::slice::from_ref(&leftover));
        assert!(!leftover.exists());
        let (other, removed) = OutDir::check(&out, false).unwrap().stage().unwrap();
        assert!(
            removed.is_empty(),
            "the live staging is locked: {removed:?}"
        );
        assert!(live.path().exists());
        drop((live, other));
        assert!(names(tmp.path()).is_empty(), "dropped stagings are removed");
    }

    #[test]
    fn an_empty_or_linked_directory_is_used_in_place() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        std::fs::create_dir(&real).unwrap();
        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            result(&link, &["run.json"]);
            assert!(
                std::fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(names(&real), [RESULT_MARKER, "run.json"]);
        }
        #[cfg(not(unix))]
        result(&real, &["run.json"]);
    }
}
