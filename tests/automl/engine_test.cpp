#include "core/automl/csv.h"
#include "core/automl/engine.h"
#include "core/automl/explain.h"
#include "core/automl/model_package.h"
#include "core/automl/schema.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

using namespace cerulean::automl;
namespace fs = std::filesystem;

namespace {

// A small mixed-type binary problem: two informative numbers, an informative category,
// noise, and a few missing values.
Dataset makeData(std::size_t rows, unsigned seed, int classes = 2)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<double> a(rows), b(rows), noise(rows);
    std::vector<std::optional<std::string>> color(rows), target(rows);
    const char *colors[] = {"red", "green", "blue"};
    for (std::size_t r = 0; r < rows; ++r) {
        a[r] = normal(rng);
        b[r] = normal(rng);
        noise[r] = normal(rng);
        const int c = static_cast<int>(rng() % 3);
        color[r] = std::string(colors[c]);
        const double score = 1.4 * a[r] - b[r] + (c == 2 ? 1.0 : 0.0) + 0.6 * normal(rng);
        if (classes == 2)
            target[r] = std::string(score > 0.4 ? "yes" : "no");
        else
            target[r] = std::string(score < -0.7 ? "low" : score < 0.9 ? "mid" : "high");
        if (r % 37 == 5)
            a[r] = std::nan("");
    }
    Dataset d;
    d.rows = rows;
    d.columns.push_back(Column::makeNumeric("a", a));
    d.columns.push_back(Column::makeNumeric("b", b));
    d.columns.push_back(Column::makeText("color", color));
    d.columns.push_back(Column::makeNumeric("noise", noise));
    d.columns.push_back(Column::makeText("y", target));
    return d;
}

AutoMLSettings quickSettings()
{
    AutoMLSettings s;
    s.targetColumn = "y";
    s.timeout = std::chrono::seconds(60);
    s.maxTrials = 7;
    s.maxConcurrentTrials = 1;
    s.explainBestModel = false;
    s.validation.kind = ValidationKind::Split;
    s.validation.validationSize = 0.25;
    s.threads = 1;
    return s;
}

std::vector<std::vector<Cell>> rowsOf(const Dataset &data, const InputSchema &schema)
{
    auto conformed = conformToSchema(data, schema);
    EXPECT_TRUE(conformed.ok()) << conformed.error();
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < conformed->rows; ++r)
        rows.push_back(conformed->row(r));
    return rows;
}

