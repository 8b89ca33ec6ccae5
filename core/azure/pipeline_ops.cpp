#include "core/azure/pipeline_ops.h"

#include "core/azure/json_util.h"

#include <QFileInfo>
#include <QRegularExpression>

#include <cmath>
#include <QUrlQuery>

namespace cerulean::azure {

using namespace detail;

namespace {

Result<json> objectBody(const QByteArray &body, const char *what)
{
    json doc = parseJson(body);
    if (doc.is_discarded() || !doc.is_object())
        return AzureError::invalidResponse(QStringLiteral("%1: the answer is not a JSON object").arg(QLatin1String(what)));
    return doc;
}

AzureError missingField(const char *what, const char *field)
{
    return AzureError::invalidResponse(QStringLiteral("%1: field '%2' is missing").arg(QLatin1String(what), QLatin1String(field)));
}

// A value of a string map that may hold numbers ("Parameters": {"avg_rate": 0.5}).
QString text(const json &value)
{
    if (value.is_string())
        return QString::fromStdString(value.get<std::string>());
    if (value.is_null())
        return {};
    return QString::fromStdString(value.dump());
}

Result<PipelineEndpoint> endpointFrom(const json &doc)
{
    PipelineEndpoint out;
    out.id = str(doc, "Id");
    out.name = str(doc, "Name");
    if (out.name.isEmpty())
        return missingField("pipeline endpoint", "Name");
    out.description = str(doc, "Description");
    out.status = str(doc, "Status");
    out.pipelineJobName = str(doc, "PipelineJobName");
    out.version = static_cast<int>(asInt(member(doc, "Version")).value_or(0));
    if (const json *parameters = member(doc, "Parameters"); parameters && parameters->is_object())
        for (const auto &[key, value] : parameters->items())
            out.parameters.insert(QString::fromStdString(key), text(value));
    out.url = QUrl(str(doc, "Url"));
    if (!out.url.isValid() || out.url.isEmpty())
        return missingField("pipeline endpoint", "Url");
    return out;
}

json variantJson(const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::Bool:
        return value.toBool();
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
        return value.toLongLong();
    case QMetaType::Double:
    case QMetaType::Float: {
        // 2 stays 2, not 2.0: a parameter's text is what the user typed.
        const double d = value.toDouble();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15)
            return static_cast<long long>(d);
        return d;
    }
    default:
        return s(value.toString());
    }
}


QUrl mlUrl(const Cloud &cloud, const WorkspaceRef &ws, const QString &tail, const QList<QPair<QString, QString>> &query = {})
{
    QUrl url = cloud.armUrl(ws.armId() + tail, QString::fromLatin1(kMlApiVersion));
    QUrlQuery q(url);
    for (const auto &[name, value] : query)
        q.addQueryItem(name, value);
    url.setQuery(q);
    return url;
}

} // namespace

bool PipelineJob::isTerminal() const
{
    Job job;
    job.status = status;
    return job.isTerminal();
}

bool PipelineJob::sameState(const PipelineJob &other) const
{
    return name == other.name && status == other.status && experimentName == other.experimentName &&
           displayName == other.displayName && error == other.error && properties == other.properties &&
           inputs == other.inputs && outputs == other.outputs;
}

bool PipelineStep::isTerminal() const
{
    Job job;
    job.status = status;
    return job.isTerminal();
}

