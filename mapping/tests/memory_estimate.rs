//! The memory estimate against what the mapper builds: on the examples, the synaptic matrices estimated from the
//! partition (before they are built) are within 20% of the host bytes the image's regions hold.
//! Peak RSS against the whole estimate is measured by `bench/memory.sh`.

use std::path::Path;

use nmemu_loader::{Limits, Network};
use nmemu_mapping::spinnaker::{SpinnakerOptions, map};
use spinnaker_emu::faults::Faults;
use spinnaker_emu::image::{CoreProgram, MachineDescription};

#[test]
fn matrices_are_estimated_within_20_percent() {
    for example in [
        "va_cuba",
        "va_coba",
        "synfire",
        "stdp_poisson",
        "long_delays",
        "microcircuit_0.1",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples")
            .join(format!("{example}.json"));
        let net = Network::load(&path, &Limits::default()).unwrap();
        let machine = MachineDescription {
            preset: "spinnaker-24b".to_string(),
            ideal_cores: false,
            faults: Faults::default(),
        };
        let options = SpinnakerOptions {
            placer_effort: 0.0,
            ..SpinnakerOptions::new(machine, 1)
        };
        let mapped = map(&net, &options).unwrap();
        let built: usize = mapped
            .image
            .chips
            .iter()
            .flat_map(|chip| &chip.cores)
            .map(|core| match &core.program {
                CoreProgram::Neurons(n) => n.synaptic_region.heap_bytes(),
                _ => 0,
            })
            .sum();
        let (estimate, built) = (mapped.memory.matrices as f64, built as f64);
        let ratio = estimate / built;
        println!("{example}: matrices estimated {estimate} bytes, built {built} ({ratio:.2})");
        assert!(
            (0.8..=1.2).contains(&ratio),
            "{example}: estimated {estimate} bytes of matrices, built {built} ({ratio:.2})"
        );
    }
}
