#include "core/azure/resources.h"

#include "core/azure/json_util.h"

namespace cerulean::azure {

using namespace detail;

QString WorkspaceRef::armId() const
{
    return QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.MachineLearningServices/workspaces/%3")
        .arg(subscriptionId, resourceGroup, workspace);
}

bool Job::isTerminal() const
{
    static const QStringList terminal{QStringLiteral("Completed"), QStringLiteral("Failed"), QStringLiteral("Canceled"),
                                      QStringLiteral("NotResponding"), QStringLiteral("Paused")};
    return terminal.contains(status);
}

namespace {

// Parses an object body or says what is wrong with it.
Result<json> object(const QByteArray &body, const char *what)
{
    json doc = parseJson(body);
    if (doc.is_discarded())
        return AzureError::invalidResponse(QStringLiteral("%1: the answer is not JSON").arg(QLatin1String(what)));
    if (!doc.is_object())
        return AzureError::invalidResponse(QStringLiteral("%1: the answer is not a JSON object").arg(QLatin1String(what)));
    return doc;
}

// ARM resources must have a name; the rest may be absent.
AzureError missing(const char *what, const char *field)
{
    return AzureError::invalidResponse(QStringLiteral("%1: field '%2' is missing").arg(QLatin1String(what), QLatin1String(field)));
}

QMap<QString, QString> stringMap(const json *value)
{
    QMap<QString, QString> out;
    if (value && value->is_object()) {
        for (const auto &[key, item] : value->items()) {
            const QString text = asString(&item);
            out.insert(QString::fromStdString(key), text.isEmpty() && !item.is_string() && !item.is_null()
                                                        ? QString::fromStdString(item.dump())
                                                        : text);
        }
    }
    return out;
}

// A version's resource name is its version number ("1"): the asset's name is the segment before
// "versions" in its id (…/models/{name}/versions/{version}). Falls back to the resource name.
QString assetName(const QString &id, const QString &resourceName)
{
    const QStringList segments = id.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const qsizetype at = segments.lastIndexOf(QStringLiteral("versions"));
    return at >= 1 && at + 1 < segments.size() ? segments.at(at - 1) : resourceName;
}

int intOr(const json *value, int fallback = 0)
{
    const auto parsed = asInt(value);
    return parsed ? static_cast<int>(*parsed) : fallback;
}

} // namespace

#define CERULEAN_OBJECT(var, what)                                                                                     \
    auto var##Parsed = object(body, what);                                                                             \
    if (!var##Parsed)                                                                                                  \
        return var##Parsed.error();                                                                                    \
    const json &var = var##Parsed.value();

Result<Subscription> parseSubscription(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "subscription")
    Subscription out{str(doc, "id"), str(doc, "subscriptionId"), str(doc, "displayName"), str(doc, "state"), str(doc, "tenantId")};
    if (out.subscriptionId.isEmpty())
        return missing("subscription", "subscriptionId");
    return out;
}

Result<ResourceGroup> parseResourceGroup(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "resource group")
    ResourceGroup out{str(doc, "id"), str(doc, "name"), str(doc, "location"), str(doc, {"properties", "provisioningState"})};
    if (out.name.isEmpty())
        return missing("resource group", "name");
    return out;
}

Result<Workspace> parseWorkspace(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "workspace")
    Workspace out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    out.location = str(doc, "location");
    const json *p = member(doc, "properties");
    if (!out.name.size())
        return missing("workspace", "name");
    if (p) {
        out.friendlyName = str(*p, "friendlyName");
        out.description = str(*p, "description");
        out.provisioningState = str(*p, "provisioningState");
        out.storageAccount = str(*p, "storageAccount");
        out.keyVault = str(*p, "keyVault");
        out.applicationInsights = str(*p, "applicationInsights");
        out.containerRegistry = str(*p, "containerRegistry");
        out.mlFlowTrackingUri = str(*p, "mlFlowTrackingUri");
        out.discoveryUrl = str(*p, "discoveryUrl");
        out.workspaceId = str(*p, "workspaceId");
    }
    return out;
}

