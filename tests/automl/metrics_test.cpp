#include "core/automl/metrics.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace cerulean::automl;

namespace {

std::string testData(const std::string &name)
{
    const char *dir = std::getenv("CERULEAN_TEST_DATA");
    return std::string(dir ? dir : CERULEAN_SOURCE_DIR "/tests/data") + "/automl/" + name;
}

nlohmann::json fixture()
{
    std::ifstream in(testData("metrics_sklearn.json"));
    std::stringstream buffer;
    buffer << in.rdbuf();
    return nlohmann::json::parse(buffer.str());
}

ClassPredictions predictionsOf(const nlohmann::json &c)
{
    ClassPredictions p;
    p.classCount = c["class_count"].get<std::size_t>();
    p.truth = c["truth"].get<std::vector<int>>();
    for (const auto &row : c["probabilities"]) {
        for (const auto &v : row)
            p.probabilities.push_back(v.get<double>());
    }
    return p;
}

std::vector<std::string> labelsFor(std::size_t k)
{
    std::vector<std::string> labels;
    for (std::size_t i = 0; i < k; ++i)
        labels.push_back("class" + std::to_string(i));
    return labels;
}

} // namespace

TEST(Metrics, MatchScikitLearnOnEveryFixtureCase)
{
    const auto data = fixture();
    ASSERT_EQ(data["cases"].size(), 3u);
    for (const auto &c : data["cases"]) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const ClassPredictions p = predictionsOf(c);
        auto metrics = classificationMetrics(p);
        ASSERT_TRUE(metrics.ok()) << metrics.error();
        EXPECT_EQ(metrics->size(), classificationMetricNames().size());
        for (const auto &[name, expected] : c["expected"].items()) {
            ASSERT_TRUE(metrics->count(name)) << name;
            EXPECT_NEAR(metrics->at(name), expected.get<double>(), 1e-9) << name;
            auto single = classificationMetric(name, p);
            ASSERT_TRUE(single.ok());
            EXPECT_DOUBLE_EQ(*single, metrics->at(name)) << name;
        }
        for (std::string_view name : classificationMetricNames())
            EXPECT_TRUE(c["expected"].contains(std::string(name))) << name;
    }
}

TEST(Metrics, ChartsMatchScikitLearnCurves)
{
    const auto data = fixture();
    for (const auto &c : data["cases"]) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const ClassPredictions p = predictionsOf(c);
        auto charts = classificationCharts(p, labelsFor(p.classCount));
        ASSERT_TRUE(charts.ok()) << charts.error();
        const auto expectedMatrix = c["charts"]["confusion_matrix"].get<std::vector<std::vector<std::size_t>>>();
        EXPECT_EQ(charts->confusion, expectedMatrix);
        for (std::size_t k = 0; k < p.classCount; ++k) {
            const auto &roc = c["charts"]["roc"][std::to_string(k)];
            const auto x = roc["x"].get<std::vector<double>>();
            const auto y = roc["y"].get<std::vector<double>>();
            const Curve &curve = charts->roc[k];
            EXPECT_EQ(curve.label, "class" + std::to_string(k));
            if (x.size() <= kMaxCurvePoints) {
                ASSERT_EQ(curve.x.size(), x.size());
                for (std::size_t i = 0; i < x.size(); ++i) {
                    EXPECT_NEAR(curve.x[i], x[i], 1e-12);
                    EXPECT_NEAR(curve.y[i], y[i], 1e-12);
                }
            } else {
                EXPECT_EQ(curve.x.size(), kMaxCurvePoints);
                EXPECT_DOUBLE_EQ(curve.x.front(), 0.0);
                EXPECT_DOUBLE_EQ(curve.x.back(), 1.0);
                EXPECT_DOUBLE_EQ(curve.y.back(), 1.0);
            }
            const auto &cal = c["charts"]["calibration"][std::to_string(k)];
            const auto cx = cal["x"].get<std::vector<double>>();
            const auto cy = cal["y"].get<std::vector<double>>();
            ASSERT_EQ(charts->calibration[k].x.size(), cx.size());
            for (std::size_t i = 0; i < cx.size(); ++i) {
                EXPECT_NEAR(charts->calibration[k].x[i], cx[i], 1e-12);
                EXPECT_NEAR(charts->calibration[k].y[i], cy[i], 1e-12);
            }
        }
        // Per class plus micro and macro.
        EXPECT_EQ(charts->roc.size(), p.classCount + 2);
        EXPECT_EQ(charts->roc[p.classCount].label, "micro");
        EXPECT_EQ(charts->roc[p.classCount + 1].label, "macro");
        EXPECT_EQ(charts->precisionRecall.size(), p.classCount + 2);
        for (const auto &curve : charts->roc)
            EXPECT_LE(curve.x.size(), kMaxCurvePoints);
        for (const auto &curve : charts->precisionRecall)
            EXPECT_LE(curve.x.size(), kMaxCurvePoints);
    }
}

