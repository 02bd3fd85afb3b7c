#!/usr/bin/env bash
# bench/target.sh: imgopt's visual quality target against sharp at quality 80.
#
#   bench/target.sh [--runs N] [--scenarios jpeg,webp] [--no-calibrate] [CORPUS]
#
# For each scenario (jpeg: CORPUS/jpeg/*.jpg to JPEG; webp: CORPUS/webp/*.webp
# to WebP):
#  1. sharp encodes every image at quality 80 (sharp's defaults otherwise,
#     sharp.concurrency(1), one image in flight per CPU);
#  2. `imgopt compare` scores each sharp output against its input, and the
#     mean is the target;
#  3. imgopt encodes the same images with --target ssim:MEAN, and at a fixed
#     -q 80, with one worker per CPU and --allow-larger (so the encoder is
#     measured, not the never-worse rule);
#  4. imgopt's targeted outputs are scored the same way;
#  5. unless --no-calibrate, the target is also searched (bisection, up to 10 runs)
#     for the one whose outputs' mean score equals sharp's: every image at
#     least the target gives a higher mean than the target itself.
# Prints bytes, mean and lowest score, wall and CPU time (median of N runs).
#
# CORPUS defaults to $IMGOPT_CORPUS, else the folder
# ../shared/corpus/fetch-corpus.sh fetches into (bench/lib.sh).  sharp comes from
# bench/node_modules (npm ci --prefix bench, from bench/package-lock.json)
# when bench/package.json exists, else it is installed into a temporary
# folder.  IMGOPT=path uses that binary; otherwise build/imgopt is built.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

runs=1 scenarios=jpeg,webp calibrate=1 corpus=${IMGOPT_CORPUS:-}
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=${2:?--runs needs a number}; shift 2 ;;
	--scenarios) scenarios=${2:?--scenarios needs a list}; shift 2 ;;
	--no-calibrate) calibrate=0; shift ;;
	-h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "target.sh: unknown option $1" >&2; exit 2 ;;
	*) corpus=$1; shift ;;
	esac
done
corpus=$(bench_corpus "$corpus")
command -v node >/dev/null || { echo "target.sh: needs node (apt-get install nodejs npm)" >&2; exit 2; }
command -v npm >/dev/null || { echo "target.sh: needs npm" >&2; exit 2; }

imgopt=$(bench_imgopt)

