#pragma once

#include "core/azure/client.h"
#include "core/azure/operation.h"
#include "core/azure/requests.h"
#include "core/azure/resources.h"
#include "core/azure/secret_store.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

namespace cerulean::azure {

template <class T>
using Done = std::function<void(Result<T>)>;

// Sends one request and parses a 2xx body with `parse`; anything else becomes an AzureError.
template <class T>
void sendTyped(const HttpPipeline &pipeline, HttpRequest request, Result<T> (*parse)(const QByteArray &), QObject *context,
               Done<T> done)
{
    pipeline.send(std::move(request), context, [parse, done = std::move(done)](const HttpResponse &response) {
        if (!response.isSuccess()) {
            done(AzureError::fromResponse(response));
            return;
        }
        done(parse(response.body));
    });
}

// Follows nextLink until the last page and hands over every item.
template <class T>
void listAll(std::shared_ptr<const HttpPipeline> pipeline, HttpRequest first, ItemParser<T> parseItem, QObject *context,
             Done<QList<T>> done, int maxPages = 1000)
{
    struct State
    {
        QList<T> items;
        int pages = 0;
    };
    auto state = std::make_shared<State>();
    auto step = std::make_shared<std::function<void(HttpRequest)>>();
    *step = [pipeline, parseItem, context, done, state, maxPages, weak = std::weak_ptr(step)](HttpRequest request) {
        auto self = weak.lock();
        pipeline->send(request, context, [=](const HttpResponse &response) {
            if (!response.isSuccess()) {
                done(AzureError::fromResponse(response));
                return;
            }
            auto page = parsePage<T>(response.body, parseItem);
            if (!page) {
                done(page.error());
                return;
            }
            state->items.append(page->items);
            if (page->nextLink.isEmpty() || ++state->pages >= maxPages) {
                done(state->items);
                return;
            }
            HttpRequest next;
            next.method = "GET";
            next.url = request.url.resolved(page->nextLink);
            next.headers = request.headers;
            (*self)(next);
        });
    };
    (*step)(std::move(first));
}

// Azure ML, ARM, Graph, Blob, MLflow and App Insights operations for one workspace, each an
// asynchronous call with a typed result or a long-running Operation.
class MachineLearningClient final
{
public:
    // operationOptions: how long-running work is paced; by default OperationOptions::forCloud.
    MachineLearningClient(std::shared_ptr<AzureClient> client, WorkspaceRef workspace,
                          std::optional<OperationOptions> operationOptions = std::nullopt);

    const Cloud &cloud() const { return m_client->cloud(); }
    const WorkspaceRef &workspace() const { return m_ws; }
    const std::shared_ptr<AzureClient> &client() const { return m_client; }

    // Account
    void listSubscriptions(QObject *context, Done<QList<Subscription>> done) const;
    void listResourceGroups(QObject *context, Done<QList<ResourceGroup>> done) const;
    Operation<ResourceGroup> *createResourceGroup(const QString &name, const QString &location, QObject *parent) const;

    // Workspace
    void listWorkspaces(const QString &resourceGroup, QObject *context, Done<QList<Workspace>> done) const;
    void getWorkspace(QObject *context, Done<Workspace> done) const;
    Operation<Workspace> *createWorkspace(const WorkspaceSpec &spec, QObject *parent) const;
    // Storage account, key vault and App Insights component a new workspace needs (ARM IDs
    // come back in the operations' results).
    OperationBase *createStorageAccount(const QString &name, const QString &location, QObject *parent) const;
    OperationBase *createKeyVault(const QString &name, const QString &location, const QString &tenantId, QObject *parent) const;
    OperationBase *createApplicationInsights(const QString &name, const QString &location, QObject *parent) const;
    void listWorkspaceKeys(QObject *context, Done<WorkspaceKeys> done) const;

    // Compute
    Operation<Compute> *createCompute(const ComputeSpec &spec, QObject *parent) const;
    void getCompute(const QString &name, QObject *context, Done<Compute> done) const;
    void listComputes(QObject *context, Done<QList<Compute>> done) const;
    Operation<Empty> *deleteCompute(const QString &name, QObject *parent) const;
    void listVmSizes(const QString &location, QObject *context, Done<QList<VmSize>> done) const;

