#pragma once

// What the `cerulean-cli pipeline` verbs (cmd_pipeline.cpp) share: the options, the parsed
// command line, the connection to the workspace (the local service or Azure), and waiting for
// and printing pipeline jobs.

#include "app/cli/azure_cli.h"

#include "core/azure/job_yaml.h"
#include "core/azure/pipeline_ops.h"
#include "core/azure/pipeline_run.h"

#include <QJsonArray>
#include <QJsonObject>

#include <memory>
#include <optional>

namespace cerulean::cli::pipeline {

// Every option of `pipeline`; each verb's table row names those it takes.
struct PipelineOptions final
{
    WorkspaceOptions workspace;
    QCommandLineOption url{QStringLiteral("url"), QStringLiteral("Workspace service base URL."), QStringLiteral("URL")};
    QCommandLineOption localRoot{QStringLiteral("local-root"), QStringLiteral("Local workspace root (sign in as its principal)."),
                                 QStringLiteral("DIR")};
    QCommandLineOption tokenStdin{QStringLiteral("token-stdin"), QStringLiteral("Read a bearer token from stdin.")};
    QCommandLineOption file{{QStringLiteral("f"), QStringLiteral("file")},
                            QStringLiteral("Pipeline job: az ml YAML (.yml, .yaml), or JSON (a REST body or its properties)."),
                            QStringLiteral("FILE")};
    QCommandLineOption from{QStringLiteral("from"), QStringLiteral("Pipeline job whose definition is used."), QStringLiteral("JOB")};
    QCommandLineOption set{QStringLiteral("set"), QStringLiteral("Parameter assignment NAME=VALUE (repeatable)."), QStringLiteral("K=V")};
    QCommandLineOption experiment{QStringLiteral("experiment"), QStringLiteral("Experiment name."), QStringLiteral("E")};
    QCommandLineOption wait{QStringLiteral("wait"), QStringLiteral("Wait until the job ends (exit 1 unless Completed).")};
    QCommandLineOption interval{QStringLiteral("interval-ms"), QStringLiteral("Status poll interval (default 200)."),
                                QStringLiteral("ms"), QStringLiteral("200")};
    QCommandLineOption out{QStringLiteral("out"), QStringLiteral("Output file."), QStringLiteral("FILE")};
    QCommandLineOption description{QStringLiteral("description"), QStringLiteral("Description."), QStringLiteral("D")};
    QCommandLineOption cron{QStringLiteral("cron"), QStringLiteral("Cron expression (5 fields)."), QStringLiteral("EXPR")};
    QCommandLineOption frequency{QStringLiteral("frequency"), QStringLiteral("Minute, Hour, Day, Week or Month."), QStringLiteral("F")};
    QCommandLineOption every{QStringLiteral("interval"), QStringLiteral("Recurrence interval (default 1)."), QStringLiteral("N"),
                             QStringLiteral("1")};
    QCommandLineOption hours{QStringLiteral("hours"), QStringLiteral("Hours (comma-separated)."), QStringLiteral("LIST")};
    QCommandLineOption minutes{QStringLiteral("minutes"), QStringLiteral("Minutes (comma-separated)."), QStringLiteral("LIST")};
    QCommandLineOption weekDays{QStringLiteral("week-days"), QStringLiteral("Week days (comma-separated names)."), QStringLiteral("LIST")};
    QCommandLineOption monthDays{QStringLiteral("month-days"), QStringLiteral("Days of the month (comma-separated)."), QStringLiteral("LIST")};
    QCommandLineOption start{QStringLiteral("start"), QStringLiteral("Start time (ISO 8601)."), QStringLiteral("T")};
    QCommandLineOption timeZone{QStringLiteral("time-zone"), QStringLiteral("Time zone (default UTC)."), QStringLiteral("Z"),
                                QStringLiteral("UTC")};
    QCommandLineOption disabled{QStringLiteral("disabled"), QStringLiteral("Create the schedule disabled.")};
    QCommandLineOption missedRuns{QStringLiteral("missed-runs"),
                                  QStringLiteral("After downtime: CatchUp or Skip (default: the service's)."), QStringLiteral("P")};
    QCommandLineOption deployment{QStringLiteral("deployment"), QStringLiteral("Batch deployment name."), QStringLiteral("D")};
    QCommandLineOption model{QStringLiteral("model"), QStringLiteral("Model (azureml:NAME:VERSION)."), QStringLiteral("M")};
    QCommandLineOption compute{QStringLiteral("compute"), QStringLiteral("Compute cluster name."), QStringLiteral("NAME")};
    QCommandLineOption miniBatch{QStringLiteral("mini-batch-size"), QStringLiteral("Rows per mini-batch (default 10)."),
                                 QStringLiteral("N"), QStringLiteral("10")};
    QCommandLineOption instances{QStringLiteral("instances"), QStringLiteral("Instance count (default 1)."), QStringLiteral("N"),
                                 QStringLiteral("1")};
    QCommandLineOption threshold{QStringLiteral("error-threshold"), QStringLiteral("Failed rows tolerated (-1 = any)."),
                                 QStringLiteral("N"), QStringLiteral("-1")};
    QCommandLineOption retries{QStringLiteral("max-retries"), QStringLiteral("Mini-batch retries (default 3)."), QStringLiteral("N"),
                               QStringLiteral("3")};
    QCommandLineOption input{QStringLiteral("input"), QStringLiteral("Input data URI, file or folder of CSV files."),
                             QStringLiteral("URI")};
    QCommandLineOption inputType{QStringLiteral("input-type"),
                                 QStringLiteral("uri_file or uri_folder (default: a folder if a local folder or a URI ending in /)."),
                                 QStringLiteral("TYPE")};

