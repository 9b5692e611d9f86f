#!/usr/bin/env bash
# Runs every test layer; exits non-zero on the first failing layer.
#   1. native `cargo test` of the local Passport
#   2. native `cargo test` of the client, the key derivation and the app
#   3. wasm-bindgen tests in headless Chromium (browser APIs)
#   4. end-to-end: the release bundle + a real local Passport, in Chromium
#      (everything) and in Firefox and WebKit (the core flows)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# Each layer's wall time, printed as a table at the end (the README's test
# section quotes it).
TIMES=()
timed() {
  local name="$1"; shift
  local start=$SECONDS
  "$@"
  TIMES+=("$(printf '%-48s %5d s' "$name" $((SECONDS - start)))")
}

timed "setup (tools already present: checks only)" bash scripts/setup.sh

step "1/4 native tests: the local Passport (cargo test -p local-passport)"
timed "native: local Passport" cargo test -p local-passport

step "2/4 native tests: the client and the rest (cargo test --workspace --exclude local-passport)"
timed "native: client, crypto, app" cargo test --workspace --exclude local-passport

step "3/4 browser tests (wasm-bindgen-test in headless Chromium)"
timed "wasm: client in headless Chromium" cargo test -p passport-client --target wasm32-unknown-unknown

step "4/4 end-to-end tests (release bundle, local Passport; Chromium, then Firefox and WebKit)"
release_builds() {
  trunk build --release
  # The same bundle for a sub-path, served by nginx with the sample config (nginx.test.mjs).
  trunk build --release --public-url /passport/ --dist target/dist-subpath
  # The client crate from an app outside the workspace, by its own recipe
  # (outside-app.test.mjs); it shares this target directory.
  # trunk builds offline, so its own lockfile's crates are fetched first (a fresh
  # machine has only the workspace's).
  cargo fetch --manifest-path examples/outside-app/Cargo.toml
  (cd examples/outside-app && CARGO_TARGET_DIR="$PWD/../../target" trunk build --release)
  cargo build -p local-passport
}
timed "release builds (app, sub-path, outside app, server)" release_builds
# Every file in Chromium; then the core flows (engines.test.mjs) in Firefox
# and WebKit as well as Chromium.
mapfile -t chromium_files < <(ls tests/e2e/*.test.mjs | grep -v '/engines\.test\.mjs$')
timed "e2e: full suite in Chromium" node --test --test-concurrency=1 "${chromium_files[@]}"
timed "e2e: core flows in Chromium, Firefox, WebKit" node --test --test-concurrency=1 tests/e2e/engines.test.mjs

step "all test layers passed"
printf '    %s\n' "${TIMES[@]}"
