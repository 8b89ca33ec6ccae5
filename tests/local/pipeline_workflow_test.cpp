// The pipeline and batch workflows of core/azure (PipelineRun, BatchRun and the readers of what a
// user types) against the local workspace service on a loopback socket, signed in as its
// built-in principal: what the Pipelines page and `cerulean-cli pipeline` run, with the real
// job runner, bubblewrapped command steps and a real scoring model. A refused request keeps
// the service's status, code, message and request id all the way to the workflow's error.

#include "core/automl/csv.h"
#include "core/automl/engine.h"
#include "core/azure/batch_run.h"
#include "core/azure/client.h"
#include "core/azure/identity.h"
#include "core/azure/pipeline_run.h"
#include "core/azure/pipeline_spec.h"
#include "core/local/local_server.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

using namespace cerulean;
using namespace cerulean::azure;
using namespace std::chrono_literals;

namespace {

constexpr std::chrono::milliseconds kPace = 50ms;
constexpr std::chrono::milliseconds kRunTimeout = 60s;

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

template <class T>
Result<T> await(const std::function<void(QObject *, Done<T>)> &call)
{
    std::optional<Result<T>> out;
    QObject context;
    call(&context, [&out](Result<T> result) { out.emplace(std::move(result)); });
    if (!turnUntil([&out] { return out.has_value(); }, kRunTimeout))
        return AzureError::timeout(QStringLiteral("the test's wait"));
    return std::move(*out);
}

std::string text(const AzureError &error) { return error.toString().toStdString(); }

// The service's request id: a GUID it made for its answer (x-ms-request-id), not ours.
bool isServiceRequestId(const QString &id)
{
    static const QRegularExpression guid(QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"));
    return guid.match(id).hasMatch();
}

const QString kSmallCsv = QStringLiteral(CERULEAN_SOURCE_DIR "/tests/data/local/small.csv");

// Two command steps: the first writes the rate it got, the second prints what the first wrote.
QByteArray twoStepPipeline(const QString &parameter = QStringLiteral("avg_rate"))
{
    return QStringLiteral(R"({"jobType": "Pipeline", "experimentName": "workflows",
        "inputs": {"avg_rate": {"jobInputType": "literal", "value": "0.5"}},
        "jobs": {"first": {"type": "command", "command": "echo rate=${{inputs.r}} > ${{outputs.out}}/rate.txt",
                           "inputs": {"r": "${{parent.inputs.%1}}"}, "outputs": {"out": {"type": "uri_folder"}}},
                 "second": {"type": "command", "command": "cat ${{inputs.f}}/rate.txt",
                            "inputs": {"f": "${{parent.jobs.first.outputs.out}}"}}}})")
        .arg(parameter)
        .toUtf8();
}

class Workflows : public ::testing::Test
{
protected:
    void SetUp() override
    {
        local::LocalServerOptions options;
        options.service.root = m_dir.filePath(QStringLiteral("root"));
        options.threads = 2;
        m_server = std::make_unique<local::LocalServer>(options);
        QString error;
        ASSERT_TRUE(m_server->start(&error)) << error.toStdString();
        m_ref = WorkspaceRef{m_server->service().subscriptionId(), QStringLiteral("rg"), QStringLiteral("workflows")};
        ASSERT_EQ(call("PUT", QStringLiteral("/subscriptions/%1/resourceGroups/rg").arg(m_ref.subscriptionId),
                       R"({"location":"local"})", QStringLiteral("2025-04-01")),
                  201);
        ASSERT_EQ(call("PUT", m_ref.armId(), R"({"location":"local","properties":{"friendlyName":"Workflows"}})"), 202);
        // The workspace is provisioned in the background, as ARM does.
        ASSERT_TRUE(turnUntil([this] { return call("GET", m_ref.armId(), {}) == 200 && provisioned(); }, kRunTimeout));
        const local::LocalPrincipal principal = m_server->service().builtInPrincipal();
        const Cloud cloud = Cloud::local(m_server->baseUrl());
        auto transport = AzureClient::networkTransport();
        auto credential = std::make_shared<ClientSecretCredential>(cloud, principal.tenantId, principal.clientId,
                                                                   principal.clientSecret, AzureClient::tokenPipeline(transport));
        m_client = std::make_shared<AzureClient>(cloud, credential, transport);
    }

