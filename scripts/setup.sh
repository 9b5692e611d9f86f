#!/usr/bin/env bash
# Installs every tool the project needs, skipping what is already present at the
# right version. Safe to run again and again; needs only the package registries.
#
# First run on a fresh machine: about 20-25 minutes (trunk and wasm-bindgen-cli
# compile from source). Later runs: a few seconds.
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

step "Debian packages: chromium, chromium-driver, nginx (with brotli_static), brotli; Node.js if missing"
missing=()
# Node.js from Debian only where there is none: a newer one already installed is kept.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
for pkg in chromium chromium-driver nginx libnginx-mod-http-brotli-static brotli; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if (( ${#missing[@]} == 0 )); then
  skip "already installed"
else
  note "installing ${missing[*]} (about 90 s)"
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
  rustup target add wasm32-unknown-unknown
fi

step "trunk $TRUNK_VERSION"
if command -v trunk >/dev/null && [[ "$(trunk --version)" == "trunk $TRUNK_VERSION" ]]; then
  skip "already installed"
else
  note "compiling trunk from source: about 18 minutes on 2 cores (cargo's progress follows)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

step "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
if command -v wasm-bindgen >/dev/null && [[ "$(wasm-bindgen --version)" == "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  skip "already installed"
else
  # Not --locked: its own lockfile pins a crate release the registry lacks.
  note "compiling wasm-bindgen-cli from source: about 4 minutes"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

step "npm packages (wasm-opt from binaryen >= $BINARYEN_MIN, playwright-core)"
if [[ -x node_modules/.bin/wasm-opt ]] && [[ -d node_modules/playwright-core ]] \
   && (( $(node_modules/.bin/wasm-opt --version | sed 's/[^0-9]*\([0-9]*\).*/\1/') >= BINARYEN_MIN )); then
  skip "already installed"
else
  npm ci --no-audit --no-fund
fi

step "the official SDK @imtbl/passport 2.14.0 and esbuild (bench/sdk: compatibility e2e, size benchmark)"
sdk_version() { node -p "require('./bench/sdk/node_modules/@imtbl/passport/package.json').version" 2>/dev/null || true; }
if [[ "$(sdk_version)" == "2.14.0" ]] && [[ -d bench/sdk/node_modules/esbuild ]]; then
  skip "already installed"
else
  (cd bench/sdk && npm ci --no-audit --no-fund)
fi

step "tools ready"
