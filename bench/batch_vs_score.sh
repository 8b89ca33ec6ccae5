#!/usr/bin/env bash
# Batch inference through the pipeline machinery against plain scoring, same file, same
# model, same run: `cerulean-cli pipeline batch-invoke --wait` (a batch endpoint job on the
# local workspace service: REST submit, job runner, parallel step with mini-batches of 100
# on 2 worker slots, append_row output) versus `cerulean-cli score` on
# bankmarketing_test.csv (4,120 rows). Both are timed end to end as a user runs them
# (process start to exit). Prints rows/s of each, the per-run ratio and the median of the
# ratios. Target: the batch job takes at most 2x the plain scoring time.
#
#   bench/batch_vs_score.sh [path/to/cerulean-cli] [runs]
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
cli="${1:-$here/build/pipelines/app/cerulean-cli}"
runs="${2:-3}"
shared="${CERULEAN_SHARED_DIR:-$here/../shared}"
train="$shared/data/bankmarketing_train.csv"
test_csv="$(cd "$(dirname "$shared/data/bankmarketing_test.csv")" && pwd)/bankmarketing_test.csv"
[ -x "$cli" ] || { echo "no cerulean-cli at $cli (pass its path)" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is required" >&2; exit 2; }

work="$(mktemp -d)"
service_pid=""
cleanup() {
  [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

root="$work/root"
"$cli" local-service --root "$root" --port 0 >"$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/service.log" 2>/dev/null && break
  sleep 0.1
done
url="$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$work/service.log")"
sub="$(sed -n 's/.*subscription \([0-9a-f-]*\).*/\1/p' "$work/service.log")"
[ -n "$url" ] && [ -n "$sub" ] || { echo "the local service did not start:" >&2; cat "$work/service.log" >&2; exit 1; }
url="${url%/}"

token="$("$cli" pipeline token --url "$url" --local-root "$root")"
ws="/subscriptions/$sub/resourceGroups/bench/providers/Microsoft.MachineLearningServices/workspaces/bench"
put() {
  curl -sf -X PUT -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
    --data-binary "$2" "$url$1?api-version=2025-12-01" >/dev/null
}
put "/subscriptions/$sub/resourceGroups/bench" '{"location":"local"}'
put "$ws" '{"location":"local"}'
put "$ws/computes/cpu" '{"properties":{"computeType":"AmlCompute","properties":{"scaleSettings":{"maxNodeCount":2}}}}'

echo "training a small model (XGBoost, 2 trials) ..." >&2
"$cli" automl --data "$train" --target y --out "$work/model" --max-trials 2 --no-ensembles --no-explain \
  --allowed-models XGBoostClassifier >/dev/null 2>"$work/automl.log" || { cat "$work/automl.log" >&2; exit 1; }
model="$work/model/best"
put "$ws/models/bank/versions/1" "{\"properties\":{\"modelType\":\"custom_model\",\"modelUri\":\"$model\"}}"

common=(--url "$url" --local-root "$root" --subscription "$sub" --resource-group bench --workspace bench)
"$cli" pipeline batch-deploy bank-batch --deployment main --model azureml:bank:1 --compute cpu \
  --mini-batch-size 100 --instances 2 --error-threshold -1 "${common[@]}" >/dev/null

rows=$(( $(wc -l <"$test_csv") - 1 ))
now() { date +%s.%N; }
ratios=()
printf '%-4s %12s %12s %12s %12s %8s\n' run score_s batch_s score_rows/s batch_rows/s ratio
for i in $(seq 1 "$runs"); do
  t0=$(now)
  "$cli" score --model "$model" --data "$test_csv" --out "$work/score.csv" 2>/dev/null
  t1=$(now)
  "$cli" pipeline batch-invoke bank-batch --input "$test_csv" --wait --interval-ms 20 --json "${common[@]}" >"$work/batch.json"
  t2=$(now)
  grep -q '"status": "Completed"' "$work/batch.json" || { echo "batch job did not complete" >&2; cat "$work/batch.json" >&2; exit 1; }
  score=$(echo "$t1 - $t0" | bc -l)
  batch=$(echo "$t2 - $t1" | bc -l)
  ratio=$(echo "$batch / $score" | bc -l)
  ratios+=("$ratio")
  printf '%-4s %12.3f %12.3f %12.0f %12.0f %8.2f\n' "$i" "$score" "$batch" "$(echo "$rows / $score" | bc -l)" \
    "$(echo "$rows / $batch" | bc -l)" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
printf 'rows %d; median batch/score time ratio over %d runs: %.2f (target <= 2.00)\n' "$rows" "$runs" "$median"
