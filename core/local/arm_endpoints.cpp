// ARM routes of the local workspace: online and batch endpoints and their deployments.

#include "core/azure/batch_defaults.h"
#include "core/local/arm_resource.h"
#include "core/local/deployment_host.h"
#include "core/local/iso_duration.h"
#include "core/local/job_runner.h"
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

// The largest sku.capacity the skus action offers (Azure's managed endpoints offer 50).
constexpr int kMaxLocalInstances = 50;

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

} // namespace

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
                                           QString::fromLatin1(azure::kBatchOutputFileName));
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

ApiResponse endpointAction(Ctx &c, const QString &action, const Json &body, const std::optional<StoredResource> &existing)
{
    const auto is = [&](const char *name) { return isAction(action, name); };
    switch (c.kind->k) {
    case K::OnlineEndpoint:
        if (is("listKeys")) {
            const StoredResource &ep = requireExisting(c, existing);
            // As Azure: an endpoint without key authentication answers null keys, never its stored ones.
            if (q(ep.doc["properties"], "authMode") != QLatin1String("Key"))
                return ApiResponse::fromJson(200, Json{{"primaryKey", nullptr}, {"secondaryKey", nullptr}});
            return ApiResponse::fromJson(200, ep.doc["_local"]["keys"]);
        }
        if (is("regenerateKeys")) {
            requireExisting(c, existing);
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
            const StoredResource &ep = requireExisting(c, existing);
            if (q(ep.doc["properties"], "authMode") == QLatin1String("Key"))
                throw Failure{400, QStringLiteral("BadRequest"),
                              QStringLiteral("Endpoint '%1' uses key authentication; use its keys.").arg(c.name)};
            // AMLToken and AADToken endpoints (Azure answers both): the endpoint's own token,
            // which scores this endpoint and opens nothing else.
            const QString token = c.svc.issueToken(Audience::onlineEndpoint(ep.id));
            const qint64 now = Store::nowMs() / 1000;
            const qint64 lifetime = c.svc.options().tokenLifetime.count();
            return ApiResponse::fromJson(200, Json{{"accessToken", s(token)},
                                                   {"tokenType", "Bearer"},
                                                   {"expiryTimeUtc", now + lifetime},
                                                   {"refreshAfterTimeUtc", now + lifetime / 2}});
        }
        break;
    case K::OnlineDeployment:
        if (is("skus") && c.req.method == "GET") {
            requireExisting(c, existing);
            // What a deployment may scale to: the local host runs as many instances as asked.
            return ApiResponse::fromJson(
                200, Json{{"value",
                           Json::array({{{"resourceType", "Microsoft.MachineLearning.Services/endpoints/deployments"},
                                         {"sku", {{"name", "default"}, {"tier", "Standard"}}},
                                         {"capacity", {{"minimum", 1}, {"maximum", kMaxLocalInstances}, {"default", 1}, {"scaleType", "Automatic"}}}}})}});
        }
        if (is("getLogs")) {
            const StoredResource &d = requireExisting(c, existing);
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
    noSuchAction(c, action);
}

} // namespace cerulean::local::armr
