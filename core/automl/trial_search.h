#pragma once

// The search phase of a run: worker threads train the configurations one Searcher proposes
// and keep the best trials. Internal to core/automl (run_state.h's phases).

#include "core/automl/run_state.h"
#include "core/automl/search.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cerulean::automl::phases {

// What the search hands to the phases after it.
struct SearchOutcome final
{
    std::vector<TrialResult> trials; // in finishing order
    std::vector<Candidate> kept;     // the best trials, best first
    int started = 0;                 // trial ids given out; the ensembles' ids follow
    double bestOriented = -std::numeric_limits<double>::infinity();
    int bestId = -1;
    std::string stopReason; // "timeout", "max_trials", "early_termination", "canceled"; empty if none
};

// settings.maxConcurrentTrials workers, the calling thread one of them, each taking the next
// proposal, training it on every fold and recording it. What the workers share:
//  - the run (RunState): only read while the search runs;
//  - m_shared: the searcher, the results so far and the stop decision, under m_mutex, which
//    also serializes the progress callback;
//  - m_trialsEnd: when running trials must stop (the refit needs the rest of the budget).
//    Atomic, because learners read it while they train; written under m_mutex.
// A trial being trained (its models and predictions) belongs to its worker until recorded.
class TrialSearch final
{
public:
    explicit TrialSearch(const RunState &run);
    TrialSearch(const TrialSearch &) = delete;
    TrialSearch &operator=(const TrialSearch &) = delete;

    // Runs the workers until a stop condition and returns what they found.
    SearchOutcome run();

private:
    // A trial a worker has taken: the configuration, its id and the latest it may end.
    struct Claim
    {
        Proposal proposal;
        int id = 0;
        Clock::time_point deadline;
    };
    struct Trained
    {
        TrialResult trial;
        Candidate candidate;
    };
    struct Shared
    {
        explicit Shared(Searcher s) : searcher(std::move(s)) {}

        Searcher searcher;
        SearchOutcome outcome;
        int sinceImprovement = 0;
        bool stop = false;
        std::chrono::milliseconds refitEstimate{0};
    };

    void work();
    std::optional<Claim> claim();
    Trained train(const Claim &claim) const;
    void trainOnFolds(const Claim &claim, const TrainOptions &options, Trained &trained) const;
    void score(Trained &trained) const;
    void record(const Claim &claim, Trained trained);
    void keep(Candidate candidate);   // m_mutex held
    void updateRefitEstimate();       // m_mutex held

    const RunState &m_run;
    std::mutex m_mutex;
    Shared m_shared; // guarded by m_mutex
    std::atomic<Clock::rep> m_trialsEnd;
};

} // namespace cerulean::automl::phases