Result<PipelineJob> parsePipelineJob(const QByteArray &body)
{
    auto doc = objectBody(body, "pipeline job");
    if (!doc)
        return doc.error();
    const json &d = doc.value();
    PipelineJob out;
    out.name = str(d, "name");
    if (out.name.isEmpty())
        return missingField("pipeline job", "name");
    const json *p = member(d, "properties");
    if (!p || !p->is_object())
        return missingField("pipeline job", "properties");
    out.status = str(*p, "status");
    out.experimentName = str(*p, "experimentName");
    out.displayName = str(*p, "displayName");
    out.parentJobName = str(*p, {"properties", "azureml.pipeline.parentJobName"});
    out.error = str(*p, {"properties", "azureml.error"});
    if (const json *properties = member(*p, "properties"); properties && properties->is_object())
        for (const auto &[name, value] : properties->items())
            out.properties.insert(QString::fromStdString(name), text(value));
    if (const json *inputs = member(*p, "inputs"); inputs && inputs->is_object())
        for (const auto &[name, input] : inputs->items()) {
            const json *value = member(input, "value");
            out.inputs.append({QString::fromStdString(name), str(input, "jobInputType"),
                               value ? text(*value) : str(input, "uri")});
        }
    if (const json *outputs = member(*p, "outputs"); outputs && outputs->is_object())
        for (const auto &[name, output] : outputs->items()) {
            if (name == "default")
                continue;
            const json *version = member(output, "assetVersion");
            out.outputs.append({QString::fromStdString(name), str(output, "uri"), str(output, "assetName"),
                                version ? text(*version) : QString()});
        }
    out.document = body;
    return out;
}

PipelineStep pipelineStep(const Job &child)
{
    PipelineStep step;
    step.name = child.properties.value(QStringLiteral("azureml.pipeline.stepName"));
    step.type = child.properties.value(QStringLiteral("azureml.pipeline.stepType"));
    step.status = child.status;
    step.jobName = child.name;
    step.error = child.properties.value(QStringLiteral("azureml.error"));
    step.reused = child.properties.value(QStringLiteral("azureml.isreused")) == QLatin1String("true");
    for (auto it = child.outputs.begin(); it != child.outputs.end(); ++it)
        if (it.key() != QLatin1String("default"))
            step.outputs.insert(it.key(), it.value());
    // A reused step did not run: its log is the one of the job that made its outputs (a reused
    // job may itself have reused another; its outputs name the first).
    step.logJob = child.name;
    const QString reusedFrom = child.properties.value(QStringLiteral("azureml.reusedjobname"));
    if (!reusedFrom.isEmpty()) {
        step.logJob = reusedFrom;
        static const QRegularExpression producer(QStringLiteral("^azureml://jobs/([^/]+)/outputs/"));
        for (const QString &uri : std::as_const(step.outputs))
            if (const auto match = producer.match(uri); match.hasMatch()) {
                step.logJob = match.captured(1);
                break;
            }
    }
    return step;
}

bool BatchJobProgress::isTerminal() const
{
    Job job;
    job.status = status;
    return job.isTerminal();
}

Result<PipelineEndpoint> parsePipelineEndpoint(const QByteArray &body)
{
    auto doc = objectBody(body, "pipeline endpoint");
    if (!doc)
        return doc.error();
    return endpointFrom(doc.value());
}

Result<QList<PipelineEndpoint>> parsePipelineEndpoints(const QByteArray &body)
{
    auto doc = objectBody(body, "pipeline endpoints");
    if (!doc)
        return doc.error();
    const json *value = member(doc.value(), "value");
    if (!value || !value->is_array())
        return missingField("pipeline endpoints", "value");
    QList<PipelineEndpoint> out;
    for (const json &item : *value) {
        auto endpoint = endpointFrom(item);
        if (!endpoint)
            return endpoint.error();
        out.append(std::move(endpoint).value());
    }
    return out;
}

Result<PipelineRunStarted> parsePipelineRunStarted(const QByteArray &body)
{
    auto parsed = objectBody(body, "pipeline run");
    if (!parsed)
        return parsed.error();
    const json &doc = parsed.value();
    PipelineRunStarted out;
    out.runId = str(doc, "Id");
    if (out.runId.isEmpty())
        out.runId = str(doc, "RunId");
    if (out.runId.isEmpty())
        return missingField("pipeline run", "Id");
    out.experimentName = str(doc, "ExperimentName");
    out.status = str(doc, "Status");
    out.pipelineEndpointId = str(doc, "PipelineEndpointId");
    out.statusUrl = QUrl(str(doc, "StatusUrl"));
    return out;
}

