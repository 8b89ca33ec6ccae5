#pragma once

#include "core/azure/azure_error.h"
#include "core/azure/result.h"
#include "ui/models/leaderboard_model.h"
#include "ui/pages/data_automl_settings.h"

#include <QElapsedTimer>
#include <QObject>
#include <QSet>
#include <QString>
#include <QUrl>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

class QTimer;

namespace cerulean::azure {
class MachineLearningClient;
struct AutoMLClassificationSpec;
struct Job;
struct MlflowRun;
} // namespace cerulean::azure

namespace cerulean::ui {

class Session;

struct AutoMLJobOptions
{
    // How often the job and its child runs are read while it runs.
    std::chrono::milliseconds pollInterval{2000};
    // The compute cluster "local slots" become on the local workspace.
    QString localClusterName = QStringLiteral("local-cluster");
    QString datastore = QStringLiteral("workspaceblobstore");
    QString experimentName = QStringLiteral("cerulean-automl");
    // Put Blob up to this size, else blocks of it (the page shows the share sent after each).
    qsizetype uploadBlockSize = 1024 * 1024;
    // Trials longer than this are stopped (capped by the exit criterion).
    std::chrono::minutes trialTimeout{20};
};

// The job body the form becomes, and what of the form the body cannot carry (one sentence
// each, shown on the page so that nothing is dropped silently).
struct AutoMLJobPlan
{
    QString targetColumn;
    QString primaryMetric; // the REST enum's name: "AUCWeighted", "Accuracy", …
    QString timeout;       // ISO 8601: "PT15M"
    QString trialTimeout;
    int maxTrials = 1000;
    int maxConcurrentTrials = 2;
    int crossValidations = 0; // 0: the service decides
    double validationDataSize = 0; // a train-validation split's share; 0: none asked for
    double testDataSize = 0;       // the share held out as test data; 0: none
    bool explain = true;
    QStringList blockedModels;
    QStringList notInJobBody;
    QStringList problems; // what stops the form from becoming a job at all
};
AutoMLJobPlan planJob(const AutoMLForm &form, bool azure);
// The REST enum name of an engine metric ("AUC_weighted" -> "AUCWeighted"); empty when the
// job body has no name for it.
QString restPrimaryMetric(const QString &engineMetric);

// Submits an AutoML job through the typed Azure ML client on the session's workspace (the
// local workspace or Azure alike) and follows it: reads the CSV off the GUI thread, uploads
// it to the default datastore, registers a data asset, prepares the compute cluster,
// creates the job, then polls the job and its MLflow child runs, reporting each finished
// child as a leaderboard row. When the job ends, every child's chart artifacts and the
// parent's explanation are downloaded and parsed off the GUI thread into a RunFolder for
// the Models step. Cancel asks the service to cancel the job.
class AutoMLJobController final : public QObject
{
    Q_OBJECT

public:
    enum class Stage
    {
        Idle,
        Reading,
        Uploading,
        RegisteringData,
        PreparingCompute,
        Submitting,
        Running, // Queued, Starting, Running on the service
        Collecting,
        Finished,
        Failed,
        Canceled,
    };
    Q_ENUM(Stage)

    explicit AutoMLJobController(Session &session, AutoMLJobOptions options = {}, QObject *parent = nullptr);
    ~AutoMLJobController() override;

    // Starts the whole sequence for `csvPath`; false with *error when it cannot start.
    bool submit(const QString &csvPath, const AutoMLForm &form, QString *error);
    // Asks the service to cancel the job (or stops before it was created).
    void cancel();

    Stage stage() const { return m_stage; }
    bool isActive() const;
    QString jobName() const { return m_jobName; }
    // The service's job status ("Queued", "Running", "Completed", …).
    QString jobStatus() const { return m_jobStatus; }
    // Why the job failed: the request's Azure error (code, message, request id) or the job's own.
    const azure::AzureError &error() const { return m_error; }
    QString primaryMetric() const { return m_primaryMetric; }
    std::chrono::milliseconds elapsed() const;
    std::chrono::milliseconds timeout() const { return m_timeout; }
    const AutoMLJobOptions &options() const { return m_options; }
    void setPollInterval(std::chrono::milliseconds interval) { m_options.pollInterval = interval; }

    // A child run in the leaderboard's terms: metrics from MLflow, algorithm and iteration from its tags.
    static RunPtr toRunRecord(const azure::MlflowRun &run, const QString &primaryMetric, qint64 jobStartMs);

Q_SIGNALS:
    void stageChanged(cerulean::ui::AutoMLJobController::Stage stage, const QString &text);
    void uploadProgress(int percent);
    void trialFinished(cerulean::ui::RunPtr run, double bestScore, int bestRunId);
    // The job ended (Finished, Failed or Canceled). `result` holds the runs with their
    // charts and the explanation when any child finished; null otherwise.
    void finished(cerulean::ui::AutoMLJobController::Stage outcome, std::shared_ptr<const cerulean::ui::RunFolder> result);

private:
    void setStage(Stage stage, const QString &text);
    void fail(const QString &what, const azure::AzureError &error);
    bool stale(int generation) const { return generation != m_generation; }
    void upload(int generation, const QByteArray &content);
    void uploadBlocks(int generation, const QUrl &blobUrl, const QByteArray &content,
                      const std::function<void(azure::Result<azure::Empty>)> &done);
    void registerData(int generation, const QString &dataUri);
    void prepareCompute(int generation);
    void createJob(int generation, const QString &computeId);
    void poll(int generation);
    void readChildren(int generation, bool final);
    void onChildren(const QList<azure::MlflowRun> &runs);
    void collect(int generation);
    void end(Stage outcome, std::shared_ptr<const RunFolder> result);

    Session &m_session;
    AutoMLJobOptions m_options;
    std::shared_ptr<azure::MachineLearningClient> m_client;
    QTimer *m_poll;
    Stage m_stage = Stage::Idle;
    int m_generation = 0; // drops replies of a job that was replaced or abandoned
    AutoMLForm m_form;
    AutoMLJobPlan m_plan;
    QString m_csvPath;
    QString m_jobName;
    QString m_jobStatus;
    QString m_dataAsset;
    QString m_primaryMetric;
    QString m_experimentId;
    QUrl m_tracking;
    azure::AzureError m_error;
    bool m_cancelRequested = false;
    bool m_polling = false;
    std::chrono::milliseconds m_timeout{0};
    QElapsedTimer m_clock;
    qint64 m_jobStartMs = 0;
    QSet<QString> m_seen;
    std::vector<RunPtr> m_runs;
    QStringList m_runIds; // MLflow run ids of m_runs, same order
    double m_best = qQNaN();
    int m_bestId = -1;
};

} // namespace cerulean::ui

Q_DECLARE_METATYPE(std::shared_ptr<const cerulean::ui::RunFolder>)