work=$(mktemp -d "${TMPDIR:-/tmp}/imgopt-target-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# sharp: bench/node_modules if the bench folder has its lock file (left as
# it is when it already loads: another bench may be using it), else a
# temporary install.
if [ -f "$here/package.json" ]; then
	sharp_dir=$here
	if ! (cd "$here" && node -e "require('sharp')" 2>/dev/null); then
		npm ci --prefix "$here" --no-audit --no-fund >&2
	fi
else
	sharp_dir=$work/npm
	mkdir -p "$sharp_dir"
	npm install --prefix "$sharp_dir" --no-audit --no-fund sharp@0.35.5 >&2
fi

cpus=$(nproc)
cat >"$work/sharp.cjs" <<'JS'
// argv: sharpDir fmt quality inflight outDir files...
const [, , dir, fmt, q, inflight, outDir, ...files] = process.argv;
const sharp = require(require.resolve('sharp', { paths: [dir] }));
const path = require('path');
sharp.concurrency(1);
sharp.cache(false);
let next = 0;
async function lane() {
  while (next < files.length) {
    const f = files[next++];
    const out = path.join(outDir, path.basename(f).replace(/\.[^.]*$/, '.' + fmt));
    const p = sharp(f, { limitInputPixels: 268402689 });
    await (fmt === 'jpg' ? p.jpeg({ quality: +q }) : p.webp({ quality: +q })).toFile(out);
  }
}
Promise.all(Array.from({ length: +inflight }, lane)).catch((e) => {
  console.error(e.message);
  process.exit(1);
});
JS

# "WALL CPU" seconds of a command (its output discarded); CPU is user +
# system of it and its children, steadier than wall time on a shared
# machine.
seconds() {
	local t0 t1
	t0=$(date +%s.%N)
	/usr/bin/time -o "$work/time" -f '%U %S' "$@" >/dev/null 2>"$work/stderr" ||
		{ cat "$work/stderr" >&2; return 1; }
	t1=$(date +%s.%N)
	echo "$(echo "$t1 - $t0" | bc -l) $(awk '{print $1 + $2}' "$work/time")"
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
total_bytes() { find "$1" -type f ! -name '.*' -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

# "MEAN LOWEST COUNT" of the scores of DIR's outputs against the inputs
# (same base names)
mean_score() { # INDIR OUTDIR EXT
	local f b
	for f in "$2"/*."$3"; do
		b=$(basename "${f%.*}")
		printf '%s\0%s\0' "$(ls "$1/$b".* | head -1)" "$f"
	done | xargs -0 -n 2 -P "$cpus" "$imgopt" compare |
		awk 'NR == 1 || $1 < m {m = $1} {s += $1; n++}
		     END {printf "%.6f %.6f %d\n", s / n, m, n}'
}

command -v /usr/bin/time >/dev/null || { echo "target.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

# imgopt --target T on the scenario's images into $work/$2; prints "WALL CPU"
run_target() { # T OUTDIR
	rm -rf "${work:?}/$2"
	# shellcheck disable=SC2086
	seconds "$imgopt" --no-progress --allow-larger -j "$cpus" $flag --target "ssim:$1" -o "$work/$2" "$in"
}

row() { # LABEL BYTES MEAN LOWEST WALL CPU RATIO
	printf '%-6s %-30s %11d %9.4f %8.4f %8.2f %8.2f %7s\n' "$sc" "$@"
}

printf '%-6s %-30s %11s %9s %8s %8s %8s %7s\n' scenario tool bytes "mean" lowest "wall s" "cpu s" "cpu/q80"
for sc in ${scenarios//,/ }; do
	case $sc in
	jpeg) in=$corpus/jpeg ext=jpg flag="" ;;
	webp) in=$corpus/webp ext=webp flag="-f webp" ;;
	*) echo "target.sh: unknown scenario $sc" >&2; exit 2 ;;
	esac
	files=("$in"/*."$ext")
	sw=() sc_=() iw=() ic=() qw=() qc=()
	for r in $(seq "$runs"); do
		rm -rf "$work/sharp" "$work/q80"
		mkdir -p "$work/sharp"
		read -r w c < <(seconds node "$work/sharp.cjs" "$sharp_dir" "$ext" 80 "$cpus" "$work/sharp" "${files[@]}")
		sw+=("$w") sc_+=("$c")
		if [ "$r" = 1 ]; then
			read -r s_score s_low n < <(mean_score "$in" "$work/sharp" "$ext")
			target=$(printf '%.4f' "$s_score")
		fi
		read -r w c < <(run_target "$target" target)
		iw+=("$w") ic+=("$c")
		# shellcheck disable=SC2086
		read -r w c < <(seconds "$imgopt" --no-progress --allow-larger -j "$cpus" $flag -q 80 -o "$work/q80" "$in")
		qw+=("$w") qc+=("$c")
	done
	read -r i_score i_low _ < <(mean_score "$in" "$work/target" "$ext")
	read -r q_score q_low _ < <(mean_score "$in" "$work/q80" "$ext")
	q_cpu=$(printf '%s\n' "${qc[@]}" | median)
	row "sharp q80 ($n images)" "$(total_bytes "$work/sharp")" "$s_score" "$s_low" \
		"$(printf '%s\n' "${sw[@]}" | median)" "$(printf '%s\n' "${sc_[@]}" | median)" ""
	row "imgopt -q 80" "$(total_bytes "$work/q80")" "$q_score" "$q_low" \
		"$(printf '%s\n' "${qw[@]}" | median)" "$q_cpu" 1.00x
	i_cpu=$(printf '%s\n' "${ic[@]}" | median)
	row "imgopt --target ssim:$target" "$(total_bytes "$work/target")" "$i_score" "$i_low" \
		"$(printf '%s\n' "${iw[@]}" | median)" "$i_cpu" "$(printf '%.2fx' "$(echo "$i_cpu / $q_cpu" | bc -l)")"

	[ "$calibrate" = 1 ] || continue
	# The target whose outputs' mean equals sharp's: between sharp's
	# lowest score and its mean.  Bisected until the mean is within
	# 0.0001 above sharp's (at most 10 runs): 5 fixed steps left the
	# target 0.002 too high, which cost 4-5% bytes on the JPEG corpus.
	lo=$s_low hi=$target
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		mid=$(printf '%.5f' "$(echo "($lo + $hi) / 2" | bc -l)")
		read -r w c < <(run_target "$mid" calib)
		read -r m_score m_low _ < <(mean_score "$in" "$work/calib" "$ext")
		if (($(echo "$m_score >= $s_score" | bc -l))); then
			hi=$mid
			best="$mid $(total_bytes "$work/calib") $m_score $m_low $w $c"
			(($(echo "$m_score - $s_score < 0.0001" | bc -l))) && break
		else
			lo=$mid
		fi
	done
	if [ -n "${best:-}" ]; then
		read -r t b m l w c <<<"$best"
		row "imgopt --target ssim:$t" "$b" "$m" "$l" "$w" "$c" "$(printf '%.2fx' "$(echo "$c / $q_cpu" | bc -l)")"
	fi
	best=
done
