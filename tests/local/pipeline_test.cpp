// Pipelines on the local workspace over loopback HTTP: a training pipeline (AutoML step,
// command step with a parameter, model registration), step reuse, YAML export, publishing
// and the REST trigger called with curl and a token curl fetched from the token endpoint,
// and batch inference checked row for row against `cerulean-cli score`.

#include "core/azure/batch_defaults.h"
#include "core/local/local_server.h"
#include "core/local/pipeline_runner.h"
#include "core/azure/job_yaml.h"
#include "core/azure/pipeline_ops.h"
#include "tests/local/local_test_util.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace cerulean::local;
using namespace cerulean::local::test;

namespace {

// Where a batch job's scoring step appends its rows when the deployment names no file.
const QString kRowsFile = QStringLiteral("outputs/job_output/") + QLatin1String(cerulean::azure::kBatchOutputFileName);

QString trainCsv() { return QDir::cleanPath(sharedDir() + QStringLiteral("/data/bankmarketing_train.csv")); }
QString testCsv() { return QDir::cleanPath(sharedDir() + QStringLiteral("/data/bankmarketing_test.csv")); }

QString cliPath()
{
    const QByteArray env = qgetenv("CERULEAN_CLI");
    return QString::fromLocal8Bit(env);
}

struct Curl
{
    int exitCode = -1;
    int status = 0;
    QByteArray body;
};

// curl as a separate process; the body goes through stdin so no secret is on a command line.
Curl curl(const QString &method, const QString &url, const QByteArray &body, const QStringList &headers)
{
    QStringList args{QStringLiteral("-s"), QStringLiteral("-X"), method, QStringLiteral("-w"), QStringLiteral("\n%{http_code}")};
    for (const QString &h : headers)
        args << QStringLiteral("-H") << h;
    if (!body.isEmpty())
        args << QStringLiteral("--data-binary") << QStringLiteral("@-");
    args << url;
    QProcess p;
    p.start(QStringLiteral("curl"), args);
    Curl out;
    if (!p.waitForStarted(10000))
        return out;
    p.write(body);
    p.closeWriteChannel();
    p.waitForFinished(60000);
    out.exitCode = p.exitCode();
    QByteArray all = p.readAllStandardOutput();
    const qsizetype nl = all.lastIndexOf('\n');
    out.status = all.mid(nl + 1).trimmed().toInt();
    out.body = all.left(nl);
    return out;
}

Json parse(const QByteArray &b) { return Json::parse(b.constData(), b.constData() + b.size(), nullptr, false); }

class PipelineFlow : public ::testing::Test
{
protected:
    // One trained pipeline serves both suites (PipelineFlow and BatchFlow); the server goes
    // away with the test program's environment.
    static void SetUpTestSuite()
    {
        if (s_server)
            return;
        s_dir = new QTemporaryDir;
        LocalServerOptions options;
        options.service.root = s_dir->path();
        options.service.scheduler.tickInterval = std::chrono::milliseconds(0);
        s_server = new LocalServer(options);
        QString error;
        ASSERT_TRUE(s_server->start(&error)) << error.toStdString();
        LocalService &svc = s_server->service();
        const QString sub = QStringLiteral("/subscriptions/") + svc.subscriptionId();
        s_ws = sub + QStringLiteral("/resourceGroups/rg1/providers/Microsoft.MachineLearningServices/workspaces/ws1");
        ASSERT_EQ(svc.internalRequest("PUT", sub + QStringLiteral("/resourceGroups/rg1"), Json{{"location", "local"}}).status, 201);
        ASSERT_EQ(svc.internalRequest("PUT", s_ws, Json{{"location", "local"}}).status, 202);
        const auto compute = svc.internalRequest(
            "PUT", s_ws + QStringLiteral("/computes/cpu"),
            Json{{"properties", {{"computeType", "AmlCompute"}, {"properties", {{"scaleSettings", {{"maxNodeCount", 2}}}}}}}});
        ASSERT_LT(compute.status, 300) << compute.body.toStdString();
        const auto data = svc.internalRequest(
            "PUT", s_ws + QStringLiteral("/data/bank-train/versions/1"),
            Json{{"properties", {{"dataType", "uri_file"}, {"dataUri", s(trainCsv())}}}});
        ASSERT_LT(data.status, 300) << data.body.toStdString();

        // The training pipeline: data input -> AutoML -> register model, plus a command
        // step that reads the avg_rate parameter and the trained model.
        const auto put = svc.internalRequest("PUT", s_ws + QStringLiteral("/jobs/train-1"), trainingPipeline());
        ASSERT_EQ(put.status, 201) << put.body.toStdString();
        ASSERT_EQ(waitFor(QStringLiteral("train-1"), std::chrono::seconds(150)), QStringLiteral("Completed"))
            << failure(QStringLiteral("train-1"));
    }

    static void release()
    {
        delete s_server;
        s_server = nullptr;
        delete s_dir;
        s_dir = nullptr;
    }

    static std::string s(const QString &q) { return q.toStdString(); }

