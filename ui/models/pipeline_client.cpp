#include "ui/models/pipeline_client.h"

#include "core/azure/azure_error.h"
#include "core/azure/cloud.h"
#include "core/azure/http.h"
#include "core/azure/pipeline.h"
#include "ui/session.h"

#include <QJsonDocument>
#include <QLocale>
#include <QRegularExpression>
#include <QUrl>

namespace cerulean::ui {

namespace {

QString key(const char *text) { return QString::fromLatin1(text); }

bool isIdentifier(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    return pattern.match(name).hasMatch();
}

// A job definition as a new job takes it (the core's rule), or nullopt and *error.
std::optional<QJsonObject> definitionOf(const QJsonObject &job, QString *error)
{
    const auto def = azure::pipelineJobDefinition(QJsonDocument(job).toJson(QJsonDocument::Compact));
    if (!def) {
        *error = def.error().message;
        return std::nullopt;
    }
    return QJsonDocument::fromJson(def.value()).object();
}

// "9, 17" -> {9, 17} within [0, max]; nullopt and *error naming the field otherwise.
std::optional<QList<int>> numbers(const QString &text, const QString &field, int max, QString *error)
{
    QList<int> out;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int v = part.trimmed().toInt(&ok);
        if (!ok || v < 0 || v > max) {
            *error = QStringLiteral("%1: '%2' is not a whole number from 0 to %3.").arg(field, part.trimmed()).arg(max);
            return std::nullopt;
        }
        out.append(v);
    }
    return out;
}

} // namespace

QJsonObject PipelineReply::json() const { return QJsonDocument::fromJson(body).object(); }

QString PipelineReply::error() const
{
    if (!failure.isEmpty())
        return failure;
    const QJsonObject e = json().value(key("error")).toObject();
    if (!e.isEmpty())
        return QStringLiteral("%1: %2").arg(e.value(key("code")).toString(), e.value(key("message")).toString());
    if (status == 0)
        return QStringLiteral("no answer from the workspace");
    return QStringLiteral("HTTP %1: %2").arg(status).arg(QString::fromUtf8(body.left(400)));
}

std::optional<QJsonObject> parseParameters(const QString &text, QString *error)
{
    QJsonObject out;
    for (const QString &raw : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString part = raw.trimmed();
        if (part.isEmpty())
            continue;
        const qsizetype eq = part.indexOf(QLatin1Char('='));
        const QString name = eq < 0 ? part : part.left(eq).trimmed();
        if (eq <= 0 || !isIdentifier(name)) {
            *error = QStringLiteral("parameters: '%1' is not NAME=VALUE with a name of letters, digits and _.").arg(part);
            return std::nullopt;
        }
        const QString value = part.mid(eq + 1).trimmed();
        if (value.isEmpty()) {
            *error = QStringLiteral("parameters: '%1' has no value.").arg(name);
            return std::nullopt;
        }
        if (out.contains(name)) {
            *error = QStringLiteral("parameters: '%1' is given twice.").arg(name);
            return std::nullopt;
        }
        bool number = false;
        const double d = value.toDouble(&number);
        out.insert(name, number ? QJsonValue(d) : QJsonValue(value));
    }
    return out;
}

