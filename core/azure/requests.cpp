#include "core/azure/requests.h"

#include "core/azure/json_util.h"

#include <QCryptographicHash>
#include <QLocale>
#include <QMessageAuthenticationCode>
#include <QTimeZone>
#include <QUrlQuery>

namespace cerulean::azure::requests {

using namespace detail;

namespace {

const QString ml = QStringLiteral("/providers/Microsoft.MachineLearningServices/workspaces/");

// A path segment: QUrl::setPath encodes what must be encoded (spaces, '?', '#'); encoding
// here too would double it. Azure names cannot contain '/'.
QString enc(const QString &segment)
{
    QString clean = segment;
    clean.replace(QLatin1Char('/'), QLatin1Char('_'));
    return clean;
}


QUrl armUrl(const Cloud &cloud, const QString &path, const char *apiVersion)
{
    QUrl url = joinUrl(cloud.resourceManager, path);
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("api-version"), QString::fromLatin1(apiVersion));
    url.setQuery(query);
    return url;
}

QUrl wsUrl(const Cloud &cloud, const WorkspaceRef &ws, const QString &tail)
{
    return armUrl(cloud, ws.armId() + tail, kMlApiVersion);
}

json stringMap(const QMap<QString, QString> &map)
{
    json out = json::object();
    for (auto it = map.begin(); it != map.end(); ++it)
        out[s(it.key())] = s(it.value());
    return out;
}

json parsedOrEmpty(const QByteArray &text)
{
    if (text.trimmed().isEmpty())
        return json::object();
    json doc = parseJson(text);
    return doc.is_discarded() ? json::object() : doc;
}

QString isoSeconds(int seconds)
{
    return QStringLiteral("PT%1S").arg(seconds);
}

// A resource's GET body made fit to PUT back: the read-only fields ARM sets itself are dropped.
Result<json> writableCopy(const QByteArray &currentBody, const char *what)
{
    json doc = parseJson(currentBody);
    if (!doc.is_object() || !doc.contains("properties") || !doc["properties"].is_object())
        return AzureError::invalidResponse(QStringLiteral("%1: the current resource has no properties object").arg(QLatin1String(what)));
    for (const char *key : {"id", "name", "type", "systemData"})
        doc.erase(key);
    for (const char *key : {"provisioningState", "scoringUri", "swaggerUri"})
        doc["properties"].erase(key);
    if (doc.contains("identity") && doc["identity"].is_object()) {
        json &identity = doc["identity"];
        identity.erase("principalId");
        identity.erase("tenantId");
        if (identity.contains("userAssignedIdentities") && identity["userAssignedIdentities"].is_object()) {
            for (auto &[key, value] : identity["userAssignedIdentities"].items())
                value = json::object(); // their principal and client IDs are ARM's to set
        }
    }
    return doc;
}

} // namespace

// --- account ----------------------------------------------------------------------------------
HttpRequest listSubscriptions(const Cloud &cloud)
{
    return jsonRequest("GET", armUrl(cloud, QStringLiteral("/subscriptions"), kSubscriptionsApiVersion));
}

HttpRequest listResourceGroups(const Cloud &cloud, const QString &subscriptionId)
{
    return jsonRequest("GET", armUrl(cloud, QStringLiteral("/subscriptions/%1/resourcegroups").arg(enc(subscriptionId)),
                              kResourcesApiVersion));
}

HttpRequest createResourceGroup(const Cloud &cloud, const QString &subscriptionId, const QString &name, const QString &location)
{
    const json body{{"location", s(location)}};
    return jsonRequest("PUT", armUrl(cloud, QStringLiteral("/subscriptions/%1/resourcegroups/%2").arg(enc(subscriptionId), enc(name)),
                              kResourcesApiVersion),
                &body);
}

// --- workspace --------------------------------------------------------------------------------
HttpRequest listWorkspaces(const Cloud &cloud, const QString &subscriptionId, const QString &resourceGroup)
{
    const QString scope = resourceGroup.isEmpty()
                              ? QStringLiteral("/subscriptions/%1").arg(enc(subscriptionId))
                              : QStringLiteral("/subscriptions/%1/resourceGroups/%2").arg(enc(subscriptionId), enc(resourceGroup));
    return jsonRequest("GET", armUrl(cloud, scope + QStringLiteral("/providers/Microsoft.MachineLearningServices/workspaces"),
                              kMlApiVersion));
}

HttpRequest getWorkspace(const Cloud &cloud, const WorkspaceRef &ws)
{
    return jsonRequest("GET", wsUrl(cloud, ws, {}));
}

