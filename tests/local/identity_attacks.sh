#!/usr/bin/env bash
# Identity, attacked over HTTP as another program on the computer would: curl against a real
# `cerulean-cli local-service`. A device code redeemed without approval, approved without the
# secret, a flood of device codes; a storage token on ARM; an online endpoint's token on the
# workspace (storage keys, datastore secrets, a pipeline trigger) and on another endpoint; a
# key on a token endpoint, a token on a key endpoint; an ARM token on an AADToken endpoint.
# The user's own approval goes through `cerulean-cli login --approve` (the secret from the
# keychain, as scripts/test.sh provides one).
#   identity_attacks.sh path/to/cerulean-cli
set -euo pipefail
cli="$1"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

root="$work/root"
"$cli" local-service --root "$root" --port 0 >"$work/service.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/service.log" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$work/service.log")"; url="${url%/}"
sub="$(sed -n 's/.*subscription \([0-9a-f-]*\).*/\1/p' "$work/service.log")"
tenant="$(sed -n 's/.*, tenant \([0-9a-f-]*\).*/\1/p' "$work/service.log")"
principal="$(sed -n 's/^the built-in principal \([0-9a-f-]*\) has its secret.*/\1/p' "$work/service.log")"
[ -n "$url" ] || fail "local-service did not start: $(cat "$work/service.log")"
[ -n "$principal" ] || fail "the built-in principal's secret is not in the keychain: $(cat "$work/service.log")"

body="$work/body"
# POST a form; prints the status, keeps the body.
post_form() { curl -s -o "$body" -w '%{http_code}' -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data "$2" "$url$1"; }
# A request with a bearer token; prints the status, keeps the body. call METHOD PATH TOKEN [JSON] [HEADER]
call() {
  local args=(-s -o "$body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3")
  [ -n "${4:-}" ] && args+=(-H "Content-Type: application/json" --data-binary "$4")
  [ -n "${5:-}" ] && args+=(-H "$5")
  curl "${args[@]}" "$2"
}
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$body"; }
expect() { # expect STATUS ACTUAL WHAT: the body must also hold the error code when one is given
  [ "$2" = "$1" ] || fail "$3: HTTP $2, expected $1: $(head -c 400 "$body")"
  [ -z "${4:-}" ] || grep -q "$4" "$body" || fail "$3: no $4 in $(head -c 400 "$body")"
}
scope_of() { case "$1" in arm) echo "https%3A%2F%2Fmanagement.azure.com%2F.default" ;; storage) echo "https%3A%2F%2Fstorage.azure.com%2F.default" ;;
                          ml) echo "https%3A%2F%2Fml.azure.com%2F.default" ;; esac; }
ask_code() { expect 200 "$(post_form "/common/oauth2/v2.0/devicecode" "client_id=$1&scope=$(scope_of "$2")")" "device code"; }
redeem() { post_form "/common/oauth2/v2.0/token" "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id=$1&device_code=$2"; }
approve() { "$cli" login --approve "$1" --authority "$url" --tenant "$tenant" --client-id "$principal"; }

# --- Row 1: a device code is no token until the user approves it -------------------------
ask_code intruder arm
device="$(field device_code)"; user="$(field user_code)"
[ -n "$device" ] && [ -n "$user" ] || fail "no device code: $(cat "$body")"
expect 400 "$(redeem intruder "$device")" "redeemed without approval" '"error":"authorization_pending"'
expect 401 "$(post_form /devicelogin "user_code=$user&client_secret=guess&action=approve")" "approved without the secret"
expect 400 "$(redeem intruder "$device")" "redeemed after a guessed approval" '"error":"authorization_pending"'
out="$(approve "$user")" || fail "login --approve: $out"
grep -q "Approved the sign-in $user of client intruder" <<<"$out" || fail "approve output: $out"
expect 200 "$(redeem intruder "$device")" "redeemed after the user's approval"
arm="$(field access_token)"
expect 200 "$(call GET "$url/subscriptions?api-version=2022-12-01" "$arm")" "the approved token on ARM"
expect 400 "$(redeem intruder "$device")" "redeemed twice" '"error":"invalid_grant"'
ask_code intruder arm
denied="$(field device_code)"
"$cli" login --deny "$(field user_code)" --authority "$url" --tenant "$tenant" --client-id "$principal" >/dev/null || fail "login --deny"
expect 400 "$(redeem intruder "$denied")" "redeemed a denied code" '"error":"authorization_declined"'

