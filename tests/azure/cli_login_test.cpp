// cerulean-cli login / logout against a loopback token endpoint and the real keychain.
#include "app/cli/azure_cli.h"
#include "tests/azure/fake_server.h"
#include "tests/azure/test_support.h"

#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <cstdio>

namespace cerulean::cli {
int runLogin(const QStringList &arguments);
int runLogout(const QStringList &arguments);
} // namespace cerulean::cli

using namespace cerulean;
using namespace cerulean::azure;
using namespace cerulean::azure::test;

namespace {

// Feeds `text` to the command's standard input.
void setStdin(const QTemporaryDir &dir, const QByteArray &text)
{
    const QString path = dir.filePath(QStringLiteral("stdin.txt"));
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write(text);
    file.close();
    ASSERT_NE(std::freopen(path.toLocal8Bit().constData(), "r", stdin), nullptr);
}

} // namespace

TEST(CliLogin, ChecksTheSecretStoresItAndLogoutRemovesIt)
{
    QTemporaryDir dir;
    FakeServer server;
    int tokens = 0;
    server.handler = [&](const FakeServer::Request &request) {
        if (request.target == "/tenant-x.example/oauth2/v2.0/token") {
            if (!request.body.contains("client_secret=good-secret"))
                return FakeServer::json(401, R"({"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys for app 'c' are expired.","error_codes":[7000222]})");
            ++tokens;
            return FakeServer::json(200, R"({"token_type":"Bearer","expires_in":3599,"access_token":"tok"})");
        }
        return FakeServer::json(200, R"({"value":[]})");
    };
    const QString authority = server.base().toString();
    const QStringList args{QStringLiteral("login"), QStringLiteral("--tenant"), QStringLiteral("tenant-x.example"),
                           QStringLiteral("--client-id"), QStringLiteral("0c1e0000-0000-4000-8000-0000000000f1"), QStringLiteral("--secret-stdin"),
                           QStringLiteral("--authority"), authority};
    {
        QSettings settings;
        clearSignInProfile(settings);
    }

    // An expired secret: exit 1, nothing kept.
    setStdin(dir, "bad-secret\n");
    EXPECT_EQ(cli::runLogin(args), cli::ExitFailure);
    {
        QSettings settings;
        EXPECT_FALSE(loadSignInProfile(settings).isValid());
    }

    // Missing options are a usage error.
    EXPECT_EQ(cli::runLogin({QStringLiteral("login"), QStringLiteral("--tenant"), QStringLiteral("t")}), cli::ExitUsage);

    setStdin(dir, "good-secret\n");
    ASSERT_EQ(cli::runLogin(args), cli::ExitOk);
    EXPECT_EQ(tokens, 1);
    {
        QSettings settings;
        const SignInProfile profile = loadSignInProfile(settings);
        EXPECT_EQ(profile.tenantId, QStringLiteral("tenant-x.example"));
        EXPECT_EQ(profile.clientId, QStringLiteral("0c1e0000-0000-4000-8000-0000000000f1"));
        EXPECT_TRUE(profile.cloud().isLocal());
        // The settings never hold the secret.
        for (const QString &key : settings.allKeys())
            EXPECT_FALSE(settings.value(key).toString().contains(QStringLiteral("good-secret")));
    }
    const SecretStore store;
    const QString key = SecretStore::servicePrincipalKey(QStringLiteral("tenant-x.example"), QStringLiteral("0c1e0000-0000-4000-8000-0000000000f1"));
    auto secret = cli::await<QString>([&](QObject *c, auto done) { store.read(key, c, done); });
    ASSERT_TRUE(secret.ok()) << secret.error().toString().toStdString();
    EXPECT_EQ(secret.value(), QStringLiteral("good-secret"));

    // Other commands open a client from the profile and the keychain.
    auto client = cli::openClient();
    ASSERT_TRUE(client.ok()) << client.error().toString().toStdString();
    EXPECT_TRUE(client.value()->cloud().isLocal());

    EXPECT_EQ(cli::runLogout({QStringLiteral("logout")}), cli::ExitOk);
    secret = cli::await<QString>([&](QObject *c, auto done) { store.read(key, c, done); });
    ASSERT_FALSE(secret.ok());
    EXPECT_EQ(secret.error().kind, ErrorKind::NotFound);
    {
        QSettings settings;
        EXPECT_FALSE(loadSignInProfile(settings).isValid());
    }
    EXPECT_FALSE(cli::openClient().ok());
    EXPECT_EQ(cli::runLogout({QStringLiteral("logout")}), cli::ExitOk); // already signed out
}
