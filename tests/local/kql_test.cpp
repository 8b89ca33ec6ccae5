#include "core/local/iso_duration.h"
#include "core/local/kql.h"

#include <QDateTime>

#include <gtest/gtest.h>

using namespace cerulean::local;

namespace {

constexpr qint64 kNow = 1'800'000'000'000; // a fixed "now" in ms

kql::Rows sampleRequests()
{
    kql::Rows rows;
    // 6 requests over 3 minutes: durations 10..60 ms, one failure.
    for (int i = 0; i < 6; ++i)
        rows.push_back(Json{{"timestamp", kNow - 150'000 + i * 30'000},
                            {"name", "POST /score"},
                            {"resultCode", i == 4 ? "500" : "200"},
                            {"success", i != 4},
                            {"duration", 10.0 * (i + 1)},
                            {"customDimensions", {{"Deployment", "blue"}}},
                            {"cloud_RoleInstance", i % 2 ? "blue" : "green"}});
    rows.push_back(Json{{"timestamp", kNow - 3'600'000}, {"name", "GET /swagger.json"}, {"resultCode", "200"}, {"duration", 1.0}});
    return rows;
}

std::optional<kql::Table> runQuery(const QString &text, QString *error)
{
    const auto q = kql::parse(text, error);
    if (!q)
        return std::nullopt;
    return kql::run(*q, sampleRequests(), kNow, error);
}

} // namespace

TEST(Kql, WhereAgoOrderTakeProject)
{
    QString error;
    const auto t = runQuery(QStringLiteral("requests | where timestamp > ago(5m) and resultCode == \"200\" | order by duration desc "
                                           "| take 2 | project timestamp, name, duration"),
                            &error);
    ASSERT_TRUE(t) << error.toStdString();
    ASSERT_EQ(t->columns.size(), 3u);
    EXPECT_EQ(t->columns[0].type, QStringLiteral("datetime"));
    EXPECT_EQ(t->columns[2].type, QStringLiteral("real"));
    ASSERT_EQ(t->rows.size(), 2u);
    EXPECT_DOUBLE_EQ(t->rows[0][2].get<double>(), 60.0);
    EXPECT_DOUBLE_EQ(t->rows[1][2].get<double>(), 40.0); // 50 ms was the failure
    EXPECT_TRUE(t->rows[0][0].get<std::string>().ends_with("Z"));
    const Json json = t->toJson();
    EXPECT_EQ(json["name"], "PrimaryResult");
    EXPECT_EQ(json["columns"][1]["name"], "name");
}

TEST(Kql, ComparisonsAndBooleans)
{
    QString error;
    auto t = runQuery(QStringLiteral("requests | where success == false"), &error);
    ASSERT_TRUE(t) << error.toStdString();
    EXPECT_EQ(t->rows.size(), 1u);
    t = runQuery(QStringLiteral("requests | where duration >= 30 and (cloud_RoleInstance == 'blue' or name contains \"swagger\")"), &error);
    ASSERT_TRUE(t) << error.toStdString();
    EXPECT_EQ(t->rows.size(), 2u); // 40 and 60 on blue
    t = runQuery(QStringLiteral("requests | where name startswith 'post' | count"), &error);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->rows[0][0], 6);
    t = runQuery(QStringLiteral("requests | where resultCode != '200' | project success"), &error);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->rows[0][0], "False"); // success is a string column, as in the API's schema
}

TEST(Kql, SummarizeCountAvgPercentileByBin)
{
    QString error;
    const auto t = runQuery(QStringLiteral("requests | where timestamp > ago(10m) | summarize count(), avg(duration), "
                                           "percentile(duration, 95) by bin(timestamp, 1m)"),
                            &error);
    ASSERT_TRUE(t) << error.toStdString();
    ASSERT_EQ(t->columns.size(), 4u);
    EXPECT_EQ(t->columns[0].name, QStringLiteral("timestamp"));
    EXPECT_EQ(t->columns[1].name, QStringLiteral("count_"));
    EXPECT_EQ(t->columns[1].type, QStringLiteral("long"));
    EXPECT_EQ(t->columns[2].name, QStringLiteral("avg_duration"));
    EXPECT_EQ(t->columns[3].name, QStringLiteral("percentile_duration_95"));
    qint64 total = 0;
    for (const auto &row : t->rows)
        total += row[1].get<qint64>();
    EXPECT_EQ(total, 6);
    // Bins are minute-aligned timestamps in ascending order.
    for (size_t i = 1; i < t->rows.size(); ++i)
        EXPECT_LT(t->rows[i - 1][0].get<std::string>(), t->rows[i][0].get<std::string>());
    // Overall: nearest-rank p95 of 10..60 is 60, the mean 35.
    const auto all = runQuery(QStringLiteral("requests | where timestamp > ago(10m) | summarize n = count(), avg(duration), percentile(duration, 95)"), &error);
    ASSERT_TRUE(all) << error.toStdString();
    ASSERT_EQ(all->rows.size(), 1u);
    EXPECT_EQ(all->columns[0].name, QStringLiteral("n"));
    EXPECT_EQ(all->rows[0][0], 6);
    EXPECT_DOUBLE_EQ(all->rows[0][1].get<double>(), 35.0);
    EXPECT_DOUBLE_EQ(all->rows[0][2].get<double>(), 60.0);
}

