// The REST surface as plain functions: every contract example's request answered with a
// response carrying the example's fields and types; errors, paging, long-running headers,
// identity, blob storage and MLflow.

#include "local_test_util.h"

#include "core/local/job_runner.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QUrlQuery>

using namespace cerulean::local;
using namespace cerulean::local::test;

namespace {

const char *kV = "2025-12-01/examples/";

bool sameType(const Json &a, const Json &b)
{
    if (a.is_number() && b.is_number())
        return true;
    return a.type() == b.type();
}

// Every listed field of the example exists in ours with the same JSON type.
void expectShape(const Json &ours, const Json &example, const std::vector<std::string> &pointers, const std::string &what)
{
    for (const std::string &p : pointers) {
        const Json::json_pointer ptr(p);
        ASSERT_TRUE(example.contains(ptr)) << what << ": the example has no " << p;
        ASSERT_TRUE(ours.contains(ptr)) << what << ": missing " << p << " in " << ours.dump();
        if (!example[ptr].is_null()) {
            EXPECT_TRUE(sameType(ours[ptr], example[ptr]))
                << what << ": " << p << " is " << ours[ptr].type_name() << ", the example has " << example[ptr].type_name();
        }
    }
}

Json body200(const Json &example, const char *status = "200") { return example["responses"][status]["body"]; }

class Routes : public ServiceFixture
{
protected:
    void SetUp() override { openService(false); }

    // Uploads the small CSV to the default datastore and registers it as data asset "small:1".
    void uploadData()
    {
        const auto ds = call("GET", m_ws + QStringLiteral("/datastores/workspaceblobstore"));
        ASSERT_EQ(ds.status, 200) << ds.body.toStdString();
        const Json p = ds.json()["properties"];
        QFile f(QStringLiteral(CERULEAN_SOURCE_DIR "/tests/data/local/small.csv"));
        ASSERT_TRUE(f.open(QIODevice::ReadOnly));
        const QString blobPath = QStringLiteral("/blob/%1/%2/UI/small.csv")
                                     .arg(QString::fromStdString(p["accountName"]), QString::fromStdString(p["containerName"]));
        const auto put = raw("PUT", blobPath, f.readAll(), {{"x-ms-blob-type", "BlockBlob"}});
        ASSERT_EQ(put.status, 201) << put.body.toStdString();
        const auto dv = call("PUT", m_ws + QStringLiteral("/data/small/versions/1"),
                             Json{{"properties", {{"dataType", "uri_file"},
                                                  {"dataUri", "azureml://datastores/workspaceblobstore/paths/UI/small.csv"}}}});
        ASSERT_EQ(dv.status, 201) << dv.body.toStdString();
    }

    void createCompute(const QString &name, int maxNodes)
    {
        const auto r = call("PUT", m_ws + QStringLiteral("/computes/") + name,
                            Json{{"location", "local"},
                                 {"properties", {{"computeType", "AmlCompute"},
                                                 {"properties", {{"vmSize", "STANDARD_DS3_V2"},
                                                                 {"scaleSettings", {{"maxNodeCount", maxNodes}, {"minNodeCount", 0}}}}}}}});
        ASSERT_EQ(r.status, 201) << r.body.toStdString();
    }

    Json autoMlJob(const QString &compute = QStringLiteral("cpu"))
    {
        return Json{{"properties",
                     {{"jobType", "AutoML"},
                      {"computeId", QString(m_ws + QStringLiteral("/computes/") + compute).toStdString()},
                      {"experimentName", "bank"},
                      {"taskDetails",
                       {{"taskType", "Classification"},
                        {"primaryMetric", "AUC_weighted"},
                        {"targetColumnName", "y"},
                        {"trainingData", {{"jobInputType", "mltable"}, {"uri", "azureml:small:1"}}},
                        {"limitSettings", {{"maxTrials", 3}, {"maxConcurrentTrials", 2}, {"timeout", "PT1M"}}}}}}}};
    }
};

} // namespace

