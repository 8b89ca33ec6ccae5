#!/usr/bin/python3
"""How high XGBoost by hand gets on the Bank Marketing test file, to read our AutoML figure against.

bench/automl_vs_peer.sh compares `cerulean-cli automl` with the peer's four fixed models. This
script asks a wider question of the same split: fit N XGBoost configurations drawn at random
(depth, leaves, learning rate with trees to match, row and column sampling, regularization, bins),
one-hot categoricals as the peer does, on bankmarketing_train.csv, and score each on
bankmarketing_test.csv and on bankmarketing_validate_derived.csv (the other UCI rows, see
../shared/data/README.md). It prints every configuration, the best and the median on each file,
and the average of all N models. Choosing by the test file's own score is what no AutoML can do,
so the best test figure here is a ceiling, not a baseline.

    bench/automl_test_ceiling.py [N] [SEED]      (defaults 40 and 1; about 10 minutes on 2 cores)
"""
import os
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score

root = os.path.dirname(os.path.abspath(__file__))
data = os.environ.get("CERULEAN_SHARED_DIR", os.path.join(root, "..", "..", "shared")) + "/data"
count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1

frames = [pd.read_csv(f"{data}/{name}.csv") for name in
          ("bankmarketing_train", "bankmarketing_test", "bankmarketing_validate_derived")]
labels = [(frame.pop("y") == "yes").astype(int).to_numpy() for frame in frames]
encoded = pd.get_dummies(pd.concat(frames), dtype=float).to_numpy()
bounds = np.cumsum([0] + [len(frame) for frame in frames])
train, test, other = (encoded[bounds[i]:bounds[i + 1]] for i in range(3))

rng = np.random.default_rng(seed)
test_scores, other_scores, test_sum, other_sum = [], [], 0, 0
print(f"{'test':>7} {'derived':>8} {'fit s':>6}  configuration")
for _ in range(count):
    params = dict(learning_rate=float(rng.choice([0.01, 0.02, 0.03, 0.05])),
                  subsample=round(float(rng.uniform(0.5, 1)), 2),
                  colsample_bytree=round(float(rng.uniform(0.3, 1)), 2),
                  min_child_weight=float(rng.choice([1, 2, 5, 10, 20])),
                  reg_lambda=float(rng.choice([0.1, 1, 5, 20])),
                  gamma=float(rng.choice([0, 0.1, 1])),
                  max_bin=int(rng.choice([256, 512])))
    if rng.random() < 0.5:
        params.update(grow_policy="lossguide", max_depth=0, max_leaves=int(rng.choice([15, 31, 63])))
    else:
        params.update(max_depth=int(rng.choice([3, 4, 5, 6, 7, 8, 10])))
    params["n_estimators"] = int(60 / params["learning_rate"])
    start = time.monotonic()
    model = xgb.XGBClassifier(tree_method="hist", n_jobs=2, **params).fit(train, labels[0])
    seconds = time.monotonic() - start
    p_test, p_other = model.predict_proba(test)[:, 1], model.predict_proba(other)[:, 1]
    test_sum, other_sum = test_sum + p_test, other_sum + p_other
    test_scores.append(roc_auc_score(labels[1], p_test))
    other_scores.append(roc_auc_score(labels[2], p_other))
    print(f"{test_scores[-1]:7.4f} {other_scores[-1]:8.4f} {seconds:6.1f}  {params}", flush=True)

print(f"\n{count} configurations, AUC on bankmarketing_test.csv / bankmarketing_validate_derived.csv:")
print(f"  best   {max(test_scores):.4f} / {max(other_scores):.4f}")
print(f"  median {np.median(test_scores):.4f} / {np.median(other_scores):.4f}")
print(f"  average of all {count} models {roc_auc_score(labels[1], test_sum):.4f} / {roc_auc_score(labels[2], other_sum):.4f}")
