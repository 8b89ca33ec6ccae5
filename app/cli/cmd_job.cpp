#include "app/cli/azure_cli.h"
#include "app/cli/verbs.h"

#include "core/azure/job_submission.h"
#include "core/azure/job_yaml.h"
#include "core/azure/pipeline_ops.h"

#include <QThread>
#include <QUuid>

#include <cstdio>

namespace cerulean::cli {

using namespace cerulean::azure;

namespace {

// A generated job name's random part (az ml generates names too).
constexpr qsizetype generatedNameLength = 10;

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

// Every option of `job`; each verb's table row names those it takes.
struct JobOptions final
{
    WorkspaceOptions workspace;
    QCommandLineOption target{QStringLiteral("target"), QStringLiteral("Target column."), QStringLiteral("column")};
    QCommandLineOption training{QStringLiteral("training-data"), QStringLiteral("MLTable folder URI or data asset."), QStringLiteral("uri")};
    QCommandLineOption compute{QStringLiteral("compute"), QStringLiteral("Compute ARM id or name."), QStringLiteral("id")};
    QCommandLineOption experiment{QStringLiteral("experiment"), QStringLiteral("Experiment name (default cerulean)."),
                                  QStringLiteral("name"), QStringLiteral("cerulean")};
    QCommandLineOption metric{QStringLiteral("metric"), QStringLiteral("Primary metric (default Accuracy)."), QStringLiteral("name"),
                              QStringLiteral("Accuracy")};
    QCommandLineOption maxTrials{QStringLiteral("max-trials"), QStringLiteral("Maximum trials (default 20)."), QStringLiteral("n"),
                                 QStringLiteral("20")};
    QCommandLineOption interval{QStringLiteral("interval"), QStringLiteral("Seconds between status polls (wait; default 10)."),
                                QStringLiteral("s"), QStringLiteral("10")};
    QCommandLineOption file{{QStringLiteral("f"), QStringLiteral("file")},
                            QStringLiteral("Job file in az ml's YAML: AutoML classification, command or pipeline."),
                            QStringLiteral("FILE")};
    QCommandLineOption yaml{QStringLiteral("yaml"), QStringLiteral("Print the job as az ml YAML (job create -f reads it back).")};

