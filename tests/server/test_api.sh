#!/usr/bin/env bash
# `imgopt serve` end to end with curl: both JSON commands and the token,
# progress events in order with the right counts, uploads, per-file and
# zip downloads, job expiry, limits (413, also mid-stream), bad requests
# (400 with the reason), Host/Origin checks (403), traversal names, and
# clients that hang up; after every bad request the server must still
# answer.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/img" "$T/res"
make_photo "$T/img/a.jpg" 320 240 98
make_photo "$T/img/b.jpg" 200 150 98
make_alpha_png "$T/img/c.png" 120 80
echo "not an image" > "$T/img/broken.jpg"
head -c 1500000 /dev/urandom > "$T/img/big.bin"

# --- start: fast, URL and token printed ---------------------------------
t0=$(date +%s%N)
check "server starts" start_server -j 2 --max-upload 1 --max-files 4 \
	--job-ttl 3
t1=$(date +%s%N)
check "started in under a second ($(((t1 - t0) / 1000000)) ms)" \
	test $(((t1 - t0) / 1000000)) -lt 1000
check "URL on 127.0.0.1" test "${URL#http://127.0.0.1:}" != "$URL"
check "token is long" test ${#TOKEN} -ge 32
expect_status 2 "bad option" "$IMGOPT" serve --port 70000
check "bad port named" contains "$T/err" "--port must be 0-65535"
expect_status 1 "busy port" "$IMGOPT" serve --port "$PORT"
check "busy port reason" contains "$T/err" "cannot listen on 127.0.0.1 port $PORT"
expect_status 0 "--help" "$IMGOPT" serve --help
check "--help names --jobs" contains "$T/out" "--jobs"

# --- the page -----------------------------------------------------------
http GET /
expect_http 200 "page"
check "page is html" grep -qi '^content-type: text/html' "$T/headers"
check "page has the drop zone" body_has 'id="drop"'
check "page has a CSP" grep -qi '^content-security-policy:' "$T/headers"
http GET /app.js
expect_http 200 "app.js"
check "app.js type" grep -qi '^content-type: text/javascript' "$T/headers"
http GET /style.css
expect_http 200 "style.css"
http GET /api/limits
expect_http 200 "limits"
check "limits" body_has '"maxFiles":4'
http GET /../../etc/passwd --path-as-is
expect_http 404 "path traversal in the URL"
http GET /nope
expect_http 404 "unknown path"
check "404 says what" body_has '"error":"not found: /nope"'
http DELETE /
expect_http 405 "wrong method on the page"
check "405 has Allow" grep -qi '^allow: GET, HEAD' "$T/headers"

# --- global events: follow them during the commands ----------------------
curl -sN "${URL}api/events" >"$T/events.txt" 2>/dev/null &
events_pid=$!
wait_stream "$T/events.txt"

# --- optimize_image: token, result shape ---------------------------------
one="{\"input_path\":\"$T/img/a.jpg\",\"output_path\":\"$T/res/a.jpg\",\"settings\":{\"quality\":{\"global\":80}}}"
http POST /api/optimize_image -d "$one"
expect_http 401 "no token"
check "401 explains" body_has "Authorization: Bearer"
check "401 WWW-Authenticate" grep -qi '^www-authenticate: Bearer' "$T/headers"
http POST /api/optimize_image -H "Authorization: Bearer x$TOKEN" -d "$one"
expect_http 401 "wrong token"
check "nothing written without the token" test ! -e "$T/res/a.jpg"
http POST /api/optimize_image -H "Authorization: Bearer $TOKEN" -d "$one"
expect_http 200 "optimize_image"
cp "$T/body" "$T/one.json"
python3 - "$T/one.json" "$T/res/a.jpg" "$T/img/a.jpg" <<'PY' || fail "optimize_image result"
import json, os, sys
r = json.load(open(sys.argv[1]))
assert set(r) == {"original_path", "optimized_path", "original_size",
                  "optimized_size", "success", "error", "savedBytes",
                  "compressionRatio"}, r
assert r["success"] and r["error"] is None, r
assert r["optimized_path"] == sys.argv[2], r
assert r["original_size"] == os.path.getsize(sys.argv[3])
assert r["optimized_size"] == os.path.getsize(sys.argv[2])
assert r["savedBytes"] == r["original_size"] - r["optimized_size"] > 0
assert r["compressionRatio"] == round(r["savedBytes"] * 100 / r["original_size"], 2)
PY
ok

# --- optimize_images: the list, in order, a failure is a result ----------
cat >"$T/many.json" <<EOF
{"tasks": [
 {"input_path": "$T/img/b.jpg", "output_path": "$T/res/", "settings": {"outputFormat": "webp"}},
 {"input_path": "$T/img/broken.jpg", "output_path": "$T/res/broken.jpg"},
 {"input_path": "$T/img/c.png", "settings": {"resize": {"mode": "width", "size": 60}}},
 {"input_path": "$T/img/missing.jpg"}
]}
EOF
http POST /api/optimize_images -H "Authorization: Bearer $TOKEN" \
	--data-binary @"$T/many.json"
expect_http 200 "optimize_images"
cp "$T/body" "$T/many-out.json"
python3 - "$T/many-out.json" "$T" <<'PY' || fail "optimize_images results"
import json, os, sys
rs, t = json.load(open(sys.argv[1])), sys.argv[2]
assert isinstance(rs, list) and len(rs) == 4, rs
assert [r["original_path"] for r in rs] == [t + "/img/b.jpg", t + "/img/broken.jpg",
        t + "/img/c.png", t + "/img/missing.jpg"], rs
assert rs[0]["success"] and rs[0]["optimized_path"] == t + "/res/b.webp", rs[0]
assert open(t + "/res/b.webp", "rb").read(4) == b"RIFF"
assert not rs[1]["success"] and "not an image" in rs[1]["error"], rs[1]
assert rs[2]["success"] and rs[2]["optimized_path"] == t + "/img/optimized/c.png", rs[2]
assert not rs[3]["success"] and "no such file" in rs[3]["error"], rs[3]
for r in rs:
    assert set(r) == {"original_path", "optimized_path", "original_size",
                      "optimized_size", "success", "error", "savedBytes",
                      "compressionRatio"}, r
PY
ok
check "resized" test "$(field "$T/img/optimized/c.png" width)" -eq 60
check "failed image left nothing" test ! -e "$T/res/broken.jpg"
alive

# Two batches at once share the pool; each gets its own results.
pids=
for i in 1 2; do
	curl -s -H "Authorization: Bearer $TOKEN" -o "$T/par$i.json" \
		-d "{\"tasks\":[{\"input_path\":\"$T/img/a.jpg\",\"output_path\":\"$T/res/p$i/\"},{\"input_path\":\"$T/img/b.jpg\",\"output_path\":\"$T/res/p$i/\"}]}" \
		"${URL}api/optimize_images" &
	pids="$pids $!"
done
wait $pids
check "parallel batch 1" grep -q "res/p1/b.jpg" "$T/par1.json"
check "parallel batch 2" grep -q "res/p2/b.jpg" "$T/par2.json"
check "parallel outputs" test -s "$T/res/p1/a.jpg" -a -s "$T/res/p2/a.jpg"

# An empty list is an empty answer.
http POST /api/optimize_images -H "Authorization: Bearer $TOKEN" -d '{"tasks":[]}'
expect_http 200 "empty task list"
check "empty list answer" test "$(cat "$T/body")" = "[]"

# --- the global stream saw both commands, in order -----------------------
sleep 0.3
kill "$events_pid" 2>/dev/null
wait "$events_pid" 2>/dev/null
python3 - "$T/events.txt" <<'PY' || fail "global events"
import json, sys
evs, name = [], None
for line in open(sys.argv[1]).read().splitlines():
    if line.startswith("event: "):
        name = line[7:]
    elif line.startswith("data: ") and name == "image_optimization_progress":
        evs.append(json.loads(line[6:]))
# optimize_image: 1 of 1; optimize_images: 4 (the parallel ones follow).
assert len(evs) >= 5, evs
first = evs[0]
assert (first["completedTasks"], first["totalTasks"], first["status"]) == (1, 1, "complete"), first
assert "totalDuration" in first["metadata"], first
batch = evs[1:5]
assert [e["completedTasks"] for e in batch] == [1, 2, 3, 4], batch
assert all(e["totalTasks"] == 4 for e in batch), batch
assert [e["progressPercentage"] for e in batch] == [25.0, 50.0, 75.0, 100.0], batch
assert batch[-1]["status"] == "complete" and "totalDuration" in batch[-1]["metadata"]
assert all("totalDuration" not in e["metadata"] for e in batch[:-1])
assert sorted(e["status"] for e in batch[:-1]) in (["error", "error", "processing"],
        ["error", "processing", "processing"]), batch
names = {e["metadata"]["fileName"] for e in batch}
assert names == {"b.jpg", "broken.jpg", "c.png", "missing.jpg"}, names
for e in evs:
    m = e["metadata"]
    assert set(m) >= {"fileName", "originalSize", "optimizedSize", "savedBytes",
                      "compressionRatio", "formattedMessage"}, m
    if e["status"] != "error" and m["error"] is None:
        assert m["savedBytes"] == m["originalSize"] - m["optimizedSize"], m
    else:
        assert m["formattedMessage"] == m["error"], m
PY
ok

# --- an event-stream client that hangs up goes at once -------------------
# Not at the next keep-alive comment (15 s): the server closes its side,
# so no socket of its port stays in CLOSE_WAIT.
close_wait() { # sockets on the server's port that the client closed
	python3 - "$PORT" <<'PY'
import sys
port = "%04X" % int(sys.argv[1])
n = 0
for path in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(path).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        f = line.split()
        if f[1].rsplit(":", 1)[1] == port and f[3] == "08":
            n += 1
print(n)
PY
}
curl -sN "${URL}api/events" >"$T/gone.txt" 2>/dev/null &
gone_pid=$!
wait_stream "$T/gone.txt"
kill "$gone_pid"
wait "$gone_pid" 2>/dev/null
for _ in $(seq 40); do
	[ "$(close_wait)" = 0 ] && break
	sleep 0.05
done
check "hung-up event client closed within 2 s ($(close_wait) in CLOSE_WAIT)" \
	test "$(close_wait)" = 0
alive

# --- bad commands: 400 with the reason -----------------------------------
auth=(-H "Authorization: Bearer $TOKEN")
http POST /api/optimize_image "${auth[@]}" -d '{"input_path": "a.jpg",'
expect_http 400 "malformed JSON"
check "malformed JSON reason" body_has '"error":"malformed JSON:'
check "malformed JSON position" body_has 'line 1'
alive
http POST /api/optimize_image "${auth[@]}" \
	-d "{\"input_path\":\"$T/img/a.jpg\",\"settings\":{\"quality\":{\"global\":101}}}"
expect_http 400 "bad settings"
check "bad settings named" body_has 'quality.global must be 1-100, got 101'
http POST /api/optimize_images "${auth[@]}" \
	-d "{\"tasks\":[{\"input_path\":\"$T/img/a.jpg\"},{\"input_path\":\"$T/img/b.jpg\",\"settings\":{\"outputFormat\":\"gif\"}}]}"
expect_http 400 "bad settings in a list"
check "task index named" body_has 'tasks[1]: bad settings: '
check "format named" body_has 'outputFormat'
check "nothing queued from a bad list" test ! -e "$T/img/optimized/a.jpg"
http POST /api/optimize_image "${auth[@]}" -d '{"output_path":"x"}'
expect_http 400 "missing input_path"
check "missing input named" body_has 'input_path is missing'
http POST /api/optimize_image "${auth[@]}" -d '{"input_path":"a","colour":1}'
expect_http 400 "unknown key"
check "unknown key named" body_has "unknown key 'colour'"
http POST /api/optimize_images "${auth[@]}" -d '{"tasks":{}}'
expect_http 400 "tasks not a list"
http POST /api/optimize_images "${auth[@]}" -d '[1,2]'
expect_http 400 "not an object"
http POST /api/optimize_image "${auth[@]}" -d '{"input_path":"a","input_path":"b"}'
expect_http 400 "duplicate key"
http POST /api/optimize_image "${auth[@]}" --data-binary @"$T/img/big.bin"
expect_http 413 "JSON body too large"
check "413 says the limit" body_has 'request body too large'
http GET /api/optimize_image "${auth[@]}"
expect_http 405 "GET on a command"
alive

# --- Host and Origin -----------------------------------------------------
http GET / -H "Host: evil.example:$PORT"
expect_http 403 "DNS-rebinding Host"
check "403 reason" body_has 'Host header'
http GET / -H "Host: 127.0.0.1:1"
expect_http 403 "other port in Host"
http GET / -H "Host: localhost:$PORT"
expect_http 200 "localhost Host"
http POST /api/optimize_image "${auth[@]}" -H "Origin: http://evil.example" -d "$one"
expect_http 403 "cross-site command"
http POST /api/jobs -H "Origin: http://evil.example" -F "files=@$T/img/a.jpg"
expect_http 403 "cross-site upload"
http POST /api/jobs -H "Origin: null" -F "files=@$T/img/a.jpg"
expect_http 403 "null origin"
http GET /api/limits -H "Origin: http://127.0.0.1:$PORT"
expect_http 200 "same origin"
check "no job folder from refused uploads" test -z "$(ls "$T"/tmp/imgopt-serve-*/)"
alive

# --- uploads: job, events, downloads, zip ------------------------------
http POST /api/jobs \
	-F 'settings={"quality":{"global":75},"outputFormat":"webp"}' \
	-F "files=@$T/img/a.jpg;filename=../../../escape.jpg" \
	-F "files=@$T/img/broken.jpg;filename=bad \"name\".jpg" \
	-F "files=@$T/img/b.jpg;filename=..\\..\\win.JPG" \
	-F "files=@$T/img/a.jpg;filename=escape.jpeg"
expect_http 202 "upload"
cp "$T/body" "$T/job.json"
job=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/job.json")
check "job id is 32 hex digits" test "${#job}" -eq 32
curl -sN --max-time 20 "${URL}api/jobs/$job/events" >"$T/job-events.txt"
check "job stream ended by itself" test $? -eq 0
http GET "/api/jobs/$job"
expect_http 200 "job status"
cp "$T/body" "$T/job-done.json"
python3 - "$T/job-events.txt" "$T/job-done.json" <<'PY' || fail "job events and status"
import json, sys
evs, name = [], None
for line in open(sys.argv[1]).read().splitlines():
    if line.startswith("event: "):
        name = line[7:]
    elif line.startswith("data: ") and name == "image_optimization_progress":
        evs.append(json.loads(line[6:]))
assert [e["completedTasks"] for e in evs] == [1, 2, 3, 4], evs
assert all(e["totalTasks"] == 4 for e in evs)
assert evs[-1]["status"] == "complete" and evs[-1]["progressPercentage"] == 100
j = json.load(open(sys.argv[2]))
assert j["status"] == "complete" and j["completedTasks"] == 4, j
assert (j["succeeded"], j["failed"]) == (3, 1), j
names = [f["name"] for f in j["files"]]
assert names == ["escape.jpg", "bad name.jpg", "win.JPG", "escape.jpeg"], names
bad = j["files"][1]
assert bad["status"] == "failed" and bad["url"] is None
assert bad["result"]["error"] == 'bad name.jpg: not an image', bad
assert [f["downloadName"] for f in j["files"]] == ["escape.webp", None, "win.webp", "escape.webp"]
ok = [f for f in j["files"] if f["status"] == "done"]
assert j["originalBytes"] == sum(f["result"]["original_size"] for f in ok)
assert j["optimizedBytes"] == sum(f["result"]["optimized_size"] for f in ok)
assert j["savedBytes"] == j["originalBytes"] - j["optimizedBytes"]
byname = {e["metadata"]["fileName"]: e for e in evs}
for f in ok:
    m = byname[f["name"]]["metadata"] if f["name"] in byname else None
    r = f["result"]
    assert r["original_path"] == f["name"] and r["optimized_path"] == f["downloadName"]
    if m and f["name"] != "escape.jpg":
        assert (m["originalSize"], m["optimizedSize"]) == (r["original_size"], r["optimized_size"])
assert evs[-1]["metadata"]["totalDuration"] == j["totalDuration"], (evs[-1], j)
PY
ok
jobdir=$(echo "$T"/tmp/imgopt-serve-*/"$job")
check "job folder exists" test -d "$jobdir"
check "uploads stored under numbers only" test \
	"$(cd "$jobdir" && find . -type f | sort | tr '\n' ' ')" = \
	"./in/0001.jpg ./in/0002.jpg ./in/0003.jpg ./in/0004.jpg ./out/0001.webp ./out/0003.webp ./out/0004.webp "
check "nothing escaped the job folder" test -z "$(find "$T" -name 'escape*' -o -name 'win*')"
http GET "/api/jobs/$job/files/1" -o "$T/dl1"
expect_http 200 "download one"
check "download is the output" cmp -s "$T/body" "$jobdir/out/0001.webp"
check "download type" grep -qi '^content-type: image/webp' "$T/headers"
check "download name" grep -qi "^content-disposition: attachment; filename=\"escape.webp\"" "$T/headers"
http GET "/api/jobs/$job/files/2"
expect_http 404 "no output for the failed image"
http GET "/api/jobs/$job/files/9"
expect_http 404 "file index out of range"
http GET "/api/jobs/$job/files/../../x" --path-as-is
expect_http 404 "traversal in a job URL"
http GET "/api/jobs/0123/zip"
expect_http 404 "unknown job"
http GET "/api/jobs/$job/zip"
expect_http 200 "zip"
cp "$T/body" "$T/all.zip"
python3 - "$T/all.zip" <<'PY' || fail "zip contents"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
assert sorted(z.namelist()) == ["escape (2).webp", "escape.webp", "win.webp"], z.namelist()
assert all(i.file_size > 0 for i in z.infolist())
PY
ok
sleep 0.2
http GET "/api/jobs/$job"
expect_http 404 "job removed after the zip download"
check "job folder removed after the zip" test ! -e "$jobdir"
alive

# --- upload limits and bad uploads ---------------------------------------
http POST /api/jobs -F "files=@$T/img/big.bin;filename=big.jpg"
expect_http 413 "upload too large"
check "413 reason" body_has 'upload too large'
# (Not `... | http`: the last command of a pipe runs in a subshell, and
# STATUS would be the previous request's.)
http POST /api/jobs -H "Transfer-Encoding: chunked" \
	-F "files=@-;filename=big.jpg" < <(head -c 1200000 /dev/urandom)
expect_http 413 "chunked upload too large"
alive
# A chunked body has no length to refuse up front: the 413 must come as
# soon as the limit is crossed, not after reading a stream that may never
# end.  The generator takes at least 25 s to write its 100 MB; it counts
# what it got to write before curl, told 413, hung up.
cat >"$T/stream.py" <<'PY'
import sys, time
boundary, total, count = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out, sent = sys.stdout.buffer, 0
try:
    if boundary:
        out.write(b"--" + boundary.encode() + b"\r\nContent-Disposition: "
                  b"form-data; name=\"files\"; filename=\"big.jpg\"\r\n\r\n")
    while sent < total:
        out.write(bytes(65536))
        out.flush()
        sent += 65536
        time.sleep(0.016)
except BrokenPipeError:
    pass
open(count, "w").write(str(sent))
PY
t0=$(date +%s%N)
http POST /api/jobs -T - -H "Transfer-Encoding: chunked" \
	-H "Content-Type: multipart/form-data; boundary=XyZ" \
	< <(python3 "$T/stream.py" XyZ 100000000 "$T/streamed")
t1=$(date +%s%N)
wait $!
expect_http 413 "endless chunked upload"
check "endless chunked upload: 413 says why" body_has 'upload too large: the limit is 1000000 bytes'
check "endless chunked upload answered in $(((t1 - t0) / 1000000)) ms" \
	test $(((t1 - t0) / 1000000)) -lt 20000
check "endless chunked upload: stopped reading after $(cat "$T/streamed") bytes" \
	test "$(cat "$T/streamed")" -lt 20000000
check "endless chunked upload: nothing stored" \
	test -z "$(ls "$T"/tmp/imgopt-serve-*/)"
alive
# The same for a chunked JSON command over its 1 MiB.
t0=$(date +%s%N)
http POST /api/optimize_images "${auth[@]}" -T - \
	-H "Transfer-Encoding: chunked" \
	< <(python3 "$T/stream.py" "" 100000000 "$T/streamed")
t1=$(date +%s%N)
wait $!
expect_http 413 "endless chunked JSON body"
check "endless JSON body: 413 says why" body_has 'request body too large'
check "endless JSON body answered in $(((t1 - t0) / 1000000)) ms" \
	test $(((t1 - t0) / 1000000)) -lt 20000
check "endless JSON body: stopped reading after $(cat "$T/streamed") bytes" \
	test "$(cat "$T/streamed")" -lt 20000000
alive
http POST /api/jobs -F "files=@$T/img/b.jpg" -F "files=@$T/img/b.jpg" \
	-F "files=@$T/img/b.jpg" -F "files=@$T/img/b.jpg" -F "files=@$T/img/b.jpg"
expect_http 413 "too many files"
check "too many files reason" body_has 'too many files: the limit is 4'
http POST /api/jobs -F 'settings={"quality":{"global":0}}' -F "files=@$T/img/b.jpg"
expect_http 400 "bad upload settings"
check "bad upload settings named" body_has 'bad settings: quality.global'
http POST /api/jobs -F 'settings={"quality":' -F "files=@$T/img/b.jpg"
expect_http 400 "malformed upload settings"
check "malformed settings reason" body_has 'malformed settings JSON'
http POST /api/jobs -F 'settings={}'
expect_http 400 "no files"
http POST /api/jobs -F "photo=@$T/img/b.jpg"
expect_http 400 "unexpected field"
http POST /api/jobs -d 'x=1'
expect_http 400 "not multipart"
# A client that gives up half way leaves nothing behind.
head -c 900000 /dev/urandom >"$T/img/slow.jpg"
curl -s -o /dev/null --limit-rate 200k --max-time 1 \
	-F "files=@$T/img/slow.jpg" "${URL}api/jobs"
sleep 0.3
alive
check "no job folder from refused or aborted uploads" \
	test -z "$(ls "$T"/tmp/imgopt-serve-*/)"

# --- expiry and DELETE ---------------------------------------------------
http POST /api/jobs -F "files=@$T/img/b.jpg"
expect_http 202 "upload to expire"
job2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/body")
http POST /api/jobs -F "files=@$T/img/c.png"
job3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/body")
curl -sN --max-time 20 "${URL}api/jobs/$job3/events" >/dev/null
http DELETE "/api/jobs/$job3"
expect_http 200 "delete a job"
http GET "/api/jobs/$job3"
expect_http 404 "deleted job"
sleep 3.5
http GET "/api/jobs/$job2"
expect_http 404 "job expired"
check "expired job folder removed" test -z "$(ls "$T"/tmp/imgopt-serve-*/)"
alive


# --- stop: 130, nothing left ---------------------------------------------
workers=$(pgrep -P "$SERVER_PID" | tr '\n' ' ')
stop_server
check "SIGTERM exits 130 (got $STOP_STATUS)" test "$STOP_STATUS" = 130
check "upload root removed" test -z "$(ls "$T/tmp")"
sleep 0.2
for w in $workers; do
	check "worker $w gone" test ! -e "/proc/$w" -o "$(awk '/^State:/ {print $2}' "/proc/$w/status" 2>/dev/null)" = Z
done

# --- clients that go away ------------------------------------------------
# A command's answer is the only place its results go: when its client
# hangs up, the images not started yet are cancelled.  An upload job can
# still be fetched later, so its event stream closing cancels nothing.
if start_server -j 2; then
	ok
else
	fail "second server did not start: $(tail -c 600 "$T/server.err")"
fi
auth=(-H "Authorization: Bearer $TOKEN")
make_photo "$T/img/hang.jpg" 1600 1200 95
mkdir -p "$T/res/hang" "$T/res/other"
python3 - "$T" >"$T/hang.json" <<'PY'
import json, sys
t = sys.argv[1]
print(json.dumps({"tasks": [{"input_path": t + "/img/hang.jpg",
                             "output_path": "%s/res/hang/%03d.jpg" % (t, i)}
                            for i in range(100)]}))
PY
curl -sN "${URL}api/events" >"$T/hang-events.txt" 2>/dev/null &
events_pid=$!
wait_stream "$T/hang-events.txt"
# 100 images of ~0.2 s each on 2 workers: 10 s of work if nobody stops it.
curl -s "${auth[@]}" --data-binary @"$T/hang.json" -o /dev/null \
	"${URL}api/optimize_images" &
hang_pid=$!
# Another client's request, queued behind them, must not be touched.
curl -s "${auth[@]}" -o "$T/other.json" -w '%{http_code}' \
	-d "{\"tasks\":[{\"input_path\":\"$T/img/b.jpg\",\"output_path\":\"$T/res/other/\"},{\"input_path\":\"$T/img/c.png\",\"output_path\":\"$T/res/other/\"}]}" \
	"${URL}api/optimize_images" >"$T/other.status" &
other_pid=$!
for _ in $(seq 600); do
	[ -n "$(ls "$T/res/hang")" ] && break
	sleep 0.1
done
kill "$hang_pid"
at_kill=$(ls "$T/res/hang" | wc -l)
wait "$hang_pid" 2>/dev/null
t0=$(date +%s%N)
# Every image still gets its one event: the cancelled ones at once, then
# the ones in flight; the last says "complete".  (The wait is long for a
# busy machine; without the cancel it ends when all 100 are done.)
for _ in $(seq 600); do
	grep -q '"status":"complete"' "$T/hang-events.txt" && break
	sleep 0.1
done
t1=$(date +%s%N)
check "hung-up batch over $(((t1 - t0) / 1000000)) ms after the hang-up" \
	grep -q '"status":"complete"' "$T/hang-events.txt"
wait "$other_pid"
check "the other client's request answered" test "$(cat "$T/other.status")" = 200
python3 - "$T/other.json" <<'PY' || fail "the other client's results"
import json, sys
rs = json.load(open(sys.argv[1]))
assert [r["success"] for r in rs] == [True, True], rs
PY
ok
# Written: those done before the hang-up, and per worker the one in
# flight and at most one it was handed in the same loop round as the
# hang-up was seen.  A busy machine may make the first number larger,
# not the others.
written=$(ls "$T/res/hang" | wc -l)
check "images cancelled: $written of 100 written, $at_kill at the hang-up" \
	test "$written" -le $((at_kill + 4))
cancelled=$(grep -c 'hang.jpg: cancelled (the client hung up)' "$T/hang-events.txt")
check "the other $cancelled images reported cancelled" \
	test $((written + cancelled)) -eq 100
# The workers are idle: no CPU time spent over half a second.
cpu() {
	local total=0 w
	for w in $(pgrep -P "$SERVER_PID"); do
		total=$((total + $(awk '{print $14 + $15}' "/proc/$w/stat" 2>/dev/null || echo 0)))
	done
	echo "$total"
}
c0=$(cpu)
sleep 0.5
check "workers idle after the hang-up" test "$(cpu)" = "$c0"
sleep 0.2
check "no more images written" test "$(ls "$T/res/hang" | wc -l)" = "$written"
check "no temporary files left" \
	test -z "$(find "$T/res" -name '.imgopt-tmp-*')"
kill "$events_pid" 2>/dev/null
wait "$events_pid" 2>/dev/null
alive

# DELETE of a running job: the images not started are cancelled at once,
# the job is gone for every request, its folder once the rest is done.
files=()
for i in 1 2 3 4; do files+=(-F "files=@$T/img/hang.jpg;filename=$i.jpg"); done
http POST /api/jobs -F 'settings={"outputFormat":"avif"}' "${files[@]}"
expect_http 202 "upload to delete while running"
job4=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/body")
curl -sN --max-time 60 "${URL}api/jobs/$job4/events" >"$T/del-events.txt" 2>/dev/null &
del_sse=$!
wait_stream "$T/del-events.txt"
# 4 AVIF encodes of 1600x1200 (about a second each) on 2 workers: at
# least 2 are not started yet.
http DELETE "/api/jobs/$job4"
expect_http 200 "delete a running job"
check "some images cancelled ($(cat "$T/body"))" python3 -c \
	'import json,sys; b = json.load(open(sys.argv[1])); sys.exit(not (b["removed"] and 2 <= b["cancelled"] <= 4))' "$T/body"
http GET "/api/jobs/$job4"
expect_http 404 "deleted running job"
wait "$del_sse" 2>/dev/null
check "the job's stream says which were cancelled" \
	grep -q 'cancelled (the job was deleted)' "$T/del-events.txt"
for _ in $(seq 300); do
	[ -z "$(ls "$T"/tmp/imgopt-serve-*/)" ] && break
	sleep 0.1
done
check "deleted job's folder removed" test -z "$(ls "$T"/tmp/imgopt-serve-*/)"
alive

# An upload job whose event stream closes goes on: the page may reload
# and come back for it.  AVIF is slow enough that two of the four files
# are still queued when the stream goes.
make_photo "$T/img/m.jpg" 700 500 90
http POST /api/jobs -F 'settings={"outputFormat":"avif"}' \
	-F "files=@$T/img/m.jpg;filename=1.jpg" -F "files=@$T/img/m.jpg;filename=2.jpg" \
	-F "files=@$T/img/m.jpg;filename=3.jpg" -F "files=@$T/img/m.jpg;filename=4.jpg"
expect_http 202 "upload for a stream that closes"
job=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/body")
curl -sN "${URL}api/jobs/$job/events" >"$T/gone-events.txt" 2>/dev/null &
sse_pid=$!
wait_stream "$T/gone-events.txt"
kill "$sse_pid"
wait "$sse_pid" 2>/dev/null
curl -sN --max-time 120 "${URL}api/jobs/$job/events" >/dev/null
http GET "/api/jobs/$job"
expect_http 200 "job after its stream closed"
check "job not cancelled by a closed stream" \
	python3 -c 'import json,sys; j = json.load(open(sys.argv[1])); sys.exit(not (j["status"] == "complete" and j["succeeded"] == 4))' "$T/body"
alive

stop_server
check "second server: SIGTERM exits 130 (got $STOP_STATUS)" test "$STOP_STATUS" = 130
check "second server: upload root removed" test -z "$(ls "$T/tmp")"
finish
