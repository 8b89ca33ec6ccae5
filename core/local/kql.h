#pragma once

#include <QString>

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace cerulean::local {

using Json = nlohmann::json;

// A small real parser and evaluator for the subset of Kusto (KQL) that the log view
// sends to Application Insights:
//   requests | where timestamp > ago(30m) and resultCode != "200" | order by timestamp desc
//   | take 50 | project timestamp, name, duration
//   requests | summarize count(), avg(duration), percentile(duration, 95) by bin(timestamp, 1m)
// Tables: requests, traces, exceptions. Anything else is rejected with a message naming it.
namespace kql {

struct Column
{
    QString name;
    QString type; // "datetime", "string", "real", "long", "int", "bool", "dynamic"
};

struct Table
{
    QString name = QStringLiteral("PrimaryResult");
    std::vector<Column> columns;
    std::vector<std::vector<Json>> rows;
    Json toJson() const; // {"name","columns":[{"name","type"}],"rows":[[...]]}
};

struct Expr;
struct Operator;

struct Query
{
    QString table;
    std::vector<std::shared_ptr<Operator>> ops;
    // The lowest timestamp any row can pass with (from `where timestamp > ago(…)`), so the
    // store can skip older rows; 0 when unknown.
    qint64 lowerBoundMs(qint64 nowMs) const;
};

// Parses a query; nullopt with a message (naming the unsupported part) on failure.
std::optional<Query> parse(const QString &text, QString *error);

// The schema of a supported table, nullptr for others.
const std::vector<Column> *tableSchema(const QString &table);

// Rows of a table as JSON objects: column name -> value, "timestamp" in ms since epoch.
using Rows = std::vector<Json>;

// Runs a parsed query over the rows of its table. nullopt with a message on a runtime
// error (an unknown column, a type mismatch).
std::optional<Table> run(const Query &query, Rows rows, qint64 nowMs, QString *error);

// ISO 8601 timespan of the query API ("PT12H", "P1D", "start/end", "start/duration") as
// [from, to] in ms since epoch.
std::optional<std::pair<qint64, qint64>> parseTimespan(const QString &text, qint64 nowMs);

} // namespace kql
} // namespace cerulean::local
