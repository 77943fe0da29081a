//! `nmemu example`: generate a well-known network from its published parameters.

use std::path::PathBuf;

use nmemu_loader::models::{MicrocircuitParams, microcircuit};

/// Generate a well-known network as net.json.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  nmemu example microcircuit --scale 0.1 -o microcircuit.json\n  nmemu example microcircuit --scale 0.1 --k-scale 1 -o full_in_degree.json\n  nmemu example microcircuit --scale 1 --duration-ms 100 | nmemu validate /dev/stdin"
)]
pub struct Args {
    #[command(subcommand)]
    model: Model,
}

#[derive(Debug, clap::Subcommand)]
enum Model {
    /// The Potjans & Diesmann (2014) cortical microcircuit: 77,169 neurons and ~0.3 billion synapses at scale 1.
    Microcircuit {
        /// Fraction of the full-scale neuron counts (0 < scale <= 1).
        #[arg(long, default_value_t = MicrocircuitParams::default().scale)]
        scale: f64,
        /// Fraction of the full-scale in-degrees (0 < K <= 1; default: the --scale), with weights × 1/√K and
        /// the DC input that keeps each population's mean input, as NEST's and PyNN's examples do. At
        /// --scale 0.1 the default gives NEST's reference model.
        #[arg(long)]
        k_scale: Option<f64>,
        #[arg(long, default_value_t = MicrocircuitParams::default().duration_ms)]
        duration_ms: f64,
        #[arg(long, default_value_t = MicrocircuitParams::default().seed)]
        seed: u64,
        #[arg(long, default_value_t = MicrocircuitParams::default().timestep_ms)]
        timestep_ms: f64,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

pub fn run(args: &Args) -> Result<(), String> {
    let Model::Microcircuit {
        scale,
        k_scale,
        duration_ms,
        seed,
        timestep_ms,
        output,
    } = &args.model;
    if !(*scale > 0.0 && *scale <= 1.0) {
        return Err(format!("--scale must be within (0, 1], got {scale}"));
    }
    let k_scale = k_scale.unwrap_or(*scale);
    if !(k_scale > 0.0 && k_scale <= 1.0) {
        return Err(format!("--k-scale must be within (0, 1], got {k_scale}"));
    }
    let params = MicrocircuitParams {
        scale: *scale,
        k_scale,
        duration_ms: *duration_ms,
        seed: *seed,
        timestep_ms: *timestep_ms,
        ..MicrocircuitParams::default()
    };
    let mut text =
        serde_json::to_string_pretty(&microcircuit(&params)).map_err(|e| e.to_string())?;
    text.push('\n');
    match output {
        None => print!("{text}"),
        Some(path) => {
            let _writing = crate::signals::defer();
            nmemu_loader::writers::write_atomic(path, |w| w.write_all(text.as_bytes()))
                .map_err(|e| e.to_string())?
        }
    }
    Ok(())
}
