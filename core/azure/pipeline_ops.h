#pragma once

// Published pipelines and their REST trigger, schedule listing and history, a pipeline run's
// steps, and batch job progress: typed requests, parsers and one asynchronous client.
//
// A published pipeline is Azure ML's pipeline endpoint: the workspace's data-plane host (the
// one MLflow lives on) answers /pipelines/v1.0/{workspace ARM id}/PipelineEndpoints, and the
// endpoint's Url takes POST {"ExperimentName", "ParameterAssignments"} with a Bearer token.

#include "core/azure/ml_client.h"

#include <QVariant>
#include <optional>

namespace cerulean::azure {

// A published pipeline: a snapshot of a pipeline job's definition behind a trigger URL.
struct PipelineEndpoint
{
    QString id, name, description, status, pipelineJobName;
    int version = 0;
    QMap<QString, QString> parameters; // name -> default
    QUrl url;                          // the REST trigger
    bool isActive() const { return status == QLatin1String("Active"); }
};

struct PipelineEndpointSpec
{
    QString name;
    QString pipelineJobName; // the pipeline job whose definition is published
    QString description;
};

// What a trigger call sends. Numbers and booleans stay JSON numbers and booleans.
struct PipelineSubmission
{
    QString experimentName;
    QMap<QString, QVariant> parameterAssignments;
    QString displayName, description; // optional
};

// The trigger's answer: the run it started.
struct PipelineRunStarted
{
    QString runId, experimentName, status, pipelineEndpointId;
    QUrl statusUrl;
};

// One occurrence of a schedule: the run it started, or why it started none.
struct ScheduleRun
{
    QString scheduledTime;  // ISO 8601, UTC
    QString status;         // Started, Skipped or Failed
    QString jobName;        // Started only
    QString jobStatus;      // the run's status now (Started only)
    QString reason;         // Skipped or Failed
};

// A row a batch job could not score, with why.
struct FailedRow
{
    qint64 line = 0; // 1-based line of the input file (the header is line 1)
    QString reason;
    QString file;    // the file of a folder input the line is in; empty for a single file
};

// How far a batch scoring job is, read from the job's properties.
struct BatchJobProgress
{
    QString jobName, status, error;
    qint64 miniBatchesCompleted = 0, miniBatchesTotal = 0;
    qint64 rowsProcessed = 0, rowsTotal = 0, rowsFailed = 0;
    int errorThreshold = -1, miniBatchSize = 0, instanceCount = 0, maxRetries = 0;
    QList<FailedRow> failedRows; // the first ones with their reasons
    qint64 failedRowsNotListed = 0; // failures beyond those listed
    bool known = false;             // the job reported batch progress at all
    bool isTerminal() const;
    double fraction() const { return rowsTotal > 0 ? double(rowsProcessed) / double(rowsTotal) : 0.0; }
};

Result<PipelineEndpoint> parsePipelineEndpoint(const QByteArray &body);
Result<QList<PipelineEndpoint>> parsePipelineEndpoints(const QByteArray &body);
Result<PipelineRunStarted> parsePipelineRunStarted(const QByteArray &body);
Result<QList<ScheduleRun>> parseScheduleHistory(const QByteArray &body);
// A pipeline job's input: a literal parameter (its value) or data (its URI).
struct PipelineJobInput
{
    QString name, type, value; // type: literal, uri_file, uri_folder, mltable …
    bool isLiteral() const { return type == QLatin1String("literal"); }
    friend bool operator==(const PipelineJobInput &, const PipelineJobInput &) = default;
};

// A pipeline job's output: where it went, and the model version it registered (if any).
struct PipelineJobOutput
{
    QString name, uri, assetName, assetVersion;
    friend bool operator==(const PipelineJobOutput &, const PipelineJobOutput &) = default;
};

// A pipeline job as the Pipelines step and `pipeline show` present it.
struct PipelineJob
{
    QString name, status, experimentName, displayName;
    QString parentJobName; // set on a step's child job
    QString error;         // why it failed
    QMap<QString, QString> properties; // the service's (azureml.batch.* progress among them)
    QList<PipelineJobInput> inputs;
    QList<PipelineJobOutput> outputs; // the service's "default" output left out
    QByteArray document;              // the whole GET body: its steps, the definition a new run starts from
    bool isTerminal() const;
    // The same job in the same state: what a page shows of it has not changed (the document's
    // bytes may differ between a list and a GET).
    bool sameState(const PipelineJob &other) const;
};
Result<PipelineJob> parsePipelineJob(const QByteArray &body);

// One step of a pipeline run (a child job): its name in the pipeline, its type, status and outputs.
struct PipelineStep
{
    QString name;    // "train"
    QString type;    // automl, command, parallel
    QString status;
    QString jobName; // the child job
    QString error;
    bool reused = false;   // its outputs are an earlier run's (azureml.isreused)
    QString logJob;        // the job whose log is the step's: for a reused step, the one that made its outputs
    QMap<QString, QString> outputs; // name -> uri ("default" left out)
    bool isTerminal() const;
};
PipelineStep pipelineStep(const Job &child);

// Batch progress from a job (its properties; the azureml.batch.* keys of the local service).
BatchJobProgress batchProgress(const Job &job);
BatchJobProgress batchProgress(const PipelineJob &job);
// "line 3 (bad value); line 9 (missing column); and 4 more" -> rows and the count not listed;
// a folder input's rows read "part2.csv line 3 (bad value)".
std::pair<QList<FailedRow>, qint64> parseFailedRowDetails(const QString &details);

// What a batch job reads, from what a user typed. A local file or folder goes by its absolute
// path (the local service reads this machine's files); anything else is a URI, taken as a folder
// when it ends with a slash, as Azure writes folder paths
// (azureml://datastores/workspaceblobstore/paths/batch/). `type` "uri_file" or "uri_folder"
// says which it is outright; "" guesses as above. A type that is neither, or that contradicts
// the local path, is an error (nullopt, *error says why).
struct BatchInput
{
    QString uri;
    bool isFolder = false;
};
std::optional<BatchInput> resolveBatchInput(const QString &text, const QString &type, QString *error);

// A pipeline job (its GET body) as a new job or a schedule's CreateJob action takes it (the
// "properties" object): the service's read-only fields dropped, and the outputs without the
// URIs and asset versions its run was given. An error naming the problem when it is not a
// pipeline job.
Result<QByteArray> pipelineJobDefinition(const QByteArray &jobBody);

// A ready-to-run curl call of a published pipeline's trigger. The token is the shell variable
// $TOKEN: no secret is ever put in the text.
QString triggerCurlCommand(const QUrl &triggerUrl, const PipelineSubmission &submission);
// The shell line that puts an access token for the trigger in $TOKEN: Azure CLI on Azure; on
// the local workspace cerulean-cli signing in as its built-in principal (its root: localRoot,
// a placeholder when empty).
QString tokenCommand(const Cloud &cloud, const QString &localRoot = {});

namespace requests {
// The published pipelines' API root of a workspace: {data-plane host}/pipelines/v1.0/{ws ARM id}.
// location: the workspace's region (Azure only).
QUrl pipelinesBase(const Cloud &cloud, const WorkspaceRef &ws, const QString &location);
HttpRequest publishPipeline(const QUrl &pipelinesBase, const PipelineEndpointSpec &spec);
HttpRequest getPipelineEndpoint(const QUrl &pipelinesBase, const QString &name);
HttpRequest listPipelineEndpoints(const QUrl &pipelinesBase);
HttpRequest triggerPipeline(const QUrl &triggerUrl, const PipelineSubmission &submission);
HttpRequest listSchedules(const Cloud &cloud, const WorkspaceRef &ws);
// The local service's record of every occurrence (started, skipped, failed).
HttpRequest scheduleHistory(const Cloud &cloud, const WorkspaceRef &ws, const QString &name);
// Jobs a schedule created (Azure's Jobs_List scheduleId filter).
HttpRequest listJobsOfSchedule(const Cloud &cloud, const WorkspaceRef &ws, const QString &scheduleName);
// The step jobs of a pipeline run.
HttpRequest listChildJobs(const Cloud &cloud, const WorkspaceRef &ws, const QString &parentJobName);
// The workspace's pipeline jobs (Jobs_List's jobType filter).
HttpRequest listPipelineJobs(const Cloud &cloud, const WorkspaceRef &ws);
// A pipeline job from a definition (the body's "properties" object, as pipelineJobDefinition
// gives it or a pipeline file holds it), PUT as a new job `name`. An error naming the problem
// when the definition is not a JSON object.
Result<HttpRequest> submitPipelineJob(const Cloud &cloud, const WorkspaceRef &ws, const QString &name,
                                      const QByteArray &definition);
} // namespace requests

struct PipelineOperationsOptions
{
    QString location; // the workspace's region; Azure only (the data-plane host)
};

// Publishing and triggering pipelines, schedules and their history, steps and batch progress
// for one workspace, on any ARM-authenticated request pipeline (the client's, or the GUI
// session's). Every call reports once on `context`'s thread, a typed value or an AzureError.
class PipelineOperations final
{
public:
    PipelineOperations(std::shared_ptr<const HttpPipeline> pipeline, Cloud cloud, WorkspaceRef workspace,
                       PipelineOperationsOptions options = {});
    explicit PipelineOperations(const MachineLearningClient &client, PipelineOperationsOptions options = {});