Result<WorkspaceKeys> parseWorkspaceKeys(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "workspace keys")
    WorkspaceKeys out;
    out.userStorageArmId = str(doc, "userStorageArmId");
    out.userStorageKey = str(doc, "userStorageKey");
    out.appInsightsInstrumentationKey = str(doc, "appInsightsInstrumentationKey");
    out.containerRegistryUser = str(doc, {"containerRegistryCredentials", "username"});
    return out;
}

Result<Datastore> parseDatastore(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "datastore")
    Datastore out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    const json *p = member(doc, "properties");
    if (!p)
        return missing("datastore", "properties");
    out.datastoreType = str(*p, "datastoreType");
    out.accountName = str(*p, "accountName");
    out.containerName = str(*p, "containerName");
    out.endpoint = str(*p, "endpoint");
    out.protocol = str(*p, "protocol");
    out.description = str(*p, "description");
    out.isDefault = asBool(member(*p, "isDefault")).value_or(false);
    if (out.datastoreType == QLatin1String("AzureBlob") && (out.accountName.isEmpty() || out.containerName.isEmpty()))
        return missing("datastore", out.accountName.isEmpty() ? "properties.accountName" : "properties.containerName");
    return out;
}

Result<AppInsightsComponent> parseAppInsightsComponent(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "Application Insights component")
    AppInsightsComponent out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    out.location = str(doc, "location");
    const json *p = member(doc, "properties");
    if (!p)
        return missing("Application Insights component", "properties");
    // ARM spells these with capitals (AppId, ConnectionString).
    out.appId = str(*p, "AppId");
    out.connectionString = str(*p, "ConnectionString");
    if (out.appId.isEmpty())
        return missing("Application Insights component", "properties.AppId");
    return out;
}

Result<Compute> parseCompute(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "compute")
    Compute out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    out.location = str(doc, "location");
    if (out.name.isEmpty())
        return missing("compute", "name");
    if (const json *p = member(doc, "properties")) {
        out.computeType = str(*p, "computeType");
        out.provisioningState = str(*p, "provisioningState");
        out.description = str(*p, "description");
        if (const json *a = member(*p, "properties")) {
            out.vmSize = str(*a, "vmSize");
            out.vmPriority = str(*a, "vmPriority");
            out.allocationState = str(*a, "allocationState");
            out.currentNodeCount = intOr(member(*a, "currentNodeCount"));
            out.targetNodeCount = intOr(member(*a, "targetNodeCount"));
            if (const json *scale = member(*a, "scaleSettings")) {
                out.minNodeCount = intOr(member(*scale, "minNodeCount"));
                out.maxNodeCount = intOr(member(*scale, "maxNodeCount"));
                out.idleTimeBeforeScaleDown = str(*scale, "nodeIdleTimeBeforeScaleDown");
            }
            if (const json *errors = member(*a, "errors"); errors && errors->is_array()) {
                for (const json &e : *errors)
                    out.errors << str(e, {"error", "message"});
            }
        }
    }
    return out;
}

Result<VmSize> parseVmSize(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "VM size")
    VmSize out;
    out.name = str(doc, "name");
    out.family = str(doc, "family");
    out.vCPUs = intOr(member(doc, "vCPUs"));
    out.gpus = intOr(member(doc, "gpus"));
    out.memoryGB = asDouble(member(doc, "memoryGB")).value_or(0);
    if (out.name.isEmpty())
        return missing("VM size", "name");
    return out;
}

Result<DataContainer> parseDataContainer(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "data asset")
    DataContainer out{str(doc, "id"), str(doc, "name"), str(doc, {"properties", "dataType"}),
                      str(doc, {"properties", "description"}), str(doc, {"properties", "latestVersion"})};
    if (out.name.isEmpty())
        return missing("data asset", "name");
    return out;
}

