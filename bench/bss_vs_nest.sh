#!/usr/bin/env bash
# Emulation speed on BrainScaleS (biological seconds per wall second of the run phase) beside NEST on the same
# network: the AdEx example (examples/adex.json, brainscales-wafer at --speedup 1000) and a network that fills
# the wafer and that the wafer realises whole (bench/full_wafer_local_net.py: 46,080 AdEx neurons of 4 circuits on
# 360 HICANNs, local connectivity, Poisson input, at --speedup 10000), so that both run the same load. Also prints
# the mapping time of each, and what the wafer ran beside NEST: spikes made on the wafer and recorded, mean rates
# per population class (the label less its trailing digits and underscores: E, I), synapses lost, neurons without
# their i_offset, input spikes dropped on Layer 2, neuron events lost on Layer 1. NEST runs the same net.json
# through bench/netjson_nest.py with THREADS threads; nmemu runs with --mismatch off (the ideal wafer) and THREADS
# threads.
#
#   bench/bss_vs_nest.sh [THREADS]      (default 1)
#
# Measured (2 shared cores, 2026-12): see the message of the commit that last changed this script.
#
# Needs `$PYTHON -c 'import nest, pyNN'` (PYTHON defaults to python3; e.g.
#   python3 -m venv /tmp/nest && /tmp/nest/bin/pip install nest-simulator==3.10.0 pyNN==0.13.0
#   PYTHON=/tmp/nest/bin/python bench/bss_vs_nest.sh 1
# ); without NEST it prints nmemu's figures only and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-1}"
python="${PYTHON:-python3}"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/nmemu"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 bench/full_wafer_local_net.py "$work/full_wafer_local.json"

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
# Mean rate (Hz) per population class of NET from {population label: spikes}: `rates NET JSON-OBJECT`.
rates() {
    python3 -c 'import collections, json, re, sys
net = json.load(open(sys.argv[1]))
spikes = json.loads(sys.argv[2])
size = {p["label"]: p["size"] for p in net["populations"]}
counts = collections.defaultdict(lambda: [0, 0])
for label, n in spikes.items():
    c = counts[re.sub(r"[\d_]+$", "", label)]
    c[0] += n
    c[1] += size[label]
s = net["simulation"]["duration_ms"] / 1000.0
print(", ".join("%s %.2f Hz" % (k, n / neurons / s) for k, (n, neurons) in sorted(counts.items())))' "$1" "$2"
}
have_nest=1
"$python" -c 'import nest, pyNN' >/dev/null 2>&1 || have_nest=0

for case in "examples/adex.json 1000" "$work/full_wafer_local.json 10000"; do
    set -- $case
    net="$1"; speedup="$2"
    "$bin" run --machine brainscales-wafer --speedup "$speedup" --mismatch off --threads "$threads" \
        --out "$work/out" --force --quiet "$net" >/dev/null
    wall="$(field "$work/out/run.json" wall_s)"
    map="$(field "$work/out/run.json" map_wall_s)"
    bio="$(field "$work/out/run.json" completed_ms)"
    echo "$(basename "$net"): nmemu brainscales-wafer --speedup $speedup: mapping ${map} s, run ${wall} s for" \
        "${bio} ms: $(python3 -c "print(f'{$bio / 1000 / $wall:.4g}')") bio s per wall s"
    # What the wafer ran is not NEST's network where synapses were lost, neurons lost their i_offset (4 current
    # stimuli per HICANN) or input was dropped: say so beside the speed, with the spikes of both. Spikes made on
    # the wafer drive it whether or not the up-link records them (spikes.csv holds the recorded ones).
    python3 -c 'import json, sys
m = json.load(open(sys.argv[1] + "/mapping.json"))
p = json.load(open(sys.argv[1] + "/provenance.json"))
stimuli = sum(s["neurons"] for s in m.get("current_stimuli_lost", []))
s, t = p["summary"], p["totals"]
dropped = t["dropped_hicann_budget"] + t["dropped_fpga_budget"] + t["dropped_dead_link"]
print("  on the wafer: %d spikes made, %d recorded; %d of %d synapses lost, %d neurons without their i_offset,"
      " %d of %d input spikes dropped on Layer 2, %d neuron events lost on Layer 1"
      % (s["spikes_on_wafer"], s["spikes_on_wafer"] - s["spikes_not_recorded"], m["synapses_lost"], m["synapses"],
         stimuli, dropped, dropped + s["input_spikes_played"], s["l1_events_lost"]))' "$work/out"
    recorded="$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(json.dumps({k: v["spikes"] for k, v in r["populations"].items() if v["recorded"]}))' "$work/out/run.json")"
    echo "  rates recorded on the wafer: $(rates "$net" "$recorded")"
    if [ "$have_nest" = 1 ]; then
        nest_json="$("$python" bench/netjson_nest.py "$net" "$threads" 2>/dev/null | tail -n 1)"
        nest="$(python3 -c 'import json, sys
j = json.loads(sys.argv[1])
print("run %.2f s: %.4g bio s per wall s, %d spikes" % (j["run_s"], j["bio_s_per_wall_s"], j["spikes"]))' "$nest_json")"
        echo "$(basename "$net"): NEST $threads thread(s): $nest"
        by_population="$(python3 -c 'import json, sys
print(json.dumps(json.loads(sys.argv[1])["spikes_by_population"]))' "$nest_json")"
        echo "  rates on NEST: $(rates "$net" "$by_population")"
    else
        echo "NEST/PyNN not installed: no comparison (pip install nest-simulator==3.10.0 pyNN==0.13.0)"
    fi
done
