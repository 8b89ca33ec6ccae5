#include "core/azure/batch_run.h"

#include <QRegularExpression>

namespace cerulean::azure {

namespace {

const char *const kAzureMlPrefix = "azureml:";
// Where a batch job's scoring step keeps the deployment's rows file (Azure ML's layout).
const char *const kJobOutputFolder = "outputs/job_output/";

QString withoutPrefix(const QString &text)
{
    return text.startsWith(QLatin1String(kAzureMlPrefix)) && !text.startsWith(QLatin1String("azureml://"))
               ? text.mid(static_cast<qsizetype>(qstrlen(kAzureMlPrefix)))
               : text;
}

std::optional<AzureError> atLeast(int value, int minimum, const char *field)
{
    if (value >= minimum)
        return std::nullopt;
    return AzureError::invalidInput(QStringLiteral("%1: at least %2, not %3.").arg(QLatin1String(field)).arg(minimum).arg(value));
}

Result<QString> outputFileName(const QString &text)
{
    const QString name = text.trimmed();
    if (name.isEmpty())
        return QString::fromLatin1(kBatchOutputFileName);
    if (name.contains(QLatin1Char('/')) || name.contains(QLatin1Char('\\')) || name.contains(QChar(0)) ||
        name == QLatin1String(".") || name == QLatin1String(".."))
        return AzureError::invalidInput(QStringLiteral("output file: '%1' is a file name, without folders.").arg(name));
    return name;
}

} // namespace

QString modelReferenceHint() { return QStringLiteral("azureml:name:version"); }

QString batchInputHint() { return QStringLiteral("azureml:name:version, a CSV file or a folder of CSV files"); }

Result<QString> modelVersionId(const QString &text, const WorkspaceRef &ws)
{
    const QString model = text.trimmed();
    if (model.isEmpty())
        return AzureError::invalidInput(QStringLiteral("model: choose a registered model (%1).").arg(modelReferenceHint()));
    if (model.startsWith(QLatin1String("azureml://")))
        return model;
    static const QRegularExpression armId(QStringLiteral("^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
                                                         "Microsoft\\.MachineLearningServices/workspaces/[^/]+/models/[^/]+/"
                                                         "versions/[^/]+$"),
                                          QRegularExpression::CaseInsensitiveOption);
    if (armId.match(model).hasMatch())
        return model;
    static const QRegularExpression nameVersion(QStringLiteral("^([A-Za-z0-9][A-Za-z0-9_.-]*):([0-9]+)$"));
    const auto match = nameVersion.match(withoutPrefix(model));
    if (!match.hasMatch())
        return AzureError::invalidInput(
            QStringLiteral("model: '%1' is not %2, name:version or a model version's id.").arg(model, modelReferenceHint()));
    return QString(ws.armId() + QStringLiteral("/models/%1/versions/%2").arg(match.captured(1), match.captured(2)));
}

Result<QString> computeId(const QString &text, const WorkspaceRef &ws)
{
    const QString compute = withoutPrefix(text.trimmed());
    if (compute.isEmpty())
        return AzureError::invalidInput(QStringLiteral("compute: a compute cluster name is required."));
    if (compute.startsWith(QLatin1Char('/')))
        return compute;
    static const QRegularExpression name(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_-]*$"));
    if (!name.match(compute).hasMatch())
        return AzureError::invalidInput(
            QStringLiteral("compute: '%1' is not a cluster name (letters, digits, '-' and '_').").arg(text.trimmed()));
    return QString(ws.armId() + QStringLiteral("/computes/") + compute);
}

Result<BatchDeploymentSpec> batchDeploymentSpec(const BatchRunRequest &request, const WorkspaceRef &ws)
{
    BatchDeploymentSpec spec;
    spec.endpointName = request.endpoint.trimmed();
    spec.name = request.deployment.trimmed();
    if (spec.endpointName.isEmpty())
        return AzureError::invalidInput(QStringLiteral("endpoint: a batch endpoint name is required."));
    if (spec.name.isEmpty())
        return AzureError::invalidInput(QStringLiteral("deployment: a deployment name is required."));
    const auto model = modelVersionId(request.model, ws);
    if (!model)
        return model.error();
    const auto compute = computeId(request.compute, ws);
    if (!compute)
        return compute.error();
    for (const auto &error : {atLeast(request.miniBatchSize, 1, "mini-batch size"), atLeast(request.instanceCount, 1, "instances"),
                              atLeast(request.errorThreshold, -1, "error threshold"), atLeast(request.maxRetries, 0, "retries")})
        if (error)
            return *error;
    const auto file = outputFileName(request.outputFileName);
    if (!file)
        return file.error();
    spec.modelId = model.value();
    spec.compute = compute.value();
    spec.location = request.location.trimmed();
    spec.miniBatchSize = request.miniBatchSize;
    spec.instanceCount = request.instanceCount;
    spec.errorThreshold = request.errorThreshold;
    spec.maxRetries = request.maxRetries;
    // One mini-batch at a time per instance (what the service assumes when none is named);
    // the instances are the parallelism.
    spec.maxConcurrencyPerInstance = 1;
    spec.outputFileName = file.value();
    return spec;
}

Result<BatchInput> batchRunInput(const BatchRunRequest &request)
{
    const QString text = request.input.trimmed();
    if (text.isEmpty())
        return AzureError::invalidInput(QStringLiteral("input: choose %1.").arg(batchInputHint()));
    QString error;
    const auto input = resolveBatchInput(text, request.inputType, &error);
    if (!input)
        return AzureError::invalidInput(QStringLiteral("input: %1.").arg(error));
    return *input;
}

BatchRun::BatchRun(PipelineOperations operations, BatchRunOptions options, QObject *parent)
    : QObject(parent)
    , m_operations(std::move(operations))
    , m_options(options)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(m_options.pollInterval);
    connect(&m_timer, &QTimer::timeout, this, &BatchRun::pollJob);
}

