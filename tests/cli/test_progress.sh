#!/usr/bin/env bash
# The progress line on stderr: drawn on a terminal and not elsewhere, a
# sensible first line before any image is done, and an ETA from the input
# bytes (the largest file goes first, so an ETA by count starts far too
# high).
. "$(dirname "$0")/lib.sh"

# One big image (over 99% of the input bytes) and 30 small ones.
mkdir -p "$T/in"
make_photo "$T/in/big.jpg" 3000 3000 95
make_photo "$T/small.jpg" 64 64 95
for i in $(seq 1 30); do cp "$T/small.jpg" "$T/in/s$i.jpg"; done

# The bar redraws with \r and erases with ESC[K: one line per drawing.
lines() { # FILE
	tr '\r' '\n' <"$1" | sed 's/\x1b\[K//g' | grep '^\['
}

# --progress forces the bar without a terminal.  -j 1: the big image is
# the first task and the first result.
expect_status 0 "run with --progress" \
	"$IMGOPT" --progress -j 1 -o "$T/out1" "$T/in"
lines "$T/err" >"$T/lines"
check "the bar was drawn" test -s "$T/lines"
check "first line says starting (got: $(head -n 1 "$T/lines"))" \
	grep -q '^\[-*\] starting\.\.\.  0:0[0-9]  .*big\.jpg' \
	<(head -n 1 "$T/lines")
check "never 0/0" test -z "$(grep ' 0/0' "$T/lines")"
check "last line counts all 31 (got: $(tail -n 1 "$T/lines"))" \
	grep -q '^\[#*\] 31/31 100%' <(tail -n 1 "$T/lines")

# Every ETA drawn comes after the big image, when more than 99% of the
# bytes are done: by bytes the time left is under a hundredth of the time
# spent; by count it would be 30 times the time spent.  The bar redraws at
# most every 0.1 s, so on a very fast machine no line with an ETA may be
# drawn; then there is nothing to check.
python3 - "$T/lines" <<'PY' || fail "ETA by bytes"
import re, sys

def secs(t):
    s = 0
    for part in t.split(":"):
        s = s * 60 + int(part)
    return s

seen = 0
for line in open(sys.argv[1]):
    m = re.search(r"  (\d+(?::\d\d)+)  ETA (\d+(?::\d\d)+)", line)
    if not m:
        continue
    seen += 1
    spent, left = secs(m.group(1)), secs(m.group(2))
    assert left <= spent, "ETA %ds after %ds: %s" % (left, spent, line)
if not seen:
    print("test_progress: no ETA drawn (the big image took under 0.1 s)")
PY
ok

# Automatic: on a terminal (script gives stderr a pty) the bar is drawn;
# with stderr a file, or with --json, it is not.
if command -v script >/dev/null 2>&1; then
	script -qec "'$IMGOPT' -j 1 -o '$T/out2' '$T/in/s1.jpg' 2>'$T/tty-err' >/dev/null" \
		/dev/null >/dev/null
	check "no bar when stderr is a file" test -z "$(lines "$T/tty-err")"
	script -qec "'$IMGOPT' -j 1 -o '$T/out3' '$T/in/s1.jpg' >/dev/null" \
		"$T/tty-log" >/dev/null
	check "bar on a terminal" grep -q '1/1 100%' "$T/tty-log"
	script -qec "'$IMGOPT' --json -j 1 -o '$T/out4' '$T/in/s1.jpg' >/dev/null" \
		"$T/tty-json" >/dev/null
	check "no bar with --json" test -z "$(lines "$T/tty-json")"
	script -qec "'$IMGOPT' --no-progress -j 1 -o '$T/out5' '$T/in/s1.jpg' >/dev/null" \
		"$T/tty-off" >/dev/null
	check "no bar with --no-progress" test -z "$(lines "$T/tty-off")"
else
	echo "test_progress: no script(1); terminal checks skipped"
fi
finish
