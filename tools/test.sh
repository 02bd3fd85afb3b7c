#!/usr/bin/env bash
# test.sh: README's second command, and all that .ci/run does.  Installs
# what is missing, builds twice and runs the whole suite:
#   build/      release build with -Werror: CLI, fault and hostile-input
#               tests (real memory limits need a build without ASan)
#   build-san/  ASan + UBSan build with -Werror: unit and pool tests, and
#               the CLI tests again (the hostile corpus and the SVG
#               minifier under the sanitizers; any report fails the test)
#   the server suite (build/): `imgopt serve` with curl, and the page in
#               chromium (tests/server/)
# Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh || exit 1

setup() { # DIR ARGS...
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}
setup build --buildtype=release -Dwerror=true || exit 1
setup build-san --buildtype=debug -Dwerror=true \
	-Db_sanitize=address,undefined -Db_lundef=false || exit 1
ninja -C build || exit 1
ninja -C build-san || exit 1

export IMGOPT_SHARED=${IMGOPT_SHARED:-$(cd .. && pwd)/shared}
rc=0
meson test -C build-san --suite unit --suite pool --suite cli \
	--print-errorlogs --num-processes 2 || rc=1
# One call for both suites: each `meson test` rewrites testlog.json.
meson test -C build --suite cli --suite server --print-errorlogs || rc=1

python3 - build-san/meson-logs/testlog.json build/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for line in lines:
        r = json.loads(line)
        if r["result"] == "OK":
            passed += 1
        elif r["result"] == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
