#!/usr/bin/env bash
# Runs every test layer; exits non-zero on the first failing layer.
#   1. native `cargo test` (protocol logic, the local Passport against real processes)
#   2. wasm-bindgen tests in headless Chromium (browser APIs)
#   3. end-to-end: the release bundle + a real local Passport, driven by Playwright
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

bash scripts/setup.sh

step "1/3 native tests (cargo test --workspace)"
cargo test --workspace

step "2/3 browser tests (wasm-bindgen-test in headless Chromium)"
cargo test -p passport-client --target wasm32-unknown-unknown

step "3/3 end-to-end tests (release bundle, local Passport, headless Chromium)"
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
node --test --test-concurrency=1 tests/e2e/

step "all test layers passed"