HttpRequest createWorkspace(const Cloud &cloud, const QString &subscriptionId, const QString &resourceGroup,
                            const WorkspaceSpec &spec)
{
    json properties = json::object();
    if (!spec.friendlyName.isEmpty())
        properties["friendlyName"] = s(spec.friendlyName);
    if (!spec.description.isEmpty())
        properties["description"] = s(spec.description);
    properties["storageAccount"] = s(spec.storageAccount);
    properties["keyVault"] = s(spec.keyVault);
    properties["applicationInsights"] = s(spec.applicationInsights);
    if (!spec.containerRegistry.isEmpty())
        properties["containerRegistry"] = s(spec.containerRegistry);
    const json body{{"location", s(spec.location)},
                    {"identity", {{"type", "SystemAssigned"}}},
                    {"properties", properties}};
    const WorkspaceRef ws{subscriptionId, resourceGroup, spec.name};
    return jsonRequest("PUT", wsUrl(cloud, ws, {}), &body);
}

HttpRequest listWorkspaceKeys(const Cloud &cloud, const WorkspaceRef &ws)
{
    return jsonRequest("POST", wsUrl(cloud, ws, QStringLiteral("/listKeys")));
}

HttpRequest createStorageAccount(const Cloud &cloud, const QString &subscriptionId, const QString &resourceGroup,
                                 const QString &name, const QString &location)
{
    const json body{{"location", s(location)},
                    {"kind", "StorageV2"},
                    {"sku", {{"name", "Standard_LRS"}}},
                    {"properties", {{"minimumTlsVersion", "TLS1_2"}, {"allowBlobPublicAccess", false}}}};
    return jsonRequest("PUT", armUrl(cloud, QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.Storage/storageAccounts/%3")
                                         .arg(enc(subscriptionId), enc(resourceGroup), enc(name)),
                              kStorageApiVersion),
                &body);
}

HttpRequest createKeyVault(const Cloud &cloud, const QString &subscriptionId, const QString &resourceGroup,
                           const QString &name, const QString &location, const QString &tenantId)
{
    const json body{{"location", s(location)},
                    {"properties", {{"tenantId", s(tenantId)},
                                    {"sku", {{"family", "A"}, {"name", "standard"}}},
                                    {"enableRbacAuthorization", true},
                                    {"accessPolicies", json::array()}}}};
    return jsonRequest("PUT", armUrl(cloud, QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.KeyVault/vaults/%3")
                                         .arg(enc(subscriptionId), enc(resourceGroup), enc(name)),
                              kKeyVaultApiVersion),
                &body);
}

HttpRequest createApplicationInsights(const Cloud &cloud, const QString &subscriptionId, const QString &resourceGroup,
                                      const QString &name, const QString &location)
{
    const json body{{"location", s(location)}, {"kind", "web"}, {"properties", {{"Application_Type", "web"}}}};
    return jsonRequest("PUT", armUrl(cloud, QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.Insights/components/%3")
                                         .arg(enc(subscriptionId), enc(resourceGroup), enc(name)),
                              kInsightsApiVersion),
                &body);
}

HttpRequest getArmResource(const Cloud &cloud, const QString &resourceId, const QString &apiVersion)
{
    const QByteArray version = apiVersion.toLatin1();
    return jsonRequest("GET", armUrl(cloud, resourceId, version.constData()));
}

// --- compute ----------------------------------------------------------------------------------
HttpRequest createCompute(const Cloud &cloud, const WorkspaceRef &ws, const ComputeSpec &spec)
{
    json properties{{"computeType", "AmlCompute"},
                    {"properties", {{"vmSize", s(spec.vmSize)},
                                    {"vmPriority", s(spec.vmPriority)},
                                    {"scaleSettings", {{"maxNodeCount", spec.maxNodeCount},
                                                       {"minNodeCount", spec.minNodeCount},
                                                       {"nodeIdleTimeBeforeScaleDown", s(isoSeconds(spec.idleSecondsBeforeScaleDown))}}}}}};
    if (!spec.description.isEmpty())
        properties["description"] = s(spec.description);
    const json body{{"location", s(spec.location)}, {"properties", properties}};
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/computes/") + enc(spec.name)), &body);
}

HttpRequest getCompute(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/computes/") + enc(name)));
}

HttpRequest listComputes(const Cloud &cloud, const WorkspaceRef &ws)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/computes")));
}

HttpRequest deleteCompute(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    QUrl url = wsUrl(cloud, ws, QStringLiteral("/computes/") + enc(name));
    QUrlQuery query(url);
    query.addQueryItem(QStringLiteral("underlyingResourceAction"), QStringLiteral("Delete"));
    url.setQuery(query);
    return jsonRequest("DELETE", url);
}

HttpRequest listVmSizes(const Cloud &cloud, const QString &subscriptionId, const QString &location)
{
    return jsonRequest("GET", armUrl(cloud, QStringLiteral("/subscriptions/%1/providers/Microsoft.MachineLearningServices/locations/%2/vmSizes")
                                         .arg(enc(subscriptionId), enc(location)),
                              kMlApiVersion));
}

