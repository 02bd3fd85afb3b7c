#!/usr/bin/env bash
# bench.sh: the process pool's figures on the corpus from
# ../shared/corpus/fetch-corpus.sh, each a ratio measured in one run:
#   1. scaling: images/s at 1 and 2 worker processes (imgopt bench)
#   2. ordering: largest-first against walk order, alternating runs
#   3. pool overhead per image (dispatch + IPC, worker time excluded) on
#      many small images, where it matters most
#   4. parent peak memory over many tiny files (flat in the file count)
#
#   bench/bench.sh [CORPUS_DIR]        (default: a cached corpus)
#   BENCH_REPEAT=3 BENCH_TINY=100000 bench/bench.sh
# Writes bench/results/pool-latest.json and prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=${BENCH_REPEAT:-3}
tiny=${BENCH_TINY:-100000}
corpus=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/imgopt-corpus}
shared=${IMGOPT_SHARED:-$(cd .. && pwd)/shared}

tools/install-deps.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
[ -d "$corpus/jpeg" ] || "$shared/corpus/fetch-corpus.sh" "$corpus" >&2
rasters=("$corpus/jpeg" "$corpus/png" "$corpus/webp")
work=$(mktemp -d "${TMPDIR:-/tmp}/imgopt-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
out=bench/results/pool-latest.json

echo "== 1. scaling on the corpus ($repeat runs per count, alternating)" >&2
build/imgopt bench --json --jobs 1,2 --repeat "$repeat" "${rasters[@]}" >"$work/scaling.json"

echo "== 2. largest first vs walk order (-j 2, $repeat runs each, alternating)" >&2
for r in $(seq 1 "$repeat"); do
	for order in largest given; do
		rm -rf "$work/o"
		build/imgopt --json --benchmark --order "$order" -j 2 -o "$work/o" \
			"${rasters[@]}" | tail -1 >>"$work/order-$order.jsonl"
	done
done

echo "== 3. pool overhead on 500 small images" >&2
mkdir -p "$work/small"
vips thumbnail "$(ls "$corpus"/jpeg/*.jpg | head -1)" "$work/s.jpg[Q=95]" 96
for i in $(seq 1 500); do cp "$work/s.jpg" "$work/small/s$i.jpg"; done
rm -rf "$work/o"
build/imgopt --json --benchmark -j 2 -o "$work/o" "$work/small" | tail -1 >"$work/small.json"

echo "== 4. parent memory over $tiny tiny files" >&2
mkdir -p "$work/tiny"
vips black "$work/t.png" 4 4
# Hard links keep this fast; a new source every 50000 stays under the file
# system's link limit (65000 on ext4).
for i in $(seq 1 "$tiny"); do
	[ $((i % 50000)) -eq 1 ] && cp "$work/t.png" "$work/t-$i.png" && src="$work/t-$i.png"
	ln "$src" "$work/tiny/t$i.png"
done
rm -rf "$work/o"
build/imgopt --json --benchmark -j 2 -o "$work/o" "$work/tiny" | tail -1 >"$work/tiny.json"

python3 - "$work" "$out" "$tiny" <<'PY'
import json, os, statistics, sys, platform, subprocess
work, out, tiny = sys.argv[1], sys.argv[2], int(sys.argv[3])
scaling = json.load(open(f"{work}/scaling.json"))
order = {o: [json.loads(l) for l in open(f"{work}/order-{o}.jsonl")]
         for o in ("largest", "given")}
small = json.load(open(f"{work}/small.json"))
tinyb = json.load(open(f"{work}/tiny.json"))
ips = {o: statistics.median(r["images_per_second"] for r in rs) for o, rs in order.items()}
result = {
    "machine": {"cpus": os.cpu_count(), "system": platform.platform(),
                "libvips": subprocess.run(["vips", "--version"], capture_output=True, text=True).stdout.strip()},
    "scaling": scaling["rows"],
    "ordering": {"largest_first_images_per_second": ips["largest"],
                 "walk_order_images_per_second": ips["given"],
                 "largest_over_walk": ips["largest"] / ips["given"]},
    "small_images": {"count": small["tasks"],
                     "pool_overhead_ms": small["pool_overhead_ms"],
                     "images_per_second": small["images_per_second"]},
    "tiny_files": {"count": tinyb["tasks"], "parent_peak_rss_mb": tinyb["parent_peak_rss_mb"],
                   "images_per_second": tinyb["images_per_second"]},
}
json.dump(result, open(out, "w"), indent=1)
print(f"{'processes':>9} {'images/s':>9} {'speed-up':>9} {'efficiency':>10} {'pool ovh ms':>11}")
for r in scaling["rows"]:
    print(f"{r['processes']:>9} {r['images_per_second']:>9.2f} {r['speedup']:>8.2f}x "
          f"{r['efficiency']*100:>9.0f}% {r['pool_overhead_p50_ms']:>11.3f}")
o = result["ordering"]
print(f"largest first {o['largest_first_images_per_second']:.2f} images/s, walk order "
      f"{o['walk_order_images_per_second']:.2f}: {o['largest_over_walk']:.2f}x")
p = small["pool_overhead_ms"]
print(f"pool overhead per image on {small['tasks']} small images: p50 {p['p50']:.3f} ms, "
      f"p95 {p['p95']:.3f} ms ({small['images_per_second']:.0f} images/s)")
print(f"parent peak RSS over {tinyb['tasks']} tiny files: {tinyb['parent_peak_rss_mb']:.1f} MB")
print(f"written: {out}")
PY
