//! Maps a net.json onto BrainScaleS-1 wafers (default one) and prints what `bench/map_brainscales.sh`
//! measures: the wall time of every phase, the resources used and the synapse loss by cause.
//!
//!     cargo run --release -p nmemu-mapping --example map_brainscales -- NET.json [SPEEDUP [WAFERS]]

use std::time::Instant;

use brainscales_emu::Preset;
use brainscales_emu::time::SpeedUp;
use nmemu_loader::{Limits, Network};
use nmemu_mapping::brainscales::{BrainScaleSOptions, map};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .ok_or("usage: map_brainscales NET.json [1000|10000|100000 [WAFERS]]")?;
    let speed_up = match args.get(2) {
        Some(f) => SpeedUp::from_factor(f.parse().map_err(|e| format!("{f}: {e}"))?)
            .ok_or("the speed-up is 1000, 10000 or 100000")?,
        None => SpeedUp::Slow,
    };
    let wafers = match args.get(3) {
        Some(w) => w.parse().map_err(|e| format!("{w}: {e}"))?,
        None => 1,
    };
    let start = Instant::now();
    let net =
        Network::load(std::path::Path::new(path), &Limits::default()).map_err(|e| e.to_string())?;
    let loaded = start.elapsed().as_secs_f64();
    let options = BrainScaleSOptions {
        speed_up,
        seed: net.simulation.seed,
        ..BrainScaleSOptions::new(Preset { wafers })
    };
    let t = Instant::now();
    let m = map(&net, &options)?;
    let mapped = t.elapsed().as_secs_f64();
    let r = &m.report;
    println!("load {loaded:.2} s, map {mapped:.2} s");
    for (phase, s) in &r.phases {
        println!("  {phase:<10} {s:8.3} s");
    }
    println!(
        "{} neurons on {} HICANNs, {} synapses, lost {} ({:.2}%: L1 {}, drivers {}, rows {}, thinned inputs {}), {} inputs thinned",
        r.neurons_placed,
        r.hicanns_used,
        r.synapses,
        r.synapses_lost,
        100.0 * r.synapses_lost as f64 / r.synapses.max(1) as f64,
        r.synapses_lost_l1,
        r.synapses_lost_driver,
        r.synapses_lost_row,
        r.synapses_lost_input,
        r.inputs_thinned.iter().map(|t| t.thinned).sum::<u32>()
    );
    if r.wafers.len() > 1 {
        let c = &r.cross_wafer;
        for w in &r.wafers {
            println!(
                "  wafer {}: {} neurons on {} HICANNs",
                w.wafer, w.neurons_placed, w.hicanns_used
            );
        }
        println!(
            "  across wafers: {} synapses, {} lost, {} Layer-2 routes",
            c.synapses, c.synapses_lost, c.routes
        );
    }
    Ok(())
}
