#!/usr/bin/env bash
# trunk post-build hook (Trunk.toml): names the on-demand engine's files by
# their content (trunk gives worker builds fixed names) and tells the page
# which engine it was built with, on its boot script tag (data-engine).
# Idempotent; trunk sets TRUNK_STAGING_DIR.
set -euo pipefail
dir="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
js="$dir/passport_engine.js"
wasm="$dir/passport_engine_bg.wasm"
[[ -f "$js" && -f "$wasm" ]] || { echo "hash-engine: no engine in $dir" >&2; exit 1; }
hash=$(cat "$js" "$wasm" | sha256sum | cut -c1-16)
name="passport_engine-$hash"
mv "$js" "$dir/$name.js"
mv "$wasm" "$dir/${name}_bg.wasm"
# Before data-wasm=, which only the boot script tag has (minified or not).
grep -q 'data-wasm=' "$dir/index.html" || { echo "hash-engine: no boot script tag in index.html" >&2; exit 1; }
sed -i "s#data-wasm=#data-engine=$name data-wasm=#" "$dir/index.html"
