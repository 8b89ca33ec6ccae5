#include "app/cli/azure_cli.h"

#include <QThread>

namespace cerulean::cli {

using namespace cerulean::azure;

namespace {
QJsonObject toJson(const Job &j)
{
    QJsonObject properties;
    for (auto it = j.properties.begin(); it != j.properties.end(); ++it)
        properties.insert(it.key(), it.value());
    return {{QStringLiteral("name"), j.name},
            {QStringLiteral("jobType"), j.jobType},
            {QStringLiteral("status"), j.status},
            {QStringLiteral("displayName"), j.displayName},
            {QStringLiteral("experimentName"), j.experimentName},
            {QStringLiteral("computeId"), j.computeId},
            {QStringLiteral("taskType"), j.taskType},
            {QStringLiteral("primaryMetric"), j.primaryMetric},
            {QStringLiteral("targetColumnName"), j.targetColumnName},
            {QStringLiteral("studio"), j.serviceEndpoints.value(QStringLiteral("Studio"))},
            {QStringLiteral("properties"), properties}};
}
} // namespace

int runJob(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Jobs.\n  list | show NAME | cancel NAME | wait NAME\n"
        "  create-automl NAME --target COL --training-data URI --compute ID [--metric M] [--max-trials N]"));
    parser.addPositionalArgument(QStringLiteral("verb"), QStringLiteral("list | show | cancel | wait | create-automl"));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("Job name."), QStringLiteral("[name]"));
    const WorkspaceOptions options;
    options.addTo(parser);
    const QCommandLineOption target(QStringLiteral("target"), QStringLiteral("Target column."), QStringLiteral("column"));
    const QCommandLineOption training(QStringLiteral("training-data"), QStringLiteral("MLTable folder URI or data asset."), QStringLiteral("uri"));
    const QCommandLineOption compute(QStringLiteral("compute"), QStringLiteral("Compute ARM id or name."), QStringLiteral("id"));
    const QCommandLineOption experiment(QStringLiteral("experiment"), QStringLiteral("Experiment name (default cerulean)."),
                                        QStringLiteral("name"), QStringLiteral("cerulean"));
    const QCommandLineOption metric(QStringLiteral("metric"), QStringLiteral("Primary metric (default Accuracy)."), QStringLiteral("name"),
                                    QStringLiteral("Accuracy"));
    const QCommandLineOption maxTrials(QStringLiteral("max-trials"), QStringLiteral("Maximum trials (default 20)."), QStringLiteral("n"),
                                       QStringLiteral("20"));
    const QCommandLineOption interval(QStringLiteral("interval"), QStringLiteral("Seconds between status polls (wait; default 10)."),
                                      QStringLiteral("s"), QStringLiteral("10"));
    parser.addOptions({target, training, compute, experiment, metric, maxTrials, interval});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    const QString verb = verbOf(parser, {QStringLiteral("list"), QStringLiteral("show"), QStringLiteral("cancel"),
                                         QStringLiteral("wait"), QStringLiteral("create-automl")},
                                QStringLiteral("job"));
    if (verb.isEmpty())
        return ExitUsage;
    const QString name = parser.positionalArguments().value(1);
    if (name.isEmpty() && verb != QLatin1String("list")) {
        printErr(QStringLiteral("job %1: the job name is required.").arg(verb));
        return ExitUsage;
    }
    const bool json = parser.isSet(options.json);
    auto ml = openWorkspace(options, parser);
    if (!ml)
        return failWith(ml.error());
    if (verb == QLatin1String("list")) {
        return listOrFail<Job>([&](QObject *c, auto done) { ml.value()->listJobs(c, done); }, json, toJson,
                               {QStringLiteral("name"), QStringLiteral("jobType"), QStringLiteral("status")});
    }
    if (verb == QLatin1String("cancel")) {
        auto canceled = await<Empty>([&](QObject *c, auto done) { ml.value()->cancelJob(name, c, done); });
        if (!canceled)
            return failWith(canceled.error());
        printOut(QStringLiteral("Cancel requested for job %1.").arg(name));
        return ExitOk;
    }
    if (verb == QLatin1String("create-automl")) {
        AutoMLClassificationSpec spec;
        spec.name = name;
        spec.targetColumnName = parser.value(target);
        spec.trainingDataUri = parser.value(training);
        spec.computeId = parser.value(compute);
        spec.experimentName = parser.value(experiment);
        spec.primaryMetric = parser.value(metric);
        bool ok = false;
        spec.maxTrials = parser.value(maxTrials).toInt(&ok);
        if (!ok || spec.maxTrials < 1 || spec.targetColumnName.isEmpty() || spec.trainingDataUri.isEmpty()) {
            printErr(QStringLiteral("job create-automl: --target and --training-data are required; --max-trials must be >= 1."));
            return ExitUsage;
        }
        auto job = await<Job>([&](QObject *c, auto done) { ml.value()->createAutoMLJob(spec, c, done); });
        return job ? printOne<Job>(job.value(), json, toJson) : failWith(job.error());
    }
    bool ok = false;
    const int seconds = parser.value(interval).toInt(&ok);
    if (!ok || seconds < 1) {
        printErr(QStringLiteral("job: --interval must be a whole number of seconds >= 1."));
        return ExitUsage;
    }
    // show, or wait: poll until the job reaches a terminal status.
    QString lastStatus;
    for (;;) {
        auto job = await<Job>([&](QObject *c, auto done) { ml.value()->getJob(name, c, done); });
        if (!job)
            return failWith(job.error());
        if (verb == QLatin1String("show"))
            return printOne<Job>(job.value(), json, toJson);
        if (job->status != lastStatus && !json)
            printErr(QStringLiteral("  %1").arg(job->status));
        lastStatus = job->status;
        if (job->isTerminal()) {
            printOne<Job>(job.value(), json, toJson);
            return job->status == QLatin1String("Completed") ? ExitOk : ExitFailure;
        }
        QEventLoop loop;
        QTimer::singleShot(std::chrono::seconds(seconds), &loop, &QEventLoop::quit);
        loop.exec();
    }
}

} // namespace cerulean::cli
