// The MLflow tracking REST subset: experiments, runs/get, runs/search (with a parent
// filter, the way AutoML child runs are listed), metrics/get-history, artifacts/list and
// get-artifact.

#include "core/local/service.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <algorithm>

namespace cerulean::local {

namespace {

ApiResponse mlflowError(int status, const char *code, const QString &message)
{
    return ApiResponse::fromJson(status, Json{{"error_code", code}, {"message", message.toStdString()}});
}

Json experimentJson(const QString &id, const QString &name)
{
    return Json{{"experiment_id", id.toStdString()},
                {"name", name.toStdString()},
                {"artifact_location", ""},
                {"lifecycle_stage", "active"},
                {"tags", Json::array()}};
}

Json runJson(const Store &store, const RunRecord &run)
{
    Json metrics = Json::array();
    for (const MetricPoint &m : store.latestMetrics(run.runId))
        metrics.push_back({{"key", m.key.toStdString()}, {"value", m.value}, {"timestamp", m.timestampMs}, {"step", m.step}});
    Json params = Json::array();
    for (auto it = run.params.begin(); it != run.params.end(); ++it)
        params.push_back({{"key", it.key()}, {"value", it.value().is_string() ? it.value().get<std::string>() : it.value().dump()}});
    Json tags = Json::array();
    for (auto it = run.tags.begin(); it != run.tags.end(); ++it)
        tags.push_back({{"key", it.key()}, {"value", it.value().is_string() ? it.value().get<std::string>() : it.value().dump()}});
    Json info{{"run_id", run.runId.toStdString()},
              {"run_uuid", run.runId.toStdString()},
              {"run_name", run.tags.value("mlflow.runName", run.runId.toStdString())},
              {"experiment_id", run.experimentId.toStdString()},
              {"user_id", "local"},
              {"status", run.status.toStdString()},
              {"start_time", run.startTimeMs},
              {"artifact_uri", "runs:/" + run.runId.toStdString() + "/"},
              {"lifecycle_stage", "active"}};
    if (run.endTimeMs > 0)
        info["end_time"] = run.endTimeMs;
    return Json{{"info", info}, {"data", {{"metrics", metrics}, {"params", params}, {"tags", tags}}}, {"inputs", Json::object()}};
}

// One clause of a runs/search filter.
struct Clause
{
    QString kind; // "tag", "attr", "metric", "param"
    QString key;
    QString op;
    QString text;
    double number = 0;
};

std::optional<std::vector<Clause>> parseFilter(const QString &filter, QString *error)
{
    std::vector<Clause> clauses;
    if (filter.trimmed().isEmpty())
        return clauses;
    static const QRegularExpression andSplit(QStringLiteral("\\s+and\\s+"), QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression clause(QStringLiteral(
        "^\\s*(tags|tag|attributes|attribute|attr|run|metrics|metric|params|param|parameter)?\\.?"
        "(`[^`]+`|\"[^\"]+\"|[A-Za-z0-9_.\\-]+)\\s*(=|!=|<=|>=|<|>|LIKE|ILIKE)\\s*(?:'([^']*)'|\"([^\"]*)\"|(-?[0-9.eE+-]+))\\s*$"),
        QRegularExpression::CaseInsensitiveOption);
    for (const QString &part : filter.split(andSplit)) {
        const auto m = clause.match(part);
        if (!m.hasMatch()) {
            *error = QStringLiteral("Unsupported filter clause '%1': use tags.<key>, attributes.<key>, params.<key> "
                                    "or metrics.<key> compared with a literal, joined by AND.")
                         .arg(part.trimmed());
            return std::nullopt;
        }
        Clause c;
        const QString prefix = m.captured(1).toLower();
        c.kind = prefix.startsWith(QLatin1String("tag"))      ? QStringLiteral("tag")
                 : prefix.startsWith(QLatin1String("metric")) ? QStringLiteral("metric")
                 : prefix.startsWith(QLatin1String("param"))  ? QStringLiteral("param")
                                                              : QStringLiteral("attr");
        c.key = m.captured(2);
        if (c.key.startsWith(QLatin1Char('`')) || c.key.startsWith(QLatin1Char('"')))
            c.key = c.key.mid(1, c.key.size() - 2);
        c.op = m.captured(3).toUpper();
        c.text = !m.captured(4).isNull() ? m.captured(4) : !m.captured(5).isNull() ? m.captured(5) : m.captured(6);
        c.number = c.text.toDouble();
        if (c.kind == QLatin1String("metric") && m.captured(6).isNull()) {
            *error = QStringLiteral("Metric comparisons need a number: '%1'.").arg(part.trimmed());
            return std::nullopt;
        }
        clauses.push_back(c);
    }
    return clauses;
}

bool compareText(const QString &value, const QString &op, const QString &literal)
{
    if (op == QLatin1String("="))
        return value == literal;
    if (op == QLatin1String("!="))
        return value != literal;
    if (op == QLatin1String("LIKE") || op == QLatin1String("ILIKE")) {
        QString pattern = QRegularExpression::escape(literal);
        pattern.replace(QLatin1String("%"), QLatin1String(".*")).replace(QLatin1String("_"), QLatin1String("."));
        return QRegularExpression(QStringLiteral("^") + pattern + QStringLiteral("$"),
                                  op == QLatin1String("ILIKE") ? QRegularExpression::CaseInsensitiveOption
                                                               : QRegularExpression::NoPatternOption)
            .match(value)
            .hasMatch();
    }
    const int cmp = QString::compare(value, literal);
    return op == QLatin1String("<") ? cmp < 0 : op == QLatin1String("<=") ? cmp <= 0 : op == QLatin1String(">") ? cmp > 0 : cmp >= 0;
}

bool compareNumber(double value, const QString &op, double literal)
{
    if (op == QLatin1String("="))
        return value == literal;
    if (op == QLatin1String("!="))
        return value != literal;
    if (op == QLatin1String("<"))
        return value < literal;
    if (op == QLatin1String("<="))
        return value <= literal;
    if (op == QLatin1String(">"))
        return value > literal;
    if (op == QLatin1String(">="))
        return value >= literal;
    return false;
}

QString runValue(const Json &j, const QString &key, bool *present)
{
    const std::string k = key.toStdString();
    *present = j.contains(k);
    if (!*present)
        return {};
    return j[k].is_string() ? QString::fromStdString(j[k].get<std::string>()) : QString::fromStdString(j[k].dump());
}

} // namespace

ApiResponse LocalService::handleMlflow(const ApiRequest &request, const QString &route)
{
    const bool get = request.method == "GET";
    Json body = Json::object();
    if (request.method == "POST") {
        ApiResponse bad;
        const auto parsed = parseJsonBody(request.body.isEmpty() ? QByteArray("{}") : request.body, &bad);
        if (!parsed)
            return mlflowError(400, "MALFORMED_REQUEST", QStringLiteral("The request body is not a JSON object."));
        body = *parsed;
    }
    // Parameters come from the query (GET) or the body (POST).
    const auto param = [&](const char *key) -> QString {
        const QString fromQuery = request.queryValue(QString::fromLatin1(key));
        if (!fromQuery.isEmpty())
            return fromQuery;
        if (body.contains(key) && body[key].is_string())
            return QString::fromStdString(body[key].get<std::string>());
        return {};
    };
    const auto requireRun = [&](QString *runId) -> std::optional<RunRecord> {
        *runId = param("run_id");
        if (runId->isEmpty())
            *runId = param("run_uuid");
        if (runId->isEmpty())
            return std::nullopt;
        return m_store->run(*runId);
    };

    if (route == QLatin1String("experiments/get-by-name") && get) {
        const QString name = param("experiment_name");
        const QString id = m_store->experimentId(name, false);
        if (id.isEmpty())
            return mlflowError(404, "RESOURCE_DOES_NOT_EXIST", QStringLiteral("Could not find experiment with name '%1'").arg(name));
        return ApiResponse::fromJson(200, Json{{"experiment", experimentJson(id, name)}});
    }
    if (route == QLatin1String("experiments/get") && get) {
        const QString id = param("experiment_id");
        const auto name = m_store->experimentName(id);
        if (!name)
            return mlflowError(404, "RESOURCE_DOES_NOT_EXIST", QStringLiteral("No Experiment with id=%1 exists").arg(id));
        return ApiResponse::fromJson(200, Json{{"experiment", experimentJson(id, *name)}});
    }
    if (route == QLatin1String("experiments/create") && request.method == "POST") {
        const QString name = param("name");
        if (name.isEmpty())
            return mlflowError(400, "INVALID_PARAMETER_VALUE", QStringLiteral("Missing value for required parameter 'name'."));
        if (!m_store->experimentId(name, false).isEmpty())
            return mlflowError(400, "RESOURCE_ALREADY_EXISTS", QStringLiteral("Experiment '%1' already exists.").arg(name));
        return ApiResponse::fromJson(200, Json{{"experiment_id", m_store->experimentId(name, true).toStdString()}});
    }
    if ((route == QLatin1String("experiments/search") && request.method == "POST") ||
        (route == QLatin1String("experiments/list") && get) || (route == QLatin1String("experiments/search") && get)) {
        Json list = Json::array();
        for (const auto &[id, name] : m_store->experiments())
            list.push_back(experimentJson(id, name));
        return ApiResponse::fromJson(200, Json{{"experiments", list}});
    }
    if (route == QLatin1String("runs/get") && get) {
        QString runId;
        const auto run = requireRun(&runId);
        if (!run)
            return mlflowError(runId.isEmpty() ? 400 : 404, runId.isEmpty() ? "INVALID_PARAMETER_VALUE" : "RESOURCE_DOES_NOT_EXIST",
                               runId.isEmpty() ? QStringLiteral("Missing value for required parameter 'run_id'.")
                                               : QStringLiteral("Run '%1' not found").arg(runId));
        return ApiResponse::fromJson(200, Json{{"run", runJson(*m_store, *run)}});
    }
    if (route == QLatin1String("runs/search") && request.method == "POST") {
        QStringList experiments;
        if (body.contains("experiment_ids")) {
            if (!body["experiment_ids"].is_array())
                return mlflowError(400, "INVALID_PARAMETER_VALUE", QStringLiteral("'experiment_ids' must be a list of strings."));
            for (const auto &e : body["experiment_ids"])
                experiments << (e.is_string() ? QString::fromStdString(e.get<std::string>()) : QString::fromStdString(e.dump()));
        }
        QString error;
        const QString filterText = body.contains("filter") && body["filter"].is_string()
                                       ? QString::fromStdString(body["filter"].get<std::string>())
                                       : QString();
        const auto clauses = parseFilter(filterText, &error);
        if (!clauses)
            return mlflowError(400, "INVALID_PARAMETER_VALUE", error);
        // The parent filter narrows in SQL; the rest is checked per run.
        QString parent;
        for (const Clause &c : *clauses)
            if (c.kind == QLatin1String("tag") && c.key == QLatin1String("mlflow.parentRunId") && c.op == QLatin1String("="))
                parent = c.text;
        std::vector<RunRecord> runs = m_store->runs(experiments, parent.isEmpty() ? QString() : parent, QString());
        std::vector<std::pair<RunRecord, std::vector<MetricPoint>>> kept;
        for (RunRecord &run : runs) {
            const std::vector<MetricPoint> metrics = m_store->latestMetrics(run.runId);
            bool ok = true;
            for (const Clause &c : *clauses) {
                bool present = false;
                if (c.kind == QLatin1String("tag")) {
                    const QString v = runValue(run.tags, c.key, &present);
                    ok = present ? compareText(v, c.op, c.text) : c.op == QLatin1String("!=");
                } else if (c.kind == QLatin1String("param")) {
                    const QString v = runValue(run.params, c.key, &present);
                    ok = present && compareText(v, c.op, c.text);
                } else if (c.kind == QLatin1String("metric")) {
                    const auto it = std::find_if(metrics.begin(), metrics.end(), [&](const MetricPoint &m) { return m.key == c.key; });
                    ok = it != metrics.end() && compareNumber(it->value, c.op, c.number);
                } else {
                    const QString key = c.key.toLower();
                    if (key == QLatin1String("status"))
                        ok = compareText(run.status, c.op, c.text);
                    else if (key == QLatin1String("run_id"))
                        ok = compareText(run.runId, c.op, c.text);
                    else if (key == QLatin1String("run_name"))
                        ok = compareText(QString::fromStdString(run.tags.value("mlflow.runName", std::string())), c.op, c.text);
                    else if (key == QLatin1String("start_time"))
                        ok = compareNumber(static_cast<double>(run.startTimeMs), c.op, c.number);
                    else
                        return mlflowError(400, "INVALID_PARAMETER_VALUE",
                                           QStringLiteral("Unsupported attribute '%1' in the filter.").arg(c.key));
                }
                if (!ok)
                    break;
            }
            if (ok)
                kept.emplace_back(std::move(run), metrics);
        }
        // order_by: "metrics.<key> [ASC|DESC]" or "attributes.start_time [ASC|DESC]".
        if (body.contains("order_by") && body["order_by"].is_array() && !body["order_by"].empty() && body["order_by"][0].is_string()) {
            const QStringList parts = QString::fromStdString(body["order_by"][0].get<std::string>()).split(QLatin1Char(' '), Qt::SkipEmptyParts);
            const bool desc = parts.size() > 1 && parts[1].compare(QLatin1String("DESC"), Qt::CaseInsensitive) == 0;
            const QString field = parts.value(0);
            if (field.startsWith(QLatin1String("metrics."))) {
                const QString key = field.mid(8);
                const auto valueOf = [&](const std::vector<MetricPoint> &m) {
                    const auto it = std::find_if(m.begin(), m.end(), [&](const MetricPoint &p) { return p.key == key; });
                    return it == m.end() ? std::optional<double>() : std::optional<double>(it->value);
                };
                std::stable_sort(kept.begin(), kept.end(), [&](const auto &a, const auto &b) {
                    const auto va = valueOf(a.second), vb = valueOf(b.second);
                    if (!va || !vb)
                        return va.has_value() && !vb.has_value(); // missing values last
                    return desc ? *va > *vb : *va < *vb;
                });
            } else if (field.endsWith(QLatin1String("start_time"))) {
                std::stable_sort(kept.begin(), kept.end(), [&](const auto &a, const auto &b) {
                    return desc ? a.first.startTimeMs > b.first.startTimeMs : a.first.startTimeMs < b.first.startTimeMs;
                });
            } else {
                return mlflowError(400, "INVALID_PARAMETER_VALUE", QStringLiteral("Unsupported order_by '%1'.").arg(field));
            }
        }
        const int maxResults = body.contains("max_results") && body["max_results"].is_number_integer()
                                   ? std::clamp(body["max_results"].get<int>(), 1, 50000)
                                   : 1000;
        bool ok = false;
        int offset = body.contains("page_token") && body["page_token"].is_string()
                         ? QString::fromStdString(body["page_token"].get<std::string>()).toInt(&ok)
                         : 0;
        if (!ok)
            offset = 0;
        Json out = Json::array();
        for (int i = offset; i < static_cast<int>(kept.size()) && i < offset + maxResults; ++i)
            out.push_back(runJson(*m_store, kept[static_cast<size_t>(i)].first));
        Json response{{"runs", out}};
        if (offset + maxResults < static_cast<int>(kept.size()))
            response["next_page_token"] = std::to_string(offset + maxResults);
        return ApiResponse::fromJson(200, response);
    }
    if (route == QLatin1String("metrics/get-history") && get) {
        QString runId;
        const auto run = requireRun(&runId);
        const QString key = param("metric_key");
        if (!run || key.isEmpty())
            return mlflowError(run ? 400 : 404, run ? "INVALID_PARAMETER_VALUE" : "RESOURCE_DOES_NOT_EXIST",
                               run ? QStringLiteral("Missing value for required parameter 'metric_key'.")
                                   : QStringLiteral("Run '%1' not found").arg(runId));
        Json metrics = Json::array();
        for (const MetricPoint &m : m_store->metricHistory(runId, key))
            metrics.push_back({{"key", m.key.toStdString()}, {"value", m.value}, {"timestamp", m.timestampMs}, {"step", m.step}});
        return ApiResponse::fromJson(200, Json{{"metrics", metrics}});
    }
    if ((route == QLatin1String("artifacts/list") && get) || route == QLatin1String("get-artifact") ||
        (route == QLatin1String("artifacts/get") && get)) {
        QString runId;
        const auto run = requireRun(&runId);
        if (!run)
            return mlflowError(404, "RESOURCE_DOES_NOT_EXIST", QStringLiteral("Run '%1' not found").arg(runId));
        const QString path = QDir::cleanPath(param("path"));
        if (path.startsWith(QLatin1String("..")) || path.startsWith(QLatin1Char('/')))
            return mlflowError(400, "INVALID_PARAMETER_VALUE", QStringLiteral("The artifact path must stay inside the run."));
        const QString root = m_store->artifactsDir() + QLatin1Char('/') + runId;
        const QString full = path.isEmpty() || path == QLatin1String(".") ? root : root + QLatin1Char('/') + path;
        if (route != QLatin1String("artifacts/list")) {
            QFile f(full);
            if (!QFileInfo(full).isFile() || !f.open(QIODevice::ReadOnly))
                return mlflowError(404, "RESOURCE_DOES_NOT_EXIST", QStringLiteral("Artifact '%1' not found in run '%2'").arg(path, runId));
            ApiResponse r;
            r.body = f.readAll();
            r.setHeader("Content-Type", full.endsWith(QLatin1String(".json")) || !full.contains(QLatin1Char('.'))
                                            ? "application/json"
                                            : "application/octet-stream");
            return r;
        }
        Json files = Json::array();
        const QFileInfoList entries = QDir(full).entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
        for (const QFileInfo &e : entries) {
            const QString rel = QDir(root).relativeFilePath(e.absoluteFilePath());
            Json f{{"path", rel.toStdString()}, {"is_dir", e.isDir()}};
            if (!e.isDir())
                f["file_size"] = e.size();
            files.push_back(f);
        }
        return ApiResponse::fromJson(200, Json{{"root_uri", "runs:/" + runId.toStdString() + "/"}, {"files", files}});
    }
    return mlflowError(404, "ENDPOINT_NOT_FOUND", QStringLiteral("No MLflow route %1 %2.").arg(QString::fromLatin1(request.method), route));
}

} // namespace cerulean::local
