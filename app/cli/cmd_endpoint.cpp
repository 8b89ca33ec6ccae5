#include "app/cli/azure_cli.h"

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
} // namespace

int runEndpoint(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Online endpoints and deployments.\n"
        "  list | show NAME | create NAME | delete NAME\n"
        "  keys NAME            store the endpoint's keys in the keychain (--show prints them)\n"
        "  deploy NAME DEPLOYMENT --model ID [--instance-type T] [--instance-count N] [--all-traffic]\n"
        "  deployment NAME DEPLOYMENT | logs NAME DEPLOYMENT [--tail N]\n"
        "  score NAME --body FILE   (uses the key from the keychain)"));
    parser.addPositionalArgument(QStringLiteral("verb"), QStringLiteral("list | show | create | delete | keys | deploy | deployment | logs | score"));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("Endpoint name."), QStringLiteral("[name]"));
    parser.addPositionalArgument(QStringLiteral("deployment"), QStringLiteral("Deployment name."), QStringLiteral("[deployment]"));
    const WorkspaceOptions options;
    options.addTo(parser);
    const QCommandLineOption location(QStringLiteral("location"), QStringLiteral("Region (create; default the workspace's)."), QStringLiteral("region"));
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("Model ARM id (deploy)."), QStringLiteral("id"));
    const QCommandLineOption instanceType(QStringLiteral("instance-type"), QStringLiteral("Instance type (default Standard_DS3_v2)."),
                                          QStringLiteral("type"), QStringLiteral("Standard_DS3_v2"));
    const QCommandLineOption instanceCount(QStringLiteral("instance-count"), QStringLiteral("Instances (default 1)."), QStringLiteral("n"),
                                           QStringLiteral("1"));
    const QCommandLineOption tail(QStringLiteral("tail"), QStringLiteral("Log lines (default 100)."), QStringLiteral("n"), QStringLiteral("100"));
    const QCommandLineOption show(QStringLiteral("show"), QStringLiteral("keys: also print the keys."));
    const QCommandLineOption body(QStringLiteral("body"), QStringLiteral("score: JSON request file."), QStringLiteral("file"));
    // As `az ml online-deployment create --all-traffic`: a new deployment gets no traffic
    // until the endpoint's traffic names it.
    const QCommandLineOption allTraffic(QStringLiteral("all-traffic"),
                                        QStringLiteral("deploy: then send all of the endpoint's traffic to the deployment."));
    parser.addOptions({location, model, instanceType, instanceCount, tail, show, body, allTraffic});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    const QString verb = verbOf(parser, {QStringLiteral("list"), QStringLiteral("show"), QStringLiteral("create"), QStringLiteral("delete"),
                                         QStringLiteral("keys"), QStringLiteral("deploy"), QStringLiteral("deployment"),
                                         QStringLiteral("logs"), QStringLiteral("score")},
                                QStringLiteral("endpoint"));
    if (verb.isEmpty())
        return ExitUsage;
    const QString name = parser.positionalArguments().value(1);
    const QString deployment = parser.positionalArguments().value(2);
    const bool needsDeployment = verb == QLatin1String("deploy") || verb == QLatin1String("deployment") || verb == QLatin1String("logs");
    if ((verb != QLatin1String("list") && name.isEmpty()) || (needsDeployment && deployment.isEmpty())) {
        printErr(QStringLiteral("endpoint %1: the endpoint%2 name is required.").arg(verb, needsDeployment ? QStringLiteral(" and deployment") : QString()));
        return ExitUsage;
    }
    const bool json = parser.isSet(options.json);
    auto ml = openWorkspace(options, parser);
    if (!ml)
        return failWith(ml.error());
    const MachineLearningClient &client = *ml.value();
    const SecretStore store;
    const QString keyName = QStringLiteral("endpoint/%1/%2/primary").arg(client.workspace().armId(), name);

    if (verb == QLatin1String("list")) {
        return listOrFail<OnlineEndpoint>([&](QObject *c, auto done) { client.listOnlineEndpoints(c, done); }, json, toJson,
                                          {QStringLiteral("name"), QStringLiteral("provisioningState"), QStringLiteral("scoringUri")});
    }
    if (verb == QLatin1String("show")) {
        return showOrFail<OnlineEndpoint>([&](QObject *c, auto done) { client.getOnlineEndpoint(name, c, done); }, json, toJson);
    }
    if (verb == QLatin1String("delete")) {
        return deleteOrFail(client.deleteOnlineEndpoint(name, nullptr), json, QStringLiteral("endpoint ") + name);
    }
    if (verb == QLatin1String("create")) {
        OnlineEndpointSpec spec;
        spec.name = name;
        spec.location = parser.value(location);
        if (spec.location.isEmpty()) {
            auto workspace = await<Workspace>([&](QObject *c, auto done) { client.getWorkspace(c, done); });
            if (!workspace)
                return failWith(workspace.error());
            spec.location = workspace->location;
        }
        std::unique_ptr<Operation<OnlineEndpoint>> operation(client.createOnlineEndpoint(spec, nullptr));
        awaitOperation(*operation, json);
        if (operation->state() != OperationState::Succeeded || !operation->value())
            return failWith(operation->error());
        return printOne<OnlineEndpoint>(*operation->value(), json, toJson);
    }
    if (verb == QLatin1String("keys")) {
        auto keys = await<EndpointKeys>([&](QObject *c, auto done) { client.listEndpointKeys(name, c, done); });
        if (!keys)
            return failWith(keys.error());
        auto stored = await<Empty>([&](QObject *c, auto done) { store.write(keyName, keys->primaryKey, c, done); });
        if (!stored)
            return failWith(stored.error());
        if (parser.isSet(show)) {
            printOut(QStringLiteral("primaryKey: %1").arg(keys->primaryKey));
            printOut(QStringLiteral("secondaryKey: %1").arg(keys->secondaryKey));
        } else {
            printOut(QStringLiteral("The primary key of %1 is in the keychain ('score' uses it; --show prints the keys).").arg(name));
        }
        return ExitOk;
    }
    if (verb == QLatin1String("deploy")) {
        OnlineDeploymentSpec spec;
        spec.endpointName = name;
        spec.name = deployment;
        spec.model = parser.value(model);
        spec.instanceType = parser.value(instanceType);
        bool ok = false;
        spec.instanceCount = parser.value(instanceCount).toInt(&ok);
        if (!ok || spec.instanceCount < 1 || spec.model.isEmpty()) {
            printErr(QStringLiteral("endpoint deploy: --model is required and --instance-count must be >= 1."));
            return ExitUsage;
        }
        auto endpoint = await<OnlineEndpoint>([&](QObject *c, auto done) { client.getOnlineEndpoint(name, c, done); });
        if (!endpoint)
            return failWith(endpoint.error());
        spec.location = endpoint->location;
        std::unique_ptr<Operation<OnlineDeployment>> operation(client.createOnlineDeployment(spec, nullptr));
        awaitOperation(*operation, json);
        if (operation->state() != OperationState::Succeeded || !operation->value())
            return failWith(operation->error());
        if (parser.isSet(allTraffic)) {
            auto routed = await<OnlineEndpoint>(
                [&](QObject *c, auto done) { client.setEndpointTraffic(name, {{deployment, 100}}, c, done); });
            if (!routed)
                return failWith(routed.error());
        } else {
            printErr(QStringLiteral("The deployment takes no traffic yet: score it with the azureml-model-deployment header, or "
                                    "run deploy again with --all-traffic."));
        }
        return printOne<OnlineDeployment>(*operation->value(), json, deploymentJson);
    }
    if (verb == QLatin1String("deployment")) {
        auto found = await<OnlineDeployment>([&](QObject *c, auto done) { client.getOnlineDeployment(name, deployment, c, done); });
        return found ? printOne<OnlineDeployment>(found.value(), json, deploymentJson) : failWith(found.error());
    }
    if (verb == QLatin1String("logs")) {
        bool ok = false;
        const int lines = parser.value(tail).toInt(&ok);
        if (!ok || lines < 0) {
            printErr(QStringLiteral("endpoint logs: --tail must be a whole number >= 0."));
            return ExitUsage;
        }
        auto logs = await<QString>([&](QObject *c, auto done) {
            client.getDeploymentLogs(name, deployment, lines, QStringLiteral("InferenceServer"), c, done);
        });
        if (!logs)
            return failWith(logs.error());
        printOut(logs.value());
        return ExitOk;
    }
    // score
    QFile file(parser.value(body));
    if (!parser.isSet(body) || !file.open(QIODevice::ReadOnly)) {
        printErr(QStringLiteral("endpoint score: --body FILE is required and must be readable."));
        return ExitUsage;
    }
    auto endpoint = await<OnlineEndpoint>([&](QObject *c, auto done) { client.getOnlineEndpoint(name, c, done); });
    if (!endpoint)
        return failWith(endpoint.error());
    auto key = await<QString>([&](QObject *c, auto done) { store.read(keyName, c, done); });
    if (!key) {
        printErr(QStringLiteral("endpoint score: no key for %1 in the keychain; run 'cerulean-cli endpoint keys %1' first.").arg(name));
        return failWith(key.error());
    }
    auto reply = await<QByteArray>([&](QObject *c, auto done) {
        scoreEndpoint(client.client(), endpoint->scoringUri, file.readAll(), key.value(), c, done);
    });
    if (!reply)
        return failWith(reply.error());
    printOut(QString::fromUtf8(reply.value()));
    return ExitOk;
}

} // namespace cerulean::cli
