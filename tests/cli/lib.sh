# lib.sh: shared set-up for the CLI tests (libvips test/variables.sh idea).
# Each test script sources this, gets its own temp dir and the binary under
# test, and reports failures with the line that failed.
set -u
IMGOPT=${IMGOPT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/imgopt}
SRC=${IMGOPT_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SHARED=${IMGOPT_SHARED:-$SRC/../shared}
SANITIZED=${IMGOPT_SANITIZED:-0}
T=$(mktemp -d "${TMPDIR:-/tmp}/imgopt-test.XXXXXX")
export VIPS_WARNING=0
failures=0
checks=0

cleanup() {
	chmod -R u+rwX "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL (line ${BASH_LINENO[0]}): $*" >&2
	failures=$((failures + 1))
}

ok() {
	checks=$((checks + 1))
}

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
	local what=$1
	shift
	if "$@"; then ok; else fail "$what"; fi
}

# expect_status N DESCRIPTION COMMAND...: exit status must be N.
expect_status() {
	local want=$1 what=$2 got
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok
	else
		fail "$what: exit status $got, want $want; stderr: $(head -c 600 "$T/err")"
	fi
	no_sanitizer_report "$what" "$T/err"
}

# no_sanitizer_report DESCRIPTION FILE: under the sanitizer build, a worker
# that trips ASan or UBSan may still end as an ordinary failed image (the
# hostile corpus expects failures), so its report is looked for as well.
no_sanitizer_report() {
	[ "$SANITIZED" = 1 ] || return 0
	if grep -qE 'ERROR: AddressSanitizer|runtime error:' "$2"; then
		fail "$1: sanitizer report: $(grep -m1 -A4 -E 'ERROR: AddressSanitizer|runtime error:' "$2")"
	else
		ok
	fi
}

# contains FILE TEXT: FILE holds TEXT.
contains() {
	grep -qF -- "$2" "$1"
}

# Images made with the vips command-line tool: a noisy "photo" (so lossy
# codecs have work), a PNG with alpha, a grey image.
make_photo() { # PATH WIDTH HEIGHT [QUALITY]
	local tmp="$T/.gen-$$-$RANDOM.v"
	vips gaussnoise "$tmp" "$2" "$3" --mean 128 --sigma 30 &&
		vips bandjoin "$tmp $tmp $tmp" "$T/.gen3.v" &&
		vips cast "$T/.gen3.v" "$T/.gen3u.v" uchar &&
		vips gaussblur "$T/.gen3u.v" "$T/.gen3b.v" 1.5 &&
		vips cast "$T/.gen3b.v" "$T/.gen3c.v" uchar &&
		vips copy "$T/.gen3c.v" "$1[Q=${4:-95}]"
	rm -f "$tmp" "$T"/.gen3*.v
}

make_alpha_png() { # PATH WIDTH HEIGHT
	vips black "$T/.a.v" "$2" "$3" --bands 4 &&
		vips linear "$T/.a.v" "$T/.b.v" "1 1 1 1" "200 100 50 128" &&
		vips cast "$T/.b.v" "$T/.c.v" uchar &&
		vips copy "$T/.c.v" "$1"
	rm -f "$T"/.[abc].v
}

# vipsheader field of an image.
field() { # PATH FIELD
	vipsheader -f "$2" "$1" 2>/dev/null
}

# The format of a file from its bytes.
sniff() {
	case $(head -c 12 "$1" | od -An -tx1 | tr -d ' \n') in
	ffd8ff*) echo jpeg ;;
	89504e47*) echo png ;;
	52494646????????57454250) echo webp ;;
	????????66747970*) echo avif ;;
	*) echo unknown ;;
	esac
}

# running PID: the process exists and is not a zombie (a dead worker whose
# parent is gone may stay a zombie where PID 1 does not reap).
running() {
	local st
	st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

finish() {
	echo "$(basename "$0"): $checks checks, $failures failed"
	[ "$failures" -eq 0 ]
	exit $?
}
