// ARM-shaped routes of the local workspace: resource groups, the ML workspace and its
// children, the dependent resources a workspace references, role assignments, and the
// operation-status resources of long-running PUTs and DELETEs.

#include "core/local/arm_internal.h"
#include "core/local/deployment_host.h"
#include "core/local/job_runner.h"
#include "core/local/pipeline_runner.h"
#include "core/local/schedule.h"
#include "core/local/service.h"

#include <QFile>
#include <QRegularExpression>

namespace cerulean::local {

using arm::Failure;
using arm::jsonBool;
using arm::jsonInt;
using arm::jsonObj;
using arm::jsonStr;
using arm::q;
using arm::s;

std::optional<std::chrono::milliseconds> parseIsoDuration(const QString &text)
{
    static const QRegularExpression re(
        QStringLiteral("^P(?:(\\d+)D)?(?:T(?:(\\d+)H)?(?:(\\d+)M)?(?:(\\d+(?:\\.\\d+)?)S)?)?$"));
    const auto m = re.match(text.trimmed().toUpper());
    if (!m.hasMatch() || text.trimmed().size() < 3)
        return std::nullopt;
    const double ms = m.captured(1).toDouble() * 86400000.0 + m.captured(2).toDouble() * 3600000.0 +
                      m.captured(3).toDouble() * 60000.0 + m.captured(4).toDouble() * 1000.0;
    return std::chrono::milliseconds(static_cast<qint64>(ms));
}

namespace {

enum class K
{
    Workspace,
    Compute,
    DataContainer,
    DataVersion,
    Datastore,
    Job,
    ModelContainer,
    ModelVersion,
    OnlineEndpoint,
    OnlineDeployment,
    BatchEndpoint,
    BatchDeployment,
    Schedule,
    Component,
    StorageAccount,
    KeyVault,
    Registry,
    RoleAssignment,
};

struct KindSpec
{
    K k;
    const char *typePath; // lower case, provider namespace included
    const char *armType;
    const char *namePattern;
    const char *nameRule; // Azure's wording of the rule
    bool longRunning;
};

constexpr const char *kAssetName = "^[a-zA-Z0-9][a-zA-Z0-9\\-_.]{0,254}$";
constexpr const char *kAssetRule =
    "must start with a letter or digit and contain only letters, digits, '-', '_' and '.', up to 255 characters";
constexpr const char *kEndpointName = "^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$";
constexpr const char *kEndpointRule =
    "must be 3 to 32 characters, start with a letter, end with a letter or digit, and contain only letters, "
    "digits and '-'";

const KindSpec kKinds[] = {
    {K::Workspace, "microsoft.machinelearningservices/workspaces", "Microsoft.MachineLearningServices/workspaces",
     "^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$",
     "must be 3 to 33 characters, start with a letter or digit, and contain only letters, digits, '-' and '_'",
     true},
    {K::Compute, "microsoft.machinelearningservices/workspaces/computes",
     "Microsoft.MachineLearningServices/workspaces/computes", "^[a-zA-Z][a-zA-Z0-9-]{0,22}[a-zA-Z0-9]$",
     "must be 2 to 24 characters, start with a letter, end with a letter or digit, and contain only letters, "
     "digits and '-'",
     true},
    {K::DataContainer, "microsoft.machinelearningservices/workspaces/data",
     "Microsoft.MachineLearningServices/workspaces/data", kAssetName, kAssetRule, false},
    {K::DataVersion, "microsoft.machinelearningservices/workspaces/data/versions",
     "Microsoft.MachineLearningServices/workspaces/data/versions", kAssetName, kAssetRule, false},
    {K::Datastore, "microsoft.machinelearningservices/workspaces/datastores",
     "Microsoft.MachineLearningServices/workspaces/datastores", "^[a-zA-Z0-9_]{1,255}$",
     "must contain only letters, digits and '_'", false},
    {K::Job, "microsoft.machinelearningservices/workspaces/jobs", "Microsoft.MachineLearningServices/workspaces/jobs",
     "^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$",
     "must start with a letter or digit and contain only letters, digits, '-' and '_', up to 255 characters",
     false},
    {K::ModelContainer, "microsoft.machinelearningservices/workspaces/models",
     "Microsoft.MachineLearningServices/workspaces/models", kAssetName, kAssetRule, false},
    {K::ModelVersion, "microsoft.machinelearningservices/workspaces/models/versions",
     "Microsoft.MachineLearningServices/workspaces/models/versions", kAssetName, kAssetRule, false},
    {K::OnlineEndpoint, "microsoft.machinelearningservices/workspaces/onlineendpoints",
     "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", kEndpointName, kEndpointRule, true},
    {K::OnlineDeployment, "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments",
     "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments", kEndpointName, kEndpointRule,
     true},
    {K::BatchEndpoint, "microsoft.machinelearningservices/workspaces/batchendpoints",
     "Microsoft.MachineLearningServices/workspaces/batchEndpoints", kEndpointName, kEndpointRule, true},
    {K::BatchDeployment, "microsoft.machinelearningservices/workspaces/batchendpoints/deployments",
     "Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments", kEndpointName, kEndpointRule,
     true},
    {K::Schedule, "microsoft.machinelearningservices/workspaces/schedules",
     "Microsoft.MachineLearningServices/workspaces/schedules", "^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$",
     "must start with a letter or digit and contain only letters, digits, '-' and '_'", true},
    {K::Component, "microsoft.insights/components", "microsoft.insights/components", "^[^%&\\\\?/]{1,255}$",
     "must not contain %, &, \\, ? or /", false},
    {K::StorageAccount, "microsoft.storage/storageaccounts", "Microsoft.Storage/storageAccounts", "^[a-z0-9]{3,24}$",
     "must be 3 to 24 characters, lower-case letters and digits only", false},
    {K::KeyVault, "microsoft.keyvault/vaults", "Microsoft.KeyVault/vaults", "^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$",
     "must be 3 to 24 characters, start with a letter, and contain only letters, digits and '-'", false},
    {K::Registry, "microsoft.containerregistry/registries", "Microsoft.ContainerRegistry/registries",
     "^[a-zA-Z0-9]{5,50}$", "must be 5 to 50 letters and digits", false},
    {K::RoleAssignment, "microsoft.authorization/roleassignments", "Microsoft.Authorization/roleAssignments",
     "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", "must be a GUID", false},
};

const KindSpec *findKind(const QString &typePath)
{
    const QString lower = typePath.toLower();
    for (const KindSpec &k : kKinds)
        if (lower == QLatin1String(k.typePath))
            return &k;
    return nullptr;
}

bool terminalJobStatus(const QString &status)
{
    return status == QLatin1String("Completed") || status == QLatin1String("Failed") ||
           status == QLatin1String("Canceled") || status == QLatin1String("NotResponding");
}

// Everything a route needs to know about the addressed resource.
struct Ctx
{
    LocalService &svc;
    Store &store;
    const ApiRequest &req;
    QString base;       // http://host:port
    QString apiVersion;
    const KindSpec *kind = nullptr;
    QString id;         // the addressed resource (or the collection's parent for lists)
    QString parent;
    QString name;
    QString scope;      // the part before /providers/
    QString workspaceId;
};

Json systemData(const std::optional<StoredResource> &existing, const QString &who)
{
    const QString now = isoNow();
    Json sd{{"createdAt", s(now)},     {"createdBy", s(who)},
            {"createdByType", "Application"}, {"lastModifiedAt", s(now)},
            {"lastModifiedBy", s(who)}, {"lastModifiedByType", "Application"}};
    if (existing && existing->doc.contains("systemData") && existing->doc["systemData"].is_object()) {
        const Json &old = existing->doc["systemData"];
        sd["createdAt"] = old.value("createdAt", s(now));
        sd["createdBy"] = old.value("createdBy", s(who));
    }
    return sd;
}

Json envelope(const Ctx &c, const Json &body, const std::optional<StoredResource> &existing)
{
    Json doc = Json::object();
    doc["id"] = s(existing ? existing->id : c.id);
    doc["name"] = s(c.name);
    doc["type"] = c.kind->armType;
    if (body.contains("location")) {
        doc["location"] = s(jsonStr(body, "location", QStringLiteral("location")));
    } else if (existing && existing->doc.contains("location")) {
        doc["location"] = existing->doc["location"];
    }
    if (body.contains("tags") && !body["tags"].is_null())
        doc["tags"] = jsonObj(body, "tags", QStringLiteral("tags"));
    for (const char *key : {"identity", "sku"})
        if (body.contains(key) && !body[key].is_null())
            doc[key] = jsonObj(body, key, QString::fromLatin1(key));
    if (body.contains("kind") && !body["kind"].is_null())
        doc["kind"] = s(jsonStr(body, "kind", QStringLiteral("kind")));
    doc["properties"] = jsonObj(body, "properties", QStringLiteral("properties"));
    doc["systemData"] = systemData(existing, c.svc.builtInPrincipal().clientId);
    if (existing && existing->doc.contains("_local"))
        doc["_local"] = existing->doc["_local"];
    return doc;
}

QString childId(const QString &parent, const QString &collection, const QString &name)
{
    return parent + QLatin1Char('/') + collection + QLatin1Char('/') + name;
}

QString resourceGroupOf(const QString &id)
{
    static const QRegularExpression re(QStringLiteral("^(/subscriptions/[^/]+/resourceGroups/[^/]+)"),
                                       QRegularExpression::CaseInsensitiveOption);
    return re.match(id).captured(1);
}

// Creates a dependent resource (storage account, key vault, insights component) when the
// workspace references one that does not exist yet, as the portal's workspace wizard does.
StoredResource ensureDependent(Ctx &c, const QString &id, K kind, const QString &location)
{
    if (auto existing = c.store.resource(id))
        return *existing;
    const KindSpec *spec = nullptr;
    for (const KindSpec &k : kKinds)
        if (k.k == kind)
            spec = &k;
    StoredResource r;
    r.id = id;
    r.kind = QString::fromLatin1(spec->typePath);
    r.parent = resourceGroupOf(id);
    r.name = id.section(QLatin1Char('/'), -1);
    r.state = QStringLiteral("Succeeded");
    Json props{{"provisioningState", "Succeeded"}};
    Json local = Json::object();
    if (kind == K::Component) {
        const QString key = newGuid();
        props["AppId"] = s(newGuid());
        props["ApplicationId"] = s(r.name);
        props["InstrumentationKey"] = s(key);
        props["ConnectionString"] = s(QStringLiteral("InstrumentationKey=%1;IngestionEndpoint=%2/appinsights/")
                                          .arg(key, c.base));
        props["Application_Type"] = "web";
    } else if (kind == K::StorageAccount) {
        // Storage account keys are standard base64 of 64 random bytes, as Azure's are.
        const auto key = [] { return QString::fromLatin1(QByteArray::fromBase64(randomSecret(64).toLatin1(), QByteArray::Base64UrlEncoding).toBase64()); };
        local["keys"] = Json::array({s(key()), s(key())});
        props["primaryEndpoints"] = {{"blob", s(c.base + QStringLiteral("/blob/") + r.name + QLatin1Char('/'))}};
    } else if (kind == K::KeyVault) {
        props["vaultUri"] = s(QStringLiteral("%1/vault/%2/").arg(c.base, r.name));
    }
    r.doc = Json{{"id", s(id)},
                 {"name", s(r.name)},
                 {"type", spec->armType},
                 {"location", s(location)},
                 {"properties", props},
                 {"_local", local}};
    if (kind == K::Component)
        r.doc["kind"] = "web";
    c.store.putResource(r);
    return r;
}

void validateName(const Ctx &c)
{
    const QRegularExpression re(QString::fromLatin1(c.kind->namePattern));
    if (!re.match(c.name).hasMatch())
        throw Failure{400, QStringLiteral("InvalidResourceName"),
                      QStringLiteral("The resource name '%1' is invalid: it %2.")
                          .arg(c.name, QString::fromLatin1(c.kind->nameRule))};
}

// --- kind-specific document building --------------------------------------------------

void buildWorkspace(Ctx &c, Json &doc, const std::optional<StoredResource> &existing)
{
    Json &p = doc["properties"];
    const QString location = q(doc, "location", c.svc.options().location);
    doc["location"] = s(location);
    const QString rg = resourceGroupOf(c.id);
    const QString shortId = sha256Hex(c.id.toLower()).left(12);
    auto dependent = [&](const char *key, const QString &fallback, K kind) {
        QString ref = jsonStr(p, key, QStringLiteral("properties.%1").arg(QString::fromLatin1(key)));
        if (ref.isEmpty())
            ref = fallback;
        ensureDependent(c, ref, kind, location);
        p[key] = s(ref);
    };
    dependent("storageAccount", rg + QStringLiteral("/providers/Microsoft.Storage/storageAccounts/st") + shortId,
              K::StorageAccount);
    dependent("keyVault", rg + QStringLiteral("/providers/Microsoft.KeyVault/vaults/kv-") + shortId, K::KeyVault);
    dependent("applicationInsights", rg + QStringLiteral("/providers/microsoft.insights/components/") + c.name,
              K::Component);
    // A registry the workspace names exists with it (none is made when it names none: Azure
    // creates one on first use).
    if (const QString registry = jsonStr(p, "containerRegistry", QStringLiteral("properties.containerRegistry")); !registry.isEmpty())
        ensureDependent(c, registry, K::Registry, location);
    const QString workspaceId =
        existing ? q(existing->doc["properties"], "workspaceId", newGuid()) : newGuid();
    p["workspaceId"] = s(workspaceId);
    p["provisioningState"] = "Succeeded";
    p["friendlyName"] = s(jsonStr(p, "friendlyName", QStringLiteral("properties.friendlyName"), c.name));
    p["discoveryUrl"] = s(c.base + QStringLiteral("/discovery"));
    const QString host = c.base.section(QStringLiteral("://"), 1);
    p["mlFlowTrackingUri"] = s(QStringLiteral("azureml://%1/mlflow/v1.0%2").arg(host, c.id));
    p["hbiWorkspace"] = p.value("hbiWorkspace", false);
    p["publicNetworkAccess"] = p.value("publicNetworkAccess", std::string("Enabled"));
    p["allowPublicAccessWhenBehindVnet"] = p.value("allowPublicAccessWhenBehindVnet", false);
    p["tenantId"] = s(c.svc.tenantId());
    p["storageHnsEnabled"] = false;
    p["v1LegacyMode"] = false;
    p["privateLinkCount"] = 0;
    p["creationTime"] = existing ? existing->doc["properties"].value("creationTime", s(isoNow())) : s(isoNow());
    if (!doc.contains("identity"))
        doc["identity"] = {{"type", "SystemAssigned"}, {"principalId", s(newGuid())}, {"tenantId", s(c.svc.tenantId())}};
    if (!doc.contains("sku"))
        doc["sku"] = {{"name", "Basic"}, {"tier", "Basic"}};
    if (!doc.contains("kind"))
        doc["kind"] = "Default";

    // The default datastore (Blob container in the workspace's storage account).
    const QString datastoreId = childId(c.id, QStringLiteral("datastores"), QStringLiteral("workspaceblobstore"));
    if (!c.store.resource(datastoreId)) {
        StoredResource ds;
        ds.id = datastoreId;
        ds.kind = QStringLiteral("microsoft.machinelearningservices/workspaces/datastores");
        ds.parent = c.id;
        ds.name = QStringLiteral("workspaceblobstore");
        ds.state = QStringLiteral("Succeeded");
        const QString account = q(p, "storageAccount").section(QLatin1Char('/'), -1);
        ds.doc = Json{{"id", s(datastoreId)},
                      {"name", "workspaceblobstore"},
                      {"type", "Microsoft.MachineLearningServices/workspaces/datastores"},
                      {"properties",
                       {{"datastoreType", "AzureBlob"},
                        {"accountName", s(account)},
                        {"containerName", s(QStringLiteral("azureml-blobstore-") + workspaceId)},
                        // SDKs build {protocol}://{accountName}.blob.{endpoint}: the host-style
                        // blob service on this port.
                        {"endpoint", s(c.svc.baseUrl().port() > 0 ? QStringLiteral("localhost:%1").arg(c.svc.baseUrl().port())
                                                                   : QStringLiteral("localhost"))},
                        {"protocol", "http"},
                        {"isDefault", true},
                        {"credentials", {{"credentialsType", "AccountKey"}}},
                        {"serviceDataAccessAuthIdentity", "None"},
                        {"description", "The workspace's default blob datastore."},
                        {"tags", Json::object()},
                        {"properties", Json::object()}}},
                      {"systemData", systemData(std::nullopt, c.svc.builtInPrincipal().clientId)}};
        c.store.putResource(ds);
    }
}

QString resolveComputeId(Ctx &c, const QString &ref, const QString &field)
{
    if (ref.isEmpty())
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'%1' is required: name the compute cluster to run on.").arg(field)};
    QString id = ref;
    if (id.startsWith(QLatin1String("azureml:")))
        id = id.mid(8);
    if (!id.startsWith(QLatin1Char('/')))
        id = childId(c.workspaceId, QStringLiteral("computes"), id);
    const auto compute = c.store.resource(id);
    if (!compute)
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("Compute '%1' (%2) was not found in the workspace.")
                          .arg(id.section(QLatin1Char('/'), -1), field)};
    return compute->id;
}

QStringList csvHeader(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QString line = QString::fromUtf8(f.readLine()).trimmed();
    if (line.startsWith(QChar(0xFEFF)))
        line.remove(0, 1);
    QStringList cols;
    QString cur;
    bool quoted = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar ch = line[i];
        if (ch == QLatin1Char('"')) {
            if (quoted && i + 1 < line.size() && line[i + 1] == QLatin1Char('"')) {
                cur += ch;
                ++i;
            } else {
                quoted = !quoted;
            }
        } else if (ch == QLatin1Char(',') && !quoted) {
            cols << cur.trimmed();
            cur.clear();
        } else {
            cur += ch;
        }
    }
    cols << cur.trimmed();
    return cols;
}

