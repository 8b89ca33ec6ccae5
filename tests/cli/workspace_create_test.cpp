// `cerulean-cli login` and `cerulean-cli workspace create` as separate processes against the
// local workspace service on loopback: the same SignInWorkflow and WorkspaceProvisioning the
// wizard runs, with progress on stderr and Azure's error (code, message, request id) on failure.

#include "core/local/local_server.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

using namespace cerulean;
using namespace std::chrono_literals;

namespace {

struct CliRun
{
    int exitCode = -1;
    QString out;
    QString err;
};

class CliWorkspaceCreate : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_cli = QString::fromLocal8Bit(qgetenv("CERULEAN_CLI"));
        ASSERT_FALSE(m_cli.isEmpty()) << "CERULEAN_CLI names no cerulean-cli";
        local::LocalServerOptions options;
        options.service.root = m_dir.filePath(QStringLiteral("service"));
        options.service.startWorkers = false; // ARM and identity only
        options.threads = 2;
        m_server = std::make_unique<local::LocalServer>(options);
        QString error;
        ASSERT_TRUE(m_server->start(&error)) << error.toStdString();
    }

    void TearDown() override
    {
        if (m_signedIn)
            run({QStringLiteral("logout")});
    }

    // Runs the CLI with its own settings folder; the event loop turns while it runs, so the
    // service in this process answers.
    CliRun run(const QStringList &arguments, const QByteArray &input = {})
    {
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        process.setProcessEnvironment(env);
        process.start(m_cli, arguments);
        if (!process.waitForStarted(10000))
            return {};
        process.write(input);
        process.closeWriteChannel();
        QDeadlineTimer deadline(60s);
        while (process.state() != QProcess::NotRunning && !deadline.hasExpired())
            QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished();
            return {};
        }
        return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
                QString::fromUtf8(process.readAllStandardError())};
    }

    void login()
    {
        const local::LocalPrincipal principal = m_server->service().builtInPrincipal();
        const CliRun signedIn = run({QStringLiteral("login"), QStringLiteral("--tenant"), principal.tenantId, QStringLiteral("--client-id"),
                                  principal.clientId, QStringLiteral("--secret-stdin"), QStringLiteral("--authority"),
                                  m_server->baseUrl().toString()},
                                 principal.clientSecret.toUtf8() + '\n');
        ASSERT_EQ(signedIn.exitCode, 0) << signedIn.err.toStdString();
        EXPECT_FALSE(signedIn.out.contains(principal.clientSecret));
        m_signedIn = true;
    }

    QStringList create(const QString &group, const QString &workspace) const
    {
        return {QStringLiteral("workspace"), QStringLiteral("create"), QStringLiteral("--subscription"),
                m_server->service().subscriptionId(), QStringLiteral("--resource-group"), group, QStringLiteral("--workspace"),
                workspace, QStringLiteral("--location"), QStringLiteral("local")};
    }

    QTemporaryDir m_dir;
    QString m_cli;
    std::unique_ptr<local::LocalServer> m_server;
    bool m_signedIn = false;
};

} // namespace

TEST_F(CliWorkspaceCreate, HelpNamesTheVerbAndItsOptions)
{
    const CliRun help = run({QStringLiteral("workspace"), QStringLiteral("--help")});
    EXPECT_EQ(help.exitCode, 0);
    for (const char *expected : {"create", "--location", "--create-resource-group", "--subscription", "--resource-group", "--workspace"})
        EXPECT_TRUE(help.out.contains(QLatin1String(expected))) << expected << "\n" << help.out.toStdString();

    // Missing or invalid arguments are usage errors, before any sign-in.
    EXPECT_EQ(run({QStringLiteral("workspace"), QStringLiteral("create"), QStringLiteral("--workspace"), QStringLiteral("w1")}).exitCode, 2);
    const CliRun invalid = run(create(QStringLiteral("rg-1"), QStringLiteral("ws.bad")));
    EXPECT_EQ(invalid.exitCode, 2);
    EXPECT_TRUE(invalid.err.contains(QStringLiteral("workspace name"))) << invalid.err.toStdString();
}

TEST_F(CliWorkspaceCreate, CreatesTheWorkspaceWithProgressAndShowsIt)
{
    login();
    QStringList arguments = create(QStringLiteral("rg-cli"), QStringLiteral("ws-cli"));
    arguments << QStringLiteral("--create-resource-group") << QStringLiteral("--json");
    const CliRun created = run(arguments);
    ASSERT_EQ(created.exitCode, 0) << created.err.toStdString();
    // One progress line per resource, in ARM's order.
    const qsizetype storage = created.err.indexOf(QStringLiteral("[1/4] Creating the storage account"));
    const qsizetype vault = created.err.indexOf(QStringLiteral("[2/4] Creating the key vault"));
    const qsizetype insights = created.err.indexOf(QStringLiteral("[3/4] Creating Application Insights"));
    const qsizetype workspace = created.err.indexOf(QStringLiteral("[4/4] Creating the workspace ws-cli"));
    EXPECT_TRUE(storage >= 0 && storage < vault && vault < insights && insights < workspace) << created.err.toStdString();
    const QJsonObject json = QJsonDocument::fromJson(created.out.toUtf8()).object();
    EXPECT_EQ(json.value(QStringLiteral("name")).toString(), QStringLiteral("ws-cli")) << created.out.toStdString();
    EXPECT_EQ(json.value(QStringLiteral("provisioningState")).toString(), QStringLiteral("Succeeded"));
    EXPECT_TRUE(json.value(QStringLiteral("storageAccount")).toString().contains(QStringLiteral("/storageAccounts/stwscli")));

    // The workspace is there for the other verbs.
    const CliRun shown = run({QStringLiteral("workspace"), QStringLiteral("show"), QStringLiteral("--subscription"),
                           m_server->service().subscriptionId(), QStringLiteral("--resource-group"), QStringLiteral("rg-cli"),
                           QStringLiteral("--workspace"), QStringLiteral("ws-cli")});
    EXPECT_EQ(shown.exitCode, 0) << shown.err.toStdString();
    EXPECT_TRUE(shown.out.contains(QStringLiteral("name: ws-cli"))) << shown.out.toStdString();
}

TEST_F(CliWorkspaceCreate, AFailureShowsAzuresCodeMessageAndRequestId)
{
    login();
    const CliRun failed = run(create(QStringLiteral("rg-does-not-exist"), QStringLiteral("ws-nowhere")));
    EXPECT_EQ(failed.exitCode, 1);
    EXPECT_TRUE(failed.out.isEmpty()) << failed.out.toStdString();
    EXPECT_TRUE(failed.err.contains(QStringLiteral("creating the storage account"))) << failed.err.toStdString();
    EXPECT_TRUE(failed.err.contains(QStringLiteral("(ResourceGroupNotFound)"))) << failed.err.toStdString();
    EXPECT_TRUE(failed.err.contains(QStringLiteral("could not be found"))) << failed.err.toStdString();
    EXPECT_TRUE(failed.err.contains(QRegularExpression(QStringLiteral("request id [0-9a-f-]{36}")))) << failed.err.toStdString();
    EXPECT_FALSE(failed.err.contains(QStringLiteral("[2/4]")));
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
