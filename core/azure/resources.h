#pragma once

// Typed Azure resources (ARM, the ML workspace, Graph, MLflow, App Insights) and their
// serializers: JSON stays inside resources.cpp; callers see these structs only.

#include "core/azure/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QVariant>

#include <optional>

namespace cerulean::azure {

inline constexpr const char *kMlApiVersion = "2025-12-01";
inline constexpr const char *kResourcesApiVersion = "2025-04-01";
inline constexpr const char *kSubscriptionsApiVersion = "2022-12-01";
inline constexpr const char *kAuthorizationApiVersion = "2022-04-01";
inline constexpr const char *kStorageApiVersion = "2023-05-01";
inline constexpr const char *kKeyVaultApiVersion = "2023-07-01";
inline constexpr const char *kInsightsApiVersion = "2020-02-02";
inline constexpr const char *kBlobServiceVersion = "2023-11-03";

// Which workspace an operation is about (the config.json triple).
struct WorkspaceRef
{
    QString subscriptionId;
    QString resourceGroup;
    QString workspace;
    // "/subscriptions/{s}/resourceGroups/{r}/providers/Microsoft.MachineLearningServices/workspaces/{w}"
    QString armId() const;
};

// A page of a list: items and the link to the next page (empty on the last one).
template <class T>
struct Page
{
    QList<T> items;
    QUrl nextLink;
};

struct Subscription
{
    QString id, subscriptionId, displayName, state, tenantId;
};

struct ResourceGroup
{
    QString id, name, location, provisioningState;
};

struct Workspace
{
    QString id, name, location, friendlyName, description, provisioningState;
    QString storageAccount, keyVault, applicationInsights, containerRegistry;
    QString mlFlowTrackingUri, discoveryUrl, workspaceId;
};

// Workspace listKeys: secrets, handed to the SecretStore, never logged.
struct WorkspaceKeys
{
    QString userStorageArmId, userStorageKey, appInsightsInstrumentationKey, containerRegistryUser;
};

// What a new workspace needs: its dependent resources' ARM IDs (existing or just created).
struct WorkspaceSpec
{
    QString name, location, friendlyName, description;
    QString storageAccount, keyVault, applicationInsights, containerRegistry; // ARM IDs
};

// A workspace datastore (Blob container); the default one, workspaceblobstore, is where
// uploads go. Credentials are not part of it (Datastores_ListSecrets gives them).
struct Datastore
{
    QString id, name, datastoreType, accountName, containerName, endpoint, protocol, description;
    bool isDefault = false;
};

// An Application Insights component: its AppId is what the query API is addressed by.
struct AppInsightsComponent
{
    QString id, name, location, appId, connectionString;
};

struct Compute
{
    QString id, name, location, computeType, provisioningState, description;
    QString vmSize, vmPriority, allocationState, idleTimeBeforeScaleDown; // ISO 8601 duration
    int minNodeCount = 0, maxNodeCount = 0, currentNodeCount = 0, targetNodeCount = 0;
    QStringList errors;
};

struct ComputeSpec
{
    QString name, location, vmSize = QStringLiteral("STANDARD_DS3_V2"), vmPriority = QStringLiteral("Dedicated");
    int minNodeCount = 0, maxNodeCount = 4;
    int idleSecondsBeforeScaleDown = 120;
    QString description;
};

struct VmSize
{
    QString name, family;
    int vCPUs = 0, gpus = 0;
    double memoryGB = 0;
};

struct DataContainer
{
    QString id, name, dataType, description, latestVersion;
};

struct DataVersion
{
    QString id, name, version, dataType, dataUri, description;
    bool isAnonymous = false;
    QStringList referencedUris; // mltable
};

struct DataVersionSpec
{
    QString name, version, dataType = QStringLiteral("uri_file"), dataUri, description;
    QMap<QString, QString> properties;
    QStringList referencedUris; // mltable only
};

struct Job
{
    QString id, name, jobType, status, displayName, experimentName, description, computeId;
    QString taskType, primaryMetric, targetColumnName, trainingDataUri;
    QMap<QString, QString> properties; // e.g. automl_best_child_run_id
    QMap<QString, QString> serviceEndpoints; // "Studio" -> URL
    QMap<QString, QString> outputs;          // name -> uri
    bool isTerminal() const;
};

// A tabular AutoML classification job, as the quickstart template shapes it.
struct AutoMLClassificationSpec
{
    QString name, displayName, experimentName, description, computeId;
    QString trainingDataUri;   // an mltable folder URI (azureml://…, or a data asset id)
    QString validationDataUri; // optional
    double validationDataSize = 0; // share of the training rows held out for validation; 0: unset
    QString testDataUri;           // optional mltable / data asset of test rows
    double testDataSize = 0;       // share of the training rows held out as test data; 0: unset
    QString targetColumnName;
    QString primaryMetric = QStringLiteral("Accuracy");
    int maxTrials = 20, maxConcurrentTrials = 2;
    QString timeout = QStringLiteral("PT1H"), trialTimeout = QStringLiteral("PT20M");
    bool enableEarlyTermination = true;
    int nCrossValidations = 0; // 0: let the service decide ("Auto")
    bool enableModelExplainability = true;
    bool enableVoteEnsemble = true, enableStackEnsemble = true;
    QStringList blockedTrainingAlgorithms;
};

struct PipelineJobSpec
{
    QString name, displayName, experimentName, description, computeId;
    QMap<QString, QString> inputs; // literal inputs
    QByteArray jobsJson;           // the "jobs" object as JSON (steps)
    QMap<QString, QString> settings;
};

struct Model
{
    QString id, name, version, modelType, modelUri, description, jobName;
    QMap<QString, QString> properties;
};

struct ModelSpec
{
    QString name, version, modelType = QStringLiteral("mlflow_model"), modelUri, description, jobName;
    QMap<QString, QString> properties;
};

struct OnlineEndpoint
{
    QString id, name, location, authMode, provisioningState, description;
    QUrl scoringUri, swaggerUri;
    QMap<QString, int> traffic;
};

struct OnlineEndpointSpec
{
    QString name, location, description, authMode = QStringLiteral("Key");
    QMap<QString, int> traffic;
};

struct OnlineDeployment
{
    QString id, name, location, model, instanceType, provisioningState, endpointComputeType, description;
    int instanceCount = 0;
    bool appInsightsEnabled = false;
};

struct OnlineDeploymentSpec
{
    QString endpointName, name, location, model, instanceType = QStringLiteral("Standard_DS3_v2"), description;
    int instanceCount = 1;
    bool appInsightsEnabled = true;
    QString environmentId, codeId, scoringScript; // empty for MLflow models (no-code deployment)
};

struct EndpointKeys
{
    QString primaryKey, secondaryKey;
};

struct EndpointToken
{
    QString accessToken, tokenType;
    qint64 expiryTimeUtc = 0, refreshAfterTimeUtc = 0;
};

struct BatchEndpoint
{
    QString id, name, location, authMode, provisioningState, description, defaultDeployment;
    QUrl scoringUri, swaggerUri;
};

struct BatchDeployment
{
    QString id, name, location, compute, model, provisioningState, outputAction, outputFileName, loggingLevel;
    int errorThreshold = -1, miniBatchSize = 0, maxConcurrencyPerInstance = 0, instanceCount = 0, maxRetries = 0;
};

struct BatchDeploymentSpec
{
    QString endpointName, name, location, compute, modelId, description;
    QString outputAction = QStringLiteral("AppendRow"), outputFileName = QStringLiteral("predictions.csv");
    int errorThreshold = -1, miniBatchSize = 10, maxConcurrencyPerInstance = 2, instanceCount = 1, maxRetries = 3;
    QString retryTimeout = QStringLiteral("PT5M"), loggingLevel = QStringLiteral("Info");
};

struct Schedule
{
    QString id, name, displayName, description, provisioningState, triggerType, actionType;
    bool isEnabled = false;
    QString cronExpression;                 // Cron
    QString frequency;                      // Recurrence: Minute, Hour, Day, Week, Month
    int interval = 0;                       // Recurrence
    QList<int> hours, minutes, monthDays;   // Recurrence pattern (trigger.schedule)
    QStringList weekDays;                   // Recurrence pattern: Monday … Sunday
    QString startTime, endTime, timeZone;
    QMap<QString, QString> properties;
};

struct ScheduleSpec
{
    QString name, displayName, description;
    bool isEnabled = true;
    QString cronExpression;    // set for a Cron trigger …
    QString frequency;         // … or frequency + interval for a Recurrence trigger
    int interval = 1;
    QList<int> hours, minutes, monthDays; // Recurrence pattern (trigger.schedule); empty: none
    QStringList weekDays;                 // Monday … Sunday
    QString startTime, timeZone = QStringLiteral("UTC");
    QMap<QString, QString> properties;    // the schedule's property bag
    QByteArray jobDefinitionJson; // CreateJob action: the job body (properties)
    QByteArray endpointInvocationJson; // InvokeBatchEndpoint action (alternative)
};

struct RoleAssignment
{
    QString id, name, scope, roleDefinitionId, principalId, principalType;
};

// Built-in role definition IDs (INDEX.md).
struct BuiltInRole
{
    static constexpr const char *owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    static constexpr const char *contributor = "b24988ac-6180-42a0-ab88-20f7382dd24c";
    static constexpr const char *azureMlDataScientist = "f6c7c914-8db3-469d-8ca1-694a8f32e121";
    static constexpr const char *azureMlComputeOperator = "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815";
};

struct GraphApplication
{
    QString id, appId, displayName, signInAudience;
};

struct GraphServicePrincipal
{
    QString id, appId, displayName;
};

// A new client secret's metadata; the secret itself goes to the SecretStore only.
struct PasswordCredential
{
    QString keyId, displayName, hint;
    QDateTime startDateTime, endDateTime;
};

struct MlflowRun
{
    QString runId, runName, experimentId, status, parentRunId;
    qint64 startTime = 0, endTime = 0;
    QMap<QString, double> metrics;
    QMap<QString, QString> params;
    QMap<QString, QString> tags;
};

struct MlflowMetric
{
    QString key;
    double value = 0;
    qint64 timestamp = 0, step = 0;
};

struct ArtifactFile
{
    QString path;
    bool isDir = false;
    qint64 fileSize = 0;
};

struct QueryTable
{
    QString name;
    QStringList columnNames, columnTypes;
    QList<QVariantList> rows;
};

// --- Parsers: every one checks the shape and names the missing field. ---------------------
Result<Subscription> parseSubscription(const QByteArray &body);
Result<ResourceGroup> parseResourceGroup(const QByteArray &body);
Result<Workspace> parseWorkspace(const QByteArray &body);
Result<WorkspaceKeys> parseWorkspaceKeys(const QByteArray &body);
Result<Datastore> parseDatastore(const QByteArray &body);
Result<AppInsightsComponent> parseAppInsightsComponent(const QByteArray &body);
Result<Compute> parseCompute(const QByteArray &body);
Result<VmSize> parseVmSize(const QByteArray &body);
Result<DataContainer> parseDataContainer(const QByteArray &body);
Result<DataVersion> parseDataVersion(const QByteArray &body);
Result<Job> parseJob(const QByteArray &body);
Result<Model> parseModel(const QByteArray &body);
Result<OnlineEndpoint> parseOnlineEndpoint(const QByteArray &body);
Result<OnlineDeployment> parseOnlineDeployment(const QByteArray &body);
Result<EndpointKeys> parseEndpointKeys(const QByteArray &body);
Result<EndpointToken> parseEndpointToken(const QByteArray &body);
Result<QString> parseDeploymentLogs(const QByteArray &body);
Result<BatchEndpoint> parseBatchEndpoint(const QByteArray &body);
Result<BatchDeployment> parseBatchDeployment(const QByteArray &body);
Result<Schedule> parseSchedule(const QByteArray &body);
Result<RoleAssignment> parseRoleAssignment(const QByteArray &body);
Result<GraphApplication> parseGraphApplication(const QByteArray &body);
Result<GraphServicePrincipal> parseGraphServicePrincipal(const QByteArray &body);
// addPassword: the credential's metadata and, separately, its secretText.
Result<std::pair<PasswordCredential, QString>> parsePasswordCredential(const QByteArray &body);
Result<MlflowRun> parseMlflowRun(const QByteArray &body); // {"run": {...}} or the run object
Result<QList<QueryTable>> parseQueryResult(const QByteArray &body);

// A list body: {"value": [...], "nextLink"/"@odata.nextLink": …}; each item goes through
// parseItem (given the item's JSON text).
template <class T>
using ItemParser = Result<T> (*)(const QByteArray &);
Result<std::pair<QList<QByteArray>, QUrl>> splitListBody(const QByteArray &body);

template <class T>
Result<Page<T>> parsePage(const QByteArray &body, ItemParser<T> parseItem)
{
    auto split = splitListBody(body);
    if (!split)
        return split.error();
    Page<T> page;
    page.nextLink = split->second;
    for (const QByteArray &item : split->first) {
        auto parsed = parseItem(item);
        if (!parsed)
            return parsed.error();
        page.items.append(std::move(parsed).value());
    }
    return page;
}

// MLflow list answers.
Result<std::pair<QList<MlflowRun>, QString>> parseMlflowRunsSearch(const QByteArray &body); // runs, next_page_token
Result<std::pair<QList<MlflowMetric>, QString>> parseMlflowMetricHistory(const QByteArray &body);
Result<std::pair<QList<ArtifactFile>, QString>> parseMlflowArtifacts(const QByteArray &body);

// A scoring reply in either form: a JSON object/array, or JSON text holding JSON (AutoML's
// score.py returns json.dumps(...) which the server encodes once more). Returns the JSON
// text of the inner document.
Result<QByteArray> normalizeScoringReply(const QByteArray &body);

} // namespace cerulean::azure
