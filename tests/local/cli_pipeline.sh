#!/usr/bin/env bash
# cerulean-cli pipeline against a real local-service process: create and wait, show the
# steps, export YAML, az ml YAML in (command steps; AutoML and command steps), run again with a
# parameter, publish and trigger, schedules, batch endpoints (deploy, invoke, the output file),
# errors.
#   cli_pipeline.sh path/to/cerulean-cli
set -euo pipefail
cli="$1"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Help: `pipeline --help` lists every verb on one line; `pipeline VERB --help` gives that
# verb's arguments and its own options, not another verb's.
help="$("$cli" pipeline --help)" || fail "pipeline --help"
verbs="$("$cli" pipeline 2>&1 | sed -n 's/^pipeline: expected one of: //p' | tr -d ',')" || true
[ "$(wc -w <<<"$verbs")" -ge 18 ] || fail "the verbs: $verbs"
listed="$(sed -n '/^Verbs:$/,/^$/p' <<<"$help" | grep -E '^  [a-z]')"
[ "$(wc -l <<<"$listed")" -eq "$(wc -w <<<"$verbs")" ] || fail "not one line per verb: $help"
for verb in $verbs; do
  grep -qE "^  $verb +[A-Z]" <<<"$listed" || fail "pipeline --help does not list $verb: $help"
  verbhelp="$("$cli" pipeline "$verb" --help)" || fail "pipeline $verb --help"
  grep -q "^Usage: cerulean-cli pipeline $verb " <<<"$verbhelp" || fail "pipeline $verb --help: $verbhelp"
  grep -qE -- "^  --local-root " <<<"$verbhelp" || fail "pipeline $verb --help without the workspace options: $verbhelp"
done
verbhelp="$("$cli" pipeline batch-invoke --help)"
for option in --input --input-type --deployment --wait --interval-ms --out; do
  grep -qE -- "^  $option " <<<"$verbhelp" || fail "batch-invoke --help without $option: $verbhelp"
done
grep -q -- "--cron" <<<"$verbhelp" && fail "batch-invoke --help lists schedule-create's options: $verbhelp"
verbhelp="$("$cli" pipeline schedule-create --help)"
for option in --from --cron --frequency --interval --hours --minutes --week-days --month-days --start --time-zone \
              --disabled --missed-runs; do
  grep -qE -- "^  $option " <<<"$verbhelp" || fail "schedule-create --help without $option: $verbhelp"
done

root="$work/root"
"$cli" local-service --root "$root" --port 0 >"$work/service.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/service.log" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$work/service.log")"; url="${url%/}"
sub="$(sed -n 's/.*subscription \([0-9a-f-]*\).*/\1/p' "$work/service.log")"
[ -n "$url" ] || fail "local-service did not start: $(cat "$work/service.log")"
token="$("$cli" pipeline token --url "$url" --local-root "$root")"
[ -n "$token" ] || fail "no token"
ws="/subscriptions/$sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1"
put() { curl -sf -X PUT -H "Authorization: Bearer $token" -H "Content-Type: application/json" --data-binary "$2" "$url$1?api-version=2025-12-01" >/dev/null; }
put "/subscriptions/$sub/resourceGroups/rg" '{"location":"local"}'
put "$ws" '{"location":"local"}'
common=(--url "$url" --local-root "$root" --subscription "$sub" --resource-group rg --workspace ws1)

cat >"$work/pipeline.json" <<'JSON'
{"jobType": "Pipeline", "experimentName": "cli", "displayName": "two steps",
 "inputs": {"avg_rate": {"jobInputType": "literal", "value": "0.5"}},
 "jobs": {"first": {"type": "command", "command": "echo rate=${{inputs.r}} > ${{outputs.out}}/rate.txt",
                    "inputs": {"r": "${{parent.inputs.avg_rate}}"}, "outputs": {"out": {"type": "uri_folder"}}},
          "second": {"type": "command", "command": "cat ${{inputs.f}}/rate.txt", "inputs": {"f": "${{parent.jobs.first.outputs.out}}"}}}}
