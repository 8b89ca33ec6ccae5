#include "ui/models/automl_job_controller.h"

#include "core/azure/ml_client.h"
#include "core/azure/requests.h"
#include "ui/models/dataset_async.h"
#include "ui/models/deploy_controller.h"
#include "ui/session.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QRegularExpression>
#include <QTimer>
#include <QUuid>

#include <algorithm>
#include <cmath>
#include <map>

namespace cerulean::ui {

namespace {

// The chart artifacts a child run has (core/automl/metrics.h chartsJson keys, one file each
// as the local service writes them; Azure writes confusion_matrix under the same name and
// the curves as counts in accuracy_table, which parseRunCharts turns into curves).
const QStringList &chartArtifactNames()
{
    static const QStringList names{QStringLiteral("confusion_matrix"),       QStringLiteral("roc_curve"),
                                   QStringLiteral("precision_recall_curve"), QStringLiteral("calibration_curve"),
                                   QStringLiteral("lift_curve"),             QStringLiteral("cumulative_gains_curve"),
                                   QStringLiteral("accuracy_table")};
    return names;
}

const QString kExplanationArtifact = QStringLiteral("outputs/explanation.json");
// With test data, each child run keeps its figures on the test rows apart from validation.
const QString kTestMetricsArtifact = QStringLiteral("outputs/test_metrics.json");
const QString kTestChartsFolder = QStringLiteral("test");

// {"name": body, …} of chart artifacts, as parseRunCharts reads a run's charts.
QByteArray chartsObject(const std::map<QString, QByteArray> &charts)
{
    QByteArray json = "{";
    for (const auto &[name, body] : charts) {
        if (json.size() > 1)
            json += ',';
        json += '"' + name.toUtf8() + "\":" + body;
    }
    json += '}';
    return json;
}

// An MLflow run that will not change any more (FINISHED, FAILED, KILLED).
bool hasEnded(const QString &status)
{
    return status != QLatin1String("RUNNING") && status != QLatin1String("SCHEDULED");
}

QString tr(const char *text)
{
    return AutoMLJobController::tr(text);
}

QString megabytes(qsizetype bytes)
{
    return QLocale().toString(double(bytes) / (1024.0 * 1024.0), 'f', 1);
}

// Names Azure accepts for data assets and jobs: letters, digits, '-' and '_', a letter first.
QString assetName(const QString &file)
{
    static const QRegularExpression invalid(QStringLiteral("[^A-Za-z0-9_-]+"));
    QString stem = QFileInfo(file).completeBaseName().replace(invalid, QStringLiteral("-"));
    if (stem.isEmpty() || !stem.at(0).isLetter())
        stem.prepend(QStringLiteral("data-"));
    constexpr int kMaxStem = 200;
    return stem.left(kMaxStem);
}

using ChartsByRun = std::map<QString, std::map<QString, QByteArray>>; // run id -> artifact -> body

struct Collected
{
    int pending = 0;
    int failures = 0;
    ChartsByRun charts;
    ChartsByRun testCharts; // the same on the test rows
    std::map<QString, QByteArray> testMetrics;                   // run id -> outputs/test_metrics.json
    QByteArray explanation;
};

} // namespace

QString restPrimaryMetric(const QString &engineMetric)
{
    // ClassificationPrimaryMetrics of the REST API; the other metrics are logged but cannot rank.
    static const std::map<QString, QString> names{
        {QStringLiteral("accuracy"), QStringLiteral("Accuracy")},
        {QStringLiteral("AUC_weighted"), QStringLiteral("AUCWeighted")},
        {QStringLiteral("norm_macro_recall"), QStringLiteral("NormMacroRecall")},
        {QStringLiteral("average_precision_score_weighted"), QStringLiteral("AveragePrecisionScoreWeighted")},
        {QStringLiteral("precision_score_weighted"), QStringLiteral("PrecisionScoreWeighted")}};
    const auto it = names.find(engineMetric);
    return it == names.end() ? QString() : it->second;
}

AutoMLJobPlan planJob(const AutoMLForm &form, bool azure)
{
    AutoMLJobPlan plan;
    plan.targetColumn = form.targetColumn;
    plan.primaryMetric = restPrimaryMetric(form.primaryMetric);
    if (plan.primaryMetric.isEmpty())
        plan.problems << tr("Primary metric: an AutoML job ranks by accuracy, AUC_weighted, norm_macro_recall, "
                            "average_precision_score_weighted or precision_score_weighted, not %1.")
                             .arg(form.primaryMetric);
    const auto minutes = std::max<qint64>(1, form.exitCriterion.count());
    plan.timeout = QStringLiteral("PT%1M").arg(minutes);
    constexpr std::chrono::minutes kTrialTimeout{20};
    plan.trialTimeout = QStringLiteral("PT%1M").arg(std::min<qint64>(minutes, kTrialTimeout.count()));
    plan.maxTrials = form.maxTrials;
    plan.maxConcurrentTrials = form.maxConcurrentTrials;
    plan.explain = form.explainBestModel;
    plan.blockedModels = form.blockedModels;
    switch (form.validation) {
    case automl::ValidationKind::KFold:
        plan.crossValidations = form.folds;
        break;
    case automl::ValidationKind::Split:
        plan.validationDataSize = form.validationShare;
        break;
    default:
        break;
    }
    plan.testDataSize = form.testShare;
    if (azure && form.compute == ComputeKind::Local)
        plan.problems << tr("Compute: an Azure workspace trains on an Azure compute cluster; choose one.");
    if (form.compute == ComputeKind::AzureCluster) {
        static const QRegularExpression clusterName(QStringLiteral("^[A-Za-z][A-Za-z0-9-]{1,23}$"));
        if (!clusterName.match(form.clusterName).hasMatch())
            plan.problems << tr("Compute: the cluster name must be 2 to 24 letters, digits or hyphens, a letter first.");
    }
    return plan;
}

AutoMLJobController::AutoMLJobController(Session &session, AutoMLJobOptions options, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_options(std::move(options))
    , m_poll(new QTimer(this))
{
    m_poll->setSingleShot(true);
    connect(m_poll, &QTimer::timeout, this, [this]() { poll(m_generation); });
}

AutoMLJobController::~AutoMLJobController() = default;

bool AutoMLJobController::isActive() const
{
    return m_stage != Stage::Idle && m_stage != Stage::Finished && m_stage != Stage::Failed && m_stage != Stage::Canceled;
}

std::chrono::milliseconds AutoMLJobController::elapsed() const
{
    return m_clock.isValid() ? std::chrono::milliseconds(m_clock.elapsed()) : std::chrono::milliseconds(0);
}

void AutoMLJobController::setStage(Stage stage, const QString &text)
{
    m_stage = stage;
    Q_EMIT stageChanged(stage, text);
}

void AutoMLJobController::fail(const QString &what, const azure::AzureError &error)
{
    m_poll->stop();
    ++m_generation;
    m_error = error;
    setStage(Stage::Failed, tr("%1 failed: %2").arg(what, error.toString()));
    Q_EMIT finished(Stage::Failed, nullptr);
}

void AutoMLJobController::end(Stage outcome, std::shared_ptr<const RunFolder> result)
{
    m_poll->stop();
    ++m_generation;
    const int models = result ? int(result->runs.size()) : 0;
    setStage(outcome, outcome == Stage::Canceled ? tr("Job %1 canceled with %2 models.").arg(m_jobName).arg(models)
                                                 : tr("Job %1 completed with %2 models.").arg(m_jobName).arg(models));
    Q_EMIT finished(outcome, std::move(result));
}

bool AutoMLJobController::submit(const QString &csvPath, const AutoMLForm &form, QString *error)
{
    if (isActive()) {
        *error = tr("A job is already being submitted or running.");
        return false;
    }
    m_client = machineLearningClient(m_session);
    if (!m_client) {
        *error = tr("Connect to a workspace first (the Workspace step).");
        return false;
    }
    AutoMLJobPlan plan = planJob(form, !m_client->cloud().isLocal());
    if (!plan.problems.isEmpty()) {
        *error = plan.problems.join(QLatin1Char(' '));
        return false;
    }
    const int generation = ++m_generation;
    m_form = form;
    m_plan = std::move(plan);
    m_csvPath = csvPath;
    m_jobName.clear();
    m_jobStatus.clear();
    m_dataAsset.clear();
    m_experimentId.clear();
    m_tracking.clear();
    m_error = {};
    m_cancelRequested = false;
    m_polling = false;
    m_primaryMetric = form.primaryMetric;
    m_timeout = form.exitCriterion;
    m_jobStartMs = 0;
    m_seen.clear();
    m_runs.clear();
    m_runIds.clear();
    m_best = qQNaN();
    m_bestId = -1;
    m_clock.start();

    struct Read
    {
        QByteArray content;
        QString error;
    };
    setStage(Stage::Reading, tr("Reading %1…").arg(QFileInfo(csvPath).fileName()));
    // A CSV of many megabytes would stall the window if read here.
    runInBackground<Read>(
        this,
        [csvPath]() {
            Read read;
            QFile file(csvPath);
            if (!file.open(QIODevice::ReadOnly))
                read.error = file.errorString();
            else
                read.content = file.readAll();
            return read;
        },
        [this, generation, csvPath](Read read) {
            if (stale(generation))
                return;
            if (!read.error.isEmpty()) {
                fail(tr("Reading %1").arg(csvPath), azure::AzureError::invalidInput(read.error));
                return;
            }
            if (m_cancelRequested) {
                end(Stage::Canceled, nullptr);
                return;
            }
            upload(generation, read.content);
        });
    return true;
}

void AutoMLJobController::upload(int generation, const QByteArray &content)
{
    // The workspace's MLflow address first: the job is followed through it.
    m_client->getWorkspace(this, [this, generation, content](azure::Result<azure::Workspace> workspace) {
        if (stale(generation))
            return;
        if (!workspace.ok()) {
            fail(tr("Reading the workspace"), workspace.error());
            return;
        }
        m_tracking = m_client->cloud().mlflowTrackingBase(workspace->id, workspace->location, workspace->mlFlowTrackingUri);
        m_client->getDatastore(m_options.datastore, this, [this, generation, content](azure::Result<azure::Datastore> store) {
            if (stale(generation))
                return;
            if (!store.ok()) {
                fail(tr("Reading the datastore %1").arg(m_options.datastore), store.error());
                return;
            }
            const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMddHHmmsszzz"));
            const QString blobPath = QStringLiteral("UI/%1/%2").arg(stamp, QFileInfo(m_csvPath).fileName());
            const QString dataUri = azure::MachineLearningClient::datastoreUri(store.value(), blobPath);
            setStage(Stage::Uploading, tr("Uploading %1 (%2 MB) to %3…")
                                           .arg(QFileInfo(m_csvPath).fileName(), megabytes(content.size()), store->name));
            Q_EMIT uploadProgress(0);
            const QUrl blobUrl = m_client->datastoreBlobUrl(store.value(), blobPath);
            auto uploaded = [this, generation, dataUri](azure::Result<azure::Empty> done) {
                if (stale(generation))
                    return;
                if (!done.ok()) {
                    fail(tr("Uploading the data"), done.error());
                    return;
                }
                Q_EMIT uploadProgress(100);
                if (m_cancelRequested) {
                    end(Stage::Canceled, nullptr);
                    return;
                }
                registerData(generation, dataUri);
            };
            if (content.size() <= m_options.uploadBlockSize) {
                azure::BlobUploadOptions upload;
                upload.blockSize = m_options.uploadBlockSize;
                azure::uploadBlob(m_client->client(), blobUrl, content, upload, this, uploaded);
            } else {
                uploadBlocks(generation, blobUrl, content, uploaded);
            }
        });
    });
}

void AutoMLJobController::uploadBlocks(int generation, const QUrl &blobUrl, const QByteArray &content,
                                       const std::function<void(azure::Result<azure::Empty>)> &done)
{
    // azure::uploadBlob's Put Block / Put Block List, one block at a time so that the page
    // can show how far the upload is (uploadBlob reports only its end).
    struct Upload
    {
        QByteArray content;
        QList<QByteArray> ids;
        qsizetype offset = 0;
    };
    auto upload = std::make_shared<Upload>();
    upload->content = content;
    auto pipeline = m_client->client()->storage();
    auto step = std::make_shared<std::function<void()>>();
    *step = [this, generation, blobUrl, done, upload, pipeline, weak = std::weak_ptr(step)]() {
        auto self = weak.lock();
        if (stale(generation) || !self)
            return;
        auto send = [](azure::HttpRequest request) {
            request.headers.set("x-ms-client-request-id", QUuid::createUuid().toByteArray(QUuid::WithoutBraces));
            return request;
        };
        if (upload->offset >= upload->content.size()) {
            pipeline->send(send(azure::requests::putBlockList(blobUrl, upload->ids, "text/csv")), this,
                           [done](const azure::HttpResponse &response) {
                               if (!response.isSuccess())
                                   return done(azure::AzureError::fromResponse(response));
                               done(azure::Empty{});
                           });
            return;
        }
        // Block IDs must all have the same length before base64.
        constexpr int kIdDigits = 6;
        const QByteArray id = QByteArray("block-") + QByteArray::number(upload->ids.size()).rightJustified(kIdDigits, '0');
        upload->ids.append(id.toBase64());
        const QByteArray chunk = upload->content.mid(upload->offset, m_options.uploadBlockSize);
        pipeline->send(send(azure::requests::putBlock(blobUrl, upload->ids.last(), chunk)), this,
                       [this, done, upload, self, size = chunk.size()](const azure::HttpResponse &response) {
                           if (!response.isSuccess())
                               return done(azure::AzureError::fromResponse(response));
                           upload->offset += size;
                           constexpr int kPercent = 100;
                           // 100 % only once the block list is committed.
                           Q_EMIT uploadProgress(int(upload->offset * (kPercent - 1) / upload->content.size()));
                           (*self)();
                       });
    };
    (*step)();
}

void AutoMLJobController::registerData(int generation, const QString &dataUri)
{
    azure::DataVersionSpec spec;
    spec.name = assetName(m_csvPath);
    spec.version = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMddHHmmss"));
    spec.dataType = QStringLiteral("uri_file");
    spec.dataUri = dataUri;
    spec.description = tr("Uploaded from %1").arg(QFileInfo(m_csvPath).fileName());
    setStage(Stage::RegisteringData, tr("Registering the data asset %1:%2…").arg(spec.name, spec.version));
    m_client->createDataVersion(spec, this, [this, generation, spec](azure::Result<azure::DataVersion> data) {
        if (stale(generation))
            return;
        if (!data.ok()) {
            fail(tr("Registering the data asset"), data.error());
            return;
        }
        m_dataAsset = QStringLiteral("azureml:%1:%2").arg(spec.name, spec.version);
        m_session.setDataAsset(m_dataAsset, m_csvPath);
        prepareCompute(generation);
    });
}

void AutoMLJobController::prepareCompute(int generation)
{
    const bool local = m_form.compute == ComputeKind::Local;
    azure::ComputeSpec spec;
    spec.name = local ? m_options.localClusterName : m_form.clusterName;
    spec.location = m_session.workspace().location;
    if (local) {
        // The local workspace runs as many trials at once as its cluster has nodes.
        spec.maxNodeCount = m_form.localSlots;
    } else {
        spec.vmSize = m_form.vmSize;
        spec.minNodeCount = m_form.minNodes;
        spec.maxNodeCount = m_form.maxNodes;
    }
    auto create = [this, generation, spec]() {
        setStage(Stage::PreparingCompute, tr("Creating the compute cluster %1…").arg(spec.name));
        auto *operation = m_client->createCompute(spec, this);
        connect(operation, &azure::OperationBase::finished, this, [this, generation, operation]() {
            operation->deleteLater();
            if (stale(generation))
                return;
            if (operation->state() != azure::OperationState::Succeeded || !operation->value()) {
                fail(tr("Creating the compute cluster"), operation->error());
                return;
            }
            createJob(generation, operation->value()->id);
        });
    };
    if (local) {
        create(); // the slots chosen now become the cluster's size
        return;
    }
    setStage(Stage::PreparingCompute, tr("Looking for the compute cluster %1…").arg(spec.name));
    m_client->getCompute(spec.name, this, [this, generation, create](azure::Result<azure::Compute> compute) {
        if (stale(generation))
            return;
        if (compute.ok()) {
            createJob(generation, compute->id); // an existing cluster keeps its own size
            return;
        }
        if (compute.error().httpStatus == 404) {
            create();
            return;
        }
        fail(tr("Reading the compute cluster"), compute.error());
    });
}

void AutoMLJobController::createJob(int generation, const QString &computeId)
{
    if (m_cancelRequested) {
        end(Stage::Canceled, nullptr);
        return;
    }
    azure::AutoMLClassificationSpec spec;
    spec.name = QStringLiteral("automl_%1").arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd_HHmmss_zzz")));
    spec.displayName = QFileInfo(m_csvPath).fileName();
    spec.experimentName = m_options.experimentName;
    spec.description = tr("AutoML classification of %1 on %2").arg(m_plan.targetColumn, spec.displayName);
    spec.computeId = computeId;
    m_session.setComputeName(computeId.section(QLatin1Char('/'), -1));
    spec.trainingDataUri = m_dataAsset;
    spec.targetColumnName = m_plan.targetColumn;
    spec.primaryMetric = m_plan.primaryMetric;
    spec.maxTrials = m_plan.maxTrials;
    spec.maxConcurrentTrials = m_plan.maxConcurrentTrials;
    spec.timeout = m_plan.timeout;
    spec.trialTimeout = m_plan.trialTimeout;
    spec.nCrossValidations = m_plan.crossValidations;
    spec.validationDataSize = m_plan.validationDataSize;
    spec.testDataSize = m_plan.testDataSize;
    spec.enableModelExplainability = m_plan.explain;
    spec.blockedTrainingAlgorithms = m_plan.blockedModels;
    setStage(Stage::Submitting, tr("Submitting the AutoML job %1…").arg(spec.name));
    m_client->createAutoMLJob(spec, this, [this, generation](azure::Result<azure::Job> job) {
        if (stale(generation))
            return;
        if (!job.ok()) {
            fail(tr("Submitting the AutoML job"), job.error());
            return;
        }
        m_jobName = job->name;
        m_jobStatus = job->status;
        m_session.setJobName(m_jobName);
        setStage(Stage::Running, tr("Job %1 submitted (%2).").arg(m_jobName, m_jobStatus));
        if (m_cancelRequested)
            cancel();
        m_poll->start(m_options.pollInterval);
    });
}

void AutoMLJobController::cancel()
{
    if (!isActive())
        return;
    m_cancelRequested = true;
    if (m_jobName.isEmpty())
        return; // the sequence stops before it creates the job
    if (m_stage == Stage::Collecting)
        return;
    setStage(Stage::Running, tr("Canceling job %1…").arg(m_jobName));
    const int generation = m_generation;
    m_client->cancelJob(m_jobName, this, [this, generation](azure::Result<azure::Empty> done) {
        if (stale(generation) || done.ok())
            return;
        fail(tr("Canceling the job"), done.error());
    });
}

void AutoMLJobController::poll(int generation)
{
    if (stale(generation) || m_polling || m_jobName.isEmpty())
        return;
    m_polling = true;
    m_client->getJob(m_jobName, this, [this, generation](azure::Result<azure::Job> job) {
        if (stale(generation))
            return;
        m_polling = false;
        if (!job.ok()) {
            fail(tr("Reading the job"), job.error());
            return;
        }
        const bool changed = job->status != m_jobStatus;
        m_jobStatus = job->status;
        if (changed && !job->isTerminal())
            setStage(Stage::Running, tr("Job %1: %2.").arg(m_jobName, m_jobStatus));
        if (job->isTerminal() && m_jobStatus != QLatin1String("Completed") && m_jobStatus != QLatin1String("Canceled")) {
            // The job's own error, as the service reports it in its properties.
            azure::AzureError error;
            error.kind = azure::ErrorKind::Http;
            error.code = QStringLiteral("Job%1").arg(m_jobStatus);
            error.message = job->properties.value(QStringLiteral("azureml.error"),
                                                  tr("The job ended as %1.").arg(m_jobStatus));
            fail(tr("Job %1").arg(m_jobName), error);
            return;
        }
        if (m_jobStatus == QLatin1String("NotStarted") || m_jobStatus == QLatin1String("Queued") ||
            m_jobStatus == QLatin1String("Preparing")) {
            m_poll->start(m_options.pollInterval);
            return;
        }
        if (m_experimentId.isEmpty()) {
            // The job is its MLflow parent run: its experiment holds the child runs.
            m_client->getRun(m_tracking, m_jobName, this, [this, generation, terminal = job->isTerminal()](
                                                              azure::Result<azure::MlflowRun> parent) {
                if (stale(generation))
                    return;
                if (!parent.ok()) {
                    if (parent.error().httpStatus == 404 && !terminal) {
                        m_poll->start(m_options.pollInterval); // not started yet
                        return;
                    }
                    fail(tr("Reading the job's run"), parent.error());
                    return;
                }
                m_experimentId = parent->experimentId;
                m_jobStartMs = parent->startTime;
                readChildren(generation, terminal);
            });
            return;
        }
        readChildren(generation, job->isTerminal());
    });
}

void AutoMLJobController::readChildren(int generation, bool final)
{
    if (m_experimentId.isEmpty())
        return;
    m_client->childRuns(m_tracking, m_experimentId, m_jobName, this,
                        [this, generation, final](azure::Result<QList<azure::MlflowRun>> runs) {
                            if (stale(generation))
                                return;
                            if (!runs.ok()) {
                                fail(tr("Reading the child runs"), runs.error());
                                return;
                            }
                            onChildren(runs.value());
                            if (final)
                                collect(generation);
                            else if (m_stage == Stage::Running)
                                m_poll->start(m_options.pollInterval);
                        });
}

RunPtr AutoMLJobController::toRunRecord(const azure::MlflowRun &mlflow, const QString &primaryMetric, qint64 jobStartMs)
{
    auto run = std::make_shared<RunRecord>();
    bool numbered = false;
    run->id = mlflow.tags.value(QStringLiteral("iteration")).toInt(&numbered);
    if (!numbered)
        run->id = mlflow.runId.section(QLatin1Char('_'), -1).toInt();
    run->algorithm = mlflow.tags.value(QStringLiteral("run_algorithm"), mlflow.runName);
    if (mlflow.status == QLatin1String("FINISHED"))
        run->status = QStringLiteral("completed");
    else if (mlflow.status == QLatin1String("KILLED"))
        run->status = QStringLiteral("canceled");
    else
        run->status = mlflow.status.toLower();
    run->error = mlflow.tags.value(QStringLiteral("mlflow.note.content"));
    QJsonObject params;
    for (auto it = mlflow.params.begin(); it != mlflow.params.end(); ++it) {
        // Values that are JSON (numbers, lists) stay typed.
        const QJsonDocument parsed = QJsonDocument::fromJson("[" + it.value().toUtf8() + "]");
        params.insert(it.key(), parsed.isArray() && parsed.array().size() == 1 ? parsed.array().first()
                                                                               : QJsonValue(it.value()));
    }
    run->hyperparameters = QString::fromUtf8(QJsonDocument(params).toJson(QJsonDocument::Compact));
    for (auto it = mlflow.metrics.begin(); it != mlflow.metrics.end(); ++it)
        run->validationMetrics[it.key()] = it.value();
    run->score = mlflow.metrics.value(primaryMetric, qQNaN());
    if (mlflow.endTime > mlflow.startTime && mlflow.startTime > 0)
        run->durationSeconds = double(mlflow.endTime - mlflow.startTime) / 1000.0;
    if (jobStartMs > 0 && mlflow.endTime >= jobStartMs)
        run->finishedAtSeconds = double(mlflow.endTime - jobStartMs) / 1000.0;
    return run;
}

void AutoMLJobController::onChildren(const QList<azure::MlflowRun> &runs)
{
    QList<azure::MlflowRun> ended;
    for (const azure::MlflowRun &run : runs)
        if (!m_seen.contains(run.runId) && hasEnded(run.status))
            ended << run;
    // In the order they finished, so that the best score over time only ever rises.
    std::sort(ended.begin(), ended.end(),
              [](const azure::MlflowRun &a, const azure::MlflowRun &b) { return a.endTime < b.endTime; });
    const bool higher = metricHigherIsBetter(m_primaryMetric);
    for (const azure::MlflowRun &mlflow : ended) {
        m_seen.insert(mlflow.runId);
        RunPtr run = toRunRecord(mlflow, m_primaryMetric, m_jobStartMs);
        if (run->status == QLatin1String("completed") && std::isfinite(run->score) &&
            (!std::isfinite(m_best) || (higher ? run->score > m_best : run->score < m_best))) {
            m_best = run->score;
            m_bestId = run->id;
        }
        m_runs.push_back(run);
        m_runIds << mlflow.runId;
        Q_EMIT trialFinished(run, m_best, m_bestId);
    }
}

void AutoMLJobController::collect(int generation)
{
    const Stage outcome = m_jobStatus == QLatin1String("Canceled") ? Stage::Canceled : Stage::Finished;
    if (m_runs.empty()) {
        end(outcome, nullptr);
        return;
    }
    setStage(Stage::Collecting, tr("Job %1 %2: downloading the models' charts and explanation…")
                                    .arg(m_jobName, m_jobStatus.toLower()));
    auto state = std::make_shared<Collected>();
    auto done = [this, generation, state, outcome]() {
        if (stale(generation) || --state->pending > 0)
            return;
        // Chart files hold thousands of curve points: parse them off the GUI thread.
        RunFolder folder;
        folder.path = m_jobName;
        folder.jobName = m_jobName;
        folder.primaryMetric = m_primaryMetric;
        folder.validation = m_plan.crossValidations > 0 ? tr("%1-fold cross validation").arg(m_plan.crossValidations)
                                                        : tr("chosen by the service");
        folder.stopReason = m_jobStatus;
        folder.durationSeconds = double(elapsed().count()) / 1000.0;
        folder.bestRunId = m_bestId;
        folder.chartDownloadFailures = state->failures;
        std::vector<RunPtr> runs = m_runs;
        const QStringList ids = m_runIds;
        runInBackground<RunFolder>(
            this,
            [folder, runs, ids, state]() mutable {
                for (std::size_t i = 0; i < runs.size(); ++i) {
                    RunRecord run = *runs[i];
                    const QString &id = ids.at(qsizetype(i));
                    const auto charts = state->charts.find(id);
                    if (charts != state->charts.end()) {
                        run.validationCharts = parseRunCharts(chartsObject(charts->second));
                        if (folder.classLabels.isEmpty())
                            folder.classLabels = run.validationCharts.classLabels;
                    }
                    if (const auto test = state->testCharts.find(id); test != state->testCharts.end())
                        run.testCharts = parseRunCharts(chartsObject(test->second));
                    if (const auto metrics = state->testMetrics.find(id); metrics != state->testMetrics.end()) {
                        const QJsonObject object = QJsonDocument::fromJson(metrics->second).object();
                        for (auto it = object.begin(); it != object.end(); ++it)
                            if (it.value().isDouble())
                                run.testMetrics[it.key()] = it.value().toDouble();
                    }
                    folder.runs.push_back(std::move(run));
                }
                std::stable_sort(folder.runs.begin(), folder.runs.end(), [higher = metricHigherIsBetter(folder.primaryMetric)](
                                                                             const RunRecord &a, const RunRecord &b) {
                    if (!std::isfinite(a.score) || !std::isfinite(b.score))
                        return std::isfinite(a.score) && !std::isfinite(b.score);
                    return higher ? a.score > b.score : a.score < b.score;
                });
                const QJsonObject explanation = QJsonDocument::fromJson(state->explanation).object();
                const QJsonObject permutation = explanation.value(QStringLiteral("permutation_importance")).toObject();
                folder.importanceMetric = permutation.value(QStringLiteral("metric")).toString();
                for (const QJsonValue &value : permutation.value(QStringLiteral("importances")).toArray())
                    folder.importance.push_back({value.toObject().value(QStringLiteral("column")).toString(),
                                                 value.toObject().value(QStringLiteral("importance")).toDouble()});
                return folder;
            },
            [this, generation, outcome](RunFolder result) {
                if (stale(generation))
                    return;
                end(outcome, std::make_shared<const RunFolder>(std::move(result)));
            });
    };

    state->pending = 1; // released at the end of this function, once every request is out
    ++state->pending;
    m_client->downloadArtifact(m_tracking, m_jobName, kExplanationArtifact, this,
                               [state, done](azure::Result<QByteArray> body) {
                                   if (body.ok())
                                       state->explanation = body.value();
                                   done(); // a job without explanation has no such file
                               });
    // The chart artifacts among a listing of a run's folder, each downloaded into
    // (state->*into)[runId] under its file name.
    const auto downloadCharts = [this, state, done](const QString &runId, const QList<azure::ArtifactFile> &files,
                                                    ChartsByRun Collected::*into) {
        for (const azure::ArtifactFile &file : files) {
            const QString name = file.path.section(QLatin1Char('/'), -1);
            if (file.isDir || !chartArtifactNames().contains(name))
                continue;
            ++state->pending;
            m_client->downloadArtifact(m_tracking, runId, file.path, this,
                                       [state, done, runId, name, into](azure::Result<QByteArray> body) {
                                           if (body.ok())
                                               ((*state).*into)[runId][name] = body.value();
                                           else
                                               ++state->failures;
                                           done();
                                       });
        }
    };
    // A run with a test/ folder was scored on test data: its charts there and its metrics.
    const auto collectTest = [this, generation, state, done, downloadCharts](const QString &runId) {
        ++state->pending;
        m_client->downloadArtifact(m_tracking, runId, kTestMetricsArtifact, this,
                                   [state, done, runId](azure::Result<QByteArray> body) {
                                       if (body.ok())
                                           state->testMetrics[runId] = body.value();
                                       else
                                           ++state->failures;
                                       done();
                                   });
        ++state->pending;
        m_client->listArtifacts(
            m_tracking, runId, kTestChartsFolder, this,
            [this, generation, state, done, downloadCharts, runId](azure::Result<QList<azure::ArtifactFile>> files) {
                if (stale(generation))
                    return;
                if (!files.ok()) {
                    ++state->failures;
                    done();
                    return;
                }
                downloadCharts(runId, files.value(), &Collected::testCharts);
                done();
            });
    };
    for (qsizetype i = 0; i < m_runIds.size(); ++i) {
        if (m_runs[std::size_t(i)]->status != QLatin1String("completed"))
            continue;
        const QString runId = m_runIds.at(i);
        ++state->pending;
        m_client->listArtifacts(m_tracking, runId, QString(), this,
                                [this, generation, state, done, collectTest, downloadCharts, runId](
                                    azure::Result<QList<azure::ArtifactFile>> files) {
                                    if (stale(generation))
                                        return;
                                    if (!files.ok()) {
                                        ++state->failures;
                                        done();
                                        return;
                                    }
                                    for (const azure::ArtifactFile &file : files.value())
                                        if (file.isDir && file.path == kTestChartsFolder)
                                            collectTest(runId);
                                    downloadCharts(runId, files.value(), &Collected::charts);
                                    done();
                                });
    }
    done();
}

} // namespace cerulean::ui
