#!/usr/bin/env bash
# End-to-end: folders in, smaller correct images out, the documented output
# layouts, JSON lines, exit codes.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in/sub"
make_photo "$T/in/photo.jpg" 640 480 98
make_photo "$T/in/sub/deep.jpg" 300 200 98
make_alpha_png "$T/in/alpha.png" 120 80
vips copy "$T/in/photo.jpg" "$T/in/sub/pic.webp[Q=95]"
echo "not an image" > "$T/in/notes.txt"

# --- default: optimized/ beside each input, JSON lines --------------------
expect_status 0 "default run" "$IMGOPT" --json -j 2 "$T/in"
cp "$T/out" "$T/run1.json"
check "photo written" test -s "$T/in/optimized/photo.jpg"
check "nested output beside its input" test -s "$T/in/sub/optimized/deep.jpg"
check "png output" test -s "$T/in/optimized/alpha.png"
check "webp output" test -s "$T/in/sub/optimized/pic.webp"
check "photo is smaller" test "$(stat -c %s "$T/in/optimized/photo.jpg")" -lt "$(stat -c %s "$T/in/photo.jpg")"
check "output is jpeg" test "$(sniff "$T/in/optimized/photo.jpg")" = jpeg
check "alpha kept" test "$(field "$T/in/optimized/alpha.png" bands)" -ge 2
python3 - "$T/run1.json" "$T/in" <<'PY' || fail "JSON lines"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
results = [l for l in lines if l["type"] == "result"]
skipped = [l for l in lines if l["type"] == "skipped"]
summary = lines[-1]
assert summary["type"] == "summary", summary
assert len(results) == 4, results
assert all(r["success"] for r in results), results
for r in results:
    assert set(r) == {"type", "original_path", "optimized_path", "original_size",
                      "optimized_size", "success", "error", "savedBytes",
                      "compressionRatio"}, r
    assert r["savedBytes"] == max(0, r["original_size"] - r["optimized_size"])
    if r["original_size"]:
        assert abs(r["compressionRatio"] - round(r["savedBytes"] * 100 / r["original_size"], 2)) < 1e-9
assert [s["path"].endswith("notes.txt") for s in skipped] == [True], skipped
for k in ("total", "succeeded", "failed", "original_bytes", "optimized_bytes", "wall_seconds"):
    assert k in summary, k
assert summary["total"] == 4 and summary["succeeded"] == 4 and summary["failed"] == 0
assert summary["original_bytes"] == sum(r["original_size"] for r in results)
assert summary["optimized_bytes"] == sum(r["optimized_size"] for r in results)
PY
ok

# --- a second run never optimizes its own outputs --------------------------
expect_status 0 "second run" "$IMGOPT" --json "$T/in"
check "outputs not re-entered" test "$(grep -c '"type":"result"' "$T/out")" -eq 4
check "optimized/ reported as skipped" contains "$T/out" '"reason":"output folder, not entered"'
check "no optimized/optimized" test ! -e "$T/in/optimized/optimized"

# --- -o keeps the structure relative to the argument ----------------------
expect_status 0 "-o run" "$IMGOPT" -o "$T/out-dir" "$T/in"
check "-o top level" test -s "$T/out-dir/photo.jpg"
check "-o nested" test -s "$T/out-dir/sub/deep.jpg"
check "-o file argument" "$IMGOPT" -q 80 -o "$T/out-file" "$T/in/sub/deep.jpg"
check "-o file lands at top" test -s "$T/out-file/deep.jpg"

