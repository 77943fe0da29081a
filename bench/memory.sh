#!/usr/bin/env bash
# Host memory: the estimate `nmemu map` prints (from the partition it chose, before building the synaptic
# matrices) against the peak RSS /usr/bin/time measures for the same command, and the estimate `nmemu validate`
# prints before any mapping (at the largest slices the runtime allows: a lower bound of the matrices).
#
#   bench/memory.sh [MACHINE] [SCALE [FACTOR...]]
#
# Without SCALE: the bundled examples on MACHINE (default spinnaker-48) at time-scale factor 1. With SCALE: the
# Potjans-Diesmann microcircuit at that scale (`nmemu example microcircuit --scale SCALE`), mapped at each FACTOR
# (default 10), e.g. `bench/memory.sh spinnaker-120b 1 1 2 5 10`. Every map runs under `prlimit --as` of
# BENCH_AS_BYTES (default 14 GB) so that one that would exhaust a shared host fails instead; it gets
# --max-memory 13GB so the refusal, not the allocation, stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
machine="${1:-spinnaker-48}"
scale="${2:-}"
as_bytes="${BENCH_AS_BYTES:-14000000000}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
nmemu="$target/release/nmemu"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The size after `map ` in a line (e.g. "map 2.75 GB" or "map 18.2 kB"), in GB.
map_gb() {
    awk '{ for (i = 1; i < NF; i++) if ($i == "map") {
             u = $(i + 2); s = (u ~ /^GB/) ? 1 : (u ~ /^MB/) ? 1e-3 : 1e-6; printf "%.3f", $(i + 1) * s; exit } }'
}

# One network at one factor: estimates and the measured peak, in GB.
measure() {
    local net="$1" factor="$2" name="$3"
    local validate map rss
    validate=$("$nmemu" validate --no-expand --max-memory 1TB "$net" | grep '^  map ' | map_gb)
    if ! prlimit --as="$as_bytes" /usr/bin/time -f '%M' -o "$work/rss" \
        "$nmemu" map --machine "$machine" --time-scale-factor "$factor" --max-memory 13GB "$net" \
        --out "$work/out" >"$work/stdout" 2>"$work/stderr"; then
        printf '%-28s %6s  refused or failed: %s\n' "$name" "$factor" "$(grep -v '^Command' "$work/stderr" | head -1)"
        return
    fi
    map=$(grep '^  memory (estimate): ' "$work/stdout" | map_gb)
    rss=$(awk '{printf "%.3f", $NF / 1e6}' "$work/rss")
    printf '%-28s %6s %12s %12s %12s %8s\n' "$name" "$factor" "$validate" "$map" "$rss" \
        "$(awk -v e="$map" -v r="$rss" 'BEGIN { printf "%.2f", (r > 0 ? e / r : 0) }')"
    rm -rf "$work/out"
}

printf '%-28s %6s %12s %12s %12s %8s\n' network factor "validate GB" "map est. GB" "peak RSS GB" "est/peak"
if [ -z "$scale" ]; then
    for net in examples/*.json; do
        measure "$net" 1 "$(basename "$net" .json)"
    done
else
    "$nmemu" example microcircuit --scale "$scale" -o "$work/mc.json" >/dev/null
    shift 2
    for factor in "${@:-10}"; do
        measure "$work/mc.json" "$factor" "microcircuit x$scale"
    done
fi
