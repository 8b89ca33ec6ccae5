#include "core/automl/search.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cerulean::automl {
namespace {

constexpr double kInitialStep = 0.1;
constexpr double kMinStep = 0.01;
constexpr double kStepShrink = 0.75;
constexpr double kStepGrow = 1.25;
constexpr double kMaxStep = 0.5;
constexpr double kGapUnit = 0.002; // share of the best score that counts as one unit of gap
constexpr double kMaxGap = 30;     // in gap units: exp(30) is as good as never
constexpr std::size_t kLeadingPortfolio = 3;

double toUnit(const ParamSpec &spec, double value)
{
    value = std::clamp(value, spec.low, spec.high);
    if (spec.high <= spec.low)
        return 0;
    if (spec.logScale)
        return (std::log(value) - std::log(spec.low)) / (std::log(spec.high) - std::log(spec.low));
    return (value - spec.low) / (spec.high - spec.low);
}

double fromUnit(const ParamSpec &spec, double unit)
{
    unit = std::clamp(unit, 0.0, 1.0);
    double value = spec.logScale ? std::exp(std::log(spec.low) + unit * (std::log(spec.high) - std::log(spec.low)))
                                 : spec.low + unit * (spec.high - spec.low);
    if (spec.integer)
        value = std::round(value);
    else // a readable leaderboard: 4 significant digits
        value = std::stod([&] {
            char buffer[32];
            std::snprintf(buffer, sizeof buffer, "%.4g", value);
            return std::string(buffer);
        }());
    return std::clamp(value, spec.low, spec.high);
}

} // namespace

HyperParams Searcher::decode(const LearnerInfo &info, const std::vector<double> &point)
{
    HyperParams params = info.fixed;
    for (std::size_t i = 0; i < info.space.size(); ++i)
        params[info.space[i].name] = fromUnit(info.space[i], i < point.size() ? point[i] : 0.0);
    return params;
}

std::vector<double> Searcher::encode(const LearnerInfo &info, const HyperParams &params)
{
    std::vector<double> point;
    for (const auto &spec : info.space) {
        const auto it = params.find(spec.name);
        point.push_back(toUnit(spec, it == params.end() ? spec.low : it->second));
    }
    return point;
}

Searcher::Searcher(std::vector<const LearnerInfo *> learners, std::uint64_t seed) : m_rng(seed)
{
    for (const LearnerInfo *info : learners) {
        LearnerState state;
        state.info = info;
        state.incumbent = encode(*info, info->cheapInit);
        state.stepSize = kInitialStep;
        m_states.push_back(std::move(state));
    }
    auto enqueue = [&](std::size_t index, const HyperParams &params, const char *origin) {
        Proposal p;
        p.learner = index;
        p.kind = m_states[index].info->kind;
        p.point = encode(*m_states[index].info, params);
        p.params = decode(*m_states[index].info, p.point);
        p.origin = origin;
        m_queue.push_back(std::move(p));
    };
    // Cheap starting points first: a usable model within seconds, and a cost measure.
    for (std::size_t i = 0; i < m_states.size(); ++i)
        enqueue(i, m_states[i].info->cheapInit, "initial");
    // Then the portfolio: the first configuration of each learner that has one, the most
    // promising family (the catalog's first, boosted trees) first and again in between, as
    // boosted trees are where the time usually pays.
    std::vector<std::size_t> next(m_states.size(), 0);
    // The leading family's strongest configurations come before the other families' (a
    // forest's portfolio entry can hold a worker for a quarter of a one-minute budget).
    for (; next[0] < std::min(kLeadingPortfolio, m_states[0].info->portfolio.size()); ++next[0])
        enqueue(0, m_states[0].info->portfolio[next[0]], "portfolio");
    for (bool any = true; any;) {
        any = false;
        for (std::size_t i = 0; i < m_states.size(); ++i) {
            const auto &portfolio = m_states[i].info->portfolio;
            if (next[i] < portfolio.size()) {
                enqueue(i, portfolio[next[i]++], "portfolio");
                any = true;
            }
            if (i > 0 && next[0] < m_states[0].info->portfolio.size()) {
                enqueue(0, m_states[0].info->portfolio[next[0]++], "portfolio");
                any = true;
            }
        }
    }
}