# --- output format and extension -----------------------------------------
expect_status 0 "to webp" "$IMGOPT" -f webp -o "$T/webp" "$T/in"
check "photo.jpg -> photo.webp" test "$(sniff "$T/webp/photo.webp")" = webp
check "no photo.jpg in webp output" test ! -e "$T/webp/photo.jpg"
check "alpha kept in webp" test "$(field "$T/webp/alpha.webp" bands)" -eq 4
expect_status 0 "to avif" "$IMGOPT" -f avif -q 60 -o "$T/avif" "$T/in/photo.jpg"
check "avif output" test "$(sniff "$T/avif/photo.avif")" = avif
expect_status 0 "jpg alias" "$IMGOPT" -f jpg -o "$T/jpg" "$T/in/alpha.png"
check "png -> jpg" test "$(sniff "$T/jpg/alpha.jpg")" = jpeg

# --- JPEG chroma: a 4:2:0 source stays 4:2:0, a 4:4:4 source 4:4:4 --------
vips copy "$T/in/photo.jpg" "$T/c420.jpg[Q=85,subsample_mode=on]"
vips copy "$T/in/photo.jpg" "$T/c444.jpg[Q=85,subsample_mode=off]"
expect_status 0 "chroma run" "$IMGOPT" --allow-larger -q 92 -o "$T/chroma" "$T/c420.jpg" "$T/c444.jpg"
check "4:2:0 kept" test "$(field "$T/chroma/c420.jpg" jpeg-chroma-subsample)" = 4:2:0
check "4:4:4 kept" test "$(field "$T/chroma/c444.jpg" jpeg-chroma-subsample)" = 4:4:4

# --- two inputs, one derived output name: the second never overwrites ------
mkdir -p "$T/clash" && cp "$T/in/photo.jpg" "$T/clash/a.jpg" && cp "$T/in/alpha.png" "$T/clash/a.png"
expect_status 1 "output clash" "$IMGOPT" --json -f webp "$T/clash"
check "clash named" grep -q 'output .*a.webp was already written by another input in this run' "$T/out"
check "one output written" test "$(sniff "$T/clash/optimized/a.webp")" = webp

# --- resize, never enlarge -------------------------------------------------
expect_status 0 "resize" "$IMGOPT" -r longest:100 -o "$T/small" "$T/in"
check "longest side 100" test "$(field "$T/small/photo.jpg" width)" -eq 100
check "aspect kept" test "$(field "$T/small/photo.jpg" height)" -eq 75
expect_status 0 "resize shortest" "$IMGOPT" -r shortest:50 -o "$T/short" "$T/in/photo.jpg"
check "shortest side 50" test "$(field "$T/short/photo.jpg" height)" -eq 50
expect_status 0 "no enlarge" "$IMGOPT" -r width:5000 -o "$T/big" "$T/in/photo.jpg"
check "never enlarged" test "$(field "$T/big/photo.jpg" width)" -eq 640

# --- never worse: an input that cannot shrink is kept byte for byte --------
vips copy "$T/in/photo.jpg" "$T/tiny.jpg[Q=30,strip,optimize_coding]"
expect_status 0 "never worse" "$IMGOPT" --json -q 95 -o "$T/nw" "$T/tiny.jpg"
check "kept input bytes" cmp -s "$T/tiny.jpg" "$T/nw/tiny.jpg"
check "reports 0 saved" contains "$T/out" '"savedBytes":0'
expect_status 0 "allow larger" "$IMGOPT" --allow-larger -q 95 -o "$T/al" "$T/tiny.jpg"
check "--allow-larger writes the larger file" test "$(stat -c %s "$T/al/tiny.jpg")" -gt "$(stat -c %s "$T/tiny.jpg")"

# --- in place: atomic replace, mode kept ------------------------------------
cp "$T/in/photo.jpg" "$T/inplace.jpg"
chmod 640 "$T/inplace.jpg"
before=$(stat -c %s "$T/inplace.jpg")
expect_status 0 "in place" "$IMGOPT" --in-place "$T/inplace.jpg"
check "in place smaller" test "$(stat -c %s "$T/inplace.jpg")" -lt "$before"
check "in place mode kept" test "$(stat -c %a "$T/inplace.jpg")" = 640
check "no optimized/ for in place" test ! -e "$T/optimized"
expect_status 2 "in place with format" "$IMGOPT" --in-place -f webp "$T/inplace.jpg"

