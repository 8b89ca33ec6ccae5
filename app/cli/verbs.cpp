#include "app/cli/verbs.h"

#include "app/cli/cli_util.h"
#include "app/cli/command.h"

#include <algorithm>

namespace cerulean::cli {

namespace {

// "-h, --help" or "--file <FILE>", as QCommandLineParser writes them.
QString optionSyntax(const QCommandLineOption &option)
{
    QStringList names;
    for (const QString &name : option.names())
        names << (name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name;
    QString syntax = names.join(QStringLiteral(", "));
    if (!option.valueName().isEmpty())
        syntax += QStringLiteral(" <%1>").arg(option.valueName());
    return syntax;
}

qsizetype syntaxWidth(const QList<QCommandLineOption> &options)
{
    qsizetype width = 0;
    for (const QCommandLineOption &option : options)
        width = std::max(width, optionSyntax(option).size());
    return width;
}

// One line per option: its syntax, then its description in a column `width` wide.
QString optionLines(const QList<QCommandLineOption> &options, qsizetype width)
{
    QString text;
    for (const QCommandLineOption &option : options)
        text += QStringLiteral("  %1  %2\n").arg(optionSyntax(option).leftJustified(width), option.description());
    return text;
}

QCommandLineOption helpOption()
{
    return QCommandLineOption({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help."));
}

// The verb's own options (if any), then those of every verb, aligned in one column.
QString optionSections(const VerbCommand &command, const QList<QCommandLineOption> &own)
{
    const QList<QCommandLineOption> every = command.common + QList<QCommandLineOption>{helpOption()};
    const qsizetype width = std::max(syntaxWidth(own), syntaxWidth(every));
    QString text;
    if (!own.isEmpty())
        text += QStringLiteral("\nOptions:\n") + optionLines(own, width);
    text += QStringLiteral("\nOptions of every verb:\n") + optionLines(every, width);
    if (!command.notes.isEmpty())
        text += QStringLiteral("\n") + command.notes + QStringLiteral("\n");
    return text;
}

} // namespace

QString commandHelp(const VerbCommand &command)
{
    QString text = QStringLiteral("Usage: cerulean-cli %1 <verb> [arguments] [options]\n%2\n\nVerbs:\n")
                       .arg(command.name, command.description);
    qsizetype width = 0;
    for (const VerbHelp &verb : command.verbs)
        width = std::max(width, verb.name.size());
    for (const VerbHelp &verb : command.verbs)
        text += QStringLiteral("  %1  %2\n").arg(verb.name.leftJustified(width), verb.summary);
    text += optionSections(command, {});
    text += QStringLiteral("\nRun 'cerulean-cli %1 <verb> --help' for a verb's arguments and options.").arg(command.name);
    return text;
}

QString verbHelp(const VerbCommand &command, const VerbHelp &verb)
{
    QString usage = QStringLiteral("cerulean-cli %1 %2").arg(command.name, verb.name);
    if (!verb.usage.isEmpty())
        usage += QLatin1Char(' ') + verb.usage;
    const QString text =
        QStringLiteral("Usage: %1 [options]\n%2\n").arg(usage, verb.summary) + optionSections(command, verb.options);
    return text.trimmed();
}

std::optional<qsizetype> parseVerb(QCommandLineParser &parser, const VerbCommand &command,
                                   const QStringList &arguments, int &exitCode)
{
    QStringList added;
    const auto add = [&](const QCommandLineOption &option) {
        if (added.contains(option.names().constFirst()))
            return; // several verbs take it
        added << option.names().constFirst();
        parser.addOption(option);
    };
    for (const QCommandLineOption &option : command.common)
        add(option);
    for (const VerbHelp &verb : command.verbs)
        for (const QCommandLineOption &option : verb.options)
            add(option);
    const QCommandLineOption help = helpOption();
    parser.addOption(help);
    if (!parser.parse(arguments)) {
        printErr(parser.errorText());
        printErr(QStringLiteral("Run '%1 --help' for the options.").arg(arguments.value(0)));
        exitCode = ExitUsage;
        return std::nullopt;
    }
    const QString name = parser.positionalArguments().value(0);
    QStringList names;
    qsizetype index = -1;
    for (qsizetype i = 0; i < command.verbs.size(); ++i) {
        names << command.verbs[i].name;
        if (command.verbs[i].name == name)
            index = i;
    }
    if (parser.isSet(help)) {
        printOut(index >= 0 ? verbHelp(command, command.verbs[index]) : commandHelp(command));
        exitCode = ExitOk;
        return std::nullopt;
    }
    if (index < 0) {
        printErr(QStringLiteral("%1: expected one of: %2").arg(command.name, names.join(QStringLiteral(", "))));
        exitCode = ExitUsage;
        return std::nullopt;
    }
    return index;
}

} // namespace cerulean::cli
