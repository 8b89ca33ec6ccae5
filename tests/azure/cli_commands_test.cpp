// The workspace-scoped subcommands in-process against a loopback service: config.json,
// --json output, paging, errors with exit codes.
#include "app/cli/azure_cli.h"
#include "tests/azure/fake_server.h"
#include "tests/azure/test_support.h"

#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <cstdio>
#include <unistd.h>

namespace cerulean::cli {
int runLogin(const QStringList &arguments);
int runLogout(const QStringList &arguments);
int runWorkspace(const QStringList &arguments);
int runCompute(const QStringList &arguments);
int runJob(const QStringList &arguments);
int runModel(const QStringList &arguments);
int runEndpoint(const QStringList &arguments);
int runData(const QStringList &arguments);
} // namespace cerulean::cli

using namespace cerulean;
using namespace cerulean::azure;
using namespace cerulean::azure::test;

namespace {

// Runs a command with stdout captured to a file.
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

QByteArray job(const char *name, const char *status)
{
    return QByteArray(R"({"id":"/x/jobs/)") + name + R"(","name":")" + name + R"(","properties":{"jobType":"AutoML","status":")" +
           status + R"("}})";
}

} // namespace

TEST(CliCommands, WorkspaceComputeJobAgainstALoopbackService)
{
    QTemporaryDir dir;
    FakeServer server;
    const QByteArray ws = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1";
    server.handler = [&](const FakeServer::Request &request) {
        if (request.target.contains("/oauth2/v2.0/token"))
            return FakeServer::json(200, R"({"token_type":"Bearer","expires_in":3599,"access_token":"tok"})");
        EXPECT_EQ(request.headers.value("authorization"), "Bearer tok");
        if (request.target == QByteArray(ws).append("?api-version=2025-12-01"))
            return FakeServer::json(200, R"({"name":"ws-1","location":"local","properties":{"provisioningState":"Succeeded","mlFlowTrackingUri":"azureml://x/mlflow/v1.0/ws"}})");
        if (request.target == QByteArray(ws).append("/jobs?api-version=2025-12-01"))
            return FakeServer::json(200, "{\"value\":[" + job("j1", "Running") + "],\"nextLink\":\"" + server.base().toString().toUtf8() +
                                             ws + "/jobs?api-version=2025-12-01&$skipToken=2\"}");
        if (request.target.contains("/jobs?api-version=2025-12-01&$skipToken=2"))
            return FakeServer::json(200, "{\"value\":[" + job("j2", "Completed") + "]}");
        if (request.target.startsWith(QByteArray(ws).append("/computes/missing")))
            return FakeServer::json(404, R"({"error":{"code":"ResourceNotFound","message":"compute 'missing' not found"}})");
        return FakeServer::json(404, R"({"error":{"code":"NotFound","message":"no route"}})");
    };

    // Sign in against the loopback authority (the secret goes to the keychain).
    const QString stdinPath = dir.filePath(QStringLiteral("stdin.txt"));
    {
        QFile file(stdinPath);
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write("secret\n");
    }
    ASSERT_NE(std::freopen(stdinPath.toLocal8Bit().constData(), "r", stdin), nullptr);
    ASSERT_EQ(cli::runLogin({QStringLiteral("login"), QStringLiteral("--tenant"), QStringLiteral("t.example"), QStringLiteral("--client-id"),
                             QStringLiteral("0c1e0000-0000-4000-8000-00000000000c"), QStringLiteral("--secret-stdin"), QStringLiteral("--authority"), server.base().toString()}),
              cli::ExitOk);

    const QString config = dir.filePath(QStringLiteral("config.json"));
    auto [written, _] = capture(dir, [&]() {
        return cli::runWorkspace({QStringLiteral("workspace"), QStringLiteral("write-config"), QStringLiteral("--subscription"),
                                  QStringLiteral("sub-1"), QStringLiteral("--resource-group"), QStringLiteral("rg-1"),
                                  QStringLiteral("--workspace"), QStringLiteral("ws-1"), QStringLiteral("--config"), config});
    });
    ASSERT_EQ(written, cli::ExitOk);
    ASSERT_TRUE(readWorkspaceConfig(config).ok());

    auto [shown, showOut] = capture(dir, [&]() {
        return cli::runWorkspace({QStringLiteral("workspace"), QStringLiteral("show"), QStringLiteral("--json"), QStringLiteral("--config"), config});
    });
    EXPECT_EQ(shown, cli::ExitOk);
    const auto shownJson = nlohmann::json::parse(showOut.toStdString(), nullptr, false);
    ASSERT_TRUE(shownJson.is_object()) << showOut.toStdString();
    EXPECT_EQ(shownJson["name"], "ws-1");
    EXPECT_EQ(shownJson["provisioningState"], "Succeeded");

    auto [listed, listOut] = capture(dir, [&]() {
        return cli::runJob({QStringLiteral("job"), QStringLiteral("list"), QStringLiteral("--json"), QStringLiteral("--config"), config});
    });
    EXPECT_EQ(listed, cli::ExitOk);
    const auto jobs = nlohmann::json::parse(listOut.toStdString(), nullptr, false);
    ASSERT_TRUE(jobs.is_array()) << listOut.toStdString();
    ASSERT_EQ(jobs.size(), 2u); // both pages
    EXPECT_EQ(jobs[1]["status"], "Completed");

    auto [missing, missingOut] = capture(dir, [&]() {
        return cli::runCompute({QStringLiteral("compute"), QStringLiteral("show"), QStringLiteral("missing"), QStringLiteral("--config"), config});
    });
    EXPECT_EQ(missing, cli::ExitFailure);
    EXPECT_TRUE(missingOut.isEmpty());

    // Usage errors exit 2 without touching the service.
    const auto before = server.requests.size();
    EXPECT_EQ(cli::runCompute({QStringLiteral("compute"), QStringLiteral("explode")}), cli::ExitUsage);
    EXPECT_EQ(cli::runModel({QStringLiteral("model"), QStringLiteral("show"), QStringLiteral("m")}), cli::ExitUsage);
    EXPECT_EQ(cli::runEndpoint({QStringLiteral("endpoint"), QStringLiteral("logs"), QStringLiteral("ep")}), cli::ExitUsage);
    EXPECT_EQ(cli::runData({QStringLiteral("data"), QStringLiteral("register"), QStringLiteral("d"), QStringLiteral("1"),
                            QStringLiteral("--uri"), QStringLiteral("u"), QStringLiteral("--type"), QStringLiteral("csv")}),
              cli::ExitUsage);
    EXPECT_EQ(server.requests.size(), before);

    EXPECT_EQ(cli::runLogout({QStringLiteral("logout")}), cli::ExitOk);
}

// `endpoint score` with no key kept for the endpoint (a keychain that could not keep it, or
// 'endpoint keys' never run): the workspace lists the keys and the request goes out with the
// primary one; a listing the workspace refuses is an error that says so.
TEST(CliCommands, EndpointScoreWithoutAKeptKeyListsTheKeys)
{
    QTemporaryDir dir;
    FakeServer server;
    const QByteArray ws = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1";
    bool refuseKeys = false;
    int listed = 0;
    QByteArray scoredWith;
    server.handler = [&](const FakeServer::Request &request) {
        if (request.target.contains("/oauth2/v2.0/token"))
            return FakeServer::json(200, R"({"token_type":"Bearer","expires_in":3599,"access_token":"tok"})");
        const QByteArray endpoint = QByteArray(ws).append("/onlineEndpoints/ep-unkept");
        if (request.method == "GET" && request.target == QByteArray(endpoint).append("?api-version=2025-12-01"))
            return FakeServer::json(200, R"({"name":"ep-unkept","location":"local","properties":{"authMode":"Key","provisioningState":"Succeeded","scoringUri":")" +
                                             server.base().toString().toUtf8() + R"(/score"}})");
        if (request.method == "POST" && request.target == QByteArray(endpoint).append("/listKeys?api-version=2025-12-01")) {
            ++listed;
            if (refuseKeys)
                return FakeServer::json(403, R"({"error":{"code":"AuthorizationFailed","message":"no listKeys for you"}})");
            return FakeServer::json(200, R"({"primaryKey":"primary-from-listing","secondaryKey":"secondary"})");
        }
        if (request.method == "POST" && request.target == "/score") {
            scoredWith = request.headers.value("authorization");
            return FakeServer::json(200, R"([0.25])");
        }
        return FakeServer::json(404, R"({"error":{"code":"NotFound","message":"no route"}})");
    };
    const QString stdinPath = dir.filePath(QStringLiteral("stdin.txt"));
    {
        QFile file(stdinPath);
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write("secret\n");
    }
    ASSERT_NE(std::freopen(stdinPath.toLocal8Bit().constData(), "r", stdin), nullptr);
    ASSERT_EQ(cli::runLogin({QStringLiteral("login"), QStringLiteral("--tenant"), QStringLiteral("t.example"), QStringLiteral("--client-id"),
                             QStringLiteral("0c1e0000-0000-4000-8000-00000000000c"), QStringLiteral("--secret-stdin"), QStringLiteral("--authority"), server.base().toString()}),
              cli::ExitOk);
    const QString body = dir.filePath(QStringLiteral("body.json"));
    {
        QFile file(body);
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write(R"({"Inputs":{"data":[{"age":40}]}})");
    }
    const QStringList score{QStringLiteral("endpoint"), QStringLiteral("score"), QStringLiteral("ep-unkept"),
                            QStringLiteral("--body"), body, QStringLiteral("--subscription"), QStringLiteral("sub-1"),
                            QStringLiteral("--resource-group"), QStringLiteral("rg-1"), QStringLiteral("--workspace"), QStringLiteral("ws-1")};

    auto [scored, scoredOut] = capture(dir, [&]() { return cli::runEndpoint(score); });
    EXPECT_EQ(scored, cli::ExitOk);
    EXPECT_EQ(listed, 1);
    EXPECT_EQ(scoredWith, "Bearer primary-from-listing");
    EXPECT_TRUE(scoredOut.contains("0.25")) << scoredOut.toStdString();

    refuseKeys = true;
    scoredWith.clear();
    auto [refused, refusedOut] = capture(dir, [&]() { return cli::runEndpoint(score); });
    EXPECT_EQ(refused, cli::ExitFailure);
    EXPECT_EQ(listed, 2);
    EXPECT_TRUE(scoredWith.isEmpty()); // nothing is sent without a key
    EXPECT_TRUE(refusedOut.isEmpty());

    EXPECT_EQ(cli::runLogout({QStringLiteral("logout")}), cli::ExitOk);
}
