// `cerulean-cli job create --file` and `job show --yaml` in-process against a loopback service
// that records every request: the bodies sent for the az ml files in job_yaml/ (AutoML, a command
// job with an inline environment, one with a code folder, one with an environment at @latest),
// and what a bad file sends (nothing).
#include "app/cli/azure_cli.h"
#include "core/azure/job_submission.h"
#include "core/azure/job_yaml.h"
#include "tests/azure/fake_server.h"
#include "tests/azure/test_support.h"

#include <QDir>
#include <QRegularExpression>
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
using namespace cerulean::azure;
using namespace cerulean::azure::test;
using nlohmann::json;

namespace {

const QByteArray wsPath = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1";
const WorkspaceRef ws{QStringLiteral("sub-1"), QStringLiteral("rg-1"), QStringLiteral("ws-1")};

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

// Never asked: the refusal comes before any request.
class NoCredential final : public TokenCredential
{
public:
    void getToken(const TokenRequestContext &, QObject *, TokenCallback done) override
    {
        done(AzureError::invalidInput(QStringLiteral("no token in this test")));
    }
};

QString pathOf(const QByteArray &target)
{
    const qsizetype query = target.indexOf('?');
    return QString::fromUtf8(query < 0 ? target : target.left(query));
}

class CliJobYaml : public ::testing::Test
{
protected:
    void SetUp() override
    {
        ASSERT_TRUE(dir.isValid());
        for (const char *name : {"automl-classification-bankmarketing.yml", "hello-world-full.yml", "hello-iris-literal.yml"})
            ASSERT_TRUE(QFile::copy(QStringLiteral(CERULEAN_SOURCE_DIR "/tests/azure/job_yaml/") + QLatin1String(name),
                                    dir.filePath(QLatin1String(name))));
        for (const char *folder : {"training-mltable-folder", "validation-mltable-folder", "test-mltable-folder"})
            ASSERT_TRUE(QDir(dir.path()).mkpath(QLatin1String(folder)));
        ASSERT_TRUE(QDir(dir.path()).mkpath(QStringLiteral("src/lib")));
        write(QStringLiteral("src/hello-iris.py"), "print('hello')\n");
        write(QStringLiteral("src/lib/util.py"), "X = 1\n");

        server.handler = [this](const FakeServer::Request &r) { return answer(r); };
        const QString stdinPath = dir.filePath(QStringLiteral("stdin.txt"));
        write(QStringLiteral("stdin.txt"), "secret\n");
        ASSERT_NE(std::freopen(stdinPath.toLocal8Bit().constData(), "r", stdin), nullptr);
        ASSERT_EQ(cli::runLogin({QStringLiteral("login"), QStringLiteral("--tenant"), QStringLiteral("yaml.example"), QStringLiteral("--client-id"),
                                 QStringLiteral("0c1e0000-0000-4000-8000-0000000000a1"), QStringLiteral("--secret-stdin"), QStringLiteral("--authority"),
                                 server.base().toString()}),
                  cli::ExitOk);
    }
    void TearDown() override { cli::runLogout({QStringLiteral("logout")}); }

    void write(const QString &name, const QByteArray &content)
    {
        QFile file(dir.filePath(name));
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write(content);
    }

