#!/usr/bin/env bash
# Local AutoML against its peer, measured in the same run on the same machine and split:
#   - ../shared/peers/peer_automl.py (scikit-learn and XGBoost by hand) vs
#     `cerulean-cli automl` on bankmarketing_train.csv -> bankmarketing_test.csv with a
#     1-minute budget and 2 concurrent trials.
#     Targets: our test AUC_weighted >= 0.950 and above every peer model; our whole command
#     <= 75 s wall and <= 1 GiB peak RSS (/usr/bin/time -v).
#   - batch scoring of the 4,120 test rows: `cerulean-cli score` (time measured inside,
#     model loaded) vs the peer's best pipeline predict_proba (timed in Python, median of 5).
# The machine's cores are shared; wall times are noisy, compare ratios from one run.
#
#   bench/automl_vs_peer.sh [BUILD_DIR]     (default build/dev; needs cerulean-cli built there)
#   BUDGET_MINUTES=1 CONCURRENT=2 SEED=42 ...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/dev}
shared=${CERULEAN_SHARED_DIR:-$root/../shared}
budget=${BUDGET_MINUTES:-1}
concurrent=${CONCURRENT:-2}
seed=${SEED:-42}
cli=$build/app/cerulean-cli
py=/usr/bin/python3
[[ -x "$cli" ]] || { echo "no cerulean-cli in $build/app; build it first" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is not installed (apt-get install time)" >&2; exit 2; }
train=$shared/data/bankmarketing_train.csv
test=$shared/data/bankmarketing_test.csv
work=$(mktemp -d /tmp/cerulean-automl-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== peer: $py peers/peer_automl.py"
"$py" "$shared/peers/peer_automl.py" "$shared/data" | tee "$work/peer.txt"

echo
echo "== ours: cerulean-cli automl (budget ${budget} min, ${concurrent} concurrent trials)"
/usr/bin/time -v -o "$work/time.txt" "$cli" automl --data "$train" --target y --test "$test" \
    --timeout-minutes "$budget" --max-concurrent "$concurrent" --seed "$seed" --out "$work/out" --json \
    > "$work/ours.json" 2> "$work/ours.log" || { cat "$work/ours.log" >&2; exit 1; }
grep -v '^\[' "$work/ours.log" | sed 's/^/  /' || true
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")

echo
echo "== scoring the test rows"
"$cli" score --model "$work/out/best" --data "$test" --out "$work/pred.csv" 2> "$work/score.log"
cat "$work/score.log"
peer_best=$(awk '/test AUC/ && !/soft vote/ {for (i=1;i<=NF;i++) if ($i=="AUC") {print $(i+1), $1; break}}' "$work/peer.txt" \
    | sort -rn | head -1 | cut -d' ' -f2)
PEER_MODEL="$peer_best" DATA="$shared/data" "$py" - > "$work/peer_score.txt" <<'EOF'
import os, time, statistics
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
import xgboost as xgb
d = os.environ["DATA"]; name = os.environ["PEER_MODEL"]
tr = pd.read_csv(f"{d}/bankmarketing_train.csv"); te = pd.read_csv(f"{d}/bankmarketing_test.csv")
y = (tr.pop("y") == "yes").astype(int); te.pop("y")
cat = [c for c in tr.columns if tr[c].dtype == object]; num = [c for c in tr.columns if c not in cat]
ct = lambda: ColumnTransformer([("c", OneHotEncoder(handle_unknown="ignore"), cat), ("n", StandardScaler(), num)])
# The same pipelines as peer_automl.py.
models = {
  "LogisticRegression": lambda: make_pipeline(ct(), LogisticRegression(max_iter=2000)),
  "RandomForest(300)": lambda: make_pipeline(ct(), RandomForestClassifier(300, n_jobs=2, random_state=0)),
  "HistGradientBoosting": lambda: make_pipeline(ct(), HistGradientBoostingClassifier(random_state=0)),
  "XGBoost(400,d6,eta.05)": lambda: make_pipeline(ct(), xgb.XGBClassifier(n_estimators=400, max_depth=6, learning_rate=0.05, subsample=0.8, colsample_bytree=0.8, n_jobs=2, tree_method="hist")),
}
m = models.get(name, models["XGBoost(400,d6,eta.05)"])(); m.fit(tr, y)
times = []
for _ in range(5):
    t = time.perf_counter(); m.predict_proba(te); times.append((time.perf_counter() - t) * 1000)
print(f"{name} predict_proba {len(te)} rows: {statistics.median(times):.2f} ms")
EOF
cat "$work/peer_score.txt"

"$py" - "$work/peer.txt" "$work/ours.json" "$wall" "$rss_kb" "$work/score.log" "$work/peer_score.txt" <<'EOF'
import json, re, sys
peer_txt, ours_json, wall, rss_kb, score_log, peer_score = sys.argv[1:]
peers = {}
for line in open(peer_txt):
    m = re.match(r"(.+?)\s+test AUC ([0-9.]+)", line)
    if m: peers[m.group(1).strip()] = float(m.group(2))
ours = json.loads(open(ours_json).read().strip().splitlines()[-1])
auc = ours["test_metrics"]["AUC_weighted"]
parts = [float(p) for p in wall.split(":")]
seconds = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
rss_mib = int(rss_kb) / 1024
our_ms = float(re.search(r"in ([0-9.]+) ms", open(score_log).read()).group(1))
peer_ms = float(re.search(r"([0-9.]+) ms", open(peer_score).read()).group(1))
best_peer = max(peers.items(), key=lambda kv: kv[1])
print()
print("== summary (same run, same machine; cores shared with other work, timings are noisy)")
print(f"ours   test AUC_weighted {auc:.4f}  best model {ours['best_model']}  trials {ours['trials']}")
print(f"peer   best test AUC     {best_peer[1]:.4f}  ({best_peer[0]})")
print(f"AUC    ours - best peer  {auc - best_peer[1]:+.4f}   target: >= 0.950 and above every peer -> "
      f"{'PASS' if auc >= 0.950 and all(auc > v for v in peers.values()) else 'FAIL'}")
print(f"wall   {seconds:.1f} s (target <= 75 s) -> {'PASS' if seconds <= 75 else 'FAIL'}")
print(f"memory {rss_mib:.0f} MiB peak RSS (target <= 1024 MiB) -> {'PASS' if rss_mib <= 1024 else 'FAIL'}")
print(f"score  ours {our_ms:.2f} ms vs peer {peer_ms:.2f} ms for the test rows: {peer_ms / our_ms:.1f}x faster -> "
      f"{'PASS' if our_ms < peer_ms else 'FAIL'}")
EOF
