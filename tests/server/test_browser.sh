#!/usr/bin/env bash
# The page in a real browser: Debian's chromium driven by playwright-core
# (tests/server/browser/test_page.mjs) against a running `imgopt serve`.
# Installs playwright-core from the lock file when it is missing.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${IMGOPT_BUILD_ROOT:-$SRC/build}

for need in node npm /usr/bin/chromium; do
	if ! command -v "$need" >/dev/null; then
		echo "test_browser: $need is missing (tools/install-deps.sh" \
			"installs it)" >&2
		exit 1
	fi
done
if [ ! -d "$HERE/browser/node_modules/playwright-core" ]; then
	(cd "$HERE/browser" && npm ci --no-audit --no-fund --loglevel=error) ||
		{ echo "test_browser: npm ci failed" >&2; exit 1; }
fi

mkdir -p "$T/img"
make_photo "$T/img/beach.jpg" 800 600 98
make_photo "$T/img/forest.jpg" 640 480 97
make_alpha_png "$T/img/logo.png" 160 90
echo "this is not an image" >"$T/img/notes.jpg"
# For Stop: four photos of about a second each to AVIF (2400x1800, 1.1 MB)
# and a noise PNG encoded in a fifth of that. The largest file goes first:
# the PNG (1.6 MB, 16 bits a sample) and a photo, then the next photo; two
# are still queued when the PNG is done.
make_photo "$T/img/big.jpg" 2400 1800 95
for i in 1 2 3 4; do cp "$T/img/big.jpg" "$T/img/big$i.jpg"; done
for b in r g b; do
	vips gaussnoise "$T/.n$b.v" 520 520 --mean 32768 --sigma 8000
done
vips bandjoin "$T/.nr.v $T/.ng.v $T/.nb.v" "$T/.n3.v" &&
	vips cast "$T/.n3.v" "$T/.n16.v" ushort &&
	vips copy "$T/.n16.v" "$T/img/noise.png" --interpretation rgb16
rm -f "$T"/.n*.v

check "server starts" start_server -j 2
IMGOPT_URL=$URL IMGOPT_IMAGES=$T/img IMGOPT_ARTIFACTS=$BUILD \
	IMGOPT_TMP=$T timeout 150 node "$HERE/browser/test_page.mjs"
check "page test (see above)" test $? -eq 0
alive
stop_server
check "server stopped cleanly" test "$STOP_STATUS" = 130
finish