bool BatchRun::succeeded() const
{
    if (!isDone() || m_error.isError())
        return false;
    return m_job.name.isEmpty() || !m_options.followJob || m_progress.status == QLatin1String("Completed");
}

void BatchRun::deployAndScore(const BatchDeploymentSpec &spec, const BatchInput &input)
{
    m_input = input;
    begin(spec, true);
}

void BatchRun::deploy(const BatchDeploymentSpec &spec) { begin(spec, false); }

void BatchRun::score(const QString &endpoint, const BatchInput &input, const QString &deployment)
{
    m_endpoint = endpoint;
    m_deployment = deployment;
    m_input = input;
    invoke();
}

void BatchRun::begin(const BatchDeploymentSpec &spec, bool thenScore)
{
    m_spec = spec;
    m_endpoint = spec.endpointName;
    m_deployment = spec.name;
    m_scoreAfterDeploy = thenScore;
    if (!m_spec.location.isEmpty())
        return createEndpoint();
    // A batch endpoint lives in its workspace's region.
    setStage(Stage::ReadingWorkspace, tr("Reading the workspace's region…"));
    m_operations.getWorkspace(this, [this](Result<Workspace> workspace) {
        if (!workspace)
            return finish(workspace.error());
        m_spec.location = workspace->location;
        createEndpoint();
    });
}

template <class T>
void BatchRun::watch(Operation<T> *operation, void (BatchRun::*next)())
{
    connect(operation, &OperationBase::progressed, this, &BatchRun::operationProgressed);
    connect(operation, &OperationBase::finished, this, [this, operation, next] {
        operation->deleteLater();
        if (operation->state() != OperationState::Succeeded)
            return finish(operation->error());
        (this->*next)();
    });
}

void BatchRun::createEndpoint()
{
    setStage(Stage::CreatingEndpoint, tr("Creating the batch endpoint %1…").arg(m_spec.endpointName));
    watch(m_operations.createBatchEndpoint(m_spec.endpointName, m_spec.location, tr("Batch scoring"), m_spec.name, this),
          &BatchRun::createDeployment);
}

void BatchRun::createDeployment()
{
    setStage(Stage::CreatingDeployment, tr("Creating the deployment %1…").arg(m_spec.name));
    auto *operation = m_operations.createBatchDeployment(m_spec, this);
    if (m_scoreAfterDeploy)
        watch(operation, &BatchRun::invoke);
    else
        watch(operation, &BatchRun::deployed);
}

