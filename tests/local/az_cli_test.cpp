// The Azure CLI (Debian's azure-cli, a client nobody here wrote) against the local workspace
// over HTTPS, unchanged: it registers the workspace as a cloud from its metadata endpoint,
// signs in as the built-in service principal (MSAL, client credentials), creates a resource
// group, shows the account and reads a workspace with `az rest`. Only the CA's file is given,
// the way a user gives it: REQUESTS_CA_BUNDLE.

#include "core/local/local_server.h"

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <string>

namespace cerulean::local {
namespace {

using namespace std::chrono_literals;

constexpr auto kAzTimeout = 60s; // one az command; it starts in ~2 s on an idle machine
const QString kCloud = QStringLiteral("CeruleanLocal");

struct AzResult
{
    int exitCode = -1;
    std::string out;
    std::string err;
    Json json() const { return Json::parse(out, nullptr, false); }
};

class AzCliTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_az = QStandardPaths::findExecutable(QStringLiteral("az"));
        if (m_az.isEmpty())
            GTEST_SKIP() << "azure-cli is not installed (no 'az' on PATH; packaging/install-deps.sh --test "
                            "installs it): the Azure CLI is not tried against the local workspace.";
        LocalServerOptions options;
        options.service.root = m_dir.path() + QStringLiteral("/root");
        options.service.startWorkers = false;
        m_server = std::make_unique<LocalServer>(options);
        QString error;
        ASSERT_TRUE(m_server->start(&error)) << error.toStdString();
        ASSERT_FALSE(m_server->caCertificateFile().isEmpty());
        m_base = m_server->httpsBaseUrl().toString();
        m_sub = m_server->service().subscriptionId();
        m_principal = m_server->service().builtInPrincipal();

