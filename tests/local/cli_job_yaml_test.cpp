// `cerulean-cli job create --file` against the local workspace on loopback, in-process: an AutoML
// classification job written as az ml writes it trains to completion, and the YAML `job show
// --yaml` prints creates the same job again.
#include "app/cli/azure_cli.h"
#include "core/azure/job_yaml.h"
#include "core/local/local_server.h"
#include "tests/local/local_test_util.h"

#include <QDir>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <cstdio>
#include <unistd.h>

namespace cerulean::cli {
int runLogin(const QStringList &arguments);
int runLogout(const QStringList &arguments);
int runJob(const QStringList &arguments);
} // namespace cerulean::cli

using namespace cerulean;
using namespace cerulean::local;

namespace {

// Runs a command with stdout captured.
std::pair<int, QByteArray> capture(const QTemporaryDir &dir, const std::function<int()> &command)
{
    const QString path = dir.filePath(QStringLiteral("stdout.txt"));
    std::fflush(stdout);
    const int saved = ::dup(fileno(stdout));
    FILE *out = std::fopen(path.toLocal8Bit().constData(), "w");
    ::dup2(fileno(out), fileno(stdout));
    const int code = command();
    std::fflush(stdout);
    ::dup2(saved, fileno(stdout));
    ::close(saved);
    std::fclose(out);
    QFile file(path);
    file.open(QIODevice::ReadOnly);
    return {code, file.readAll()};
}

// After Azure/azureml-examples' cli-automl-classification-task-bankmarketing.yml, on a small
// table and one quick trial.
const QByteArray automlJob = R"($schema: https://azuremlschemas.azureedge.net/latest/autoMLJob.schema.json
type: automl
experiment_name: yaml-local
description: A classification job from az ml YAML
compute: azureml:cpu
task: classification
log_verbosity: info
primary_metric: accuracy
target_column_name: "y"
training_data:
  path: ./training-mltable-folder
  type: mltable
limits:
  timeout_minutes: 5
  max_trials: 1
  max_concurrent_trials: 1
training:
  enable_model_explainability: false
  enable_stack_ensemble: false
  enable_vote_ensemble: false
  allowed_training_algorithms:
    - logistic_regression
)";

void write(const QString &path, const QByteArray &content)
{
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly)) << path.toStdString();
    file.write(content);
}

} // namespace

