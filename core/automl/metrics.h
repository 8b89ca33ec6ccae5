#pragma once

// Classification (and regression) metrics under Azure AutoML's names, and the chart data
// of a run: confusion matrix, ROC, precision-recall, calibration, lift, cumulative gains.

#include "core/automl/dataset.h"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cerulean::automl {

// Azure's metric names.
namespace metric {
inline constexpr std::string_view kAccuracy = "accuracy";
inline constexpr std::string_view kAucMacro = "AUC_macro";
inline constexpr std::string_view kAucMicro = "AUC_micro";
inline constexpr std::string_view kAucWeighted = "AUC_weighted";
inline constexpr std::string_view kAveragePrecisionMacro = "average_precision_score_macro";
inline constexpr std::string_view kAveragePrecisionMicro = "average_precision_score_micro";
inline constexpr std::string_view kAveragePrecisionWeighted = "average_precision_score_weighted";
inline constexpr std::string_view kBalancedAccuracy = "balanced_accuracy";
inline constexpr std::string_view kF1Macro = "f1_score_macro";
inline constexpr std::string_view kF1Micro = "f1_score_micro";
inline constexpr std::string_view kF1Weighted = "f1_score_weighted";
inline constexpr std::string_view kLogLoss = "log_loss";
inline constexpr std::string_view kMatthewsCorrelation = "matthews_correlation";
inline constexpr std::string_view kNormMacroRecall = "norm_macro_recall";
inline constexpr std::string_view kPrecisionMacro = "precision_score_macro";
inline constexpr std::string_view kPrecisionMicro = "precision_score_micro";
inline constexpr std::string_view kPrecisionWeighted = "precision_score_weighted";
inline constexpr std::string_view kRecallMacro = "recall_score_macro";
inline constexpr std::string_view kRecallMicro = "recall_score_micro";
inline constexpr std::string_view kRecallWeighted = "recall_score_weighted";
inline constexpr std::string_view kWeightedAccuracy = "weighted_accuracy";
// Regression.
inline constexpr std::string_view kR2 = "r2_score";
inline constexpr std::string_view kRmse = "root_mean_squared_error";
inline constexpr std::string_view kMae = "mean_absolute_error";
inline constexpr std::string_view kSpearman = "spearman_correlation";
inline constexpr std::string_view kNormalizedRmse = "normalized_root_mean_squared_error";
} // namespace metric

// Every classification metric name above, in Azure's (alphabetical) order.
const std::vector<std::string_view> &classificationMetricNames();
// False only for log_loss and the regression error metrics.
bool higherIsBetter(std::string_view metricName);

// Predictions of a classifier: class indices of the truth (0..classCount-1) and one
// probability per class per row, row-major (rows × classCount).
struct ClassPredictions final {
    std::vector<int> truth;
    std::vector<double> probabilities;
    std::size_t classCount = 0;

    std::size_t rows() const { return truth.size(); }
    // argmax of a row's probabilities (the first class on ties).
    int predicted(std::size_t row) const;
};

// All of Azure's classification metrics by name. Errors: sizes disagree, a class index
// out of range, fewer than two classes, no rows. Classes absent from the truth are left
// out of macro averages and weigh nothing in weighted ones, as Azure does.
Result<std::map<std::string, double>> classificationMetrics(const ClassPredictions &predictions);
// One metric (cheaper for a search loop). Errors as above, or an unknown name.
Result<double> classificationMetric(std::string_view metricName, const ClassPredictions &predictions);

// One-vs-rest ROC AUC of scores for a binary truth (1 = positive), ties averaged.
// 0.5 when only one class is present.
double rocAuc(const std::vector<int> &positive, const std::vector<double> &scores);

// Regression metrics by name (r2_score, root_mean_squared_error, mean_absolute_error,
// spearman_correlation, normalized_root_mean_squared_error — normalized by the truth's range).
Result<std::map<std::string, double>> regressionMetrics(const std::vector<double> &truth,
                                                        const std::vector<double> &predictions);

// ---- Chart data ----------------------------------------------------------------------

// Curves keep at most this many points; the GUI draws them as they are.
inline constexpr std::size_t kMaxCurvePoints = 200;
inline constexpr std::size_t kCalibrationBins = 10;
inline constexpr std::size_t kGainPercentiles = 100;

struct Curve final {
    std::string label; // a class label, "micro" or "macro"
    std::vector<double> x;
    std::vector<double> y;
};

struct ClassificationCharts final {
    std::vector<std::string> classLabels;
    std::vector<std::vector<std::size_t>> confusion; // [true][predicted]
    std::vector<Curve> roc;             // x = false positive rate, y = true positive rate
    std::vector<Curve> precisionRecall; // x = recall, y = precision
    std::vector<Curve> calibration;     // x = mean predicted probability, y = observed rate (per class; bins without rows omitted)
    std::vector<Curve> lift;            // x = percentile of rows (1..100), y = lift
    std::vector<Curve> cumulativeGains; // x = percentile of rows (0..100), y = share of the class captured
};

// Errors as for classificationMetrics, or class labels that do not match classCount.
Result<ClassificationCharts> classificationCharts(const ClassPredictions &predictions,
                                                  const std::vector<std::string> &classLabels);

// {"schema_type":"confusion_matrix","schema_version":"1.0.0","data":{"class_labels":[…],"matrix":[[…]]}}
std::string confusionMatrixJson(const ClassificationCharts &charts);
// Every chart as one JSON object: confusion_matrix (as above), roc_curve,
// precision_recall_curve, calibration_curve, lift_curve, cumulative_gains_curve; each
// curve chart is {"schema_type":…, "schema_version":"1.0.0",
// "data":{"curves":[{"label":…, "x":[…], "y":[…]}]}}.
std::string chartsJson(const ClassificationCharts &charts);
// A metrics map as a JSON object (non-finite values as null).
std::string metricsJson(const std::map<std::string, double> &metrics);

} // namespace cerulean::automl