    static Json trainingPipeline()
    {
        return Json{
            {"properties",
             {{"jobType", "Pipeline"},
              {"experimentName", "bank-pipeline"},
              {"displayName", "Bank marketing training"},
              {"description", "AutoML on the bank marketing data, then a report step."},
              {"settings", {{"default_compute", "azureml:cpu"}}},
              {"inputs",
               {{"training_data", {{"jobInputType", "uri_file"}, {"uri", "azureml:bank-train:1"}}},
                {"avg_rate", {{"jobInputType", "literal"}, {"value", "0.5"}}}}},
              {"outputs", {{"trained_model", {{"jobOutputType", "mlflow_model"}, {"assetName", "bank-model"}}}}},
              {"jobs",
               {{"train",
                 {{"type", "automl"},
                  {"task", "classification"},
                  {"primary_metric", "AUC_weighted"},
                  {"target_column_name", "y"},
                  {"training_data", "${{parent.inputs.training_data}}"},
                  {"limits", {{"max_trials", 2}, {"max_concurrent_trials", 2}, {"timeout_minutes", 1}}},
                  {"training",
                   {{"enable_stack_ensemble", false},
                    {"enable_vote_ensemble", false},
                    {"enable_model_explainability", false},
                    {"allowed_training_algorithms", {"XGBoostClassifier"}}}},
                  {"outputs", {{"best_model", "${{parent.outputs.trained_model}}"}}}}},
                {"report",
                 {{"type", "command"},
                  {"command", "echo avg_rate=${{inputs.avg_rate}} > ${{outputs.report}}/rate.txt && ls ${{inputs.model}}"},
                  {"inputs", {{"avg_rate", "${{parent.inputs.avg_rate}}"}, {"model", "${{parent.jobs.train.outputs.best_model}}"}}},
                  {"outputs", {{"report", {{"type", "uri_folder"}}}}}}}}}}}};
    }

    static LocalService &svc() { return s_server->service(); }

    static std::optional<StoredResource> job(const QString &name)
    {
        return svc().store().resource(s_ws + QStringLiteral("/jobs/") + name);
    }

    static QString waitFor(const QString &name, std::chrono::seconds limit)
    {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            const auto j = job(name);
            if (j && (j->state == QLatin1String("Completed") || j->state == QLatin1String("Failed") ||
                      j->state == QLatin1String("Canceled")))
                return j->state;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        const auto j = job(name);
        return j ? j->state + QStringLiteral(" (timed out)") : QStringLiteral("missing");
    }

    static std::string failure(const QString &name)
    {
        const auto j = job(name);
        return j ? j->doc.value("_local", Json::object()).value("error", Json::object()).dump() : std::string("no job");
    }

