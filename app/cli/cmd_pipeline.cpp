// cerulean-cli pipeline: pipeline jobs (create, run with parameters, show steps, export
// YAML), publishing and the REST trigger, schedules with their history, and batch
// endpoint invocation, against a workspace (the local service or Azure). Every request is
// one of core/azure's typed operations (PipelineOperations, MachineLearningClient), the same
// calls the Pipelines page makes and the contract tests check.

#include "app/cli/azure_cli.h"

#include "core/azure/pipeline_ops.h"
#include "core/local/pipeline_yaml.h"
#include "core/local/store.h"

#include <QFile>
#include <QThread>

#include <cstdio>
#include <iostream>

namespace cerulean::cli {

using namespace cerulean::azure;

namespace {

// A bearer token given on stdin (scripts that already hold one).
class StaticTokenCredential final : public TokenCredential
{
public:
    explicit StaticTokenCredential(QString token) : m_token(std::move(token)) {}
    void getToken(const TokenRequestContext &, QObject *, TokenCallback done) override
    {
        done(AccessToken{m_token, std::chrono::system_clock::now() + std::chrono::hours(1)});
    }

private:
    QString m_token;
};

struct Workspace
{
    std::shared_ptr<AzureClient> client;
    QString id; // workspace ARM id
    WorkspaceRef ref;
    QString localRoot; // --local-root, for the token command printed with a curl call

