// Published pipelines, the REST trigger, schedule listing and history, and batch progress:
// the requests PipelineOperations builds and how it reads the answers, through the whole
// request pipeline (bearer token included) on a scripted transport. Schedules are read from
// the Schedule/get.json contract example.
#include "core/azure/pipeline_ops.h"
#include "tests/azure/test_support.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QUrlQuery>

#include <gtest/gtest.h>

using namespace cerulean::azure;
using namespace cerulean::azure::test;
using namespace std::chrono;
using nlohmann::json;

namespace {

class StaticCredential final : public TokenCredential
{
public:
    void getToken(const TokenRequestContext &, QObject *context, TokenCallback done) override
    {
        QTimer::singleShot(0, context, [done]() { done(AccessToken{QStringLiteral("t0k"), system_clock::now() + hours(1)}); });
    }
};

const WorkspaceRef kWs{QStringLiteral("sub"), QStringLiteral("rg"), QStringLiteral("ws")};

struct Rig
{
    std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
    std::shared_ptr<AzureClient> client;
    std::unique_ptr<PipelineOperations> ops;

    explicit Rig(const Cloud &cloud = Cloud::local(QUrl(QStringLiteral("http://127.0.0.1:9999"))))
    {
        PipelineOptions o;
        o.jitter = []() { return 1.0; };
        client = std::make_shared<AzureClient>(cloud, std::make_shared<StaticCredential>(), transport, o);
        MachineLearningClient ml(client, kWs);
        ops = std::make_unique<PipelineOperations>(ml, PipelineOperationsOptions{QStringLiteral("westeurope")});
    }

    template <class T, class Call>
    Result<T> await(Call call)
    {
        std::optional<Result<T>> result;
        QObject context;
        call(&context, [&](Result<T> r) { result = std::move(r); });
        EXPECT_TRUE(waitUntil([&]() { return result.has_value(); }));
        return result.value_or(Result<T>(AzureError::canceled()));
    }
};

json bodyOf(const HttpRequest &request) { return json::parse(request.body.constBegin(), request.body.constEnd()); }

json endpointJson(const std::string &name)
{
    return {{"Id", "6f3c"},
            {"Name", name},
            {"Description", "nightly"},
            {"Status", "Active"},
            {"PipelineJobName", "train-1"},
            {"Version", 2},
            {"Parameters", {{"avg_rate", "0.5"}, {"rounds", 3}}},
            {"Url", "http://127.0.0.1:9999/pipelines/v1.0/subscriptions/sub/resourceGroups/rg/providers/"
                    "Microsoft.MachineLearningServices/workspaces/ws/PipelineRuns/PipelineEndpointSubmit/Id/6f3c"}};
}

const QString kWsPath = QStringLiteral("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws");

} // namespace

TEST(PipelineOps, PipelinesBaseIsTheWorkspaceDataPlaneHost)
{
    EXPECT_EQ(requests::pipelinesBase(Cloud::local(QUrl(QStringLiteral("http://127.0.0.1:81/"))), kWs, {}).toString(),
              QStringLiteral("http://127.0.0.1:81/pipelines/v1.0") + kWsPath);
    EXPECT_EQ(requests::pipelinesBase(Cloud::azure(), kWs, QStringLiteral("eastus2")).toString(),
              QStringLiteral("https://eastus2.api.azureml.ms/pipelines/v1.0") + kWsPath);
}

