#include "core/automl/trial_search.h"

#include "core/automl/learners_internal.h"

#include <algorithm>
#include <thread>

namespace cerulean::automl::phases {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Candidates for ensembles kept in memory: the best trials' models and predictions.
constexpr std::size_t kKeptCandidates = 12;

bool rankingMetric(const std::string &metric)
{
    return metric.rfind("AUC", 0) == 0 || metric.rfind("average_precision", 0) == 0;
}

} // namespace

TrialSearch::TrialSearch(const RunState &run)
    : m_run(run), m_shared(Searcher(run.learners, run.settings.seed)),
      m_trialsEnd(run.budget.searchEnd.time_since_epoch().count())
{
}

SearchOutcome TrialSearch::run()
{
    std::vector<std::thread> pool;
    for (int i = 1; i < m_run.budget.workers; ++i)
        pool.emplace_back([this] { work(); });
    work();
    for (auto &t : pool)
        t.join();
    return std::move(m_shared.outcome);
}

void TrialSearch::work()
{
    while (const std::optional<Claim> claimed = claim())
        record(*claimed, train(*claimed));
}

std::optional<TrialSearch::Claim> TrialSearch::claim()
{
    std::lock_guard lock(m_mutex);
    Shared &shared = m_shared;
    if (!shared.stop) {
        if (m_run.cancel.canceled()) {
            shared.stop = true;
            shared.outcome.stopReason = "canceled";
        } else if (shared.outcome.started >= m_run.settings.maxTrials) {
            shared.stop = true;
            shared.outcome.stopReason = "max_trials";
        } else if (Clock::now() + shared.refitEstimate >= m_run.budget.searchEnd) {
            shared.stop = true;
            shared.outcome.stopReason = "timeout";
        }
    }
    if (shared.stop)
        return std::nullopt;
    Claim claim;
    claim.proposal = shared.searcher.next();
    claim.id = ++shared.outcome.started;
    claim.deadline = m_run.budget.searchEnd;
    return claim;
}

TrialSearch::Trained TrialSearch::train(const Claim &claim) const
{
    const AutoMLSettings &settings = m_run.settings;
    const auto trialStart = Clock::now();
    TrainOptions options;
    options.threads = m_run.budget.threadsPerTrial;
    options.seed = settings.seed + static_cast<std::uint64_t>(claim.id);
    options.deadline = claim.deadline;
    if (settings.trialTimeout > milliseconds::zero())
        options.deadline = std::min(options.deadline, trialStart + settings.trialTimeout);
    options.cancel = m_run.cancel.flag();
    options.movingDeadline = &m_trialsEnd;

    const LearnerInfo *info = m_run.learners[claim.proposal.learner];
    Trained trained;
    TrialResult &trial = trained.trial;
    trial.id = claim.id;
    trial.algorithm = info->displayName;
    trial.learnerKind = info->kind;
    trial.params = claim.proposal.params;
    trial.origin = claim.proposal.origin;
    Candidate &candidate = trained.candidate;
    candidate.id = claim.id;
    candidate.member.algorithm = info->kind;
    candidate.member.displayName = info->displayName;
    candidate.evalProba.assign(m_run.evalTruth.size() * m_run.classCount(), 0.0);
    trainOnFolds(claim, options, trained);
    if (trial.status == TrialStatus::Completed && m_run.cancel.canceled())
        trial.status = TrialStatus::Canceled;
    if (trial.status == TrialStatus::Completed && m_run.folds.size() > 1) {
        // A bag of fold models: report the mean of the rounds XGBoost kept.
        double rounds = 0;
        for (const auto &l : candidate.member.bag)
            rounds += detail::param(l->effectiveParams(), "n_estimators", 0);
        if (trial.params.count("n_estimators"))
            trial.params["n_estimators"] = std::round(rounds / static_cast<double>(candidate.member.bag.size()));
    }
    candidate.member.params = trial.params;
    score(trained);
    const auto trialEnd = Clock::now();
    trial.duration = duration_cast<milliseconds>(trialEnd - trialStart);
    trial.finishedAt = duration_cast<milliseconds>(trialEnd - m_run.start);
    return trained;
}

// One model per fold; each fold's validation predictions go to their rows of the evaluation set.
void TrialSearch::trainOnFolds(const Claim &claim, const TrainOptions &options, Trained &trained) const
{
    const std::size_t k = m_run.classCount();
    const std::string &kind = m_run.learners[claim.proposal.learner]->kind;
    TrialResult &trial = trained.trial;
    Candidate &candidate = trained.candidate;
    for (const Fold &fold : m_run.folds) {
        TrainInput input;
        input.x = fold.trainX.view();
        input.y = fold.trainY;
        input.numClasses = m_run.classes;
        input.validX = fold.validX.view();
        input.validY = fold.validY;
        input.rankingMetric = rankingMetric(m_run.settings.primaryMetric);
        std::string error;
        auto learner = trainLearner(kind, claim.proposal.params, input, options, error);
        if (!learner) {
            trial.status = TrialStatus::Failed;
            trial.error = error;
            break;
        }
        std::vector<double> proba(fold.validX.rows * k);
        learner->predictProba(fold.validX.view(), proba);
        for (std::size_t i = 0; i < fold.evalPositions.size(); ++i)
            std::copy_n(proba.begin() + static_cast<std::ptrdiff_t>(i * k), k,
                        candidate.evalProba.begin() + static_cast<std::ptrdiff_t>(fold.evalPositions[i] * k));
        trial.params = learner->effectiveParams();
        candidate.member.bag.push_back(std::move(learner));
        if (m_run.cancel.canceled())
            break;
    }
}