    // Data
    void createDataVersion(const DataVersionSpec &spec, QObject *context, Done<DataVersion> done) const;
    void getDataVersion(const QString &name, const QString &version, QObject *context, Done<DataVersion> done) const;
    void listDataAssets(QObject *context, Done<QList<DataContainer>> done) const;
    // A datastore ("workspaceblobstore" is the default one uploads go to).
    void getDatastore(const QString &name, QObject *context, Done<Datastore> done) const;
    // The blob URL of a path in a Blob datastore, and the azureml:// URI a data asset names it by.
    QUrl datastoreBlobUrl(const Datastore &datastore, const QString &path) const;
    static QString datastoreUri(const Datastore &datastore, const QString &path);

    // Jobs
    void createAutoMLJob(const AutoMLClassificationSpec &spec, QObject *context, Done<Job> done) const;
    void createPipelineJob(const PipelineJobSpec &spec, QObject *context, Done<Job> done) const;
    void getJob(const QString &name, QObject *context, Done<Job> done) const;
    void listJobs(QObject *context, Done<QList<Job>> done) const;
    void cancelJob(const QString &name, QObject *context, Done<Empty> done) const;

    // Models
    void createModelVersion(const ModelSpec &spec, QObject *context, Done<Model> done) const;
    void getModelVersion(const QString &name, const QString &version, QObject *context, Done<Model> done) const;
    void listModelVersions(const QString &name, QObject *context, Done<QList<Model>> done) const;

    // Online endpoints and deployments
    Operation<OnlineEndpoint> *createOnlineEndpoint(const OnlineEndpointSpec &spec, QObject *parent) const;
    void getOnlineEndpoint(const QString &name, QObject *context, Done<OnlineEndpoint> done) const;
    void listOnlineEndpoints(QObject *context, Done<QList<OnlineEndpoint>> done) const;
    Operation<Empty> *deleteOnlineEndpoint(const QString &name, QObject *parent) const;
    void listEndpointKeys(const QString &name, QObject *context, Done<EndpointKeys> done) const;
    // An AMLToken endpoint's own token (it scores that endpoint and opens nothing else).
    void getEndpointToken(const QString &name, QObject *context, Done<EndpointToken> done) const;
    // The bearer token that scores a token endpoint: its own token (authMode AMLToken) or an
    // Entra token for https://ml.azure.com (AADToken). Key endpoints take keys: an error.
    void scoringToken(const QString &endpointName, const QString &authMode, QObject *context,
                      Done<AccessToken> done) const;
    Operation<Empty> *regenerateEndpointKeys(const QString &name, bool primary, QObject *parent) const;
    // Sets the endpoint's traffic split (deployment name -> percent; they add up to 100, or 0
    // for none): the endpoint is read and PUT back with the new split, then waited for.
    void setEndpointTraffic(const QString &name, const QMap<QString, int> &traffic, QObject *context,
                            Done<OnlineEndpoint> done) const;
    Operation<OnlineDeployment> *createOnlineDeployment(const OnlineDeploymentSpec &spec, QObject *parent) const;
    void getOnlineDeployment(const QString &endpoint, const QString &name, QObject *context, Done<OnlineDeployment> done) const;
    Operation<Empty> *deleteOnlineDeployment(const QString &endpoint, const QString &name, QObject *parent) const;
    void getDeploymentLogs(const QString &endpoint, const QString &name, int tail, const QString &containerType,
                           QObject *context, Done<QString> done) const;

    // Schedules and batch
    void createSchedule(const ScheduleSpec &spec, QObject *context, Done<Schedule> done) const;
    void getSchedule(const QString &name, QObject *context, Done<Schedule> done) const;
    // Enables or disables a schedule (read, then PUT back with isEnabled).
    void setScheduleEnabled(const QString &name, bool enabled, QObject *context, Done<Schedule> done) const;
    Operation<BatchEndpoint> *createBatchEndpoint(const QString &name, const QString &location, const QString &description,
                                                  const QString &defaultDeployment, QObject *parent) const;
    Operation<BatchDeployment> *createBatchDeployment(const BatchDeploymentSpec &spec, QObject *parent) const;
    // Starts a batch scoring job over a file or folder; the job it made. deployment: empty for
    // the endpoint's default one.
    void invokeBatchEndpoint(const QUrl &scoringUri, const QString &inputUri, bool inputIsFolder, const QString &deployment,
                             QObject *context, Done<Job> done) const;
    void getBatchEndpoint(const QString &name, QObject *context, Done<BatchEndpoint> done) const;
    void getBatchDeployment(const QString &endpoint, const QString &name, QObject *context, Done<BatchDeployment> done) const;