// --- data -------------------------------------------------------------------------------------
HttpRequest createDataVersion(const Cloud &cloud, const WorkspaceRef &ws, const DataVersionSpec &spec)
{
    json properties{{"dataType", s(spec.dataType)}, {"dataUri", s(spec.dataUri)}, {"isAnonymous", false}};
    if (!spec.description.isEmpty())
        properties["description"] = s(spec.description);
    if (!spec.properties.isEmpty())
        properties["properties"] = stringMap(spec.properties);
    if (spec.dataType == QLatin1String("mltable")) {
        json uris = json::array();
        for (const QString &uri : spec.referencedUris)
            uris.push_back(s(uri));
        properties["referencedUris"] = uris;
    }
    const json body{{"properties", properties}};
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/data/%1/versions/%2").arg(enc(spec.name), enc(spec.version))), &body);
}

HttpRequest getDataVersion(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QString &version)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/data/%1/versions/%2").arg(enc(name), enc(version))));
}

HttpRequest getDatastore(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/datastores/") + enc(name)));
}

HttpRequest getDataContainer(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/data/") + enc(name)));
}

HttpRequest createDataContainer(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QString &dataType,
                                const QString &description)
{
    json properties{{"dataType", s(dataType)}};
    if (!description.isEmpty())
        properties["description"] = s(description);
    const json body{{"properties", properties}};
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/data/") + enc(name)), &body);
}

HttpRequest listDataContainers(const Cloud &cloud, const WorkspaceRef &ws)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/data")));
}

// --- jobs -------------------------------------------------------------------------------------
HttpRequest createAutoMLClassificationJob(const Cloud &cloud, const WorkspaceRef &ws, const AutoMLClassificationSpec &spec)
{
    json task{{"taskType", "Classification"},
              {"logVerbosity", "Info"},
              {"primaryMetric", s(spec.primaryMetric)},
              {"targetColumnName", s(spec.targetColumnName)},
              {"trainingData", {{"uri", s(spec.trainingDataUri)}, {"jobInputType", "mltable"}}},
              {"featurizationSettings", {{"mode", "auto"}}},
              {"limitSettings", {{"maxTrials", spec.maxTrials},
                                 {"maxConcurrentTrials", spec.maxConcurrentTrials},
                                 {"timeout", s(spec.timeout)},
                                 {"trialTimeout", s(spec.trialTimeout)},
                                 {"enableEarlyTermination", spec.enableEarlyTermination}}},
              {"trainingSettings", {{"enableModelExplainability", spec.enableModelExplainability},
                                    {"enableOnnxCompatibleModels", false},
                                    {"enableVoteEnsemble", spec.enableVoteEnsemble},
                                    {"enableStackEnsemble", spec.enableStackEnsemble}}}};
    if (spec.nCrossValidations > 0)
        task["nCrossValidations"] = {{"mode", "custom"}, {"value", spec.nCrossValidations}};
    else
        task["nCrossValidations"] = {{"mode", "auto"}};
    if (!spec.validationDataUri.isEmpty())
        task["validationData"] = {{"uri", s(spec.validationDataUri)}, {"jobInputType", "mltable"}};
    if (spec.validationDataSize > 0)
        task["validationDataSize"] = spec.validationDataSize;
    if (!spec.testDataUri.isEmpty())
        task["testData"] = {{"uri", s(spec.testDataUri)}, {"jobInputType", "mltable"}};
    if (spec.testDataSize > 0)
        task["testDataSize"] = spec.testDataSize;
    if (!spec.blockedTrainingAlgorithms.isEmpty()) {
        json blocked = json::array();
        for (const QString &name : spec.blockedTrainingAlgorithms)
            blocked.push_back(s(name));
        task["trainingSettings"]["blockedTrainingAlgorithms"] = blocked;
    }
    json properties{{"jobType", "AutoML"}, {"experimentName", s(spec.experimentName)}, {"computeId", s(spec.computeId)},
                    {"taskDetails", task}};
    if (!spec.displayName.isEmpty())
        properties["displayName"] = s(spec.displayName);
    if (!spec.description.isEmpty())
        properties["description"] = s(spec.description);
    const json body{{"properties", properties}};
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/jobs/") + enc(spec.name)), &body);
}

HttpRequest createPipelineJob(const Cloud &cloud, const WorkspaceRef &ws, const PipelineJobSpec &spec)
{
    json inputs = json::object();
    for (auto it = spec.inputs.begin(); it != spec.inputs.end(); ++it)
        inputs[s(it.key())] = {{"jobInputType", "literal"}, {"value", s(it.value())}};
    json properties{{"jobType", "Pipeline"},
                    {"experimentName", s(spec.experimentName)},
                    {"computeId", s(spec.computeId)},
                    {"inputs", inputs},
                    {"jobs", parsedOrEmpty(spec.jobsJson)},
                    {"settings", stringMap(spec.settings)}};
    if (!spec.displayName.isEmpty())
        properties["displayName"] = s(spec.displayName);
    if (!spec.description.isEmpty())
        properties["description"] = s(spec.description);
    const json body{{"properties", properties}};
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/jobs/") + enc(spec.name)), &body);
}