TEST(Metrics, LiftAndGainsByPercentile)
{
    // 10 rows, 2 positives ranked first: the top 10 % holds half the positives (lift 5),
    // the top 20 % holds all of them.
    ClassPredictions p;
    p.classCount = 2;
    for (int i = 0; i < 10; ++i) {
        const double score = 1.0 - i * 0.05;
        p.truth.push_back(i < 2 ? 1 : 0);
        p.probabilities.push_back(1 - score);
        p.probabilities.push_back(score);
    }
    auto charts = classificationCharts(p, {"no", "yes"});
    ASSERT_TRUE(charts.ok());
    const Curve &gains = charts->cumulativeGains[1];
    const Curve &lift = charts->lift[1];
    ASSERT_EQ(gains.x.size(), kGainPercentiles + 1);
    ASSERT_EQ(lift.x.size(), kGainPercentiles);
    EXPECT_DOUBLE_EQ(gains.y[0], 0.0);
    EXPECT_DOUBLE_EQ(gains.x[10], 10.0);
    EXPECT_DOUBLE_EQ(gains.y[10], 0.5);
    EXPECT_DOUBLE_EQ(gains.y[20], 1.0);
    EXPECT_DOUBLE_EQ(gains.y[100], 1.0);
    EXPECT_DOUBLE_EQ(lift.y[9], 5.0);   // 10 %
    EXPECT_DOUBLE_EQ(lift.y[19], 5.0);  // 20 %
    EXPECT_DOUBLE_EQ(lift.y[99], 1.0);  // everyone
}

TEST(Metrics, ConfusionMatrixJsonHasAzuresShape)
{
    ClassPredictions p;
    p.classCount = 2;
    p.truth = {0, 1, 1};
    p.probabilities = {0.9, 0.1, 0.4, 0.6, 0.7, 0.3};
    auto charts = classificationCharts(p, {"no", "yes"});
    ASSERT_TRUE(charts.ok());
    EXPECT_EQ(confusionMatrixJson(*charts), R"({"data":{"class_labels":["no","yes"],"matrix":[[1,0],[1,1]]},)"
                                            R"("schema_type":"confusion_matrix","schema_version":"1.0.0"})");
    const auto all = nlohmann::json::parse(chartsJson(*charts));
    for (const char *key : {"confusion_matrix", "roc_curve", "precision_recall_curve", "calibration_curve",
                            "lift_curve", "cumulative_gains_curve"}) {
        ASSERT_TRUE(all.contains(key)) << key;
        EXPECT_EQ(all[key]["schema_version"], "1.0.0");
    }
    EXPECT_EQ(all["roc_curve"]["data"]["curves"].size(), 4u);
    EXPECT_EQ(metricsJson({{"a", 1.5}, {"b", std::nan("")}}), R"({"a":1.5,"b":null})");
}

TEST(Metrics, BadInputsAreErrors)
{
    ClassPredictions p;
    p.classCount = 2;
    EXPECT_EQ(classificationMetrics(p).error(), "metrics need at least one row");
    p.truth = {0, 1};
    p.probabilities = {0.5, 0.5, 0.5};
    EXPECT_NE(classificationMetrics(p).error().find("3 probabilities for 2 rows"), std::string::npos);
    p.probabilities = {0.5, 0.5, 0.5, 0.5};
    p.truth = {0, 2};
    EXPECT_EQ(classificationMetrics(p).error(), "metrics: row 2 has class index 2");
    p.truth = {0, 1};
    EXPECT_EQ(classificationMetric("AUC_sideways", p).error(), "unknown metric 'AUC_sideways'");
    EXPECT_FALSE(classificationCharts(p, {"only one"}).ok());
    p.classCount = 1;
    EXPECT_FALSE(classificationMetrics(p).ok());
    EXPECT_FALSE(higherIsBetter(metric::kLogLoss));
    EXPECT_TRUE(higherIsBetter(metric::kAucWeighted));
}

TEST(Metrics, AucHandlesTiesAndSingleClass)
{
    EXPECT_DOUBLE_EQ(rocAuc({0, 1, 0, 1}, {0.1, 0.9, 0.2, 0.8}), 1.0);
    EXPECT_DOUBLE_EQ(rocAuc({0, 1}, {0.5, 0.5}), 0.5);
    EXPECT_DOUBLE_EQ(rocAuc({1, 1}, {0.2, 0.3}), 0.5);
    EXPECT_DOUBLE_EQ(rocAuc({0, 1, 0, 1}, {0.9, 0.1, 0.8, 0.2}), 0.0);
}

TEST(Metrics, Regression)
{
    // sklearn: r2_score([3,-0.5,2,7],[2.5,0,2,8]) = 0.9486081370449679; RMSE sqrt(0.375); MAE 0.5
    auto m = regressionMetrics({3, -0.5, 2, 7}, {2.5, 0.0, 2, 8});
    ASSERT_TRUE(m.ok());
    EXPECT_NEAR(m->at("r2_score"), 0.9486081370449679, 1e-12);
    EXPECT_NEAR(m->at("root_mean_squared_error"), std::sqrt(0.375), 1e-12);
    EXPECT_NEAR(m->at("mean_absolute_error"), 0.5, 1e-12);
    EXPECT_NEAR(m->at("normalized_root_mean_squared_error"), std::sqrt(0.375) / 7.5, 1e-12);
    EXPECT_NEAR(m->at("spearman_correlation"), 1.0, 1e-12);
    EXPECT_FALSE(regressionMetrics({1, 2}, {1}).ok());
}
