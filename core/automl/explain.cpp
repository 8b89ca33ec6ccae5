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

using ExplainClock = std::chrono::steady_clock;
using ScoreOnRows = std::function<double(const std::vector<double> &, const std::vector<std::size_t> &)>;

// The smallest sample the permutation importance is shrunk to when time is short.
constexpr std::size_t kMinExplainRows = 125;
// Rows TreeSHAP is timed on before the rest are given to it.
constexpr std::size_t kShapProbeRows = 8;
// Past the deadline, permutation importance still gets this many times its measured need
// plus a margin before it stops.
constexpr int kHardStopFactor = 4;
constexpr std::chrono::milliseconds kHardStopMargin{250};

void sortDescending(std::vector<ColumnImportance> &list)
{
    std::stable_sort(list.begin(), list.end(),
                     [](const ColumnImportance &a, const ColumnImportance &b) { return a.importance > b.importance; });
}

// The explained rows: a seeded sample of x with the model's probabilities, and when the work
// on them must stop.
struct ExplainSample
{
    std::vector<std::size_t> rows; // into x
    std::vector<float> values;     // rows x d
    std::vector<double> proba;     // rows x classes
    std::size_t n = 0, d = 0, k = 0;
    ExplainClock::time_point hardStop;

    DenseView view(std::size_t count) const { return {values.data(), count, d}; }
};

// One prediction per raw column follows the sample's first one. When they would not fit
// before the deadline (a slow machine, a budget spent on the search), the sample is halved,
// down to a floor, so the ranking is measured on fewer rows instead of being dropped.
bool drawSample(const Predictor &predictor, DenseView x, std::size_t columns, const ExplainOptions &options,
                std::mt19937_64 &rng, ExplainSample &s)
{
    s.rows.resize(x.rows);
    std::iota(s.rows.begin(), s.rows.end(), 0);
    std::shuffle(s.rows.begin(), s.rows.end(), rng);
    if (s.rows.size() > options.maxRows)
        s.rows.resize(options.maxRows);
    s.n = s.rows.size();
    s.d = x.cols;
    s.k = static_cast<std::size_t>(predictor.classes);
    if (s.n == 0)
        return false;
    s.values.resize(s.n * s.d);
    for (std::size_t i = 0; i < s.n; ++i)
        std::copy(x.row(s.rows[i]), x.row(s.rows[i]) + s.d, s.values.begin() + static_cast<std::ptrdiff_t>(i * s.d));
    s.proba.resize(s.n * s.k);
    const auto predictStart = ExplainClock::now();
    predictor.predictProba(s.view(s.n), s.proba);
    const auto now = ExplainClock::now();
    auto estimate = (now - predictStart) * static_cast<long>(columns);
    while (s.n / 2 >= kMinExplainRows && now + estimate > options.deadline) {
        s.n /= 2;
        estimate /= 2;
    }
    if (s.n < s.rows.size()) {
        s.rows.resize(s.n);
        s.values.resize(s.n * s.d);
        s.proba.resize(s.n * s.k);
        const auto again = ExplainClock::now();
        predictor.predictProba(s.view(s.n), s.proba);
        estimate = (ExplainClock::now() - again) * static_cast<long>(columns);
    }
    // Well past the deadline and the measured need (a load spike), the work stops.
    s.hardStop = std::max(options.deadline, ExplainClock::now() + kHardStopFactor * estimate + kHardStopMargin);
    return true;
}

// Permuting every feature of a raw column together measures the column, not its one-hot
// pieces. Empty when time ran out before every column was measured.
std::vector<ColumnImportance> permutationImportance(const Predictor &predictor, ExplainSample &s,
                                                    const std::vector<int> &rawColumn,
                                                    const std::vector<std::string> &columns, const ScoreOnRows &score,
                                                    std::mt19937_64 &rng)
{
    std::vector<ColumnImportance> importance;
    const std::size_t n = s.n, d = s.d;
    const double base = score(s.proba, s.rows);
    std::vector<float> shuffled = s.values;
    for (std::size_t c = 0; c < columns.size(); ++c) {
        if (ExplainClock::now() >= s.hardStop) {
            // Some columns unmeasured: a partial ranking would read as "the first columns
            // matter most". Report none rather than a wrong one.
            importance.clear();
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
                shuffled[i * d + j] = s.values[perm[i] * d + j];
        predictor.predictProba(DenseView{shuffled.data(), n, d}, s.proba);
        importance.push_back({columns[c], base - score(s.proba, s.rows)});
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j : features)
                shuffled[i * d + j] = s.values[i * d + j];
    }
    sortDescending(importance);
    return importance;
}

// The XGBoost member with the largest weight, or null.
const ModelMember *shapMember(const Predictor &predictor)
{
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
    return source;
}

