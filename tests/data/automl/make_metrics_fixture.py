#!/usr/bin/python3
"""Writes metrics_sklearn.json: predictions and the metric values scikit-learn gives for
them, following Azure AutoML's definitions (azureml-metrics). Run once with Debian's
python3-sklearn; the C++ metrics test compares against the file."""
import json

import numpy as np
from sklearn import metrics
from sklearn.calibration import calibration_curve


def azure_metrics(y, proba, k):
    pred = proba.argmax(axis=1)
    y_bin = np.eye(k)[y]
    out = {
        "accuracy": metrics.accuracy_score(y, pred),
        "balanced_accuracy": metrics.recall_score(y, pred, average="macro", zero_division=0),
        "log_loss": metrics.log_loss(y, proba, labels=list(range(k))),
        "matthews_correlation": metrics.matthews_corrcoef(y, pred),
    }
    for avg in ("macro", "micro", "weighted"):
        out["AUC_" + avg] = metrics.roc_auc_score(y_bin, proba, average=avg)
        out["average_precision_score_" + avg] = metrics.average_precision_score(y_bin, proba, average=avg)
        out["f1_score_" + avg] = metrics.f1_score(y, pred, average=avg, zero_division=0)
        out["precision_score_" + avg] = metrics.precision_score(y, pred, average=avg, zero_division=0)
        out["recall_score_" + avg] = metrics.recall_score(y, pred, average=avg, zero_division=0)
    cm = metrics.confusion_matrix(y, pred, labels=list(range(k)))
    r = 1.0 / k
    out["norm_macro_recall"] = max(0.0, (np.mean(cm.diagonal() / cm.sum(axis=1)) - r) / (1 - r))
    w = np.ones(len(y))
    for idx, count in enumerate(np.bincount(y, minlength=k)):
        w[y == idx] *= count / float(len(y))
    out["weighted_accuracy"] = metrics.accuracy_score(y, pred, sample_weight=w)
    charts = {"confusion_matrix": cm.tolist(), "roc": {}, "calibration": {}}
    for c in range(k):
        fpr, tpr, _ = metrics.roc_curve(y_bin[:, c], proba[:, c], drop_intermediate=False)
        charts["roc"][str(c)] = {"x": fpr.tolist(), "y": tpr.tolist()}
        true, predicted = calibration_curve(y_bin[:, c], proba[:, c], n_bins=10, strategy="uniform")
        charts["calibration"][str(c)] = {"x": predicted.tolist(), "y": true.tolist()}
    return {k_: float(v) for k_, v in out.items()}, charts


def case(name, y, proba):
    k = proba.shape[1]
    expected, charts = azure_metrics(y, proba, k)
    return {"name": name, "class_count": k, "truth": y.tolist(), "probabilities": proba.tolist(),
            "expected": expected, "charts": charts}


rng = np.random.RandomState(2024)
cases = []

# Binary, imbalanced, probabilities rounded to 2 decimals so there are ties.
n = 300
y = (rng.rand(n) < 0.2).astype(int)
p1 = np.clip(0.25 + 0.35 * (y - 0.2) + rng.normal(0, 0.2, n), 0, 1).round(2)
cases.append(case("binary", y, np.column_stack([1 - p1, p1])))

# Three classes from a softmax of noisy scores.
n = 240
y = rng.randint(0, 3, n)
scores = rng.normal(0, 1.0, (n, 3))
scores[np.arange(n), y] += 1.2
proba = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
cases.append(case("multiclass", y, proba.round(4) / proba.round(4).sum(axis=1, keepdims=True)))

# Four classes, one never predicted (zero-division paths) and confident mistakes.
n = 160
y = rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])
scores = rng.normal(0, 1.0, (n, 4))
scores[np.arange(n), y] += 1.0
scores[:, 3] -= 4.0
proba = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
cases.append(case("never_predicted", y, proba))

with open("metrics_sklearn.json", "w") as f:
    json.dump({"generator": "make_metrics_fixture.py", "cases": cases}, f)