// Validation and test data as ClassificationTask takes them: a share of the training rows
// (strictly between 0 and 1), a data asset, or custom k-fold; the combinations Azure refuses
// are refused here with the field named.
void validateAutoMlSplits(Ctx &c, const Json &task)
{
    const auto share = [&](const char *key) -> std::optional<double> {
        if (!task.contains(key) || task[key].is_null())
            return std::nullopt;
        const QString path = QStringLiteral("properties.taskDetails.%1").arg(QString::fromLatin1(key));
        if (!task[key].is_number() || !(task[key].get<double>() > 0 && task[key].get<double>() < 1))
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("'%1' must be a number between 0 and 1 (exclusive).").arg(path)};
        return task[key].get<double>();
    };
    const auto validationSize = share("validationDataSize");
    const auto testSize = share("testDataSize");
    const Json validation = jsonObj(task, "validationData", QStringLiteral("properties.taskDetails.validationData"));
    const Json test = jsonObj(task, "testData", QStringLiteral("properties.taskDetails.testData"));
    const Json folds = jsonObj(task, "nCrossValidations", QStringLiteral("properties.taskDetails.nCrossValidations"));
    // The REST enum says Custom; the quickstart template writes custom.
    const bool customFolds = jsonStr(folds, "mode", QStringLiteral("properties.taskDetails.nCrossValidations.mode"))
                                 .compare(QLatin1String("custom"), Qt::CaseInsensitive) == 0;
    if (customFolds) {
        const auto value = jsonInt(folds, "value", QStringLiteral("properties.taskDetails.nCrossValidations.value"));
        if (!value || *value < 2 || *value > 50)
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("'properties.taskDetails.nCrossValidations.value' must be a whole number from 2 to 50 "
                                         "when its mode is Custom.")};
    }
    if (validationSize && !validation.empty())
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'properties.taskDetails.validationDataSize' cannot be set together with validationData.")};
    if (customFolds && (validationSize || !validation.empty()))
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'properties.taskDetails.nCrossValidations' (Custom) cannot be set together with "
                                     "validationData or validationDataSize.")};
    if (testSize && !test.empty())
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'properties.taskDetails.testDataSize' cannot be set together with testData.")};
    if (validationSize && testSize && *validationSize + *testSize >= 1)
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("validationDataSize and testDataSize together must leave training rows (their sum is %1).")
                          .arg(*validationSize + *testSize)};
    for (const auto &[input, name] : {std::pair{&validation, "validationData"}, std::pair{&test, "testData"}}) {
        if (input->empty())
            continue;
        const QString path = QStringLiteral("properties.taskDetails.%1").arg(QString::fromLatin1(name));
        const QString uri = jsonStr(*input, "uri", path + QStringLiteral(".uri"));
        QString error;
        if (uri.isEmpty() || !c.svc.resolveDataPath(c.workspaceId, uri, &error))
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("%1: %2").arg(path, uri.isEmpty() ? QStringLiteral("'uri' is required.") : error)};
    }
}