TEST(PipelineOps, PublishPostsTheJobNameAndReadsTheEndpoint)
{
    Rig rig;
    rig.transport->handler = [](const HttpRequest &) { return jsonResponse(201, dumpJson(endpointJson("nightly-ep"))); };
    auto endpoint = rig.await<PipelineEndpoint>([&](QObject *c, auto done) {
        rig.ops->publish({QStringLiteral("nightly-ep"), QStringLiteral("train-1"), QStringLiteral("nightly")}, c, done);
    });
    ASSERT_TRUE(endpoint.ok()) << endpoint.error().toString().toStdString();
    ASSERT_EQ(rig.transport->requests.size(), 1u);
    const HttpRequest &sent = rig.transport->requests[0];
    EXPECT_EQ(sent.method, QByteArray("POST"));
    EXPECT_EQ(sent.url.path(), QStringLiteral("/pipelines/v1.0") + kWsPath + QStringLiteral("/PipelineEndpoints"));
    EXPECT_EQ(bodyOf(sent), json({{"Name", "nightly-ep"}, {"PipelineJobName", "train-1"}, {"Description", "nightly"}}));
    EXPECT_EQ(sent.headers.value("Authorization"), QByteArray("Bearer t0k"));
    EXPECT_EQ(endpoint->name, QStringLiteral("nightly-ep"));
    EXPECT_EQ(endpoint->version, 2);
    EXPECT_TRUE(endpoint->isActive());
    EXPECT_EQ(endpoint->parameters.value(QStringLiteral("avg_rate")), QStringLiteral("0.5"));
    EXPECT_EQ(endpoint->parameters.value(QStringLiteral("rounds")), QStringLiteral("3"));
    EXPECT_TRUE(endpoint->url.path().endsWith(QStringLiteral("/PipelineEndpointSubmit/Id/6f3c")));

    // Bad input never reaches the wire.
    auto bad = rig.await<PipelineEndpoint>([&](QObject *c, auto done) { rig.ops->publish({QStringLiteral("x"), {}, {}}, c, done); });
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(rig.transport->requests.size(), 1u);
    EXPECT_FALSE(parsePipelineEndpoint(R"({"Name":"a"})").ok()) << "an endpoint without its trigger URL is no use";
}

TEST(PipelineOps, TriggerPostsExperimentAndTypedAssignmentsWithBearer)
{
    Rig rig;
    rig.transport->handler = [](const HttpRequest &request) {
        if (request.method == "GET")
            return jsonResponse(200, dumpJson(endpointJson("ep")));
        return jsonResponse(200, R"({"Id":"run-7","ExperimentName":"nightly","Status":"NotStarted","StatusUrl":"http://x/jobs/run-7"})");
    };
    PipelineSubmission submission;
    submission.experimentName = QStringLiteral("nightly");
    submission.parameterAssignments = {{QStringLiteral("avg_rate"), 0.75}, {QStringLiteral("mode"), QStringLiteral("fast")},
                                       {QStringLiteral("rounds"), 4}};
    auto run = rig.await<PipelineRunStarted>([&](QObject *c, auto done) { rig.ops->triggerByName(QStringLiteral("ep"), submission, c, done); });
    ASSERT_TRUE(run.ok()) << run.error().toString().toStdString();
    EXPECT_EQ(run->runId, QStringLiteral("run-7"));
    EXPECT_EQ(run->status, QStringLiteral("NotStarted"));
    ASSERT_EQ(rig.transport->requests.size(), 2u);
    EXPECT_EQ(rig.transport->requests[0].url.path(), QStringLiteral("/pipelines/v1.0") + kWsPath + QStringLiteral("/PipelineEndpoints/ep"));
    const HttpRequest &post = rig.transport->requests[1];
    EXPECT_EQ(post.method, QByteArray("POST"));
    EXPECT_EQ(post.url.toString(), QString::fromStdString(endpointJson("ep")["Url"].get<std::string>()));
    EXPECT_EQ(post.headers.value("Authorization"), QByteArray("Bearer t0k"));
    EXPECT_EQ(bodyOf(post), json({{"ExperimentName", "nightly"}, {"ParameterAssignments", {{"avg_rate", 0.75}, {"mode", "fast"}, {"rounds", 4}}}}));

    // The service's refusal arrives as the one error type, with its message.
    rig.transport->handler = [](const HttpRequest &) {
        return jsonResponse(400, R"({"error":{"code":"BadRequest","message":"ParameterAssignments: no parameter 'x'"}})");
    };
    auto refused = rig.await<PipelineRunStarted>([&](QObject *c, auto done) {
        rig.ops->trigger(QUrl(QStringLiteral("http://127.0.0.1:9999/t")), submission, c, done);
    });
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().httpStatus, 400);
    EXPECT_TRUE(refused.error().message.contains(QStringLiteral("no parameter 'x'")));
    PipelineSubmission noExperiment;
    auto missing = rig.await<PipelineRunStarted>([&](QObject *c, auto done) {
        rig.ops->trigger(QUrl(QStringLiteral("http://127.0.0.1:9999/t")), noExperiment, c, done);
    });
    ASSERT_FALSE(missing.ok());
    EXPECT_TRUE(missing.error().message.contains(QStringLiteral("ExperimentName")));
}

