#include "app/cli/azure_cli.h"
#include "app/cli/verbs.h"

#include <QFile>

namespace cerulean::cli {

using namespace cerulean::azure;

namespace {
QJsonObject toJson(const OnlineEndpoint &e)
{
    QJsonObject traffic;
    for (auto it = e.traffic.begin(); it != e.traffic.end(); ++it)
        traffic.insert(it.key(), it.value());
    return {{QStringLiteral("name"), e.name},
            {QStringLiteral("authMode"), e.authMode},
            {QStringLiteral("provisioningState"), e.provisioningState},
            {QStringLiteral("scoringUri"), e.scoringUri.toString()},
            {QStringLiteral("swaggerUri"), e.swaggerUri.toString()},
            {QStringLiteral("traffic"), traffic}};
}
QJsonObject deploymentJson(const OnlineDeployment &d)
{
    return {{QStringLiteral("name"), d.name},
            {QStringLiteral("model"), d.model},
            {QStringLiteral("instanceType"), d.instanceType},
            {QStringLiteral("instanceCount"), d.instanceCount},
            {QStringLiteral("appInsightsEnabled"), d.appInsightsEnabled},
            {QStringLiteral("provisioningState"), d.provisioningState}};
}

// Every option of `endpoint`; each verb's table row names those it takes.
struct EndpointOptions final
{
    WorkspaceOptions workspace;
    QCommandLineOption location{QStringLiteral("location"), QStringLiteral("Region (create; default the workspace's)."), QStringLiteral("region")};
    QCommandLineOption model{QStringLiteral("model"), QStringLiteral("Model ARM id (deploy)."), QStringLiteral("id")};
    QCommandLineOption instanceType{QStringLiteral("instance-type"), QStringLiteral("Instance type (default Standard_DS3_v2)."),
                                    QStringLiteral("type"), QStringLiteral("Standard_DS3_v2")};
    QCommandLineOption instanceCount{QStringLiteral("instance-count"), QStringLiteral("Instances (default 1)."), QStringLiteral("n"),
                                     QStringLiteral("1")};
    QCommandLineOption tail{QStringLiteral("tail"), QStringLiteral("Log lines (default 100)."), QStringLiteral("n"), QStringLiteral("100")};
    QCommandLineOption show{QStringLiteral("show"), QStringLiteral("keys: also print the keys.")};
    QCommandLineOption body{QStringLiteral("body"), QStringLiteral("score: JSON request file."), QStringLiteral("file")};
    // As `az ml online-deployment create --all-traffic`: a new deployment gets no traffic
    // until the endpoint's traffic names it.
    QCommandLineOption allTraffic{QStringLiteral("all-traffic"),
                                  QStringLiteral("deploy: then send all of the endpoint's traffic to the deployment.")};

