#!/usr/bin/env bash
# A full disk fails the images that do not fit, with a clear reason, and
# leaves no partial or temp files.  Needs a small tmpfs (root); skipped
# (exit 77) where mounting is not allowed.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/full" "$T/in"
if ! mount -t tmpfs -o size=160k tmpfs "$T/full" 2>/dev/null; then
	echo "skip: cannot mount a tmpfs here"
	exit 77
fi
mkdir -p "$T/ro"
mount -t tmpfs -o ro,size=64k tmpfs "$T/ro" 2>/dev/null
trap 'umount "$T/full" "$T/ro" 2>/dev/null; cleanup' EXIT
for i in 1 2 3 4 5 6; do make_photo "$T/in/p$i.jpg" 500 400 98; done
expect_status 1 "disk full run" "$IMGOPT" --json -j 2 -o "$T/full" "$T/in"
check "disk full named" grep -qE 'p[0-9].jpg: .*(disk full|No space left)' "$T/out"
check "some images fit" grep -q '"success":true' "$T/out"
check "no temp files" test -z "$(find "$T/full" -name '.imgopt-tmp-*')"
check "every output complete" bash -c 'for f in "$1"/*.jpg; do [ -e "$f" ] || continue; vipsheader "$f" >/dev/null || exit 1; done' _ "$T/full"
# An output folder that cannot be written (root ignores permissions, a
# read-only file system stops even root).
expect_status 1 "read-only output" "$IMGOPT" --json -o "$T/ro/out" "$T/in/p1.jpg"
check "read-only named" grep -q 'p1.jpg: .*cannot create output folder: read-only file system' "$T/out"
finish