TEST_F(Routes, ContractExamplesAnswerWithTheirFieldsAndTypes)
{
    ASSERT_EQ(call("PUT", m_rg, Json{{"location", "local"}}, QStringLiteral("2025-04-01")).status, 201);

    // Workspace: the example's own request body.
    const Json wsCreate = mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/create.json"));
    auto r = call("PUT", m_ws, wsCreate["parameters"]["parameters"]);
    // Azure answers 202 without a body and both headers at workspaceOperationsStatus.
    ASSERT_EQ(r.status, 202) << r.body.toStdString();
    EXPECT_TRUE(r.body.isEmpty());
    EXPECT_TRUE(r.header("Azure-AsyncOperation").contains("/workspaceOperationsStatus/"));
    EXPECT_TRUE(r.header("Location").endsWith("&type=location"));
    const QUrl wsStatus(QString::fromLatin1(r.header("Azure-AsyncOperation")));
    EXPECT_EQ(raw("GET", wsStatus.path() + QLatin1Char('?') + wsStatus.query(), {}).json(),
              (Json{{"status", "Succeeded"}, {"percentComplete", 100.0}}));
    r = call("GET", m_ws);
    expectShape(r.json(), body200(wsCreate),
                {"/id", "/name", "/type", "/location", "/identity/type", "/properties/storageAccount", "/properties/keyVault",
                 "/properties/applicationInsights", "/properties/friendlyName", "/properties/discoveryUrl",
                 "/properties/hbiWorkspace", "/properties/publicNetworkAccess", "/properties/description"},
                "Workspaces_CreateOrUpdate");
    r = call("GET", m_ws);
    ASSERT_EQ(r.status, 200);
    expectShape(r.json(), body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/get.json"))),
                {"/id", "/name", "/type", "/location", "/properties/friendlyName", "/properties/storageAccount",
                 "/properties/applicationInsights", "/properties/discoveryUrl", "/properties/privateLinkCount"},
                "Workspaces_Get");
    EXPECT_TRUE(r.json()["properties"]["mlFlowTrackingUri"].is_string());
    r = call("POST", m_ws + QStringLiteral("/listKeys"));
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    expectShape(r.json(), body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/listKeys.json"))),
                {"/userStorageArmId", "/userStorageKey", "/containerRegistryCredentials/passwords", "/notebookAccessKeys"},
                "Workspaces_ListKeys");

    // Compute.
    const Json computeCreate = mlExample(QString::fromLatin1(kV) + QStringLiteral("Compute/createOrUpdate/BasicAmlCompute.json"));
    r = call("PUT", m_ws + QStringLiteral("/computes/cpu"), computeCreate["parameters"]["parameters"]);
    ASSERT_EQ(r.status, 201) << r.body.toStdString();
    EXPECT_FALSE(r.header("Azure-AsyncOperation").isEmpty());
    expectShape(r.json(), body200(computeCreate, "201"),
                {"/id", "/name", "/type", "/location", "/properties/computeType", "/properties/provisioningState"},
                "Compute_CreateOrUpdate");
    r = call("GET", m_ws + QStringLiteral("/computes/cpu"));
    expectShape(r.json(), body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Compute/get/AmlCompute.json"))),
                {"/id", "/properties/computeType", "/properties/provisioningState", "/properties/createdOn",
                 "/properties/properties/vmSize", "/properties/properties/scaleSettings/maxNodeCount",
                 "/properties/properties/scaleSettings/minNodeCount", "/properties/properties/scaleSettings/nodeIdleTimeBeforeScaleDown",
                 "/properties/properties/allocationState", "/properties/properties/currentNodeCount",
                 "/properties/properties/nodeStateCounts/idleNodeCount", "/properties/properties/nodeStateCounts/runningNodeCount"},
                "Compute_Get");
    const Json updateScale = mlExample(QString::fromLatin1(kV) + QStringLiteral("Compute/createOrUpdate/AmlCompute.json"));
    r = call("PUT", m_ws + QStringLiteral("/computes/cpu"), updateScale["parameters"]["parameters"]);
    EXPECT_EQ(r.status, 200) << r.body.toStdString();

    // Data container and version (examples' bodies).
    const Json dcCreate = mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/DataContainer/createOrUpdate.json"));
    r = call("PUT", m_ws + QStringLiteral("/data/datacontainer123"), dcCreate["parameters"]["body"]);
    ASSERT_EQ(r.status, 201) << r.body.toStdString();
    expectShape(r.json(), body200(dcCreate, "201"),
                {"/id", "/name", "/type", "/properties/dataType", "/properties/description", "/properties/tags", "/systemData/createdAt"},
                "DataContainers_CreateOrUpdate");
    expectShape(call("GET", m_ws + QStringLiteral("/data/datacontainer123")).json(),
                body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/DataContainer/get.json"))),
                {"/id", "/name", "/properties/dataType"}, "DataContainers_Get");
    const Json dvCreate = mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/DataVersionBase/createOrUpdate.json"));
    r = call("PUT", m_ws + QStringLiteral("/data/datacontainer123/versions/1"), dvCreate["parameters"]["body"]);
    ASSERT_EQ(r.status, 201) << r.body.toStdString();
    expectShape(r.json(), body200(dvCreate, "201"),
                {"/id", "/name", "/type", "/properties/dataType", "/properties/dataUri", "/properties/isAnonymous",
                 "/systemData/createdAt"},
                "DataVersions_CreateOrUpdate");
    expectShape(call("GET", m_ws + QStringLiteral("/data/datacontainer123/versions/1")).json(),
                body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/DataVersionBase/get.json"))),
                {"/properties/dataType", "/properties/dataUri"}, "DataVersions_Get");

    // AutoML job (tabular body; the spec example is an image task the local engine refuses).
    uploadData();
    r = call("PUT", m_ws + QStringLiteral("/jobs/job1"), autoMlJob());
    ASSERT_EQ(r.status, 201) << r.body.toStdString();
    const Json jobGet = body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Job/AutoMLJob/get.json")));
    const std::vector<std::string> jobFields{"/id", "/name", "/type", "/properties/status", "/properties/jobType",
                                             "/properties/experimentName", "/properties/displayName", "/properties/computeId",
                                             "/properties/services", "/properties/isArchived", "/properties/taskDetails/taskType",
                                             "/properties/taskDetails/targetColumnName", "/properties/taskDetails/trainingData/uri",
                                             "/properties/outputs", "/systemData/createdAt"};
    expectShape(call("GET", m_ws + QStringLiteral("/jobs/job1")).json(), jobGet, jobFields, "Jobs_Get");
    const Json list = call("GET", m_ws + QStringLiteral("/jobs")).json();
    ASSERT_EQ(list["value"].size(), 1u);
    expectShape(list["value"][0], body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Job/AutoMLJob/list.json")))["value"][0],
                jobFields, "Jobs_List");
    r = call("POST", m_ws + QStringLiteral("/jobs/job1/cancel"));
    EXPECT_EQ(r.status, 202);
    EXPECT_FALSE(r.header("Location").isEmpty());

    // Pipeline job (the example's body).
    const Json pipeline = mlExample(QString::fromLatin1(kV) + QStringLiteral("Job/PipelineJob/createOrUpdate.json"));
    // Its placeholders made real: a compute that exists and one step (Azure, too, refuses a
    // pipeline without steps).
    Json pipelineBody = pipeline["parameters"]["body"];
    pipelineBody["properties"]["computeId"] = QString(m_ws + QStringLiteral("/computes/cpu")).toStdString();
    pipelineBody["properties"]["jobs"] = {{"hello", {{"type", "command"}, {"command", "echo ${{inputs.x}}"},
                                                     {"inputs", {{"x", "${{parent.inputs.string}}"}}}}}};
    r = call("PUT", m_ws + QStringLiteral("/jobs/pipe1"), pipelineBody);
    ASSERT_EQ(r.status, 201) << r.body.toStdString();
    expectShape(call("GET", m_ws + QStringLiteral("/jobs/pipe1")).json(),
                body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Job/PipelineJob/get.json"))),
                {"/properties/status", "/properties/jobType", "/properties/settings", "/properties/inputs", "/properties/outputs",
                 "/properties/experimentName"},
                "Jobs_Get (Pipeline)");

    // Model version (the example's body).
    const Json model = mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/ModelVersion/createOrUpdate.json"));
    r = call("PUT", m_ws + QStringLiteral("/models/bankmodel/versions/1"), model["parameters"]["body"]);
    ASSERT_EQ(r.status, 201) << r.body.toStdString();
    expectShape(r.json(), body200(model, "201"),
                {"/id", "/name", "/properties/modelUri", "/properties/modelType", "/properties/flavors", "/properties/isAnonymous"},
                "ModelVersions_CreateOrUpdate");
    expectShape(call("GET", m_ws + QStringLiteral("/models/bankmodel/versions/1")).json(),
                body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/ModelVersion/get.json"))),
                {"/properties/modelUri", "/properties/modelType"}, "ModelVersions_Get");
    const QString modelId = m_ws + QStringLiteral("/models/bankmodel/versions/1");

    // Online endpoint (the example's body, without traffic to deployments that do not exist).
    const Json endpoint = mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/OnlineEndpoint/createOrUpdate.json"));
    Json endpointBody = endpoint["parameters"]["body"];
    endpointBody["properties"].erase("traffic");
    r = call("PUT", m_ws + QStringLiteral("/onlineEndpoints/ep-token"), endpointBody);
    ASSERT_EQ(r.status, 201) << r.body.toStdString();
    EXPECT_FALSE(r.header("Azure-AsyncOperation").isEmpty());
    const std::vector<std::string> endpointFields{"/id", "/name", "/type", "/location", "/identity/type", "/properties/authMode",
                                                  "/properties/scoringUri", "/properties/swaggerUri",
                                                  "/properties/provisioningState", "/properties/traffic", "/systemData/createdAt"};
    expectShape(r.json(), body200(endpoint, "201"), endpointFields, "OnlineEndpoints_CreateOrUpdate");
    expectShape(call("GET", m_ws + QStringLiteral("/onlineEndpoints/ep-token")).json(),
                body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/OnlineEndpoint/get.json"))), endpointFields,
                "OnlineEndpoints_Get");
    r = call("POST", m_ws + QStringLiteral("/onlineEndpoints/ep-token/token"));
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    expectShape(r.json(), body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/OnlineEndpoint/getToken.json"))),
                {"/accessToken", "/tokenType", "/expiryTimeUtc", "/refreshAfterTimeUtc"}, "OnlineEndpoints_GetToken");
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/onlineEndpoints/ep-key"), Json{{"location", "local"}, {"properties", {{"authMode", "Key"}}}}).status, 201);
    r = call("POST", m_ws + QStringLiteral("/onlineEndpoints/ep-key/listKeys"), Json(), QStringLiteral("2025-06-01"));
    ASSERT_EQ(r.status, 200);
    expectShape(r.json(), body200(mlExample(QStringLiteral("2025-06-01/examples/Workspace/OnlineEndpoint/listKeys.json"))),
                {"/primaryKey", "/secondaryKey"}, "OnlineEndpoints_ListKeys");
    const std::string oldPrimary = r.json()["primaryKey"];
    r = call("POST", m_ws + QStringLiteral("/onlineEndpoints/ep-key/regenerateKeys"), Json{{"keyType", "Primary"}});
    EXPECT_EQ(r.status, 202);
    EXPECT_NE(call("POST", m_ws + QStringLiteral("/onlineEndpoints/ep-key/listKeys")).json()["primaryKey"], oldPrimary);
    EXPECT_EQ(call("GET", m_ws + QStringLiteral("/onlineEndpoints/ep-key")).json()["properties"].count("keys"), 0u);

    // Deployment (the example's body with a real model).
    const Json deployment = mlExample(QString::fromLatin1(kV) + QStringLiteral("OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json"));
    Json deploymentBody = deployment["parameters"]["body"];
    deploymentBody["properties"]["model"] = modelId.toStdString();
    r = call("PUT", m_ws + QStringLiteral("/onlineEndpoints/ep-key/deployments/blue"), deploymentBody);
    ASSERT_EQ(r.status, 201) << r.body.toStdString();
    const std::vector<std::string> deploymentFields{"/id", "/name", "/type", "/properties/appInsightsEnabled",
                                                    "/properties/provisioningState", "/properties/instanceType", "/properties/model",
                                                    "/properties/endpointComputeType", "/properties/scaleSettings/scaleType",
                                                    "/properties/requestSettings", "/properties/livenessProbe", "/sku/capacity"};
    expectShape(r.json(), body200(deployment, "201"), deploymentFields, "OnlineDeployments_CreateOrUpdate");
    expectShape(call("GET", m_ws + QStringLiteral("/onlineEndpoints/ep-key/deployments/blue")).json(),
                body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("OnlineDeployment/ManagedOnlineDeployment/get.json"))),
                deploymentFields, "OnlineDeployments_Get");
    const Json logs = mlExample(QString::fromLatin1(kV) + QStringLiteral("OnlineDeployment/getLogs.json"));
    r = call("POST", m_ws + QStringLiteral("/onlineEndpoints/ep-key/deployments/blue/getLogs"), logs["parameters"]["body"]);
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    expectShape(r.json(), body200(logs), {"/content"}, "OnlineDeployments_GetLogs");

    // Batch endpoint and deployment (the examples' bodies, with real references).
    const Json batch = mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/BatchEndpoint/createOrUpdate.json"));
    r = call("PUT", m_ws + QStringLiteral("/batchEndpoints/batch-ep"), batch["parameters"]["body"]);
    ASSERT_EQ(r.status, 201) << r.body.toStdString();
    expectShape(call("GET", m_ws + QStringLiteral("/batchEndpoints/batch-ep")).json(),
                body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/BatchEndpoint/get.json"))),
                {"/id", "/name", "/properties/authMode", "/properties/scoringUri", "/properties/defaults/deploymentName",
                 "/location", "/identity/type"},
                "BatchEndpoints_Get");
    const Json batchDep = mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/BatchDeployment/createOrUpdate.json"));
    Json batchDepBody = batchDep["parameters"]["body"];
    batchDepBody["properties"]["compute"] = QString(m_ws + QStringLiteral("/computes/cpu")).toStdString();
    batchDepBody["properties"]["model"]["assetId"] = modelId.toStdString();
    r = call("PUT", m_ws + QStringLiteral("/batchEndpoints/batch-ep/deployments/batch-dep"), batchDepBody);
    ASSERT_EQ(r.status, 201) << r.body.toStdString();
    expectShape(call("GET", m_ws + QStringLiteral("/batchEndpoints/batch-ep/deployments/batch-dep")).json(),
                body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Workspace/BatchDeployment/get.json"))),
                {"/properties/compute", "/properties/model/assetId", "/properties/miniBatchSize", "/properties/errorThreshold",
                 "/properties/outputAction", "/properties/outputFileName", "/properties/provisioningState"},
                "BatchDeployments_Get");

    // Schedule (the example's body with a valid cron expression).
    const Json schedule = mlExample(QString::fromLatin1(kV) + QStringLiteral("Schedule/createOrUpdate.json"));
    Json scheduleBody = schedule["parameters"]["body"];
    scheduleBody["properties"]["trigger"]["expression"] = "0 6 * * 1";
    scheduleBody["properties"]["trigger"]["timeZone"] = "UTC";
    scheduleBody["properties"]["trigger"]["startTime"] = "2026-01-01T00:00:00";
    scheduleBody["properties"]["trigger"]["endTime"] = "2027-01-01T00:00:00";
    r = call("PUT", m_ws + QStringLiteral("/schedules/nightly"), scheduleBody);
    ASSERT_EQ(r.status, 201) << r.body.toStdString();
    expectShape(call("GET", m_ws + QStringLiteral("/schedules/nightly")).json(),
                body200(mlExample(QString::fromLatin1(kV) + QStringLiteral("Schedule/get.json"))),
                {"/properties/isEnabled", "/properties/trigger/triggerType", "/properties/trigger/expression",
                 "/properties/action/actionType", "/properties/provisioningState", "/properties/displayName"},
                "Schedules_Get");

    // Compute delete: long-running with both headers; the operation resolves.
    r = call("DELETE", m_ws + QStringLiteral("/onlineEndpoints/ep-key"));
    EXPECT_EQ(r.status, 202);
    createCompute(QStringLiteral("spare"), 1);
    r = call("DELETE", m_ws + QStringLiteral("/computes/spare?underlyingResourceAction=Delete"));
    ASSERT_EQ(r.status, 202);
    const QUrl status(QString::fromLatin1(r.header("Azure-AsyncOperation")));
    EXPECT_FALSE(r.header("Location").isEmpty());
    EXPECT_TRUE(r.header("Retry-After").isEmpty()); // Azure ML never sends one
    const auto op = raw("GET", status.path() + QLatin1Char('?') + status.query(), {});
    ASSERT_EQ(op.status, 200) << op.body.toStdString();
    EXPECT_EQ(op.json()["status"], "Succeeded");
    const QUrl location(QString::fromLatin1(r.header("Location")));
    // The results URL answers the finished operation's record, as Azure's mfeOperationResults do.
    const auto result = raw("GET", location.path() + QLatin1Char('?') + location.query(), {});
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.json()["status"], "Succeeded");
    EXPECT_EQ(call("DELETE", m_ws + QStringLiteral("/computes/spare")).status, 204);
}

