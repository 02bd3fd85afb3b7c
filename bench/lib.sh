# bench/lib.sh: what the bench scripts share (sourced, not run).
#   bench_corpus [DIR]  prints the corpus folder: DIR, else $IMGOPT_CORPUS,
#                       else the cache folder ../shared/corpus/fetch-corpus.sh
#                       fills (fetched when it has no jpeg/ yet)
#   bench_imgopt        prints the binary: $IMGOPT, else build/imgopt, built
#                       (release) when needed
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

bench_corpus() {
	local c=${1:-${IMGOPT_CORPUS:-}}

	if [ -z "$c" ]; then
		c=${XDG_CACHE_HOME:-$HOME/.cache}/imgopt-corpus
		if [ ! -d "$c/jpeg" ]; then
			"$bench_root/../shared/corpus/fetch-corpus.sh" "$c" >&2 || return 1
		fi
	fi
	if [ ! -d "$c" ]; then
		echo "$(basename "$0"): $c is not a folder" >&2
		return 1
	fi
	printf '%s\n' "$c"
}

bench_imgopt() {
	if [ -n "${IMGOPT:-}" ]; then
		printf '%s\n' "$IMGOPT"
		return
	fi
	[ -f "$bench_root/build/build.ninja" ] ||
		meson setup "$bench_root/build" --buildtype=release >&2 || return 1
	ninja -C "$bench_root/build" >&2 || return 1
	printf '%s\n' "$bench_root/build/imgopt"
}