// The primary metric and the other metrics on the validation rows, and on the test rows.
void TrialSearch::score(Trained &trained) const
{
    const RunState &run = m_run;
    TrialResult &trial = trained.trial;
    Candidate &candidate = trained.candidate;
    if (trial.status == TrialStatus::Completed) {
        Evaluated v = evaluate(run.evalTruth, candidate.evalProba, run.classes, run.classLabels,
                               run.settings.primaryMetric, true);
        trial.validationMetrics = std::move(v.metrics);
        trial.validationChartsJson = std::move(v.charts);
        trial.score = v.score;
        if (!std::isfinite(trial.score)) {
            trial.status = TrialStatus::Failed;
            trial.error = "the primary metric could not be computed";
        }
    }
    if (trial.status == TrialStatus::Completed && run.scoresTest()) {
        candidate.testProba.resize(run.testX.rows * run.classCount());
        candidate.member.predictProba(run.testX.view(), candidate.testProba);
        Evaluated t = evaluate(run.testTruth, candidate.testProba, run.classes, run.classLabels,
                               run.settings.primaryMetric, true);
        trial.testMetrics = std::move(t.metrics);
        trial.testChartsJson = std::move(t.charts);
    }
}

void TrialSearch::record(const Claim &claim, Trained trained)
{
    std::lock_guard lock(m_mutex);
    Shared &shared = m_shared;
    SearchOutcome &outcome = shared.outcome;
    const TrialResult &trial = trained.trial;
    const bool completed = trial.status == TrialStatus::Completed;
    shared.searcher.report(claim.proposal, completed ? m_run.orient(trial.score) : std::nan(""));
    if (completed) {
        Candidate &candidate = trained.candidate;
        candidate.oriented = m_run.orient(trial.score);
        candidate.duration = trial.duration;
        if (candidate.oriented > outcome.bestOriented + kMinImprovement) {
            outcome.bestOriented = candidate.oriented;
            outcome.bestId = claim.id;
            shared.sinceImprovement = 0;
        } else {
            ++shared.sinceImprovement;
        }
        keep(std::move(candidate));
        if (m_run.budget.refit)
            updateRefitEstimate();
    } else if (trial.status == TrialStatus::Failed) {
        ++shared.sinceImprovement;
    }
    outcome.trials.push_back(std::move(trained.trial));
    if (m_run.progress)
        m_run.progress(TrialEvent{outcome.trials.back(), m_run.higher ? outcome.bestOriented : -outcome.bestOriented,
                                  outcome.bestId});
    const int patience = m_run.settings.earlyTerminationTrials;
    if (!shared.stop && patience > 0 && shared.sinceImprovement >= patience) {
        shared.stop = true;
        outcome.stopReason = "early_termination";
    }
}

void TrialSearch::keep(Candidate candidate)
{
    std::vector<Candidate> &kept = m_shared.outcome.kept;
    kept.push_back(std::move(candidate));
    std::stable_sort(kept.begin(), kept.end(),
                     [](const Candidate &a, const Candidate &b) { return a.oriented > b.oriented; });
    if (kept.size() > kKeptCandidates)
        kept.pop_back();
}

// Members of the likely best model train side by side on the cores: the refit takes about as
// long as the longest of them, or their total time spread over the cores if that is longer.
void TrialSearch::updateRefitEstimate()
{
    const std::vector<Candidate> &kept = m_shared.outcome.kept;
    milliseconds longest{0}, total{0};
    for (std::size_t i = 0; i < std::min(kept.size(), kRefitEstimateMembers); ++i) {
        longest = std::max(longest, kept[i].duration);
        total += kept[i].duration * refitSeeds(kept[i].member.algorithm);
    }
    const auto estimate = std::max(longest, total / std::max(1, m_run.budget.totalThreads));
    m_shared.refitEstimate =
        std::min(m_run.budget.maxRefitTime, duration_cast<milliseconds>(estimate * kRefitTimeMargin));
    m_trialsEnd.store((m_run.budget.searchEnd - m_shared.refitEstimate).time_since_epoch().count());
}

std::optional<Error> search(RunState &run)
{
    SearchOutcome outcome = TrialSearch(run).run();
    run.result.trials = std::move(outcome.trials);
    run.kept = std::move(outcome.kept);
    run.lastTrialId = outcome.started;
    run.bestOriented = outcome.bestOriented;
    run.bestId = outcome.bestId;
    run.result.canceled = run.cancel.canceled();
    if (run.result.canceled)
        outcome.stopReason = "canceled";
    run.result.stopReason = outcome.stopReason;
    if (!run.kept.empty())
        return std::nullopt;
    std::string why = run.result.canceled ? "the run was canceled before any trial finished"
                                          : "no trial finished within the budget";
    for (const auto &t : run.result.trials)
        if (t.status == TrialStatus::Failed)
            why += "; last error: " + t.error;
    return Error{why};
}

} // namespace cerulean::automl::phases
