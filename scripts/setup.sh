#!/usr/bin/env bash
# Installs every tool the project needs, skipping what is already present at the
# right version. Safe to run again and again; needs only the package registries.
#
# First run on a fresh machine: about 6-8 minutes on 2 cores (trunk and
# wasm-bindgen-cli compile from source at once, with a light release profile). Later
# runs: a few seconds. Before it starts, it prints what is missing and about how
# long each part takes, and the time left before each part.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

TRUNK_VERSION=0.21.14
BINARYEN_MIN=132

# The wasm-bindgen CLI must match the library exactly, so read it from Cargo.lock
# and check that Trunk.toml pins the same version (trunk never downloads it).
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
PINNED=$(sed -n 's/^wasm_bindgen *= *"\(.*\)"/\1/p' Trunk.toml)
if [[ "$WASM_BINDGEN_VERSION" != "$PINNED" ]]; then
  die "Cargo.lock has wasm-bindgen $WASM_BINDGEN_VERSION but Trunk.toml pins $PINNED; make them equal"
fi

# Debian's packages: Chromium, Firefox ESR and WebKitGTK (its WebDriver and
# MiniBrowser, under Xvfb) for the browser tests, nginx for the deploy sample.
DEB_PACKAGES=(chromium chromium-driver firefox-esr webkit2gtk-driver xvfb
              nginx libnginx-mod-http-brotli-static brotli)
deb_missing() {
  local pkg
  for pkg in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}
has_trunk() { command -v trunk >/dev/null && [[ "$(trunk --version)" == "trunk $TRUNK_VERSION" ]]; }
has_wasm_bindgen() {
  command -v wasm-bindgen >/dev/null && [[ "$(wasm-bindgen --version)" == "wasm-bindgen $WASM_BINDGEN_VERSION" ]]
}

# The plan, with the time each missing part took on a fresh 2-core machine, so a
# first run says up front how long it will be and counts down as it goes.
declare -A PLAN_SECONDS=()
[[ -n "$(deb_missing)" ]] && PLAN_SECONDS[debian]=150
rustup target list --installed | grep -qx wasm32-unknown-unknown || PLAN_SECONDS[target]=20
{ has_trunk && has_wasm_bindgen; } || PLAN_SECONDS[tools]=200
[[ -x node_modules/.bin/wasm-opt && -d node_modules/selenium-webdriver ]] || PLAN_SECONDS[npm]=25
[[ -d bench/sdk/node_modules/@imtbl/passport ]] || PLAN_SECONDS[sdk]=60
left() {
  local total=0 key
  for key in "${!PLAN_SECONDS[@]}"; do total=$(( total + PLAN_SECONDS[$key] )); done
  echo "$total"
}
started() {  # started KEY: print the estimate for this part and what remains after it
  local key=$1 now=${PLAN_SECONDS[$1]:-0}
  unset "PLAN_SECONDS[$key]"
  note "about $(( (now + 30) / 60 )) min for this part; then about $(( ($(left) + 30) / 60 )) min left in setup"
}
if (( $(left) > 0 )); then
  step "first-time setup: about $(( ($(left) + 30) / 60 )) minutes on 2 cores (${!PLAN_SECONDS[*]})"
fi

# Tools compiled from source take a light release profile: no LTO, parallel
# codegen, no optimisation. trunk's own profile (fat LTO, one codegen unit)
# took about 18 minutes on 2 cores, wasm-bindgen-cli about 4; like this both
# build in about 3 (at once), and a release build of the app takes about 1.6 s
# longer with them (28 s against 30 s), since the time goes to rustc and
# wasm-opt. Cargo's profile variables override the package's [profile.release].
tool_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_DEBUG=false \
  CARGO_PROFILE_RELEASE_STRIP=true cargo install "$@"
}

