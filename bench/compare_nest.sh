#!/usr/bin/env bash
# Wall time of the run phase of Vogels-Abbott CUBA (1 s at dt 1 ms) on NEST and on nmemu's spinnaker-48, and
# their ratio. NEST runs tests/data/va_nest.py (PyNN 0.13 + NEST 3.10, the script that made the reference
# statistics) with THREADS threads; nmemu runs the same network (tests/data/va_cuba.json).
#
#   bench/compare_nest.sh [THREADS]        (default 2)
#
# Needs `$PYTHON -c 'import nest, pyNN'` to work (PYTHON defaults to python3; e.g.
#   python3 -m venv /tmp/nest && /tmp/nest/bin/pip install nest-simulator==3.10.0 pyNN==0.13.0
#   PYTHON=/tmp/nest/bin/python bench/compare_nest.sh 2
# ); without NEST it prints nmemu's time only and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"
python="${PYTHON:-python3}"
cargo build --release --quiet
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

./target/release/nmemu run --machine spinnaker-48 tests/data/va_cuba.json --out "$out" --quiet >/dev/null
nmemu_s="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["wall_s"])' "$out/run.json")"
echo "nmemu spinnaker-48 run phase: ${nmemu_s} s"

if ! "$python" -c 'import nest, pyNN' 2>/dev/null; then
    echo "NEST/PyNN not installed: no comparison (pip install nest-simulator==3.10.0 pyNN==0.13.0)"
    exit 0
fi
nest_json="$(cd tests/data && "$python" va_nest.py CUBA 1.0 "$threads" 2>/dev/null | tail -n 1)"
nest_s="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["run_s"])' "$nest_json")"
echo "NEST ${threads} threads run phase: ${nest_s} s"
python3 -c 'import sys; a, b = map(float, sys.argv[1:]); print(f"nmemu / NEST = {a / b:.2f} (target: at most 0.5)")' \
    "$nmemu_s" "$nest_s"