TEST_F(Routes, MalformedBodiesGet400OnEveryRoute)
{
    createWorkspace();
    createCompute(QStringLiteral("cpu"), 2);
    uploadData();
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/onlineEndpoints/ep1"), Json{{"properties", {{"authMode", "Key"}}}}).status, 201);
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/models/m/versions/1"), Json{{"properties", {{"modelUri", "runs:/x/outputs"}}}}).status, 201);
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/onlineEndpoints/ep1/deployments/dep1"),
                   Json{{"properties", {{"model", QString(m_ws + QStringLiteral("/models/m/versions/1")).toStdString()}}}})
                  .status,
              201);
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/j1"), autoMlJob()).status, 201);

    const std::vector<std::pair<QByteArray, QString>> routes{
        {"PUT", m_rg},
        {"PUT", m_ws},
        {"POST", m_ws + QStringLiteral("/listKeys")},
        {"PUT", m_ws + QStringLiteral("/computes/cpu")},
        {"PUT", m_ws + QStringLiteral("/data/small")},
        {"PUT", m_ws + QStringLiteral("/data/small/versions/2")},
        {"PUT", m_ws + QStringLiteral("/jobs/j2")},
        {"POST", m_ws + QStringLiteral("/jobs/j1/cancel")},
        {"PUT", m_ws + QStringLiteral("/models/m")},
        {"PUT", m_ws + QStringLiteral("/models/m/versions/2")},
        {"PUT", m_ws + QStringLiteral("/onlineEndpoints/ep1")},
        {"PATCH", m_ws + QStringLiteral("/onlineEndpoints/ep1")},
        {"POST", m_ws + QStringLiteral("/onlineEndpoints/ep1/listKeys")},
        {"POST", m_ws + QStringLiteral("/onlineEndpoints/ep1/regenerateKeys")},
        {"POST", m_ws + QStringLiteral("/onlineEndpoints/ep1/token")},
        {"PUT", m_ws + QStringLiteral("/onlineEndpoints/ep1/deployments/dep1")},
        {"POST", m_ws + QStringLiteral("/onlineEndpoints/ep1/deployments/dep1/getLogs")},
        {"PUT", m_ws + QStringLiteral("/batchEndpoints/b1")},
        {"PUT", m_ws + QStringLiteral("/batchEndpoints/b1/deployments/bd1")},
        {"PUT", m_ws + QStringLiteral("/schedules/s1")},
        {"POST", m_ws + QStringLiteral("/datastores/workspaceblobstore/listSecrets")},
        {"PUT", m_rg + QStringLiteral("/providers/Microsoft.Authorization/roleAssignments/") + newGuid()},
    };
    const std::vector<QByteArray> badBodies{"{not json", "[1,2]", "\"text\"", "{\"properties\": \"x\"}",
                                            "{\"properties\": {\"properties\": 5, \"traffic\": [], \"taskDetails\": 1}}",
                                            "{\"location\": 5, \"tags\": \"t\"}"};
    for (const auto &[method, path] : routes) {
        for (const QByteArray &bad : badBodies) {
            const ApiResponse r = raw(method, path + QStringLiteral("?api-version=2025-12-01"), bad);
            // A body that parses but says nothing wrong for an action is fine; every other
            // answer must be a 4xx ARM error, never a 5xx.
            EXPECT_LT(r.status, 500) << method.toStdString() << " " << path.toStdString() << " " << bad.toStdString();
            if (bad == "{not json" || bad == "[1,2]" || bad == "\"text\"") {
                EXPECT_EQ(r.status, 400) << method.toStdString() << " " << path.toStdString() << " " << bad.toStdString()
                                         << " -> " << r.body.toStdString();
                EXPECT_TRUE(r.json()["error"]["code"].is_string()) << r.body.toStdString();
                EXPECT_TRUE(r.json()["error"]["message"].is_string());
            }
        }
    }
    // The other surfaces: MLflow, App Insights, Graph, token.
    EXPECT_EQ(raw("POST", QStringLiteral("/mlflow/v1.0") + m_ws + QStringLiteral("/api/2.0/mlflow/runs/search"), "{oops").status, 400);
    EXPECT_EQ(raw("POST", QStringLiteral("/graph/v1.0/applications"), "{oops").status, 400);
    const QString appId = m_service->appInsightsAppId(m_ws);
    EXPECT_EQ(raw("POST", QStringLiteral("/appinsights/v1/apps/") + appId + QStringLiteral("/query"), "{oops").status, 400);
    EXPECT_EQ(raw("POST", QStringLiteral("/appinsights/v1/apps/") + appId + QStringLiteral("/query"), "{\"query\": 3}").status, 400);
    EXPECT_EQ(m_service->handle(makeRequest("POST", QLatin1Char('/') + m_service->tenantId() + QStringLiteral("/oauth2/v2.0/token"), "%%%garbage")).status, 400);
}

