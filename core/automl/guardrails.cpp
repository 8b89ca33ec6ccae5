#include "core/automl/guardrails.h"

#include "core/automl/metrics.h"
#include "core/automl/schema.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <unordered_map>

namespace cerulean::automl {

namespace {

// Prior pseudo-rows blended into each bin's class rate so that tiny bins do not score
// as certainties.
constexpr double kLeakageSmoothing = 10.0;

std::string fixed(double value, int decimals)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

std::string withThousands(std::size_t value)
{
    std::string digits = std::to_string(value);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(static_cast<std::size_t>(i), ",");
    return digits;
}

std::string quotedList(const std::vector<std::string> &names)
{
    std::string out;
    for (const auto &n : names) {
        if (!out.empty())
            out += ", ";
        out += "'" + n + "'";
    }
    return out;
}

// Bin of every row: equal-frequency bins over distinct numeric values (ties never split),
// one bin per category for text, and one more bin for missing cells.
std::vector<int> binsOf(const Column &column, int &binCount)
{
    const std::size_t rows = column.size();
    std::vector<int> bins(rows, -1);
    if (column.numeric) {
        std::vector<std::size_t> order;
        order.reserve(rows);
        for (std::size_t r = 0; r < rows; ++r) {
            if (!std::isnan(column.numbers[r]))
                order.push_back(r);
        }
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return column.numbers[a] < column.numbers[b]; });
        const double target = static_cast<double>(order.size()) / static_cast<double>(kLeakageBins);
        int bin = 0;
        double inBin = 0;
        for (std::size_t i = 0; i < order.size();) {
            std::size_t j = i;
            while (j < order.size() && column.numbers[order[j]] == column.numbers[order[i]])
                ++j;
            const double group = static_cast<double>(j - i);
            if (inBin > 0 && inBin + group > target) {
                ++bin;
                inBin = 0;
            }
            for (std::size_t k = i; k < j; ++k)
                bins[order[k]] = bin;
            inBin += group;
            i = j;
        }
        binCount = order.empty() ? 0 : bin + 1;
    } else {
        std::unordered_map<std::string_view, int> ids;
        for (std::size_t r = 0; r < rows; ++r) {
            if (!column.missing[r])
                bins[r] = ids.emplace(column.text[r], static_cast<int>(ids.size())).first->second;
        }
        binCount = static_cast<int>(ids.size());
    }
    for (int &b : bins) {
        if (b < 0)
            b = binCount;
    }
    ++binCount;
    return bins;
}

Guardrail classBalance(const std::vector<ClassCount> &counts, double ratio)
{
    Guardrail g;
    g.name = "Class balancing detection";
    const ClassCount &largest = counts.front();
    const ClassCount &smallest = counts.back();
    const double share = static_cast<double>(smallest.count) / static_cast<double>(largest.count);
    const std::string figures = "the smallest class ('" + smallest.label + "', " + withThousands(smallest.count) +
                                " rows) has " + fixed(share * 100, 1) + " % of the rows of the largest ('" +
                                largest.label + "', " + withThousands(largest.count) + " rows)";
    if (share <= ratio) {
        g.status = GuardrailStatus::Alerted;
        g.description = "Imbalanced classes: " + figures + ", at or under Azure's " + fixed(ratio * 100, 0) +
                        " % threshold. Accuracy can look good while the small class is missed; AUC_weighted, "
                        "average_precision_score_weighted or norm_macro_recall judge such data better.";
    } else {
        g.status = GuardrailStatus::Passed;
        g.description = "Classes are balanced: " + figures + ".";
    }
    return g;
}

} // namespace

std::string_view toString(GuardrailStatus status)
{
    switch (status) {
    case GuardrailStatus::Passed:
        return "passed";
    case GuardrailStatus::Done:
        return "done";
    case GuardrailStatus::Alerted:
        return "alerted";
    }
    return "passed";
}

const Guardrail *GuardrailReport::find(std::string_view name) const
{
    for (const auto &g : guardrails) {
        if (g.name == name)
            return &g;
    }
    return nullptr;
}

