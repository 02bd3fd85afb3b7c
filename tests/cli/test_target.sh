#!/usr/bin/env bash
# Visual quality target end to end: --target and the settings JSON, the
# quality and score in results and the summary, PNG and lossless outputs
# left alone, and `imgopt compare`.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
make_photo "$T/in/a.jpg" 320 240 95
make_photo "$T/in/b.jpg" 300 200 92
make_alpha_png "$T/in/c.png" 120 80
vips resize "$T/in/a.jpg" "$T/small.png" 0.5

# --target with JPEG and WebP outputs: every result carries its quality and
# score, and the file written really scores that (imgopt compare).
for fmt in jpeg webp; do
	expect_status 0 "target $fmt" "$IMGOPT" --json --allow-larger \
		--target ssim:0.95 -f "$fmt" -o "$T/o-$fmt" "$T/in/a.jpg" "$T/in/b.jpg"
	cp "$T/out" "$T/results-$fmt"
	python3 - "$T/results-$fmt" <<'PY' || fail "target $fmt: JSON"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
res = [l for l in lines if l["type"] == "result"]
summ = lines[-1]
assert len(res) == 2 and all(r["success"] for r in res), res
for r in res:
    assert 36 <= r["quality"] <= 98, r
    assert isinstance(r["target_met"], bool), r
    if r["target_met"]:
        assert r["score"] >= 0.95, r
assert summ["type"] == "summary", summ
assert sum(summ["qualities"].values()) == 2, summ
assert summ["target_missed"] == sum(not r["target_met"] for r in res), summ
PY
	while read -r path score; do
		got=$("$IMGOPT" compare "$T/in/$(basename "${path%.*}").jpg" "$path")
		python3 -c "import sys; sys.exit(abs($got - $score) > 6e-5)" ||
			fail "$fmt: compare says $got for $path, the result $score"
	done < <(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["type"] == "result":
        print(r["optimized_path"], r["score"])' "$T/results-$fmt")
done

# A looser target gives smaller files.
expect_status 0 "loose target" "$IMGOPT" --json --allow-larger \
	--target ssim:0.90 -o "$T/o-loose" "$T/in/a.jpg"
loose=$(stat -c %s "$T/o-loose/a.jpg")
tight=$(stat -c %s "$T/o-jpeg/a.jpg")
check "looser target, smaller file ($loose < $tight)" test "$loose" -lt "$tight"

# Presets and the settings JSON.
expect_status 0 "target high" "$IMGOPT" --json --target high -o "$T/o-high" "$T/in/a.jpg"
check "preset result has a quality" contains "$T/out" '"quality":'
echo '{"quality": {"global": 80}, "target": {"metric": "ssim", "value": 0.95}}' > "$T/s.json"
expect_status 0 "target in settings" "$IMGOPT" --json --settings "$T/s.json" -o "$T/o-set" "$T/in/a.jpg"
check "settings target used" contains "$T/out" '"target_met":'
expect_status 2 "bad target" "$IMGOPT" --target ssim:2 "$T/in/a.jpg"
expect_status 2 "bad preset" "$IMGOPT" --target best "$T/in/a.jpg"

# The text summary shows the distribution.
expect_status 0 "text summary" "$IMGOPT" --no-progress --target ssim:0.95 -o "$T/o-text" "$T/in"
check "qualities in the summary" contains "$T/out" "Qualities chosen for the target:"

# PNG output and quality 100 (lossless) ignore the target.
expect_status 0 "png ignores the target" "$IMGOPT" --json --target ssim:0.95 -o "$T/o-png" "$T/in/c.png"
check "png: no quality" eval "! grep -q '\"quality\":' '$T/out'"
expect_status 0 "lossless ignores the target" "$IMGOPT" --json --target ssim:0.95 -q 100 -f webp -o "$T/o-100" "$T/in/a.jpg"
check "lossless: no quality" eval "! grep -q '\"quality\":' '$T/out'"
check "lossless: identical pixels" test "$("$IMGOPT" compare "$T/in/a.jpg" "$T/o-100/a.webp")" = 1.000000

# imgopt compare.
expect_status 0 "compare identical" "$IMGOPT" compare "$T/in/a.jpg" "$T/in/a.jpg"
check "identical files score 1" test "$(cat "$T/out")" = 1.000000
expect_status 0 "compare --json" "$IMGOPT" compare --json "$T/in/a.jpg" "$T/in/a.jpg"
python3 - "$T/out" "$T/in/a.jpg" <<'PY' || fail "compare JSON"
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d == {"type": "compare", "a": sys.argv[2], "b": sys.argv[2],
             "metric": "ssim", "score": 1.0}, d
PY
ok
expect_status 1 "compare different sizes" "$IMGOPT" compare "$T/in/a.jpg" "$T/small.png"
check "size error names both sizes" contains "$T/err" "images differ in size (320x240 vs 160x120)"
expect_status 0 "compare --resize-reference" "$IMGOPT" compare --resize-reference "$T/in/a.jpg" "$T/small.png"
check "resized reference scores high" python3 -c "import sys; sys.exit(not float(open('$T/out').read()) > 0.99)"
expect_status 1 "compare missing file" "$IMGOPT" compare "$T/in/a.jpg" "$T/nothing.png"
check "missing file named" contains "$T/err" "cannot read '$T/nothing.png'"
echo "not an image" > "$T/text.jpg"
expect_status 1 "compare not an image" "$IMGOPT" compare "$T/text.jpg" "$T/in/a.jpg"
check "not an image" contains "$T/err" "not an image"
expect_status 2 "compare no arguments" "$IMGOPT" compare
expect_status 2 "compare one argument" "$IMGOPT" compare "$T/in/a.jpg"
expect_status 2 "compare three arguments" "$IMGOPT" compare "$T/in/a.jpg" "$T/in/a.jpg" "$T/in/a.jpg"
expect_status 2 "compare unknown option" "$IMGOPT" compare --fast "$T/in/a.jpg" "$T/in/a.jpg"
expect_status 0 "compare --help" "$IMGOPT" compare --help
check "help names the metric" contains "$T/out" "SSIM"
finish
