#include "app/cli/azure_cli.h"

#include <QCommandLineParser>

namespace cerulean::cli {

using namespace cerulean::azure;

int runLogout(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Forget the signed-in service principal and delete its secret from the keychain."));
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    QSettings settings;
    const SignInProfile profile = loadSignInProfile(settings);
    if (!profile.isValid()) {
        printOut(QStringLiteral("Not signed in: nothing to do."));
        return ExitOk;
    }
    const SecretStore store;
    auto removed = await<Empty>([&](QObject *context, auto done) {
        store.remove(SecretStore::servicePrincipalKey(profile.tenantId, profile.clientId), context, done);
    });
    // Who signed in is forgotten either way; a secret a keychain could not delete is reported.
    clearSignInProfile(settings);
    if (!removed) {
        printErr(QStringLiteral("Signed out of %1 (%2), but its secret could not be deleted from the keychain.")
                     .arg(profile.tenantId, profile.clientId));
        return failWith(removed.error());
    }
    printOut(QStringLiteral("Signed out of %1 (%2); its secret is deleted from the keychain.").arg(profile.tenantId, profile.clientId));
    return ExitOk;
}

} // namespace cerulean::cli