    // One ARM call straight to the service (in-process), for what the test sets up.
    int call(const QByteArray &method, const QString &path, const QByteArray &body,
             const QString &apiVersion = QStringLiteral("2025-12-01"))
    {
        const QString target = path + QStringLiteral("?api-version=") + apiVersion;
        const QByteArray token = "Bearer " + m_server->service().issueToken().toLatin1();
        return m_server->service().handle(local::makeRequest(method, target, body, {{"Authorization", token}})).status;
    }

    bool provisioned()
    {
        const QString target = m_ref.armId() + QStringLiteral("?api-version=2025-12-01");
        const QByteArray token = "Bearer " + m_server->service().issueToken().toLatin1();
        const local::ApiResponse r = m_server->service().handle(local::makeRequest("GET", target, {}, {{"Authorization", token}}));
        return r.json().value("properties", local::Json::object()).value("provisioningState", std::string()) == "Succeeded";
    }

    PipelineOperations operations() const { return PipelineOperations(m_client->arm(), m_client->cloud(), m_ref); }

    // A small real model (XGBoost on the 60 rows of small.csv) registered as tiny:1, and a cluster.
    void registerTinyModel()
    {
        auto table = automl::readCsvFile(kSmallCsv.toStdString());
        ASSERT_TRUE(table) << table.error();
        const QString dir = m_dir.filePath(QStringLiteral("tiny"));
        auto package = automl::trainQuickPackage(table->data, "y", dir.toStdString());
        ASSERT_TRUE(package) << package.error();
        const QString model = QStringLiteral(R"({"properties":{"modelType":"custom_model","modelUri":"file://%1"}})").arg(dir);
        ASSERT_EQ(call("PUT", m_ref.armId() + QStringLiteral("/models/tiny/versions/1"), model.toUtf8()), 201);
        ASSERT_EQ(call("PUT", m_ref.armId() + QStringLiteral("/computes/cpu"),
                       R"({"location":"local","properties":{"computeType":"AmlCompute","properties":{"scaleSettings":{"maxNodeCount":2}}}})"),
                  201);
    }

    // small.csv with the age of some data rows (1-based) made unreadable.
    QString corrupted(const QList<int> &rows)
    {
        QFile in(kSmallCsv);
        EXPECT_TRUE(in.open(QIODevice::ReadOnly));
        QList<QByteArray> lines = in.readAll().split('\n');
        for (int row : rows)
            lines[row] = "not-a-number" + lines[row].mid(lines[row].indexOf(','));
        const QString path = m_dir.filePath(QStringLiteral("corrupted.csv"));
        QFile out(path);
        EXPECT_TRUE(out.open(QIODevice::WriteOnly));
        out.write(lines.join('\n'));
        return path;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<local::LocalServer> m_server;
    std::shared_ptr<AzureClient> m_client;
    WorkspaceRef m_ref;
};

PipelineRunOptions quickRun()
{
    PipelineRunOptions options;
    options.pollInterval = kPace;
    return options;
}

} // namespace

TEST_F(Workflows, APipelineRunIsSubmittedFollowedToItsEndAndItsStepLogsRead)
{
    PipelineRun run(operations(), quickRun());
    QStringList submitted;
    int reads = 0;
    QObject::connect(&run, &PipelineRun::submitted, [&submitted](const QString &job) { submitted << job; });
    QObject::connect(&run, &PipelineRun::jobRead, [&reads] { ++reads; });
    run.submit(QStringLiteral("p1"), twoStepPipeline());
    ASSERT_TRUE(turnUntil([&run] { return run.isDone(); }, kRunTimeout));
    ASSERT_FALSE(run.error().isError()) << text(run.error());
    EXPECT_EQ(submitted, QStringList{QStringLiteral("p1")});
    EXPECT_GE(reads, 1);
    ASSERT_TRUE(run.job().has_value());
    EXPECT_EQ(run.job()->status, QStringLiteral("Completed"));
    ASSERT_EQ(run.steps().size(), 2);
    const PipelineStep *second = nullptr;
    for (const PipelineStep &step : run.steps()) {
        EXPECT_EQ(step.status, QStringLiteral("Completed")) << step.name.toStdString();
        EXPECT_EQ(step.type, QStringLiteral("command"));
        if (step.name == QLatin1String("second"))
            second = &step;
    }
    ASSERT_NE(second, nullptr);
    // Finished means every finished command step's log is in.
    ASSERT_TRUE(run.stepLog(second->jobName).has_value());
    EXPECT_TRUE(run.stepLog(second->jobName)->contains(QLatin1String("rate=0.5"))) << run.stepLog(second->jobName)->toStdString();
    EXPECT_EQ(pipelineParameters(QJsonDocument::fromJson(run.job()->document).object()).value(QStringLiteral("avg_rate")).toString(),
              QStringLiteral("0.5"));

    // Again with another value: the definition the job was made from, one input changed.
    EXPECT_FALSE(rerunDefinition(run.job()->document, QJsonObject{{QStringLiteral("nope"), 1}}).ok());
    const auto again = rerunDefinition(run.job()->document, QJsonObject{{QStringLiteral("avg_rate"), 0.75}}, QStringLiteral("reruns"));
    ASSERT_TRUE(again.ok()) << text(again.error());
    PipelineRun rerun(operations(), quickRun());
    rerun.submit(QStringLiteral("p2"), QJsonDocument(again.value()).toJson(QJsonDocument::Compact));
    ASSERT_TRUE(turnUntil([&rerun] { return rerun.isDone(); }, kRunTimeout));
    ASSERT_FALSE(rerun.error().isError()) << text(rerun.error());
    EXPECT_EQ(rerun.job()->experimentName, QStringLiteral("reruns"));
    bool sawNewRate = false;
    for (const PipelineStep &step : rerun.steps())
        sawNewRate = sawNewRate || rerun.stepLog(step.jobName).value_or(QString()).contains(QLatin1String("rate=0.75"));
    EXPECT_TRUE(sawNewRate);

    // Followed again once done, a run reads the job again (the Refresh button); the logs it
    // read stay.
    const int readsBefore = reads;
    const QString secondJob = second->jobName; // the steps are read again: `second` goes
    run.follow(QStringLiteral("p1"));
    EXPECT_FALSE(run.isDone());
    ASSERT_TRUE(turnUntil([&run] { return run.isDone(); }, kRunTimeout));
    EXPECT_GT(reads, readsBefore);
    EXPECT_TRUE(run.stepLog(secondJob).value_or(QString()).contains(QLatin1String("rate=0.5")));

    // Made to follow another job while a read of the first is on its way, a run shows the
    // other job only: the late answer about the first is dropped.
    QStringList shown;
    QObject::connect(&rerun, &PipelineRun::jobRead, [&rerun, &shown] { shown << rerun.job()->name; });
    rerun.follow(QStringLiteral("p2"));
    rerun.follow(QStringLiteral("p1"));
    ASSERT_TRUE(turnUntil([&rerun] { return rerun.isDone(); }, kRunTimeout));
    ASSERT_FALSE(shown.isEmpty());
    EXPECT_EQ(shown.filter(QStringLiteral("p2")), QStringList()) << "a page bound to the run would show p2";
    ASSERT_FALSE(rerun.error().isError()) << text(rerun.error());
    EXPECT_EQ(rerun.name(), QStringLiteral("p1"));
    ASSERT_TRUE(rerun.job().has_value());
    EXPECT_EQ(rerun.job()->name, QStringLiteral("p1"));
    EXPECT_EQ(rerun.job()->experimentName, QStringLiteral("workflows"));
    ASSERT_EQ(rerun.steps().size(), 2);
    for (const PipelineStep &step : rerun.steps()) {
        const QString log = rerun.stepLog(step.jobName).value_or(QString());
        EXPECT_FALSE(log.contains(QLatin1String("rate=0.75"))) << log.toStdString();
        if (step.name == QLatin1String("second")) {
            EXPECT_TRUE(log.contains(QLatin1String("rate=0.5"))) << log.toStdString();
        }
    }
}

TEST_F(Workflows, ARefusedPipelineKeepsTheServicesStatusCodeMessageAndRequestId)
{
    // A step bound to a parent input the pipeline does not have: the service refuses the job.
    PipelineRun run(operations(), quickRun());
    bool submitted = false;
    QObject::connect(&run, &PipelineRun::submitted, [&submitted] { submitted = true; });
    run.submit(QStringLiteral("bad"), twoStepPipeline(QStringLiteral("nope")));
    ASSERT_TRUE(turnUntil([&run] { return run.isDone(); }, kRunTimeout));
    const AzureError &error = run.error();
    ASSERT_TRUE(error.isError());
    EXPECT_FALSE(submitted);
    EXPECT_FALSE(run.job().has_value());
    EXPECT_EQ(error.kind, ErrorKind::Http);
    EXPECT_EQ(error.httpStatus, 400) << text(error);
    EXPECT_FALSE(error.code.isEmpty()) << text(error);
    EXPECT_TRUE(error.message.contains(QLatin1String("nope"))) << text(error);
    EXPECT_TRUE(isServiceRequestId(error.requestId)) << text(error);
    EXPECT_TRUE(error.toString().contains(error.requestId)) << "what the user reads names it";

    // Following a job that does not exist: the 404 as the service sent it.
    PipelineRun missing(operations(), quickRun());
    missing.follow(QStringLiteral("no-such-job"));
    ASSERT_TRUE(turnUntil([&missing] { return missing.isDone(); }, kRunTimeout));
    EXPECT_EQ(missing.error().httpStatus, 404) << text(missing.error());
    EXPECT_TRUE(isServiceRequestId(missing.error().requestId)) << text(missing.error());
}

TEST_F(Workflows, ABatchRunDeploysScoresFollowsAndFetchesItsRows)
{
    registerTinyModel();
    if (HasFatalFailure())
        return;
    BatchRunRequest request;
    request.endpoint = QStringLiteral("tiny");
    request.deployment = QStringLiteral("main");
    request.model = QStringLiteral("azureml:tiny:1");
    request.compute = QStringLiteral("cpu");
    request.input = kSmallCsv;
    request.miniBatchSize = 7;
    request.instanceCount = 2;
    const auto spec = batchDeploymentSpec(request, m_ref);
    ASSERT_TRUE(spec.ok()) << text(spec.error());
    const auto input = batchRunInput(request);
    ASSERT_TRUE(input.ok()) << text(input.error());
    BatchRunOptions options;
    options.pollInterval = kPace;
    BatchRun run(operations(), options);
    QList<BatchRun::Stage> stages;
    int progressed = 0;
    QObject::connect(&run, &BatchRun::stageChanged, [&stages](BatchRun::Stage stage) { stages << stage; });
    QObject::connect(&run, &BatchRun::progressed, [&progressed] { ++progressed; });
    run.deployAndScore(spec.value(), input.value());
    ASSERT_TRUE(turnUntil([&run] { return run.isDone(); }, kRunTimeout));
    ASSERT_FALSE(run.error().isError()) << text(run.error());
    EXPECT_TRUE(run.succeeded());
    using S = BatchRun::Stage;
    EXPECT_EQ(stages, (QList<S>{S::ReadingWorkspace, S::CreatingEndpoint, S::CreatingDeployment, S::StartingJob, S::Scoring,
                                S::Finished}));
    EXPECT_GE(progressed, 1);
    EXPECT_EQ(run.progress().status, QStringLiteral("Completed"));
    EXPECT_EQ(run.progress().rowsTotal, 60);
    EXPECT_EQ(run.progress().rowsProcessed, 60);
    EXPECT_EQ(run.progress().rowsFailed, 0);
    EXPECT_EQ(run.progress().miniBatchSize, 7);

    // The rows file: every input row, in order, with its prediction.
    const auto rows = await<QByteArray>([&run](QObject *c, auto d) { run.fetchOutput(c, d); });
    ASSERT_TRUE(rows.ok()) << text(rows.error());
    const QList<QByteArray> lines = rows.value().trimmed().split('\n');
    EXPECT_EQ(lines.size(), 60);
    QFile data(kSmallCsv);
    ASSERT_TRUE(data.open(QIODevice::ReadOnly));
    const QList<QByteArray> inputLines = data.readAll().split('\n');
    EXPECT_TRUE(lines.first().startsWith(QByteArray(inputLines[1] + ','))) << lines.first().toStdString();

    // A strict deployment on the same endpoint: past its threshold the job fails and says why;
    // the run itself ended as it should (no refused request), but did not succeed.
    request.deployment = QStringLiteral("strict");
    request.errorThreshold = 1;
    const auto strict = batchDeploymentSpec(request, m_ref);
    ASSERT_TRUE(strict.ok()) << text(strict.error());
    BatchRun deploy(operations(), options);
    deploy.deploy(strict.value());
    ASSERT_TRUE(turnUntil([&deploy] { return deploy.isDone(); }, kRunTimeout));
    ASSERT_TRUE(deploy.succeeded()) << text(deploy.error());
    EXPECT_TRUE(deploy.jobName().isEmpty());
    BatchRun failing(operations(), options);
    failing.score(QStringLiteral("tiny"), BatchInput{corrupted({3, 20, 41}), false}, QStringLiteral("strict"));
    ASSERT_TRUE(turnUntil([&failing] { return failing.isDone(); }, kRunTimeout));
    EXPECT_FALSE(failing.error().isError()) << text(failing.error());
    EXPECT_FALSE(failing.succeeded());
    EXPECT_EQ(failing.progress().status, QStringLiteral("Failed"));
    EXPECT_TRUE(failing.progress().error.contains(QLatin1String("threshold"))) << failing.progress().error.toStdString();
    ASSERT_GE(failing.progress().failedRows.size(), 2);
    EXPECT_EQ(failing.progress().failedRows.first().line, 4); // data row 3 is the file's line 4
}

TEST_F(Workflows, ABatchRunThatIsRefusedSaysWhereWithTheRequestId)
{
    BatchRunOptions options;
    options.pollInterval = kPace;
    BatchRun run(operations(), options);
    QList<BatchRun::Stage> stages;
    QObject::connect(&run, &BatchRun::stageChanged, [&stages](BatchRun::Stage stage) { stages << stage; });
    run.score(QStringLiteral("nothere"), BatchInput{kSmallCsv, false});
    ASSERT_TRUE(turnUntil([&run] { return run.isDone(); }, kRunTimeout));
    EXPECT_FALSE(run.succeeded());
    EXPECT_EQ(stages, (QList<BatchRun::Stage>{BatchRun::Stage::StartingJob, BatchRun::Stage::Finished}));
    EXPECT_EQ(run.error().httpStatus, 404) << text(run.error());
    EXPECT_TRUE(run.error().message.contains(QLatin1String("nothere"))) << text(run.error());
    EXPECT_TRUE(isServiceRequestId(run.error().requestId)) << text(run.error());
    EXPECT_FALSE(await<QByteArray>([&run](QObject *c, auto d) { run.fetchOutput(c, d); }).ok()) << "no job, no rows";
}

// What a user types, read once (no service needed).
TEST(BatchRequest, ModelsComputesInputsAndFileNamesAreReadOnce)
{
    const WorkspaceRef ws{QStringLiteral("sub"), QStringLiteral("rg"), QStringLiteral("ws")};
    const QString wsId = ws.armId();
    EXPECT_EQ(modelVersionId(QStringLiteral("azureml:bank:3"), ws).value(), wsId + QStringLiteral("/models/bank/versions/3"));
    EXPECT_EQ(modelVersionId(QStringLiteral(" bank.v2:12 "), ws).value(), wsId + QStringLiteral("/models/bank.v2/versions/12"));
    const QString id = wsId + QStringLiteral("/models/other/versions/1");
    EXPECT_EQ(modelVersionId(id, ws).value(), id);
    EXPECT_EQ(modelVersionId(QStringLiteral("azureml://registries/r/models/m/versions/1"), ws).value(),
              QStringLiteral("azureml://registries/r/models/m/versions/1"));
    for (const char *bad : {"", "azureml:bank", "azureml:bank:latest", "bank:1:2", "/models/bank/versions/1"}) {
        const auto model = modelVersionId(QString::fromLatin1(bad), ws);
        ASSERT_FALSE(model.ok()) << bad;
        EXPECT_TRUE(model.error().message.startsWith(QLatin1String("model:"))) << model.error().message.toStdString();
        EXPECT_EQ(model.error().kind, ErrorKind::InvalidInput);
    }
    EXPECT_EQ(computeId(QStringLiteral("cpu"), ws).value(), wsId + QStringLiteral("/computes/cpu"));
    EXPECT_EQ(computeId(QStringLiteral("azureml:gpu-1"), ws).value(), wsId + QStringLiteral("/computes/gpu-1"));
    EXPECT_FALSE(computeId(QStringLiteral("a/b"), ws).ok());
    EXPECT_FALSE(computeId({}, ws).ok());

    BatchRunRequest request;
    request.endpoint = QStringLiteral("e");
    request.deployment = QStringLiteral("d");
    request.model = QStringLiteral("azureml:bank:3");
    request.compute = QStringLiteral("cpu");
    auto spec = batchDeploymentSpec(request, ws);
    ASSERT_TRUE(spec.ok()) << text(spec.error());
    EXPECT_EQ(spec->outputFileName, QString::fromLatin1(kBatchOutputFileName));
    EXPECT_EQ(spec->maxConcurrencyPerInstance, 1);
    EXPECT_EQ(spec->compute, wsId + QStringLiteral("/computes/cpu"));
    for (const char *bad : {"../rows.txt", "out/rows.txt", ".."}) {
        request.outputFileName = QString::fromLatin1(bad);
        const auto refused = batchDeploymentSpec(request, ws);
        ASSERT_FALSE(refused.ok()) << bad;
        EXPECT_TRUE(refused.error().message.startsWith(QLatin1String("output file:"))) << refused.error().message.toStdString();
    }
    request.outputFileName = QStringLiteral("rows.csv");
    request.miniBatchSize = 0;
    EXPECT_EQ(batchDeploymentSpec(request, ws).error().message, QStringLiteral("mini-batch size: at least 1, not 0."));
    request.miniBatchSize = 1;
    request.errorThreshold = -2;
    EXPECT_TRUE(batchDeploymentSpec(request, ws).error().message.startsWith(QLatin1String("error threshold:")));
    request.errorThreshold = -1;
    request.deployment.clear();
    EXPECT_TRUE(batchDeploymentSpec(request, ws).error().message.startsWith(QLatin1String("deployment:")));

    // The input: a folder is a folder, a URI ending in / is one; a type that contradicts is refused.
    request.input = QStringLiteral(CERULEAN_SOURCE_DIR "/tests/data/local");
    EXPECT_TRUE(batchRunInput(request).value().isFolder);
    request.inputType = QStringLiteral("uri_file");
    EXPECT_TRUE(batchRunInput(request).error().message.contains(QLatin1String("is a folder, not a file")));
    request.inputType.clear();
    request.input = QStringLiteral("azureml://datastores/workspaceblobstore/paths/batch/");
    EXPECT_TRUE(batchRunInput(request).value().isFolder);
    request.input = QStringLiteral("  ");
    EXPECT_TRUE(batchRunInput(request).error().message.startsWith(QLatin1String("input:")));
}

// The training pipeline a form describes, and parameters as typed.
TEST(PipelineSpec, TheTrainingPipelineAndItsParametersAreReadOnce)
{
    TrainingPipelineSpec spec;
    spec.trainingData = QStringLiteral("azureml:bank:1");
    spec.modelName = QStringLiteral("bank-model");
    const auto definition = trainingPipelineDefinition(spec);
    ASSERT_TRUE(definition.ok()) << text(definition.error());
    const QJsonObject def = definition.value();
    EXPECT_EQ(def.value(QStringLiteral("settings")).toObject().value(QStringLiteral("default_compute")).toString(),
              QStringLiteral("azureml:cpu"));
    EXPECT_EQ(def.value(QStringLiteral("inputs")).toObject().value(QStringLiteral("avg_rate")).toObject().value(QStringLiteral("value")),
              QStringLiteral("0.5"));
    EXPECT_EQ(def.value(QStringLiteral("outputs")).toObject().value(QStringLiteral("trained_model")).toObject().value(
                  QStringLiteral("assetName")),
              QStringLiteral("bank-model"));
    spec.trainingData.clear();
    EXPECT_TRUE(trainingPipelineDefinition(spec).error().message.startsWith(QLatin1String("training data:")));
    spec.trainingData = QStringLiteral("azureml:bank:1");
    spec.parameters = QStringLiteral("training_data=1");
    EXPECT_TRUE(trainingPipelineDefinition(spec).error().message.contains(QLatin1String("data input")));

    // One reader for the form's text and the CLI's --set items; 0.7 stays 0.7 on the way back.
    const auto typed = parameterAssignments(QStringLiteral(" avg_rate = 0.7 , mode=fast "));
    ASSERT_TRUE(typed.ok());
    EXPECT_EQ(parameterAssignmentsText(typed.value()), QStringLiteral("avg_rate=0.7, mode=fast"));
    const auto items = parameterAssignments(QStringList{QStringLiteral("list=1,2"), QStringLiteral("n=3")});
    ASSERT_TRUE(items.ok());
    EXPECT_EQ(items->value(QStringLiteral("list")).toString(), QStringLiteral("1,2"));
    EXPECT_EQ(items->value(QStringLiteral("n")).toDouble(), 3.0);
    for (const char *bad : {"a", "2x=1", "a=1, a=2", "a="})
        EXPECT_FALSE(parameterAssignments(QString::fromLatin1(bad)).ok()) << bad;
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