// TreeSHAP costs trees x leaves x depth^2 per row, for every class: a 10-class model of a
// thousand deep trees took seconds per hundred rows and ran the whole run 6 s past its
// budget. A few rows measure the cost; only the rows that fit before the deadline follow.
// Nothing when the member has no contributions.
std::optional<std::size_t> shapRowsInTime(const ModelMember &source, const ExplainSample &s,
                                          const ExplainOptions &options)
{
    const std::size_t shapRows = std::min(s.n, options.shapRows);
    const std::size_t probe = std::min(shapRows, kShapProbeRows);
    int probeOutputs = 1;
    const auto probeStart = ExplainClock::now();
    if (detail::xgboostContributions(*source.bag.front(), s.view(probe), probeOutputs).empty())
        return std::nullopt;
    const auto probeEnd = ExplainClock::now();
    const double perRow = std::chrono::duration<double>(probeEnd - probeStart).count() /
                          static_cast<double>(probe) * static_cast<double>(source.bag.size());
    const double left = std::chrono::duration<double>(options.deadline - probeEnd).count();
    if (perRow > 0 && left < perRow * static_cast<double>(shapRows))
        return std::clamp(static_cast<std::size_t>(std::max(0.0, left) / perRow), probe, shapRows);
    return shapRows;
}

// SHAP contributions of the source member on the first rows of the sample, the mean over its
// bag: rows x outputs x (d + 1). Empty when a learner has none.
std::vector<double> bagContributions(const ModelMember &source, const ExplainSample &s, std::size_t shapRows,
                                     int &outputs)
{
    std::vector<double> total;
    for (const auto &learner : source.bag) {
        const std::vector<float> contrib = detail::xgboostContributions(*learner, s.view(shapRows), outputs);
        if (contrib.empty())
            return {};
        if (total.empty())
            total.assign(contrib.size(), 0.0);
        for (std::size_t i = 0; i < contrib.size() && i < total.size(); ++i)
            total[i] += contrib[i] / static_cast<double>(source.bag.size());
    }
    return total;
}

// Global SHAP (mean |contribution| per raw column) and a few rows' contributions.
void shapImportance(const Predictor &predictor, const ModelMember &source, ExplainSample &s, std::size_t shapRows,
                    const std::vector<int> &rawColumn, const std::vector<std::string> &classLabels,
                    const ExplainOptions &options, Explanation &e)
{
    int outputs = 1;
    const std::vector<double> total = bagContributions(source, s, shapRows, outputs);
    if (total.empty())
        return;
    e.shapSource = source.displayName;
    const std::size_t columns = e.columns.size(), d = s.d, k = s.k;
    const std::size_t width = d + 1, out = static_cast<std::size_t>(outputs);
    std::vector<double> global(columns, 0.0);
    predictor.predictProba(s.view(shapRows), s.proba);
    for (std::size_t i = 0; i < shapRows; ++i) {
        const double *p = s.proba.data() + i * k;
        const std::size_t predicted = static_cast<std::size_t>(std::max_element(p, p + k) - p);
        // Binary models explain the positive class; multiclass the predicted class.
        const std::size_t o = out == 1 ? 0 : predicted;
        const double *row = total.data() + (i * out + o) * width;
        std::vector<double> perColumn(columns, 0.0);
        for (std::size_t j = 0; j < d; ++j)
            if (rawColumn[j] >= 0 && static_cast<std::size_t>(rawColumn[j]) < columns)
                perColumn[static_cast<std::size_t>(rawColumn[j])] += row[j];
        for (std::size_t c = 0; c < columns; ++c)
            global[c] += std::abs(perColumn[c]) / static_cast<double>(shapRows);
        if (e.rows.size() < options.sampleRows) {
            RowExplanation r;
            r.row = s.rows[i];
            r.predictedLabel = predicted < classLabels.size() ? classLabels[predicted] : std::string();
            r.bias = row[d];
            r.contributions = std::move(perColumn);
            e.rows.push_back(std::move(r));
        }
    }
    for (std::size_t c = 0; c < columns; ++c)
        e.shap.push_back({e.columns[c], global[c]});
    sortDescending(e.shap);
}

} // namespace

Explanation explainModel(const Predictor &predictor, DenseView x, const std::vector<int> &rawColumn,
                         const std::vector<std::string> &columns, const std::vector<std::string> &classLabels,
                         const std::string &metricName, const ScoreOnRows &score, const ExplainOptions &options)
{
    Explanation e;
    e.columns = columns;
    e.metric = metricName;
    std::mt19937_64 rng(options.seed);
    ExplainSample sample;
    if (!drawSample(predictor, x, columns.size(), options, rng, sample))
        return e;
    e.permutation = permutationImportance(predictor, sample, rawColumn, columns, score, rng);
    const ModelMember *source = shapMember(predictor);
    if (!source || ExplainClock::now() >= options.deadline)
        return e;
    const auto shapRows = shapRowsInTime(*source, sample, options);
    if (shapRows)
        shapImportance(predictor, *source, sample, *shapRows, rawColumn, classLabels, options, e);
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