    static QByteArray artifact(const QString &run, const QString &path)
    {
        QFile f(svc().store().artifactsDir() + QLatin1Char('/') + run + QLatin1Char('/') + path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    // Steps of a pipeline job as the jobs list shows them.
    static std::map<QString, Json> steps(const QString &pipeline)
    {
        const auto r = svc().internalRequest("GET", s_ws + QStringLiteral("/jobs?parentJobName=") + pipeline);
        std::map<QString, Json> out;
        EXPECT_EQ(r.status, 200) << r.body.toStdString();
        const Json list = r.json();
        for (const Json &j : list["value"])
            out[QString::fromStdString(j["properties"]["properties"].value("azureml.pipeline.stepName", std::string()))] = j;
        return out;
    }

    // The child job that ran `step` of `pipeline` (child jobs have names of their own).
    static QString stepJob(const QString &pipeline, const QString &step)
    {
        const auto all = steps(pipeline);
        const auto it = all.find(step);
        return it == all.end() ? QStringLiteral("no-step") : QString::fromStdString(it->second.value("name", std::string()));
    }

    static QString bearer()
    {
        const LocalPrincipal p = svc().builtInPrincipal();
        const Curl token = curl(QStringLiteral("POST"), s_server->baseUrl().toString() + QLatin1Char('/') + p.tenantId +
                                                             QStringLiteral("/oauth2/v2.0/token"),
                                QString(QStringLiteral("grant_type=client_credentials&client_id=") + p.clientId +
                                        QStringLiteral("&client_secret=") + p.clientSecret +
                                        QStringLiteral("&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"))
                                    .toUtf8(),
                                {});
        EXPECT_EQ(token.status, 200) << token.body.toStdString();
        return QString::fromStdString(parse(token.body).value("access_token", std::string()));
    }

    static inline QTemporaryDir *s_dir = nullptr;
    static inline LocalServer *s_server = nullptr;
    static inline QString s_ws;
};

TEST_F(PipelineFlow, TrainingPipelineRunsItsStepsAndRegistersTheModel)
{
    const auto pipeline = job(QStringLiteral("train-1"));
    ASSERT_TRUE(pipeline);
    EXPECT_EQ(pipeline->doc["properties"]["properties"].value("azureml.pipeline.registeredModel.trained_model", std::string()),
              "bank-model:1");
    const auto model = svc().store().resource(s_ws + QStringLiteral("/models/bank-model/versions/1"));
    ASSERT_TRUE(model);
    EXPECT_EQ(model->doc["properties"].value("modelUri", std::string()),
              QStringLiteral("azureml://jobs/%1/outputs/best_model").arg(stepJob(QStringLiteral("train-1"), QStringLiteral("train"))).toStdString());
    QString error;
    EXPECT_TRUE(svc().resolveModelPath(s_ws, QStringLiteral("azureml:bank-model:1"), &error)) << error.toStdString();

    // Each step is a child job with its status, log and outputs.
    const auto st = steps(QStringLiteral("train-1"));
    ASSERT_EQ(st.size(), 2u);
    EXPECT_EQ(st.at(QStringLiteral("train"))["properties"]["jobType"], "AutoML");
    EXPECT_EQ(st.at(QStringLiteral("train"))["properties"]["status"], "Completed");
    EXPECT_EQ(st.at(QStringLiteral("report"))["properties"]["status"], "Completed");
    EXPECT_EQ(artifact(stepJob(QStringLiteral("train-1"), QStringLiteral("report")), QStringLiteral("outputs/report/rate.txt")).trimmed(), "avg_rate=0.5");
    EXPECT_TRUE(artifact(stepJob(QStringLiteral("train-1"), QStringLiteral("report")), QStringLiteral("user_logs/std_log.txt")).contains("model.json"));
    EXPECT_TRUE(artifact(QStringLiteral("train-1"), QStringLiteral("logs/azureml/executionlogs.txt")).contains("registered model bank-model version 1"));
    // MLflow sees the steps as the pipeline run's children and the trials under the AutoML step.
    EXPECT_EQ(svc().store().runs({}, QStringLiteral("train-1"), {}).size(), 2u);
    EXPECT_GE(svc().store().runs({}, stepJob(QStringLiteral("train-1"), QStringLiteral("train")), {}).size(), 1u);
}

TEST_F(PipelineFlow, UnchangedStepsAreReusedAndChangedOnesRerun)
{
    // Same data and settings, another avg_rate: the AutoML step is reused, the report reruns.
    Json body = trainingPipeline();
    body["properties"]["inputs"]["avg_rate"]["value"] = "0.7";
    ASSERT_EQ(svc().internalRequest("PUT", s_ws + QStringLiteral("/jobs/train-2"), body).status, 201);
    ASSERT_EQ(waitFor(QStringLiteral("train-2"), std::chrono::seconds(60)), QStringLiteral("Completed")) << failure(QStringLiteral("train-2"));
    const auto st = steps(QStringLiteral("train-2"));
    EXPECT_EQ(st.at(QStringLiteral("train"))["properties"]["properties"].value("azureml.isreused", std::string()), "true");
    EXPECT_EQ(st.at(QStringLiteral("train"))["properties"]["properties"].value("azureml.reusedjobname", std::string()),
              stepJob(QStringLiteral("train-1"), QStringLiteral("train")).toStdString());
    EXPECT_FALSE(st.at(QStringLiteral("report"))["properties"]["properties"].contains("azureml.isreused"));
    EXPECT_EQ(artifact(stepJob(QStringLiteral("train-2"), QStringLiteral("report")), QStringLiteral("outputs/report/rate.txt")).trimmed(), "avg_rate=0.7");
    // The reused step's model registers as the next version of the same asset.
    EXPECT_TRUE(svc().store().resource(s_ws + QStringLiteral("/models/bank-model/versions/2")));

    // force_rerun turns reuse off (shown on a command-only pipeline, which runs in moments).
    Json echo{{"properties",
               {{"jobType", "Pipeline"},
                {"inputs", {{"word", {{"jobInputType", "literal"}, {"value", "hello"}}}}},
                {"jobs", {{"say", {{"type", "command"}, {"command", "echo ${{inputs.w}}"}, {"inputs", {{"w", "${{parent.inputs.word}}"}}}}}}}}}};
    for (const char *name : {"echo-1", "echo-2"}) {
        ASSERT_EQ(svc().internalRequest("PUT", s_ws + QStringLiteral("/jobs/") + QLatin1String(name), echo).status, 201);
        ASSERT_EQ(waitFor(QLatin1String(name), std::chrono::seconds(30)), QStringLiteral("Completed"));
    }
    EXPECT_EQ(steps(QStringLiteral("echo-2")).at(QStringLiteral("say"))["properties"]["properties"].value("azureml.reusedjobname", std::string()),
              stepJob(QStringLiteral("echo-1"), QStringLiteral("say")).toStdString());
    echo["properties"]["settings"]["force_rerun"] = true;
    ASSERT_EQ(svc().internalRequest("PUT", s_ws + QStringLiteral("/jobs/echo-3"), echo).status, 201);
    ASSERT_EQ(waitFor(QStringLiteral("echo-3"), std::chrono::seconds(30)), QStringLiteral("Completed"));
    EXPECT_FALSE(steps(QStringLiteral("echo-3")).at(QStringLiteral("say"))["properties"]["properties"].contains("azureml.isreused"));
    EXPECT_EQ(artifact(stepJob(QStringLiteral("echo-3"), QStringLiteral("say")), QStringLiteral("user_logs/std_log.txt")), "$ echo \"${AZURE_ML_INPUT_w}\"\nhello\n");
}

TEST_F(PipelineFlow, ExportsAzureMlPipelineYaml)
{
    using namespace cerulean::azure;
    const auto r = svc().internalRequest("GET", s_ws + QStringLiteral("/jobs/train-1"));
    const auto yaml = writeJobYaml(r.body);
    ASSERT_TRUE(yaml) << yaml.error().message.toStdString();
    const QString text = QString::fromUtf8(yaml.value());
    for (const char *expected :
         {"type: pipeline\n", "experiment_name: bank-pipeline\n", "  default_compute: azureml:cpu\n", "  avg_rate: 0.5\n",
          "  training_data:\n    type: uri_file\n    path: azureml:bank-train:1\n",
          "  trained_model:\n    type: mlflow_model\n    name: bank-model\n", "jobs:\n  report:\n    type: command\n",
          "  train:\n    type: automl\n", "    training_data: ${{parent.inputs.training_data}}\n",
          "      best_model: ${{parent.outputs.trained_model}}\n", "      max_trials: 2\n"})
        EXPECT_TRUE(text.contains(QString::fromLatin1(expected))) << expected << "\n---\n" << text.toStdString();
    // The run's own outputs (the model version it registered, the URIs it wrote) are not part of it.
    EXPECT_FALSE(text.contains(QLatin1String("version:"))) << text.toStdString();
    EXPECT_FALSE(text.contains(QLatin1String("azureml://jobs/"))) << text.toStdString();

    // Read back, it is the definition a new run of the job starts from.
    const QStringList parts = s_ws.split(QLatin1Char('/'));
    const WorkspaceRef ws{parts.value(2), parts.value(4), parts.value(8)};
    const auto back = readJobYaml(yaml.value(), JobYamlContext{ws, {}, QStringLiteral("train-1.yml")});
    ASSERT_TRUE(back) << back.error().message.toStdString() << "\n" << text.toStdString();
    const auto definition = pipelineJobDefinition(r.body);
    ASSERT_TRUE(definition);
    const Json expected = Json::parse(definition->toStdString());
    const Json read = Json::parse(back->properties.toStdString());
    for (const char *key : {"jobType", "experimentName", "displayName", "description", "settings", "inputs", "outputs", "jobs"})
        EXPECT_EQ(read[key], expected[key]) << key;

    EXPECT_FALSE(writeJobYaml(R"({"properties":{"jobType":"AutoML","taskDetails":{"taskType":"Regression"}}})"));
}

TEST_F(PipelineFlow, PublishedPipelineRunsWhenTriggeredWithCurl)
{
    const QString base = s_server->baseUrl().toString();
    const QString token = bearer();
    ASSERT_FALSE(token.isEmpty());
    const QString auth = QStringLiteral("Authorization: Bearer ") + token;
    const QString json = QStringLiteral("Content-Type: application/json");
    const QString endpoints = base + QStringLiteral("/pipelines/v1.0") + s_ws + QStringLiteral("/PipelineEndpoints");

    Curl publish = curl(QStringLiteral("POST"), endpoints,
                        R"({"Name":"bank-train","Description":"retrain","PipelineJobName":"train-1"})", {auth, json});
    ASSERT_EQ(publish.status, 201) << publish.body.toStdString();
    const Json endpoint = parse(publish.body);
    const QString url = QString::fromStdString(endpoint.value("Url", std::string()));
    ASSERT_TRUE(url.startsWith(base + QStringLiteral("/pipelines/v1.0/subscriptions/"))) << url.toStdString();
    EXPECT_EQ(endpoint["Parameters"].value("avg_rate", std::string()), "0.5");

    // Without a token, with a wrong one, and with bad fields.
    EXPECT_EQ(curl(QStringLiteral("POST"), url, R"({"ExperimentName":"x"})", {json}).status, 401);
    EXPECT_EQ(curl(QStringLiteral("POST"), url, R"({"ExperimentName":"x"})", {QStringLiteral("Authorization: Bearer nope"), json}).status, 401);
    Curl bad = curl(QStringLiteral("POST"), url, R"({"ExperimentName":"x","ParameterAssignments":{"avg_rat":0.9}})", {auth, json});
    EXPECT_EQ(bad.status, 400);
    EXPECT_TRUE(bad.body.contains("ParameterAssignments.avg_rat")) << bad.body.toStdString();
    bad = curl(QStringLiteral("POST"), url, R"({"ParameterAssignments":{"avg_rate":0.9}})", {auth, json});
    EXPECT_EQ(bad.status, 400);
    EXPECT_TRUE(bad.body.contains("ExperimentName")) << bad.body.toStdString();
    bad = curl(QStringLiteral("POST"), url, "{not json", {auth, json});
    EXPECT_EQ(bad.status, 400);
    EXPECT_TRUE(bad.body.contains("InvalidRequestContent")) << bad.body.toStdString();
    bad = curl(QStringLiteral("POST"), url, R"({"ExperimentName":"x","ParameterAssignments":[1]})", {auth, json});
    EXPECT_EQ(bad.status, 400);
    EXPECT_TRUE(bad.body.contains("'ParameterAssignments' must be a JSON object")) << bad.body.toStdString();

    const Curl run = curl(QStringLiteral("POST"), url,
                          R"({"ExperimentName":"bank-triggered","ParameterAssignments":{"avg_rate":0.25}})", {auth, json});
    ASSERT_EQ(run.status, 200) << run.body.toStdString();
    const QString id = QString::fromStdString(parse(run.body).value("Id", std::string()));
    ASSERT_FALSE(id.isEmpty());
    ASSERT_EQ(waitFor(id, std::chrono::seconds(120)), QStringLiteral("Completed")) << failure(id);
    const auto triggered = job(id);
    EXPECT_EQ(triggered->doc["properties"].value("experimentName", std::string()), "bank-triggered");
    EXPECT_EQ(artifact(stepJob(id, QStringLiteral("report")), QStringLiteral("outputs/report/rate.txt")).trimmed(), "avg_rate=0.25");
    // The run ends with a registered model.
    const std::string registered =
        triggered->doc["properties"]["properties"].value("azureml.pipeline.registeredModel.trained_model", std::string());
    ASSERT_FALSE(registered.empty());
    const QString version = QString::fromStdString(registered).section(QLatin1Char(':'), 1);
    const auto model = svc().store().resource(s_ws + QStringLiteral("/models/bank-model/versions/") + version);
    ASSERT_TRUE(model);
    EXPECT_EQ(model->doc["properties"].value("jobName", std::string()), stepJob(id, QStringLiteral("train")).toStdString());

    // A disabled endpoint refuses runs.
    ASSERT_EQ(curl(QStringLiteral("PATCH"), endpoints + QStringLiteral("/bank-train"), R"({"Status":"Disabled"})", {auth, json}).status, 200);
    EXPECT_EQ(curl(QStringLiteral("POST"), url, R"({"ExperimentName":"x"})", {auth, json}).status, 409);
}

TEST_F(PipelineFlow, PipelineDefinitionErrorsNameTheField)
{
    Json body = trainingPipeline();
    body["properties"]["jobs"]["report"]["inputs"]["model"] = "${{parent.jobs.trian.outputs.best_model}}";
    auto r = svc().internalRequest("PUT", s_ws + QStringLiteral("/jobs/bad-1"), body);
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.body.contains("properties.jobs.report.inputs.model")) << r.body.toStdString();
    EXPECT_TRUE(r.body.contains("trian"));

    body = trainingPipeline();
    body["properties"]["jobs"]["train"]["training_data"] = "${{parent.jobs.report.outputs.report}}";
    r = svc().internalRequest("PUT", s_ws + QStringLiteral("/jobs/bad-2"), body);
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.body.contains("cycle")) << r.body.toStdString();

