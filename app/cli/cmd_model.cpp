#include "app/cli/azure_cli.h"

namespace cerulean::cli {

using namespace cerulean::azure;

namespace {
QJsonObject toJson(const Model &m)
{
    return {{QStringLiteral("name"), m.name},       {QStringLiteral("version"), m.version},
            {QStringLiteral("modelType"), m.modelType}, {QStringLiteral("modelUri"), m.modelUri},
            {QStringLiteral("jobName"), m.jobName}, {QStringLiteral("id"), m.id}};
}
} // namespace

int runModel(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Registered models.\n  list NAME | show NAME VERSION | register NAME VERSION --uri URI [--type T] [--job JOB]"));
    parser.addPositionalArgument(QStringLiteral("verb"), QStringLiteral("list | show | register"));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("Model name."), QStringLiteral("name"));
    parser.addPositionalArgument(QStringLiteral("version"), QStringLiteral("Model version."), QStringLiteral("[version]"));
    const WorkspaceOptions options;
    options.addTo(parser);
    const QCommandLineOption uri(QStringLiteral("uri"), QStringLiteral("Model URI (e.g. azureml://jobs/JOB/outputs/best_model)."),
                                 QStringLiteral("uri"));
    const QCommandLineOption type(QStringLiteral("type"), QStringLiteral("Model type (default mlflow_model)."), QStringLiteral("type"),
                                  QStringLiteral("mlflow_model"));
    const QCommandLineOption job(QStringLiteral("job"), QStringLiteral("The job that produced it."), QStringLiteral("name"));
    parser.addOptions({uri, type, job});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    const QString verb = verbOf(parser, {QStringLiteral("list"), QStringLiteral("show"), QStringLiteral("register")},
                                QStringLiteral("model"));
    if (verb.isEmpty())
        return ExitUsage;
    const QString name = parser.positionalArguments().value(1);
    const QString version = parser.positionalArguments().value(2);
    if (name.isEmpty() || (verb != QLatin1String("list") && version.isEmpty())) {
        printErr(QStringLiteral("model %1: the model name%2 is required.").arg(verb, verb == QLatin1String("list") ? QString() : QStringLiteral(" and version")));
        return ExitUsage;
    }
    const bool json = parser.isSet(options.json);
    auto ml = openWorkspace(options, parser);
    if (!ml)
        return failWith(ml.error());
    if (verb == QLatin1String("list")) {
        return listOrFail<Model>([&](QObject *c, auto done) { ml.value()->listModelVersions(name, c, done); }, json, toJson,
                                 {QStringLiteral("name"), QStringLiteral("version"), QStringLiteral("modelType")});
    }
    if (verb == QLatin1String("show")) {
        return showOrFail<Model>([&](QObject *c, auto done) { ml.value()->getModelVersion(name, version, c, done); }, json, toJson);
    }
    if (!parser.isSet(uri)) {
        printErr(QStringLiteral("model register: --uri is required."));
        return ExitUsage;
    }
    ModelSpec spec;
    spec.name = name;
    spec.version = version;
    spec.modelUri = parser.value(uri);
    spec.modelType = parser.value(type);
    spec.jobName = parser.value(job);
    return showOrFail<Model>([&](QObject *c, auto done) { ml.value()->createModelVersion(spec, c, done); }, json, toJson);
}

} // namespace cerulean::cli
