#pragma once

#include "core/azure/pipeline_run.h"
#include "ui/operation_scope.h"

#include <QJsonObject>
#include <QObject>

#include <optional>

namespace cerulean::ui {

class Session;

// What the Pipelines step's tabs share, as the pages of Qt's licensewizard share fields: the
// workspace's pipeline operations, the selected pipeline job with the run that follows it, the
// selected schedule, the run started last, and the one status line. A tab reads and sets these
// and listens to their signals; it never calls another tab.
class PipelineSelection final : public QObject
{
    Q_OBJECT

public:
    explicit PipelineSelection(Session &session, QObject *parent = nullptr);

    Session &session() const { return m_session; }
    // Forgets what was selected and reads the connected workspace again: when the session
    // connects, and once the page and its tabs exist.
    void startOver();
    // Reads the jobs, the schedules and the selected run again (the Refresh button).
    void refresh();
    // The typed pipeline operations on the session's request pipeline; nullopt when not connected.
    std::optional<azure::PipelineOperations> operations() const;
    // The operations, or nullopt after saying on the status line that there is no workspace.
    std::optional<azure::PipelineOperations> operationsOrSay();

    // The selected pipeline job ("" when none), as last read (nullopt before the first read).
    QString job() const { return m_job; }
    const std::optional<azure::PipelineJob> &jobDetails() const { return m_details; }
    // Selects a job and follows it (run()).
    void selectJob(const QString &name);
    // A newer read of a job (the jobs list, the run); for the selected one, jobChanged().
    void updateJob(const azure::PipelineJob &job);
    // The run that follows the selected job (null when none is selected).
    azure::PipelineRun *run() const { return m_run; }
    // Reads the selected job and its steps again from the start.
    void followAgain();

    // Submits a new pipeline job from a definition (the body's "properties" object); once the
    // service has it, it is selected and the status line follows it to its end. `what` says
    // what started it ("Created", "Run").
    void submit(const QString &name, const QJsonObject &definition, const QString &what);
    // A run started elsewhere (a trigger): selected and followed in the same way.
    void started(const QString &job, const QString &what);
    // The name of the run started last ("" before one).
    QString lastStarted() const { return m_lastStarted; }

    QString schedule() const { return m_schedule; }
    void selectSchedule(const QString &name);

    // The status line: a sentence, an input error (its message), or a failed request with the
    // service's code, message and request id.
    QString message() const { return m_message; }
    bool messageIsError() const { return m_messageIsError; }
    void showMessage(const QString &text);
    void showInputError(const azure::AzureError &error);
    void showError(const QString &what, const azure::AzureError &error);
    void clearMessage() { showMessage({}); }

    // A list was read again (tests wait on it).
    void notifyUpdated() { Q_EMIT updated(); }

Q_SIGNALS:
    void connectionChanged();
    void refreshRequested();
    void jobSelected(const QString &job);
    void jobChanged();
    // A new run object follows the selected job: bind to its signals.
    void runChanged(cerulean::azure::PipelineRun *run);
    void runStarted(const QString &job);
    void scheduleSelected(const QString &schedule);
    void messageChanged();
    void updated();

private:
    azure::PipelineRun *newRun(const azure::PipelineOperations &operations);
    void runRead(azure::PipelineRun *run);
    void setMessage(const QString &text, bool error);

    Session &m_session;
    OperationScope m_runScope;
    azure::PipelineRun *m_run = nullptr;
    QString m_job;
    std::optional<azure::PipelineJob> m_details;
    QString m_schedule;
    QString m_lastStarted;
    QString m_following;     // the run the status line follows ("" when it says something else)
    QString m_followingWhat; // "Created", "Run", "Triggered"
    QString m_message;
    bool m_messageIsError = false;
};

} // namespace cerulean::ui
