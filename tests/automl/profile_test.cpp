#include "core/automl/csv.h"
#include "core/automl/profile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

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

} // namespace

TEST(Profile, NumericSummaryMatchesNumpy)
{
    // numpy: np.percentile([1,2,3,4,10], [5,25,50,75,95]) = [1.2, 2, 3, 4, 8.8]; std(ddof=1)
    const Dataset d = parse("x\n4\n2\nNA\n10\n1\n3\n");
    const ColumnProfile p = profileColumn(d.columns[0], 0);
    EXPECT_EQ(p.kind, ColumnKind::Numeric);
    EXPECT_EQ(p.missing, 1u);
    EXPECT_EQ(p.distinct, 5u);
    ASSERT_TRUE(p.summary);
    EXPECT_DOUBLE_EQ(p.summary->min, 1);
    EXPECT_DOUBLE_EQ(p.summary->max, 10);
    EXPECT_DOUBLE_EQ(p.summary->mean, 4);
    EXPECT_NEAR(p.summary->std, 3.5355339059327378, 1e-12);
    EXPECT_NEAR(p.summary->p05, 1.2, 1e-12);
    EXPECT_DOUBLE_EQ(p.summary->p25, 2);
    EXPECT_DOUBLE_EQ(p.summary->median, 3);
    EXPECT_DOUBLE_EQ(p.summary->p75, 4);
    EXPECT_NEAR(p.summary->p95, 8.8, 1e-12);
    ASSERT_EQ(p.histogram.size(), kHistogramBins);
    std::size_t total = 0;
    for (const auto &bin : p.histogram)
        total += bin.count;
    EXPECT_EQ(total, 5u);
    EXPECT_EQ(p.histogram.back().count, 1u); // the 10
    EXPECT_DOUBLE_EQ(p.histogram.back().high, 10);
}

TEST(Profile, KindsOfColumns)
{
    std::string text = "rowid,const,cat,free,guid,empty,partial_const,custId\n";
    for (int i = 0; i < 300; ++i) {
        text += std::to_string(i + 1) + ",same," + (i % 3 == 0 ? "red" : "blue") + ",word" + std::to_string(i % 150) +
                ",g" + std::to_string(i * 7919) + ",," + (i % 2 ? "x" : "") + "," + std::to_string(1000 + i * 13) +
                "\n";
    }
    const Dataset d = parse(text);
    const DatasetProfile profile = profileDataset(d);
    ASSERT_EQ(profile.columns.size(), 8u);
    EXPECT_EQ(profile.rows, 300u);
    EXPECT_EQ(profile.find("rowid")->kind, ColumnKind::IdLike);
    EXPECT_EQ(profile.find("const")->kind, ColumnKind::Constant);
    EXPECT_EQ(profile.find("cat")->kind, ColumnKind::Categorical);
    EXPECT_EQ(profile.find("free")->kind, ColumnKind::HighCardinalityText);
    EXPECT_EQ(profile.find("free")->distinct, 150u);
    EXPECT_EQ(profile.find("guid")->kind, ColumnKind::IdLike);
    EXPECT_EQ(profile.find("empty")->kind, ColumnKind::AllMissing);
    // One value plus missing cells still says something (whether it is missing).
    EXPECT_EQ(profile.find("partial_const")->kind, ColumnKind::Categorical);
    // Unique integers with gaps are an ID only when the name says so.
    EXPECT_EQ(profile.find("custId")->kind, ColumnKind::IdLike);
    EXPECT_EQ(profile.find("nothing"), nullptr);
    EXPECT_EQ(toString(ColumnKind::HighCardinalityText), "high_cardinality_text");
}

TEST(Profile, UniqueMeasurementsAreNotIds)
{
    std::string text = "weight,count\n";
    for (int i = 0; i < 100; ++i)
        text += std::to_string(50.0 + i * 0.37) + "," + std::to_string(i * i) + "\n";
    const DatasetProfile profile = profileDataset(parse(text));
    EXPECT_EQ(profile.columns[0].kind, ColumnKind::Numeric); // not whole numbers
    EXPECT_EQ(profile.columns[1].kind, ColumnKind::Numeric); // whole, unique, not consecutive, no id name
}

TEST(Profile, SmallTablesAreNotCalledIds)
{
    const DatasetProfile profile = profileDataset(parse("name,n\nann,1\nbob,2\ncid,3\n"));
    EXPECT_EQ(profile.columns[0].kind, ColumnKind::Categorical);
    EXPECT_EQ(profile.columns[1].kind, ColumnKind::Numeric);
}

TEST(Profile, BankMarketing)
{
    auto table = readCsvFile(sharedDir() + "/data/bankmarketing_train.csv");
    ASSERT_TRUE(table.ok()) << table.error();
    const DatasetProfile profile = profileDataset(table->data);
    ASSERT_EQ(profile.columns.size(), 21u);

    const ColumnProfile *job = profile.find("job");
    ASSERT_NE(job, nullptr);
    EXPECT_EQ(job->kind, ColumnKind::Categorical);
    EXPECT_EQ(job->distinct, 12u);
    EXPECT_EQ(job->topCategories.size(), 12u);
    EXPECT_EQ(job->topCategories.front().value, "admin.");

    const ColumnProfile *y = profile.find("y");
    ASSERT_NE(y, nullptr);
    EXPECT_EQ(y->kind, ColumnKind::Categorical);
    ASSERT_EQ(y->topCategories.size(), 2u);
    EXPECT_EQ(y->topCategories[0].value, "no");
    EXPECT_EQ(y->topCategories[0].count, 29258u);
    EXPECT_EQ(y->topCategories[1].value, "yes");
    EXPECT_EQ(y->topCategories[1].count, 3692u);
    EXPECT_NEAR(100.0 * static_cast<double>(y->topCategories[1].count) / static_cast<double>(profile.rows), 11.20, 0.005);

    EXPECT_EQ(profile.find("month")->distinct, 10u);
    EXPECT_EQ(profile.find("day_of_week")->distinct, 5u);
    const ColumnProfile *age = profile.find("age");
    EXPECT_EQ(age->kind, ColumnKind::Numeric);
    EXPECT_DOUBLE_EQ(age->summary->min, 17);
    EXPECT_DOUBLE_EQ(age->summary->max, 98);
    const ColumnProfile *duration = profile.find("duration");
    EXPECT_EQ(duration->kind, ColumnKind::Numeric);
    EXPECT_DOUBLE_EQ(duration->summary->max, 4918);
    EXPECT_DOUBLE_EQ(profile.find("pdays")->summary->max, 999);
    EXPECT_NEAR(profile.find("euribor3m")->summary->min, 0.634, 1e-9);
    for (const auto &column : profile.columns)
        EXPECT_EQ(column.missing, 0u) << column.name;
}
