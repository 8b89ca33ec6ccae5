#include "app/cli/azure_cli.h"

#include <QCommandLineParser>
#include <QTextStream>

#include <cstdio>

namespace cerulean::cli {

using namespace cerulean::azure;

int runLogin(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Sign in with a service principal: checks the credential by getting a token, then keeps the\n"
        "secret in the system keychain (never in a file). The secret is read from standard input."));
    const QCommandLineOption tenant(QStringLiteral("tenant"), QStringLiteral("Tenant ID or domain."), QStringLiteral("T"));
    const QCommandLineOption clientId(QStringLiteral("client-id"), QStringLiteral("Application (client) ID."), QStringLiteral("C"));
    const QCommandLineOption secretStdin(QStringLiteral("secret-stdin"), QStringLiteral("Read the client secret from standard input."));
    const QCommandLineOption authority(QStringLiteral("authority"),
                                       QStringLiteral("Authority host (default Azure's; a loopback URL means the local workspace)."),
                                       QStringLiteral("URL"));
    parser.addOptions({tenant, clientId, secretStdin, authority});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    if (!parser.isSet(tenant) || !parser.isSet(clientId) || !parser.isSet(secretStdin)) {
        printErr(QStringLiteral("login: --tenant, --client-id and --secret-stdin are required."));
        return ExitUsage;
    }
    SignInProfile profile;
    profile.tenantId = parser.value(tenant).trimmed();
    profile.clientId = parser.value(clientId).trimmed();
    if (parser.isSet(authority)) {
        profile.authority = QUrl(parser.value(authority), QUrl::StrictMode);
        if (!profile.authority.isValid() || profile.authority.scheme().isEmpty() || profile.authority.host().isEmpty()) {
            printErr(QStringLiteral("login: --authority must be an absolute URL, e.g. https://login.microsoftonline.com"));
            return ExitUsage;
        }
    }
    QTextStream input(stdin);
    const QString secret = input.readLine().trimmed();
    if (secret.isEmpty()) {
        printErr(QStringLiteral("login: no secret on standard input (pipe it in: printf %s \"$SECRET\" | cerulean-cli login …)."));
        return ExitUsage;
    }

    const Cloud cloud = profile.cloud();
    auto transport = AzureClient::networkTransport();
    ClientSecretCredential credential(cloud, profile.tenantId, profile.clientId, secret, AzureClient::tokenPipeline(transport));
    auto token = await<AccessToken>([&](QObject *context, auto done) {
        credential.getToken({{Cloud::armScope()}, {}, false}, context, done);
    });
    if (!token) {
        printErr(QStringLiteral("login: the credential was not accepted."));
        return failWith(token.error());
    }

    const SecretStore store;
    auto stored = await<Empty>([&](QObject *context, auto done) {
        store.write(SecretStore::servicePrincipalKey(profile.tenantId, profile.clientId), secret, context, done);
    });
    if (!stored) {
        printErr(QStringLiteral("login: the credential works, but the secret could not be kept."));
        return failWith(stored.error());
    }
    if (!SecretStore::remembers()) {
        // Held in this process only: a later command could not sign in, so nothing is saved.
        printErr(QStringLiteral("login: the credential works, but without a keychain it cannot be remembered for the "
                                "next command; nothing was saved."));
        return ExitFailure;
    }
    QSettings settings;
    saveSignInProfile(settings, profile);
    printOut(QStringLiteral("Signed in to %1 as %2 (%3). The secret is in the keychain; 'cerulean-cli logout' removes it.")
                 .arg(profile.tenantId, profile.clientId, cloud.displayName()));
    return ExitOk;
}

} // namespace cerulean::cli
