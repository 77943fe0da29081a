//! `nmemu machines`: the machine presets `--machine` accepts, with their sizes.

/// List the machine presets with their sizes.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  nmemu machines")]
pub struct Args {}

pub fn run(_: &Args) -> Result<(), String> {
    use spinnaker_emu::faults::Faults;
    use spinnaker_emu::machine::{CoreModel, Machine};

    use super::thousands;
    println!(
        "{:<20} {:>8} {:>8} {:>10} {:>10} {:>10}  description",
        "machine", "boards", "chips", "cores", "app cores", "ideal"
    );
    for p in spinnaker_emu::Preset::listed() {
        let boards = match p.boards() {
            0 => "SpiNN-3".to_owned(),
            n => thousands(u64::from(n)),
        };
        let app_cores =
            |model| Machine::new(p, model, &Faults::default()).map(|m| m.n_app_cores_total());
        println!(
            "{:<20} {:>8} {:>8} {:>10} {:>10} {:>10}  {}",
            p.to_string(),
            boards,
            thousands(u64::from(p.chips())),
            thousands(p.cores()),
            thousands(app_cores(CoreModel::Realistic)?),
            thousands(app_cores(CoreModel::Ideal)?),
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
    println!();
    println!(
        "{:<24} {:>8} {:>10} {:>12}",
        "machine", "wafers", "HICANNs", "denmems"
    );
    for p in brainscales_emu::Preset::listed() {
        println!(
            "{:<24} {:>8} {:>10} {:>12}",
            p.to_string(),
            p.wafers,
            thousands(u64::from(p.hicanns())),
            thousands(p.denmems())
        );
    }
    println!("  brainscales-<N>-wafers takes N from 1 to 20.");
    Ok(())
}