Proposal Searcher::next()
{
    if (m_queued < m_queue.size())
        return m_queue[m_queued++];
    return localMove(pickLearner());
}

std::size_t Searcher::pickLearner()
{
    std::vector<double> weights(m_states.size(), 0.0);
    double total = 0;
    for (std::size_t i = 0; i < m_states.size(); ++i) {
        const LearnerState &s = m_states[i];
        if (!s.hasResult || s.best <= -1e299)
            continue;
        const double cost = std::max(1e-3, estimatedCost(*s.info, decode(*s.info, s.incumbent)));
        // Behind the leader: the gap is measured in units of 0.2 % of the best score and
        // weighs exponentially, so a cheap learner far behind (a linear model 2 % under the
        // boosted trees) is almost never picked again while one close behind keeps a fair
        // share. A linear penalty let cheap linear models take most of a short budget.
        const double scale = std::max(std::abs(m_globalBest) * kGapUnit, 1e-6);
        const double gap = std::min(kMaxGap, std::max(0.0, m_globalBest - s.best) / scale);
        const double eci = cost * (1.0 + 0.5 * s.sinceImprovement) * std::exp(gap);
        weights[i] = 1.0 / eci;
        total += weights[i];
    }
    if (total <= 0) {
        std::uniform_int_distribution<std::size_t> any(0, m_states.size() - 1);
        return any(m_rng);
    }
    std::uniform_real_distribution<double> uniform(0.0, total);
    double r = uniform(m_rng);
    for (std::size_t i = 0; i < weights.size(); ++i) {
        if (r < weights[i])
            return i;
        r -= weights[i];
    }
    return m_states.size() - 1;
}

Proposal Searcher::localMove(std::size_t index)
{
    LearnerState &s = m_states[index];
    Proposal p;
    p.learner = index;
    p.kind = s.info->kind;
    p.origin = "local";
    const std::size_t d = s.incumbent.size();
    std::vector<double> step(d, 0.0);
    if (!s.pendingOpposite.empty() && s.pendingOpposite.size() == d) {
        step = s.pendingOpposite;
        s.pendingOpposite.clear();
        p.direction = -1;
    } else {
        std::normal_distribution<double> normal;
        double norm = 0;
        for (double &v : step) {
            v = normal(m_rng);
            norm += v * v;
        }
        norm = std::sqrt(std::max(norm, 1e-12));
        const double length = s.stepSize * std::sqrt(static_cast<double>(std::max<std::size_t>(d, 1)));
        for (double &v : step)
            v = v / norm * length;
        p.direction = 1;
    }
    p.step = step;
    p.point.resize(d);
    for (std::size_t i = 0; i < d; ++i)
        p.point[i] = std::clamp(s.incumbent[i] + step[i], 0.0, 1.0);
    p.params = decode(*s.info, p.point);
    return p;
}

void Searcher::report(const Proposal &proposal, double score)
{
    if (proposal.learner >= m_states.size())
        return;
    LearnerState &s = m_states[proposal.learner];
    ++s.trials;
    s.spent += estimatedCost(*s.info, proposal.params);
    const bool ok = std::isfinite(score);
    if (ok && !s.hasResult)
        s.first = score;
    if (ok)
        s.hasResult = true;
    if (ok && score > s.best) {
        s.best = score;
        s.incumbent = proposal.point;
        s.sinceImprovement = 0;
        s.pendingOpposite.clear();
        if (proposal.origin == "local")
            s.stepSize = std::min(kMaxStep, s.stepSize * kStepGrow);
    } else if (proposal.origin == "local") {
        if (proposal.direction > 0) {
            s.pendingOpposite.resize(proposal.step.size());
            for (std::size_t i = 0; i < proposal.step.size(); ++i)
                s.pendingOpposite[i] = -proposal.step[i];
        } else {
            ++s.sinceImprovement;
            s.stepSize = std::max(kMinStep, s.stepSize * kStepShrink);
        }
    }
    if (ok)
        m_globalBest = std::max(m_globalBest, score);
}

} // namespace cerulean::automl
