#!/usr/bin/env bash
# Measures bytes shipped (against the official SDK) and restore, login and
# registration times, and writes BENCHMARKS.md. Figures only: nothing here
# passes or fails on a number. Takes about 3 minutes after the first build.
#   bash scripts/bench.sh [runs]     (default 7 runs per timing)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

bash scripts/setup.sh
step "release bundle and release local Passport"
# The baseline for the times: the same app as one module (no on-demand engine).
trunk build --release --no-default-features --dist target/dist-one-module
# It never uses the engine trunk builds beside it: no preload of it on the callback.
sed -i 's/data-engine=[^ >]* //' target/dist-one-module/index.html
# The shipped app last: the wasm by crate is read from cargo's output
# (target/wasm32-unknown-unknown/release/passport-app.wasm), which is the
# last build's.
trunk build --release
cargo build --release -p local-passport
step "benchmark"
LOCAL_PASSPORT_BIN=target/release/local-passport node scripts/bench/bench.mjs "${1:-7}"