void validateAutoMl(Ctx &c, Json &p)
{
    Json task = jsonObj(p, "taskDetails", QStringLiteral("properties.taskDetails"));
    if (task.empty())
        throw Failure{400, QStringLiteral("UserError"), QStringLiteral("'properties.taskDetails' is required for an AutoML job.")};
    const QString taskType = jsonStr(task, "taskType", QStringLiteral("properties.taskDetails.taskType"));
    if (taskType != QLatin1String("Classification"))
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("taskType '%1' is not supported by the local workspace; use Classification.")
                          .arg(taskType)};
    const QString target =
        jsonStr(task, "targetColumnName", QStringLiteral("properties.taskDetails.targetColumnName"));
    if (target.isEmpty())
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'properties.taskDetails.targetColumnName' is required.")};
    const Json training = jsonObj(task, "trainingData", QStringLiteral("properties.taskDetails.trainingData"));
    const QString uri = jsonStr(training, "uri", QStringLiteral("properties.taskDetails.trainingData.uri"));
    if (uri.isEmpty())
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'properties.taskDetails.trainingData.uri' is required.")};
    QString error;
    const auto path = c.svc.resolveDataPath(c.workspaceId, uri, &error);
    if (!path)
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("properties.taskDetails.trainingData: %1").arg(error)};
    const QStringList header = csvHeader(*path);
    if (!header.contains(target))
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("The target column '%1' is not in the training data (columns: %2).")
                          .arg(target, header.join(QStringLiteral(", ")))};
    validateAutoMlSplits(c, task);
    const Json limits = jsonObj(task, "limitSettings", QStringLiteral("properties.taskDetails.limitSettings"));
    for (const char *key : {"timeout", "trialTimeout"}) {
        const QString value = jsonStr(limits, key, QStringLiteral("limitSettings.%1").arg(QString::fromLatin1(key)));
        if (!value.isEmpty() && !parseIsoDuration(value))
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("'limitSettings.%1' must be an ISO 8601 duration such as PT1H, not '%2'.")
                              .arg(QString::fromLatin1(key), value)};
    }
    for (const char *key : {"maxTrials", "maxConcurrentTrials", "maxNodes", "maxCoresPerTrial"}) {
        const auto v = jsonInt(limits, key, QStringLiteral("limitSettings.%1").arg(QString::fromLatin1(key)));
        if (v && *v < 1 && !(std::string(key) == "maxCoresPerTrial" && *v == -1))
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("'limitSettings.%1' must be at least 1.").arg(QString::fromLatin1(key))};
    }
}

void buildJob(Ctx &c, Json &doc, const std::optional<StoredResource> &existing)
{
    Json &p = doc["properties"];
    const QString jobType = jsonStr(p, "jobType", QStringLiteral("properties.jobType"));
    if (existing) {
        // A job is immutable once submitted, except its descriptive fields.
        const Json &old = existing->doc["properties"];
        if (q(old, "jobType") != jobType)
            throw Failure{409, QStringLiteral("Conflict"),
                          QStringLiteral("Job '%1' already exists with jobType '%2'; a job cannot change once "
                                         "submitted.")
                              .arg(c.name, q(old, "jobType"))};
        Json merged = old;
        for (const char *key : {"description", "tags", "displayName", "isArchived"})
            if (p.contains(key))
                merged[key] = p[key];
        p = merged;
        return;
    }
    if (jobType != QLatin1String("AutoML") && jobType != QLatin1String("Pipeline"))
        throw Failure{400, QStringLiteral("UserError"),
                      jobType.isEmpty() ? QStringLiteral("'properties.jobType' is required.")
                                        : QStringLiteral("jobType '%1' is not supported by the local workspace; "
                                                         "use AutoML or Pipeline.")
                                              .arg(jobType)};
    if (jobType == QLatin1String("AutoML")) {
        p["computeId"] = s(resolveComputeId(c, jsonStr(p, "computeId", QStringLiteral("properties.computeId")),
                                            QStringLiteral("properties.computeId")));
        validateAutoMl(c, p);
    } else {
        const Json settings = jsonObj(p, "settings", QStringLiteral("properties.settings"));
        const Json steps = jsonObj(p, "jobs", QStringLiteral("properties.jobs"));
        QString defaultCompute;
        for (const char *key : {"defaultCompute", "default_compute"}) {
            const QString field = QStringLiteral("properties.settings.%1").arg(QString::fromLatin1(key));
            const QString value = jsonStr(settings, key, field);
            if (!value.isEmpty()) {
                defaultCompute = resolveComputeId(c, value, field);
                p["settings"][key] = s(defaultCompute);
            }
        }
        if (defaultCompute.isEmpty() && !jsonStr(p, "computeId", QStringLiteral("properties.computeId")).isEmpty()) {
            defaultCompute = resolveComputeId(c, jsonStr(p, "computeId", QStringLiteral("properties.computeId")),
                                              QStringLiteral("properties.computeId"));
            p["computeId"] = s(defaultCompute);
        }
        for (auto it = steps.begin(); it != steps.end(); ++it) {
            const QString step = QString::fromStdString(it.key());
            if (!it.value().is_object())
                throw Failure{400, QStringLiteral("InvalidRequestContent"),
                              QStringLiteral("'properties.jobs.%1' must be a JSON object.").arg(step)};
            QString stepCompute;
            for (const char *key : {"computeId", "compute"}) {
                const QString field = QStringLiteral("properties.jobs.%1.%2").arg(step, QString::fromLatin1(key));
                const QString value = jsonStr(it.value(), key, field);
                if (!value.isEmpty())
                    stepCompute = resolveComputeId(c, value, field);
            }
            const QString type = q(it.value(), "type").toLower();
            if ((type == QLatin1String("automl") || type == QLatin1String("parallel")) && stepCompute.isEmpty() &&
                defaultCompute.isEmpty())
                throw Failure{400, QStringLiteral("UserError"),
                              QStringLiteral("'properties.jobs.%1.compute' or 'properties.settings.default_compute' is "
                                             "required: name the compute cluster the %2 step runs on.")
                                  .arg(step, type)};
        }
        QString error;
        if (!pipelineStepOrder(p, &error))
            throw Failure{400, QStringLiteral("UserError"), error};
        for (auto it = steps.begin(); it != steps.end(); ++it) {
            // Literal data references must resolve now, not halfway through the run.
            const QString training = q(it.value(), "training_data");
            if (!training.isEmpty() && !training.contains(QLatin1String("${{")) &&
                !c.svc.resolveDataPath(c.workspaceId, training, &error))
                throw Failure{400, QStringLiteral("UserError"),
                              QStringLiteral("properties.jobs.%1.training_data: %2").arg(QString::fromStdString(it.key()), error)};
        }
        const Json inputs = p.value("inputs", Json::object());
        for (auto it = inputs.begin(); it != inputs.end(); ++it) {
            const QString uri = q(it.value(), "uri");
            // A uri_folder input names a folder, not an MLTable's file.
            const bool folder =
                q(it.value(), "jobInputType").remove(QLatin1Char('_')).compare(QLatin1String("urifolder"), Qt::CaseInsensitive) == 0;
            if (!uri.isEmpty() && !c.svc.resolveDataPath(c.workspaceId, uri, &error, folder))
                throw Failure{400, QStringLiteral("UserError"),
                              QStringLiteral("properties.inputs.%1: %2").arg(QString::fromStdString(it.key()), error)};
        }
    }
    p["status"] = "NotStarted";
    p["experimentName"] = s(jsonStr(p, "experimentName", QStringLiteral("properties.experimentName"),
                                    QStringLiteral("Default")));
    p["displayName"] = s(jsonStr(p, "displayName", QStringLiteral("properties.displayName"), c.name));
    p["isArchived"] = p.value("isArchived", false);
    if (!p.contains("tags"))
        p["tags"] = Json::object();
    if (!p.contains("properties"))
        p["properties"] = Json::object();
    const QString host = c.base.section(QStringLiteral("://"), 1);
    p["services"] = {
        {"Tracking",
         {{"jobServiceType", "Tracking"},
          {"endpoint", s(QStringLiteral("azureml://%1/mlflow/v1.0%2").arg(host, c.workspaceId))}}},
        {"Studio",
         {{"jobServiceType", "Studio"},
          {"endpoint", s(QStringLiteral("%1/studio/jobs/%2").arg(c.base, c.name))}}},
    };
    if (!p.contains("outputs"))
        p["outputs"] = Json::object();
    p["outputs"]["default"] = {{"jobOutputType", "uri_folder"},
                               {"mode", "ReadWriteMount"},
                               {"uri", s(QStringLiteral("azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.%1")
                                             .arg(c.name))}};
    if (jobType == QLatin1String("AutoML"))
        p["outputs"]["best_model"] = {{"jobOutputType", "mlflow_model"},
                                      {"mode", "ReadWriteMount"},
                                      {"uri", s(QStringLiteral("azureml://jobs/%1/outputs/best_model").arg(c.name))}};
}

void buildCompute(Ctx &c, Json &doc, const std::optional<StoredResource> &existing)
{
    Json &p = doc["properties"];
    const QString computeType = jsonStr(p, "computeType", QStringLiteral("properties.computeType"));
    if (computeType != QLatin1String("AmlCompute"))
        throw Failure{400, QStringLiteral("BadRequest"),
                      computeType.isEmpty() ? QStringLiteral("'properties.computeType' is required.")
                                            : QStringLiteral("computeType '%1' is not supported by the local "
                                                             "workspace; use AmlCompute.")
                                                  .arg(computeType)};
    Json inner = jsonObj(p, "properties", QStringLiteral("properties.properties"));
    Json scale = jsonObj(inner, "scaleSettings", QStringLiteral("properties.properties.scaleSettings"));
    const qint64 maxNodes = jsonInt(scale, "maxNodeCount", QStringLiteral("scaleSettings.maxNodeCount")).value_or(1);
    const qint64 minNodes = jsonInt(scale, "minNodeCount", QStringLiteral("scaleSettings.minNodeCount")).value_or(0);
    if (maxNodes < 1 || minNodes < 0 || minNodes > maxNodes)
        throw Failure{400, QStringLiteral("BadRequest"),
                      QStringLiteral("scaleSettings: maxNodeCount (%1) must be at least 1 and at least "
                                     "minNodeCount (%2).")
                          .arg(maxNodes)
                          .arg(minNodes)};
    const QString idle = jsonStr(scale, "nodeIdleTimeBeforeScaleDown", QStringLiteral("scaleSettings.nodeIdleTimeBeforeScaleDown"),
                                 QStringLiteral("PT120S"));
    if (!parseIsoDuration(idle))
        throw Failure{400, QStringLiteral("BadRequest"),
                      QStringLiteral("'scaleSettings.nodeIdleTimeBeforeScaleDown' must be an ISO 8601 duration, not '%1'.")
                          .arg(idle)};
    scale = {{"maxNodeCount", maxNodes}, {"minNodeCount", minNodes}, {"nodeIdleTimeBeforeScaleDown", s(idle)}};
    inner["scaleSettings"] = scale;
    inner["vmSize"] = s(jsonStr(inner, "vmSize", QStringLiteral("properties.properties.vmSize"), QStringLiteral("STANDARD_DS3_V2")));
    inner["vmPriority"] = inner.value("vmPriority", std::string("Dedicated"));
    inner["osType"] = inner.value("osType", std::string("Linux"));
    inner["isolatedNetwork"] = false;
    inner["remoteLoginPortPublicAccess"] = inner.value("remoteLoginPortPublicAccess", std::string("NotSpecified"));
    inner["enableNodePublicIp"] = inner.value("enableNodePublicIp", true);
    inner["allocationState"] = "Steady";
    inner["allocationStateTransitionTime"] = s(isoNow());
    inner["errors"] = nullptr;
    inner["currentNodeCount"] = minNodes;
    inner["targetNodeCount"] = minNodes;
    inner["nodeStateCounts"] = {{"preparingNodeCount", 0}, {"runningNodeCount", 0}, {"idleNodeCount", minNodes},
                                {"unusableNodeCount", 0},  {"leavingNodeCount", 0}, {"preemptedNodeCount", 0}};
    p["properties"] = inner;
    p["provisioningState"] = "Succeeded";
    p["computeLocation"] = s(q(doc, "location", c.svc.options().location));
    p["createdOn"] = existing ? existing->doc["properties"].value("createdOn", s(isoNow())) : s(isoNow());
    p["modifiedOn"] = s(isoNow());
    p["isAttachedCompute"] = false;
    p["disableLocalAuth"] = p.value("disableLocalAuth", false);
    if (!doc.contains("location"))
        doc["location"] = s(c.svc.options().location);
}