    MachineLearningClient ml() const { return MachineLearningClient(client, ref); }
    PipelineOperations pipelines() const { return PipelineOperations(client->arm(), client->cloud(), ref); }
};

// A job's GET body as an object; the service's error (code, message, request id) on stderr.
std::optional<QJsonObject> jobDocument(const PipelineOperations &pipelines, const QString &name)
{
    const auto body = await<QByteArray>([&](QObject *context, auto done) { pipelines.getJobDocument(name, context, done); });
    if (!body) {
        printErr(QStringLiteral("error: ") + body.error().toString());
        return std::nullopt;
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body.value(), &error);
    if (!doc.isObject()) {
        printErr(QStringLiteral("error: job %1: the answer is not a JSON object (%2)").arg(name, error.errorString()));
        return std::nullopt;
    }
    return doc.object();
}

// The definition an existing pipeline job was made from: what `run` and `schedule-create`
// start a new job from.
Result<QByteArray> jobDefinition(const PipelineOperations &pipelines, const QString &name)
{
    const auto body = await<QByteArray>([&](QObject *context, auto done) { pipelines.getJobDocument(name, context, done); });
    if (!body)
        return body.error();
    return pipelineJobDefinition(body.value());
}

QByteArray compact(const QJsonObject &o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

// Items the typed list calls hand over as JSON bodies, as one array for --json output.
QJsonArray documentArray(const QList<QByteArray> &items)
{
    QJsonArray out;
    for (const QByteArray &item : items)
        out.append(QJsonDocument::fromJson(item).object());
    return out;
}

// Parameter assignments from --set name=value (numbers stay numbers).
std::optional<QJsonObject> assignments(const QStringList &sets)
{
    QJsonObject out;
    for (const QString &set : sets) {
        const qsizetype eq = set.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            printErr(QStringLiteral("pipeline: --set takes NAME=VALUE, not '%1'.").arg(set));
            return std::nullopt;
        }
        const QString value = set.mid(eq + 1);
        bool number = false;
        const double d = value.toDouble(&number);
        out.insert(set.left(eq), number ? QJsonValue(d) : QJsonValue(value));
    }
    return out;
}

QString status(const QJsonObject &job) { return job.value(QStringLiteral("properties")).toObject().value(QStringLiteral("status")).toString(); }

// Polls a job until it ends, printing status changes and batch progress to stderr; the job's
// whole body at the end.
std::optional<QJsonObject> waitJob(const PipelineOperations &pipelines, const QString &name, int intervalMs, bool quiet)
{
    QString last;
    QString lastProgress;
    for (;;) {
        const auto progress =
            await<BatchJobProgress>([&](QObject *context, auto done) { pipelines.batchProgress(name, context, done); });
        if (!progress) {
            printErr(QStringLiteral("error: ") + progress.error().toString());
            return std::nullopt;
        }
        const QString rows = progress->known ? QStringLiteral("%1/%2 rows, %3 failed")
                                                   .arg(progress->rowsProcessed)
                                                   .arg(progress->rowsTotal)
                                                   .arg(progress->rowsFailed)
                                             : QString();
        if (!quiet && (progress->status != last || rows != lastProgress))
            printErr(QStringLiteral("  %1%2").arg(progress->status, rows.isEmpty() ? QString() : QStringLiteral(" (") + rows + QLatin1Char(')')));
        last = progress->status;
        lastProgress = rows;
        if (progress->isTerminal())
            return jobDocument(pipelines, name);
        QThread::msleep(static_cast<unsigned long>(intervalMs));
    }
}

QString errorOf(const QJsonObject &job)
{
    return job.value(QStringLiteral("properties")).toObject().value(QStringLiteral("properties")).toObject().value(QStringLiteral("azureml.error")).toString();
}

// The local workspace's built-in principal keeps its secret in the keychain (put there by
// `cerulean-cli local-service`), never in the root.
std::optional<QString> localPrincipalSecret(const QString &tenant, const QString &clientId)
{
    const SecretStore secrets;
    auto secret = await<QString>([&](QObject *context, auto done) {
        secrets.read(SecretStore::servicePrincipalKey(tenant, clientId), context, done);
    });
    if (!secret) {
        printErr(QStringLiteral("pipeline: the local workspace's principal secret is not in the keychain (%1); start the "
                                "service with `cerulean-cli local-service` in a session with a keychain.")
                     .arg(secret.error().message));
        return std::nullopt;
    }
    return secret.value();
}

std::optional<Workspace> openWs(const QCommandLineParser &parser, const WorkspaceOptions &options, const QCommandLineOption &url,
                                const QCommandLineOption &localRoot, const QCommandLineOption &tokenStdin)
{
    auto ref = options.resolve(parser);
    Workspace ws;
    if (parser.isSet(url)) {
        const QUrl base(parser.value(url));
        if (!base.isValid() || base.scheme().isEmpty()) {
            printErr(QStringLiteral("pipeline: --url must be an http(s) URL such as http://127.0.0.1:8080."));
            return std::nullopt;
        }
        const Cloud cloud = Cloud::local(base);
        auto transport = AzureClient::networkTransport();
        std::shared_ptr<TokenCredential> credential;
        QString subscription;
        if (parser.isSet(localRoot)) {
            // The local workspace's built-in service principal signs in at its token endpoint.
            local::Store store(parser.value(localRoot));
            QString error;
            if (!store.open(&error)) {
                printErr(QStringLiteral("pipeline: %1: %2").arg(parser.value(localRoot), error));
                return std::nullopt;
            }
            const auto tenant = store.setting(QStringLiteral("tenantId"));
            const auto clientId = store.setting(QStringLiteral("principal.clientId"));
            subscription = store.setting(QStringLiteral("subscriptionId")).value_or(QString());
            if (!tenant || !clientId) {
                printErr(QStringLiteral("pipeline: %1 is not a local workspace root (no built-in principal).").arg(parser.value(localRoot)));
                return std::nullopt;
            }
            const auto secret = localPrincipalSecret(*tenant, *clientId);
            if (!secret)
                return std::nullopt;
            credential = std::make_shared<ClientSecretCredential>(cloud, *tenant, *clientId, *secret,
                                                                  AzureClient::tokenPipeline(transport));
        } else if (parser.isSet(tokenStdin)) {
            std::string line;
            std::getline(std::cin, line);
            credential = std::make_shared<StaticTokenCredential>(QString::fromStdString(line).trimmed());
        } else {
            printErr(QStringLiteral("pipeline: with --url, give --local-root DIR or --token-stdin."));
            return std::nullopt;
        }
        ws.client = std::make_shared<AzureClient>(cloud, credential, transport);
        if (!ref) {
            // --local-root alone: the subscription comes from the root; rg and workspace are needed.
            if (subscription.isEmpty() || !parser.isSet(options.resourceGroup) || !parser.isSet(options.workspace)) {
                failWith(ref.error());
                return std::nullopt;
            }
            ref = WorkspaceRef{subscription, parser.value(options.resourceGroup), parser.value(options.workspace)};
        }
    } else {
        if (!ref) {
            failWith(ref.error());
            return std::nullopt;
        }
        auto client = openClient();
        if (!client) {
            failWith(client.error());
            return std::nullopt;
        }
        ws.client = client.value();
    }
    ws.id = ref->armId();
    ws.ref = ref.value();
    if (parser.isSet(localRoot))
        ws.localRoot = QFileInfo(parser.value(localRoot)).absoluteFilePath();
    return ws;
}

void printJobSummary(const Workspace &ws, const QJsonObject &job)
{
    const QJsonObject p = job.value(QStringLiteral("properties")).toObject();
    printOut(QStringLiteral("%1  %2  %3  experiment %4")
                 .arg(job.value(QStringLiteral("name")).toString(), p.value(QStringLiteral("jobType")).toString(),
                      p.value(QStringLiteral("status")).toString(), p.value(QStringLiteral("experimentName")).toString()));
    const QJsonObject inputs = p.value(QStringLiteral("inputs")).toObject();
    for (auto it = inputs.begin(); it != inputs.end(); ++it) {
        const QJsonObject in = it.value().toObject();
        printOut(QStringLiteral("  input  %1 = %2").arg(it.key(), in.contains(QStringLiteral("value")) ? in.value(QStringLiteral("value")).toString()
                                                                                                      : in.value(QStringLiteral("uri")).toString()));
    }
    const QString jobName = job.value(QStringLiteral("name")).toString();
    const auto steps = await<QList<Job>>([&](QObject *context, auto done) { ws.pipelines().listSteps(jobName, context, done); });
    if (!steps)
        printErr(QStringLiteral("error: the steps of %1: %2").arg(jobName, steps.error().toString()));
    for (const Job &step : steps ? steps.value() : QList<Job>()) {
        const QMap<QString, QString> &props = step.properties;
        QString extra;
        if (props.value(QStringLiteral("azureml.isreused")) == QLatin1String("true"))
            extra = QStringLiteral(" (reused %1)").arg(props.value(QStringLiteral("azureml.reusedjobname")));
        if (props.contains(QStringLiteral("azureml.batch.rowsProcessed")))
            extra += QStringLiteral(" rows %1/%2, failed %3")
                         .arg(props.value(QStringLiteral("azureml.batch.rowsProcessed")), props.value(QStringLiteral("azureml.batch.rowsTotal")),
                              props.value(QStringLiteral("azureml.batch.rowsFailed")));
        printOut(QStringLiteral("  step   %1  %2  %3  job %4%5")
                     .arg(props.value(QStringLiteral("azureml.pipeline.stepName")), props.value(QStringLiteral("azureml.pipeline.stepType")),
                          step.status, step.name, extra));
        if (props.contains(QStringLiteral("azureml.batch.failedRowDetails")))
            printOut(QStringLiteral("         failed rows: ") + props.value(QStringLiteral("azureml.batch.failedRowDetails")));
        for (auto it = step.outputs.begin(); it != step.outputs.end(); ++it)
            printOut(QStringLiteral("         output %1 = %2").arg(it.key(), it.value()));
    }
    const QJsonObject outputs = p.value(QStringLiteral("outputs")).toObject();
    for (auto it = outputs.begin(); it != outputs.end(); ++it) {
        if (it.key() == QLatin1String("default"))
            continue;
        const QJsonObject o = it.value().toObject();
        printOut(QStringLiteral("  output %1 = %2%3")
                     .arg(it.key(), o.value(QStringLiteral("uri")).toString(),
                          o.contains(QStringLiteral("assetName"))
                              ? QStringLiteral(" (model %1:%2)").arg(o.value(QStringLiteral("assetName")).toString(),
                                                                     o.value(QStringLiteral("assetVersion")).toString())
                              : QString()));
    }
    const QString error = errorOf(job);
    if (!error.isEmpty())
        printOut(QStringLiteral("  error  ") + error);
}

} // namespace

int runPipeline(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Pipelines, their REST trigger, schedules and batch inference.\n"
        "  create NAME --file PIPELINE.json [--wait]     submit a pipeline job (REST body or its properties)\n"
        "  run NAME --from JOB [--set K=V]... [--experiment E] [--wait]   run JOB's pipeline again as NAME\n"
        "  list | show NAME | wait NAME | cancel NAME\n"
        "  export-yaml NAME [--out FILE]                 Azure ML pipeline YAML\n"
        "  publish ENDPOINT --from JOB [--description D] a REST trigger URL for JOB's pipeline\n"
        "  endpoints                                     published pipelines\n"
        "  trigger ENDPOINT --experiment E [--set K=V]... [--wait]\n"
        "  schedule-create SCHEDULE --from JOB (--cron EXPR | --frequency F --interval N [--hours 9,17] [--minutes 0,30]\n"
        "                  [--week-days Monday,Friday] [--month-days 1,15]) [--start ISO] [--time-zone Z] [--disabled]\n"
        "                  [--missed-runs CatchUp|Skip]\n"
        "  schedule-enable S | schedule-disable S | schedule-history S | schedules\n"
        "  batch-deploy ENDPOINT --deployment D --model azureml:NAME:VERSION --compute NAME [--mini-batch-size N]\n"
        "               [--instances N] [--error-threshold N] [--max-retries N]\n"
        "  batch-invoke ENDPOINT --input URI|FILE|FOLDER [--input-type uri_file|uri_folder] [--deployment D]\n"
        "               [--wait [--out FILE]]           a folder: its *.csv files\n"
        "  token                                         an access token for REST calls (needs --url, --local-root)\n"
        "With --url URL the workspace service is reached there, signing in with --local-root DIR (the local\n"
        "workspace's built-in principal) or --token-stdin; otherwise as the signed-in identity."));
    parser.addPositionalArgument(QStringLiteral("verb"), QStringLiteral("See above."));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("Job, endpoint or schedule name."), QStringLiteral("[name]"));
    const WorkspaceOptions options;
    options.addTo(parser);
    const QCommandLineOption url(QStringLiteral("url"), QStringLiteral("Workspace service base URL."), QStringLiteral("URL"));
    const QCommandLineOption localRoot(QStringLiteral("local-root"), QStringLiteral("Local workspace root (sign in as its principal)."),
                                       QStringLiteral("DIR"));
    const QCommandLineOption tokenStdin(QStringLiteral("token-stdin"), QStringLiteral("Read a bearer token from stdin."));
    const QCommandLineOption file(QStringLiteral("file"), QStringLiteral("Pipeline job JSON."), QStringLiteral("FILE"));
    const QCommandLineOption from(QStringLiteral("from"), QStringLiteral("Pipeline job whose definition is used."), QStringLiteral("JOB"));
    const QCommandLineOption set(QStringLiteral("set"), QStringLiteral("Parameter assignment NAME=VALUE (repeatable)."), QStringLiteral("K=V"));
    const QCommandLineOption experiment(QStringLiteral("experiment"), QStringLiteral("Experiment name."), QStringLiteral("E"));
    const QCommandLineOption wait(QStringLiteral("wait"), QStringLiteral("Wait until the job ends (exit 1 unless Completed)."));
    const QCommandLineOption interval(QStringLiteral("interval-ms"), QStringLiteral("Status poll interval (default 200)."),
                                      QStringLiteral("ms"), QStringLiteral("200"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Output file."), QStringLiteral("FILE"));
    const QCommandLineOption description(QStringLiteral("description"), QStringLiteral("Description."), QStringLiteral("D"));
    const QCommandLineOption cron(QStringLiteral("cron"), QStringLiteral("Cron expression (5 fields)."), QStringLiteral("EXPR"));
    const QCommandLineOption frequency(QStringLiteral("frequency"), QStringLiteral("Minute, Hour, Day, Week or Month."), QStringLiteral("F"));
    const QCommandLineOption every(QStringLiteral("interval"), QStringLiteral("Recurrence interval (default 1)."), QStringLiteral("N"),
                                   QStringLiteral("1"));
    const QCommandLineOption hours(QStringLiteral("hours"), QStringLiteral("Hours (comma-separated)."), QStringLiteral("LIST"));
    const QCommandLineOption minutes(QStringLiteral("minutes"), QStringLiteral("Minutes (comma-separated)."), QStringLiteral("LIST"));
    const QCommandLineOption weekDays(QStringLiteral("week-days"), QStringLiteral("Week days (comma-separated names)."), QStringLiteral("LIST"));
    const QCommandLineOption monthDays(QStringLiteral("month-days"), QStringLiteral("Days of the month (comma-separated)."), QStringLiteral("LIST"));
    const QCommandLineOption start(QStringLiteral("start"), QStringLiteral("Start time (ISO 8601)."), QStringLiteral("T"));
    const QCommandLineOption timeZone(QStringLiteral("time-zone"), QStringLiteral("Time zone (default UTC)."), QStringLiteral("Z"),
                                      QStringLiteral("UTC"));
    const QCommandLineOption disabled(QStringLiteral("disabled"), QStringLiteral("Create the schedule disabled."));
    const QCommandLineOption missedRuns(QStringLiteral("missed-runs"),
                                        QStringLiteral("After downtime: CatchUp or Skip (default: the service's)."), QStringLiteral("P"));
    const QCommandLineOption deployment(QStringLiteral("deployment"), QStringLiteral("Batch deployment name."), QStringLiteral("D"));
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("Model (azureml:NAME:VERSION)."), QStringLiteral("M"));
    const QCommandLineOption compute(QStringLiteral("compute"), QStringLiteral("Compute cluster name."), QStringLiteral("NAME"));
    const QCommandLineOption miniBatch(QStringLiteral("mini-batch-size"), QStringLiteral("Rows per mini-batch (default 10)."),
                                       QStringLiteral("N"), QStringLiteral("10"));
    const QCommandLineOption instances(QStringLiteral("instances"), QStringLiteral("Instance count (default 1)."), QStringLiteral("N"),
                                       QStringLiteral("1"));
    const QCommandLineOption threshold(QStringLiteral("error-threshold"), QStringLiteral("Failed rows tolerated (-1 = any)."),
                                       QStringLiteral("N"), QStringLiteral("-1"));
    const QCommandLineOption retries(QStringLiteral("max-retries"), QStringLiteral("Mini-batch retries (default 3)."), QStringLiteral("N"),
                                     QStringLiteral("3"));
    const QCommandLineOption input(QStringLiteral("input"), QStringLiteral("Input data URI, file or folder of CSV files."),
                                    QStringLiteral("URI"));
    const QCommandLineOption inputType(QStringLiteral("input-type"),
                                       QStringLiteral("uri_file or uri_folder (default: a folder if a local folder or a URI ending in /)."),
                                       QStringLiteral("TYPE"));
    parser.addOptions({url, localRoot, tokenStdin, file, from, set, experiment, wait, interval, out, description, cron, frequency,
                       every, hours, minutes, weekDays, monthDays, start, timeZone, disabled, missedRuns, deployment, model, compute,
                       miniBatch, instances, threshold, retries, input, inputType});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    static const QStringList verbs{
        QStringLiteral("create"),          QStringLiteral("run"),              QStringLiteral("list"),
        QStringLiteral("show"),            QStringLiteral("wait"),             QStringLiteral("cancel"),
        QStringLiteral("export-yaml"),     QStringLiteral("publish"),          QStringLiteral("endpoints"),
        QStringLiteral("trigger"),         QStringLiteral("schedule-create"),  QStringLiteral("schedule-enable"),
        QStringLiteral("schedule-disable"), QStringLiteral("schedule-history"), QStringLiteral("schedules"),
        QStringLiteral("batch-deploy"),    QStringLiteral("batch-invoke"),     QStringLiteral("token")};
    const QString verb = verbOf(parser, verbs, QStringLiteral("pipeline"));
    if (verb.isEmpty())
        return ExitUsage;
    const QString name = parser.positionalArguments().value(1);
    const bool listing = verb == QLatin1String("list") || verb == QLatin1String("endpoints") || verb == QLatin1String("schedules") ||
                         verb == QLatin1String("token");
    if (name.isEmpty() && !listing) {
        printErr(QStringLiteral("pipeline %1: a name is required.").arg(verb));
        return ExitUsage;
    }
    const auto needs = [&](const QCommandLineOption &option) {
        if (parser.isSet(option))
            return true;
        printErr(QStringLiteral("pipeline %1: --%2 is required.").arg(verb, option.names().first()));
        return false;
    };
    if (verb == QLatin1String("token")) {
        // An access token for REST calls (curl), as `az account get-access-token` prints one.
        if (!parser.isSet(url) || !parser.isSet(localRoot)) {
            printErr(QStringLiteral("pipeline token: needs --url and --local-root."));
            return ExitUsage;
        }
        local::Store store(parser.value(localRoot));
        QString error;
        if (!store.open(&error)) {
            printErr(QStringLiteral("pipeline token: %1").arg(error));
            return ExitFailure;
        }
        const Cloud cloud = Cloud::local(QUrl(parser.value(url)));
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
    const auto ws = openWs(parser, options, url, localRoot, tokenStdin);
    if (!ws)
        return ExitFailure;
    const bool json = parser.isSet(options.json);
    const int pollMs = std::max(20, parser.value(interval).toInt());
    const PipelineOperations pipelines = ws->pipelines();
    const auto failAzure = [&](const AzureError &error) {
        printErr(QStringLiteral("error: ") + error.toString());
        return ExitFailure;
    };
    const auto finish = [&](const QString &job) -> int {
        if (!parser.isSet(wait)) {
            printOut(job);
            return ExitOk;
        }
        const auto done = waitJob(pipelines, job, pollMs, json);
        if (!done)
            return ExitFailure;
        if (json)
            printJson(*done);
        else
            printJobSummary(*ws, *done);
        return status(*done) == QLatin1String("Completed") ? ExitOk : ExitFailure;
    };
    const auto submit = [&](const QJsonObject &definition) -> int {
        const auto job = await<Job>([&](QObject *context, auto done) {
            pipelines.submitPipelineJob(name, compact(definition), context, done);
        });
        return job ? finish(name) : failAzure(job.error());
    };

    if (verb == QLatin1String("create")) {
        if (!needs(file))
            return ExitUsage;
        QFile f(parser.value(file));
        if (!f.open(QIODevice::ReadOnly)) {
            printErr(QStringLiteral("pipeline create: cannot read %1").arg(parser.value(file)));
            return ExitFailure;
        }
        QJsonParseError error;
        const QJsonObject body = QJsonDocument::fromJson(f.readAll(), &error).object();
        if (error.error != QJsonParseError::NoError) {
            printErr(QStringLiteral("pipeline create: %1: %2 at offset %3").arg(parser.value(file), error.errorString()).arg(error.offset));
            return ExitFailure;
        }
        // The file holds a REST body or just its properties.
        return submit(body.contains(QStringLiteral("properties")) ? body.value(QStringLiteral("properties")).toObject() : body);
    }
    if (verb == QLatin1String("run")) {
        if (!needs(from))
            return ExitUsage;
        const auto assigned = assignments(parser.values(set));
        if (!assigned)
            return ExitUsage;
        const auto definition = jobDefinition(pipelines, parser.value(from));
        if (!definition)
            return failAzure(definition.error());
        QJsonObject def = QJsonDocument::fromJson(definition.value()).object();
        QJsonObject inputs = def.value(QStringLiteral("inputs")).toObject();
        for (auto it = assigned->begin(); it != assigned->end(); ++it) {
            if (!inputs.contains(it.key())) {
                printErr(QStringLiteral("pipeline run: the pipeline has no parameter '%1' (its parameters: %2).")
                             .arg(it.key(), inputs.keys().join(QStringLiteral(", "))));
                return ExitUsage;
            }
            QJsonObject in = inputs.value(it.key()).toObject();
            const QString text = it.value().isDouble() ? QString::number(it.value().toDouble(), 'g', 17) : it.value().toString();
            in.insert(in.value(QStringLiteral("jobInputType")).toString() == QLatin1String("literal") ? QStringLiteral("value")
                                                                                                     : QStringLiteral("uri"),
                      text);
            inputs.insert(it.key(), in);
        }
        def.insert(QStringLiteral("inputs"), inputs);
        if (parser.isSet(experiment))
            def.insert(QStringLiteral("experimentName"), parser.value(experiment));
        return submit(def);
    }
    if (verb == QLatin1String("list")) {
        const auto jobs = await<QList<QByteArray>>([&](QObject *context, auto done) { pipelines.listPipelineJobDocuments(context, done); });
        if (!jobs)
            return failAzure(jobs.error());
        const QJsonArray value = documentArray(jobs.value());
        if (json) {
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
    if (verb == QLatin1String("show") || verb == QLatin1String("wait")) {
        const std::optional<QJsonObject> job =
            verb == QLatin1String("wait") ? waitJob(pipelines, name, pollMs, json) : jobDocument(pipelines, name);
        if (!job)
            return ExitFailure;
        if (json)
            printJson(*job);
        else
            printJobSummary(*ws, *job);
        return verb == QLatin1String("wait") && status(*job) != QLatin1String("Completed") ? ExitFailure : ExitOk;
    }
    if (verb == QLatin1String("cancel")) {
        const auto canceled = await<Empty>([&](QObject *context, auto done) { ws->ml().cancelJob(name, context, done); });
        return canceled ? ExitOk : failAzure(canceled.error());
    }
    if (verb == QLatin1String("export-yaml")) {
        const auto body = await<QByteArray>([&](QObject *context, auto done) { pipelines.getJobDocument(name, context, done); });
        if (!body)
            return failAzure(body.error());
        QString error;
        const auto yaml = local::pipelineJobYaml(body.value(), &error);
        if (!yaml) {
            printErr(QStringLiteral("pipeline export-yaml: %1: %2").arg(name, error));
            return ExitFailure;
        }
        if (!parser.isSet(out)) {
            std::fputs(yaml->toUtf8().constData(), stdout);
            return ExitOk;
        }
        QFile f(parser.value(out));
        if (!f.open(QIODevice::WriteOnly) || f.write(yaml->toUtf8()) < 0) {
            printErr(QStringLiteral("pipeline export-yaml: cannot write %1").arg(parser.value(out)));
            return ExitFailure;
        }
        return ExitOk;
    }
    const auto endpointJson = [](const PipelineEndpoint &e) {
        QJsonObject parameters;
        for (auto it = e.parameters.begin(); it != e.parameters.end(); ++it)
            parameters.insert(it.key(), it.value());
        return QJsonObject{{QStringLiteral("Id"), e.id},           {QStringLiteral("Name"), e.name},
                           {QStringLiteral("Description"), e.description}, {QStringLiteral("Status"), e.status},
                           {QStringLiteral("PipelineJobName"), e.pipelineJobName}, {QStringLiteral("Version"), e.version},
                           {QStringLiteral("Parameters"), parameters}, {QStringLiteral("Url"), e.url.toString()}};
    };
    if (verb == QLatin1String("publish")) {
        if (!needs(from))
            return ExitUsage;
        const auto ep = await<PipelineEndpoint>([&](QObject *context, auto done) {
            pipelines.publish({name, parser.value(from), parser.value(description)}, context, done);
        });
        if (!ep)
            return failAzure(ep.error());
        if (json) {
            printJson(endpointJson(ep.value()));
            return ExitOk;
        }
        printOut(QStringLiteral("Published %1 (version %2): %3").arg(name).arg(ep->version).arg(ep->url.toString()));
        PipelineSubmission submission;
        submission.experimentName = name;
        for (auto it = ep->parameters.begin(); it != ep->parameters.end(); ++it)
            submission.parameterAssignments.insert(it.key(), it.value());
        printOut(QStringLiteral("Trigger it with:\n  %1\n  %2")
                     .arg(tokenCommand(ws->client->cloud(), ws->localRoot), triggerCurlCommand(ep->url, submission)));
        return ExitOk;
    }
    if (verb == QLatin1String("endpoints")) {
        const auto endpoints = await<QList<PipelineEndpoint>>([&](QObject *context, auto done) { pipelines.listEndpoints(context, done); });
        if (!endpoints)
            return failAzure(endpoints.error());
        if (json) {
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
    if (verb == QLatin1String("trigger")) {
        if (!needs(experiment))
            return ExitUsage;
        const auto assigned = assignments(parser.values(set));
        if (!assigned)
            return ExitUsage;
        PipelineSubmission submission;
        submission.experimentName = parser.value(experiment);
        submission.parameterAssignments = assigned->toVariantMap();
        // The published URL, as any REST client would call it.
        const auto run = await<PipelineRunStarted>([&](QObject *context, auto done) {
            pipelines.triggerByName(name, submission, context, done);
        });
        if (!run)
            return failAzure(run.error());
        return finish(run->runId);
    }
    if (verb == QLatin1String("schedule-create")) {
        if (!needs(from))
            return ExitUsage;
        if (parser.isSet(cron) == parser.isSet(frequency)) {
            printErr(QStringLiteral("pipeline schedule-create: give either --cron or --frequency."));
            return ExitUsage;
        }
        const auto definition = jobDefinition(pipelines, parser.value(from));
        if (!definition)
            return failAzure(definition.error());
        ScheduleSpec spec;
        spec.name = name;
        spec.isEnabled = !parser.isSet(disabled);
        spec.timeZone = parser.value(timeZone);
        spec.startTime = parser.value(start);
        spec.jobDefinitionJson = definition.value();
        if (parser.isSet(cron)) {
            spec.cronExpression = parser.value(cron);
        } else {
            spec.frequency = parser.value(frequency);
            bool ok = false;
            spec.interval = parser.value(every).toInt(&ok);
            if (!ok || spec.interval < 1) {
                printErr(QStringLiteral("pipeline schedule-create: --interval takes a whole number of at least 1, not '%1'.")
                             .arg(parser.value(every)));
                return ExitUsage;
            }
            const auto ints = [&](const QCommandLineOption &o, QList<int> &values) {
                for (const QString &part : parser.value(o).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                    bool number = false;
                    values.append(part.trimmed().toInt(&number));
                    if (!number) {
                        printErr(QStringLiteral("pipeline schedule-create: --%1 takes numbers, not '%2'.").arg(o.names().first(), part));
                        return false;
                    }
                }
                return true;
            };
            if (!ints(hours, spec.hours) || !ints(minutes, spec.minutes) || !ints(monthDays, spec.monthDays))
                return ExitUsage;
            for (const QString &day : parser.value(weekDays).split(QLatin1Char(','), Qt::SkipEmptyParts))
                spec.weekDays << day.trimmed();
        }
        if (parser.isSet(missedRuns))
            spec.properties.insert(QStringLiteral("cerulean.missedRuns"), parser.value(missedRuns));
        const auto made = await<Schedule>([&](QObject *context, auto done) { ws->ml().createSchedule(spec, context, done); });
        if (!made)
            return failAzure(made.error());
        printOut(QStringLiteral("Schedule %1 %2.").arg(name, parser.isSet(disabled) ? QStringLiteral("created (disabled)") : QStringLiteral("created")));
        return ExitOk;
    }
    if (verb == QLatin1String("schedule-enable") || verb == QLatin1String("schedule-disable")) {
        const bool enable = verb == QLatin1String("schedule-enable");
        const auto changed = await<Schedule>([&](QObject *context, auto done) { ws->ml().setScheduleEnabled(name, enable, context, done); });
        return changed ? ExitOk : failAzure(changed.error());
    }
    if (verb == QLatin1String("schedules")) {
        if (json) {
            const auto schedules =
                await<QList<QByteArray>>([&](QObject *context, auto done) { pipelines.listScheduleDocuments(context, done); });
            if (!schedules)
                return failAzure(schedules.error());
            printJson(documentArray(schedules.value()));
            return ExitOk;
        }
        const auto schedules = await<QList<Schedule>>([&](QObject *context, auto done) { pipelines.listSchedules(context, done); });
        if (!schedules)
            return failAzure(schedules.error());
        for (const Schedule &sch : schedules.value())
            printOut(QStringLiteral("%1  %2  %3").arg(sch.name, sch.isEnabled ? QStringLiteral("enabled") : QStringLiteral("disabled"),
                                                      sch.triggerType == QLatin1String("Cron")
                                                          ? QStringLiteral("cron ") + sch.cronExpression
                                                          : QStringLiteral("every %1 %2").arg(sch.interval).arg(sch.frequency)));
        return ExitOk;
    }
    if (verb == QLatin1String("schedule-history")) {
        const auto history = await<QList<ScheduleRun>>([&](QObject *context, auto done) { pipelines.scheduleHistory(name, context, done); });
        if (!history)
            return failAzure(history.error());
        if (json) {
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
    if (verb == QLatin1String("batch-deploy")) {
        if (!needs(deployment) || !needs(model) || !needs(compute))
            return ExitUsage;
        BatchDeploymentSpec spec;
        spec.endpointName = name;
        spec.name = parser.value(deployment);
        const auto whole = [&](const QCommandLineOption &option, int minimum, int &value) {
            bool ok = false;
            value = parser.value(option).toInt(&ok);
            if (ok && value >= minimum)
                return true;
            printErr(QStringLiteral("pipeline batch-deploy: --%1 takes a whole number of at least %2, not '%3'.")
                         .arg(option.names().first())
                         .arg(minimum)
                         .arg(parser.value(option)));
            return false;
        };
        if (!whole(miniBatch, 1, spec.miniBatchSize) || !whole(instances, 1, spec.instanceCount) ||
            !whole(threshold, -1, spec.errorThreshold) || !whole(retries, 0, spec.maxRetries))
            return ExitUsage;
        spec.modelId = parser.value(model);
        if (spec.modelId.startsWith(QLatin1String("azureml:")) && !spec.modelId.startsWith(QLatin1String("azureml://")))
            spec.modelId = ws->id + QStringLiteral("/models/") + spec.modelId.mid(8).section(QLatin1Char(':'), 0, 0) +
                           QStringLiteral("/versions/") + spec.modelId.mid(8).section(QLatin1Char(':'), 1);
        spec.compute = parser.value(compute);
        if (!spec.compute.startsWith(QLatin1Char('/')))
            spec.compute = ws->id + QStringLiteral("/computes/") + spec.compute;
        // One mini-batch at a time per instance (what the service assumes when none is named);
        // the instances are the parallelism. The append_row file keeps Azure's default name.
        spec.maxConcurrencyPerInstance = 1;
        spec.outputFileName = QStringLiteral("parallel_run_step.txt");
        // Batch endpoints live in the workspace's region.
        const auto workspace = await<azure::Workspace>([&](QObject *context, auto done) { ws->ml().getWorkspace(context, done); });
        if (!workspace)
            return failAzure(workspace.error());
        spec.location = workspace->location;
        const std::unique_ptr<Operation<BatchEndpoint>> endpoint(
            pipelines.createBatchEndpoint(name, spec.location, {}, spec.name, nullptr));
        awaitOperation(*endpoint, json);
        if (endpoint->state() != OperationState::Succeeded)
            return failAzure(endpoint->error());
        const std::unique_ptr<Operation<BatchDeployment>> made(pipelines.createBatchDeployment(spec, nullptr));
        awaitOperation(*made, json);
        if (made->state() != OperationState::Succeeded)
            return failAzure(made->error());
        printOut(QStringLiteral("Batch endpoint %1, deployment %2.").arg(name, spec.name));
        return ExitOk;
    }
    // batch-invoke
    if (!needs(input))
        return ExitUsage;
    if (parser.isSet(out) && !parser.isSet(wait)) {
        printErr(QStringLiteral("pipeline batch-invoke: --out saves the job's output file once it is written: add --wait."));
        return ExitUsage;
    }
    // A folder's CSV files are the rows (UriFolder).
    QString inputError;
    const auto source = resolveBatchInput(parser.value(input), parser.value(inputType), &inputError);
    if (!source) {
        printErr(QStringLiteral("pipeline batch-invoke: %1.").arg(inputError));
        return ExitUsage;
    }
    // The endpoint's scoring URI takes the invocation, as on Azure.
    const auto endpoint = await<BatchEndpoint>([&](QObject *context, auto done) { pipelines.getBatchEndpoint(name, context, done); });
    if (!endpoint)
        return failAzure(endpoint.error());
    const auto job = await<Job>([&](QObject *context, auto done) {
        pipelines.invokeBatchEndpoint(endpoint->scoringUri, source->uri, source->isFolder, parser.value(deployment), context, done);
    });
    if (!job)
        return failAzure(job.error());
    const int code = finish(job->name);
    if (code == ExitOk && parser.isSet(out)) {
        // The append_row file of the scoring step, downloaded through the workspace's MLflow artifact route.
        const auto saved = [&]() -> Result<Empty> {
            // The file the deployment that ran the job names: the one asked for, else the one the
            // service recorded on the job, else the endpoint's default (what Azure runs).
            QString ran = parser.value(deployment);
            if (ran.isEmpty())
                ran = job->properties.value(QStringLiteral("azureml.batchDeployment"), endpoint->defaultDeployment);
            if (ran.isEmpty())
                return AzureError::invalidInput(
                    QStringLiteral("the endpoint %1 has no default deployment to read the output file name from: name it with --deployment")
                        .arg(name));
            const auto ranDeployment = await<BatchDeployment>(
                [&](QObject *context, auto done) { pipelines.getBatchDeployment(name, ran, context, done); });
            if (!ranDeployment)
                return ranDeployment.error();
            if (ranDeployment->outputAction.compare(QLatin1String("SummaryOnly"), Qt::CaseInsensitive) == 0)
                return AzureError::invalidInput(
                    QStringLiteral("the deployment %1 writes no output file (its output action is SummaryOnly)").arg(ran));
            const QString outputFile =
                ranDeployment->outputFileName.isEmpty() ? QStringLiteral("parallel_run_step.txt") : ranDeployment->outputFileName;
            const auto workspace = await<azure::Workspace>([&](QObject *context, auto done) { ws->ml().getWorkspace(context, done); });
            if (!workspace)
                return workspace.error();
            const QUrl tracking =
                ws->client->cloud().mlflowTrackingBase(workspace->id, workspace->location, workspace->mlFlowTrackingUri);
            const auto content = await<QByteArray>([&](QObject *context, auto done) {
                ws->ml().downloadArtifact(tracking, job->name + QStringLiteral("_score"),
                                          QStringLiteral("outputs/job_output/") + outputFile, context, done);
            });
            if (!content)
                return content.error();
            QFile f(parser.value(out));
            if (!f.open(QIODevice::WriteOnly) || f.write(content.value()) < 0)
                return AzureError::invalidInput(QStringLiteral("cannot write the file: %1").arg(f.errorString()));
            return Empty{};
        }();
        if (!saved) {
            printErr(QStringLiteral("pipeline batch-invoke: could not save the output to %1: %2").arg(parser.value(out), saved.error().toString()));
            return ExitFailure;
        }
    }
    return code;
}

} // namespace cerulean::cli