    QList<QCommandLineOption> common() const
    {
        return {workspace.config, workspace.subscription, workspace.resourceGroup, workspace.workspace, workspace.json};
    }
};

// What a verb runs with: the command line and the workspace.
struct JobCall final
{
    const QCommandLineParser &parser;
    const JobOptions &options;
    QString name; // the job
    bool json = false;
    const MachineLearningClient &client;
};

int listJobs(const JobCall &call)
{
    return listOrFail<Job>([&](QObject *c, auto done) { call.client.listJobs(c, done); }, call.json, toJson,
                           {QStringLiteral("name"), QStringLiteral("jobType"), QStringLiteral("status")});
}

int cancelJob(const JobCall &call)
{
    auto canceled = await<Empty>([&](QObject *c, auto done) { call.client.cancelJob(call.name, c, done); });
    if (!canceled)
        return failWith(canceled.error());
    printOut(QStringLiteral("Cancel requested for job %1.").arg(call.name));
    return ExitOk;
}

int createAutoml(const JobCall &call)
{
    const JobOptions &o = call.options;
    AutoMLClassificationSpec spec;
    spec.name = call.name;
    spec.targetColumnName = call.parser.value(o.target);
    spec.trainingDataUri = call.parser.value(o.training);
    spec.computeId = call.parser.value(o.compute);
    spec.experimentName = call.parser.value(o.experiment);
    spec.primaryMetric = call.parser.value(o.metric);
    bool ok = false;
    spec.maxTrials = call.parser.value(o.maxTrials).toInt(&ok);
    if (!ok || spec.maxTrials < 1 || spec.targetColumnName.isEmpty() || spec.trainingDataUri.isEmpty()) {
        printErr(QStringLiteral("job create-automl: --target and --training-data are required; --max-trials must be >= 1."));
        return ExitUsage;
    }
    auto job = await<Job>([&](QObject *c, auto done) { call.client.createAutoMLJob(spec, c, done); });
    return job ? printOne<Job>(job.value(), call.json, toJson) : failWith(job.error());
}

// A job file as `az ml job create --file` takes it: the job is named on the command line, else
// by the file's `name:`, else as az ml names it (a generated name).
int createFromFile(const JobCall &call)
{
    if (!call.parser.isSet(call.options.file)) {
        printErr(QStringLiteral("job create: --file is required (a job in az ml's YAML)."));
        return ExitUsage;
    }
    const auto job = readJobYamlFile(call.parser.value(call.options.file), call.client.workspace());
    if (!job) {
        printErr(QStringLiteral("job create: ") + job.error().message);
        return ExitUsage;
    }
    QString name = call.name.isEmpty() ? job->name : call.name;
    if (name.isEmpty())
        name = job->type + QLatin1Char('_') + QUuid::createUuid().toString(QUuid::Id128).left(generatedNameLength);
    auto created = await<Job>([&](QObject *c, auto done) { submitJob(call.client, job.value(), name, c, done); });
    return created ? printOne<Job>(created.value(), call.json, toJson) : failWith(created.error());
}

// show prints the job; wait polls it until it reaches a terminal status, printing each new one.
int pollJob(const JobCall &call, bool wait)
{
    bool ok = false;
    const int seconds = call.parser.value(call.options.interval).toInt(&ok);
    if (!ok || seconds < 1) {
        printErr(QStringLiteral("job: --interval must be a whole number of seconds >= 1."));
        return ExitUsage;
    }
    QString lastStatus;
    for (;;) {
        auto job = await<Job>([&](QObject *c, auto done) { call.client.getJob(call.name, c, done); });
        if (!job)
            return failWith(job.error());
        if (!wait)
            return printOne<Job>(job.value(), call.json, toJson);
        if (job->status != lastStatus && !call.json)
            printErr(QStringLiteral("  %1").arg(job->status));
        lastStatus = job->status;
        if (job->isTerminal()) {
            printOne<Job>(job.value(), call.json, toJson);
            return job->status == QLatin1String("Completed") ? ExitOk : ExitFailure;
        }
        QEventLoop loop;
        QTimer::singleShot(std::chrono::seconds(seconds), &loop, &QEventLoop::quit);
        loop.exec();
    }
}

// The job's definition as az ml YAML, from its whole GET body.
int showYaml(const JobCall &call)
{
    const PipelineOperations jobs(call.client);
    const auto body = await<QByteArray>([&](QObject *c, auto done) { jobs.getJobDocument(call.name, c, done); });
    if (!body)
        return failWith(body.error());
    const auto yaml = writeJobYaml(body.value());
    if (!yaml) {
        printErr(QStringLiteral("job show: %1: %2").arg(call.name, yaml.error().message));
        return ExitFailure;
    }
    std::fputs(yaml->constData(), stdout);
    return ExitOk;
}

int showJob(const JobCall &call) { return call.parser.isSet(call.options.yaml) ? showYaml(call) : pollJob(call, false); }
int waitForJob(const JobCall &call) { return pollJob(call, true); }

// The MLflow tracking base of the workspace, where a job's run keeps its log and outputs.
Result<QUrl> trackingBase(const JobCall &call)
{
    const auto workspace = await<azure::Workspace>([&](QObject *c, auto done) { call.client.getWorkspace(c, done); });
    if (!workspace)
        return workspace.error();
    return call.client.cloud().mlflowTrackingBase(workspace->id, workspace->location, workspace->mlFlowTrackingUri);
}

// A command job's log: its run's user_logs/std_log.txt (stdout and stderr of the command), as
// Azure keeps it and a pipeline's command step has it.
int printJobLog(const JobCall &call)
{
    const auto tracking = trackingBase(call);
    if (!tracking)
        return failWith(tracking.error());
    const auto log = await<QByteArray>([&](QObject *c, auto done) {
        call.client.downloadArtifact(tracking.value(), call.name, QStringLiteral("user_logs/std_log.txt"), c, done);
    });
    if (!log)
        return failWith(log.error());
    std::fwrite(log->constData(), 1, static_cast<std::size_t>(log->size()), stdout);
    return ExitOk;
}

// The files a job wrote to its outputs, each with its size, folders walked.
int listJobOutputs(const JobCall &call)
{
    const auto tracking = trackingBase(call);
    if (!tracking)
        return failWith(tracking.error());
    QList<ArtifactFile> files;
    QStringList folders{QStringLiteral("outputs")};
    while (!folders.isEmpty()) {
        const QString folder = folders.takeFirst();
        const auto listed = await<QList<ArtifactFile>>([&](QObject *c, auto done) {
            call.client.listArtifacts(tracking.value(), call.name, folder, c, done);
        });
        if (!listed)
            return failWith(listed.error());
        for (const ArtifactFile &f : listed.value()) {
            if (f.isDir)
                folders << f.path;
            else
                files << f;
        }
    }
    return printList<ArtifactFile>(
        files, call.json,
        [](const ArtifactFile &f) {
            return QJsonObject{{QStringLiteral("path"), f.path}, {QStringLiteral("size"), static_cast<double>(f.fileSize)}};
        },
        {QStringLiteral("path"), QStringLiteral("size")});
}

using JobVerb = Verb<JobOptions, JobCall>;
using O = JobOptions;

// In the order `job --help` lists them.
std::span<const JobVerb> jobVerbs()
{
    static const JobVerb verbs[] = {
        {"list", 0, "", "List the jobs of the workspace.", {}, &listJobs},
        {"show", 1, "NAME [--yaml]", "Show a job, or its definition as az ml YAML.", {&O::yaml}, &showJob},
        {"cancel", 1, "NAME", "Ask the service to cancel a job.", {}, &cancelJob},
        {"wait", 1, "NAME [--interval S]", "Wait until a job ends, printing each new status (exit 1 unless Completed).",
         {&O::interval}, &waitForJob},
        {"logs", 1, "NAME", "Print a command job's log (its stdout and stderr).", {}, &printJobLog},
        {"outputs", 1, "NAME", "List the files a job wrote to its outputs.", {}, &listJobOutputs},
        {"create", 0, "[NAME] --file JOB.yml",
         "Submit a job from an az ml YAML file (AutoML classification, command or pipeline).", {&O::file}, &createFromFile},
        {"create-automl", 1, "NAME --target COL --training-data URI --compute ID [--metric M] [--max-trials N]",
         "Submit an AutoML classification job.",
         {&O::target, &O::training, &O::compute, &O::experiment, &O::metric, &O::maxTrials}, &createAutoml},
    };
    return verbs;
}

} // namespace

int runJob(const QStringList &arguments)
{
    const JobOptions options;
    const std::span<const JobVerb> verbs = jobVerbs();
    const VerbCommand command{QStringLiteral("job"), QStringLiteral("Jobs."), QString(), options.common(),
                              verbHelps(verbs, options)};
    QCommandLineParser parser;
    int exitCode = ExitOk;
    const auto index = parseVerb(parser, command, arguments, exitCode);
    if (!index)
        return exitCode;
    const JobVerb &verb = verbs[static_cast<std::size_t>(*index)];
    const QString name = parser.positionalArguments().value(1);
    if (name.isEmpty() && verb.operands > 0) {
        printErr(QStringLiteral("job %1: the job name is required.").arg(QString::fromLatin1(verb.name)));
        return ExitUsage;
    }
    auto ml = openWorkspace(options.workspace, parser);
    if (!ml)
        return failWith(ml.error());
    return verb.run(JobCall{parser, options, name, parser.isSet(options.workspace.json), *ml.value()});
}

} // namespace cerulean::cli
