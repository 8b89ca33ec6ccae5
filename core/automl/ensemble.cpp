#include "core/automl/ensemble.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace cerulean::automl {

void ModelMember::predictProba(DenseView x, std::span<double> out) const
{
    if (bag.size() == 1) {
        bag.front()->predictProba(x, out);
        return;
    }
    std::fill(out.begin(), out.end(), 0.0);
    std::vector<double> part(out.size());
    for (const auto &learner : bag) {
        learner->predictProba(x, part);
        for (std::size_t i = 0; i < out.size(); ++i)
            out[i] += part[i];
    }
    const double inv = 1.0 / static_cast<double>(bag.size());
    for (double &v : out)
        v *= inv;
}

std::string Predictor::name() const
{
    switch (kind) {
    case Kind::Voting:
        return "VotingEnsemble";
    case Kind::Stacking:
        return "StackEnsemble";
    case Kind::Single:
        break;
    }
    return members.empty() ? std::string() : members.front().displayName;
}

std::vector<float> stackFeatures(const std::vector<const std::vector<double> *> &memberProba, std::size_t rows,
                                 int classes)
{
    const std::size_t k = static_cast<std::size_t>(classes);
    const std::size_t per = classes == 2 ? 1 : k;
    const std::size_t cols = per * memberProba.size();
    std::vector<float> features(rows * cols);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t m = 0; m < memberProba.size(); ++m)
            for (std::size_t c = 0; c < per; ++c)
                features[r * cols + m * per + c] =
                    static_cast<float>((*memberProba[m])[r * k + (classes == 2 ? 1 : c)]);
    return features;
}

void Predictor::predictProba(DenseView x, std::span<double> out) const
{
    const std::size_t k = static_cast<std::size_t>(classes);
    if (kind == Kind::Single || members.size() == 1) {
        members.front().predictProba(x, out);
        return;
    }
    std::vector<std::vector<double>> memberOut(members.size(), std::vector<double>(x.rows * k));
    for (std::size_t m = 0; m < members.size(); ++m)
        members[m].predictProba(x, memberOut[m]);
    if (kind == Kind::Voting) {
        // Callers may pass a buffer sized for more rows than x holds; only x.rows * k is ours.
        const std::size_t used = std::min(out.size(), x.rows * k);
        std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(used), 0.0);
        for (std::size_t m = 0; m < members.size(); ++m)
            for (std::size_t i = 0; i < used; ++i)
                out[i] += weights[m] * memberOut[m][i];
        return;
    }
    std::vector<const std::vector<double> *> pointers;
    for (const auto &v : memberOut)
        pointers.push_back(&v);
    const std::vector<float> features = stackFeatures(pointers, x.rows, classes);
    metaLearner->predictProba(DenseView{features.data(), x.rows, features.size() / std::max<std::size_t>(x.rows, 1)},
                              out);
}

CaruanaResult caruanaSelect(const std::vector<const std::vector<double> *> &proba, const std::vector<double> &scores,
                            const ScoreFunction &score, const CaruanaOptions &options)
{
    CaruanaResult result;
    if (proba.size() < 2)
        return result;
    std::vector<std::size_t> order(proba.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    const double best = scores[order.front()];
    std::vector<std::size_t> candidates;
    for (std::size_t i : order) {
        if (static_cast<int>(candidates.size()) >= options.maxCandidates)
            break;
        // "within 5 %": relative to the best score's distance from zero.
        if (scores[i] >= best - options.tolerance * std::abs(best))
            candidates.push_back(i);
    }
    if (candidates.size() < 2)
        return result;

    const std::size_t n = proba[candidates.front()]->size();
    std::vector<double> sum(n, 0.0);
    std::vector<int> counts(candidates.size(), 0);
    int total = 0;
    const int initial = std::clamp(options.initialSize, 1, static_cast<int>(candidates.size()));
    for (int i = 0; i < initial; ++i) {
        for (std::size_t j = 0; j < n; ++j)
            sum[j] += (*proba[candidates[static_cast<std::size_t>(i)]])[j];
        ++counts[static_cast<std::size_t>(i)];
        ++total;
    }
    std::vector<double> trial(n);
    for (std::size_t j = 0; j < n; ++j)
        trial[j] = sum[j] / static_cast<double>(total);
    double current = score(trial);
    std::vector<int> bestCounts = counts;
    int bestTotal = total;
    for (int iter = 0; iter < options.iterations; ++iter) {
        double bestScore = -std::numeric_limits<double>::infinity();
        std::size_t bestIndex = 0;
        for (std::size_t c = 0; c < candidates.size(); ++c) {
            const auto &p = *proba[candidates[c]];
            const double inv = 1.0 / static_cast<double>(total + 1);
            for (std::size_t j = 0; j < n; ++j)
                trial[j] = (sum[j] + p[j]) * inv;
            const double s = score(trial);
            if (s > bestScore) {
                bestScore = s;
                bestIndex = c;
            }
        }
        const auto &p = *proba[candidates[bestIndex]];
        for (std::size_t j = 0; j < n; ++j)
            sum[j] += p[j];
        ++counts[bestIndex];
        ++total;
        // Keep the best selection seen, so the ensemble is never worse on these rows than
        // its starting point, the best single model.
        if (bestScore > current + 1e-12) {
            current = bestScore;
            bestCounts = counts;
            bestTotal = total;
        }
    }
    for (std::size_t c = 0; c < candidates.size(); ++c) {
        if (bestCounts[c] == 0)
            continue;
        result.members.push_back(candidates[c]);
        result.weights.push_back(static_cast<double>(bestCounts[c]) / static_cast<double>(bestTotal));
    }
    result.score = current;
    return result;
}

} // namespace cerulean::automl
