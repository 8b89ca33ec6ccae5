// The refit phase of a run: validation chose the configuration; the model that ships learns
// from every training row. Members train side by side; one that cannot finish before the
// deadline keeps its searched model (a model cut short would be weaker than the one validated).

#include "core/automl/run_state.h"

#include "core/automl/learners_internal.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace cerulean::automl::phases {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// XGBoost's rounds found by early stopping grow with the rows they are refit on, at most
// by this factor (a 3-fold cross-validation trains on two thirds of the rows).
constexpr double kMaxRoundsGrowth = 1.5;
constexpr std::uint64_t kRefitSeedOffset = 7919;
// Seeds of one member are this far apart, members' seeds one apart.
constexpr std::uint64_t kRefitSeedStride = 1000;
// Boosted-tree members of the refit model can be trained with several seeds (row and column
// subsampling differ) and averaged. One for now: a second seed doubles the member's refit
// time and its scoring cost, and in one-minute Bank Marketing runs it did not raise the
// validation-chosen model measurably. A fixed count, so the result does not depend on the cores.
constexpr int kRefitSeeds = 1;

// One member trained with one seed. Jobs run by expected value, the member's weight over its
// seed's position: a heavy member's second seed before a light member's first; when time runs
// short the refits that matter most are done.
struct RefitJob
{
    std::size_t member = 0;
    int seed = 0;
    double priority = 0;
    milliseconds estimate{0}; // the member's searched trial time, scaled like the refit estimate
};

// The searched trial's time of a member (its models are the kept candidate's); -1 if unknown.
milliseconds searchedTime(const RunState &run, const ModelMember &member)
{
    for (const auto &c : run.kept)
        if (!c.member.bag.empty() && !member.bag.empty() && c.member.bag.front() == member.bag.front())
            return c.duration;
    return milliseconds{-1};
}

std::vector<RefitJob> planRefitJobs(const RunState &run, const Predictor &refitted, double growth)
{
    std::vector<RefitJob> jobs;
    for (std::size_t m = 0; m < refitted.members.size(); ++m) {
        const double weight = m < refitted.weights.size() ? refitted.weights[m] : 1.0;
        const milliseconds searched = searchedTime(run, refitted.members[m]);
        const milliseconds estimate = searched < milliseconds::zero()
                                          ? milliseconds::max()
                                          : duration_cast<milliseconds>(searched * growth * kRefitTimeMargin);
        for (int s = 0; s < refitSeeds(refitted.members[m].algorithm); ++s)
            jobs.push_back(RefitJob{m, s, weight / static_cast<double>(s + 1), estimate});
    }
    std::stable_sort(jobs.begin(), jobs.end(),
                     [](const RefitJob &a, const RefitJob &b) { return a.priority > b.priority; });
    return jobs;
}

// Trains the jobs on up to totalThreads threads, the calling one included. Shared between
// them: m_nextJob, the next job to take (atomic); m_trained[j], written only by the worker
// that took job j and read after all are joined. Everything else is only read.
class RefitWorkers final
{
public:
    RefitWorkers(const RunState &run, const Predictor &refitted, const std::vector<RefitJob> &jobs, double growth,
                 Clock::time_point deadline)
        : m_run(run), m_refitted(refitted), m_jobs(jobs), m_growth(growth), m_deadline(deadline),
          m_parallel(std::clamp(static_cast<int>(jobs.size()), 1, run.budget.totalThreads)),
          m_threadsEach(run.budget.smallData ? 1 : std::max(1, run.budget.totalThreads / m_parallel)),
          m_trained(jobs.size())
    {
    }

    // The learner of each job in job order; null where it did not finish complete.
    std::vector<std::shared_ptr<const Learner>> run()
    {
        std::vector<std::thread> pool;
        for (int i = 1; i < m_parallel; ++i)
            pool.emplace_back([this] { work(); });
        work();
        for (auto &t : pool)
            t.join();
        return std::move(m_trained);
    }

private:
    void work()
    {
        for (std::size_t j = m_nextJob++; j < m_jobs.size(); j = m_nextJob++) {
            // An extra seed is optional: it starts only when it can finish, so it never
            // takes the cores from a member's only refit and then gets thrown away.
            const RefitJob &job = m_jobs[j];
            if (job.seed > 0 &&
                (job.estimate == milliseconds::max() || Clock::now() + job.estimate > m_deadline))
                continue;
            m_trained[j] = train(job);
        }
    }