    // The workspace service: jobs kept as PUT, a default datastore, an environment with versions.
    FakeServer::Reply answer(const FakeServer::Request &r)
    {
        const QString path = pathOf(r.target);
        if (path.contains(QLatin1String("/oauth2/v2.0/token")))
            return FakeServer::json(200, R"({"token_type":"Bearer","expires_in":3599,"access_token":"tok"})");
        if (r.method == "GET" && path.endsWith(QLatin1String("/datastores/workspaceblobstore")))
            return FakeServer::json(200, R"({"name":"workspaceblobstore","properties":{"datastoreType":"AzureBlob","accountName":"acct",)"
                                         R"("containerName":"azureml-blobstore","endpoint":"core.windows.net","protocol":"https","isDefault":true}})");
        if (r.method == "GET" && path.endsWith(QLatin1String("/environments/my-env")))
            return FakeServer::json(200, R"({"name":"my-env","properties":{"latestVersion":"4"}})");
        if (r.method == "PUT" && path.startsWith(QLatin1String("/blob/")))
            return FakeServer::json(201, "");
        if (r.method == "PUT" && (path.contains(QLatin1String("/environments/")) || path.contains(QLatin1String("/codes/"))))
            return FakeServer::json(201, r.body);
        if (path.contains(QLatin1String("/jobs/"))) {
            const QString name = path.section(QLatin1Char('/'), -1);
            if (r.method == "PUT") {
                json job = json::parse(r.body.toStdString());
                job["name"] = name.toStdString();
                job["id"] = QString(QString::fromLatin1(wsPath) + QStringLiteral("/jobs/") + name).toStdString();
                job["properties"]["status"] = "NotStarted";
                jobs[name] = job;
                return FakeServer::json(201, QByteArray::fromStdString(job.dump()));
            }
            if (jobs.count(name))
                return FakeServer::json(200, QByteArray::fromStdString(jobs[name].dump()));
        }
        return FakeServer::json(404, R"({"error":{"code":"NotFound","message":"no route"}})");
    }

    QStringList workspace() const
    {
        return {QStringLiteral("--subscription"), QStringLiteral("sub-1"), QStringLiteral("--resource-group"), QStringLiteral("rg-1"),
                QStringLiteral("--workspace"), QStringLiteral("ws-1")};
    }

    std::pair<int, QByteArray> job(const QStringList &arguments)
    {
        return capture(dir, [&]() { return cli::runJob(QStringList{QStringLiteral("job")} + arguments + workspace()); });
    }

    // The requests after the sign-in, as "METHOD path".
    QStringList sent(qsizetype from) const
    {
        QStringList out;
        for (qsizetype i = from; i < server.requests.size(); ++i)
            if (!server.requests[i].target.contains("/oauth2/"))
                out << QString::fromLatin1(server.requests[i].method) + QLatin1Char(' ') + pathOf(server.requests[i].target);
        return out;
    }
    const FakeServer::Request &last(const QByteArray &method, const QString &pathPart) const
    {
        for (qsizetype i = server.requests.size() - 1; i >= 0; --i)
            if (server.requests[i].method == method && pathOf(server.requests[i].target).contains(pathPart))
                return server.requests[i];
        ADD_FAILURE() << "no " << method.constData() << " " << pathPart.toStdString();
        return server.requests.constFirst();
    }

    QTemporaryDir dir;
    FakeServer server;
    std::map<QString, json> jobs;
};

} // namespace

TEST_F(CliJobYaml, AutoMLFileIsOnePutOfItsRestBody)
{
    const qsizetype before = server.requests.size();
    const auto [code, out] = job({QStringLiteral("create"), QStringLiteral("bank-automl"), QStringLiteral("--file"),
                                  dir.filePath(QStringLiteral("automl-classification-bankmarketing.yml")), QStringLiteral("--json")});
    ASSERT_EQ(code, cli::ExitOk) << out.toStdString();
    EXPECT_EQ(sent(before), QStringList{QStringLiteral("PUT ") + QString::fromLatin1(wsPath) + QStringLiteral("/jobs/bank-automl")});
    const auto expected = readJobYamlFile(dir.filePath(QStringLiteral("automl-classification-bankmarketing.yml")), ws);
    ASSERT_TRUE(expected);
    const json body = json::parse(last("PUT", QStringLiteral("/jobs/")).body.toStdString());
    EXPECT_EQ(body, (json{{"properties", json::parse(expected->properties.toStdString())}}));
    EXPECT_EQ(body["properties"]["taskDetails"]["trainingData"]["uri"], QDir::cleanPath(dir.filePath(QStringLiteral("training-mltable-folder"))).toStdString());
    EXPECT_EQ(json::parse(out.toStdString())["jobType"], "AutoML");
}

