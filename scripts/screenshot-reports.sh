#!/usr/bin/env bash
# Screenshots every report.html, compare.html and sweep.html under the given folders (default:
# reports/) with headless Chromium, as a PNG beside each page (report.html -> report.png), to
# look at the pages as a reader's browser draws them.
#
#   scripts/screenshot-reports.sh [DIR...]
#
# Environment: IOTWIN_CHROMIUM (default /usr/bin/chromium, else `chromium` on PATH),
# WIDTH (default 1200 px), HEIGHT (default 4000 px: a report is long; the page is cut there).
set -euo pipefail
cd "$(dirname "$0")/.."

chromium="${IOTWIN_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
    chromium="$(command -v chromium || true)"
fi
if [ -z "$chromium" ]; then
    echo "no Chromium: install it (apt-get install -y chromium) or set IOTWIN_CHROMIUM" >&2
    exit 2
fi
width="${WIDTH:-1200}"
height="${HEIGHT:-4000}"
[ "$#" -gt 0 ] || set -- reports

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
count=0
while IFS= read -r -d '' page; do
    png="${page%.html}.png"
    "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --window-size="$width,$height" \
        --screenshot="$png" "file://$(realpath "$page")" >/dev/null 2>&1
    test -s "$png"
    echo "$png"
    count=$((count + 1))
done < <(find "$@" -type f \( -name report.html -o -name compare.html -o -name sweep.html \) -print0 | sort -z)
echo "$count pages screenshot" >&2