JSON
out="$("$cli" pipeline create p1 --file "$work/pipeline.json" --wait --interval-ms 50 "${common[@]}" 2>/dev/null)" || fail "create: $out"
grep -q "p1  Pipeline  Completed" <<<"$out" || fail "create output: $out"
grep -q "step   first  command  Completed" <<<"$out" || fail "steps: $out"
grep -q "step   second  command  Completed" <<<"$out" || fail "steps: $out"

yaml="$("$cli" pipeline export-yaml p1 "${common[@]}")"
grep -q "^type: pipeline$" <<<"$yaml" || fail "yaml: $yaml"
grep -q "^  avg_rate: 0.5$" <<<"$yaml" || fail "yaml: $yaml"

# az ml YAML in: the same two steps written as az ml writes them (no type: command by default,
# an output left empty), named by the file; then its export read back is the same job.
cat >"$work/pipeline.yml" <<'YAML'
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
name: py1
display_name: two steps from yaml
experiment_name: cli
inputs:
  avg_rate: 0.25
  label: "007"
jobs:
  first:
    command: echo rate=${{inputs.r}} label=${{inputs.l}} > ${{outputs.out}}/rate.txt
    inputs:
      r: ${{parent.inputs.avg_rate}}
      l: ${{parent.inputs.label}}
    outputs:
      out:
  second:
    command: |
      cat ${{inputs.f}}/rate.txt
      echo done
    inputs:
      f: ${{parent.jobs.first.outputs.out}}
YAML
out="$("$cli" pipeline create --file "$work/pipeline.yml" --wait --interval-ms 50 "${common[@]}" 2>/dev/null)" || fail "create from yaml: $out"
grep -q "py1  Pipeline  Completed" <<<"$out" || fail "create from yaml output: $out"
grep -q "input  avg_rate = 0.25" <<<"$out" && grep -q "input  label = 007" <<<"$out" || fail "yaml inputs: $out"
grep -q "step   second  command  Completed" <<<"$out" || fail "yaml steps: $out"
"$cli" pipeline export-yaml py1 --out "$work/py1.yml" "${common[@]}" || fail "export-yaml py1"
grep -q '^  label: "007"$' "$work/py1.yml" || fail "a string that looks like a number stays one: $(cat "$work/py1.yml")"
out="$("$cli" pipeline create py2 --file "$work/py1.yml" --wait --interval-ms 50 "${common[@]}" 2>/dev/null)" || fail "create from export: $out"
grep -q "py2  Pipeline  Completed" <<<"$out" || fail "create from export output: $out"
"$cli" pipeline export-yaml py2 --out "$work/py2.yml" "${common[@]}"
cmp -s "$work/py1.yml" "$work/py2.yml" || fail "the export read back is another job: $(diff "$work/py1.yml" "$work/py2.yml")"
get() { curl -sf -H "Authorization: Bearer $token" "$url$1?api-version=2025-12-01"; }
definition() { get "$ws/jobs/$1" | python3 -c 'import json,sys; p=json.load(sys.stdin)["properties"]; print(json.dumps({k: p.get(k) for k in ("jobType","displayName","experimentName","settings","inputs","jobs")}, sort_keys=True))'; }
[ "$(definition py1)" = "$(definition py2)" ] || fail "py1 and py2 differ: $(definition py1) / $(definition py2)"
# The JSON-made pipeline's export makes the same job again.
"$cli" pipeline export-yaml p1 --out "$work/p1.yml" "${common[@]}"
"$cli" pipeline create p1again --file "$work/p1.yml" "${common[@]}" >/dev/null || fail "create from p1's export"
[ "$(definition p1)" = "$(definition p1again)" ] || fail "p1 and p1again differ: $(definition p1) / $(definition p1again)"
# az ml's pipeline of AutoML and command steps (after azureml-examples'
# automl-classification-bankmarketing-in-pipeline), on a small table and one trial: a command step
# reads the table, AutoML trains on it, a command step reads the best model; its export makes the
# same job, which runs too.
put "$ws/computes/yaml-cpu" '{"properties":{"computeType":"AmlCompute","properties":{"scaleSettings":{"maxNodeCount":1}}}}'
mkdir -p "$work/training-mltable-folder"
cp "$CERULEAN_TEST_DATA/local/small.csv" "$work/training-mltable-folder/"
printf 'paths:\n  - file: ./small.csv\n' >"$work/training-mltable-folder/MLTable"
cat >"$work/automl-pipeline.yml" <<'YAML'
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
name: pa1
display_name: pipeline-with-automl-classification
experiment_name: cli
settings:
  default_compute: azureml:yaml-cpu
