#include "app/cli/azure_cli.h"
#include "core/azure/sign_in_workflow.h"

#include <QCommandLineParser>
#include <QTextStream>

#include <cstdio>

namespace cerulean::cli {

using namespace cerulean::azure;

namespace {

// `login --approve CODE`: the user's own approval of a device code sign-in at the local
// workspace. The proof is the built-in principal's secret, which only the keychain of the
// user who runs the service holds; another program that asked for a code cannot approve it.
int decideDeviceCode(const QCommandLineParser &parser, const QCommandLineOption &tenant, const QCommandLineOption &clientId,
                     const QCommandLineOption &authority, const QCommandLineOption &codeOption, bool approve)
{
    const QString verb = approve ? QStringLiteral("--approve") : QStringLiteral("--deny");
    if (!parser.isSet(authority) || !parser.isSet(tenant) || !parser.isSet(clientId)) {
        printErr(QStringLiteral("login %1: --authority (the local workspace's URL), --tenant and --client-id (its built-in "
                                "principal, as `cerulean-cli local-service` prints them) are required.")
                     .arg(verb));
        return ExitUsage;
    }
    const Cloud cloud = cloudForAuthority(QUrl(parser.value(authority), QUrl::StrictMode));
    if (!cloud.isLocal()) {
        printErr(QStringLiteral("login %1: --authority must be the local workspace service on loopback, e.g. "
                                "http://127.0.0.1:PORT; on Azure, approve the sign-in in the browser.")
                     .arg(verb));
        return ExitUsage;
    }
    const SecretStore store;
    const QString key = SecretStore::servicePrincipalKey(parser.value(tenant).trimmed(), parser.value(clientId).trimmed());
    auto secret = await<QString>([&](QObject *context, auto done) { store.read(key, context, done); });
    if (!secret) {
        printErr(QStringLiteral("login %1: the local workspace's principal secret is not in the keychain under %2/%3.")
                     .arg(verb, store.service(), key));
        return failWith(secret.error());
    }
    auto transport = AzureClient::networkTransport();
    auto decided = await<DeviceCodeDecision>([&](QObject *context, auto done) {
        decideLocalDeviceCode(AzureClient::tokenPipeline(transport), cloud, parser.value(codeOption), secret.value(), approve,
                              context, done);
    });
    if (!decided)
        return failWith(decided.error());
    printOut(approve ? QStringLiteral("Approved the sign-in %1 of client %2 (for %3).")
                           .arg(decided->userCode, decided->clientId, decided->scope)
                     : QStringLiteral("Denied the sign-in %1 of client %2.").arg(decided->userCode, decided->clientId));
    return ExitOk;
}

} // namespace

int runLogin(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Sign in with a service principal: checks the credential by getting a token, then keeps the\n"
        "secret in the system keychain (never in a file). The secret is read from standard input.\n"
        "With --approve CODE (or --deny CODE): decide a device code sign-in that waits at a local\n"
        "workspace service (--authority), proven with its built-in principal's secret, read from the\n"
        "keychain under --tenant and --client-id (`cerulean-cli local-service` prints both and keeps it there)."));
    const QCommandLineOption tenant(QStringLiteral("tenant"), QStringLiteral("Tenant ID or domain."), QStringLiteral("T"));
    const QCommandLineOption clientId(QStringLiteral("client-id"), QStringLiteral("Application (client) ID."), QStringLiteral("C"));
    const QCommandLineOption secretStdin(QStringLiteral("secret-stdin"), QStringLiteral("Read the client secret from standard input."));
    const QCommandLineOption authority(QStringLiteral("authority"),
                                       QStringLiteral("Authority host (default Azure's; a loopback URL means the local workspace)."),
                                       QStringLiteral("URL"));
    const QCommandLineOption approve(QStringLiteral("approve"),
                                     QStringLiteral("Approve the device code sign-in CODE at the local workspace service."),
                                     QStringLiteral("CODE"));
    const QCommandLineOption deny(QStringLiteral("deny"), QStringLiteral("Deny the device code sign-in CODE."),
                                  QStringLiteral("CODE"));
    parser.addOptions({tenant, clientId, secretStdin, authority, approve, deny});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    if (parser.isSet(approve) || parser.isSet(deny))
        return decideDeviceCode(parser, tenant, clientId, authority, parser.isSet(approve) ? approve : deny,
                                parser.isSet(approve));
    if (!parser.isSet(tenant) || !parser.isSet(clientId) || !parser.isSet(secretStdin)) {
        printErr(QStringLiteral("login: --tenant, --client-id and --secret-stdin are required."));
        return ExitUsage;
    }
    SignInRequest request;
    request.method = SignInRequest::Method::ClientSecret;
    request.tenantId = parser.value(tenant).trimmed();
    request.clientId = parser.value(clientId).trimmed();
    request.authority = parser.value(authority).trimmed();
    QTextStream input(stdin);
    request.secret = input.readLine().trimmed();
    if (request.secret.isEmpty()) {
        printErr(QStringLiteral("login: no secret on standard input (pipe it in: printf %s \"$SECRET\" | cerulean-cli login …)."));
        return ExitUsage;
    }
    if (auto invalid = SignInWorkflow::validate(request)) {
        printErr(QStringLiteral("login: ") + invalid->message);
        return ExitUsage;
    }

    // The CLI cannot sign in next time without the secret: a keychain refusal is a failure.
    SignInOptions options;
    options.requireKeychain = true;
    SignInWorkflow signIn(options);
    QEventLoop loop;
    QObject::connect(&signIn, &SignInWorkflow::finished, &loop, &QEventLoop::quit);
    signIn.start(request);
    if (signIn.isBusy())
        loop.exec();
    if (!signIn.signedIn()) {
        printErr(signIn.error().kind == ErrorKind::Keychain
                     ? QStringLiteral("login: the credential works, but the secret cannot be remembered for the next "
                                      "command; nothing was saved.")
                     : QStringLiteral("login: the credential was not accepted."));
        return failWith(signIn.error());
    }
    const SignedIn &done = *signIn.signedIn();
    printOut(QStringLiteral("Signed in to %1 as %2 (%3). The secret is in the keychain; 'cerulean-cli logout' removes it.")
                 .arg(done.profile.tenantId, done.profile.clientId, done.client->cloud().displayName()));
    return ExitOk;
}

} // namespace cerulean::cli