    // The options of every verb: the workspace and how to reach it.
    QList<QCommandLineOption> common() const
    {
        return {workspace.config, workspace.subscription, workspace.resourceGroup, workspace.workspace, workspace.json,
                url, localRoot, tokenStdin};
    }
};

// What a verb runs with: the parsed command line.
struct PipelineCall final
{
    const QCommandLineParser &parser;
    const PipelineOptions &options;
    QString verb;
    QString name; // the job, endpoint or schedule the verb acts on

    bool isSet(const QCommandLineOption &option) const { return parser.isSet(option); }
    QString value(const QCommandLineOption &option) const { return parser.value(option); }
    // A required option: false (and why on stderr) when it is missing.
    bool needs(const QCommandLineOption &option) const
    {
        if (parser.isSet(option))
            return true;
        printErr(QStringLiteral("pipeline %1: --%2 is required.").arg(verb, option.names().first()));
        return false;
    }
};

// The workspace a verb acts on and the client that reaches it.
struct Workspace
{
    std::shared_ptr<azure::AzureClient> client;
    QString id; // workspace ARM id
    azure::WorkspaceRef ref;
    QString localRoot; // --local-root, for the token command printed with a curl call

    azure::MachineLearningClient ml() const { return azure::MachineLearningClient(client, ref); }
    azure::PipelineOperations pipelines() const { return azure::PipelineOperations(client->arm(), client->cloud(), ref); }
};

// With --url: the service there, signed in as the local root's principal or with a token from
// stdin; otherwise Azure as the signed-in identity. Nothing (and why on stderr) when it fails.
std::optional<Workspace> connectWorkspace(const QCommandLineParser &parser, const PipelineOptions &options);

// A verb's connection to the workspace, with what the verbs that start jobs share.
struct PipelineSession final
{
    const PipelineCall &call;
    Workspace ws;
    azure::PipelineOperations pipelines;
    bool json = false;
    int pollMs = 0;

    static std::optional<PipelineSession> open(const PipelineCall &call);
    // Prints the job's name; with --wait, waits for it and prints it (exit 1 unless Completed).
    int finish(const QString &job) const;
    // Submits the pipeline job named on the command line from `definition` (an azure::PipelineRun);
    // with --wait, follows it to its end and prints it (exit 1 unless Completed).
    int submit(const QJsonObject &definition) const;
    // Submits a job read from an az ml file as `name`, then finish().
    int submit(const azure::JobDefinition &job, const QString &name) const;
    // The job as JSON with --json, else its summary with its steps.
    void printJob(const QJsonObject &job) const;
};

// A job's GET body as an object; the service's error (code, message, request id) on stderr.
std::optional<QJsonObject> jobDocument(const azure::PipelineOperations &pipelines, const QString &name);
// The definition an existing pipeline job was made from: what `run` and `schedule-create`
// start a new job from.
azure::Result<QByteArray> jobDefinition(const azure::PipelineOperations &pipelines, const QString &name);
QByteArray compact(const QJsonObject &o);
// Items the typed list calls hand over as JSON bodies, as one array for --json output.
QJsonArray documentArray(const QList<QByteArray> &items);
// Parameter assignments from --set name=value (numbers stay numbers); why not on stderr.
std::optional<QJsonObject> assignments(const QStringList &sets);
QString status(const QJsonObject &job);
// A run that reads the job only (every intervalMs), for the verbs that wait.
azure::PipelineRunOptions waitOptions(int intervalMs);
// Calls start() (the run's submit or follow) and turns the event loop until the run has ended,
// or, with untilSubmitted, until the service took the job; prints status changes and batch
// progress to stderr unless quiet. False when a request failed (run.error()).
bool followRun(azure::PipelineRun &run, bool quiet, bool untilSubmitted, const std::function<void()> &start);
// Follows a job until it ends (followRun); the job's whole body at the end.
std::optional<QJsonObject> waitJob(const azure::PipelineOperations &pipelines, const QString &name, int intervalMs,
                                   bool quiet);
// The local workspace's built-in principal keeps its secret in the keychain (put there by
// `cerulean-cli local-service`), never in the root.
std::optional<QString> localPrincipalSecret(const QString &tenant, const QString &clientId);

} // namespace cerulean::cli::pipeline
