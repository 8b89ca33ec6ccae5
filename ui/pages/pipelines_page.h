#pragma once

#include "core/azure/result.h"
#include "ui/models/pipeline_graph.h"

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QJsonObject>
#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QProgressBar;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableView;
class QTimer;

namespace cerulean::azure {
struct BatchInput;
}

namespace cerulean::ui {

class PipelineClient;
class PipelineTableModel;
class Session;
struct PipelineReply;

// The steps of a pipeline run as a graph: data inputs, steps and registered models, left to
// right along their bindings, each node tinted by its step's status from the steps model.
// Clicking a step node reports it.
class PipelineGraphView final : public QWidget
{
    Q_OBJECT

public:
    explicit PipelineGraphView(PipelineTableModel *steps, QWidget *parent = nullptr);

    void setJob(const QJsonObject &job);
    const PipelineGraph &graph() const { return m_graph; }
    // The status shown on a node ("" for inputs; a registered model has its producer's).
    QString statusOf(int node) const;
    QRect nodeRect(int node) const;
    QString selectedStep() const { return m_selected; }
    void setSelectedStep(const QString &step);
    QSize sizeHint() const override;

Q_SIGNALS:
    void stepClicked(const QString &step);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    PipelineTableModel *m_steps;
    PipelineGraph m_graph;
    QString m_selected;
};

// The Pipelines step: the workspace's pipeline jobs with their status; a form that creates a
// training pipeline (AutoML on a data asset, parameters with defaults, the best model
// registered); running the selected pipeline again with other parameter values; its steps as a
// graph and a table with their status, outputs and logs; publishing it behind a REST trigger
// (URL, the command that gets a token and a curl command with a $TOKEN placeholder) and
// triggering it; schedules (recurrence with hours, minutes and week days, or cron; start, time
// zone, catch-up or skip after downtime) that can be enabled and disabled, with the runs each one
// started; batch inference of a file or a folder of CSV files with a registered model, its progress and failed rows.
class PipelinesPage final : public QWidget
{
    Q_OBJECT

public:
    explicit PipelinesPage(Session &session, QWidget *parent = nullptr);
    ~PipelinesPage() override;

    PipelineTableModel *jobs() const { return m_jobs; }
    PipelineTableModel *steps() const { return m_steps; }
    PipelineTableModel *schedules() const { return m_schedules; }
    PipelineTableModel *history() const { return m_history; }
    PipelineTableModel *failedRows() const { return m_failedRows; }
    PipelineGraphView *graphView() const { return m_graph; }
    // The batch job the Batch tab started last ("" before one).
    QString batchJob() const { return m_batchJob; }
    QString selectedJob() const { return m_selectedJob; }
    QString selectedSchedule() const { return m_selectedSchedule; }
    // The name of the run the last Run or Trigger started ("" before one).
    QString lastStartedJob() const { return m_lastStarted; }
    // The log of a finished command step (its job name), "" until it has been read.
    QString stepLog(const QString &stepJob) const { return m_logs.value(stepJob); }

    // What the "Let the command line sign in" button does on the local workspace: puts its
    // built-in principal's secret in the keychain for the token command (LocalWorkspace::
    // shareSignInWithCommandLine). Without one the button is hidden.
    using CommandLineSignIn = std::function<void(QObject *context, std::function<void(azure::Result<azure::Empty>)> done)>;
    void setCommandLineSignIn(CommandLineSignIn share);

    // Reads the jobs and schedules again.
    void refresh();
    void selectJob(const QString &name);
    void selectSchedule(const QString &name);

Q_SIGNALS:
    // A job, step, schedule or history list was read again (tests wait on it).
    void updated();

private:
    void build();
    QWidget *buildCreateForm();
    QWidget *buildRunTab();
    QWidget *buildPublishTab();
    QWidget *buildSchedulesTab();
    QWidget *buildBatchTab();
    void connected();
    void showMessage(const QString &text, bool error = false);
    bool checkConnected();

    void loadJobs();
    void loadSteps();
    void loadLog(const QString &childJob, const QString &logJob);
    void loadSchedules();
    void loadHistory();
    void updateDetails();
    void pollIfRunning();

    void createPipeline();
    void runPipeline();
    void publish();
    void trigger();
    void createSchedule();
    void setScheduleEnabled(bool enabled);
    void started(const QString &job, const QString &what);
    void showTrigger(const QString &experiment, const QJsonObject &parameters);
    void selectStep(const QString &step);
    void runBatch();
    void invokeBatch(const QUrl &scoringUri, const QString &deployment, const azure::BatchInput &input);
    void pollBatch();

