#include "core/automl/metrics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace cerulean::automl {

namespace {

// sklearn.metrics.log_loss clips probabilities to [eps, 1 - eps] (1.2's default).
constexpr double kLogLossEpsilon = 1e-15;

std::optional<Error> validate(const ClassPredictions &p)
{
    if (p.classCount < 2)
        return Error{"metrics need at least two classes"};
    if (p.truth.empty())
        return Error{"metrics need at least one row"};
    if (p.probabilities.size() != p.truth.size() * p.classCount) {
        return Error{"metrics: " + std::to_string(p.probabilities.size()) + " probabilities for " +
                     std::to_string(p.truth.size()) + " rows of " + std::to_string(p.classCount) + " classes"};
    }
    for (std::size_t r = 0; r < p.truth.size(); ++r) {
        if (p.truth[r] < 0 || static_cast<std::size_t>(p.truth[r]) >= p.classCount)
            return Error{"metrics: row " + std::to_string(r + 1) + " has class index " + std::to_string(p.truth[r])};
    }
    return std::nullopt;
}

// Points of a binary ranking at each distinct score, highest score first:
// cumulative true positives and false positives.
struct Ranking {
    std::vector<double> tps;
    std::vector<double> fps;
    std::vector<double> thresholds;
};

Ranking rank(const std::vector<int> &positive, const std::vector<double> &scores)
{
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    Ranking ranking;
    double tp = 0;
    double fp = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (positive[order[i]])
            tp += 1;
        else
            fp += 1;
        if (i + 1 == order.size() || scores[order[i + 1]] != scores[order[i]]) {
            ranking.tps.push_back(tp);
            ranking.fps.push_back(fp);
            ranking.thresholds.push_back(scores[order[i]]);
        }
    }
    return ranking;
}

// sklearn's average_precision_score: sum over thresholds of (R_n - R_{n-1}) * P_n.
double averagePrecision(const std::vector<int> &positive, const std::vector<double> &scores)
{
    const Ranking r = rank(positive, scores);
    if (r.tps.empty() || r.tps.back() == 0)
        return 0.0;
    const double total = r.tps.back();
    double ap = 0;
    double previousRecall = 0;
    for (std::size_t i = 0; i < r.tps.size(); ++i) {
        const double recall = r.tps[i] / total;
        const double precision = r.tps[i] / (r.tps[i] + r.fps[i]);
        ap += (recall - previousRecall) * precision;
        previousRecall = recall;
    }
    return ap;
}

std::vector<int> oneVsRest(const ClassPredictions &p, std::size_t k)
{
    std::vector<int> positive(p.truth.size());
    for (std::size_t r = 0; r < p.truth.size(); ++r)
        positive[r] = p.truth[r] == static_cast<int>(k) ? 1 : 0;
    return positive;
}

std::vector<double> columnOf(const ClassPredictions &p, std::size_t k)
{
    std::vector<double> column(p.truth.size());
    for (std::size_t r = 0; r < p.truth.size(); ++r)
        column[r] = p.probabilities[r * p.classCount + k];
    return column;
}

struct Averages {
    double macro = 0;
    double micro = 0;
    double weighted = 0;
};

// A ranking metric per class (classes present in the truth and not the only class),
// averaged as Azure does, plus micro over the flattened one-hot matrix.
template <typename Metric>
Averages rankingAverages(const ClassPredictions &p, const std::vector<std::size_t> &support, Metric metric)
{
    Averages a;
    double weightSum = 0;
    std::size_t counted = 0;
    const std::size_t n = p.truth.size();
    for (std::size_t k = 0; k < p.classCount; ++k) {
        if (support[k] == 0 || support[k] == n)
            continue;
        const double value = metric(oneVsRest(p, k), columnOf(p, k));
        a.macro += value;
        a.weighted += value * static_cast<double>(support[k]);
        weightSum += static_cast<double>(support[k]);
        ++counted;
    }
    a.macro = counted > 0 ? a.macro / static_cast<double>(counted) : std::nan("");
    a.weighted = weightSum > 0 ? a.weighted / weightSum : std::nan("");
    std::vector<int> flatTruth(n * p.classCount, 0);
    for (std::size_t r = 0; r < n; ++r)
        flatTruth[r * p.classCount + static_cast<std::size_t>(p.truth[r])] = 1;
    a.micro = metric(flatTruth, p.probabilities);
    return a;
}