    body = trainingPipeline();
    body["properties"]["jobs"]["report"]["type"] = "spark";
    r = svc().internalRequest("PUT", s_ws + QStringLiteral("/jobs/bad-3"), body);
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.body.contains("properties.jobs.report.type")) << r.body.toStdString();

    body = trainingPipeline();
    body["properties"]["inputs"]["training_data"]["uri"] = "azureml:no-such-data:1";
    r = svc().internalRequest("PUT", s_ws + QStringLiteral("/jobs/bad-4"), body);
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.body.contains("properties.inputs.training_data")) << r.body.toStdString();
}

class BatchFlow : public PipelineFlow
{
protected:
    void SetUp() override
    {
        const auto ep = svc().internalRequest("PUT", s_ws + QStringLiteral("/batchEndpoints/bank-batch"),
                                              Json{{"location", "local"}, {"properties", {{"authMode", "AADToken"}}}});
        ASSERT_LT(ep.status, 300) << ep.body.toStdString();
    }

    void deploy(const QString &name, int errorThreshold)
    {
        const auto r = svc().internalRequest(
            "PUT", s_ws + QStringLiteral("/batchEndpoints/bank-batch/deployments/") + name,
            Json{{"location", "local"},
                 {"properties",
                  {{"model", {{"referenceType", "Id"}, {"assetId", s(s_ws + QStringLiteral("/models/bank-model/versions/1"))}}},
                   {"compute", s(s_ws + QStringLiteral("/computes/cpu"))},
                   {"miniBatchSize", 100},
                   {"errorThreshold", errorThreshold},
                   {"resources", {{"instanceCount", 2}}},
                   {"retrySettings", {{"maxRetries", 2}, {"timeout", "PT1M"}}},
                   {"outputAction", "AppendRow"}}}});
        ASSERT_LT(r.status, 300) << r.body.toStdString();
    }

