#pragma once

// A batch run: what a user typed (a model, a compute cluster, an input file, folder or URI) read
// once into a batch deployment and its input; the endpoint and the deployment created; the
// endpoint invoked over the input; the job followed to its end; its rows file fetched. The
// Pipelines step's Batch tab and `cerulean-cli pipeline batch-deploy` / `batch-invoke` both run
// one.

#include "core/azure/batch_defaults.h"
#include "core/azure/pipeline_ops.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>

namespace cerulean::azure {

// A batch run as a user asks for it, every field as typed.
struct BatchRunRequest
{
    QString endpoint;   // the batch endpoint's name (created when new)
    QString deployment; // the deployment's name
    QString model;      // modelReferenceHint(), "name:version", or a model version's ARM id
    QString compute;    // a compute cluster's name, "azureml:name", or its ARM id
    QString input;      // batchInputHint(): a local file or folder, a data asset or a URI
    QString inputType;  // "" (a folder if it is one here or ends with /), uri_file or uri_folder
    int miniBatchSize = 10;
    int instanceCount = 1;
    int errorThreshold = -1; // failed rows tolerated; -1: any
    int maxRetries = 3;
    QString outputFileName; // empty: kBatchOutputFileName
    QString location;       // the endpoint's region; empty: the workspace's
};

// How forms say what the fields take (the formats the readers below accept).
QString modelReferenceHint();
QString batchInputHint();

// The ARM id of a model version a user named: "azureml:name:version", "name:version", or an
// ARM id as it is; an azureml:// URI (a registry's model) is kept as it is.
Result<QString> modelVersionId(const QString &text, const WorkspaceRef &ws);
// The ARM id of a compute cluster named by its name, "azureml:name", or its ARM id.
Result<QString> computeId(const QString &text, const WorkspaceRef &ws);
// The deployment a request describes: names, model and compute ids, mini-batch size, instances
// (one mini-batch at a time each), error threshold, retries and the rows file. An error whose
// message starts with the field it is about.
Result<BatchDeploymentSpec> batchDeploymentSpec(const BatchRunRequest &request, const WorkspaceRef &ws);
// The input a request names (resolveBatchInput), or why it cannot be read.
Result<BatchInput> batchRunInput(const BatchRunRequest &request);

struct BatchRunOptions
{
    // Between two reads of the job's progress.
    std::chrono::milliseconds pollInterval{500};
    // Follow the job to its end; false: finish once the service has started it.
    bool followJob = true;
};

// Runs one batch request. Its stages come in order, each reported by stageChanged; the
// endpoint's and the deployment's operations report their polls (operationProgressed) and the
// job its progress (progressed); finished() comes once, at the end or at the first error. What
// it sends uses this object as context: deleting it drops the answers still on their way.
class BatchRun final : public QObject
{
    Q_OBJECT

public:
    enum class Stage
    {
        NotStarted,
        ReadingWorkspace,   // for the endpoint's region
        CreatingEndpoint,
        CreatingDeployment,
        StartingJob,
        Scoring,
        Finished, // done: see error() and progress().status
    };
    Q_ENUM(Stage)

    explicit BatchRun(PipelineOperations operations, BatchRunOptions options = {}, QObject *parent = nullptr);

    // Creates or updates the endpoint and the deployment, then scores the input with it.
    void deployAndScore(const BatchDeploymentSpec &spec, const BatchInput &input);
    // Creates or updates the endpoint and the deployment only.
    void deploy(const BatchDeploymentSpec &spec);
    // Scores the input with an endpoint that exists (deployment: "" for its default one).
    void score(const QString &endpoint, const BatchInput &input, const QString &deployment = {});
    // The rows file of the job, once it has completed: the deployment's output file of its
    // scoring step. An error when the deployment writes none (SummaryOnly).
    void fetchOutput(QObject *context, Done<QByteArray> done) const;

    Stage stage() const { return m_stage; }
    bool isDone() const { return m_stage == Stage::Finished; }
    // Finished with no error and, when a job was followed, the job Completed.
    bool succeeded() const;
    // Why the run stopped (a refused request, a failed operation); kind None otherwise.
    const AzureError &error() const { return m_error; }
    // The job it started ("" before) and its last progress.
    QString jobName() const { return m_job.name; }
    const BatchJobProgress &progress() const { return m_progress; }

Q_SIGNALS:
    // A new stage, with a sentence that says what is being done ("Creating the deployment main…").
    void stageChanged(cerulean::azure::BatchRun::Stage stage, const QString &description);
    void operationProgressed(const cerulean::azure::OperationProgress &progress);
    void jobStarted(const QString &job);
    void progressed(const cerulean::azure::BatchJobProgress &progress);
    void finished();

private:
    void begin(const BatchDeploymentSpec &spec, bool thenScore);
    void createEndpoint();
    void createDeployment();
    void deployed();
    void invoke();
    void pollJob();
    void setStage(Stage stage, const QString &description);
    void finish(const AzureError &error = {});
    template <class T>
    void watch(Operation<T> *operation, void (BatchRun::*next)());

    PipelineOperations m_operations;
    BatchRunOptions m_options;
    QTimer m_timer;
    Stage m_stage = Stage::NotStarted;
    BatchDeploymentSpec m_spec;
    std::optional<BatchInput> m_input;
    bool m_scoreAfterDeploy = false;
    QString m_endpoint, m_deployment;
    Job m_job;
    BatchJobProgress m_progress;
    AzureError m_error;
};

} // namespace cerulean::azure