TEST_F(Routes, ErrorsAreArmShaped)
{
    // No token, a bad token.
    EXPECT_EQ(m_service->handle(makeRequest("GET", m_sub + QStringLiteral("?api-version=2022-01-01"))).status, 401);
    const auto bad = m_service->handle(makeRequest("GET", m_sub + QStringLiteral("?api-version=2022-01-01"), {},
                                                   {{"Authorization", "Bearer nope"}}));
    EXPECT_EQ(bad.status, 401);
    EXPECT_EQ(bad.json()["error"]["code"], "InvalidAuthenticationToken");
    EXPECT_FALSE(bad.header("WWW-Authenticate").isEmpty());
    // api-version missing or malformed.
    EXPECT_EQ(call("GET", m_sub, Json(), QString()).json()["error"]["code"], "MissingApiVersionParameter");
    EXPECT_EQ(call("GET", m_sub, Json(), QStringLiteral("latest")).json()["error"]["code"], "InvalidApiVersionParameter");
    // Unknown subscription, resource group, resource, parent.
    EXPECT_EQ(call("GET", QStringLiteral("/subscriptions/other")).status, 404);
    EXPECT_EQ(call("GET", m_ws).json()["error"]["code"], "ResourceGroupNotFound");
    createWorkspace();
    const auto missing = call("GET", m_ws + QStringLiteral("/computes/none"));
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.json()["error"]["code"], "ResourceNotFound");
    EXPECT_EQ(call("PUT", m_ws + QStringLiteral("/onlineEndpoints/nope/deployments/d"), Json{{"properties", Json::object()}}).json()["error"]["code"],
              "ParentResourceNotFound");
    // Names by Azure's rules.
    for (const QString &badName : {QStringLiteral("1starts-with-digit"), QStringLiteral("ends-with-"), QStringLiteral("ab"),
                               QStringLiteral("has_underscore"), QString(40, QLatin1Char('a'))}) {
        const auto r = call("PUT", m_ws + QStringLiteral("/onlineEndpoints/") + badName, Json{{"properties", {{"authMode", "Key"}}}});
        EXPECT_EQ(r.status, 400) << badName.toStdString();
        EXPECT_EQ(r.json()["error"]["code"], "InvalidResourceName");
    }
    EXPECT_EQ(call("PUT", m_ws + QStringLiteral("/computes/x_y"), Json{{"properties", {{"computeType", "AmlCompute"}}}}).status, 400);
    // Unknown compute and a missing target column: 400 UserError naming them.
    createCompute(QStringLiteral("cpu"), 2);
    uploadData();
    Json job = autoMlJob(QStringLiteral("gpu"));
    auto r = call("PUT", m_ws + QStringLiteral("/jobs/j1"), job);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("gpu"), std::string::npos);
    job = autoMlJob();
    job["properties"]["taskDetails"]["targetColumnName"] = "nope";
    r = call("PUT", m_ws + QStringLiteral("/jobs/j1"), job);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("nope"), std::string::npos);
    // 409: versions are immutable; a compute running a job cannot be deleted.
    r = call("PUT", m_ws + QStringLiteral("/data/small/versions/1"),
             Json{{"properties", {{"dataType", "uri_file"}, {"dataUri", "azureml://datastores/workspaceblobstore/paths/other.csv"}}}});
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(r.json()["error"]["code"], "Conflict");
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/j1"), autoMlJob()).status, 201);
    EXPECT_EQ(call("DELETE", m_ws + QStringLiteral("/computes/cpu")).status, 409);
    // Traffic must name existing deployments and add up to 100.
    r = call("PUT", m_ws + QStringLiteral("/onlineEndpoints/ep1"), Json{{"properties", {{"authMode", "Key"}, {"traffic", {{"blue", 100}}}}}});
    EXPECT_EQ(r.status, 400);
}

