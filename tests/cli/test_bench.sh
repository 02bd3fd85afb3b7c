#!/usr/bin/env bash
# Benchmark mode and `imgopt bench`: the figures are there, consistent with
# the run, and nothing is left behind.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
for i in 1 2 3 4 5 6; do make_photo "$T/in/p$i.jpg" 300 200 95; done
echo junk > "$T/in/bad.jpg"

expect_status 1 "benchmark run" "$IMGOPT" --json --benchmark -j 2 -o "$T/o" "$T/in"
python3 - "$T/out" <<'PY' || fail "benchmark JSON"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
b = lines[-1]
assert b["type"] == "benchmark" and lines[-2]["type"] == "summary", b
assert b["workers"] == 2 and b["tasks"] == 7 and b["succeeded"] == 6 and b["failed"] == 1, b
res = [l for l in lines if l["type"] == "result" and l["success"]]
assert b["bytes_in"] == sum(r["original_size"] for r in res), b
assert b["bytes_out"] == sum(r["optimized_size"] for r in res), b
for k in ("queue_wait_ms", "worker_ms", "header_ms", "pipeline_ms", "pool_overhead_ms", "latency_ms"):
    d = b[k]
    assert 0 <= d["p50"] <= d["p95"] <= d["max"] * 1.01 + 1e-9, (k, d)
assert b["worker_ms"]["p50"] > 0 and b["pipeline_ms"]["p50"] > 0
assert sum(w["tasks"] for w in b["per_worker"]) == 7, b["per_worker"]
assert 0 < b["utilisation"] <= 1 and b["images_per_second"] > 0
assert b["megapixels_per_second"] > 0 and b["parent_peak_rss_mb"] > 0
PY
ok

expect_status 1 "benchmark table" "$IMGOPT" --benchmark -j 2 -o "$T/o2" "$T/in"
check "table printed" contains "$T/out" "pool overhead (dispatch+IPC)"

before=$(ls -d /tmp/imgopt-bench-* 2>/dev/null | wc -l)
expect_status 0 "bench scaling" "$IMGOPT" bench --json --jobs 1,2 --repeat 1 "$T/in/p1.jpg" "$T/in/p2.jpg" "$T/in/p3.jpg"
python3 - "$T/out" <<'PY' || fail "bench JSON"
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d["type"] == "bench_scaling" and [r["processes"] for r in d["rows"]] == [1, 2], d
assert d["rows"][0]["speedup"] == 1.0 and all(r["images_per_second"] > 0 for r in d["rows"]), d
PY
ok
check "bench leaves no temp folders" test "$(ls -d /tmp/imgopt-bench-* 2>/dev/null | wc -l)" -eq "$before"
expect_status 2 "bench bad jobs" "$IMGOPT" bench --jobs 0,x "$T/in"
expect_status 0 "bench help" "$IMGOPT" bench --help
finish
