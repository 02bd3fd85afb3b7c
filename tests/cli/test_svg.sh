#!/usr/bin/env bash
# SVG end to end: folders with SVGs in, minified SVGs out (same picture,
# .svg kept, no script), raster settings refused with a reason, never
# worse, --in-place.  Then, when the benchmark corpus is there
# (../corpus/svg and ../corpus/svg-icons from shared/corpus/fetch-corpus.sh,
# or IMGOPT_CORPUS), every corpus SVG must succeed, stay well-formed and
# not grow, and a sample must render the same; skipped without it.
. "$(dirname "$0")/lib.sh"

# render_diff A B: the largest difference of any band of any pixel when
# both are rendered by librsvg (vips CLI, in this test process only).
render_diff() {
	vips copy "$1" "$T/.ra.v" 2>/dev/null && vips copy "$2" "$T/.rb.v" &&
		vips premultiply "$T/.ra.v" "$T/.pa.v" &&
		vips premultiply "$T/.rb.v" "$T/.pb.v" &&
		vips subtract "$T/.pa.v" "$T/.pb.v" "$T/.d.v" &&
		vips abs "$T/.d.v" "$T/.e.v" && vips max "$T/.e.v"
}

# Every output is well-formed XML without script, handlers or file URLs.
check_outputs() { # DIR
	python3 - "$1" <<'PY'
import os, sys, xml.etree.ElementTree as ET
bad = 0
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if not f.endswith(".svg"):
            continue
        data = open(os.path.join(root, f), "rb").read()
        try:
            ET.fromstring(data)
        except ET.ParseError as e:
            print(f, "not well-formed:", e); bad += 1
        for word in (b"<script", b" onload=", b"javascript:", b"file:"):
            if word in data.lower():
                print(f, "holds", word); bad += 1
sys.exit(1 if bad else 0)
PY
}

mkdir -p "$T/in/sub"
cat >"$T/in/drawing.svg" <<'EOF'
<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->
<svg xmlns="http://www.w3.org/2000/svg"
   xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
   xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
   width="120" height="80" version="1.1" id="svg1" inkscape:version="1.2">
  <sodipodi:namedview id="base" pagecolor="#ffffff"/>
  <defs id="defs1">
    <linearGradient id="lg"><stop offset="0.0" style="stop-color:#FF0000;stop-opacity:1"/>
      <stop offset="1.0" style="stop-color:#0000FF;stop-opacity:1"/></linearGradient>
  </defs>
  <g inkscape:label="Layer 1" inkscape:groupmode="layer" id="layer1">
    <rect id="rect1" x="10.000000" y="10.000000" width="100.000000" height="60.000000"
       style="fill:url(#lg);fill-opacity:1;stroke:#000000;stroke-width:2.0000;stroke-opacity:1"/>
    <path id="path1" d="M 20.000000,60.000000 C 40.000000,20.000000 80.000000,20.000000 100.000000,60.000000"
       style="fill:none;stroke:#FFFFFF;stroke-width:3;stroke-linecap:round"
       inkscape:connector-curvature="0"/>
  </g>
</svg>
EOF
cat >"$T/in/sub/icon.svg" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<svg height="16px" viewBox="0 0 16 16" width="16px" xmlns="http://www.w3.org/2000/svg">
    <path d="m 8 1.992188 c -2.617188 0 -5.238281 0.933593 -7.195312 2.808593 l -0.496094 0.480469 c -0.398438 0.378906 -0.410156 1.011719 -0.03125 1.410156 c 0.382812 0.398438 1.015625 0.410156 1.414062 0.03125 l 0.5 -0.476562 c 3.085938 -2.957032 8.53125 -2.957032 11.617188 0 l 0.5 0.476562 z m 0 0" fill="#2e3436"/>
</svg>
EOF
cat >"$T/in/script.svg" <<'EOF'
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" onload="alert(1)"><script>alert(document.cookie)</script><rect width="100" height="100" fill="blue"/></svg>
EOF
printf '<svg xmlns="http://www.w3.org/2000/svg"/>' >"$T/in/tiny.svg"
cp "$T/in/drawing.svg" "$T/in/UPPER.SVG"

# --- a folder: every SVG minified beside itself, .svg kept ---------------
expect_status 0 "svg folder run" "$IMGOPT" --json -j 2 "$T/in"
cp "$T/out" "$T/run.json"
for f in drawing.svg sub/icon.svg script.svg tiny.svg; do
	d=$(dirname "$f")
	o="$T/in/$d/optimized/$(basename "$f")"
	check "$f written" test -s "$o"
done
check "UPPER.SVG keeps its name" test -s "$T/in/optimized/UPPER.SVG"
check "drawing smaller" test "$(stat -c %s "$T/in/optimized/drawing.svg")" -lt "$(stat -c %s "$T/in/drawing.svg")"
check "icon smaller" test "$(stat -c %s "$T/in/sub/optimized/icon.svg")" -lt "$(stat -c %s "$T/in/sub/icon.svg")"
check "never worse: tiny.svg kept as is" cmp -s "$T/in/tiny.svg" "$T/in/optimized/tiny.svg"
check "outputs well-formed, no script" check_outputs "$T/in/optimized"
check "nested outputs well-formed" check_outputs "$T/in/sub/optimized"
check "no editor data left" bash -c "! grep -qi 'inkscape\|sodipodi' '$T/in/optimized/drawing.svg'"
python3 - "$T/run.json" <<'PY' || fail "JSON results"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
results = [l for l in lines if l["type"] == "result"]
assert len(results) == 5, results
assert all(r["success"] for r in results), results
assert all(r["optimized_path"].lower().endswith(".svg") for r in results)
tiny = [r for r in results if r["original_path"].endswith("tiny.svg")][0]
assert tiny["savedBytes"] == 0 and tiny["optimized_size"] == tiny["original_size"]
PY
ok

