#include "tests/azure/replay.h"

#include "tests/azure/test_support.h"

#include <QDir>
#include <QRegularExpression>
#include <QSet>
#include <QTimer>
#include <QUrlQuery>

namespace cerulean::azure::test {

using nlohmann::json;

QString replayName(const QString &recordedName)
{
    return QStringLiteral("replay-") + recordedName;
}

QString recordingsDir()
{
    return sharedDir() + QStringLiteral("/azure-recordings");
}

namespace {

// Replaces what `pattern` captures in group 2 with rename(group 2), keeping group 1.
QString renameCaptured(const QString &text, const QRegularExpression &pattern, const std::function<QString(const QString &)> &rename)
{
    QString out;
    qsizetype last = 0;
    auto it = pattern.globalMatch(text);
    while (it.hasNext()) {
        const auto match = it.next();
        out += text.mid(last, match.capturedStart(2) - last);
        out += rename(match.captured(2));
        last = match.capturedEnd(2);
    }
    out += text.mid(last);
    return out;
}

// Every recorded subscription becomes ours; every resource group and workspace in an ARM path
// (and a datastore's "resourceGroup") gets the replay- prefix. One pass per pattern, so nothing
// is renamed twice.
QString rewriteIds(QString text)
{
    static const QRegularExpression subscription(QStringLiteral("/subscriptions/([0-9a-fA-F-]{36})"));
    QSet<QString> subscriptions;
    for (auto it = subscription.globalMatch(text); it.hasNext();)
        subscriptions.insert(it.next().captured(1).toLower());
    for (const QString &id : std::as_const(subscriptions))
        text.replace(id, QString::fromLatin1(kReplaySubscription), Qt::CaseInsensitive);

    static const QRegularExpression group(QStringLiteral("(/resource[Gg]roups/)([^/\"?\\\\\\s]+)"));
    static const QRegularExpression groupField(QStringLiteral("(\"resourceGroup\": \")([^\"]+)"));
    static const QRegularExpression workspace(QStringLiteral("(/workspaces/)([^/\"?\\\\\\s]+)"));
    text = renameCaptured(text, group, &replayName);
    text = renameCaptured(text, groupField, &replayName);
    return renameCaptured(text, workspace, &replayName);
}

QString text(const json &value)
{
    return value.is_string() ? QString::fromStdString(value.get<std::string>()) : QString();
}

void collectLeaves(const json &node, const std::string &pointer, std::vector<std::pair<std::string, json>> &out)
{
    if (node.is_object() && !node.empty()) {
        for (const auto &[key, child] : node.items()) {
            std::string escaped = key;
            for (size_t at = 0; (at = escaped.find('~', at)) != std::string::npos; at += 2)
                escaped.replace(at, 1, "~0");
            for (size_t at = 0; (at = escaped.find('/', at)) != std::string::npos; at += 2)
                escaped.replace(at, 1, "~1");
            collectLeaves(child, pointer + "/" + escaped, out);
        }
        return;
    }
    if (node.is_array() && !node.empty()) {
        for (size_t i = 0; i < node.size(); ++i)
            collectLeaves(node[i], pointer + "/" + std::to_string(i), out);
        return;
    }
    out.emplace_back(pointer, node);
}

bool startsWithPointer(const QString &pointer, const QString &prefix)
{
    return pointer == prefix || pointer.startsWith(prefix + QLatin1Char('/'));
}

} // namespace

std::vector<std::pair<std::string, json>> jsonLeaves(const json &doc)
{
    std::vector<std::pair<std::string, json>> out;
    // An empty body ({} sent as "no options") has no fields to compare.
    if (!doc.is_null() && !doc.empty())
        collectLeaves(doc, "", out);
    return out;
}

QString RecordedExchange::where() const
{
    QString shortPath = path;
    const qsizetype at = shortPath.indexOf(QStringLiteral("/workspaces/"));
    if (at >= 0)
        shortPath = QStringLiteral("…") + shortPath.mid(at);
    return QStringLiteral("%1#%2 %3 %4").arg(scenario).arg(seq).arg(QString::fromLatin1(method), shortPath);
}

QUrl RecordedExchange::url() const
{
    QUrl out;
    out.setScheme(QStringLiteral("https"));
    out.setHost(host);
    out.setPath(path);
    QUrlQuery q;
    for (auto it = query.begin(); it != query.end(); ++it)
        q.addQueryItem(it.key(), it.value());
    out.setQuery(q);
    return out;
}

bool RecordedExchange::isStatusPoll() const
{
    return method == "GET"
        && (path.contains(QLatin1String("OperationsStatus/")) || path.contains(QLatin1String("OperationResults/")));
}

QByteArray RecordedExchange::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers)
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    return {};
}

