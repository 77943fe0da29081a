//! Fuzzes the whole net.json front end: parse, validate, resolve, and expand small networks.
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run net_json` from the repository root (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nmemu_loader::{Limits, Network, expand};

/// Small limits keep each input's expansion fast, so the fuzzer spends its time on the parser and validator.
const LIMITS: Limits = Limits {
    max_neurons: 10_000,
    max_synapses: 100_000,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(net) = Network::from_json(text, &LIMITS) {
        for i in 0..net.projections.len() {
            let _ = expand(&net, i);
        }
    }
});
