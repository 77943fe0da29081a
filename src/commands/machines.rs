//! `nmemu machines`: the machine presets `--machine` accepts, with their sizes and what runs on them; and
//! [`parse`], the one reading of `--machine` every command shares.

use nmemu_loader::format::reader::did_you_mean;

/// A `--machine` value: a preset of either family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Spinnaker(spinnaker_emu::Preset),
    BrainScaleS(brainscales_emu::Preset),
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Preset::Spinnaker(p) => p.fmt(f),
            Preset::BrainScaleS(p) => p.fmt(f),
        }
    }
}

/// Reads `--machine`, case ignored: by its family's own rule when it names a family, else as an unknown name. A
/// name of no accepted form gets the closest listed preset as a hint. Commands call it first, before reading
/// any file.
pub fn parse(name: &str) -> Result<Preset, String> {
    let lower = name.to_ascii_lowercase();
    let listed: Vec<String> = spinnaker_emu::Preset::listed()
        .iter()
        .map(ToString::to_string)
        .chain(
            brainscales_emu::Preset::listed()
                .iter()
                .map(ToString::to_string),
        )
        .collect();
    let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
    let hint = |e: String| match did_you_mean(name, &listed) {
        Some(k) if e.starts_with("unknown") => format!("--machine: {e} (did you mean `{k}`?)"),
        _ => format!("--machine: {e}"),
    };
    if lower.starts_with("brainscales") {
        brainscales_emu::Preset::parse(name)
            .map(Preset::BrainScaleS)
            .map_err(hint)
    } else if lower.starts_with("spinnaker") {
        spinnaker_emu::Preset::parse(name)
            .map(Preset::Spinnaker)
            .map_err(hint)
    } else {
        Err(hint(format!(
            "unknown machine `{name}`; expected a spinnaker-* or brainscales-* preset (see `nmemu machines`)"
        )))
    }
}

impl Preset {
    /// The SpiNNaker preset, or `why_not` for a BrainScaleS one.
    pub fn spinnaker(self, why_not: &str) -> Result<spinnaker_emu::Preset, String> {
        match self {
            Preset::Spinnaker(p) => Ok(p),
            Preset::BrainScaleS(p) => Err(format!(
                "--machine {p}: {why_not}; use a spinnaker-* preset (see `nmemu machines`)"
            )),
        }
    }
}

/// List the machine presets with their sizes.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  nmemu machines")]
pub struct Args {}

pub fn run(_: &Args) -> Result<(), String> {
    use spinnaker_emu::faults::Faults;
    use spinnaker_emu::machine::{CoreModel, Machine};

    use super::thousands;
    println!(
        "{:<20} {:>8} {:>8} {:>10} {:>10} {:>10}  {:<8} description",
        "machine", "boards", "chips", "cores", "app cores", "ideal", "runs"
    );
    for p in spinnaker_emu::Preset::listed() {
        let boards = match p.boards() {
            0 => "SpiNN-3".to_owned(),
            n => thousands(u64::from(n)),
        };
        let app_cores =
            |model| Machine::new(p, model, &Faults::default()).map(|m| m.n_app_cores_total());
        println!(
            "{:<20} {:>8} {:>8} {:>10} {:>10} {:>10}  {:<8} {}",
            p.to_string(),
            boards,
            thousands(u64::from(p.chips())),
            thousands(p.cores()),
            thousands(app_cores(CoreModel::Realistic)?),
            thousands(app_cores(CoreModel::Ideal)?),
            "yes",
            p.description()
        );
    }
    println!(
        "  app cores: application cores usable with sPyNNaker's defaults (monitor, extra monitor and"
    );
    println!(
        "  packet gatherer reserved; 8 chips per SpiNN-5 board have a dead core); ideal: 17 per chip."
    );
    println!("  spinnaker-<N>b takes any N that is a multiple of 3, up to 1,200.");
    println!("  runs: run, map and noc work on every SpiNNaker preset today.");
    println!();
    println!(
        "{:<24} {:>8} {:>10} {:>12}  runs",
        "machine", "wafers", "HICANNs", "denmems"
    );
    for p in brainscales_emu::Preset::listed() {
        println!(
            "{:<24} {:>8} {:>10} {:>12}  yes",
            p.to_string(),
            p.wafers,
            thousands(u64::from(p.hicanns())),
            thousands(p.denmems())
        );
    }
    println!("  brainscales-<N>-wafers takes N from 1 to 20.");
    println!(
        "  runs: run and map work on every BrainScaleS preset; a network larger than one wafer spills onto the next, joined over Layer 2."
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_is_ignored_and_the_name_made_canonical() {
        assert_eq!(parse("SpiNNaker-48").unwrap().to_string(), "spinnaker-48");
        assert_eq!(
            parse("BrainScaleS-Wafer").unwrap().to_string(),
            "brainscales-wafer"
        );
    }

    #[test]
    fn typos_get_a_hint() {
        let e = parse("spinaker-48").unwrap_err();
        assert!(e.contains("did you mean `spinnaker-48`?"), "{e}");
        let e = parse("spinnaker-49").unwrap_err();
        assert!(e.contains("did you mean `spinnaker-48`?"), "{e}");
        let e = parse("brainscale-wafer").unwrap_err();
        assert!(e.contains("did you mean `brainscales-wafer`?"), "{e}");
    }

    #[test]
    fn brainscales_names_follow_their_own_rule() {
        let e = parse("brainscales-21-wafers").unwrap_err();
        assert!(e.contains("1 to 20 wafer modules"), "{e}");
        let e = parse("brainscales").unwrap_err();
        assert!(e.contains("unknown BrainScaleS machine"), "{e}");
        let e = parse("brainscales-wafer")
            .unwrap()
            .spinnaker("noc measures SpiNNaker's interconnect")
            .unwrap_err();
        assert!(
            e.starts_with("--machine brainscales-wafer: noc measures SpiNNaker's"),
            "{e}"
        );
    }
}
