#include "app/cli/azure_cli.h"

namespace cerulean::cli {

using namespace cerulean::azure;

namespace {
QJsonObject toJson(const Workspace &w)
{
    return {{QStringLiteral("name"), w.name},
            {QStringLiteral("location"), w.location},
            {QStringLiteral("friendlyName"), w.friendlyName},
            {QStringLiteral("provisioningState"), w.provisioningState},
            {QStringLiteral("storageAccount"), w.storageAccount},
            {QStringLiteral("keyVault"), w.keyVault},
            {QStringLiteral("applicationInsights"), w.applicationInsights},
            {QStringLiteral("mlFlowTrackingUri"), w.mlFlowTrackingUri},
            {QStringLiteral("id"), w.id}};
}
} // namespace

int runWorkspace(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Azure ML workspaces.\n  show          the workspace of config.json (or the flags)\n"
        "  list          the workspaces of the resource group (or the subscription)\n"
        "  write-config  write config.json for --subscription/--resource-group/--workspace"));
    parser.addPositionalArgument(QStringLiteral("verb"), QStringLiteral("show | list | write-config"));
    const WorkspaceOptions options;
    options.addTo(parser);
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    const QString verb = verbOf(parser, {QStringLiteral("show"), QStringLiteral("list"), QStringLiteral("write-config")},
                                QStringLiteral("workspace"));
    if (verb.isEmpty())
        return ExitUsage;
    const bool json = parser.isSet(options.json);
    if (verb == QLatin1String("write-config")) {
        if (!parser.isSet(options.subscription) || !parser.isSet(options.resourceGroup) || !parser.isSet(options.workspace)) {
            printErr(QStringLiteral("workspace write-config: --subscription, --resource-group and --workspace are required."));
            return ExitUsage;
        }
        const QString path = parser.isSet(options.config) ? parser.value(options.config) : QStringLiteral("config.json");
        auto written = writeWorkspaceConfig(path, {parser.value(options.subscription), parser.value(options.resourceGroup),
                                                   parser.value(options.workspace)});
        if (!written)
            return failWith(written.error());
        printOut(QStringLiteral("Wrote %1.").arg(path));
        return ExitOk;
    }
    auto ml = openWorkspace(options, parser);
    if (!ml)
        return failWith(ml.error());
    if (verb == QLatin1String("show")) {
        return showOrFail<Workspace>([&](QObject *c, auto done) { ml.value()->getWorkspace(c, done); }, json, toJson);
    }
    const QString group = parser.isSet(options.resourceGroup) || parser.isSet(options.config) || QFileInfo::exists(QStringLiteral("config.json"))
                              ? ml.value()->workspace().resourceGroup
                              : QString();
    return listOrFail<Workspace>([&](QObject *c, auto done) { ml.value()->listWorkspaces(group, c, done); }, json, toJson,
                                 {QStringLiteral("name"), QStringLiteral("location"), QStringLiteral("provisioningState")});
}

} // namespace cerulean::cli
