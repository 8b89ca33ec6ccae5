// Contract tests: every example file listed in azure-contract/INDEX.md is used here (or in
// pipeline_test / identity_test / operation_test), either as the request the client must
// build (method, path, api-version, body field by field) or as a response it must parse into
// typed objects. tests/azure/CONTRACT.md maps each operation to its test.
#include "core/azure/requests.h"
#include "core/azure/resources.h"
#include "core/azure/identity.h"
#include "tests/azure/test_support.h"

#include <QUrlQuery>

#include <gtest/gtest.h>

using namespace cerulean::azure;
using namespace cerulean::azure::test;
using nlohmann::json;

namespace {

const Cloud azure = Cloud::azure();

struct Example
{
    json doc;
    json params;
    json body; // the request body ("parameters"/"body" key), if any

    const json &response(const char *status) const { return doc.at("responses").at(status).at("body"); }
    QByteArray responseBytes(const char *status) const { return dumpJson(response(status)); }
    QString param(const char *name) const { return QString::fromStdString(params[name].get<std::string>()); }
    WorkspaceRef ws() const { return {param("subscriptionId"), param("resourceGroupName"), param("workspaceName")}; }
};

Example ml(const char *relative)
{
    Example example;
    example.doc = loadJson(mlExamples() + QLatin1String(relative));
    EXPECT_TRUE(example.doc.is_object()) << relative;
    example.params = example.doc["parameters"];
    for (const char *key : {"parameters", "body"}) {
        if (example.params.contains(key) && example.params[key].is_object())
            example.body = example.params[key];
    }
    return example;
}

Example other(const QString &relative)
{
    Example example;
    example.doc = loadJson(sharedDir() + QStringLiteral("/azure-contract/") + relative);
    EXPECT_TRUE(example.doc.is_object()) << relative.toStdString();
    if (example.doc.contains("parameters")) {
        example.params = example.doc["parameters"];
        for (const char *key : {"parameters", "body"}) {
            if (example.params.contains(key) && example.params[key].is_object())
                example.body = example.params[key];
        }
    }
    return example;
}

void expectRequest(const HttpRequest &request, const char *method, const QString &path, const char *apiVersion)
{
    EXPECT_EQ(request.method, QByteArray(method));
    EXPECT_EQ(request.url.host(), QStringLiteral("management.azure.com"));
    EXPECT_EQ(request.url.path(), path);
    EXPECT_EQ(QUrlQuery(request.url).queryItemValue(QStringLiteral("api-version")), QLatin1String(apiVersion));
}

json bodyOf(const HttpRequest &request)
{
    return json::parse(request.body.constBegin(), request.body.constEnd());
}

// Field by field: each JSON pointer has the same value in our body and in the example's.
void expectSameFields(const json &ours, const json &example, std::initializer_list<const char *> pointers)
{
    for (const char *pointer : pointers) {
        const json::json_pointer p(pointer);
        ASSERT_TRUE(example.contains(p)) << "example lacks " << pointer;
        ASSERT_TRUE(ours.contains(p)) << "our body lacks " << pointer;
        EXPECT_EQ(ours.at(p), example.at(p)) << pointer;
    }
}

QString s(const json &value)
{
    return QString::fromStdString(value.get<std::string>());
}

} // namespace

// --- Workspace --------------------------------------------------------------------------------
TEST(Contract, WorkspaceCreate)
{
    const Example ex = ml("Workspace/create.json");
    const json &p = ex.body["properties"];
    WorkspaceSpec spec;
    spec.name = ex.param("workspaceName");
    spec.location = s(ex.body["location"]);
    spec.friendlyName = s(p["friendlyName"]);
    spec.description = s(p["description"]);
    spec.storageAccount = s(p["storageAccount"]);
    spec.keyVault = s(p["keyVault"]);
    spec.applicationInsights = s(p["applicationInsights"]);
    spec.containerRegistry = s(p["containerRegistry"]);
    const HttpRequest request = requests::createWorkspace(azure, ex.param("subscriptionId"), ex.param("resourceGroupName"), spec);
    expectRequest(request, "PUT", ex.ws().armId(), "2025-12-01");
    expectSameFields(bodyOf(request), ex.body,
                     {"/location", "/properties/friendlyName", "/properties/description", "/properties/storageAccount",
                      "/properties/keyVault", "/properties/applicationInsights", "/properties/containerRegistry"});
    const auto workspace = parseWorkspace(ex.responseBytes("200"));
    ASSERT_TRUE(workspace.ok()) << workspace.error().toString().toStdString();
    EXPECT_EQ(workspace->name, QStringLiteral("testworkspace"));
    EXPECT_EQ(workspace->location, QStringLiteral("eastus2euap"));
    EXPECT_EQ(workspace->storageAccount, s(ex.response("200")["properties"]["storageAccount"]));
}

TEST(Contract, WorkspaceGet)
{
    const Example ex = ml("Workspace/get.json");
    expectRequest(requests::getWorkspace(azure, ex.ws()), "GET", ex.ws().armId(), "2025-12-01");
    const auto workspace = parseWorkspace(ex.responseBytes("200"));
    ASSERT_TRUE(workspace.ok());
    const json &p = ex.response("200")["properties"];
    EXPECT_EQ(workspace->name, QStringLiteral("testworkspace"));
    EXPECT_EQ(workspace->friendlyName, QStringLiteral("HelloName"));
    EXPECT_EQ(workspace->description, QStringLiteral("test description"));
    EXPECT_EQ(workspace->keyVault, s(p["keyVault"]));
    EXPECT_EQ(workspace->applicationInsights, s(p["applicationInsights"]));
    EXPECT_EQ(workspace->containerRegistry, s(p["containerRegistry"]));
    EXPECT_EQ(workspace->discoveryUrl, QStringLiteral("http://example.com"));
}

TEST(Contract, WorkspaceListKeys)
{
    const Example ex = ml("Workspace/listKeys.json");
    expectRequest(requests::listWorkspaceKeys(azure, ex.ws()), "POST", ex.ws().armId() + QStringLiteral("/listKeys"), "2025-12-01");
    const auto keys = parseWorkspaceKeys(ex.responseBytes("200"));
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(keys->userStorageArmId, s(ex.response("200")["userStorageArmId"]));
    EXPECT_EQ(keys->containerRegistryUser, QStringLiteral("testdemoworkjmjmeykp"));
    EXPECT_TRUE(keys->userStorageKey.isEmpty()); // null in the example
}