TEST(PipelineOps, ListSchedulesFollowsNextLinkOverTheContractShape)
{
    const json example = loadJson(mlExamples() + QStringLiteral("Schedule/get.json"))["responses"]["200"]["body"];
    ASSERT_TRUE(example.is_object());
    Rig rig(Cloud::azure());
    rig.transport->handler = [&](const HttpRequest &request) {
        json first = example;
        first["name"] = "a";
        json second = example;
        second["name"] = "b";
        if (QUrlQuery(request.url).hasQueryItem(QStringLiteral("page")))
            return jsonResponse(200, dumpJson(json{{"value", {second}}}));
        return jsonResponse(200, dumpJson(json{{"value", {first}},
                                               {"nextLink", "https://management.azure.com" + kWsPath.toStdString() +
                                                                "/schedules?api-version=2025-12-01&page=2"}}));
    };
    auto schedules = rig.await<QList<Schedule>>([&](QObject *c, auto done) { rig.ops->listSchedules(c, done); });
    ASSERT_TRUE(schedules.ok()) << schedules.error().toString().toStdString();
    ASSERT_EQ(schedules->size(), 2);
    EXPECT_EQ(schedules->at(0).name, QStringLiteral("a"));
    EXPECT_EQ(schedules->at(1).name, QStringLiteral("b"));
    EXPECT_EQ(schedules->at(0).triggerType, QStringLiteral("Cron"));
    const HttpRequest &first = rig.transport->requests[0];
    EXPECT_EQ(first.url.host(), QStringLiteral("management.azure.com"));
    EXPECT_EQ(first.url.path(), kWsPath + QStringLiteral("/schedules"));
    EXPECT_EQ(QUrlQuery(first.url).queryItemValue(QStringLiteral("api-version")), QStringLiteral("2025-12-01"));
}

TEST(PipelineOps, ScheduleHistoryReadsOccurrencesAndFallsBackToJobsBySchedule)
{
    Rig rig;
    rig.transport->handler = [](const HttpRequest &) {
        return jsonResponse(200, R"({"value":[
            {"scheduledTime":"2026-01-01T10:00:00Z","status":"Started","jobName":"j1","jobStatus":"Completed"},
            {"scheduledTime":"2026-01-01T10:01:00Z","status":"Skipped","reason":"Missed while the service was down."}]})");
    };
    auto history = rig.await<QList<ScheduleRun>>([&](QObject *c, auto done) { rig.ops->scheduleHistory(QStringLiteral("s"), c, done); });
    ASSERT_TRUE(history.ok()) << history.error().toString().toStdString();
    ASSERT_EQ(history->size(), 2);
    EXPECT_EQ(history->at(0).jobName, QStringLiteral("j1"));
    EXPECT_EQ(history->at(0).jobStatus, QStringLiteral("Completed"));
    EXPECT_EQ(history->at(1).status, QStringLiteral("Skipped"));
    EXPECT_TRUE(history->at(1).reason.contains(QStringLiteral("Missed")));
    EXPECT_EQ(rig.transport->requests[0].url.path(), kWsPath + QStringLiteral("/schedules/s/history"));

    // A service without the history route: the jobs it created, by Azure's scheduleId filter, in time order.
    rig.transport->requests.clear();
    rig.transport->handler = [](const HttpRequest &request) {
        if (request.url.path().endsWith(QLatin1String("/history")))
            return jsonResponse(404, R"({"error":{"code":"NotFound","message":"no route"}})");
        return jsonResponse(200, R"({"value":[
            {"name":"late","properties":{"jobType":"Pipeline","status":"Running","properties":{"azureml.schedule.scheduledTime":"2026-01-01T10:01:00Z"}}},
            {"name":"early","properties":{"jobType":"Pipeline","status":"Completed","properties":{"azureml.schedule.scheduledTime":"2026-01-01T10:00:00Z"}}}]})");
    };
    auto jobs = rig.await<QList<ScheduleRun>>([&](QObject *c, auto done) { rig.ops->scheduleHistory(QStringLiteral("s"), c, done); });
    ASSERT_TRUE(jobs.ok()) << jobs.error().toString().toStdString();
    ASSERT_EQ(jobs->size(), 2);
    EXPECT_EQ(jobs->at(0).jobName, QStringLiteral("early"));
    EXPECT_EQ(jobs->at(1).jobStatus, QStringLiteral("Running"));
    ASSERT_EQ(rig.transport->requests.size(), 2u);
    EXPECT_EQ(QUrlQuery(rig.transport->requests[1].url).queryItemValue(QStringLiteral("scheduleId")), QStringLiteral("s"));

    EXPECT_FALSE(parseScheduleHistory(R"({"value":[{"status":"Started"}]})").ok()) << "an occurrence without its time";
}