struct Confusion {
    std::vector<std::vector<std::size_t>> matrix;
    std::vector<std::size_t> support;   // per true class
    std::vector<std::size_t> predicted; // per predicted class
    std::size_t correct = 0;
};

Confusion confusionOf(const ClassPredictions &p)
{
    Confusion c;
    c.matrix.assign(p.classCount, std::vector<std::size_t>(p.classCount, 0));
    c.support.assign(p.classCount, 0);
    c.predicted.assign(p.classCount, 0);
    for (std::size_t r = 0; r < p.truth.size(); ++r) {
        const auto t = static_cast<std::size_t>(p.truth[r]);
        const auto q = static_cast<std::size_t>(p.predicted(r));
        ++c.matrix[t][q];
        ++c.support[t];
        ++c.predicted[q];
        if (t == q)
            ++c.correct;
    }
    return c;
}

void addConfusionMetrics(const ClassPredictions &p, const Confusion &c, std::map<std::string, double> &out)
{
    const double n = static_cast<double>(p.truth.size());
    const std::size_t K = p.classCount;
    // sklearn's label set: classes in the truth or in the predictions.
    double precisionMacro = 0, recallMacro = 0, f1Macro = 0;
    double precisionWeighted = 0, recallWeighted = 0, f1Weighted = 0;
    std::size_t labels = 0;
    double tpSum = 0, predictedSum = 0, supportSum = 0;
    for (std::size_t k = 0; k < K; ++k) {
        if (c.support[k] == 0 && c.predicted[k] == 0)
            continue;
        ++labels;
        const double tp = static_cast<double>(c.matrix[k][k]);
        const double precision = c.predicted[k] > 0 ? tp / static_cast<double>(c.predicted[k]) : 0.0;
        const double recall = c.support[k] > 0 ? tp / static_cast<double>(c.support[k]) : 0.0;
        const double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
        const double weight = static_cast<double>(c.support[k]);
        precisionMacro += precision;
        recallMacro += recall;
        f1Macro += f1;
        precisionWeighted += weight * precision;
        recallWeighted += weight * recall;
        f1Weighted += weight * f1;
        tpSum += tp;
        predictedSum += static_cast<double>(c.predicted[k]);
        supportSum += weight;
    }
    const double L = static_cast<double>(labels);
    const double microPrecision = predictedSum > 0 ? tpSum / predictedSum : 0.0;
    const double microRecall = supportSum > 0 ? tpSum / supportSum : 0.0;
    const double microF1 =
        microPrecision + microRecall > 0 ? 2 * microPrecision * microRecall / (microPrecision + microRecall) : 0.0;
    out[std::string(metric::kAccuracy)] = static_cast<double>(c.correct) / n;
    out[std::string(metric::kPrecisionMacro)] = precisionMacro / L;
    out[std::string(metric::kRecallMacro)] = recallMacro / L;
    out[std::string(metric::kF1Macro)] = f1Macro / L;
    out[std::string(metric::kPrecisionWeighted)] = precisionWeighted / supportSum;
    out[std::string(metric::kRecallWeighted)] = recallWeighted / supportSum;
    out[std::string(metric::kF1Weighted)] = f1Weighted / supportSum;
    out[std::string(metric::kPrecisionMicro)] = microPrecision;
    out[std::string(metric::kRecallMicro)] = microRecall;
    out[std::string(metric::kF1Micro)] = microF1;
    out[std::string(metric::kBalancedAccuracy)] = recallMacro / L;

    // Azure: mean recall over the true classes, rescaled so chance (1/K) is 0, floored at 0.
    double recallOverTruth = 0;
    std::size_t trueClasses = 0;
    for (std::size_t k = 0; k < K; ++k) {
        if (c.support[k] > 0) {
            recallOverTruth += static_cast<double>(c.matrix[k][k]) / static_cast<double>(c.support[k]);
            ++trueClasses;
        }
    }
    const double chance = 1.0 / static_cast<double>(K);
    out[std::string(metric::kNormMacroRecall)] =
        std::max(0.0, (recallOverTruth / static_cast<double>(trueClasses) - chance) / (1 - chance));

    // Azure: accuracy with each row weighted by its class's share of the rows.
    double weightedCorrect = 0, weightTotal = 0;
    for (std::size_t k = 0; k < K; ++k) {
        const double s = static_cast<double>(c.support[k]);
        weightedCorrect += s * static_cast<double>(c.matrix[k][k]);
        weightTotal += s * s;
    }
    out[std::string(metric::kWeightedAccuracy)] = weightedCorrect / weightTotal;

    // Multiclass Matthews correlation (sklearn's formula).
    double sumTP = 0, sumTT = 0, sumPP = 0;
    for (std::size_t k = 0; k < K; ++k) {
        const double t = static_cast<double>(c.support[k]);
        const double q = static_cast<double>(c.predicted[k]);
        sumTP += t * q;
        sumTT += t * t;
        sumPP += q * q;
    }
    const double cov = static_cast<double>(c.correct) * n - sumTP;
    const double denominator = std::sqrt((n * n - sumTT) * (n * n - sumPP));
    out[std::string(metric::kMatthewsCorrelation)] = denominator > 0 ? cov / denominator : 0.0;
}

