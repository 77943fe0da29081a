//! The defects of each wafer of a BrainScaleS machine, from `--defects [WAFER:]FILE` (repeatable) and
//! `extensions.brainscales.defects` (one file, wafer 0's, or `{"wafer": file}`), shared by `map`, `run` and
//! `validate --machine`.
//!
//! Every wafer of a real multi-wafer system has its own defects (redman keeps one database per wafer, spec
//! brainscales.md §5.4), so each file names the wafer it belongs to; a wafer no file names is perfect. A flag
//! replaces the hint of its own wafer only, and says so: a hint that is overridden is never dropped silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use brainscales_emu::defects::Defects;
use nmemu_loader::Network;
use nmemu_loader::input::read_bounded;
use nmemu_mapping::brainscales::hints::BrainScaleSHints;
use serde_json::{Value, json};

/// The largest defects file read: a full wafer's every bus, repeater, denmem and driver listed is a few MB.
pub const MAX_DEFECTS_FILE_BYTES: u64 = 64 << 20;

/// One `--defects [WAFER:]FILE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefectsArg {
    pub wafer: u32,
    pub path: PathBuf,
}

/// `FILE` (wafer 0) or `WAFER:FILE`; a path that itself begins with digits and a colon is written `./1:x.json`.
pub fn parse_defects_arg(text: &str) -> Result<DefectsArg, String> {
    let (wafer, path) = match text.split_once(':') {
        Some((w, path)) if !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) => {
            let wafer = w
                .parse()
                .map_err(|_| format!("wafer {w} does not exist (too large)"))?;
            (wafer, path)
        }
        _ => (0, text),
    };
    if path.is_empty() {
        return Err(format!("expected [WAFER:]FILE, got `{text}`"));
    }
    Ok(DefectsArg {
        wafer,
        path: PathBuf::from(path),
    })
}

/// Where a wafer's defects came from.
#[derive(Clone, Debug, PartialEq)]
pub struct DefectsSource {
    pub wafer: u32,
    pub file: PathBuf,
    /// `--defects` or `extensions.brainscales.defects`.
    pub from: &'static str,
}

/// The defects of every wafer of a machine, and where they came from.
#[derive(Clone, Debug)]
pub struct WaferDefects {
    /// One per wafer of the machine, in order (perfect where no file names the wafer).
    pub defects: Vec<Defects>,
    /// The files read, by wafer.
    pub sources: Vec<DefectsSource>,
}

impl WaferDefects {
    /// run.json's `settings.defects`: `{wafer: {file, from}}`; `None` when every wafer is perfect.
    pub fn settings(&self) -> Option<Value> {
        (!self.sources.is_empty()).then(|| {
            Value::Object(
                self.sources
                    .iter()
                    .map(|s| {
                        let entry = json!({"file": s.file.display().to_string(), "from": s.from});
                        (s.wafer.to_string(), entry)
                    })
                    .collect(),
            )
        })
    }
}

/// Reads the defects of the `wafers` wafers of `machine` from the flags, else the hint of `net` (read from
/// `net_path`; its files are relative to the net.json's directory). Refuses a wafer named twice by the flags
/// or outside the machine, naming the flag or JSON path. A flag that overrides the hint of its wafer is
/// reported on stderr.
pub fn resolve(
    flags: &[DefectsArg],
    net_path: &Path,
    net: &Network,
    machine: &str,
    wafers: u32,
) -> Result<WaferDefects, String> {
    let in_machine = |wafer: u32, place: &str| {
        if wafer < wafers {
            return Ok(());
        }
        let has = match wafers {
            1 => "has wafer 0 only".to_string(),
            n => format!("has wafers 0 to {}", n - 1),
        };
        Err(format!(
            "{place}: wafer {wafer} does not exist: --machine {machine} {has}"
        ))
    };
    let mut chosen: BTreeMap<u32, DefectsSource> = BTreeMap::new();
    for f in flags {
        let place = format!("--defects {}:{}", f.wafer, f.path.display());
        in_machine(f.wafer, &place)?;
        let source = DefectsSource {
            wafer: f.wafer,
            file: f.path.clone(),
            from: "--defects",
        };
        if chosen.insert(f.wafer, source).is_some() {
            return Err(format!(
                "{place}: wafer {} is given --defects twice",
                f.wafer
            ));
        }
    }
    let hints = BrainScaleSHints::parse(net).map_err(|e| format!("{}: {e}", net_path.display()))?;
    let dir = net_path.parent().unwrap_or(Path::new(""));
    for (&wafer, file) in &hints.defects {
        let place = format!(
            "{}: extensions.brainscales.defects.{wafer}",
            net_path.display()
        );
        in_machine(wafer, &place)?;
        match chosen.get(&wafer) {
            Some(flag) => eprintln!(
                "note: --defects {}:{} replaces {place} ({file}) for wafer {wafer}",
                wafer,
                flag.file.display()
            ),
            None => {
                let source = DefectsSource {
                    wafer,
                    file: dir.join(file),
                    from: "extensions.brainscales.defects",
                };
                chosen.insert(wafer, source);
            }
        }
    }
    let mut defects = vec![Defects::default(); wafers.max(1) as usize];
    for s in chosen.values() {
        let place = match s.from {
            "--defects" => format!("--defects {}:{}", s.wafer, s.file.display()),
            _ => format!(
                "{}: extensions.brainscales.defects.{} {}",
                net_path.display(),
                s.wafer,
                s.file.display()
            ),
        };
        defects[s.wafer as usize] = read_defects(&s.file, &place)?;
    }
    Ok(WaferDefects {
        defects,
        sources: chosen.into_values().collect(),
    })
}

