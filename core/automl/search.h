#pragma once

// Cost-frugal hyperparameter search in the spirit of FLAML (Wang et al., 2021): every
// learner starts at its low-cost configuration, a short portfolio of strong known
// configurations follows, then a randomized local search (FLOW2) moves around each
// learner's best point, and the learner to spend on next is drawn with probability
// inversely proportional to its estimated cost for improvement (ECI). All choices come
// from one seeded generator and deterministic cost estimates, so the sequence of
// proposals depends only on the seed and the reported scores.

#include "core/automl/learners.h"

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace cerulean::automl {

struct Proposal final
{
    std::size_t learner = 0; // index into the searcher's learners
    std::string kind;
    HyperParams params;
    std::string origin; // "initial", "portfolio", "local"
    std::vector<double> point; // normalized coordinates (local search bookkeeping)
    int direction = 0;         // +1 / -1: which side of the incumbent a local move tried
    std::vector<double> step;  // the move, for trying its opposite
};

class Searcher final
{
public:
    Searcher(std::vector<const LearnerInfo *> learners, std::uint64_t seed);

    // The next configuration to train. Never empty while at least one learner exists.
    Proposal next();
    // A finished trial: score is the primary metric oriented so higher is better
    // (NaN when the trial failed).
    void report(const Proposal &proposal, double score);

    // Maps normalized coordinates to hyperparameters (integers rounded) and back.
    static HyperParams decode(const LearnerInfo &info, const std::vector<double> &point);
    static std::vector<double> encode(const LearnerInfo &info, const HyperParams &params);

private:
    struct LearnerState
    {
        const LearnerInfo *info = nullptr;
        std::vector<double> incumbent;
        double best = -1e300;
        double first = -1e300;
        int trials = 0;
        int sinceImprovement = 0;
        double stepSize = 0.1;
        double spent = 0; // estimated cost units spent
        std::vector<double> pendingOpposite; // a failed move's mirror image, tried next
        bool hasResult = false;
    };

    Proposal localMove(std::size_t index);
    std::size_t pickLearner();

    std::vector<LearnerState> m_states;
    std::vector<Proposal> m_queue; // initial and portfolio configurations, in order
    std::size_t m_queued = 0;
    double m_globalBest = -1e300;
    std::mt19937_64 m_rng;
};

} // namespace cerulean::automl
