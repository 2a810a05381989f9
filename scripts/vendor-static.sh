#!/bin/sh
# vendor-static.sh fetches the browser libraries the web UI embeds (no CDN at run time) from
# npm, checks them against the pinned SHA-256 sums and copies them into
# internal/web/static/vendor/. Run it from anywhere; it needs npm, tar and sha256sum.
#
#   scripts/vendor-static.sh          fetch, verify and copy
#   scripts/vendor-static.sh --print  print the sums of what npm serves (to pin a new version)
set -eu

ECHARTS_VERSION=6.1.0
HTMX_VERSION=2.0.4

# Pinned sums of the extracted files (update together with the versions above).
ECHARTS_SHA256=b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0
HTMX_SHA256=e209dda5c8235479f3166defc7750e1dbcd5a5c1808b7792fc2e6733768fb447

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/internal/web/static/vendor"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm pack --silent "echarts@$ECHARTS_VERSION" "htmx.org@$HTMX_VERSION" >/dev/null
mkdir echarts htmx
tar -xzf "echarts-$ECHARTS_VERSION.tgz" -C echarts
tar -xzf "htmx.org-$HTMX_VERSION.tgz" -C htmx

e="$tmp/echarts/package/dist/echarts.min.js"
h="$tmp/htmx/package/dist/htmx.min.js"

if [ "${1:-}" = "--print" ]; then
	sha256sum "$e" "$h"
	exit 0
fi

echo "$ECHARTS_SHA256  $e" | sha256sum -c -
echo "$HTMX_SHA256  $h" | sha256sum -c -

mkdir -p "$dest"
cp "$e" "$dest/echarts.min.js"
cp "$h" "$dest/htmx.min.js"
cp "$tmp/echarts/package/LICENSE" "$dest/echarts.LICENSE"
cp "$tmp/htmx/package/LICENSE" "$dest/htmx.LICENSE"
echo "vendored echarts $ECHARTS_VERSION and htmx.org $HTMX_VERSION into $dest"
