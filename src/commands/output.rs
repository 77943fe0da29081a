//! `--out` and `--force` of `run` and `map`: one output directory, checked before the long work and replaced
//! whole at the end (`nmemu_loader::writers::OutDir`).

use std::path::{Path, PathBuf};

use nmemu_loader::writers::{OutDir, Staging};

#[derive(Debug, clap::Args)]
pub struct OutArgs {
    /// Output directory (default: nmemu-out/<net file stem>/). It is replaced whole when the results are
    /// complete; a non-empty directory that is not an earlier nmemu result is refused (see --force).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace --out even when it holds files that no earlier nmemu result lists (they are deleted).
    #[arg(long)]
    force: bool,
}

/// An output directory that passed its checks: where results go, as the user named it.
pub struct Out {
    pub dir: PathBuf,
    checked: OutDir,
}

impl OutArgs {
    /// `--out`, or outputs.md's default `nmemu-out/<net file stem>/`, checked: refused now rather than after
    /// minutes of mapping.
    pub fn check(&self, net: &Path) -> Result<Out, String> {
        let dir = self.out.clone().unwrap_or_else(|| {
            let stem = net
                .file_stem()
                .map_or("net".into(), |s| s.to_string_lossy());
            Path::new("nmemu-out").join(stem.as_ref())
        });
        let checked = OutDir::check(&dir, self.force).map_err(|e| format!("--out {e}"))?;
        Ok(Out { dir, checked })
    }
}

impl Out {
    /// The staging directory the results are written into, after removing (and naming) the leftovers of
    /// killed runs beside it.
    pub fn stage(&self) -> Result<Staging, String> {
        let (staging, removed) = self
            .checked
            .stage()
            .map_err(|e| format!("--out {}: {e}", self.dir.display()))?;
        for leftover in removed {
            eprintln!(
                "note: removed {}, left by an nmemu run that was killed",
                leftover.display()
            );
        }
        Ok(staging)
    }
}