inputs:
  classification_train_data:
    type: mltable
    path: ./training-mltable-folder
outputs:
  trained_model:
    type: mlflow_model
jobs:
  preprocessing_node:
    type: command
    command: head -3 ${{inputs.train_data}} > ${{outputs.preprocessed_train_data}}/head.csv
    inputs:
      train_data: ${{parent.inputs.classification_train_data}}
    outputs:
      preprocessed_train_data:
        type: uri_folder
  classification_node:
    type: automl
    task: classification
    primary_metric: accuracy
    target_column_name: "y"
    training_data: ${{parent.inputs.classification_train_data}}
    limits:
      max_trials: 1
      max_concurrent_trials: 1
      timeout_minutes: 5
    training:
      enable_stack_ensemble: false
      enable_vote_ensemble: false
      enable_model_explainability: false
    outputs:
      best_model: ${{parent.outputs.trained_model}}
  report_node:
    type: command
    command: ls ${{inputs.model}}
    inputs:
      model: ${{parent.jobs.classification_node.outputs.best_model}}
YAML
out="$("$cli" pipeline create --file "$work/automl-pipeline.yml" --wait --interval-ms 100 "${common[@]}" 2>/dev/null)" || fail "create the AutoML pipeline: $out"
grep -q "pa1  Pipeline  Completed" <<<"$out" || fail "AutoML pipeline output: $out"
for step in "preprocessing_node  command" "classification_node  automl" "report_node  command"; do
  grep -q "step   $step  Completed" <<<"$out" || fail "AutoML pipeline step $step: $out"
done
"$cli" pipeline export-yaml pa1 --out "$work/pa1.yml" "${common[@]}" || fail "export-yaml pa1"
out="$("$cli" pipeline create pa2 --file "$work/pa1.yml" --wait --interval-ms 100 "${common[@]}" 2>/dev/null)" || fail "create pa2: $out"
grep -q "pa2  Pipeline  Completed" <<<"$out" || fail "pa2 output: $out"
"$cli" pipeline export-yaml pa2 --out "$work/pa2.yml" "${common[@]}"
cmp -s "$work/pa1.yml" "$work/pa2.yml" || fail "the AutoML pipeline's export read back is another job: $(diff "$work/pa1.yml" "$work/pa2.yml")"
[ "$(definition pa1)" = "$(definition pa2)" ] || fail "pa1 and pa2 differ: $(definition pa1) / $(definition pa2)"
# A bad file is refused with its line and key, and nothing is created.
sed 's/parent.jobs.first.outputs.out/parent.jobs.frist.outputs.out/' "$work/pipeline.yml" >"$work/bad.yml"
if "$cli" pipeline create bad1 --file "$work/bad.yml" "${common[@]}" 2>"$work/err"; then fail "a bad binding accepted"; fi
grep -qF "bad.yml:22:10: jobs.second.inputs.f: \${{parent.jobs.frist.outputs.out}}: there is no other step 'frist'" "$work/err" \
  || fail "bad binding error: $(cat "$work/err")"
if get "$ws/jobs/bad1" >/dev/null 2>&1; then fail "a refused file made a job"; fi
printf 'type: command\ncommand: echo hi\nenvironment: azureml:e:1\n' >"$work/command.yml"
if "$cli" pipeline create c1 --file "$work/command.yml" "${common[@]}" 2>"$work/err"; then fail "a command job taken as a pipeline"; fi
grep -q "is a command job, not a pipeline" "$work/err" || fail "command job error: $(cat "$work/err")"

# Again with another parameter: the first step reruns, the second too (its input changed).
out="$("$cli" pipeline run p2 --from p1 --set avg_rate=0.75 --wait --interval-ms 50 "${common[@]}" 2>/dev/null)" || fail "run: $out"
grep -q "avg_rate = 0.75" <<<"$out" || fail "run output: $out"
# The same parameter again: both steps are reused.
out="$("$cli" pipeline run p3 --from p2 --wait --interval-ms 50 "${common[@]}" 2>/dev/null)" || fail "run: $out"
# Child jobs have names of their own (GUIDs, as on Azure); the step name says which step.
guid='[0-9a-f]\{8\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{12\}'
grep -q "first  command  Completed  job $guid (reused $guid)" <<<"$out" || fail "reuse: $out"

