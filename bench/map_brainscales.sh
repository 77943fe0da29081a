#!/usr/bin/env bash
# Mapping time of the BrainScaleS-1 mapper (issue 16), per phase, with the synapse loss:
#   1. a full-wafer network: 46,000 IF_cond_exp neurons of 4 denmems (184,000 of the wafer's 196,608
#      circuits), 4 populations in a ring with 50 synapses in per neuron from each of 2 populations
#      (4.6 M synapses), and 2,000 Poisson sources of 5 Hz with 20 synapses out each;
#   2. the 10% Potjans-Diesmann microcircuit (examples/microcircuit_0.1.json) adapted to IF_cond_exp:
#      the same neurons with conductance synapses (E_rev_E 0 mV, E_rev_I -80 mV, weights divided by the
#      driving force at -65 mV) and its Poisson background;
#   3. two wafers (brainscales-2-wafers): the network of 1 with 8 populations of 11,500 in the same ring
#      (92,000 neurons, 9.2 M synapses): 4 populations per wafer, the ring crossing between them.
#
#   bench/map_brainscales.sh [SPEEDUP]     (default 1000)
#
# marocco took minutes for such networks. Measured (2 cores, 2026-12): see the numbers in the header of
# the commit that last changed this script.
set -euo pipefail
cd "$(dirname "$0")/.."
speedup="${1:-1000}"
cargo build --release --quiet -p nmemu-mapping --example map_brainscales
bin="${CARGO_TARGET_DIR:-target}/release/examples/map_brainscales"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
def ring(n, name):
    pops = [{"label": f"p{i}", "size": 11500, "cell": {"type": "IF_cond_exp"}} for i in range(n)]
    pops.append({"label": "noise", "size": 2000, "cell": {"type": "SpikeSourcePoisson", "params": {"rate": 5.0}}})
    proj = []
    for i in range(n):
        for d, receptor in ((1, "excitatory"), (2, "inhibitory")):
            proj.append({"label": f"p{i}->p{(i + d) % n}", "pre": f"p{i}", "post": f"p{(i + d) % n}",
                         "receptor_type": receptor, "connector": {"type": "FixedNumberPreConnector", "n": 50},
                         "synapse": {"type": "StaticSynapse", "weight": 0.002, "delay": 1.0}})
    proj.append({"label": "noise->p0", "pre": "noise", "post": "p0", "receptor_type": "excitatory",
                 "connector": {"type": "FixedNumberPostConnector", "n": 20},
                 "synapse": {"type": "StaticSynapse", "weight": 0.004, "delay": 1.0}})
    net = {"format": "nmemu-net/1", "simulation": {"duration_ms": 100, "timestep_ms": 0.1, "seed": 1},
           "populations": pops, "projections": proj}
    json.dump(net, open(f"{out}/{name}.json", "w"))

ring(4, "full_wafer")
ring(8, "two_wafers")

mc = json.load(open("examples/microcircuit_0.1.json"))
for p in mc["populations"]:
    if p["cell"]["type"] == "IF_curr_exp":
        p["cell"]["type"] = "IF_cond_exp"
        p["cell"]["params"].update({"e_rev_E": 0.0, "e_rev_I": -80.0})
for q in mc["projections"]:
    w = q["synapse"]["weight"]
    force = 65.0 if q["receptor_type"] == "excitatory" else 15.0
    if isinstance(w, (int, float)):
        q["synapse"]["weight"] = abs(w) / force
    else:
        low, high = sorted((abs(w["low"]) / force, abs(w["high"]) / force))
        w.update({"mu": abs(w["mu"]) / force, "sigma": w["sigma"] / force, "low": low, "high": high})
json.dump(mc, open(f"{out}/microcircuit_cond.json", "w"))
PY
for case in full_wafer:1 microcircuit_cond:1 two_wafers:2; do
    net="${case%:*}" wafers="${case#*:}"
    echo "== $net (speed-up $speedup, $wafers wafer(s))"
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f 'peak RSS %M kB' "$bin" "$out/$net.json" "$speedup" "$wafers"
    else
        "$bin" "$out/$net.json" "$speedup" "$wafers"
    fi
done
