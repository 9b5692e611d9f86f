#!/usr/bin/env bash
# Writes a gzip (-9) and a brotli (-q 11) copy next to every text and wasm file
# of a built bundle, for servers that send precompressed files as they are
# (nginx `gzip_static` / `brotli_static`, see deploy/nginx/passport-app.conf):
# the best compression once at deploy time instead of a fast one per request.
# The originals stay for clients that accept neither. Netlify and GitHub Pages
# compress on their own; this is for servers you run.
#
#   trunk build --release
#   bash deploy/precompress.sh dist
set -euo pipefail
dist="${1:-dist}"
[[ -f "$dist/index.html" ]] || { echo "no $dist/index.html: run trunk build --release first" >&2; exit 1; }
command -v gzip >/dev/null || { echo "gzip is missing" >&2; exit 1; }
have_brotli=1
command -v brotli >/dev/null || { have_brotli=0; echo "brotli is missing (apt install brotli): writing .gz only" >&2; }
count=0
while IFS= read -r -d '' file; do
  gzip -9 -n -k -f "$file"
  (( have_brotli )) && brotli -q 11 -k -f "$file"
  count=$((count + 1))
done < <(find "$dist" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.json' \) -print0)
echo "precompressed $count files in $dist"
