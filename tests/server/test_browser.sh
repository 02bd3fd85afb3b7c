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

check "server starts" start_server -j 2
IMGOPT_URL=$URL IMGOPT_IMAGES=$T/img IMGOPT_ARTIFACTS=$BUILD \
	IMGOPT_TMP=$T timeout 150 node "$HERE/browser/test_page.mjs"
check "page test (see above)" test $? -eq 0
alive
stop_server
check "server stopped cleanly" test "$STOP_STATUS" = 130
finish
