// cerulean-cli pipeline: pipeline jobs (create, run with parameters, show steps, export
// YAML), publishing and the REST trigger, schedules with their history, and batch
// endpoint invocation, against a workspace (the local service or Azure). Every request is
// one of core/azure's typed operations (PipelineOperations, MachineLearningClient), the same
// calls the Pipelines page makes and the contract tests check. One function per verb; the
// table at the end gives each its options and help.

#include "app/cli/pipeline_session.h"
#include "app/cli/verbs.h"

#include "core/azure/batch_run.h"
#include "core/azure/job_yaml.h"
#include "core/azure/pipeline_spec.h"
#include "core/local/store.h"

#include <QFile>

#include <cstdio>

namespace cerulean::cli {

namespace pipeline {
namespace {

using namespace cerulean::azure;

// The verbs that act on the workspace open it first.
template <int (*verb)(const PipelineSession &)>
int withWorkspace(const PipelineCall &call)
{
    const auto session = PipelineSession::open(call);
    return session ? verb(*session) : ExitFailure;
}

// A pipeline in az ml's YAML, as `az ml job create --file` takes it; named on the command line or
// by the file's `name:`.
int createFromYaml(const PipelineSession &s, const QString &path)
{
    const PipelineCall &call = s.call;
    const auto job = readJobYamlFile(path, s.ws.ref);
    if (!job) {
        printErr(QStringLiteral("pipeline create: ") + job.error().message);
        return ExitUsage;
    }
    if (job->type != QLatin1String("pipeline")) {
        printErr(QStringLiteral("pipeline create: %1 is a %2 job, not a pipeline: submit it with 'cerulean-cli job create --file'.")
                     .arg(path, job->type));
        return ExitUsage;
    }
    const QString name = call.name.isEmpty() ? job->name : call.name;
    if (name.isEmpty()) {
        printErr(QStringLiteral("pipeline create: name the job (pipeline create NAME --file …, or `name:` in the file)."));
        return ExitUsage;
    }
    return s.submit(job.value(), name);
}

int createJob(const PipelineSession &s)
{
    const PipelineCall &call = s.call;
    if (!call.needs(call.options.file))
        return ExitUsage;
    const QString path = call.value(call.options.file);
    if (path.endsWith(QLatin1String(".yml"), Qt::CaseInsensitive) || path.endsWith(QLatin1String(".yaml"), Qt::CaseInsensitive))
        return createFromYaml(s, path);
    if (call.name.isEmpty()) {
        printErr(QStringLiteral("pipeline create: a name is required."));
        return ExitUsage;
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        printErr(QStringLiteral("pipeline create: cannot read %1").arg(path));
        return ExitFailure;
    }
    QJsonParseError error;
    const QJsonObject body = QJsonDocument::fromJson(f.readAll(), &error).object();
    if (error.error != QJsonParseError::NoError) {
        printErr(QStringLiteral("pipeline create: %1: %2 at offset %3").arg(path, error.errorString()).arg(error.offset));
        return ExitFailure;
    }
    // The file holds a REST body or just its properties.
    return s.submit(body.contains(QStringLiteral("properties")) ? body.value(QStringLiteral("properties")).toObject() : body);
}

// --from's definition with the --set values in its inputs; an unknown parameter is an error.
int runAgain(const PipelineSession &s)
{
    const PipelineCall &call = s.call;
    const PipelineOptions &o = call.options;
    if (!call.needs(o.from))
        return ExitUsage;
    const auto assigned = assignments(call.parser.values(o.set));
    if (!assigned)
        return ExitUsage;
    const auto job = await<QByteArray>([&](QObject *context, auto done) { s.pipelines.getJobDocument(call.value(o.from), context, done); });
    if (!job)
        return failWith(job.error());
    const auto definition = rerunDefinition(job.value(), *assigned, call.value(o.experiment));
    if (!definition) {
        printErr(QStringLiteral("pipeline run: %1").arg(definition.error().message));
        return definition.error().kind == ErrorKind::InvalidInput ? ExitUsage : ExitFailure;
    }
    return s.submit(definition.value());
}

// The pipeline jobs, not their steps.
int listJobs(const PipelineSession &s)
{
    const auto jobs = await<QList<QByteArray>>([&](QObject *context, auto done) { s.pipelines.listPipelineJobDocuments(context, done); });
    if (!jobs)
        return failWith(jobs.error());
    const QJsonArray value = documentArray(jobs.value());
    if (s.json) {
        printJson(value);
        return ExitOk;
    }
    for (const QJsonValue v : value) {
        const QJsonObject j = v.toObject();
        const QJsonObject p = j.value(QStringLiteral("properties")).toObject();
        if (!p.value(QStringLiteral("properties")).toObject().value(QStringLiteral("azureml.pipeline.parentJobName")).toString().isEmpty())
            continue;
        printOut(QStringLiteral("%1  %2  %3").arg(j.value(QStringLiteral("name")).toString(), p.value(QStringLiteral("status")).toString(),
                                                  p.value(QStringLiteral("displayName")).toString()));
    }
    return ExitOk;
}

int showJob(const PipelineSession &s)
{
    const std::optional<QJsonObject> job = jobDocument(s.pipelines, s.call.name);
    if (!job)
        return ExitFailure;
    s.printJob(*job);
    return ExitOk;
}

int waitForJob(const PipelineSession &s)
{
    const std::optional<QJsonObject> job = waitJob(s.pipelines, s.call.name, s.pollMs, s.json);
    if (!job)
        return ExitFailure;
    s.printJob(*job);
    return status(*job) != QLatin1String("Completed") ? ExitFailure : ExitOk;
}

int cancelJob(const PipelineSession &s)
{
    const auto canceled = await<Empty>([&](QObject *context, auto done) { s.ws.ml().cancelJob(s.call.name, context, done); });
    return canceled ? ExitOk : failWith(canceled.error());
}

int exportYaml(const PipelineSession &s)
{
    const PipelineCall &call = s.call;
    const auto body = await<QByteArray>([&](QObject *context, auto done) { s.pipelines.getJobDocument(call.name, context, done); });
    if (!body)
        return failWith(body.error());
    const auto yaml = writeJobYaml(body.value());
    if (!yaml) {
        printErr(QStringLiteral("pipeline export-yaml: %1: %2").arg(call.name, yaml.error().message));
        return ExitFailure;
    }
    if (!call.isSet(call.options.out)) {
        std::fputs(yaml->constData(), stdout);
        return ExitOk;
    }
    QFile f(call.value(call.options.out));
    if (!f.open(QIODevice::WriteOnly) || f.write(yaml.value()) < 0) {
        printErr(QStringLiteral("pipeline export-yaml: cannot write %1").arg(call.value(call.options.out)));
        return ExitFailure;
    }
    return ExitOk;
}

QJsonObject endpointJson(const PipelineEndpoint &e)
{
    QJsonObject parameters;
    for (auto it = e.parameters.begin(); it != e.parameters.end(); ++it)
        parameters.insert(it.key(), it.value());
    return QJsonObject{{QStringLiteral("Id"), e.id},           {QStringLiteral("Name"), e.name},
                       {QStringLiteral("Description"), e.description}, {QStringLiteral("Status"), e.status},
                       {QStringLiteral("PipelineJobName"), e.pipelineJobName}, {QStringLiteral("Version"), e.version},
                       {QStringLiteral("Parameters"), parameters}, {QStringLiteral("Url"), e.url.toString()}};
}

// A REST trigger for --from's pipeline; prints the token command and the curl call that run it.
int publish(const PipelineSession &s)
{
    const PipelineCall &call = s.call;
    if (!call.needs(call.options.from))
        return ExitUsage;
    const auto ep = await<PipelineEndpoint>([&](QObject *context, auto done) {
        s.pipelines.publish({call.name, call.value(call.options.from), call.value(call.options.description)}, context, done);
    });
    if (!ep)
        return failWith(ep.error());
    if (s.json) {
        printJson(endpointJson(ep.value()));
        return ExitOk;
    }
    printOut(QStringLiteral("Published %1 (version %2): %3").arg(call.name).arg(ep->version).arg(ep->url.toString()));
    PipelineSubmission submission;
    submission.experimentName = call.name;
    for (auto it = ep->parameters.begin(); it != ep->parameters.end(); ++it)
        submission.parameterAssignments.insert(it.key(), it.value());
    printOut(QStringLiteral("Trigger it with:\n  %1\n  %2")
                 .arg(tokenCommand(s.ws.client->cloud(), s.ws.localRoot), triggerCurlCommand(ep->url, submission)));
    return ExitOk;
}

int listEndpoints(const PipelineSession &s)
{
    const auto endpoints = await<QList<PipelineEndpoint>>([&](QObject *context, auto done) { s.pipelines.listEndpoints(context, done); });
    if (!endpoints)
        return failWith(endpoints.error());
    if (s.json) {
        QJsonArray value;
        for (const PipelineEndpoint &e : endpoints.value())
            value.append(endpointJson(e));
        printJson(value);
        return ExitOk;
    }
    for (const PipelineEndpoint &e : endpoints.value())
        printOut(QStringLiteral("%1  %2  %3  %4").arg(e.name, e.status, e.pipelineJobName, e.url.toString()));
    return ExitOk;
}

int trigger(const PipelineSession &s)
{
    const PipelineCall &call = s.call;
    if (!call.needs(call.options.experiment))
        return ExitUsage;
    const auto assigned = assignments(call.parser.values(call.options.set));
    if (!assigned)
        return ExitUsage;
    PipelineSubmission submission;
    submission.experimentName = call.value(call.options.experiment);
    submission.parameterAssignments = assigned->toVariantMap();
    // The published URL, as any REST client would call it.
    const auto run = await<PipelineRunStarted>([&](QObject *context, auto done) {
        s.pipelines.triggerByName(call.name, submission, context, done);
    });
    if (!run)
        return failWith(run.error());
    return s.finish(run->runId);
}

// --frequency and its pattern (--hours, --minutes, --week-days, --month-days) into `spec`.
bool recurrence(const PipelineCall &call, ScheduleSpec &spec)
{
    const PipelineOptions &o = call.options;
    spec.frequency = call.value(o.frequency);
    bool ok = false;
    spec.interval = call.value(o.every).toInt(&ok);
    if (!ok || spec.interval < 1) {
        printErr(QStringLiteral("pipeline schedule-create: --interval takes a whole number of at least 1, not '%1'.")
                     .arg(call.value(o.every)));
        return false;
    }
    const auto ints = [&](const QCommandLineOption &option, QList<int> &values) {
        for (const QString &part : call.value(option).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            bool number = false;
            values.append(part.trimmed().toInt(&number));
            if (!number) {
                printErr(QStringLiteral("pipeline schedule-create: --%1 takes numbers, not '%2'.").arg(option.names().first(), part));
                return false;
            }
        }
        return true;
    };
    if (!ints(o.hours, spec.hours) || !ints(o.minutes, spec.minutes) || !ints(o.monthDays, spec.monthDays))
        return false;
    for (const QString &day : call.value(o.weekDays).split(QLatin1Char(','), Qt::SkipEmptyParts))
        spec.weekDays << day.trimmed();
    return true;
}

int createSchedule(const PipelineSession &s)
{
    const PipelineCall &call = s.call;
    const PipelineOptions &o = call.options;
    if (!call.needs(o.from))
        return ExitUsage;
    if (call.isSet(o.cron) == call.isSet(o.frequency)) {
        printErr(QStringLiteral("pipeline schedule-create: give either --cron or --frequency."));
        return ExitUsage;
    }
    const auto definition = jobDefinition(s.pipelines, call.value(o.from));
    if (!definition)
        return failWith(definition.error());
    ScheduleSpec spec;
    spec.name = call.name;
    spec.isEnabled = !call.isSet(o.disabled);
    spec.timeZone = call.value(o.timeZone);
    spec.startTime = call.value(o.start);
    spec.jobDefinitionJson = definition.value();
    if (call.isSet(o.cron))
        spec.cronExpression = call.value(o.cron);
    else if (!recurrence(call, spec))
        return ExitUsage;
    if (call.isSet(o.missedRuns))
        spec.properties.insert(QStringLiteral("cerulean.missedRuns"), call.value(o.missedRuns));
    const auto made = await<Schedule>([&](QObject *context, auto done) { s.ws.ml().createSchedule(spec, context, done); });
    if (!made)
        return failWith(made.error());
    printOut(QStringLiteral("Schedule %1 %2.").arg(call.name, call.isSet(o.disabled) ? QStringLiteral("created (disabled)") : QStringLiteral("created")));
    return ExitOk;
}

int setScheduleEnabled(const PipelineSession &s, bool enable)
{
    const auto changed = await<Schedule>([&](QObject *context, auto done) { s.ws.ml().setScheduleEnabled(s.call.name, enable, context, done); });
    return changed ? ExitOk : failWith(changed.error());
}

int enableSchedule(const PipelineSession &s) { return setScheduleEnabled(s, true); }
int disableSchedule(const PipelineSession &s) { return setScheduleEnabled(s, false); }

int scheduleHistory(const PipelineSession &s)
{
    const auto history = await<QList<ScheduleRun>>([&](QObject *context, auto done) { s.pipelines.scheduleHistory(s.call.name, context, done); });
    if (!history)
        return failWith(history.error());
    if (s.json) {
        QJsonArray value;
        for (const ScheduleRun &e : history.value()) {
            QJsonObject o{{QStringLiteral("scheduledTime"), e.scheduledTime}, {QStringLiteral("status"), e.status}};
            if (!e.jobName.isEmpty()) {
                o.insert(QStringLiteral("jobName"), e.jobName);
                o.insert(QStringLiteral("jobStatus"), e.jobStatus);
            }
            if (!e.reason.isEmpty())
                o.insert(QStringLiteral("reason"), e.reason);
            value.append(o);
        }
        printJson(value);
        return ExitOk;
    }
    for (const ScheduleRun &e : history.value())
        printOut(QStringLiteral("%1  %2  %3 %4").arg(e.scheduledTime, e.status, e.jobName, e.jobName.isEmpty() ? e.reason : e.jobStatus));
    return ExitOk;
}

int listSchedules(const PipelineSession &s)
{
    if (s.json) {
        const auto schedules =
            await<QList<QByteArray>>([&](QObject *context, auto done) { s.pipelines.listScheduleDocuments(context, done); });
        if (!schedules)
            return failWith(schedules.error());
        printJson(documentArray(schedules.value()));
        return ExitOk;
    }
    const auto schedules = await<QList<Schedule>>([&](QObject *context, auto done) { s.pipelines.listSchedules(context, done); });
    if (!schedules)
        return failWith(schedules.error());
    for (const Schedule &sch : schedules.value())
        printOut(QStringLiteral("%1  %2  %3").arg(sch.name, sch.isEnabled ? QStringLiteral("enabled") : QStringLiteral("disabled"),
                                                  sch.triggerType == QLatin1String("Cron")
                                                      ? QStringLiteral("cron ") + sch.cronExpression
                                                      : QStringLiteral("every %1 %2").arg(sch.interval).arg(sch.frequency)));
    return ExitOk;
}

// A batch option's whole number into `value`; false (and why on stderr) when it is not one. The
// ranges are the batch run's to check.
bool wholeNumber(const PipelineCall &call, const QCommandLineOption &option, int &value)
{
    bool ok = false;
    value = call.value(option).toInt(&ok);
    if (ok)
        return true;
    printErr(QStringLiteral("pipeline %1: --%2 takes a whole number, not '%3'.").arg(call.verb, option.names().first(), call.value(option)));
    return false;
}

// The batch run the command line asks for, as the Pipelines page's Batch tab asks for it.
std::optional<BatchRunRequest> batchRequest(const PipelineCall &call)
{
    const PipelineOptions &o = call.options;
    BatchRunRequest request;
    request.endpoint = call.name;
    request.deployment = call.value(o.deployment);
    request.model = call.value(o.model);
    request.compute = call.value(o.compute);
    request.input = call.value(o.input);
    request.inputType = call.value(o.inputType);
    if (!wholeNumber(call, o.miniBatch, request.miniBatchSize) || !wholeNumber(call, o.instances, request.instanceCount) ||
        !wholeNumber(call, o.threshold, request.errorThreshold) || !wholeNumber(call, o.retries, request.maxRetries))
        return std::nullopt;
    return request;
}

// Runs `start` on the batch run and turns the event loop until it finishes, printing the
// operations' polls and the job's progress to stderr (unless --json).
void runBatch(BatchRun &run, bool quiet, const std::function<void()> &start)
{
    QEventLoop loop;
    QString last;
    if (!quiet) {
        QObject::connect(&run, &BatchRun::operationProgressed, &loop,
                         [](const OperationProgress &progress) { printErr(QStringLiteral("  ") + describe(progress)); });
        QObject::connect(&run, &BatchRun::progressed, &loop, [&last](const BatchJobProgress &p) {
            const QString line = QStringLiteral("  %1 (%2/%3 rows, %4 failed)").arg(p.status).arg(p.rowsProcessed).arg(p.rowsTotal).arg(p.rowsFailed);
            if (line != last)
                printErr(line);
            last = line;
        });
    }
    QObject::connect(&run, &BatchRun::finished, &loop, &QEventLoop::quit);
    start();
    if (!run.isDone())
        loop.exec();
}

int batchDeploy(const PipelineSession &s)
{
    const PipelineCall &call = s.call;
    const PipelineOptions &o = call.options;
    if (!call.needs(o.deployment) || !call.needs(o.model) || !call.needs(o.compute))
        return ExitUsage;
    const auto request = batchRequest(call);
    if (!request)
        return ExitUsage;
    const auto spec = batchDeploymentSpec(*request, s.ws.ref);
    if (!spec) {
        printErr(QStringLiteral("pipeline batch-deploy: %1").arg(spec.error().message));
        return ExitUsage;
    }
    // The endpoint goes to the workspace's region (the run reads it).
    BatchRun run(s.pipelines);
    runBatch(run, s.json, [&] { run.deploy(spec.value()); });
    if (!run.succeeded())
        return failWith(run.error());
    printOut(QStringLiteral("Batch endpoint %1, deployment %2.").arg(call.name, spec->name));
    return ExitOk;
}

// --out: the rows file of the job the run followed.
int saveBatchOutput(const BatchRun &run, const QString &path)
{
    const auto content = await<QByteArray>([&](QObject *context, auto done) { run.fetchOutput(context, done); });
    QFile f(path);
    if (!content || !f.open(QIODevice::WriteOnly) || f.write(content.value()) < 0) {
        printErr(QStringLiteral("pipeline batch-invoke: could not save the output to %1: %2")
                     .arg(path, content ? f.errorString() : content.error().toString()));
        return ExitFailure;
    }
    return ExitOk;
}

int batchInvoke(const PipelineSession &s)
{
    const PipelineCall &call = s.call;
    const PipelineOptions &o = call.options;
    if (!call.needs(o.input))
        return ExitUsage;
    const bool wait = call.isSet(o.wait);
    if (call.isSet(o.out) && !wait) {
        printErr(QStringLiteral("pipeline batch-invoke: --out saves the job's output file once it is written: add --wait."));
        return ExitUsage;
    }
    const auto request = batchRequest(call);
    if (!request)
        return ExitUsage;
    const auto input = batchRunInput(*request);
    if (!input) {
        printErr(QStringLiteral("pipeline batch-invoke: %1").arg(input.error().message));
        return ExitUsage;
    }
    BatchRunOptions options;
    options.pollInterval = std::chrono::milliseconds(s.pollMs);
    options.followJob = wait;
    BatchRun run(s.pipelines, options);
    runBatch(run, s.json, [&] { run.score(call.name, input.value(), call.value(o.deployment)); });
    if (run.error().isError())
        return failWith(run.error());
    if (!wait) {
        printOut(run.jobName());
        return ExitOk;
    }
    const std::optional<QJsonObject> job = jobDocument(s.pipelines, run.jobName());
    if (!job)
        return ExitFailure;
    s.printJob(*job);
    if (!run.succeeded())
        return ExitFailure;
    return call.isSet(o.out) ? saveBatchOutput(run, call.value(o.out)) : ExitOk;
}

// An access token for REST calls (curl), as `az account get-access-token` prints one.
int printToken(const PipelineCall &call)
{
    const PipelineOptions &o = call.options;
    if (!call.isSet(o.url) || !call.isSet(o.localRoot)) {
        printErr(QStringLiteral("pipeline token: needs --url and --local-root."));
        return ExitUsage;
    }
    local::Store store(call.value(o.localRoot));
    QString error;
    if (!store.open(&error)) {
        printErr(QStringLiteral("pipeline token: %1").arg(error));
        return ExitFailure;
    }
    const Cloud cloud = Cloud::local(QUrl(call.value(o.url)));
    auto transport = AzureClient::networkTransport();
    const QString tenant = store.setting(QStringLiteral("tenantId")).value_or(QString());
    const QString clientId = store.setting(QStringLiteral("principal.clientId")).value_or(QString());
    const auto secret = localPrincipalSecret(tenant, clientId);
    if (!secret)
        return ExitFailure;
    ClientSecretCredential credential(cloud, tenant, clientId, *secret, AzureClient::tokenPipeline(transport));
    auto token = await<AccessToken>([&](QObject *context, auto done) {
        credential.getToken(TokenRequestContext{{Cloud::armScope()}, {}, false}, context, done);
    });
    if (!token)
        return failWith(token.error());
    printOut(token.value().token);
    return ExitOk;
}

using PipelineVerb = Verb<PipelineOptions, PipelineCall>;
using O = PipelineOptions;

// In the order `pipeline --help` lists them.
std::span<const PipelineVerb> pipelineVerbs()
{
    static const PipelineVerb verbs[] = {
        {"create", 0, "[NAME] --file PIPELINE.yml|PIPELINE.json [--wait]",
         "Submit a pipeline job from a file: az ml YAML (NAME may come from its name:), or a REST body or its properties.",
         {&O::file, &O::wait, &O::interval}, &withWorkspace<createJob>},
        {"run", 1, "NAME --from JOB [--set K=V]... [--experiment E] [--wait]", "Run JOB's pipeline again as NAME, with new parameter values.",
         {&O::from, &O::set, &O::experiment, &O::wait, &O::interval}, &withWorkspace<runAgain>},
        {"list", 0, "", "List the pipeline jobs (not their steps).", {}, &withWorkspace<listJobs>},
        {"show", 1, "NAME", "Show a pipeline job: status, inputs, steps and outputs.", {}, &withWorkspace<showJob>},
        {"wait", 1, "NAME", "Wait until a pipeline job ends, then show it (exit 1 unless Completed).", {&O::interval},
         &withWorkspace<waitForJob>},
        {"cancel", 1, "NAME", "Cancel a pipeline job.", {}, &withWorkspace<cancelJob>},
        {"export-yaml", 1, "NAME [--out FILE]", "Print or save a job as az ml YAML (pipeline create --file reads it back).", {&O::out},
         &withWorkspace<exportYaml>},
        {"publish", 1, "ENDPOINT --from JOB [--description D]", "Publish JOB's pipeline behind a REST trigger URL.",
         {&O::from, &O::description}, &withWorkspace<publish>},
        {"endpoints", 0, "", "List the published pipelines.", {}, &withWorkspace<listEndpoints>},
        {"trigger", 1, "ENDPOINT --experiment E [--set K=V]... [--wait]", "Run a published pipeline through its REST URL.",
         {&O::experiment, &O::set, &O::wait, &O::interval}, &withWorkspace<trigger>},
        {"schedule-create", 1,
         "SCHEDULE --from JOB (--cron EXPR | --frequency F --interval N [--hours 9,17] [--minutes 0,30] "
         "[--week-days Monday,Friday] [--month-days 1,15]) [--start ISO] [--time-zone Z] [--disabled] "
         "[--missed-runs CatchUp|Skip]",
         "Run JOB's pipeline on a schedule: a cron expression or a recurrence.",
         {&O::from, &O::cron, &O::frequency, &O::every, &O::hours, &O::minutes, &O::weekDays, &O::monthDays, &O::start,
          &O::timeZone, &O::disabled, &O::missedRuns},
         &withWorkspace<createSchedule>},
        {"schedule-enable", 1, "SCHEDULE", "Enable a schedule.", {}, &withWorkspace<enableSchedule>},
        {"schedule-disable", 1, "SCHEDULE", "Disable a schedule.", {}, &withWorkspace<disableSchedule>},
        {"schedule-history", 1, "SCHEDULE", "List a schedule's runs: when, status and the job each started.", {},
         &withWorkspace<scheduleHistory>},
        {"schedules", 0, "", "List the schedules.", {}, &withWorkspace<listSchedules>},
        {"batch-deploy", 1,
         "ENDPOINT --deployment D --model azureml:NAME:VERSION --compute NAME [--mini-batch-size N] [--instances N] "
         "[--error-threshold N] [--max-retries N]",
         "Deploy a registered model on a batch endpoint (created if new).",
         {&O::deployment, &O::model, &O::compute, &O::miniBatch, &O::instances, &O::threshold, &O::retries},
         &withWorkspace<batchDeploy>},
        {"batch-invoke", 1,
         "ENDPOINT --input URI|FILE|FOLDER [--input-type uri_file|uri_folder] [--deployment D] [--wait [--out FILE]]",
         "Score a file, or a folder's *.csv files, with a batch endpoint.",
         {&O::input, &O::inputType, &O::deployment, &O::wait, &O::interval, &O::out}, &withWorkspace<batchInvoke>},
        {"token", 0, "--url URL --local-root DIR", "Print an access token for REST calls to the local workspace.", {},
         &printToken},
    };
    return verbs;
}

} // namespace
} // namespace pipeline

int runPipeline(const QStringList &arguments)
{
    using namespace pipeline;
    const PipelineOptions options;
    const std::span<const PipelineVerb> verbs = pipelineVerbs();
    const VerbCommand command{
        QStringLiteral("pipeline"), QStringLiteral("Pipelines, their REST trigger, schedules and batch inference."),
        QStringLiteral("With --url URL the workspace service is reached there, signing in with --local-root DIR (the local\n"
                       "workspace's built-in principal) or --token-stdin; otherwise as the signed-in identity."),
        options.common(), verbHelps(verbs, options)};
    QCommandLineParser parser;
    int exitCode = ExitOk;
    const auto index = parseVerb(parser, command, arguments, exitCode);
    if (!index)
        return exitCode;
    const PipelineVerb &verb = verbs[static_cast<std::size_t>(*index)];
    const PipelineCall call{parser, options, QString::fromLatin1(verb.name), parser.positionalArguments().value(1)};
    if (verb.operands > 0 && call.name.isEmpty()) {
        printErr(QStringLiteral("pipeline %1: a name is required.").arg(call.verb));
        return ExitUsage;
    }
    return verb.run(call);
}

} // namespace cerulean::cli
