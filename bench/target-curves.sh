#!/usr/bin/env bash
# bench/target-curves.sh: how far can choosing the quality per image go?
#
#   bench/target-curves.sh [--from Q] [--step N] [--reference Q] [CORPUS]
#
# Encodes CORPUS/jpeg/*.jpg to JPEG at every quality from --from (40) to 98
# in steps of --step (2), with --allow-larger, scores each output against
# its input with `imgopt compare`, and compares three ways to reach the mean
# score of the fixed quality --reference (80; sharp writes the same pixels
# at its quality 80, baseline instead of progressive):
#   fixed     one quality for every image (the reference);
#   target    every image at the lowest quality that reaches one score
#             (what --target does), the score chosen so that the mean
#             equals the reference's;
#   best      per image, the quality that minimises total bytes for that
#             mean (Lagrange multiplier over each image's bytes/score
#             points): the least any per-image quality choice can spend.
# Prints bytes, mean and lowest score of each; the per-image points go to
# $OUT (default bench/results/target-curves.tsv).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

from=40 step=2 ref=80 corpus=${IMGOPT_CORPUS:-}
while [ $# -gt 0 ]; do
	case $1 in
	--from) from=${2:?--from needs a quality}; shift 2 ;;
	--step) step=${2:?--step needs a number}; shift 2 ;;
	--reference) ref=${2:?--reference needs a quality}; shift 2 ;;
	-h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "target-curves.sh: unknown option $1" >&2; exit 2 ;;
	*) corpus=$1; shift ;;
	esac
done
corpus=$(bench_corpus "$corpus")
if (((ref - from) % step)); then
	echo "target-curves.sh: --reference $ref is not on the grid from $from step $step" >&2
	exit 2
fi
imgopt=$(bench_imgopt)
out=${OUT:-$here/results/target-curves.tsv}
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "${TMPDIR:-/tmp}/imgopt-curves.XXXXXX")
trap 'rm -rf "$work"' EXIT

printf 'quality\tfile\tbytes\tscore\n' >"$out"
for q in $(seq "$from" "$step" 98); do
	"$imgopt" -q "$q" --allow-larger --no-progress -o "$work/q$q" "$corpus/jpeg" >/dev/null
	for f in "$corpus"/jpeg/*.jpg; do
		b=$(basename "$f")
		printf '%s\t%s\t%s\t%s\n' "$q" "$b" "$(stat -c %s "$work/q$q/$b")" \
			"$("$imgopt" compare "$f" "$work/q$q/$b")"
	done >>"$out"
	rm -rf "${work:?}/q$q"
done

python3 - "$out" "$ref" <<'PY'
import collections, sys

points = collections.defaultdict(dict)  # file -> quality -> (bytes, score)
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        q, name, size, score = line.rstrip("\n").split("\t")
        points[name][int(q)] = (int(size), float(score))
ref = int(sys.argv[2])
files = sorted(points)
qs = sorted(set.intersection(*(set(points[n]) for n in files)))
n = len(files)

def totals(pick):  # pick: file -> quality
    chosen = [points[f][pick[f]] for f in files]
    return (sum(b for b, _ in chosen), sum(s for _, s in chosen) / n,
            min(s for _, s in chosen))

def target(t):  # lowest quality reaching t, else the highest
    return {f: next((q for q in qs if points[f][q][1] >= t), qs[-1])
            for f in files}

def best(lam):  # minimise bytes - lam * score per image
    return {f: min(qs, key=lambda q: points[f][q][0] - lam * points[f][q][1])
            for f in files}

def bisect(make, lo, hi, mean):  # smallest parameter whose mean >= mean
    for _ in range(100):
        mid = (lo + hi) / 2
        if totals(make(mid))[1] >= mean:
            hi = mid
        else:
            lo = mid
    return hi

fixed = totals({f: ref for f in files})
t = bisect(target, 0.0, 1.0, fixed[1])
rows = [("fixed -q %d" % ref, fixed), ("target ssim:%.5f" % t, totals(target(t))),
        ("best per-image qualities", totals(best(bisect(best, 0.0, 1e12, fixed[1]))))]
print(f"{n} JPEGs, qualities {qs[0]}-{qs[-1]} step {qs[1] - qs[0]}")
print(f"{'allocation':28s} {'bytes':>11s} {'vs fixed':>9s} {'mean':>8s} {'lowest':>8s}")
for label, (b, m, low) in rows:
    print(f"{label:28s} {b:11d} {b / fixed[0] - 1:+9.1%} {m:8.4f} {low:8.4f}")
PY
