#include "core/azure/pipeline_spec.h"

#include <QJsonDocument>
#include <QLocale>
#include <QRegularExpression>

#include <algorithm>

namespace cerulean::azure {

namespace {

QString jsonKey(const char *text) { return QString::fromLatin1(text); }

// Two trials at a time at most: the local workspace's cluster has two worker slots by default.
constexpr int kMaxConcurrentTrials = 2;
constexpr int kLastHour = 23;
constexpr int kLastMinute = 59;

bool isIdentifier(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    return pattern.match(name).hasMatch();
}

QString numberText(const QJsonValue &value)
{
    return value.isDouble() ? QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest) : value.toString();
}

// One NAME=VALUE into `out`; an error naming the part otherwise.
std::optional<AzureError> addAssignment(const QString &part, QJsonObject &out)
{
    const qsizetype eq = part.indexOf(QLatin1Char('='));
    const QString name = eq < 0 ? part : part.left(eq).trimmed();
    if (eq <= 0 || !isIdentifier(name))
        return AzureError::invalidInput(
            QStringLiteral("parameters: '%1' is not NAME=VALUE with a name of letters, digits and _.").arg(part));
    const QString value = part.mid(eq + 1).trimmed();
    if (value.isEmpty())
        return AzureError::invalidInput(QStringLiteral("parameters: '%1' has no value.").arg(name));
    if (out.contains(name))
        return AzureError::invalidInput(QStringLiteral("parameters: '%1' is given twice.").arg(name));
    bool number = false;
    const double d = value.toDouble(&number);
    out.insert(name, number ? QJsonValue(d) : QJsonValue(value));
    return std::nullopt;
}

// A pipeline job's GET body as the definition a new job takes.
Result<QJsonObject> definitionOf(const QByteArray &jobBody)
{
    const auto def = pipelineJobDefinition(jobBody);
    if (!def)
        return def.error();
    return QJsonDocument::fromJson(def.value()).object();
}

// "9, 17" -> {9, 17} within [0, max]; an error naming the field otherwise.
Result<QList<int>> numbers(const QString &text, const QString &field, int max)
{
    QList<int> out;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int v = part.trimmed().toInt(&ok);
        if (!ok || v < 0 || v > max)
            return AzureError::invalidInput(
                QStringLiteral("%1: '%2' is not a whole number from 0 to %3.").arg(field, part.trimmed()).arg(max));
        out.append(v);
    }
    return out;
}