fs::path tempDir(const std::string &name)
{
    const fs::path dir = fs::temp_directory_path() / ("cerulean-engine-test-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir);
    return dir;
}

TEST(Engine, DeterministicForASeedAtConcurrencyOne)
{
    const Dataset data = makeData(600, 1);
    CancelToken cancel;
    auto first = runAutoML(quickSettings(), data, std::nullopt, nullptr, cancel);
    auto second = runAutoML(quickSettings(), data, std::nullopt, nullptr, cancel);
    ASSERT_TRUE(first.ok()) << first.error();
    ASSERT_TRUE(second.ok()) << second.error();
    ASSERT_EQ(first->trials.size(), second->trials.size());
    for (std::size_t i = 0; i < first->trials.size(); ++i) {
        EXPECT_EQ(first->trials[i].algorithm, second->trials[i].algorithm);
        EXPECT_EQ(first->trials[i].params, second->trials[i].params);
        EXPECT_EQ(first->trials[i].score, second->trials[i].score) << "trial " << i;
    }
    EXPECT_EQ(first->bestTrialId, second->bestTrialId);
    // Seven trials: every learner's cheap start plus the start of the portfolio.
    EXPECT_GE(first->trials.size(), 7u);
    EXPECT_EQ(first->stopReason, "max_trials");
}

TEST(Engine, LearnsAndEnsemblesAreNotWorseThanTheBestSingleModel)
{
    const Dataset data = makeData(1200, 2);
    AutoMLSettings s = quickSettings();
    s.maxTrials = 10;
    s.maxConcurrentTrials = 2;
    s.threads = 2;
    CancelToken cancel;
    std::vector<int> seen;
    auto run = runAutoML(s, data, makeData(400, 3), [&](const TrialEvent &e) { seen.push_back(e.trial.id); }, cancel);
    ASSERT_TRUE(run.ok()) << run.error();
    EXPECT_EQ(seen.size(), run->trials.size()) << "one progress event per leaderboard row";
    double bestSingle = 0;
    const TrialResult *voting = nullptr, *stack = nullptr;
    for (const auto &t : run->trials) {
        if (t.learnerKind == "VotingEnsemble")
            voting = &t;
        else if (t.learnerKind == "StackEnsemble")
            stack = &t;
        else if (t.status == TrialStatus::Completed)
            bestSingle = std::max(bestSingle, t.score);
        EXPECT_FALSE(t.validationMetrics.empty());
        EXPECT_FALSE(t.testMetrics.empty()) << "every row has test metrics";
    }
    EXPECT_GT(bestSingle, 0.85);
    ASSERT_TRUE(stack);
    EXPECT_GT(stack->score, 0.8);
    if (voting) { // absent only when no mix beats the best single model
        EXPECT_GE(voting->score, bestSingle - 1e-12);
    }
    const TrialResult *best = run->bestTrial();
    ASSERT_TRUE(best);
    EXPECT_GE(best->score, bestSingle);
    EXPECT_GT(best->testMetrics.at("AUC_weighted"), 0.85);
}

TEST(Engine, PackageRoundTripPredictsBitForBitAndConcurrently)
{
    const Dataset data = makeData(800, 4, 3);
    const Dataset test = makeData(300, 5, 3);
    AutoMLSettings s = quickSettings();
    s.maxTrials = 5;
    s.validation.kind = ValidationKind::KFold;
    s.validation.folds = 3;
    s.primaryMetric = "accuracy";
    CancelToken cancel;
    auto run = runAutoML(s, data, test, nullptr, cancel);
    ASSERT_TRUE(run.ok()) << run.error();
    ASSERT_EQ(run->classLabels, (std::vector<std::string>{"high", "low", "mid"}));
    const fs::path dir = tempDir("package");
    ASSERT_FALSE(run->best->save(dir).has_value());
    auto loaded = ModelPackage::load(dir);
    ASSERT_TRUE(loaded.ok()) << loaded.error();
    EXPECT_EQ(loaded->name(), run->best->name());
    EXPECT_EQ(loaded->schema().classLabels, run->classLabels);

    const auto rows = rowsOf(test, loaded->schema());
    auto probaResult = loaded->predictProba(rows);
    ASSERT_TRUE(probaResult.ok()) << probaResult.error();
    const auto &proba = *probaResult;
    ASSERT_EQ(proba.size(), run->bestTestProbabilities.size());
    for (std::size_t r = 0; r < proba.size(); ++r)
        ASSERT_EQ(0, std::memcmp(proba[r].data(), run->bestTestProbabilities[r].data(), proba[r].size() * sizeof(double)))
            << "row " << r << " differs after the round trip";

    // Many threads, one row each time: same numbers as the batch.
    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (std::size_t r = static_cast<std::size_t>(t); r < rows.size(); r += 4) {
                const auto one = loaded->predictProba(std::span<const std::vector<Cell>>(&rows[r], 1));
                if (!one.ok() || one->size() != 1 || (*one)[0] != proba[r])
                    ++mismatches;
            }
        });
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(mismatches.load(), 0);
    const auto labels = loaded->predict(std::span<const std::vector<Cell>>(rows.data(), 3));
    ASSERT_TRUE(labels.ok()) << labels.error();
    ASSERT_EQ(labels->size(), 3u);
    for (const auto &l : *labels)
        EXPECT_TRUE(l == "high" || l == "low" || l == "mid");

    // A rejected row is an error value naming the row (and the column), never an empty or
    // partial answer, and it fails the whole batch it is in.
    std::vector<std::vector<Cell>> withShortRow(rows.begin(), rows.begin() + 3);
    withShortRow[1].pop_back();
    auto bad = loaded->predictProba(withShortRow);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("row 2"), std::string::npos) << bad.error();
    auto badLabels = loaded->predict(withShortRow);
    ASSERT_FALSE(badLabels.ok());
    EXPECT_EQ(badLabels.error(), bad.error());

    std::vector<std::vector<Cell>> withText(rows.begin(), rows.begin() + 3);
    const std::size_t numericColumn = static_cast<std::size_t>(loaded->schema().columnIndex("a"));
    withText[2][numericColumn] = std::string("not a number");
    auto textInNumber = loaded->predictProba(withText);
    ASSERT_FALSE(textInNumber.ok());
    EXPECT_NE(textInNumber.error().find("row 3"), std::string::npos) << textInNumber.error();
    EXPECT_NE(textInNumber.error().find("'a'"), std::string::npos) << textInNumber.error();
    fs::remove_all(dir);
}