TEST(Kql, UnsupportedPartsAreNamed)
{
    QString error;
    EXPECT_FALSE(kql::parse(QStringLiteral("pageViews | take 5"), &error));
    EXPECT_TRUE(error.contains(QStringLiteral("pageViews"))) << error.toStdString();
    error.clear();
    EXPECT_FALSE(kql::parse(QStringLiteral("requests | join (traces) on operation_Id"), &error));
    EXPECT_TRUE(error.contains(QStringLiteral("join"))) << error.toStdString();
    error.clear();
    EXPECT_FALSE(kql::parse(QStringLiteral("requests | summarize stdev(duration)"), &error));
    EXPECT_TRUE(error.contains(QStringLiteral("stdev"))) << error.toStdString();
    error.clear();
    EXPECT_FALSE(kql::parse(QStringLiteral("requests | where strlen(name) > 3"), &error));
    EXPECT_TRUE(error.contains(QStringLiteral("strlen"))) << error.toStdString();
    error.clear();
    EXPECT_FALSE(kql::parse(QStringLiteral("requests | where name = 'x'"), &error));
    EXPECT_TRUE(error.contains(QStringLiteral("=="))) << error.toStdString();
    error.clear();
    EXPECT_FALSE(kql::parse(QStringLiteral("requests | where timestamp > ago(5y)"), &error));
    error.clear();
    EXPECT_FALSE(kql::parse(QStringLiteral("requests | where name == 'unterminated"), &error));
    error.clear();
    // Parses, but names a column the table does not have.
    EXPECT_FALSE(runQuery(QStringLiteral("requests | project nosuch"), &error));
    EXPECT_TRUE(error.contains(QStringLiteral("nosuch"))) << error.toStdString();
}

TEST(Kql, LowerBoundAndTimespan)
{
    QString error;
    const auto q = kql::parse(QStringLiteral("traces | where timestamp >= ago(30m) and severityLevel > 1"), &error);
    ASSERT_TRUE(q);
    EXPECT_EQ(q->lowerBoundMs(kNow), kNow - 1'800'000);
    const auto span = kql::parseTimespan(QStringLiteral("PT12H"), kNow);
    ASSERT_TRUE(span);
    EXPECT_EQ(span->first, kNow - 12 * 3'600'000LL);
    EXPECT_FALSE(kql::parseTimespan(QStringLiteral("twelve hours"), kNow));
    EXPECT_TRUE(kql::parseTimespan(QStringLiteral("2026-01-01T00:00:00Z/2026-01-02T00:00:00Z"), kNow));

    // An absolute bound, as the Logs page reads only what may be new: the store is asked for
    // rows from the later of the two bounds on.
    const qint64 from = kNow - 1'750; // 1.75 s before now: later than ago(60m)
    const QString literal = QDateTime::fromMSecsSinceEpoch(from, Qt::UTC).toString(Qt::ISODateWithMs);
    const auto since = kql::parse(QStringLiteral("requests | where timestamp > ago(60m) and cloud_RoleName == 'ep' and "
                                                 "timestamp >= datetime(%1) | take 5")
                                      .arg(literal),
                                  &error);
    ASSERT_TRUE(since) << error.toStdString() << " in datetime(" << literal.toStdString() << ")";
    EXPECT_EQ(since->lowerBoundMs(kNow), from);
}

// Before, the parser recursed once per '(' (and the evaluator once per and/or): 300,000 of
// them overflowed the stack and ended the local service. Now the depth and the number of
// conditions are bounded and the error says so; queries within the bounds still run.
TEST(Kql, NestingAndConditionsAreBounded)
{
    constexpr int kDeep = 100000; // some 30 MB of stack for the old recursion: far over the 8 MB a thread has
    QString error;
    const QString deep = QStringLiteral("requests | where ") + QString(kDeep, QLatin1Char('(')) +
                         QStringLiteral("duration > 1") + QString(kDeep, QLatin1Char(')'));
    EXPECT_FALSE(kql::parse(deep, &error));
    EXPECT_TRUE(error.contains(QLatin1String("parentheses deeper than 32"))) << error.toStdString();

    error.clear();
    QString notChain = QStringLiteral("requests | where ");
    for (int i = 0; i < 40; ++i)
        notChain += QStringLiteral("not(");
    notChain += QStringLiteral("duration > 1") + QString(40, QLatin1Char(')'));
    EXPECT_FALSE(kql::parse(notChain, &error));
    EXPECT_TRUE(error.contains(QLatin1String("deeper than 32"))) << error.toStdString();

    error.clear();
    QString chain = QStringLiteral("requests | where duration > 0");
    for (int i = 0; i < 1000; ++i)
        chain += QStringLiteral(" or duration > 0");
    EXPECT_FALSE(kql::parse(chain, &error));
    EXPECT_TRUE(error.contains(QLatin1String("more than 256 conditions"))) << error.toStdString();

    error.clear();
    const auto fine = runQuery(QStringLiteral("requests | where ") + QString(32, QLatin1Char('(')) +
                                   QStringLiteral("duration > 25") + QString(32, QLatin1Char(')')) + QStringLiteral(" | count"),
                               &error);
    ASSERT_TRUE(fine) << error.toStdString();
    EXPECT_EQ(fine->rows[0][0], 4);
}