    // POSTs an invocation over `uri` (JobInputType UriFile or UriFolder).
    static ApiResponse post(const QString &deployment, const QString &uri, const char *type)
    {
        return svc().handle(makeRequest(
            "POST", QStringLiteral("/batch") + s_ws + QStringLiteral("/batchEndpoints/bank-batch/jobs"),
            QByteArray::fromStdString(
                Json{{"properties", {{"InputData", {{"input", {{"JobInputType", type}, {"Uri", s(uri)}}}}}}}}.dump()),
            {{"Authorization", "Bearer " + svc().issueToken(Audience::machineLearning()).toLatin1()}, {"azureml-model-deployment", deployment.toLatin1()}}));
    }

    // Invokes the endpoint; the batch job's name.
    QString invoke(const QString &deployment, const QString &uri, const char *type = "UriFile")
    {
        const auto r = post(deployment, uri, type);
        EXPECT_EQ(r.status, 200) << r.body.toStdString();
        return QString::fromStdString(r.json().value("name", std::string()));
    }

    // The test file's data rows [first, first+count) (0-based) as a CSV file `name` in `dir`,
    // with its header (or `header` instead) and `age` made text on the given 1-based rows of the slice.
    static void slice(const QString &dir, const QString &name, int first, int count, const std::vector<int> &corrupt = {},
                      const QByteArray &header = {})
    {
        QFile in(testCsv());
        EXPECT_TRUE(in.open(QIODevice::ReadOnly));
        QList<QByteArray> all = in.readAll().split('\n');
        while (!all.isEmpty() && all.last().trimmed().isEmpty())
            all.removeLast();
        QList<QByteArray> out{header.isEmpty() ? all[0] : header};
        out += all.mid(1 + first, count);
        for (int r : corrupt)
            out[r] = "not-a-number" + out[r].mid(out[r].indexOf(','));
        QFile f(dir + QLatin1Char('/') + name);
        EXPECT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(out.join('\n') + '\n');
    }

    static QString jobError(const QString &name)
    {
        return QString::fromStdString(job(name)->doc["_local"]["error"].value("message", std::string()));
    }

    static QStringList lines(const QByteArray &data)
    {
        QStringList out = QString::fromUtf8(data).split(QLatin1Char('\n'));
        while (!out.isEmpty() && out.last().isEmpty())
            out.removeLast();
        return out;
    }

