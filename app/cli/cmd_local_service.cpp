#include "app/cli/cli_util.h"
#include "app/cli/command.h"

#include "app/cli/azure_cli.h"

#include "core/azure/secret_store.h"
#include "core/local/local_server.h"

#include <QCommandLineParser>
#include <QStandardPaths>

#include <csignal>
#include <pthread.h>

namespace cerulean::cli {

int runLocalService(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Run the local workspace service: Azure ML's REST surface on loopback, backed by SQLite and files.\n"
        "Prints 'listening on http://127.0.0.1:PORT', then 'https on https://127.0.0.1:PORT' with the\n"
        "file of the workspace's own CA that HTTPS clients trust, and runs until SIGINT or SIGTERM."));
    const QCommandLineOption root(QStringLiteral("root"), QStringLiteral("State directory (default: the user's data location)."),
                                  QStringLiteral("DIR"));
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("Loopback port (default: a free one)."),
                                  QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption httpsPort(QStringLiteral("https-port"),
                                       QStringLiteral("Loopback port for HTTPS (default: a free one)."),
                                       QStringLiteral("N"), QStringLiteral("0"));
    parser.addOption(root);
    parser.addOption(port);
    parser.addOption(httpsPort);
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    bool ok = false;
    const uint portNumber = parser.value(port).toUInt(&ok);
    if (!ok || portNumber > 65535) {
        printErr(QStringLiteral("local-service: --port must be a number from 0 to 65535, not '%1'.").arg(parser.value(port)));
        return ExitUsage;
    }
    const uint httpsPortNumber = parser.value(httpsPort).toUInt(&ok);
    if (!ok || httpsPortNumber > 65535) {
        printErr(QStringLiteral("local-service: --https-port must be a number from 0 to 65535, not '%1'.")
                     .arg(parser.value(httpsPort)));
        return ExitUsage;
    }
    local::LocalServerOptions options;
    options.service.root = parser.isSet(root)
                               ? parser.value(root)
                               : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                                     QStringLiteral("/local-workspace");
    options.port = static_cast<std::uint16_t>(portNumber);
    options.httpsPort = static_cast<std::uint16_t>(httpsPortNumber);

    // Block the stop signals before any thread starts, so every thread inherits the mask and
    // this one receives them with sigwait.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    local::LocalServer server(options);
    QString error;
    if (!server.start(&error)) {
        printErr(QStringLiteral("local-service: %1").arg(error));
        return ExitFailure;
    }
    // The built-in principal's secret exists only in this process: it goes to the keychain,
    // where `cerulean-cli pipeline --local-root` (and any script with keychain access) reads it.
    const local::LocalPrincipal principal = server.service().builtInPrincipal();
    const azure::SecretStore secrets;
    const QString secretKey = azure::SecretStore::servicePrincipalKey(principal.tenantId, principal.clientId);
    auto kept = await<azure::Empty>([&](QObject *context, auto done) { secrets.write(secretKey, principal.clientSecret, context, done); });
    // Without a keychain the secret stays in this process only: the service still runs.
    const bool inKeychain = kept && azure::SecretStore::remembers();
    if (!inKeychain)
        printErr(QStringLiteral("local-service: the built-in principal's secret is not in the keychain, so "
                                "'cerulean-cli pipeline --local-root' cannot sign in to this service."));
    printOut(QStringLiteral("listening on %1").arg(server.baseUrl().toString()));
    // Its own line, after the one scripts read the plain URL from.
    printOut(QStringLiteral("https on %1: its clients trust the CA in %2 (curl --cacert %2; Python tools such as "
                            "az: export REQUESTS_CA_BUNDLE=%2)")
                 .arg(server.httpsBaseUrl().toString(), server.caCertificateFile()));
    printOut(QStringLiteral("root %1, subscription %2, tenant %3")
                 .arg(options.service.root, server.service().subscriptionId(), server.service().tenantId()));
    if (inKeychain)
        printOut(QStringLiteral("the built-in principal %1 has its secret in the keychain under %2/%3")
                     .arg(principal.clientId, secrets.service(), secretKey));
    int received = 0;
    sigwait(&stopSignals, &received);
    server.stop();
    return ExitOk;
}

} // namespace cerulean::cli
