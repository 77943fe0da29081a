#!/usr/bin/env bash
# What `run --trace` costs (issue 17: at most 10%): the run phase's wall time (run.json `wall_s`) of bundled
# examples without a trace, with the default 10 ms windows and with 1 ms windows, median of REPEATS runs each,
# interleaved so that a change in the host's load falls on all three alike. On a loaded host wall times of a
# light run mostly measure the scheduler, so the CPU time (user + system) of each process is measured too; the
# run phase's CPU time is the untraced process's less that of the same command run for one timestep (mapping,
# loading, any --time-scale-factor auto probes and writing are the same in both).
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
printf '%-14s %9s %9s %6s %9s %6s | %9s %6s %6s\n' example "no trace" "10 ms" ratio "1 ms" ratio \
    "cpu run" "10 ms" "1 ms"
TIMEFORMAT='%3U %3S'
for spec in "${examples[@]}"; do
    IFS=: read -r example machine extra <<<"$spec"
    machine="${machine:-spinnaker-48}"
    IFS=, read -r -a extra <<<"${extra:-}"
    step="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["simulation"]["timestep_ms"])' \
        "examples/$example.json")"
    for v in none p10 p1 zero; do : >"$out/$v" && : >"$out/$v.cpu"; done
    for i in $(seq "$repeats"); do
        for variant in none p10 p1 zero; do
            case "$variant" in
                none) flags=() ;;
                p10) flags=(--trace "$out/t.trace") ;;
                p1) flags=(--trace "$out/t.trace" --trace-period-ms 1) ;;
                zero) flags=(--duration-ms "$step") ;;
            esac
            { time "$NMEMU" run --machine "$machine" "examples/$example.json" --out "$out/r" --quiet \
                ${extra[@]+"${extra[@]}"} ${flags[@]+"${flags[@]}"} >/dev/null 2>&1; } 2>"$out/time"
            awk '{ print $1 + $2 }' "$out/time" >>"$out/$variant.cpu"
            wall "$out/r" >>"$out/$variant"
            rm -rf "$out/r" "$out/t.trace"
        done
    done
    none="$(median <"$out/none")" p10="$(median <"$out/p10")" p1="$(median <"$out/p1")"
    zero="$(median <"$out/zero.cpu")"
    run_cpu="$(echo "$(median <"$out/none.cpu") - $zero" | bc -l)"
    cpu_ratio() { echo "($(median <"$out/$1.cpu") - $zero) / $run_cpu" | bc -l; }
    printf '%-14s %9.3f %9.3f %6.3f %9.3f %6.3f | %9.3f %6.3f %6.3f\n' "$example" "$none" "$p10" \
        "$(echo "$p10 / $none" | bc -l)" "$p1" "$(echo "$p1 / $none" | bc -l)" \
        "$run_cpu" "$(cpu_ratio p10)" "$(cpu_ratio p1)"
done
uptime