TEST_F(Routes, ListsPageWithNextLink)
{
    ServiceOptions options;
    options.root = m_dir.path();
    options.startWorkers = false;
    options.pageSize = 2;
    m_service = std::make_unique<LocalService>(options);
    ASSERT_TRUE(m_service->open(nullptr));
    m_token = m_service->issueToken();
    createWorkspace();
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/models/m%1").arg(i), Json{{"properties", Json::object()}}).status, 201);
    QStringList names;
    QString next = m_ws + QStringLiteral("/models?api-version=2025-12-01");
    int pages = 0;
    while (!next.isEmpty() && pages < 10) {
        const auto r = raw("GET", next, {});
        ASSERT_EQ(r.status, 200) << r.body.toStdString();
        const Json page = r.json();
        for (const auto &v : page["value"])
            names << QString::fromStdString(v["name"]);
        next.clear();
        if (r.json().contains("nextLink")) {
            const QUrl url(QString::fromStdString(r.json()["nextLink"]));
            next = url.path() + QLatin1Char('?') + url.query();
        }
        ++pages;
    }
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(names, (QStringList{QStringLiteral("m0"), QStringLiteral("m1"), QStringLiteral("m2"), QStringLiteral("m3"), QStringLiteral("m4")}));
}

TEST_F(Routes, TokenEndpointGraphAndRoleAssignments)
{
    const LocalPrincipal sp = m_service->builtInPrincipal();
    const QString tokenPath = QLatin1Char('/') + sp.tenantId + QStringLiteral("/oauth2/v2.0/token");
    const auto form = [](const QString &id, const QString &secret) {
        QUrlQuery q;
        q.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("client_credentials"));
        q.addQueryItem(QStringLiteral("client_id"), id);
        q.addQueryItem(QStringLiteral("client_secret"), QString::fromLatin1(QUrl::toPercentEncoding(secret)));
        q.addQueryItem(QStringLiteral("scope"), QStringLiteral("https%3A%2F%2Fmanagement.azure.com%2F.default"));
        return q.toString(QUrl::FullyEncoded).toUtf8();
    };
    auto r = m_service->handle(makeRequest("POST", tokenPath, form(sp.clientId, sp.clientSecret)));
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    EXPECT_EQ(r.json()["token_type"], "Bearer");
    EXPECT_GT(r.json()["expires_in"].get<int>(), 3000);
    const std::string token = r.json()["access_token"];
    EXPECT_EQ(m_service->handle(makeRequest("GET", QStringLiteral("/subscriptions?api-version=2022-12-01"), {},
                                            {{"Authorization", QByteArray("Bearer ") + token.c_str()}}))
                  .status,
              200);
    r = m_service->handle(makeRequest("POST", tokenPath, form(sp.clientId, QStringLiteral("wrong"))));
    EXPECT_EQ(r.status, 401);
    EXPECT_NE(r.json()["error_description"].get<std::string>().find("AADSTS7000215"), std::string::npos);

    // Graph: application, service principal, password; the new principal signs in.
    r = raw("POST", QStringLiteral("/graph/v1.0/applications"), R"({"displayName":"cerulean-sp"})");
    ASSERT_EQ(r.status, 201);
    const std::string objectId = r.json()["id"], appId = r.json()["appId"];
    EXPECT_EQ(raw("GET", QStringLiteral("/graph/v1.0/applications?$filter=displayName%20eq%20'cerulean-sp'"), {}).json()["value"].size(), 1u);
    ASSERT_EQ(raw("POST", QStringLiteral("/graph/v1.0/servicePrincipals"), QByteArray::fromStdString(Json{{"appId", appId}}.dump())).status, 201);
    EXPECT_EQ(raw("POST", QStringLiteral("/graph/v1.0/servicePrincipals"), QByteArray::fromStdString(Json{{"appId", appId}}.dump())).status, 409);
    r = raw("POST", QStringLiteral("/graph/v1.0/applications/%1/addPassword").arg(QString::fromStdString(objectId)),
            R"({"passwordCredential":{"displayName":"cli"}})");
    ASSERT_EQ(r.status, 200);
    const QString secret = QString::fromStdString(r.json()["secretText"]);
    EXPECT_FALSE(raw("GET", QStringLiteral("/graph/v1.0/applications/%1").arg(QString::fromStdString(objectId)), {}).body.contains(secret.toUtf8()));
    EXPECT_EQ(m_service->handle(makeRequest("POST", tokenPath, form(QString::fromStdString(appId), secret))).status, 200);
    // An expired secret: AADSTS7000222.
    r = raw("POST", QStringLiteral("/graph/v1.0/applications/%1/addPassword").arg(QString::fromStdString(objectId)),
            R"({"passwordCredential":{"displayName":"old","endDateTime":"2020-01-01T00:00:00Z"}})");
    const QString expired = QString::fromStdString(r.json()["secretText"]);
    r = m_service->handle(makeRequest("POST", tokenPath, form(QString::fromStdString(appId), expired)));
    EXPECT_EQ(r.status, 401);
    EXPECT_NE(r.json()["error_description"].get<std::string>().find("AADSTS7000222"), std::string::npos);

    // Role assignment on the workspace scope (the spec example's body shape).
    createWorkspace();
    const Json ra = readJson(sharedDir() + QStringLiteral("/azure-contract/specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/examples/RoleAssignments_CreateForResource.json"));
    Json raBody = ra["parameters"]["parameters"];
    raBody["properties"]["principalId"] = appId;
    const QString raPath = m_ws + QStringLiteral("/providers/Microsoft.Authorization/roleAssignments/") + newGuid();
    r = call("PUT", raPath, raBody, QStringLiteral("2022-04-01"));
    ASSERT_EQ(r.status, 201) << r.body.toStdString();
    expectShape(r.json(), ra["responses"]["201"]["body"],
                {"/id", "/name", "/type", "/properties/roleDefinitionId", "/properties/principalId", "/properties/scope"},
                "RoleAssignments_Create");
    EXPECT_EQ(call("PUT", m_ws + QStringLiteral("/providers/Microsoft.Authorization/roleAssignments/") + newGuid(), raBody,
                   QStringLiteral("2022-04-01"))
                  .json()["error"]["code"],
              "RoleAssignmentExists");
    EXPECT_EQ(call("GET", m_ws + QStringLiteral("/providers/Microsoft.Authorization/roleAssignments"), Json(), QStringLiteral("2022-04-01"))
                  .json()["value"]
                  .size(),
              1u);
}

