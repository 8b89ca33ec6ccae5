#pragma once

// Real Azure ML traffic, replayed to core/azure. ../shared/azure-recordings holds 31 scenarios
// recorded by Azure PowerShell's own tests against live Azure (one JSON list of exchanges per
// scenario: method, path, query, request body, status, LRO headers, response body). The
// ReplayTransport answers a client's requests with one slice of a scenario, in order, and
// records every way in which a request differs from the one the recorded client sent.

#include "core/azure/pipeline.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <vector>

namespace cerulean::azure::test {

// The ids the recordings are rewritten to: a subscription of our own, and every resource group
// and workspace renamed, so that what the client sends is built from its own WorkspaceRef.
inline constexpr const char *kReplaySubscription = "5eb1ca5e-0000-4000-8000-00000000a11e";
QString replayName(const QString &recordedName); // "ml-test" -> "replay-ml-test"

struct RecordedExchange
{
    QString scenario; // file name, e.g. "ps_CreateScenarioTest.json"
    int seq = 0;
    QString label;
    QByteArray method;
    QString host, path;
    QMap<QString, QString> query;
    QString apiVersion;
    nlohmann::json requestBody;  // null when none
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    nlohmann::json responseBody; // null when none

    QString where() const;       // "ps_CreateScenarioTest.json#17 PUT …/computes/batch-cluster"
    QUrl url() const;            // https://host/path?query
    // An operation-status poll (…OperationsStatus/…, mfeOperationResults/…): its URL comes from
    // an LRO header, not from the client.
    bool isStatusPoll() const;
    HttpResponse response() const;
    QByteArray header(const QByteArray &name) const;
};

struct Scenario
{
    QString file;
    std::vector<RecordedExchange> exchanges;
};

// Every scenario file, in name order, with the ids rewritten. Empty (and *error set) when the
// directory cannot be read.
std::vector<Scenario> loadScenarios(QString *error);
QString recordingsDir();

// What a request may leave out of the recorded one.
struct ReplayRules
{
    // Query parameters of the recorded client that ours does not send (list filters).
    QStringList queryNotSent;
    // JSON pointers (or prefixes of them) of the recorded request body that our client does
    // not send: its own choices, each named here so that nothing is dropped unnoticed.
    QStringList fieldsNotSent;
};

// Answers each request with the next recorded exchange, in order, and checks it against the
// recorded request: method, host, path (ids rewritten), query (a poll's verbatim; the client's
// own api-version at least as new as the recorded one), and every field of the recorded body
// that the client sends (equal), or that the rules say it does not send.
class ReplayTransport final : public HttpTransport
{
public:
    ReplayTransport(std::vector<RecordedExchange> script, ReplayRules rules, QString clientApiVersion);

    void send(const HttpRequest &request, std::chrono::milliseconds timeout, ResponseCallback done) override;

    bool allServed() const { return m_next == m_script.size(); }
    size_t served() const { return m_next; }
    const std::vector<HttpRequest> &requests() const { return m_requests; }
    // One line per difference; empty when the client asked exactly what the recorded one did.
    const QStringList &mismatches() const { return m_mismatches; }
    // "name the recorded client sent that ours does not", for the report.
    const QStringList &fieldsLeftOut() const { return m_leftOut; }
    // Leaf fields of recorded bodies our client sent with the same value.
    int fieldsCompared() const { return m_compared; }

private:
    void check(const HttpRequest &request, const RecordedExchange &expected);
    void checkBody(const HttpRequest &request, const RecordedExchange &expected);

    std::vector<RecordedExchange> m_script;
    ReplayRules m_rules;
    QString m_clientApiVersion;
    size_t m_next = 0;
    std::vector<HttpRequest> m_requests;
    QStringList m_mismatches, m_leftOut;
    int m_compared = 0;
    QObject m_guard;
};

// Every leaf of a JSON document as pointer -> value; empty objects and arrays are leaves too.
std::vector<std::pair<std::string, nlohmann::json>> jsonLeaves(const nlohmann::json &doc);

} // namespace cerulean::azure::test
