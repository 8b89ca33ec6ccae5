#include "app/cli/command.h"

#include <array>

namespace cerulean::cli {

// Entry points, one per cmd_*.cpp file. Keep the table in the order of the flow.
#define CERULEAN_DECLARE_COMMAND(fn) int fn(const QStringList &arguments);
CERULEAN_DECLARE_COMMAND(runVersion)
#undef CERULEAN_DECLARE_COMMAND

std::span<const Command> commands()
{
    static const std::array table{
        Command{"version", "Print the versions of Cerulean and the libraries it uses.", &runVersion},
    };
    return table;
}

} // namespace cerulean::cli