TEST(PipelineOps, BatchProgressAndFailedRowsFromTheJob)
{
    Rig rig;
    rig.transport->handler = [](const HttpRequest &) {
        return jsonResponse(200, R"({"name":"batchjob-1","properties":{"jobType":"Pipeline","status":"Failed","properties":{
            "azureml.batch.rowsProcessed":"4000","azureml.batch.rowsTotal":"4120","azureml.batch.rowsFailed":"3",
            "azureml.batch.miniBatchesCompleted":"40","azureml.batch.miniBatchesTotal":"42",
            "azureml.batch.errorThreshold":"2","azureml.batch.miniBatchSize":"100","azureml.batch.instanceCount":"2",
            "azureml.batch.failedRowDetails":"line 5 (age: 'abc' is not a number); line 9 (a; b); and 1 more",
            "azureml.error":"3 rows failed, more than the error threshold of 2"}}})");
    };
    auto p = rig.await<BatchJobProgress>([&](QObject *c, auto done) { rig.ops->batchProgress(QStringLiteral("batchjob-1"), c, done); });
    ASSERT_TRUE(p.ok()) << p.error().toString().toStdString();
    EXPECT_TRUE(p->known);
    EXPECT_TRUE(p->isTerminal());
    EXPECT_EQ(p->rowsProcessed, 4000);
    EXPECT_EQ(p->rowsTotal, 4120);
    EXPECT_EQ(p->rowsFailed, 3);
    EXPECT_EQ(p->miniBatchesTotal, 42);
    EXPECT_EQ(p->errorThreshold, 2);
    EXPECT_EQ(p->instanceCount, 2);
    EXPECT_NEAR(p->fraction(), 4000.0 / 4120.0, 1e-9);
    EXPECT_TRUE(p->error.contains(QStringLiteral("threshold of 2")));
    ASSERT_EQ(p->failedRows.size(), 2);
    EXPECT_EQ(p->failedRows[0].line, 5);
    EXPECT_EQ(p->failedRows[0].reason, QStringLiteral("age: 'abc' is not a number"));
    EXPECT_EQ(p->failedRows[1].line, 9);
    EXPECT_EQ(p->failedRows[1].reason, QStringLiteral("a; b"));
    EXPECT_EQ(p->failedRowsNotListed, 1);

    Job plain;
    plain.status = QStringLiteral("Running");
    EXPECT_FALSE(batchProgress(plain).known);
}

TEST(PipelineOps, FailedRowsOfAFolderInputNameTheirFile)
{
    const auto [rows, notListed] =
        parseFailedRowDetails(QStringLiteral("part 2.csv line 8 (age: 'x (y)' is not a number); line 3 (bad); b.csv line 151 (a; b)"));
    ASSERT_EQ(rows.size(), 3);
    EXPECT_EQ(rows[0].file, QStringLiteral("part 2.csv"));
    EXPECT_EQ(rows[0].line, 8);
    EXPECT_EQ(rows[0].reason, QStringLiteral("age: 'x (y)' is not a number"));
    EXPECT_TRUE(rows[1].file.isEmpty());
    EXPECT_EQ(rows[1].line, 3);
    EXPECT_EQ(rows[2].file, QStringLiteral("b.csv"));
    EXPECT_EQ(rows[2].line, 151);
    EXPECT_EQ(rows[2].reason, QStringLiteral("a; b"));
    EXPECT_EQ(notListed, 0);
}

