// The Application Insights query API (/v1/apps/{appId}/query, GET and POST) over the
// telemetry the deployments stored, through the KQL subset of kql.h.

#include "core/local/kql.h"
#include "core/local/service.h"
#include "core/serving/json_depth.h"

namespace cerulean::local {

namespace {

ApiResponse insightsError(int status, const char *code, const QString &message, const char *innerCode = nullptr)
{
    Json error{{"message", message.toStdString()}, {"code", code}, {"correlationId", newGuid().toStdString()}};
    if (innerCode)
        error["innererror"] = {{"code", innerCode}, {"message", message.toStdString()}};
    return ApiResponse::fromJson(status, Json{{"error", error}});
}

} // namespace

ApiResponse LocalService::handleAppInsights(const ApiRequest &request, const QString &appId)
{
    QString queryText;
    QString timespan;
    if (request.method == "GET") {
        queryText = request.queryValue(QStringLiteral("query"));
        timespan = request.queryValue(QStringLiteral("timespan"));
    } else if (request.method == "POST") {
        if (serving::jsonTooDeep(std::string_view(request.body.constData(), static_cast<std::size_t>(request.body.size()))))
            return insightsError(400, "BadArgumentError",
                                 QStringLiteral("The request body nests deeper than %1 levels.").arg(serving::kMaxJsonDepth),
                                 "InvalidJson");
        const Json body = Json::parse(request.body.constData(), request.body.constData() + request.body.size(), nullptr, false);
        if (body.is_discarded() || !body.is_object())
            return insightsError(400, "BadArgumentError", QStringLiteral("The request body is not a JSON object."), "InvalidJson");
        if (body.contains("query") && !body["query"].is_string())
            return insightsError(400, "BadArgumentError", QStringLiteral("'query' must be a string."), "InvalidJson");
        if (body.contains("timespan") && !body["timespan"].is_string())
            return insightsError(400, "BadArgumentError", QStringLiteral("'timespan' must be a string."), "InvalidJson");
        queryText = QString::fromStdString(body.value("query", std::string()));
        timespan = QString::fromStdString(body.value("timespan", std::string()));
    } else {
        return insightsError(405, "MethodNotAllowed", QStringLiteral("Use GET or POST."));
    }
    // The appId must belong to a component of this workspace.
    bool known = false;
    for (const StoredResource &c : m_store->byKindAndState(QStringLiteral("microsoft.insights/components"), {}))
        if (QString::fromStdString(c.doc["properties"].value("AppId", std::string())) == appId)
            known = true;
    if (!known)
        return insightsError(404, "PathNotFoundError", QStringLiteral("The requested application '%1' was not found.").arg(appId));
    if (queryText.trimmed().isEmpty())
        return insightsError(400, "BadArgumentError", QStringLiteral("The request had some invalid properties: 'query' is required."),
                             "QueryValidationError");
    QString error;
    const auto query = kql::parse(queryText, &error);
    if (!query)
        return insightsError(400, "BadArgumentError", QStringLiteral("The query is not supported: %1").arg(error), "SyntaxError");
    const qint64 now = Store::nowMs();
    qint64 from = query->lowerBoundMs(now);
    qint64 to = std::numeric_limits<qint64>::max();
    if (!timespan.isEmpty()) {
        const auto span = kql::parseTimespan(timespan, now);
        if (!span)
            return insightsError(400, "BadArgumentError",
                                 QStringLiteral("The timespan '%1' is not an ISO 8601 duration or interval.").arg(timespan),
                                 "InvalidTimespan");
        from = std::max(from, span->first);
        to = span->second;
    }
    kql::Rows rows;
    std::vector<TelemetryItem> items = m_store->telemetry(appId, query->table, from);
    m_telemetryRowsRead.fetch_add(items.size(), std::memory_order_relaxed);
    for (TelemetryItem &item : items) {
        if (item.timestampMs > to)
            continue;
        Json row = std::move(item.columns);
        row["timestamp"] = item.timestampMs;
        rows.push_back(std::move(row));
    }
    const auto table = kql::run(*query, std::move(rows), now, &error);
    if (!table)
        return insightsError(400, "BadArgumentError", QStringLiteral("The query could not run: %1").arg(error), "SemanticError");
    return ApiResponse::fromJson(200, Json{{"tables", Json::array({table->toJson()})}});
}

} // namespace cerulean::local