double singleColumnAuc(const Column &column, const std::vector<int> &labels, int classCount, std::uint64_t seed)
{
    const std::size_t rows = column.size();
    if (classCount < 2 || labels.size() != rows)
        return 0.5;
    std::vector<std::size_t> labelled;
    for (std::size_t r = 0; r < rows; ++r) {
        if (labels[r] >= 0 && labels[r] < classCount)
            labelled.push_back(r);
    }
    if (labelled.size() < static_cast<std::size_t>(kLeakageFolds) * 2)
        return 0.5;

    int binCount = 0;
    const std::vector<int> bins = binsOf(column, binCount);
    // Folds over labelled rows: a seeded permutation dealt round-robin.
    std::vector<int> fold(rows, -1);
    {
        std::vector<std::size_t> order = labelled;
        std::mt19937_64 rng(seed);
        for (std::size_t i = order.size(); i > 1; --i)
            std::swap(order[i - 1], order[static_cast<std::size_t>(rng() % i)]);
        for (std::size_t i = 0; i < order.size(); ++i)
            fold[order[i]] = static_cast<int>(i % kLeakageFolds);
    }
    const auto K = static_cast<std::size_t>(classCount);
    std::vector<double> prior(K, 0);
    for (std::size_t r : labelled)
        prior[static_cast<std::size_t>(labels[r])] += 1;
    for (double &p : prior)
        p /= static_cast<double>(labelled.size());

    // Out-of-fold class rates per row.
    ClassPredictions predictions;
    predictions.classCount = K;
    predictions.truth.resize(labelled.size());
    predictions.probabilities.resize(labelled.size() * K);
    std::vector<std::size_t> position(rows, 0);
    for (std::size_t i = 0; i < labelled.size(); ++i) {
        position[labelled[i]] = i;
        predictions.truth[i] = labels[labelled[i]];
    }
    const auto B = static_cast<std::size_t>(binCount);
    std::vector<double> total(B), hits(B * K);
    for (int f = 0; f < kLeakageFolds; ++f) {
        std::fill(total.begin(), total.end(), 0.0);
        std::fill(hits.begin(), hits.end(), 0.0);
        for (std::size_t r : labelled) {
            if (fold[r] == f)
                continue;
            const auto b = static_cast<std::size_t>(bins[r]);
            total[b] += 1;
            hits[b * K + static_cast<std::size_t>(labels[r])] += 1;
        }
        for (std::size_t r : labelled) {
            if (fold[r] != f)
                continue;
            const auto b = static_cast<std::size_t>(bins[r]);
            for (std::size_t k = 0; k < K; ++k) {
                predictions.probabilities[position[r] * K + k] =
                    (hits[b * K + k] + kLeakageSmoothing * prior[k]) / (total[b] + kLeakageSmoothing);
            }
        }
    }
    auto auc = classificationMetric(metric::kAucWeighted, predictions);
    return auc.ok() && std::isfinite(*auc) ? *auc : 0.5;
}