    QList<QCommandLineOption> common() const
    {
        return {workspace.config, workspace.subscription, workspace.resourceGroup, workspace.workspace, workspace.json};
    }
};

// What a verb runs with: the command line and the workspace.
struct EndpointCall final
{
    const QCommandLineParser &parser;
    const EndpointOptions &options;
    QString name;       // the endpoint
    QString deployment; // deploy, deployment, logs
    bool json = false;
    const MachineLearningClient &client;
    SecretStore store;
    QString keyName; // the endpoint's primary key in the keychain
};

int listEndpoints(const EndpointCall &call)
{
    return listOrFail<OnlineEndpoint>([&](QObject *c, auto done) { call.client.listOnlineEndpoints(c, done); }, call.json, toJson,
                                      {QStringLiteral("name"), QStringLiteral("provisioningState"), QStringLiteral("scoringUri")});
}

int showEndpoint(const EndpointCall &call)
{
    return showOrFail<OnlineEndpoint>([&](QObject *c, auto done) { call.client.getOnlineEndpoint(call.name, c, done); }, call.json,
                                      toJson);
}

int deleteEndpoint(const EndpointCall &call)
{
    return deleteOrFail(call.client.deleteOnlineEndpoint(call.name, nullptr), call.json, QStringLiteral("endpoint ") + call.name);
}

int createEndpoint(const EndpointCall &call)
{
    OnlineEndpointSpec spec;
    spec.name = call.name;
    spec.location = call.parser.value(call.options.location);
    if (spec.location.isEmpty()) {
        auto workspace = await<Workspace>([&](QObject *c, auto done) { call.client.getWorkspace(c, done); });
        if (!workspace)
            return failWith(workspace.error());
        spec.location = workspace->location;
    }
    std::unique_ptr<Operation<OnlineEndpoint>> operation(call.client.createOnlineEndpoint(spec, nullptr));
    awaitOperation(*operation, call.json);
    if (operation->state() != OperationState::Succeeded || !operation->value())
        return failWith(operation->error());
    return printOne<OnlineEndpoint>(*operation->value(), call.json, toJson);
}

int storeKeys(const EndpointCall &call)
{
    auto keys = await<EndpointKeys>([&](QObject *c, auto done) { call.client.listEndpointKeys(call.name, c, done); });
    if (!keys)
        return failWith(keys.error());
    auto stored = await<Empty>([&](QObject *c, auto done) { call.store.write(call.keyName, keys->primaryKey, c, done); });
    if (!stored)
        return failWith(stored.error());
    if (call.parser.isSet(call.options.show)) {
        printOut(QStringLiteral("primaryKey: %1").arg(keys->primaryKey));
        printOut(QStringLiteral("secondaryKey: %1").arg(keys->secondaryKey));
    } else if (SecretStore::remembers()) {
        printOut(QStringLiteral("The primary key of %1 is in the keychain ('score' uses it; --show prints the keys).").arg(call.name));
    } else {
        printOut(QStringLiteral("The primary key of %1 is not kept (no keychain); 'score' reads the keys from the workspace "
                                "each time, and --show prints them.")
                     .arg(call.name));
    }
    return ExitOk;
}

int deploy(const EndpointCall &call)
{
    const EndpointOptions &o = call.options;
    OnlineDeploymentSpec spec;
    spec.endpointName = call.name;
    spec.name = call.deployment;
    spec.model = call.parser.value(o.model);
    spec.instanceType = call.parser.value(o.instanceType);
    bool ok = false;
    spec.instanceCount = call.parser.value(o.instanceCount).toInt(&ok);
    if (!ok || spec.instanceCount < 1 || spec.model.isEmpty()) {
        printErr(QStringLiteral("endpoint deploy: --model is required and --instance-count must be >= 1."));
        return ExitUsage;
    }
    auto endpoint = await<OnlineEndpoint>([&](QObject *c, auto done) { call.client.getOnlineEndpoint(call.name, c, done); });
    if (!endpoint)
        return failWith(endpoint.error());
    spec.location = endpoint->location;
    std::unique_ptr<Operation<OnlineDeployment>> operation(call.client.createOnlineDeployment(spec, nullptr));
    awaitOperation(*operation, call.json);
    if (operation->state() != OperationState::Succeeded || !operation->value())
        return failWith(operation->error());
    if (call.parser.isSet(o.allTraffic)) {
        auto routed = await<OnlineEndpoint>(
            [&](QObject *c, auto done) { call.client.setEndpointTraffic(call.name, {{call.deployment, 100}}, c, done); });
        if (!routed)
            return failWith(routed.error());
    } else {
        printErr(QStringLiteral("The deployment takes no traffic yet: score it with the azureml-model-deployment header, or "
                                "run deploy again with --all-traffic."));
    }
    return printOne<OnlineDeployment>(*operation->value(), call.json, deploymentJson);
}

int showDeployment(const EndpointCall &call)
{
    auto found = await<OnlineDeployment>(
        [&](QObject *c, auto done) { call.client.getOnlineDeployment(call.name, call.deployment, c, done); });
    return found ? printOne<OnlineDeployment>(found.value(), call.json, deploymentJson) : failWith(found.error());
}

int printLogs(const EndpointCall &call)
{
    bool ok = false;
    const int lines = call.parser.value(call.options.tail).toInt(&ok);
    if (!ok || lines < 0) {
        printErr(QStringLiteral("endpoint logs: --tail must be a whole number >= 0."));
        return ExitUsage;
    }
    auto logs = await<QString>([&](QObject *c, auto done) {
        call.client.getDeploymentLogs(call.name, call.deployment, lines, QStringLiteral("InferenceServer"), c, done);
    });
    if (!logs)
        return failWith(logs.error());
    printOut(logs.value());
    return ExitOk;
}

int score(const EndpointCall &call)
{
    const QCommandLineOption &body = call.options.body;
    QFile file(call.parser.value(body));
    if (!call.parser.isSet(body) || !file.open(QIODevice::ReadOnly)) {
        printErr(QStringLiteral("endpoint score: --body FILE is required and must be readable."));
        return ExitUsage;
    }
    auto endpoint = await<OnlineEndpoint>([&](QObject *c, auto done) { call.client.getOnlineEndpoint(call.name, c, done); });
    if (!endpoint)
        return failWith(endpoint.error());
    auto key = await<QString>([&](QObject *c, auto done) { call.store.read(call.keyName, c, done); });
    if (!key) {
        // Nothing kept (no keychain, or 'endpoint keys' never ran): the workspace lists the keys.
        auto keys = await<EndpointKeys>([&](QObject *c, auto done) { call.client.listEndpointKeys(call.name, c, done); });
        if (!keys) {
            printErr(QStringLiteral("endpoint score: no key for %1 in the keychain, and the workspace did not list its keys.")
                         .arg(call.name));
            return failWith(keys.error());
        }
        key = keys->primaryKey;
    }
    auto reply = await<QByteArray>([&](QObject *c, auto done) {
        scoreEndpoint(call.client.client(), endpoint->scoringUri, file.readAll(), key.value(), c, done);
    });
    if (!reply)
        return failWith(reply.error());
    printOut(QString::fromUtf8(reply.value()));
    return ExitOk;
}

using EndpointVerb = Verb<EndpointOptions, EndpointCall>;
using O = EndpointOptions;

// In the order `endpoint --help` lists them.
std::span<const EndpointVerb> endpointVerbs()
{
    static const EndpointVerb verbs[] = {
        {"list", 0, "", "List the online endpoints.", {}, &listEndpoints},
        {"show", 1, "NAME", "Show an online endpoint.", {}, &showEndpoint},
        {"create", 1, "NAME [--location REGION]", "Create an online endpoint (in the workspace's region by default).",
         {&O::location}, &createEndpoint},
        {"delete", 1, "NAME", "Delete an online endpoint.", {}, &deleteEndpoint},
        {"keys", 1, "NAME [--show]", "Store the endpoint's keys in the keychain (--show prints them).", {&O::show}, &storeKeys},
        {"deploy", 2, "NAME DEPLOYMENT --model ID [--instance-type T] [--instance-count N] [--all-traffic]",
         "Deploy a model on the endpoint.", {&O::model, &O::instanceType, &O::instanceCount, &O::allTraffic}, &deploy},
        {"deployment", 2, "NAME DEPLOYMENT", "Show a deployment.", {}, &showDeployment},
        {"logs", 2, "NAME DEPLOYMENT [--tail N]", "Print a deployment's inference server log.", {&O::tail}, &printLogs},
        {"score", 1, "NAME --body FILE", "Score a JSON request with the endpoint's key (from the keychain, else listed anew).", {&O::body}, &score},
    };
    return verbs;
}

} // namespace

int runEndpoint(const QStringList &arguments)
{
    const EndpointOptions options;
    const std::span<const EndpointVerb> verbs = endpointVerbs();
    const VerbCommand command{QStringLiteral("endpoint"), QStringLiteral("Online endpoints and deployments."), QString(),
                              options.common(), verbHelps(verbs, options)};
    QCommandLineParser parser;
    int exitCode = ExitOk;
    const auto index = parseVerb(parser, command, arguments, exitCode);
    if (!index)
        return exitCode;
    const EndpointVerb &verb = verbs[static_cast<std::size_t>(*index)];
    const QString name = parser.positionalArguments().value(1);
    const QString deployment = parser.positionalArguments().value(2);
    const bool needsDeployment = verb.operands > 1;
    if ((verb.operands > 0 && name.isEmpty()) || (needsDeployment && deployment.isEmpty())) {
        printErr(QStringLiteral("endpoint %1: the endpoint%2 name is required.")
                     .arg(QString::fromLatin1(verb.name), needsDeployment ? QStringLiteral(" and deployment") : QString()));
        return ExitUsage;
    }
    auto ml = openWorkspace(options.workspace, parser);
    if (!ml)
        return failWith(ml.error());
    const MachineLearningClient &client = *ml.value();
    const EndpointCall call{parser, options, name, deployment, parser.isSet(options.workspace.json), client, SecretStore(),
                            QStringLiteral("endpoint/%1/%2/primary").arg(client.workspace().armId(), name)};
    return verb.run(call);
}

} // namespace cerulean::cli