    // Role assignments on the workspace (or any scope)
    void assignRole(const QString &scope, const QString &roleDefinitionGuid, const QString &principalId, QObject *context,
                    Done<RoleAssignment> done) const;
    void listRoleAssignments(const QString &scope, const QString &principalId, QObject *context,
                             Done<QList<RoleAssignment>> done) const;

    // MLflow (trackingBase from Cloud::mlflowTrackingBase)
    void childRuns(const QUrl &trackingBase, const QString &experimentId, const QString &parentRunId, QObject *context,
                   Done<QList<MlflowRun>> done) const;
    void getRun(const QUrl &trackingBase, const QString &runId, QObject *context, Done<MlflowRun> done) const;
    void metricHistory(const QUrl &trackingBase, const QString &runId, const QString &key, QObject *context,
                       Done<QList<MlflowMetric>> done) const;
    void listArtifacts(const QUrl &trackingBase, const QString &runId, const QString &path, QObject *context,
                       Done<QList<ArtifactFile>> done) const;
    void downloadArtifact(const QUrl &trackingBase, const QString &runId, const QString &path, QObject *context,
                          Done<QByteArray> done) const;

    // Application Insights: the component (by ARM ID, e.g. Workspace::applicationInsights)
    // gives the AppId the query API is addressed by.
    void getApplicationInsights(const QString &componentId, QObject *context, Done<AppInsightsComponent> done) const;
    // Application Insights query API
    void queryAppInsights(const QString &appId, const QString &kql, const QString &timespan, QObject *context,
                          Done<QList<QueryTable>> done) const;

private:
    template <class T>
    Operation<T> *begin(HttpRequest request, Result<T> (*parse)(const QByteArray &), QObject *parent) const;
    Operation<Empty> *beginEmpty(HttpRequest request, QObject *parent) const;

    std::shared_ptr<AzureClient> m_client;
    WorkspaceRef m_ws;
    OperationOptions m_operationOptions;
};

// Creates (or finds by display name) an application and its service principal, adds a
// client secret that goes straight to the keychain, and reports the IDs. Idempotent: a
// second run reuses the application and principal and only adds a new secret.
struct ServicePrincipalResult
{
    GraphApplication application;
    GraphServicePrincipal servicePrincipal;
    PasswordCredential password; // metadata; the secret is in the SecretStore under secretKey
    QString secretKey;
    bool reusedApplication = false;
};
void setUpServicePrincipal(std::shared_ptr<AzureClient> client, const QString &displayName, const QString &tenantId,
                           const SecretStore &store, QObject *context, Done<ServicePrincipalResult> done);

// Turns a schedule on or off: GET, then PUT its body back with isEnabled changed (ARM's
// PATCH takes only tags and identity). MachineLearningClient and PipelineOperations share it.
void setScheduleEnabled(std::shared_ptr<const HttpPipeline> pipeline, const Cloud &cloud, const WorkspaceRef &ws,
                        const QString &name, bool enabled, QObject *context, Done<Schedule> done);

// Uploads a file to Blob Storage: one Put Blob up to blockSize, else Put Block per chunk and
// Put Block List. With an account key the requests are signed with Shared Key; otherwise the
// storage pipeline's bearer token is used.
struct BlobUploadOptions
{
    qsizetype blockSize = 4 * 1024 * 1024;
    QByteArray contentType = "text/csv";
    QString accountName;           // Shared Key only
    QByteArray accountKeyBase64;   // Shared Key only; empty: bearer token
};
void uploadBlob(std::shared_ptr<AzureClient> client, const QUrl &blobUrl, QByteArray content, const BlobUploadOptions &options,
                QObject *context, Done<Empty> done);

// Scores a request body against an endpoint (key auth) and returns the reply normalized
// to plain JSON text (both reply forms are read).
void scoreEndpoint(std::shared_ptr<AzureClient> client, const QUrl &scoringUri, const QByteArray &body, const QString &key,
                   QObject *context, Done<QByteArray> done);
// The same, sent to one deployment of the endpoint (the azureml-model-deployment header),
// whatever its traffic share, as Azure routes it.
void scoreDeployment(std::shared_ptr<AzureClient> client, const QUrl &scoringUri, const QString &deployment,
                     const QByteArray &body, const QString &key, QObject *context, Done<QByteArray> done);

} // namespace cerulean::azure