HttpRequest getJob(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/jobs/") + enc(name)));
}

HttpRequest listJobs(const Cloud &cloud, const WorkspaceRef &ws)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/jobs")));
}

HttpRequest cancelJob(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("POST", wsUrl(cloud, ws, QStringLiteral("/jobs/%1/cancel").arg(enc(name))));
}

HttpRequest createJob(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QByteArray &properties)
{
    const json body{{"properties", parsedOrEmpty(properties)}};
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/jobs/") + enc(name)), &body);
}

// --- environments and code ----------------------------------------------------------------------
HttpRequest createEnvironmentVersion(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QString &version,
                                     const QByteArray &properties)
{
    const json body{{"properties", parsedOrEmpty(properties)}};
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/environments/%1/versions/%2").arg(enc(name), enc(version))), &body);
}

HttpRequest getEnvironmentContainer(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/environments/") + enc(name)));
}

HttpRequest createCodeVersion(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QString &version,
                              const QByteArray &properties)
{
    const json body{{"properties", parsedOrEmpty(properties)}};
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/codes/%1/versions/%2").arg(enc(name), enc(version))), &body);
}

// --- models -----------------------------------------------------------------------------------
HttpRequest createModelVersion(const Cloud &cloud, const WorkspaceRef &ws, const ModelSpec &spec)
{
    json properties{{"modelType", s(spec.modelType)}, {"modelUri", s(spec.modelUri)}, {"isAnonymous", false}};
    if (!spec.description.isEmpty())
        properties["description"] = s(spec.description);
    if (!spec.jobName.isEmpty())
        properties["jobName"] = s(spec.jobName);
    if (!spec.properties.isEmpty())
        properties["properties"] = stringMap(spec.properties);
    const json body{{"properties", properties}};
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/models/%1/versions/%2").arg(enc(spec.name), enc(spec.version))), &body);
}

HttpRequest getModelVersion(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QString &version)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/models/%1/versions/%2").arg(enc(name), enc(version))));
}

HttpRequest listModelVersions(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/models/%1/versions").arg(enc(name))));
}

// --- online endpoints -------------------------------------------------------------------------
HttpRequest createOnlineEndpoint(const Cloud &cloud, const WorkspaceRef &ws, const OnlineEndpointSpec &spec)
{
    json properties{{"authMode", s(spec.authMode)}};
    if (!spec.description.isEmpty())
        properties["description"] = s(spec.description);
    if (!spec.traffic.isEmpty()) {
        json traffic = json::object();
        for (auto it = spec.traffic.begin(); it != spec.traffic.end(); ++it)
            traffic[s(it.key())] = it.value();
        properties["traffic"] = traffic;
    }
    const json body{{"location", s(spec.location)}, {"identity", {{"type", "SystemAssigned"}}}, {"properties", properties}};
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/onlineEndpoints/") + enc(spec.name)), &body);
}

HttpRequest getOnlineEndpoint(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/onlineEndpoints/") + enc(name)));
}

HttpRequest listOnlineEndpoints(const Cloud &cloud, const WorkspaceRef &ws)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/onlineEndpoints")));
}

HttpRequest deleteOnlineEndpoint(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("DELETE", wsUrl(cloud, ws, QStringLiteral("/onlineEndpoints/") + enc(name)));
}

HttpRequest listEndpointKeys(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("POST", wsUrl(cloud, ws, QStringLiteral("/onlineEndpoints/%1/listKeys").arg(enc(name))));
}

HttpRequest regenerateEndpointKeys(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, bool primary)
{
    const json body{{"keyType", primary ? "Primary" : "Secondary"}};
    return jsonRequest("POST", wsUrl(cloud, ws, QStringLiteral("/onlineEndpoints/%1/regenerateKeys").arg(enc(name))), &body);
}

HttpRequest getEndpointToken(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("POST", wsUrl(cloud, ws, QStringLiteral("/onlineEndpoints/%1/token").arg(enc(name))));
}

Result<HttpRequest> setEndpointTraffic(const Cloud &cloud, const WorkspaceRef &ws, const QString &name,
                                       const QByteArray &currentBody, const QMap<QString, int> &traffic)
{
    auto doc = writableCopy(currentBody, "online endpoint");
    if (!doc)
        return doc.error();
    json split = json::object();
    for (auto it = traffic.begin(); it != traffic.end(); ++it)
        split[s(it.key())] = it.value();
    json body = std::move(doc).value();
    body["properties"]["traffic"] = split;
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/onlineEndpoints/") + enc(name)), &body);
}