Result<QList<ScheduleRun>> parseScheduleHistory(const QByteArray &body)
{
    auto doc = objectBody(body, "schedule history");
    if (!doc)
        return doc.error();
    const json *value = member(doc.value(), "value");
    if (!value || !value->is_array())
        return missingField("schedule history", "value");
    QList<ScheduleRun> out;
    for (const json &item : *value) {
        ScheduleRun run;
        run.scheduledTime = str(item, "scheduledTime");
        run.status = str(item, "status");
        if (run.scheduledTime.isEmpty() || run.status.isEmpty())
            return missingField("schedule history entry", run.status.isEmpty() ? "status" : "scheduledTime");
        run.jobName = str(item, "jobName");
        run.jobStatus = str(item, "jobStatus");
        run.reason = str(item, "reason");
        out.append(run);
    }
    return out;
}

std::pair<QList<FailedRow>, qint64> parseFailedRowDetails(const QString &details)
{
    static const QRegularExpression row(QStringLiteral("^(?:(\\S.*) )?line (\\d+) \\((.*)\\)$"),
                                        QRegularExpression::InvertedGreedinessOption);
    static const QRegularExpression more(QStringLiteral("^and (\\d+) more$"));
    QList<FailedRow> rows;
    qint64 notListed = 0;
    // Reasons may hold "; " themselves: parts are joined until they make a whole "line N (…)".
    QString pending;
    for (const QString &part : details.split(QStringLiteral("; "), Qt::SkipEmptyParts)) {
        if (const auto m = more.match(part); pending.isEmpty() && m.hasMatch()) {
            notListed = m.captured(1).toLongLong();
            continue;
        }
        pending = pending.isEmpty() ? part : pending + QStringLiteral("; ") + part;
        if (const auto r = row.match(pending); r.hasMatch()) {
            rows.append(FailedRow{r.captured(2).toLongLong(), r.captured(3), r.captured(1)});
            pending.clear();
        }
    }
    if (!pending.isEmpty())
        rows.append(FailedRow{0, pending, {}});
    return {rows, notListed};
}

std::optional<BatchInput> resolveBatchInput(const QString &text, const QString &type, QString *error)
{
    const QString fileType = QStringLiteral("uri_file");
    const QString folderType = QStringLiteral("uri_folder");
    if (!type.isEmpty() && type != fileType && type != folderType) {
        *error = QStringLiteral("input type '%1' is not uri_file or uri_folder").arg(type);
        return std::nullopt;
    }
    const QFileInfo local(text);
    if (!local.exists())
        return BatchInput{text, type.isEmpty() ? text.endsWith(QLatin1Char('/')) : type == folderType};
    if (!type.isEmpty() && local.isDir() != (type == folderType)) {
        *error = local.isDir() ? QStringLiteral("'%1' is a folder, not a file: its CSV files are read as uri_folder").arg(text)
                               : QStringLiteral("'%1' is a file, not a folder of CSV files: read it as uri_file").arg(text);
        return std::nullopt;
    }
    return BatchInput{local.absoluteFilePath(), local.isDir()};
}

BatchJobProgress batchProgress(const Job &job)
{
    BatchJobProgress p;
    p.jobName = job.name;
    p.status = job.status;
    const auto number = [&](const char *key, qint64 fallback) {
        bool ok = false;
        const qint64 v = job.properties.value(QLatin1String(key)).toLongLong(&ok);
        return ok ? v : fallback;
    };
    p.known = job.properties.contains(QStringLiteral("azureml.batch.rowsTotal")) ||
              job.properties.contains(QStringLiteral("azureml.batch.miniBatchSize"));
    p.miniBatchesCompleted = number("azureml.batch.miniBatchesCompleted", 0);
    p.miniBatchesTotal = number("azureml.batch.miniBatchesTotal", 0);
    p.rowsProcessed = number("azureml.batch.rowsProcessed", 0);
    p.rowsTotal = number("azureml.batch.rowsTotal", 0);
    p.rowsFailed = number("azureml.batch.rowsFailed", 0);
    p.errorThreshold = static_cast<int>(number("azureml.batch.errorThreshold", -1));
    p.miniBatchSize = static_cast<int>(number("azureml.batch.miniBatchSize", 0));
    p.instanceCount = static_cast<int>(number("azureml.batch.instanceCount", 0));
    p.maxRetries = static_cast<int>(number("azureml.batch.maxRetries", 0));
    p.error = job.properties.value(QStringLiteral("azureml.error"));
    std::tie(p.failedRows, p.failedRowsNotListed) = parseFailedRowDetails(job.properties.value(QStringLiteral("azureml.batch.failedRowDetails")));
    return p;
}