TEST(Contract, ResourceGroupCreate)
{
    const Example ex = other(QStringLiteral("specification/resources/resource-manager/Microsoft.Resources/stable/2025-04-01/examples/CreateResourceGroup.json"));
    const HttpRequest request = requests::createResourceGroup(azure, ex.param("subscriptionId"), ex.param("resourceGroupName"),
                                                              s(ex.body["location"]));
    expectRequest(request, "PUT", QStringLiteral("/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/my-resource-group"),
                  "2025-04-01");
    EXPECT_EQ(bodyOf(request), ex.body);
    for (const char *status : {"200", "201"}) {
        const auto group = parseResourceGroup(ex.responseBytes(status));
        ASSERT_TRUE(group.ok());
        EXPECT_EQ(group->name, QStringLiteral("my-resource-group"));
        EXPECT_EQ(group->location, QStringLiteral("eastus"));
        EXPECT_EQ(group->provisioningState, QStringLiteral("Succeeded"));
    }
}

// --- Compute ----------------------------------------------------------------------------------
TEST(Contract, ComputeCreateBasic)
{
    const Example ex = ml("Compute/createOrUpdate/BasicAmlCompute.json");
    const json &aml = ex.body["properties"]["properties"];
    ComputeSpec spec;
    spec.name = ex.param("computeName");
    spec.location = s(ex.body["location"]);
    spec.vmSize = s(aml["vmSize"]);
    spec.vmPriority = s(aml["vmPriority"]);
    spec.minNodeCount = aml["scaleSettings"]["minNodeCount"].get<int>();
    spec.maxNodeCount = aml["scaleSettings"]["maxNodeCount"].get<int>();
    spec.idleSecondsBeforeScaleDown = 300; // PT5M
    const HttpRequest request = requests::createCompute(azure, ex.ws(), spec);
    expectRequest(request, "PUT", ex.ws().armId() + QStringLiteral("/computes/compute123"), "2025-12-01");
    json ours = bodyOf(request);
    expectSameFields(ours, ex.body,
                     {"/location", "/properties/computeType", "/properties/properties/vmSize", "/properties/properties/vmPriority",
                      "/properties/properties/scaleSettings/maxNodeCount", "/properties/properties/scaleSettings/minNodeCount"});
    // Same duration, our form is seconds: PT300S == PT5M.
    EXPECT_EQ(ours["properties"]["properties"]["scaleSettings"]["nodeIdleTimeBeforeScaleDown"], "PT300S");
    const auto created = parseCompute(ex.responseBytes("201"));
    ASSERT_TRUE(created.ok());
    EXPECT_EQ(created->provisioningState, QStringLiteral("Creating"));
    EXPECT_EQ(created->computeType, QStringLiteral("AmlCompute"));
}

TEST(Contract, ComputeCreateUpdateScaleSettings)
{
    const Example ex = ml("Compute/createOrUpdate/AmlCompute.json");
    ComputeSpec spec;
    spec.name = ex.param("computeName");
    spec.location = QStringLiteral("eastus");
    spec.description = QStringLiteral("some compute");
    spec.minNodeCount = 4;
    spec.maxNodeCount = 4;
    const json ours = bodyOf(requests::createCompute(azure, ex.ws(), spec));
    expectSameFields(ours, ex.body,
                     {"/location", "/properties/computeType", "/properties/description",
                      "/properties/properties/scaleSettings/maxNodeCount", "/properties/properties/scaleSettings/minNodeCount"});
    for (const char *status : {"200", "201"})
        EXPECT_TRUE(parseCompute(ex.responseBytes(status)).ok()) << status;
}

TEST(Contract, ComputeGet)
{
    const Example ex = ml("Compute/get/AmlCompute.json");
    expectRequest(requests::getCompute(azure, ex.ws(), ex.param("computeName")), "GET",
                  ex.ws().armId() + QStringLiteral("/computes/compute123"), "2025-12-01");
    const auto compute = parseCompute(ex.responseBytes("200"));
    ASSERT_TRUE(compute.ok());
    EXPECT_EQ(compute->name, QStringLiteral("compute123"));
    EXPECT_EQ(compute->location, QStringLiteral("eastus2"));
    EXPECT_EQ(compute->description, QStringLiteral("some compute"));
    EXPECT_EQ(compute->provisioningState, QStringLiteral("Succeeded"));
    EXPECT_EQ(compute->vmSize, QStringLiteral("STANDARD_NC6"));
    EXPECT_EQ(compute->vmPriority, QStringLiteral("Dedicated"));
    EXPECT_EQ(compute->minNodeCount, 0);
    EXPECT_EQ(compute->maxNodeCount, 1);
    EXPECT_EQ(compute->idleTimeBeforeScaleDown, QStringLiteral("PT5M"));
    EXPECT_EQ(compute->allocationState, QStringLiteral("Resizing"));
    EXPECT_EQ(compute->targetNodeCount, 1);
}

TEST(Contract, ComputeDelete)
{
    const Example ex = ml("Compute/delete.json");
    const HttpRequest request = requests::deleteCompute(azure, ex.ws(), ex.param("computeName"));
    expectRequest(request, "DELETE", ex.ws().armId() + QStringLiteral("/computes/compute123"), "2025-12-01");
    EXPECT_EQ(QUrlQuery(request.url).queryItemValue(QStringLiteral("underlyingResourceAction")), ex.param("underlyingResourceAction"));
}

// --- Data -------------------------------------------------------------------------------------
TEST(Contract, DataContainerCreateAndGet)
{
    const Example ex = ml("Workspace/DataContainer/createOrUpdate.json");
    const HttpRequest request = requests::createDataContainer(azure, ex.ws(), ex.param("name"), s(ex.body["properties"]["dataType"]),
                                                              s(ex.body["properties"]["description"]));
    expectRequest(request, "PUT", ex.ws().armId() + QStringLiteral("/data/datacontainer123"), "2025-12-01");
    expectSameFields(bodyOf(request), ex.body, {"/properties/dataType", "/properties/description"});
    for (const char *status : {"200", "201"}) {
        const auto container = parseDataContainer(ex.responseBytes(status));
        ASSERT_TRUE(container.ok());
        EXPECT_EQ(container->name, QStringLiteral("datacontainer123"));
        EXPECT_EQ(container->dataType, QStringLiteral("UriFile"));
    }
    const Example get = ml("Workspace/DataContainer/get.json");
    expectRequest(requests::getDataContainer(azure, get.ws(), get.param("name")), "GET",
                  get.ws().armId() + QStringLiteral("/data/datacontainer123"), "2025-12-01");
    const auto container = parseDataContainer(get.responseBytes("200"));
    ASSERT_TRUE(container.ok());
    EXPECT_EQ(container->description, QStringLiteral("string"));
}

