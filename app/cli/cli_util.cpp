#include "app/cli/cli_util.h"

#include "app/cli/command.h"

#include <cstdio>

namespace cerulean::cli {

void printOut(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void printErr(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
}

bool parseOrExit(QCommandLineParser &parser, const QStringList &arguments, int &exitCode)
{
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    parser.addOption(help);
    if (!parser.parse(arguments)) {
        printErr(parser.errorText());
        printErr(QStringLiteral("Run '%1 --help' for the options.").arg(arguments.value(0)));
        exitCode = ExitUsage;
        return false;
    }
    if (parser.isSet(help)) {
        printOut(parser.helpText());
        exitCode = ExitOk;
        return false;
    }
    return true;
}

} // namespace cerulean::cli
