#pragma once

#include <QStringList>

#include <span>

namespace cerulean::cli {

// One subcommand of cerulean-cli: its name, a one-line summary for --help, and its entry
// point, which receives the arguments after the subcommand name (argv[0] is the command).
struct Command
{
    const char *name;
    const char *summary;
    int (*run)(const QStringList &arguments);
};

std::span<const Command> commands();

// Exit codes shared by every subcommand.
enum ExitCode : int
{
    ExitOk = 0,
    ExitFailure = 1,      // the operation ran and failed (bad data, service error, ...)
    ExitUsage = 2,        // wrong arguments
    ExitInterrupted = 130 // SIGINT / cancel
};

} // namespace cerulean::cli