double logLoss(const ClassPredictions &p)
{
    double total = 0;
    for (std::size_t r = 0; r < p.truth.size(); ++r) {
        const double *row = p.probabilities.data() + r * p.classCount;
        double sum = 0;
        for (std::size_t k = 0; k < p.classCount; ++k)
            sum += std::clamp(row[k], kLogLossEpsilon, 1 - kLogLossEpsilon);
        const double own = std::clamp(row[static_cast<std::size_t>(p.truth[r])], kLogLossEpsilon, 1 - kLogLossEpsilon);
        total -= std::log(own / sum);
    }
    return total / static_cast<double>(p.truth.size());
}

std::vector<std::size_t> supportOf(const ClassPredictions &p)
{
    std::vector<std::size_t> support(p.classCount, 0);
    for (int t : p.truth)
        ++support[static_cast<std::size_t>(t)];
    return support;
}

void addAuc(const ClassPredictions &p, const std::vector<std::size_t> &support, std::map<std::string, double> &out)
{
    const Averages auc = rankingAverages(p, support, rocAuc);
    out[std::string(metric::kAucMacro)] = auc.macro;
    out[std::string(metric::kAucMicro)] = auc.micro;
    out[std::string(metric::kAucWeighted)] = auc.weighted;
}

void addAveragePrecision(const ClassPredictions &p, const std::vector<std::size_t> &support,
                         std::map<std::string, double> &out)
{
    const Averages ap = rankingAverages(p, support, averagePrecision);
    out[std::string(metric::kAveragePrecisionMacro)] = ap.macro;
    out[std::string(metric::kAveragePrecisionMicro)] = ap.micro;
    out[std::string(metric::kAveragePrecisionWeighted)] = ap.weighted;
}

// Evenly spaced indices of at most kMaxCurvePoints, keeping the first and the last.
Curve downsample(Curve curve)
{
    const std::size_t n = curve.x.size();
    if (n <= kMaxCurvePoints)
        return curve;
    Curve out;
    out.label = std::move(curve.label);
    for (std::size_t i = 0; i < kMaxCurvePoints; ++i) {
        const std::size_t at = i * (n - 1) / (kMaxCurvePoints - 1);
        out.x.push_back(curve.x[at]);
        out.y.push_back(curve.y[at]);
    }
    return out;
}

Curve rocCurve(const std::string &label, const std::vector<int> &positive, const std::vector<double> &scores)
{
    const Ranking r = rank(positive, scores);
    Curve c;
    c.label = label;
    c.x.push_back(0);
    c.y.push_back(0);
    const double P = r.tps.empty() ? 0 : r.tps.back();
    const double N = r.fps.empty() ? 0 : r.fps.back();
    for (std::size_t i = 0; i < r.tps.size(); ++i) {
        c.x.push_back(N > 0 ? r.fps[i] / N : 0.0);
        c.y.push_back(P > 0 ? r.tps[i] / P : 0.0);
    }
    return c;
}

Curve prCurve(const std::string &label, const std::vector<int> &positive, const std::vector<double> &scores)
{
    const Ranking r = rank(positive, scores);
    Curve c;
    c.label = label;
    const double P = r.tps.empty() ? 0 : r.tps.back();
    c.x.push_back(0);
    c.y.push_back(1);
    for (std::size_t i = 0; i < r.tps.size(); ++i) {
        c.x.push_back(P > 0 ? r.tps[i] / P : 0.0);
        c.y.push_back(r.tps[i] / (r.tps[i] + r.fps[i]));
    }
    return c;
}

