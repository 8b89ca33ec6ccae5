// Real Azure traffic (../shared/azure-recordings) replayed against the local workspace: every
// recorded request is sent to a fresh local service, the ids rewritten to its subscription,
// and what it answers is compared with what Azure answered, exchange by exchange: the status
// code, which LRO headers are present, the key paths and JSON types of the body, and the
// provisioningState. Azure's own status polls are not replayed: our LRO headers are followed
// instead, and the final status body is compared with Azure's final one. Every difference is
// either fixed or named in service_replay_allowlist.txt with its reason.

#include "core/local/service.h"
#include "tests/azure/replay.h"
#include "tests/azure/test_support.h"

#include <QCoreApplication>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QThread>
#include <QUrl>
#include <QUrlQuery>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

namespace cerulean::azure::test {
namespace {

using nlohmann::json;
namespace local = cerulean::local;

// The headers that carry a long-running operation.
const char *const kLroHeaders[] = {"Location", "Azure-AsyncOperation", "Retry-After", "x-ms-async-operation-timeout"};
// How long our own operation may take before the replay gives up on it (a deployment's
// provisioning fails fast here: the recorded model files are not in local storage).
constexpr auto kOperationDeadline = std::chrono::seconds(20);
constexpr auto kPollInterval = std::chrono::milliseconds(50);

QString allowlistPath()
{
    return QStringLiteral(CERULEAN_SOURCE_DIR "/tests/azure/service_replay_allowlist.txt");
}

struct AllowRule
{
    QRegularExpression pattern;
    QString text, reason;
    bool azureOnly = false;
    int used = 0;
};

std::vector<AllowRule> loadAllowlist(QString *error)
{
    std::vector<AllowRule> rules;
    QFile f(allowlistPath());
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1").arg(f.fileName());
        return rules;
    }
    int lineNo = 0;
    while (!f.atEnd()) {
        ++lineNo;
        const QString line = QString::fromUtf8(f.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const qsizetype bar = line.indexOf(QLatin1String(" | "));
        if (bar < 0) {
            *error = QStringLiteral("line %1 has no ' | reason'").arg(lineNo);
            return {};
        }
        AllowRule rule;
        QString pattern = line.left(bar).trimmed();
        rule.reason = line.mid(bar + 3).trimmed();
        if (pattern.startsWith(QLatin1String("azure-only "))) {
            rule.azureOnly = true;
            pattern = pattern.mid(11).trimmed();
        }
        rule.text = pattern;
        // '*' is any text, '/' included.
        QStringList parts = pattern.split(QLatin1Char('*'));
        for (QString &part : parts)
            part = QRegularExpression::escape(part);
        rule.pattern = QRegularExpression(QLatin1Char('^') + parts.join(QStringLiteral(".*")) + QLatin1Char('$'));
        if (rule.reason.isEmpty() || !rule.pattern.isValid()) {
            *error = QStringLiteral("line %1: a pattern and a reason are needed").arg(lineNo);
            return {};
        }
        rules.push_back(std::move(rule));
    }
    return rules;
}

// Resource family of an ARM path: the type after the workspace ("computes", "onlineEndpoints/
// deployments"), "workspaces" for the workspace itself and its actions.
QString familyOf(const QString &path)
{
    const QStringList seg = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    qsizetype at = -1;
    for (qsizetype i = 0; i < seg.size(); ++i)
        if (seg[i].compare(QLatin1String("workspaces"), Qt::CaseInsensitive) == 0) {
            at = i;
            break;
        }
    if (at < 0)
        return QStringLiteral("other");
    QStringList types;
    for (qsizetype i = at + 2; i + 1 < seg.size(); i += 2)
        types << seg[i];
    // A collection (or an action) after the last name: the collection is the family.
    if ((seg.size() - at) % 2 == 1 && seg.size() - at >= 3)
        types << seg.last();
    if (!types.isEmpty() && types.last() == QLatin1String("versions"))
        types.removeLast();
    static const QStringList actions{QStringLiteral("listKeys"), QStringLiteral("listNodes"), QStringLiteral("listSecrets"),
                                     QStringLiteral("token"), QStringLiteral("getLogs"), QStringLiteral("skus"),
                                     QStringLiteral("cancel"), QStringLiteral("diagnose"), QStringLiteral("prepareNotebook")};
    if (!types.isEmpty() && actions.contains(types.last()))
        types.removeLast();
    return types.isEmpty() ? QStringLiteral("workspaces") : types.join(QLatin1Char('/'));
}

QString typeName(const json &v)
{
    switch (v.type()) {
    case json::value_t::object: return QStringLiteral("object");
    case json::value_t::array: return QStringLiteral("array");
    case json::value_t::string: return QStringLiteral("string");
    case json::value_t::boolean: return QStringLiteral("boolean");
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return QStringLiteral("number");
    default: return QStringLiteral("null");
    }
}

// Key paths of a body, array elements folded into "[]", with the type of each (null when
// every occurrence is null: Azure sends null for an unset optional value, and so may we).
void keyPaths(const json &node, const QString &path, std::map<QString, QString> &out)
{
    if (!path.isEmpty()) {
        auto &type = out[path];
        if (type.isEmpty() || type == QLatin1String("null"))
            type = typeName(node);
    }
    if (node.is_object())
        for (const auto &[key, child] : node.items())
            keyPaths(child, path + QLatin1Char('/') + QString::fromStdString(key), out);
    else if (node.is_array())
        for (const auto &child : node)
            keyPaths(child, path + QStringLiteral("/[]"), out);
}

json parseBody(const QByteArray &body)
{
    if (body.trimmed().isEmpty())
        return json();
    return json::parse(body.constBegin(), body.constEnd(), nullptr, false);
}

struct Tally
{
    int compared = 0, polls = 0, statusEqual = 0, headersEqual = 0, missingPaths = 0, skipped = 0;
};

class ServiceReplay
{
public:
    explicit ServiceReplay(std::vector<AllowRule> &rules) : m_rules(rules) {}

