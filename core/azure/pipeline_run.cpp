#include "core/azure/pipeline_run.h"

namespace cerulean::azure {

namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kLocalRunPoll = 1s;
constexpr std::chrono::milliseconds kAzureRunPoll = 10s;
// Where a step's standard output and error go (Azure ML's layout, kept by the local service).
const char *const kStepLogPath = "user_logs/std_log.txt";

QString logTail(const QByteArray &log, int lines)
{
    QStringList all = QString::fromUtf8(log).split(QLatin1Char('\n'));
    while (!all.isEmpty() && all.last().isEmpty())
        all.removeLast();
    if (all.size() > lines)
        all = all.mid(all.size() - lines);
    return all.join(QLatin1Char('\n'));
}

} // namespace

PipelineRunOptions PipelineRunOptions::forCloud(const Cloud &cloud)
{
    PipelineRunOptions options;
    options.pollInterval = cloud.isLocal() ? kLocalRunPoll : kAzureRunPoll;
    return options;
}

PipelineRun::PipelineRun(PipelineOperations operations, PipelineRunOptions options, QObject *parent)
    : QObject(parent)
    , m_operations(std::move(operations))
    , m_options(options)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(m_options.pollInterval);
    connect(&m_timer, &QTimer::timeout, this, &PipelineRun::poll);
}

void PipelineRun::submit(const QString &name, const QByteArray &definition)
{
    m_name = name;
    m_following = true;
    m_operations.submitPipelineJob(name, definition, this, [this, name](Result<Job> job) {
        if (!job)
            return fail(job.error());
        Q_EMIT submitted(name);
        poll();
    });
}

void PipelineRun::follow(const QString &name)
{
    const bool sameJob = name == m_name;
    if (sameJob && m_following)
        return;
    if (!sameJob) {
        m_job.reset();
        m_steps.clear();
        m_logs.clear();
        m_logsAsked.clear();
    }
    m_timer.stop(); // the read below replaces the one it would start
    m_name = name;
    m_following = true;
    m_ended = false;
    m_done = false;
    m_error = {};
    poll();
}

std::optional<QString> PipelineRun::stepLog(const QString &stepJob) const
{
    const auto it = m_logs.constFind(stepJob);
    return it == m_logs.constEnd() ? std::nullopt : std::optional<QString>(it.value());
}

void PipelineRun::poll()
{
    m_operations.getPipelineJob(m_name, this, [this, name = m_name](Result<PipelineJob> job) {
        if (name != m_name)
            return; // a read of the job it followed before
        if (!job)
            return fail(job.error());
        m_job = std::move(job).value();
        Q_EMIT jobRead();
        const bool ended = m_job->isTerminal();
        if (m_options.followSteps)
            return readSteps(ended);
        m_ended = ended;
        settle();
    });
}

void PipelineRun::readSteps(bool jobEnded)
{
    m_operations.listSteps(m_name, this, [this, jobEnded, name = m_name](Result<QList<Job>> steps) {
        if (name != m_name)
            return;
        if (!steps)
            return fail(steps.error());
        m_steps.clear();
        bool stepsEnded = true;
        for (const Job &child : steps.value()) {
            m_steps.append(pipelineStep(child));
            stepsEnded = stepsEnded && m_steps.last().isTerminal();
        }
        Q_EMIT stepsRead();
        m_ended = jobEnded && stepsEnded;
        readLogs();
        settle();
    });
}

void PipelineRun::readLogs()
{
    if (!m_options.readStepLogs)
        return;
    for (const PipelineStep &step : std::as_const(m_steps)) {
        if (step.type.compare(QLatin1String("command"), Qt::CaseInsensitive) != 0 || !step.isTerminal() ||
            m_logsAsked.contains(step.jobName))
            continue;
        m_logsAsked.insert(step.jobName);
        ++m_logsPending;
        const QString stepJob = step.jobName;
        m_operations.downloadJobArtifact(step.logJob, QLatin1String(kStepLogPath), this, [this, stepJob, name = m_name](Result<QByteArray> log) {
            --m_logsPending;
            if (name != m_name)
                return settle();
            // A missing log is said where the log would be, not a reason to stop following.
            m_logs.insert(stepJob, log ? logTail(log.value(), m_options.logTailLines)
                                       : tr("(no log: %1)").arg(log.error().toString()));
            Q_EMIT stepLogRead(stepJob);
            settle();
        });
    }
}

// Polls again while the job runs; once it has ended and every log asked for is in, finishes.
void PipelineRun::settle()
{
    if (m_done)
        return;
    if (!m_ended) {
        m_timer.start();
        return;
    }
    if (m_logsPending > 0)
        return;
    m_done = true;
    m_following = false;
    Q_EMIT finished();
}

void PipelineRun::fail(const AzureError &error)
{
    m_timer.stop();
    m_error = error;
    m_done = true;
    m_following = false;
    Q_EMIT finished();
}

} // namespace cerulean::azure
