#include "app/cli/cli_util.h"
#include "app/cli/command.h"

#include <QCommandLineParser>
#include <QtGlobal>

#include <nlohmann/json.hpp>

namespace cerulean::cli {

int runVersion(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Print the versions of Cerulean and its libraries."));
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    printOut(QStringLiteral("cerulean-cli %1").arg(QStringLiteral(CERULEAN_VERSION)));
    printOut(QStringLiteral("Qt %1 (built with %2)").arg(QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR)));
    printOut(QStringLiteral("nlohmann_json %1.%2.%3")
                 .arg(NLOHMANN_JSON_VERSION_MAJOR).arg(NLOHMANN_JSON_VERSION_MINOR).arg(NLOHMANN_JSON_VERSION_PATCH));
    return ExitOk;
}

} // namespace cerulean::cli
