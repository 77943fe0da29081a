#!/usr/bin/env bash
# The emulation kernel on 1 and 2 threads, on an idle host and beside busy processes (issue 14, item 7): the
# run phase's wall time (run.json `wall_s`) of VA CUBA and the STDP example, median of REPEATS runs each.
#
#   bench/threads_under_load.sh [BUSY] [REPEATS]     (defaults: 1 busy process, 3 repeats)
#
# BUSY shell loops spin for the loaded measurements. Goal: on the loaded host 2 threads are never more than
# 1.3x slower than 1 (a spin barrier made them 50-100x slower). NMEMU=path uses that binary instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."
busy_count="${1:-1}"
repeats="${2:-3}"
if [ -z "${NMEMU:-}" ]; then
    cargo build --release --quiet
    NMEMU="${CARGO_TARGET_DIR:-target}/release/nmemu"
fi
out="$(mktemp -d)"
busy=()
stop_busy() {
    for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done
    busy=()
}
trap 'stop_busy; rm -rf "$out"' EXIT

# Median wall_s of `nmemu run` of examples/$1.json on machine $2 with $3 threads.
median_wall() {
    local walls=()
    for i in $(seq "$repeats"); do
        local dir="$out/$1-$3-$i-${#busy[@]}"
        "$NMEMU" run --machine "$2" "examples/$1.json" --out "$dir" --threads "$3" --quiet >/dev/null
        walls+=("$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["wall_s"])' "$dir/run.json")")
        rm -rf "$dir"
    done
    printf '%s\n' "${walls[@]}" | sort -g | awk '{ w[NR] = $1 } END { print w[int((NR + 1) / 2)] }'
}

printf '%-14s %-6s %10s %10s %8s\n' example host "1 thread" "2 threads" ratio
for load in idle busy; do
    if [ "$load" = busy ]; then
        for _ in $(seq "$busy_count"); do
            bash -c 'while :; do :; done' &
            busy+=($!)
        done
    fi
    for example in va_cuba:spinnaker-48 stdp_poisson:spinnaker-48; do
        name="${example%%:*}"
        machine="${example##*:}"
        one="$(median_wall "$name" "$machine" 1)"
        two="$(median_wall "$name" "$machine" 2)"
        printf '%-14s %-6s %9.3fs %9.3fs %7.2fx\n' "$name" "$load" "$one" "$two" \
            "$(python3 -c "print($two / $one)")"
    done
done