# An unknown parameter is refused before anything runs.
if "$cli" pipeline run p4 --from p1 --set nope=1 "${common[@]}" 2>"$work/err"; then fail "unknown parameter accepted"; fi
grep -q "no parameter 'nope'" "$work/err" || fail "error: $(cat "$work/err")"

out="$("$cli" pipeline publish nightly --from p1 "${common[@]}")"
grep -q "PipelineEndpointSubmit/Id/" <<<"$out" || fail "publish: $out"
grep -q "curl -X POST" <<<"$out" || fail "publish curl: $out"
grep -q 'Bearer $TOKEN' <<<"$out" || fail "publish curl without the \$TOKEN placeholder: $out"
grep -q "$token" <<<"$out" && fail "publish printed a token"
# The printed lines, run as a user would paste them: the token command, then curl.
script="$(sed -n '/^Trigger it with:/,$p' <<<"$out" | tail -n +2)"
reply="$(bash -c "${script//cerulean-cli/$cli}")" || fail "printed curl: $script"
grep -q '"Status":"NotStarted"' <<<"$reply" || fail "printed curl reply: $reply"
out="$("$cli" pipeline trigger nightly --experiment triggered --set avg_rate=2 --wait --interval-ms 50 "${common[@]}" 2>/dev/null)" || fail "trigger: $out"
grep -q "avg_rate = 2" <<<"$out" || fail "trigger output: $out"
"$cli" pipeline endpoints "${common[@]}" | grep -q "^nightly  Active  p1  " || fail "endpoints"

"$cli" pipeline schedule-create every5 --from p1 --frequency Minute --interval 5 "${common[@]}" >/dev/null
"$cli" pipeline schedule-create weekdays --from p1 --cron "0 9 * * MON-FRI" --time-zone "Europe/Berlin" "${common[@]}" >/dev/null
"$cli" pipeline schedule-disable every5 "${common[@]}"
"$cli" pipeline schedule-create office --from p1 --frequency Week --interval 1 --hours 9,17 --minutes 0,30 \
  --week-days Monday,Friday --missed-runs CatchUp --disabled "${common[@]}" >/dev/null || fail "weekly pattern"
"$cli" pipeline schedules --json "${common[@]}" | tr -d ' \n' | grep -q '"schedule":{"hours":\[9,17\],"minutes":\[0,30\],"weekDays":\["Monday","Friday"\]}' \
  || fail "weekly pattern not stored: $("$cli" pipeline schedules --json "${common[@]}")"
if "$cli" pipeline schedule-create bad2 --from p1 --frequency Day --missed-runs Never "${common[@]}" 2>"$work/err"; then fail "bad policy accepted"; fi
grep -q "must be CatchUp or Skip" "$work/err" || fail "policy error: $(cat "$work/err")"
out="$("$cli" pipeline schedules "${common[@]}")"
grep -q "every5  disabled  every 5 Minute" <<<"$out" || fail "schedules: $out"
grep -q "weekdays  enabled  cron 0 9 \* \* MON-FRI" <<<"$out" || fail "schedules: $out"
if "$cli" pipeline schedule-create bad --from p1 --cron "0 25 * * *" "${common[@]}" 2>"$work/err"; then fail "bad cron accepted"; fi
grep -q "hour field" "$work/err" || fail "cron error: $(cat "$work/err")"
[ -z "$("$cli" pipeline schedule-history every5 "${common[@]}")" ] || fail "history of a new schedule is not empty"
"$cli" pipeline list "${common[@]}" | grep -q "^p1  Completed  two steps$" || fail "list"
"$cli" pipeline list --json "${common[@]}" | grep -q '"name": "p1"' || fail "list --json"
if "$cli" pipeline show nosuchjob "${common[@]}" 2>"$work/err"; then fail "show of a missing job succeeded"; fi
grep -q "HTTP 404" "$work/err" && grep -q "request id" "$work/err" || fail "show error: $(cat "$work/err")"

# Batch inference: a tiny model behind a batch endpoint; an invocation over a file, its rows back.
data="$(dirname "$0")/../data/local/small.csv"
data="$(cd "$(dirname "$data")" && pwd)/small.csv"
"$cli" automl --data "$data" --target y --out "$work/model" --max-trials 1 --no-ensembles --no-explain \
  --allowed-models LogisticRegression >/dev/null 2>&1 || fail "training the batch model"
put "$ws/computes/cpu" '{"properties":{"computeType":"AmlCompute","properties":{"scaleSettings":{"maxNodeCount":2}}}}'
put "$ws/models/tiny/versions/1" "{\"properties\":{\"modelType\":\"custom_model\",\"modelUri\":\"$work/model/best\"}}"
if "$cli" pipeline batch-deploy tiny --deployment main --model azureml:tiny:1 --compute cpu --mini-batch-size 0 "${common[@]}" 2>"$work/err"; then
  fail "a mini-batch size of 0 accepted"
fi
grep -q "mini-batch size: at least 1, not 0" "$work/err" || fail "mini-batch error: $(cat "$work/err")"
out="$("$cli" pipeline batch-deploy tiny --deployment main --model azureml:tiny:1 --compute cpu --mini-batch-size 7 \
  --error-threshold 2 --instances 2 "${common[@]}" 2>/dev/null)" || fail "batch-deploy: $out"
[ "$out" = "Batch endpoint tiny, deployment main." ] || fail "batch-deploy output: $out"
deployed="$(get "$ws/batchEndpoints/tiny/deployments/main" | tr -d ' \n')"
for field in '"miniBatchSize":7' '"errorThreshold":2' '"instanceCount":2' '"outputFileName":"parallel_run_step.txt"' \
             '"maxConcurrencyPerInstance":1' "\"assetId\":\"$ws/models/tiny/versions/1\"" "\"compute\":\"$ws/computes/cpu\""; do
  grep -qF "$field" <<<"$deployed" || fail "deployment without $field: $deployed"
done
get "$ws/batchEndpoints/tiny" | tr -d ' \n' | grep -qF '"defaults":{"deploymentName":"main"}' || fail "endpoint default deployment"
out="$("$cli" pipeline batch-invoke tiny --input "$data" --wait --interval-ms 50 --out "$work/rows.txt" "${common[@]}" 2>/dev/null)" \
  || fail "batch-invoke: $out"
grep -q "Pipeline  Completed" <<<"$out" || fail "batch-invoke output: $out"
grep -q "rows 60/60, failed 0" <<<"$out" || fail "batch-invoke progress: $out"
[ "$(wc -l <"$work/rows.txt")" -eq 60 ] || fail "batch output: $(wc -l <"$work/rows.txt") lines"
head -1 "$work/rows.txt" | grep -q "^$(sed -n 2p "$data")," || fail "batch output row: $(head -1 "$work/rows.txt")"
"$cli" pipeline batch-invoke tiny --input "$data" --deployment main --wait --interval-ms 50 --json "${common[@]}" 2>/dev/null \
  | grep -q '"status": "Completed"' || fail "batch-invoke --json"
job="$("$cli" pipeline batch-invoke tiny --input "$data" "${common[@]}")"
[[ "$job" == batchjob-* ]] || fail "batch-invoke without --wait: $job"
"$cli" pipeline wait "$job" --interval-ms 50 "${common[@]}" >/dev/null 2>&1 || fail "wait $job"
# A deployment that names its own output file: --out saves that file. A folder of three CSV
# files (and a file that is not CSV) is one job over all their rows, in the files' order.
put "$ws/batchEndpoints/tiny/deployments/preds" "{\"location\":\"local\",\"properties\":{\"model\":{\"referenceType\":\"Id\",\"assetId\":\"$ws/models/tiny/versions/1\"},\"compute\":\"$ws/computes/cpu\",\"miniBatchSize\":7,\"resources\":{\"instanceCount\":2},\"outputAction\":\"AppendRow\",\"outputFileName\":\"predictions.csv\"}}"
mkdir "$work/parts"
for part in 1 2 3; do
  { head -1 "$data"; sed -n "$((part * 20 - 18)),$((part * 20 + 1))p" "$data"; } >"$work/parts/part$part.csv"
done
echo "not rows" >"$work/parts/readme.txt"
out="$(cd "$work" && "$cli" pipeline batch-invoke tiny --input parts --deployment preds --wait --interval-ms 50 \
  --out "$work/folder-rows.csv" "${common[@]}" 2>&1)" || fail "batch-invoke over a folder: $out"
grep -q "rows 60/60, failed 0" <<<"$out" || fail "batch-invoke over a folder progress: $out"
cmp -s "$work/rows.txt" "$work/folder-rows.csv" || fail "the folder's rows differ from the file's: $(diff "$work/rows.txt" "$work/folder-rows.csv" | head -5)"
folderjob="$(grep -o '^batchjob-[0-9A-Za-z-]*' <<<"$out" | head -1)"
folderinput="$(get "$ws/jobs/$folderjob" | tr -d ' \n' | grep -o '"input_data":{[^}]*}')"
grep -qF '"jobInputType":"uri_folder"' <<<"$folderinput" && grep -qF "\"uri\":\"$work/parts\"" <<<"$folderinput" \
  || fail "the folder job's input: $folderinput"
# A URI that is not a local path names a folder when it ends with a slash, as Azure writes them.
out="$("$cli" pipeline batch-invoke tiny --input "file://$work/parts/" --deployment preds --wait --interval-ms 50 \
  "${common[@]}" 2>&1)" || fail "batch-invoke over a folder URI: $out"