TEST(CliJobYamlLocal, AutoMLJobFileTrainsOnTheLocalWorkspaceAndItsYamlMakesTheSameJob)
{
    QTemporaryDir root, dir;
    LocalServerOptions options;
    options.service.root = root.path();
    LocalServer server(options);
    QString error;
    ASSERT_TRUE(server.start(&error)) << error.toStdString();
    LocalService &svc = server.service();
    const QString sub = svc.subscriptionId();
    const QString ws = QStringLiteral("/subscriptions/%1/resourceGroups/rg1/providers/Microsoft.MachineLearningServices/workspaces/ws1").arg(sub);
    ASSERT_EQ(svc.internalRequest("PUT", QStringLiteral("/subscriptions/%1/resourceGroups/rg1").arg(sub), Json{{"location", "local"}}).status, 201);
    ASSERT_LT(svc.internalRequest("PUT", ws, Json{{"location", "local"}}).status, 300); // 202, as on Azure
    ASSERT_LT(svc.internalRequest("PUT", ws + QStringLiteral("/computes/cpu"),
                                  Json{{"properties", {{"computeType", "AmlCompute"}, {"properties", {{"scaleSettings", {{"maxNodeCount", 1}}}}}}}})
                  .status,
              300);

    ASSERT_TRUE(QDir(dir.path()).mkpath(QStringLiteral("training-mltable-folder")));
    ASSERT_TRUE(QFile::copy(QStringLiteral(CERULEAN_SOURCE_DIR "/tests/data/local/small.csv"),
                            dir.filePath(QStringLiteral("training-mltable-folder/small.csv"))));
    write(dir.filePath(QStringLiteral("training-mltable-folder/MLTable")), "paths:\n  - file: ./small.csv\n");
    write(dir.filePath(QStringLiteral("job.yml")), automlJob);

    // Signed in as the local workspace's built-in principal, as a user of the app would be.
    const LocalPrincipal principal = svc.builtInPrincipal();
    write(dir.filePath(QStringLiteral("stdin.txt")), principal.clientSecret.toUtf8() + '\n');
    ASSERT_NE(std::freopen(dir.filePath(QStringLiteral("stdin.txt")).toLocal8Bit().constData(), "r", stdin), nullptr);
    ASSERT_EQ(cli::runLogin({QStringLiteral("login"), QStringLiteral("--tenant"), principal.tenantId, QStringLiteral("--client-id"),
                             principal.clientId, QStringLiteral("--secret-stdin"), QStringLiteral("--authority"),
                             server.baseUrl().toString()}),
              cli::ExitOk);
    const QStringList workspace{QStringLiteral("--subscription"), sub, QStringLiteral("--resource-group"), QStringLiteral("rg1"),
                                QStringLiteral("--workspace"), QStringLiteral("ws1")};
    const auto job = [&](const QStringList &arguments) {
        return capture(dir, [&]() { return cli::runJob(QStringList{QStringLiteral("job")} + arguments + workspace); });
    };

    const auto [created, createdOut] = job({QStringLiteral("create"), QStringLiteral("yaml-1"), QStringLiteral("--file"),
                                            dir.filePath(QStringLiteral("job.yml"))});
    ASSERT_EQ(created, cli::ExitOk) << createdOut.toStdString();
    const auto [waited, waitedOut] = job({QStringLiteral("wait"), QStringLiteral("yaml-1"), QStringLiteral("--interval"), QStringLiteral("1")});
    EXPECT_EQ(waited, cli::ExitOk) << waitedOut.toStdString();
    EXPECT_TRUE(waitedOut.contains("status: Completed")) << waitedOut.toStdString();

    const auto [shown, yaml] = job({QStringLiteral("show"), QStringLiteral("yaml-1"), QStringLiteral("--yaml")});
    ASSERT_EQ(shown, cli::ExitOk);
    EXPECT_TRUE(yaml.contains("  allowed_training_algorithms:\n    - logistic_regression\n")) << yaml.toStdString();
    write(dir.filePath(QStringLiteral("shown.yml")), yaml);
    const auto [again, againOut] = job({QStringLiteral("create"), QStringLiteral("yaml-2"), QStringLiteral("-f"),
                                        dir.filePath(QStringLiteral("shown.yml"))});
    ASSERT_EQ(again, cli::ExitOk) << againOut.toStdString();
    const auto first = svc.store().resource(ws + QStringLiteral("/jobs/yaml-1"));
    const auto second = svc.store().resource(ws + QStringLiteral("/jobs/yaml-2"));
    ASSERT_TRUE(first && second);
    for (const char *key : {"jobType", "experimentName", "description", "computeId", "taskDetails"})
        EXPECT_EQ(second->doc["properties"][key], first->doc["properties"][key]) << key;
    EXPECT_EQ(first->doc["properties"]["taskDetails"]["trainingSettings"]["allowedTrainingAlgorithms"], Json::array({"LogisticRegression"}));
    // The second job need not finish: the server stops it with the test.
    cli::runJob(QStringList{QStringLiteral("job"), QStringLiteral("cancel"), QStringLiteral("yaml-2")} + workspace);
    cli::runLogout({QStringLiteral("logout")});
}