HttpRequest createOnlineDeployment(const Cloud &cloud, const WorkspaceRef &ws, const OnlineDeploymentSpec &spec)
{
    json properties{{"endpointComputeType", "Managed"},
                    {"model", s(spec.model)},
                    {"instanceType", s(spec.instanceType)},
                    {"appInsightsEnabled", spec.appInsightsEnabled},
                    {"scaleSettings", {{"scaleType", "Default"}}}};
    if (!spec.description.isEmpty())
        properties["description"] = s(spec.description);
    if (!spec.environmentId.isEmpty())
        properties["environmentId"] = s(spec.environmentId);
    if (!spec.codeId.isEmpty() || !spec.scoringScript.isEmpty())
        properties["codeConfiguration"] = {{"codeId", s(spec.codeId)}, {"scoringScript", s(spec.scoringScript)}};
    const json body{{"location", s(spec.location)},
                    {"properties", properties},
                    {"sku", {{"name", "Default"}, {"capacity", spec.instanceCount}}}};
    return jsonRequest("PUT",
                wsUrl(cloud, ws, QStringLiteral("/onlineEndpoints/%1/deployments/%2").arg(enc(spec.endpointName), enc(spec.name))),
                &body);
}

HttpRequest getOnlineDeployment(const Cloud &cloud, const WorkspaceRef &ws, const QString &endpoint, const QString &name)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/onlineEndpoints/%1/deployments/%2").arg(enc(endpoint), enc(name))));
}

HttpRequest deleteOnlineDeployment(const Cloud &cloud, const WorkspaceRef &ws, const QString &endpoint, const QString &name)
{
    return jsonRequest("DELETE", wsUrl(cloud, ws, QStringLiteral("/onlineEndpoints/%1/deployments/%2").arg(enc(endpoint), enc(name))));
}

HttpRequest getDeploymentLogs(const Cloud &cloud, const WorkspaceRef &ws, const QString &endpoint, const QString &name,
                              int tail, const QString &containerType)
{
    const json body{{"containerType", s(containerType)}, {"tail", tail}};
    return jsonRequest("POST",
                wsUrl(cloud, ws, QStringLiteral("/onlineEndpoints/%1/deployments/%2/getLogs").arg(enc(endpoint), enc(name))),
                &body);
}

// --- batch ------------------------------------------------------------------------------------
HttpRequest createBatchEndpoint(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QString &location,
                                const QString &description, const QString &defaultDeployment)
{
    json properties{{"authMode", "AADToken"}};
    if (!description.isEmpty())
        properties["description"] = s(description);
    if (!defaultDeployment.isEmpty())
        properties["defaults"] = {{"deploymentName", s(defaultDeployment)}};
    const json body{{"location", s(location)}, {"properties", properties}};
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/batchEndpoints/") + enc(name)), &body);
}

HttpRequest getBatchEndpoint(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/batchEndpoints/") + enc(name)));
}

HttpRequest createBatchDeployment(const Cloud &cloud, const WorkspaceRef &ws, const BatchDeploymentSpec &spec)
{
    json properties{{"compute", s(spec.compute)},
                    {"model", {{"referenceType", "Id"}, {"assetId", s(spec.modelId)}}},
                    {"errorThreshold", spec.errorThreshold},
                    {"miniBatchSize", spec.miniBatchSize},
                    {"maxConcurrencyPerInstance", spec.maxConcurrencyPerInstance},
                    {"outputAction", s(spec.outputAction)},
                    {"outputFileName", s(spec.outputFileName)},
                    {"loggingLevel", s(spec.loggingLevel)},
                    {"retrySettings", {{"maxRetries", spec.maxRetries}, {"timeout", s(spec.retryTimeout)}}},
                    {"resources", {{"instanceCount", spec.instanceCount}}}};
    if (!spec.description.isEmpty())
        properties["description"] = s(spec.description);
    const json body{{"location", s(spec.location)}, {"properties", properties}};
    return jsonRequest("PUT",
                wsUrl(cloud, ws, QStringLiteral("/batchEndpoints/%1/deployments/%2").arg(enc(spec.endpointName), enc(spec.name))),
                &body);
}

HttpRequest getBatchDeployment(const Cloud &cloud, const WorkspaceRef &ws, const QString &endpoint, const QString &name)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/batchEndpoints/%1/deployments/%2").arg(enc(endpoint), enc(name))));
}

HttpRequest invokeBatchEndpoint(const QUrl &scoringUri, const QString &inputUri, bool inputIsFolder, const QString &deployment)
{
    const char *type = inputIsFolder ? "UriFolder" : "UriFile";
    const json body{{"properties", {{"InputData", {{"input_data", {{"JobInputType", type}, {"Uri", s(inputUri)}}}}}}}};
    HttpRequest request = jsonRequest("POST", scoringUri, &body);
    if (!deployment.isEmpty())
        request.headers.set("azureml-model-deployment", deployment.toUtf8());
    return request;
}