// y of a piecewise-linear curve at x (x ascending, ties: the highest y).
double interpolate(const Curve &c, double x)
{
    for (std::size_t i = 1; i < c.x.size(); ++i) {
        if (c.x[i] >= x) {
            const double dx = c.x[i] - c.x[i - 1];
            if (dx <= 0)
                return std::max(c.y[i], c.y[i - 1]);
            return c.y[i - 1] + (c.y[i] - c.y[i - 1]) * (x - c.x[i - 1]) / dx;
        }
    }
    return c.y.empty() ? 0.0 : c.y.back();
}

// Interpolated precision (the best precision at this recall or more).
double interpolatedPrecision(const Curve &pr, double recall)
{
    double best = 0;
    for (std::size_t i = 0; i < pr.x.size(); ++i) {
        if (pr.x[i] >= recall)
            best = std::max(best, pr.y[i]);
    }
    return best;
}

nlohmann::json finiteOrNull(double v)
{
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json curvesJson(std::string_view type, const std::vector<Curve> &curves)
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto &c : curves) {
        nlohmann::json x = nlohmann::json::array();
        nlohmann::json y = nlohmann::json::array();
        for (double v : c.x)
            x.push_back(finiteOrNull(v));
        for (double v : c.y)
            y.push_back(finiteOrNull(v));
        list.push_back({{"label", c.label}, {"x", std::move(x)}, {"y", std::move(y)}});
    }
    return {{"schema_type", std::string(type)}, {"schema_version", "1.0.0"}, {"data", {{"curves", std::move(list)}}}};
}

nlohmann::json confusionJson(const ClassificationCharts &charts)
{
    return {{"schema_type", "confusion_matrix"},
            {"schema_version", "1.0.0"},
            {"data", {{"class_labels", charts.classLabels}, {"matrix", charts.confusion}}}};
}

std::vector<double> averageRanks(const std::vector<double> &values)
{
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(values.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j < order.size() && values[order[j]] == values[order[i]])
            ++j;
        const double average = (static_cast<double>(i) + static_cast<double>(j - 1)) / 2.0 + 1.0;
        for (std::size_t k = i; k < j; ++k)
            ranks[order[k]] = average;
        i = j;
    }
    return ranks;
}

double pearson(const std::vector<double> &a, const std::vector<double> &b)
{
    const double n = static_cast<double>(a.size());
    double ma = 0, mb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ma += a[i];
        mb += b[i];
    }
    ma /= n;
    mb /= n;
    double cov = 0, va = 0, vb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        cov += (a[i] - ma) * (b[i] - mb);
        va += (a[i] - ma) * (a[i] - ma);
        vb += (b[i] - mb) * (b[i] - mb);
    }
    return va > 0 && vb > 0 ? cov / std::sqrt(va * vb) : std::nan("");
}

} // namespace

int ClassPredictions::predicted(std::size_t row) const
{
    const double *p = probabilities.data() + row * classCount;
    std::size_t best = 0;
    for (std::size_t k = 1; k < classCount; ++k) {
        if (p[k] > p[best])
            best = k;
    }
    return static_cast<int>(best);
}

const std::vector<std::string_view> &classificationMetricNames()
{
    static const std::vector<std::string_view> names = {
        metric::kAucMacro, metric::kAucMicro, metric::kAucWeighted, metric::kAccuracy,
        metric::kAveragePrecisionMacro, metric::kAveragePrecisionMicro, metric::kAveragePrecisionWeighted,
        metric::kBalancedAccuracy, metric::kF1Macro, metric::kF1Micro, metric::kF1Weighted, metric::kLogLoss,
        metric::kMatthewsCorrelation, metric::kNormMacroRecall, metric::kPrecisionMacro, metric::kPrecisionMicro,
        metric::kPrecisionWeighted, metric::kRecallMacro, metric::kRecallMicro, metric::kRecallWeighted,
        metric::kWeightedAccuracy};
    return names;
}

bool higherIsBetter(std::string_view name)
{
    return !(name == metric::kLogLoss || name == metric::kRmse || name == metric::kMae ||
             name == metric::kNormalizedRmse);
}

double rocAuc(const std::vector<int> &positive, const std::vector<double> &scores)
{
    // Mann-Whitney U with average ranks for ties: the same value as the trapezoidal
    // area under sklearn's ROC curve.
    const std::vector<double> ranks = averageRanks(scores);
    double P = 0;
    double rankSum = 0;
    for (std::size_t i = 0; i < positive.size(); ++i) {
        if (positive[i]) {
            P += 1;
            rankSum += ranks[i];
        }
    }
    const double N = static_cast<double>(positive.size()) - P;
    if (P == 0 || N == 0)
        return 0.5;
    return (rankSum - P * (P + 1) / 2) / (P * N);
}