TEST(Engine, CancelReturnsPromptlyWithTheBestSoFar)
{
    const Dataset data = makeData(3000, 6);
    AutoMLSettings s = quickSettings();
    s.maxTrials = 1000;
    s.maxConcurrentTrials = 2;
    s.threads = 2;
    CancelToken cancel;
    std::chrono::steady_clock::time_point canceledAt;
    auto run = runAutoML(
        s, data, std::nullopt,
        [&](const TrialEvent &e) {
            if (e.trial.id >= 2 && !cancel.canceled()) {
                canceledAt = std::chrono::steady_clock::now();
                cancel.cancel();
            }
        },
        cancel);
    const auto returned = std::chrono::steady_clock::now();
    ASSERT_TRUE(run.ok()) << run.error();
    EXPECT_TRUE(run->canceled);
    EXPECT_EQ(run->stopReason, "canceled");
    ASSERT_TRUE(run->best);
    EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(returned - canceledAt).count(), 5000);
    const fs::path dir = tempDir("canceled");
    EXPECT_FALSE(writeRunOutput(*run, dir).has_value());
    EXPECT_TRUE(fs::exists(dir / "best" / "model.json"));
    fs::remove_all(dir);
}

TEST(Engine, BadInputIsAClearError)
{
    CancelToken cancel;
    AutoMLSettings s = quickSettings();
    s.targetColumn = "label";
    auto missing = runAutoML(s, makeData(100, 7), std::nullopt, nullptr, cancel);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("'label' not found"), std::string::npos) << missing.error();
    EXPECT_NE(missing.error().find("a, b, color, noise, y"), std::string::npos) << missing.error();

    Dataset single = makeData(100, 8);
    single.columns.back() = Column::makeText("y", std::vector<std::optional<std::string>>(100, std::string("yes")));
    auto oneClass = runAutoML(quickSettings(), single, std::nullopt, nullptr, cancel);
    ASSERT_FALSE(oneClass.ok());
    EXPECT_NE(oneClass.error().find("y"), std::string::npos) << oneClass.error();

    Dataset test = makeData(50, 9);
    test.columns[1].name = "bee";
    auto differ = runAutoML(quickSettings(), makeData(200, 10), test, nullptr, cancel);
    ASSERT_FALSE(differ.ok());
    EXPECT_NE(differ.error().find("missing b"), std::string::npos) << differ.error();
    EXPECT_NE(differ.error().find("bee"), std::string::npos) << differ.error();

    Dataset empty = makeData(200, 11);
    empty.columns[3] = Column::makeNumeric("noise", std::vector<double>(200, std::nan("")));
    auto allMissing = runAutoML(quickSettings(), empty, std::nullopt, nullptr, cancel);
    ASSERT_FALSE(allMissing.ok());
    EXPECT_NE(allMissing.error().find("noise"), std::string::npos) << allMissing.error();
    s = quickSettings();
    s.excludedColumns = {"noise"};
    EXPECT_TRUE(runAutoML(s, empty, std::nullopt, nullptr, cancel).ok()) << "excluding the column resolves it";

    s = quickSettings();
    s.blockedModels = {"XGBoostClassifier", "LogisticRegression", "RandomForest", "ExtremeRandomTrees", "LinearSVM"};
    auto none = runAutoML(s, makeData(100, 12), std::nullopt, nullptr, cancel);
    ASSERT_FALSE(none.ok());
}

TEST(Engine, OutputIsWrittenAtomicallyAndNeverOverAnExistingDirectory)
{
    CancelToken cancel;
    AutoMLSettings s = quickSettings();
    s.maxTrials = 3;
    s.explainBestModel = true;
    auto run = runAutoML(s, makeData(400, 13), makeData(100, 14), nullptr, cancel);
    ASSERT_TRUE(run.ok()) << run.error();
    ASSERT_TRUE(run->explanation);
    EXPECT_FALSE(run->explanation->permutation.empty());
    const fs::path dir = tempDir("output");
    ASSERT_FALSE(writeRunOutput(*run, dir).has_value());
    for (const char *file : {"leaderboard.json", "progress.json", "guardrails.json", "profile.json", "explanation.json",
                             "best/model.json", "runs/1/metrics.json", "runs/1/charts.json"})
        EXPECT_TRUE(fs::exists(dir / file)) << file;
    auto again = writeRunOutput(*run, dir);
    ASSERT_TRUE(again.has_value());
    EXPECT_NE(again->message.find("already exists"), std::string::npos);
    std::size_t leftovers = 0;
    for (const auto &entry : fs::directory_iterator(dir.parent_path()))
        leftovers += entry.path().filename().string().find(".tmp-") != std::string::npos &&
                     entry.path().filename().string().find(dir.filename().string()) != std::string::npos;
    EXPECT_EQ(leftovers, 0u);
    fs::remove_all(dir);
}