    bool open(QString *error)
    {
        local::ServiceOptions options;
        options.root = m_dir.path();
        m_service = std::make_unique<local::LocalService>(options);
        if (!m_service->open(error))
            return false;
        m_token = m_service->issueToken();
        return true;
    }

    // Resource groups and the workspaces the recordings use without creating them.
    void prepare(const std::vector<Scenario> &scenarios)
    {
        static const QRegularExpression group(QStringLiteral("^(/subscriptions/[^/]+/resourceGroups/[^/]+)"));
        static const QRegularExpression workspace(
            QStringLiteral("^(/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.MachineLearningServices/"
                           "workspaces/[^/]+)"),
            QRegularExpression::CaseInsensitiveOption);
        std::set<QString> groups, used, created;
        for (const Scenario &s : scenarios)
            for (const RecordedExchange &e : s.exchanges) {
                if (const auto m = group.match(e.path); m.hasMatch())
                    groups.insert(m.captured(1));
                if (const auto m = workspace.match(e.path); m.hasMatch()) {
                    used.insert(m.captured(1));
                    if (e.method == "PUT" && m.captured(1) == e.path)
                        created.insert(m.captured(1));
                }
                // A resource group named in a body (a workspace's storage account elsewhere).
                const QString body = QString::fromStdString(e.requestBody.dump());
                static const QRegularExpression inBody(QStringLiteral("(/subscriptions/[^/]+/resourceGroups/[^/\"]+)"));
                for (auto it = inBody.globalMatch(body); it.hasNext();)
                    groups.insert(it.next().captured(1));
            }
        for (const QString &g : groups)
            send("PUT", g + QStringLiteral("?api-version=2024-03-01"), json{{"location", "eastus"}});
        for (const QString &w : used)
            if (!created.count(w))
                send("PUT", w + QStringLiteral("?api-version=2024-04-01"), json{{"location", "eastus"}});
    }

    local::ApiResponse send(const QByteArray &method, const QString &target, const json &body)
    {
        local::HeaderList headers{{"Authorization", "Bearer " + m_token.toLatin1()}};
        const QByteArray bytes = body.is_null() ? QByteArray() : localize(QString::fromStdString(body.dump())).toUtf8();
        if (!bytes.isEmpty())
            headers.append(std::pair<QByteArray, QByteArray>("Content-Type", "application/json"));
        return m_service->handle(local::makeRequest(method, localize(target), bytes, headers));
    }

    // The recordings' ids are rewritten to the replay subscription; the service has its own.
    QString localize(QString text) const
    {
        return text.replace(QString::fromLatin1(kReplaySubscription), m_service->subscriptionId(), Qt::CaseInsensitive);
    }

