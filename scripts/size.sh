#!/usr/bin/env bash
# Prints every file of dist/ raw and gzip-compressed, and the totals.
# Run `trunk build --release` first (scripts/test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f dist/index.html ]] || { echo "dist/ is empty: run 'trunk build --release' first" >&2; exit 1; }

total_raw=0; total_gz=0
printf '%-48s %12s %12s\n' "file" "raw bytes" "gzip -9"
while IFS= read -r file; do
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz))
  printf '%-48s %12d %12d\n' "${file#dist/}" "$raw" "$gz"
done < <(find dist -type f | sort)
printf '%-48s %12d %12d\n' "total" "$total_raw" "$total_gz"
