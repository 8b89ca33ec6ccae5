#!/usr/bin/env bash
# End-to-end checks of `cerulean-cli serve` with real clients: curl for every bad input,
# predict_proba equal to `cerulean-cli score`, ab with and without keep-alive, wrk with a
# POST script, the Swagger document through
# Debian's swagger-spec-validator, and a clean drain on SIGTERM.
#   e2e_serve.sh CLI PACKAGE_DIR
set -euo pipefail
cli=$1
package=$2
shared=${CERULEAN_SHARED_DIR:-$(dirname "$0")/../../../shared}
row=$shared/peers/one_row.json
work=$(mktemp -d /tmp/cerulean-e2e.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# start_server OUT_PREFIX ARGS... ; sets $url and $server_pid
start_server() {
    local prefix=$1; shift
    "$cli" serve --model "$package" --port 0 "$@" >"$prefix.out" 2>"$prefix.err" &
    server_pid=$!
    pids+=("$server_pid")
    for _ in $(seq 1 200); do
        if grep -q '^listening on ' "$prefix.out" 2>/dev/null; then
            url=$(sed -n 's/^listening on //p' "$prefix.out")
            return 0
        fi
        kill -0 "$server_pid" 2>/dev/null || { cat "$prefix.err" >&2; echo "server exited" >&2; exit 1; }
        sleep 0.1
    done
    echo "server did not print 'listening on'" >&2
    cat "$prefix.err" >&2
    exit 1
}

key=key-$RANDOM$RANDOM
secondary=second-$RANDOM$RANDOM
printf '%s\n%s\n' "$key" "$secondary" >"$work/keys"
start_server "$work/main" --key-file "$work/keys" --threads 2 --max-rows 5 --max-body-bytes 100000 \
    --cors-origin https://editor.swagger.io --request-timeout 1
echo "server at $url"

# expect NAME STATUS TEXT CURL_ARGS...: the reply has STATUS and contains TEXT.
expect() {
    local name=$1 status=$2 text=$3; shift 3
    local got
    got=$(curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' "$@") || true
    if [[ "$got" != "$status" ]]; then
        fail "$name: status $got, expected $status; body: $(head -c 300 "$work/body")"
    elif ! grep -qF -- "$text" "$work/body" "$work/headers"; then
        fail "$name: '$text' not in reply: $(head -c 300 "$work/body")"
    else
        echo "ok   $name ($status)"
    fi
}
auth=(-H "Authorization: Bearer $key")
json=(-H 'Content-Type: application/json')
row_body=$(cat "$row")
with_row() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$row')); r=d['data'][0]; $1; print(json.dumps(d))"; }

expect "health" 200 "Healthy" "$url/"
expect "score" 200 '{"result":["' "${auth[@]}" "${json[@]}" --data-binary "@$row" "$url/score"
expect "predict_proba" 200 '{"Results":[{"no":' "${auth[@]}" "${json[@]}" \
    --data-binary "{\"Inputs\":{\"data\":$(/usr/bin/python3 -c "import json; print(json.dumps(json.load(open('$row'))['data']))")},\"GlobalParameters\":{\"method\":\"predict_proba\"}}" \
    "$url/score"
expect "secondary key" 200 '"result"' -H "Authorization: Bearer $secondary" "${json[@]}" --data-binary "@$row" "$url/score"
expect "no key" 401 "WWW-Authenticate: Bearer" "${json[@]}" --data-binary "@$row" "$url/score"
expect "no key text" 401 "missing_key" "${json[@]}" --data-binary "@$row" "$url/score"
expect "wrong key" 401 "invalid_key" -H "Authorization: Bearer nope" "${json[@]}" --data-binary "@$row" "$url/score"
head -c 200000 /dev/zero | tr '\0' ' ' >"$work/big"
expect "body too large" 413 "body_too_large" "${auth[@]}" "${json[@]}" --data-binary "@$work/big" "$url/score"
expect "malformed json" 400 "not valid JSON (byte 11)" "${auth[@]}" "${json[@]}" --data-binary '{"data": [' "$url/score"
expect "missing column" 400 'missing column \"age\"' "${auth[@]}" "${json[@]}" \
    --data-binary "$(with_row "del r['age']")" "$url/score"
expect "unknown column" 400 'unknown column \"colour\"' "${auth[@]}" "${json[@]}" \
    --data-binary "$(with_row "r['colour']='blue'")" "$url/score"
expect "wrong type" 400 'Row 0, column \"age\": expected a number, got a string' "${auth[@]}" "${json[@]}" \
    --data-binary "$(with_row "r['age']='old'")" "$url/score"
expect "empty data" 400 "empty_data" "${auth[@]}" "${json[@]}" --data-binary '{"data": []}' "$url/score"
expect "too many rows" 413 "has 6 rows; the limit is 5" "${auth[@]}" "${json[@]}" \
    --data-binary "$(with_row "d['data']=[r]*6")" "$url/score"
expect "unseen category" 200 '"result"' "${auth[@]}" "${json[@]}" \
    --data-binary "$(with_row "r['job']='astronaut'")" "$url/score"
expect "unknown route" 404 "not_found" "$url/nope"
expect "wrong method" 405 "method_not_allowed" "$url/score"
expect "cors preflight" 204 "Access-Control-Allow-Origin: https://editor.swagger.io" -X OPTIONS \
    -H 'Origin: https://editor.swagger.io' -H 'Access-Control-Request-Method: POST' "$url/score"
# A client sending 200 bytes at 20 bytes/s cannot finish within the 1 s request timeout.
head -c 200 /dev/zero | tr '\0' ' ' >"$work/slow"
expect "slow client" 408 "request_timeout" --limit-rate 20 "${auth[@]}" "${json[@]}" --data-binary "@$work/slow" "$url/score"
expect "still serving" 200 '"result"' "${auth[@]}" "${json[@]}" --data-binary "@$row" "$url/score"

# Swagger: valid Swagger 2.0, and its example scores.
curl -s "$url/swagger.json" >"$work/swagger.json"
if /usr/bin/python3 - "$work/swagger.json" "$url" "$key" <<'PY'
import json, sys, urllib.request
from swagger_spec_validator.validator20 import validate_spec
spec = json.load(open(sys.argv[1]))
validate_spec(spec)
example = spec["definitions"]["ServiceInput"]["example"]
req = urllib.request.Request(sys.argv[2] + "/score", data=json.dumps(example).encode(),
                             headers={"Content-Type": "application/json", "Authorization": "Bearer " + sys.argv[3]})
with urllib.request.urlopen(req) as reply:
    assert reply.status == 200, reply.status
    body = json.load(reply)
    assert "Results" in body and len(body["Results"]) == 1, body
v3 = json.load(urllib.request.urlopen(sys.argv[2] + "/swagger.json?version=3"))
assert v3["openapi"].startswith("3."), v3.get("openapi")
PY
then echo "ok   swagger.json validates and its example scores 200"; else fail "swagger"; fi

# predict_proba over HTTP equals `cerulean-cli score` on the same rows (bit for bit); five
# rows, the most this server takes per request.
head -n 6 "$shared/data/bankmarketing_test.csv" >"$work/rows.csv"
if ! "$cli" --help | grep -q '^  score '; then
    echo "SKIP predict_proba vs cerulean-cli score: this cerulean-cli has no score command"
elif "$cli" score --model "$package" --data "$work/rows.csv" --out "$work/pred.csv" >/dev/null 2>"$work/score.err"; then
    if /usr/bin/python3 - "$work/rows.csv" "$work/pred.csv" "$work/swagger.json" "$url" "$key" <<'PY'
import csv, json, sys, urllib.request
rows_csv, pred_csv, swagger, url, key = sys.argv[1:]
props = json.load(open(swagger))["definitions"]["InputRow"]["properties"]
rows = []
for r in csv.DictReader(open(rows_csv)):
    row = {}
    for name, spec in props.items():
        v = r[name]
        row[name] = (float(v) if v not in ("", "NA") else None) if spec["type"] == "number" else v
    rows.append(row)
body = {"Inputs": {"data": rows}, "GlobalParameters": {"method": "predict_proba"}}
req = urllib.request.Request(url + "/score", data=json.dumps(body).encode(),
                             headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
served = json.load(urllib.request.urlopen(req))["Results"]
expected = list(csv.DictReader(open(pred_csv)))
assert len(served) == len(expected) == len(rows), (len(served), len(expected))
for i, (s, e) in enumerate(zip(served, expected)):
    for label, p in s.items():
        assert p == float(e["probability_" + label]), (i, label, p, e["probability_" + label])
print(f"{len(rows)} rows")
PY
    then echo "ok   predict_proba equals cerulean-cli score"; else fail "predict_proba differs from cerulean-cli score"; fi
else
    fail "cerulean-cli score failed: $(cat "$work/score.err")"
fi

# ab with and without keep-alive: no failures, no non-2xx.
for k in "" "-k"; do
    ab -q -n 20000 -c 16 $k -p "$row" -T application/json -H "Authorization: Bearer $key" "$url/score" >"$work/ab" 2>&1 || true
    if grep -q '^Failed requests: *0$' "$work/ab" && grep -q '^Complete requests: *20000$' "$work/ab" \
        && ! grep -q 'Non-2xx' "$work/ab"; then
        echo "ok   ab -n 20000 -c 16 $k: $(grep 'Requests per second' "$work/ab")"
    else
        fail "ab $k"; cat "$work/ab" >&2
    fi
done

# wrk with a POST script.
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$row_body]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
LUA
wrk -t 2 -c 16 -d 2s -s "$work/post.lua" "$url/score" >"$work/wrk" 2>&1 || true
if grep -q 'Requests/sec' "$work/wrk" && ! grep -q 'Non-2xx' "$work/wrk" && ! grep -q 'Socket errors' "$work/wrk"; then
    echo "ok   wrk POST: $(grep 'Requests/sec' "$work/wrk")"
else
    fail "wrk"; cat "$work/wrk" >&2
fi

# cerulean-cli bench takes its key from a file or the environment (a --key shows in ps);
# without one every request is refused.
printf '%s\n' "$key" >"$work/bench-key"
bench_non2xx() { "$cli" bench --url "$url/score" --body "$row" -n 50 -c 4 -k --json "$@" 2>/dev/null \
    | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["non2xx"])'; }
[[ "$(bench_non2xx --key-file "$work/bench-key")" == 0 ]] && echo "ok   bench --key-file" || fail "bench --key-file"
[[ "$(CERULEAN_BENCH_KEY=$key bench_non2xx)" == 0 ]] && echo "ok   bench with CERULEAN_BENCH_KEY" || fail "bench key from the environment"
[[ "$(bench_non2xx)" == 50 ]] && echo "ok   bench without a key is refused" || fail "bench without a key"
# /score takes JSON only: a browser posts text/plain cross-origin without asking first.
expect "text/plain body" 415 "unsupported_media_type" "${auth[@]}" -H 'Content-Type: text/plain' --data-binary "@$row" \
    "$url/score"

# Connection cap: a second server that allows 2 connections; hold them open, the third gets 503.
start_server "$work/capped" --max-connections 2
capped=$url
/usr/bin/python3 - "$capped" <<'PY' && echo "ok   connection cap (503)" || fail "connection cap"
import socket, sys, time, urllib.request, urllib.error
host, port = sys.argv[1][len("http://"):].split(":")
held = [socket.create_connection((host, int(port))) for _ in range(2)]
for s in held:  # make sure both are accepted and counted
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"); s.recv(4096)
try:
    urllib.request.urlopen(sys.argv[1] + "/")
    sys.exit("third connection was served")
except urllib.error.HTTPError as e:
    body = e.read().decode()
    assert e.code == 503 and "connection_limit" in body, (e.code, body)
PY

# SIGTERM drains and exits 0, with container-style log lines.
kill -TERM "$server_pid"
if wait "$server_pid"; then echo "ok   capped server stopped on SIGTERM"; else fail "exit status after SIGTERM"; fi
main_pid=${pids[0]}
kill -TERM "$main_pid"
if wait "$main_pid"; then echo "ok   main server stopped on SIGTERM"; else fail "main exit status after SIGTERM"; fi
for line in "INFO    Starting scoring server" "INFO    Model " "INFO    Listening on http://127.0.0.1:" \
            "WARNING 400 POST /score malformed_json" "ERROR   413 body_too_large" "INFO    Stopped after"; do
    grep -qF -- "$line" "$work/main.err" || fail "log line '$line' missing"
done
grep -qF -- "$key" "$work/main.err" && fail "the key appears in the log"

if ((failures)); then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "all end-to-end checks passed"