        // az keeps its clouds, accounts, MSAL cache and the principal's secret in its config
        // directory: a temporary one, as HOME is.
        QDir().mkpath(m_dir.path() + QStringLiteral("/home"));
        m_env = QProcessEnvironment::systemEnvironment();
        m_env.insert(QStringLiteral("HOME"), m_dir.path() + QStringLiteral("/home"));
        m_env.insert(QStringLiteral("AZURE_CONFIG_DIR"), m_dir.path() + QStringLiteral("/az"));
        m_env.insert(QStringLiteral("REQUESTS_CA_BUNDLE"), m_server->caCertificateFile());
        m_env.insert(QStringLiteral("AZURE_CORE_COLLECT_TELEMETRY"), QStringLiteral("false"));
        m_env.insert(QStringLiteral("AZURE_CORE_SURVEY_MESSAGE"), QStringLiteral("false"));
        m_env.insert(QStringLiteral("AZURE_CORE_NO_COLOR"), QStringLiteral("true"));
        m_env.insert(QStringLiteral("AZURE_CORE_OUTPUT"), QStringLiteral("json"));
        for (const char *proxy : {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"})
            m_env.remove(QString::fromLatin1(proxy));
        m_env.insert(QStringLiteral("NO_PROXY"), QStringLiteral("127.0.0.1,localhost"));
    }

    void TearDown() override
    {
        if (m_server)
            m_server->stop();
    }

    AzResult az(const QStringList &arguments)
    {
        ++m_commands;
        QProcess p;
        p.setProcessEnvironment(m_env);
        p.start(m_az, arguments);
        AzResult r;
        if (!p.waitForFinished(static_cast<int>(std::chrono::milliseconds(kAzTimeout).count()))) {
            p.kill();
            p.waitForFinished();
            r.err = "az did not finish within " + std::to_string(kAzTimeout.count()) + " s";
            return r;
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        // Never a secret in a failure message.
        const QByteArray secret = m_principal.clientSecret.toUtf8();
        r.out = p.readAllStandardOutput().replace(secret, "***").toStdString();
        r.err = p.readAllStandardError().replace(secret, "***").toStdString();
        return r;
    }

    static std::string shown(const AzResult &r) { return "exit " + std::to_string(r.exitCode) + "\nstdout: " + r.out + "\nstderr: " + r.err; }

    QTemporaryDir m_dir;
    QString m_az;
    std::unique_ptr<LocalServer> m_server;
    QString m_base, m_sub;
    LocalPrincipal m_principal;
    QProcessEnvironment m_env;
    int m_commands = 0;
};

TEST_F(AzCliTest, RegistersSignsInCreatesAGroupAndReadsAWorkspace)
{
    QElapsedTimer clock;
    clock.start();

    // The cloud from the workspace's metadata endpoint alone: az fills in the rest.
    AzResult r = az({QStringLiteral("cloud"), QStringLiteral("register"), QStringLiteral("-n"), kCloud,
                     QStringLiteral("--endpoint-resource-manager"), m_base + QStringLiteral("/")});
    ASSERT_EQ(r.exitCode, 0) << shown(r);
    r = az({QStringLiteral("cloud"), QStringLiteral("set"), QStringLiteral("-n"), kCloud});
    ASSERT_EQ(r.exitCode, 0) << shown(r);

    // A wrong secret is refused by the local token endpoint, in Entra's words.
    r = az({QStringLiteral("login"), QStringLiteral("--service-principal"), QStringLiteral("-u"), m_principal.clientId,
            QStringLiteral("-p"), QStringLiteral("not-the-secret"), QStringLiteral("--tenant"), m_principal.tenantId});
    EXPECT_NE(r.exitCode, 0) << shown(r);
    EXPECT_NE(r.err.find("AADSTS7000215"), std::string::npos) << shown(r);

    // Client credentials through MSAL: the ADFS-style authority's OpenID configuration, then
    // the tenant's token endpoint; then the subscriptions, listed with that token.
    r = az({QStringLiteral("login"), QStringLiteral("--service-principal"), QStringLiteral("-u"), m_principal.clientId,
            QStringLiteral("-p"), m_principal.clientSecret, QStringLiteral("--tenant"), m_principal.tenantId});
    ASSERT_EQ(r.exitCode, 0) << shown(r);
    const Json accounts = r.json();
    ASSERT_TRUE(accounts.is_array() && accounts.size() == 1) << shown(r);
    EXPECT_EQ(accounts[0].value("id", std::string()), m_sub.toStdString());
    EXPECT_EQ(accounts[0].value("tenantId", std::string()), m_principal.tenantId.toStdString());
    EXPECT_EQ(accounts[0].value("cloudName", std::string()), kCloud.toStdString());
    EXPECT_EQ(accounts[0]["user"].value("name", std::string()), m_principal.clientId.toStdString());
    EXPECT_EQ(accounts[0]["user"].value("type", std::string()), "servicePrincipal");

    r = az({QStringLiteral("group"), QStringLiteral("create"), QStringLiteral("-n"), QStringLiteral("az-rg"),
            QStringLiteral("-l"), QStringLiteral("local")});
    ASSERT_EQ(r.exitCode, 0) << shown(r);
    const std::string groupId = "/subscriptions/" + m_sub.toStdString() + "/resourceGroups/az-rg";
    EXPECT_EQ(r.json().value("id", std::string()), groupId) << shown(r);
    EXPECT_EQ(r.json()["properties"].value("provisioningState", std::string()), "Succeeded") << shown(r);
    EXPECT_TRUE(m_server->service().store().resource(QString::fromStdString(groupId)).has_value());

    r = az({QStringLiteral("account"), QStringLiteral("show")});
    ASSERT_EQ(r.exitCode, 0) << shown(r);
    EXPECT_EQ(r.json().value("id", std::string()), m_sub.toStdString());
    EXPECT_EQ(r.json().value("environmentName", std::string()), kCloud.toStdString());
    EXPECT_EQ(r.json().value("isDefault", false), true);

    // A workspace made by another client, read with az's own token through `az rest`.
    const QString workspace = QString::fromStdString(groupId)
                              + QStringLiteral("/providers/Microsoft.MachineLearningServices/workspaces/ws1");
    const ApiResponse made = m_server->service().internalRequest(
        "PUT", workspace,
        Json{{"location", "local"}, {"properties", {{"friendlyName", "From az"}}}});
    ASSERT_LT(made.status, 300) << made.body.toStdString();
    r = az({QStringLiteral("rest"), QStringLiteral("--method"), QStringLiteral("get"), QStringLiteral("--url"),
            m_base + workspace + QStringLiteral("?api-version=2024-04-01")});
    ASSERT_EQ(r.exitCode, 0) << shown(r);
    EXPECT_EQ(r.json().value("name", std::string()), "ws1") << shown(r);
    EXPECT_EQ(r.json()["properties"].value("friendlyName", std::string()), "From az") << shown(r);

    std::cout << "[ figures ] " << m_commands << " az commands in " << clock.elapsed() << " ms\n";
}

} // namespace
} // namespace cerulean::local