// What a user types as a batch input: local paths become absolute and say what they are; a URI
// is a folder when it ends with a slash unless the type says otherwise; a type that is not one,
// or that a local path contradicts, is an error that says so.
TEST(PipelineOps, BatchInputFromLocalPathsURIsAndAnExplicitType)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    ASSERT_TRUE(QDir(dir.path()).mkdir(QStringLiteral("parts")));
    QFile file(dir.filePath(QStringLiteral("rows.csv")));
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write("a,b\n1,2\n");
    file.close();
    const QString previous = QDir::currentPath();
    ASSERT_TRUE(QDir::setCurrent(dir.path()));
    QString error;
    const auto folder = resolveBatchInput(QStringLiteral("parts"), {}, &error);
    const auto localFile = resolveBatchInput(QStringLiteral("rows.csv"), QStringLiteral("uri_file"), &error);
    const auto wrongType = resolveBatchInput(QStringLiteral("parts"), QStringLiteral("uri_file"), &error);
    const QString wrongTypeError = error;
    QDir::setCurrent(previous);
    ASSERT_TRUE(folder.has_value());
    EXPECT_EQ(folder->uri, dir.filePath(QStringLiteral("parts")));
    EXPECT_TRUE(folder->isFolder);
    ASSERT_TRUE(localFile.has_value());
    EXPECT_EQ(localFile->uri, dir.filePath(QStringLiteral("rows.csv")));
    EXPECT_FALSE(localFile->isFolder);
    EXPECT_FALSE(wrongType.has_value());
    EXPECT_EQ(wrongTypeError, QStringLiteral("'parts' is a folder, not a file: its CSV files are read as uri_folder"));

    const QString remote = QStringLiteral("azureml://datastores/workspaceblobstore/paths/batch");
    EXPECT_FALSE(resolveBatchInput(remote, {}, &error)->isFolder);
    EXPECT_TRUE(resolveBatchInput(remote + QLatin1Char('/'), {}, &error)->isFolder);
    const auto typed = resolveBatchInput(remote, QStringLiteral("uri_folder"), &error);
    ASSERT_TRUE(typed.has_value());
    EXPECT_TRUE(typed->isFolder);
    EXPECT_EQ(typed->uri, remote);
    EXPECT_FALSE(resolveBatchInput(remote + QLatin1Char('/'), QStringLiteral("uri_file"), &error)->isFolder);
    EXPECT_FALSE(resolveBatchInput(dir.filePath(QStringLiteral("rows.csv")), QStringLiteral("uri_folder"), &error).has_value());
    EXPECT_EQ(error, QStringLiteral("'%1' is a file, not a folder of CSV files: read it as uri_file").arg(dir.filePath(QStringLiteral("rows.csv"))));
    EXPECT_FALSE(resolveBatchInput(remote, QStringLiteral("folder"), &error).has_value());
    EXPECT_EQ(error, QStringLiteral("input type 'folder' is not uri_file or uri_folder"));
}

