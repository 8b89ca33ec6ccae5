#pragma once

// Internal to core/local: what every family of ARM routes shares. The resource kinds the local
// workspace knows, the context of one request, the envelope and LRO bookkeeping, and the
// building and action functions of each family (arm_<family>.cpp).

#include "core/local/arm_internal.h"
#include "core/local/store.h"

#include <functional>
#include <optional>
#include <utility>

namespace cerulean::local {
class LocalService;
}

namespace cerulean::local::armr {

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
    CodeContainer,
    CodeVersion,
    EnvironmentContainer,
    EnvironmentVersion,
    ComponentContainer,
    ComponentVersion,
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

const KindSpec *findKind(const QString &typePath);
const KindSpec &kindSpec(K kind);
bool terminalJobStatus(const QString &status);
bool supportedApiVersion(const QString &v);

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


// --- shared by every family (arm_common.cpp) --------------------------------------------
Json systemData(const std::optional<StoredResource> &existing, const QString &who);
Json envelope(const Ctx &c, const Json &body, const std::optional<StoredResource> &existing);
QString childId(const QString &parent, const QString &collection, const QString &name);
QString resourceGroupOf(const QString &id);
void validateName(const Ctx &c);
QString resolveComputeId(Ctx &c, const QString &ref, const QString &field);
const StoredResource &requireExisting(const Ctx &c, const std::optional<StoredResource> &existing);
bool isAction(const QString &action, const char *name);
[[noreturn]] void noSuchAction(const Ctx &c, const QString &action);

// Long-running operations: the status resources and the headers that point at them.
QString operationsPrefix(const Ctx &c);
void addAsyncHeaders(Ctx &c, ApiResponse &r, const QString &action);
std::pair<QString, Json> operationState(Ctx &c, const StoredResource &op);
ApiResponse listPage(Ctx &c, const QString &parent, const QString &kind,
                     const std::function<bool(const StoredResource &)> &keep = {});

// --- workspaces and their dependent resources (arm_workspace.cpp) -----------------------
StoredResource ensureDependent(Ctx &c, const QString &id, K kind, const QString &location);
void buildWorkspace(Ctx &c, Json &doc, const std::optional<StoredResource> &existing);
void buildRoleAssignment(Ctx &c, Json &doc, const std::optional<StoredResource> &existing);
void buildSimple(Ctx &c, Json &doc);
void buildDatastore(Ctx &c, Json &doc, const std::optional<StoredResource> &existing);
ApiResponse workspaceAction(Ctx &c, const QString &action, const Json &body, const std::optional<StoredResource> &existing);

// --- computes, data and model assets (arm_assets.cpp) -----------------------------------
void buildCompute(Ctx &c, Json &doc, const std::optional<StoredResource> &existing);
void buildVersion(Ctx &c, Json &doc, const std::optional<StoredResource> &existing, bool model);
void buildContainer(Ctx &c, Json &doc, const std::optional<StoredResource> &existing, bool model);
// Code, environment and component assets: a version is immutable (a PUT of an existing one
// answers the original), its container is made on first use.
void buildAssetVersion(Ctx &c, Json &doc, const std::optional<StoredResource> &existing);
void buildAssetContainer(Ctx &c, Json &doc, const std::optional<StoredResource> &existing);
bool isVersionKind(K kind);
ApiResponse computeAction(Ctx &c, const QString &action, const Json &body, const std::optional<StoredResource> &existing);

// --- jobs and schedules (arm_jobs.cpp) --------------------------------------------------
void buildJob(Ctx &c, Json &doc, const std::optional<StoredResource> &existing);
void buildSchedule(Ctx &c, Json &doc, const std::optional<StoredResource> &existing);
ApiResponse jobAction(Ctx &c, const QString &action, const Json &body, const std::optional<StoredResource> &existing);

// --- online and batch endpoints and deployments (arm_endpoints.cpp) ---------------------
void buildEndpoint(Ctx &c, Json &doc, const std::optional<StoredResource> &existing, bool batch);
void buildDeployment(Ctx &c, Json &doc, const std::optional<StoredResource> &existing, bool batch);
ApiResponse endpointAction(Ctx &c, const QString &action, const Json &body, const std::optional<StoredResource> &existing);

} // namespace cerulean::local::armr
