#!/usr/bin/env bash
# Ctrl-C mid-run: exit 130, no partial or temp files, no orphan workers,
# a summary that says what was not done.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
make_photo "$T/base.jpg" 1600 1200 98
for i in $(seq 1 40); do cp "$T/base.jpg" "$T/in/p$i.jpg"; done

"$IMGOPT" --json -j 2 -f png -q 60 -o "$T/out-dir" "$T/in" >"$T/run.jsonl" 2>"$T/run.err" &
parent=$!
sleep 1.5
kids=$(pgrep -P "$parent" | tr '\n' ' ')
kill -INT "$parent"
wait "$parent"
st=$?
check "exit status 130 (got $st)" test "$st" -eq 130
check "no temp files" test -z "$(find "$T/out-dir" -name '.imgopt-tmp-*' 2>/dev/null)"
sleep 0.5
alive=0
for k in $kids; do running "$k" && alive=1; done
check "no orphan workers" test "$alive" -eq 0
python3 - "$T/run.jsonl" "$T/out-dir" <<'PY' || fail "interrupted summary"
import json, os, subprocess, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
s = lines[-1]
assert s["type"] == "summary" and s["interrupted"] is True, s
res = [l for l in lines if l["type"] == "result"]
assert len(res) == 40, len(res)   # every input reported: done or not done
done = [r for r in res if r["success"]]
assert 0 < len(done) < 40, len(done)
assert s["cancelled"] == 40 - len(done) - s["failed"], s
for r in done:   # every output that exists is complete
    subprocess.check_call(["vipsheader", r["optimized_path"]], stdout=subprocess.DEVNULL)
outs = [f for f in os.listdir(sys.argv[2])]
assert len(outs) == len(done), (len(outs), len(done))
PY
ok
# The text summary lists what was not done.
"$IMGOPT" -j 2 -f png -q 60 -o "$T/out-text" "$T/in" >"$T/run.txt" 2>&1 &
parent=$!
sleep 1.5
kill -INT "$parent"
wait "$parent"
check "text summary says interrupted" grep -q "^Interrupted\." "$T/run.txt"
check "text summary lists what was not done" grep -q "^Not done (interrupted):" "$T/run.txt"
finish