    // Follows our own LRO headers to the end; the final status body (or the Location answer).
    json follow(const local::ApiResponse &first, const QByteArray &method)
    {
        const QByteArray async = first.header("Azure-AsyncOperation");
        const QByteArray location = first.header("Location");
        const QByteArray url = !async.isEmpty() ? async : location;
        if (url.isEmpty() || (first.status != 201 && first.status != 202))
            return json();
        const auto deadline = std::chrono::steady_clock::now() + kOperationDeadline;
        json last;
        while (std::chrono::steady_clock::now() < deadline) {
            const QUrl u(QString::fromUtf8(url));
            const auto r = send("GET", u.path() + QLatin1Char('?') + u.query(QUrl::FullyEncoded), json());
            last = parseBody(r.body);
            const QString status = last.is_object() ? QString::fromStdString(last.value("status", std::string())) : QString();
            const bool running = (!async.isEmpty() && (status == QLatin1String("InProgress") || status == QLatin1String("Creating") ||
                                                       status == QLatin1String("Updating") || status == QLatin1String("Deleting")))
                                 || (async.isEmpty() && r.status == 202);
            if (!running)
                break;
            QCoreApplication::processEvents();
            QThread::msleep(static_cast<unsigned long>(kPollInterval.count()));
        }
        // DELETE and PATCH end at their Location: its answer is what the client reads last.
        if (!async.isEmpty() && !location.isEmpty() && location != async && method != "PUT") {
            const QUrl u(QString::fromUtf8(location));
            last = parseBody(send("GET", u.path() + QLatin1Char('?') + u.query(QUrl::FullyEncoded), json()).body);
        }
        return last;
    }

    void note(const QString &family, const QString &difference)
    {
        for (AllowRule &rule : m_rules)
            if (!rule.azureOnly && rule.pattern.match(difference).hasMatch()) {
                ++rule.used;
                m_allowed << difference;
                return;
            }
        m_failures << difference;
        Q_UNUSED(family);
    }

    bool azureOnly(const QString &what)
    {
        for (AllowRule &rule : m_rules)
            if (rule.azureOnly && rule.pattern.match(what).hasMatch()) {
                ++rule.used;
                return true;
            }
        return false;
    }

    void compareBodies(const QString &where, const QString &family, const json &azure, const json &ours, int *missing)
    {
        if (!azure.is_object() && !azure.is_array())
            return;
        std::map<QString, QString> a, o;
        keyPaths(azure, QString(), a);
        keyPaths(ours, QString(), o);
        for (const auto &[path, type] : a) {
            const auto it = o.find(path);
            if (it == o.end()) {
                ++*missing;
                note(family, QStringLiteral("%1 missing %2").arg(where, path));
            } else if (type != QLatin1String("null") && it->second != QLatin1String("null") && type != it->second) {
                note(family, QStringLiteral("%1 type %2 %3, Azure %4").arg(where, path, it->second, type));
            }
        }
    }

    void run(const Scenario &scenario)
    {
        const auto &ex = scenario.exchanges;
        for (size_t i = 0; i < ex.size(); ++i) {
            const RecordedExchange &e = ex[i];
            if (e.isStatusPoll())
                continue;
            const QString family = familyOf(e.path);
            Tally &t = m_tally[family];
            QString target = e.path;
            QUrlQuery query;
            for (auto it = e.query.begin(); it != e.query.end(); ++it)
                query.addQueryItem(it.key(), it.value());
            target += QLatin1Char('?') + query.toString(QUrl::FullyEncoded);
            const QString where = QStringLiteral("%1#%2 %3 %4").arg(scenario.file).arg(e.seq).arg(
                QString::fromLatin1(e.method), family);
            const QString requestLine = QStringLiteral("%1 %2").arg(QString::fromLatin1(e.method), e.path);
            const bool skip = azureOnly(QStringLiteral("%1 %2").arg(where, requestLine));
            json body = e.requestBody;
            // A compute instance is Azure's; the jobs that name one run on a cluster of that name.
            if (skip && body.is_object() && body.value("properties", json::object()).value("computeType", std::string()) == "ComputeInstance")
                body["properties"] = {{"computeType", "AmlCompute"}, {"properties", {{"scaleSettings", {{"maxNodeCount", 1}}}}}};
            const auto r = send(e.method, target, body);
            if (skip) {
                ++t.skipped;
                continue;
            }
            ++t.compared;
            if (r.status == e.status)
                ++t.statusEqual;
            else
                note(family, QStringLiteral("%1 status %2, Azure %3").arg(where).arg(r.status).arg(e.status));
            bool headersEqual = true;
            for (const char *h : kLroHeaders) {
                const bool theirs = !e.header(h).isEmpty(), mine = !r.header(h).isEmpty();
                if (theirs != mine) {
                    headersEqual = false;
                    note(family, QStringLiteral("%1 header %2 %3").arg(where, QLatin1String(h),
                                                                      mine ? QStringLiteral("sent, Azure none")
                                                                           : QStringLiteral("absent, Azure sent")));
                }
            }
            if (headersEqual)
                ++t.headersEqual;
            const json ours = parseBody(r.body);
            if (e.responseBody.is_null() && !ours.is_null() && r.status < 300)
                note(family, QStringLiteral("%1 body sent, Azure none").arg(where));
            if (r.status < 300 || r.status == e.status)
                compareBodies(where, family, e.responseBody, ours, &t.missingPaths);
            const json azureState = e.responseBody.is_object() ? e.responseBody.value("properties", json::object()).value("provisioningState", json()) : json();
            const json ourState = ours.is_object() ? ours.value("properties", json::object()).value("provisioningState", json()) : json();
            if (azureState.is_string() && ourState != azureState)
                note(family, QStringLiteral("%1 provisioningState %2, Azure %3")
                                 .arg(where, QString::fromStdString(ourState.dump()), QString::fromStdString(azureState.dump())));
            // Azure's polls after this exchange: compare its final status body with ours.
            size_t j = i + 1;
            while (j < ex.size() && ex[j].isStatusPoll())
                ++j;
            const json ourFinal = follow(r, e.method);
            if (j > i + 1 && r.status < 300) {
                const RecordedExchange &lastPoll = ex[j - 1];
                const QString pollWhere = QStringLiteral("%1#%2 poll %3").arg(scenario.file).arg(lastPoll.seq).arg(family);
                ++t.polls;
                const int pollStatus = ourFinal.is_null() ? 0 : 200;
                if (pollStatus != lastPoll.status) {
                    note(family, QStringLiteral("%1 no status body, Azure %2").arg(pollWhere).arg(lastPoll.status));
                }
                compareBodies(pollWhere, family, lastPoll.responseBody, ourFinal, &t.missingPaths);
                const json azureStatus = lastPoll.responseBody.is_object() ? lastPoll.responseBody.value("status", json()) : json();
                if (azureStatus.is_string() && ourFinal.is_object() && ourFinal.value("status", json()) != azureStatus)
                    note(family, QStringLiteral("%1 status %2, Azure %3")
                                     .arg(pollWhere, QString::fromStdString(ourFinal.value("status", json()).dump()),
                                          QString::fromStdString(azureStatus.dump())));
                i = j - 1;
            }
        }
    }

