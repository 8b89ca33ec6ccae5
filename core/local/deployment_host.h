#pragma once

#include "core/local/store.h"
#include "core/serving/http_server.h"

#include <QString>
#include <QStringList>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace cerulean::local {

class LocalService;

// One scored request, as the scoring server reports it (App Insights "requests" row).
struct ScoredRequest
{
    qint64 timestampMs = 0;
    QString method;
    QString path;
    int status = 200;
    double durationMs = 0;
    QString operationId;
};

struct ScoringServerConfig
{
    QString modelPath;       // the model package (file or folder)
    QString endpointName;
    QString deploymentName;
    QString authMode;        // "Key", "AMLToken" or "AADToken"
    QStringList keys;        // Key: the accepted keys (primary, secondary); none otherwise
    // AMLToken and AADToken: whether a bearer token may score (the service's token check, for
    // the endpoint's auth mode of the moment). Thread-safe; called per request.
    std::function<bool(const QString &token)> tokenValid;
    QString corsOrigin;      // Access-Control-Allow-Origin of /score and /swagger.json; empty: none
    std::function<void(const ScoredRequest &)> onRequest; // any thread; keep short
    std::function<void(const QString &line)> onLog;        // container log lines
};

// A running scoring server on a loopback port.
class ScoringServer
{
public:
    virtual ~ScoringServer() = default;
    virtual quint16 port() const = 0;
    // The keys a Key endpoint takes (none for a token endpoint).
    virtual void setKeys(const QStringList &keys) = 0;
    virtual void stop() = 0;
    // Answers one request in process, as the server would on its port (the endpoint's router
    // calls it for the deployment it picked). Thread-safe.
    virtual serving::Response handle(const serving::Request &request) const = 0;
};

// Starts a scoring server; nullptr with *error on failure.
using ScoringServerFactory =
    std::function<std::unique_ptr<ScoringServer>(const ScoringServerConfig &config, QString *error)>;

// The scoring server of core/serving when this build has one.
ScoringServerFactory defaultScoringServer();

// Runs one scoring server per online deployment, keeps their container logs under the
// root, and stores request telemetry and traces when the deployment has
// appInsightsEnabled (as Azure does).
class DeploymentHost final
{
public:
    explicit DeploymentHost(LocalService &service, ScoringServerFactory factory = defaultScoringServer());
    ~DeploymentHost();
    DeploymentHost(const DeploymentHost &) = delete;
    DeploymentHost &operator=(const DeploymentHost &) = delete;

    void setFactory(ScoringServerFactory factory);
    // Provisions asynchronously: provisioningState Creating -> Succeeded or Failed.
    void deploy(const QString &deploymentId);
    void stop(const QString &deploymentId);
    void stopAll();
    // Starts again every deployment that was running when the service last stopped.
    void restoreAll();
    // Pushes the endpoint's keys and traffic to its servers and its router. The endpoint's
    // scoringUri/swaggerUri are its router's, which sends each request to one deployment: the
    // one named by an azureml-model-deployment header, else one drawn by the traffic weights
    // (0 % gets none; no positive weight: 404, as on Azure). While traffic was never set the
    // first running deployment answers.
    void refreshEndpoint(const QString &endpointId);
    // Stops the routers of the endpoints at or under a deleted resource (endpoint, workspace).
    void forgetEndpoints(const QString &id);
    // The last `tail` container log lines.
    QString logs(const QString &deploymentId, const QString &containerType, int tail) const;
    // Waits until no provisioning is in flight (tests, shutdown).
    void waitIdle();

private:
    struct Running;
    class Router;
    void provision(const QString &deploymentId);
    void appendLog(const QString &deploymentId, const QString &container, const QString &line);
    void flushTelemetry();
    QString logPath(const QString &deploymentId, const QString &container) const;
    std::optional<QString> resolveModel(const QString &workspaceId, const QString &modelId, QString *error) const;

    LocalService &m_service;
    Store &m_store;
    ScoringServerFactory m_factory;
    mutable std::mutex m_mutex;
    std::condition_variable m_idle;
    int m_provisioning = 0;
    // Provisioning threads; a finished one is joined by the next deploy() or by stopAll().
    struct Provisioning
    {
        std::thread thread;
        bool done = false; // under m_mutex
    };
    std::vector<std::unique_ptr<Provisioning>> m_threads;
    std::map<QString, std::unique_ptr<Running>> m_running; // by deployment key
    std::map<QString, std::shared_ptr<Router>> m_routers;  // by endpoint key
    std::mutex m_telemetryMutex;
    std::vector<TelemetryItem> m_telemetry;
    std::thread m_flusher;
    bool m_stopping = false;
    std::condition_variable m_flushWake;
};

} // namespace cerulean::local
