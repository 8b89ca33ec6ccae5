#include "core/azure/ml_client.h"

#include <QUuid>

namespace cerulean::azure {

namespace {

Result<Empty> ignoreBody(const QByteArray &)
{
    return Empty{};
}

Result<QByteArray> rawBody(const QByteArray &body)
{
    return body;
}

// Starts a long-running request and hands its typed result to done when it ends; the
// operation lives under context (gone with it).
template <class T>
void runToEnd(std::shared_ptr<const HttpPipeline> pipeline, HttpRequest request, Result<T> (*parse)(const QByteArray &),
              OperationOptions options, QObject *context, Done<T> done)
{
    auto *operation = new Operation<T>(std::move(pipeline), std::move(request), parse, options, context);
    QObject::connect(operation, &OperationBase::finished, context, [operation, done]() {
        operation->deleteLater();
        if (operation->state() == OperationState::Succeeded && operation->value())
            done(*operation->value());
        else
            done(operation->error());
    });
    operation->start();
}

} // namespace

MachineLearningClient::MachineLearningClient(std::shared_ptr<AzureClient> client, WorkspaceRef workspace,
                                             std::optional<OperationOptions> operationOptions)
    : m_client(std::move(client)), m_ws(std::move(workspace)),
      m_operationOptions(operationOptions ? *operationOptions : OperationOptions::forCloud(m_client->cloud()))
{
}

template <class T>
Operation<T> *MachineLearningClient::begin(HttpRequest request, Result<T> (*parse)(const QByteArray &), QObject *parent) const
{
    auto *operation = new Operation<T>(m_client->arm(), std::move(request), parse, m_operationOptions, parent);
    operation->start();
    return operation;
}

Operation<Empty> *MachineLearningClient::beginEmpty(HttpRequest request, QObject *parent) const
{
    return begin<Empty>(std::move(request), &ignoreBody, parent);
}

// --- account / workspace ------------------------------------------------------------------------
void MachineLearningClient::listSubscriptions(QObject *context, Done<QList<Subscription>> done) const
{
    listAll<Subscription>(m_client->arm(), requests::listSubscriptions(cloud()), &parseSubscription, context, std::move(done));
}

void MachineLearningClient::listResourceGroups(QObject *context, Done<QList<ResourceGroup>> done) const
{
    listAll<ResourceGroup>(m_client->arm(), requests::listResourceGroups(cloud(), m_ws.subscriptionId), &parseResourceGroup,
                           context, std::move(done));
}

Operation<ResourceGroup> *MachineLearningClient::createResourceGroup(const QString &name, const QString &location,
                                                                     QObject *parent) const
{
    return begin<ResourceGroup>(requests::createResourceGroup(cloud(), m_ws.subscriptionId, name, location),
                                &parseResourceGroup, parent);
}

void MachineLearningClient::listWorkspaces(const QString &resourceGroup, QObject *context, Done<QList<Workspace>> done) const
{
    listAll<Workspace>(m_client->arm(), requests::listWorkspaces(cloud(), m_ws.subscriptionId, resourceGroup), &parseWorkspace,
                       context, std::move(done));
}

void MachineLearningClient::getWorkspace(QObject *context, Done<Workspace> done) const
{
    sendTyped<Workspace>(*m_client->arm(), requests::getWorkspace(cloud(), m_ws), &parseWorkspace, context, std::move(done));
}

Operation<Workspace> *MachineLearningClient::createWorkspace(const WorkspaceSpec &spec, QObject *parent) const
{
    return begin<Workspace>(requests::createWorkspace(cloud(), m_ws.subscriptionId, m_ws.resourceGroup, spec), &parseWorkspace,
                            parent);
}

OperationBase *MachineLearningClient::createStorageAccount(const QString &name, const QString &location, QObject *parent) const
{
    return beginEmpty(requests::createStorageAccount(cloud(), m_ws.subscriptionId, m_ws.resourceGroup, name, location), parent);
}

OperationBase *MachineLearningClient::createKeyVault(const QString &name, const QString &location, const QString &tenantId,
                                                     QObject *parent) const
{
    return beginEmpty(requests::createKeyVault(cloud(), m_ws.subscriptionId, m_ws.resourceGroup, name, location, tenantId),
                      parent);
}

OperationBase *MachineLearningClient::createApplicationInsights(const QString &name, const QString &location,
                                                                QObject *parent) const
{
    return beginEmpty(requests::createApplicationInsights(cloud(), m_ws.subscriptionId, m_ws.resourceGroup, name, location),
                      parent);
}

void MachineLearningClient::listWorkspaceKeys(QObject *context, Done<WorkspaceKeys> done) const
{
    sendTyped<WorkspaceKeys>(*m_client->arm(), requests::listWorkspaceKeys(cloud(), m_ws), &parseWorkspaceKeys, context,
                             std::move(done));
}

// --- compute ------------------------------------------------------------------------------------
Operation<Compute> *MachineLearningClient::createCompute(const ComputeSpec &spec, QObject *parent) const
{
    return begin<Compute>(requests::createCompute(cloud(), m_ws, spec), &parseCompute, parent);
}

void MachineLearningClient::getCompute(const QString &name, QObject *context, Done<Compute> done) const
{
    sendTyped<Compute>(*m_client->arm(), requests::getCompute(cloud(), m_ws, name), &parseCompute, context, std::move(done));
}

void MachineLearningClient::listComputes(QObject *context, Done<QList<Compute>> done) const
{
    listAll<Compute>(m_client->arm(), requests::listComputes(cloud(), m_ws), &parseCompute, context, std::move(done));
}

Operation<Empty> *MachineLearningClient::deleteCompute(const QString &name, QObject *parent) const
{
    return beginEmpty(requests::deleteCompute(cloud(), m_ws, name), parent);
}

void MachineLearningClient::listVmSizes(const QString &location, QObject *context, Done<QList<VmSize>> done) const
{
    listAll<VmSize>(m_client->arm(), requests::listVmSizes(cloud(), m_ws.subscriptionId, location), &parseVmSize, context,
                    std::move(done));
}

// --- data ---------------------------------------------------------------------------------------
void MachineLearningClient::createDataVersion(const DataVersionSpec &spec, QObject *context, Done<DataVersion> done) const
{
    if (spec.name.isEmpty() || spec.version.isEmpty() || spec.dataUri.isEmpty()) {
        done(AzureError::invalidInput(QStringLiteral("a data asset needs a name, a version and a data URI")));
        return;
    }
    sendTyped<DataVersion>(*m_client->arm(), requests::createDataVersion(cloud(), m_ws, spec), &parseDataVersion, context,
                           std::move(done));
}

void MachineLearningClient::getDataVersion(const QString &name, const QString &version, QObject *context,
                                           Done<DataVersion> done) const
{
    sendTyped<DataVersion>(*m_client->arm(), requests::getDataVersion(cloud(), m_ws, name, version), &parseDataVersion,
                           context, std::move(done));
}

void MachineLearningClient::listDataAssets(QObject *context, Done<QList<DataContainer>> done) const
{
    listAll<DataContainer>(m_client->arm(), requests::listDataContainers(cloud(), m_ws), &parseDataContainer, context,
                           std::move(done));
}

void MachineLearningClient::getDatastore(const QString &name, QObject *context, Done<Datastore> done) const
{
    sendTyped<Datastore>(*m_client->arm(), requests::getDatastore(cloud(), m_ws, name), &parseDatastore, context,
                         std::move(done));
}

QUrl MachineLearningClient::datastoreBlobUrl(const Datastore &datastore, const QString &path) const
{
    return cloud().blobUrl(datastore.accountName, datastore.containerName, path);
}

QString MachineLearningClient::datastoreUri(const Datastore &datastore, const QString &path)
{
    return QStringLiteral("azureml://datastores/%1/paths/%2").arg(datastore.name, path);
}

// --- jobs ---------------------------------------------------------------------------------------
void MachineLearningClient::createAutoMLJob(const AutoMLClassificationSpec &spec, QObject *context, Done<Job> done) const
{
    if (spec.name.isEmpty() || spec.targetColumnName.isEmpty() || spec.trainingDataUri.isEmpty()) {
        done(AzureError::invalidInput(QStringLiteral("an AutoML job needs a name, a target column and training data")));
        return;
    }
    sendTyped<Job>(*m_client->arm(), requests::createAutoMLClassificationJob(cloud(), m_ws, spec), &parseJob, context,
                   std::move(done));
}

void MachineLearningClient::createPipelineJob(const PipelineJobSpec &spec, QObject *context, Done<Job> done) const
{
    sendTyped<Job>(*m_client->arm(), requests::createPipelineJob(cloud(), m_ws, spec), &parseJob, context, std::move(done));
}

void MachineLearningClient::getJob(const QString &name, QObject *context, Done<Job> done) const
{
    sendTyped<Job>(*m_client->arm(), requests::getJob(cloud(), m_ws, name), &parseJob, context, std::move(done));
}

void MachineLearningClient::listJobs(QObject *context, Done<QList<Job>> done) const
{
    listAll<Job>(m_client->arm(), requests::listJobs(cloud(), m_ws), &parseJob, context, std::move(done));
}

void MachineLearningClient::cancelJob(const QString &name, QObject *context, Done<Empty> done) const
{
    sendTyped<Empty>(*m_client->arm(), requests::cancelJob(cloud(), m_ws, name), &ignoreBody, context, std::move(done));
}

// --- models -------------------------------------------------------------------------------------
void MachineLearningClient::createModelVersion(const ModelSpec &spec, QObject *context, Done<Model> done) const
{
    sendTyped<Model>(*m_client->arm(), requests::createModelVersion(cloud(), m_ws, spec), &parseModel, context, std::move(done));
}

void MachineLearningClient::getModelVersion(const QString &name, const QString &version, QObject *context, Done<Model> done) const
{
    sendTyped<Model>(*m_client->arm(), requests::getModelVersion(cloud(), m_ws, name, version), &parseModel, context,
                     std::move(done));
}

void MachineLearningClient::listModelVersions(const QString &name, QObject *context, Done<QList<Model>> done) const
{
    listAll<Model>(m_client->arm(), requests::listModelVersions(cloud(), m_ws, name), &parseModel, context, std::move(done));
}

// --- endpoints ----------------------------------------------------------------------------------
Operation<OnlineEndpoint> *MachineLearningClient::createOnlineEndpoint(const OnlineEndpointSpec &spec, QObject *parent) const
{
    return begin<OnlineEndpoint>(requests::createOnlineEndpoint(cloud(), m_ws, spec), &parseOnlineEndpoint, parent);
}

void MachineLearningClient::getOnlineEndpoint(const QString &name, QObject *context, Done<OnlineEndpoint> done) const
{
    sendTyped<OnlineEndpoint>(*m_client->arm(), requests::getOnlineEndpoint(cloud(), m_ws, name), &parseOnlineEndpoint,
                              context, std::move(done));
}

void MachineLearningClient::listOnlineEndpoints(QObject *context, Done<QList<OnlineEndpoint>> done) const
{
    listAll<OnlineEndpoint>(m_client->arm(), requests::listOnlineEndpoints(cloud(), m_ws), &parseOnlineEndpoint, context,
                            std::move(done));
}

Operation<Empty> *MachineLearningClient::deleteOnlineEndpoint(const QString &name, QObject *parent) const
{
    return beginEmpty(requests::deleteOnlineEndpoint(cloud(), m_ws, name), parent);
}

void MachineLearningClient::listEndpointKeys(const QString &name, QObject *context, Done<EndpointKeys> done) const
{
    sendTyped<EndpointKeys>(*m_client->arm(), requests::listEndpointKeys(cloud(), m_ws, name), &parseEndpointKeys, context,
                            std::move(done));
}

void MachineLearningClient::getEndpointToken(const QString &name, QObject *context, Done<EndpointToken> done) const
{
    sendTyped<EndpointToken>(*m_client->arm(), requests::getEndpointToken(cloud(), m_ws, name), &parseEndpointToken, context,
                             std::move(done));
}

void MachineLearningClient::scoringToken(const QString &endpointName, const QString &authMode, QObject *context,
                                         Done<AccessToken> done) const
{
    if (authMode.compare(QLatin1String("AMLToken"), Qt::CaseInsensitive) == 0) {
        getEndpointToken(endpointName, context, [done](Result<EndpointToken> token) {
            if (!token)
                return done(token.error());
            done(AccessToken{token->accessToken,
                             std::chrono::system_clock::time_point(std::chrono::seconds(token->expiryTimeUtc))});
        });
        return;
    }
    if (authMode.compare(QLatin1String("AADToken"), Qt::CaseInsensitive) == 0) {
        m_client->credential()->getToken({{Cloud::machineLearningScope()}, {}, false}, context, std::move(done));
        return;
    }
    done(AzureError::invalidInput(
        QStringLiteral("the endpoint '%1' uses %2 authentication: it takes its keys, not tokens").arg(endpointName, authMode)));
}

Operation<Empty> *MachineLearningClient::regenerateEndpointKeys(const QString &name, bool primary, QObject *parent) const
{
    return beginEmpty(requests::regenerateEndpointKeys(cloud(), m_ws, name, primary), parent);
}

void MachineLearningClient::setEndpointTraffic(const QString &name, const QMap<QString, int> &traffic, QObject *context,
                                               Done<OnlineEndpoint> done) const
{
    auto pipeline = m_client->arm();
    const Cloud cloud = this->cloud();
    const WorkspaceRef ws = m_ws;
    const OperationOptions options = m_operationOptions;
    pipeline->send(requests::getOnlineEndpoint(cloud, ws, name), context, [=](const HttpResponse &response) {
        if (!response.isSuccess())
            return done(AzureError::fromResponse(response));
        auto put = requests::setEndpointTraffic(cloud, ws, name, response.body, traffic);
        if (!put)
            return done(put.error());
        runToEnd<OnlineEndpoint>(pipeline, std::move(put).value(), &parseOnlineEndpoint, options, context, done);
    });
}

Operation<OnlineDeployment> *MachineLearningClient::createOnlineDeployment(const OnlineDeploymentSpec &spec,
                                                                           QObject *parent) const
{
    return begin<OnlineDeployment>(requests::createOnlineDeployment(cloud(), m_ws, spec), &parseOnlineDeployment, parent);
}

void MachineLearningClient::getOnlineDeployment(const QString &endpoint, const QString &name, QObject *context,
                                                Done<OnlineDeployment> done) const
{
    sendTyped<OnlineDeployment>(*m_client->arm(), requests::getOnlineDeployment(cloud(), m_ws, endpoint, name),
                                &parseOnlineDeployment, context, std::move(done));
}

Operation<Empty> *MachineLearningClient::deleteOnlineDeployment(const QString &endpoint, const QString &name,
                                                                QObject *parent) const
{
    return beginEmpty(requests::deleteOnlineDeployment(cloud(), m_ws, endpoint, name), parent);
}

void MachineLearningClient::getDeploymentLogs(const QString &endpoint, const QString &name, int tail,
                                              const QString &containerType, QObject *context, Done<QString> done) const
{
    sendTyped<QString>(*m_client->arm(), requests::getDeploymentLogs(cloud(), m_ws, endpoint, name, tail, containerType),
                       &parseDeploymentLogs, context, std::move(done));
}

// --- schedules / batch --------------------------------------------------------------------------
void MachineLearningClient::createSchedule(const ScheduleSpec &spec, QObject *context, Done<Schedule> done) const
{
    if (spec.cronExpression.isEmpty() == spec.frequency.isEmpty()) {
        done(AzureError::invalidInput(QStringLiteral("a schedule needs either a cron expression or a recurrence frequency")));
        return;
    }
    sendTyped<Schedule>(*m_client->arm(), requests::createSchedule(cloud(), m_ws, spec), &parseSchedule, context, std::move(done));
}

void MachineLearningClient::getSchedule(const QString &name, QObject *context, Done<Schedule> done) const
{
    sendTyped<Schedule>(*m_client->arm(), requests::getSchedule(cloud(), m_ws, name), &parseSchedule, context, std::move(done));
}

void MachineLearningClient::setScheduleEnabled(const QString &name, bool enabled, QObject *context, Done<Schedule> done) const
{
    azure::setScheduleEnabled(m_client->arm(), cloud(), m_ws, name, enabled, context, std::move(done));
}

void setScheduleEnabled(std::shared_ptr<const HttpPipeline> pipeline, const Cloud &cloud, const WorkspaceRef &ws,
                        const QString &name, bool enabled, QObject *context, Done<Schedule> done)
{
    pipeline->send(requests::getSchedule(cloud, ws, name), context, [=](const HttpResponse &response) {
        if (!response.isSuccess())
            return done(AzureError::fromResponse(response));
        auto put = requests::setScheduleEnabled(cloud, ws, name, response.body, enabled);
        if (!put)
            return done(put.error());
        sendTyped<Schedule>(*pipeline, std::move(put).value(), &parseSchedule, context, done);
    });
}

Operation<BatchEndpoint> *MachineLearningClient::createBatchEndpoint(const QString &name, const QString &location,
                                                                     const QString &description,
                                                                     const QString &defaultDeployment, QObject *parent) const
{
    return begin<BatchEndpoint>(requests::createBatchEndpoint(cloud(), m_ws, name, location, description, defaultDeployment),
                                &parseBatchEndpoint, parent);
}

Operation<BatchDeployment> *MachineLearningClient::createBatchDeployment(const BatchDeploymentSpec &spec, QObject *parent) const
{
    return begin<BatchDeployment>(requests::createBatchDeployment(cloud(), m_ws, spec), &parseBatchDeployment, parent);
}

void MachineLearningClient::invokeBatchEndpoint(const QUrl &scoringUri, const QString &inputUri, bool inputIsFolder,
                                                const QString &deployment, QObject *context, Done<Job> done) const
{
    if (!scoringUri.isValid() || inputUri.isEmpty()) {
        done(AzureError::invalidInput(QStringLiteral("a batch invocation needs the endpoint's scoring URI and an input URI")));
        return;
    }
    // Azure's batch endpoints take Entra tokens for https://ml.azure.com only.
    sendTyped<Job>(*m_client->machineLearning(), requests::invokeBatchEndpoint(scoringUri, inputUri, inputIsFolder, deployment), &parseJob,
                   context, std::move(done));
}

void MachineLearningClient::getBatchEndpoint(const QString &name, QObject *context, Done<BatchEndpoint> done) const
{
    sendTyped<BatchEndpoint>(*m_client->arm(), requests::getBatchEndpoint(cloud(), m_ws, name), &parseBatchEndpoint, context,
                             std::move(done));
}

void MachineLearningClient::getBatchDeployment(const QString &endpoint, const QString &name, QObject *context,
                                               Done<BatchDeployment> done) const
{
    sendTyped<BatchDeployment>(*m_client->arm(), requests::getBatchDeployment(cloud(), m_ws, endpoint, name),
                               &parseBatchDeployment, context, std::move(done));
}

// --- roles --------------------------------------------------------------------------------------
void MachineLearningClient::assignRole(const QString &scope, const QString &roleDefinitionGuid, const QString &principalId,
                                       QObject *context, Done<RoleAssignment> done) const
{
    // A deterministic assignment name makes a second run find the same assignment (ARM answers
    // 409 RoleAssignmentExists for a duplicate under another name).
    const QString name = QUuid::createUuidV5(QUuid(), scope + QLatin1Char('|') + roleDefinitionGuid + QLatin1Char('|') + principalId)
                             .toString(QUuid::WithoutBraces);
    sendTyped<RoleAssignment>(*m_client->arm(),
                              requests::createRoleAssignment(cloud(), scope, name, m_ws.subscriptionId, roleDefinitionGuid,
                                                             principalId),
                              &parseRoleAssignment, context, std::move(done));
}

void MachineLearningClient::listRoleAssignments(const QString &scope, const QString &principalId, QObject *context,
                                                Done<QList<RoleAssignment>> done) const
{
    listAll<RoleAssignment>(m_client->arm(), requests::listRoleAssignments(cloud(), scope, principalId), &parseRoleAssignment,
                            context, std::move(done));
}

// --- MLflow -------------------------------------------------------------------------------------
void MachineLearningClient::childRuns(const QUrl &trackingBase, const QString &experimentId, const QString &parentRunId,
                                      QObject *context, Done<QList<MlflowRun>> done) const
{
    auto all = std::make_shared<QList<MlflowRun>>();
    auto step = std::make_shared<std::function<void(QString)>>();
    std::shared_ptr<const HttpPipeline> pipeline = m_client->arm();
    *step = [=, weak = std::weak_ptr(step)](const QString &pageToken) {
        auto self = weak.lock();
        pipeline->send(requests::searchRuns(trackingBase, {experimentId}, parentRunId, pageToken), context,
                       [=](const HttpResponse &response) {
                           if (!response.isSuccess()) {
                               done(AzureError::fromResponse(response));
                               return;
                           }
                           auto page = parseMlflowRunsSearch(response.body);
                           if (!page) {
                               done(page.error());
                               return;
                           }
                           all->append(page->first);
                           if (page->second.isEmpty())
                               done(*all);
                           else
                               (*self)(page->second);
                       });
    };
    (*step)(QString());
}

void MachineLearningClient::getRun(const QUrl &trackingBase, const QString &runId, QObject *context,
                                   Done<MlflowRun> done) const
{
    sendTyped<MlflowRun>(*m_client->arm(), requests::getRun(trackingBase, runId), &parseMlflowRun, context, std::move(done));
}

void MachineLearningClient::metricHistory(const QUrl &trackingBase, const QString &runId, const QString &key,
                                          QObject *context, Done<QList<MlflowMetric>> done) const
{
    m_client->arm()->send(requests::metricHistory(trackingBase, runId, key), context,
                          [done = std::move(done)](const HttpResponse &response) {
                              if (!response.isSuccess())
                                  return done(AzureError::fromResponse(response));
                              auto parsed = parseMlflowMetricHistory(response.body);
                              if (!parsed)
                                  return done(parsed.error());
                              done(parsed->first);
                          });
}

void MachineLearningClient::listArtifacts(const QUrl &trackingBase, const QString &runId, const QString &path,
                                          QObject *context, Done<QList<ArtifactFile>> done) const
{
    m_client->arm()->send(requests::listArtifacts(trackingBase, runId, path), context,
                          [done = std::move(done)](const HttpResponse &response) {
                              if (!response.isSuccess())
                                  return done(AzureError::fromResponse(response));
                              auto parsed = parseMlflowArtifacts(response.body);
                              if (!parsed)
                                  return done(parsed.error());
                              done(parsed->first);
                          });
}

void MachineLearningClient::downloadArtifact(const QUrl &trackingBase, const QString &runId, const QString &path,
                                             QObject *context, Done<QByteArray> done) const
{
    sendTyped<QByteArray>(*m_client->arm(), requests::downloadArtifact(trackingBase, runId, path), &rawBody, context,
                          std::move(done));
}

void MachineLearningClient::getApplicationInsights(const QString &componentId, QObject *context,
                                                   Done<AppInsightsComponent> done) const
{
    if (componentId.isEmpty()) {
        done(AzureError::invalidInput(QStringLiteral("the workspace has no Application Insights component")));
        return;
    }
    sendTyped<AppInsightsComponent>(*m_client->arm(),
                                    requests::getArmResource(cloud(), componentId, QString::fromLatin1(kInsightsApiVersion)),
                                    &parseAppInsightsComponent, context, std::move(done));
}

void MachineLearningClient::queryAppInsights(const QString &appId, const QString &kql, const QString &timespan,
                                             QObject *context, Done<QList<QueryTable>> done) const
{
    sendTyped<QList<QueryTable>>(*m_client->appInsights(), requests::queryAppInsights(cloud(), appId, kql, timespan),
                                 &parseQueryResult, context, std::move(done));
}

// --- service principal --------------------------------------------------------------------------
void setUpServicePrincipal(std::shared_ptr<AzureClient> client, const QString &displayName, const QString &tenantId,
                           const SecretStore &store, QObject *context, Done<ServicePrincipalResult> done)
{
    auto result = std::make_shared<ServicePrincipalResult>();
    const Cloud cloud = client->cloud();
    auto graph = client->graph();

    auto addSecret = [=]() {
        graph->send(requests::addPassword(cloud, result->application.id, QStringLiteral("cerulean")), context,
                    [=](const HttpResponse &response) {
                        if (!response.isSuccess())
                            return done(AzureError::fromResponse(response));
                        auto parsed = parsePasswordCredential(response.body);
                        if (!parsed)
                            return done(parsed.error());
                        result->password = parsed->first;
                        result->secretKey = SecretStore::servicePrincipalKey(tenantId, result->application.appId);
                        // The secret is shown by Graph once: it goes straight to the keychain.
                        store.write(result->secretKey, parsed->second, context, [=](Result<Empty> stored) {
                            if (!stored)
                                return done(stored.error());
                            done(*result);
                        });
                    });
    };
    auto ensurePrincipal = [=]() {
        sendTyped<Page<GraphServicePrincipal>>(
            *graph, requests::findServicePrincipals(cloud, result->application.appId),
            [](const QByteArray &body) { return parsePage<GraphServicePrincipal>(body, &parseGraphServicePrincipal); }, context,
            [=](Result<Page<GraphServicePrincipal>> found) {
                if (!found)
                    return done(found.error());
                if (!found->items.isEmpty()) {
                    result->servicePrincipal = found->items.first();
                    return addSecret();
                }
                sendTyped<GraphServicePrincipal>(*graph, requests::createServicePrincipal(cloud, result->application.appId),
                                                 &parseGraphServicePrincipal, context,
                                                 [=](Result<GraphServicePrincipal> created) {
                                                     if (!created)
                                                         return done(created.error());
                                                     result->servicePrincipal = created.value();
                                                     addSecret();
                                                 });
            });
    };
    sendTyped<Page<GraphApplication>>(
        *graph, requests::findApplications(cloud, displayName),
        [](const QByteArray &body) { return parsePage<GraphApplication>(body, &parseGraphApplication); }, context,
        [=](Result<Page<GraphApplication>> found) {
            if (!found)
                return done(found.error());
            if (!found->items.isEmpty()) {
                result->application = found->items.first();
                result->reusedApplication = true;
                return ensurePrincipal();
            }
            sendTyped<GraphApplication>(*graph, requests::createApplication(cloud, displayName), &parseGraphApplication, context,
                                        [=](Result<GraphApplication> created) {
                                            if (!created)
                                                return done(created.error());
                                            result->application = created.value();
                                            ensurePrincipal();
                                        });
        });
}

// --- blob ---------------------------------------------------------------------------------------
void uploadBlob(std::shared_ptr<AzureClient> client, const QUrl &blobUrl, QByteArray content, const BlobUploadOptions &options,
                QObject *context, Done<Empty> done)
{
    const bool sharedKey = !options.accountKeyBase64.isEmpty();
    auto pipeline = sharedKey ? client->anonymous() : client->storage();
    auto prepare = [=](HttpRequest request) {
        // The request id is an x-ms-* header, so it must be there before signing.
        request.headers.set("x-ms-client-request-id", QUuid::createUuid().toByteArray(QUuid::WithoutBraces));
        if (sharedKey)
            requests::signSharedKey(request, options.accountName, options.accountKeyBase64, QDateTime::currentDateTimeUtc());
        return request;
    };
    auto finish = [done](const HttpResponse &response) {
        if (!response.isSuccess())
            return done(AzureError::fromResponse(response));
        done(Empty{});
    };
    if (content.size() <= options.blockSize) {
        pipeline->send(prepare(requests::putBlob(blobUrl, content, options.contentType)), context, finish);
        return;
    }
    auto data = std::make_shared<QByteArray>(std::move(content));
    auto ids = std::make_shared<QList<QByteArray>>();
    auto step = std::make_shared<std::function<void(qsizetype)>>();
    *step = [=, weak = std::weak_ptr(step)](qsizetype offset) {
        auto self = weak.lock();
        if (offset >= data->size()) {
            pipeline->send(prepare(requests::putBlockList(blobUrl, *ids, options.contentType)), context, finish);
            return;
        }
        // Block IDs must all have the same length before base64.
        const QByteArray id = QByteArray("block-") + QByteArray::number(ids->size()).rightJustified(6, '0');
        ids->append(id.toBase64());
        const QByteArray chunk = data->mid(offset, options.blockSize);
        pipeline->send(prepare(requests::putBlock(blobUrl, ids->last(), chunk)), context, [=](const HttpResponse &response) {
            if (!response.isSuccess())
                return done(AzureError::fromResponse(response));
            (*self)(offset + options.blockSize);
        });
    };
    (*step)(0);
}

void scoreEndpoint(std::shared_ptr<AzureClient> client, const QUrl &scoringUri, const QByteArray &body, const QString &key,
                   QObject *context, Done<QByteArray> done)
{
    scoreDeployment(std::move(client), scoringUri, QString(), body, key, context, std::move(done));
}

void scoreDeployment(std::shared_ptr<AzureClient> client, const QUrl &scoringUri, const QString &deployment,
                     const QByteArray &body, const QString &key, QObject *context, Done<QByteArray> done)
{
    client->anonymous()->send(requests::score(scoringUri, body, key, deployment), context, [done](const HttpResponse &response) {
        if (!response.isSuccess())
            return done(AzureError::fromResponse(response));
        done(normalizeScoringReply(response.body));
    });
}

} // namespace cerulean::azure
