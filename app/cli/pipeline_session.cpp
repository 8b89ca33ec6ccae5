// The connection of the `pipeline` verbs to the workspace, and how they wait for and print
// pipeline jobs (pipeline_session.h).

#include "app/cli/pipeline_session.h"

#include "core/azure/job_submission.h"
#include "core/azure/pipeline_spec.h"
#include "core/local/store.h"

#include <iostream>

namespace cerulean::cli::pipeline {

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

QString errorOf(const QJsonObject &job)
{
    return job.value(QStringLiteral("properties")).toObject().value(QStringLiteral("properties")).toObject().value(QStringLiteral("azureml.error")).toString();
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

Result<QByteArray> jobDefinition(const PipelineOperations &pipelines, const QString &name)
{
    const auto body = await<QByteArray>([&](QObject *context, auto done) { pipelines.getJobDocument(name, context, done); });
    if (!body)
        return body.error();
    return pipelineJobDefinition(body.value());
}

QByteArray compact(const QJsonObject &o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

QJsonArray documentArray(const QList<QByteArray> &items)
{
    QJsonArray out;
    for (const QByteArray &item : items)
        out.append(QJsonDocument::fromJson(item).object());
    return out;
}

std::optional<QJsonObject> assignments(const QStringList &sets)
{
    const auto parsed = parameterAssignments(sets);
    if (!parsed) {
        printErr(QStringLiteral("pipeline: --set: %1").arg(parsed.error().message));
        return std::nullopt;
    }
    return parsed.value();
}

QString status(const QJsonObject &job) { return job.value(QStringLiteral("properties")).toObject().value(QStringLiteral("status")).toString(); }

PipelineRunOptions waitOptions(int intervalMs)
{
    PipelineRunOptions options;
    options.pollInterval = std::chrono::milliseconds(intervalMs);
    // The summary printed at the end reads the steps itself.
    options.followSteps = false;
    options.readStepLogs = false;
    return options;
}

bool followRun(PipelineRun &run, bool quiet, bool untilSubmitted, const std::function<void()> &start)
{
    QEventLoop loop;
    QString last;
    QObject::connect(&run, &PipelineRun::jobRead, &loop, [&] {
        const BatchJobProgress progress = batchProgress(*run.job());
        const QString rows = progress.known ? QStringLiteral(" (%1/%2 rows, %3 failed)")
                                                  .arg(progress.rowsProcessed)
                                                  .arg(progress.rowsTotal)
                                                  .arg(progress.rowsFailed)
                                            : QString();
        const QString line = progress.status + rows;
        if (!quiet && line != last)
            printErr(QStringLiteral("  ") + line);
        last = line;
    });
    if (untilSubmitted)
        QObject::connect(&run, &PipelineRun::submitted, &loop, &QEventLoop::quit);
    QObject::connect(&run, &PipelineRun::finished, &loop, &QEventLoop::quit);
    start();
    if (!run.isDone())
        loop.exec();
    return !run.error().isError();
}

std::optional<QJsonObject> waitJob(const PipelineOperations &pipelines, const QString &name, int intervalMs, bool quiet)
{
    PipelineRun run(pipelines, waitOptions(intervalMs));
    if (!followRun(run, quiet, false, [&] { run.follow(name); })) {
        printErr(QStringLiteral("error: ") + run.error().toString());
        return std::nullopt;
    }
    return QJsonDocument::fromJson(run.job()->document).object();
}

std::optional<QString> localPrincipalSecret(const QString &tenant, const QString &clientId)
{
    const SecretStore secrets;
    auto secret = await<QString>([&](QObject *context, auto done) {
        secrets.read(SecretStore::servicePrincipalKey(tenant, clientId), context, done);
    });
    if (!secret) {
        printErr(QStringLiteral("pipeline: the local workspace's principal secret is not in the keychain (%1); start the "
                                "service with `cerulean-cli local-service` in a session with a keychain, or press 'Let the "
                                "command line sign in' on the app's Pipelines step.")
                     .arg(secret.error().message));
        return std::nullopt;
    }
    return secret.value();
}

std::optional<Workspace> connectWorkspace(const QCommandLineParser &parser, const PipelineOptions &pipeline)
{
    const WorkspaceOptions &options = pipeline.workspace;
    const QCommandLineOption &url = pipeline.url, &localRoot = pipeline.localRoot, &tokenStdin = pipeline.tokenStdin;
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

std::optional<PipelineSession> PipelineSession::open(const PipelineCall &call)
{
    auto ws = connectWorkspace(call.parser, call.options);
    if (!ws)
        return std::nullopt;
    const PipelineOperations pipelines = ws->pipelines();
    return PipelineSession{call, *ws, pipelines, call.isSet(call.options.workspace.json),
                           std::max(20, call.value(call.options.interval).toInt())};
}

int PipelineSession::finish(const QString &job) const
{
    if (!call.isSet(call.options.wait)) {
        printOut(job);
        return ExitOk;
    }
    const auto done = waitJob(pipelines, job, pollMs, json);
    if (!done)
        return ExitFailure;
    printJob(*done);
    return status(*done) == QLatin1String("Completed") ? ExitOk : ExitFailure;
}

int PipelineSession::submit(const QJsonObject &definition) const
{
    const bool wait = call.isSet(call.options.wait);
    PipelineRun run(pipelines, waitOptions(pollMs));
    if (!followRun(run, json, !wait, [&] { run.submit(call.name, compact(definition)); }))
        return failWith(run.error());
    if (!wait) {
        printOut(call.name);
        return ExitOk;
    }
    const QJsonObject job = QJsonDocument::fromJson(run.job()->document).object();
    printJob(job);
    return status(job) == QLatin1String("Completed") ? ExitOk : ExitFailure;
}

int PipelineSession::submit(const JobDefinition &job, const QString &name) const
{
    const auto created = await<Job>([&](QObject *context, auto done) { submitJob(ws.ml(), job, name, context, done); });
    return created ? finish(name) : failWith(created.error());
}

void PipelineSession::printJob(const QJsonObject &job) const
{
    if (json)
        printJson(job);
    else
        printJobSummary(ws, job);
}

} // namespace cerulean::cli::pipeline