    std::shared_ptr<const Learner> train(const RefitJob &job) const
    {
        const ModelMember &member = m_refitted.members[job.member];
        HyperParams params = member.params;
        const auto rounds = params.find("n_estimators");
        double wanted = 0;
        if (rounds != params.end()) {
            if (member.algorithm == "XGBoostClassifier")
                rounds->second = std::max(1.0, std::round(rounds->second * m_growth));
            wanted = rounds->second;
        }
        const FeatureMatrix &features = m_run.features;
        TrainInput input;
        input.x = DenseView{features.values.data(), features.rows, features.cols};
        input.y = m_run.labels;
        input.numClasses = m_run.classes;
        TrainOptions options;
        options.threads = m_threadsEach;
        options.seed = m_run.settings.seed + kRefitSeedOffset + job.member +
                       kRefitSeedStride * static_cast<std::uint64_t>(job.seed);
        options.deadline = m_deadline;
        options.cancel = m_run.cancel.flag();
        std::string error;
        auto learner = trainLearner(member.algorithm, params, input, options, error);
        if (!learner || m_run.cancel.canceled())
            return nullptr;
        const bool complete = wanted > 0 ? detail::param(learner->effectiveParams(), "n_estimators", 0) >= wanted
                                         : Clock::now() < m_deadline;
        return complete ? std::shared_ptr<const Learner>(std::move(learner)) : nullptr;
    }

    const RunState &m_run;
    const Predictor &m_refitted;
    const std::vector<RefitJob> &m_jobs;
    const double m_growth;
    const Clock::time_point m_deadline;
    const int m_parallel;
    const int m_threadsEach;
    std::atomic<std::size_t> m_nextJob{0};
    std::vector<std::shared_ptr<const Learner>> m_trained;
};

// Each member takes its refit learners (in seed order), or keeps its searched ones.
void takeRefits(RunState &run, Predictor &refitted, const std::vector<RefitJob> &jobs,
                const std::vector<std::shared_ptr<const Learner>> &trained)
{
    for (std::size_t m = 0; m < refitted.members.size(); ++m) {
        std::vector<std::pair<int, std::shared_ptr<const Learner>>> seeds;
        for (std::size_t j = 0; j < jobs.size(); ++j)
            if (jobs[j].member == m && trained[j])
                seeds.emplace_back(jobs[j].seed, trained[j]);
        if (seeds.empty()) {
            ++run.result.refitSkipped;
            continue;
        }
        std::sort(seeds.begin(), seeds.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
        ModelMember &member = refitted.members[m];
        member.params = seeds.front().second->effectiveParams();
        member.bag.clear();
        for (auto &[seed, learner] : seeds)
            member.bag.push_back(std::move(learner));
        ++run.result.refitMembers;
    }
}

} // namespace

int refitSeeds(const std::string &algorithm)
{
    return algorithm == "XGBoostClassifier" ? kRefitSeeds : 1;
}

void refitBest(RunState &run)
{
    if (!run.budget.refit || run.result.canceled || run.folds.empty())
        return;
    auto refitted = std::make_shared<Predictor>(*run.bestPredictor);
    const double foldRows = static_cast<double>(std::max<std::size_t>(run.folds.front().trainY.size(), 1));
    const double growth = std::clamp(static_cast<double>(run.features.rows) / foldRows, 1.0, kMaxRoundsGrowth);
    const auto deadline = std::max(run.deadline - run.budget.reserve / 2, Clock::now());
    const std::vector<RefitJob> jobs = planRefitJobs(run, *refitted, growth);
    const auto trained = RefitWorkers(run, *refitted, jobs, growth, deadline).run();
    takeRefits(run, *refitted, jobs, trained);
    if (run.result.refitMembers > 0)
        run.bestPredictor = std::move(refitted);
}

} // namespace cerulean::automl::phases