# --- dry run writes nothing -------------------------------------------------
mkdir -p "$T/dry" && cp "$T/in/photo.jpg" "$T/dry/"
expect_status 0 "dry run" "$IMGOPT" -n -f webp "$T/dry"
check "dry run lists" contains "$T/out" "would write $T/dry/photo.jpg -> $T/dry/optimized/photo.webp"
check "dry run wrote nothing" test ! -e "$T/dry/optimized"

# --- usage and settings errors: exit 2, the setting named, no work ---------
expect_status 2 "quality 0" "$IMGOPT" -q 0 "$T/dry"
check "quality 0 named" contains "$T/err" "--quality must be 1-100, got '0'"
expect_status 2 "quality 101" "$IMGOPT" --webp-quality 101 "$T/dry"
expect_status 2 "unknown format" "$IMGOPT" -f gif "$T/dry"
check "format named" contains "$T/err" "--format must be original, jpeg, png, webp or avif, got 'gif'"
expect_status 2 "bad resize" "$IMGOPT" -r diagonal:5 "$T/dry"
expect_status 2 "size 0" "$IMGOPT" -r width:0 "$T/dry"
echo '{"quality": {"global": 90,' > "$T/bad.json"
expect_status 2 "malformed settings" "$IMGOPT" --settings "$T/bad.json" "$T/dry"
check "malformed named" contains "$T/err" "malformed settings JSON"
echo '{"quality": {"global": 101}}' > "$T/bad2.json"
expect_status 2 "settings range" "$IMGOPT" --settings "$T/bad2.json" "$T/dry"
check "settings field named" contains "$T/err" "quality.global must be 1-100, got 101"
expect_status 2 "no path" "$IMGOPT"
expect_status 2 "unknown option" "$IMGOPT" --frobnicate "$T/dry"
check "no work on usage error" test ! -e "$T/dry/optimized"

# --- settings file, flags override it --------------------------------------
echo '{"quality": {"global": 50}, "resize": {"mode": "width", "size": 64}, "outputFormat": "png"}' > "$T/s.json"
expect_status 0 "settings file" "$IMGOPT" --settings "$T/s.json" -f webp -o "$T/sf" "$T/in/photo.jpg"
check "flag overrides file format" test -s "$T/sf/photo.webp"
check "file resize applies" test "$(field "$T/sf/photo.webp" width)" -eq 64

# --- some failed -> exit 1, the others still done --------------------------
mkdir -p "$T/mixed" && cp "$T/in/photo.jpg" "$T/mixed/good.jpg"
head -c 2000 "$T/in/photo.jpg" > "$T/mixed/cut.jpg"
expect_status 1 "some failed" "$IMGOPT" "$T/mixed"
check "good one written" test -s "$T/mixed/optimized/good.jpg"
check "failure named with reason" contains "$T/out" "$T/mixed/cut.jpg: "
check "no output for the failure" test ! -e "$T/mixed/optimized/cut.jpg"
expect_status 1 "missing path" "$IMGOPT" "$T/nope.jpg"
check "missing path named" contains "$T/out" "$T/nope.jpg: no such file or directory"

# --- output folder problems: named, the batch goes on ----------------------
mkdir -p "$T/blocked" && cp "$T/in/photo.jpg" "$T/blocked/" && touch "$T/blocked/optimized"
expect_status 1 "output folder blocked" "$IMGOPT" "$T/blocked/photo.jpg"
check "blocked folder named" contains "$T/out" "cannot create output folder: a file is in the way"
expect_status 2 "-o is a file" "$IMGOPT" -o "$T/blocked/photo.jpg" "$T/in"
check "-o file named" contains "$T/err" "exists and is not a folder"
if [ "$(id -u)" -ne 0 ]; then
	mkdir -p "$T/ro" && chmod 555 "$T/ro"
	expect_status 1 "unwritable output" "$IMGOPT" -o "$T/ro" "$T/in/photo.jpg"
	check "unwritable named" contains "$T/out" "ermission denied"