BatchJobProgress batchProgress(const PipelineJob &job)
{
    Job typed;
    typed.name = job.name;
    typed.status = job.status;
    typed.properties = job.properties;
    return batchProgress(typed);
}

Result<QByteArray> pipelineJobDefinition(const QByteArray &jobBody)
{
    auto parsed = objectBody(jobBody, "pipeline job");
    if (!parsed)
        return parsed.error();
    const json *properties = member(parsed.value(), "properties");
    if (!properties || !properties->is_object())
        return missingField("pipeline job", "properties");
    if (str(*properties, "jobType") != QLatin1String("Pipeline"))
        return AzureError::invalidInput(QStringLiteral("'%1' is a %2 job, not a pipeline job")
                                            .arg(str(parsed.value(), "name"), str(*properties, "jobType")));
    json def = *properties;
    for (const char *field : {"status", "services", "properties", "isArchived", "creationContext", "parentJobName"})
        def.erase(field);
    json outputs = json::object();
    if (const json *declared = member(*properties, "outputs"); declared && declared->is_object())
        for (const auto &[key, output] : declared->items()) {
            if (key == "default")
                continue; // the run's own output, not part of the definition
            json o = output;
            if (o.is_object()) {
                o.erase("uri");
                o.erase("assetVersion"); // the next run registers the next version
            }
            outputs[key] = o;
        }
    def["outputs"] = outputs;
    return dump(def);
}

namespace {

// Inside single quotes for a POSIX shell.
QString shellQuoted(QString text)
{
    text.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + text + QLatin1Char('\'');
}

} // namespace

QString triggerCurlCommand(const QUrl &triggerUrl, const PipelineSubmission &submission)
{
    const HttpRequest request = requests::triggerPipeline(triggerUrl, submission);
    return QStringLiteral("curl -X POST -H \"Authorization: Bearer $TOKEN\" -H \"Content-Type: application/json\" \\\n"
                          "  -d %1 \\\n  %2")
        .arg(shellQuoted(QString::fromUtf8(request.body)), shellQuoted(triggerUrl.toString()));
}

QString tokenCommand(const Cloud &cloud, const QString &localRoot)
{
    if (cloud.isLocal()) {
        QString base = cloud.resourceManager.toString();
        while (base.endsWith(QLatin1Char('/')))
            base.chop(1);
        return QStringLiteral("TOKEN=$(cerulean-cli pipeline token --url %1 --local-root %2)")
            .arg(shellQuoted(base), localRoot.isEmpty() ? QStringLiteral("LOCAL_WORKSPACE_ROOT") : shellQuoted(localRoot));
    }
    return QStringLiteral("TOKEN=$(az account get-access-token --resource https://management.azure.com/ --query accessToken -o tsv)");
}