void BatchRun::deployed() { finish(); }

void BatchRun::invoke()
{
    setStage(Stage::StartingJob, tr("Starting the batch job over %1…").arg(m_input->uri));
    // The endpoint's scoring URI takes the invocation, as on Azure.
    m_operations.getBatchEndpoint(m_endpoint, this, [this](Result<BatchEndpoint> endpoint) {
        if (!endpoint)
            return finish(endpoint.error());
        m_operations.invokeBatchEndpoint(endpoint->scoringUri, m_input->uri, m_input->isFolder, m_deployment, this,
                                         [this](Result<Job> job) {
                                             if (!job)
                                                 return finish(job.error());
                                             m_job = job.value();
                                             m_progress = batchProgress(m_job);
                                             Q_EMIT jobStarted(m_job.name);
                                             if (!m_options.followJob)
                                                 return finish();
                                             setStage(Stage::Scoring, tr("Batch job %1 is %2.").arg(m_job.name, m_job.status));
                                             pollJob();
                                         });
    });
}

void BatchRun::pollJob()
{
    m_operations.batchProgress(m_job.name, this, [this](Result<BatchJobProgress> progress) {
        if (!progress)
            return finish(progress.error());
        m_progress = progress.value();
        Q_EMIT progressed(m_progress);
        if (m_progress.isTerminal())
            return finish();
        m_timer.start();
    });
}

void BatchRun::setStage(Stage stage, const QString &description)
{
    m_stage = stage;
    Q_EMIT stageChanged(stage, description);
}

void BatchRun::finish(const AzureError &error)
{
    m_timer.stop();
    m_error = error;
    const QString description = error.isError() ? error.toString()
                                : m_job.name.isEmpty() ? tr("Deployed %1 on %2.").arg(m_deployment, m_endpoint)
                                                       : tr("Batch job %1 is %2.").arg(m_job.name, m_progress.status);
    setStage(Stage::Finished, description);
    Q_EMIT finished();
}

void BatchRun::fetchOutput(QObject *context, Done<QByteArray> done) const
{
    if (m_job.name.isEmpty()) {
        done(AzureError::invalidInput(QStringLiteral("no batch job has run yet")));
        return;
    }
    const PipelineOperations ops = m_operations;
    const Job job = m_job;
    const QString endpoint = m_endpoint;
    // The file the deployment that ran the job names: the one invoked, else the one the
    // service recorded on the job, else the endpoint's default (what Azure runs).
    const auto download = [=](const QString &deployment) {
        ops.getBatchDeployment(endpoint, deployment, context, [=](Result<BatchDeployment> ran) {
            if (!ran)
                return done(ran.error());
            if (ran->outputAction.compare(QLatin1String("SummaryOnly"), Qt::CaseInsensitive) == 0)
                return done(AzureError::invalidInput(
                    QStringLiteral("the deployment %1 writes no output file (its output action is SummaryOnly)").arg(deployment)));
            const QString file = ran->outputFileName.isEmpty() ? QString::fromLatin1(kBatchOutputFileName) : ran->outputFileName;
            ops.listSteps(job.name, context, [=](Result<QList<Job>> steps) {
                if (!steps)
                    return done(steps.error());
                for (const Job &step : steps.value())
                    if (pipelineStep(step).type == QLatin1String("parallel"))
                        return ops.downloadJobArtifact(step.name, QLatin1String(kJobOutputFolder) + file, context, done);
                done(AzureError::invalidInput(QStringLiteral("the batch job %1 has no scoring step").arg(job.name)));
            });
        });
    };
    QString deployment = m_deployment;
    if (deployment.isEmpty())
        deployment = job.properties.value(QStringLiteral("azureml.batchDeployment"));
    if (!deployment.isEmpty())
        return download(deployment);
    ops.getBatchEndpoint(endpoint, context, [=](Result<BatchEndpoint> found) {
        if (!found)
            return done(found.error());
        if (found->defaultDeployment.isEmpty())
            return done(AzureError::invalidInput(
                QStringLiteral("the endpoint %1 has no default deployment to read the output file name from").arg(endpoint)));
        download(found->defaultDeployment);
    });
}

} // namespace cerulean::azure