/// A defects file, read bounded and checked; an error begins with `place`, where the file was named.
fn read_defects(path: &Path, place: &str) -> Result<Defects, String> {
    let at = |e: &dyn std::fmt::Display| format!("{place}: {e}");
    let text = read_bounded(path, MAX_DEFECTS_FILE_BYTES, "a defects file").map_err(|e| at(&e))?;
    Defects::from_json(&text).map_err(|e| at(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use brainscales_emu::coord::HicannOnWafer;
    use nmemu_loader::Limits;

    #[test]
    fn the_wafer_prefix_is_digits_and_a_colon() {
        let arg = |w, p: &str| DefectsArg {
            wafer: w,
            path: PathBuf::from(p),
        };
        assert_eq!(parse_defects_arg("d.json"), Ok(arg(0, "d.json")));
        assert_eq!(parse_defects_arg("2:d.json"), Ok(arg(2, "d.json")));
        assert_eq!(parse_defects_arg("./1:d.json"), Ok(arg(0, "./1:d.json")));
        assert_eq!(parse_defects_arg("c:/x.json"), Ok(arg(0, "c:/x.json")));
        assert!(
            parse_defects_arg("1:")
                .unwrap_err()
                .contains("[WAFER:]FILE")
        );
        assert!(parse_defects_arg("99999999999:d.json").is_err());
    }

    /// A net whose hint names `defects`, in a fresh directory holding `files`.
    fn net_in_dir(name: &str, hint: Value, files: &[(&str, &str)]) -> (PathBuf, Network) {
        let dir =
            std::env::temp_dir().join(format!("nmemu-wafer-defects-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in files {
            std::fs::write(dir.join(file), text).unwrap();
        }
        let net = json!({
            "format": "nmemu-net/1",
            "simulation": {"duration_ms": 10},
            "populations": [{"label": "a", "size": 4, "cell": {"type": "IF_cond_exp"}}],
            "extensions": {"brainscales": {"defects": hint}}
        });
        let net = Network::from_json(&net.to_string(), &Limits::default()).unwrap();
        (dir.join("net.json"), net)
    }

    #[test]
    fn each_wafer_gets_its_own_file_and_flags_replace_only_their_wafer() {
        let (net_path, net) = net_in_dir(
            "own",
            json!({"0": "h0.json", "1": "h1.json"}),
            &[
                ("h0.json", r#"{"dead_hicanns": [1]}"#),
                ("h1.json", r#"{"dead_hicanns": [2]}"#),
                ("f0.json", r#"{"dead_hicanns": [3]}"#),
            ],
        );
        let flag = DefectsArg {
            wafer: 0,
            path: net_path.with_file_name("f0.json"),
        };
        let w = resolve(&[flag], &net_path, &net, "brainscales-3-wafers", 3).unwrap();
        let dead = |d: &Defects| {
            (0..384)
                .filter(|&h| !d.is_hicann_usable(HicannOnWafer::from_enum(h).unwrap()))
                .collect::<Vec<_>>()
        };
        assert_eq!(dead(&w.defects[0]), vec![3]);
        assert_eq!(dead(&w.defects[1]), vec![2]);
        assert!(dead(&w.defects[2]).is_empty());
        let settings = w.settings().unwrap();
        assert_eq!(settings["0"]["from"], "--defects");
        assert_eq!(settings["1"]["from"], "extensions.brainscales.defects");
        assert!(settings.get("2").is_none());
        std::fs::remove_dir_all(net_path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_wafer_outside_the_machine_or_named_twice_is_refused_by_place() {
        let (net_path, net) = net_in_dir("refused", json!({"2": "h.json"}), &[]);
        let e = resolve(&[], &net_path, &net, "brainscales-2-wafers", 2).unwrap_err();
        assert!(
            e.ends_with(
                "extensions.brainscales.defects.2: wafer 2 does not exist: \
                 --machine brainscales-2-wafers has wafers 0 to 1"
            ),
            "{e}"
        );
        let (net_path, net) = net_in_dir("twice", json!({}), &[]);
        let flag = |w| DefectsArg {
            wafer: w,
            path: PathBuf::from("x.json"),
        };
        let e = resolve(&[flag(1)], &net_path, &net, "brainscales-wafer", 1).unwrap_err();
        assert_eq!(
            e,
            "--defects 1:x.json: wafer 1 does not exist: --machine brainscales-wafer has wafer 0 only"
        );
        let e = resolve(&[flag(0), flag(0)], &net_path, &net, "brainscales-wafer", 1).unwrap_err();
        assert_eq!(e, "--defects 0:x.json: wafer 0 is given --defects twice");
        std::fs::remove_dir_all(net_path.parent().unwrap()).unwrap();
    }
}