Result<HttpRequest> setScheduleEnabled(const Cloud &cloud, const WorkspaceRef &ws, const QString &name,
                                       const QByteArray &currentBody, bool enabled)
{
    auto doc = writableCopy(currentBody, "schedule");
    if (!doc)
        return doc.error();
    json body = std::move(doc).value();
    body["properties"]["isEnabled"] = enabled;
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/schedules/") + enc(name)), &body);
}

// --- schedules --------------------------------------------------------------------------------
HttpRequest createSchedule(const Cloud &cloud, const WorkspaceRef &ws, const ScheduleSpec &spec)
{
    json trigger;
    if (!spec.cronExpression.isEmpty())
        trigger = {{"triggerType", "Cron"}, {"expression", s(spec.cronExpression)}};
    else
        trigger = {{"triggerType", "Recurrence"}, {"frequency", s(spec.frequency)}, {"interval", spec.interval}};
    if (spec.cronExpression.isEmpty()) {
        json pattern = json::object();
        const auto ints = [&](const char *key, const QList<int> &values) {
            if (!values.isEmpty())
                pattern[key] = json(std::vector<int>(values.begin(), values.end()));
        };
        ints("hours", spec.hours);
        ints("minutes", spec.minutes);
        ints("monthDays", spec.monthDays);
        if (!spec.weekDays.isEmpty()) {
            json days = json::array();
            for (const QString &day : spec.weekDays)
                days.push_back(s(day));
            pattern["weekDays"] = days;
        }
        if (!pattern.empty())
            trigger["schedule"] = pattern;
    }
    trigger["timeZone"] = s(spec.timeZone);
    if (!spec.startTime.isEmpty())
        trigger["startTime"] = s(spec.startTime);
    json action;
    if (!spec.endpointInvocationJson.isEmpty())
        action = {{"actionType", "InvokeBatchEndpoint"}, {"endpointInvocationDefinition", parsedOrEmpty(spec.endpointInvocationJson)}};
    else
        action = {{"actionType", "CreateJob"}, {"jobDefinition", parsedOrEmpty(spec.jobDefinitionJson)}};
    json properties{{"isEnabled", spec.isEnabled}, {"trigger", trigger}, {"action", action}};
    if (!spec.displayName.isEmpty())
        properties["displayName"] = s(spec.displayName);
    if (!spec.description.isEmpty())
        properties["description"] = s(spec.description);
    if (!spec.properties.isEmpty())
        properties["properties"] = stringMap(spec.properties);
    const json body{{"properties", properties}};
    return jsonRequest("PUT", wsUrl(cloud, ws, QStringLiteral("/schedules/") + enc(spec.name)), &body);
}

HttpRequest getSchedule(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("GET", wsUrl(cloud, ws, QStringLiteral("/schedules/") + enc(name)));
}

// --- role assignments -------------------------------------------------------------------------
HttpRequest createRoleAssignment(const Cloud &cloud, const QString &scope, const QString &assignmentName,
                                 const QString &subscriptionId, const QString &roleDefinitionGuid,
                                 const QString &principalId, const QString &principalType)
{
    const json body{{"properties",
                     {{"roleDefinitionId", s(QStringLiteral("/subscriptions/%1/providers/Microsoft.Authorization/roleDefinitions/%2")
                                               .arg(subscriptionId, roleDefinitionGuid))},
                      {"principalId", s(principalId)},
                      {"principalType", s(principalType)}}}};
    QString path = scope;
    if (!path.startsWith(QLatin1Char('/')))
        path.prepend(QLatin1Char('/'));
    return jsonRequest("PUT", armUrl(cloud, path + QStringLiteral("/providers/Microsoft.Authorization/roleAssignments/") + enc(assignmentName),
                              kAuthorizationApiVersion),
                &body);
}

HttpRequest listRoleAssignments(const Cloud &cloud, const QString &scope, const QString &principalId)
{
    QString path = scope;
    if (!path.startsWith(QLatin1Char('/')))
        path.prepend(QLatin1Char('/'));
    QUrl url = armUrl(cloud, path + QStringLiteral("/providers/Microsoft.Authorization/roleAssignments"), kAuthorizationApiVersion);
    if (!principalId.isEmpty()) {
        QUrlQuery query(url);
        query.addQueryItem(QStringLiteral("$filter"), QStringLiteral("principalId eq '%1'").arg(principalId));
        url.setQuery(query);
    }
    return jsonRequest("GET", url);
}

