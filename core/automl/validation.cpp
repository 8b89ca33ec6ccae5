#include "core/automl/validation.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace cerulean::automl {

std::vector<int> stratifiedFolds(const std::vector<int> &labels, int classes, int folds, std::uint64_t seed)
{
    std::vector<int> fold(labels.size(), 0);
    std::mt19937_64 rng(seed);
    int offset = 0;
    for (int c = 0; c < classes; ++c) {
        std::vector<std::size_t> rows;
        for (std::size_t i = 0; i < labels.size(); ++i)
            if (labels[i] == c)
                rows.push_back(i);
        std::shuffle(rows.begin(), rows.end(), rng);
        // Continue the round-robin across classes so small classes do not all land in fold 0.
        for (std::size_t i = 0; i < rows.size(); ++i)
            fold[rows[i]] = static_cast<int>((i + static_cast<std::size_t>(offset)) % static_cast<std::size_t>(folds));
        offset = static_cast<int>((rows.size() + static_cast<std::size_t>(offset)) % static_cast<std::size_t>(folds));
    }
    return fold;
}

void stratifiedSplit(const std::vector<int> &labels, int classes, double fraction, std::uint64_t seed,
                     std::vector<std::size_t> &first, std::vector<std::size_t> &second)
{
    std::mt19937_64 rng(seed);
    std::vector<char> inSecond(labels.size(), 0);
    for (int c = 0; c < classes; ++c) {
        std::vector<std::size_t> rows;
        for (std::size_t i = 0; i < labels.size(); ++i)
            if (labels[i] == c)
                rows.push_back(i);
        std::shuffle(rows.begin(), rows.end(), rng);
        std::size_t take = static_cast<std::size_t>(std::lround(fraction * static_cast<double>(rows.size())));
        if (rows.size() >= 2)
            take = std::clamp<std::size_t>(take, 1, rows.size() - 1); // both sides see every class
        for (std::size_t i = 0; i < take && i < rows.size(); ++i)
            inSecond[rows[i]] = 1;
    }
    first.clear();
    second.clear();
    for (std::size_t i = 0; i < labels.size(); ++i)
        (inSecond[i] ? second : first).push_back(i);
}

ValidationPlan planValidation(const std::vector<int> &labels, int classes, const ValidationSettings &settings,
                              std::uint64_t seed)
{
    ValidationPlan plan;
    const std::size_t n = labels.size();
    ValidationKind kind = settings.kind;
    int folds = settings.folds;
    double fraction = settings.validationSize;
    std::string why;
    if (kind == ValidationKind::Auto) {
        if (n > kAutoHoldoutMinRows) {
            kind = ValidationKind::Split;
            fraction = kAutoHoldoutFraction;
            why = " (auto: " + std::to_string(n) + " rows > " + std::to_string(kAutoHoldoutMinRows) + ")";
        } else {
            kind = ValidationKind::KFold;
            folds = n < kAutoTenFoldMaxRows ? 10 : 3;
            why = " (auto: " + std::to_string(n) + " rows)";
        }
    }
    if (kind == ValidationKind::Split) {
        std::vector<std::size_t> train, valid;
        stratifiedSplit(labels, classes, fraction, seed, train, valid);
        plan.trainRows.push_back(std::move(train));
        plan.validRows.push_back(std::move(valid));
        plan.description = std::to_string(static_cast<int>(std::lround(fraction * 100))) + " % holdout" + why;
        return plan;
    }
    folds = std::clamp(folds, 2, static_cast<int>(std::max<std::size_t>(n, 2)));
    const std::vector<int> fold = stratifiedFolds(labels, classes, folds, seed);
    plan.crossValidation = true;
    plan.trainRows.resize(static_cast<std::size_t>(folds));
    plan.validRows.resize(static_cast<std::size_t>(folds));
    for (std::size_t i = 0; i < n; ++i)
        for (int f = 0; f < folds; ++f)
            (fold[i] == f ? plan.validRows : plan.trainRows)[static_cast<std::size_t>(f)].push_back(i);
    plan.description = std::to_string(folds) + "-fold cross-validation" + why;
    return plan;
}

} // namespace cerulean::automl