std::optional<AzureError> checkTrainingSpec(const TrainingPipelineSpec &spec)
{
    if (spec.trainingData.trimmed().isEmpty())
        return AzureError::invalidInput(QStringLiteral("training data: choose a data asset (%1).").arg(dataAssetHint()));
    if (spec.targetColumn.trimmed().isEmpty())
        return AzureError::invalidInput(QStringLiteral("target column: a column name is required."));
    if (spec.compute.trimmed().isEmpty())
        return AzureError::invalidInput(QStringLiteral("compute: a compute cluster name is required."));
    if (spec.maxTrials < 1 || spec.timeoutMinutes < 1)
        return AzureError::invalidInput(QStringLiteral("budget: at least one trial and one minute."));
    static const QRegularExpression modelName(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$"));
    if (!spec.modelName.trimmed().isEmpty() && !modelName.match(spec.modelName.trimmed()).hasMatch())
        return AzureError::invalidInput(
            QStringLiteral("model name: '%1' may hold only letters, digits, '-', '_' and '.'.").arg(spec.modelName));
    return std::nullopt;
}

// The command step: echoes each parameter into its report output and lists the model it got.
QJsonObject reportStep(const QJsonObject &parameters)
{
    QJsonObject inputs{{jsonKey("model"), jsonKey("${{parent.jobs.train.outputs.best_model}}")}};
    QStringList echoes;
    for (auto it = parameters.begin(); it != parameters.end(); ++it) {
        inputs.insert(it.key(), QStringLiteral("${{parent.inputs.%1}}").arg(it.key()));
        echoes << QStringLiteral("echo %1=${{inputs.%1}}").arg(it.key());
    }
    echoes << QStringLiteral("ls ${{inputs.model}}");
    const QString command =
        QStringLiteral("(%1) > ${{outputs.report}}/parameters.txt && cat ${{outputs.report}}/parameters.txt")
            .arg(echoes.join(QStringLiteral(" && ")));
    return QJsonObject{{jsonKey("type"), jsonKey("command")},
                       {jsonKey("command"), command},
                       {jsonKey("inputs"), inputs},
                       {jsonKey("outputs"), QJsonObject{{jsonKey("report"), QJsonObject{{jsonKey("type"), jsonKey("uri_folder")}}}}}};
}

QJsonObject automlStep(const TrainingPipelineSpec &spec, bool registers)
{
    QJsonObject outputs;
    if (registers)
        outputs.insert(jsonKey("best_model"), jsonKey("${{parent.outputs.trained_model}}"));
    return QJsonObject{
        {jsonKey("type"), jsonKey("automl")},
        {jsonKey("task"), spec.task},
        {jsonKey("primary_metric"), spec.primaryMetric},
        {jsonKey("target_column_name"), spec.targetColumn.trimmed()},
        {jsonKey("training_data"), jsonKey("${{parent.inputs.training_data}}")},
        {jsonKey("limits"), QJsonObject{{jsonKey("max_trials"), spec.maxTrials},
                                    {jsonKey("max_concurrent_trials"), std::min(spec.maxTrials, kMaxConcurrentTrials)},
                                    {jsonKey("timeout_minutes"), spec.timeoutMinutes}}},
        {jsonKey("training"), QJsonObject{{jsonKey("enable_stack_ensemble"), false},
                                      {jsonKey("enable_vote_ensemble"), false},
                                      {jsonKey("enable_model_explainability"), false}}},
        {jsonKey("outputs"), outputs}};
}

} // namespace

QString dataAssetHint() { return QStringLiteral("azureml:name:version"); }

Result<QJsonObject> parameterAssignments(const QString &text)
{
    QStringList items;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!part.trimmed().isEmpty())
            items << part.trimmed();
    return parameterAssignments(items);
}

Result<QJsonObject> parameterAssignments(const QStringList &items)
{
    QJsonObject out;
    for (const QString &item : items)
        if (auto error = addAssignment(item.trimmed(), out))
            return *error;
    return out;
}

QString parameterAssignmentsText(const QJsonObject &assignments)
{
    QStringList parts;
    for (auto it = assignments.begin(); it != assignments.end(); ++it)
        parts << it.key() + QLatin1Char('=') + numberText(it.value());
    return parts.join(QStringLiteral(", "));
}

