#!/usr/bin/env bash
# Runs the reliability suite and writes RELIABILITY.md: the hostile-input
# catalogue by group, the fault cases, longer fuzzing, and a load test of the
# local Passport. Every case here also runs in scripts/test.sh (with short fuzz
# runs); this script adds the load test and the long fuzz runs, and the report.
#   bash scripts/reliability.sh                 (about 10 minutes)
#   FUZZ_CASES=200000 LOAD_USERS=500 bash scripts/reliability.sh
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

FUZZ_CASES="${FUZZ_CASES:-20000}"
LOAD_USERS="${LOAD_USERS:-200}"
LOAD_CONCURRENCY="${LOAD_CONCURRENCY:-16}"
OUT=target/reliability
rm -rf "$OUT" && mkdir -p "$OUT"

bash scripts/setup.sh || exit 1
step "builds"
trunk build --release || exit 1
cargo build -p local-passport || exit 1

# Each part logs to its own file; the report reads them all, failures included.
run() { local name=$1; shift; step "$name"; "$@" 2>&1 | tee "$OUT/$name.log"; echo "exit ${PIPESTATUS[0]}" >> "$OUT/$name.log"; }

run client-catalogue env FUZZ_CASES="$FUZZ_CASES" cargo test -p passport-client --test hostile --test fuzz -- --nocapture
run server-catalogue env FUZZ_CASES="$FUZZ_CASES" cargo test -p local-passport --test hostile --test fuzz -- --nocapture
run browser-messaging cargo test -p passport-client --target wasm32-unknown-unknown --test browser_messaging
run security cargo test -p local-passport --test security --test tee_express
for file in faults messaging secrets csrf; do
  run "e2e-$file" node --test --test-concurrency=1 "tests/e2e/$file.test.mjs"
done
# The fault cases that live with their feature's tests.
run e2e-feature-faults node --test --test-concurrency=1 \
  --test-name-pattern="closing the popup|blocked|two tabs|identity provider down|IMX API down|TEE Express down|network failure mid-registration|401 from TEE Express|422 from TEE Express|slow wallet|reload in the middle|revoked refresh token|corrupt stored session" \
  tests/e2e/login.test.mjs tests/e2e/registration.test.mjs
run load cargo run --release -q -p local-passport --example load -- \
  --users "$LOAD_USERS" --concurrency "$LOAD_CONCURRENCY"

step "report"
node scripts/reliability/report.mjs "$OUT" > RELIABILITY.md
cat RELIABILITY.md
grep -q "^\*\*All cases passed" RELIABILITY.md
