#!/usr/bin/env bash
# Waits until the app at URL is really served: trunk listens before its first
# build is done, so an open port proves nothing; the page must name the built
# wasm (boot.js's data-wasm attribute). Prints progress every 30 s (first after
# 15 s) and fails if the process PID (trunk serve) stops first.
#   scripts/wait-for-app.sh URL PID [NOTE_EVERY_SECONDS]
set -uo pipefail
url=$1 pid=$2 every=${3:-30}
app_ready() {
  node -e 'fetch(process.argv[1]).then(r => r.text()).then(t => process.exit(/data-wasm=/.test(t) ? 0 : 1), () => process.exit(1))' \
    "$url" 2>/dev/null
}
started=$SECONDS
next_note=$(( every / 2 ))
until app_ready; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "error: the app server stopped before the app was served (see its messages above)" >&2
    exit 1
  fi
  if (( SECONDS - started >= next_note )); then
    echo "    still building the app ($(( SECONDS - started )) s so far; trunk's progress is above)"
    next_note=$(( next_note + every ))
  fi
  sleep 1
done
