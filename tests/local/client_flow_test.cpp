// The seed's flow end to end through the typed Azure client (MachineLearningClient given the
// Local Cloud), against the local workspace service on a loopback socket, with the real AutoML
// engine and a real scoring server. Nothing here builds a URL or a JSON body by hand except the
// scoring rows: what the GUI and the CLI do against Azure is what runs here.

#include "core/azure/client.h"
#include "core/azure/identity.h"
#include "core/azure/ml_client.h"
#include "core/azure/requests.h"
#include "core/local/local_server.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

using namespace cerulean;
using namespace cerulean::azure;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

QString sharedDir()
{
    const QByteArray env = qgetenv("CERULEAN_SHARED_DIR");
    return env.isEmpty() ? QStringLiteral(CERULEAN_SOURCE_DIR "/../shared") : QString::fromLocal8Bit(env);
}

// Turns the event loop until pred() holds or the deadline passes.
bool turnUntil(const std::function<bool()> &pred, std::chrono::milliseconds timeout)
{
    QDeadlineTimer deadline(timeout);
    while (!pred()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
    }
    return true;
}

// Runs one asynchronous client call to its end: call(context, done).
template <class T>
Result<T> await(const std::function<void(QObject *, Done<T>)> &call, std::chrono::milliseconds timeout = 30s)
{
    std::optional<Result<T>> out;
    QObject context;
    call(&context, [&out](Result<T> result) { out.emplace(std::move(result)); });
    if (!turnUntil([&out] { return out.has_value(); }, timeout))
        return AzureError::timeout(QStringLiteral("the test's wait"));
    return std::move(*out);
}

// Runs a long-running operation to its end; the error text, or "" when it succeeded.
QString finish(OperationBase *operation, std::chrono::milliseconds timeout = 60s)
{
    std::unique_ptr<OperationBase> owned(operation);
    if (!turnUntil([operation] { return operation->isDone(); }, timeout))
        return QStringLiteral("still %1 after the test's wait").arg(operation->status());
    if (operation->state() != OperationState::Succeeded)
        return toString(operation->state()) + QStringLiteral(": ") + operation->error().message;
    return {};
}

std::string text(const AzureError &error)
{
    return QStringLiteral("HTTP %1 %2: %3").arg(error.httpStatus).arg(error.code, error.message).toStdString();
}