fi

# --- help and version -------------------------------------------------------
expect_status 0 "help" "$IMGOPT" --help
check "help lists options" contains "$T/out" "--max-pixels N"
expect_status 0 "version" "$IMGOPT" --version

# --- jobs 1 and 4 give byte-identical outputs ------------------------------
expect_status 0 "jobs 1" "$IMGOPT" -j 1 -o "$T/j1" "$T/in"
expect_status 0 "jobs 4" "$IMGOPT" -j 4 -o "$T/j4" "$T/in"
check "identical outputs" diff -r "$T/j1" "$T/j4"

# --- a dry run fails what the real run would fail ---------------------------
mkdir -p "$T/long"
long=$(printf 'a%.0s' $(seq 251)).png
vips black "$T/long/$long" 8 8
expect_status 1 "dry run, output name too long" "$IMGOPT" -n --json -f webp "$T/long"
check "dry run names the reason" grep -q 'output name too long' "$T/out"
expect_status 1 "real run, output name too long" "$IMGOPT" --json -f webp "$T/long"
check "real run names the same reason" grep -q 'output name too long' "$T/out"
mkdir -p "$T/dryclash"
vips black "$T/dryclash/a.png" 8 8
vips black "$T/dryclash/a.jpg" 8 8
expect_status 1 "dry run, two inputs to one output" "$IMGOPT" -n --json -f webp "$T/dryclash"
check "dry run names the clash" grep -q 'already written by another input' "$T/out"
check "dry run wrote nothing" test ! -e "$T/dryclash/optimized"

# --- a JPEG coarser than the quality asked is copied, not re-encoded -------
mkdir -p "$T/coarse"
make_photo "$T/coarse/q70.jpg" 320 240 70
expect_status 0 "coarse JPEG" "$IMGOPT" -v --no-progress -q 90 -o "$T/coarseo" "$T/coarse"
check "said in the verbose line" contains "$T/out" "[JPEG copied losslessly]"
check "every pixel kept" test "$("$IMGOPT" compare "$T/coarse/q70.jpg" "$T/coarseo/q70.jpg")" = 1.000000
expect_status 0 "coarse JPEG, --allow-larger" "$IMGOPT" -v --no-progress -q 90 --allow-larger -o "$T/coarsel" "$T/coarse"
check "--allow-larger re-encodes" bash -c "! grep -qF '[JPEG copied losslessly]' '$T/out'"
expect_status 0 "coarse JPEG, summary" "$IMGOPT" --no-progress -q 90 -o "$T/coarses" "$T/coarse"
check "the summary says why it saved little" contains "$T/out" "1 JPEG was already at or below quality 90: copied losslessly"
expect_status 0 "coarse JPEG, quality 100" "$IMGOPT" --no-progress -q 100 -o "$T/coarse100" "$T/coarse"
check "not at quality 100 (a copy is what was asked)" bash -c "! grep -q 'copied losslessly' '$T/out'"

# --- names with control characters never reach the terminal raw ------------
mkdir -p "$T/ctl"
bad=$'bad\e]0;owned\a\nline.jpg'
echo "not an image" >"$T/ctl/$bad"
expect_status 1 "control characters" "$IMGOPT" --no-progress -v -o "$T/ctlo" "$T/ctl"
check "escaped in the error line and the summary" contains "$T/err" 'bad\x1b]0;owned\x07\x0aline.jpg'
check "no raw ESC or BEL printed" bash -c "! grep -q \$'[\\e\\a]' '$T/out' '$T/err'"

# --- no temp files anywhere -------------------------------------------------
check "no temp files" test -z "$(find "$T" -name '.imgopt-tmp-*')"
finish