    // A copy of the test file with `age` (a number) made text on the given data rows.
    static QString corrupted(const QTemporaryDir &dir, const std::vector<int> &rows)
    {
        QFile in(testCsv());
        EXPECT_TRUE(in.open(QIODevice::ReadOnly));
        QList<QByteArray> all = in.readAll().split('\n');
        for (int r : rows)
            all[r] = "not-a-number" + all[r].mid(all[r].indexOf(','));
        const QString path = dir.filePath(QStringLiteral("corrupted.csv"));
        QFile out(path);
        EXPECT_TRUE(out.open(QIODevice::WriteOnly));
        out.write(all.join('\n'));
        return path;
    }
};

TEST_F(BatchFlow, PredictionsEqualTheScoreCommandRowForRow)
{
    deploy(QStringLiteral("all-rows"), -1);
    const QString name = invoke(QStringLiteral("all-rows"), testCsv());
    ASSERT_FALSE(name.isEmpty());
    ASSERT_EQ(waitFor(name, std::chrono::seconds(60)), QStringLiteral("Completed")) << failure(name);
    const auto step = steps(name).at(QStringLiteral("score"));
    const Json &progress = step["properties"]["properties"];
    EXPECT_EQ(progress.value("azureml.batch.rowsProcessed", std::string()), "4120");
    EXPECT_EQ(progress.value("azureml.batch.miniBatchesCompleted", std::string()), "42");
    EXPECT_EQ(progress.value("azureml.batch.miniBatchesTotal", std::string()), "42");
    EXPECT_EQ(progress.value("azureml.batch.rowsFailed", std::string()), "0");
    EXPECT_TRUE(artifact(stepJob(name, QStringLiteral("score")), QStringLiteral("user_logs/std_log.txt")).contains("2 worker slot(s)"));
    const QStringList batch = lines(artifact(stepJob(name, QStringLiteral("score")), kRowsFile));
    ASSERT_EQ(batch.size(), 4120);

    // The real CLI on the same file with the same model.
    const QString cli = cliPath();
    ASSERT_FALSE(cli.isEmpty()) << "CERULEAN_CLI names no cerulean-cli";
    QString error;
    const auto model = svc().resolveModelPath(s_ws, QStringLiteral("azureml:bank-model:1"), &error);
    ASSERT_TRUE(model) << error.toStdString();
    QTemporaryDir out;
    QProcess score;
    score.start(cli, {QStringLiteral("score"), QStringLiteral("--model"), *model, QStringLiteral("--data"), testCsv(),
                      QStringLiteral("--out"), out.filePath(QStringLiteral("pred.csv"))});
    ASSERT_TRUE(score.waitForFinished(60000));
    ASSERT_EQ(score.exitCode(), 0) << score.readAllStandardError().toStdString();
    QFile predFile(out.filePath(QStringLiteral("pred.csv")));
    ASSERT_TRUE(predFile.open(QIODevice::ReadOnly));
    const QStringList scored = lines(predFile.readAll());
    ASSERT_EQ(scored.size(), 4121); // header + rows
    const int classes = static_cast<int>(scored[0].count(QStringLiteral(",probability_")));
    ASSERT_EQ(classes, 2);
    // The last 1 + classes fields of both are the label and the probabilities.
    int mismatches = 0;
    for (int i = 0; i < 4120; ++i) {
        const QString a = batch[i].section(QLatin1Char(','), -(1 + classes));
        const QString b = scored[i + 1].section(QLatin1Char(','), -(1 + classes));
        if (a != b && ++mismatches < 5)
            ADD_FAILURE() << "row " << i + 1 << ": batch " << a.toStdString() << " vs score " << b.toStdString();
    }
    EXPECT_EQ(mismatches, 0);
    // The output keeps the input row in front of the prediction.
    QFile input(testCsv());
    ASSERT_TRUE(input.open(QIODevice::ReadOnly));
    const QStringList in = lines(input.readAll());
    EXPECT_TRUE(batch[0].startsWith(in[1].trimmed() + QLatin1Char(','))) << batch[0].toStdString();
    EXPECT_TRUE(batch[4119].startsWith(in[4120].trimmed() + QLatin1Char(',')));
}

TEST_F(BatchFlow, FailedRowsUnderTheThresholdAreReported)
{
    QTemporaryDir dir;
    const QString csv = corrupted(dir, {7, 1500, 4000});
    deploy(QStringLiteral("threshold-5"), 5);
    const QString name = invoke(QStringLiteral("threshold-5"), csv);
    ASSERT_EQ(waitFor(name, std::chrono::seconds(60)), QStringLiteral("Completed")) << failure(name);
    const Json props = steps(name).at(QStringLiteral("score"))["properties"]["properties"];
    EXPECT_EQ(props.value("azureml.batch.rowsFailed", std::string()), "3");
    const QString details = QString::fromStdString(props.value("azureml.batch.failedRowDetails", std::string()));
    for (const char *line : {"line 8 (", "line 1501 (", "line 4001 ("})
        EXPECT_TRUE(details.contains(QLatin1String(line))) << line << " in " << details.toStdString();
    EXPECT_TRUE(details.contains(QLatin1String("not-a-number"))) << details.toStdString();
    EXPECT_EQ(lines(artifact(stepJob(name, QStringLiteral("score")), kRowsFile)).size(), 4117);
    EXPECT_EQ(lines(artifact(stepJob(name, QStringLiteral("score")), QStringLiteral("logs/failed_rows.txt"))).size(), 3);
}

