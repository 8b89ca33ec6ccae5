// ARM routes of the local workspace: the ML workspace, the storage account, key vault, App
// Insights component and registry it references, its datastores and role assignments.

#include "core/local/arm_resource.h"
#include "core/local/service.h"

namespace cerulean::local::armr {

using arm::Failure;
using arm::jsonBool;
using arm::jsonInt;
using arm::jsonObj;
using arm::jsonStr;
using arm::q;
using arm::s;

// Creates a dependent resource (storage account, key vault, insights component) when the
// workspace references one that does not exist yet, as the portal's workspace wizard does.
StoredResource ensureDependent(Ctx &c, const QString &id, K kind, const QString &location)
{
    if (auto existing = c.store.resource(id))
        return *existing;
    const KindSpec *spec = &kindSpec(kind);
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
        doc["identity"] = {{"type", "SystemAssigned"}};
    // A system-assigned identity gets its principal in the service's tenant, kept across updates.
    if (q(doc["identity"], "type").contains(QLatin1String("SystemAssigned"))) {
        const Json old = existing ? existing->doc.value("identity", Json::object()) : Json::object();
        doc["identity"]["principalId"] = old.value("principalId", s(newGuid()));
        doc["identity"]["tenantId"] = s(c.svc.tenantId());
    }
    // The keys Azure always sends, with the values a workspace without those features has.
    doc["etag"] = nullptr;
    p["description"] = p.value("description", std::string());
    p["softDeleteEnabled"] = false;
    p["enableDataIsolation"] = p.value("enableDataIsolation", false);
    p["allowRoleAssignmentOnRG"] = p.value("allowRoleAssignmentOnRG", true);
    p["EnableSoftwareBillOfMaterials"] = false;
    p["ipAllowlist"] = p.value("ipAllowlist", Json::array());
    p["sasGetterUri"] = "";
    for (const char *key : {"imageBuildCompute", "serverlessComputeSettings", "linkedModelInventoryArmId"})
        if (!p.contains(key))
            p[key] = nullptr;
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
        // And workspaceartifactstore, where runs keep their outputs (container azureml).
        ds.id = childId(c.id, QStringLiteral("datastores"), QStringLiteral("workspaceartifactstore"));
        ds.name = QStringLiteral("workspaceartifactstore");
        ds.doc["id"] = s(ds.id);
        ds.doc["name"] = "workspaceartifactstore";
        ds.doc["properties"]["containerName"] = "azureml";
        ds.doc["properties"]["isDefault"] = false;
        ds.doc["properties"]["description"] = "The workspace's artifact store: run outputs and logs.";
        c.store.putResource(ds);
    }
}

// A datastore the user registers (AzureBlob): its secret is kept for listSecrets and never
// shown; the two the workspace made cannot be replaced.
void buildDatastore(Ctx &c, Json &doc, const std::optional<StoredResource> &existing)
{
    if (c.name == QLatin1String("workspaceblobstore") || c.name == QLatin1String("workspaceartifactstore"))
        throw Failure{400, QStringLiteral("BadRequest"),
                      QStringLiteral("'%1' is made with the workspace; it cannot be created or changed.").arg(c.name)};
    Json &p = doc["properties"];
    const QString type = jsonStr(p, "datastoreType", QStringLiteral("properties.datastoreType"));
    if (type != QLatin1String("AzureBlob"))
        throw Failure{400, QStringLiteral("BadRequest"),
                      QStringLiteral("datastoreType '%1' is not supported by the local workspace; use AzureBlob.").arg(type)};
    for (const char *key : {"accountName", "containerName"})
        if (jsonStr(p, key, QStringLiteral("properties.%1").arg(QLatin1String(key))).isEmpty())
            throw Failure{400, QStringLiteral("BadRequest"), QStringLiteral("'properties.%1' is required.").arg(QLatin1String(key))};
    Json credentials = jsonObj(p, "credentials", QStringLiteral("properties.credentials"));
    const QString credentialsType = jsonStr(credentials, "credentialsType", QStringLiteral("properties.credentials.credentialsType"),
                                            QStringLiteral("None"));
    Json local = existing ? existing->doc.value("_local", Json::object()) : Json::object();
    if (credentials.contains("secrets") && credentials["secrets"].is_object())
        local["secrets"] = credentials["secrets"];
    credentials.erase("secrets");
    credentials["credentialsType"] = s(credentialsType);
    p["credentials"] = credentials;
    p["endpoint"] = s(jsonStr(p, "endpoint", QStringLiteral("properties.endpoint"), QStringLiteral("core.windows.net")));
    p["protocol"] = s(jsonStr(p, "protocol", QStringLiteral("properties.protocol"), QStringLiteral("https")));
    p["serviceDataAccessAuthIdentity"] =
        s(jsonStr(p, "serviceDataAccessAuthIdentity", QStringLiteral("properties.serviceDataAccessAuthIdentity"), QStringLiteral("None")));
    p["isDefault"] = false;
    for (const char *key : {"description", "tags", "properties", "subscriptionId", "resourceGroup"})
        if (!p.contains(key))
            p[key] = nullptr;
    doc["_local"] = local;
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

ApiResponse workspaceAction(Ctx &c, const QString &action, const Json &, const std::optional<StoredResource> &existing)
{
    const auto is = [&](const char *name) { return isAction(action, name); };
    switch (c.kind->k) {
    case K::Workspace:
        if (is("listKeys")) {
            const StoredResource &ws = requireExisting(c, existing);
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
            const StoredResource &account = requireExisting(c, existing);
            Json keys = Json::array();
            int i = 1;
            for (const auto &k : account.doc["_local"].value("keys", Json::array()))
                keys.push_back({{"keyName", "key" + std::to_string(i++)}, {"value", k}, {"permissions", "FULL"}});
            return ApiResponse::fromJson(200, Json{{"keys", keys}});
        }
        break;
    case K::Datastore:
        if (is("listSecrets")) {
            const StoredResource &ds = requireExisting(c, existing);
            // A datastore the user made keeps the secret it was given.
            if (ds.doc.contains("_local") && ds.doc["_local"].contains("secrets"))
                return ApiResponse::fromJson(200, ds.doc["_local"]["secrets"]);
            const QString accountName = q(ds.doc["properties"], "accountName");
            for (const auto &account : c.store.byKindAndState(QStringLiteral("microsoft.storage/storageaccounts"), {}))
                if (account.name == accountName)
                    return ApiResponse::fromJson(200, Json{{"secretsType", "AccountKey"},
                                                           {"key", account.doc["_local"]["keys"][0]}});
            throw Failure{404, QStringLiteral("ResourceNotFound"), QStringLiteral("The datastore's storage account is gone.")};
        }
        break;
    default:
        break;
    }
    noSuchAction(c, action);
}

} // namespace cerulean::local::armr