TEST_F(CliJobYaml, InlineEnvironmentIsRegisteredBeforeTheCommandJob)
{
    const qsizetype before = server.requests.size();
    const auto [code, out] = job({QStringLiteral("create"), QStringLiteral("hello"), QStringLiteral("-f"),
                                  dir.filePath(QStringLiteral("hello-world-full.yml"))});
    ASSERT_EQ(code, cli::ExitOk) << out.toStdString();
    const QStringList requests = sent(before);
    ASSERT_EQ(requests.size(), 2) << requests.join(QLatin1Char('\n')).toStdString();
    static const QRegularExpression environment(QStringLiteral("^PUT .*/workspaces/ws-1/environments/CliV2AnonymousEnvironment/versions/[0-9a-f]{32}$"));
    EXPECT_TRUE(environment.match(requests[0]).hasMatch()) << requests[0].toStdString();
    EXPECT_EQ(json::parse(last("PUT", QStringLiteral("/environments/")).body.toStdString()),
              (json{{"properties", {{"image", "python:latest"}, {"isAnonymous", true}}}}));
    const json p = json::parse(last("PUT", QStringLiteral("/jobs/hello")).body.toStdString())["properties"];
    EXPECT_EQ(p["jobType"], "Command");
    EXPECT_EQ(p["command"], "echo $hello_str");
    EXPECT_EQ(QString::fromStdString(p["environmentId"].get<std::string>()),
              requests[0].mid(4)); // the version just registered
}

TEST_F(CliJobYaml, CodeFolderIsUploadedAndRegisteredBeforeTheJob)
{
    const qsizetype before = server.requests.size();
    const auto [code, out] = job({QStringLiteral("create"), QStringLiteral("iris"), QStringLiteral("--file"),
                                  dir.filePath(QStringLiteral("hello-iris-literal.yml"))});
    ASSERT_EQ(code, cli::ExitOk) << out.toStdString();
    const auto folder = readCodeFolder(dir.filePath(QStringLiteral("src")));
    ASSERT_TRUE(folder);
    EXPECT_EQ(folder->files, (QStringList{QStringLiteral("hello-iris.py"), QStringLiteral("lib/util.py")}));
    const QString blobs = QStringLiteral("/blob/acct/azureml-blobstore/LocalUpload/%1/src/").arg(folder->digest);
    const QString ws = QString::fromLatin1(wsPath);
    EXPECT_EQ(sent(before), (QStringList{QStringLiteral("GET ") + ws + QStringLiteral("/datastores/workspaceblobstore"),
                                         QStringLiteral("PUT ") + blobs + QStringLiteral("hello-iris.py"),
                                         QStringLiteral("PUT ") + blobs + QStringLiteral("lib/util.py"),
                                         QStringLiteral("PUT ") + ws + QStringLiteral("/codes/%1/versions/1").arg(folder->digest),
                                         QStringLiteral("PUT ") + ws + QStringLiteral("/jobs/iris")}));
    EXPECT_EQ(last("PUT", blobs + QStringLiteral("lib/util.py")).body, "X = 1\n");
    const json code_ = json::parse(last("PUT", QStringLiteral("/codes/")).body.toStdString());
    EXPECT_EQ(code_["properties"]["isAnonymous"], true);
    EXPECT_TRUE(QString::fromStdString(code_["properties"]["codeUri"].get<std::string>()).endsWith(blobs.chopped(1)))
        << code_.dump();
    const json p = json::parse(last("PUT", QStringLiteral("/jobs/iris")).body.toStdString())["properties"];
    EXPECT_EQ(p["codeId"], QString(ws + QStringLiteral("/codes/%1/versions/1").arg(folder->digest)).toStdString());
    EXPECT_EQ(p["inputs"]["iris_csv"]["jobInputType"], "literal");

    // The same folder is the same code version; a changed file is another.
    write(QStringLiteral("src/lib/util.py"), "X = 2\n");
    EXPECT_NE(readCodeFolder(dir.filePath(QStringLiteral("src")))->digest, folder->digest);
}