TEST_F(BatchFlow, FailedRowsOverTheThresholdFailTheJobNamingThemAndTheThreshold)
{
    QTemporaryDir dir;
    const QString csv = corrupted(dir, {7, 1500, 4000});
    deploy(QStringLiteral("threshold-2"), 2);
    const QString name = invoke(QStringLiteral("threshold-2"), csv);
    ASSERT_EQ(waitFor(name, std::chrono::seconds(60)), QStringLiteral("Failed"));
    const QString message = QString::fromStdString(job(name)->doc["_local"]["error"].value("message", std::string()));
    EXPECT_TRUE(message.contains(QLatin1String("error threshold of 2"))) << message.toStdString();
    for (const char *line : {"line 8 (", "line 1501 (", "line 4001 ("})
        EXPECT_TRUE(message.contains(QLatin1String(line))) << line << " in " << message.toStdString();
    EXPECT_EQ(steps(name).at(QStringLiteral("score"))["properties"]["status"], "Failed");
}

// A uri_folder input: every CSV file of the folder in name order, scored as one job with
// the same mini-batches; hidden and non-CSV files are not read.
TEST_F(BatchFlow, FolderOfCsvFilesScoresAsOneJobInTheFilesOrder)
{
    deploy(QStringLiteral("folder"), -1);
    QTemporaryDir dir;
    slice(dir.path(), QStringLiteral("part1.csv"), 0, 1500);
    slice(dir.path(), QStringLiteral("part2.csv"), 1500, 1500);
    slice(dir.path(), QStringLiteral("part3.CSV"), 3000, 1120);
    slice(dir.path(), QStringLiteral(".hidden.csv"), 0, 10);
    QFile notes(dir.filePath(QStringLiteral("notes.txt")));
    ASSERT_TRUE(notes.open(QIODevice::WriteOnly));
    notes.write("not rows\n");
    notes.close();
    ASSERT_TRUE(QDir(dir.path()).mkdir(QStringLiteral("sub.csv")));

    // A folder URI as Azure writes them, with a trailing slash.
    const QString name = invoke(QStringLiteral("folder"), dir.path() + QLatin1Char('/'), "UriFolder");
    ASSERT_FALSE(name.isEmpty());
    const QString single = invoke(QStringLiteral("folder"), testCsv());
    ASSERT_EQ(waitFor(name, std::chrono::seconds(60)), QStringLiteral("Completed")) << failure(name);
    ASSERT_EQ(waitFor(single, std::chrono::seconds(60)), QStringLiteral("Completed")) << failure(single);
    EXPECT_EQ(job(name)->doc["properties"]["inputs"]["input_data"]["jobInputType"], "uri_folder");
    EXPECT_EQ(job(name)->doc["properties"]["displayName"],
              s(QStringLiteral("bank-batch/folder over ") + QFileInfo(dir.path()).fileName()));
    const Json progress = steps(name).at(QStringLiteral("score"))["properties"]["properties"];
    EXPECT_EQ(progress.value("azureml.batch.rowsProcessed", std::string()), "4120");
    EXPECT_EQ(progress.value("azureml.batch.miniBatchesTotal", std::string()), "42");
    EXPECT_EQ(progress.value("azureml.batch.rowsFailed", std::string()), "0");
    const QByteArray folderRows = artifact(stepJob(name, QStringLiteral("score")), kRowsFile);
    const QByteArray fileRows = artifact(stepJob(single, QStringLiteral("score")), kRowsFile);
    EXPECT_EQ(lines(folderRows).size(), 4120);
    // The same rows with the same predictions in the same order as scoring the one file.
    EXPECT_TRUE(folderRows == fileRows) << "the folder's output differs from the single file's";
}

TEST_F(BatchFlow, FolderRowFailuresNameTheFileAndItsLine)
{
    deploy(QStringLiteral("folder-threshold-5"), 5);
    QTemporaryDir dir;
    slice(dir.path(), QStringLiteral("a.csv"), 0, 150);
    slice(dir.path(), QStringLiteral("b.csv"), 150, 150, {7});
    slice(dir.path(), QStringLiteral("c.csv"), 300, 150, {150});
    const QString name = invoke(QStringLiteral("folder-threshold-5"), dir.path(), "UriFolder");
    ASSERT_EQ(waitFor(name, std::chrono::seconds(60)), QStringLiteral("Completed")) << failure(name);
    const Json props = steps(name).at(QStringLiteral("score"))["properties"]["properties"];
    EXPECT_EQ(props.value("azureml.batch.rowsFailed", std::string()), "2");
    const QString details = QString::fromStdString(props.value("azureml.batch.failedRowDetails", std::string()));
    EXPECT_TRUE(details.startsWith(QLatin1String("b.csv line 8 ("))) << details.toStdString();
    EXPECT_TRUE(details.contains(QLatin1String("; c.csv line 151 ("))) << details.toStdString();
    EXPECT_TRUE(details.contains(QLatin1String("not-a-number"))) << details.toStdString();
    const QStringList failed = lines(artifact(stepJob(name, QStringLiteral("score")), QStringLiteral("logs/failed_rows.txt")));
    ASSERT_EQ(failed.size(), 2);
    EXPECT_TRUE(failed[0].startsWith(QLatin1String("b.csv line 8: "))) << failed[0].toStdString();
    EXPECT_EQ(lines(artifact(stepJob(name, QStringLiteral("score")), kRowsFile)).size(), 448);

    // Over the threshold the job fails naming the file and line.
    deploy(QStringLiteral("folder-threshold-1"), 1);
    const QString over = invoke(QStringLiteral("folder-threshold-1"), dir.path(), "UriFolder");
    ASSERT_EQ(waitFor(over, std::chrono::seconds(60)), QStringLiteral("Failed"));
    const QString message = jobError(over);
    EXPECT_TRUE(message.contains(QLatin1String("error threshold of 1"))) << message.toStdString();
    EXPECT_TRUE(message.contains(QLatin1String("b.csv line 8 ("))) << message.toStdString();
}

