// ARM routes of the local workspace, the parts every resource family shares: the kinds it
// knows, the resource envelope, name rules, and the operation-status resources of long-running
// PUTs and DELETEs.

#include "core/local/arm_resource.h"
#include "core/local/iso_duration.h"
#include "core/local/service.h"

#include <QRegularExpression>

namespace cerulean::local {

std::optional<std::chrono::milliseconds> parseIsoDuration(const QString &text)
{
    static const QRegularExpression re(
        QStringLiteral("^P(?:(\\d+)D)?(?:T(?:(\\d+)H)?(?:(\\d+)M)?(?:(\\d+(?:\\.\\d+)?)S)?)?$"));
    const auto m = re.match(text.trimmed().toUpper());
    if (!m.hasMatch() || text.trimmed().size() < 3)
        return std::nullopt;
    const double ms = m.captured(1).toDouble() * 86400000.0 + m.captured(2).toDouble() * 3600000.0 +
                      m.captured(3).toDouble() * 60000.0 + m.captured(4).toDouble() * 1000.0;
    // Azure's longest duration (.NET's TimeSpan.MaxValue, 10675199 days); a longer one would
    // not fit in 64 bits of milliseconds.
    constexpr double kMaxDurationMs = 922'337'203'685'477.0;
    if (!(ms <= kMaxDurationMs))
        return std::nullopt;
    return std::chrono::milliseconds(static_cast<qint64>(ms));
}

} // namespace cerulean::local

namespace cerulean::local::armr {

using arm::Failure;
using arm::jsonBool;
using arm::jsonInt;
using arm::jsonObj;
using arm::jsonStr;
using arm::q;
using arm::s;


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
    {K::CodeContainer, "microsoft.machinelearningservices/workspaces/codes",
     "Microsoft.MachineLearningServices/workspaces/codes", kAssetName, kAssetRule, false},
    {K::CodeVersion, "microsoft.machinelearningservices/workspaces/codes/versions",
     "Microsoft.MachineLearningServices/workspaces/codes/versions", kAssetName, kAssetRule, false},
    {K::EnvironmentContainer, "microsoft.machinelearningservices/workspaces/environments",
     "Microsoft.MachineLearningServices/workspaces/environments", kAssetName, kAssetRule, false},
    {K::EnvironmentVersion, "microsoft.machinelearningservices/workspaces/environments/versions",
     "Microsoft.MachineLearningServices/workspaces/environments/versions", kAssetName, kAssetRule, false},
    {K::ComponentContainer, "microsoft.machinelearningservices/workspaces/components",
     "Microsoft.MachineLearningServices/workspaces/components", kAssetName, kAssetRule, false},
    {K::ComponentVersion, "microsoft.machinelearningservices/workspaces/components/versions",
     "Microsoft.MachineLearningServices/workspaces/components/versions", kAssetName, kAssetRule, false},
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

const KindSpec &kindSpec(K kind)
{
    for (const KindSpec &k : kKinds)
        if (k.k == kind)
            return k;
    return kKinds[0];
}

bool terminalJobStatus(const QString &status)
{
    return status == QLatin1String("Completed") || status == QLatin1String("Failed") ||
           status == QLatin1String("Canceled") || status == QLatin1String("NotResponding");
}

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

void validateName(const Ctx &c)
{
    const QRegularExpression re(QString::fromLatin1(c.kind->namePattern));
    if (!re.match(c.name).hasMatch())
        throw Failure{400, QStringLiteral("InvalidResourceName"),
                      QStringLiteral("The resource name '%1' is invalid: it %2.")
                          .arg(c.name, QString::fromLatin1(c.kind->nameRule))};
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

const StoredResource &requireExisting(const Ctx &c, const std::optional<StoredResource> &existing)
{
    if (!existing)
        throw arm::notFound(QString::fromLatin1(c.kind->armType).section(QLatin1Char('/'), -1), c.name);
    return *existing;
}

bool isAction(const QString &action, const char *name)
{
    return action.compare(QLatin1String(name), Qt::CaseInsensitive) == 0;
}

void noSuchAction(const Ctx &c, const QString &action)
{
    throw Failure{404, QStringLiteral("NotFound"),
                  QStringLiteral("'%1' is not an action of %2.").arg(action, QString::fromLatin1(c.kind->armType))};
}

// --- long-running operation bookkeeping -------------------------------------------------

QString operationsPrefix(const Ctx &c)
{
    return QStringLiteral("/subscriptions/%1/providers/Microsoft.MachineLearningServices/locations/%2")
        .arg(c.svc.subscriptionId(), c.svc.options().location);
}

// The operation-status URLs and headers of Azure ML, by family, as the recorded traffic shows
// them: a workspace's PUT/PATCH/DELETE points Location and Azure-AsyncOperation at one
// workspaceOperationsStatus URL (?type=location / ?type=async); a compute's PUT sends only
// Azure-AsyncOperation (computeOperationsStatus, ?service=new); endpoints and deployments send
// Azure-AsyncOperation at mfeOperationsStatus with Location at the resource (PUT) or at
// mfeOperationResults (DELETE; a PATCH sends that Location alone), and
// x-ms-async-operation-timeout. No family sends Retry-After.
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
    const QString version = QStringLiteral("?api-version=") + c.apiVersion;
    const QString prefix = c.base + operationsPrefix(c);
    const bool put = action == QLatin1String("put") && c.req.method != "PATCH";
    switch (c.kind->k) {
    case K::Workspace: {
        const QString status = prefix + QStringLiteral("/workspaceOperationsStatus/") + op + version;
        r.setHeader("Location", (status + QStringLiteral("&type=location")).toUtf8());
        r.setHeader("Azure-AsyncOperation", (status + QStringLiteral("&type=async")).toUtf8());
        return;
    }
    case K::Compute:
        r.setHeader("Azure-AsyncOperation",
                    (prefix + QStringLiteral("/computeOperationsStatus/") + op + version + QStringLiteral("&service=new")).toUtf8());
        if (!put)
            r.setHeader("Location", (prefix + QStringLiteral("/mfeOperationResults/") + op + version).toUtf8());
        return;
    default:
        break;
    }
    if (c.req.method != "PATCH")
        r.setHeader("Azure-AsyncOperation", (prefix + QStringLiteral("/mfeOperationsStatus/") + op + version).toUtf8());
    r.setHeader("Location", put ? (c.base + c.id + version).toUtf8()
                                : (prefix + QStringLiteral("/mfeOperationResults/") + op + version).toUtf8());
    if (c.kind->k != K::Schedule)
        r.setHeader("x-ms-async-operation-timeout", "PT30M");
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

ApiResponse listPage(Ctx &c, const QString &parent, const QString &kind, const std::function<bool(const StoredResource &)> &keep)
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

bool supportedApiVersion(const QString &v)
{
    static const QRegularExpression re(QStringLiteral("^(20[1-9][0-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(-preview)?$"));
    return re.match(v).hasMatch();
}

} // namespace cerulean::local::armr
