#!/usr/bin/env python3
"""Checks an `imgopt --json` run over the hostile corpus against its
MANIFEST.tsv (rules in shared/corpus/README.md).

usage: check_hostile.py MANIFEST.tsv RUN.jsonl CORPUS_DIR OUT_DIR MODE
MODE is "folder" (the corpus folder as one argument) or "args" (every entry
named on the command line).  Prints one line per problem; exit 1 if any.
"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

manifest_path, run_path, corpus, out_dir, mode = sys.argv[1:6]
problems = []


def unescape(s):
    """MANIFEST's C escapes back to the bytes on disk."""
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            n = s[i + 1]
            if n == "x":
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
                continue
            out.append({"n": 10, "t": 9, "\\": 92}[n])
            i += 2
            continue
        out.append(ord(c))
        i += 1
    return bytes(out)


def shown(name_bytes):
    """How imgopt writes a name in JSON: UTF-8 as is, other bytes as \\xHH."""
    return name_bytes.decode("utf-8", errors="backslashreplace")


entries = {}
for line in open(manifest_path, encoding="ascii"):
    if line.startswith("#") or not line.strip():
        continue
    name, kind, expect, note = line.rstrip("\n").split("\t", 3)
    entries[shown(unescape(name))] = (kind, expect, unescape(name))

lines = [json.loads(l) for l in open(run_path, encoding="utf-8")]
summary = lines[-1]
if summary.get("type") != "summary":
    problems.append("last line is not the summary")

# The reason each failing entry must give (prefix of the name -> words).
REASONS = [
    ("empty-zero-bytes", "empty file"),
    ("text-file-named", "not an image"),
    ("html-error-page", "not an image"),
    ("pdf-disguised", "unsupported format (PDF)"),
    ("ppm-disguised", "unsupported format (PPM)"),
    ("svg-disguised", "unsupported format (SVG"),
    ("svg-xxe", "external entity"),
    ("svg-billion-laughs", "entities expand too much"),
    ("svg-deeply-nested", "deeper than"),
    ("jpeg-truncated", "truncated JPEG"),
    ("jpeg-corrupt-entropy", "corrupt JPEG data"),
    ("jpeg-sof-65500", "over the 268 MP limit"),
    ("png-bad-crc-ihdr", "corrupt PNG (IHDR CRC)"),
    ("png-bad-crc-idat", "corrupt PNG"),
    ("png-truncated", "truncated PNG"),
    ("png-zero-height", "corrupt PNG"),
    ("png-bomb", "over the 268 MP limit"),
    ("png-valid-20000x20000", "over the 268 MP limit"),
    ("webp-truncated", "truncated WebP"),
    ("webp-lossless-truncated", "truncated WebP"),
    ("webp-riff", "WebP"),
    ("avif-truncated", "truncated AVIF"),
    ("symlink-loop", "too many levels of symbolic links"),
    ("symlink-dangling", "broken symlink"),
    ("symlink-to-dev-zero", "not a regular file"),
    ("symlink-to-etc-passwd", "not an image"),
    ("fifo-named-pipe", "not a regular file (fifo)"),
    ("sparse-3GiB", "exceeds the 1.0 GiB limit"),
]

seen = {}
for l in lines[:-1]:
    path = l.get("original_path", l.get("path"))
    name = path[len(corpus.rstrip("/")) + 1:] if path.startswith(corpus) else path
    if name in seen:
        problems.append(f"{name!r}: reported twice")
    seen[name] = l