HttpResponse RecordedExchange::response() const
{
    HttpResponse out;
    out.status = status;
    for (const auto &[name, value] : headers)
        out.headers.add(name, value);
    if (responseBody.is_string())
        out.body = QByteArray::fromStdString(responseBody.get<std::string>());
    else if (!responseBody.is_null())
        out.body = QByteArray::fromStdString(responseBody.dump());
    return out;
}

std::vector<Scenario> loadScenarios(QString *error)
{
    std::vector<Scenario> scenarios;
    const QDir dir(recordingsDir());
    const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    if (files.isEmpty()) {
        if (error)
            *error = QStringLiteral("no recordings in %1").arg(dir.absolutePath());
        return {};
    }
    for (const QString &file : files) {
        QFile in(dir.filePath(file));
        if (!in.open(QIODevice::ReadOnly)) {
            if (error)
                *error = QStringLiteral("cannot read %1").arg(in.fileName());
            return {};
        }
        const QByteArray rewritten = rewriteIds(QString::fromUtf8(in.readAll())).toUtf8();
        const json doc = json::parse(rewritten.constBegin(), rewritten.constEnd(), nullptr, false);
        if (!doc.is_array()) {
            if (error)
                *error = QStringLiteral("%1 is not a JSON list").arg(file);
            return {};
        }
        Scenario scenario;
        scenario.file = file;
        for (const json &entry : doc) {
            RecordedExchange exchange;
            exchange.scenario = file;
            exchange.seq = entry.value("seq", 0);
            exchange.label = text(entry.value("label", json()));
            exchange.method = text(entry.value("method", json())).toLatin1();
            exchange.host = text(entry.value("host", json()));
            exchange.path = text(entry.value("path", json()));
            if (const auto query = entry.find("query"); query != entry.end() && query->is_object())
                for (const auto &[key, value] : query->items())
                    exchange.query.insert(QString::fromStdString(key), text(value));
            exchange.apiVersion = text(entry.value("api_version", json()));
            exchange.requestBody = entry.value("request_body", json());
            exchange.status = entry.value("status", 0);
            if (const auto headers = entry.find("headers"); headers != entry.end() && headers->is_object())
                for (const auto &[key, value] : headers->items())
                    exchange.headers.append({QByteArray::fromStdString(key), text(value).toUtf8()});
            exchange.responseBody = entry.value("response_body", json());
            scenario.exchanges.push_back(std::move(exchange));
        }
        scenarios.push_back(std::move(scenario));
    }
    return scenarios;
}

ReplayTransport::ReplayTransport(std::vector<RecordedExchange> script, ReplayRules rules, QString clientApiVersion)
    : m_script(std::move(script)), m_rules(std::move(rules)), m_clientApiVersion(std::move(clientApiVersion))
{
}

void ReplayTransport::send(const HttpRequest &request, std::chrono::milliseconds, ResponseCallback done)
{
    m_requests.push_back(request);
    HttpResponse response;
    if (m_next < m_script.size()) {
        const RecordedExchange &expected = m_script[m_next++];
        check(request, expected);
        response = expected.response();
    } else {
        m_mismatches << QStringLiteral("request %1 %2 after the last recorded exchange")
                            .arg(QString::fromLatin1(request.method), request.url.toString());
        // 400 is not retried: the client sees at once that the script is over.
        response = jsonResponse(400, R"({"error":{"code":"ReplayExhausted","message":"no recorded exchange left"}})");
    }
    QTimer::singleShot(0, &m_guard, [done = std::move(done), response]() { done(response); });
}

