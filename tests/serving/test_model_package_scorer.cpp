// A real model package served over the scoring application: what predicts in the engine
// predicts identically when served (predict_proba probabilities are bit-exact).

#include "core/automl/csv.h"
#include "core/automl/engine.h"
#include "core/automl/model_package.h"
#include "core/automl/schema.h"
#include "core/serving/model_package_scorer.h"
#include "core/serving/scoring_service.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <numeric>

using namespace cerulean;
using Json = nlohmann::json;

namespace {

std::string sharedDir()
{
    const char *env = std::getenv("CERULEAN_SHARED_DIR");
    return env && *env ? env : CERULEAN_SOURCE_DIR "/../shared";
}

Json cellJson(const automl::Cell &cell)
{
    if (const auto *d = std::get_if<double>(&cell))
        return *d;
    if (const auto *s = std::get_if<std::string>(&cell))
        return *s;
    return nullptr;
}

class ModelPackageScorerTest : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        dir = std::filesystem::temp_directory_path() / ("cerulean-serving-pkg-" + std::to_string(::getpid()));
        auto table = automl::readCsvFile(sharedDir() + "/data/bankmarketing_train.csv");
        ASSERT_TRUE(table) << table.error();
        std::vector<std::size_t> first(3000);
        std::iota(first.begin(), first.end(), std::size_t{0});
        auto package = automl::trainQuickPackage(table->data.selectRows(first), "y", dir);
        ASSERT_TRUE(package) << package.error();
    }
    static void TearDownTestSuite()
    {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    static inline std::filesystem::path dir;
};

} // namespace

TEST_F(ModelPackageScorerTest, ServedProbabilitiesEqualThePackage)
{
    std::string error;
    auto scorer = serving::ModelPackageScorer::load(dir, error);
    ASSERT_TRUE(scorer) << error;
    const automl::ModelPackage &package = scorer->package();
    EXPECT_EQ(scorer->schema().columns.size(), package.schema().columns.size());
    EXPECT_EQ(scorer->schema().classLabels, (std::vector<std::string>{"no", "yes"}));

    automl::CsvOptions options;
    options.typeHints = package.schema().csvTypeHints();
    auto test = automl::readCsvFile(sharedDir() + "/data/bankmarketing_test.csv", options);
    ASSERT_TRUE(test) << test.error();
    auto conformed = automl::conformToSchema(test->data, package.schema());
    ASSERT_TRUE(conformed) << conformed.error();
    const std::size_t n = 200;
    std::vector<std::vector<automl::Cell>> rows;
    Json data = Json::array();
    for (std::size_t r = 0; r < n; ++r) {
        rows.push_back(conformed->row(r));
        Json row = Json::object();
        for (std::size_t c = 0; c < package.schema().columns.size(); ++c)
            row[package.schema().columns[c].name] = cellJson(rows.back()[c]);
        data.push_back(row);
    }
    const auto expected = package.predictProba(rows).value();
    const auto labels = package.predict(rows).value();
    ASSERT_EQ(expected.size(), n);

    serving::ScoringOptions scoringOptions;
    scoringOptions.maxRows = 1000;
    serving::ScoringService service(scorer, scoringOptions, nullptr);
    serving::Request request;
    request.method = "POST";
    request.target = request.path = "/score";
    request.headers.push_back({"Content-Type", "application/json"});
    request.received = std::chrono::steady_clock::now();
    request.body = Json{{"Inputs", {{"data", data}}}, {"GlobalParameters", {{"method", "predict_proba"}}}}.dump();
    serving::Response reply = service.handle(request);
    ASSERT_EQ(reply.status, 200) << reply.body;
    const Json results = Json::parse(reply.body)["Results"];
    ASSERT_EQ(results.size(), n);
    for (std::size_t r = 0; r < n; ++r) {
        EXPECT_EQ(results[r]["no"].get<double>(), expected[r][0]) << r;
        EXPECT_EQ(results[r]["yes"].get<double>(), expected[r][1]) << r;
    }

    request.body = Json{{"data", data}}.dump();
    reply = service.handle(request);
    ASSERT_EQ(reply.status, 200) << reply.body;
    const Json predicted = Json::parse(reply.body)["result"];
    for (std::size_t r = 0; r < n; ++r)
        EXPECT_EQ(predicted[r].get<std::string>(), labels[r]) << r;
}

TEST_F(ModelPackageScorerTest, UnseenCategoriesAndMissingValuesScore)
{
    std::string error;
    auto scorer = serving::ModelPackageScorer::load(dir, error);
    ASSERT_TRUE(scorer) << error;
    serving::ScoringService service(scorer, serving::ScoringOptions{}, nullptr);
    Json row = Json::object();
    const auto &schema = scorer->schema();
    for (std::size_t c = 0; c < schema.columns.size(); ++c)
        row[schema.columns[c].name] = cellJson(schema.exampleRow[c]);
    row["job"] = "astronaut";
    row["age"] = nullptr;
    serving::Request request;
    request.method = "POST";
    request.target = request.path = "/score";
    request.headers.push_back({"Content-Type", "application/json"});
    request.received = std::chrono::steady_clock::now();
    request.body = Json{{"data", Json::array({row})}}.dump();
    const serving::Response reply = service.handle(request);
    EXPECT_EQ(reply.status, 200) << reply.body;
}

TEST(ModelPackageScorerLoad, MissingDirectoryNamesIt)
{
    std::string error;
    EXPECT_FALSE(serving::ModelPackageScorer::load("/nonexistent/package", error));
    EXPECT_NE(error.find("/nonexistent/package"), std::string::npos) << error;
}