for name, (kind, expect, raw) in entries.items():
    if name not in seen:
        problems.append(f"{name!r} ({expect}): not reported")
        continue
    r = seen[name]
    status = ("skipped" if r["type"] == "skipped" else
              "ok" if r["success"] else "error")
    err = r.get("error") or r.get("reason") or ""
    if status == "error" and not err.startswith(r["original_path"] + ": "):
        problems.append(f"{name!r}: error does not name the file: {err!r}")
    if status != "ok" and r.get("optimized_path"):
        problems.append(f"{name!r}: failed but has an output")
    if status == "error" and len(err) <= len(r["original_path"]) + 3:
        problems.append(f"{name!r}: error without a reason")
    # Formats imgopt does not read may be refused (or skipped in a folder)
    # with "unsupported format" whatever the entry expects.
    unsupported = "unsupported format" in err
    # Documented folder rules: hidden files and files without an image
    # extension are skipped (and reported) in folders.
    by_rule = (mode == "folder" and status == "skipped" and
               (name.startswith(".") or "." not in name))
    # root can read a mode-000 file.
    root_reads = name.startswith("unreadable-") and os.geteuid() == 0
    if expect == "ok" and status != "ok" and not unsupported and not by_rule:
        problems.append(f"{name!r}: expected ok, got {status}: {err}")
    if root_reads and status != "ok":
        problems.append(f"{name!r}: root can read it, got {status}: {err}")
    if root_reads:
        continue
    if name.startswith("unreadable-") and "ermission denied" not in err:
        problems.append(f"{name!r}: expected 'permission denied', got {err}")
    for prefix, words in REASONS:
        if name.startswith(prefix) and status == "error" and words not in err:
            problems.append(f"{name!r}: want {words!r} in the error, got {err!r}")
    if expect == "error" and status == "ok":
        problems.append(f"{name!r}: expected an error, got ok")
    # SVGs are minified, never rasterised: a huge canvas costs nothing.
    svg_canvas = name.startswith("svg-huge-canvas") and status == "ok"
    if expect == "limit" and not (unsupported or svg_canvas or
            (status == "error" and ("limit" in err or "exceeds" in err))):
        problems.append(f"{name!r}: expected a named limit, got {status}: {err}")
    if name.startswith("svg-script-and-onload") and status != "ok":
        problems.append(f"{name!r}: expected ok with the script removed, "
                        f"got {status}: {err}")
    if status == "ok" and name.endswith(".svg") and r.get("optimized_path"):
        # A minified SVG is served as is: well-formed, no script, no
        # handler, no local file, no byte of another file.
        data = open(r["optimized_path"], "rb").read()
        try:
            ET.fromstring(data)
        except ET.ParseError as e:
            problems.append(f"{name!r}: output is not well-formed XML: {e}")
        low = data.lower()
        for bad in (b"<script", b" onload=", b" onclick=", b"javascript:",
                    b"file:", b"root:x:0:0", b"<!entity", b"xi:include",
                    b"@import"):
            if bad in low:
                problems.append(f"{name!r}: output still holds {bad!r}")
        continue
    if status == "ok" and r.get("optimized_path"):
        out = r["optimized_path"].encode("utf-8", errors="surrogateescape")
        out = r["optimized_path"]
        try:
            w, h = (subprocess.check_output(
                ["vipsheader", "-f", f, out.encode()], stderr=subprocess.DEVNULL)
                .decode().strip() for f in ("width", "height"))
        except Exception:
            if "\\x" not in out:
                problems.append(f"{name!r}: output does not decode: {out!r}")
            continue
        if name.startswith("brackets-decoy.jpg[") and (w, h) != ("320", "240"):
            problems.append(f"{name!r}: decoy opened the wrong file ({w}x{h})")
        if name.startswith("jpeg-exif-orientation-6") and (w, h) != ("32", "64"):
            problems.append(f"{name!r}: orientation not applied ({w}x{h})")
        if name.startswith("jpeg-exif-orientation-8") and (w, h) != ("32", "64"):
            problems.append(f"{name!r}: orientation not applied ({w}x{h})")

for name in seen:
    if name not in entries:
        problems.append(f"{name!r}: reported but not in the manifest")

everything = open(run_path, encoding="utf-8").read()
if "root:x:0:0" in everything:
    problems.append("/etc/passwd contents leaked into the output")

for p in problems:
    print("hostile:", p)
sys.exit(1 if problems else 0)
