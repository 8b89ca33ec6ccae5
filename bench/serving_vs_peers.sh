#!/usr/bin/env bash
# Scoring server against its peers, measured in the same run on the same machine:
#   - ours (cerulean-cli serve) vs ../shared/peers/peer_serve.py under gunicorn (the shape
#     of Azure ML's Python inference server): POST /score with one Bank Marketing row,
#     wrk, 16 keep-alive connections. Target: ours >= 30x the peer's requests/s.
#   - ours GET / vs nginx's fixed reply (../shared/peers/nginx-static.conf), same wrk load.
#     Target: >= 0.5x nginx.
#   - ours at concurrency 1 (ab -k, -e csv for sub-ms percentiles): p99 <= 1 ms.
#   - cerulean-cli bench vs wrk throughput (within 10 %) and vs ab percentiles (within 10 %)
#     at the same n and c.
# Each figure is the median of RUNS runs (default 3).
#
#   bench/serving_vs_peers.sh [BUILD_DIR]      (default build/dev; needs cerulean-cli and
#                                               serving_make_test_package built there)
#   MODEL=DIR bench/serving_vs_peers.sh ...     serve this package (e.g. an AutoML best/)
#   RUNS=3 DURATION=5 THREADS=1 CLI=path/to/cerulean-cli ...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/dev}
shared=${CERULEAN_SHARED_DIR:-$root/../shared}
runs=${RUNS:-3}
duration=${DURATION:-5}
threads=${THREADS:-1}
cli=${CLI:-$build/app/cerulean-cli}
[[ -x "$cli" ]] || { echo "no cerulean-cli in $build/app; build it first" >&2; exit 2; }
for tool in wrk ab gunicorn nginx python3; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 2; }
done
work=$(mktemp -d /tmp/cerulean-bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
row=$shared/peers/one_row.json
key=bench-$RANDOM$RANDOM

model=${MODEL:-}
if [[ -z "$model" ]]; then
    maker=$build/tests/serving/serving_make_test_package
    [[ -x "$maker" ]] || { echo "set MODEL=DIR or build serving_make_test_package" >&2; exit 2; }
    echo "== training a quick XGBoost package on Bank Marketing (set MODEL=DIR for an AutoML package)"
    "$maker" "$work/package" 0 >/dev/null
    model=$work/package
fi

echo "== starting servers"
"$cli" serve --model "$model" --port 0 --key "$key" --threads "$threads" >"$work/ours.out" 2>"$work/ours.err" &
pids+=($!)
for _ in $(seq 1 100); do grep -q '^listening on' "$work/ours.out" && break; sleep 0.1; done
ours=$(sed -n 's/^listening on //p' "$work/ours.out")
[[ -n "$ours" ]] || { cat "$work/ours.err"; exit 1; }

peer_port=$((20000 + RANDOM % 20000))
(cd "$shared/peers" && OMP_NUM_THREADS=1 BANK_CSV="$shared/data/bankmarketing_train.csv" \
    exec gunicorn -w 2 -b "127.0.0.1:$peer_port" --chdir . peer_serve:app) >"$work/peer.log" 2>&1 &
pids+=($!)
mkdir -p /tmp/cerulean-nginx
nginx -c "$shared/peers/nginx-static.conf" >"$work/nginx.log" 2>&1 &
pids+=($!)
peer=http://127.0.0.1:$peer_port
for _ in $(seq 1 300); do
    curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary "@$row" "$peer/score" && break
    sleep 0.2
done
curl -sf -o /dev/null http://127.0.0.1:18080/ || { echo "nginx did not start"; cat "$work/nginx.log"; exit 1; }
curl -sf -o /dev/null -H "Authorization: Bearer $key" --data-binary "@$row" "$ours/score" || { echo "ours does not score"; exit 1; }
curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary "@$row" "$peer/score" || { echo "peer does not score"; exit 1; }
echo "ours $ours   peer $peer   nginx http://127.0.0.1:18080"
echo "load before measuring: $(uptime | sed 's/.*load average/load average/')"

cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$(cat "$row")]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
LUA

