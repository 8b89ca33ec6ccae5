#include "app/cli/azure_cli.h"

namespace cerulean::cli {

using namespace cerulean::azure;

namespace {
QJsonObject toJson(const Compute &c)
{
    return {{QStringLiteral("name"), c.name},
            {QStringLiteral("computeType"), c.computeType},
            {QStringLiteral("provisioningState"), c.provisioningState},
            {QStringLiteral("vmSize"), c.vmSize},
            {QStringLiteral("vmPriority"), c.vmPriority},
            {QStringLiteral("minNodeCount"), c.minNodeCount},
            {QStringLiteral("maxNodeCount"), c.maxNodeCount},
            {QStringLiteral("idleTimeBeforeScaleDown"), c.idleTimeBeforeScaleDown},
            {QStringLiteral("currentNodeCount"), c.currentNodeCount},
            {QStringLiteral("allocationState"), c.allocationState}};
}
QJsonObject sizeJson(const VmSize &v)
{
    return {{QStringLiteral("name"), v.name}, {QStringLiteral("family"), v.family}, {QStringLiteral("vCPUs"), v.vCPUs},
            {QStringLiteral("gpus"), v.gpus}, {QStringLiteral("memoryGB"), v.memoryGB}};
}
} // namespace

int runCompute(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "AmlCompute clusters.\n  list | show NAME | create NAME | delete NAME | vm-sizes"));
    parser.addPositionalArgument(QStringLiteral("verb"), QStringLiteral("list | show | create | delete | vm-sizes"));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("Cluster name."), QStringLiteral("[name]"));
    const WorkspaceOptions options;
    options.addTo(parser);
    const QCommandLineOption vmSize(QStringLiteral("vm-size"), QStringLiteral("VM size (default STANDARD_DS3_V2)."), QStringLiteral("size"),
                                    QStringLiteral("STANDARD_DS3_V2"));
    const QCommandLineOption minNodes(QStringLiteral("min-nodes"), QStringLiteral("Minimum nodes (default 0)."), QStringLiteral("n"),
                                      QStringLiteral("0"));
    const QCommandLineOption maxNodes(QStringLiteral("max-nodes"), QStringLiteral("Maximum nodes (default 4)."), QStringLiteral("n"),
                                      QStringLiteral("4"));
    const QCommandLineOption idle(QStringLiteral("idle-seconds"), QStringLiteral("Idle seconds before scale-down (default 120)."),
                                  QStringLiteral("s"), QStringLiteral("120"));
    const QCommandLineOption location(QStringLiteral("location"), QStringLiteral("Azure region (create, vm-sizes)."), QStringLiteral("region"));
    parser.addOptions({vmSize, minNodes, maxNodes, idle, location});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    const QString verb = verbOf(parser, {QStringLiteral("list"), QStringLiteral("show"), QStringLiteral("create"),
                                         QStringLiteral("delete"), QStringLiteral("vm-sizes")},
                                QStringLiteral("compute"));
    if (verb.isEmpty())
        return ExitUsage;
    const QString name = parser.positionalArguments().value(1);
    if (name.isEmpty() && verb != QLatin1String("list") && verb != QLatin1String("vm-sizes")) {
        printErr(QStringLiteral("compute %1: the cluster name is required.").arg(verb));
        return ExitUsage;
    }
    const bool json = parser.isSet(options.json);
    auto ml = openWorkspace(options, parser);
    if (!ml)
        return failWith(ml.error());
    if (verb == QLatin1String("list")) {
        return listOrFail<Compute>([&](QObject *c, auto done) { ml.value()->listComputes(c, done); }, json, toJson,
                                   {QStringLiteral("name"), QStringLiteral("vmSize"), QStringLiteral("provisioningState")});
    }
    if (verb == QLatin1String("show")) {
        return showOrFail<Compute>([&](QObject *c, auto done) { ml.value()->getCompute(name, c, done); }, json, toJson);
    }
    if (verb == QLatin1String("vm-sizes")) {
        return listOrFail<VmSize>([&](QObject *c, auto done) { ml.value()->listVmSizes(parser.value(location), c, done); }, json,
                                  sizeJson, {QStringLiteral("name"), QStringLiteral("vCPUs"), QStringLiteral("memoryGB")});
    }
    if (verb == QLatin1String("delete")) {
        return deleteOrFail(ml.value()->deleteCompute(name, nullptr), json, QStringLiteral("compute ") + name);
    }
    ComputeSpec spec;
    spec.name = name;
    spec.location = parser.value(location);
    spec.vmSize = parser.value(vmSize);
    bool ok1 = false, ok2 = false, ok3 = false;
    spec.minNodeCount = parser.value(minNodes).toInt(&ok1);
    spec.maxNodeCount = parser.value(maxNodes).toInt(&ok2);
    spec.idleSecondsBeforeScaleDown = parser.value(idle).toInt(&ok3);
    if (!ok1 || !ok2 || !ok3 || spec.minNodeCount < 0 || spec.maxNodeCount < spec.minNodeCount || spec.maxNodeCount < 1) {
        printErr(QStringLiteral("compute create: --min-nodes, --max-nodes and --idle-seconds must be whole numbers, 0 <= min <= max, max >= 1."));
        return ExitUsage;
    }
    if (spec.location.isEmpty()) {
        auto workspace = await<Workspace>([&](QObject *c, auto done) { ml.value()->getWorkspace(c, done); });
        if (!workspace)
            return failWith(workspace.error());
        spec.location = workspace->location;
    }
    std::unique_ptr<Operation<Compute>> operation(ml.value()->createCompute(spec, nullptr));
    awaitOperation(*operation, json);
    if (operation->state() != OperationState::Succeeded || !operation->value())
        return failWith(operation->error());
    return printOne<Compute>(*operation->value(), json, toJson);
}

} // namespace cerulean::cli