// The invocation says UriFolder for a folder and keeps UriFile for a file (the body the
// contract test checks); the deployment's output file name is read from the BatchDeployment
// contract example's shape.
TEST(PipelineOps, BatchInvocationSendsTheInputTypeAndTheDeploymentNamesItsOutputFile)
{
    Rig rig;
    std::vector<HttpRequest> sent;
    rig.transport->handler = [&](const HttpRequest &r) {
        sent.push_back(r);
        if (r.method == "GET") {
            json example = loadJson(mlExamples() + QStringLiteral("BatchDeployment/get.json"))["responses"]["200"]["body"];
            example["properties"]["outputFileName"] = "predictions.csv";
            return jsonResponse(200, QByteArray::fromStdString(example.dump()));
        }
        return jsonResponse(200, R"({"name":"batchjob-1","properties":{"jobType":"Pipeline","status":"NotStarted"}})");
    };
    const QUrl scoring(QStringLiteral("http://127.0.0.1:9999/batch/x/batchEndpoints/bank/jobs"));
    auto job = rig.await<Job>([&](QObject *c, auto done) {
        rig.ops->invokeBatchEndpoint(scoring, QStringLiteral("/data/parts"), true, QStringLiteral("blue"), c, done);
    });
    ASSERT_TRUE(job.ok()) << job.error().toString().toStdString();
    job = rig.await<Job>([&](QObject *c, auto done) {
        rig.ops->invokeBatchEndpoint(scoring, QStringLiteral("/data/one.csv"), QString(), c, done);
    });
    ASSERT_TRUE(job.ok()) << job.error().toString().toStdString();
    const auto deployment = rig.await<BatchDeployment>(
        [&](QObject *c, auto done) { rig.ops->getBatchDeployment(QStringLiteral("bank"), QStringLiteral("blue"), c, done); });
    ASSERT_TRUE(deployment.ok()) << deployment.error().toString().toStdString();
    EXPECT_EQ(deployment->outputFileName, QStringLiteral("predictions.csv"));

    ASSERT_EQ(sent.size(), 3u);
    EXPECT_EQ(sent[0].url, scoring);
    EXPECT_EQ(sent[0].headers.value("azureml-model-deployment"), QByteArray("blue"));
    EXPECT_EQ(bodyOf(sent[0]),
              json({{"properties", {{"InputData", {{"input_data", {{"JobInputType", "UriFolder"}, {"Uri", "/data/parts"}}}}}}}}));
    EXPECT_EQ(bodyOf(sent[1]),
              json({{"properties", {{"InputData", {{"input_data", {{"JobInputType", "UriFile"}, {"Uri", "/data/one.csv"}}}}}}}}));
    EXPECT_TRUE(sent[1].headers.value("azureml-model-deployment").isEmpty());
    EXPECT_EQ(sent[2].method, QByteArray("GET"));
    EXPECT_TRUE(sent[2].url.path().endsWith(QStringLiteral("/batchEndpoints/bank/deployments/blue"))) << sent[2].url.toString().toStdString();
}

TEST(PipelineOps, JobDefinitionDropsWhatTheRunFilledIn)
{
    const QByteArray job = R"({"name":"train-1","properties":{"jobType":"Pipeline","status":"Completed","experimentName":"e",
        "properties":{"azureml.x":"1"},"services":{"Studio":{}},"inputs":{"avg_rate":{"jobInputType":"literal","value":"0.5"}},
        "outputs":{"default":{"uri":"azureml://x"},"trained_model":{"jobOutputType":"mlflow_model","assetName":"m","assetVersion":"3","uri":"azureml://y"}},
        "jobs":{"train":{"type":"automl"}}}})";
    auto def = pipelineJobDefinition(job);
    ASSERT_TRUE(def.ok()) << def.error().toString().toStdString();
    const json d = json::parse(def->constBegin(), def->constEnd());
    EXPECT_FALSE(d.contains("status"));
    EXPECT_FALSE(d.contains("services"));
    EXPECT_FALSE(d.contains("properties"));
    EXPECT_EQ(d["outputs"], json({{"trained_model", {{"jobOutputType", "mlflow_model"}, {"assetName", "m"}}}}));
    EXPECT_EQ(d["inputs"]["avg_rate"]["value"], "0.5");
    EXPECT_EQ(d["jobs"]["train"]["type"], "automl");
    auto automl = pipelineJobDefinition(R"({"name":"j","properties":{"jobType":"AutoML"}})");
    ASSERT_FALSE(automl.ok());
    EXPECT_TRUE(automl.error().message.contains(QStringLiteral("not a pipeline job")));
    EXPECT_FALSE(pipelineJobDefinition("[]").ok());
}

