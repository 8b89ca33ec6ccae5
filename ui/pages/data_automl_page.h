#pragma once

#include "ui/models/automl_job_controller.h"
#include "ui/pages/data_automl_settings.h"

#include <QWidget>

#include <chrono>
#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTabWidget;
class QTableView;
class QTimer;

namespace cerulean::ui {

class BestScoreChart;
class DatasetPreviewModel;
class GuardrailModel;
class LeaderboardModel;
class ProfileModel;
class Session;
class TrialProgressModel;
class TrialRunner;

// Step 2: choose a CSV (dialog or drag and drop), look at it (lazy preview, column
// profile with histograms, data guardrails), set up AutoML as Azure ML studio does, and
// train; then follow the run live (leaderboard, best score over time, elapsed and
// remaining time, cancel). On a workspace (local or Azure) Train submits an AutoML job
// through the Azure ML client and the finished job's runs go to the Models step; without a
// workspace the engine trains in this process and writes a run folder the Models step opens.
class DataAutoMLPage final : public QWidget
{
    Q_OBJECT

public:
    explicit DataAutoMLPage(Session &session, QWidget *parent = nullptr);
    ~DataAutoMLPage() override;

    void chooseFile();
    void openFile(const QString &path);

    AutoMLForm form() const;
    // Problems that keep Train disabled (also shown under the form).
    QStringList problems() const;
    // Submits the job (connected) or starts the run in this process (not connected); false
    // with the reason shown when it cannot start.
    bool submit();
    // Asks for confirmation, then cancels the run.
    void requestCancel();
    void cancelRun();
    bool isRunning() const;
    // Where finished runs are written (one folder per run).
    void setRunsDirectory(const QString &directory);

    DatasetPreviewModel *preview() const { return m_preview; }
    ProfileModel *profile() const { return m_profile; }
    GuardrailModel *guardrails() const { return m_guardrails; }
    LeaderboardModel *liveLeaderboard() const { return m_live; }
    TrialProgressModel *progress() const { return m_progress; }
    AutoMLJobController *jobController() const { return m_job; }
    QString statusText() const;
    // What of the form the job body cannot carry (shown under the form while connected).
    QStringList notInJobBody() const;

Q_SIGNALS:
    // A run finished (or was canceled with a best model) and was written to `folder`.
    void runFolderReady(const QString &folder);
    // A submitted job ended with runs: their metrics, charts and explanation for the Models step.
    void jobResultReady(std::shared_ptr<const cerulean::ui::RunFolder> result);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    QWidget *buildForm();
    QWidget *buildRunView();
    void dataStateChanged();
    void targetChanged();
    void updateProblems();
    void updateClock();
    void runFinished(const QString &folder, const QString &error, bool canceled);
    bool submitJob(const AutoMLForm &form);
    void jobFinished(AutoMLJobController::Stage outcome, std::shared_ptr<const RunFolder> result);
    std::chrono::milliseconds runElapsed() const;
    std::chrono::milliseconds runTimeout() const;
    void setStatus(const QString &text);

    Session &m_session;
    QString m_runsDirectory;
    DatasetPreviewModel *m_preview;
    ProfileModel *m_profile;
    GuardrailModel *m_guardrails;
    LeaderboardModel *m_live;
    QSortFilterProxyModel *m_liveProxy;
    TrialProgressModel *m_progress;
    TrialRunner *m_runner;
    AutoMLJobController *m_job;
    bool m_runIsJob = false;
    QTimer *m_clock;

    QLabel *m_file = nullptr;
    QLabel *m_status = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTableView *m_previewView = nullptr;
    QComboBox *m_target = nullptr;
    QComboBox *m_task = nullptr;
    QComboBox *m_metric = nullptr;
    QSpinBox *m_exitMinutes = nullptr;
    QSpinBox *m_maxTrials = nullptr;
    QSpinBox *m_concurrent = nullptr;
    QComboBox *m_validation = nullptr;
    QSpinBox *m_folds = nullptr;
    QDoubleSpinBox *m_validationPercent = nullptr;
    QDoubleSpinBox *m_testPercent = nullptr;
    QCheckBox *m_explain = nullptr;
    QListWidget *m_blocked = nullptr;
    QComboBox *m_compute = nullptr;
    QSpinBox *m_slots = nullptr;
    QLineEdit *m_clusterName = nullptr;
    QComboBox *m_vmSize = nullptr;
    QSpinBox *m_minNodes = nullptr;
    QSpinBox *m_maxNodes = nullptr;
    QLabel *m_problems = nullptr;
    QLabel *m_jobNotes = nullptr;
    QPushButton *m_submit = nullptr;
    QPushButton *m_cancel = nullptr;
    QLabel *m_elapsed = nullptr;
    BestScoreChart *m_bestChart = nullptr;
};

} // namespace cerulean::ui
