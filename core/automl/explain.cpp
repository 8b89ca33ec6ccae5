#include "core/automl/explain.h"

#include "core/automl/learners_internal.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

namespace cerulean::automl {
namespace {

void sortDescending(std::vector<ColumnImportance> &list)
{
    std::stable_sort(list.begin(), list.end(),
                     [](const ColumnImportance &a, const ColumnImportance &b) { return a.importance > b.importance; });
}

} // namespace

Explanation explainModel(const Predictor &predictor, DenseView x, const std::vector<int> &rawColumn,
                         const std::vector<std::string> &columns, const std::vector<std::string> &classLabels,
                         const std::string &metricName,
                         const std::function<double(const std::vector<double> &, const std::vector<std::size_t> &)> &score,
                         const ExplainOptions &options)
{
    Explanation e;
    e.columns = columns;
    e.metric = metricName;
    std::mt19937_64 rng(options.seed);
    std::vector<std::size_t> rows(x.rows);
    std::iota(rows.begin(), rows.end(), 0);
    std::shuffle(rows.begin(), rows.end(), rng);
    if (rows.size() > options.maxRows)
        rows.resize(options.maxRows);
    std::size_t n = rows.size();
    const std::size_t d = x.cols, k = static_cast<std::size_t>(predictor.classes);
    if (n == 0)
        return e;
    std::vector<float> sample(n * d);
    for (std::size_t i = 0; i < n; ++i)
        std::copy(x.row(rows[i]), x.row(rows[i]) + d, sample.begin() + static_cast<std::ptrdiff_t>(i * d));
    std::vector<double> proba(n * k);
    const auto predictStart = std::chrono::steady_clock::now();
    predictor.predictProba(DenseView{sample.data(), n, d}, proba);
    // One prediction per raw column follows. When they would not fit before the deadline (a
    // slow machine, a budget spent on the search), the sample is halved, down to a floor, so
    // the ranking is measured on fewer rows instead of being dropped.
    const auto now = std::chrono::steady_clock::now();
    auto estimate = (now - predictStart) * static_cast<long>(columns.size());
    constexpr std::size_t minRows = 125;
    while (n / 2 >= minRows && now + estimate > options.deadline) {
        n /= 2;
        estimate /= 2;
    }
    if (n < rows.size()) {
        rows.resize(n);
        sample.resize(n * d);
        proba.resize(n * k);
        const auto again = std::chrono::steady_clock::now();
        predictor.predictProba(DenseView{sample.data(), n, d}, proba);
        estimate = (std::chrono::steady_clock::now() - again) * static_cast<long>(columns.size());
    }
    // Well past the deadline and the measured need (a load spike), the work stops.
    const auto hardStop =
        std::max(options.deadline, std::chrono::steady_clock::now() + 4 * estimate + std::chrono::milliseconds(250));
    const double base = score(proba, rows);

    // Permuting every feature of a raw column together measures the column, not its
    // one-hot pieces.
    std::vector<float> shuffled = sample;
    for (std::size_t c = 0; c < columns.size(); ++c) {
        if (std::chrono::steady_clock::now() >= hardStop) {
            // Some columns unmeasured: a partial ranking would read as "the first columns
            // matter most". Report none rather than a wrong one.
            e.permutation.clear();
            break;
        }
        std::vector<std::size_t> features;
        for (std::size_t j = 0; j < d; ++j)
            if (rawColumn[j] == static_cast<int>(c))
                features.push_back(j);
        if (features.empty())
            continue;
        std::vector<std::size_t> perm(n);
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), rng);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j : features)
                shuffled[i * d + j] = sample[perm[i] * d + j];
        predictor.predictProba(DenseView{shuffled.data(), n, d}, proba);
        e.permutation.push_back({columns[c], base - score(proba, rows)});
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j : features)
                shuffled[i * d + j] = sample[i * d + j];
    }
    sortDescending(e.permutation);

    // SHAP from the XGBoost member with the largest weight.
    const ModelMember *source = nullptr;
    double sourceWeight = -1;
    for (std::size_t m = 0; m < predictor.members.size(); ++m) {
        const ModelMember &member = predictor.members[m];
        if (member.algorithm != "XGBoostClassifier")
            continue;
        const double w = m < predictor.weights.size() ? predictor.weights[m] : 1.0;
        if (w > sourceWeight) {
            sourceWeight = w;
            source = &member;
        }
    }
    if (!source || std::chrono::steady_clock::now() >= options.deadline)
        return e;
    std::size_t shapRows = std::min(n, options.shapRows);
    // TreeSHAP costs trees x leaves x depth^2 per row, for every class: a 10-class model of a
    // thousand deep trees took seconds per hundred rows and ran the whole run 6 s past its
    // budget. A few rows measure the cost; only the rows that fit before the deadline follow.
    {
        constexpr std::size_t probeRows = 8;
        const std::size_t probe = std::min(shapRows, probeRows);
        int probeOutputs = 1;
        const auto probeStart = std::chrono::steady_clock::now();
        if (detail::xgboostContributions(*source->bag.front(), DenseView{sample.data(), probe, d}, probeOutputs).empty())
            return e;
        const auto probeEnd = std::chrono::steady_clock::now();
        const double perRow = std::chrono::duration<double>(probeEnd - probeStart).count() /
                              static_cast<double>(probe) * static_cast<double>(source->bag.size());
        const double left = std::chrono::duration<double>(options.deadline - probeEnd).count();
        if (perRow > 0 && left < perRow * static_cast<double>(shapRows))
            shapRows = std::clamp(static_cast<std::size_t>(std::max(0.0, left) / perRow), probe, shapRows);
    }
    std::vector<double> total; // shapRows x outputs x (d + 1), mean over the bag
    int outputs = 1;
    for (const auto &learner : source->bag) {
        const std::vector<float> contrib =
            detail::xgboostContributions(*learner, DenseView{sample.data(), shapRows, d}, outputs);
        if (contrib.empty())
            return e;
        if (total.empty())
            total.assign(contrib.size(), 0.0);
        for (std::size_t i = 0; i < contrib.size() && i < total.size(); ++i)
            total[i] += contrib[i] / static_cast<double>(source->bag.size());
    }
    e.shapSource = source->displayName;
    const std::size_t width = d + 1, out = static_cast<std::size_t>(outputs);
    std::vector<double> global(columns.size(), 0.0);
    predictor.predictProba(DenseView{sample.data(), shapRows, d}, proba);
    for (std::size_t i = 0; i < shapRows; ++i) {
        const double *p = proba.data() + i * k;
        const std::size_t predicted = static_cast<std::size_t>(std::max_element(p, p + k) - p);
        // Binary models explain the positive class; multiclass the predicted class.
        const std::size_t o = out == 1 ? 0 : predicted;
        const double *row = total.data() + (i * out + o) * width;
        std::vector<double> perColumn(columns.size(), 0.0);
        for (std::size_t j = 0; j < d; ++j)
            if (rawColumn[j] >= 0 && static_cast<std::size_t>(rawColumn[j]) < columns.size())
                perColumn[static_cast<std::size_t>(rawColumn[j])] += row[j];
        for (std::size_t c = 0; c < columns.size(); ++c)
            global[c] += std::abs(perColumn[c]) / static_cast<double>(shapRows);
        if (e.rows.size() < options.sampleRows) {
            RowExplanation r;
            r.row = rows[i];
            r.predictedLabel = predicted < classLabels.size() ? classLabels[predicted] : std::string();
            r.bias = row[d];
            r.contributions = std::move(perColumn);
            e.rows.push_back(std::move(r));
        }
    }
    for (std::size_t c = 0; c < columns.size(); ++c)
        e.shap.push_back({columns[c], global[c]});
    sortDescending(e.shap);
    return e;
}

std::string explanationJson(const Explanation &e)
{
    using nlohmann::json;
    auto list = [](const std::vector<ColumnImportance> &items) {
        json out = json::array();
        for (const auto &item : items)
            out.push_back({{"column", item.column}, {"importance", std::isfinite(item.importance) ? item.importance : 0.0}});
        return out;
    };
    json rows = json::array();
    for (const auto &r : e.rows)
        rows.push_back({{"row", r.row}, {"predicted_label", r.predictedLabel}, {"expected_value", r.bias},
                        {"contributions", r.contributions}});
    json doc = {{"columns", e.columns},
                {"permutation_importance", {{"metric", e.metric}, {"importances", list(e.permutation)}}},
                {"shap", {{"source", e.shapSource}, {"units", "margin (log-odds)"}, {"global", list(e.shap)},
                          {"rows", rows}}}};
    return doc.dump(1);
}

} // namespace cerulean::automl