// After azureml-examples' cli/jobs/basics/hello-world-code.yml: a command job with a code
// folder, a literal input and an output folder runs on the local workspace, and `job logs` and
// `job outputs` show what it printed and wrote.
TEST(CliJobYamlLocal, CommandJobFileRunsItsCodeAndShowsLogAndOutputs)
{
    QTemporaryDir root, dir;
    LocalServerOptions options;
    options.service.root = root.path();
    LocalServer server(options);
    QString error;
    ASSERT_TRUE(server.start(&error)) << error.toStdString();
    LocalService &svc = server.service();
    const QString sub = svc.subscriptionId();
    const QString ws = QStringLiteral("/subscriptions/%1/resourceGroups/rg1/providers/Microsoft.MachineLearningServices/workspaces/ws1").arg(sub);
    ASSERT_EQ(svc.internalRequest("PUT", QStringLiteral("/subscriptions/%1/resourceGroups/rg1").arg(sub), Json{{"location", "local"}}).status, 201);
    ASSERT_LT(svc.internalRequest("PUT", ws, Json{{"location", "local"}}).status, 300); // 202, as on Azure

    ASSERT_TRUE(QDir(dir.path()).mkpath(QStringLiteral("src")));
    write(dir.filePath(QStringLiteral("src/hello.sh")),
          "echo \"hello from $1\"\nprintf 'rows=%s\\n' \"$2\" > \"$3/summary.txt\"\necho done >&2\n");
    write(dir.filePath(QStringLiteral("command-job.yml")), R"($schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
code: src
command: >-
  sh hello.sh ${{inputs.who}} ${{inputs.rows}} ${{outputs.report}}
inputs:
  who: the local workspace
  rows: 42
outputs:
  report:
    type: uri_folder
environment:
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
experiment_name: hello-command
description: A command job from az ml YAML
)");

    const LocalPrincipal principal = svc.builtInPrincipal();
    write(dir.filePath(QStringLiteral("stdin.txt")), principal.clientSecret.toUtf8() + '\n');
    ASSERT_NE(std::freopen(dir.filePath(QStringLiteral("stdin.txt")).toLocal8Bit().constData(), "r", stdin), nullptr);
    ASSERT_EQ(cli::runLogin({QStringLiteral("login"), QStringLiteral("--tenant"), principal.tenantId, QStringLiteral("--client-id"),
                             principal.clientId, QStringLiteral("--secret-stdin"), QStringLiteral("--authority"),
                             server.baseUrl().toString()}),
              cli::ExitOk);
    const QStringList workspace{QStringLiteral("--subscription"), sub, QStringLiteral("--resource-group"), QStringLiteral("rg1"),
                                QStringLiteral("--workspace"), QStringLiteral("ws1")};
    const auto job = [&](const QStringList &arguments) {
        return capture(dir, [&]() { return cli::runJob(QStringList{QStringLiteral("job")} + arguments + workspace); });
    };

    const auto [created, createdOut] = job({QStringLiteral("create"), QStringLiteral("hello-1"), QStringLiteral("-f"),
                                            dir.filePath(QStringLiteral("command-job.yml"))});
    ASSERT_EQ(created, cli::ExitOk) << createdOut.toStdString();
    const auto [waited, waitedOut] = job({QStringLiteral("wait"), QStringLiteral("hello-1"), QStringLiteral("--interval"), QStringLiteral("1")});
    EXPECT_EQ(waited, cli::ExitOk) << waitedOut.toStdString();
    EXPECT_TRUE(waitedOut.contains("status: Completed")) << waitedOut.toStdString();
    // The code and the environment it was submitted with are recorded on the job.
    const auto stored = svc.store().resource(ws + QStringLiteral("/jobs/hello-1"));
    ASSERT_TRUE(stored);
    EXPECT_NE(stored->doc["properties"].value("codeId", std::string()).find("/codes/"), std::string::npos);
    EXPECT_NE(stored->doc["properties"].value("environmentId", std::string()).find("/environments/"), std::string::npos);

    const auto [logged, log] = job({QStringLiteral("logs"), QStringLiteral("hello-1")});
    ASSERT_EQ(logged, cli::ExitOk) << log.toStdString();
    EXPECT_TRUE(log.contains("hello from the local workspace\n")) << log.toStdString();
    EXPECT_TRUE(log.contains("done\n")) << log.toStdString();
    const auto [listed, outputs] = job({QStringLiteral("outputs"), QStringLiteral("hello-1")});
    ASSERT_EQ(listed, cli::ExitOk) << outputs.toStdString();
    EXPECT_TRUE(outputs.contains("outputs/report/summary.txt")) << outputs.toStdString();
    cli::runLogout({QStringLiteral("logout")});
}
