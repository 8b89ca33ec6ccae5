#pragma once

#include "core/azure/azure_error.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>
#include <memory>

namespace cerulean::azure {
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
    QString telemetryWindow = QStringLiteral("1h"); // KQL ago() span of requests, traces and the rate chart
    int telemetryRows = 500;           // newest requests and traces read per poll
};

// Follows the session's deployment for the Logs step: polls its container log (getLogs) and,
// when the deployment has Application Insights, its `requests` and `traces` and the per-minute
// request rate and latency, into one LogModel and a RequestRateModel. Every call is
// asynchronous; one poll runs at a time; replies about a previous deployment are dropped.
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
    void finishStep(quint64 generation);
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
};

} // namespace cerulean::ui
