// libFuzzer target over the KQL subset that the local workspace's Application Insights query
// API answers (core/local/kql.*): the text of a query is parsed and, when it parses, run over
// a few rows of its table shaped as the deployments store them; the ISO 8601 timespan parser
// sees the same text.
//
// It fails when a query that parsed cannot be run to an answer or a message, when a refusal
// has no message, or on any sanitizer report (deep nesting, say, must be a message).

#include "core/local/kql.h"

#include <QString>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace cerulean::local;

namespace {

constexpr qint64 kNow = 1'800'000'000'000; // a fixed "now" (ms): runs are reproducible

kql::Rows rowsOf(const QString &table)
{
    kql::Rows rows;
    for (int i = 0; i < 4; ++i) {
        const qint64 at = kNow - 90'000 + i * 30'000;
        if (table == QLatin1String("requests"))
            rows.push_back(Json{{"timestamp", at},
                                {"id", "op" + std::to_string(i)},
                                {"name", i == 3 ? "GET /swagger.json" : "POST /score"},
                                {"url", "/score"},
                                {"success", i != 2},
                                {"resultCode", i == 2 ? "500" : "200"},
                                {"duration", 12.5 * (i + 1)},
                                {"performanceBucket", "<250ms"},
                                {"customDimensions", {{"Deployment", "blue"}}},
                                {"operation_Id", "op" + std::to_string(i)},
                                {"cloud_RoleName", "ep"},
                                {"cloud_RoleInstance", i % 2 ? "blue" : "green"},
                                {"itemCount", 1}});
        else if (table == QLatin1String("traces"))
            rows.push_back(Json{{"timestamp", at},
                                {"message", i == 1 ? "2026-01-01 | ERROR | boom" : "2026-01-01 | INFO | ok"},
                                {"severityLevel", i == 1 ? 3 : 1},
                                {"customDimensions", {{"Container Id", "blue"}}},
                                {"cloud_RoleInstance", "blue"}});
        else
            rows.push_back(Json{{"timestamp", at},
                                {"problemId", "ScoringError"},
                                {"type", "ScoringError"},
                                {"outerMessage", "The scoring request failed with status 500"},
                                {"severityLevel", 3},
                                {"operation_Id", "op2"}});
    }
    rows.push_back(Json{{"timestamp", kNow - 7'200'000}}); // an old row with only a timestamp
    return rows;
}

[[noreturn]] void violated(const char *what, const QString &query)
{
    std::fprintf(stderr, "fuzz_kql: %s\nquery: %s\n", what, query.toUtf8().constData());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    (void)kql::parseTimespan(text, kNow);
    QString error;
    const auto query = kql::parse(text, &error);
    if (!query) {
        if (error.isEmpty())
            violated("a refused query has no message", text);
        return 0;
    }
    if (!kql::tableSchema(query->table))
        violated("a query over an unknown table parsed", text);
    (void)query->lowerBoundMs(kNow);
    error.clear();
    const auto table = kql::run(*query, rowsOf(query->table), kNow, &error);
    if (!table) {
        if (error.isEmpty())
            violated("a query that failed to run has no message", text);
        return 0;
    }
    for (const auto &row : table->rows)
        if (row.size() != table->columns.size())
            violated("a result row does not match the result's columns", text);
    (void)table->toJson().dump();
    return 0;
}
