#include "core/automl/csv.h"
#include "core/automl/guardrails.h"
#include "core/automl/schema.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

using namespace cerulean::automl;

namespace {

std::string sharedDir()
{
    if (const char *dir = std::getenv("CERULEAN_SHARED_DIR"))
        return dir;
    return CERULEAN_SOURCE_DIR "/../shared";
}

Dataset parse(std::string_view text)
{
    auto result = parseCsv(text);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error());
    return result.ok() ? std::move(result->data) : Dataset{};
}

GuardrailReport run(const Dataset &d, const std::string &target, const GuardrailOptions &options = {})
{
    return runGuardrails(d, profileDataset(d), static_cast<std::size_t>(d.columnIndex(target)), options);
}

} // namespace

TEST(Guardrails, BankMarketingFlagsDurationOnlyAndReportsImbalance)
{
    auto table = readCsvFile(sharedDir() + "/data/bankmarketing_train.csv");
    ASSERT_TRUE(table.ok()) << table.error();
    const GuardrailReport report = run(table->data, "y");

    ASSERT_EQ(report.leakageColumns, std::vector<std::string>{"duration"});
    ASSERT_GE(report.leakageScores.size(), 2u);
    EXPECT_EQ(report.leakageScores[0].column, "duration");
    EXPECT_GE(report.leakageScores[0].auc, kLeakageAucThreshold);
    EXPECT_LT(report.leakageScores[1].auc, kLeakageAucThreshold);
    for (const auto &score : report.leakageScores)
        std::printf("  %-16s %.4f\n", score.column.c_str(), score.auc);
    const Guardrail *leak = report.find("Target leakage detection");
    ASSERT_NE(leak, nullptr);
    EXPECT_EQ(leak->status, GuardrailStatus::Alerted);
    EXPECT_EQ(leak->columns, std::vector<std::string>{"duration"});
    EXPECT_NE(leak->description.find("'duration' AUC 0.8"), std::string::npos) << leak->description;

    // Azure's rule: 3,692 / 29,258 = 12.6 % <= 20 %.
    const Guardrail *balance = report.find("Class balancing detection");
    ASSERT_NE(balance, nullptr);
    EXPECT_EQ(balance->status, GuardrailStatus::Alerted);
    EXPECT_NE(balance->description.find("12.6 %"), std::string::npos) << balance->description;
    ASSERT_EQ(report.classCounts.size(), 2u);
    EXPECT_EQ(report.classCounts[0].label, "no");
    EXPECT_EQ(report.classCounts[0].count, 29258u);
    EXPECT_EQ(report.classCounts[1].count, 3692u);

    EXPECT_EQ(report.find("Missing feature values imputation")->status, GuardrailStatus::Passed);
    EXPECT_EQ(report.find("High cardinality feature detection")->status, GuardrailStatus::Passed);
    EXPECT_EQ(report.find("Constant and identifier column detection")->status, GuardrailStatus::Passed);
    EXPECT_TRUE(report.droppedColumns.empty());

    // Excluding duration: nothing left to flag.
    GuardrailOptions options;
    options.excludedColumns = {"duration"};
    const GuardrailReport without = run(table->data, "y", options);
    EXPECT_TRUE(without.leakageColumns.empty());
    EXPECT_EQ(without.find("Target leakage detection")->status, GuardrailStatus::Passed);
}

TEST(Guardrails, BalancedClassesPassAtTheBoundaryAzureUses)
{
    std::string text = "x,y\n";
    for (int i = 0; i < 100; ++i)
        text += std::to_string(i % 7) + ",a\n";
    for (int i = 0; i < 21; ++i)
        text += std::to_string(i % 5) + ",b\n";
    EXPECT_EQ(run(parse(text), "y").find("Class balancing detection")->status, GuardrailStatus::Passed);
    text += "1,a\n2,a\n3,a\n4,a\n5,a\n"; // 21 / 105 = 20 %: imbalanced
    EXPECT_EQ(run(parse(text), "y").find("Class balancing detection")->status, GuardrailStatus::Alerted);
}

TEST(Guardrails, MissingHighCardinalityAndDroppedColumns)
{
    std::string text = "row,const,num,city,empty,y\n";
    std::mt19937 rng(7);
    for (int i = 0; i < 400; ++i) {
        text += std::to_string(i) + ",k," + (i % 10 == 0 ? std::string("NA") : std::to_string(rng() % 100)) +
                ",city" + std::to_string(i % 150) + ",," + (rng() % 2 ? "yes" : "no") + "\n";
    }
    const GuardrailReport report = run(parse(text), "y");
    const Guardrail *missing = report.find("Missing feature values imputation");
    EXPECT_EQ(missing->status, GuardrailStatus::Done);
    EXPECT_EQ(missing->columns, std::vector<std::string>{"num"});
    EXPECT_NE(missing->description.find("'num': 40 of 400 rows"), std::string::npos) << missing->description;

    const Guardrail *high = report.find("High cardinality feature detection");
    EXPECT_EQ(high->status, GuardrailStatus::Done);
    EXPECT_EQ(high->columns, std::vector<std::string>{"city"});

    const Guardrail *dropped = report.find("Constant and identifier column detection");
    EXPECT_EQ(dropped->status, GuardrailStatus::Done);
    EXPECT_EQ(dropped->columns, (std::vector<std::string>{"row", "const", "empty"}));
    EXPECT_EQ(report.droppedColumns, dropped->columns);
    // Random labels: nothing leaks.
    EXPECT_TRUE(report.leakageColumns.empty());
    EXPECT_EQ(toString(GuardrailStatus::Alerted), "alerted");
}

TEST(Guardrails, LeakingCopyOfTheTargetIsFlaggedInMulticlassToo)
{
    std::string text = "noise,copy,y\n";
    std::mt19937 rng(3);
    for (int i = 0; i < 600; ++i) {
        const int y = static_cast<int>(rng() % 3);
        text += std::to_string(rng() % 50) + ",v" + std::to_string(y) + "," + std::to_string(y) + "\n";
    }
    const GuardrailReport report = run(parse(text), "y");
    EXPECT_EQ(report.leakageColumns, std::vector<std::string>{"copy"});
    EXPECT_GT(report.leakageScores[0].auc, 0.99);
    EXPECT_LT(report.leakageScores[1].auc, 0.6);
}

TEST(Guardrails, SingleClassTargetIsAlerted)
{
    const GuardrailReport report = run(parse("x,y\n1,a\n2,a\n3,a\n"), "y");
    const Guardrail *balance = report.find("Class balancing detection");
    ASSERT_NE(balance, nullptr);
    EXPECT_EQ(balance->status, GuardrailStatus::Alerted);
    EXPECT_NE(balance->description.find("single class"), std::string::npos);
}