TEST(PipelineOps, CurlCommandHasATokenPlaceholderAndTheTokenCommandGetsOne)
{
    PipelineSubmission submission;
    submission.experimentName = QStringLiteral("it's");
    submission.parameterAssignments = {{QStringLiteral("avg_rate"), 0.5}};
    const QString curl = triggerCurlCommand(QUrl(QStringLiteral("http://127.0.0.1:9/pipelines/v1.0/x/Id/1")), submission);
    EXPECT_TRUE(curl.contains(QStringLiteral("Authorization: Bearer $TOKEN"))) << curl.toStdString();
    EXPECT_TRUE(curl.contains(QStringLiteral("'http://127.0.0.1:9/pipelines/v1.0/x/Id/1'")));
    EXPECT_TRUE(curl.contains(QStringLiteral(R"(-d '{"ExperimentName":"it'\''s","ParameterAssignments":{"avg_rate":0.5}}')"))) << curl.toStdString();
    EXPECT_EQ(tokenCommand(Cloud::local(QUrl(QStringLiteral("http://127.0.0.1:9/"))), QStringLiteral("/tmp/root")),
              QStringLiteral("TOKEN=$(cerulean-cli pipeline token --url 'http://127.0.0.1:9' --local-root '/tmp/root')"));
    EXPECT_TRUE(tokenCommand(Cloud::azure()).startsWith(QStringLiteral("TOKEN=$(az account get-access-token")));
}

TEST(PipelineOps, SubmitPipelineJobPutsTheDefinitionAsTheContractExampleHasIt)
{
    const json example = loadJson(mlExamples() + QStringLiteral("Job/PipelineJob/createOrUpdate.json"));
    ASSERT_TRUE(example.is_object());
    const json &body = example["parameters"]["body"];
    Rig rig(Cloud::azure());
    rig.transport->handler = [&](const HttpRequest &) { return jsonResponse(201, dumpJson(example["responses"]["200"]["body"])); };
    auto job = rig.await<Job>([&](QObject *c, auto done) {
        rig.ops->submitPipelineJob(QStringLiteral("p2"), dumpJson(body["properties"]), c, done);
    });
    ASSERT_TRUE(job.ok()) << job.error().toString().toStdString();
    EXPECT_EQ(job->jobType, QStringLiteral("Pipeline"));
    ASSERT_EQ(rig.transport->requests.size(), 1u);
    const HttpRequest &sent = rig.transport->requests[0];
    EXPECT_EQ(sent.method, QByteArray("PUT"));
    EXPECT_EQ(sent.url.host(), QStringLiteral("management.azure.com"));
    EXPECT_EQ(sent.url.path(), kWsPath + QStringLiteral("/jobs/p2"));
    EXPECT_EQ(QUrlQuery(sent.url).queryItemValue(QStringLiteral("api-version")), QStringLiteral("2025-12-01"));
    EXPECT_EQ(bodyOf(sent), body);
    EXPECT_EQ(sent.headers.value("Authorization"), QByteArray("Bearer t0k"));

    // What is not a definition never reaches the wire, and the error says what is wrong.
    const auto refused = [&](const QString &name, const QByteArray &definition) {
        auto r = rig.await<Job>([&](QObject *c, auto done) { rig.ops->submitPipelineJob(name, definition, c, done); });
        return r.ok() ? QString() : r.error().message;
    };
    EXPECT_TRUE(refused(QStringLiteral("p3"), "[1]").contains(QStringLiteral("not a JSON object")));
    EXPECT_TRUE(refused(QStringLiteral("p3"), "{\"jobType\":").contains(QStringLiteral("not a JSON object")));
    EXPECT_TRUE(refused(QStringLiteral("p3"), dumpJson(body)).contains(QStringLiteral("not the whole body")));
    EXPECT_TRUE(refused(QStringLiteral(" "), dumpJson(body["properties"])).contains(QStringLiteral("needs a name")));
    EXPECT_EQ(rig.transport->requests.size(), 1u);

    // The service's refusal keeps its code, message and request id.
    rig.transport->handler = [](const HttpRequest &) {
        return jsonResponse(400, R"({"error":{"code":"UserError","message":"jobs.first: unknown type 'shell'"}})",
                            {{"x-ms-request-id", "req-42"}});
    };
    auto bad = rig.await<Job>([&](QObject *c, auto done) { rig.ops->submitPipelineJob(QStringLiteral("p4"), R"({"jobType":"Pipeline"})", c, done); });
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().httpStatus, 400);
    EXPECT_EQ(bad.error().code, QStringLiteral("UserError"));
    EXPECT_TRUE(bad.error().toString().contains(QStringLiteral("unknown type 'shell'")));
    EXPECT_TRUE(bad.error().toString().contains(QStringLiteral("req-42")));
}

