#pragma once

// The verbs of a subcommand as a table (`pipeline create`, `endpoint deploy`), as the
// subcommands are one (command.h): one function per verb, with its own options and a line of
// help. `cerulean-cli <command> --help` lists the verbs; `<command> <verb> --help` gives the
// verb's arguments and options.

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <span>
#include <vector>

namespace cerulean::cli {

// What help says of one verb.
struct VerbHelp final
{
    QString name;
    QString usage;   // what follows the verb: "NAME --file PIPELINE.json [--wait]"
    QString summary; // one line
    QList<QCommandLineOption> options;
};

// A subcommand made of verbs.
struct VerbCommand final
{
    QString name;                     // "pipeline"
    QString description;              // the first line of `<command> --help`
    QString notes;                    // after the options of every verb (may be empty)
    QList<QCommandLineOption> common; // options every verb takes
    QList<VerbHelp> verbs;            // in the order help and errors list them
};

// Parses `arguments` (arguments[0] is the command) with the options of every verb in one
// parser, so a verb accepts (and ignores) another verb's options. Returns the index of the
// verb. Otherwise returns nothing with `exitCode`: ExitOk after printing the help that
// --help asked for (the verb's, when one is named), ExitUsage after printing why the
// arguments do not parse or the verb is missing or unknown.
std::optional<qsizetype> parseVerb(QCommandLineParser &parser, const VerbCommand &command,
                                   const QStringList &arguments, int &exitCode);

QString commandHelp(const VerbCommand &command);
QString verbHelp(const VerbCommand &command, const VerbHelp &verb);

// One row of a command's verb table. `Options` holds the command's QCommandLineOptions (the
// row names its own by member), `Call` is what the command hands each verb.
template <class Options, class Call>
struct Verb final
{
    const char *name;
    int operands;      // positional arguments the verb needs after its name
    const char *usage; // what follows the verb in `<command> <verb> --help`
    const char *summary;
    std::vector<QCommandLineOption Options::*> options;
    int (*run)(const Call &call);
};

template <class Options, class Call>
QList<VerbHelp> verbHelps(std::span<const Verb<Options, Call>> verbs, const Options &options)
{
    QList<VerbHelp> out;
    for (const auto &verb : verbs) {
        VerbHelp help{QString::fromLatin1(verb.name), QString::fromUtf8(verb.usage), QString::fromUtf8(verb.summary),
                      {}};
        for (const auto member : verb.options)
            help.options.append(options.*member);
        out.append(help);
    }
    return out;
}

} // namespace cerulean::cli