// Data and model versions: immutable once created; their container is made on demand.
void buildVersion(Ctx &c, Json &doc, const std::optional<StoredResource> &existing, bool model)
{
    Json &p = doc["properties"];
    const char *uriKey = model ? "modelUri" : "dataUri";
    const QString uri = jsonStr(p, uriKey, QStringLiteral("properties.%1").arg(QString::fromLatin1(uriKey)));
    if (uri.isEmpty())
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'properties.%1' is required.").arg(QString::fromLatin1(uriKey))};
    if (!model) {
        const QString type = jsonStr(p, "dataType", QStringLiteral("properties.dataType"));
        if (type != QLatin1String("uri_file") && type != QLatin1String("uri_folder") && type != QLatin1String("mltable"))
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("'properties.dataType' must be uri_file, uri_folder or mltable, not '%1'.")
                              .arg(type)};
    } else {
        p["modelType"] = s(jsonStr(p, "modelType", QStringLiteral("properties.modelType"), QStringLiteral("custom_model")));
        if (!p.contains("flavors"))
            p["flavors"] = Json::object();
    }
    if (existing && q(existing->doc["properties"], uriKey) != uri)
        throw Failure{409, QStringLiteral("Conflict"),
                      QStringLiteral("Version '%1' of '%2' already exists with a different %3; versions are "
                                     "immutable, register a new version instead.")
                          .arg(c.name, c.parent.section(QLatin1Char('/'), -1), QString::fromLatin1(uriKey))};
    p["isAnonymous"] = p.value("isAnonymous", false);
    p["isArchived"] = p.value("isArchived", false);
    if (!p.contains("tags"))
        p["tags"] = Json::object();
    if (!p.contains("properties"))
        p["properties"] = Json::object();
    p["provisioningState"] = "Succeeded";

    // The container: create or bump its latest version.
    const QString containerKind = model ? QStringLiteral("microsoft.machinelearningservices/workspaces/models")
                                        : QStringLiteral("microsoft.machinelearningservices/workspaces/data");
    auto container = c.store.resource(c.parent);
    if (!container) {
        StoredResource r;
        r.id = c.parent;
        r.kind = containerKind;
        r.parent = c.workspaceId;
        r.name = c.parent.section(QLatin1Char('/'), -1);
        r.state = QStringLiteral("Succeeded");
        Json props{{"description", ""}, {"tags", Json::object()}, {"properties", Json::object()}, {"isArchived", false}};
        if (!model)
            props["dataType"] = p["dataType"];
        r.doc = Json{{"id", s(r.id)},
                     {"name", s(r.name)},
                     {"type", model ? "Microsoft.MachineLearningServices/workspaces/models"
                                    : "Microsoft.MachineLearningServices/workspaces/data"},
                     {"properties", props},
                     {"systemData", systemData(std::nullopt, c.svc.builtInPrincipal().clientId)}};
        c.store.putResource(r);
    }
    c.store.updateResource(c.parent, [&](StoredResource &r) {
        Json &cp = r.doc["properties"];
        cp["latestVersion"] = s(c.name);
        bool numeric = false;
        const int n = c.name.toInt(&numeric);
        const int next = cp.contains("nextVersion") && cp["nextVersion"].is_string()
                             ? QString::fromStdString(cp["nextVersion"].get<std::string>()).toInt()
                             : 1;
        cp["nextVersion"] = s(QString::number(numeric ? std::max(next, n + 1) : next));
        return true;
    });
}

void buildContainer(Ctx &, Json &doc, const std::optional<StoredResource> &existing, bool model)
{
    Json &p = doc["properties"];
    if (!model) {
        const QString type = jsonStr(p, "dataType", QStringLiteral("properties.dataType"));
        if (type.isEmpty())
            throw Failure{400, QStringLiteral("UserError"), QStringLiteral("'properties.dataType' is required.")};
    }
    if (existing) {
        for (const char *key : {"latestVersion", "nextVersion"})
            if (existing->doc["properties"].contains(key))
                p[key] = existing->doc["properties"][key];
    }
    p["isArchived"] = p.value("isArchived", false);
    if (!p.contains("tags"))
        p["tags"] = Json::object();
    if (!p.contains("properties"))
        p["properties"] = Json::object();
    p["provisioningState"] = "Succeeded";
}

void validateTraffic(Ctx &c, const Json &p)
{
    const Json traffic = jsonObj(p, "traffic", QStringLiteral("properties.traffic"));
    qint64 sum = 0;
    for (auto it = traffic.begin(); it != traffic.end(); ++it) {
        const QString deployment = QString::fromStdString(it.key());
        if (!it.value().is_number_integer() || it.value().get<qint64>() < 0 || it.value().get<qint64>() > 100)
            throw Failure{400, QStringLiteral("BadRequest"),
                          QStringLiteral("'properties.traffic.%1' must be an integer from 0 to 100.").arg(deployment)};
        if (!c.store.resource(childId(c.id, QStringLiteral("deployments"), deployment)))
            throw Failure{400, QStringLiteral("BadRequest"),
                          QStringLiteral("Traffic names deployment '%1', which does not exist under endpoint '%2'.")
                              .arg(deployment, c.name)};
        sum += it.value().get<qint64>();
    }
    if (sum != 0 && sum != 100)
        throw Failure{400, QStringLiteral("BadRequest"),
                      QStringLiteral("The traffic values add up to %1; they must add up to 100 (or 0).").arg(sum)};
}

void buildEndpoint(Ctx &c, Json &doc, const std::optional<StoredResource> &existing, bool batch)
{
    Json &p = doc["properties"];
    const QString authMode = jsonStr(p, "authMode", QStringLiteral("properties.authMode"), QStringLiteral("Key"));
    if (authMode != QLatin1String("Key") && authMode != QLatin1String("AMLToken") &&
        authMode != QLatin1String("AADToken"))
        throw Failure{400, QStringLiteral("BadRequest"),
                      QStringLiteral("'properties.authMode' must be Key, AMLToken or AADToken, not '%1'.").arg(authMode)};
    p["authMode"] = s(authMode);
    if (!batch) {
        validateTraffic(c, p);
        if (!p.contains("traffic"))
            p["traffic"] = existing ? existing->doc["properties"].value("traffic", Json::object()) : Json::object();
        p["scoringUri"] = existing ? existing->doc["properties"].value("scoringUri", std::string()) : std::string();
        p["swaggerUri"] = existing ? existing->doc["properties"].value("swaggerUri", std::string()) : std::string();
        p["publicNetworkAccess"] = p.value("publicNetworkAccess", std::string("Enabled"));
        if (!doc["_local"].is_object())
            doc["_local"] = Json::object();
        if (!doc["_local"].contains("keys"))
            doc["_local"]["keys"] = {{"primaryKey", s(randomSecret(32))}, {"secondaryKey", s(randomSecret(32))}};
    } else {
        p["scoringUri"] = s(QStringLiteral("%1/batch%2/jobs").arg(c.base, c.id));
        Json defaults = jsonObj(p, "defaults", QStringLiteral("properties.defaults"));
        jsonStr(defaults, "deploymentName", QStringLiteral("properties.defaults.deploymentName"));
        p["defaults"] = defaults;
    }
    p["properties"] = jsonObj(p, "properties", QStringLiteral("properties.properties"));
    p["provisioningState"] = "Succeeded";
    if (!doc.contains("location"))
        doc["location"] = s(c.svc.options().location);
    if (!doc.contains("identity"))
        doc["identity"] = {{"type", "SystemAssigned"}, {"principalId", s(newGuid())}, {"tenantId", s(c.svc.tenantId())}};
    if (!doc.contains("tags"))
        doc["tags"] = Json::object();
}

QString resolveModelId(Ctx &c, const QString &ref, const QString &field)
{
    if (ref.isEmpty())
        throw Failure{400, QStringLiteral("BadRequest"), QStringLiteral("'%1' is required.").arg(field)};
    QString id = ref;
    if (id.startsWith(QLatin1String("azureml:")) && !id.startsWith(QLatin1String("azureml://"))) {
        const QString rest = id.mid(8);
        id = childId(c.workspaceId, QStringLiteral("models"), rest.section(QLatin1Char(':'), 0, 0)) +
             QStringLiteral("/versions/") + rest.section(QLatin1Char(':'), 1);
    }
    const auto model = c.store.resource(id);
    if (!model || !model->kind.endsWith(QLatin1String("models/versions")))
        throw Failure{400, QStringLiteral("BadRequest"),
                      QStringLiteral("%1: the model version '%2' was not found.").arg(field, ref)};
    return model->id;
}

