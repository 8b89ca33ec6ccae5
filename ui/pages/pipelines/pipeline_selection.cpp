#include "ui/pages/pipelines/pipeline_selection.h"

#include "core/azure/cloud.h"
#include "ui/session.h"

#include <QJsonDocument>

#include <memory>

namespace cerulean::ui {

PipelineSelection::PipelineSelection(Session &session, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_runScope(this)
{
    connect(&m_session, &Session::connectionChanged, this, &PipelineSelection::startOver);
}

std::optional<azure::PipelineOperations> PipelineSelection::operations() const
{
    if (!m_session.isConnected() || !m_session.cloud() || !m_session.pipeline() || !m_session.workspace().isValid())
        return std::nullopt;
    const WorkspaceRef &ws = m_session.workspace();
    azure::PipelineOperationsOptions options;
    options.location = ws.location; // Azure's published pipelines live on the region's host
    return azure::PipelineOperations(m_session.pipeline(), *m_session.cloud(),
                                     azure::WorkspaceRef{ws.subscriptionId, ws.resourceGroup, ws.workspaceName}, options);
}

std::optional<azure::PipelineOperations> PipelineSelection::operationsOrSay()
{
    auto ops = operations();
    if (!ops)
        setMessage(tr("Not connected to a workspace."), true);
    return ops;
}

void PipelineSelection::refresh()
{
    if (!operationsOrSay())
        return;
    Q_EMIT refreshRequested();
    // The run of the selected job reads it again; what it has read (the logs) stays.
    if (m_run && m_run->name() == m_job && !m_run->error().isError())
        m_run->follow(m_job);
    else
        followAgain();
}

void PipelineSelection::startOver()
{
    m_runScope.end();
    m_run = nullptr;
    m_job.clear();
    m_details.reset();
    m_schedule.clear();
    m_lastStarted.clear();
    m_following.clear();
    if (operations())
        setMessage(tr("Connected to %1.").arg(m_session.displayName()), false);
    else
        setMessage(tr("Connect to a workspace in the Workspace step to work with pipelines."), false);
    Q_EMIT runChanged(nullptr);
    Q_EMIT connectionChanged();
}

azure::PipelineRun *PipelineSelection::newRun(const azure::PipelineOperations &operations)
{
    m_run = new azure::PipelineRun(operations, azure::PipelineRunOptions::forCloud(operations.cloud()), m_runScope.begin());
    auto *run = m_run;
    connect(run, &azure::PipelineRun::jobRead, this, [this, run] { runRead(run); });
    Q_EMIT runChanged(run);
    return run;
}

void PipelineSelection::selectJob(const QString &name)
{
    if (name == m_job)
        return;
    m_job = name;
    m_details.reset();
    Q_EMIT jobSelected(name);
    followAgain();
}

void PipelineSelection::followAgain()
{
    const auto ops = operations();
    if (!ops || m_job.isEmpty()) {
        m_runScope.end();
        m_run = nullptr;
        Q_EMIT runChanged(nullptr);
        return;
    }
    auto *run = newRun(*ops);
    connect(run, &azure::PipelineRun::finished, this, [this, run] {
        if (run->error().isError())
            showError(tr("Could not read %1").arg(run->name()), run->error());
    });
    run->follow(m_job);
}

void PipelineSelection::updateJob(const azure::PipelineJob &job)
{
    if (job.name != m_job)
        return;
    // The list and the run read a running job every second: nothing is redrawn for a read
    // that changed nothing.
    if (m_details && m_details->sameState(job))
        return;
    m_details = job;
    Q_EMIT jobChanged();
    // The status line that said a run started says how it is going, and how it ended.
    if (job.name == m_following) {
        QString text = tr("%1 %2: %3.").arg(m_followingWhat, job.name, job.status);
        const bool failed = job.status == QLatin1String("Failed");
        if (failed && !job.error.isEmpty())
            text += QLatin1Char(' ') + job.error;
        setMessage(text, failed);
        if (job.isTerminal())
            m_following.clear();
    }
}

void PipelineSelection::runRead(azure::PipelineRun *run)
{
    if (run == m_run && run->job())
        updateJob(*run->job());
}

void PipelineSelection::submit(const QString &name, const QJsonObject &definition, const QString &what)
{
    const auto ops = operationsOrSay();
    if (!ops)
        return;
    // The new run replaces the one that followed the selected job; if the service refuses it,
    // the selected job is followed again.
    auto *run = newRun(*ops);
    auto accepted = std::make_shared<bool>(false);
    connect(run, &azure::PipelineRun::submitted, this, [this, what, accepted](const QString &job) {
        *accepted = true;
        m_lastStarted = job;
        m_job = job;
        m_details.reset();
        m_following = job;
        m_followingWhat = what;
        setMessage(tr("%1 %2: submitted.").arg(what, job), false);
        Q_EMIT jobSelected(job);
        Q_EMIT runStarted(job);
    });
    connect(run, &azure::PipelineRun::finished, this, [this, run, name, what, accepted] {
        if (!run->error().isError())
            return;
        if (*accepted)
            return showError(tr("Could not read %1").arg(name), run->error());
        showError(tr("Could not submit %1 (%2)").arg(name, what.toLower()), run->error());
        followAgain(); // nothing was created: the selected job is shown as it was
    });
    run->submit(name, QJsonDocument(definition).toJson(QJsonDocument::Compact));
}

void PipelineSelection::started(const QString &job, const QString &what)
{
    m_lastStarted = job;
    m_following = job;
    m_followingWhat = what;
    setMessage(tr("%1 %2: started.").arg(what, job), false);
    m_job.clear(); // so that selecting it reads it from the start
    selectJob(job);
    m_following = job; // selecting does not change what the status line follows
    Q_EMIT runStarted(job);
}

void PipelineSelection::selectSchedule(const QString &name)
{
    if (name == m_schedule)
        return;
    m_schedule = name;
    Q_EMIT scheduleSelected(name);
}

void PipelineSelection::showMessage(const QString &text)
{
    m_following.clear();
    setMessage(text, false);
}

void PipelineSelection::showInputError(const azure::AzureError &error)
{
    m_following.clear();
    setMessage(error.message, true);
}

void PipelineSelection::showError(const QString &what, const azure::AzureError &error)
{
    m_following.clear();
    // toString keeps the service's code, message and request id: what support asks for.
    setMessage(tr("%1: %2").arg(what, error.toString()), true);
}

void PipelineSelection::setMessage(const QString &text, bool error)
{
    m_message = text;
    m_messageIsError = error;
    Q_EMIT messageChanged();
}

} // namespace cerulean::ui