TEST_F(Routes, BlobBlocksAndSharedKey)
{
    createWorkspace();
    const Json ds = call("GET", m_ws + QStringLiteral("/datastores/workspaceblobstore")).json()["properties"];
    const QString account = QString::fromStdString(ds["accountName"]);
    const QString container = QString::fromStdString(ds["containerName"]);
    const QString blob = QStringLiteral("/blob/%1/%2/dir/big.csv").arg(account, container);
    const auto b64 = [](const char *s) { return QString::fromLatin1(QByteArray(s).toBase64()); };
    ASSERT_EQ(raw("PUT", blob + QStringLiteral("?comp=block&blockid=") + QString::fromLatin1(QUrl::toPercentEncoding(b64("block-000"))), "hello ").status, 201);
    ASSERT_EQ(raw("PUT", blob + QStringLiteral("?comp=block&blockid=") + QString::fromLatin1(QUrl::toPercentEncoding(b64("block-001"))), "world").status, 201);
    const QByteArray list = QStringLiteral("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>%1</Latest><Latest>%2</Latest></BlockList>")
                                .arg(b64("block-000"), b64("block-001"))
                                .toUtf8();
    ASSERT_EQ(raw("PUT", blob + QStringLiteral("?comp=blocklist"), list).status, 201);
    auto r = raw("GET", blob, {});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello world");
    r = raw("GET", blob, {}, {{"x-ms-range", "bytes=6-10"}});
    EXPECT_EQ(r.status, 206);
    EXPECT_EQ(r.body, "world");
    EXPECT_EQ(raw("PUT", blob + QStringLiteral("?comp=blocklist"), "<BlockList><Latest>bm9wZQ==</Latest></BlockList>").status, 400);
    EXPECT_EQ(raw("GET", QStringLiteral("/blob/%1/%2/none").arg(account, container), {}).header("x-ms-error-code"), "BlobNotFound");

    // Shared Key with the account key from listSecrets, as the Azure SDKs sign it.
    const std::string key = call("POST", m_ws + QStringLiteral("/datastores/workspaceblobstore/listSecrets")).json()["key"];
    const QByteArray date = "Sat, 28 Nov 2026 01:00:00 GMT";
    const QByteArray body = "a,b\n1,2\n";
    const QString canonical = QStringLiteral("/%1/%2/signed.csv").arg(account, container);
    const QByteArray toSign = "PUT\n\n\n" + QByteArray::number(body.size()) + "\n\n\n\n\n\n\n\n\nx-ms-blob-type:BlockBlob\nx-ms-date:" + date +
                              "\nx-ms-version:2023-11-03\n" + canonical.toUtf8();
    const QByteArray signature = QMessageAuthenticationCode::hash(toSign, QByteArray::fromBase64(QByteArray::fromStdString(key)),
                                                                  QCryptographicHash::Sha256)
                                     .toBase64();
    const HeaderList signedHeaders{{"x-ms-blob-type", "BlockBlob"}, {"x-ms-date", date}, {"x-ms-version", "2023-11-03"},
                                   {"Content-Length", QByteArray::number(body.size())},
                                   {"Authorization", "SharedKey " + account.toUtf8() + ':' + signature}};
    r = m_service->handle(makeRequest("PUT", QStringLiteral("/blob/%1/%2/signed.csv").arg(account, container), body, signedHeaders));
    EXPECT_EQ(r.status, 201) << r.body.toStdString();
    HeaderList forged = signedHeaders;
    forged.last().second = "SharedKey " + account.toUtf8() + ":AAAA";
    EXPECT_EQ(m_service->handle(makeRequest("PUT", QStringLiteral("/blob/%1/%2/signed.csv").arg(account, container), body, forged)).status, 403);
    EXPECT_EQ(m_service->handle(makeRequest("GET", blob)).status, 401);
}