TEST(Contract, DataVersionCreateAndGet)
{
    const Example ex = ml("Workspace/DataVersionBase/createOrUpdate.json");
    DataVersionSpec spec;
    spec.name = ex.param("name");
    spec.version = ex.param("version");
    spec.dataType = s(ex.body["properties"]["dataType"]);
    spec.dataUri = s(ex.body["properties"]["dataUri"]);
    spec.description = s(ex.body["properties"]["description"]);
    spec.properties.insert(QStringLiteral("string"), QStringLiteral("string"));
    const HttpRequest request = requests::createDataVersion(azure, ex.ws(), spec);
    expectRequest(request, "PUT", ex.ws().armId() + QStringLiteral("/data/string/versions/string"), "2025-12-01");
    expectSameFields(bodyOf(request), ex.body,
                     {"/properties/dataType", "/properties/dataUri", "/properties/description", "/properties/properties",
                      "/properties/isAnonymous"});
    const auto created = parseDataVersion(ex.responseBytes("201"));
    ASSERT_TRUE(created.ok());
    EXPECT_EQ(created->dataType, QStringLiteral("uri_file"));
    const Example get = ml("Workspace/DataVersionBase/get.json");
    expectRequest(requests::getDataVersion(azure, get.ws(), get.param("name"), get.param("version")), "GET",
                  get.ws().armId() + QStringLiteral("/data/%1/versions/%2").arg(get.param("name"), get.param("version")),
                  "2025-12-01");
    const auto version = parseDataVersion(get.responseBytes("200"));
    ASSERT_TRUE(version.ok()) << version.error().toString().toStdString();
    EXPECT_EQ(version->dataUri, s(get.response("200")["properties"]["dataUri"]));

    // mltable: the shape the swagger's MLTableData defines (no stored example).
    spec.dataType = QStringLiteral("mltable");
    spec.referencedUris = {QStringLiteral("azureml://datastores/workspaceblobstore/paths/bank/train.csv")};
    const json mltable = bodyOf(requests::createDataVersion(azure, ex.ws(), spec));
    EXPECT_EQ(mltable["properties"]["dataType"], "mltable");
    EXPECT_EQ(mltable["properties"]["referencedUris"][0], "azureml://datastores/workspaceblobstore/paths/bank/train.csv");
}

// --- Jobs -------------------------------------------------------------------------------------
TEST(Contract, AutoMLClassificationJobFollowsTheQuickstartTemplateAndSpec)
{
    const Example ex = ml("Job/AutoMLJob/createOrUpdate.json");
    const json tmpl = loadJson(sharedDir() + QStringLiteral(
        "/azure-contract/_repos/Azure/azure-quickstart-templates/quickstarts/microsoft.machinelearningservices/"
        "machine-learning-job-create-automl-classification-job/azuredeploy.json"));
    ASSERT_TRUE(tmpl.is_object());
    json job;
    for (const json &resource : tmpl["resources"]) {
        if (resource["type"] == "Microsoft.MachineLearningServices/workspaces/jobs")
            job = resource["properties"];
    }
    ASSERT_TRUE(job.is_object());
    const json &task = job["taskDetails"];
    AutoMLClassificationSpec spec;
    spec.name = ex.param("id");
    spec.experimentName = s(ex.body["properties"]["experimentName"]);
    spec.computeId = s(ex.body["properties"]["computeId"]);
    spec.displayName = s(ex.body["properties"]["displayName"]);
    spec.description = s(ex.body["properties"]["description"]);
    spec.targetColumnName = s(task["targetColumnName"]);
    spec.primaryMetric = s(task["primaryMetric"]);
    spec.trainingDataUri = s(task["trainingData"]["uri"]);
    spec.nCrossValidations = task["nCrossValidations"]["value"].get<int>();
    // The template's trainingSettings come from its parameter's default value.
    const json &training = tmpl["parameters"]["trainingSettings"]["defaultValue"];
    spec.enableVoteEnsemble = training["enableVoteEnsemble"].get<bool>();
    spec.enableStackEnsemble = training["enableStackEnsemble"].get<bool>();
    const HttpRequest request = requests::createAutoMLClassificationJob(azure, ex.ws(), spec);
    expectRequest(request, "PUT", ex.ws().armId() + QStringLiteral("/jobs/string"), "2025-12-01");
    const json ours = bodyOf(request);
    // Against the spec example: the job envelope.
    expectSameFields(ours, ex.body, {"/properties/jobType", "/properties/experimentName", "/properties/computeId",
                                     "/properties/displayName", "/properties/description",
                                     "/properties/taskDetails/trainingData/jobInputType"});
    // Against the quickstart template: the tabular classification task.
    json templateBody{{"properties", {{"taskDetails", task}}}};
    expectSameFields(ours, templateBody,
                     {"/properties/taskDetails/taskType", "/properties/taskDetails/primaryMetric",
                      "/properties/taskDetails/targetColumnName", "/properties/taskDetails/trainingData/uri",
                      "/properties/taskDetails/logVerbosity", "/properties/taskDetails/nCrossValidations",
                      "/properties/taskDetails/featurizationSettings"});
    for (const char *key : {"enableVoteEnsemble", "enableStackEnsemble", "enableOnnxCompatibleModels", "enableModelExplainability"})
        EXPECT_EQ(ours["properties"]["taskDetails"]["trainingSettings"][key], training[key]) << key;
    // Held-out shares and test data go as the REST spec's ClassificationTask names them.
    spec.validationDataSize = 0.2;
    spec.testDataUri = QStringLiteral("azureml:bank-test:1");
    spec.testDataSize = 0;
    const json shares = bodyOf(requests::createAutoMLClassificationJob(azure, ex.ws(), spec))["properties"]["taskDetails"];
    EXPECT_DOUBLE_EQ(shares["validationDataSize"].get<double>(), 0.2);
    EXPECT_EQ(shares["testData"]["uri"], "azureml:bank-test:1");
    EXPECT_EQ(shares["testData"]["jobInputType"], "mltable");
    EXPECT_FALSE(shares.contains("testDataSize")) << "an unset share is not sent";
    EXPECT_FALSE(ours["properties"]["taskDetails"].contains("validationDataSize"));
    // The template's 2022 preview spelled the input type "MLTable"; the 2025 spec enum is "mltable".
    EXPECT_EQ(QString::fromStdString(ours["properties"]["taskDetails"]["trainingData"]["jobInputType"].get<std::string>()).toLower(),
              QString::fromStdString(task["trainingData"]["jobInputType"].get<std::string>()).toLower());
    for (const char *limit : {"maxTrials", "maxConcurrentTrials", "timeout", "trialTimeout", "enableEarlyTermination"})
        EXPECT_TRUE(ours["properties"]["taskDetails"]["limitSettings"].contains(limit)) << limit;
    for (const char *status : {"200", "201"}) {
        const auto parsed = parseJob(ex.responseBytes(status));
        ASSERT_TRUE(parsed.ok());
        EXPECT_EQ(parsed->jobType, QStringLiteral("AutoML"));
    }
}