# --- the same picture --------------------------------------------------
for f in drawing.svg sub/icon.svg; do
	d=$(dirname "$f")
	diff=$(render_diff "$T/in/$f" "$T/in/$d/optimized/$(basename "$f")")
	check "$f renders the same (max diff $diff)" python3 -c "import sys; sys.exit(not float('${diff:-999}') <= 4)"
done
expect_status 0 "lossless run" "$IMGOPT" -q 100 -o "$T/q100" "$T/in/drawing.svg"
diff=$(render_diff "$T/in/drawing.svg" "$T/q100/drawing.svg")
check "q100 renders the same (max diff $diff)" python3 -c "import sys; sys.exit(not float('${diff:-999}') <= 1)"

# --- script and handlers are removed, never copied back ----------------
check "script removed" bash -c "! grep -qi 'script\|onload' '$T/in/optimized/script.svg'"

# --- raster settings are refused, with a reason ------------------------
expect_status 1 "svg to webp" "$IMGOPT" -f webp -o "$T/webp" "$T/in/drawing.svg"
check "format refused" contains "$T/err" "cannot convert SVG to webp (SVG files are minified, not rasterised)"
check "no webp written" test ! -e "$T/webp/drawing.webp"
expect_status 1 "svg resize" "$IMGOPT" -r longest:64 -o "$T/small" "$T/in/drawing.svg"
check "resize refused" contains "$T/err" "resize does not apply to SVG (SVG files are minified, not rasterised)"
# In a mixed folder the rasters are still converted.
mkdir -p "$T/mixed"
make_photo "$T/mixed/photo.jpg" 64 48
cp "$T/in/drawing.svg" "$T/mixed/"
expect_status 1 "mixed folder to webp" "$IMGOPT" -f webp -o "$T/mixed-out" "$T/mixed"
check "raster converted" test -s "$T/mixed-out/photo.webp"
check "svg refused in a batch" contains "$T/err" "cannot convert SVG to webp"

# --- SVG bytes under a raster name are refused, not renamed -------------
cp "$T/in/drawing.svg" "$T/disguised.png"
expect_status 1 "svg named .png" "$IMGOPT" -o "$T/dis" "$T/disguised.png"
check "disguise refused" contains "$T/err" "unsupported format (SVG in a file named .png"

# --- hostile bits: entities are never read -----------------------------
cat >"$T/xxe.svg" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE svg [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<svg xmlns="http://www.w3.org/2000/svg" width="400" height="60"><text x="0" y="20">&xxe;</text></svg>
EOF
expect_status 1 "external entity" "$IMGOPT" -o "$T/xxe" "$T/xxe.svg"
check "external entity refused" contains "$T/err" "external entity ('xxe'), which is never read"
check "nothing leaked" bash -c "! grep -rqs 'root:x:0:0' '$T/xxe' '$T/out' '$T/err'"

# --- in place ----------------------------------------------------------
cp "$T/in/drawing.svg" "$T/inplace.svg"
chmod 640 "$T/inplace.svg"
expect_status 0 "in place" "$IMGOPT" --in-place "$T/inplace.svg"
check "replaced by a smaller file" test "$(stat -c %s "$T/inplace.svg")" -lt "$(stat -c %s "$T/in/drawing.svg")"
check "mode kept" test "$(stat -c %a "$T/inplace.svg")" = 640

# --- the benchmark corpus, when fetched --------------------------------
CORPUS=${IMGOPT_CORPUS:-$SRC/../corpus}
if [ -d "$CORPUS/svg" ] || [ -d "$CORPUS/svg-icons" ]; then
	for d in svg svg-icons; do
		[ -d "$CORPUS/$d" ] || continue
		expect_status 0 "corpus $d" "$IMGOPT" --json -q 90 -o "$T/corpus/$d" "$CORPUS/$d"
		check "corpus $d: every file ok" test "$(grep -c '"success":true' "$T/out")" -eq "$(find "$CORPUS/$d" -maxdepth 1 -name '*.svg' | wc -l)"
		check "corpus $d: outputs well-formed" check_outputs "$T/corpus/$d"
		# Rendering twice per file is slow: a sample here, all of them
		# in bench/svg-vs-svgo.sh.
		n=0 worst=0
		for f in $(find "$CORPUS/$d" -maxdepth 1 -name '*.svg' | sort | awk 'NR % 25 == 1'); do
			diff=$(render_diff "$f" "$T/corpus/$d/$(basename "$f")")
			n=$((n + 1))
			worst=$(python3 -c "print(max($worst, ${diff:-999}))")
		done
		# Antialiasing moves with any change of a curve by ~1/1000
		# pixel: a few levels; a real mistake shows as 100 or more.
		check "corpus $d: $n rendered, worst diff $worst" python3 -c "import sys; sys.exit(not $worst <= 32)"
	done
else
	echo "test_svg.sh: no corpus at $CORPUS, corpus checks skipped"
fi
finish