TEST_F(Routes, MlflowRunsSearchHistoryAndArtifacts)
{
    createWorkspace();
    Store &store = m_service->store();
    const QString exp = store.experimentId(QStringLiteral("bank"), true);
    RunRecord parent;
    parent.runId = QStringLiteral("job1");
    parent.experimentId = exp;
    parent.tags = {{"automl_best_child_run_id", "job1_1"}};
    store.putRun(parent);
    for (int i = 0; i < 3; ++i) {
        RunRecord child;
        child.runId = QStringLiteral("job1_%1").arg(i);
        child.experimentId = exp;
        child.parentRunId = QStringLiteral("job1");
        child.status = QStringLiteral("FINISHED");
        child.startTimeMs = 1000 + i;
        child.tags = {{"mlflow.parentRunId", "job1"}, {"run_algorithm", "XGBoostClassifier"}};
        store.putRun(child);
        store.logMetric(child.runId, {QStringLiteral("AUC_weighted"), 0.8 + 0.05 * (i == 1 ? 2 : i), 0, 5});
    }
    writeRunArtifact(store, QStringLiteral("job1_1"), QStringLiteral("confusion_matrix"), R"({"schema_type":"confusion_matrix"})");
    const QString base = QStringLiteral("/mlflow/v1.0") + m_ws + QStringLiteral("/api/2.0/mlflow/");
    auto r = raw("GET", base + QStringLiteral("experiments/get-by-name?experiment_name=bank"), {});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["experiment"]["experiment_id"], exp.toStdString());
    r = raw("POST", base + QStringLiteral("runs/search"),
            QByteArray::fromStdString(Json{{"experiment_ids", {exp.toStdString()}},
                                           {"filter", "tags.mlflow.parentRunId = 'job1'"},
                                           {"order_by", {"metrics.AUC_weighted DESC"}},
                                           {"max_results", 2}}
                                          .dump()));
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    ASSERT_EQ(r.json()["runs"].size(), 2u);
    EXPECT_EQ(r.json()["runs"][0]["info"]["run_id"], "job1_1");
    EXPECT_EQ(r.json()["next_page_token"], "2");
    EXPECT_EQ(raw("POST", base + QStringLiteral("runs/search"), R"({"filter":"tags.x ~ 3"})").status, 400);
    r = raw("GET", base + QStringLiteral("runs/get?run_id=job1"), {});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["run"]["data"]["tags"][0]["key"], "automl_best_child_run_id");
    r = raw("GET", base + QStringLiteral("metrics/get-history?run_id=job1_2&metric_key=AUC_weighted"), {});
    ASSERT_EQ(r.json()["metrics"].size(), 1u);
    r = raw("GET", base + QStringLiteral("artifacts/list?run_id=job1_1"), {});
    ASSERT_EQ(r.json()["files"].size(), 1u);
    EXPECT_EQ(r.json()["files"][0]["path"], "confusion_matrix");
    r = raw("GET", QStringLiteral("/mlflow/v1.0") + m_ws + QStringLiteral("/get-artifact?run_id=job1_1&path=confusion_matrix"), {});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"schema_type":"confusion_matrix"})");
    EXPECT_EQ(raw("GET", base + QStringLiteral("artifacts/get?run_id=job1_1&path=../../x"), {}).status, 400);
    EXPECT_EQ(raw("GET", base + QStringLiteral("runs/get?run_id=missing"), {}).status, 404);
}

