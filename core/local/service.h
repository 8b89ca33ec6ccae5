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
#include <map>
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
    // Device code sign-in: how long a code waits for the user's approval, how often a device
    // may poll, how many codes may wait at once (each is a row of the store, and anyone on the
    // computer can ask for one), and how long a refresh token from a sign-in lasts.
    std::chrono::seconds deviceCodeLifetime{900};
    std::chrono::seconds deviceCodeInterval{1};
    int maxPendingDeviceCodes = 64;
    std::chrono::hours refreshTokenLifetime{24};
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
inline constexpr qint64 kMaxDiscoveryBodyBytes = 1024;  // the unauthenticated discovery GETs
// The routes open to anyone (token endpoints, the sign-in page) take small forms only.
inline constexpr qint64 kMaxSignInBodyBytes = 64 << 10;

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

// The resources a token is issued for (its audience, Entra's "aud"), named as Azure names
// them; the token endpoint takes the resource from the scope asked for. Each route accepts the
// audiences that Azure's service behind it accepts (docs/ARCHITECTURE.md, "Sign-in and tokens").
struct Audience
{
    static QString management() { return QStringLiteral("https://management.azure.com"); }
    static QString managementClassic() { return QStringLiteral("https://management.core.windows.net"); }
    static QString storage() { return QStringLiteral("https://storage.azure.com"); }
    static QString machineLearning() { return QStringLiteral("https://ml.azure.com"); }
    static QString graph() { return QStringLiteral("https://graph.microsoft.com"); }
    static QString appInsights() { return QStringLiteral("https://api.applicationinsights.io"); }
    // An AMLToken endpoint's own token (POST …/onlineEndpoints/E/token): it scores E, nothing else.
    static QString onlineEndpoint(const QString &endpointId);
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
    // Checks a request's Host and credential (its audience included: credentialRefusal) from
    // its head and bounds its body. The HTTP server calls it before reading the body; handle()
    // checks the same again.
    RequestAdmission admit(const ApiRequest &head) const;
    // Whether a Host header value names this service: one of servedHostNames() with the
    // service's port (any port before the port is known). No Host at all is accepted too
    // (HTTP/1.0, in-process callers); links then use baseUrl().
    // `secure`: the request came over HTTPS, whose port the Host must then name.
    bool servedHost(const QByteArray &host, bool secure = false) const;
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
    // The HTTPS listener's https://127.0.0.1:PORT (empty without one).
    void setSecureBaseUrl(const QUrl &base);
    QUrl secureBaseUrl() const;

    Store &store() { return *m_store; }
    const ServiceOptions &options() const { return m_options; }
    LocalPrincipal builtInPrincipal() const { return m_principal; }
    // Telemetry rows the query API read from the store since the service started: what
    // following a deployment's logs costs it.
    quint64 telemetryRowsRead() const { return m_telemetryRowsRead.load(std::memory_order_relaxed); }
    QString subscriptionId() const { return m_subscriptionId; }
    QString tenantId() const { return m_principal.tenantId; }
    // An access token for in-process callers (tests); equivalent to the token endpoint.
    QString issueToken(const QString &audience = Audience::management());

    // Whether a request's credential lets it go on, decided on its method, path, query and
    // headers alone (the body need not have been read): the token endpoints and the sign-in
    // page need nothing; every other route needs a bearer token for its audience (blob
    // storage: or a Shared Key signature). nullopt to go on; otherwise the answer to send
    // (401/403, as Azure's service behind the route answers). admit() and handle() ask it.
    std::optional<ApiResponse> credentialRefusal(const ApiRequest &request) const;
    bool authorized(const ApiRequest &request) const { return !credentialRefusal(request); }

    // Whether `token` may score the online endpoint `endpointId` with `authMode` ("AMLToken":
    // a token of that endpoint's own; "AADToken": an Entra token for https://ml.azure.com;
    // "Key": never, keys only). Thread-safe; the scoring servers call it per request.
    bool scoringTokenValid(const QString &endpointId, const QString &authMode, const QString &token) const;

    // Approves (or denies) a waiting device code sign-in by its user code; false when no such
    // code waits. Callers check who asks first: the sign-in page and `cerulean-cli login
    // --approve` prove it with the built-in principal's secret.
    bool decideDeviceCode(const QString &userCode, bool approve);

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
    // http://HOST:PORT of links in a reply: the request's Host once servedHost() accepted
    // it, else baseUrl(). Never a foreign name.
    QString linkBase(const ApiRequest &request) const;
    ApiResponse misdirectedResponse(const QByteArray &host, bool secure) const;
    // blob_routes.cpp: the storage account and the credential (a bearer token for the storage
    // audience, or Shared Key) from the head; nullopt when allowed.
    std::optional<ApiResponse> blobAccessDenied(const ApiRequest &request, const QString &subPath) const;
    QString uploadsDir() const;

    // discovery_routes.cpp: the documents clients read before they have a token (cloud
    // endpoints, OpenID configuration, instance discovery); nullopt when not one of them.
    static bool isDiscoveryRequest(const ApiRequest &request);
    ApiResponse handleDiscovery(const ApiRequest &request);
    // identity_routes.cpp
    ApiResponse handleToken(const ApiRequest &request, const QString &tenant);
    ApiResponse handleDeviceCode(const ApiRequest &request, const QString &tenant);
    ApiResponse handleDeviceLogin(const ApiRequest &request);
    bool isBuiltInPrincipalSecret(const QString &secret) const;
    // An approval's proof of the secret: HMAC-SHA256 of the decision and the (normalised) user code.
    bool isDeviceLoginProof(const QString &proof, bool approve, const QString &userCode) const;
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
    struct InternalToken
    {
        QString token;
        qint64 expiryMs = 0;
    };
    std::map<QString, InternalToken> m_internalTokens; // by audience
    LocalPrincipal m_principal;
    QByteArray m_principalSecretHash; // SHA-256 of the built-in principal's secret
    std::atomic<quint64> m_telemetryRowsRead{0};
    QString m_subscriptionId;
    mutable std::mutex m_baseMutex;
    QUrl m_baseUrl;
    QUrl m_secureBaseUrl;
};

// Helpers shared by the route files.
QString newGuid();
QString randomSecret(int bytes = 32);
QString isoNow();
QString isoFromMs(qint64 ms);
QString sha256Hex(const QString &text);
// Compares two byte strings in time that depends only on their lengths (secrets' hashes).
bool constantTimeEquals(const QByteArray &a, const QByteArray &b);
// The document without the service's private "_local" section.
Json publicView(const Json &doc);
// Parses a JSON request body; nullopt (and a 400 in *error) when malformed or not an object.
std::optional<Json> parseJsonBody(const QByteArray &body, ApiResponse *error);

} // namespace cerulean::local