Result<DataVersion> parseDataVersion(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "data asset version")
    DataVersion out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    const json *p = member(doc, "properties");
    if (!p)
        return missing("data asset version", "properties");
    out.dataType = str(*p, "dataType");
    out.dataUri = str(*p, "dataUri");
    out.description = str(*p, "description");
    out.isAnonymous = asBool(member(*p, "isAnonymous")).value_or(false);
    out.referencedUris = asStringList(member(*p, "referencedUris"));
    if (out.dataUri.isEmpty())
        return missing("data asset version", "properties.dataUri");
    // The version is the last segment of the id (…/data/{name}/versions/{version}).
    out.version = out.id.section(QLatin1Char('/'), -1);
    out.name = assetName(out.id, out.name);
    return out;
}

Result<Job> parseJob(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "job")
    Job out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    const json *p = member(doc, "properties");
    if (out.name.isEmpty())
        return missing("job", "name");
    if (!p)
        return missing("job", "properties");
    out.jobType = str(*p, "jobType");
    out.status = str(*p, "status");
    out.displayName = str(*p, "displayName");
    out.experimentName = str(*p, "experimentName");
    out.description = str(*p, "description");
    out.computeId = str(*p, "computeId");
    out.properties = stringMap(member(*p, "properties"));
    if (const json *services = member(*p, "services"); services && services->is_object()) {
        for (const auto &[key, service] : services->items())
            out.serviceEndpoints.insert(QString::fromStdString(key), str(service, "endpoint"));
    }
    if (const json *outputs = member(*p, "outputs"); outputs && outputs->is_object()) {
        for (const auto &[key, output] : outputs->items())
            out.outputs.insert(QString::fromStdString(key), str(output, "uri"));
    }
    if (const json *task = member(*p, "taskDetails")) {
        out.taskType = str(*task, "taskType");
        out.primaryMetric = str(*task, "primaryMetric");
        out.targetColumnName = str(*task, "targetColumnName");
        out.trainingDataUri = str(*task, {"trainingData", "uri"});
    }
    return out;
}

Result<Model> parseModel(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "model")
    Model out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    const json *p = member(doc, "properties");
    if (!p)
        return missing("model", "properties");
    out.modelType = str(*p, "modelType");
    out.modelUri = str(*p, "modelUri");
    out.description = str(*p, "description");
    out.jobName = str(*p, "jobName");
    out.properties = stringMap(member(*p, "properties"));
    out.version = out.id.section(QLatin1Char('/'), -1);
    out.name = assetName(out.id, out.name);
    return out;
}

Result<OnlineEndpoint> parseOnlineEndpoint(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "online endpoint")
    OnlineEndpoint out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    out.location = str(doc, "location");
    const json *p = member(doc, "properties");
    if (!p)
        return missing("online endpoint", "properties");
    out.authMode = str(*p, "authMode");
    out.provisioningState = str(*p, "provisioningState");
    out.description = str(*p, "description");
    out.scoringUri = QUrl(str(*p, "scoringUri"));
    out.swaggerUri = QUrl(str(*p, "swaggerUri"));
    if (const json *traffic = member(*p, "traffic"); traffic && traffic->is_object()) {
        for (const auto &[key, value] : traffic->items())
            out.traffic.insert(QString::fromStdString(key), intOr(&value));
    }
    return out;
}

Result<OnlineDeployment> parseOnlineDeployment(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "online deployment")
    OnlineDeployment out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    out.location = str(doc, "location");
    const json *p = member(doc, "properties");
    if (!p)
        return missing("online deployment", "properties");
    out.model = str(*p, "model");
    out.instanceType = str(*p, "instanceType");
    out.provisioningState = str(*p, "provisioningState");
    out.endpointComputeType = str(*p, "endpointComputeType");
    out.description = str(*p, "description");
    out.appInsightsEnabled = asBool(member(*p, "appInsightsEnabled")).value_or(false);
    out.instanceCount = intOr(at(doc, {"sku", "capacity"}));
    return out;
}

