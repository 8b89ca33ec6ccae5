#include "core/automl/learners.h"
#include "core/automl/learners_internal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

using namespace cerulean::automl;

namespace {

// A noisy nonlinear binary problem: linear models reach ~0.85 AUC, trees ~0.9+.
struct Problem
{
    std::vector<float> x;
    std::vector<int> y;
    std::size_t rows = 0, cols = 6;
    DenseView view() const { return {x.data(), rows, cols}; }
};

Problem makeProblem(std::size_t rows, unsigned seed, int classes = 2)
{
    Problem p;
    p.rows = rows;
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    for (std::size_t r = 0; r < rows; ++r) {
        float f[6];
        for (float &v : f)
            v = normal(rng);
        p.x.insert(p.x.end(), f, f + 6);
        const float score = 1.5f * f[0] - f[1] + (f[2] > 0.5f ? 1.2f : -0.3f) + 0.8f * f[3] * f[4] + 0.7f * normal(rng);
        if (classes == 2)
            p.y.push_back(score > 0.3f ? 1 : 0);
        else
            p.y.push_back(score < -0.8f ? 0 : score < 0.9f ? 1 : 2);
    }
    return p;
}

double binaryAuc(const std::vector<double> &proba, const std::vector<int> &y)
{
    std::vector<std::size_t> order(y.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return proba[a * 2 + 1] < proba[b * 2 + 1]; });
    double rankSum = 0, pos = 0;
    for (std::size_t i = 0; i < order.size(); ++i)
        if (y[order[i]] == 1) {
            rankSum += static_cast<double>(i + 1);
            pos += 1;
        }
    const double neg = static_cast<double>(y.size()) - pos;
    return (rankSum - pos * (pos + 1) / 2) / (pos * neg);
}

struct Case
{
    const char *kind;
    HyperParams params;
    double minAuc;
};

class LearnerTest : public ::testing::TestWithParam<Case>
{
};

TEST_P(LearnerTest, LearnsAndRoundTripsBitForBit)
{
    const Case c = GetParam();
    const Problem train = makeProblem(3000, 1), test = makeProblem(1500, 2);
    TrainInput input;
    input.x = train.view();
    input.y = train.y;
    input.numClasses = 2;
    input.validX = test.view();
    input.validY = test.y;
    TrainOptions options;
    options.threads = 2;
    std::string error;
    auto learner = trainLearner(c.kind, c.params, input, options, error);
    ASSERT_TRUE(learner) << error;
    EXPECT_EQ(learner->numClasses(), 2);
    std::vector<double> proba(test.rows * 2);
    learner->predictProba(test.view(), proba);
    for (std::size_t r = 0; r < test.rows; ++r)
        ASSERT_NEAR(proba[r * 2] + proba[r * 2 + 1], 1.0, 1e-9);
    EXPECT_GT(binaryAuc(proba, test.y), c.minAuc) << c.kind;

    std::vector<std::uint8_t> blob;
    const nlohmann::json state = learner->save(blob);
    auto loaded = loadLearner(nlohmann::json::parse(state.dump()), blob, error);
    ASSERT_TRUE(loaded) << error;
    std::vector<double> again(proba.size());
    loaded->predictProba(test.view(), again);
    EXPECT_EQ(0, std::memcmp(proba.data(), again.data(), proba.size() * sizeof(double))) << "not bit-exact";
    // One row at a time gives the same numbers as the batch.
    std::vector<double> single(2);
    loaded->predictProba(DenseView{test.x.data() + 7 * test.cols, 1, test.cols}, single);
    EXPECT_EQ(single[1], proba[7 * 2 + 1]);
}

INSTANTIATE_TEST_SUITE_P(
    All, LearnerTest,
    ::testing::Values(Case{"XGBoostClassifier", {{"n_estimators", 200}, {"learning_rate", 0.1}, {"max_depth", 4}}, 0.93},
                      Case{"LogisticRegression", {{"C", 1.0}}, 0.85},
                      Case{"LinearSVM", {{"alpha", 1e-4}, {"epochs", 5}}, 0.85},
                      Case{"RandomForest", {{"n_estimators", 60}, {"max_features", 0.5}, {"min_samples_leaf", 2}}, 0.90},
                      Case{"ExtremeRandomTrees", {{"n_estimators", 60}, {"max_features", 0.7}, {"min_samples_leaf", 2}}, 0.90}),
    [](const auto &testInfo) { return std::string(testInfo.param.kind); });

TEST(Learners, MulticlassProbabilitiesSumToOne)
{
    const Problem train = makeProblem(1500, 3, 3), test = makeProblem(500, 4, 3);
    for (const auto &info : learnerCatalog()) {
        TrainInput input;
        input.x = train.view();
        input.y = train.y;
        input.numClasses = 3;
        std::string error;
        auto learner = trainLearner(info.kind, info.cheapInit, input, TrainOptions{}, error);
        ASSERT_TRUE(learner) << info.kind << ": " << error;
        std::vector<double> proba(test.rows * 3);
        learner->predictProba(test.view(), proba);
        std::size_t correct = 0;
        for (std::size_t r = 0; r < test.rows; ++r) {
            const double *p = proba.data() + r * 3;
            ASSERT_NEAR(p[0] + p[1] + p[2], 1.0, 1e-6) << info.kind;
            correct += static_cast<std::size_t>(std::max_element(p, p + 3) - p) == static_cast<std::size_t>(test.y[r]);
        }
        EXPECT_GT(static_cast<double>(correct) / static_cast<double>(test.rows), 0.6) << info.kind;
    }
}

