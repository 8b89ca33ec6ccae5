#pragma once

// Explanations of a trained model: permutation importance aggregated to the raw input
// columns, and XGBoost's SHAP contributions (global and per row) where the model has an
// XGBoost member.

#include "core/automl/ensemble.h"
#include "core/automl/featurizer.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cerulean::automl {

struct ColumnImportance final
{
    std::string column;
    double importance = 0;
};

struct RowExplanation final
{
    std::size_t row = 0;                 // index into the explained rows
    std::string predictedLabel;
    double bias = 0;                     // SHAP expected value (margin)
    std::vector<double> contributions;   // per raw column, schema order (margin units)
};

struct Explanation final
{
    std::vector<std::string> columns;                 // raw input columns, schema order
    std::string metric;                               // metric of the permutation importance
    std::vector<ColumnImportance> permutation;        // highest first: drop in the metric
    std::string shapSource;                           // member explained by SHAP ("" if none)
    std::vector<ColumnImportance> shap;               // mean |contribution| per raw column
    std::vector<RowExplanation> rows;                 // SHAP per row for a sample
};

struct ExplainOptions final
{
    std::size_t maxRows = 1000;   // rows used for permutation importance
    std::size_t shapRows = 300;   // rows used for global SHAP
    std::size_t sampleRows = 5;   // rows with per-row contributions
    std::uint64_t seed = 42;
    // Work stops at the deadline with what is done (columns not reached are left out).
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// `x` are featurized rows with truth; `rawColumn` maps each feature to its input column
// (featurizer's featureRawColumns), `columns` names the input columns. `score` returns
// the metric (higher is better) of a probability matrix on those rows.
Explanation explainModel(const Predictor &predictor, DenseView x, const std::vector<int> &rawColumn,
                         const std::vector<std::string> &columns, const std::vector<std::string> &classLabels,
                         const std::string &metricName,
                         const std::function<double(const std::vector<double> &, const std::vector<std::size_t> &)> &score,
                         const ExplainOptions &options = {});

std::string explanationJson(const Explanation &explanation);

} // namespace cerulean::automl
