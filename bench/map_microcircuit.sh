#!/usr/bin/env bash
# Mapping time of the Potjans-Diesmann microcircuit at full scale (77,169 neurons, 0.3 billion synapses, 0.1 ms
# step) onto a multi-board machine: every phase of `nmemu map`, from mapping.json, and the peak memory.
#
#   bench/map_microcircuit.sh [SCALE] [MACHINE] [TIME_SCALE_FACTOR]     (defaults: 1 spinnaker-1m 100)
#
# At 0.1 ms a core has 20,000 cycles per tick; sPyNNaker runs this model with a time scale factor of about 10-20
# so that slices stay large enough to fit a machine. Target: under a minute. Measured (2 cores, 2026-12): factors
# 1-20 give 8 neurons a core and factor 50 8-16; both then fail on routing tables (over 1,023 entries on chip
# (0, 0)) on spinnaker-24b and spinnaker-1m after the synaptic matrices are built (peak RSS 10.3 GB and 7.9 GB);
# factor 100 maps on spinnaker-1m in 59 s at a peak of 3.8 GB. `bench/memory.sh MACHINE 1 FACTOR...` compares
# these peaks with the mapper's estimate.
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-1}"
machine="${2:-spinnaker-1m}"
tsf="${3:-100}"
cargo build --release --quiet
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
./target/release/nmemu example microcircuit --scale "$scale" -o "$out/net.json"
map=(./target/release/nmemu map --machine "$machine" --time-scale-factor "$tsf" "$out/net.json" --out "$out/map")
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$out/rss_kb" "${map[@]}" >"$out/stdout"
else
    "${map[@]}" >"$out/stdout"
fi
grep '^  memory (estimate)' "$out/stdout" >"$out/estimate" || true
python3 - "$out/map/mapping.json" "$out/rss_kb" "$out/estimate" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
try:
    rss = f"{int(open(sys.argv[2]).read().split()[-1]) / 1e6:.2f} GB"
except OSError:
    rss = "not measured (no /usr/bin/time)"
print(f"mapped {m['synapses']:,} synapses onto {m['machine']}: {m['cores_used']} cores, {m['chips_used']} chips")
for phase, s in m["phases"].items():
    print(f"  {phase:<14} {s:8.2f} s")
print(f"map_wall_s {m['map_wall_s']:.2f} (target: under 60), peak RSS {rss}")
print(open(sys.argv[3]).read().strip())
PY