    QUrl pipelinesBase() const;
    const Cloud &cloud() const { return m_cloud; }
    const WorkspaceRef &workspace() const { return m_ws; }

    // The workspace itself (its region, its MLflow tracking URI).
    void getWorkspace(QObject *context, Done<Workspace> done) const;

    void publish(const PipelineEndpointSpec &spec, QObject *context, Done<PipelineEndpoint> done) const;
    void getEndpoint(const QString &name, QObject *context, Done<PipelineEndpoint> done) const;
    void listEndpoints(QObject *context, Done<QList<PipelineEndpoint>> done) const;
    // POSTs the submission to a published pipeline's trigger URL (as any REST client would).
    void trigger(const QUrl &triggerUrl, const PipelineSubmission &submission, QObject *context,
                 Done<PipelineRunStarted> done) const;
    // Reads the endpoint by name, then triggers it.
    void triggerByName(const QString &endpoint, const PipelineSubmission &submission, QObject *context,
                       Done<PipelineRunStarted> done) const;

    void listSchedules(QObject *context, Done<QList<Schedule>> done) const;
    void createSchedule(const ScheduleSpec &spec, QObject *context, Done<Schedule> done) const;
    void setScheduleEnabled(const QString &name, bool enabled, QObject *context, Done<Schedule> done) const;
    // The occurrences of a schedule, oldest first: the service's history where it keeps one,
    // otherwise the jobs it created (Azure), each as a Started occurrence.
    void scheduleHistory(const QString &name, QObject *context, Done<QList<ScheduleRun>> done) const;