grep -q "rows 60/60, failed 0" <<<"$out" || fail "batch-invoke over a folder URI progress: $out"
# Without the slash, --input-type says it is a folder; a type that contradicts a local path, or
# is not a type, is refused before anything is sent.
out="$("$cli" pipeline batch-invoke tiny --input "file://$work/parts" --input-type uri_folder --deployment preds --wait \
  --interval-ms 50 "${common[@]}" 2>&1)" || fail "batch-invoke --input-type uri_folder: $out"
grep -q "rows 60/60, failed 0" <<<"$out" || fail "batch-invoke --input-type uri_folder progress: $out"
if "$cli" pipeline batch-invoke tiny --input "$work/parts" --input-type uri_file "${common[@]}" 2>"$work/err"; then fail "a folder read as uri_file"; fi
grep -qF "'$work/parts' is a folder, not a file" "$work/err" || fail "folder as uri_file error: $(cat "$work/err")"
if "$cli" pipeline batch-invoke tiny --input "$data" --input-type uri_folder "${common[@]}" 2>"$work/err"; then fail "a file read as uri_folder"; fi
grep -qF "is a file, not a folder of CSV files" "$work/err" || fail "file as uri_folder error: $(cat "$work/err")"
if "$cli" pipeline batch-invoke tiny --input "$data" --input-type folder "${common[@]}" 2>"$work/err"; then fail "input type 'folder' taken"; fi
grep -qF "input type 'folder' is not uri_file or uri_folder" "$work/err" || fail "bad input type error: $(cat "$work/err")"
if "$cli" pipeline batch-invoke tiny --input "$data" --out "$work/x.csv" "${common[@]}" 2>"$work/err"; then fail "--out without --wait"; fi
grep -q "add --wait" "$work/err" || fail "--out without --wait error: $(cat "$work/err")"
mkdir "$work/empty"
if "$cli" pipeline batch-invoke tiny --input "$work/empty" "${common[@]}" 2>"$work/err"; then fail "invoked over an empty folder"; fi
grep -q "HTTP 400" "$work/err" && grep -qF "$work/empty is empty" "$work/err" || fail "empty folder error: $(cat "$work/err")"

if "$cli" pipeline batch-invoke nothere --input "$data" "${common[@]}" 2>"$work/err"; then fail "invoked a missing endpoint"; fi
grep -q "HTTP 404" "$work/err" && grep -q "nothere" "$work/err" && grep -q "request id" "$work/err" \
  || fail "missing endpoint error: $(cat "$work/err")"
if "$cli" pipeline batch-invoke tiny --input "$data" --deployment other "${common[@]}" 2>"$work/err"; then fail "invoked a missing deployment"; fi
grep -q "has no deployment 'other'" "$work/err" || fail "missing deployment error: $(cat "$work/err")"
echo "cli pipeline checks passed"
