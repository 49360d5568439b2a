#!/usr/bin/env bash
# Vendors hls.js (the live stream page's HLS player) from its npm package into
# web/static/web/vendor/. The file is committed, so neither CI nor a deployment needs npm;
# run this again to move to another version (and commit the result).
set -euo pipefail
VERSION="${1:-1.7.4}"
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "hls.js@${VERSION}" > /dev/null)
tar -xzf "$work/hls.js-${VERSION}.tgz" -C "$work" package/dist/hls.light.min.js package/LICENSE
mkdir -p web/static/web/vendor
{ echo "/*! hls.js ${VERSION} (npm: hls.js) — Apache-2.0, see hls.js.LICENSE */"; cat "$work/package/dist/hls.light.min.js"; } > web/static/web/vendor/hls.light.min.js
cp "$work/package/LICENSE" web/static/web/vendor/hls.js.LICENSE
sha256sum web/static/web/vendor/hls.light.min.js
