#pragma once

#include <QHash>
#include <QSet>
#include <QJsonObject>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableView;
class QTimer;

namespace cerulean::ui {

class PipelineClient;
class PipelineTableModel;
class Session;
struct PipelineReply;

// The Pipelines step: the workspace's pipeline jobs with their status; a form that creates a
// training pipeline (AutoML on a data asset, parameters with defaults, the best model
// registered); running the selected pipeline again with other parameter values; its steps with
// their status, outputs and the command step's log; publishing it behind a REST trigger (URL and
// a curl command with a $TOKEN placeholder) and triggering it; schedules (recurrence or cron)
// that can be enabled and disabled, with the runs each one started.
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
    QString selectedJob() const { return m_selectedJob; }
    QString selectedSchedule() const { return m_selectedSchedule; }
    // The name of the run the last Run or Trigger started ("" before one).
    QString lastStartedJob() const { return m_lastStarted; }
    // The log of a finished command step (its job name), "" until it has been read.
    QString stepLog(const QString &stepJob) const { return m_logs.value(stepJob); }

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

    Session &m_session;
    PipelineClient *m_client;
    PipelineTableModel *m_jobs;
    PipelineTableModel *m_steps;
    PipelineTableModel *m_schedules;
    PipelineTableModel *m_history;
    QTimer *m_poll;

    QString m_selectedJob;
    QJsonObject m_selectedJobObject;
    QString m_selectedSchedule;
    QString m_lastStarted;
    QString m_triggerUrl;
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
    QPlainTextEdit *m_details = nullptr;
    // publish
    QLineEdit *m_endpointName = nullptr;
    QPushButton *m_publish = nullptr;
    QLineEdit *m_triggerUrlEdit = nullptr;
    QPlainTextEdit *m_curl = nullptr;
    QLineEdit *m_triggerExperiment = nullptr;
    QLineEdit *m_triggerValues = nullptr;
    QPushButton *m_trigger = nullptr;
    // schedules
    QLineEdit *m_scheduleName = nullptr;
    QComboBox *m_scheduleKind = nullptr;
    QComboBox *m_frequency = nullptr;
    QSpinBox *m_interval = nullptr;
    QLineEdit *m_cron = nullptr;
    QPushButton *m_createSchedule = nullptr;
    QTableView *m_schedulesView = nullptr;
    QPushButton *m_enable = nullptr;
    QPushButton *m_disable = nullptr;
    QPushButton *m_historyRefresh = nullptr;
    QTableView *m_historyView = nullptr;
};

} // namespace cerulean::ui
