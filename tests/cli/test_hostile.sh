#!/usr/bin/env bash
# The hostile corpus (shared/corpus/make-hostile.sh): one result per entry,
# clear errors, exit status 1, no crash of the parent, no partial or temp
# files, inputs byte-identical afterwards, nothing leaked.
. "$(dirname "$0")/lib.sh"

H="$T/hostile"
if ! "$SHARED/corpus/make-hostile.sh" "$H" >"$T/make.log" 2>&1; then
	grep -q "^made" "$T/make.log" || { fail "make-hostile.sh: $(tail -3 "$T/make.log")"; finish; }
fi
snapshot() { # the bytes, mode and mtime of every input, through links too
	(cd "$H" && find . -path ./optimized -prune -o \( -type f -o -type l \) \
		! -name MANIFEST.tsv -print0 | sort -z |
		while IFS= read -r -d '' f; do
			[ -p "$f" ] && continue
			case "$f" in ./symlink-to-dev-zero.jpg | ./symlink-loop-* | ./symlink-dangling.jpg) continue ;; esac
			printf '%s %s ' "$f" "$(stat -L -c '%a %Y %s' -- "$f" 2>/dev/null)"
			[ -r "$f" ] && [ "$(stat -L -c %s -- "$f")" -lt 100000000 ] &&
				sha256sum < "$f" | cut -c1-16 || echo
		done)
}
snapshot > "$T/before"

# 1. The folder as one argument, with a pool of workers.
start=$(date +%s)
expect_status 1 "hostile folder run" "$IMGOPT" --json -j 2 --timeout 30 "$H"
cp "$T/out" "$T/folder.jsonl"
check "folder run under 120 s" test $(( $(date +%s) - start )) -lt 120
check "manifest (folder)" python3 "$SRC/tests/cli/check_hostile.py" \
	"$H/MANIFEST.tsv" "$T/folder.jsonl" "$H" "$H/optimized" folder

# 2. Every entry named on the command line.
mapfile -d '' names < <(cd "$H" && find . -mindepth 1 -maxdepth 1 \
	! -name optimized -printf '%P\0' | sort -z)
args=()
for n in "${names[@]}"; do args+=("$H/$n"); done
expect_status 1 "hostile args run" "$IMGOPT" --json -j 2 --timeout 30 -- "${args[@]}"
cp "$T/out" "$T/args.jsonl"
check "manifest (args)" python3 "$SRC/tests/cli/check_hostile.py" \
	"$H/MANIFEST.tsv" "$T/args.jsonl" "$H" "$H/optimized" args

# 3. Limits are decided from the header: fast.
for f in png-bomb-100000x100000-1bit-deflate.png \
	png-bomb-100000x100000-rgba-header-only.png \
	jpeg-sof-65500x65500-tiny-data.jpg sparse-3GiB-valid-jpeg-then-zeros.jpg; do
	[ -e "$H/$f" ] || continue
	s=$(date +%s%N)
	"$IMGOPT" -j 1 -o "$T/lim" "$H/$f" >"$T/out" 2>&1
	ms=$(( ($(date +%s%N) - s) / 1000000 ))
	check "$f refused by a limit" grep -qE "limit|exceeds" "$T/out"
	check "$f refused in under 2 s (took $ms ms)" test "$ms" -lt 2000
done

snapshot > "$T/after"
check "inputs unchanged" diff "$T/before" "$T/after"
check "no temp files" test -z "$(find "$H" "$T" -name '.imgopt-tmp-*' 2>/dev/null)"
check "no pwned file" test -z "$(find "$T" "$SRC" "$PWD" /tmp -maxdepth 3 -name pwned-by-filename 2>/dev/null | head -1)"
check "no leak in outputs" bash -c "! grep -rqs 'root:x:0:0' '$H/optimized'"
finish
