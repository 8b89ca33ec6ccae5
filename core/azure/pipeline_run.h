#pragma once

// A pipeline run, from its submission to its end: the job, its steps with their status and
// outputs, and each finished command step's log. The Pipelines step follows the run it shows
// with one; `cerulean-cli pipeline` waits on one.

#include "core/azure/pipeline_ops.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <chrono>
#include <optional>

namespace cerulean::azure {

struct PipelineRunOptions
{
    // Between two reads of a running job. The local service answers at once, so a short pace
    // shows steps change as they do; Azure's jobs take minutes and its request budget is shared.
    std::chrono::milliseconds pollInterval{1000};
    bool followSteps = true; // read the steps with the job
    bool readStepLogs = true; // read a command step's log once it has finished
    int logTailLines = 40;   // the last lines of a log kept

    static PipelineRunOptions forCloud(const Cloud &cloud);
};

// Follows one pipeline job. submit() or follow() starts it; it reads the job (and its steps)
// until the job has ended, then once more, and reports each read with a signal. It stops at the
// first request that fails, with error() set. Everything it sends uses this object as context:
// deleting it drops the answers still on their way.
class PipelineRun final : public QObject
{
    Q_OBJECT

public:
    explicit PipelineRun(PipelineOperations operations, PipelineRunOptions options = {}, QObject *parent = nullptr);

    // Submits a new pipeline job `name` from a definition (the body's "properties" object), then follows it.
    void submit(const QString &name, const QByteArray &definition);
    // Follows a job that exists. Called again for the job it follows: nothing while it still
    // follows it, else it reads the job and its steps again (the logs it has read stay). Called
    // for another job: it follows that one, and answers about the first still on their way are
    // dropped.
    void follow(const QString &name);

    QString name() const { return m_name; }
    // The job as last read; nullopt before the first read.
    const std::optional<PipelineJob> &job() const { return m_job; }
    const QList<PipelineStep> &steps() const { return m_steps; }
    // The tail of a finished command step's log (by the step's job name); nullopt until read.
    std::optional<QString> stepLog(const QString &stepJob) const;
    // The job and its steps have ended and were read after that (their logs too), or a request failed.
    bool isDone() const { return m_done; }
    // Why the run stopped early (submission refused, a read failed); kind None otherwise.
    const AzureError &error() const { return m_error; }

Q_SIGNALS:
    void submitted(const QString &name);
    void jobRead();
    void stepsRead();
    void stepLogRead(const QString &stepJob);
    void finished();

private:
    void poll();
    void readSteps(bool jobEnded);
    void readLogs();
    void settle();
    void fail(const AzureError &error);

    PipelineOperations m_operations;
    PipelineRunOptions m_options;
    QTimer m_timer;
    QString m_name;
    std::optional<PipelineJob> m_job;
    QList<PipelineStep> m_steps;
    QHash<QString, QString> m_logs; // step job -> the tail of its log
    QSet<QString> m_logsAsked;
    int m_logsPending = 0;
    bool m_following = false; // between submit() or follow() and finished()
    bool m_ended = false; // the job and its steps were read after the job ended
    bool m_done = false;
    AzureError m_error;
};

} // namespace cerulean::azure
