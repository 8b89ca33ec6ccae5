#pragma once

// How a run measures its trials: Azure's auto rule, k-fold cross-validation, a
// train/validation split, or a separate validation file; and stratified row splits.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cerulean::automl {

enum class ValidationKind {
    Auto,  // Azure: over 20,000 rows a 10 % holdout; else k-fold, 10 folds under 1,000 rows, 3 otherwise
    KFold, // n_cross_validations
    Split, // validation_size
    File,  // validation_data
};

inline constexpr std::size_t kAutoHoldoutMinRows = 20000;
inline constexpr double kAutoHoldoutFraction = 0.10;
inline constexpr std::size_t kAutoTenFoldMaxRows = 1000;

struct ValidationSettings final
{
    ValidationKind kind = ValidationKind::Auto;
    int folds = 5;               // KFold
    double validationSize = 0.1; // Split: share of the training rows held out
};

// Rows of each fold: train on trainRows[f], measure on validRows[f]. A holdout is one fold.
struct ValidationPlan final
{
    std::vector<std::vector<std::size_t>> trainRows;
    std::vector<std::vector<std::size_t>> validRows;
    bool crossValidation = false;
    std::string description; // "10 % holdout (auto: 32,950 rows > 20,000)"

    std::size_t folds() const { return trainRows.size(); }
};

// labels: class index per row (0..classes-1). Folds are stratified and seeded.
ValidationPlan planValidation(const std::vector<int> &labels, int classes, const ValidationSettings &settings,
                              std::uint64_t seed);

// Stratified split: about `fraction` of each class's rows go to `second`, in row order.
void stratifiedSplit(const std::vector<int> &labels, int classes, double fraction, std::uint64_t seed,
                     std::vector<std::size_t> &first, std::vector<std::size_t> &second);

// Stratified fold id (0..folds-1) per row.
std::vector<int> stratifiedFolds(const std::vector<int> &labels, int classes, int folds, std::uint64_t seed);

} // namespace cerulean::automl
