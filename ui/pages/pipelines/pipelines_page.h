#pragma once

#include "core/azure/pipeline_ops.h"
#include "ui/operation_scope.h"
#include "ui/pages/pipelines/publish_tab.h"

#include <QHash>
#include <QWidget>

class QLabel;
class QPushButton;
class QTabWidget;
class QTableView;
class QTimer;

namespace cerulean::ui {

class BatchTab;
class CreateTab;
class PipelineGraphView;
class PipelineSelection;
class PipelineTableModel;
class PublishTab;
class RunTab;
class SchedulesTab;
class Session;

// The Pipelines step: the workspace's pipeline jobs with their status beside five tabs — a
// training pipeline created from a form, the selected run (its steps as a graph and a table,
// their outputs and logs, running it again with other parameters), publishing it behind a REST
// trigger, schedules with the runs they started, and batch inference. The tabs share one
// PipelineSelection and never reach into each other; the page binds the jobs list and the
// status line to it.
class PipelinesPage final : public QWidget
{
    Q_OBJECT

public:
    explicit PipelinesPage(Session &session, QWidget *parent = nullptr);
    ~PipelinesPage() override;

    PipelineTableModel *jobs() const { return m_jobs; }
    PipelineTableModel *steps() const;
    PipelineTableModel *schedules() const;
    PipelineTableModel *history() const;
    PipelineTableModel *failedRows() const;
    PipelineGraphView *graphView() const;
    // The batch job the Batch tab started last ("" before one).
    QString batchJob() const;
    QString selectedJob() const;
    QString selectedSchedule() const;
    // The name of the run the last Create, Run or Trigger started ("" before one).
    QString lastStartedJob() const;
    // The log of a finished command step of the selected run (its job name), "" until it has been read.
    QString stepLog(const QString &stepJob) const;

    // The Publish tab's "Let the command line sign in" (PublishTab::setCommandLineSignIn).
    void setCommandLineSignIn(PublishTab::CommandLineSignIn share);

    // Reads the jobs, the schedules and the selected run again.
    void refresh();
    void selectJob(const QString &name);
    void selectSchedule(const QString &name);

Q_SIGNALS:
    // A job, step, schedule or history list was read again (tests wait on it).
    void updated();

private:
    QWidget *buildJobsList();
    void startOver();
    void loadJobs();
    void pollIfRunning();
    void showMessage();

    PipelineSelection *m_selection;
    PipelineTableModel *m_jobs;
    QHash<QString, azure::PipelineJob> m_listed; // the jobs list's rows, by name
    OperationScope m_jobsScope;
    QTimer *m_poll;
    QTableView *m_jobsView = nullptr;
    QLabel *m_message = nullptr;
    QTabWidget *m_tabs = nullptr;
    CreateTab *m_create = nullptr;
    RunTab *m_run = nullptr;
    PublishTab *m_publish = nullptr;
    SchedulesTab *m_schedules = nullptr;
    BatchTab *m_batch = nullptr;
};

} // namespace cerulean::ui