TEST(Learners, DeterministicForASeed)
{
    const Problem train = makeProblem(1000, 5);
    for (const char *kind : {"XGBoostClassifier", "RandomForest", "ExtremeRandomTrees", "LinearSVM"}) {
        TrainInput input;
        input.x = train.view();
        input.y = train.y;
        TrainOptions options;
        options.seed = 42;
        std::string error;
        HyperParams params = findLearner(kind)->cheapInit;
        if (params.count("subsample"))
            params["subsample"] = 0.7;
        auto a = trainLearner(kind, params, input, options, error);
        options.threads = 2; // forests split trees over threads; the result must not change
        auto b = trainLearner(kind, params, input, options, error);
        ASSERT_TRUE(a && b) << error;
        std::vector<double> pa(train.rows * 2), pb(train.rows * 2);
        a->predictProba(train.view(), pa);
        b->predictProba(train.view(), pb);
        EXPECT_EQ(pa, pb) << kind;
    }
}

// XGBoost learners predict with their own compact copy of the trees; it must give XGBoost's
// numbers bit for bit (binary and multiclass, with missing values taking the default branch,
// trained here and loaded back from a package blob).
TEST(Learners, XGBoostCompiledTreesMatchXGBoostBitForBit)
{
    for (int classes : {2, 3}) {
        Problem train = makeProblem(2000, 11, classes), test = makeProblem(700, 12, classes);
        // Missing values in training and scoring rows, so default directions are learned and used.
        for (std::size_t i = 0; i < train.x.size(); i += 7)
            train.x[i] = std::nanf("");
        for (std::size_t i = 0; i < test.x.size(); i += 5)
            test.x[i] = std::nanf("");
        TrainInput input;
        input.x = train.view();
        input.y = train.y;
        input.numClasses = classes;
        TrainOptions options;
        options.seed = 3;
        std::string error;
        auto learner = trainLearner("XGBoostClassifier",
                                    {{"n_estimators", 150}, {"learning_rate", 0.2}, {"max_depth", 7}, {"subsample", 0.8},
                                     {"colsample_bytree", 0.7}, {"min_child_weight", 1}},
                                    input, options, error);
        ASSERT_TRUE(learner) << error;
        std::vector<std::uint8_t> blob;
        const nlohmann::json state = learner->save(blob);
        auto loaded = loadLearner(nlohmann::json::parse(state.dump()), blob, error);
        ASSERT_TRUE(loaded) << error;
        const std::size_t k = static_cast<std::size_t>(classes);
        for (const Learner *l : {learner.get(), loaded.get()}) {
            std::vector<double> ours(test.rows * k), reference(test.rows * k);
            l->predictProba(test.view(), ours);
            bool compiled = false;
            ASSERT_TRUE(detail::xgboostLibraryPredict(*l, test.view(), reference, compiled));
            EXPECT_TRUE(compiled) << "the model was not compiled; prediction fell back to XGBoost";
            std::size_t differ = 0;
            for (std::size_t i = 0; i < ours.size(); ++i)
                differ += std::memcmp(&ours[i], &reference[i], sizeof(double)) != 0;
            EXPECT_EQ(differ, 0u) << classes << " classes: first values " << ours[1] << " vs " << reference[1];
            // Blocks are 64 rows: a single row and an odd-sized batch give the same numbers.
            std::vector<double> one(k), part(65 * k);
            l->predictProba(DenseView{test.x.data() + 100 * test.cols, 1, test.cols}, one);
            EXPECT_EQ(0, std::memcmp(one.data(), reference.data() + 100 * k, k * sizeof(double)));
            l->predictProba(DenseView{test.x.data() + 3 * test.cols, 65, test.cols}, part);
            EXPECT_EQ(0, std::memcmp(part.data(), reference.data() + 3 * k, part.size() * sizeof(double)));
        }
    }
}

TEST(Learners, CorruptStateIsAnErrorNotACrash)
{
    std::string error;
    EXPECT_FALSE(loadLearner(nlohmann::json{{"kind", "Nope"}}, {}, error));
    EXPECT_NE(error.find("Nope"), std::string::npos);
    EXPECT_FALSE(loadLearner(nlohmann::json{{"kind", "RandomForest"}, {"classes", 2}, {"features", 3}, {"trees", 2}},
                             std::vector<std::uint8_t>{1, 2, 3}, error));
    EXPECT_FALSE(loadLearner(nlohmann::json{{"kind", "XGBoostClassifier"}, {"classes", 2}, {"features", 3}},
                             std::vector<std::uint8_t>{1, 2, 3}, error));
}

} // namespace