TEST_F(CliJobYaml, EnvironmentAtLatestIsLookedUpAndANameIsGenerated)
{
    write(QStringLiteral("latest.yml"), "command: echo hi\nenvironment: azureml:my-env@latest\n");
    const qsizetype before = server.requests.size();
    const auto [code, out] = job({QStringLiteral("create"), QStringLiteral("-f"), dir.filePath(QStringLiteral("latest.yml"))});
    ASSERT_EQ(code, cli::ExitOk) << out.toStdString();
    const QStringList requests = sent(before);
    ASSERT_EQ(requests.size(), 2);
    EXPECT_TRUE(requests[0].endsWith(QLatin1String("/environments/my-env"))) << requests[0].toStdString();
    // No name on the command line or in the file: az ml's way, a generated one.
    static const QRegularExpression generated(QStringLiteral("^PUT .*/jobs/command_[0-9a-f]{10}$"));
    EXPECT_TRUE(generated.match(requests[1]).hasMatch()) << requests[1].toStdString();
    const json p = json::parse(last("PUT", QStringLiteral("/jobs/")).body.toStdString())["properties"];
    EXPECT_EQ(p["environmentId"], QString(QString::fromLatin1(wsPath) + QStringLiteral("/environments/my-env/versions/4")).toStdString());
}

TEST_F(CliJobYaml, ShownYamlCreatesTheSameJob)
{
    ASSERT_EQ(job({QStringLiteral("create"), QStringLiteral("a1"), QStringLiteral("-f"),
                   dir.filePath(QStringLiteral("automl-classification-bankmarketing.yml"))})
                  .first,
              cli::ExitOk);
    const auto [shown, yaml] = job({QStringLiteral("show"), QStringLiteral("a1"), QStringLiteral("--yaml")});
    ASSERT_EQ(shown, cli::ExitOk);
    EXPECT_TRUE(yaml.startsWith("$schema: https://azuremlschemas.azureedge.net/latest/autoMLJob.schema.json\ntype: automl\n"))
        << yaml.toStdString();
    write(QStringLiteral("shown.yml"), yaml);
    ASSERT_EQ(job({QStringLiteral("create"), QStringLiteral("a2"), QStringLiteral("-f"), dir.filePath(QStringLiteral("shown.yml"))}).first,
              cli::ExitOk);
    json first = jobs[QStringLiteral("a1")]["properties"], second = jobs[QStringLiteral("a2")]["properties"];
    EXPECT_EQ(second, first);
}

TEST_F(CliJobYaml, ABadFileSendsNothing)
{
    write(QStringLiteral("bad.yml"), "type: automl\ntask: classification\ntarget_column_name: y\n"
                                     "training_data: {type: mltable, path: ./training-mltable-folder}\nlimits:\n  max_trials: ten\n");
    const qsizetype before = server.requests.size();
    EXPECT_EQ(job({QStringLiteral("create"), QStringLiteral("x"), QStringLiteral("-f"), dir.filePath(QStringLiteral("bad.yml"))}).first,
              cli::ExitUsage);
    EXPECT_EQ(job({QStringLiteral("create"), QStringLiteral("x"), QStringLiteral("-f"), dir.filePath(QStringLiteral("none.yml"))}).first,
              cli::ExitUsage);
    EXPECT_EQ(job({QStringLiteral("create"), QStringLiteral("x")}).first, cli::ExitUsage); // no --file
    EXPECT_TRUE(sent(before).isEmpty()) << sent(before).join(QLatin1Char('\n')).toStdString();
}

TEST(JobSubmission, AzureCannotReadLocalFiles)
{
    // On Azure a local input file would have to be uploaded first: refused before any request.
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("iris.csv")));
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write("a,b\n");
    file.close();
    const auto job = readJobYaml("command: cat ${{inputs.data}}\nenvironment: azureml:e:1\ninputs:\n  data: {type: uri_file, path: ./iris.csv}\n",
                                 JobYamlContext{ws, dir.path(), QStringLiteral("job.yml")});
    ASSERT_TRUE(job) << job.error().message.toStdString();
    auto transport = std::make_shared<FakeTransport>();
    auto client = std::make_shared<AzureClient>(Cloud::azure(), std::make_shared<NoCredential>(), transport);
    std::optional<Result<Job>> result;
    submitJob(MachineLearningClient(client, ws), job.value(), QStringLiteral("j"), nullptr, [&](Result<Job> r) { result = std::move(r); });
    ASSERT_TRUE(result);
    ASSERT_FALSE(*result);
    EXPECT_TRUE(result->error().message.contains(QDir::cleanPath(file.fileName()))) << result->error().message.toStdString();
    EXPECT_TRUE(transport->requests.empty());
}