TEST(Contract, JobGetListCancel)
{
    const Example get = ml("Job/AutoMLJob/get.json");
    expectRequest(requests::getJob(azure, get.ws(), get.param("id")), "GET", get.ws().armId() + QStringLiteral("/jobs/string"),
                  "2025-12-01");
    const auto job = parseJob(get.responseBytes("200"));
    ASSERT_TRUE(job.ok());
    EXPECT_EQ(job->status, QStringLiteral("Scheduled"));
    EXPECT_EQ(job->jobType, QStringLiteral("AutoML"));
    EXPECT_EQ(job->taskType, QStringLiteral("ImageClassification"));
    EXPECT_EQ(job->trainingDataUri, QStringLiteral("string"));
    EXPECT_EQ(job->serviceEndpoints.value(QStringLiteral("string")), QStringLiteral("string"));
    EXPECT_FALSE(job->isTerminal());

    const Example list = ml("Job/AutoMLJob/list.json");
    expectRequest(requests::listJobs(azure, list.ws()), "GET", list.ws().armId() + QStringLiteral("/jobs"), "2025-12-01");
    const auto page = parsePage<Job>(list.responseBytes("200"), &parseJob);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->items.size(), 1);
    EXPECT_TRUE(page->nextLink.isEmpty());

    const Example cancel = ml("Job/cancel.json");
    const HttpRequest request = requests::cancelJob(azure, cancel.ws(), cancel.param("id"));
    expectRequest(request, "POST", cancel.ws().armId() + QStringLiteral("/jobs/string/cancel"), "2025-12-01");
    EXPECT_TRUE(request.body.isEmpty());
}

TEST(Contract, PipelineJobCreateAndGet)
{
    const Example ex = ml("Job/PipelineJob/createOrUpdate.json");
    const json &p = ex.body["properties"];
    PipelineJobSpec spec;
    spec.name = ex.param("id");
    spec.displayName = s(p["displayName"]);
    spec.description = s(p["description"]);
    spec.experimentName = s(p["experimentName"]);
    spec.computeId = s(p["computeId"]);
    spec.inputs.insert(QStringLiteral("string"), QStringLiteral("string"));
    const HttpRequest request = requests::createPipelineJob(azure, ex.ws(), spec);
    expectRequest(request, "PUT", ex.ws().armId() + QStringLiteral("/jobs/string"), "2025-12-01");
    expectSameFields(bodyOf(request), ex.body,
                     {"/properties/jobType", "/properties/displayName", "/properties/description", "/properties/experimentName",
                      "/properties/computeId", "/properties/settings", "/properties/inputs/string/jobInputType",
                      "/properties/inputs/string/value"});
    ASSERT_TRUE(parseJob(ex.responseBytes("201")).ok());
    const Example get = ml("Job/PipelineJob/get.json");
    const auto job = parseJob(get.responseBytes("200"));
    ASSERT_TRUE(job.ok());
    EXPECT_EQ(job->jobType, QStringLiteral("Pipeline"));
    EXPECT_EQ(job->outputs.value(QStringLiteral("string")), QStringLiteral("string"));
}

// --- Models -----------------------------------------------------------------------------------
TEST(Contract, ModelVersionCreateAndGet)
{
    const Example ex = ml("Workspace/ModelVersion/createOrUpdate.json");
    ModelSpec spec;
    spec.name = ex.param("name");
    spec.version = ex.param("version");
    spec.modelType = s(ex.body["properties"]["modelType"]);
    spec.modelUri = s(ex.body["properties"]["modelUri"]);
    spec.description = s(ex.body["properties"]["description"]);
    spec.properties.insert(QStringLiteral("string"), QStringLiteral("string"));
    const HttpRequest request = requests::createModelVersion(azure, ex.ws(), spec);
    expectRequest(request, "PUT", ex.ws().armId() + QStringLiteral("/models/string/versions/string"), "2025-12-01");
    expectSameFields(bodyOf(request), ex.body,
                     {"/properties/modelType", "/properties/modelUri", "/properties/description", "/properties/properties",
                      "/properties/isAnonymous"});
    ASSERT_TRUE(parseModel(ex.responseBytes("200")).ok());
    const Example get = ml("Workspace/ModelVersion/get.json");
    const auto model = parseModel(get.responseBytes("200"));
    ASSERT_TRUE(model.ok());
    EXPECT_EQ(model->modelUri, s(get.response("200")["properties"]["modelUri"]));
    EXPECT_EQ(model->modelType, s(get.response("200")["properties"]["modelType"]));
}