Result<std::map<std::string, double>> classificationMetrics(const ClassPredictions &predictions)
{
    if (auto error = validate(predictions))
        return *error;
    std::map<std::string, double> out;
    const auto support = supportOf(predictions);
    addConfusionMetrics(predictions, confusionOf(predictions), out);
    addAuc(predictions, support, out);
    addAveragePrecision(predictions, support, out);
    out[std::string(metric::kLogLoss)] = logLoss(predictions);
    return out;
}

Result<double> classificationMetric(std::string_view name, const ClassPredictions &predictions)
{
    if (auto error = validate(predictions))
        return *error;
    const auto &names = classificationMetricNames();
    if (std::find(names.begin(), names.end(), name) == names.end())
        return Error{"unknown metric '" + std::string(name) + "'"};
    std::map<std::string, double> out;
    if (name.substr(0, 3) == "AUC") {
        addAuc(predictions, supportOf(predictions), out);
    } else if (name.substr(0, 17) == "average_precision") {
        addAveragePrecision(predictions, supportOf(predictions), out);
    } else if (name == metric::kLogLoss) {
        return logLoss(predictions);
    } else {
        addConfusionMetrics(predictions, confusionOf(predictions), out);
    }
    return out.at(std::string(name));
}

Result<std::map<std::string, double>> regressionMetrics(const std::vector<double> &truth,
                                                        const std::vector<double> &predictions)
{
    if (truth.empty())
        return Error{"metrics need at least one row"};
    if (truth.size() != predictions.size())
        return Error{"metrics: " + std::to_string(predictions.size()) + " predictions for " +
                     std::to_string(truth.size()) + " rows"};
    const double n = static_cast<double>(truth.size());
    double mean = 0;
    for (double t : truth)
        mean += t;
    mean /= n;
    double ssRes = 0, ssTot = 0, absolute = 0;
    for (std::size_t i = 0; i < truth.size(); ++i) {
        const double e = truth[i] - predictions[i];
        ssRes += e * e;
        ssTot += (truth[i] - mean) * (truth[i] - mean);
        absolute += std::fabs(e);
    }
    const auto [lo, hi] = std::minmax_element(truth.begin(), truth.end());
    std::map<std::string, double> out;
    const double rmse = std::sqrt(ssRes / n);
    out[std::string(metric::kR2)] = ssTot > 0 ? 1 - ssRes / ssTot : (ssRes == 0 ? 1.0 : 0.0);
    out[std::string(metric::kRmse)] = rmse;
    out[std::string(metric::kMae)] = absolute / n;
    out[std::string(metric::kNormalizedRmse)] = *hi > *lo ? rmse / (*hi - *lo) : std::nan("");
    out[std::string(metric::kSpearman)] = pearson(averageRanks(truth), averageRanks(predictions));
    return out;
}