// Two rows of Bank Marketing's test file without the label, as the scoring body.
QByteArray scoringBody(int count)
{
    QFile f(sharedDir() + QStringLiteral("/data/bankmarketing_test.csv"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QStringList header = QString::fromUtf8(f.readLine()).trimmed().split(QLatin1Char(','));
    Json rows = Json::array();
    while (!f.atEnd() && static_cast<int>(rows.size()) < count) {
        const QStringList cells = QString::fromUtf8(f.readLine()).trimmed().split(QLatin1Char(','));
        Json row = Json::object();
        for (qsizetype i = 0; i < header.size() && i < cells.size(); ++i) {
            if (header[i] == QLatin1String("y"))
                continue;
            bool numeric = false;
            const double v = cells[i].toDouble(&numeric);
            row[header[i].toStdString()] = numeric ? Json(v) : Json(cells[i].toStdString());
        }
        rows.push_back(row);
    }
    return QByteArray::fromStdString(Json{{"data", rows}}.dump());
}

class ClientFlow : public ::testing::Test
{
protected:
    void SetUp() override
    {
        local::LocalServerOptions options;
        options.service.root = m_dir.path();
        options.threads = 2;
        m_server = std::make_unique<local::LocalServer>(options);
        QString error;
        ASSERT_TRUE(m_server->start(&error)) << error.toStdString();
    }

    // Signs in with the service's built-in principal: client credentials at the token route.
    std::shared_ptr<AzureClient> signIn(const QString &secret)
    {
        const local::LocalPrincipal principal = m_server->service().builtInPrincipal();
        const Cloud cloud = Cloud::local(m_server->baseUrl());
        auto transport = AzureClient::networkTransport();
        auto credential = std::make_shared<ClientSecretCredential>(cloud, principal.tenantId, principal.clientId, secret,
                                                                   AzureClient::tokenPipeline(transport));
        return std::make_shared<AzureClient>(cloud, credential, transport);
    }

    QTemporaryDir m_dir;
    std::unique_ptr<local::LocalServer> m_server;
};

} // namespace

TEST_F(ClientFlow, SeedFlowFromWorkspaceToTelemetryThroughTheAzureClient)
{
    const auto started = std::chrono::steady_clock::now();
    const QString sub = m_server->service().subscriptionId();
    const WorkspaceRef ref{sub, QStringLiteral("udacity"), QStringLiteral("quick-starts-ws")};
    OperationOptions polling;
    polling.defaultPollInterval = 200ms;

    // A wrong secret is refused by the token route with Entra's error; the right one signs in.
    {
        const MachineLearningClient wrong(signIn(QStringLiteral("not-the-secret")), ref, polling);
        auto subs = await<QList<Subscription>>([&](QObject *c, auto d) { wrong.listSubscriptions(c, d); });
        ASSERT_FALSE(subs.ok());
        EXPECT_EQ(subs.error().code, QStringLiteral("invalid_client")) << text(subs.error());
    }
    const MachineLearningClient ml(signIn(m_server->service().builtInPrincipal().clientSecret), ref, polling);
    auto subs = await<QList<Subscription>>([&](QObject *c, auto d) { ml.listSubscriptions(c, d); });
    ASSERT_TRUE(subs.ok()) << text(subs.error());
    ASSERT_EQ(subs->size(), 1);
    EXPECT_EQ(subs->first().subscriptionId, sub);
    // Without a token ARM answers 401, as Azure does.
    std::optional<HttpResponse> anonymous;
    QObject context;
    ml.client()->anonymous()->send(requests::listSubscriptions(ml.cloud()), &context,
                                   [&anonymous](const HttpResponse &response) { anonymous = response; });
    ASSERT_TRUE(turnUntil([&anonymous] { return anonymous.has_value(); }, 10s));
    EXPECT_EQ(anonymous->status, 401);

    // Resource group and workspace, each a long-running operation.
    ASSERT_EQ(finish(ml.createResourceGroup(ref.resourceGroup, QStringLiteral("local"), nullptr)), QString());
    WorkspaceSpec wsSpec;
    wsSpec.name = ref.workspace;
    wsSpec.location = QStringLiteral("local");
    wsSpec.friendlyName = QStringLiteral("Quick starts");
    ASSERT_EQ(finish(ml.createWorkspace(wsSpec, nullptr)), QString());
    auto workspace = await<Workspace>([&](QObject *c, auto d) { ml.getWorkspace(c, d); });
    ASSERT_TRUE(workspace.ok()) << text(workspace.error());
    EXPECT_EQ(workspace->provisioningState, QStringLiteral("Succeeded"));
    ASSERT_FALSE(workspace->mlFlowTrackingUri.isEmpty());
    ASSERT_FALSE(workspace->applicationInsights.isEmpty());

    // Upload bankmarketing_train.csv to the default datastore (blocks of 1 MiB: Put Block and
    // Put Block List), then register it as a data asset.
    auto datastore = await<Datastore>([&](QObject *c, auto d) { ml.getDatastore(QStringLiteral("workspaceblobstore"), c, d); });
    ASSERT_TRUE(datastore.ok()) << text(datastore.error());
    EXPECT_TRUE(datastore->isDefault);
    QFile csv(sharedDir() + QStringLiteral("/data/bankmarketing_train.csv"));
    ASSERT_TRUE(csv.open(QIODevice::ReadOnly));
    const QByteArray content = csv.readAll();
    ASSERT_GT(content.size(), 1 << 20) << "the upload should take several blocks";
    const QString blobPath = QStringLiteral("UI/bankmarketing_train.csv");
    BlobUploadOptions upload;
    upload.blockSize = 1 << 20;
    auto uploaded = await<Empty>([&](QObject *c, auto d) {
        uploadBlob(ml.client(), ml.datastoreBlobUrl(datastore.value(), blobPath), content, upload, c, d);
    });
    ASSERT_TRUE(uploaded.ok()) << text(uploaded.error());
    DataVersionSpec dataSpec;
    dataSpec.name = QStringLiteral("bankmarketing");
    dataSpec.version = QStringLiteral("1");
    dataSpec.dataUri = MachineLearningClient::datastoreUri(datastore.value(), blobPath);
    auto data = await<DataVersion>([&](QObject *c, auto d) { ml.createDataVersion(dataSpec, c, d); });
    ASSERT_TRUE(data.ok()) << text(data.error());
    EXPECT_EQ(data->dataUri, dataSpec.dataUri);

    // A 2-node compute cluster.
    ComputeSpec computeSpec;
    computeSpec.name = QStringLiteral("automl-cluster");
    computeSpec.location = QStringLiteral("local");
    computeSpec.vmSize = QStringLiteral("STANDARD_DS12_V2");
    computeSpec.maxNodeCount = 2;
    ASSERT_EQ(finish(ml.createCompute(computeSpec, nullptr)), QString());
    auto compute = await<Compute>([&](QObject *c, auto d) { ml.getCompute(computeSpec.name, c, d); });
    ASSERT_TRUE(compute.ok()) << text(compute.error());
    EXPECT_EQ(compute->maxNodeCount, 2);

    // AutoML classification with a 1-minute exit criterion; wait by polling getJob.
    AutoMLClassificationSpec job;
    job.name = QStringLiteral("bank-automl");
    job.experimentName = QStringLiteral("udacity-project");
    job.computeId = compute->id;
    job.trainingDataUri = QStringLiteral("azureml:bankmarketing:1");
    job.targetColumnName = QStringLiteral("y");
    job.primaryMetric = QStringLiteral("AUCWeighted");
    job.timeout = QStringLiteral("PT1M");
    job.maxTrials = 6;
#if defined(__SANITIZE_ADDRESS__)
    // A sanitized Debug build trains several times slower: one minute may end before the
    // first trial on the full 33k rows does, so it gets two (the CI Release run keeps one).
    job.timeout = QStringLiteral("PT2M");
    job.maxTrials = 2;
#endif
    job.maxConcurrentTrials = 2;
    auto submitted = await<Job>([&](QObject *c, auto d) { ml.createAutoMLJob(job, c, d); });
    ASSERT_TRUE(submitted.ok()) << text(submitted.error());
    Job current = submitted.value();
    QDeadlineTimer jobDeadline(210s);
    while (!current.isTerminal() && !jobDeadline.hasExpired()) {
        turnUntil([] { return false; }, 500ms);
        auto polled = await<Job>([&](QObject *c, auto d) { ml.getJob(job.name, c, d); });
        ASSERT_TRUE(polled.ok()) << text(polled.error());
        current = polled.value();
    }
    ASSERT_EQ(current.status, QStringLiteral("Completed")) << QStringList(current.properties.values()).join(QStringLiteral("; ")).toStdString();

    // Child runs and metrics through MLflow; the best run's confusion matrix.
    const QUrl tracking = ml.cloud().mlflowTrackingBase(workspace->id, workspace->location, workspace->mlFlowTrackingUri);
    auto parent = await<MlflowRun>([&](QObject *c, auto d) { ml.getRun(tracking, job.name, c, d); });
    ASSERT_TRUE(parent.ok()) << text(parent.error());
    const QString best = parent->tags.value(QStringLiteral("automl_best_child_run_id"));
    ASSERT_FALSE(best.isEmpty());
    EXPECT_EQ(current.properties.value(QStringLiteral("automl_best_child_run_id")), best);
    auto children = await<QList<MlflowRun>>([&](QObject *c, auto d) { ml.childRuns(tracking, parent->experimentId, job.name, c, d); });
    ASSERT_TRUE(children.ok()) << text(children.error());
    ASSERT_GE(children->size(), 2) << "two trials at least in a minute";
    bool bestIsAChild = false;
    for (const MlflowRun &child : children.value()) {
        EXPECT_EQ(child.parentRunId, job.name);
        EXPECT_TRUE(child.metrics.contains(QStringLiteral("AUC_weighted"))) << child.runId.toStdString();
        bestIsAChild = bestIsAChild || child.runId == best;
    }
    EXPECT_TRUE(bestIsAChild);
    auto history = await<QList<MlflowMetric>>([&](QObject *c, auto d) { ml.metricHistory(tracking, best, QStringLiteral("AUC_weighted"), c, d); });
    ASSERT_TRUE(history.ok()) << text(history.error());
    ASSERT_EQ(history->size(), 1);
    EXPECT_GT(history->first().value, 0.85);
    auto artifacts = await<QList<ArtifactFile>>([&](QObject *c, auto d) { ml.listArtifacts(tracking, best, QString(), c, d); });
    ASSERT_TRUE(artifacts.ok()) << text(artifacts.error());
    bool listed = false;
    for (const ArtifactFile &file : artifacts.value())
        listed = listed || file.path == QLatin1String("confusion_matrix");
    EXPECT_TRUE(listed);
    auto matrixBody = await<QByteArray>([&](QObject *c, auto d) { ml.downloadArtifact(tracking, best, QStringLiteral("confusion_matrix"), c, d); });
    ASSERT_TRUE(matrixBody.ok()) << text(matrixBody.error());
    const Json matrix = Json::parse(matrixBody->constData(), matrixBody->constData() + matrixBody->size(), nullptr, false);
    EXPECT_EQ(matrix.value("schema_type", std::string()), "confusion_matrix");
    ASSERT_TRUE(matrix.contains("data") && matrix["data"].contains("class_labels"));
    EXPECT_EQ(matrix["data"]["class_labels"].size(), 2u);
    EXPECT_EQ(matrix["data"]["matrix"].size(), 2u);

    // Register the best model; endpoint and deployment with Application Insights; traffic.
    ModelSpec modelSpec;
    modelSpec.name = QStringLiteral("bank-best");
    modelSpec.version = QStringLiteral("1");
    modelSpec.modelUri = QStringLiteral("azureml://jobs/%1/outputs/best_model").arg(job.name);
    modelSpec.jobName = job.name;
    auto model = await<Model>([&](QObject *c, auto d) { ml.createModelVersion(modelSpec, c, d); });
    ASSERT_TRUE(model.ok()) << text(model.error());
    OnlineEndpointSpec endpointSpec;
    endpointSpec.name = QStringLiteral("bank-endpoint");
    endpointSpec.location = QStringLiteral("local");
    ASSERT_EQ(finish(ml.createOnlineEndpoint(endpointSpec, nullptr)), QString());
    OnlineDeploymentSpec deploymentSpec;
    deploymentSpec.endpointName = endpointSpec.name;
    deploymentSpec.name = QStringLiteral("blue");
    deploymentSpec.location = QStringLiteral("local");
    deploymentSpec.model = model->id;
    deploymentSpec.appInsightsEnabled = true;
    ASSERT_EQ(finish(ml.createOnlineDeployment(deploymentSpec, nullptr), 90s), QString());
    auto deployment = await<OnlineDeployment>([&](QObject *c, auto d) { ml.getOnlineDeployment(endpointSpec.name, QStringLiteral("blue"), c, d); });
    ASSERT_TRUE(deployment.ok()) << text(deployment.error());
    EXPECT_TRUE(deployment->appInsightsEnabled);
    {
        // As on Azure, a new deployment takes no traffic until the endpoint's traffic gives
        // it a weight: scoring the endpoint answers 404 and says what to do.
        auto unrouted = await<OnlineEndpoint>([&](QObject *c, auto d) { ml.getOnlineEndpoint(endpointSpec.name, c, d); });
        ASSERT_TRUE(unrouted.ok()) << text(unrouted.error());
        auto unroutedKeys = await<EndpointKeys>([&](QObject *c, auto d) { ml.listEndpointKeys(endpointSpec.name, c, d); });
        ASSERT_TRUE(unroutedKeys.ok()) << text(unroutedKeys.error());
        auto refusedUnrouted = await<QByteArray>([&](QObject *c, auto d) {
            scoreEndpoint(ml.client(), unrouted->scoringUri, scoringBody(1), unroutedKeys->primaryKey, c, d);
        });
        ASSERT_FALSE(refusedUnrouted.ok());
        EXPECT_EQ(refusedUnrouted.error().httpStatus, 404) << text(refusedUnrouted.error());
        EXPECT_TRUE(refusedUnrouted.error().message.contains(QLatin1String("positive weight"))) << text(refusedUnrouted.error());
    }
    endpointSpec.traffic = {{QStringLiteral("blue"), 100}};
    ASSERT_EQ(finish(ml.createOnlineEndpoint(endpointSpec, nullptr)), QString());
    auto endpoint = await<OnlineEndpoint>([&](QObject *c, auto d) { ml.getOnlineEndpoint(endpointSpec.name, c, d); });
    ASSERT_TRUE(endpoint.ok()) << text(endpoint.error());
    EXPECT_EQ(endpoint->traffic.value(QStringLiteral("blue")), 100);
    ASSERT_TRUE(endpoint->scoringUri.isValid() && endpoint->scoringUri.port() > 0) << endpoint->scoringUri.toString().toStdString();
    auto keys = await<EndpointKeys>([&](QObject *c, auto d) { ml.listEndpointKeys(endpointSpec.name, c, d); });
    ASSERT_TRUE(keys.ok()) << text(keys.error());

    // Score two rows (the reply is read in either form), and one with a wrong key.
    const QByteArray rows = scoringBody(2);
    auto scored = await<QByteArray>([&](QObject *c, auto d) { scoreEndpoint(ml.client(), endpoint->scoringUri, rows, keys->primaryKey, c, d); });
    ASSERT_TRUE(scored.ok()) << text(scored.error());
    const Json reply = Json::parse(scored->constData(), scored->constData() + scored->size(), nullptr, false);
    const Json result = reply.contains("result") ? reply["result"] : reply.value("Results", Json());
    EXPECT_EQ(result.size(), 2u) << scored->toStdString();
    auto refused = await<QByteArray>([&](QObject *c, auto d) { scoreEndpoint(ml.client(), endpoint->scoringUri, rows, QStringLiteral("wrong"), c, d); });
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().httpStatus, 401);

    // Container logs, and the request telemetry through the query API (AppId from the
    // workspace's component).
    auto logs = await<QString>([&](QObject *c, auto d) { ml.getDeploymentLogs(endpointSpec.name, QStringLiteral("blue"), 50, QStringLiteral("InferenceServer"), c, d); });
    ASSERT_TRUE(logs.ok()) << text(logs.error());
    EXPECT_TRUE(logs->contains(QLatin1String("Listening"))) << logs->toStdString();
    auto component = await<AppInsightsComponent>([&](QObject *c, auto d) { ml.getApplicationInsights(workspace->applicationInsights, c, d); });
    ASSERT_TRUE(component.ok()) << text(component.error());
    const QString kql = QStringLiteral("requests | where timestamp > ago(10m) and resultCode == '200' | summarize count(), "
                                       "avg(duration), percentile(duration, 95) by bin(timestamp, 1m)");
    qint64 okRequests = 0;
    QDeadlineTimer telemetryDeadline(10s);
    while (okRequests < 1 && !telemetryDeadline.hasExpired()) {
        auto tables = await<QList<QueryTable>>([&](QObject *c, auto d) { ml.queryAppInsights(component->appId, kql, QStringLiteral("PT1H"), c, d); });
        ASSERT_TRUE(tables.ok()) << text(tables.error());
        ASSERT_EQ(tables->size(), 1);
        const QueryTable &table = tables->first();
        ASSERT_EQ(table.columnNames.value(1), QStringLiteral("count_"));
        okRequests = 0;
        for (const QVariantList &row : table.rows)
            okRequests += row.value(1).toLongLong();
        if (okRequests < 1)
            turnUntil([] { return false; }, 100ms);
    }
    EXPECT_EQ(okRequests, 1); // the 2-row request; the one with a wrong key was a 401

    // Traffic: a second deployment, green. With blue 100 / green 0 every request goes to blue,
    // and green answers only when named in the azureml-model-deployment header; a 50/50 split
    // reaches both; with no positive weight the endpoint answers 404 unless a header names one.
    deploymentSpec.name = QStringLiteral("green");
    deploymentSpec.appInsightsEnabled = false;
    ASSERT_EQ(finish(ml.createOnlineDeployment(deploymentSpec, nullptr), 90s), QString());
    const auto answeredBy = [&](const QString &deploymentHeader) {
        std::optional<HttpResponse> response;
        QObject scoringContext;
        ml.client()->anonymous()->send(requests::score(endpoint->scoringUri, rows, keys->primaryKey, deploymentHeader), &scoringContext,
                                       [&response](const HttpResponse &r) { response = r; });
        if (!turnUntil([&response] { return response.has_value(); }, 10s))
            return QStringLiteral("no answer");
        if (response->status != 200)
            return QStringLiteral("HTTP %1").arg(response->status);
        return QString::fromUtf8(response->headers.value("azureml-model-deployment"));
    };
    const auto setTraffic = [&](const QMap<QString, int> &traffic) {
        auto updated = await<OnlineEndpoint>([&](QObject *c, auto d) { ml.setEndpointTraffic(endpointSpec.name, traffic, c, d); });
        if (!updated)
            return QString::fromStdString(text(updated.error()));
        if (updated->traffic != traffic || updated->scoringUri != endpoint->scoringUri)
            return QStringLiteral("traffic or scoring URI not as set");
        return QString();
    };
    ASSERT_EQ(setTraffic({{QStringLiteral("blue"), 100}, {QStringLiteral("green"), 0}}), QString());
    for (int i = 0; i < 10; ++i)
        ASSERT_EQ(answeredBy(QString()), QStringLiteral("blue"));
    EXPECT_EQ(answeredBy(QStringLiteral("green")), QStringLiteral("green"));
    EXPECT_EQ(answeredBy(QStringLiteral("red")), QStringLiteral("HTTP 404"));
    auto direct = await<QByteArray>([&](QObject *c, auto d) {
        scoreDeployment(ml.client(), endpoint->scoringUri, QStringLiteral("green"), rows, keys->primaryKey, c, d);
    });
    ASSERT_TRUE(direct.ok()) << text(direct.error());
    EXPECT_EQ(direct.value(), scored.value()) << "the same model answers the same";
    ASSERT_EQ(setTraffic({{QStringLiteral("blue"), 50}, {QStringLiteral("green"), 50}}), QString());
    QMap<QString, int> answers;
    for (int i = 0; i < 40; ++i)
        ++answers[answeredBy(QString())];
    EXPECT_EQ(answers.value(QStringLiteral("blue")) + answers.value(QStringLiteral("green")), 40);
    EXPECT_GT(answers.value(QStringLiteral("blue")), 0); // each misses with probability 2^-40
    EXPECT_GT(answers.value(QStringLiteral("green")), 0);
    ASSERT_EQ(setTraffic({{QStringLiteral("blue"), 0}, {QStringLiteral("green"), 0}}), QString());
    EXPECT_EQ(answeredBy(QString()), QStringLiteral("HTTP 404"));
    EXPECT_EQ(answeredBy(QStringLiteral("blue")), QStringLiteral("blue"));
    auto badSplit = await<OnlineEndpoint>([&](QObject *c, auto d) {
        ml.setEndpointTraffic(endpointSpec.name, {{QStringLiteral("blue"), 60}}, c, d);
    });
    ASSERT_FALSE(badSplit.ok());
    EXPECT_EQ(badSplit.error().httpStatus, 400) << text(badSplit.error());

    // Batch: an endpoint and a deployment of the same model, invoked over 200 test rows uploaded
    // with one Put Blob; the batch job is polled like any job.
    auto batchEndpoint = std::unique_ptr<Operation<BatchEndpoint>>(
        ml.createBatchEndpoint(QStringLiteral("bank-batch"), QStringLiteral("local"), QStringLiteral("Bank Marketing in batches"),
                               QString(), nullptr));
    ASSERT_EQ(finish(batchEndpoint.release()), QString());
    BatchDeploymentSpec batchSpec;
    batchSpec.endpointName = QStringLiteral("bank-batch");
    batchSpec.name = QStringLiteral("main");
    batchSpec.location = QStringLiteral("local");
    batchSpec.compute = compute->id;
    batchSpec.modelId = model->id;
    batchSpec.miniBatchSize = 50;
    ASSERT_EQ(finish(ml.createBatchDeployment(batchSpec, nullptr)), QString());
    auto batchGot = await<BatchEndpoint>([&](QObject *c, auto d) { ml.getBatchEndpoint(QStringLiteral("bank-batch"), c, d); });
    ASSERT_TRUE(batchGot.ok()) << text(batchGot.error());
    QFile testCsv(sharedDir() + QStringLiteral("/data/bankmarketing_test.csv"));
    ASSERT_TRUE(testCsv.open(QIODevice::ReadOnly));
    QByteArray slice;
    for (int i = 0; i < 201 && !testCsv.atEnd(); ++i)
        slice += testCsv.readLine();
    const QString slicePath = QStringLiteral("batch/bank_test_200.csv");
    auto sliceUploaded = await<Empty>([&](QObject *c, auto d) {
        uploadBlob(ml.client(), ml.datastoreBlobUrl(datastore.value(), slicePath), slice, BlobUploadOptions{}, c, d);
    });
    ASSERT_TRUE(sliceUploaded.ok()) << text(sliceUploaded.error());
    auto batchJob = await<Job>([&](QObject *c, auto d) {
        ml.invokeBatchEndpoint(batchGot->scoringUri, MachineLearningClient::datastoreUri(datastore.value(), slicePath), false,
                               QStringLiteral("main"), c, d);
    });
    ASSERT_TRUE(batchJob.ok()) << text(batchJob.error());
    Job batchState = batchJob.value();
    QDeadlineTimer batchDeadline(60s);
    while (!batchState.isTerminal() && !batchDeadline.hasExpired()) {
        turnUntil([] { return false; }, 200ms);
        auto polled = await<Job>([&](QObject *c, auto d) { ml.getJob(batchJob->name, c, d); });
        ASSERT_TRUE(polled.ok()) << text(polled.error());
        batchState = polled.value();
    }
    EXPECT_EQ(batchState.status, QStringLiteral("Completed"));

    // A schedule that invokes the batch endpoint, created disabled, then enabled and disabled.
    ScheduleSpec scheduleSpec;
    scheduleSpec.name = QStringLiteral("nightly-batch");
    scheduleSpec.isEnabled = false;
    scheduleSpec.cronExpression = QStringLiteral("0 3 * * *");
    scheduleSpec.endpointInvocationJson = QByteArray::fromStdString(
        Json{{"endpointName", "bank-batch"},
             {"body", {{"properties", {{"InputData", {{"input_data", {{"JobInputType", "UriFile"},
                                                                       {"Uri", MachineLearningClient::datastoreUri(datastore.value(), slicePath).toStdString()}}}}}}}}}}
            .dump());
    auto schedule = await<Schedule>([&](QObject *c, auto d) { ml.createSchedule(scheduleSpec, c, d); });
    ASSERT_TRUE(schedule.ok()) << text(schedule.error());
    EXPECT_FALSE(schedule->isEnabled);
    for (const bool enabled : {true, false}) {
        auto changed = await<Schedule>([&](QObject *c, auto d) { ml.setScheduleEnabled(scheduleSpec.name, enabled, c, d); });
        ASSERT_TRUE(changed.ok()) << text(changed.error());
        EXPECT_EQ(changed->isEnabled, enabled);
        EXPECT_EQ(changed->cronExpression, scheduleSpec.cronExpression) << "the rest of the schedule is kept";
        EXPECT_EQ(changed->actionType, QStringLiteral("InvokeBatchEndpoint"));
        auto read = await<Schedule>([&](QObject *c, auto d) { ml.getSchedule(scheduleSpec.name, c, d); });
        ASSERT_TRUE(read.ok()) << text(read.error());
        EXPECT_EQ(read->isEnabled, enabled);
    }

    // Delete the endpoint: long-running, then gone.
    ASSERT_EQ(finish(ml.deleteOnlineEndpoint(endpointSpec.name, nullptr)), QString());
    auto gone = await<OnlineEndpoint>([&](QObject *c, auto d) { ml.getOnlineEndpoint(endpointSpec.name, c, d); });
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().httpStatus, 404);
    QTcpSocket probe; // the endpoint's router is gone with it
    probe.connectToHost(QStringLiteral("127.0.0.1"), static_cast<quint16>(endpoint->scoringUri.port()));
    EXPECT_FALSE(probe.waitForConnected(2000));
#if defined(__SANITIZE_ADDRESS__)
    EXPECT_LT(std::chrono::steady_clock::now() - started, 360s);
#else
    EXPECT_LT(std::chrono::steady_clock::now() - started, 180s);
#endif
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