std::optional<QJsonObject> pipelineJobBody(const PipelineForm &form, QString *error)
{
    if (form.trainingData.trimmed().isEmpty()) {
        *error = QStringLiteral("training data: choose a data asset (azureml:name:version).");
        return std::nullopt;
    }
    if (form.targetColumn.trimmed().isEmpty()) {
        *error = QStringLiteral("target column: a column name is required.");
        return std::nullopt;
    }
    if (form.compute.trimmed().isEmpty()) {
        *error = QStringLiteral("compute: a compute cluster name is required.");
        return std::nullopt;
    }
    if (form.maxTrials < 1 || form.timeoutMinutes < 1) {
        *error = QStringLiteral("budget: at least one trial and one minute.");
        return std::nullopt;
    }
    const auto parameters = parseParameters(form.parameters, error);
    if (!parameters)
        return std::nullopt;
    if (parameters->contains(key("training_data"))) {
        *error = QStringLiteral("parameters: 'training_data' is the pipeline's data input, not a parameter.");
        return std::nullopt;
    }

    QJsonObject inputs{{key("training_data"), QJsonObject{{key("jobInputType"), key("uri_file")}, {key("uri"), form.trainingData.trimmed()}}}};
    QJsonObject stepInputs{{key("model"), key("${{parent.jobs.train.outputs.best_model}}")}};
    QStringList echoes;
    for (auto it = parameters->begin(); it != parameters->end(); ++it) {
        const QString text = it.value().isDouble() ? QString::number(it.value().toDouble(), 'g', QLocale::FloatingPointShortest) : it.value().toString();
        inputs.insert(it.key(), QJsonObject{{key("jobInputType"), key("literal")}, {key("value"), text}});
        stepInputs.insert(it.key(), QStringLiteral("${{parent.inputs.%1}}").arg(it.key()));
        echoes << QStringLiteral("echo %1=${{inputs.%1}}").arg(it.key());
    }
    echoes << QStringLiteral("ls ${{inputs.model}}");
    const QString command = QStringLiteral("(%1) > ${{outputs.report}}/parameters.txt && cat ${{outputs.report}}/parameters.txt")
                                .arg(echoes.join(QStringLiteral(" && ")));

    QJsonObject outputs;
    QJsonObject trainOutputs;
    if (!form.modelName.trimmed().isEmpty()) {
        if (!QRegularExpression(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$")).match(form.modelName.trimmed()).hasMatch()) {
            *error = QStringLiteral("model name: '%1' may hold only letters, digits, '-', '_' and '.'.").arg(form.modelName);
            return std::nullopt;
        }
        outputs.insert(key("trained_model"), QJsonObject{{key("jobOutputType"), key("mlflow_model")}, {key("assetName"), form.modelName.trimmed()}});
        trainOutputs.insert(key("best_model"), key("${{parent.outputs.trained_model}}"));
    }
    const QJsonObject train{
        {key("type"), key("automl")},
        {key("task"), form.task},
        {key("primary_metric"), form.primaryMetric},
        {key("target_column_name"), form.targetColumn.trimmed()},
        {key("training_data"), key("${{parent.inputs.training_data}}")},
        {key("limits"), QJsonObject{{key("max_trials"), form.maxTrials},
                                    {key("max_concurrent_trials"), std::min(form.maxTrials, 2)},
                                    {key("timeout_minutes"), form.timeoutMinutes}}},
        {key("training"), QJsonObject{{key("enable_stack_ensemble"), false},
                                      {key("enable_vote_ensemble"), false},
                                      {key("enable_model_explainability"), false}}},
        {key("outputs"), trainOutputs}};
    const QJsonObject report{{key("type"), key("command")},
                             {key("command"), command},
                             {key("inputs"), stepInputs},
                             {key("outputs"), QJsonObject{{key("report"), QJsonObject{{key("type"), key("uri_folder")}}}}}};
    QJsonObject properties{{key("jobType"), key("Pipeline")},
                           {key("experimentName"), form.experiment.trimmed().isEmpty() ? key("pipelines") : form.experiment.trimmed()},
                           {key("settings"), QJsonObject{{key("default_compute"), QString(QStringLiteral("azureml:") + form.compute.trimmed())}}},
                           {key("inputs"), inputs},
                           {key("outputs"), outputs},
                           {key("jobs"), QJsonObject{{key("train"), train}, {key("report"), report}}}};
    if (!form.displayName.trimmed().isEmpty())
        properties.insert(key("displayName"), form.displayName.trimmed());
    return QJsonObject{{key("properties"), properties}};
}

QJsonObject pipelineParameters(const QJsonObject &job)
{
    QJsonObject out;
    const QJsonObject inputs = job.value(key("properties")).toObject().value(key("inputs")).toObject();
    for (auto it = inputs.begin(); it != inputs.end(); ++it) {
        const QJsonObject in = it.value().toObject();
        if (in.value(key("jobInputType")).toString() == QLatin1String("literal"))
            out.insert(it.key(), in.value(key("value")));
    }
    return out;
}

std::optional<QJsonObject> rerunBody(const QJsonObject &job, const QJsonObject &assignments, const QString &experiment,
                                     QString *error)
{
    const auto defined = definitionOf(job, error);
    if (!defined)
        return std::nullopt;
    QJsonObject def = *defined;
    QJsonObject inputs = def.value(key("inputs")).toObject();
    for (auto it = assignments.begin(); it != assignments.end(); ++it) {
        if (!inputs.contains(it.key())) {
            *error = QStringLiteral("parameters: the pipeline has no parameter '%1' (its parameters: %2).")
                         .arg(it.key(), inputs.keys().join(QStringLiteral(", ")));
            return std::nullopt;
        }
        QJsonObject in = inputs.value(it.key()).toObject();
        const QString text = it.value().isDouble() ? QString::number(it.value().toDouble(), 'g', QLocale::FloatingPointShortest) : it.value().toString();
        in.insert(in.value(key("jobInputType")).toString() == QLatin1String("literal") ? key("value") : key("uri"), text);
        inputs.insert(it.key(), in);
    }
    def.insert(key("inputs"), inputs);
    if (!experiment.trimmed().isEmpty())
        def.insert(key("experimentName"), experiment.trimmed());
    return QJsonObject{{key("properties"), def}};
}

std::optional<azure::ScheduleSpec> scheduleSpec(const QJsonObject &job, const ScheduleForm &form, QString *error)
{
    static const QStringList frequencies{key("Minute"), key("Hour"), key("Day"), key("Week"), key("Month")};
    static const QStringList days{key("Monday"), key("Tuesday"), key("Wednesday"), key("Thursday"), key("Friday"), key("Saturday"),
                                  key("Sunday")};
    static const QRegularExpression nameRe(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$"));
    azure::ScheduleSpec spec;
    spec.name = form.name.trimmed();
    if (!nameRe.match(spec.name).hasMatch()) {
        *error = spec.name.isEmpty() ? QStringLiteral("schedule name: a name is required.")
                                     : QStringLiteral("schedule name: '%1' may hold only letters, digits, '-' and '_'.").arg(spec.name);
        return std::nullopt;
    }
    if (form.cron) {
        const QStringList fields = form.expression.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (fields.size() != 5) {
            *error = QStringLiteral("cron: '%1' needs 5 fields (minute hour day-of-month month day-of-week).").arg(form.expression);
            return std::nullopt;
        }
        spec.cronExpression = fields.join(QLatin1Char(' '));
    } else {
        if (!frequencies.contains(form.frequency)) {
            *error = QStringLiteral("frequency: '%1' is not one of %2.").arg(form.frequency, frequencies.join(QStringLiteral(", ")));
            return std::nullopt;
        }
        if (form.interval < 1) {
            *error = QStringLiteral("interval: at least 1.");
            return std::nullopt;
        }
        spec.frequency = form.frequency;
        spec.interval = form.interval;
        const auto hours = numbers(form.hours, QStringLiteral("hours"), 23, error);
        if (!hours)
            return std::nullopt;
        const auto minutes = numbers(form.minutes, QStringLiteral("minutes"), 59, error);
        if (!minutes)
            return std::nullopt;
        spec.hours = *hours;
        spec.minutes = *minutes;
        for (const QString &day : form.weekDays) {
            if (!days.contains(day)) {
                *error = QStringLiteral("week days: '%1' is not a day of the week.").arg(day);
                return std::nullopt;
            }
        }
        spec.weekDays = form.weekDays;
    }
    spec.timeZone = form.timeZone.trimmed().isEmpty() ? key("UTC") : form.timeZone.trimmed();
    if (form.startTime.isValid())
        spec.startTime = form.startTime.toUTC().toString(Qt::ISODate);
    if (!form.missedRuns.isEmpty()) {
        if (form.missedRuns != QLatin1String("CatchUp") && form.missedRuns != QLatin1String("Skip")) {
            *error = QStringLiteral("after downtime: '%1' is not CatchUp or Skip.").arg(form.missedRuns);
            return std::nullopt;
        }
        spec.properties.insert(key("cerulean.missedRuns"), form.missedRuns);
    }
    spec.isEnabled = form.enabled;
    const auto def = definitionOf(job, error);
    if (!def)
        return std::nullopt;
    spec.displayName = job.value(key("name")).toString();
    spec.jobDefinitionJson = QJsonDocument(*def).toJson(QJsonDocument::Compact);
    return spec;
}

azure::PipelineSubmission submissionOf(const QString &experiment, const QJsonObject &parameters)
{
    azure::PipelineSubmission submission;
    submission.experimentName = experiment;
    submission.parameterAssignments = parameters.toVariantMap();
    return submission;
}

QString scheduleTriggerText(const azure::Schedule &schedule)
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

PipelineClient::PipelineClient(Session *session, QObject *parent)
    : QObject(parent)
    , m_session(session)
{
}

bool PipelineClient::isReady() const
{
    return m_session && m_session->isConnected() && m_session->cloud() && m_session->pipeline() && m_session->workspace().isValid();
}

QString PipelineClient::workspaceId() const { return isReady() ? m_session->workspace().armId() : QString(); }

std::optional<azure::PipelineOperations> PipelineClient::operations() const
{
    if (!isReady())
        return std::nullopt;
    const WorkspaceRef &ws = m_session->workspace();
    return azure::PipelineOperations(m_session->pipeline(), *m_session->cloud(),
                                     azure::WorkspaceRef{ws.subscriptionId, ws.resourceGroup, ws.workspaceName});
}

void PipelineClient::send(const QByteArray &method, const QString &path, const QJsonObject &body, Done done)
{
    if (!isReady()) {
        PipelineReply reply;
        reply.failure = QStringLiteral("not connected to a workspace");
        done(reply);
        return;
    }
    QString base = m_session->cloud()->resourceManager.toString();
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    QString target = base + path;
    if (!path.contains(QLatin1String("api-version=")))
        target += (path.contains(QLatin1Char('?')) ? QLatin1Char('&') : QLatin1Char('?')) + QStringLiteral("api-version=") +
                  QLatin1String(kApiVersion);
    azure::HttpRequest request;
    request.method = method;
    request.url = QUrl(target);
    if (!body.isEmpty()) {
        request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        request.headers.set("Content-Type", "application/json");
    }
    m_session->pipeline()->send(std::move(request), this, [done = std::move(done)](const azure::HttpResponse &response) {
        PipelineReply reply;
        reply.status = response.failure == azure::HttpResponse::Failure::None ? response.status : 0;
        reply.body = response.body;
        if (response.failure != azure::HttpResponse::Failure::None)
            reply.failure = !response.failureText.isEmpty()                ? response.failureText
                            : !response.credentialError.message.isEmpty() ? response.credentialError.message
                                                                          : QStringLiteral("the request failed");
        done(reply);
    });
}

} // namespace cerulean::ui