# --- Audiences: a token opens its own service only ----------------------------------------
ask_code me storage
storage_device="$(field device_code)"
approve "$(field user_code)" >/dev/null || fail "approve the storage code"
expect 200 "$(redeem me "$storage_device")" "storage token"
storage="$(field access_token)"
expect 401 "$(call GET "$url/subscriptions?api-version=2022-12-01" "$storage")" "a storage token on ARM" InvalidAuthenticationTokenAudience
ask_code me ml
ml_device="$(field device_code)"
approve "$(field user_code)" >/dev/null || fail "approve the ml code"
expect 200 "$(redeem me "$ml_device")" "ML token"
ml="$(field access_token)"

# --- Row 2: an endpoint's token scores that endpoint and nothing else ---------------------
ws="/subscriptions/$sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1"
v="api-version=2025-12-01"
expect 201 "$(call PUT "$url/subscriptions/$sub/resourceGroups/rg?$v" "$arm" '{"location":"local"}')" "resource group"
expect 202 "$(call PUT "$url$ws?$v" "$arm" '{"location":"local"}')" "workspace"
data="$(dirname "$0")/../data/local/small.csv"
"$cli" automl --data "$data" --target y --out "$work/model" --max-trials 1 --no-ensembles --no-explain \
  --allowed-models LogisticRegression >/dev/null 2>&1 || fail "training the model"