void buildDeployment(Ctx &c, Json &doc, const std::optional<StoredResource> &, bool batch)
{
    Json &p = doc["properties"];
    if (batch && p.contains("model") && p["model"].is_object()) {
        // Batch deployments reference the model as {"referenceType":"Id","assetId":…}.
        const Json ref = p["model"];
        p["model"] = {{"referenceType", "Id"},
                      {"assetId", s(resolveModelId(c, jsonStr(ref, "assetId", QStringLiteral("properties.model.assetId")),
                                                   QStringLiteral("properties.model.assetId")))}};
    } else {
        p["model"] = s(resolveModelId(c, jsonStr(p, "model", QStringLiteral("properties.model")), QStringLiteral("properties.model")));
    }
    if (!batch) {
        const QString computeType =
            jsonStr(p, "endpointComputeType", QStringLiteral("properties.endpointComputeType"), QStringLiteral("Managed"));
        if (computeType != QLatin1String("Managed"))
            throw Failure{400, QStringLiteral("BadRequest"),
                          QStringLiteral("endpointComputeType '%1' is not supported by the local workspace; use "
                                         "Managed.")
                              .arg(computeType)};
        p["endpointComputeType"] = "Managed";
        p["instanceType"] = s(jsonStr(p, "instanceType", QStringLiteral("properties.instanceType"),
                                      QStringLiteral("Standard_DS3_v2")));
        p["appInsightsEnabled"] = jsonBool(p, "appInsightsEnabled", QStringLiteral("properties.appInsightsEnabled")).value_or(false);
        Json sku = doc.value("sku", Json::object());
        const qint64 capacity = jsonInt(sku, "capacity", QStringLiteral("sku.capacity")).value_or(1);
        if (capacity < 1)
            throw Failure{400, QStringLiteral("BadRequest"), QStringLiteral("'sku.capacity' must be at least 1.")};
        sku["capacity"] = capacity;
        sku["name"] = sku.value("name", std::string("Default"));
        doc["sku"] = sku;
        if (!p.contains("scaleSettings"))
            p["scaleSettings"] = {{"scaleType", "Default"}};
        if (!p.contains("requestSettings"))
            p["requestSettings"] = {{"maxConcurrentRequestsPerInstance", 1}, {"requestTimeout", "PT5S"}, {"maxQueueWait", "PT0.5S"}};
        for (const char *probe : {"livenessProbe", "readinessProbe"})
            if (!p.contains(probe))
                p[probe] = {{"failureThreshold", 30}, {"successThreshold", 1}, {"timeout", "PT2S"},
                            {"period", "PT10S"}, {"initialDelay", "PT10S"}};
        p["provisioningState"] = c.svc.deployments() ? "Creating" : "Creating";
    } else {
        p["compute"] = s(resolveComputeId(c, jsonStr(p, "compute", QStringLiteral("properties.compute")),
                                          QStringLiteral("properties.compute")));
        const qint64 miniBatch = jsonInt(p, "miniBatchSize", QStringLiteral("properties.miniBatchSize")).value_or(10);
        const qint64 errorThreshold = jsonInt(p, "errorThreshold", QStringLiteral("properties.errorThreshold")).value_or(-1);
        if (miniBatch < 1)
            throw Failure{400, QStringLiteral("BadRequest"), QStringLiteral("'properties.miniBatchSize' must be at least 1.")};
        if (errorThreshold < -1)
            throw Failure{400, QStringLiteral("BadRequest"),
                          QStringLiteral("'properties.errorThreshold' must be -1 (no limit) or a number of rows.")};
        p["miniBatchSize"] = miniBatch;
        p["errorThreshold"] = errorThreshold;
        const QString outputAction = jsonStr(p, "outputAction", QStringLiteral("properties.outputAction"), QStringLiteral("AppendRow"));
        if (outputAction != QLatin1String("AppendRow") && outputAction != QLatin1String("SummaryOnly"))
            throw Failure{400, QStringLiteral("BadRequest"),
                          QStringLiteral("'properties.outputAction' must be AppendRow or SummaryOnly, not '%1'.").arg(outputAction)};
        p["outputAction"] = s(outputAction);
        const QString outputFile = jsonStr(p, "outputFileName", QStringLiteral("properties.outputFileName"),
                                           QStringLiteral("parallel_run_step.txt"));
        // It becomes a path in the job's output folder: a name, never a way out of it.
        if (const auto why = invalidFileName(outputFile))
            throw Failure{400, QStringLiteral("BadRequest"), QStringLiteral("'properties.outputFileName' %1.").arg(*why)};
        p["outputFileName"] = s(outputFile);
        const qint64 concurrency =
            jsonInt(p, "maxConcurrencyPerInstance", QStringLiteral("properties.maxConcurrencyPerInstance")).value_or(1);
        Json resources = jsonObj(p, "resources", QStringLiteral("properties.resources"));
        const qint64 instances = jsonInt(resources, "instanceCount", QStringLiteral("properties.resources.instanceCount")).value_or(1);
        if (concurrency < 1 || instances < 1)
            throw Failure{400, QStringLiteral("BadRequest"),
                          QStringLiteral("'properties.maxConcurrencyPerInstance' and 'properties.resources.instanceCount' "
                                         "must be at least 1.")};
        resources["instanceCount"] = instances;
        p["resources"] = resources;
        p["maxConcurrencyPerInstance"] = concurrency;
        Json retry = jsonObj(p, "retrySettings", QStringLiteral("properties.retrySettings"));
        const qint64 retries = jsonInt(retry, "maxRetries", QStringLiteral("properties.retrySettings.maxRetries")).value_or(3);
        const QString timeout = jsonStr(retry, "timeout", QStringLiteral("properties.retrySettings.timeout"), QStringLiteral("PT5M"));
        if (retries < 0 || !parseIsoDuration(timeout))
            throw Failure{400, QStringLiteral("BadRequest"),
                          QStringLiteral("'properties.retrySettings' needs maxRetries of at least 0 and an ISO 8601 "
                                         "timeout such as PT5M.")};
        p["retrySettings"] = {{"maxRetries", retries}, {"timeout", s(timeout)}};
        p["loggingLevel"] = s(jsonStr(p, "loggingLevel", QStringLiteral("properties.loggingLevel"), QStringLiteral("Info")));
        p["provisioningState"] = "Succeeded";
    }
    if (!p.contains("properties"))
        p["properties"] = Json::object();
    if (!doc.contains("location"))
        doc["location"] = s(c.svc.options().location);
    if (!doc.contains("tags"))
        doc["tags"] = Json::object();
}

void buildSchedule(Ctx &c, Json &doc, const std::optional<StoredResource> &existing)
{
    Json &p = doc["properties"];
    const Json trigger = jsonObj(p, "trigger", QStringLiteral("properties.trigger"));
    const qint64 now = c.svc.nowMs();
    const Json oldLocal = existing ? existing->doc.value("_local", Json::object()) : Json::object();
    const qint64 createdMs = oldLocal.value("createdMs", now);
    QString error;
    if (!parseScheduleTrigger(trigger, QDateTime::fromMSecsSinceEpoch(createdMs, Qt::UTC), &error))
        throw Failure{400, QStringLiteral("BadRequest"), error};
    const Json action = jsonObj(p, "action", QStringLiteral("properties.action"));
    const QString actionType = jsonStr(action, "actionType", QStringLiteral("properties.action.actionType"));
    if (actionType == QLatin1String("CreateJob")) {
        const Json definition = jsonObj(action, "jobDefinition", QStringLiteral("properties.action.jobDefinition"));
        const QString jobType = q(definition, "jobType");
        if (jobType != QLatin1String("Pipeline") && jobType != QLatin1String("AutoML"))
            throw Failure{400, QStringLiteral("BadRequest"),
                          QStringLiteral("'properties.action.jobDefinition.jobType' must be Pipeline or AutoML, not '%1'.")
                              .arg(jobType)};
        if (jobType == QLatin1String("Pipeline") && !pipelineStepOrder(definition, &error))
            throw Failure{400, QStringLiteral("BadRequest"), QStringLiteral("properties.action.jobDefinition: ") + error};
    } else if (actionType != QLatin1String("InvokeBatchEndpoint")) {
        throw Failure{400, QStringLiteral("BadRequest"),
                      QStringLiteral("'properties.action.actionType' must be CreateJob or InvokeBatchEndpoint.")};
    }
    if (p.contains("properties") && p["properties"].is_object() && p["properties"].contains(kMissedRunsProperty)) {
        const Json &policy = p["properties"][kMissedRunsProperty];
        if (!policy.is_string() || !parseMissedRunPolicy(QString::fromStdString(policy.get<std::string>())))
            throw Failure{400, QStringLiteral("BadRequest"),
                          QStringLiteral("'properties.properties.%1' must be CatchUp or Skip.").arg(QLatin1String(kMissedRunsProperty))};
    }
    p["isEnabled"] = jsonBool(p, "isEnabled", QStringLiteral("properties.isEnabled")).value_or(true);
    // Occurrences count from now: a new schedule, a changed trigger and a schedule enabled
    // again do not fire for the time before.
    Json local = oldLocal.is_object() ? oldLocal : Json::object();
    local["createdMs"] = createdMs;
    const bool wasEnabled = existing && existing->doc["properties"].value("isEnabled", true);
    const bool sameTrigger = existing && existing->doc["properties"].value("trigger", Json()) == trigger;
    if (!existing || !sameTrigger || (!wasEnabled && p["isEnabled"].get<bool>()))
        local["lastEvaluatedMs"] = now;
    if (!local.contains("history"))
        local["history"] = Json::array();
    doc["_local"] = local;
    p["displayName"] = p.value("displayName", doc.value("name", std::string()));
    p["provisioningState"] = "Succeeded";
    if (!p.contains("tags"))
        p["tags"] = Json::object();
    if (!p.contains("properties"))
        p["properties"] = Json::object();
}

void buildRoleAssignment(Ctx &c, Json &doc, const std::optional<StoredResource> &existing)
{
    Json &p = doc["properties"];
    const QString role = jsonStr(p, "roleDefinitionId", QStringLiteral("properties.roleDefinitionId"));
    const QString principal = jsonStr(p, "principalId", QStringLiteral("properties.principalId"));
    if (role.isEmpty() || principal.isEmpty())
        throw Failure{400, QStringLiteral("InvalidRoleAssignmentRequest"),
                      QStringLiteral("'properties.roleDefinitionId' and 'properties.principalId' are required.")};
    for (const StoredResource &other : c.store.children(c.scope, QString::fromLatin1(c.kind->typePath))) {
        const Json &op = other.doc["properties"];
        if (other.name.compare(c.name, Qt::CaseInsensitive) != 0 && q(op, "principalId") == principal &&
            q(op, "roleDefinitionId").compare(role, Qt::CaseInsensitive) == 0)
            throw Failure{409, QStringLiteral("RoleAssignmentExists"), QStringLiteral("The role assignment already exists.")};
    }
    if (existing && (q(existing->doc["properties"], "principalId") != principal))
        throw Failure{409, QStringLiteral("RoleAssignmentUpdateNotPermitted"),
                      QStringLiteral("Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")};
    p["scope"] = s(c.scope);
    p["principalType"] = p.value("principalType", std::string("ServicePrincipal"));
    p["condition"] = nullptr;
    p["conditionVersion"] = nullptr;
    p["createdOn"] = existing ? existing->doc["properties"].value("createdOn", s(isoNow())) : s(isoNow());
    p["updatedOn"] = s(isoNow());
    p["createdBy"] = s(c.svc.builtInPrincipal().clientId);
    p["updatedBy"] = s(c.svc.builtInPrincipal().clientId);
    doc.erase("systemData");
}

void buildSimple(Ctx &c, Json &doc)
{
    doc["properties"]["provisioningState"] = "Succeeded";
    if (!doc.contains("location"))
        doc["location"] = s(c.svc.options().location);
    if (c.kind->k == K::Component) {
        ensureDependent(c, c.id, K::Component, q(doc, "location"));
        const auto made = c.store.resource(c.id);
        for (const char *key : {"AppId", "InstrumentationKey", "ConnectionString", "ApplicationId"})
            doc["properties"][key] = made->doc["properties"][key];
        doc["properties"]["Application_Type"] = doc["properties"].value("Application_Type", std::string("web"));
    } else if (c.kind->k == K::StorageAccount) {
        ensureDependent(c, c.id, K::StorageAccount, q(doc, "location"));
        const auto made = c.store.resource(c.id);
        doc["_local"] = made->doc["_local"];
        doc["properties"]["primaryEndpoints"] = made->doc["properties"]["primaryEndpoints"];
    }
}