step "Debian packages: ${DEB_PACKAGES[*]}; Node.js if missing"
missing=()
# Node.js from Debian only where there is none: a newer one already installed is kept.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
mapfile -t -O "${#missing[@]}" missing < <(deb_missing)
if (( ${#missing[@]} == 0 )); then
  skip "already installed"
else
  note "installing ${missing[*]}"; started debian
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The e2e runner's --test-concurrency needs Node.js 20.
node_major=$(node -p 'process.versions.node.split(".")[0]')
(( node_major >= 20 )) || die "Node.js $(node --version) is too old: the tests need 20 or newer"

step "Rust target wasm32-unknown-unknown"
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  skip "already installed"
else
  started target
  rustup target add wasm32-unknown-unknown
fi

step "trunk $TRUNK_VERSION and wasm-bindgen-cli $WASM_BINDGEN_VERSION"
# Both compile at once: each spends long stretches on one core.
TOOL_LOGS="${TMPDIR:-/tmp}/passport-setup-logs"
tool_pids=(); tool_names=()
if has_trunk; then
  skip "trunk already installed"
else
  mkdir -p "$TOOL_LOGS"
  tool_install trunk --version "$TRUNK_VERSION" --locked >"$TOOL_LOGS/trunk.log" 2>&1 &
  tool_pids+=($!); tool_names+=(trunk)
fi
if has_wasm_bindgen; then
  skip "wasm-bindgen-cli already installed"
else
  mkdir -p "$TOOL_LOGS"
  # Not --locked: its own lockfile pins a crate release the registry lacks.
  tool_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force >"$TOOL_LOGS/wasm-bindgen-cli.log" 2>&1 &
  tool_pids+=($!); tool_names+=(wasm-bindgen-cli)
fi
if (( ${#tool_pids[@]} > 0 )); then
  note "compiling ${tool_names[*]} from source (logs in $TOOL_LOGS)"
  estimate=${PLAN_SECONDS[tools]:-200}; started tools
  tools_running() {
    local pid
    for pid in "${tool_pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
    return 1
  }
  waited=0
  while tools_running; do
    sleep 5; waited=$(( waited + 5 ))
    (( waited % 30 == 0 )) && note "still compiling: ${waited} s of about ${estimate} s"
  done
  for i in "${!tool_pids[@]}"; do
    if ! wait "${tool_pids[$i]}"; then
      tail -n 30 "$TOOL_LOGS/${tool_names[$i]}.log" >&2
      die "compiling ${tool_names[$i]} failed; the whole log is $TOOL_LOGS/${tool_names[$i]}.log"
    fi
    note "${tool_names[$i]} installed"
  done
fi

step "npm packages (wasm-opt from binaryen >= $BINARYEN_MIN; playwright-core, puppeteer-core and selenium-webdriver for the browsers)"
# Every pinned devDependency present at its version (a checkout that moved on
# to new test libraries installs them again).
npm_packages_current() {
  node -e '
    const deps = require("./package.json").devDependencies;
    for (const [name, version] of Object.entries(deps)) {
      try { if (require(`./node_modules/${name}/package.json`).version !== version) process.exit(1); }
      catch { process.exit(1); }
    }' 2>/dev/null
}
if [[ -x node_modules/.bin/wasm-opt ]] && npm_packages_current \
   && (( $(node_modules/.bin/wasm-opt --version | sed 's/[^0-9]*\([0-9]*\).*/\1/') >= BINARYEN_MIN )); then
  skip "already installed"
else
  started npm
  npm ci --no-audit --no-fund
fi

step "the official SDK @imtbl/passport 2.14.0 and esbuild (bench/sdk: compatibility e2e, size benchmark)"
sdk_version() { node -p "require('./bench/sdk/node_modules/@imtbl/passport/package.json').version" 2>/dev/null || true; }
if [[ "$(sdk_version)" == "2.14.0" ]] && [[ -d bench/sdk/node_modules/esbuild ]]; then
  skip "already installed"
else
  started sdk
  (cd bench/sdk && npm ci --no-audit --no-fund)
fi

step "tools ready"
