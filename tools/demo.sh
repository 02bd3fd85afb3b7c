#!/usr/bin/env bash
# demo.sh: README's first command.  Installs what is missing, builds
# build/imgopt and optimizes the bundled sample images into a temporary
# folder, printing the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
out=$(mktemp -d "${TMPDIR:-/tmp}/imgopt-demo.XXXXXX")
echo "Optimizing samples/ into $out"
build/imgopt -v -o "$out" samples
