#pragma once

#include "core/azure/pipeline_ops.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <optional>

namespace cerulean::ui {

class Session;

// One answer of the workspace service: the HTTP status (0 when none came) and body, or why none came.
struct PipelineReply
{
    int status = 0;
    QByteArray body;
    QString failure; // transport or credential failure text

    bool ok() const { return status >= 200 && status < 300; }
    QJsonObject json() const;
    // "code: message" of the service's error, or what went wrong on the way.
    QString error() const;
};

// What the Pipelines step's form creates: a training pipeline of an AutoML step on a data
// asset (its best model registered under modelName) and a command step that records the
// pipeline's parameters, so a run with other values shows them in its output.
struct PipelineForm
{
    QString experiment = QStringLiteral("pipelines");
    QString displayName;
    QString trainingData;                   // "azureml:name:version"
    QString targetColumn = QStringLiteral("y");
    QString task = QStringLiteral("classification");
    QString primaryMetric = QStringLiteral("AUC_weighted");
    QString compute = QStringLiteral("cpu"); // a compute cluster of the workspace
    int maxTrials = 2;
    int timeoutMinutes = 1;
    QString parameters = QStringLiteral("avg_rate=0.5"); // NAME=DEFAULT, comma-separated
    QString modelName;                      // empty: the model is not registered
};

// How a schedule repeats: a recurrence (Minute, Hour, Day, Week, Month every `interval`, at
// the given hours, minutes and week days) or a cron expression; from when, in which time zone,
// and what the local service does with the runs it missed while it was down.
struct ScheduleForm
{
    QString name;
    bool cron = false;
    QString frequency = QStringLiteral("Day");
    int interval = 1;
    QString hours;   // "9, 17" (empty: any)
    QString minutes; // "0, 30"
    QStringList weekDays; // Monday … Sunday
    QString expression;
    QDateTime startTime; // invalid: from now
    QString timeZone = QStringLiteral("UTC");
    QString missedRuns; // "" (the service's default), CatchUp or Skip
    bool enabled = true;
};

// "a=1, b=text" as a JSON object (numbers stay numbers). nullopt and *error naming the bad part otherwise.
std::optional<QJsonObject> parseParameters(const QString &text, QString *error);

// The REST body (PUT …/jobs/NAME) of the form's pipeline; nullopt and *error naming the field.
std::optional<QJsonObject> pipelineJobBody(const PipelineForm &form, QString *error);

// The body that runs `job`'s pipeline again with some parameters changed; an unknown
// parameter is an error naming the pipeline's parameters.
std::optional<QJsonObject> rerunBody(const QJsonObject &job, const QJsonObject &assignments, const QString &experiment,
                                     QString *error);

// The schedule running `job`'s pipeline on the form's trigger; nullopt and *error naming the field.
std::optional<azure::ScheduleSpec> scheduleSpec(const QJsonObject &job, const ScheduleForm &form, QString *error);

// The literal parameters of a pipeline job with their values ({"avg_rate": "0.5"}).
QJsonObject pipelineParameters(const QJsonObject &job);

// "every 5 Minute", "every 1 Week at 9, 17 h :00, :30 on Monday, Friday", "cron */5 * * * *".
QString scheduleTriggerText(const azure::Schedule &schedule);

// A parameters object as the trigger's assignments (numbers stay numbers).
azure::PipelineSubmission submissionOf(const QString &experiment, const QJsonObject &parameters);

// Sends the Pipelines step's REST calls through the session's request pipeline (its credential,
// retries and transport), with URLs built from the session's cloud and workspace. Callbacks
// come on the event loop and are dropped once the client is gone.
class PipelineClient final : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(const PipelineReply &)>;

    explicit PipelineClient(Session *session, QObject *parent = nullptr);

    bool isReady() const;
    // The workspace's ARM id ("" when not connected).
    QString workspaceId() const;
    // The typed pipeline operations on the session's request pipeline; nullopt when not connected.
    std::optional<azure::PipelineOperations> operations() const;

    // `path` starts with "/"; ARM paths get the api-version.
    void send(const QByteArray &method, const QString &path, const QJsonObject &body, Done done);
    void send(const QByteArray &method, const QString &path, Done done) { send(method, path, QJsonObject(), std::move(done)); }

    static constexpr const char *kApiVersion = "2025-12-01";

private:
    QPointer<Session> m_session;
};

} // namespace cerulean::ui