namespace requests {

QUrl pipelinesBase(const Cloud &cloud, const WorkspaceRef &ws, const QString &location)
{
    if (cloud.isLocal())
        return joinUrl(cloud.resourceManager, QStringLiteral("/pipelines/v1.0") + ws.armId());
    QUrl url;
    url.setScheme(QStringLiteral("https"));
    url.setHost(QStringLiteral("%1.api.azureml.ms").arg(location));
    url.setPath(QStringLiteral("/pipelines/v1.0") + ws.armId());
    return url;
}

HttpRequest publishPipeline(const QUrl &base, const PipelineEndpointSpec &spec)
{
    const json body{{"Name", s(spec.name)}, {"PipelineJobName", s(spec.pipelineJobName)}, {"Description", s(spec.description)}};
    return jsonRequest("POST", joinUrl(base, QStringLiteral("/PipelineEndpoints")), &body);
}

HttpRequest getPipelineEndpoint(const QUrl &base, const QString &name)
{
    QString clean = name;
    clean.replace(QLatin1Char('/'), QLatin1Char('_'));
    return jsonRequest("GET", joinUrl(base, QStringLiteral("/PipelineEndpoints/") + clean));
}

HttpRequest listPipelineEndpoints(const QUrl &base) { return jsonRequest("GET", joinUrl(base, QStringLiteral("/PipelineEndpoints"))); }

HttpRequest triggerPipeline(const QUrl &triggerUrl, const PipelineSubmission &submission)
{
    json assignments = json::object();
    for (auto it = submission.parameterAssignments.begin(); it != submission.parameterAssignments.end(); ++it)
        assignments[s(it.key())] = variantJson(it.value());
    json body{{"ExperimentName", s(submission.experimentName)}, {"ParameterAssignments", assignments}};
    if (!submission.displayName.isEmpty())
        body["DisplayName"] = s(submission.displayName);
    if (!submission.description.isEmpty())
        body["Description"] = s(submission.description);
    return jsonRequest("POST", triggerUrl, &body);
}

HttpRequest listSchedules(const Cloud &cloud, const WorkspaceRef &ws) { return jsonRequest("GET", mlUrl(cloud, ws, QStringLiteral("/schedules"))); }

HttpRequest scheduleHistory(const Cloud &cloud, const WorkspaceRef &ws, const QString &name)
{
    return jsonRequest("GET", mlUrl(cloud, ws, QStringLiteral("/schedules/%1/history").arg(name)));
}

HttpRequest listJobsOfSchedule(const Cloud &cloud, const WorkspaceRef &ws, const QString &scheduleName)
{
    return jsonRequest("GET", mlUrl(cloud, ws, QStringLiteral("/jobs"), {{QStringLiteral("scheduleId"), scheduleName}}));
}

HttpRequest listChildJobs(const Cloud &cloud, const WorkspaceRef &ws, const QString &parentJobName)
{
    return jsonRequest("GET", mlUrl(cloud, ws, QStringLiteral("/jobs"), {{QStringLiteral("parentJobName"), parentJobName}}));
}

HttpRequest listPipelineJobs(const Cloud &cloud, const WorkspaceRef &ws)
{
    return jsonRequest("GET", mlUrl(cloud, ws, QStringLiteral("/jobs"), {{QStringLiteral("jobType"), QStringLiteral("Pipeline")}}));
}

Result<HttpRequest> submitPipelineJob(const Cloud &cloud, const WorkspaceRef &ws, const QString &name, const QByteArray &definition)
{
    if (name.trimmed().isEmpty())
        return AzureError::invalidInput(QStringLiteral("a pipeline job needs a name"));
    json properties = parseJson(definition);
    if (properties.is_discarded() || !properties.is_object())
        return AzureError::invalidInput(QStringLiteral("pipeline job '%1': the definition is not a JSON object").arg(name));
    if (const json *wrapped = member(properties, "properties"); wrapped && wrapped->is_object() && !member(properties, "jobType"))
        return AzureError::invalidInput(
            QStringLiteral("pipeline job '%1': give the definition (the body's \"properties\" object), not the whole body").arg(name));
    const json body{{"properties", std::move(properties)}};
    QString clean = name;
    clean.replace(QLatin1Char('/'), QLatin1Char('_'));
    return jsonRequest("PUT", mlUrl(cloud, ws, QStringLiteral("/jobs/") + clean), &body);
}

} // namespace requests