expect 201 "$(call PUT "$url$ws/models/tiny/versions/1?$v" "$arm" "{\"properties\":{\"modelUri\":\"file://$work/model/best\"}}")" "model"
endpoint() { expect 201 "$(call PUT "$url$ws/onlineEndpoints/$1?$v" "$arm" "{\"location\":\"local\",\"properties\":{\"authMode\":\"$2\"}}")" "endpoint $1"; }
endpoint tok Key       # made with keys, then switched to AMLToken: its old key must stop working
expect 200 "$(call POST "$url$ws/onlineEndpoints/tok/listKeys?$v" "$arm")" "keys of tok"
hidden="$(field primaryKey)"
expect 200 "$(call PUT "$url$ws/onlineEndpoints/tok?$v" "$arm" '{"location":"local","properties":{"authMode":"AMLToken"}}')" "tok to AMLToken"
endpoint other AMLToken
endpoint keyed Key
endpoint aad AADToken
for e in tok other keyed aad; do
  expect 201 "$(call PUT "$url$ws/onlineEndpoints/$e/deployments/blue?$v" "$arm" "{\"properties\":{\"model\":\"$ws/models/tiny/versions/1\"}}")" "deployment of $e"
done
scoring_uri() {
  for _ in $(seq 1 300); do
    call GET "$url$ws/onlineEndpoints/$1/deployments/blue?$v" "$arm" >/dev/null
    grep -q '"provisioningState":"Succeeded"' "$body" && break
    grep -q '"provisioningState":"Failed"' "$body" && fail "deployment of $1 failed: $(cat "$body")"
    sleep 0.1
  done
  call GET "$url$ws/onlineEndpoints/$1?$v" "$arm" >/dev/null
  field scoringUri
}
row='{"data":[{"age":40,"job":"admin","balance":1517}]}'
score() { call POST "$(scoring_uri "$1")" "$2" "$row" "azureml-model-deployment: blue"; }

expect 200 "$(call POST "$url$ws/onlineEndpoints/tok/token?$v" "$arm")" "tok's token"
grep -q '"expiryTimeUtc":[0-9]' "$body" && grep -q '"refreshAfterTimeUtc":[0-9]' "$body" || fail "token shape: $(cat "$body")"
tok="$(field accessToken)"
expect 200 "$(score tok "$tok")" "tok's token on tok"
expect 401 "$(score tok "$hidden")" "tok's hidden key on tok"
expect 401 "$(score tok "$arm")" "an ARM token on tok"
expect 401 "$(score other "$tok")" "tok's token on another AMLToken endpoint"
expect 401 "$(score keyed "$tok")" "tok's token on a Key endpoint"
expect 401 "$(call POST "$url$ws/listKeys?$v" "$tok")" "tok's token listing the storage keys" InvalidAuthenticationTokenAudience
expect 401 "$(call POST "$url$ws/datastores/workspaceblobstore/listSecrets?$v" "$tok")" "tok's token reading the datastore secret" InvalidAuthenticationTokenAudience
expect 401 "$(call POST "$url$ws/onlineEndpoints/keyed/listKeys?$v" "$tok")" "tok's token listing keyed's keys" InvalidAuthenticationTokenAudience
expect 401 "$(call POST "$url/pipelines/v1.0$ws/PipelineRuns/PipelineEndpointSubmit/Id/any" "$tok" '{"ExperimentName":"x"}')" \
  "tok's token triggering a published pipeline" InvalidAuthenticationTokenAudience
expect 200 "$(call POST "$url$ws/onlineEndpoints/keyed/listKeys?$v" "$arm")" "keyed's keys"
key="$(field primaryKey)"
expect 200 "$(score keyed "$key")" "keyed's key on keyed"
expect 401 "$(score keyed "$ml")" "an Entra token on a Key endpoint"
expect 401 "$(score tok "$key")" "keyed's key on tok"
expect 200 "$(score aad "$ml")" "an ML token on the AADToken endpoint"
expect 401 "$(score aad "$arm")" "an ARM token on the AADToken endpoint"
expect 401 "$(score aad "$tok")" "tok's token on the AADToken endpoint"
# As Azure answers for a token endpoint: listKeys 200 with null keys, and its own token.
expect 200 "$(call POST "$url$ws/onlineEndpoints/tok/listKeys?$v" "$arm")" "keys of the AMLToken endpoint"
grep -q '"primaryKey":null' "$body" && grep -q '"secondaryKey":null' "$body" || fail "tok's keys are not null: $(cat "$body")"
expect 200 "$(call POST "$url$ws/onlineEndpoints/aad/listKeys?$v" "$arm")" "keys of the AADToken endpoint"
grep -q '"primaryKey":null' "$body" || fail "aad's keys are not null: $(cat "$body")"
expect 200 "$(call POST "$url$ws/onlineEndpoints/aad/token?$v" "$arm")" "aad's token"
aad_tok="$(field accessToken)"
expect 200 "$(score aad "$aad_tok")" "aad's own token on aad"
expect 401 "$(score tok "$aad_tok")" "aad's token on tok"
expect 401 "$(call GET "$url$ws?$v" "$aad_tok")" "aad's token on the workspace" InvalidAuthenticationTokenAudience
expect 400 "$(call POST "$url$ws/onlineEndpoints/keyed/token?$v" "$arm")" "a token of the Key endpoint"
# --- Row 10: device codes are bounded (64 wait at once at most; last, as it fills them) -----
status=""
for _ in $(seq 1 70); do
  status="$(post_form "/common/oauth2/v2.0/devicecode" "client_id=flood&scope=$(scope_of arm)")"
  [ "$status" = 200 ] || break
done
expect 429 "$status" "the 70th waiting device code" '"error":"temporarily_unavailable"'

echo "identity attacks refused"
