#include "ui/models/log_controller.h"

#include "core/azure/client.h"
#include "core/azure/ml_client.h"
#include "core/azure/requests.h"
#include "ui/models/deploy_controller.h"
#include "ui/models/log_model.h"
#include "ui/session.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace cerulean::ui {

namespace {

// The App Insights component's resource API version (its properties carry AppId).
constexpr const char *kInsightsApiVersion = "2020-02-02";

// How late a telemetry row may be stored after rows with later timestamps: Application
// Insights' ingestion takes up to a few minutes; the local workspace flushes every 500 ms.
constexpr std::chrono::seconds kAzureIngestionLag{300};
constexpr std::chrono::seconds kLocalIngestionLag{5};

// KQL string literal: single quotes, with backslash escapes.
QString kqlString(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    escaped.replace(QLatin1Char('\''), QStringLiteral("\\'"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

} // namespace

LogController::LogController(Session *session, LogPollOptions options, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_options(std::move(options))
    , m_logs(new LogModel(this))
    , m_rate(new RequestRateModel(this))
{
    m_timer.setInterval(m_options.interval);
    connect(&m_timer, &QTimer::timeout, this, &LogController::poll);
    if (session) {
        connect(session, &Session::connectionChanged, this, [this] {
            m_client.reset();
            followDeployment();
        });
        connect(session, &Session::deploymentChanged, this, &LogController::followDeployment);
    }
    followDeployment();
}

LogController::~LogController() = default;

QString LogController::roleFilter() const
{
    return QStringLiteral("cloud_RoleName == %1").arg(kqlString(m_endpoint));
}

void LogController::setError(const QString &what, const azure::AzureError &error)
{
    m_lastError = QStringLiteral("%1: %2").arg(what, error.toString());
    Q_EMIT errorChanged(m_lastError);
}

void LogController::setInsights(Insights insights)
{
    if (m_insights == insights)
        return;
    m_insights = insights;
    Q_EMIT insightsChanged(insights);
}

void LogController::followDeployment()
{
    Session *session = m_session.data();
    const DeploymentRef deployment = session ? session->deployment() : DeploymentRef{};
    const bool same = !m_endpoint.isEmpty() && deployment.endpointName == m_endpoint && deployment.deploymentName == m_deployment;
    if (!deployment.isValid()) {
        // Nothing selected (or the selection is being announced again): stop reading, keep what is shown.
        ++m_generation;
        m_pending = 0;
        m_active = false;
        m_timer.stop();
        return;
    }
    if (same && m_active)
        return; // the same deployment with a new key or URI
    ++m_generation;
    m_pending = 0;
    if (!same) {
        m_logs->clear();
        m_rate->clear();
        m_containerLogHash = 0;
        m_requestsRead = {};
        m_tracesRead = {};
        m_appId.clear();
        m_lastError.clear();
        Q_EMIT errorChanged(m_lastError);
        setInsights(Insights::Unknown);
    }
    m_endpoint = deployment.endpointName;
    m_deployment = deployment.deploymentName;
    m_active = true;
    if (!m_client && session)
        m_client = machineLearningClient(*session);
    if (!m_client)
        return;
    readDeploymentInfo(m_generation);
    if (m_following) {
        m_timer.start();
        poll();
    }
}

void LogController::readDeploymentInfo(quint64 generation)
{
    m_client->getOnlineDeployment(m_endpoint, m_deployment, this, [this, generation](azure::Result<azure::OnlineDeployment> d) {
        if (generation != m_generation)
            return;
        if (!d.ok()) {
            setError(tr("Read the deployment"), d.error());
            return;
        }
        if (!d->appInsightsEnabled) {
            setInsights(Insights::Off);
            return;
        }
        readAppId(generation);
    });
}

void LogController::readAppId(quint64 generation)
{
    const auto client = m_client;
    client->getWorkspace(this, [this, generation, client](azure::Result<azure::Workspace> ws) {
        if (generation != m_generation)
            return;
        if (!ws.ok()) {
            setError(tr("Read the workspace"), ws.error());
            return;
        }
        if (ws->applicationInsights.isEmpty()) {
            setInsights(Insights::Unavailable);
            return;
        }
        const azure::HttpRequest request = azure::requests::getArmResource(client->cloud(), ws->applicationInsights,
                                                                           QString::fromLatin1(kInsightsApiVersion));
        client->client()->arm()->send(request, this, [this, generation](const azure::HttpResponse &response) {
            if (generation != m_generation)
                return;
            if (!response.isSuccess()) {
                setError(tr("Read the Application Insights component"), azure::AzureError::fromResponse(response));
                return;
            }
            const QJsonObject properties = QJsonDocument::fromJson(response.body).object().value(QStringLiteral("properties")).toObject();
            m_appId = properties.value(QStringLiteral("AppId")).toString();
            setInsights(m_appId.isEmpty() ? Insights::Unavailable : Insights::On);
            if (m_following)
                poll();
        });
    });
}

void LogController::setFollowing(bool following)
{
    if (m_following == following)
        return;
    m_following = following;
    if (following && m_active) {
        m_timer.start();
        poll();
    } else {
        m_timer.stop();
    }
    Q_EMIT followingChanged(following);
}

void LogController::refresh()
{
    poll();
}

void LogController::poll()
{
    if (!m_client || !m_active || m_pending > 0)
        return; // one poll at a time: a slow service must not pile requests up
    const quint64 generation = m_generation;
    m_pollError.clear();
    m_pending = 1;
    m_client->getDeploymentLogs(m_endpoint, m_deployment, m_options.containerTail, QStringLiteral("InferenceServer"), this,
                                [this, generation](azure::Result<QString> content) {
                                    if (generation != m_generation)
                                        return;
                                    if (!content.ok()) {
                                        m_pollError = tr("Container logs: %1").arg(content.error().toString());
                                    } else if (const size_t hash = qHash(content.value()); hash != m_containerLogHash) {
                                        m_containerLogHash = hash;
                                        m_logs->addEntries(parseContainerLog(content.value()));
                                    }
                                    finishStep(generation);
                                });
    if (m_insights != Insights::On || m_appId.isEmpty())
        return;
    // Bins older than the window leave the chart as time passes, new requests or not.
    m_rate->dropBefore(QDateTime::currentDateTimeUtc().addSecs(-std::chrono::seconds(m_options.telemetryWindow).count()));
    readRequests(generation);
    readTraces(generation);
}

std::chrono::seconds LogController::ingestionLag() const
{
    if (m_options.ingestionLag)
        return *m_options.ingestionLag;
    const bool local = m_session && m_session->connection() == Session::Connection::Local;
    return local ? kLocalIngestionLag : kAzureIngestionLag;
}

QString LogController::since(const QDateTime &lastRead) const
{
    // Every row stamped before the last read less the ingestion lag was stored by then, and
    // was read then: ask only for the rows after it.
    const QDateTime from = lastRead.isValid() ? lastRead.addSecs(-ingestionLag().count()) : QDateTime();
    QString filter = QStringLiteral("where timestamp > ago(%1m) and %2").arg(m_options.telemetryWindow.count()).arg(roleFilter());
    if (from.isValid())
        filter += QStringLiteral(" and timestamp >= datetime(%1)")
                      .arg(from.toString(Qt::ISODateWithMs));
    return filter;
}

void LogController::query(quint64 generation, const QString &kql, std::function<void(const azure::QueryTable &)> use)
{
    ++m_pending;
    m_client->queryAppInsights(m_appId, kql, QString(), this, [this, generation, use = std::move(use)](azure::Result<QList<azure::QueryTable>> tables) {
        if (generation != m_generation)
            return;
        if (!tables.ok())
            m_pollError = tr("Application Insights: %1").arg(tables.error().toString());
        else if (!tables->isEmpty())
            use(tables->front());
        finishStep(generation);
    });
}

void LogController::readRequests(quint64 generation)
{
    const bool first = !m_requestsRead.isValid();
    const QString kql = QStringLiteral("requests | %1 | order by timestamp desc | take %2 | project timestamp, id, name, resultCode, duration")
                            .arg(since(m_requestsRead))
                            .arg(m_options.telemetryRows);
    const QDateTime sent = QDateTime::currentDateTimeUtc();
    query(generation, kql, [this, generation, first, sent](const azure::QueryTable &table) {
        m_requestsRead = sent;
        QList<LogEntry> entries = entriesFromRequests(table);
        QDateTime oldest;
        for (const LogEntry &entry : entries)
            oldest = oldest.isValid() ? std::min(oldest, entry.time) : entry.time;
        const int added = m_logs->addEntries(std::move(entries));
        // The rate changes only in the minutes new requests fell in: read those again, and
        // nothing while nothing arrives.
        if (first)
            readRate(generation, {});
        else if (added > 0)
            readRate(generation, oldest);
    });
}

void LogController::readTraces(quint64 generation)
{
    const QString kql = QStringLiteral("traces | %1 | order by timestamp desc | take %2 | project timestamp, message, severityLevel")
                            .arg(since(m_tracesRead))
                            .arg(m_options.telemetryRows);
    const QDateTime sent = QDateTime::currentDateTimeUtc();
    query(generation, kql, [this, sent](const azure::QueryTable &table) {
        m_tracesRead = sent;
        m_logs->addEntries(entriesFromTraces(table));
    });
}

void LogController::readRate(quint64 generation, const QDateTime &from)
{
    // Whole minutes: the first bin read again is complete, not cut at `from`.
    QDateTime minute;
    if (from.isValid()) {
        minute = from;
        minute.setTime(QTime(from.time().hour(), from.time().minute()));
    }
    QString filter = QStringLiteral("where timestamp > ago(%1m) and %2").arg(m_options.telemetryWindow.count()).arg(roleFilter());
    if (minute.isValid())
        filter += QStringLiteral(" and timestamp >= datetime(%1)").arg(minute.toString(Qt::ISODateWithMs));
    const QString kql = QStringLiteral("requests | %1 | summarize count(), avg(duration), percentile(duration, 95) by bin(timestamp, 1m)").arg(filter);
    query(generation, kql, [this, minute](const azure::QueryTable &table) {
        QString error;
        if (!m_rate->mergeTable(table, minute, &error))
            m_pollError = error;
    });
}

void LogController::finishStep(quint64 generation)
{
    if (generation != m_generation || --m_pending > 0)
        return;
    ++m_polls;
    m_lastUpdate = QDateTime::currentDateTimeUtc();
    if (m_lastError != m_pollError) {
        m_lastError = m_pollError;
        Q_EMIT errorChanged(m_lastError);
    }
    Q_EMIT polled();
}

void LogController::enableInsights()
{
    if (!m_client || !m_active || m_insights == Insights::Enabling || m_insights == Insights::On)
        return;
    const quint64 generation = m_generation;
    setInsights(Insights::Enabling);
    m_client->getOnlineDeployment(m_endpoint, m_deployment, this, [this, generation](azure::Result<azure::OnlineDeployment> d) {
        if (generation != m_generation)
            return;
        if (!d.ok()) {
            setError(tr("Read the deployment"), d.error());
            setInsights(Insights::Off);
            return;
        }
        // The same deployment again with telemetry on: Azure rolls it, the local service restarts its server.
        azure::OnlineDeploymentSpec spec;
        spec.endpointName = m_endpoint;
        spec.name = d->name;
        spec.location = d->location;
        spec.model = d->model;
        spec.instanceType = d->instanceType;
        spec.instanceCount = std::max(1, d->instanceCount);
        spec.description = d->description;
        spec.appInsightsEnabled = true;
        auto *operation = m_client->createOnlineDeployment(spec, this);
        connect(operation, &azure::OperationBase::finished, this, [this, operation, generation] {
            operation->deleteLater();
            if (generation != m_generation)
                return;
            if (operation->state() != azure::OperationState::Succeeded) {
                setError(tr("Turn on Application Insights"), operation->error());
                setInsights(Insights::Off);
                return;
            }
            // The update may move the scoring URI (the local service restarts the server on a new port).
            m_client->getOnlineEndpoint(m_endpoint, this, [this, generation](azure::Result<azure::OnlineEndpoint> endpoint) {
                if (generation != m_generation)
                    return;
                Session *session = m_session.data();
                if (endpoint.ok() && session && session->deployment().endpointName == m_endpoint) {
                    DeploymentRef ref = session->deployment();
                    ref.scoringUri = endpoint->scoringUri;
                    ref.swaggerUri = endpoint->swaggerUri;
                    session->setDeployment(ref); // same names: this controller keeps its logs
                }
                readAppId(generation);
            });
        });
        operation->start();
    });
}

} // namespace cerulean::ui
