#!/usr/bin/env bash
# The tests of the PyNN backend pyNN.nmemu (python/), as .ci/run runs them after `cargo test`: makes a venv under
# the cargo target directory (kept between runs), installs ./python and the test dependencies into it, builds
# the nmemu binary, fetches PyNN 0.13.0's sources (its system-test scenarios and the Vogels-Abbott benchmark)
# and runs pytest over python/tests and the scenarios. Ends with pytest's summary line; exits with its status.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p "${CARGO_TARGET_DIR:-target}"
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
venv="$target/pynn-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check ./python pytest matplotlib scipy
cargo build --release --quiet --bin nmemu
"$venv/bin/python" python/tests/pynn_sources.py "$target/pynn-sources"
export NMEMU_BIN="$target/release/nmemu" PYNN_SOURCES="$target/pynn-sources"
"$venv/bin/python" -m pytest -rs -p no:cacheprovider python/tests "$target/pynn-sources/scenarios"
