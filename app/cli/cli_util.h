#pragma once

#include <QCommandLineParser>
#include <QString>

namespace cerulean::cli {

// Prints to stdout / stderr as UTF-8 with a trailing newline.
void printOut(const QString &text);
void printErr(const QString &text);

// Parses a subcommand's arguments; on --help prints help and returns false with
// exitCode = ExitOk, on an error prints it and returns false with exitCode = ExitUsage.
bool parseOrExit(QCommandLineParser &parser, const QStringList &arguments, int &exitCode);

} // namespace cerulean::cli