    // Submits a pipeline job from its definition (see requests::submitPipelineJob); the job as
    // the service took it.
    void submitPipelineJob(const QString &name, const QByteArray &definition, QObject *context, Done<Job> done) const;
    // A job's whole GET body, for what Job leaves out (its inputs, the outputs' assets, the
    // definition a new run starts from): YAML export, JSON output, runs from runs.
    void getJobDocument(const QString &name, QObject *context, Done<QByteArray> done) const;
    // Every page of the workspace's pipeline jobs and of its schedules, each item as its JSON body.
    void listPipelineJobDocuments(QObject *context, Done<QList<QByteArray>> done) const;
    void listScheduleDocuments(QObject *context, Done<QList<QByteArray>> done) const;

    // The workspace's pipeline jobs (not their steps), and one of them.
    void listPipelineJobs(QObject *context, Done<QList<PipelineJob>> done) const;
    void getPipelineJob(const QString &name, QObject *context, Done<PipelineJob> done) const;

    void listSteps(const QString &pipelineJob, QObject *context, Done<QList<Job>> done) const;
    // A file a job wrote (outputs/…, user_logs/std_log.txt), through the workspace's MLflow
    // artifact route (the workspace is read first for its tracking URI).
    void downloadJobArtifact(const QString &job, const QString &path, QObject *context, Done<QByteArray> done) const;
    void batchProgress(const QString &job, QObject *context, Done<BatchJobProgress> done) const;

    // Batch endpoints, as MachineLearningClient has them, on this request pipeline.
    Operation<BatchEndpoint> *createBatchEndpoint(const QString &name, const QString &location, const QString &description,
                                                  const QString &defaultDeployment, QObject *parent) const;
    Operation<BatchDeployment> *createBatchDeployment(const BatchDeploymentSpec &spec, QObject *parent) const;
    void getBatchEndpoint(const QString &name, QObject *context, Done<BatchEndpoint> done) const;
    void getBatchDeployment(const QString &endpoint, const QString &name, QObject *context, Done<BatchDeployment> done) const;
    // Starts a batch job over one file (JobInputType UriFile) …
    void invokeBatchEndpoint(const QUrl &scoringUri, const QString &inputUri, const QString &deployment, QObject *context,
                             Done<Job> done) const;
    // … or over a file or a folder of files (UriFolder), as `inputIsFolder` says.
    void invokeBatchEndpoint(const QUrl &scoringUri, const QString &inputUri, bool inputIsFolder, const QString &deployment,
                             QObject *context, Done<Job> done) const;

private:
    std::shared_ptr<const HttpPipeline> m_pipeline;
    Cloud m_cloud;
    WorkspaceRef m_ws;
    PipelineOperationsOptions m_options;
};

} // namespace cerulean::azure