// --- Online endpoints -------------------------------------------------------------------------
TEST(Contract, OnlineEndpointCreateGetKeysToken)
{
    const Example ex = ml("Workspace/OnlineEndpoint/createOrUpdate.json");
    OnlineEndpointSpec spec;
    spec.name = ex.param("endpointName");
    spec.location = s(ex.body["location"]);
    spec.description = s(ex.body["properties"]["description"]);
    spec.authMode = s(ex.body["properties"]["authMode"]);
    spec.traffic.insert(QStringLiteral("string"), 1);
    const HttpRequest request = requests::createOnlineEndpoint(azure, ex.ws(), spec);
    expectRequest(request, "PUT", ex.ws().armId() + QStringLiteral("/onlineEndpoints/testEndpointName"), "2025-12-01");
    expectSameFields(bodyOf(request), ex.body,
                     {"/location", "/properties/description", "/properties/authMode", "/properties/traffic"});
    EXPECT_EQ(requests::createOnlineEndpoint(azure, ex.ws(), OnlineEndpointSpec{}).body.contains("\"authMode\":\"Key\""), true);
    const auto created = parseOnlineEndpoint(ex.responseBytes("201"));
    ASSERT_TRUE(created.ok());
    EXPECT_EQ(created->scoringUri, QUrl(QStringLiteral("https://www.contoso.com/example")));

    const Example get = ml("Workspace/OnlineEndpoint/get.json");
    const auto endpoint = parseOnlineEndpoint(get.responseBytes("200"));
    ASSERT_TRUE(endpoint.ok());
    EXPECT_EQ(endpoint->authMode, QStringLiteral("AMLToken"));
    EXPECT_EQ(endpoint->provisioningState, QStringLiteral("Creating"));
    EXPECT_EQ(endpoint->swaggerUri, QUrl(QStringLiteral("https://www.contoso.com/example")));
    EXPECT_EQ(endpoint->traffic.value(QStringLiteral("string")), 1);

    const Example keys = ml("../../2025-06-01/examples/Workspace/OnlineEndpoint/listKeys.json");
    // We call the newest api-version; the stored example is 2025-06-01 (INDEX.md gap).
    expectRequest(requests::listEndpointKeys(azure, keys.ws(), keys.param("endpointName")), "POST",
                  keys.ws().armId() + QStringLiteral("/onlineEndpoints/testEndpointName/listKeys"), "2025-12-01");
    const auto parsedKeys = parseEndpointKeys(keys.responseBytes("200"));
    ASSERT_TRUE(parsedKeys.ok());
    EXPECT_EQ(parsedKeys->primaryKey, QStringLiteral("string"));
    EXPECT_EQ(parsedKeys->secondaryKey, QStringLiteral("string"));
    const json regenerate = bodyOf(requests::regenerateEndpointKeys(azure, keys.ws(), keys.param("endpointName"), false));
    EXPECT_EQ(regenerate, json({{"keyType", "Secondary"}}));

    const Example token = ml("Workspace/OnlineEndpoint/getToken.json");
    expectRequest(requests::getEndpointToken(azure, token.ws(), token.param("endpointName")), "POST",
                  token.ws().armId() + QStringLiteral("/onlineEndpoints/testEndpointName/token"), "2025-12-01");
    const auto parsedToken = parseEndpointToken(token.responseBytes("200"));
    ASSERT_TRUE(parsedToken.ok());
    EXPECT_EQ(parsedToken->expiryTimeUtc, 1);
}

TEST(Contract, OnlineDeploymentCreateGetLogs)
{
    const Example ex = ml("OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json");
    const json &p = ex.body["properties"];
    OnlineDeploymentSpec spec;
    spec.endpointName = ex.param("endpointName");
    spec.name = ex.param("deploymentName");
    spec.location = s(ex.body["location"]);
    spec.model = s(p["model"]);
    spec.instanceType = s(p["instanceType"]);
    spec.instanceCount = ex.body["sku"]["capacity"].get<int>();
    spec.appInsightsEnabled = p["appInsightsEnabled"].get<bool>();
    spec.description = s(p["description"]);
    spec.environmentId = s(p["environmentId"]);
    spec.codeId = s(p["codeConfiguration"]["codeId"]);
    spec.scoringScript = s(p["codeConfiguration"]["scoringScript"]);
    const HttpRequest request = requests::createOnlineDeployment(azure, ex.ws(), spec);
    expectRequest(request, "PUT", ex.ws().armId() + QStringLiteral("/onlineEndpoints/testEndpointName/deployments/testDeploymentName"),
                  "2025-12-01");
    expectSameFields(bodyOf(request), ex.body,
                     {"/location", "/properties/model", "/properties/instanceType", "/properties/appInsightsEnabled",
                      "/properties/endpointComputeType", "/properties/scaleSettings", "/properties/description",
                      "/properties/environmentId", "/properties/codeConfiguration", "/sku/capacity"});
    ASSERT_TRUE(parseOnlineDeployment(ex.responseBytes("201")).ok());

    const Example get = ml("OnlineDeployment/ManagedOnlineDeployment/get.json");
    const auto deployment = parseOnlineDeployment(get.responseBytes("200"));
    ASSERT_TRUE(deployment.ok());
    EXPECT_EQ(deployment->endpointComputeType, QStringLiteral("Managed"));
    EXPECT_EQ(deployment->instanceCount, 1);
    EXPECT_FALSE(deployment->appInsightsEnabled);
    EXPECT_EQ(deployment->provisioningState, QStringLiteral("Creating"));

    const Example logs = ml("OnlineDeployment/getLogs.json");
    const HttpRequest logsRequest = requests::getDeploymentLogs(azure, logs.ws(), logs.param("endpointName"),
                                                                logs.param("deploymentName"), logs.body["tail"].get<int>(),
                                                                s(logs.body["containerType"]));
    expectRequest(logsRequest, "POST", logs.ws().armId() + QStringLiteral("/onlineEndpoints/testEndpoint/deployments/testDeployment/getLogs"),
                  "2025-12-01");
    EXPECT_EQ(bodyOf(logsRequest), logs.body);
    const auto content = parseDeploymentLogs(logs.responseBytes("200"));
    ASSERT_TRUE(content.ok());
    EXPECT_EQ(content.value(), QStringLiteral("string"));
}