TEST(PipelineOps, JobAndScheduleDocumentsAreTheServicesBodiesOverEveryPage)
{
    Rig rig;
    const QByteArray job = R"({"name":"p1","properties":{"jobType":"Pipeline","status":"Completed","inputs":{"avg_rate":{"jobInputType":"literal","value":"0.5"}}}})";
    rig.transport->handler = [&](const HttpRequest &request) {
        if (request.url.path().endsWith(QLatin1String("/jobs/p1")))
            return jsonResponse(200, job);
        if (request.url.path().endsWith(QLatin1String("/jobs/gone")))
            return jsonResponse(404, R"({"error":{"code":"NotFound","message":"job 'gone' not found"}})");
        const QString page = QUrlQuery(request.url).queryItemValue(QStringLiteral("page"));
        if (page == QLatin1String("2"))
            return jsonResponse(200, R"({"value":[{"name":"b","properties":{"jobType":"Pipeline"}}]})");
        return jsonResponse(200, R"({"value":[{"name":"a","properties":{"jobType":"Pipeline"}}],
            "nextLink":"http://127.0.0.1:9999/next?api-version=2025-12-01&page=2"})");
    };
    auto doc = rig.await<QByteArray>([&](QObject *c, auto done) { rig.ops->getJobDocument(QStringLiteral("p1"), c, done); });
    ASSERT_TRUE(doc.ok()) << doc.error().toString().toStdString();
    EXPECT_EQ(json::parse(doc->constBegin(), doc->constEnd()), json::parse(job.constBegin(), job.constEnd()));
    EXPECT_EQ(rig.transport->requests[0].method, QByteArray("GET"));
    EXPECT_EQ(rig.transport->requests[0].url.path(), kWsPath + QStringLiteral("/jobs/p1"));
    auto gone = rig.await<QByteArray>([&](QObject *c, auto done) { rig.ops->getJobDocument(QStringLiteral("gone"), c, done); });
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().httpStatus, 404);
    EXPECT_EQ(gone.error().code, QStringLiteral("NotFound"));

    rig.transport->requests.clear();
    auto jobs = rig.await<QList<QByteArray>>([&](QObject *c, auto done) { rig.ops->listPipelineJobDocuments(c, done); });
    ASSERT_TRUE(jobs.ok()) << jobs.error().toString().toStdString();
    ASSERT_EQ(jobs->size(), 2);
    EXPECT_EQ(json::parse(jobs->at(0).constBegin(), jobs->at(0).constEnd())["name"], "a");
    EXPECT_EQ(json::parse(jobs->at(1).constBegin(), jobs->at(1).constEnd())["name"], "b");
    ASSERT_EQ(rig.transport->requests.size(), 2u);
    EXPECT_EQ(rig.transport->requests[0].url.path(), kWsPath + QStringLiteral("/jobs"));
    EXPECT_EQ(QUrlQuery(rig.transport->requests[0].url).queryItemValue(QStringLiteral("jobType")), QStringLiteral("Pipeline"));
    EXPECT_EQ(QUrlQuery(rig.transport->requests[0].url).queryItemValue(QStringLiteral("api-version")), QStringLiteral("2025-12-01"));

    rig.transport->requests.clear();
    auto schedules = rig.await<QList<QByteArray>>([&](QObject *c, auto done) { rig.ops->listScheduleDocuments(c, done); });
    ASSERT_TRUE(schedules.ok()) << schedules.error().toString().toStdString();
    EXPECT_EQ(schedules->size(), 2);
    EXPECT_EQ(rig.transport->requests[0].url.path(), kWsPath + QStringLiteral("/schedules"));
}
