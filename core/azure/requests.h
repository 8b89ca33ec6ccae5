#pragma once

// The requests Cerulean sends, built as values (method, URL with api-version, body) so the
// contract tests can compare them with the official examples field by field.

#include "core/azure/cloud.h"
#include "core/azure/http.h"
#include "core/azure/resources.h"

#include <nlohmann/json_fwd.hpp>

namespace cerulean::azure::requests {

// A request that accepts JSON, with `body` (when given) sent as JSON.
HttpRequest jsonRequest(const char *method, const QUrl &url, const nlohmann::json *body = nullptr);

// ARM: account
HttpRequest listSubscriptions(const Cloud &cloud);
HttpRequest listResourceGroups(const Cloud &cloud, const QString &subscriptionId);
HttpRequest createResourceGroup(const Cloud &cloud, const QString &subscriptionId, const QString &name,
                                const QString &location);

// ARM: workspace and its dependent resources
HttpRequest listWorkspaces(const Cloud &cloud, const QString &subscriptionId, const QString &resourceGroup);
HttpRequest getWorkspace(const Cloud &cloud, const WorkspaceRef &ws);
HttpRequest createWorkspace(const Cloud &cloud, const QString &subscriptionId, const QString &resourceGroup,
                            const WorkspaceSpec &spec);
HttpRequest listWorkspaceKeys(const Cloud &cloud, const WorkspaceRef &ws);
HttpRequest createStorageAccount(const Cloud &cloud, const QString &subscriptionId, const QString &resourceGroup,
                                 const QString &name, const QString &location);
HttpRequest createKeyVault(const Cloud &cloud, const QString &subscriptionId, const QString &resourceGroup,
                           const QString &name, const QString &location, const QString &tenantId);
HttpRequest createApplicationInsights(const Cloud &cloud, const QString &subscriptionId, const QString &resourceGroup,
                                      const QString &name, const QString &location);
HttpRequest getArmResource(const Cloud &cloud, const QString &resourceId, const QString &apiVersion);

// Compute
HttpRequest createCompute(const Cloud &cloud, const WorkspaceRef &ws, const ComputeSpec &spec);
HttpRequest getCompute(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
HttpRequest listComputes(const Cloud &cloud, const WorkspaceRef &ws);
HttpRequest deleteCompute(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
HttpRequest listVmSizes(const Cloud &cloud, const QString &subscriptionId, const QString &location);

// Data
HttpRequest createDataVersion(const Cloud &cloud, const WorkspaceRef &ws, const DataVersionSpec &spec);
HttpRequest getDataVersion(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QString &version);
HttpRequest getDataContainer(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
HttpRequest createDataContainer(const Cloud &cloud, const WorkspaceRef &ws, const QString &name,
                                const QString &dataType, const QString &description);
HttpRequest listDataContainers(const Cloud &cloud, const WorkspaceRef &ws);
HttpRequest getDatastore(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);

// Jobs
HttpRequest createAutoMLClassificationJob(const Cloud &cloud, const WorkspaceRef &ws, const AutoMLClassificationSpec &spec);
HttpRequest createPipelineJob(const Cloud &cloud, const WorkspaceRef &ws, const PipelineJobSpec &spec);
HttpRequest getJob(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
HttpRequest listJobs(const Cloud &cloud, const WorkspaceRef &ws);
HttpRequest cancelJob(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
// Any job from its body's "properties" (JSON text, as job_yaml.h reads a job file into).
HttpRequest createJob(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QByteArray &properties);

// Environments and code: what a job file's inline environment and code folder become
// (properties: JSON text of the version's "properties").
HttpRequest createEnvironmentVersion(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QString &version,
                                     const QByteArray &properties);
HttpRequest getEnvironmentContainer(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
HttpRequest createCodeVersion(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QString &version,
                              const QByteArray &properties);

// Models
HttpRequest createModelVersion(const Cloud &cloud, const WorkspaceRef &ws, const ModelSpec &spec);
HttpRequest getModelVersion(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QString &version);
HttpRequest listModelVersions(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);

// Online endpoints and deployments
HttpRequest createOnlineEndpoint(const Cloud &cloud, const WorkspaceRef &ws, const OnlineEndpointSpec &spec);
HttpRequest getOnlineEndpoint(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
HttpRequest listOnlineEndpoints(const Cloud &cloud, const WorkspaceRef &ws);
HttpRequest deleteOnlineEndpoint(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
HttpRequest listEndpointKeys(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
HttpRequest regenerateEndpointKeys(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, bool primary);
HttpRequest getEndpointToken(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
// The endpoint as it is (its GET body) PUT back with a new properties.traffic: ARM's PATCH of an
// online endpoint takes only tags and identity, so a traffic change is a PUT (as `az ml
// online-endpoint update --traffic` does). An error when the body is not an endpoint.
Result<HttpRequest> setEndpointTraffic(const Cloud &cloud, const WorkspaceRef &ws, const QString &name,
                                       const QByteArray &currentBody, const QMap<QString, int> &traffic);
HttpRequest createOnlineDeployment(const Cloud &cloud, const WorkspaceRef &ws, const OnlineDeploymentSpec &spec);
HttpRequest getOnlineDeployment(const Cloud &cloud, const WorkspaceRef &ws, const QString &endpoint, const QString &name);
HttpRequest deleteOnlineDeployment(const Cloud &cloud, const WorkspaceRef &ws, const QString &endpoint, const QString &name);
HttpRequest getDeploymentLogs(const Cloud &cloud, const WorkspaceRef &ws, const QString &endpoint, const QString &name,
                              int tail, const QString &containerType = QStringLiteral("InferenceServer"));

// Batch endpoints and deployments
HttpRequest createBatchEndpoint(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QString &location,
                                const QString &description, const QString &defaultDeployment);
HttpRequest getBatchEndpoint(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
HttpRequest createBatchDeployment(const Cloud &cloud, const WorkspaceRef &ws, const BatchDeploymentSpec &spec);
HttpRequest getBatchDeployment(const Cloud &cloud, const WorkspaceRef &ws, const QString &endpoint, const QString &name);
// Invoke: POST the endpoint's scoringUri with the input folder/file.
// deployment: the azureml-model-deployment header (empty: the endpoint's default deployment).
HttpRequest invokeBatchEndpoint(const QUrl &scoringUri, const QString &inputUri, bool inputIsFolder,
                                const QString &deployment = {});

// Schedules
HttpRequest createSchedule(const Cloud &cloud, const WorkspaceRef &ws, const ScheduleSpec &spec);
HttpRequest getSchedule(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
// The schedule as it is (its GET body) PUT back with properties.isEnabled set: enabling and
// disabling a schedule is a PUT of the whole schedule on Azure.
Result<HttpRequest> setScheduleEnabled(const Cloud &cloud, const WorkspaceRef &ws, const QString &name,
                                       const QByteArray &currentBody, bool enabled);

// Role assignments
HttpRequest createRoleAssignment(const Cloud &cloud, const QString &scope, const QString &assignmentName,
                                 const QString &subscriptionId, const QString &roleDefinitionGuid,
                                 const QString &principalId, const QString &principalType = QStringLiteral("ServicePrincipal"));
HttpRequest listRoleAssignments(const Cloud &cloud, const QString &scope, const QString &principalId);

// Microsoft Graph
HttpRequest createApplication(const Cloud &cloud, const QString &displayName);
HttpRequest findApplications(const Cloud &cloud, const QString &displayName);
HttpRequest createServicePrincipal(const Cloud &cloud, const QString &appId);
HttpRequest findServicePrincipals(const Cloud &cloud, const QString &appId);
HttpRequest addPassword(const Cloud &cloud, const QString &applicationObjectId, const QString &displayName);

// Blob storage (bearer auth or Shared Key signed by the caller)
HttpRequest putBlob(const QUrl &blobUrl, const QByteArray &content, const QByteArray &contentType);
HttpRequest putBlock(const QUrl &blobUrl, const QByteArray &blockId, const QByteArray &content);
HttpRequest putBlockList(const QUrl &blobUrl, const QList<QByteArray> &blockIds, const QByteArray &contentType);
// Signs a blob request with the account key (Shared Key, version 2009-09-19+ string-to-sign).
void signSharedKey(HttpRequest &request, const QString &account, const QByteArray &accountKeyBase64, const QDateTime &now);

// MLflow REST (trackingBase from Cloud::mlflowTrackingBase)
HttpRequest searchRuns(const QUrl &trackingBase, const QStringList &experimentIds, const QString &parentRunId,
                       const QString &pageToken, int maxResults = 1000);
HttpRequest getRun(const QUrl &trackingBase, const QString &runId);
HttpRequest metricHistory(const QUrl &trackingBase, const QString &runId, const QString &metricKey);
HttpRequest listArtifacts(const QUrl &trackingBase, const QString &runId, const QString &path);
HttpRequest downloadArtifact(const QUrl &trackingBase, const QString &runId, const QString &path);

// Application Insights query API
HttpRequest queryAppInsights(const Cloud &cloud, const QString &appId, const QString &kql, const QString &timespan);

// Scoring (key auth): POST the body to the scoring URI.
HttpRequest score(const QUrl &scoringUri, const QByteArray &body, const QString &key, const QString &deployment = {});

} // namespace cerulean::azure::requests
