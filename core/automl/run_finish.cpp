// The phases of a run after the search: ensembles, the best model, its package and its
// explanation (the refit in between is refit.cpp).

#include "core/automl/run_state.h"

#include "core/automl/metrics.h"

#include <algorithm>
#include <ctime>

namespace cerulean::automl::phases {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr int kStackMetaFolds = 5;
// The stack ensemble combines this many of the best trials.
constexpr std::size_t kStackMembers = 5;
// The rest of the budget goes to the explanation, less a share of the reserve for writing the
// output, but it gets at least this long.
constexpr milliseconds kMinExplainTime{500};

std::string utcNow()
{
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

// The primary metric of validation predictions, oriented so that higher is better.
double orientedScore(const RunState &run, const std::vector<double> &proba)
{
    ClassPredictions p;
    p.truth = run.evalTruth;
    p.probabilities = proba;
    p.classCount = run.classCount();
    auto v = classificationMetric(run.settings.primaryMetric, p);
    return v ? run.orient(*v) : -std::numeric_limits<double>::infinity();
}

// Scores an ensemble on the validation (and test) rows and adds it to the leaderboard.
void recordEnsemble(RunState &run, TrialResult &trial, const std::shared_ptr<const Predictor> &predictor,
                    const std::vector<double> &evalProba, Clock::time_point t0)
{
    const std::string &primary = run.settings.primaryMetric;
    Evaluated v = evaluate(run.evalTruth, evalProba, run.classes, run.classLabels, primary, true);
    trial.validationMetrics = std::move(v.metrics);
    trial.validationChartsJson = std::move(v.charts);
    trial.score = v.score;
    if (run.scoresTest()) {
        std::vector<double> testProba(run.testX.rows * run.classCount());
        predictor->predictProba(run.testX.view(), testProba);
        Evaluated t = evaluate(run.testTruth, testProba, run.classes, run.classLabels, primary, true);
        trial.testMetrics = std::move(t.metrics);
        trial.testChartsJson = std::move(t.charts);
    }
    trial.origin = "ensemble";
    trial.duration = duration_cast<milliseconds>(Clock::now() - t0);
    trial.finishedAt = duration_cast<milliseconds>(Clock::now() - run.start);
    if (!std::isfinite(trial.score)) {
        trial.status = TrialStatus::Failed;
        trial.error = "the primary metric could not be computed";
    }
    run.result.trials.push_back(trial);
    if (trial.status == TrialStatus::Completed) {
        run.ensembles.push_back({trial.id, predictor});
        if (run.orient(trial.score) > run.bestOriented + kMinImprovement) {
            run.bestOriented = run.orient(trial.score);
            run.bestId = trial.id;
        }
    }
    if (run.progress)
        run.progress(TrialEvent{run.result.trials.back(), run.bestScore(), run.bestId});
}

// Caruana selection over the kept trials' validation predictions.
void buildVoting(RunState &run)
{
    const auto t0 = Clock::now();
    std::vector<const std::vector<double> *> proba;
    std::vector<double> scores;
    for (const auto &c : run.kept) {
        proba.push_back(&c.evalProba);
        scores.push_back(c.oriented);
    }
    const CaruanaResult selection =
        caruanaSelect(proba, scores, [&run](const std::vector<double> &p) { return orientedScore(run, p); });
    if (selection.members.size() < 2)
        return;
    auto predictor = std::make_shared<Predictor>();
    predictor->kind = Predictor::Kind::Voting;
    predictor->classes = run.classes;
    std::vector<double> evalProba(run.evalTruth.size() * run.classCount(), 0.0);
    TrialResult trial;
    trial.id = ++run.lastTrialId;
    trial.algorithm = "VotingEnsemble";
    trial.learnerKind = "VotingEnsemble";
    for (std::size_t i = 0; i < selection.members.size(); ++i) {
        const Candidate &c = run.kept[selection.members[i]];
        predictor->members.push_back(c.member);
        predictor->weights.push_back(selection.weights[i]);
        for (std::size_t j = 0; j < evalProba.size(); ++j)
            evalProba[j] += selection.weights[i] * c.evalProba[j];
        trial.ensembleDescription += (trial.ensembleDescription.empty() ? "" : ", ") + c.member.displayName +
                                     " (run " + std::to_string(c.id) + ") x " +
                                     std::to_string(selection.weights[i]).substr(0, 5);
        trial.params["weight_run_" + std::to_string(c.id)] = selection.weights[i];
    }
    recordEnsemble(run, trial, predictor, evalProba, t0);
}

// The meta-learner's predictions for the validation rows, each from a model that did not see
// it (so its score is measured out of fold). False when a meta-learner failed to train.
bool stackOutOfFold(const RunState &run, const std::vector<float> &metaX, std::size_t metaCols,
                    const HyperParams &metaParams, std::vector<double> &evalProba)
{
    const std::size_t k = run.classCount();
    const std::size_t rows = run.evalTruth.size();
    const std::vector<int> metaFold =
        stratifiedFolds(run.evalTruth, run.classes, kStackMetaFolds, run.settings.seed + 3);
    for (int f = 0; f < kStackMetaFolds; ++f) {
        std::vector<std::size_t> inRows, outRows;
        for (std::size_t r = 0; r < rows; ++r)
            (metaFold[r] == f ? outRows : inRows).push_back(r);
        if (outRows.empty())
            continue;
        const Matrix inX = takeRows(metaX, metaCols, inRows), outX = takeRows(metaX, metaCols, outRows);
        const std::vector<int> inY = takeLabels(run.evalTruth, inRows);
        TrainInput input;
        input.x = inX.view();
        input.y = inY;
        input.numClasses = run.classes;
        std::string error;
        auto meta = trainLearner("LogisticRegression", metaParams, input, TrainOptions{}, error);
        if (!meta)
            return false;
        std::vector<double> p(outRows.size() * k);
        meta->predictProba(outX.view(), p);
        for (std::size_t i = 0; i < outRows.size(); ++i)
            std::copy_n(p.begin() + static_cast<std::ptrdiff_t>(i * k), k,
                        evalProba.begin() + static_cast<std::ptrdiff_t>(outRows[i] * k));
    }
    return true;
}

// A logistic regression on the best trials' predictions.
void buildStack(RunState &run)
{
    const auto t0 = Clock::now();
    const std::size_t count = std::min<std::size_t>(run.kept.size(), kStackMembers);
    std::vector<const std::vector<double> *> proba;
    for (std::size_t i = 0; i < count; ++i)
        proba.push_back(&run.kept[i].evalProba);
    const std::vector<float> metaX = stackFeatures(proba, run.evalTruth.size(), run.classes);
    const std::size_t metaCols = metaX.size() / run.evalTruth.size();
    std::vector<double> evalProba(run.evalTruth.size() * run.classCount(), 0.0);
    const HyperParams metaParams = {{"C", 1.0}, {"max_iter", 200}};
    const bool ok = stackOutOfFold(run, metaX, metaCols, metaParams, evalProba);
    TrainInput all;
    all.x = DenseView{metaX.data(), run.evalTruth.size(), metaCols};
    all.y = run.evalTruth;
    all.numClasses = run.classes;
    std::string error;
    auto meta = ok ? trainLearner("LogisticRegression", metaParams, all, TrainOptions{}, error) : nullptr;
    if (!meta)
        return;
    auto predictor = std::make_shared<Predictor>();
    predictor->kind = Predictor::Kind::Stacking;
    predictor->classes = run.classes;
    predictor->metaLearner = std::move(meta);
    TrialResult trial;
    trial.id = ++run.lastTrialId;
    trial.algorithm = "StackEnsemble";
    trial.learnerKind = "StackEnsemble";
    for (std::size_t i = 0; i < count; ++i) {
        const Candidate &c = run.kept[i];
        predictor->members.push_back(c.member);
        predictor->weights.push_back(1.0 / static_cast<double>(count));
        trial.ensembleDescription += (trial.ensembleDescription.empty() ? "" : ", ") + c.member.displayName +
                                     " (run " + std::to_string(c.id) + ")";
    }
    trial.ensembleDescription += "; meta-learner: LogisticRegression";
    trial.params = metaParams;
    recordEnsemble(run, trial, predictor, evalProba, t0);
}

// The test figures of the package's own prediction path, for the package and the best trial,
// and the best model's probabilities per test row.
void scoreBestOnTest(RunState &run, ModelPackageInfo &info, TrialResult *bestTrial)
{
    const std::size_t k = run.classCount();
    std::vector<double> proba(run.testX.rows * k);
    run.bestPredictor->predictProba(run.testX.view(), proba);
    Evaluated t = evaluate(run.testTruth, proba, run.classes, run.classLabels, run.settings.primaryMetric, true);
    info.testMetrics = t.metrics;
    if (bestTrial) {
        bestTrial->testMetrics = std::move(t.metrics);
        bestTrial->testChartsJson = std::move(t.charts);
    }
    auto &rows = run.result.bestTestProbabilities;
    rows.resize(run.testX.rows);
    for (std::size_t r = 0; r < run.testX.rows; ++r)
        rows[r].assign(proba.begin() + static_cast<std::ptrdiff_t>(r * k),
                       proba.begin() + static_cast<std::ptrdiff_t>((r + 1) * k));
}

} // namespace

void buildEnsembles(RunState &run)
{
    const bool ensembleTime = !run.result.canceled && run.kept.size() >= 2;
    if (ensembleTime && run.settings.enableVotingEnsemble)
        buildVoting(run);
    if (ensembleTime && run.settings.enableStackEnsemble)
        buildStack(run);
}

std::optional<Error> pickBest(RunState &run)
{
    for (const auto &e : run.ensembles)
        if (e.id == run.bestId)
            run.bestPredictor = e.predictor;
    if (!run.bestPredictor) {
        for (const auto &c : run.kept)
            if (c.id == run.bestId) {
                auto p = std::make_shared<Predictor>();
                p->kind = Predictor::Kind::Single;
                p->classes = run.classes;
                p->members.push_back(c.member);
                p->weights.push_back(1.0);
                run.bestPredictor = std::move(p);
            }
    }
    if (!run.bestPredictor)
        return Error{"internal: the best run's model was not kept"};
    return std::nullopt;
}

void packageBest(RunState &run)
{
    run.result.bestTrialId = run.bestId;
    TrialResult *bestTrial = nullptr;
    for (auto &t : run.result.trials)
        if (t.id == run.bestId)
            bestTrial = &t;

    ModelPackageInfo info;
    info.name = run.bestPredictor->name();
    info.primaryMetric = run.settings.primaryMetric;
    info.createdUtc = utcNow();
    if (bestTrial)
        info.validationMetrics = bestTrial->validationMetrics;
    if (run.scoresTest())
        scoreBestOnTest(run, info, bestTrial);
    run.result.best = std::make_shared<const ModelPackage>(run.schema, run.featurizer, run.bestPredictor, info);
}

void explainBest(RunState &run)
{
    if (!run.settings.explainBestModel || run.result.canceled || run.evalX.rows == 0)
        return;
    std::vector<std::string> columns;
    for (const auto &column : run.schema.columns)
        columns.push_back(column.name);
    auto score = [&run](const std::vector<double> &proba, const std::vector<std::size_t> &rows) {
        ClassPredictions p;
        p.truth = takeLabels(run.evalTruth, rows);
        p.probabilities = proba;
        p.classCount = run.classCount();
        auto v = classificationMetric(run.settings.primaryMetric, p);
        return v ? run.orient(*v) : 0.0;
    };
    ExplainOptions explainOptions;
    explainOptions.seed = run.settings.seed;
    explainOptions.deadline = std::max(run.deadline - run.budget.reserve / 4, Clock::now() + kMinExplainTime);
    run.result.explanation = explainModel(*run.bestPredictor, run.evalX.view(), run.featurizer.featureRawColumns(),
                                          columns, run.classLabels, run.settings.primaryMetric, score, explainOptions);
}

} // namespace cerulean::automl::phases
