#include "core/automl/engine.h"

#include "core/automl/featurizer.h"
#include "core/automl/learners_internal.h"
#include "core/automl/metrics.h"
#include "core/automl/schema.h"
#include "core/automl/search.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <fstream>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include <unistd.h>

namespace cerulean::automl {

std::string_view toString(TrialStatus status)
{
    switch (status) {
    case TrialStatus::Completed:
        return "Completed";
    case TrialStatus::Failed:
        return "Failed";
    case TrialStatus::Canceled:
        return "Canceled";
    }
    return "Completed";
}

const TrialResult *RunResult::bestTrial() const
{
    for (const auto &t : trials)
        if (t.id == bestTrialId)
            return &t;
    return nullptr;
}

std::vector<const TrialResult *> RunResult::leaderboard() const
{
    const bool higher = higherIsBetter(settings.primaryMetric);
    std::vector<const TrialResult *> order;
    for (const auto &t : trials)
        order.push_back(&t);
    std::stable_sort(order.begin(), order.end(), [&](const TrialResult *a, const TrialResult *b) {
        const bool okA = a->status == TrialStatus::Completed && std::isfinite(a->score);
        const bool okB = b->status == TrialStatus::Completed && std::isfinite(b->score);
        if (okA != okB)
            return okA;
        if (!okA)
            return a->id < b->id;
        return higher ? a->score > b->score : a->score < b->score;
    });
    return order;
}

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Candidates for ensembles kept in memory: the best trials' models and predictions.
constexpr std::size_t kKeptCandidates = 12;
// Share of the budget kept for ensembles, explanations and writing the output.
constexpr double kReserveShare = 0.08;
constexpr milliseconds kMinReserve{1500};
constexpr milliseconds kMaxReserve{30000};
// Below this many training rows a trial or refit trains on one thread. XGBoost's OpenMP team
// meets at barriers several times per tree and on a few hundred rows the work between them
// is microseconds: a second thread gains nothing, and while another program's threads spin
// on the same cores every barrier waits for a time slice (an iris-sized run spent 10-20 s in
// one 10-fold XGBoost trial that takes 0.02 s on one thread).
constexpr std::size_t kMinRowsForThreads = 2000;
// The refit needs about as long as the best trials took (a tenth more rows, no early-stopping
// tail): the search stops starting trials when that time is all that is left. The estimate
// follows the measured durations, so a loaded machine refits in time too, and it never
// takes more than this share of the budget from the search.
constexpr double kRefitTimeMargin = 1.25;
constexpr double kMaxRefitShare = 0.4;
constexpr std::size_t kRefitEstimateMembers = 3;
// XGBoost's rounds found by early stopping grow with the rows they are refit on, at most
// by this factor (a 3-fold cross-validation trains on two thirds of the rows).
constexpr double kMaxRoundsGrowth = 1.5;
constexpr std::uint64_t kRefitSeedOffset = 7919;
// Boosted-tree members of the refit model can be trained with several seeds (row and column
// subsampling differ) and averaged. One for now: a second seed doubles the member's refit
// time and its scoring cost, and in one-minute Bank Marketing runs it did not raise the
// validation-chosen model measurably. A fixed count, so the result does not depend on the cores.
constexpr int kRefitSeeds = 1;

int refitSeeds(const std::string &algorithm)
{
    return algorithm == "XGBoostClassifier" ? kRefitSeeds : 1;
}
constexpr int kStackMetaFolds = 5;

struct Matrix
{
    std::vector<float> values;
    std::size_t rows = 0, cols = 0;
    DenseView view() const { return {values.data(), rows, cols}; }
};

Matrix takeRows(const std::vector<float> &values, std::size_t cols, const std::vector<std::size_t> &rows)
{
    Matrix m;
    m.rows = rows.size();
    m.cols = cols;
    m.values.resize(rows.size() * cols);
    for (std::size_t i = 0; i < rows.size(); ++i)
        std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(rows[i] * cols), cols,
                    m.values.begin() + static_cast<std::ptrdiff_t>(i * cols));
    return m;
}

std::vector<int> takeLabels(const std::vector<int> &labels, const std::vector<std::size_t> &rows)
{
    std::vector<int> out;
    out.reserve(rows.size());
    for (std::size_t r : rows)
        out.push_back(labels[r]);
    return out;
}