// --- Graph ------------------------------------------------------------------------------------
namespace {
QString odataQuote(const QString &value)
{
    QString quoted = value;
    quoted.replace(QLatin1Char('\''), QStringLiteral("''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}
} // namespace

HttpRequest createApplication(const Cloud &cloud, const QString &displayName)
{
    const json body{{"displayName", s(displayName)}};
    return jsonRequest("POST", cloud.graphUrl(QStringLiteral("/applications")), &body);
}

HttpRequest findApplications(const Cloud &cloud, const QString &displayName)
{
    QUrl url = cloud.graphUrl(QStringLiteral("/applications"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("$filter"), QStringLiteral("displayName eq ") + odataQuote(displayName));
    url.setQuery(query);
    return jsonRequest("GET", url);
}

HttpRequest createServicePrincipal(const Cloud &cloud, const QString &appId)
{
    const json body{{"appId", s(appId)}};
    return jsonRequest("POST", cloud.graphUrl(QStringLiteral("/servicePrincipals")), &body);
}

HttpRequest findServicePrincipals(const Cloud &cloud, const QString &appId)
{
    QUrl url = cloud.graphUrl(QStringLiteral("/servicePrincipals"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("$filter"), QStringLiteral("appId eq ") + odataQuote(appId));
    url.setQuery(query);
    return jsonRequest("GET", url);
}

HttpRequest addPassword(const Cloud &cloud, const QString &applicationObjectId, const QString &displayName)
{
    const json body{{"passwordCredential", {{"displayName", s(displayName)}}}};
    return jsonRequest("POST", cloud.graphUrl(QStringLiteral("/applications/%1/addPassword").arg(enc(applicationObjectId))), &body);
}

// --- Blob -------------------------------------------------------------------------------------
HttpRequest putBlob(const QUrl &blobUrl, const QByteArray &content, const QByteArray &contentType)
{
    HttpRequest request;
    request.method = "PUT";
    request.url = blobUrl;
    request.headers.set("x-ms-blob-type", "BlockBlob");
    request.headers.set("x-ms-version", kBlobServiceVersion);
    request.headers.set("Content-Type", contentType);
    request.body = content;
    return request;
}

HttpRequest putBlock(const QUrl &blobUrl, const QByteArray &blockId, const QByteArray &content)
{
    QUrl url = blobUrl;
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("comp"), QStringLiteral("block"));
    query.addQueryItem(QStringLiteral("blockid"), QString::fromLatin1(QUrl::toPercentEncoding(QString::fromLatin1(blockId))));
    url.setQuery(query);
    HttpRequest request;
    request.method = "PUT";
    request.url = url;
    request.headers.set("x-ms-version", kBlobServiceVersion);
    request.headers.set("Content-Type", "application/octet-stream");
    request.body = content;
    return request;
}

HttpRequest putBlockList(const QUrl &blobUrl, const QList<QByteArray> &blockIds, const QByteArray &contentType)
{
    QUrl url = blobUrl;
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("comp"), QStringLiteral("blocklist"));
    url.setQuery(query);
    QByteArray xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
    for (const QByteArray &id : blockIds)
        xml += "<Latest>" + id + "</Latest>";
    xml += "</BlockList>";
    HttpRequest request;
    request.method = "PUT";
    request.url = url;
    request.headers.set("x-ms-version", kBlobServiceVersion);
    request.headers.set("x-ms-blob-content-type", contentType);
    request.headers.set("Content-Type", "application/xml");
    request.body = xml;
    return request;
}

void signSharedKey(HttpRequest &request, const QString &account, const QByteArray &accountKeyBase64, const QDateTime &now)
{
    const QByteArray date = QLocale::c()
                                .toString(now.toTimeZone(QTimeZone::utc()), QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"))
                                .toLatin1();
    request.headers.set("x-ms-date", date);
    // Canonicalized headers: every x-ms-* header, lower-case, sorted, "name:value\n".
    QList<QPair<QByteArray, QByteArray>> msHeaders;
    for (const auto &[name, value] : request.headers.all()) {
        if (name.toLower().startsWith("x-ms-"))
            msHeaders.append({name.toLower(), value.trimmed()});
    }
    std::sort(msHeaders.begin(), msHeaders.end());
    QByteArray canonicalHeaders;
    for (const auto &[name, value] : msHeaders)
        canonicalHeaders += name + ':' + value + '\n';
    // Canonicalized resource: /account/path then "\nparam:value" sorted by name.
    QByteArray canonicalResource = '/' + account.toUtf8() + request.url.path(QUrl::FullyEncoded).toUtf8();
    QList<QPair<QString, QString>> params = QUrlQuery(request.url).queryItems(QUrl::FullyDecoded);
    std::sort(params.begin(), params.end());
    for (const auto &[name, value] : params)
        canonicalResource += '\n' + name.toLower().toUtf8() + ':' + value.toUtf8();
    const QByteArray length = request.body.isEmpty() ? QByteArray() : QByteArray::number(request.body.size());
    const QByteArray stringToSign = request.method + '\n' + request.headers.value("Content-Encoding") + '\n'
                                  + request.headers.value("Content-Language") + '\n' + length + '\n'
                                  + request.headers.value("Content-MD5") + '\n' + request.headers.value("Content-Type") + '\n'
                                  + "\n" /* Date: x-ms-date is used */ + request.headers.value("If-Modified-Since") + '\n'
                                  + request.headers.value("If-Match") + '\n' + request.headers.value("If-None-Match") + '\n'
                                  + request.headers.value("If-Unmodified-Since") + '\n' + request.headers.value("Range") + '\n'
                                  + canonicalHeaders + canonicalResource;
    const QByteArray signature = QMessageAuthenticationCode::hash(stringToSign, QByteArray::fromBase64(accountKeyBase64),
                                                                  QCryptographicHash::Sha256)
                                     .toBase64();
    request.headers.set("Authorization", "SharedKey " + account.toUtf8() + ':' + signature);
}

// --- MLflow -----------------------------------------------------------------------------------
namespace {
QUrl mlflowUrl(const QUrl &trackingBase, const QString &route)
{
    return joinUrl(trackingBase, QStringLiteral("/api/2.0/mlflow/") + route);
}
} // namespace

HttpRequest searchRuns(const QUrl &trackingBase, const QStringList &experimentIds, const QString &parentRunId,
                       const QString &pageToken, int maxResults)
{
    json ids = json::array();
    for (const QString &id : experimentIds)
        ids.push_back(s(id));
    json body{{"experiment_ids", ids}, {"max_results", maxResults}, {"order_by", json::array({"attributes.start_time ASC"})}};
    if (!parentRunId.isEmpty())
        body["filter"] = s(QStringLiteral("tags.mlflow.parentRunId = '%1'").arg(parentRunId));
    if (!pageToken.isEmpty())
        body["page_token"] = s(pageToken);
    return jsonRequest("POST", mlflowUrl(trackingBase, QStringLiteral("runs/search")), &body);
}

HttpRequest getRun(const QUrl &trackingBase, const QString &runId)
{
    QUrl url = mlflowUrl(trackingBase, QStringLiteral("runs/get"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("run_id"), runId);
    url.setQuery(query);
    return jsonRequest("GET", url);
}

HttpRequest metricHistory(const QUrl &trackingBase, const QString &runId, const QString &metricKey)
{
    QUrl url = mlflowUrl(trackingBase, QStringLiteral("metrics/get-history"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("run_id"), runId);
    query.addQueryItem(QStringLiteral("metric_key"), metricKey);
    url.setQuery(query);
    return jsonRequest("GET", url);
}

HttpRequest listArtifacts(const QUrl &trackingBase, const QString &runId, const QString &path)
{
    QUrl url = mlflowUrl(trackingBase, QStringLiteral("artifacts/list"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("run_id"), runId);
    if (!path.isEmpty())
        query.addQueryItem(QStringLiteral("path"), path);
    url.setQuery(query);
    return jsonRequest("GET", url);
}

HttpRequest downloadArtifact(const QUrl &trackingBase, const QString &runId, const QString &path)
{
    QUrl url = mlflowUrl(trackingBase, QStringLiteral("get-artifact"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("run_id"), runId);
    query.addQueryItem(QStringLiteral("run_uuid"), runId);
    query.addQueryItem(QStringLiteral("path"), path);
    url.setQuery(query);
    HttpRequest request = jsonRequest("GET", url);
    request.headers.set("Accept", "*/*");
    return request;
}

// --- App Insights -----------------------------------------------------------------------------
HttpRequest queryAppInsights(const Cloud &cloud, const QString &appId, const QString &kql, const QString &timespan)
{
    json body{{"query", s(kql)}};
    if (!timespan.isEmpty())
        body["timespan"] = s(timespan);
    return jsonRequest("POST", cloud.appInsightsQueryUrl(appId), &body);
}

HttpRequest score(const QUrl &scoringUri, const QByteArray &body, const QString &key, const QString &deployment)
{
    HttpRequest request;
    request.method = "POST";
    request.url = scoringUri;
    request.headers.set("Content-Type", "application/json");
    request.headers.set("Accept", "application/json");
    if (!key.isEmpty())
        request.headers.set("Authorization", "Bearer " + key.toUtf8());
    if (!deployment.isEmpty())
        request.headers.set("azureml-model-deployment", deployment.toUtf8());
    request.body = body;
    return request;
}

HttpRequest jsonRequest(const char *method, const QUrl &url, const json *body)
{
    HttpRequest request;
    request.method = method;
    request.url = url;
    request.headers.set("Accept", "application/json");
    if (body) {
        request.body = dump(*body);
        request.headers.set("Content-Type", "application/json");
    }
    return request;
}

} // namespace cerulean::azure::requests
