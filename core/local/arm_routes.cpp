// ARM-shaped routes of the local workspace: subscriptions, resource groups, the operation-status
// resources of long-running PUTs and DELETEs, and the dispatch of every provider path to its
// resource family (arm_workspace, arm_assets, arm_jobs, arm_endpoints).

#include "core/local/arm_internal.h"
#include "core/local/arm_resource.h"
#include "core/local/deployment_host.h"
#include "core/local/job_runner.h"
#include "core/local/service.h"

#include <QRegularExpression>

namespace cerulean::local {

using arm::Failure;
using arm::jsonObj;
using arm::jsonStr;
using arm::q;
using arm::s;
using namespace armr;

namespace {

ApiResponse runAction(Ctx &c, const QString &action, const Json &body, const std::optional<StoredResource> &existing)
{
    const auto is = [&](const char *name) { return isAction(action, name); };
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
    if (c.req.method != "POST" && !(is("skus") && c.req.method == "GET"))
        throw Failure{405, QStringLiteral("MethodNotAllowed"), QStringLiteral("'%1' accepts POST only.").arg(action)};
    switch (c.kind->k) {
    case K::Workspace:
    case K::StorageAccount:
    case K::Datastore:
        return workspaceAction(c, action, body, existing);
    case K::Job:
        return jobAction(c, action, body, existing);
    case K::Compute:
        return computeAction(c, action, body, existing);
    case K::OnlineEndpoint:
    case K::OnlineDeployment:
        return endpointAction(c, action, body, existing);
    default:
        break;
    }
    noSuchAction(c, action);
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
            if (!azure::resourceGroupNameError(name).isEmpty())
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
        const bool familyStatus = ci(rest[2], "workspaceOperationsStatus") || ci(rest[2], "computeOperationsStatus");
        if (rest.size() == 4 && (familyStatus || ci(rest[2], "mfeOperationsStatus") || ci(rest[2], "mfeOperationResults"))) {
            const auto op = m_store->resource(operationsPrefix(c) + QStringLiteral("/mfeOperationsStatus/") + rest[3]);
            if (!op)
                throw arm::notFound(QStringLiteral("operation"), rest[3]);
            const auto [state, error] = operationState(c, *op);
            const bool done = state != QLatin1String("InProgress");
            if (familyStatus) {
                // Workspaces and computes: the status and, once done, percentComplete 100.
                Json out{{"status", s(state)}};
                if (done)
                    out["percentComplete"] = 100.0;
                if (!error.is_null())
                    out["error"] = error;
                return ApiResponse::fromJson(200, out);
            }
            if (ci(rest[2], "mfeOperationResults")) {
                if (!done) {
                    ApiResponse r{202, {}, {}};
                    r.setHeader("Location", (c.base + request.path + QStringLiteral("?api-version=") + apiVersion).toUtf8());
                    return r;
                }
                if (state == QLatin1String("Failed"))
                    return ApiResponse::armError(400, QString::fromStdString(error.value("code", std::string("Failed"))),
                                                 QString::fromStdString(error.value("message", std::string("The operation failed."))));
            }
            // Endpoints and deployments: the operation's own record; Azure reports percentComplete 0
            // throughout. Their results URL answers the same record once the work is done.
            Json out{{"id", s(operationsPrefix(c) + QLatin1Char('/') + rest[2] + QLatin1Char('/') + rest[3])},
                     {"name", s(op->name)},
                     {"status", s(state)},
                     {"startTime", op->doc["startTime"]},
                     {"percentComplete", 0.0}};
            if (done)
                out["endTime"] = s(isoNow());
            if (!error.is_null())
                out["error"] = error;
            return ApiResponse::fromJson(200, out);
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
    if (names.size() > 1 && !m_store->resource(c.parent) && !isVersionKind(c.kind->k))
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
            case K::CodeVersion:
            case K::EnvironmentVersion:
            case K::ComponentVersion: buildAssetVersion(c, doc, existing); break;
            case K::CodeContainer:
            case K::EnvironmentContainer:
            case K::ComponentContainer: buildAssetContainer(c, doc, existing); break;
            case K::Job: buildJob(c, doc, existing); break;
            case K::OnlineEndpoint: buildEndpoint(c, doc, existing, false); break;
            case K::BatchEndpoint: buildEndpoint(c, doc, existing, true); break;
            case K::OnlineDeployment: buildDeployment(c, doc, existing, false); break;
            case K::BatchDeployment: buildDeployment(c, doc, existing, true); break;
            case K::Schedule: buildSchedule(c, doc, existing); break;
            case K::RoleAssignment: buildRoleAssignment(c, doc, existing); break;
            case K::Datastore: buildDatastore(c, doc, existing); break;
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
        // A deployment answers as it was accepted (Creating, as Azure): its provisioning thread
        // may already have moved it on, which the status polls then say. Other kinds answer what
        // the store holds (an endpoint's scoring URI is filled in by refreshEndpoint).
        const auto stored = c.kind->k == K::OnlineDeployment ? std::nullopt : m_store->resource(r.id);
        ApiResponse response = ApiResponse::fromJson(existing ? 200 : 201, publicView(stored ? stored->doc : r.doc));
        // As Azure: a workspace's PUT and PATCH, and an endpoint's or deployment's PATCH, answer
        // 202 without a body; the resource is read once the operation says Succeeded.
        const bool accepted = c.kind->k == K::Workspace ||
                              (method == "PATCH" && (c.kind->k == K::OnlineEndpoint || c.kind->k == K::OnlineDeployment ||
                                                     c.kind->k == K::BatchEndpoint || c.kind->k == K::BatchDeployment));
        if (accepted)
            response = ApiResponse{202, {}, {}};
        if (c.kind->longRunning)
            addAsyncHeaders(c, response, QStringLiteral("put"));
        else if (!existing && c.kind->k != K::Job && kindName.startsWith(QLatin1String("microsoft.machinelearningservices/workspaces/")))
            // A new asset version, container or datastore: 201 with its own URL.
            response.setHeader("Location", (c.base + r.id + QStringLiteral("?api-version=") + apiVersion).toUtf8());
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