std::string lower(std::string s)
{
    for (char &c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool listed(const std::vector<std::string> &names, const LearnerInfo &info)
{
    for (const auto &n : names) {
        const std::string l = lower(n);
        if (l == lower(info.kind) || l == lower(info.displayName))
            return true;
        // Azure's names for the same families.
        if ((l == "xgboost" || l == "xgboostclassifier") && info.kind == "XGBoostClassifier")
            return true;
        if ((l == "linearsvm" || l == "linear_svm" || l == "sgd" || l == "sgdclassifier") && info.kind == "LinearSVM")
            return true;
        if ((l == "logisticregression" || l == "logistic") && info.kind == "LogisticRegression")
            return true;
        if ((l == "randomforest" || l == "rf") && info.kind == "RandomForest")
            return true;
        if ((l == "extremerandomtrees" || l == "extratrees") && info.kind == "ExtremeRandomTrees")
            return true;
    }
    return false;
}

std::string isoNow()
{
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

// A trial kept for ensembling.
struct Candidate
{
    int id = 0;
    milliseconds duration{0};
    double oriented = 0; // higher is better
    ModelMember member;
    std::vector<double> evalProba;
    std::vector<double> testProba;
};

struct Evaluated
{
    std::map<std::string, double> metrics;
    std::string charts;
    double score = std::nan("");
};

Evaluated evaluate(const std::vector<int> &truth, const std::vector<double> &proba, int classes,
                   const std::vector<std::string> &labels, const std::string &primary, bool charts)
{
    Evaluated e;
    ClassPredictions p;
    p.truth = truth;
    p.probabilities = proba;
    p.classCount = static_cast<std::size_t>(classes);
    auto metrics = classificationMetrics(p);
    if (metrics) {
        e.metrics = std::move(metrics).value();
        const auto it = e.metrics.find(primary);
        if (it != e.metrics.end())
            e.score = it->second;
    }
    if (charts) {
        auto c = classificationCharts(p, labels);
        if (c)
            e.charts = chartsJson(*c);
    }
    return e;
}

} // namespace

Result<RunResult> runAutoML(const AutoMLSettings &settings, const Dataset &trainInput, std::optional<Dataset> test,
                            const ProgressCallback &progress, const CancelToken &cancel)
{
    const auto start = Clock::now();
    const auto deadline = start + settings.timeout;
    RunResult result;
    result.settings = settings;
    result.settings.validationData.reset(); // the result does not keep a copy of the data

    if (settings.task != "classification")
        return Error{"task '" + settings.task + "' is not supported; use classification"};
    {
        bool known = false;
        for (auto name : classificationMetricNames())
            known = known || name == settings.primaryMetric;
        if (!known) {
            std::string list;
            for (auto name : classificationMetricNames())
                list += (list.empty() ? "" : ", ") + std::string(name);
            return Error{"unknown primary metric '" + settings.primaryMetric + "'; one of: " + list};
        }
    }
    const bool higher = higherIsBetter(settings.primaryMetric);
    auto orient = [higher](double v) { return higher ? v : -v; };

    // ---- Target -------------------------------------------------------------------------
    const int targetIndex = trainInput.columnIndex(settings.targetColumn);
    if (targetIndex < 0) {
        std::string list;
        for (const auto &name : trainInput.columnNames())
            list += (list.empty() ? "" : ", ") + name;
        return Error{"target column '" + settings.targetColumn + "' not found; the columns are: " + list};
    }
    auto target = encodeTarget(trainInput.columns[static_cast<std::size_t>(targetIndex)]);
    if (!target)
        return Error{target.error()}; // it names the column
    std::vector<std::size_t> labeled;
    for (std::size_t r = 0; r < target->rowLabels.size(); ++r)
        if (target->rowLabels[r] >= 0)
            labeled.push_back(r);
    result.unlabeledTrainRows = trainInput.rows - labeled.size();
    Dataset data = labeled.size() == trainInput.rows ? trainInput : trainInput.selectRows(labeled);
    std::vector<int> labels = takeLabels(target->rowLabels, labeled);
    const std::vector<std::string> classLabels = target->labels;
    const int classes = static_cast<int>(classLabels.size());
    result.classLabels = classLabels;

    if (!test && settings.testSize > 0 && settings.testSize < 1) {
        std::vector<std::size_t> keep, held;
        stratifiedSplit(labels, classes, settings.testSize, settings.seed + 17, keep, held);
        test = data.selectRows(held);
        data = data.selectRows(keep);
        labels = takeLabels(labels, keep);
    }
    for (int c = 0; c < classes; ++c)
        if (std::count(labels.begin(), labels.end(), c) == 0)
            return Error{"class '" + classLabels[static_cast<std::size_t>(c)] + "' has no training rows left"};
    result.trainRows = data.rows;

    // ---- Profile, guardrails, featurizer ---------------------------------------------------
    result.profile = profileDataset(data);
    {
        std::string empty;
        for (const auto &column : result.profile.columns) {
            const bool excluded = std::find(settings.excludedColumns.begin(), settings.excludedColumns.end(),
                                            column.name) != settings.excludedColumns.end();
            if (column.kind == ColumnKind::AllMissing && column.name != settings.targetColumn && !excluded)
                empty += (empty.empty() ? "" : ", ") + column.name;
        }
        if (!empty.empty())
            return Error{"column(s) with no values at all: " + empty +
                         "; remove them from the file or exclude them (--exclude-columns)"};
    }
    GuardrailOptions guardOptions;
    guardOptions.seed = settings.seed;
    guardOptions.excludedColumns = settings.excludedColumns;
    result.guardrails = runGuardrails(data, result.profile, static_cast<std::size_t>(targetIndex), guardOptions);

    FeaturizerOptions featurizerOptions;
    featurizerOptions.seed = settings.seed;
    featurizerOptions.excludedColumns = settings.excludedColumns;
    auto fitted = Featurizer::fit(data, targetIndex, labels, classes, featurizerOptions);
    if (!fitted)
        return Error{"featurization: " + fitted.error()};
    const Featurizer &featurizer = fitted->featurizer;
    const FeatureMatrix &features = fitted->train;
    if (features.cols == 0)
        return Error{"no usable feature columns (all were dropped as constant, ID-like, all missing or excluded)"};
    InputSchema schema = makeInputSchema(data, targetIndex, classLabels);

    auto checkColumns = [&](const Dataset &other, const char *what) -> std::optional<Error> {
        std::vector<std::string> missing, extra;
        for (const auto &column : schema.columns)
            if (other.columnIndex(column.name) < 0)
                missing.push_back(column.name);
        for (const auto &column : other.columns)
            if (column.name != settings.targetColumn && schema.columnIndex(column.name) < 0)
                extra.push_back(column.name);
        if (missing.empty() && extra.empty())
            return std::nullopt;
        std::string message = std::string(what) + " columns differ from training:";
        auto join = [](const std::vector<std::string> &v) {
            std::string s;
            for (const auto &x : v)
                s += (s.empty() ? "" : ", ") + x;
            return s;
        };
        if (!missing.empty())
            message += " missing " + join(missing) + ";";
        if (!extra.empty())
            message += " not in training " + join(extra) + ";";
        message.pop_back();
        return Error{message};
    };
    auto encodeOther = [&](const Dataset &other, const char *what, Matrix &x,
                           std::vector<int> &truth) -> std::optional<Error> {
        if (auto error = checkColumns(other, what))
            return error;
        const int t = other.columnIndex(settings.targetColumn);
        if (t < 0)
            return Error{std::string(what) + " has no target column '" + settings.targetColumn + "'"};
        const Column &column = other.columns[static_cast<std::size_t>(t)];
        std::vector<std::size_t> rows;
        for (std::size_t r = 0; r < other.rows; ++r) {
            if (column.isMissing(r))
                continue;
            const std::string text = column.cellText(r);
            const auto it = std::find(classLabels.begin(), classLabels.end(), text);
            if (it == classLabels.end())
                return Error{std::string(what) + " row " + std::to_string(r + 1) + ": target '" + text +
                             "' is not a class seen in training"};
            truth.push_back(static_cast<int>(it - classLabels.begin()));
            rows.push_back(r);
        }
        auto transformed = featurizer.transform(rows.size() == other.rows ? other : other.selectRows(rows));
        if (!transformed)
            return Error{std::string(what) + ": " + transformed.error()};
        x.values = std::move(transformed->values);
        x.rows = transformed->rows;
        x.cols = transformed->cols;
        return std::nullopt;
    };

    Matrix testX;
    std::vector<int> testTruth;
    const bool hasTest = test.has_value();
    if (hasTest) {
        if (auto error = encodeOther(*test, "test data", testX, testTruth))
            return *error;
        result.testRows = testX.rows;
        result.unlabeledTestRows = test->rows - testX.rows;
    }

    // ---- Validation folds --------------------------------------------------------------------
    struct Fold
    {
        Matrix trainX, validX;
        std::vector<int> trainY, validY;
        std::vector<std::size_t> evalPositions; // where the fold's predictions go in the eval arrays
    };
    std::vector<Fold> folds;
    std::vector<int> evalTruth;
    Matrix evalX; // rows the explanation uses
    if (settings.validation.kind == ValidationKind::File) {
        if (!settings.validationData)
            return Error{"validation: a validation file was requested but none was given"};
        Fold fold;
        if (auto error = encodeOther(*settings.validationData, "validation data", fold.validX, fold.validY))
            return *error;
        fold.trainX.values = features.values;
        fold.trainX.rows = features.rows;
        fold.trainX.cols = features.cols;
        fold.trainY = labels;
        evalTruth = fold.validY;
        fold.evalPositions.resize(fold.validY.size());
        std::iota(fold.evalPositions.begin(), fold.evalPositions.end(), 0);
        evalX = fold.validX;
        folds.push_back(std::move(fold));
        result.validationDescription = "validation file (" + std::to_string(evalTruth.size()) + " rows)";
    } else {
        const ValidationPlan plan = planValidation(labels, classes, settings.validation, settings.seed);
        result.validationDescription = plan.description;
        if (plan.crossValidation) {
            evalTruth = labels;
            evalX.values = features.values;
            evalX.rows = features.rows;
            evalX.cols = features.cols;
        }
        for (std::size_t f = 0; f < plan.folds(); ++f) {
            Fold fold;
            fold.trainX = takeRows(features.values, features.cols, plan.trainRows[f]);
            fold.trainY = takeLabels(labels, plan.trainRows[f]);
            fold.validX = takeRows(features.values, features.cols, plan.validRows[f]);
            fold.validY = takeLabels(labels, plan.validRows[f]);
            if (plan.crossValidation) {
                fold.evalPositions = plan.validRows[f];
            } else {
                evalTruth = fold.validY;
                fold.evalPositions.resize(fold.validY.size());
                std::iota(fold.evalPositions.begin(), fold.evalPositions.end(), 0);
                evalX = fold.validX;
            }
            folds.push_back(std::move(fold));
        }
    }
    if (evalTruth.empty())
        return Error{"validation: no validation rows"};

    // ---- Learners ------------------------------------------------------------------------------
    std::vector<const LearnerInfo *> learners;
    for (const auto &info : learnerCatalog()) {
        if (!settings.allowedModels.empty() && !listed(settings.allowedModels, info))
            continue;
        if (listed(settings.blockedModels, info))
            continue;
        learners.push_back(&info);
    }
    if (learners.empty())
        return Error{"no learners left after the allowed and blocked model lists"};

    const int totalThreads =
        settings.threads > 0 ? settings.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const int workers = std::clamp(settings.maxConcurrentTrials, 1, 64);
    const bool smallData = features.rows < kMinRowsForThreads;
    const int threadsPerTrial = smallData ? 1 : std::max(1, totalThreads / workers);
    const bool refit = settings.refitBestModel && settings.validation.kind != ValidationKind::File;
    const milliseconds reserve =
        std::clamp(duration_cast<milliseconds>(settings.timeout * kReserveShare), kMinReserve, kMaxReserve);
    const auto searchEnd = deadline - std::min(reserve, duration_cast<milliseconds>(settings.timeout / 2));

    // ---- Search ----------------------------------------------------------------------------------
    std::mutex mutex;
    Searcher searcher(learners, settings.seed);
    std::vector<Candidate> kept;
    int started = 0;
    int sinceImprovement = 0;
    double bestOriented = -std::numeric_limits<double>::infinity();
    int bestId = -1;
    bool stop = false;
    std::string stopReason;
    milliseconds refitEstimate{0}; // guarded by mutex
    // Running trials stop when the refit needs the rest of the budget.
    std::atomic<Clock::rep> trialsEnd{searchEnd.time_since_epoch().count()};
    const milliseconds maxRefitTime = duration_cast<milliseconds>(settings.timeout * kMaxRefitShare);
    const std::size_t k = static_cast<std::size_t>(classes);

    auto worker = [&] {
        for (;;) {
            Proposal proposal;
            int id = 0;
            Clock::time_point trialDeadline;
            {
                std::lock_guard lock(mutex);
                if (!stop) {
                    if (cancel.canceled()) {
                        stop = true;
                        stopReason = "canceled";
                    } else if (started >= settings.maxTrials) {
                        stop = true;
                        stopReason = "max_trials";
                    } else if (Clock::now() + refitEstimate >= searchEnd) {
                        stop = true;
                        stopReason = "timeout";
                    }
                }
                if (stop)
                    return;
                proposal = searcher.next();
                id = ++started;
                trialDeadline = searchEnd;
            }
            const auto trialStart = Clock::now();
            if (settings.trialTimeout > milliseconds::zero())
                trialDeadline = std::min(trialDeadline, trialStart + settings.trialTimeout);
            TrainOptions options;
            options.threads = threadsPerTrial;
            options.seed = settings.seed + static_cast<std::uint64_t>(id);
            options.deadline = trialDeadline;
            options.cancel = cancel.flag();
            options.movingDeadline = &trialsEnd;

            const LearnerInfo *info = learners[proposal.learner];
            TrialResult trial;
            trial.id = id;
            trial.algorithm = info->displayName;
            trial.learnerKind = info->kind;
            trial.params = proposal.params;
            trial.origin = proposal.origin;
            Candidate candidate;
            candidate.id = id;
            candidate.member.algorithm = info->kind;
            candidate.member.displayName = info->displayName;
            candidate.evalProba.assign(evalTruth.size() * k, 0.0);
            for (const Fold &fold : folds) {
                TrainInput input;
                input.x = fold.trainX.view();
                input.y = fold.trainY;
                input.numClasses = classes;
                input.validX = fold.validX.view();
                input.validY = fold.validY;
                input.rankingMetric = settings.primaryMetric.rfind("AUC", 0) == 0 ||
                                      settings.primaryMetric.rfind("average_precision", 0) == 0;
                std::string error;
                auto learner = trainLearner(info->kind, proposal.params, input, options, error);
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
                if (cancel.canceled())
                    break;
            }
            if (trial.status == TrialStatus::Completed && cancel.canceled())
                trial.status = TrialStatus::Canceled;
            if (trial.status == TrialStatus::Completed && folds.size() > 1) {
                // A bag of fold models: report the mean of the rounds XGBoost kept.
                double rounds = 0;
                for (const auto &l : candidate.member.bag)
                    rounds += detail::param(l->effectiveParams(), "n_estimators", 0);
                if (trial.params.count("n_estimators"))
                    trial.params["n_estimators"] = std::round(rounds / static_cast<double>(candidate.member.bag.size()));
            }
            candidate.member.params = trial.params;
            if (trial.status == TrialStatus::Completed) {
                Evaluated v = evaluate(evalTruth, candidate.evalProba, classes, classLabels, settings.primaryMetric, true);
                trial.validationMetrics = std::move(v.metrics);
                trial.validationChartsJson = std::move(v.charts);
                trial.score = v.score;
                if (!std::isfinite(trial.score)) {
                    trial.status = TrialStatus::Failed;
                    trial.error = "the primary metric could not be computed";
                }
            }
            if (trial.status == TrialStatus::Completed && hasTest && testX.rows > 0) {
                candidate.testProba.resize(testX.rows * k);
                candidate.member.predictProba(testX.view(), candidate.testProba);
                Evaluated t = evaluate(testTruth, candidate.testProba, classes, classLabels, settings.primaryMetric, true);
                trial.testMetrics = std::move(t.metrics);
                trial.testChartsJson = std::move(t.charts);
            }
            const auto trialEnd = Clock::now();
            trial.duration = duration_cast<milliseconds>(trialEnd - trialStart);
            trial.finishedAt = duration_cast<milliseconds>(trialEnd - start);

            std::lock_guard lock(mutex);
            const bool completed = trial.status == TrialStatus::Completed;
            searcher.report(proposal, completed ? orient(trial.score) : std::nan(""));
            if (completed) {
                candidate.oriented = orient(trial.score);
                candidate.duration = trial.duration;
                if (candidate.oriented > bestOriented + 1e-12) {
                    bestOriented = candidate.oriented;
                    bestId = id;
                    sinceImprovement = 0;
                } else {
                    ++sinceImprovement;
                }
                kept.push_back(std::move(candidate));
                std::stable_sort(kept.begin(), kept.end(),
                                 [](const Candidate &a, const Candidate &b) { return a.oriented > b.oriented; });
                if (kept.size() > kKeptCandidates)
                    kept.pop_back();
                if (refit) {
                    // Members of the likely best model train side by side on the cores.
                    milliseconds longest{0}, total{0};
                    for (std::size_t i = 0; i < std::min(kept.size(), kRefitEstimateMembers); ++i) {
                        longest = std::max(longest, kept[i].duration);
                        total += kept[i].duration * refitSeeds(kept[i].member.algorithm);
                    }
                    const auto estimate = std::max(longest, total / std::max(1, totalThreads));
                    refitEstimate = std::min(maxRefitTime, duration_cast<milliseconds>(estimate * kRefitTimeMargin));
                    trialsEnd.store((searchEnd - refitEstimate).time_since_epoch().count());
                }
            } else if (trial.status == TrialStatus::Failed) {
                ++sinceImprovement;
            }
            result.trials.push_back(trial);
            if (progress)
                progress(TrialEvent{result.trials.back(), higher ? bestOriented : -bestOriented, bestId});
            if (!stop && settings.earlyTerminationTrials > 0 && sinceImprovement >= settings.earlyTerminationTrials) {
                stop = true;
                stopReason = "early_termination";
            }
        }
    };
    {
        std::vector<std::thread> pool;
        for (int i = 1; i < workers; ++i)
            pool.emplace_back(worker);
        worker();
        for (auto &t : pool)
            t.join();
    }
    result.canceled = cancel.canceled();
    if (result.canceled)
        stopReason = "canceled";
    result.stopReason = stopReason;
    if (kept.empty()) {
        std::string why = result.canceled ? "the run was canceled before any trial finished"
                                          : "no trial finished within the budget";
        for (const auto &t : result.trials)
            if (t.status == TrialStatus::Failed) {
                why += "; last error: " + t.error;
            }
        return Error{why};
    }

    // ---- Ensembles -----------------------------------------------------------------------------------
    auto scoreOf = [&](const std::vector<double> &proba) {
        ClassPredictions p;
        p.truth = evalTruth;
        p.probabilities = proba;
        p.classCount = k;
        auto v = classificationMetric(settings.primaryMetric, p);
        return v ? orient(*v) : -std::numeric_limits<double>::infinity();
    };
    struct Built
    {
        int id;
        std::shared_ptr<const Predictor> predictor;
    };
    std::vector<Built> built;
    int nextId = started;
    auto finishEnsemble = [&](TrialResult &trial, const std::shared_ptr<const Predictor> &predictor,
                              const std::vector<double> &evalProba, Clock::time_point t0) {
        Evaluated v = evaluate(evalTruth, evalProba, classes, classLabels, settings.primaryMetric, true);
        trial.validationMetrics = std::move(v.metrics);
        trial.validationChartsJson = std::move(v.charts);
        trial.score = v.score;
        if (hasTest && testX.rows > 0) {
            std::vector<double> testProba(testX.rows * k);
            predictor->predictProba(testX.view(), testProba);
            Evaluated t = evaluate(testTruth, testProba, classes, classLabels, settings.primaryMetric, true);
            trial.testMetrics = std::move(t.metrics);
            trial.testChartsJson = std::move(t.charts);
        }
        trial.origin = "ensemble";
        trial.duration = duration_cast<milliseconds>(Clock::now() - t0);
        trial.finishedAt = duration_cast<milliseconds>(Clock::now() - start);
        if (!std::isfinite(trial.score)) {
            trial.status = TrialStatus::Failed;
            trial.error = "the primary metric could not be computed";
        }
        result.trials.push_back(trial);
        if (trial.status == TrialStatus::Completed) {
            built.push_back({trial.id, predictor});
            if (orient(trial.score) > bestOriented + 1e-12) {
                bestOriented = orient(trial.score);
                bestId = trial.id;
            }
        }
        if (progress)
            progress(TrialEvent{result.trials.back(), higher ? bestOriented : -bestOriented, bestId});
    };
    const bool ensembleTime = !result.canceled && kept.size() >= 2;
    if (ensembleTime && settings.enableVotingEnsemble) {
        const auto t0 = Clock::now();
        std::vector<const std::vector<double> *> proba;
        std::vector<double> scores;
        for (const auto &c : kept) {
            proba.push_back(&c.evalProba);
            scores.push_back(c.oriented);
        }
        const CaruanaResult selection = caruanaSelect(proba, scores, scoreOf);
        if (selection.members.size() >= 2) {
            auto predictor = std::make_shared<Predictor>();
            predictor->kind = Predictor::Kind::Voting;
            predictor->classes = classes;
            std::vector<double> evalProba(evalTruth.size() * k, 0.0);
            TrialResult trial;
            trial.id = ++nextId;
            trial.algorithm = "VotingEnsemble";
            trial.learnerKind = "VotingEnsemble";
            for (std::size_t i = 0; i < selection.members.size(); ++i) {
                const Candidate &c = kept[selection.members[i]];
                predictor->members.push_back(c.member);
                predictor->weights.push_back(selection.weights[i]);
                for (std::size_t j = 0; j < evalProba.size(); ++j)
                    evalProba[j] += selection.weights[i] * c.evalProba[j];
                trial.ensembleDescription += (trial.ensembleDescription.empty() ? "" : ", ") + c.member.displayName +
                                             " (run " + std::to_string(c.id) + ") x " +
                                             std::to_string(selection.weights[i]).substr(0, 5);
                trial.params["weight_run_" + std::to_string(c.id)] = selection.weights[i];
            }
            finishEnsemble(trial, predictor, evalProba, t0);
        }
    }
    if (ensembleTime && settings.enableStackEnsemble) {
        const auto t0 = Clock::now();
        const std::size_t count = std::min<std::size_t>(kept.size(), 5);
        std::vector<const std::vector<double> *> proba;
        for (std::size_t i = 0; i < count; ++i)
            proba.push_back(&kept[i].evalProba);
        const std::vector<float> metaX = stackFeatures(proba, evalTruth.size(), classes);
        const std::size_t metaCols = metaX.size() / evalTruth.size();
        // The meta-learner's own score is measured out of fold on the validation rows.
        const std::vector<int> metaFold = stratifiedFolds(evalTruth, classes, kStackMetaFolds, settings.seed + 3);
        std::vector<double> evalProba(evalTruth.size() * k, 0.0);
        bool ok = true;
        const HyperParams metaParams = {{"C", 1.0}, {"max_iter", 200}};
        for (int f = 0; f < kStackMetaFolds && ok; ++f) {
            std::vector<std::size_t> inRows, outRows;
            for (std::size_t r = 0; r < evalTruth.size(); ++r)
                (metaFold[r] == f ? outRows : inRows).push_back(r);
            if (outRows.empty())
                continue;
            const Matrix inX = takeRows(metaX, metaCols, inRows), outX = takeRows(metaX, metaCols, outRows);
            const std::vector<int> inY = takeLabels(evalTruth, inRows);
            TrainInput input;
            input.x = inX.view();
            input.y = inY;
            input.numClasses = classes;
            std::string error;
            auto meta = trainLearner("LogisticRegression", metaParams, input, TrainOptions{}, error);
            if (!meta) {
                ok = false;
                break;
            }
            std::vector<double> p(outRows.size() * k);
            meta->predictProba(outX.view(), p);
            for (std::size_t i = 0; i < outRows.size(); ++i)
                std::copy_n(p.begin() + static_cast<std::ptrdiff_t>(i * k), k,
                            evalProba.begin() + static_cast<std::ptrdiff_t>(outRows[i] * k));
        }
        TrainInput all;
        all.x = DenseView{metaX.data(), evalTruth.size(), metaCols};
        all.y = evalTruth;
        all.numClasses = classes;
        std::string error;
        auto meta = ok ? trainLearner("LogisticRegression", metaParams, all, TrainOptions{}, error) : nullptr;
        if (meta) {
            auto predictor = std::make_shared<Predictor>();
            predictor->kind = Predictor::Kind::Stacking;
            predictor->classes = classes;
            predictor->metaLearner = std::move(meta);
            TrialResult trial;
            trial.id = ++nextId;
            trial.algorithm = "StackEnsemble";
            trial.learnerKind = "StackEnsemble";
            for (std::size_t i = 0; i < count; ++i) {
                predictor->members.push_back(kept[i].member);
                predictor->weights.push_back(1.0 / static_cast<double>(count));
                trial.ensembleDescription += (trial.ensembleDescription.empty() ? "" : ", ") +
                                             kept[i].member.displayName + " (run " + std::to_string(kept[i].id) + ")";
            }
            trial.ensembleDescription += "; meta-learner: LogisticRegression";
            trial.params = metaParams;
            finishEnsemble(trial, predictor, evalProba, t0);
        }
    }

    // ---- Best model package ---------------------------------------------------------------------------
    std::shared_ptr<const Predictor> bestPredictor;
    for (const auto &b : built)
        if (b.id == bestId)
            bestPredictor = b.predictor;
    if (!bestPredictor) {
        for (const auto &c : kept)
            if (c.id == bestId) {
                auto p = std::make_shared<Predictor>();
                p->kind = Predictor::Kind::Single;
                p->classes = classes;
                p->members.push_back(c.member);
                p->weights.push_back(1.0);
                bestPredictor = std::move(p);
            }
    }
    if (!bestPredictor)
        return Error{"internal: the best run's model was not kept"};

    // ---- Refit on all training rows ------------------------------------------------------------------
    // Validation chose the configuration; the model that ships learns from every row. Members
    // train side by side; one that cannot finish before the deadline keeps its searched model
    // (a model cut short would be weaker than the one validated).
    if (refit && !result.canceled && !folds.empty()) {
        auto refitted = std::make_shared<Predictor>(*bestPredictor);
        const double foldRows = static_cast<double>(std::max<std::size_t>(folds.front().trainY.size(), 1));
        const double growth =
            std::clamp(static_cast<double>(features.rows) / foldRows, 1.0, kMaxRoundsGrowth);
        const auto refitDeadline = std::max(deadline - reserve / 2, Clock::now());
        const std::size_t count = refitted->members.size();
        // One job per member and seed. Jobs run by expected value, the member's weight over
        // its seed's position: a heavy member's second seed before a light member's first;
        // when time runs short the refits that matter most are done.
        struct RefitJob
        {
            std::size_t member = 0;
            int seed = 0;
            double priority = 0;
            milliseconds estimate{0}; // the member's searched trial time, scaled like the refit estimate
        };
        // The searched trial's time of each member (its models are the kept candidate's).
        auto trialTime = [&](const ModelMember &member) {
            for (const auto &c : kept)
                if (!c.member.bag.empty() && !member.bag.empty() && c.member.bag.front() == member.bag.front())
                    return c.duration;
            return milliseconds{-1};
        };
        std::vector<RefitJob> jobs;
        for (std::size_t m = 0; m < count; ++m) {
            const double weight = m < refitted->weights.size() ? refitted->weights[m] : 1.0;
            const milliseconds searched = trialTime(refitted->members[m]);
            const milliseconds estimate = searched < milliseconds::zero()
                                              ? milliseconds::max()
                                              : duration_cast<milliseconds>(searched * growth * kRefitTimeMargin);
            for (int s = 0; s < refitSeeds(refitted->members[m].algorithm); ++s)
                jobs.push_back(RefitJob{m, s, weight / static_cast<double>(s + 1), estimate});
        }
        std::stable_sort(jobs.begin(), jobs.end(),
                         [](const RefitJob &a, const RefitJob &b) { return a.priority > b.priority; });
        const int parallel = std::clamp(static_cast<int>(jobs.size()), 1, totalThreads);
        const int threadsEach = smallData ? 1 : std::max(1, totalThreads / parallel);
        // trained[job] in job order; a member's bag keeps its seeds in seed order.
        std::vector<std::shared_ptr<const Learner>> trained(jobs.size());
        std::atomic<std::size_t> nextJob{0};
        auto refitWorker = [&] {
            for (std::size_t j = nextJob++; j < jobs.size(); j = nextJob++) {
                // An extra seed is optional: it starts only when it can finish, so it never
                // takes the cores from a member's only refit and then gets thrown away.
                if (jobs[j].seed > 0 && (jobs[j].estimate == milliseconds::max() ||
                                         Clock::now() + jobs[j].estimate > refitDeadline))
                    continue;
                const std::size_t m = jobs[j].member;
                const ModelMember &member = refitted->members[m];
                HyperParams params = member.params;
                const auto rounds = params.find("n_estimators");
                double wanted = 0;
                if (rounds != params.end()) {
                    if (member.algorithm == "XGBoostClassifier")
                        rounds->second = std::max(1.0, std::round(rounds->second * growth));
                    wanted = rounds->second;
                }
                TrainInput input;
                input.x = DenseView{features.values.data(), features.rows, features.cols};
                input.y = labels;
                input.numClasses = classes;
                TrainOptions options;
                options.threads = threadsEach;
                options.seed = settings.seed + kRefitSeedOffset + m + 1000 * static_cast<std::uint64_t>(jobs[j].seed);
                options.deadline = refitDeadline;
                options.cancel = cancel.flag();
                std::string error;
                auto learner = trainLearner(member.algorithm, params, input, options, error);
                if (!learner || cancel.canceled())
                    continue;
                const bool complete = wanted > 0
                                          ? detail::param(learner->effectiveParams(), "n_estimators", 0) >= wanted
                                          : Clock::now() < refitDeadline;
                if (complete)
                    trained[j] = std::move(learner);
            }
        };
        {
            std::vector<std::thread> pool;
            for (int i = 1; i < parallel; ++i)
                pool.emplace_back(refitWorker);
            refitWorker();
            for (auto &t : pool)
                t.join();
        }
        for (std::size_t m = 0; m < count; ++m) {
            std::vector<std::pair<int, std::shared_ptr<const Learner>>> seeds;
            for (std::size_t j = 0; j < jobs.size(); ++j)
                if (jobs[j].member == m && trained[j])
                    seeds.emplace_back(jobs[j].seed, trained[j]);
            if (seeds.empty()) {
                ++result.refitSkipped;
                continue;
            }
            std::sort(seeds.begin(), seeds.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
            ModelMember &member = refitted->members[m];
            member.params = seeds.front().second->effectiveParams();
            member.bag.clear();
            for (auto &[seed, learner] : seeds)
                member.bag.push_back(std::move(learner));
            ++result.refitMembers;
        }
        if (result.refitMembers > 0)
            bestPredictor = std::move(refitted);
    }
    result.bestTrialId = bestId;
    TrialResult *bestTrial = nullptr;
    for (auto &t : result.trials)
        if (t.id == bestId)
            bestTrial = &t;

    ModelPackageInfo info;
    info.name = bestPredictor->name();
    info.primaryMetric = settings.primaryMetric;
    info.createdUtc = isoNow();
    if (bestTrial)
        info.validationMetrics = bestTrial->validationMetrics;
    if (hasTest && testX.rows > 0) {
        // The reported test figures come from the package's own prediction path.
        std::vector<double> proba(testX.rows * k);
        bestPredictor->predictProba(testX.view(), proba);
        Evaluated t = evaluate(testTruth, proba, classes, classLabels, settings.primaryMetric, true);
        info.testMetrics = t.metrics;
        if (bestTrial) {
            bestTrial->testMetrics = std::move(t.metrics);
            bestTrial->testChartsJson = std::move(t.charts);
        }
        result.bestTestProbabilities.resize(testX.rows);
        for (std::size_t r = 0; r < testX.rows; ++r)
            result.bestTestProbabilities[r].assign(proba.begin() + static_cast<std::ptrdiff_t>(r * k),
                                                   proba.begin() + static_cast<std::ptrdiff_t>((r + 1) * k));
    }
    result.best = std::make_shared<const ModelPackage>(schema, featurizer, bestPredictor, info);

    // ---- Explanation ---------------------------------------------------------------------------------
    if (settings.explainBestModel && !result.canceled && evalX.rows > 0) {
        std::vector<std::string> columns;
        for (const auto &column : schema.columns)
            columns.push_back(column.name);
        auto score = [&](const std::vector<double> &proba, const std::vector<std::size_t> &rows) {
            ClassPredictions p;
            p.truth = takeLabels(evalTruth, rows);
            p.probabilities = proba;
            p.classCount = k;
            auto v = classificationMetric(settings.primaryMetric, p);
            return v ? orient(*v) : 0.0;
        };
        ExplainOptions explainOptions;
        explainOptions.seed = settings.seed;
        // The explanation uses what is left of the budget, keeping a moment for writing.
        explainOptions.deadline = std::max(deadline - reserve / 4, Clock::now() + std::chrono::milliseconds(500));
        result.explanation = explainModel(*bestPredictor, evalX.view(), featurizer.featureRawColumns(), columns,
                                          classLabels, settings.primaryMetric, score, explainOptions);
    }
    result.duration = duration_cast<milliseconds>(Clock::now() - start);
    return result;
}

// ---- Output -----------------------------------------------------------------------------------------

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json metricsObject(const std::map<std::string, double> &metrics)
{
    json out = json::object();
    for (const auto &[name, value] : metrics)
        out[name] = std::isfinite(value) ? json(value) : json(nullptr);
    return out;
}

json trialJson(const TrialResult &t)
{
    return {{"run_id", t.id},
            {"algorithm", t.algorithm},
            {"learner", t.learnerKind},
            {"hyperparameters", hyperParamsToJson(t.params)},
            {"origin", t.origin},
            {"status", std::string(toString(t.status))},
            {"error", t.error},
            {"score", std::isfinite(t.score) ? json(t.score) : json(nullptr)},
            {"duration_seconds", static_cast<double>(t.duration.count()) / 1000.0},
            {"finished_at_seconds", static_cast<double>(t.finishedAt.count()) / 1000.0},
            {"ensemble", t.ensembleDescription},
            {"validation_metrics", metricsObject(t.validationMetrics)},
            {"test_metrics", metricsObject(t.testMetrics)}};
}

std::optional<Error> writeText(const fs::path &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        return Error{"cannot create " + path.string()};
    out << text;
    out.close();
    if (!out)
        return Error{"cannot write " + path.string()};
    return std::nullopt;
}

} // namespace

std::optional<Error> writeRunOutput(const RunResult &result, const fs::path &dir)
{
    std::error_code ec;
    if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec)))
        return Error{dir.string() + " already exists and is not empty"};
    if (!result.best)
        return Error{"the run has no best model to write"};
    const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
    fs::create_directories(parent, ec);
    std::random_device device;
    const fs::path temp =
        parent / ("." + dir.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    auto fail = [&](Error error) {
        std::error_code ignore;
        fs::remove_all(temp, ignore);
        return error;
    };
    if (!fs::create_directories(temp / "runs", ec))
        return fail(Error{"cannot create " + temp.string() + ": " + ec.message()});

    json board = json::array();
    for (const TrialResult *t : result.leaderboard())
        board.push_back(trialJson(*t));
    json leaderboard = {{"primary_metric", result.settings.primaryMetric},
                        {"validation", result.validationDescription},
                        {"best_run_id", result.bestTrialId},
                        {"best_model", result.best->name()},
                        {"stop_reason", result.stopReason},
                        {"canceled", result.canceled},
                        {"duration_seconds", static_cast<double>(result.duration.count()) / 1000.0},
                        {"train_rows", result.trainRows},
                        {"test_rows", result.testRows},
                        {"refit_members", result.refitMembers},
                        {"refit_skipped", result.refitSkipped},
                        {"class_labels", result.classLabels},
                        {"runs", board}};
    if (auto e = writeText(temp / "leaderboard.json", leaderboard.dump(1)))
        return fail(*e);

    // Best score over time, in finishing order.
    const bool higher = higherIsBetter(result.settings.primaryMetric);
    json curve = json::array();
    double best = higher ? -1e300 : 1e300;
    std::vector<const TrialResult *> byTime;
    for (const auto &t : result.trials)
        byTime.push_back(&t);
    std::stable_sort(byTime.begin(), byTime.end(),
                     [](const TrialResult *a, const TrialResult *b) { return a->finishedAt < b->finishedAt; });
    for (const TrialResult *t : byTime) {
        if (t->status != TrialStatus::Completed || !std::isfinite(t->score))
            continue;
        best = higher ? std::max(best, t->score) : std::min(best, t->score);
        curve.push_back({{"seconds", static_cast<double>(t->finishedAt.count()) / 1000.0}, {"run_id", t->id},
                         {"score", t->score}, {"best", best}});
    }
    if (auto e = writeText(temp / "progress.json", json{{"primary_metric", result.settings.primaryMetric},
                                                       {"points", curve}}.dump(1)))
        return fail(*e);

    for (const auto &t : result.trials) {
        const fs::path runDir = temp / "runs" / std::to_string(t.id);
        fs::create_directories(runDir, ec);
        json metrics = {{"run_id", t.id}, {"algorithm", t.algorithm},
                        {"validation", metricsObject(t.validationMetrics)}, {"test", metricsObject(t.testMetrics)}};
        if (auto e = writeText(runDir / "metrics.json", metrics.dump(1)))
            return fail(*e);
        json charts = json::object();
        charts["validation"] = t.validationChartsJson.empty() ? json(nullptr) : json::parse(t.validationChartsJson, nullptr, false);
        charts["test"] = t.testChartsJson.empty() ? json(nullptr) : json::parse(t.testChartsJson, nullptr, false);
        if (auto e = writeText(runDir / "charts.json", charts.dump()))
            return fail(*e);
    }

    json guardrails = json::array();
    for (const auto &g : result.guardrails.guardrails)
        guardrails.push_back({{"name", g.name}, {"status", std::string(toString(g.status))},
                              {"description", g.description}, {"action", g.action}, {"columns", g.columns}});
    json leakage = json::array();
    for (const auto &s : result.guardrails.leakageScores)
        leakage.push_back({{"column", s.column}, {"auc", s.auc}});
    if (auto e = writeText(temp / "guardrails.json",
                           json{{"guardrails", guardrails}, {"leakage_scores", leakage},
                                {"dropped_columns", result.guardrails.droppedColumns}}.dump(1)))
        return fail(*e);

    json profile = json::array();
    for (const auto &c : result.profile.columns)
        profile.push_back({{"name", c.name}, {"kind", std::string(toString(c.kind))}, {"missing", c.missing},
                           {"distinct", c.distinct}, {"reason", c.reason}});
    if (auto e = writeText(temp / "profile.json", json{{"rows", result.profile.rows}, {"columns", profile}}.dump(1)))
        return fail(*e);

    if (result.explanation)
        if (auto e = writeText(temp / "explanation.json", explanationJson(*result.explanation)))
            return fail(*e);

    if (auto e = result.best->save(temp / "best"))
        return fail(*e);

    if (fs::exists(dir, ec))
        fs::remove(dir, ec); // an empty directory
    fs::rename(temp, dir, ec);
    if (ec)
        return fail(Error{"cannot move the output into " + dir.string() + ": " + ec.message()});
    return std::nullopt;
}

Result<ModelPackage> trainQuickPackage(const Dataset &data, const std::string &target, const fs::path &outDir)
{
    AutoMLSettings settings;
    settings.targetColumn = target;
    settings.maxTrials = 1;
    settings.allowedModels = {"XGBoostClassifier"};
    settings.enableVotingEnsemble = false;
    settings.enableStackEnsemble = false;
    settings.explainBestModel = false;
    settings.validation.kind = ValidationKind::Split;
    settings.validation.validationSize = 0.2;
    settings.timeout = std::chrono::seconds(60);
    settings.threads = 1;
    CancelToken cancel;
    auto run = runAutoML(settings, data, std::nullopt, nullptr, cancel);
    if (!run)
        return Error{run.error()};
    if (auto error = run->best->save(outDir))
        return *error;
    return *run->best;
}

} // namespace cerulean::automl