Result<EndpointKeys> parseEndpointKeys(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "endpoint keys")
    if (!member(doc, "primaryKey"))
        return missing("endpoint keys", "primaryKey");
    EndpointKeys keys{str(doc, "primaryKey"), str(doc, "secondaryKey")};
    if (keys.primaryKey.isEmpty() && keys.secondaryKey.isEmpty()) {
        // Azure answers listKeys of an endpoint that authenticates with tokens (AMLToken,
        // AADToken) with 200 and null keys: there is no key to keep or to score with.
        AzureError error;
        error.kind = ErrorKind::NotFound;
        error.code = QStringLiteral("EndpointHasNoKeys");
        error.message = QStringLiteral("the endpoint has no keys (its keys are null: it authenticates with tokens, not keys)");
        error.action = QStringLiteral("Score it with a token (POST …/onlineEndpoints/{name}/token, or an Entra ID token for "
                                      "AADToken), or create the endpoint with authMode Key.");
        return error;
    }
    return keys;
}

Result<EndpointToken> parseEndpointToken(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "endpoint token")
    if (!member(doc, "accessToken"))
        return missing("endpoint token", "accessToken");
    return EndpointToken{str(doc, "accessToken"), str(doc, "tokenType"), asInt(member(doc, "expiryTimeUtc")).value_or(0),
                         asInt(member(doc, "refreshAfterTimeUtc")).value_or(0)};
}

Result<QString> parseDeploymentLogs(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "deployment logs")
    if (!member(doc, "content"))
        return missing("deployment logs", "content");
    return str(doc, "content");
}

Result<BatchEndpoint> parseBatchEndpoint(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "batch endpoint")
    BatchEndpoint out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    out.location = str(doc, "location");
    const json *p = member(doc, "properties");
    if (!p)
        return missing("batch endpoint", "properties");
    out.authMode = str(*p, "authMode");
    out.provisioningState = str(*p, "provisioningState");
    out.description = str(*p, "description");
    out.defaultDeployment = str(*p, {"defaults", "deploymentName"});
    out.scoringUri = QUrl(str(*p, "scoringUri"));
    out.swaggerUri = QUrl(str(*p, "swaggerUri"));
    return out;
}

Result<BatchDeployment> parseBatchDeployment(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "batch deployment")
    BatchDeployment out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    out.location = str(doc, "location");
    const json *p = member(doc, "properties");
    if (!p)
        return missing("batch deployment", "properties");
    out.compute = str(*p, "compute");
    out.model = str(*p, {"model", "assetId"});
    out.provisioningState = str(*p, "provisioningState");
    out.outputAction = str(*p, "outputAction");
    out.outputFileName = str(*p, "outputFileName");
    out.loggingLevel = str(*p, "loggingLevel");
    out.errorThreshold = intOr(member(*p, "errorThreshold"), -1);
    out.miniBatchSize = intOr(member(*p, "miniBatchSize"));
    out.maxConcurrencyPerInstance = intOr(member(*p, "maxConcurrencyPerInstance"));
    out.instanceCount = intOr(at(*p, {"resources", "instanceCount"}));
    out.maxRetries = intOr(at(*p, {"retrySettings", "maxRetries"}));
    return out;
}

Result<Schedule> parseSchedule(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "schedule")
    Schedule out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    const json *p = member(doc, "properties");
    if (!p)
        return missing("schedule", "properties");
    out.displayName = str(*p, "displayName");
    out.description = str(*p, "description");
    out.provisioningState = str(*p, "provisioningState");
    out.isEnabled = asBool(member(*p, "isEnabled")).value_or(false);
    out.actionType = str(*p, {"action", "actionType"});
    const json *trigger = member(*p, "trigger");
    if (!trigger)
        return missing("schedule", "properties.trigger");
    out.triggerType = str(*trigger, "triggerType");
    out.cronExpression = str(*trigger, "expression");
    out.frequency = str(*trigger, "frequency");
    out.interval = intOr(member(*trigger, "interval"));
    out.startTime = str(*trigger, "startTime");
    out.endTime = str(*trigger, "endTime");
    out.timeZone = str(*trigger, "timeZone");
    if (const json *pattern = member(*trigger, "schedule"); pattern && pattern->is_object()) {
        const auto ints = [&](const char *key) {
            QList<int> values;
            if (const json *list = member(*pattern, key); list && list->is_array())
                for (const json &v : *list)
                    values.append(intOr(&v));
            return values;
        };
        out.hours = ints("hours");
        out.minutes = ints("minutes");
        out.monthDays = ints("monthDays");
        out.weekDays = asStringList(member(*pattern, "weekDays"));
    }
    out.properties = stringMap(member(*p, "properties"));
    return out;
}

