#!/usr/bin/env bash
# What `run --trace` costs (issue 17: at most 10%): the run phase's wall time (run.json `wall_s`) of bundled
# examples without a trace, with the default 10 ms windows and with 1 ms windows, median of REPEATS runs each,
# interleaved so that a change in the host's load falls on all three alike.
#
#   bench/trace_overhead.sh [REPEATS] [EXAMPLE[:MACHINE[:FLAG,...]]...]
#
# Defaults: 5 repeats; va_cuba, stdp_poisson, and synfire and va_coba with --time-scale-factor auto (as
# examples/README.md runs them), on spinnaker-48. FLAGs are passed to `run`, e.g.
# `synfire:spinnaker-48:--time-scale-factor=auto,--threads=2`. The host's load (`uptime`) is printed before
# and after: on a shared host, compare only runs made under similar load.
#
# NMEMU=path uses that binary instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-5}"
shift || true
examples=("$@")
[ ${#examples[@]} -gt 0 ] ||
    examples=(va_cuba stdp_poisson synfire:spinnaker-48:--time-scale-factor=auto
        va_coba:spinnaker-48:--time-scale-factor=auto)
if [ -z "${NMEMU:-}" ]; then
    cargo build --release --quiet
    NMEMU="${CARGO_TARGET_DIR:-target}/release/nmemu"
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

wall() {
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["wall_s"])' "$1/run.json"
}
median() {
    sort -g | awk '{ w[NR] = $1 } END { print w[int((NR + 1) / 2)] }'
}

uptime
printf '%-14s %10s %10s %8s %10s %8s\n' example "no trace" "10 ms" ratio "1 ms" ratio
for spec in "${examples[@]}"; do
    IFS=: read -r example machine extra <<<"$spec"
    machine="${machine:-spinnaker-48}"
    IFS=, read -r -a extra <<<"${extra:-}"
    : >"$out/none" && : >"$out/p10" && : >"$out/p1"
    for i in $(seq "$repeats"); do
        for variant in none p10 p1; do
            case "$variant" in
                none) flags=() ;;
                p10) flags=(--trace "$out/t.trace") ;;
                p1) flags=(--trace "$out/t.trace" --trace-period-ms 1) ;;
            esac
            "$NMEMU" run --machine "$machine" "examples/$example.json" --out "$out/r" --quiet \
                ${extra[@]+"${extra[@]}"} ${flags[@]+"${flags[@]}"} >/dev/null 2>&1
            wall "$out/r" >>"$out/$variant"
            rm -rf "$out/r" "$out/t.trace"
        done
    done
    none="$(median <"$out/none")" p10="$(median <"$out/p10")" p1="$(median <"$out/p1")"
    printf '%-14s %10.3f %10.3f %8.3f %10.3f %8.3f\n' "$example" "$none" "$p10" \
        "$(echo "$p10 / $none" | bc -l)" "$p1" "$(echo "$p1 / $none" | bc -l)"
done
uptime