// Found by fuzz_kql (corpus/kql/regression_ago_overflow): ago() of a timespan beyond 64 bits
// of milliseconds negated the minimum integer (undefined behaviour; the bound came out in the
// future), and bin() with a size beyond them, or take and top with such a count, converted a
// double out of range. All are now refused with a message; the longest timespan KQL has and
// the largest count still work.
TEST(Kql, TimespansAndCountsBeyondTheirLimitsAreRefused)
{
    QString error;
    EXPECT_FALSE(kql::parse(QStringLiteral("requests | where timestamp > ago(") + QString(100, QLatin1Char('8')) +
                                QStringLiteral("m)"),
                            &error));
    EXPECT_TRUE(error.contains(QLatin1String("longer than 10675199 days"))) << error.toStdString();
    error.clear();
    EXPECT_FALSE(kql::parse(QStringLiteral("requests | where timestamp > ago(10675200d)"), &error));
    EXPECT_TRUE(error.contains(QLatin1String("longer than 10675199 days"))) << error.toStdString();
    error.clear();
    EXPECT_FALSE(kql::parse(QStringLiteral("requests | summarize count() by bin(duration, ") + QString(30, QLatin1Char('9')) +
                                QStringLiteral(")"),
                            &error));
    EXPECT_TRUE(error.contains(QLatin1String("bin()"))) << error.toStdString();

    // Found the same way (corpus/kql/regression_take_overflow): take with a count beyond 64 bits.
    error.clear();
    EXPECT_FALSE(kql::parse(QStringLiteral("requests | take ") + QString(100, QLatin1Char('8')), &error));
    EXPECT_TRUE(error.contains(QLatin1String("larger than 2^53"))) << error.toStdString();
    error.clear();
    EXPECT_FALSE(kql::parse(QStringLiteral("requests | top 9007199254740993000 by duration"), &error));
    EXPECT_TRUE(error.contains(QLatin1String("larger than 2^53"))) << error.toStdString();
    error.clear();
    const auto many = runQuery(QStringLiteral("requests | take 9007199254740992 | count"), &error);
    ASSERT_TRUE(many) << error.toStdString();
    EXPECT_EQ(many->rows[0][0], 7);

    error.clear();
    const auto longest = kql::parse(QStringLiteral("requests | where timestamp > ago(10675199d) | count"), &error);
    ASSERT_TRUE(longest) << error.toStdString();
    EXPECT_LE(longest->lowerBoundMs(kNow), kNow - 3'600'000); // every sample row
    const auto all = kql::run(*longest, sampleRequests(), kNow, &error);
    ASSERT_TRUE(all) << error.toStdString();
    EXPECT_EQ(all->rows[0][0], 7);
}

// Found by fuzz_kql (corpus/kql/regression_iso_duration_overflow): the timespan parameter
// P555...5DT12H converted a double beyond 64 bits to milliseconds (undefined behaviour). The
// ISO 8601 durations of ARM bodies (idle times, timeouts) go through the same parser.
TEST(Kql, IsoDurationsBeyondTheLongestAreRefused)
{
    const QString huge = QStringLiteral("P") + QString(100, QLatin1Char('5')) + QStringLiteral("DT12H");
    EXPECT_FALSE(kql::parseTimespan(huge, kNow));
    EXPECT_FALSE(parseIsoDuration(huge));
    EXPECT_FALSE(parseIsoDuration(QStringLiteral("P10675200D")));
    const auto longest = parseIsoDuration(QStringLiteral("P10675199D"));
    ASSERT_TRUE(longest);
    EXPECT_EQ(longest->count(), 10675199LL * 86'400'000);
    const auto span = kql::parseTimespan(QStringLiteral("2026-01-01T00:00:00Z/P10675199D"), kNow);
    ASSERT_TRUE(span);
    EXPECT_GT(span->second, span->first);
}