Result<QJsonObject> trainingPipelineDefinition(const TrainingPipelineSpec &spec)
{
    if (auto error = checkTrainingSpec(spec))
        return *error;
    const auto parameters = parameterAssignments(spec.parameters);
    if (!parameters)
        return parameters.error();
    if (parameters->contains(jsonKey("training_data")))
        return AzureError::invalidInput(QStringLiteral("parameters: 'training_data' is the pipeline's data input, not a parameter."));

    QJsonObject inputs{{jsonKey("training_data"),
                        QJsonObject{{jsonKey("jobInputType"), jsonKey("uri_file")}, {jsonKey("uri"), spec.trainingData.trimmed()}}}};
    for (auto it = parameters->begin(); it != parameters->end(); ++it)
        inputs.insert(it.key(), QJsonObject{{jsonKey("jobInputType"), jsonKey("literal")}, {jsonKey("value"), numberText(it.value())}});
    const bool registers = !spec.modelName.trimmed().isEmpty();
    QJsonObject outputs;
    if (registers)
        outputs.insert(jsonKey("trained_model"),
                       QJsonObject{{jsonKey("jobOutputType"), jsonKey("mlflow_model")}, {jsonKey("assetName"), spec.modelName.trimmed()}});
    const QString experiment = spec.experiment.trimmed().isEmpty() ? jsonKey("pipelines") : spec.experiment.trimmed();
    // The settings name the cluster as Azure ML's YAML does: azureml:NAME.
    const QString compute = spec.compute.trimmed();
    const QString computeRef = compute.startsWith(QLatin1String("azureml:")) ? compute : QStringLiteral("azureml:") + compute;
    QJsonObject definition{
        {jsonKey("jobType"), jsonKey("Pipeline")},
        {jsonKey("experimentName"), experiment},
        {jsonKey("settings"), QJsonObject{{jsonKey("default_compute"), computeRef}}},
        {jsonKey("inputs"), inputs},
        {jsonKey("outputs"), outputs},
        {jsonKey("jobs"), QJsonObject{{jsonKey("train"), automlStep(spec, registers)}, {jsonKey("report"), reportStep(parameters.value())}}}};
    if (!spec.displayName.trimmed().isEmpty())
        definition.insert(jsonKey("displayName"), spec.displayName.trimmed());
    return definition;
}

QJsonObject pipelineParameters(const QJsonObject &job)
{
    QJsonObject out;
    const QJsonObject inputs = job.value(jsonKey("properties")).toObject().value(jsonKey("inputs")).toObject();
    for (auto it = inputs.begin(); it != inputs.end(); ++it) {
        const QJsonObject in = it.value().toObject();
        if (in.value(jsonKey("jobInputType")).toString() == QLatin1String("literal"))
            out.insert(it.key(), in.value(jsonKey("value")));
    }
    return out;
}

Result<QJsonObject> rerunDefinition(const QByteArray &jobBody, const QJsonObject &assignments, const QString &experiment)
{
    auto defined = definitionOf(jobBody);
    if (!defined)
        return defined.error();
    QJsonObject def = defined.value();
    QJsonObject inputs = def.value(jsonKey("inputs")).toObject();
    for (auto it = assignments.begin(); it != assignments.end(); ++it) {
        if (!inputs.contains(it.key()))
            return AzureError::invalidInput(QStringLiteral("parameters: the pipeline has no parameter '%1' (its parameters: %2).")
                                                .arg(it.key(), inputs.keys().join(QStringLiteral(", "))));
        QJsonObject in = inputs.value(it.key()).toObject();
        const bool literal = in.value(jsonKey("jobInputType")).toString() == QLatin1String("literal");
        in.insert(literal ? jsonKey("value") : jsonKey("uri"), numberText(it.value()));
        inputs.insert(it.key(), in);
    }
    def.insert(jsonKey("inputs"), inputs);
    if (!experiment.trimmed().isEmpty())
        def.insert(jsonKey("experimentName"), experiment.trimmed());
    return def;
}

namespace {

// The recurrence fields of the form into `spec`; an error naming the field otherwise.
std::optional<AzureError> recurrenceOf(const ScheduleForm &form, ScheduleSpec &spec)
{
    static const QStringList frequencies{jsonKey("Minute"), jsonKey("Hour"), jsonKey("Day"), jsonKey("Week"), jsonKey("Month")};
    static const QStringList days{jsonKey("Monday"), jsonKey("Tuesday"), jsonKey("Wednesday"), jsonKey("Thursday"),
                                  jsonKey("Friday"), jsonKey("Saturday"), jsonKey("Sunday")};
    if (!frequencies.contains(form.frequency))
        return AzureError::invalidInput(
            QStringLiteral("frequency: '%1' is not one of %2.").arg(form.frequency, frequencies.join(QStringLiteral(", "))));
    if (form.interval < 1)
        return AzureError::invalidInput(QStringLiteral("interval: at least 1."));
    spec.frequency = form.frequency;
    spec.interval = form.interval;
    const auto hours = numbers(form.hours, QStringLiteral("hours"), kLastHour);
    if (!hours)
        return hours.error();
    const auto minutes = numbers(form.minutes, QStringLiteral("minutes"), kLastMinute);
    if (!minutes)
        return minutes.error();
    spec.hours = hours.value();
    spec.minutes = minutes.value();
    for (const QString &day : form.weekDays)
        if (!days.contains(day))
            return AzureError::invalidInput(QStringLiteral("week days: '%1' is not a day of the week.").arg(day));
    spec.weekDays = form.weekDays;
    return std::nullopt;
}

} // namespace