PipelineOperations::PipelineOperations(std::shared_ptr<const HttpPipeline> pipeline, Cloud cloud, WorkspaceRef workspace,
                                       PipelineOperationsOptions options)
    : m_pipeline(std::move(pipeline))
    , m_cloud(std::move(cloud))
    , m_ws(std::move(workspace))
    , m_options(std::move(options))
{
}

PipelineOperations::PipelineOperations(const MachineLearningClient &client, PipelineOperationsOptions options)
    : PipelineOperations(client.client()->arm(), client.cloud(), client.workspace(), std::move(options))
{
}

QUrl PipelineOperations::pipelinesBase() const { return requests::pipelinesBase(m_cloud, m_ws, m_options.location); }

void PipelineOperations::publish(const PipelineEndpointSpec &spec, QObject *context, Done<PipelineEndpoint> done) const
{
    if (spec.name.trimmed().isEmpty() || spec.pipelineJobName.trimmed().isEmpty()) {
        done(AzureError::invalidInput(QStringLiteral("publishing needs an endpoint name and the pipeline job to publish")));
        return;
    }
    sendTyped<PipelineEndpoint>(*m_pipeline, requests::publishPipeline(pipelinesBase(), spec), &parsePipelineEndpoint, context,
                                std::move(done));
}

void PipelineOperations::getEndpoint(const QString &name, QObject *context, Done<PipelineEndpoint> done) const
{
    sendTyped<PipelineEndpoint>(*m_pipeline, requests::getPipelineEndpoint(pipelinesBase(), name), &parsePipelineEndpoint, context,
                                std::move(done));
}

void PipelineOperations::listEndpoints(QObject *context, Done<QList<PipelineEndpoint>> done) const
{
    sendTyped<QList<PipelineEndpoint>>(*m_pipeline, requests::listPipelineEndpoints(pipelinesBase()), &parsePipelineEndpoints,
                                       context, std::move(done));
}

void PipelineOperations::trigger(const QUrl &triggerUrl, const PipelineSubmission &submission, QObject *context,
                                 Done<PipelineRunStarted> done) const
{
    if (!triggerUrl.isValid() || triggerUrl.isEmpty()) {
        done(AzureError::invalidInput(QStringLiteral("the pipeline endpoint has no trigger URL")));
        return;
    }
    if (submission.experimentName.trimmed().isEmpty()) {
        done(AzureError::invalidInput(QStringLiteral("ExperimentName: a run needs an experiment name")));
        return;
    }
    sendTyped<PipelineRunStarted>(*m_pipeline, requests::triggerPipeline(triggerUrl, submission), &parsePipelineRunStarted,
                                  context, std::move(done));
}

void PipelineOperations::triggerByName(const QString &endpoint, const PipelineSubmission &submission, QObject *context,
                                       Done<PipelineRunStarted> done) const
{
    const PipelineOperations self = *this;
    getEndpoint(endpoint, context, [self, submission, context, done](Result<PipelineEndpoint> found) {
        if (!found)
            return done(found.error());
        self.trigger(found->url, submission, context, done);
    });
}

void PipelineOperations::listSchedules(QObject *context, Done<QList<Schedule>> done) const
{
    listAll<Schedule>(m_pipeline, requests::listSchedules(m_cloud, m_ws), &parseSchedule, context, std::move(done));
}

void PipelineOperations::createSchedule(const ScheduleSpec &spec, QObject *context, Done<Schedule> done) const
{
    sendTyped<Schedule>(*m_pipeline, requests::createSchedule(m_cloud, m_ws, spec), &parseSchedule, context, std::move(done));
}

void PipelineOperations::setScheduleEnabled(const QString &name, bool enabled, QObject *context, Done<Schedule> done) const
{
    azure::setScheduleEnabled(m_pipeline, m_cloud, m_ws, name, enabled, context, std::move(done));
}

