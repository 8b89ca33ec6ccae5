#pragma once

// Data guardrails as Azure AutoML reports them (class balancing, missing-value
// imputation, high cardinality, dropped columns) plus a target-leakage alert.

#include "core/automl/dataset.h"
#include "core/automl/profile.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cerulean::automl {

enum class GuardrailStatus {
    Passed,  // nothing found
    Done,    // something was found and handled
    Alerted, // something was found that the user should look at
};

// "passed", "done", "alerted" (the words Azure's studio shows).
std::string_view toString(GuardrailStatus status);

struct Guardrail final {
    std::string name;        // Azure's wording, e.g. "Class balancing detection"
    GuardrailStatus status = GuardrailStatus::Passed;
    std::string description; // what was checked and found
    std::string action;      // what was done about it ("" when nothing)
    std::vector<std::string> columns; // affected columns
};

// Azure's rule: imbalance when the smallest class has at most 20 % of the samples of the
// largest one.
inline constexpr double kImbalanceMinorityRatio = 0.20;

// A column is reported as possible target leakage when it alone predicts the target
// with an out-of-fold AUC (weighted one-vs-rest) of at least this. Legitimately strong
// single predictors sit below it: on Bank Marketing the macro-economic indicators score
// 0.76-0.78 (cons.price.idx 0.781 is the highest), while `duration` — the call length,
// only known after the outcome — scores 0.817. A model on all columns reaches ~0.95, so
// one column carrying 0.80 on its own is worth a question before deployment.
inline constexpr double kLeakageAucThreshold = 0.80;
// Folds of the single-column score; the score is the AUC over all out-of-fold rows.
inline constexpr int kLeakageFolds = 5;
// Equal-frequency bins of a numeric column for its single-column model.
inline constexpr std::size_t kLeakageBins = 32;

struct GuardrailOptions final {
    std::uint64_t seed = 42;
    double imbalanceRatio = kImbalanceMinorityRatio;
    double leakageAucThreshold = kLeakageAucThreshold;
    // Columns the user excluded: neither checked nor reported.
    std::vector<std::string> excludedColumns;
};

struct ClassCount final {
    std::string label;
    std::size_t count = 0;
};

// Single-column predictive power, out of fold.
struct LeakageScore final {
    std::string column;
    double auc = 0.5;
};

struct GuardrailReport final {
    std::vector<Guardrail> guardrails;
    std::vector<ClassCount> classCounts;         // target classes, most frequent first
    std::vector<std::string> droppedColumns;     // constant, ID-like, all missing
    std::vector<std::string> leakageColumns;     // alerted, still used
    std::vector<LeakageScore> leakageScores;     // every scored column, highest first

    const Guardrail *find(std::string_view name) const;
};

// Runs every guardrail for classification on `data` with the target at `targetColumn`.
// Rows whose target is missing are ignored.
GuardrailReport runGuardrails(const Dataset &data, const DatasetProfile &profile, std::size_t targetColumn,
                              const GuardrailOptions &options = {});

// The leakage score alone: out-of-fold AUC of a per-bin (numeric) or per-category
// target-rate model of `column`. `labels` are class indices per row (-1 = skip).
double singleColumnAuc(const Column &column, const std::vector<int> &labels, int classCount, std::uint64_t seed);

} // namespace cerulean::automl