TEST(Engine, AnExplanationOutOfTimeRanksEveryColumnOnFewerRows)
{
    // A budget spent on the search (or a slow machine) must not cost the explanation: the
    // permutation importance is measured on a smaller sample instead of being dropped.
    const fs::path dir = tempDir("explain");
    ASSERT_TRUE(trainQuickPackage(makeData(2000, 31), "y", dir).ok());
    auto package = ModelPackage::load(dir);
    ASSERT_TRUE(package.ok()) << package.error();
    auto x = package->featurizer().transform(makeData(1500, 32));
    ASSERT_TRUE(x.ok()) << x.error();
    std::vector<std::string> columns;
    for (const auto &column : package->schema().columns)
        columns.push_back(column.name);
    std::size_t scoredRows = 0;
    // The score only has to be a function of the probabilities; the mean of class 0 is one.
    auto score = [&](const std::vector<double> &proba, const std::vector<std::size_t> &rows) {
        scoredRows = rows.size();
        double sum = 0;
        for (std::size_t r = 0; r < rows.size(); ++r)
            sum += proba[r * 2];
        return sum / static_cast<double>(rows.size());
    };
    ExplainOptions options;
    options.deadline = std::chrono::steady_clock::now();
    const Explanation e = explainModel(package->predictor(), DenseView{x->values.data(), x->rows, x->cols},
                                       package->featurizer().featureRawColumns(), columns,
                                       package->schema().classLabels, "AUC_weighted", score, options);
    EXPECT_EQ(e.permutation.size(), columns.size());
    EXPECT_GE(scoredRows, 125u);
    EXPECT_LT(scoredRows, options.maxRows);

    options.deadline = std::chrono::steady_clock::time_point::max();
    const Explanation full = explainModel(package->predictor(), DenseView{x->values.data(), x->rows, x->cols},
                                          package->featurizer().featureRawColumns(), columns,
                                          package->schema().classLabels, "AUC_weighted", score, options);
    EXPECT_EQ(full.permutation.size(), columns.size());
    EXPECT_EQ(scoredRows, options.maxRows);
    fs::remove_all(dir);
}

TEST(Engine, QuickPackageForScoringTests)
{
    const fs::path dir = tempDir("quick");
    auto package = trainQuickPackage(makeData(500, 15), "y", dir);
    ASSERT_TRUE(package.ok()) << package.error();
    auto loaded = ModelPackage::load(dir);
    ASSERT_TRUE(loaded.ok()) << loaded.error();
    EXPECT_EQ(loaded->schema().columns.size(), 4u);
    const auto label = loaded->predict(std::span<const std::vector<Cell>>(&loaded->schema().exampleRow, 1));
    ASSERT_TRUE(label.ok()) << label.error();
    EXPECT_EQ(label->size(), 1u);
    fs::remove_all(dir);
}

std::string sharedData()
{
    const char *env = std::getenv("CERULEAN_SHARED_DIR");
    return std::string(env ? env : CERULEAN_SOURCE_DIR "/../shared") + "/data/";
}

TEST(Engine, BankMarketingShortBudget)
{
    auto train = readCsvFile(sharedData() + "bankmarketing_train.csv");
    auto test = readCsvFile(sharedData() + "bankmarketing_test.csv");
    ASSERT_TRUE(train.ok()) << train.error();
    ASSERT_TRUE(test.ok()) << test.error();
    AutoMLSettings s;
    s.targetColumn = "y";
#if defined(__SANITIZE_ADDRESS__)
    // Sanitized builds run the data preparation several times slower; the budget covers it.
    // The work after the refit (test metrics and charts, the explanation's minimum slice)
    // is also slower there, so the allowed overrun is wider.
    constexpr long long budgetMs = 60000;
    constexpr long long overrunMs = 10000;
#else
    constexpr long long budgetMs = 15000;
    constexpr long long overrunMs = 5000;
#endif
    s.timeout = std::chrono::milliseconds(budgetMs);
    s.maxConcurrentTrials = 2;
    s.seed = 1;
    CancelToken cancel;
    auto run = runAutoML(s, train->data, test->data, nullptr, cancel);
    ASSERT_TRUE(run.ok()) << run.error();
    EXPECT_NE(run->validationDescription.find("10 % holdout"), std::string::npos) << run->validationDescription;
    EXPECT_LT(run->duration.count(), budgetMs + overrunMs);
    const TrialResult *best = run->bestTrial();
    ASSERT_TRUE(best);
    EXPECT_GT(best->testMetrics.at("AUC_weighted"), 0.93);
    const auto &leak = run->guardrails.leakageColumns;
    EXPECT_NE(std::find(leak.begin(), leak.end(), "duration"), leak.end()) << "duration leaks the outcome";
}

} // namespace
