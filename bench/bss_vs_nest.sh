#!/usr/bin/env bash
# Emulation speed on BrainScaleS (biological seconds per wall second of the run phase) beside NEST on the same
# network: the AdEx example (examples/adex.json, brainscales-wafer at --speedup 1000) and a network that fills
# the wafer (bench/full_wafer_net.py: 48,000 AdEx neurons of 4 circuits, 20 recurrent synapses each, at
# --speedup 10000). Also prints the mapping time of each. NEST runs the same net.json through
# bench/netjson_nest.py with THREADS threads.
#
#   bench/bss_vs_nest.sh [THREADS] [NEURONS]      (defaults 1 and 48000)
#
# Needs `$PYTHON -c 'import nest, pyNN'` (PYTHON defaults to python3; e.g.
#   python3 -m venv /tmp/nest && /tmp/nest/bin/pip install nest-simulator==3.10.0 pyNN==0.13.0
#   PYTHON=/tmp/nest/bin/python bench/bss_vs_nest.sh 1
# ); without NEST it prints nmemu's figures only and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-1}"
neurons="${2:-48000}"
python="${PYTHON:-python3}"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/nmemu"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 bench/full_wafer_net.py "$work/full_wafer.json" "$neurons"

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
have_nest=1
"$python" -c 'import nest, pyNN' 2>/dev/null || have_nest=0

for case in "examples/adex.json 1000" "$work/full_wafer.json 10000"; do
    set -- $case
    net="$1"; speedup="$2"
    "$bin" run --machine brainscales-wafer --speedup "$speedup" --mismatch off --threads "$threads" \
        --out "$work/out" --force --quiet "$net" >/dev/null
    wall="$(field "$work/out/run.json" wall_s)"
    map="$(field "$work/out/run.json" map_wall_s)"
    bio="$(field "$work/out/run.json" completed_ms)"
    echo "$(basename "$net"): nmemu brainscales-wafer --speedup $speedup: mapping ${map} s, run ${wall} s for ${bio} ms:" \
        "$(python3 -c "print(f'{$bio / 1000 / $wall:.3f}')") bio s per wall s"
    # What the wafer ran is not NEST's network where synapses were lost or neurons lost their i_offset
    # (4 current stimuli per HICANN): say so beside the speed, with the spikes of both.
    python3 -c 'import json, sys
m = json.load(open(sys.argv[1] + "/mapping.json"))
stimuli = sum(s["neurons"] for s in m.get("current_stimuli_lost", []))
spikes = sum(1 for _ in open(sys.argv[1] + "/spikes.csv")) - 1
print("  on the wafer: %d spikes recorded, %d of %d synapses lost, %d neurons without their i_offset"
      % (spikes, m["synapses_lost"], m["synapses"], stimuli))' "$work/out"
    if [ "$have_nest" = 1 ]; then
        nest_json="$("$python" bench/netjson_nest.py "$net" "$threads" 2>/dev/null | tail -n 1)"
        echo "$(basename "$net"): NEST $threads thread(s): $(python3 -c 'import json,sys; j = json.loads(sys.argv[1]); print("run %.2f s: %.3f bio s per wall s, %d spikes" % (j["run_s"], j["bio_s_per_wall_s"], j["spikes"]))' "$nest_json")"
    else
        echo "NEST/PyNN not installed: no comparison (pip install nest-simulator==3.10.0 pyNN==0.13.0)"
    fi
done