Result<ClassificationCharts> classificationCharts(const ClassPredictions &predictions,
                                                  const std::vector<std::string> &classLabels)
{
    if (auto error = validate(predictions))
        return *error;
    if (classLabels.size() != predictions.classCount) {
        return Error{"charts: " + std::to_string(classLabels.size()) + " class labels for " +
                     std::to_string(predictions.classCount) + " classes"};
    }
    const ClassPredictions &p = predictions;
    const std::size_t n = p.truth.size();
    ClassificationCharts charts;
    charts.classLabels = classLabels;
    charts.confusion = confusionOf(p).matrix;
    const auto support = supportOf(p);

    std::vector<Curve> fullRoc, fullPr;
    for (std::size_t k = 0; k < p.classCount; ++k) {
        const auto positive = oneVsRest(p, k);
        const auto scores = columnOf(p, k);
        fullRoc.push_back(rocCurve(classLabels[k], positive, scores));
        fullPr.push_back(prCurve(classLabels[k], positive, scores));

        // Calibration: equal-width probability bins; bins without rows are left out.
        Curve calibration;
        calibration.label = classLabels[k];
        std::vector<double> sum(kCalibrationBins, 0), hits(kCalibrationBins, 0), count(kCalibrationBins, 0);
        const double edgeStep = 1.0 / static_cast<double>(kCalibrationBins);
        for (std::size_t r = 0; r < n; ++r) {
            // sklearn's calibration_curve: a value on an edge belongs to the lower bin.
            const double s = std::clamp(scores[r], 0.0, 1.0);
            std::size_t bin = 0;
            while (bin + 1 < kCalibrationBins && static_cast<double>(bin + 1) * edgeStep < s)
                ++bin;
            sum[bin] += s;
            hits[bin] += positive[r];
            count[bin] += 1;
        }
        for (std::size_t b = 0; b < kCalibrationBins; ++b) {
            if (count[b] > 0) {
                calibration.x.push_back(sum[b] / count[b]);
                calibration.y.push_back(hits[b] / count[b]);
            }
        }
        charts.calibration.push_back(std::move(calibration));

        // Gains and lift: rows by descending probability, per percentile of rows.
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
        std::vector<double> captured(n + 1, 0);
        for (std::size_t i = 0; i < n; ++i)
            captured[i + 1] = captured[i] + positive[order[i]];
        const double total = captured[n];
        Curve gains, lift;
        gains.label = lift.label = classLabels[k];
        gains.x.push_back(0);
        gains.y.push_back(0);
        for (std::size_t pct = 1; pct <= kGainPercentiles; ++pct) {
            const auto top = static_cast<std::size_t>(std::ceil(static_cast<double>(pct) * static_cast<double>(n) / 100.0));
            const double share = total > 0 ? captured[std::min(top, n)] / total : 0.0;
            gains.x.push_back(static_cast<double>(pct));
            gains.y.push_back(share);
            lift.x.push_back(static_cast<double>(pct));
            lift.y.push_back(share / (static_cast<double>(pct) / 100.0));
        }
        charts.cumulativeGains.push_back(std::move(gains));
        charts.lift.push_back(std::move(lift));
    }

    // Micro: the flattened one-hot matrix; macro: class curves averaged on a common grid.
    std::vector<int> flatTruth(n * p.classCount, 0);
    for (std::size_t r = 0; r < n; ++r)
        flatTruth[r * p.classCount + static_cast<std::size_t>(p.truth[r])] = 1;
    Curve microRoc = rocCurve("micro", flatTruth, p.probabilities);
    Curve microPr = prCurve("micro", flatTruth, p.probabilities);
    Curve macroRoc, macroPr;
    macroRoc.label = macroPr.label = "macro";
    std::size_t present = 0;
    for (std::size_t k = 0; k < p.classCount; ++k)
        present += support[k] > 0 ? 1 : 0;
    for (std::size_t i = 0; i < kMaxCurvePoints; ++i) {
        const double x = static_cast<double>(i) / static_cast<double>(kMaxCurvePoints - 1);
        double roc = 0, pr = 0;
        for (std::size_t k = 0; k < p.classCount; ++k) {
            if (support[k] == 0)
                continue;
            roc += interpolate(fullRoc[k], x);
            pr += interpolatedPrecision(fullPr[k], x);
        }
        macroRoc.x.push_back(x);
        macroRoc.y.push_back(present > 0 ? roc / static_cast<double>(present) : 0.0);
        macroPr.x.push_back(x);
        macroPr.y.push_back(present > 0 ? pr / static_cast<double>(present) : 0.0);
    }
    for (auto &c : fullRoc)
        charts.roc.push_back(downsample(std::move(c)));
    for (auto &c : fullPr)
        charts.precisionRecall.push_back(downsample(std::move(c)));
    charts.roc.push_back(downsample(std::move(microRoc)));
    charts.roc.push_back(std::move(macroRoc));
    charts.precisionRecall.push_back(downsample(std::move(microPr)));
    charts.precisionRecall.push_back(std::move(macroPr));
    return charts;
}

std::string confusionMatrixJson(const ClassificationCharts &charts)
{
    return confusionJson(charts).dump();
}

std::string chartsJson(const ClassificationCharts &charts)
{
    nlohmann::json j;
    j["confusion_matrix"] = confusionJson(charts);
    j["roc_curve"] = curvesJson("roc_curve", charts.roc);
    j["precision_recall_curve"] = curvesJson("precision_recall_curve", charts.precisionRecall);
    j["calibration_curve"] = curvesJson("calibration_curve", charts.calibration);
    j["lift_curve"] = curvesJson("lift_curve", charts.lift);
    j["cumulative_gains_curve"] = curvesJson("cumulative_gains_curve", charts.cumulativeGains);
    return j.dump();
}

std::string metricsJson(const std::map<std::string, double> &metrics)
{
    nlohmann::json j = nlohmann::json::object();
    for (const auto &[name, value] : metrics)
        j[name] = finiteOrNull(value);
    return j.dump();
}

} // namespace cerulean::automl
