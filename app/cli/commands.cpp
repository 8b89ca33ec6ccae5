#include "app/cli/command.h"

#include <array>

namespace cerulean::cli {

// Entry points, one per cmd_*.cpp file. Keep the table in the order of the flow.
#define CERULEAN_DECLARE_COMMAND(fn) int fn(const QStringList &arguments);
CERULEAN_DECLARE_COMMAND(runVersion)
CERULEAN_DECLARE_COMMAND(runAutoml)
CERULEAN_DECLARE_COMMAND(runScore)
CERULEAN_DECLARE_COMMAND(runServe)
CERULEAN_DECLARE_COMMAND(runBench)
CERULEAN_DECLARE_COMMAND(runLogin)
CERULEAN_DECLARE_COMMAND(runLogout)
CERULEAN_DECLARE_COMMAND(runWorkspace)
CERULEAN_DECLARE_COMMAND(runCompute)
CERULEAN_DECLARE_COMMAND(runData)
CERULEAN_DECLARE_COMMAND(runJob)
CERULEAN_DECLARE_COMMAND(runModel)
CERULEAN_DECLARE_COMMAND(runEndpoint)
CERULEAN_DECLARE_COMMAND(runPipeline)
CERULEAN_DECLARE_COMMAND(runLocalService)
#undef CERULEAN_DECLARE_COMMAND

std::span<const Command> commands()
{
    static const std::array table{
        Command{"version", "Print the versions of Cerulean and the libraries it uses.", &runVersion},
        Command{"automl", "Train a classifier on a CSV file with the local AutoML engine.", &runAutoml},
        Command{"score", "Score a CSV file with a trained model package.", &runScore},
        Command{"serve", "Serve a model package over HTTP (/score, /swagger.json, health).", &runServe},
        Command{"bench", "Load-test an HTTP endpoint as ab does (n, c, keep-alive); ab-style or JSON report.", &runBench},
        Command{"login", "Sign in with a service principal (the secret goes to the keychain), or approve a local device code.", &runLogin},
        Command{"logout", "Forget the signed-in service principal and delete its secret.", &runLogout},
        Command{"workspace", "Azure ML workspaces: show, list, create (with storage, key vault, App Insights), write config.json.", &runWorkspace},
        Command{"compute", "Compute clusters: list, show, create, delete, VM sizes.", &runCompute},
        Command{"data", "Data assets: list, show, register (uri_file, mltable), upload to Blob Storage.", &runData},
        Command{"job", "Jobs: AutoML classification create, list, show, wait, cancel.", &runJob},
        Command{"model", "Registered models: list, show, register from a job output.", &runModel},
        Command{"endpoint", "Online endpoints: create, deploy, keys, logs, score, delete.", &runEndpoint},
        Command{"pipeline", "Pipelines: create, run, publish and trigger, schedules, batch inference, YAML export.", &runPipeline},
        Command{"local-service", "Run the local workspace service on loopback until signalled.", &runLocalService},
    };
    return table;
}

} // namespace cerulean::cli