// --- long-running operation bookkeeping -------------------------------------------------

QString operationsPrefix(const Ctx &c)
{
    return QStringLiteral("/subscriptions/%1/providers/Microsoft.MachineLearningServices/locations/%2")
        .arg(c.svc.subscriptionId(), c.svc.options().location);
}

void addAsyncHeaders(Ctx &c, ApiResponse &r, const QString &action)
{
    const QString op = newGuid();
    StoredResource rec;
    rec.id = operationsPrefix(c) + QStringLiteral("/mfeOperationsStatus/") + op;
    rec.kind = QStringLiteral("operations");
    rec.name = op;
    rec.state = action;
    rec.doc = Json{{"resourceId", s(c.id)}, {"action", s(action)}, {"startTime", s(isoNow())}};
    c.store.putResource(rec);
    const QString version = c.apiVersion;
    r.setHeader("Azure-AsyncOperation",
                (c.base + rec.id + QStringLiteral("?api-version=") + version).toUtf8());
    r.setHeader("Location", (c.base + operationsPrefix(c) + QStringLiteral("/mfeOperationResults/") + op +
                             QStringLiteral("?api-version=") + version)
                                .toUtf8());
    r.setHeader("Retry-After", "1");
}

// "InProgress" / "Succeeded" / "Failed" of an operation, read from the resource it acts on.
std::pair<QString, Json> operationState(Ctx &c, const StoredResource &op)
{
    const QString resourceId = q(op.doc, "resourceId");
    const auto resource = c.store.resource(resourceId);
    if (op.state == QLatin1String("delete"))
        return {resource ? QStringLiteral("InProgress") : QStringLiteral("Succeeded"), Json()};
    if (!resource)
        return {QStringLiteral("Failed"),
                Json{{"code", "ResourceNotFound"}, {"message", "The resource was deleted while the operation ran."}}};
    const QString state = q(resource->doc["properties"], "provisioningState", QStringLiteral("Succeeded"));
    if (state == QLatin1String("Succeeded"))
        return {state, Json()};
    if (state == QLatin1String("Failed") || state == QLatin1String("Canceled")) {
        Json error = resource->doc.contains("_local") ? resource->doc["_local"].value("error", Json()) : Json();
        if (!error.is_object())
            error = Json{{"code", "DeploymentFailed"}, {"message", "The operation failed."}};
        return {QStringLiteral("Failed"), error};
    }
    return {QStringLiteral("InProgress"), Json()};
}

ApiResponse listPage(Ctx &c, const QString &parent, const QString &kind, const std::function<bool(const StoredResource &)> &keep = {})
{
    bool ok = false;
    int skip = c.req.queryValue(QStringLiteral("$skipToken")).toInt(&ok);
    if (!ok || skip < 0)
        skip = 0;
    const int pageSize = std::max(1, c.svc.options().pageSize);
    std::vector<StoredResource> items;
    if (!keep) {
        items = c.store.children(parent, kind, skip, pageSize + 1);
    } else {
        std::vector<StoredResource> all = parent.isEmpty() ? c.store.byKindAndState(kind, {})
                                                           : c.store.children(parent, kind);
        std::vector<StoredResource> kept;
        for (auto &r : all)
            if (keep(r))
                kept.push_back(std::move(r));
        for (int i = skip; i < static_cast<int>(kept.size()) && i < skip + pageSize + 1; ++i)
            items.push_back(kept[static_cast<size_t>(i)]);
    }
    Json value = Json::array();
    for (int i = 0; i < static_cast<int>(items.size()) && i < pageSize; ++i)
        value.push_back(publicView(items[static_cast<size_t>(i)].doc));
    Json body{{"value", value}};
    if (static_cast<int>(items.size()) > pageSize) {
        QUrlQuery next = c.req.query;
        next.removeAllQueryItems(QStringLiteral("$skipToken"));
        next.addQueryItem(QStringLiteral("$skipToken"), QString::number(skip + pageSize));
        body["nextLink"] = s(c.base + c.req.path + QLatin1Char('?') + next.toString(QUrl::FullyEncoded));
    }
    return ApiResponse::fromJson(200, body);
}

ApiResponse runAction(Ctx &c, const QString &action, const Json &body, const std::optional<StoredResource> &existing)
{
    const auto is = [&](const char *name) { return action.compare(QLatin1String(name), Qt::CaseInsensitive) == 0; };
    if (c.kind->k == K::Schedule && is("history") && c.req.method == "GET") {
        // The runs this schedule started (and the occurrences it skipped), oldest first.
        if (!existing)
            throw arm::notFound(QStringLiteral("schedules"), c.name);
        const Json history = existing->doc.value("_local", Json::object()).value("history", Json::array());
        Json value = Json::array();
        for (const Json &entry : history) {
            Json e = entry;
            if (e.contains("jobName")) {
                const auto job = c.store.resource(c.workspaceId + QStringLiteral("/jobs/") + q(e, "jobName"));
                e["jobStatus"] = job ? s(job->state) : "Deleted";
            }
            value.push_back(e);
        }
        return ApiResponse::fromJson(200, Json{{"value", value}});
    }
    if (c.req.method != "POST")
        throw Failure{405, QStringLiteral("MethodNotAllowed"), QStringLiteral("'%1' accepts POST only.").arg(action)};
    const auto requireExisting = [&]() -> const StoredResource & {
        if (!existing)
            throw arm::notFound(QString::fromLatin1(c.kind->armType).section(QLatin1Char('/'), -1), c.name);
        return *existing;
    };
    switch (c.kind->k) {
    case K::Workspace:
        if (is("listKeys")) {
            const StoredResource &ws = requireExisting();
            const QString storage = q(ws.doc["properties"], "storageAccount");
            const auto account = c.store.resource(storage);
            const auto component = c.store.resource(q(ws.doc["properties"], "applicationInsights"));
            Json key = account && account->doc["_local"].contains("keys") ? account->doc["_local"]["keys"][0] : Json();
            return ApiResponse::fromJson(
                200, Json{{"userStorageArmId", s(storage)},
                          {"userStorageKey", key},
                          {"appInsightsInstrumentationKey",
                           component ? component->doc["properties"].value("InstrumentationKey", Json()) : Json()},
                          {"containerRegistryCredentials", {{"location", nullptr}, {"passwords", Json::array()}, {"username", nullptr}}},
                          {"notebookAccessKeys", {{"primaryAccessKey", nullptr}, {"secondaryAccessKey", nullptr}}}});
        }
        break;
    case K::StorageAccount:
        if (is("listKeys")) {
            const StoredResource &account = requireExisting();
            Json keys = Json::array();
            int i = 1;
            for (const auto &k : account.doc["_local"].value("keys", Json::array()))
                keys.push_back({{"keyName", "key" + std::to_string(i++)}, {"value", k}, {"permissions", "FULL"}});
            return ApiResponse::fromJson(200, Json{{"keys", keys}});
        }
        break;
    case K::Datastore:
        if (is("listSecrets")) {
            const StoredResource &ds = requireExisting();
            const QString accountName = q(ds.doc["properties"], "accountName");
            for (const auto &account : c.store.byKindAndState(QStringLiteral("microsoft.storage/storageaccounts"), {}))
                if (account.name == accountName)
                    return ApiResponse::fromJson(200, Json{{"secretsType", "AccountKey"},
                                                           {"key", account.doc["_local"]["keys"][0]}});
            throw Failure{404, QStringLiteral("ResourceNotFound"), QStringLiteral("The datastore's storage account is gone.")};
        }
        break;
    case K::Job:
        if (is("cancel")) {
            const StoredResource &job = requireExisting();
            ApiResponse r{terminalJobStatus(job.state) ? 200 : 202, {}, {}};
            if (!terminalJobStatus(job.state)) {
                c.store.updateResource(job.id, [](StoredResource &j) {
                    if (terminalJobStatus(j.state))
                        return false;
                    j.state = QStringLiteral("CancelRequested");
                    j.doc["properties"]["status"] = "CancelRequested";
                    return true;
                });
                if (c.svc.jobRunner())
                    c.svc.jobRunner()->cancel(job.id);
            }
            r.setHeader("Location", (c.base + job.id + QStringLiteral("?api-version=") + c.apiVersion).toUtf8());
            r.setHeader("Retry-After", "1");
            return r;
        }
        break;
    case K::OnlineEndpoint:
        if (is("listKeys")) {
            const StoredResource &ep = requireExisting();
            if (q(ep.doc["properties"], "authMode") != QLatin1String("Key"))
                throw Failure{400, QStringLiteral("BadRequest"),
                              QStringLiteral("Endpoint '%1' uses %2 authentication; it has no keys.")
                                  .arg(c.name, q(ep.doc["properties"], "authMode"))};
            return ApiResponse::fromJson(200, ep.doc["_local"]["keys"]);
        }
        if (is("regenerateKeys")) {
            requireExisting();
            const QString keyType = jsonStr(body, "keyType", QStringLiteral("keyType"));
            if (keyType != QLatin1String("Primary") && keyType != QLatin1String("Secondary"))
                throw Failure{400, QStringLiteral("BadRequest"), QStringLiteral("'keyType' must be Primary or Secondary.")};
            const QString value = jsonStr(body, "keyValue", QStringLiteral("keyValue"), randomSecret(32));
            c.store.updateResource(c.id, [&](StoredResource &ep) {
                ep.doc["_local"]["keys"][keyType == QLatin1String("Primary") ? "primaryKey" : "secondaryKey"] = s(value);
                return true;
            });
            if (c.svc.deployments())
                c.svc.deployments()->refreshEndpoint(c.id);
            ApiResponse r{202, {}, {}};
            addAsyncHeaders(c, r, QStringLiteral("put"));
            return r;
        }
        if (is("token")) {
            const StoredResource &ep = requireExisting();
            if (q(ep.doc["properties"], "authMode") != QLatin1String("AMLToken"))
                throw Failure{400, QStringLiteral("BadRequest"),
                              QStringLiteral("Endpoint '%1' does not use AMLToken authentication; use its keys.").arg(c.name)};
            const QString token = c.svc.issueToken();
            const qint64 now = Store::nowMs() / 1000;
            const qint64 lifetime = c.svc.options().tokenLifetime.count();
            return ApiResponse::fromJson(200, Json{{"accessToken", s(token)},
                                                   {"tokenType", "Bearer"},
                                                   {"expiryTimeUtc", now + lifetime},
                                                   {"refreshAfterTimeUtc", now + lifetime / 2}});
        }
        break;
    case K::OnlineDeployment:
        if (is("getLogs")) {
            const StoredResource &d = requireExisting();
            const QString container = jsonStr(body, "containerType", QStringLiteral("containerType"),
                                              QStringLiteral("InferenceServer"));
            if (container != QLatin1String("InferenceServer") && container != QLatin1String("StorageInitializer"))
                throw Failure{400, QStringLiteral("BadRequest"),
                              QStringLiteral("'containerType' must be InferenceServer or StorageInitializer.")};
            const qint64 tail = jsonInt(body, "tail", QStringLiteral("tail")).value_or(100);
            if (tail < 0)
                throw Failure{400, QStringLiteral("BadRequest"), QStringLiteral("'tail' must not be negative.")};
            const QString content = c.svc.deployments() ? c.svc.deployments()->logs(d.id, container, static_cast<int>(tail))
                                                        : QString();
            return ApiResponse::fromJson(200, Json{{"content", s(content)}});
        }
        break;
    default:
        break;
    }
    throw Failure{404, QStringLiteral("NotFound"),
                  QStringLiteral("'%1' is not an action of %2.").arg(action, QString::fromLatin1(c.kind->armType))};
}