TEST_F(BatchFlow, FolderFileWithAnotherHeaderFailsNamingTheFileAndColumn)
{
    deploy(QStringLiteral("folder-header"), -1);
    QTemporaryDir dir;
    slice(dir.path(), QStringLiteral("a.csv"), 0, 50);
    QFile in(testCsv());
    ASSERT_TRUE(in.open(QIODevice::ReadOnly));
    QByteArray header = in.readLine().trimmed();
    ASSERT_TRUE(header.startsWith("age,job,"));
    header.replace("age,job,", "age,occupation,");
    slice(dir.path(), QStringLiteral("b.csv"), 50, 50, {}, header);
    const QString name = invoke(QStringLiteral("folder-header"), dir.path(), "UriFolder");
    ASSERT_EQ(waitFor(name, std::chrono::seconds(60)), QStringLiteral("Failed"));
    const QString message = jobError(name);
    EXPECT_TRUE(message.contains(QLatin1String("b.csv"))) << message.toStdString();
    EXPECT_TRUE(message.contains(QLatin1String("column 2 is 'occupation' where a.csv has 'job'"))) << message.toStdString();

    // One column fewer: the first one missing is named.
    QTemporaryDir shorter;
    slice(shorter.path(), QStringLiteral("a.csv"), 0, 50);
    QFile b(shorter.filePath(QStringLiteral("b.csv")));
    ASSERT_TRUE(b.open(QIODevice::WriteOnly));
    b.write("age\n30\n");
    b.close();
    const QString second = invoke(QStringLiteral("folder-header"), shorter.path(), "UriFolder");
    ASSERT_EQ(waitFor(second, std::chrono::seconds(60)), QStringLiteral("Failed"));
    EXPECT_TRUE(jobError(second).contains(QLatin1String("b.csv"))) << jobError(second).toStdString();
    EXPECT_TRUE(jobError(second).contains(QLatin1String("column 2 'job' is missing"))) << jobError(second).toStdString();
}

TEST_F(BatchFlow, FolderWithoutCsvFilesIsRefusedNamingTheFolder)
{
    deploy(QStringLiteral("folder-empty"), -1);
    QTemporaryDir empty;
    auto r = post(QStringLiteral("folder-empty"), empty.path(), "UriFolder");
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.body.contains(empty.path().toUtf8())) << r.body.toStdString();
    EXPECT_TRUE(r.body.contains("is empty")) << r.body.toStdString();

    QTemporaryDir other;
    QFile notes(other.filePath(QStringLiteral("notes.txt")));
    ASSERT_TRUE(notes.open(QIODevice::WriteOnly));
    notes.close();
    QFile hidden(other.filePath(QStringLiteral(".rows.csv")));
    ASSERT_TRUE(hidden.open(QIODevice::WriteOnly));
    hidden.write("age\n1\n");
    hidden.close();
    r = post(QStringLiteral("folder-empty"), other.path(), "UriFolder");
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.body.contains(other.path().toUtf8())) << r.body.toStdString();
    EXPECT_TRUE(r.body.contains("has no CSV file")) << r.body.toStdString();

    // A file sent as a folder, and an input type the service does not know.
    r = post(QStringLiteral("folder-empty"), testCsv(), "UriFolder");
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.body.contains("not a folder")) << r.body.toStdString();
    r = post(QStringLiteral("folder-empty"), testCsv(), "MLTable");
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.body.contains("properties.InputData.input.JobInputType")) << r.body.toStdString();
}

TEST_F(BatchFlow, InvocationErrorsNameTheField)
{
    deploy(QStringLiteral("errors"), -1);
    auto r = svc().handle(makeRequest("POST", QStringLiteral("/batch") + s_ws + QStringLiteral("/batchEndpoints/bank-batch/jobs"),
                                      R"({"properties":{}})",
                                      {{"Authorization", "Bearer " + svc().issueToken(Audience::machineLearning()).toLatin1()}, {"azureml-model-deployment", "errors"}}));
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.body.contains("properties.InputData")) << r.body.toStdString();
    r = svc().handle(makeRequest("POST", QStringLiteral("/batch") + s_ws + QStringLiteral("/batchEndpoints/bank-batch/jobs"),
                                 R"({"properties":{"InputData":{"input":{"Uri":"azureml:nothing:1"}}}})",
                                 {{"Authorization", "Bearer " + svc().issueToken(Audience::machineLearning()).toLatin1()}, {"azureml-model-deployment", "errors"}}));
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.body.contains("properties.InputData.input.Uri")) << r.body.toStdString();
    r = svc().handle(makeRequest("POST", QStringLiteral("/batch") + s_ws + QStringLiteral("/batchEndpoints/bank-batch/jobs"),
                                 R"({"properties":{}})", {}));
    EXPECT_EQ(r.status, 401);
}

struct PipelineFlowAccess : PipelineFlow
{
    using PipelineFlow::release;
    void TestBody() override {}
};

class ReleaseServer final : public ::testing::Environment
{
public:
    void TearDown() override { PipelineFlowAccess::release(); }
};

const auto *const kRelease = ::testing::AddGlobalTestEnvironment(new ReleaseServer);

} // namespace