void ReplayTransport::check(const HttpRequest &request, const RecordedExchange &expected)
{
    const QString where = expected.where();
    if (request.method != expected.method)
        m_mismatches << QStringLiteral("%1: method %2").arg(where, QString::fromLatin1(request.method));
    if (request.url.host() != expected.host)
        m_mismatches << QStringLiteral("%1: host %2").arg(where, request.url.host());
    const QString path = request.url.path(QUrl::FullyDecoded);
    if (path != expected.path)
        m_mismatches << QStringLiteral("%1: path %2").arg(where, path);

    QMap<QString, QString> query;
    for (const auto &[name, value] : QUrlQuery(request.url).queryItems(QUrl::FullyDecoded))
        query.insert(name, value);
    if (expected.isStatusPoll()) {
        // A status URL is the service's: followed verbatim (api-version, type=async, service=new).
        if (query != expected.query)
            m_mismatches << QStringLiteral("%1: the status URL's query was changed to %2")
                                .arg(where, request.url.query(QUrl::FullyDecoded));
    } else {
        const QString version = query.value(QStringLiteral("api-version"));
        if (!m_clientApiVersion.isEmpty() && version != m_clientApiVersion)
            m_mismatches << QStringLiteral("%1: api-version %2, the client's is %3").arg(where, version, m_clientApiVersion);
        // An older api-version than the recorded client's could lack fields the recorded bodies have.
        if (version < expected.apiVersion)
            m_mismatches << QStringLiteral("%1: api-version %2 is older than the recorded %3").arg(where, version, expected.apiVersion);
        for (auto it = expected.query.begin(); it != expected.query.end(); ++it) {
            if (it.key() == QLatin1String("api-version") || m_rules.queryNotSent.contains(it.key()))
                continue;
            if (query.value(it.key()) != it.value())
                m_mismatches << QStringLiteral("%1: query %2=%3, recorded %4").arg(where, it.key(), query.value(it.key()), it.value());
        }
        for (auto it = query.begin(); it != query.end(); ++it)
            if (it.key() != QLatin1String("api-version") && !expected.query.contains(it.key()))
                m_mismatches << QStringLiteral("%1: query %2=%3 the recorded client did not send").arg(where, it.key(), it.value());
    }
    checkBody(request, expected);
}

void ReplayTransport::checkBody(const HttpRequest &request, const RecordedExchange &expected)
{
    if (!expected.requestBody.is_object())
        return;
    const QString where = expected.where();
    const json ours = json::parse(request.body.constBegin(), request.body.constEnd(), nullptr, false);
    if (!ours.is_object()) {
        m_mismatches << QStringLiteral("%1: the recorded request has a JSON body, ours is '%2'").arg(where, QString::fromUtf8(request.body.left(80)));
        return;
    }
    for (const auto &[pointer, value] : jsonLeaves(expected.requestBody)) {
        const QString name = QString::fromStdString(pointer);
        const json::json_pointer at(pointer);
        if (ours.contains(at)) {
            if (ours.at(at) != value)
                m_mismatches << QStringLiteral("%1: body %2 = %3, recorded %4")
                                    .arg(where, name, QString::fromStdString(ours.at(at).dump()), QString::fromStdString(value.dump()));
            else
                ++m_compared;
            continue;
        }
        const bool named = std::any_of(m_rules.fieldsNotSent.begin(), m_rules.fieldsNotSent.end(),
                                       [&](const QString &prefix) { return startsWithPointer(name, prefix); });
        if (named)
            m_leftOut << name;
        else
            m_mismatches << QStringLiteral("%1: body %2 (%3) is not sent").arg(where, name, QString::fromStdString(value.dump()));
    }
}

} // namespace cerulean::azure::test
