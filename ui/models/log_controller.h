#pragma once

#include "core/azure/azure_error.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

namespace cerulean::azure {
struct QueryTable;
class MachineLearningClient;
class OperationBase;
} // namespace cerulean::azure

namespace cerulean::ui {

class LogModel;
class RequestRateModel;
class Session;

struct LogPollOptions
{
    std::chrono::milliseconds interval{2000};
    int containerTail = 300;           // container log lines read per poll
    std::chrono::minutes telemetryWindow{60}; // span of requests, traces and the rate chart
    int telemetryRows = 500;           // newest requests and traces read per poll
    // Telemetry is stored in batches, so a row can arrive after rows with later timestamps:
    // each read reaches this far back before the newest row already shown (rows shown are
    // skipped). Empty: by connection — Application Insights ingests minutes late, the local
    // workspace flushes twice a second.
    std::optional<std::chrono::seconds> ingestionLag;
};

// Follows the session's deployment for the Logs step: polls its container log (getLogs) and,
// when the deployment has Application Insights, its `requests` and `traces` and the per-minute
// request rate and latency, into one LogModel and a RequestRateModel. Every call is
// asynchronous; one poll runs at a time; replies about a previous deployment are dropped.
// Reads are incremental, so that following costs nothing while nothing happens: telemetry is
// asked for from the newest row shown (less the ingestion lag) on, the rate only for the
// minutes new requests fell in and only when there were any, and an unchanged container log
// is not parsed again.
// Can turn Application Insights on for the deployment (re-PUT with appInsightsEnabled).
class LogController final : public QObject
{
    Q_OBJECT

public:
    enum class Insights
    {
        Unknown,    // not read yet
        Off,        // the deployment does not send telemetry
        Enabling,   // re-deploying with it on
        On,
        Unavailable // the workspace has no Application Insights component
    };

    LogController(Session *session, LogPollOptions options = {}, QObject *parent = nullptr);
    ~LogController() override;

    const LogPollOptions &options() const { return m_options; }
    LogModel *logs() const { return m_logs; }
    RequestRateModel *rate() const { return m_rate; }

    // Following polls every interval; paused, nothing is read (what is shown stays).
    void setFollowing(bool following);
    bool isFollowing() const { return m_following; }
    // Reads once now (also while paused).
    void refresh();
    int pollsCompleted() const { return m_polls; }
    QDateTime lastUpdate() const { return m_lastUpdate; }

    Insights insights() const { return m_insights; }
    void enableInsights();

    // The last error of a poll or of enabling App Insights ("" after a clean poll).
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void followingChanged(bool following);
    void insightsChanged(cerulean::ui::LogController::Insights insights);
    void polled();
    void errorChanged(const QString &error);

private:
    void followDeployment();
    void readDeploymentInfo(quint64 generation);
    void readAppId(quint64 generation);
    void poll();
    void query(quint64 generation, const QString &kql, std::function<void(const azure::QueryTable &)> use);
    void readRequests(quint64 generation);
    void readTraces(quint64 generation);
    void readRate(quint64 generation, const QDateTime &from);
    void finishStep(quint64 generation);
    // The KQL filter of a read: this deployment's rows that may be new since the read made
    // at `lastRead` (none: the whole window).
    QString since(const QDateTime &lastRead) const;
    std::chrono::seconds ingestionLag() const;
    void setInsights(Insights insights);
    void setError(const QString &what, const azure::AzureError &error);
    QString roleFilter() const;

    QPointer<Session> m_session;
    LogPollOptions m_options;
    LogModel *m_logs;
    RequestRateModel *m_rate;
    QTimer m_timer;
    std::shared_ptr<azure::MachineLearningClient> m_client;
    bool m_following = true;
    bool m_active = false; // a deployment is selected and read
    Insights m_insights = Insights::Unknown;
    QString m_endpoint;
    QString m_deployment;
    QString m_appId;
    quint64 m_generation = 0;
    int m_pending = 0;     // calls of the poll in flight
    int m_polls = 0;
    QDateTime m_lastUpdate;
    QString m_lastError;
    QString m_pollError;
    size_t m_containerLogHash = 0; // of the last container log read, to skip an unchanged one
    QDateTime m_requestsRead;      // when requests and traces were last asked for (UTC)
    QDateTime m_tracesRead;
};

} // namespace cerulean::ui
