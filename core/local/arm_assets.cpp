// ARM routes of the local workspace: compute clusters, and the containers and versions of data,
// models, code, environments and components.

#include "core/local/arm_resource.h"
#include "core/local/iso_duration.h"
#include "core/local/service.h"

namespace cerulean::local::armr {

using arm::Failure;
using arm::jsonBool;
using arm::jsonInt;
using arm::jsonObj;
using arm::jsonStr;
using arm::q;
using arm::s;

namespace {

// The container of the version being written (c.parent) takes it as its latest, and its
// nextVersion moves past a numeric name, as Azure's containers count 1, 2, 3.
void recordVersionInContainer(Ctx &c)
{
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

} // namespace

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
    recordVersionInContainer(c);
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

bool isVersionKind(K kind)
{
    return kind == K::DataVersion || kind == K::ModelVersion || kind == K::CodeVersion || kind == K::EnvironmentVersion ||
           kind == K::ComponentVersion;
}

namespace {

// The container of a version, made with the first version registered, and its latest and
// next version moved on.
void touchAssetContainer(Ctx &c)
{
    const QString versionKind = QString::fromLatin1(c.kind->typePath);
    const QString containerKind = versionKind.section(QLatin1Char('/'), 0, -2);
    if (!c.store.resource(c.parent)) {
        StoredResource r;
        r.id = c.parent;
        r.kind = containerKind;
        r.parent = c.workspaceId;
        r.name = c.parent.section(QLatin1Char('/'), -1);
        r.state = QStringLiteral("Succeeded");
        const QString armType = QString::fromLatin1(c.kind->armType).section(QLatin1Char('/'), 0, -2);
        r.doc = Json{{"id", s(r.id)},
                     {"name", s(r.name)},
                     {"type", s(armType)},
                     {"properties",
                      {{"description", ""}, {"tags", Json::object()}, {"properties", Json::object()}, {"isArchived", false},
                       {"provisioningState", "Succeeded"}}},
                     {"systemData", systemData(std::nullopt, c.svc.builtInPrincipal().clientId)}};
        c.store.putResource(r);
    }
    recordVersionInContainer(c);
}

} // namespace

void buildAssetVersion(Ctx &c, Json &doc, const std::optional<StoredResource> &existing)
{
    if (existing) {
        // Versions are immutable: Azure answers a PUT of an existing one with the original.
        doc = existing->doc;
        return;
    }
    Json &p = doc["properties"];
    switch (c.kind->k) {
    case K::CodeVersion:
        if (jsonStr(p, "codeUri", QStringLiteral("properties.codeUri")).isEmpty())
            throw Failure{400, QStringLiteral("UserError"), QStringLiteral("'properties.codeUri' is required.")};
        break;
    case K::EnvironmentVersion: {
        const QString image = jsonStr(p, "image", QStringLiteral("properties.image"));
        if (image.isEmpty() && jsonObj(p, "build", QStringLiteral("properties.build")).empty())
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("An environment needs 'properties.image' or 'properties.build'.")};
        p["environmentType"] = "UserCreated";
        p["condaFile"] = s(jsonStr(p, "condaFile", QStringLiteral("properties.condaFile")));
        p["osType"] = s(jsonStr(p, "osType", QStringLiteral("properties.osType"), QStringLiteral("Linux")));
        p["autoRebuild"] = s(jsonStr(p, "autoRebuild", QStringLiteral("properties.autoRebuild"), QStringLiteral("Disabled")));
        p["stage"] = s(jsonStr(p, "stage", QStringLiteral("properties.stage"), QStringLiteral("Development")));
        // The newest version carries the "latest" label, as on Azure.
        for (const StoredResource &sibling : c.store.children(c.parent, QString::fromLatin1(c.kind->typePath)))
            c.store.updateResource(sibling.id, [](StoredResource &r) {
                Json &labels = r.doc["properties"]["properties"];
                if (!labels.is_object() || !labels.contains("azureml.labels"))
                    return false;
                labels.erase("azureml.labels");
                return true;
            });
        if (!p.contains("properties") || !p["properties"].is_object())
            p["properties"] = Json::object();
        p["properties"]["azureml.labels"] = "latest";
        break;
    }
    case K::ComponentVersion: {
        Json spec = jsonObj(p, "componentSpec", QStringLiteral("properties.componentSpec"));
        if (spec.empty())
            throw Failure{400, QStringLiteral("UserError"), QStringLiteral("'properties.componentSpec' is required.")};
        // The spec takes the names of the resource it is stored as.
        spec["name"] = s(c.parent.section(QLatin1Char('/'), -1));
        spec["version"] = s(c.name);
        if (!spec.contains("resources") || !spec["resources"].is_object())
            spec["resources"] = {{"instance_count", "1"}};
        p["componentSpec"] = spec;
        break;
    }
    default:
        break;
    }
    if (!p.contains("description"))
        p["description"] = nullptr;
    p["isAnonymous"] = p.value("isAnonymous", false);
    p["isArchived"] = p.value("isArchived", false);
    if (!p.contains("tags"))
        p["tags"] = Json::object();
    if (!p.contains("properties"))
        p["properties"] = Json::object();
    p["provisioningState"] = "Succeeded";
    touchAssetContainer(c);
}

void buildAssetContainer(Ctx &, Json &doc, const std::optional<StoredResource> &existing)
{
    Json &p = doc["properties"];
    if (existing)
        for (const char *key : {"latestVersion", "nextVersion"})
            if (existing->doc["properties"].contains(key))
                p[key] = existing->doc["properties"][key];
    if (!p.contains("description"))
        p["description"] = "";
    if (!p.contains("latestVersion"))
        p["latestVersion"] = nullptr;
    if (!p.contains("nextVersion"))
        p["nextVersion"] = "1";
    p["isArchived"] = p.value("isArchived", false);
    if (!p.contains("tags"))
        p["tags"] = Json::object();
    if (!p.contains("properties"))
        p["properties"] = Json::object();
    p["provisioningState"] = "Succeeded";
}

ApiResponse computeAction(Ctx &c, const QString &action, const Json &, const std::optional<StoredResource> &existing)
{
    if (isAction(action, "listNodes")) {
        const StoredResource &compute = requireExisting(c, existing);
        // Steps run as local processes: the cluster has no VMs to list.
        return ApiResponse::fromJson(200, Json{{"computeType", compute.doc["properties"].value("computeType", Json())},
                                               {"nodes", Json::array()}});
    }
    noSuchAction(c, action);
}

} // namespace cerulean::local::armr
