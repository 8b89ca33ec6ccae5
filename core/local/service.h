#pragma once

#include "core/local/api.h"
#include "core/local/iso_duration.h"
#include "core/local/schedule.h"
#include "core/local/step_sandbox.h"
#include "core/local/store.h"

#include <QString>
#include <QUrl>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

namespace cerulean::local {

class JobRunner;
class DeploymentHost;
class PipelineRunner;

struct ServiceOptions
{
    QString root;                 // state directory (database, blobs, artifacts)
    int pageSize = 100;           // items per list page before a nextLink
    QString location = QStringLiteral("local");
    std::chrono::seconds tokenLifetime{3599};
    bool startWorkers = true;     // job runner and deployments; off for pure route tests
    // How long a job may go without a heartbeat before a restart treats it as orphaned.
    std::chrono::seconds jobLease{30};
    // The time schedules run on; empty = the system clock. Tests inject their own.
    ServiceClock clock;
    SchedulerOptions scheduler;
    SandboxOptions sandbox; // how pipeline command steps are confined
    // Access-Control-Allow-Origin that the local deployments send (for a Swagger UI or a page
    // of the user's on another origin); empty, the default: none, so browsers keep other
    // sites' pages from reading them.
    QString endpointCorsOrigin;
};

// Bodies are bounded per route before they are read (LocalService::admit).
inline constexpr qint64 kMaxRequestBodyBytes = 4 << 20; // as ARM: 4 MB of JSON (and every other route)
inline constexpr qint64 kMaxBlobBodyBytes = 256 << 20;  // Put Blob / Put Block, streamed to a file

// What the service decides about a request from its head (method, path, headers) alone,
// before any byte of its body is read.
struct RequestAdmission
{
    std::optional<ApiResponse> reject; // answer this at once; the body is never read
    qint64 maxBodyBytes = kMaxRequestBodyBytes;
    ApiResponse tooLarge;              // the answer to a longer body, in the route's own error shape
    QString bodyFile;                  // non-empty: stream the body into this file (ApiRequest::bodyFile)
};

// The built-in service principal that can always sign in to the local workspace. Its
// secret is new for each process that opens the root and is never stored (only its hash).
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
    // Checks a request's Host and credential from its head and bounds its body. The HTTP
    // server calls it before reading the body; handle() checks the same again.
    RequestAdmission admit(const ApiRequest &head) const;
    // Whether a Host header value names this service: one of servedHostNames() with the
    // service's port (any port before the port is known). No Host at all is accepted too
    // (HTTP/1.0, in-process callers); links then use baseUrl().
    bool servedHost(const QByteArray &host) const;
    // The host names the service answers to and hands out in links: the one allowlist.
    static const QStringList &servedHostNames();
    // The storage account of a host-style blob Host ({account}.blob.localhost[:port]): such a
    // request is the path-style /blob/{account}{path}. nullopt for any other Host.
    static std::optional<QString> blobHostAccount(const QByteArray &host);
    // The request's path as the routes see it: host-style blob requests made path-style.
    static QString pathStyle(const ApiRequest &request);

    // Where links (nextLink, Azure-AsyncOperation, scoring URIs' host) point when a request
    // carries no Host header.
    void setBaseUrl(const QUrl &base);
    QUrl baseUrl() const;

    Store &store() { return *m_store; }
    const ServiceOptions &options() const { return m_options; }
    LocalPrincipal builtInPrincipal() const { return m_principal; }
    // Telemetry rows the query API read from the store since the service started: what
    // following a deployment's logs costs it.
    quint64 telemetryRowsRead() const { return m_telemetryRowsRead.load(std::memory_order_relaxed); }
    QString subscriptionId() const { return m_subscriptionId; }
    QString tenantId() const { return m_principal.tenantId; }
    // An access token for in-process callers (tests); equivalent to the token endpoint.
    QString issueToken();

    JobRunner *jobRunner() { return m_runner.get(); }
    PipelineRunner *pipelines() { return m_pipelines.get(); }
    Scheduler *scheduler() { return m_scheduler.get(); }
    void wakeJobs();
    // Now on the service's clock (ServiceOptions::clock), in ms since the epoch.
    qint64 nowMs() const;
    // A request made by the service itself (pipeline steps, schedules, triggers): the same
    // routes and checks as a client's, with the service's own token.
    ApiResponse internalRequest(const QByteArray &method, const QString &path, const Json &body = Json());
    // Submits a schedule's action for its occurrence at `scheduled` as the job `jobName`; the
    // job's name, or "" with *error. When that job exists already the action had run: nothing
    // is submitted again.
    QString runScheduleAction(const QString &workspaceId, const QString &scheduleName, const Json &action,
                              const QDateTime &scheduled, const QString &jobName, QString *error);
    // The model package folder of a model reference: a model version id, azureml:name:version,
    // or a job output URI (azureml://jobs/NAME/outputs/best_model); nullopt with a message.
    std::optional<QString> resolveModelPath(const QString &workspaceId, const QString &reference, QString *error) const;
    DeploymentHost *deployments() { return m_deployments.get(); }

    // Resolves a data reference (azureml:name:version, data asset id, azureml:// datastore
    // path, blob URL, mltable folder) to a local file; nullopt with a message otherwise.
    // With `folder` (a uri_folder input) a folder is the answer itself, not an MLTable's file.
    std::optional<QString> resolveDataPath(const QString &workspaceId, const QString &uri, QString *error,
                                           bool folder = false) const;
    // The App Insights component's AppId of the workspace ("" when it has none).
    QString appInsightsAppId(const QString &workspaceId) const;
    // Mirrors a job's status into its MLflow parent run and its ARM document.
    void setJobStatus(const QString &jobId, const QString &status, const Json &error = Json());

private:
    struct Route;
    ApiResponse dispatch(const ApiRequest &request);
    bool authorized(const ApiRequest &request) const;
    // http://HOST:PORT of links in a reply: the request's Host once servedHost() accepted
    // it, else baseUrl(). Never a foreign name.
    QString linkBase(const ApiRequest &request) const;
    ApiResponse unauthorizedResponse(const ApiRequest &request) const;
    ApiResponse misdirectedResponse(const QByteArray &host) const;
    // blob_routes.cpp: the storage account and the credential (bearer token or Shared Key)
    // from the head; nullopt when allowed.
    std::optional<ApiResponse> blobAccessDenied(const ApiRequest &request, const QString &subPath) const;
    QString uploadsDir() const;

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
    // pipeline_routes.cpp: published pipeline endpoints and their REST trigger, batch
    // endpoint invocation, schedule history
    ApiResponse handlePipelineEndpoints(const ApiRequest &request, const QString &subPath);
    // `jobName`: the batch job's name (a schedule's, chosen before it fires); "" = a new one.
    ApiResponse handleBatchInvoke(const ApiRequest &request, const QString &endpointId, const QString &jobName = QString());

    friend struct ArmHandlers;

    ServiceOptions m_options;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<JobRunner> m_runner;
    std::unique_ptr<DeploymentHost> m_deployments;
    std::unique_ptr<PipelineRunner> m_pipelines;
    std::unique_ptr<Scheduler> m_scheduler;
    std::mutex m_tokenMutex;
    QString m_internalToken;
    qint64 m_internalTokenExpiryMs = 0;
    LocalPrincipal m_principal;
    std::atomic<quint64> m_telemetryRowsRead{0};
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
