//! `nmemu machines`: the machine presets `--machine` accepts, with their sizes.

/// List the machine presets with their sizes.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  nmemu machines")]
pub struct Args {}

pub fn run(_: &Args) -> Result<(), String> {
    use super::thousands;
    println!(
        "{:<24} {:>8} {:>10} {:>12}  description",
        "machine", "boards", "chips", "cores"
    );
    for p in spinnaker_emu::Preset::listed() {
        let boards = match p.boards() {
            0 => "SpiNN-3".to_owned(),
            n => thousands(u64::from(n)),
        };
        println!(
            "{:<24} {:>8} {:>10} {:>12}  {}",
            p.to_string(),
            boards,
            thousands(u64::from(p.chips())),
            thousands(p.cores()),
            p.description()
        );
    }
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