// --- Batch and schedules ----------------------------------------------------------------------
TEST(Contract, BatchEndpointAndDeployment)
{
    const Example ex = ml("Workspace/BatchEndpoint/createOrUpdate.json");
    const HttpRequest request = requests::createBatchEndpoint(azure, ex.ws(), ex.param("endpointName"), s(ex.body["location"]),
                                                              s(ex.body["properties"]["description"]),
                                                              s(ex.body["properties"]["defaults"]["deploymentName"]));
    expectRequest(request, "PUT", ex.ws().armId() + QStringLiteral("/batchEndpoints/testEndpointName"), "2025-12-01");
    expectSameFields(bodyOf(request), ex.body, {"/location", "/properties/description", "/properties/defaults"});
    ASSERT_TRUE(parseBatchEndpoint(ex.responseBytes("201")).ok());
    const Example get = ml("Workspace/BatchEndpoint/get.json");
    const auto endpoint = parseBatchEndpoint(get.responseBytes("200"));
    ASSERT_TRUE(endpoint.ok());
    EXPECT_EQ(endpoint->defaultDeployment, QStringLiteral("string"));
    EXPECT_EQ(endpoint->scoringUri, QUrl(QStringLiteral("https://www.contoso.com/example")));

    const Example dep = ml("Workspace/BatchDeployment/createOrUpdate.json");
    const json &p = dep.body["properties"];
    BatchDeploymentSpec spec;
    spec.endpointName = dep.param("endpointName");
    spec.name = dep.param("deploymentName");
    spec.location = s(dep.body["location"]);
    spec.compute = s(p["compute"]);
    spec.modelId = s(p["model"]["assetId"]);
    spec.description = s(p["description"]);
    spec.errorThreshold = p["errorThreshold"].get<int>();
    spec.miniBatchSize = p["miniBatchSize"].get<int>();
    spec.maxConcurrencyPerInstance = p["maxConcurrencyPerInstance"].get<int>();
    spec.outputAction = s(p["outputAction"]);
    spec.outputFileName = s(p["outputFileName"]);
    spec.loggingLevel = s(p["loggingLevel"]);
    spec.instanceCount = p["resources"]["instanceCount"].get<int>();
    spec.maxRetries = p["retrySettings"]["maxRetries"].get<int>();
    spec.retryTimeout = s(p["retrySettings"]["timeout"]);
    const HttpRequest depRequest = requests::createBatchDeployment(azure, dep.ws(), spec);
    expectRequest(depRequest, "PUT", dep.ws().armId() + QStringLiteral("/batchEndpoints/testEndpointName/deployments/testDeploymentName"),
                  "2025-12-01");
    expectSameFields(bodyOf(depRequest), dep.body,
                     {"/location", "/properties/compute", "/properties/model", "/properties/description",
                      "/properties/errorThreshold", "/properties/miniBatchSize", "/properties/maxConcurrencyPerInstance",
                      "/properties/outputAction", "/properties/outputFileName", "/properties/loggingLevel",
                      "/properties/retrySettings", "/properties/resources/instanceCount"});
    ASSERT_TRUE(parseBatchDeployment(dep.responseBytes("201")).ok());
    const Example depGet = ml("Workspace/BatchDeployment/get.json");
    const auto deployment = parseBatchDeployment(depGet.responseBytes("200"));
    ASSERT_TRUE(deployment.ok());
    EXPECT_EQ(deployment->errorThreshold, 1);
    EXPECT_EQ(deployment->miniBatchSize, 1);
    EXPECT_EQ(deployment->outputAction, QStringLiteral("SummaryOnly"));
    EXPECT_EQ(deployment->maxRetries, 1);
}

TEST(Contract, ScheduleCronAndRecurrence)
{
    const Example ex = ml("Schedule/createOrUpdate.json");
    const json &p = ex.body["properties"];
    ScheduleSpec spec;
    spec.name = ex.param("name");
    spec.displayName = s(p["displayName"]);
    spec.description = s(p["description"]);
    spec.isEnabled = p["isEnabled"].get<bool>();
    spec.cronExpression = s(p["trigger"]["expression"]);
    spec.timeZone = s(p["trigger"]["timeZone"]);
    spec.startTime = s(p["trigger"]["startTime"]);
    spec.endpointInvocationJson = dumpJson(p["action"]["endpointInvocationDefinition"]);
    const HttpRequest request = requests::createSchedule(azure, ex.ws(), spec);
    expectRequest(request, "PUT", ex.ws().armId() + QStringLiteral("/schedules/string"), "2025-12-01");
    expectSameFields(bodyOf(request), ex.body,
                     {"/properties/displayName", "/properties/description", "/properties/isEnabled",
                      "/properties/trigger/triggerType", "/properties/trigger/expression", "/properties/trigger/timeZone",
                      "/properties/trigger/startTime", "/properties/action"});
    // Recurrence (no stored example; the swagger's RecurrenceTrigger shape).
    ScheduleSpec recurrence = spec;
    recurrence.cronExpression.clear();
    recurrence.frequency = QStringLiteral("Day");
    recurrence.interval = 1;
    const json trigger = bodyOf(requests::createSchedule(azure, ex.ws(), recurrence))["properties"]["trigger"];
    EXPECT_EQ(trigger["triggerType"], "Recurrence");
    EXPECT_EQ(trigger["frequency"], "Day");
    EXPECT_EQ(trigger["interval"], 1);
    EXPECT_FALSE(trigger.contains("expression"));
    EXPECT_FALSE(trigger.contains("schedule")) << "no pattern given, none sent";
    // The recurrence pattern (RecurrenceSchedule: hours, minutes, weekDays, monthDays) and the
    // property bag, and both read back.
    recurrence.frequency = QStringLiteral("Week");
    recurrence.hours = {9, 17};
    recurrence.minutes = {0, 30};
    recurrence.weekDays = {QStringLiteral("Monday"), QStringLiteral("Friday")};
    recurrence.properties = {{QStringLiteral("cerulean.missedRuns"), QStringLiteral("CatchUp")}};
    const json weekly = bodyOf(requests::createSchedule(azure, ex.ws(), recurrence));
    EXPECT_EQ(weekly["properties"]["trigger"]["schedule"],
              json({{"hours", {9, 17}}, {"minutes", {0, 30}}, {"weekDays", {"Monday", "Friday"}}}));
    EXPECT_EQ(weekly["properties"]["properties"], json({{"cerulean.missedRuns", "CatchUp"}}));
    json weeklyRead = weekly;
    weeklyRead["name"] = "weekly";
    const auto readBack = parseSchedule(dumpJson(weeklyRead));
    ASSERT_TRUE(readBack.ok());
    EXPECT_EQ(readBack->hours, QList<int>({9, 17}));
    EXPECT_EQ(readBack->minutes, QList<int>({0, 30}));
    EXPECT_EQ(readBack->weekDays, QStringList({QStringLiteral("Monday"), QStringLiteral("Friday")}));
    EXPECT_EQ(readBack->properties.value(QStringLiteral("cerulean.missedRuns")), QStringLiteral("CatchUp"));

    const Example get = ml("Schedule/get.json");
    const auto schedule = parseSchedule(get.responseBytes("200"));
    ASSERT_TRUE(schedule.ok());
    EXPECT_EQ(schedule->triggerType, QStringLiteral("Cron"));
    EXPECT_EQ(schedule->actionType, QStringLiteral("InvokeBatchEndpoint"));
    EXPECT_FALSE(schedule->isEnabled);
    EXPECT_EQ(schedule->provisioningState, QStringLiteral("Creating"));
    ASSERT_TRUE(parseSchedule(ex.responseBytes("201")).ok());
}

