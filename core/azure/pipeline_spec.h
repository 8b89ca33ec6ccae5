#pragma once

// What a user types for a pipeline — the Pipelines step's forms and `cerulean-cli pipeline`'s
// options — read once into what the service takes: parameter assignments, the training
// pipeline's definition, a run of a pipeline with other values, a schedule's trigger. Every
// error is an AzureError of kind InvalidInput whose message starts with the field it is about.

#include "core/azure/pipeline_ops.h"

#include <QDateTime>
#include <QJsonObject>
#include <QStringList>

namespace cerulean::azure {

// How forms say what a data input takes (the format trainingPipelineDefinition reads).
QString dataAssetHint();

// "a=1, b=text" as a JSON object (numbers stay numbers); names are identifiers, each given
// once, and a value is never empty.
Result<QJsonObject> parameterAssignments(const QString &text);
// The same for a list of NAME=VALUE items (`--set a=1 --set b=1,2`): a value may hold commas.
Result<QJsonObject> parameterAssignments(const QStringList &items);
// Back to "a=1, b=text" (numbers in their shortest form).
QString parameterAssignmentsText(const QJsonObject &assignments);

// A training pipeline: an AutoML step on a data asset (its best model registered under
// modelName) and a command step that records the pipeline's parameters, so that a run with
// other values shows them in its log.
struct TrainingPipelineSpec
{
    QString experiment = QStringLiteral("pipelines");
    QString displayName;
    QString trainingData;                   // a data asset (dataAssetHint) or a URI
    QString targetColumn = QStringLiteral("y");
    QString task = QStringLiteral("classification");
    QString primaryMetric = QStringLiteral("AUC_weighted");
    QString compute = QStringLiteral("cpu"); // a compute cluster of the workspace, by name
    int maxTrials = 2;
    int timeoutMinutes = 1;
    QString parameters = QStringLiteral("avg_rate=0.5"); // NAME=DEFAULT, comma-separated
    QString modelName;                      // empty: the model is not registered
};
// Its definition: the body's "properties" object, as submitPipelineJob takes it.
Result<QJsonObject> trainingPipelineDefinition(const TrainingPipelineSpec &spec);

// The literal parameters of a pipeline job (its GET body) with their values ({"avg_rate": "0.5"}).
QJsonObject pipelineParameters(const QJsonObject &job);

// The definition a pipeline job (its GET body) was made from, with some parameters given new
// values and, when not empty, another experiment. A parameter the pipeline does not have is an
// error naming the ones it has.
Result<QJsonObject> rerunDefinition(const QByteArray &jobBody, const QJsonObject &assignments, const QString &experiment = {});

// How a schedule repeats: a recurrence (Minute, Hour, Day, Week, Month every `interval`, at the
// given hours, minutes and week days) or a cron expression; from when, in which time zone, and
// what the local service does with the runs it missed while it was down.
struct ScheduleForm
{
    QString name;
    bool cron = false;
    QString frequency = QStringLiteral("Day");
    int interval = 1;
    QString hours;        // "9, 17" (empty: any)
    QString minutes;      // "0, 30"
    QStringList weekDays; // Monday … Sunday
    QString expression;
    QDateTime startTime; // invalid: from now
    QString timeZone = QStringLiteral("UTC");
    QString missedRuns; // "" (the service's default), CatchUp or Skip
    bool enabled = true;
};
// The schedule that runs a pipeline job's (its GET body) definition on the form's trigger.
Result<ScheduleSpec> scheduleSpec(const QByteArray &jobBody, const ScheduleForm &form);

// "every 5 Minute", "every 1 Week at 9, 17 h :00, :30 on Monday, Friday", "cron */5 * * * *".
QString scheduleTriggerText(const Schedule &schedule);

// A trigger's submission: the experiment and the parameters (numbers stay numbers).
PipelineSubmission submissionOf(const QString &experiment, const QJsonObject &parameters);

} // namespace cerulean::azure
