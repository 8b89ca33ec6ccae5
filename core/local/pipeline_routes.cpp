// Published pipelines and their REST trigger (the shape of Azure ML's pipeline endpoints:
// POST {"ExperimentName", "ParameterAssignments"} with a Bearer token starts a run), and
// batch endpoint invocation (a batch job: a pipeline with one parallel scoring step).

#include "core/azure/batch_defaults.h"
#include "core/local/arm_internal.h"
#include "core/local/batch_scorer.h"
#include "core/local/iso_duration.h"
#include "core/local/pipeline_runner.h"
#include "core/local/service.h"

#include <QFileInfo>
#include <QRegularExpression>

namespace cerulean::local {

namespace {

using arm::Failure;
using arm::q;
using arm::s;

const QString kEndpoints = QStringLiteral("pipelineendpoints");
const QString kJobs = QStringLiteral("microsoft.machinelearningservices/workspaces/jobs");

Failure badField(const QString &message) { return Failure{400, QStringLiteral("BadRequest"), message}; }

// The part of a pipeline job that defines it, without what its runs filled in.
Json pipelineDefinition(const Json &properties)
{
    Json d = Json::object();
    for (const char *key : {"jobType", "displayName", "description", "experimentName", "settings", "inputs", "jobs",
                            "computeId", "tags"})
        if (properties.contains(key))
            d[key] = properties[key];
    Json outputs = properties.value("outputs", Json::object());
    Json declared = Json::object();
    if (outputs.is_object())
        for (auto it = outputs.begin(); it != outputs.end(); ++it) {
            if (it.key() == "default")
                continue;
            Json o = it.value();
            o.erase("uri");
            if (o.is_object() && o.value("assetVersion", Json()).is_string())
                o.erase("assetVersion"); // a run's registered version; the next run registers the next
            declared[it.key()] = o;
        }
    d["outputs"] = declared;
    return d;
}

QString errorMessage(const ApiResponse &r)
{
    const Json e = r.json();
    return e.is_object() && e.contains("error") && e["error"].is_object()
               ? QString::fromStdString(e["error"].value("message", std::string()))
               : QString::fromUtf8(r.body);
}

} // namespace

ApiResponse LocalService::handlePipelineEndpoints(const ApiRequest &request, const QString &subPath)
{
    static const QRegularExpression wsRe(
        QStringLiteral("^(/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.MachineLearningServices/"
                       "workspaces/[^/]+)(/.*)?$"),
        QRegularExpression::CaseInsensitiveOption);
    const auto m = wsRe.match(subPath);
    if (!m.hasMatch())
        return ApiResponse::armError(404, QStringLiteral("NotFound"), QStringLiteral("No route for '%1'.").arg(request.path));
    const auto workspace = m_store->resource(m.captured(1));
    if (!workspace)
        throw arm::notFound(QStringLiteral("workspace"), m.captured(1).section(QLatin1Char('/'), -1));
    const QString ws = workspace->id;
    const QStringList rest = m.captured(2).split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const QString base = linkBase(request); // a served Host only, never a foreign one
    const auto endpointView = [&](const StoredResource &r) { return publicView(r.doc); };

    // The REST trigger: POST …/PipelineRuns/PipelineEndpointSubmit/Id/{endpointId}.
    if (rest.size() == 4 && rest[0].compare(QLatin1String("PipelineRuns"), Qt::CaseInsensitive) == 0 &&
        rest[1].compare(QLatin1String("PipelineEndpointSubmit"), Qt::CaseInsensitive) == 0 &&
        rest[2].compare(QLatin1String("Id"), Qt::CaseInsensitive) == 0) {
        if (request.method != "POST")
            throw Failure{405, QStringLiteral("MethodNotAllowed"), QStringLiteral("The trigger accepts POST only.")};
        std::optional<StoredResource> endpoint;
        for (const StoredResource &r : m_store->children(ws, kEndpoints))
            if (q(r.doc, "Id").compare(rest[3], Qt::CaseInsensitive) == 0)
                endpoint = r;
        if (!endpoint)
            throw arm::notFound(QStringLiteral("pipeline endpoint"), rest[3]);
        if (q(endpoint->doc, "Status") != QLatin1String("Active"))
            throw Failure{409, QStringLiteral("Conflict"),
                          QStringLiteral("The pipeline endpoint '%1' is %2; enable it to trigger runs.")
                              .arg(endpoint->name, q(endpoint->doc, "Status"))};
        ApiResponse bad;
        const auto body = parseJsonBody(request.body.isEmpty() ? QByteArray("{}") : request.body, &bad);
        if (!body)
            return bad;
        const Json &b = *body;
        if (!b.contains("ExperimentName") || !b["ExperimentName"].is_string() || b["ExperimentName"].get<std::string>().empty())
            throw badField(QStringLiteral("'ExperimentName' is required: a non-empty string naming the experiment the "
                                          "run goes to."));
        const QString experiment = QString::fromStdString(b["ExperimentName"].get<std::string>());
        static const QRegularExpression experimentRe(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$"));
        if (!experimentRe.match(experiment).hasMatch())
            throw badField(QStringLiteral("'ExperimentName' '%1' is invalid: use letters, digits, '-', '_' and '.', "
                                          "starting with a letter or digit.")
                               .arg(experiment));
        for (const char *key : {"DisplayName", "Description"})
            if (b.contains(key) && !b[key].is_null() && !b[key].is_string())
                throw badField(QStringLiteral("'%1' must be a string.").arg(QString::fromLatin1(key)));
        QString error;
        const Json definition = endpoint->doc["_local"].value("definition", Json::object());
        auto assigned = assignPipelineParameters(definition, b.value("ParameterAssignments", Json()),
                                                 QStringLiteral("ParameterAssignments"), &error);
        if (!assigned)
            throw badField(error);
        Json props = *assigned;
        props["experimentName"] = s(experiment);
        if (b.contains("DisplayName") && b["DisplayName"].is_string())
            props["displayName"] = b["DisplayName"];
        if (b.contains("Description") && b["Description"].is_string())
            props["description"] = b["Description"];
        props["properties"] = {{"azureml.pipelineEndpointId", s(q(endpoint->doc, "Id"))},
                               {"azureml.pipelineEndpointName", s(endpoint->name)},
                               {"azureml.runsource", "azureml.PipelineRun"}};
        const QString runName = newGuid();
        const ApiResponse put = internalRequest("PUT", ws + QStringLiteral("/jobs/") + runName, Json{{"properties", props}});
        if (put.status >= 300)
            throw badField(errorMessage(put));
        return ApiResponse::fromJson(
            200, Json{{"Id", s(runName)},
                      {"RunId", s(runName)},
                      {"ExperimentName", s(experiment)},
                      {"Status", "NotStarted"},
                      {"PipelineEndpointId", endpoint->doc["Id"]},
                      {"ParameterAssignments", b.value("ParameterAssignments", Json::object())},
                      {"StatusUrl", s(base + ws + QStringLiteral("/jobs/") + runName + QStringLiteral("?api-version=2025-12-01"))}});
    }

    if (rest.isEmpty() || rest[0].compare(QLatin1String("PipelineEndpoints"), Qt::CaseInsensitive) != 0 || rest.size() > 2)
        return ApiResponse::armError(404, QStringLiteral("NotFound"), QStringLiteral("No route for '%1'.").arg(request.path));

    if (rest.size() == 1) {
        if (request.method == "GET") {
            Json value = Json::array();
            for (const StoredResource &r : m_store->children(ws, kEndpoints))
                value.push_back(endpointView(r));
            return ApiResponse::fromJson(200, Json{{"value", value}});
        }
        if (request.method != "POST")
            throw Failure{405, QStringLiteral("MethodNotAllowed"), QStringLiteral("Use GET to list or POST to publish.")};
        // Publish: a snapshot of a pipeline job's definition behind a trigger URL.
        ApiResponse bad;
        const auto body = parseJsonBody(request.body, &bad);
        if (!body)
            return bad;
        const QString name = arm::jsonStr(*body, "Name", QStringLiteral("Name"));
        static const QRegularExpression nameRe(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$"));
        if (!nameRe.match(name).hasMatch())
            throw badField(name.isEmpty() ? QStringLiteral("'Name' is required.")
                                          : QStringLiteral("'Name' '%1' is invalid: use letters, digits, '-' and '_'.").arg(name));
        const QString jobName = arm::jsonStr(*body, "PipelineJobName", QStringLiteral("PipelineJobName"));
        if (jobName.isEmpty())
            throw badField(QStringLiteral("'PipelineJobName' is required: the pipeline job whose definition is published."));
        const auto job = m_store->resource(ws + QStringLiteral("/jobs/") + jobName);
        if (!job)
            throw badField(QStringLiteral("'PipelineJobName': the job '%1' was not found.").arg(jobName));
        if (q(job->doc["properties"], "jobType") != QLatin1String("Pipeline"))
            throw badField(QStringLiteral("'PipelineJobName': job '%1' is a %2 job, not a pipeline.")
                               .arg(jobName, q(job->doc["properties"], "jobType")));
        const QString description = arm::jsonStr(*body, "Description", QStringLiteral("Description"));
        const QString id = ws + QStringLiteral("/pipelineEndpoints/") + name;
        const auto existing = m_store->resource(id);
        const Json definition = pipelineDefinition(job->doc["properties"]);
        Json parameters = Json::object();
        for (const auto &[key, value] : pipelineParameters(definition))
            parameters[s(key)] = s(value);
        const QString endpointId = existing ? q(existing->doc, "Id") : newGuid();
        StoredResource r;
        r.id = existing ? existing->id : id;
        r.kind = kEndpoints;
        r.parent = ws;
        r.name = name;
        r.state = QStringLiteral("Active");
        r.created = existing ? existing->created : std::chrono::milliseconds(0);
        r.doc = Json{{"Id", s(endpointId)},
                     {"Name", s(name)},
                     {"Description", s(description)},
                     {"Status", "Active"},
                     {"PipelineJobName", s(jobName)},
                     {"Version", existing ? existing->doc.value("Version", 0) + 1 : 1},
                     {"Parameters", parameters},
                     {"Url", s(base + QStringLiteral("/pipelines/v1.0") + ws +
                               QStringLiteral("/PipelineRuns/PipelineEndpointSubmit/Id/") + endpointId)},
                     {"CreatedTime", existing ? existing->doc.value("CreatedTime", s(isoNow())) : s(isoNow())},
                     {"LastModifiedTime", s(isoNow())},
                     {"_local", {{"definition", definition}}}};
        if (!m_store->putResource(r))
            throw Failure{500, QStringLiteral("InternalServerError"), m_store->lastError()};
        return ApiResponse::fromJson(existing ? 200 : 201, publicView(r.doc));
    }

    const auto endpoint = m_store->resource(ws + QStringLiteral("/pipelineEndpoints/") + rest[1]);
    if (request.method == "GET") {
        if (!endpoint)
            throw arm::notFound(QStringLiteral("pipeline endpoint"), rest[1]);
        return ApiResponse::fromJson(200, endpointView(*endpoint));
    }
    if (request.method == "PATCH") {
        // Enable or disable: {"Status": "Active" | "Disabled"}.
        if (!endpoint)
            throw arm::notFound(QStringLiteral("pipeline endpoint"), rest[1]);
        ApiResponse bad;
        const auto body = parseJsonBody(request.body, &bad);
        if (!body)
            return bad;
        const QString status = arm::jsonStr(*body, "Status", QStringLiteral("Status"));
        if (status != QLatin1String("Active") && status != QLatin1String("Disabled"))
            throw badField(QStringLiteral("'Status' must be Active or Disabled."));
        m_store->updateResource(endpoint->id, [&](StoredResource &r) {
            r.doc["Status"] = s(status);
            r.state = status;
            return true;
        });
        return ApiResponse::fromJson(200, endpointView(*m_store->resource(endpoint->id)));
    }
    if (request.method == "DELETE") {
        if (endpoint)
            m_store->deleteResource(endpoint->id);
        return ApiResponse{endpoint ? 200 : 204, {}, {}};
    }
    throw Failure{405, QStringLiteral("MethodNotAllowed"), QStringLiteral("Use GET, PATCH or DELETE on a pipeline endpoint.")};
}

ApiResponse LocalService::handleBatchInvoke(const ApiRequest &request, const QString &endpointPath, const QString &jobName)
{
    if (request.method != "POST")
        throw Failure{405, QStringLiteral("MethodNotAllowed"), QStringLiteral("Invoke a batch endpoint with POST.")};
    const auto endpoint = m_store->resource(endpointPath);
    if (!endpoint || !endpoint->kind.endsWith(QLatin1String("batchendpoints")))
        throw arm::notFound(QStringLiteral("batch endpoint"), endpointPath.section(QLatin1Char('/'), -1));
    const QString ws = endpoint->id.section(QLatin1Char('/'), 0, -3);
    ApiResponse bad;
    const auto body = parseJsonBody(request.body, &bad);
    if (!body)
        return bad;

    // Which deployment: the header, the endpoint's default, or the only one.
    QString deploymentName = QString::fromUtf8(request.header("azureml-model-deployment"));
    if (deploymentName.isEmpty())
        deploymentName = q(endpoint->doc["properties"].value("defaults", Json::object()), "deploymentName");
    const auto deployments =
        m_store->children(endpoint->id, QStringLiteral("microsoft.machinelearningservices/workspaces/batchendpoints/deployments"));
    if (deploymentName.isEmpty() && deployments.size() == 1)
        deploymentName = deployments.front().name;
    if (deploymentName.isEmpty())
        throw badField(QStringLiteral("The batch endpoint '%1' has no default deployment: name one in the "
                                      "'azureml-model-deployment' header.")
                           .arg(endpoint->name));
    const auto deployment = m_store->resource(endpoint->id + QStringLiteral("/deployments/") + deploymentName);
    if (!deployment)
        throw badField(QStringLiteral("The batch endpoint '%1' has no deployment '%2'.").arg(endpoint->name, deploymentName));

    // The input: properties.InputData.{name}.Uri (Azure's invocation body).
    const Json props = arm::jsonObj(*body, "properties", QStringLiteral("properties"));
    Json inputData = props.contains("InputData") ? props["InputData"] : props.value("inputData", Json());
    if (!inputData.is_object() || inputData.empty())
        throw badField(QStringLiteral("'properties.InputData' is required: {\"input\": {\"JobInputType\": \"UriFile\", "
                                      "\"Uri\": \"azureml:name:version\"}}."));
    const Json first = inputData.begin().value();
    const QString inputName = QString::fromStdString(inputData.begin().key());
    QString uri = first.is_object() ? q(first, "Uri", q(first, "uri")) : QString();
    if (uri.isEmpty())
        throw badField(QStringLiteral("'properties.InputData.%1.Uri' is required.").arg(inputName));
    // UriFile (the default) or UriFolder: a folder's CSV files are scored as one table.
    const QString inputType = q(first, "JobInputType", q(first, "jobInputType", QStringLiteral("UriFile"))).remove(QLatin1Char('_')).toLower();
    if (inputType != QLatin1String("urifile") && inputType != QLatin1String("urifolder"))
        throw badField(QStringLiteral("'properties.InputData.%1.JobInputType' must be UriFile or UriFolder, not '%2'.")
                           .arg(inputName, q(first, "JobInputType", q(first, "jobInputType"))));
    const bool folder = inputType == QLatin1String("urifolder");
    QString error;
    const auto path = resolveDataPath(ws, uri, &error, folder);
    if (!path)
        throw badField(QStringLiteral("'properties.InputData.%1.Uri': %2").arg(inputName, error));
    if (folder && !QFileInfo(*path).isDir())
        throw badField(QStringLiteral("'properties.InputData.%1.Uri': '%2' is a file, not a folder; invoke with "
                                      "JobInputType UriFile for one file.")
                           .arg(inputName, uri));
    if (folder && batchInputFiles(*path, &error).isEmpty())
        throw badField(QStringLiteral("'properties.InputData.%1.Uri': %2").arg(inputName, error));

    const Json &dp = deployment->doc["properties"];
    const Json model = dp.value("model", Json());
    const QString modelId = model.is_object() ? q(model, "assetId") : model.is_string() ? QString::fromStdString(model.get<std::string>()) : QString();
    const Json retry = dp.value("retrySettings", Json::object());
    const auto retryTimeout = parseIsoDuration(q(retry, "timeout", QStringLiteral("PT5M")));
    Json step{{"type", "parallel"},
              {"compute", dp.value("compute", std::string())},
              {"mini_batch_size", dp.value("miniBatchSize", 10)},
              {"error_threshold", dp.value("errorThreshold", -1)},
              {"max_concurrency_per_instance", dp.value("maxConcurrencyPerInstance", 1)},
              {"retry_settings",
               {{"max_retries", retry.value("maxRetries", 3)},
                {"timeout", retryTimeout ? retryTimeout->count() / 1000 : 300}}},
              {"resources", {{"instance_count", dp.value("resources", Json::object()).value("instanceCount", 1)}}},
              {"output_action", q(dp, "outputAction", QStringLiteral("AppendRow")) == QLatin1String("SummaryOnly")
                                    ? "summary_only"
                                    : "append_row"},
              {"output_file_name", dp.value("outputFileName", std::string(azure::kBatchOutputFileName))},
              {"logging_level", dp.value("loggingLevel", std::string("Info"))},
              {"input_data", "${{inputs.data}}"},
              {"inputs", {{"data", "${{parent.inputs.input_data}}"}, {"model", s(modelId)}}},
              {"outputs", {{"job_output", {{"type", "uri_folder"}}}}}};
    Json job{{"jobType", "Pipeline"},
             {"experimentName", s(endpoint->name)},
             {"displayName", s(QStringLiteral("%1/%2 over %3").arg(endpoint->name, deploymentName, uri.section(QLatin1Char('/'), -1, -1, QString::SectionSkipEmpty)))},
             {"settings", {{"default_compute", dp.value("compute", std::string())}, {"force_rerun", true}}},
             {"inputs", {{"input_data", {{"jobInputType", folder ? "uri_folder" : "uri_file"}, {"uri", s(uri)}}}}},
             {"jobs", {{"score", step}}},
             {"properties",
              {{"azureml.batchEndpoint", s(endpoint->name)},
               {"azureml.batchDeployment", s(deploymentName)},
               {"azureml.runsource", "azureml.batchjob"}}}};
    const QString name = jobName.isEmpty() ? QStringLiteral("batchjob-") + newGuid() : jobName;
    const ApiResponse put = internalRequest("PUT", ws + QStringLiteral("/jobs/") + name, Json{{"properties", job}});
    if (put.status >= 300)
        throw badField(errorMessage(put));
    return ApiResponse::fromJson(200, put.json());
}

} // namespace cerulean::local