// Traffic and schedule enable/disable: the resource as GET returned it, PUT back with the one
// change, is the createOrUpdate example's body (the read-only fields dropped).
TEST(Contract, SetTrafficAndEnableScheduleSendTheResourceBackWithTheChange)
{
    const Example create = ml("Workspace/OnlineEndpoint/createOrUpdate.json");
    const Example get = ml("Workspace/OnlineEndpoint/get.json");
    auto request = requests::setEndpointTraffic(azure, create.ws(), create.param("endpointName"), get.responseBytes("200"),
                                                {{QStringLiteral("string"), 1}});
    ASSERT_TRUE(request.ok()) << request.error().toString().toStdString();
    expectRequest(request.value(), "PUT", create.ws().armId() + QStringLiteral("/onlineEndpoints/testEndpointName"), "2025-12-01");
    EXPECT_EQ(bodyOf(request.value()), create.body);
    auto split = requests::setEndpointTraffic(azure, create.ws(), create.param("endpointName"), get.responseBytes("200"),
                                              {{QStringLiteral("blue"), 90}, {QStringLiteral("green"), 10}});
    ASSERT_TRUE(split.ok());
    EXPECT_EQ(bodyOf(split.value())["properties"]["traffic"], json({{"blue", 90}, {"green", 10}}));
    EXPECT_FALSE(requests::setEndpointTraffic(azure, create.ws(), QStringLiteral("e"), "[]", {}).ok());

    const Example schedule = ml("Schedule/createOrUpdate.json");
    const Example scheduleGet = ml("Schedule/get.json");
    for (const bool enabled : {true, false}) {
        auto put = requests::setScheduleEnabled(azure, schedule.ws(), schedule.param("name"), scheduleGet.responseBytes("200"), enabled);
        ASSERT_TRUE(put.ok()) << put.error().toString().toStdString();
        expectRequest(put.value(), "PUT", schedule.ws().armId() + QStringLiteral("/schedules/string"), "2025-12-01");
        const json body = bodyOf(put.value());
        EXPECT_EQ(body["properties"]["isEnabled"], enabled);
        expectSameFields(body, schedule.body,
                         {"/properties/description", "/properties/tags", "/properties/properties", "/properties/displayName",
                          "/properties/trigger", "/properties/action/actionType"});
        EXPECT_EQ(body.size(), schedule.body.size()) << body.dump();
        EXPECT_EQ(body["properties"].size(), schedule.body["properties"].size()) << body.dump();
    }
}

// Batch invocation: POST to the endpoint's scoring URI with the input, the deployment header
// when one is named.
TEST(Contract, InvokeBatchEndpoint)
{
    const QUrl scoring(QStringLiteral("https://bank-batch.eastus.inference.ml.azure.com/jobs"));
    const HttpRequest request = requests::invokeBatchEndpoint(scoring, QStringLiteral("azureml:bank-test:1"), false, QStringLiteral("blue"));
    EXPECT_EQ(request.method, QByteArray("POST"));
    EXPECT_EQ(request.url, scoring);
    EXPECT_EQ(request.headers.value("azureml-model-deployment"), QByteArray("blue"));
    EXPECT_EQ(bodyOf(request),
              json({{"properties", {{"InputData", {{"input_data", {{"JobInputType", "UriFile"}, {"Uri", "azureml:bank-test:1"}}}}}}}}));
    EXPECT_TRUE(requests::invokeBatchEndpoint(scoring, QStringLiteral("x"), true).headers.value("azureml-model-deployment").isEmpty());
}

// --- Role assignments ------------------------------------------------------------------------
TEST(Contract, RoleAssignments)
{
    for (const char *file : {"RoleAssignments_CreateForResourceGroup.json", "RoleAssignments_CreateForResource.json"}) {
        const Example ex = other(QStringLiteral("specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/examples/")
                                 + QLatin1String(file));
        const json &p = ex.body["properties"];
        const QString roleDefinitionId = s(p["roleDefinitionId"]);
        const QString subscription = roleDefinitionId.section(QLatin1Char('/'), 2, 2);
        const HttpRequest request = requests::createRoleAssignment(azure, ex.param("scope"), ex.param("roleAssignmentName"),
                                                                   subscription, roleDefinitionId.section(QLatin1Char('/'), -1),
                                                                   s(p["principalId"]), s(p["principalType"]));
        expectRequest(request, "PUT",
                      QLatin1Char('/') + ex.param("scope") + QStringLiteral("/providers/Microsoft.Authorization/roleAssignments/")
                          + ex.param("roleAssignmentName"),
                      "2022-04-01");
        EXPECT_EQ(bodyOf(request), ex.body) << file;
        const auto assignment = parseRoleAssignment(ex.responseBytes("201"));
        ASSERT_TRUE(assignment.ok());
        EXPECT_EQ(assignment->principalId, s(p["principalId"]));
        EXPECT_TRUE(assignment->roleDefinitionId.endsWith(roleDefinitionId.section(QLatin1Char('/'), -1)));
    }
}

// --- Graph ------------------------------------------------------------------------------------
TEST(Contract, GraphApplicationServicePrincipalPassword)
{
    const QString dir = QStringLiteral("_docs/microsoftgraph/microsoft-graph-docs-contrib/api-reference/v1.0/api/");
    const Example app = other(dir + QStringLiteral("application-post-applications.json"));
    const HttpRequest appRequest = requests::createApplication(azure, s(app.doc["request"]["body"]["displayName"]));
    EXPECT_EQ(appRequest.method, "POST");
    EXPECT_EQ(appRequest.url.toString(), s(app.doc["request"]["url"]));
    EXPECT_EQ(bodyOf(appRequest), app.doc["request"]["body"]);
    const auto parsedApp = parseGraphApplication(dumpJson(app.doc["responses"]["201"]["body"]));
    ASSERT_TRUE(parsedApp.ok());
    EXPECT_EQ(parsedApp->appId, QStringLiteral("631a96bc-a705-4eda-9f99-fdaf9f54f6a2"));
    EXPECT_EQ(parsedApp->id, QStringLiteral("03ef14b0-ca33-4840-8f4f-d6e91916010e"));

    const Example sp = other(dir + QStringLiteral("serviceprincipal-post-serviceprincipals.json"));
    const HttpRequest spRequest = requests::createServicePrincipal(azure, s(sp.doc["request"]["body"]["appId"]));
    EXPECT_EQ(spRequest.url.toString().toLower(), s(sp.doc["request"]["url"]).toLower()); // Graph paths are case-insensitive
    EXPECT_EQ(bodyOf(spRequest), sp.doc["request"]["body"]);
    const auto parsedSp = parseGraphServicePrincipal(dumpJson(sp.doc["responses"]["201"]["body"]));
    ASSERT_TRUE(parsedSp.ok());
    EXPECT_EQ(parsedSp->id, QStringLiteral("59e617e5-e447-4adc-8b88-00af644d7c92"));
    EXPECT_EQ(parsedSp->appId, QStringLiteral("65415bb1-9267-4313-bbf5-ae259732ee12"));

    const Example password = other(dir + QStringLiteral("application-addpassword.json"));
    const HttpRequest pwRequest = requests::addPassword(azure, QStringLiteral("{id}"), QStringLiteral("Password friendly name"));
    EXPECT_EQ(QUrl::fromPercentEncoding(pwRequest.url.toEncoded()).toStdString(), password.doc["request"]["url"].get<std::string>());
    EXPECT_EQ(bodyOf(pwRequest), password.doc["request"]["body"]);
    const auto parsedPw = parsePasswordCredential(dumpJson(password.doc["responses"]["200"]["body"]));
    ASSERT_TRUE(parsedPw.ok());
    EXPECT_EQ(parsedPw->first.keyId, QStringLiteral("f0b0b335-1d71-4883-8f98-567911bfdca6"));
    EXPECT_EQ(parsedPw->first.hint, QStringLiteral("[6g"));
    EXPECT_TRUE(parsedPw->first.endDateTime.isValid());
    EXPECT_EQ(parsedPw->second, QStringLiteral("[6gyXA5S20@MN+WRXAJ]I-TO7g1:h2P8"));
}