Operation<BatchEndpoint> *PipelineOperations::createBatchEndpoint(const QString &name, const QString &location,
                                                                  const QString &description, const QString &defaultDeployment,
                                                                  QObject *parent) const
{
    auto *operation = new Operation<BatchEndpoint>(
        m_pipeline, requests::createBatchEndpoint(m_cloud, m_ws, name, location, description, defaultDeployment), &parseBatchEndpoint,
        OperationOptions::forCloud(m_cloud), parent);
    operation->start();
    return operation;
}

Operation<BatchDeployment> *PipelineOperations::createBatchDeployment(const BatchDeploymentSpec &spec, QObject *parent) const
{
    auto *operation = new Operation<BatchDeployment>(m_pipeline, requests::createBatchDeployment(m_cloud, m_ws, spec),
                                                     &parseBatchDeployment, OperationOptions::forCloud(m_cloud), parent);
    operation->start();
    return operation;
}

void PipelineOperations::getBatchEndpoint(const QString &name, QObject *context, Done<BatchEndpoint> done) const
{
    sendTyped<BatchEndpoint>(*m_pipeline, requests::getBatchEndpoint(m_cloud, m_ws, name), &parseBatchEndpoint, context,
                             std::move(done));
}

void PipelineOperations::getBatchDeployment(const QString &endpoint, const QString &name, QObject *context,
                                            Done<BatchDeployment> done) const
{
    sendTyped<BatchDeployment>(*m_pipeline, requests::getBatchDeployment(m_cloud, m_ws, endpoint, name), &parseBatchDeployment,
                               context, std::move(done));
}

void PipelineOperations::invokeBatchEndpoint(const QUrl &scoringUri, const QString &inputUri, const QString &deployment,
                                             QObject *context, Done<Job> done) const
{
    invokeBatchEndpoint(scoringUri, inputUri, false, deployment, context, std::move(done));
}

void PipelineOperations::invokeBatchEndpoint(const QUrl &scoringUri, const QString &inputUri, bool inputIsFolder,
                                             const QString &deployment, QObject *context, Done<Job> done) const
{
    if (!scoringUri.isValid() || scoringUri.isEmpty() || inputUri.trimmed().isEmpty()) {
        done(AzureError::invalidInput(QStringLiteral("a batch invocation needs the endpoint's scoring URI and an input")));
        return;
    }
    // Azure's batch endpoints take Entra tokens for https://ml.azure.com only: the same
    // credential asks for that audience. The pipeline lives until the answer is in.
    std::shared_ptr<const HttpPipeline> inference =
        m_pipeline->options().credential ? m_pipeline->withScopes({Cloud::machineLearningScope()}) : m_pipeline;
    sendTyped<Job>(*inference, requests::invokeBatchEndpoint(scoringUri, inputUri, inputIsFolder, deployment), &parseJob,
                   context, [keepAlive = inference, done = std::move(done)](Result<Job> job) { done(std::move(job)); });
}

void PipelineOperations::scheduleHistory(const QString &name, QObject *context, Done<QList<ScheduleRun>> done) const
{
    const auto pipeline = m_pipeline;
    const HttpRequest fallback = requests::listJobsOfSchedule(m_cloud, m_ws, name);
    pipeline->send(requests::scheduleHistory(m_cloud, m_ws, name), context, [=](const HttpResponse &response) {
        if (response.isSuccess())
            return done(parseScheduleHistory(response.body));
        if (response.status != 404 || response.failure != HttpResponse::Failure::None)
            return done(AzureError::fromResponse(response));
        // No history route (Azure): the jobs the schedule created, oldest first.
        listAll<Job>(pipeline, fallback, &parseJob, context, [done](Result<QList<Job>> jobs) {
            if (!jobs)
                return done(jobs.error());
            QList<ScheduleRun> runs;
            for (const Job &job : jobs.value()) {
                ScheduleRun run;
                run.status = QStringLiteral("Started");
                run.jobName = job.name;
                run.jobStatus = job.status;
                run.scheduledTime = job.properties.value(QStringLiteral("azureml.schedule.scheduledTime"));
                runs.append(run);
            }
            std::stable_sort(runs.begin(), runs.end(),
                             [](const ScheduleRun &a, const ScheduleRun &b) { return a.scheduledTime < b.scheduledTime; });
            done(runs);
        });
    });
}