// The built-in principal's secret is never stored: the database keeps its hash, a plain-text
// secret left by an older build is removed, and each process serving the root makes its own.
TEST_F(Routes, BuiltInPrincipalSecretIsKeptOnlyAsAHash)
{
    const LocalPrincipal first = m_service->builtInPrincipal();
    EXPECT_GE(first.clientSecret.size(), 30);
    EXPECT_FALSE(m_service->store().setting(QStringLiteral("principal.secret")).has_value());
    EXPECT_EQ(m_service->store().setting(QStringLiteral("principal.secretHash")).value_or(QString()), sha256Hex(first.clientSecret));
    m_service->store().setSetting(QStringLiteral("principal.secret"), QStringLiteral("left-by-an-older-build"));
    m_service.reset();
    openService(false);
    const LocalPrincipal second = m_service->builtInPrincipal();
    EXPECT_EQ(second.clientId, first.clientId) << "the principal is the root's; only its secret is new";
    EXPECT_NE(second.clientSecret, first.clientSecret);
    EXPECT_FALSE(m_service->store().setting(QStringLiteral("principal.secret")).has_value());
    const QString database = m_service->store().databasePath();
    for (const QString &path : QStringList{database, database + QStringLiteral("-wal")}) {
        QFile file(path);
        if (file.open(QIODevice::ReadOnly)) {
            EXPECT_FALSE(file.readAll().contains(second.clientSecret.toUtf8())) << path.toStdString();
        }
    }
    const auto token = [&](const QString &secret) {
        const QString form = QStringLiteral("grant_type=client_credentials&scope=https%3A%2F%2Fmanagement.azure.com%2F.default") +
                             QStringLiteral("&client_id=") + second.clientId + QStringLiteral("&client_secret=") +
                             QString::fromLatin1(QUrl::toPercentEncoding(secret));
        return m_service->handle(makeRequest("POST", QLatin1Char('/') + second.tenantId + QStringLiteral("/oauth2/v2.0/token"), form.toUtf8()))
            .status;
    };
    EXPECT_EQ(token(second.clientSecret), 200);
    EXPECT_EQ(token(first.clientSecret), 401);
}