bool supportedApiVersion(const QString &v)
{
    static const QRegularExpression re(QStringLiteral("^(20[1-9][0-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(-preview)?$"));
    return re.match(v).hasMatch();
}

} // namespace

// ---------------------------------------------------------------------------------------
ApiResponse LocalService::handleArm(const ApiRequest &request)
{
    const QString apiVersion = request.queryValue(QStringLiteral("api-version"));
    if (apiVersion.isEmpty())
        return ApiResponse::armError(400, QStringLiteral("MissingApiVersionParameter"),
                                     QStringLiteral("The api-version query parameter (?api-version=) is required for "
                                                    "all requests."));
    if (!supportedApiVersion(apiVersion))
        return ApiResponse::armError(400, QStringLiteral("InvalidApiVersionParameter"),
                                     QStringLiteral("The api-version '%1' is invalid. The supported versions are dates "
                                                    "such as '2025-12-01' or '2024-10-01-preview'.")
                                         .arg(apiVersion));
    const QByteArray &method = request.method;
    const bool hasBody = method == "PUT" || method == "PATCH" || (method == "POST" && !request.body.trimmed().isEmpty());
    Json body = Json::object();
    if (hasBody) {
        ApiResponse bad;
        const auto parsed = parseJsonBody(request.body, &bad);
        if (!parsed)
            return bad;
        body = *parsed;
    }

    Ctx c{*this, *m_store, request, linkBase(request), apiVersion, nullptr, {}, {}, {}, {}, {}};
    QStringList seg = request.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const auto ci = [](const QString &a, const char *b) { return a.compare(QLatin1String(b), Qt::CaseInsensitive) == 0; };

    const QString subscriptionDoc = QStringLiteral("/subscriptions/") + m_subscriptionId;
    const Json subscription{{"id", s(subscriptionDoc)},
                            {"subscriptionId", s(m_subscriptionId)},
                            {"tenantId", s(tenantId())},
                            {"displayName", "Local workspace"},
                            {"state", "Enabled"},
                            {"subscriptionPolicies", {{"locationPlacementId", "Public_2014-09-01"}, {"quotaId", "Local"}, {"spendingLimit", "Off"}}},
                            {"authorizationSource", "RoleBased"}};
    if (seg.size() == 1) {
        if (method != "GET")
            throw Failure{405, QStringLiteral("MethodNotAllowed"), QStringLiteral("Use GET to list subscriptions.")};
        return ApiResponse::fromJson(200, Json{{"value", Json::array({subscription})}});
    }
    if (seg[1].compare(m_subscriptionId, Qt::CaseInsensitive) != 0)
        return ApiResponse::armError(404, QStringLiteral("SubscriptionNotFound"),
                                     QStringLiteral("The subscription '%1' could not be found.").arg(seg[1]));
    if (seg.size() == 2) {
        if (method != "GET")
            throw Failure{405, QStringLiteral("MethodNotAllowed"), QStringLiteral("Use GET to read a subscription.")};
        return ApiResponse::fromJson(200, subscription);
    }

    // Resource groups.
    if (ci(seg[2], "resourcegroups") && seg.size() <= 4) {
        const QString groupsParent = subscriptionDoc;
        const QString kind = QStringLiteral("resourcegroups");
        if (seg.size() == 3) {
            if (method != "GET")
                throw Failure{405, QStringLiteral("MethodNotAllowed"), QStringLiteral("Use GET to list resource groups.")};
            return listPage(c, groupsParent, kind);
        }
        const QString name = seg[3];
        c.id = groupsParent + QStringLiteral("/resourceGroups/") + name;
        const auto existing = m_store->resource(c.id);
        if (method == "GET" || method == "HEAD") {
            if (!existing)
                return ApiResponse::armError(404, QStringLiteral("ResourceGroupNotFound"),
                                             QStringLiteral("Resource group '%1' could not be found.").arg(name));
            return method == "HEAD" ? ApiResponse{204, {}, {}} : ApiResponse::fromJson(200, publicView(existing->doc));
        }
        if (method == "PUT") {
            static const QRegularExpression rgName(QStringLiteral("^[-\\w._()]{1,90}$"));
            if (!rgName.match(name).hasMatch() || name.endsWith(QLatin1Char('.')))
                throw Failure{400, QStringLiteral("InvalidResourceGroup"),
                              QStringLiteral("The resource group name '%1' is invalid: up to 90 letters, digits, "
                                             "'_', '-', '.', '(' and ')', not ending in '.'.")
                                  .arg(name)};
            const QString location = jsonStr(body, "location", QStringLiteral("location"));
            if (location.isEmpty())
                throw Failure{400, QStringLiteral("LocationRequired"),
                              QStringLiteral("The location property is required for this definition.")};
            StoredResource r;
            r.id = existing ? existing->id : c.id;
            r.kind = kind;
            r.parent = groupsParent;
            r.name = name;
            r.state = QStringLiteral("Succeeded");
            r.doc = Json{{"id", s(r.id)},
                         {"name", s(name)},
                         {"type", "Microsoft.Resources/resourceGroups"},
                         {"location", s(location)},
                         {"tags", jsonObj(body, "tags", QStringLiteral("tags"))},
                         {"properties", {{"provisioningState", "Succeeded"}}}};
            m_store->putResource(r);
            return ApiResponse::fromJson(existing ? 200 : 201, r.doc);
        }
        if (method == "DELETE") {
            if (!existing)
                return ApiResponse{204, {}, {}};
            for (const auto &d : m_store->byKindAndState(
                     QStringLiteral("microsoft.machinelearningservices/workspaces/onlineendpoints/deployments"), {}))
                if (resourceKey(d.id).startsWith(resourceKey(c.id) + QLatin1Char('/')) && m_deployments)
                    m_deployments->stop(d.id);
            m_store->deleteResource(c.id);
            ApiResponse r{202, {}, {}};
            r.setHeader("Location", (c.base + c.id + QStringLiteral("?api-version=") + apiVersion).toUtf8());
            r.setHeader("Retry-After", "1");
            return r;
        }
        throw Failure{405, QStringLiteral("MethodNotAllowed"), QStringLiteral("Unsupported method on a resource group.")};
    }

    // Everything else is /{scope}/providers/{namespace}/{type}/{name}[/{type}/{name}…][/{action}].
    qsizetype providers = -1;
    for (qsizetype i = seg.size() - 1; i >= 2; --i)
        if (ci(seg[i], "providers")) {
            providers = i;
            break;
        }
    if (providers < 0 || providers + 2 >= seg.size())
        return ApiResponse::armError(404, QStringLiteral("NotFound"), QStringLiteral("No route for '%1'.").arg(request.path));
    c.scope = QLatin1Char('/') + QStringList(seg.mid(0, providers)).join(QLatin1Char('/'));
    const QString ns = seg[providers + 1];
    const QStringList rest = seg.mid(providers + 2);

    // The scope must exist: a resource group, or a stored resource for extension resources.
    const QString rg = resourceGroupOf(c.scope + QLatin1Char('/'));
    if (c.scope.count(QLatin1Char('/')) >= 4 && !rg.isEmpty() && !m_store->resource(rg))
        return ApiResponse::armError(404, QStringLiteral("ResourceGroupNotFound"),
                                     QStringLiteral("Resource group '%1' could not be found.").arg(seg[3]));
    if (c.scope.count(QLatin1Char('/')) > 4 && !m_store->resource(c.scope))
        return ApiResponse::armError(404, QStringLiteral("ResourceNotFound"),
                                     QStringLiteral("The scope '%1' does not exist.").arg(c.scope));

    // Operation status / results and VM sizes under locations/{location}.
    if (ci(ns, "Microsoft.MachineLearningServices") && ci(rest[0], "locations") && rest.size() >= 3) {
        if (ci(rest[2], "vmSizes") && rest.size() == 3) {
            Json sizes = Json::array();
            for (const auto &[name, cpus, mem] : {std::tuple{"STANDARD_DS2_V2", 2, 7.0}, std::tuple{"STANDARD_DS3_V2", 4, 14.0},
                                                 std::tuple{"STANDARD_DS11_V2", 2, 14.0}, std::tuple{"STANDARD_D13_V2", 8, 56.0}})
                sizes.push_back({{"name", name}, {"family", "standardDSv2Family"}, {"vCPUs", cpus}, {"gpus", 0},
                                 {"osVhdSizeMB", 1047552}, {"maxResourceVolumeMB", 28672}, {"memoryGB", mem},
                                 {"lowPriorityCapable", true}, {"premiumIO", true},
                                 {"supportedComputeTypes", {"AmlCompute", "ComputeInstance"}}});
            return ApiResponse::fromJson(200, Json{{"value", sizes}});
        }
        if (rest.size() == 4 && (ci(rest[2], "mfeOperationsStatus") || ci(rest[2], "mfeOperationResults"))) {
            const auto op = m_store->resource(operationsPrefix(c) + QStringLiteral("/mfeOperationsStatus/") + rest[3]);
            if (!op)
                throw arm::notFound(QStringLiteral("operation"), rest[3]);
            const auto [state, error] = operationState(c, *op);
            if (ci(rest[2], "mfeOperationsStatus")) {
                Json out{{"id", s(op->id)}, {"name", s(op->name)}, {"status", s(state)}, {"startTime", op->doc["startTime"]}};
                if (state != QLatin1String("InProgress"))
                    out["endTime"] = s(isoNow());
                if (!error.is_null())
                    out["error"] = error;
                return ApiResponse::fromJson(200, out);
            }
            if (state == QLatin1String("InProgress")) {
                ApiResponse r{202, {}, {}};
                r.setHeader("Location", (c.base + request.path + QStringLiteral("?api-version=") + apiVersion).toUtf8());
                r.setHeader("Retry-After", "1");
                return r;
            }
            if (state == QLatin1String("Failed"))
                return ApiResponse::armError(400, QString::fromStdString(error.value("code", std::string("Failed"))),
                                             QString::fromStdString(error.value("message", std::string("The operation failed."))));
            if (op->state == QLatin1String("delete"))
                return ApiResponse{204, {}, {}};
            const auto resource = m_store->resource(q(op->doc, "resourceId"));
            return ApiResponse::fromJson(200, publicView(resource->doc));
        }
        return ApiResponse::armError(404, QStringLiteral("NotFound"), QStringLiteral("No route for '%1'.").arg(request.path));
    }

    // Type path and names: even count = a resource, odd = a collection or an action.
    QString typePath = ns;
    QStringList names;
    for (qsizetype i = 0; i + 1 < rest.size(); i += 2) {
        typePath += QLatin1Char('/') + rest[i];
        names << rest[i + 1];
    }
    QString action;
    bool collection = false;
    if (rest.size() % 2 == 1) {
        if (findKind(typePath + QLatin1Char('/') + rest.last())) {
            collection = true;
            typePath += QLatin1Char('/') + rest.last();
        } else {
            action = rest.last();
        }
    }
    c.kind = findKind(typePath);
    if (!c.kind)
        return ApiResponse::armError(400, QStringLiteral("InvalidResourceType"),
                                     QStringLiteral("The resource type '%1' is not supported by the local workspace.")
                                         .arg(typePath));
    // Rebuild the addressed id with the request's spelling.
    QString path = c.scope + QStringLiteral("/providers/") + ns;
    for (qsizetype i = 0; i + 1 < rest.size(); i += 2)
        path += QLatin1Char('/') + rest[i] + QLatin1Char('/') + rest[i + 1];
    const QString kindName = QString::fromLatin1(c.kind->typePath);
    if (ci(ns, "Microsoft.MachineLearningServices") && rest.size() >= 2)
        c.workspaceId = c.scope + QStringLiteral("/providers/") + ns + QStringLiteral("/workspaces/") + rest[1];

    if (collection) {
        if (method != "GET")
            throw Failure{405, QStringLiteral("MethodNotAllowed"), QStringLiteral("Use GET to list '%1'.").arg(rest.last())};
        const QString parent = names.isEmpty() ? c.scope : path;
        if (!names.isEmpty() && !m_store->resource(parent))
            throw Failure{404, QStringLiteral("ParentResourceNotFound"),
                          QStringLiteral("Can not perform requested operation on nested resource. Parent resource "
                                         "'%1' not found.")
                              .arg(names.last())};
        if (c.scope.count(QLatin1Char('/')) == 2 && c.kind->k != K::RoleAssignment) // subscription-wide list
            return listPage(c, QString(), kindName, [&](const StoredResource &r) {
                return resourceKey(r.id).startsWith(resourceKey(c.scope) + QLatin1Char('/'));
            });
        if (c.kind->k == K::RoleAssignment) {
            const QString filter = request.queryValue(QStringLiteral("$filter"));
            static const QRegularExpression principal(QStringLiteral("principalId\\s+eq\\s+'([^']+)'"));
            const QString wanted = principal.match(filter).captured(1);
            return listPage(c, parent, kindName, [&](const StoredResource &r) {
                return wanted.isEmpty() || q(r.doc["properties"], "principalId") == wanted;
            });
        }
        if (c.kind->k == K::Job) {
            const QString jobType = request.queryValue(QStringLiteral("jobType"));
            // A pipeline's steps, and the runs a schedule started (Azure's scheduleId filter).
            const QString parentJob = request.queryValue(QStringLiteral("parentJobName"));
            const QString schedule = request.queryValue(QStringLiteral("scheduleId")).section(QLatin1Char('/'), -1);
            return listPage(c, parent, kindName, [&](const StoredResource &r) {
                const Json &props = r.doc["properties"].value("properties", Json::object());
                return (jobType.isEmpty() || q(r.doc["properties"], "jobType") == jobType) &&
                       (parentJob.isEmpty() || q(props, "azureml.pipeline.parentJobName") == parentJob) &&
                       (schedule.isEmpty() || q(props, "azureml.schedule.name") == schedule);
            });
        }
        return listPage(c, parent, kindName);
    }

    c.id = path;
    c.name = names.last();
    c.parent = names.size() > 1 ? path.section(QLatin1Char('/'), 0, -3) : c.scope;
    if (c.kind->k == K::RoleAssignment)
        c.parent = c.scope;
    if (names.size() > 1 && !m_store->resource(c.parent) && c.kind->k != K::DataVersion && c.kind->k != K::ModelVersion)
        throw Failure{404, QStringLiteral("ParentResourceNotFound"),
                      QStringLiteral("Can not perform requested operation on nested resource. Parent resource '%1' "
                                     "not found.")
                          .arg(names[names.size() - 2])};
    if (names.size() > 2 && !m_store->resource(c.workspaceId))
        throw Failure{404, QStringLiteral("ParentResourceNotFound"),
                      QStringLiteral("Can not perform requested operation on nested resource. Parent resource '%1' "
                                     "not found.")
                          .arg(names.first())};
    const auto existing = m_store->resource(c.id);

    if (!action.isEmpty())
        return runAction(c, action, body, existing);

    if (method == "GET") {
        if (!existing)
            throw arm::notFound(QString::fromLatin1(c.kind->armType).section(QLatin1Char('/'), -1), c.name);
        return ApiResponse::fromJson(200, publicView(existing->doc));
    }
    if (method == "PUT" || method == "PATCH") {
        if (method == "PATCH") {
            if (!existing)
                throw arm::notFound(QString::fromLatin1(c.kind->armType).section(QLatin1Char('/'), -1), c.name);
            // PATCH merges into the stored document, then goes through the same checks.
            Json merged = publicView(existing->doc);
            merged.merge_patch(body);
            body = merged;
        }
        // The resource and everything its building wrote (a workspace's storage account, key
        // vault, App Insights component, container registry and datastore; a version's container)
        // commit together or not at all.
        StoredResource r;
        const bool saved = m_store->transaction([&] {
            validateName(c);
            Json doc = envelope(c, body, existing);
            switch (c.kind->k) {
            case K::Workspace: buildWorkspace(c, doc, existing); break;
            case K::Compute: buildCompute(c, doc, existing); break;
            case K::DataContainer: buildContainer(c, doc, existing, false); break;
            case K::ModelContainer: buildContainer(c, doc, existing, true); break;
            case K::DataVersion: buildVersion(c, doc, existing, false); break;
            case K::ModelVersion: buildVersion(c, doc, existing, true); break;
            case K::Job: buildJob(c, doc, existing); break;
            case K::OnlineEndpoint: buildEndpoint(c, doc, existing, false); break;
            case K::BatchEndpoint: buildEndpoint(c, doc, existing, true); break;
            case K::OnlineDeployment: buildDeployment(c, doc, existing, false); break;
            case K::BatchDeployment: buildDeployment(c, doc, existing, true); break;
            case K::Schedule: buildSchedule(c, doc, existing); break;
            case K::RoleAssignment: buildRoleAssignment(c, doc, existing); break;
            case K::Datastore:
                throw Failure{400, QStringLiteral("BadRequest"),
                              QStringLiteral("The local workspace has one datastore, workspaceblobstore; it cannot be "
                                             "created or changed.")};
            case K::Component:
            case K::StorageAccount:
            case K::KeyVault:
            case K::Registry: buildSimple(c, doc); break;
            }
            r.id = existing ? existing->id : c.id;
            r.kind = kindName;
            r.parent = c.parent;
            r.name = c.name;
            r.created = existing ? existing->created : std::chrono::milliseconds(0);
            r.state = c.kind->k == K::Job ? q(doc["properties"], "status") : q(doc["properties"], "provisioningState");
            r.doc = doc;
            if (!m_store->putResource(r))
                throw Failure{500, QStringLiteral("InternalServerError"),
                              QStringLiteral("The store could not save the resource: %1").arg(m_store->lastError())};
            return true;
        });
        if (!saved)
            throw Failure{500, QStringLiteral("InternalServerError"),
                          QStringLiteral("The store could not save the resource: %1").arg(m_store->lastError())};
        if (c.kind->k == K::Job && !existing && m_runner)
            m_runner->wake();
        if (c.kind->k == K::OnlineDeployment && m_deployments)
            m_deployments->deploy(r.id);
        if (c.kind->k == K::OnlineEndpoint && m_deployments)
            m_deployments->refreshEndpoint(r.id);
        const auto stored = m_store->resource(r.id);
        ApiResponse response = ApiResponse::fromJson(existing ? 200 : 201, publicView(stored ? stored->doc : r.doc));
        if (c.kind->longRunning)
            addAsyncHeaders(c, response, QStringLiteral("put"));
        return response;
    }
    if (method == "DELETE") {
        if (!existing)
            return ApiResponse{204, {}, {}};
        if (c.kind->k == K::Compute) {
            for (const auto &job : m_store->children(c.workspaceId, QStringLiteral("microsoft.machinelearningservices/workspaces/jobs")))
                if (resourceKey(q(job.doc["properties"], "computeId")) == resourceKey(c.id) && !terminalJobStatus(job.state))
                    throw Failure{409, QStringLiteral("Conflict"),
                                  QStringLiteral("Compute '%1' is running job '%2'; cancel the job or wait for it "
                                                 "before deleting the compute.")
                                      .arg(c.name, job.name)};
        }
        if (c.kind->k == K::Job && !terminalJobStatus(existing->state) && m_runner)
            m_runner->cancel(existing->id);
        if (m_deployments && (c.kind->k == K::OnlineDeployment || c.kind->k == K::OnlineEndpoint || c.kind->k == K::Workspace)) {
            for (const auto &d : m_store->byKindAndState(
                     QStringLiteral("microsoft.machinelearningservices/workspaces/onlineendpoints/deployments"), {}))
                if (resourceKey(d.id) == resourceKey(c.id) || resourceKey(d.id).startsWith(resourceKey(c.id) + QLatin1Char('/')))
                    m_deployments->stop(d.id);
        }
        m_store->deleteResource(c.id);
        if (m_deployments && (c.kind->k == K::OnlineEndpoint || c.kind->k == K::Workspace))
            m_deployments->forgetEndpoints(c.id);
        if (c.kind->k == K::OnlineDeployment) {
            m_store->updateResource(c.parent, [&](StoredResource &ep) {
                Json &traffic = ep.doc["properties"]["traffic"];
                if (traffic.is_object())
                    traffic.erase(s(c.name));
                return true;
            });
            if (m_deployments)
                m_deployments->refreshEndpoint(c.parent);
        }
        ApiResponse response{c.kind->longRunning ? 202 : 200, {}, {}};
        if (c.kind->longRunning)
            addAsyncHeaders(c, response, QStringLiteral("delete"));
        return response;
    }
    throw Failure{405, QStringLiteral("MethodNotAllowed"),
                  QStringLiteral("The method %1 is not supported here.").arg(QString::fromLatin1(method))};
}

} // namespace cerulean::local
