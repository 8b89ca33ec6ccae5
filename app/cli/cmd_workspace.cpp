#include "app/cli/azure_cli.h"
#include "core/azure/workspace_provisioning.h"

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

// Options only `workspace create` takes.
struct CreateOptions
{
    QCommandLineOption location{QStringLiteral("location"), QStringLiteral("create: the Azure region (e.g. westeurope; the local workspace takes 'local')."),
                                QStringLiteral("region")};
    QCommandLineOption createGroup{QStringLiteral("create-resource-group"),
                                   QStringLiteral("create: make the resource group first if it does not exist.")};
    QCommandLineOption quiet{QStringLiteral("quiet"), QStringLiteral("create: no progress lines on stderr.")};

    void addTo(QCommandLineParser &parser) const { parser.addOptions({location, createGroup, quiet}); }
};

// Prints the provisioning's steps and the service's progress on stderr, as `az` does.
void reportProgress(azure::WorkspaceProvisioning &provisioning)
{
    using Step = azure::WorkspaceProvisioning::Step;
    QObject::connect(&provisioning, &azure::WorkspaceProvisioning::stepStarted, &provisioning, [](Step step, const QString &what) {
        printErr(QStringLiteral("[%1/%2] Creating %3…")
                     .arg(int(step) + 1)
                     .arg(azure::WorkspaceProvisioning::kStepCount)
                     .arg(what));
    });
    QObject::connect(&provisioning, &azure::WorkspaceProvisioning::progressed, &provisioning,
                     [](const azure::OperationProgress &progress) { printErr(QStringLiteral("  ") + azure::describe(progress)); });
    QObject::connect(&provisioning, &azure::WorkspaceProvisioning::stepFinished, &provisioning,
                     [&provisioning](Step step) { printErr(QStringLiteral("  created %1").arg(provisioning.describe(step))); });
}

int createWorkspace(const QCommandLineParser &parser, const WorkspaceOptions &options, const CreateOptions &create)
{
    if (!parser.isSet(options.subscription) || !parser.isSet(options.resourceGroup) || !parser.isSet(options.workspace) ||
        !parser.isSet(create.location)) {
        printErr(QStringLiteral("workspace create: --subscription, --resource-group, --workspace and --location are required."));
        return ExitUsage;
    }
    azure::WorkspaceProvisioningRequest request;
    request.workspace = {parser.value(options.subscription), parser.value(options.resourceGroup), parser.value(options.workspace)};
    request.location = parser.value(create.location).trimmed();
    if (auto invalid = azure::validate(request)) {
        printErr(QStringLiteral("workspace create: ") + invalid->message);
        return ExitUsage;
    }
    QSettings settings;
    request.tenantId = loadSignInProfile(settings).tenantId; // the key vault's tenant: the signed-in one
    auto client = openClient();
    if (!client)
        return failWith(client.error());
    const bool quiet = parser.isSet(create.quiet);
    const MachineLearningClient ml(client.value(), request.workspace);
    if (parser.isSet(create.createGroup)) {
        if (!quiet)
            printErr(QStringLiteral("Creating the resource group %1 in %2…").arg(request.workspace.resourceGroup, request.location));
        std::unique_ptr<azure::OperationBase> group(
            ml.createResourceGroup(request.workspace.resourceGroup, request.location, nullptr));
        awaitOperation(*group, quiet);
        if (group->state() != azure::OperationState::Succeeded)
            return failWith(group->error());
    }
    azure::WorkspaceProvisioning provisioning(ml, request);
    if (!quiet)
        reportProgress(provisioning);
    QEventLoop loop;
    QObject::connect(&provisioning, &azure::WorkspaceProvisioning::finished, &loop, &QEventLoop::quit);
    provisioning.start();
    if (provisioning.isRunning())
        loop.exec();
    if (provisioning.state() != azure::OperationState::Succeeded || !provisioning.workspace()) {
        if (auto step = provisioning.failedStep())
            printErr(QStringLiteral("workspace create: creating %1 failed (%2 of %3 resources were made; they stay in the resource group).")
                         .arg(provisioning.describe(*step))
                         .arg(provisioning.stepsDone())
                         .arg(azure::WorkspaceProvisioning::kStepCount));
        return failWith(provisioning.error());
    }
    return printOne<Workspace>(*provisioning.workspace(), parser.isSet(options.json), toJson);
}
} // namespace

int runWorkspace(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Azure ML workspaces.\n  show          the workspace of config.json (or the flags)\n"
        "  list          the workspaces of the resource group (or the subscription)\n"
        "  create        a workspace with its storage account, key vault and Application Insights:\n"
        "                --subscription, --resource-group, --workspace and --location\n"
        "  write-config  write config.json for --subscription/--resource-group/--workspace"));
    parser.addPositionalArgument(QStringLiteral("verb"), QStringLiteral("show | list | create | write-config"));
    const WorkspaceOptions options;
    options.addTo(parser);
    const CreateOptions create;
    create.addTo(parser);
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    const QString verb = verbOf(parser,
                                {QStringLiteral("show"), QStringLiteral("list"), QStringLiteral("create"), QStringLiteral("write-config")},
                                QStringLiteral("workspace"));
    if (verb.isEmpty())
        return ExitUsage;
    if (verb == QLatin1String("create"))
        return createWorkspace(parser, options, create);
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
