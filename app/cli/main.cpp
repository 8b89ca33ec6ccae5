#include "app/cli/cli_util.h"
#include "app/cli/command.h"
#include "core/azure/secret_store.h"

#include <QCoreApplication>

#include <cstring>

using namespace cerulean::cli;

namespace {

QString usage()
{
    QString text = QStringLiteral(
        "Usage: cerulean-cli <command> [options]\n\n"
        "Cerulean from the command line: the same operations as the desktop app.\n\n"
        "Commands:\n");
    for (const Command &command : commands())
        text += QStringLiteral("  %1%2\n")
                    .arg(QString::fromLatin1(command.name).leftJustified(16),
                         QString::fromUtf8(command.summary));
    text += QStringLiteral("\nRun 'cerulean-cli <command> --help' for a command's options.");
    return text;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("cerulean"));
    QCoreApplication::setOrganizationName(QStringLiteral("Cerulean"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CERULEAN_VERSION));

    // Commands go on without a keychain where they can; the user reads once why nothing is kept.
    QObject::connect(&cerulean::azure::KeychainStatus::instance(), &cerulean::azure::KeychainStatus::becameUnavailable, &app, []() {
        printErr(QStringLiteral("cerulean-cli: secrets are not remembered: the keychain is not available (%1). To remember "
                                "them, run GNOME Keyring or KWallet and unlock it.")
                     .arg(cerulean::azure::KeychainStatus::instance().reason()));
    });

    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.size() < 2 || arguments.at(1) == QLatin1String("--help")
        || arguments.at(1) == QLatin1String("-h") || arguments.at(1) == QLatin1String("help")) {
        printOut(usage());
        return arguments.size() < 2 ? ExitUsage : ExitOk;
    }
    if (arguments.at(1) == QLatin1String("--version")) {
        printOut(QStringLiteral("cerulean-cli %1").arg(QCoreApplication::applicationVersion()));
        return ExitOk;
    }
    const QByteArray name = arguments.at(1).toUtf8();
    for (const Command &command : commands()) {
        if (std::strcmp(command.name, name.constData()) == 0)
            return command.run(arguments.mid(1));
    }
    printErr(QStringLiteral("cerulean-cli: unknown command '%1'.").arg(arguments.at(1)));
    printErr(usage());
    return ExitUsage;
}