namespace {

// The feature columns by what the profile found, with the details the guardrails print.
struct FeatureSurvey
{
    std::vector<const ColumnProfile *> features;
    std::vector<std::string> imputed, highCardinality, dropped;
    std::string imputedDetail, droppedDetail, highDetail;
};

FeatureSurvey surveyFeatures(const DatasetProfile &profile, std::size_t targetColumn, const GuardrailOptions &options)
{
    auto excluded = [&](const std::string &name) {
        return std::find(options.excludedColumns.begin(), options.excludedColumns.end(), name) !=
               options.excludedColumns.end();
    };
    FeatureSurvey survey;
    for (const auto &column : profile.columns) {
        if (column.index == targetColumn || excluded(column.name))
            continue;
        switch (column.kind) {
        case ColumnKind::Constant:
        case ColumnKind::IdLike:
        case ColumnKind::AllMissing:
            survey.dropped.push_back(column.name);
            survey.droppedDetail +=
                (survey.droppedDetail.empty() ? "" : "; ") + ("'" + column.name + "': " + column.reason);
            continue;
        case ColumnKind::HighCardinalityText:
            survey.highCardinality.push_back(column.name);
            survey.highDetail += (survey.highDetail.empty() ? "" : "; ") +
                                 ("'" + column.name + "': " + withThousands(column.distinct) + " distinct values");
            break;
        case ColumnKind::Numeric:
        case ColumnKind::Categorical:
            break;
        }
        survey.features.push_back(&column);
        if (column.missing > 0) {
            survey.imputed.push_back(column.name);
            survey.imputedDetail += (survey.imputedDetail.empty() ? "" : "; ") +
                                    ("'" + column.name + "': " + withThousands(column.missing) + " of " +
                                     withThousands(profile.rows) + " rows");
        }
    }
    return survey;
}

// 1. Class balance.
void addClassBalance(const Result<TargetClasses> &classes, const Column &target, const GuardrailOptions &options,
                       GuardrailReport &report)
{
    if (classes.ok()) {
        for (std::size_t k = 0; k < classes->labels.size(); ++k)
            report.classCounts.push_back({classes->labels[k], classes->counts[k]});
        std::stable_sort(report.classCounts.begin(), report.classCounts.end(),
                         [](const ClassCount &a, const ClassCount &b) { return a.count > b.count; });
        report.guardrails.push_back(classBalance(report.classCounts, options.imbalanceRatio));
        return;
    }
    Guardrail g;
    g.name = "Class balancing detection";
    g.status = GuardrailStatus::Alerted;
    g.description = classes.error() + ".";
    g.columns = {target.name};
    report.guardrails.push_back(std::move(g));
}

// 2. Missing values.
Guardrail missingValuesGuardrail(const FeatureSurvey &survey)
{
    Guardrail g;
    g.name = "Missing feature values imputation";
    if (survey.imputed.empty()) {
        g.status = GuardrailStatus::Passed;
        g.description = "No missing feature values were detected in the training data.";
        return g;
    }
    g.status = GuardrailStatus::Done;
    g.description = "Missing feature values were detected in " + std::to_string(survey.imputed.size()) + " column" +
                    (survey.imputed.size() > 1 ? "s" : "") + ": " + survey.imputedDetail + ".";
    g.action = "Numeric columns imputed with the mean (plus a missing-value indicator), categorical "
               "columns with the most frequent value.";
    g.columns = survey.imputed;
    return g;
}

// 3. High cardinality.
Guardrail highCardinalityGuardrail(const FeatureSurvey &survey)
{
    Guardrail g;
    g.name = "High cardinality feature detection";
    if (survey.highCardinality.empty()) {
        g.status = GuardrailStatus::Passed;
        g.description = "The inputs were analyzed and no high-cardinality features were detected.";
        return g;
    }
    g.status = GuardrailStatus::Done;
    g.description = "High-cardinality text columns were detected (more than " +
                    std::to_string(kMaxCategoricalDistinct) + " distinct values): " + survey.highDetail + ".";
    g.action = "Encoded by value frequency (or out-of-fold target rate) instead of one-hot columns.";
    g.columns = survey.highCardinality;
    return g;
}

// 4. Constant, identifier and empty columns.
Guardrail droppedColumnsGuardrail(const FeatureSurvey &survey)
{
    Guardrail g;
    g.name = "Constant and identifier column detection";
    if (survey.dropped.empty()) {
        g.status = GuardrailStatus::Passed;
        g.description = "No constant, identifier-like or empty columns were detected.";
        return g;
    }
    g.status = GuardrailStatus::Done;
    g.description = "Columns that cannot help a model were detected: " + survey.droppedDetail + ".";
    g.action = "Dropped from training: " + quotedList(survey.dropped) + ".";
    g.columns = survey.dropped;
    return g;
}

// 5. Target leakage: each feature column alone, scored out of fold.
Guardrail leakageGuardrail(const Dataset &data, const Result<TargetClasses> &classes, const FeatureSurvey &survey,
                        const GuardrailOptions &options, GuardrailReport &report)
{
    Guardrail g;
    g.name = "Target leakage detection";
    if (!classes.ok()) {
        g.status = GuardrailStatus::Passed;
        g.description = "Not checked: the target has no two classes.";
        return g;
    }
    const int classCount = static_cast<int>(classes->labels.size());
    for (const ColumnProfile *column : survey.features) {
        const double auc = singleColumnAuc(data.columns[column->index], classes->rowLabels, classCount, options.seed);
        report.leakageScores.push_back({column->name, auc});
    }
    std::stable_sort(report.leakageScores.begin(), report.leakageScores.end(),
                     [](const LeakageScore &a, const LeakageScore &b) { return a.auc > b.auc; });
    std::string flagged;
    for (const auto &score : report.leakageScores) {
        if (score.auc >= options.leakageAucThreshold) {
            report.leakageColumns.push_back(score.column);
            flagged += (flagged.empty() ? "" : "; ") + ("'" + score.column + "' AUC " + fixed(score.auc, 3));
        }
    }
    const std::string rule = "one column alone reaching an out-of-fold AUC of " +
                             fixed(options.leakageAucThreshold, 2) + " or more";
    if (report.leakageColumns.empty()) {
        g.status = GuardrailStatus::Passed;
        g.description = "No column predicts the target suspiciously well on its own (" + rule + ")";
        if (!report.leakageScores.empty()) {
            g.description += "; the strongest is '" + report.leakageScores.front().column + "' with AUC " +
                             fixed(report.leakageScores.front().auc, 3);
        }
        g.description += ".";
        return g;
    }
    g.status = GuardrailStatus::Alerted;
    g.description = "Possible target leakage (" + rule + "): " + flagged +
                    ". Such a column is often recorded after the outcome is known and will not be "
                    "available when the model is used; check that it is known at prediction time "
                    "or exclude it.";
    g.action = "None: the column is still used for training.";
    g.columns = report.leakageColumns;
    return g;
}

} // namespace

GuardrailReport runGuardrails(const Dataset &data, const DatasetProfile &profile, std::size_t targetColumn,
                              const GuardrailOptions &options)
{
    GuardrailReport report;
    if (targetColumn >= data.columns.size())
        return report;
    const Column &target = data.columns[targetColumn];
    const auto classes = encodeTarget(target);
    addClassBalance(classes, target, options, report);
    const FeatureSurvey survey = surveyFeatures(profile, targetColumn, options);
    report.guardrails.push_back(missingValuesGuardrail(survey));
    report.guardrails.push_back(highCardinalityGuardrail(survey));
    report.droppedColumns = survey.dropped;
    report.guardrails.push_back(droppedColumnsGuardrail(survey));
    Guardrail leakage = leakageGuardrail(data, classes, survey, options, report); // fills the leakage scores
    report.guardrails.push_back(std::move(leakage));
    return report;
}

} // namespace cerulean::automl
