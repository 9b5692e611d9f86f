#!/usr/bin/env bash
# Sets up, starts the local Passport (ports 8081 + 8082) and `trunk serve`
# (port 8080), and prints the URL to open. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

APP_PORT=8080
PASSPORT_PORT=8081
WALLET_PORT=8082
DATA_DIR="${LOCAL_PASSPORT_DATA:-.data/local-passport}"

bash scripts/setup.sh

for port in $APP_PORT $PASSPORT_PORT $WALLET_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is already in use; stop whatever listens there (another run?) and try again"
  fi
done

step "building the local Passport"
cargo build -p local-passport

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo; note "stopped"
}
trap cleanup INT TERM EXIT

step "starting the local Passport (identity provider + IMX API on :$PASSPORT_PORT, wallet on :$WALLET_PORT)"
mkdir -p "$DATA_DIR"
target/debug/local-passport serve --port "$PASSPORT_PORT" --wallet-port "$WALLET_PORT" --data-dir "$DATA_DIR" \
  > "$DATA_DIR/ready.json" &
pids+=($!)
for _ in $(seq 1 100); do
  [[ -s "$DATA_DIR/ready.json" ]] && break
  kill -0 "${pids[0]}" 2>/dev/null || die "the local Passport did not start (see the messages above)"
  sleep 0.1
done
[[ -s "$DATA_DIR/ready.json" ]] || die "the local Passport did not become ready"
note "data in $DATA_DIR (delete it to start from scratch)"

step "starting trunk serve on 127.0.0.1:$APP_PORT (the first build takes a few minutes on 2 cores)"
trunk serve --address 127.0.0.1 --port "$APP_PORT" &
pids+=($!)

bash scripts/wait-for-app.sh "http://127.0.0.1:$APP_PORT/" "${pids[1]}" || die "the app was not served"

printf '\n\033[1;32m  Open http://localhost:%s/  (http://127.0.0.1:%s/ works too)\033[0m\n' "$APP_PORT" "$APP_PORT"
printf '  Local Passport: http://127.0.0.1:%s/   Wallet (TEE Express): http://127.0.0.1:%s/\n' "$PASSPORT_PORT" "$WALLET_PORT"
printf '  Press Ctrl-C to stop everything.\n\n'
wait -n "${pids[@]}"
