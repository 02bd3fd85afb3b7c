# lib.sh: set-up for the `imgopt serve` tests: the CLI tests' lib.sh (temp
# dir, image makers, check/fail/finish) plus a server on a free port and a
# small curl wrapper.
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"

SERVER_PID=

# start_server ARGS...: `imgopt serve --port 0 ARGS` with TMPDIR=$T/tmp
# (where its job folders go); sets URL, TOKEN, PORT, SERVER_PID.  Waits
# up to 20 s: on a machine shared with other builds a start can take
# seconds (how fast it starts is checked by the test that cares).
start_server() {
	mkdir -p "$T/tmp"
	TMPDIR="$T/tmp" "$IMGOPT" serve --port 0 "$@" >"$T/server.out" \
		2>"$T/server.err" &
	SERVER_PID=$!
	for _ in $(seq 1000); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		grep -q '^token: ' "$T/server.out" 2>/dev/null && break
		sleep 0.02
	done
	URL=$(sed -n 's/^imgopt serve: //p' "$T/server.out")
	TOKEN=$(sed -n 's/^token: //p' "$T/server.out")
	PORT=${URL##*:}
	PORT=${PORT%/}
	[ -n "$TOKEN" ] && [ -n "$URL" ]
}

# stop_server: SIGTERM, wait; the exit status in STOP_STATUS.
stop_server() {
	STOP_STATUS=
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID"
	STOP_STATUS=$?
	SERVER_PID=
}

server_cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	cleanup
}
trap server_cleanup EXIT

# http METHOD PATH [CURL ARGS...]: the status in STATUS, the body in
# $T/body, the headers in $T/headers.
http() {
	local method=$1 path=$2
	shift 2
	STATUS=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' \
		-X "$method" "$@" "$URL${path#/}")
}

# expect_http CODE DESCRIPTION: STATUS must be CODE.
expect_http() {
	if [ "$STATUS" = "$1" ]; then
		ok
	else
		echo "FAIL (line ${BASH_LINENO[0]}): $2: HTTP $STATUS, want $1;" \
			"body: $(head -c 400 "$T/body")" >&2
		failures=$((failures + 1))
	fi
}

# alive: the server still answers (after each bad request).
alive() {
	local st
	st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		"${URL}api/limits")
	if [ "$st" = 200 ]; then
		ok
	else
		echo "FAIL (line ${BASH_LINENO[0]}): server not answering" \
			"(HTTP $st); stderr: $(tail -c 600 "$T/server.err")" >&2
		failures=$((failures + 1))
	fi
}

# body_has TEXT: the last body contains TEXT.
# wait_stream FILE: wait (up to 2 s) until the event stream curl writes to
# FILE has started: the server sends "retry:" first.
wait_stream() {
	for _ in $(seq 100); do
		grep -q '^retry:' "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}

body_has() {
	grep -qF -- "$1" "$T/body"
}