Result<RoleAssignment> parseRoleAssignment(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "role assignment")
    RoleAssignment out;
    out.id = str(doc, "id");
    out.name = str(doc, "name");
    const json *p = member(doc, "properties");
    if (!p)
        return missing("role assignment", "properties");
    out.scope = str(*p, "scope");
    out.roleDefinitionId = str(*p, "roleDefinitionId");
    out.principalId = str(*p, "principalId");
    out.principalType = str(*p, "principalType");
    return out;
}

Result<GraphApplication> parseGraphApplication(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "application")
    GraphApplication out{str(doc, "id"), str(doc, "appId"), str(doc, "displayName"), str(doc, "signInAudience")};
    if (out.appId.isEmpty())
        return missing("application", "appId");
    return out;
}

Result<GraphServicePrincipal> parseGraphServicePrincipal(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "service principal")
    GraphServicePrincipal out{str(doc, "id"), str(doc, "appId"), str(doc, "displayName")};
    if (out.id.isEmpty())
        return missing("service principal", "id");
    return out;
}

Result<std::pair<PasswordCredential, QString>> parsePasswordCredential(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "password credential")
    PasswordCredential out;
    out.keyId = str(doc, "keyId");
    out.displayName = str(doc, "displayName");
    out.hint = str(doc, "hint");
    out.startDateTime = QDateTime::fromString(str(doc, "startDateTime"), Qt::ISODateWithMs);
    out.endDateTime = QDateTime::fromString(str(doc, "endDateTime"), Qt::ISODateWithMs);
    const QString secret = str(doc, "secretText");
    if (secret.isEmpty())
        return missing("password credential", "secretText");
    return std::make_pair(out, secret);
}

namespace {
MlflowRun runFrom(const json &run)
{
    MlflowRun out;
    const json *info = member(run, "info");
    if (info) {
        out.runId = str(*info, "run_id");
        if (out.runId.isEmpty())
            out.runId = str(*info, "run_uuid");
        out.runName = str(*info, "run_name");
        out.experimentId = str(*info, "experiment_id");
        out.status = str(*info, "status");
        out.startTime = asInt(member(*info, "start_time")).value_or(0);
        out.endTime = asInt(member(*info, "end_time")).value_or(0);
    }
    if (const json *data = member(run, "data")) {
        if (const json *metrics = member(*data, "metrics"); metrics && metrics->is_array()) {
            for (const json &m : *metrics)
                out.metrics.insert(str(m, "key"), asDouble(member(m, "value")).value_or(0));
        }
        if (const json *params = member(*data, "params"); params && params->is_array()) {
            for (const json &param : *params)
                out.params.insert(str(param, "key"), str(param, "value"));
        }
        if (const json *tags = member(*data, "tags"); tags && tags->is_array()) {
            for (const json &tag : *tags)
                out.tags.insert(str(tag, "key"), str(tag, "value"));
        }
    }
    out.parentRunId = out.tags.value(QStringLiteral("mlflow.parentRunId"));
    if (out.runName.isEmpty())
        out.runName = out.tags.value(QStringLiteral("mlflow.runName"));
    return out;
}
} // namespace

Result<MlflowRun> parseMlflowRun(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "MLflow run")
    const json *run = member(doc, "run");
    MlflowRun out = runFrom(run ? *run : doc);
    if (out.runId.isEmpty())
        return missing("MLflow run", "info.run_id");
    return out;
}

