#!/usr/bin/env bash
# Prepares dist/ for GitHub Pages, which has no rewrite rules: it serves 404.html
# for any path it does not know, so a copy of index.html there makes deep links
# such as /<repo>/redirect?code=... load the app. .nojekyll keeps files whose
# names start with "_" (none today) from being dropped.
#
#   trunk build --release --public-url /<repo>/
#   bash deploy/github-pages/prepare.sh dist
#   # publish dist/ (e.g. actions/upload-pages-artifact with path: dist)
#
# GitHub Pages cannot send headers: the Content-Security-Policy of the nginx
# sample is not applied there. It serves every file with a 10-minute cache,
# sw.js included; boot.js registers the service worker with
# updateViaCache: "none", so the browser still asks for a new sw.js each time.
# The service worker answers deep links with the cached index.html (stored
# under the base path), so 404.html only matters for the first visit.
set -euo pipefail
dist="${1:-dist}"
[[ -f "$dist/index.html" ]] || { echo "no $dist/index.html: run trunk build --release first" >&2; exit 1; }
cp "$dist/index.html" "$dist/404.html"
touch "$dist/.nojekyll"
echo "prepared $dist for GitHub Pages (404.html, .nojekyll)"