# wrk_rps URL [script]: requests/s of one wrk run (2 threads, 16 keep-alive connections)
wrk_rps() {
    local args=(-t 2 -c 16 -d "${duration}s")
    [[ -n "${2:-}" ]] && args+=(-s "$2")
    wrk "${args[@]}" "$1" >"$work/wrk.txt" 2>&1
    if grep -qE 'Non-2xx|Socket errors' "$work/wrk.txt"; then cat "$work/wrk.txt" >&2; fi
    awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -a ours_score peer_score ours_health nginx_health
for r in $(seq 1 "$runs"); do
    echo "-- run $r/$runs"
    ours_score+=("$(wrk_rps "$ours/score" "$work/post.lua")")
    peer_score+=("$(wrk_rps "$peer/score" "$work/post.lua")")
    ours_health+=("$(wrk_rps "$ours/")")
    nginx_health+=("$(wrk_rps "http://127.0.0.1:18080/")")
    echo "   score: ours ${ours_score[-1]} peer ${peer_score[-1]}   GET /: ours ${ours_health[-1]} nginx ${nginx_health[-1]}"
done
m_ours=$(printf '%s\n' "${ours_score[@]}" | median)
m_peer=$(printf '%s\n' "${peer_score[@]}" | median)
m_oh=$(printf '%s\n' "${ours_health[@]}" | median)
m_ng=$(printf '%s\n' "${nginx_health[@]}" | median)

# Concurrency 1: p99 from ab's CSV (percent, ms with decimals).
p99s=()
for r in $(seq 1 "$runs"); do
    ab -q -k -n 20000 -c 1 -p "$row" -T application/json -H "Authorization: Bearer $key" -e "$work/ab1.csv" \
        "$ours/score" >"$work/ab1.txt" 2>&1
    p99s+=("$(awk -F, '$1=="99" {print $2}' "$work/ab1.csv")")
done
m_p99=$(printf '%s\n' "${p99s[@]}" | median)

# cerulean-cli bench vs wrk (throughput) and vs ab (percentiles), same n and c, keep-alive.
n_cmp=${COMPARE_N:-100000}
bench_rps=(); wrk_cmp=(); ab_worst=()
for r in $(seq 1 "$runs"); do
    "$cli" bench --url "$ours/score" --key "$key" --body "$row" -n "$n_cmp" -c 16 -k --threads 2 --json >"$work/bench.json"
    bench_rps+=("$(python3 -c "import json; print(json.load(open('$work/bench.json'))['requestsPerSecond'])")")
    wrk_cmp+=("$(wrk_rps "$ours/score" "$work/post.lua")")
    ab -q -k -n "$n_cmp" -c 16 -p "$row" -T application/json -H "Authorization: Bearer $key" -e "$work/ab.csv" \
        "$ours/score" >"$work/ab.txt" 2>&1
    "$cli" bench --url "$ours/score" --key "$key" --body "$row" -n "$n_cmp" -c 16 -k --threads 1 --json >"$work/bench_ab.json"
    /usr/bin/python3 - "$work/ab.csv" "$work/bench_ab.json" >"$work/abdiff" <<'PY'
import csv, json, sys
ab = {int(row[0]): float(row[1]) for row in csv.reader(open(sys.argv[1])) if row[0].isdigit()}
ours = json.load(open(sys.argv[2]))["latency"]["percentilesMs"]
worst = 0.0
for p in (50, 66, 75, 80, 90, 95, 98, 99):
    a, b = ab[p], ours[str(p)]
    worst = max(worst, abs(b - a) / a if a > 0 else 0)
    print(f"      p{p}: ab {a:.3f} ms, cerulean-cli bench {b:.3f} ms", file=sys.stderr)
print(f"{worst:.4f}")
PY
    ab_worst+=("$(cat "$work/abdiff")")
done
m_bench=$(printf '%s\n' "${bench_rps[@]}" | median)
m_wrk=$(printf '%s\n' "${wrk_cmp[@]}" | median)
m_abdiff=$(printf '%s\n' "${ab_worst[@]}" | median)

verdict() { if python3 -c "import sys; sys.exit(0 if $1 else 1)"; then echo PASS; else echo FAIL; fi; }
echo
echo "== results (median of $runs runs, wrk -t2 -c16 -d${duration}s keep-alive; load now: $(uptime | sed 's/.*load average: //'))"
printf '%-52s %12.0f req/s\n' "ours POST /score" "$m_ours"
printf '%-52s %12.0f req/s\n' "peer (Flask + gunicorn -w 2) POST /score" "$m_peer"
printf '%-52s %12.1fx   target >= 30x   %s\n' "ratio ours / peer" "$(python3 -c "print($m_ours/$m_peer)")" \
    "$(verdict "$m_ours >= 30 * $m_peer")"
printf '%-52s %12.0f req/s\n' "ours GET /" "$m_oh"
printf '%-52s %12.0f req/s\n' "nginx fixed reply" "$m_ng"
printf '%-52s %12.2fx   target >= 0.5x  %s\n' "ratio ours / nginx" "$(python3 -c "print($m_oh/$m_ng)")" \
    "$(verdict "$m_oh >= 0.5 * $m_ng")"
printf '%-52s %12.3f ms    target <= 1 ms  %s\n' "ours p99 at concurrency 1 (ab -k -n 20000 -c 1)" "$m_p99" \
    "$(verdict "$m_p99 <= 1.0")"
printf '%-52s %12.0f vs %.0f req/s (%+.1f %%)  %s\n' "cerulean-cli bench vs wrk throughput" "$m_bench" "$m_wrk" \
    "$(python3 -c "print(($m_bench/$m_wrk-1)*100)")" "$(verdict "abs($m_bench/$m_wrk-1) <= 0.10")"
printf '%-52s %12.1f %% worst over p50..p99     %s\n' "cerulean-cli bench vs ab percentiles (n=$n_cmp, c=16)" \
    "$(python3 -c "print($m_abdiff*100)")" "$(verdict "$m_abdiff <= 0.10")"
