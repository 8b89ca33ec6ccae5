#include "app/cli/azure_cli.h"
#include "core/azure/sign_in_workflow.h"

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
                     ? QStringLiteral("login: the credential works, but the secret could not be kept.")
                     : QStringLiteral("login: the credential was not accepted."));
        return failWith(signIn.error());
    }
    const SignedIn &done = *signIn.signedIn();
    printOut(QStringLiteral("Signed in to %1 as %2 (%3). The secret is in the keychain; 'cerulean-cli logout' removes it.")
                 .arg(done.profile.tenantId, done.profile.clientId, done.client->cloud().displayName()));
    return ExitOk;
}

} // namespace cerulean::cli