Result<std::pair<QList<MlflowRun>, QString>> parseMlflowRunsSearch(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "MLflow runs/search")
    QList<MlflowRun> runs;
    if (const json *list = member(doc, "runs"); list && list->is_array()) {
        for (const json &run : *list)
            runs.append(runFrom(run));
    }
    return std::make_pair(runs, str(doc, "next_page_token"));
}

Result<std::pair<QList<MlflowMetric>, QString>> parseMlflowMetricHistory(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "MLflow metric history")
    QList<MlflowMetric> metrics;
    if (const json *list = member(doc, "metrics"); list && list->is_array()) {
        for (const json &m : *list)
            metrics.append({str(m, "key"), asDouble(member(m, "value")).value_or(0), asInt(member(m, "timestamp")).value_or(0),
                            asInt(member(m, "step")).value_or(0)});
    }
    return std::make_pair(metrics, str(doc, "next_page_token"));
}

Result<std::pair<QList<ArtifactFile>, QString>> parseMlflowArtifacts(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "MLflow artifacts")
    QList<ArtifactFile> files;
    if (const json *list = member(doc, "files"); list && list->is_array()) {
        for (const json &f : *list)
            files.append({str(f, "path"), asBool(member(f, "is_dir")).value_or(false), asInt(member(f, "file_size")).value_or(0)});
    }
    return std::make_pair(files, str(doc, "next_page_token"));
}

Result<QList<QueryTable>> parseQueryResult(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "App Insights query")
    const json *tables = member(doc, "tables");
    if (!tables || !tables->is_array())
        return missing("App Insights query", "tables");
    QList<QueryTable> out;
    for (const json &t : *tables) {
        QueryTable table;
        table.name = str(t, "name");
        if (const json *columns = member(t, "columns"); columns && columns->is_array()) {
            for (const json &c : *columns) {
                table.columnNames << str(c, "name");
                table.columnTypes << str(c, "type");
            }
        }
        if (const json *rows = member(t, "rows"); rows && rows->is_array()) {
            for (const json &row : *rows) {
                QVariantList values;
                if (row.is_array()) {
                    for (const json &cell : row) {
                        if (cell.is_null())
                            values << QVariant();
                        else if (cell.is_string())
                            values << asString(&cell);
                        else if (cell.is_boolean())
                            values << asBool(&cell).value_or(false);
                        else if (cell.is_number_integer() || cell.is_number_unsigned())
                            values << QVariant::fromValue(asInt(&cell).value_or(0));
                        else if (cell.is_number_float())
                            values << asDouble(&cell).value_or(0);
                        else
                            values << QString::fromStdString(cell.dump());
                    }
                }
                table.rows.append(values);
            }
        }
        out.append(table);
    }
    return out;
}

Result<std::pair<QList<QByteArray>, QUrl>> splitListBody(const QByteArray &body)
{
    CERULEAN_OBJECT(doc, "list")
    const json *value = member(doc, "value");
    if (!value || !value->is_array())
        return missing("list", "value");
    QList<QByteArray> items;
    for (const json &item : *value)
        items.append(dump(item));
    QString next = str(doc, "nextLink");
    if (next.isEmpty())
        next = str(doc, "@odata.nextLink");
    return std::make_pair(items, QUrl(next));
}

Result<QByteArray> normalizeScoringReply(const QByteArray &body)
{
    json doc = parseJson(body);
    if (doc.is_discarded())
        return AzureError::invalidResponse(QStringLiteral("the scoring reply is not JSON: %1")
                                               .arg(QString::fromUtf8(body.left(200))));
    // Double-encoded: a JSON string whose text is the real document.
    for (int depth = 0; depth < 2 && doc.is_string(); ++depth) {
        const std::string &inner = doc.get_ref<const std::string &>();
        json decoded = json::parse(inner, nullptr, false);
        if (decoded.is_discarded())
            return AzureError::invalidResponse(QStringLiteral("the scoring reply is a string that does not hold JSON"));
        doc = std::move(decoded);
    }
    return dump(doc);
}

} // namespace cerulean::azure