    std::map<QString, Tally> m_tally;
    QStringList m_failures, m_allowed;

private:
    std::vector<AllowRule> &m_rules;
    QTemporaryDir m_dir;
    std::unique_ptr<local::LocalService> m_service;
    QString m_token;
};

TEST(ServiceReplay, EveryScenarioAnswersAsAzureDidOrIsAllowlisted)
{
    QString error;
    const std::vector<Scenario> scenarios = loadScenarios(&error);
    ASSERT_FALSE(scenarios.empty()) << error.toStdString();
    std::vector<AllowRule> rules = loadAllowlist(&error);
    ASSERT_FALSE(rules.empty()) << error.toStdString();

    ServiceReplay replay(rules);
    ASSERT_TRUE(replay.open(&error)) << error.toStdString();
    replay.prepare(scenarios);
    // One fresh service for the whole run, the scenarios in file order: the recordings' own
    // order (the Create scenarios make what the Get, Stop and Remove ones use).
    for (const Scenario &s : scenarios)
        replay.run(s);

    Tally all;
    std::printf("%-28s %8s %8s %8s %8s %8s\n", "family", "compared", "status=", "LRO=", "missing", "skipped");
    for (const auto &[family, t] : replay.m_tally) {
        std::printf("%-28s %8d %7.1f%% %7.1f%% %8d %8d\n", qPrintable(family), t.compared,
                    t.compared ? 100.0 * t.statusEqual / t.compared : 100.0,
                    t.compared ? 100.0 * t.headersEqual / t.compared : 100.0, t.missingPaths, t.skipped);
        all.compared += t.compared;
        all.statusEqual += t.statusEqual;
        all.headersEqual += t.headersEqual;
        all.missingPaths += t.missingPaths;
        all.skipped += t.skipped;
    }
    std::printf("%-28s %8d %7.1f%% %7.1f%% %8d %8d\n", "all", all.compared, 100.0 * all.statusEqual / std::max(1, all.compared),
                100.0 * all.headersEqual / std::max(1, all.compared), all.missingPaths, all.skipped);
    std::printf("allowlist: %zu rules, %lld differences allowed\n", rules.size(), static_cast<long long>(replay.m_allowed.size()));
    if (qEnvironmentVariableIsSet("CERULEAN_REPLAY_VERBOSE"))
        for (const QString &d : std::as_const(replay.m_allowed))
            std::printf("  allowed: %s\n", qPrintable(d));

    EXPECT_GT(all.compared, 80) << "the recordings hold 85 comparable exchanges";
    for (const QString &f : std::as_const(replay.m_failures))
        ADD_FAILURE() << f.toStdString();
    // An entry that matches nothing is a difference fixed: it leaves the list.
    for (const AllowRule &rule : rules)
        EXPECT_GT(rule.used, 0) << "allowlist entry no longer needed: " << rule.text.toStdString();
}

} // namespace
} // namespace cerulean::azure::test