namespace {

// Keeps a list item as the service sent it (listAll's item parser for whole documents).
Result<QByteArray> wholeDocument(const QByteArray &item) { return item; }

} // namespace

void PipelineOperations::submitPipelineJob(const QString &name, const QByteArray &definition, QObject *context,
                                           Done<Job> done) const
{
    auto request = requests::submitPipelineJob(m_cloud, m_ws, name, definition);
    if (!request) {
        done(request.error());
        return;
    }
    sendTyped<Job>(*m_pipeline, std::move(request).value(), &parseJob, context, std::move(done));
}

void PipelineOperations::getJobDocument(const QString &name, QObject *context, Done<QByteArray> done) const
{
    sendTyped<QByteArray>(*m_pipeline, requests::getJob(m_cloud, m_ws, name), &wholeDocument, context, std::move(done));
}

void PipelineOperations::listPipelineJobDocuments(QObject *context, Done<QList<QByteArray>> done) const
{
    listAll<QByteArray>(m_pipeline, requests::listPipelineJobs(m_cloud, m_ws), &wholeDocument, context, std::move(done));
}

void PipelineOperations::listScheduleDocuments(QObject *context, Done<QList<QByteArray>> done) const
{
    listAll<QByteArray>(m_pipeline, requests::listSchedules(m_cloud, m_ws), &wholeDocument, context, std::move(done));
}

void PipelineOperations::getWorkspace(QObject *context, Done<Workspace> done) const
{
    sendTyped<Workspace>(*m_pipeline, requests::getWorkspace(m_cloud, m_ws), &parseWorkspace, context, std::move(done));
}

void PipelineOperations::listPipelineJobs(QObject *context, Done<QList<PipelineJob>> done) const
{
    listAll<PipelineJob>(m_pipeline, requests::listPipelineJobs(m_cloud, m_ws), &parsePipelineJob, context,
                         [done](Result<QList<PipelineJob>> jobs) {
                             if (!jobs)
                                 return done(jobs.error());
                             // The steps of a pipeline are pipeline-typed child jobs on some services.
                             QList<PipelineJob> top;
                             for (PipelineJob &job : jobs.value())
                                 if (job.parentJobName.isEmpty())
                                     top.append(std::move(job));
                             done(top);
                         });
}

void PipelineOperations::getPipelineJob(const QString &name, QObject *context, Done<PipelineJob> done) const
{
    sendTyped<PipelineJob>(*m_pipeline, requests::getJob(m_cloud, m_ws, name), &parsePipelineJob, context, std::move(done));
}

void PipelineOperations::downloadJobArtifact(const QString &job, const QString &path, QObject *context,
                                             Done<QByteArray> done) const
{
    const auto pipeline = m_pipeline;
    const Cloud cloud = m_cloud;
    getWorkspace(context, [=](Result<Workspace> workspace) {
        if (!workspace)
            return done(workspace.error());
        const QUrl tracking = cloud.mlflowTrackingBase(workspace->id, workspace->location, workspace->mlFlowTrackingUri);
        sendTyped<QByteArray>(*pipeline, requests::downloadArtifact(tracking, job, path), &wholeDocument, context, done);
    });
}

void PipelineOperations::listSteps(const QString &pipelineJob, QObject *context, Done<QList<Job>> done) const
{
    listAll<Job>(m_pipeline, requests::listChildJobs(m_cloud, m_ws, pipelineJob), &parseJob, context, std::move(done));
}

void PipelineOperations::batchProgress(const QString &job, QObject *context, Done<BatchJobProgress> done) const
{
    sendTyped<Job>(*m_pipeline, requests::getJob(m_cloud, m_ws, job), &parseJob, context, [done](Result<Job> found) {
        if (!found)
            return done(found.error());
        done(azure::batchProgress(found.value()));
    });
}

} // namespace cerulean::azure
