#!/usr/bin/env bash
# svg-vs-svgo.sh: imgopt's SVG minifier against svgo on the same files.
#
#   bench/svg-vs-svgo.sh [DIR...]    default: ../corpus/svg ../corpus/svg-icons
#
# For each folder of SVGs (shared/corpus/fetch-corpus.sh makes two): bytes
# in and out, percentage saved and wall time for svgo (its default preset,
# installed with npm into bench/svgo/node_modules, gitignored; not
# bench/node_modules, which holds bench/compare's own packages) and for
# imgopt at -q 90 (3 decimals, like svgo's default floatPrecision) with one
# worker and with every core.  Then each output is rendered with librsvg
# (libvips) next to its input, and the files whose pixels differ by more
# than 4 and by more than 32 levels (of 255) are counted.
#
# Environment: IMGOPT (default build/imgopt), SVGO_VERSION (4.1.0),
# QUALITY (90), KEEP=1 keeps the work folder.  Needs node/npm, python3,
# cc and libvips-dev (for the render check).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
IMGOPT=${IMGOPT:-$root/build/imgopt}
SVGO_VERSION=${SVGO_VERSION:-4.1.0}
QUALITY=${QUALITY:-90}
if [ $# -eq 0 ]; then
	set --
	for d in "$root/../corpus/svg" "$root/../corpus/svg-icons"; do
		[ -d "$d" ] && set -- "$@" "$d"
	done
	[ $# -gt 0 ] || { echo "usage: $0 DIR... (no ../corpus: run shared/corpus/fetch-corpus.sh)" >&2; exit 2; }
fi
[ -x "$IMGOPT" ] || { echo "$0: no $IMGOPT (build first, or set IMGOPT)" >&2; exit 2; }

svgo="$here/svgo/node_modules/.bin/svgo"
if [ ! -x "$svgo" ] || ! "$svgo" --version 2>/dev/null | grep -qx "$SVGO_VERSION"; then
	echo "installing svgo $SVGO_VERSION into bench/svgo/node_modules" >&2
	mkdir -p "$here/svgo"
	npm install --prefix "$here/svgo" --no-save --no-package-lock \
		--no-audit --no-fund --loglevel=error "svgo@$SVGO_VERSION" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/svg-vs-svgo.XXXXXX")
[ "${KEEP:-0}" = 1 ] && echo "work folder: $work" >&2 || trap 'rm -rf "$work"' EXIT

# The render check: both files through librsvg, premultiplied, largest
# difference of any band of any pixel.  Large drawings are rendered at
# 2048 pixels on their longest side.
cat >"$work/svgdiff.c" <<'EOF'
#include <stdio.h>
#include <vips/vips.h>

static VipsImage *
render(const char *path, double scale)
{
	VipsImage *im = NULL, *pre = NULL, *out = NULL;

	if (vips_svgload(path, &im, "scale", scale, "unlimited", TRUE, NULL))
		return NULL;
	if (!vips_premultiply(im, &pre, NULL))
		vips_cast(pre, &out, VIPS_FORMAT_UCHAR, NULL);
	VIPS_UNREF(im);
	VIPS_UNREF(pre);
	return out;
}

/* Pairs of paths on stdin; one max difference (or -1) per line out. */
int
main(int argc, char **argv)
{
	char a[4096], b[4096];

	(void)argc;
	if (VIPS_INIT(argv[0]))
		return 1;
	while (scanf(" %4095[^\t]\t%4095[^\n]", a, b) == 2) {
		VipsImage *x = render(a, 1), *y, *d = NULL, *e = NULL;
		double scale = 1, max = -1;

		if (x && (double)x->Xsize * x->Ysize > 4e6) {
			scale = 2048.0 / MAX(x->Xsize, x->Ysize);
			VIPS_UNREF(x);
			x = render(a, scale);
		}
		y = render(b, scale);
		if (x && y && x->Xsize == y->Xsize && x->Ysize == y->Ysize &&
		    !vips_subtract(x, y, &d, NULL) && !vips_abs(d, &e, NULL))
			vips_max(e, &max, NULL);
		else if (x && y)
			max = 255;
		printf("%.0f\n", max);
		fflush(stdout);
		VIPS_UNREF(x);
		VIPS_UNREF(y);
		VIPS_UNREF(d);
		VIPS_UNREF(e);
		vips_error_clear();
	}
	return 0;
}
EOF
cc -O2 -o "$work/svgdiff" "$work/svgdiff.c" $(pkg-config --cflags --libs vips)

now() { date +%s.%N; }
bytes() { find "$1" -maxdepth 1 -type f -iname '*.svg' -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
count() { find "$1" -maxdepth 1 -type f -iname '*.svg' | wc -l; }
# diffs IN OUT: render differences over the files both folders hold.
diffs() {
	(cd "$1" && find . -maxdepth 1 -type f -iname '*.svg' -printf '%P\n' | sort) |
		while IFS= read -r f; do
			[ -f "$2/$f" ] && printf '%s\t%s\n' "$1/$f" "$2/$f"
		done | "$work/svgdiff" | awk '$1 > 4 {a++} $1 > 32 {b++} $1 < 0 {c++}
			END {printf "%d %d %d\n", a, b, c}'
}

printf '%-12s %-10s %6s %11s %11s %7s %8s %7s %7s\n' folder tool files \
	"bytes in" "bytes out" saved seconds ">4 lvl" ">32 lvl"
for dir in "$@"; do
	name=$(basename "$dir")
	in=$(bytes "$dir")
	n=$(count "$dir")
	for tool in svgo imgopt-j1 imgopt; do
		out="$work/$name/$tool"
		mkdir -p "$out"
		t0=$(now)
		case $tool in
		svgo) "$svgo" -q -f "$dir" -o "$out" >/dev/null 2>"$work/$tool.err" || true ;;
		imgopt-j1) "$IMGOPT" -q "$QUALITY" -j 1 --no-progress -o "$out" "$dir" >/dev/null 2>"$work/$tool.err" || true ;;
		imgopt) "$IMGOPT" -q "$QUALITY" --no-progress -o "$out" "$dir" >/dev/null 2>"$work/$tool.err" || true ;;
		esac
		t1=$(now)
		got=$(bytes "$out")
		# A file a tool failed on counts as not made smaller.
		missing=$(comm -23 <(cd "$dir" && ls | grep -i '\.svg$' | sort) \
			<(cd "$out" && ls | sort) | while IFS= read -r f; do
			stat -c %s "$dir/$f"; done | awk '{s += $1} END {print s + 0}')
		got=$((got + missing))
		read -r d4 d32 derr < <(diffs "$dir" "$out")
		printf '%-12s %-10s %6d %11d %11d %6.1f%% %8.2f %7d %7d\n' "$name" "$tool" \
			"$n" "$in" "$got" "$(python3 -c "print(100 * ($in - $got) / $in)")" \
			"$(python3 -c "print($t1 - $t0)")" "$d4" "$d32"
	done
done
echo "machine: $(nproc) cores, $(. /etc/os-release && echo "$PRETTY_NAME"); svgo $SVGO_VERSION (node $(node --version)); imgopt -q $QUALITY"