// --- Identity (token endpoint responses; requests are checked in pipeline_test) -------------
TEST(Contract, ClientCredentialsTokenResponses)
{
    const Example ex = other(QStringLiteral("_docs/MicrosoftDocs/entra-docs/docs/identity-platform/v2-oauth2-client-creds-grant-flow.token.json"));
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
    const auto token = parseTokenResponse(dumpJson(ex.doc["responses"]["200"]["body"]), now);
    ASSERT_TRUE(token.ok());
    EXPECT_TRUE(token->accessToken.token.startsWith(QStringLiteral("eyJ0eXAi")));
    EXPECT_EQ(token->accessToken.expiresOn, now + std::chrono::seconds(3599));
    EXPECT_TRUE(token->refreshToken.isEmpty());
    HttpResponse error;
    error.status = 400;
    error.body = dumpJson(ex.doc["responses"]["400"]["body"]);
    const AzureError parsed = AzureError::fromResponse(error);
    EXPECT_EQ(parsed.code, QStringLiteral("invalid_scope"));
    EXPECT_EQ(parsed.aadstsCode, QStringLiteral("AADSTS70011"));
    EXPECT_EQ(parsed.requestId, QStringLiteral("255d1aef-8c98-452f-ac51-23d051240864"));
    EXPECT_TRUE(parsed.action.contains(QStringLiteral("scope is not valid")));
}

// --- App Insights -----------------------------------------------------------------------------
TEST(Contract, AppInsightsQuery)
{
    const Example post = other(QStringLiteral("specification/applicationinsights/data-plane/Microsoft.Insights/preview/v1/examples/query-post.json"));
    const HttpRequest request = requests::queryAppInsights(azure, s(post.params["appId"]), s(post.body["query"]), s(post.body["timespan"]));
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.url.toString(), QStringLiteral("https://api.applicationinsights.io/v1/apps/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/query"));
    EXPECT_EQ(bodyOf(request), post.body);
    const auto tables = parseQueryResult(post.responseBytes("200"));
    ASSERT_TRUE(tables.ok());
    ASSERT_EQ(tables->size(), 1);
    EXPECT_EQ(tables->at(0).name, QStringLiteral("PrimaryResult"));
    EXPECT_EQ(tables->at(0).columnNames, (QStringList{QStringLiteral("timestamp"), QStringLiteral("count_")}));
    EXPECT_EQ(tables->at(0).rows.size(), static_cast<qsizetype>(post.response("200")["tables"][0]["rows"].size()));
    EXPECT_EQ(tables->at(0).rows[0][1].toString(), QStringLiteral("255"));

    const Example get = other(QStringLiteral("specification/applicationinsights/data-plane/Microsoft.Insights/preview/v1/examples/query-get.json"));
    const auto getTables = parseQueryResult(get.responseBytes("200"));
    ASSERT_TRUE(getTables.ok());
    EXPECT_TRUE(getTables->at(0).columnNames.contains(QStringLiteral("resultCode")));
    EXPECT_EQ(getTables->at(0).rows.size(), static_cast<qsizetype>(get.response("200")["tables"][0]["rows"].size()));
}

// --- Scoring ----------------------------------------------------------------------------------
TEST(Contract, ScoringRequestAndBothReplyForms)
{
    const QString dir = QStringLiteral("_repos/udacity/nd00333_AZMLND_C2/starter_files/");
    const Example call = other(dir + QStringLiteral("endpoint.scoring-call.json"));
    const json data = loadJson(sharedDir() + QStringLiteral("/azure-contract/") + dir + QStringLiteral("data.json"));
    ASSERT_TRUE(data.is_object());
    EXPECT_EQ(data, call.doc["request"]["body"]);
    const HttpRequest request = requests::score(QUrl(QStringLiteral("https://ep.eastus.inference.ml.azure.com/score")), dumpJson(data),
                                                QStringLiteral("k"));
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.headers.value("Content-Type"), "application/json");
    EXPECT_EQ(request.headers.value("Authorization"), "Bearer k");
    EXPECT_EQ(bodyOf(request), data);

    const json expected = json::parse(R"({"result": ["yes", "no"]})");
    const auto plain = normalizeScoringReply(dumpJson(expected));
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(json::parse(plain->toStdString()), expected);
    // AutoML's score.py returns json.dumps(result), which the server encodes again.
    const auto doubled = normalizeScoringReply(dumpJson(json(expected.dump())));
    ASSERT_TRUE(doubled.ok());
    EXPECT_EQ(json::parse(doubled->toStdString()), expected);
    EXPECT_FALSE(normalizeScoringReply(R"("not json inside")").ok());
    EXPECT_FALSE(normalizeScoringReply("<html>").ok());
}

// --- Shape errors name the field -------------------------------------------------------------
TEST(Contract, MalformedBodiesNameTheMissingField)
{
    const auto noName = parseCompute(R"({"properties":{}})");
    ASSERT_FALSE(noName.ok());
    EXPECT_TRUE(noName.error().message.contains(QStringLiteral("'name'")));
    const auto notObject = parseWorkspace("[1,2]");
    ASSERT_FALSE(notObject.ok());
    EXPECT_EQ(notObject.error().kind, ErrorKind::InvalidResponse);
    const auto noValue = parsePage<Job>(R"({"items":[]})", &parseJob);
    ASSERT_FALSE(noValue.ok());
    EXPECT_TRUE(noValue.error().message.contains(QStringLiteral("'value'")));
}
