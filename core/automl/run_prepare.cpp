// The phases of a run before the search: settings, target, featurization, validation folds,
// learners and the budget of cores and time.

#include "core/automl/run_state.h"

#include "core/automl/metrics.h"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <thread>

namespace cerulean::automl::phases {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

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

std::string lowerCase(std::string s)
{
    for (char &c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string joinNames(const std::vector<std::string> &names)
{
    std::string s;
    for (const auto &name : names)
        s += (s.empty() ? "" : ", ") + name;
    return s;
}

bool listed(const std::vector<std::string> &names, const LearnerInfo &info)
{
    for (const auto &n : names) {
        const std::string l = lowerCase(n);
        if (l == lowerCase(info.kind) || l == lowerCase(info.displayName))
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

// A test or validation set must have the training columns, no more and no fewer.
std::optional<Error> checkColumns(const RunState &run, const Dataset &other, const char *what)
{
    std::vector<std::string> missing, extra;
    for (const auto &column : run.schema.columns)
        if (other.columnIndex(column.name) < 0)
            missing.push_back(column.name);
    for (const auto &column : other.columns)
        if (column.name != run.settings.targetColumn && run.schema.columnIndex(column.name) < 0)
            extra.push_back(column.name);
    if (missing.empty() && extra.empty())
        return std::nullopt;
    std::string message = std::string(what) + " columns differ from training:";
    if (!missing.empty())
        message += " missing " + joinNames(missing) + ";";
    if (!extra.empty())
        message += " not in training " + joinNames(extra) + ";";
    message.pop_back();
    return Error{message};
}

// The labelled rows of a test or validation set, featurized as training was, with their classes.
std::optional<Error> encodeHeldOut(const RunState &run, const Dataset &other, const char *what, Matrix &x,
                                   std::vector<int> &truth)
{
    if (auto error = checkColumns(run, other, what))
        return error;
    const int t = other.columnIndex(run.settings.targetColumn);
    if (t < 0)
        return Error{std::string(what) + " has no target column '" + run.settings.targetColumn + "'"};
    const Column &column = other.columns[static_cast<std::size_t>(t)];
    std::vector<std::size_t> rows;
    for (std::size_t r = 0; r < other.rows; ++r) {
        if (column.isMissing(r))
            continue;
        const std::string text = column.cellText(r);
        const auto it = std::find(run.classLabels.begin(), run.classLabels.end(), text);
        if (it == run.classLabels.end())
            return Error{std::string(what) + " row " + std::to_string(r + 1) + ": target '" + text +
                         "' is not a class seen in training"};
        truth.push_back(static_cast<int>(it - run.classLabels.begin()));
        rows.push_back(r);
    }
    auto transformed = run.featurizer.transform(rows.size() == other.rows ? other : other.selectRows(rows));
    if (!transformed)
        return Error{std::string(what) + ": " + transformed.error()};
    x.values = std::move(transformed->values);
    x.rows = transformed->rows;
    x.cols = transformed->cols;
    return std::nullopt;
}

// Profile and guardrails; a column without a single value is an error unless excluded.
std::optional<Error> profileAndGuard(RunState &run)
{
    const AutoMLSettings &settings = run.settings;
    run.result.profile = profileDataset(run.data);
    std::string empty;
    for (const auto &column : run.result.profile.columns) {
        const bool excluded = std::find(settings.excludedColumns.begin(), settings.excludedColumns.end(),
                                        column.name) != settings.excludedColumns.end();
        if (column.kind == ColumnKind::AllMissing && column.name != settings.targetColumn && !excluded)
            empty += (empty.empty() ? "" : ", ") + column.name;
    }
    if (!empty.empty())
        return Error{"column(s) with no values at all: " + empty +
                     "; remove them from the file or exclude them (--exclude-columns)"};
    GuardrailOptions guardOptions;
    guardOptions.seed = settings.seed;
    guardOptions.excludedColumns = settings.excludedColumns;
    run.result.guardrails =
        runGuardrails(run.data, run.result.profile, static_cast<std::size_t>(run.targetIndex), guardOptions);
    return std::nullopt;
}

// Validation on a file: one fold that trains on every training row.
std::optional<Error> validationFileFold(RunState &run)
{
    if (!run.settings.validationData)
        return Error{"validation: a validation file was requested but none was given"};
    Fold fold;
    if (auto error = encodeHeldOut(run, *run.settings.validationData, "validation data", fold.validX, fold.validY))
        return error;
    fold.trainX.values = run.features.values;
    fold.trainX.rows = run.features.rows;
    fold.trainX.cols = run.features.cols;
    fold.trainY = run.labels;
    run.evalTruth = fold.validY;
    fold.evalPositions.resize(fold.validY.size());
    std::iota(fold.evalPositions.begin(), fold.evalPositions.end(), 0);
    run.evalX = fold.validX;
    run.folds.push_back(std::move(fold));
    run.result.validationDescription = "validation file (" + std::to_string(run.evalTruth.size()) + " rows)";
    return std::nullopt;
}

// Cross-validation (every row is evaluated out of fold) or a holdout split of the training rows.
void plannedFolds(RunState &run)
{
    const FeatureMatrix &features = run.features;
    const ValidationPlan plan = planValidation(run.labels, run.classes, run.settings.validation, run.settings.seed);
    run.result.validationDescription = plan.description;
    if (plan.crossValidation) {
        run.evalTruth = run.labels;
        run.evalX.values = features.values;
        run.evalX.rows = features.rows;
        run.evalX.cols = features.cols;
    }
    for (std::size_t f = 0; f < plan.folds(); ++f) {
        Fold fold;
        fold.trainX = takeRows(features.values, features.cols, plan.trainRows[f]);
        fold.trainY = takeLabels(run.labels, plan.trainRows[f]);
        fold.validX = takeRows(features.values, features.cols, plan.validRows[f]);
        fold.validY = takeLabels(run.labels, plan.validRows[f]);
        if (plan.crossValidation) {
            fold.evalPositions = plan.validRows[f];
        } else {
            run.evalTruth = fold.validY;
            fold.evalPositions.resize(fold.validY.size());
            std::iota(fold.evalPositions.begin(), fold.evalPositions.end(), 0);
            run.evalX = fold.validX;
        }
        run.folds.push_back(std::move(fold));
    }
}

} // namespace

RunState::RunState(const AutoMLSettings &settings_, const ProgressCallback &progress_, const CancelToken &cancel_)
    : settings(settings_), progress(progress_), cancel(cancel_), start(Clock::now()),
      deadline(start + settings_.timeout), higher(higherIsBetter(settings_.primaryMetric))
{
    result.settings = settings;
    result.settings.validationData.reset(); // the result does not keep a copy of the data
}

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

std::optional<Error> checkSettings(const AutoMLSettings &settings)
{
    if (settings.task != "classification")
        return Error{"task '" + settings.task + "' is not supported; use classification"};
    bool known = false;
    for (auto name : classificationMetricNames())
        known = known || name == settings.primaryMetric;
    if (!known) {
        std::string list;
        for (auto name : classificationMetricNames())
            list += (list.empty() ? "" : ", ") + std::string(name);
        return Error{"unknown primary metric '" + settings.primaryMetric + "'; one of: " + list};
    }
    return std::nullopt;
}

std::optional<Error> prepareTarget(RunState &run, const Dataset &train)
{
    const AutoMLSettings &settings = run.settings;
    run.targetIndex = train.columnIndex(settings.targetColumn);
    if (run.targetIndex < 0)
        return Error{"target column '" + settings.targetColumn + "' not found; the columns are: " +
                     joinNames(train.columnNames())};
    auto target = encodeTarget(train.columns[static_cast<std::size_t>(run.targetIndex)]);
    if (!target)
        return Error{target.error()}; // it names the column
    std::vector<std::size_t> labeled;
    for (std::size_t r = 0; r < target->rowLabels.size(); ++r)
        if (target->rowLabels[r] >= 0)
            labeled.push_back(r);
    run.result.unlabeledTrainRows = train.rows - labeled.size();
    run.data = labeled.size() == train.rows ? train : train.selectRows(labeled);
    run.labels = takeLabels(target->rowLabels, labeled);
    run.classLabels = target->labels;
    run.classes = static_cast<int>(run.classLabels.size());
    run.result.classLabels = run.classLabels;

    if (!run.test && settings.testSize > 0 && settings.testSize < 1) {
        std::vector<std::size_t> keep, held;
        stratifiedSplit(run.labels, run.classes, settings.testSize, settings.seed + 17, keep, held);
        run.test = run.data.selectRows(held);
        run.data = run.data.selectRows(keep);
        run.labels = takeLabels(run.labels, keep);
    }
    for (int c = 0; c < run.classes; ++c)
        if (std::count(run.labels.begin(), run.labels.end(), c) == 0)
            return Error{"class '" + run.classLabels[static_cast<std::size_t>(c)] + "' has no training rows left"};
    run.result.trainRows = run.data.rows;
    return std::nullopt;
}

std::optional<Error> featurize(RunState &run)
{
    if (auto error = profileAndGuard(run))
        return error;
    FeaturizerOptions featurizerOptions;
    featurizerOptions.seed = run.settings.seed;
    featurizerOptions.excludedColumns = run.settings.excludedColumns;
    auto fitted = Featurizer::fit(run.data, run.targetIndex, run.labels, run.classes, featurizerOptions);
    if (!fitted)
        return Error{"featurization: " + fitted.error()};
    run.featurizer = std::move(fitted->featurizer);
    run.features = std::move(fitted->train);
    if (run.features.cols == 0)
        return Error{"no usable feature columns (all were dropped as constant, ID-like, all missing or excluded)"};
    run.schema = makeInputSchema(run.data, run.targetIndex, run.classLabels);

    run.hasTest = run.test.has_value();
    if (run.hasTest) {
        if (auto error = encodeHeldOut(run, *run.test, "test data", run.testX, run.testTruth))
            return error;
        run.result.testRows = run.testX.rows;
        run.result.unlabeledTestRows = run.test->rows - run.testX.rows;
    }
    return std::nullopt;
}

std::optional<Error> buildFolds(RunState &run)
{
    if (run.settings.validation.kind == ValidationKind::File) {
        if (auto error = validationFileFold(run))
            return error;
    } else {
        plannedFolds(run);
    }
    if (run.evalTruth.empty())
        return Error{"validation: no validation rows"};
    return std::nullopt;
}

std::optional<Error> chooseLearners(RunState &run)
{
    const AutoMLSettings &settings = run.settings;
    for (const auto &info : learnerCatalog()) {
        if (!settings.allowedModels.empty() && !listed(settings.allowedModels, info))
            continue;
        if (listed(settings.blockedModels, info))
            continue;
        run.learners.push_back(&info);
    }
    if (run.learners.empty())
        return Error{"no learners left after the allowed and blocked model lists"};
    return std::nullopt;
}

void planBudget(RunState &run)
{
    const AutoMLSettings &settings = run.settings;
    Budget &budget = run.budget;
    budget.totalThreads = settings.threads > 0 ? settings.threads
                                               : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    budget.workers = std::clamp(settings.maxConcurrentTrials, 1, 64);
    budget.smallData = run.features.rows < kMinRowsForThreads;
    budget.threadsPerTrial = budget.smallData ? 1 : std::max(1, budget.totalThreads / budget.workers);
    budget.refit = settings.refitBestModel && settings.validation.kind != ValidationKind::File;
    budget.reserve =
        std::clamp(duration_cast<milliseconds>(settings.timeout * kReserveShare), kMinReserve, kMaxReserve);
    budget.searchEnd =
        run.deadline - std::min(budget.reserve, duration_cast<milliseconds>(settings.timeout / 2));
    budget.maxRefitTime = duration_cast<milliseconds>(settings.timeout * kMaxRefitShare);
}

} // namespace cerulean::automl::phases