Result<ScheduleSpec> scheduleSpec(const QByteArray &jobBody, const ScheduleForm &form)
{
    static const QRegularExpression nameRe(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$"));
    ScheduleSpec spec;
    spec.name = form.name.trimmed();
    if (spec.name.isEmpty())
        return AzureError::invalidInput(QStringLiteral("schedule name: a name is required."));
    if (!nameRe.match(spec.name).hasMatch())
        return AzureError::invalidInput(
            QStringLiteral("schedule name: '%1' may hold only letters, digits, '-' and '_'.").arg(spec.name));
    if (form.cron) {
        const QStringList fields = form.expression.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (fields.size() != 5)
            return AzureError::invalidInput(
                QStringLiteral("cron: '%1' needs 5 fields (minute hour day-of-month month day-of-week).").arg(form.expression));
        spec.cronExpression = fields.join(QLatin1Char(' '));
    } else if (auto error = recurrenceOf(form, spec)) {
        return *error;
    }
    spec.timeZone = form.timeZone.trimmed().isEmpty() ? jsonKey("UTC") : form.timeZone.trimmed();
    if (form.startTime.isValid())
        spec.startTime = form.startTime.toUTC().toString(Qt::ISODate);
    if (!form.missedRuns.isEmpty()) {
        if (form.missedRuns != QLatin1String("CatchUp") && form.missedRuns != QLatin1String("Skip"))
            return AzureError::invalidInput(QStringLiteral("after downtime: '%1' is not CatchUp or Skip.").arg(form.missedRuns));
        spec.properties.insert(jsonKey("cerulean.missedRuns"), form.missedRuns);
    }
    spec.isEnabled = form.enabled;
    const auto def = definitionOf(jobBody);
    if (!def)
        return def.error();
    spec.displayName = QJsonDocument::fromJson(jobBody).object().value(jsonKey("name")).toString();
    spec.jobDefinitionJson = QJsonDocument(def.value()).toJson(QJsonDocument::Compact);
    return spec;
}

QString scheduleTriggerText(const Schedule &schedule)
{
    if (schedule.triggerType == QLatin1String("Cron") || !schedule.cronExpression.isEmpty())
        return QStringLiteral("cron ") + schedule.cronExpression;
    QString text = QStringLiteral("every %1 %2").arg(schedule.interval).arg(schedule.frequency);
    const auto list = [](const QList<int> &values, const char *format) {
        QStringList parts;
        for (int v : values)
            parts << QString::asprintf(format, v);
        return parts.join(QStringLiteral(", "));
    };
    if (!schedule.hours.isEmpty())
        text += QStringLiteral(" at %1 h").arg(list(schedule.hours, "%d"));
    if (!schedule.minutes.isEmpty())
        text += QStringLiteral(" %1").arg(list(schedule.minutes, ":%02d"));
    if (!schedule.weekDays.isEmpty())
        text += QStringLiteral(" on ") + schedule.weekDays.join(QStringLiteral(", "));
    return text;
}

PipelineSubmission submissionOf(const QString &experiment, const QJsonObject &parameters)
{
    PipelineSubmission submission;
    submission.experimentName = experiment;
    submission.parameterAssignments = parameters.toVariantMap();
    return submission;
}

} // namespace cerulean::azure
