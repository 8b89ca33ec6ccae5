#pragma once

#include "core/local/api.h"
#include "core/local/iso_duration.h"
#include "core/local/store.h"

#include <QString>
#include <QUrl>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

namespace cerulean::local {

class JobRunner;
class DeploymentHost;

struct ServiceOptions
{
    QString root;                 // state directory (database, blobs, artifacts)
    int pageSize = 100;           // items per list page before a nextLink
    QString location = QStringLiteral("local");
    std::chrono::seconds tokenLifetime{3599};
    bool startWorkers = true;     // job runner and deployments; off for pure route tests
    // How long a job may go without a heartbeat before a restart treats it as orphaned.
    std::chrono::seconds jobLease{30};
};

// The built-in service principal that can always sign in to the local workspace.
struct LocalPrincipal
{
    QString tenantId;
    QString clientId;
    QString clientSecret;
};

// Azure ML's REST surface answered from a Store: ARM resources, identity (token endpoint,
// Graph applications), blob storage for the default datastore, MLflow, and the
// Application Insights query API. handle() is thread-safe and never throws.
class LocalService final
{
public:
    explicit LocalService(ServiceOptions options);
    ~LocalService();
    LocalService(const LocalService &) = delete;
    LocalService &operator=(const LocalService &) = delete;

    // Opens the store, marks jobs orphaned by a crashed process as Failed, starts the job
    // runner and the deployments that existed.
    bool open(QString *error);
    void shutdown();

    ApiResponse handle(const ApiRequest &request);

    // Where links (nextLink, Azure-AsyncOperation, scoring URIs' host) point when a request
    // carries no Host header.
    void setBaseUrl(const QUrl &base);
    QUrl baseUrl() const;

    Store &store() { return *m_store; }
    const ServiceOptions &options() const { return m_options; }
    LocalPrincipal builtInPrincipal() const { return m_principal; }
    QString subscriptionId() const { return m_subscriptionId; }
    QString tenantId() const { return m_principal.tenantId; }
    // An access token for in-process callers (tests); equivalent to the token endpoint.
    QString issueToken();

    JobRunner *jobRunner() { return m_runner.get(); }
    DeploymentHost *deployments() { return m_deployments.get(); }

    // Resolves a data reference (azureml:name:version, data asset id, azureml:// datastore
    // path, blob URL, mltable folder) to a local file; nullopt with a message otherwise.
    std::optional<QString> resolveDataPath(const QString &workspaceId, const QString &uri, QString *error) const;
    // The App Insights component's AppId of the workspace ("" when it has none).
    QString appInsightsAppId(const QString &workspaceId) const;
    // Mirrors a job's status into its MLflow parent run and its ARM document.
    void setJobStatus(const QString &jobId, const QString &status, const Json &error = Json());

private:
    struct Route;
    ApiResponse dispatch(const ApiRequest &request);
    bool authorized(const ApiRequest &request) const;
    QString linkBase(const ApiRequest &request) const;

    // identity_routes.cpp
    ApiResponse handleToken(const ApiRequest &request, const QString &tenant, bool deviceCode);
    ApiResponse handleGraph(const ApiRequest &request, const QString &subPath);
    // blob_routes.cpp
    ApiResponse handleBlob(const ApiRequest &request, const QString &subPath);
    // mlflow_routes.cpp
    ApiResponse handleMlflow(const ApiRequest &request, const QString &subPath);
    // insights_routes.cpp
    ApiResponse handleAppInsights(const ApiRequest &request, const QString &appId);
    // service.cpp (ARM)
    ApiResponse handleArm(const ApiRequest &request);

    friend struct ArmHandlers;

    ServiceOptions m_options;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<JobRunner> m_runner;
    std::unique_ptr<DeploymentHost> m_deployments;
    LocalPrincipal m_principal;
    QString m_subscriptionId;
    mutable std::mutex m_baseMutex;
    QUrl m_baseUrl;
};

// Helpers shared by the route files.
QString newGuid();
QString randomSecret(int bytes = 32);
QString isoNow();
QString isoFromMs(qint64 ms);
QString sha256Hex(const QString &text);
// The document without the service's private "_local" section.
Json publicView(const Json &doc);
// Parses a JSON request body; nullopt (and a 400 in *error) when malformed or not an object.
std::optional<Json> parseJsonBody(const QByteArray &body, ApiResponse *error);

} // namespace cerulean::local