    Session &m_session;
    PipelineClient *m_client;
    PipelineTableModel *m_jobs;
    PipelineTableModel *m_steps;
    PipelineTableModel *m_schedules;
    PipelineTableModel *m_history;
    PipelineTableModel *m_failedRows;
    QTimer *m_poll;
    QTimer *m_batchPoll;

    QString m_selectedJob;
    QJsonObject m_selectedJobObject;
    QString m_selectedSchedule;
    QString m_lastStarted;
    QString m_triggerUrl;
    QString m_selectedStep;
    QString m_batchJob;
    quint64 m_batchGeneration = 0;
    QJsonObject m_triggerParameters;
    QHash<QString, QString> m_logs; // step job -> its log (finished steps only)
    QSet<QString> m_logRequested;
    quint64 m_stepsGeneration = 0;
    quint64 m_historyGeneration = 0;

    QLabel *m_message = nullptr;
    QTableView *m_jobsView = nullptr;
    QPushButton *m_refresh = nullptr;
    // create
    QLineEdit *m_jobName = nullptr;
    QLineEdit *m_data = nullptr;
    QLineEdit *m_target = nullptr;
    QLineEdit *m_compute = nullptr;
    QSpinBox *m_trials = nullptr;
    QSpinBox *m_minutes = nullptr;
    QLineEdit *m_parameters = nullptr;
    QLineEdit *m_modelName = nullptr;
    QLineEdit *m_experiment = nullptr;
    QPushButton *m_create = nullptr;
    // run
    QLabel *m_selectedLabel = nullptr;
    QLineEdit *m_runParameters = nullptr;
    QLineEdit *m_runName = nullptr;
    QPushButton *m_run = nullptr;
    QTableView *m_stepsView = nullptr;
    PipelineGraphView *m_graph = nullptr;
    QPlainTextEdit *m_details = nullptr;
    // publish
    QLineEdit *m_endpointName = nullptr;
    QPushButton *m_publish = nullptr;
    QLineEdit *m_triggerUrlEdit = nullptr;
    QPlainTextEdit *m_curl = nullptr;
    QLineEdit *m_tokenCommand = nullptr;
    QPushButton *m_shareSignIn = nullptr;
    CommandLineSignIn m_commandLineSignIn;
    QLineEdit *m_triggerExperiment = nullptr;
    QLineEdit *m_triggerValues = nullptr;
    QPushButton *m_trigger = nullptr;
    // schedules
    QLineEdit *m_scheduleName = nullptr;
    QComboBox *m_scheduleKind = nullptr;
    QComboBox *m_frequency = nullptr;
    QSpinBox *m_interval = nullptr;
    QLineEdit *m_cron = nullptr;
    QLineEdit *m_atHours = nullptr;
    QLineEdit *m_atMinutes = nullptr;
    QList<QCheckBox *> m_weekDays;
    QDateTimeEdit *m_startTime = nullptr;
    QCheckBox *m_startNow = nullptr;
    QComboBox *m_timeZone = nullptr;
    QComboBox *m_missedRuns = nullptr;
    QCheckBox *m_scheduleEnabled = nullptr;
    QPushButton *m_createSchedule = nullptr;
    QTableView *m_schedulesView = nullptr;
    QPushButton *m_enable = nullptr;
    QPushButton *m_disable = nullptr;
    QPushButton *m_historyRefresh = nullptr;
    QTableView *m_historyView = nullptr;
    // batch inference
    QLineEdit *m_batchEndpoint = nullptr;
    QLineEdit *m_batchDeployment = nullptr;
    QLineEdit *m_batchModel = nullptr;
    QLineEdit *m_batchCompute = nullptr;
    QLineEdit *m_batchInput = nullptr;
    QComboBox *m_batchInputType = nullptr;
    QSpinBox *m_miniBatch = nullptr;
    QSpinBox *m_errorThreshold = nullptr;
    QSpinBox *m_retries = nullptr;
    QSpinBox *m_instances = nullptr;
    QLineEdit *m_outputFile = nullptr;
    QPushButton *m_runBatch = nullptr;
    QProgressBar *m_batchProgress = nullptr;
    QLabel *m_batchStatus = nullptr;
    QTableView *m_failedRowsView = nullptr;
};

} // namespace cerulean::ui
