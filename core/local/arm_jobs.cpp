// ARM routes of the local workspace: jobs (AutoML and pipeline) and the schedules that submit them.

#include "core/local/arm_resource.h"
#include "core/local/iso_duration.h"
#include "core/local/job_runner.h"
#include "core/local/pipeline_runner.h"
#include "core/local/schedule.h"
#include "core/local/service.h"

#include <QFile>
#include <QRegularExpression>

namespace cerulean::local::armr {

using arm::Failure;
using arm::jsonBool;
using arm::jsonInt;
using arm::jsonObj;
using arm::jsonStr;
using arm::q;
using arm::s;

namespace {

QStringList csvHeader(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QString line = QString::fromUtf8(f.readLine()).trimmed();
    if (line.startsWith(QChar(0xFEFF)))
        line.remove(0, 1);
    QStringList cols;
    QString cur;
    bool quoted = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar ch = line[i];
        if (ch == QLatin1Char('"')) {
            if (quoted && i + 1 < line.size() && line[i + 1] == QLatin1Char('"')) {
                cur += ch;
                ++i;
            } else {
                quoted = !quoted;
            }
        } else if (ch == QLatin1Char(',') && !quoted) {
            cols << cur.trimmed();
            cur.clear();
        } else {
            cur += ch;
        }
    }
    cols << cur.trimmed();
    return cols;
}

// Validation and test data as ClassificationTask takes them: a share of the training rows
// (strictly between 0 and 1), a data asset, or custom k-fold; the combinations Azure refuses
// are refused here with the field named.
void validateAutoMlSplits(Ctx &c, const Json &task)
{
    const auto share = [&](const char *key) -> std::optional<double> {
        if (!task.contains(key) || task[key].is_null())
            return std::nullopt;
        const QString path = QStringLiteral("properties.taskDetails.%1").arg(QString::fromLatin1(key));
        if (!task[key].is_number() || !(task[key].get<double>() > 0 && task[key].get<double>() < 1))
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("'%1' must be a number between 0 and 1 (exclusive).").arg(path)};
        return task[key].get<double>();
    };
    const auto validationSize = share("validationDataSize");
    const auto testSize = share("testDataSize");
    const Json validation = jsonObj(task, "validationData", QStringLiteral("properties.taskDetails.validationData"));
    const Json test = jsonObj(task, "testData", QStringLiteral("properties.taskDetails.testData"));
    const Json folds = jsonObj(task, "nCrossValidations", QStringLiteral("properties.taskDetails.nCrossValidations"));
    // The REST enum says Custom; the quickstart template writes custom.
    const bool customFolds = jsonStr(folds, "mode", QStringLiteral("properties.taskDetails.nCrossValidations.mode"))
                                 .compare(QLatin1String("custom"), Qt::CaseInsensitive) == 0;
    if (customFolds) {
        const auto value = jsonInt(folds, "value", QStringLiteral("properties.taskDetails.nCrossValidations.value"));
        if (!value || *value < 2 || *value > 50)
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("'properties.taskDetails.nCrossValidations.value' must be a whole number from 2 to 50 "
                                         "when its mode is Custom.")};
    }
    if (validationSize && !validation.empty())
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'properties.taskDetails.validationDataSize' cannot be set together with validationData.")};
    if (customFolds && (validationSize || !validation.empty()))
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'properties.taskDetails.nCrossValidations' (Custom) cannot be set together with "
                                     "validationData or validationDataSize.")};
    if (testSize && !test.empty())
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'properties.taskDetails.testDataSize' cannot be set together with testData.")};
    if (validationSize && testSize && *validationSize + *testSize >= 1)
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("validationDataSize and testDataSize together must leave training rows (their sum is %1).")
                          .arg(*validationSize + *testSize)};
    for (const auto &[input, name] : {std::pair{&validation, "validationData"}, std::pair{&test, "testData"}}) {
        if (input->empty())
            continue;
        const QString path = QStringLiteral("properties.taskDetails.%1").arg(QString::fromLatin1(name));
        const QString uri = jsonStr(*input, "uri", path + QStringLiteral(".uri"));
        QString error;
        if (uri.isEmpty() || !c.svc.resolveDataPath(c.workspaceId, uri, &error))
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("%1: %2").arg(path, uri.isEmpty() ? QStringLiteral("'uri' is required.") : error)};
    }
}

void validateAutoMl(Ctx &c, Json &p)
{
    Json task = jsonObj(p, "taskDetails", QStringLiteral("properties.taskDetails"));
    if (task.empty())
        throw Failure{400, QStringLiteral("UserError"), QStringLiteral("'properties.taskDetails' is required for an AutoML job.")};
    const QString taskType = jsonStr(task, "taskType", QStringLiteral("properties.taskDetails.taskType"));
    if (taskType != QLatin1String("Classification"))
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("taskType '%1' is not supported by the local workspace; use Classification.")
                          .arg(taskType)};
    const QString target =
        jsonStr(task, "targetColumnName", QStringLiteral("properties.taskDetails.targetColumnName"));
    if (target.isEmpty())
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'properties.taskDetails.targetColumnName' is required.")};
    const Json training = jsonObj(task, "trainingData", QStringLiteral("properties.taskDetails.trainingData"));
    const QString uri = jsonStr(training, "uri", QStringLiteral("properties.taskDetails.trainingData.uri"));
    if (uri.isEmpty())
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'properties.taskDetails.trainingData.uri' is required.")};
    QString error;
    const auto path = c.svc.resolveDataPath(c.workspaceId, uri, &error);
    if (!path)
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("properties.taskDetails.trainingData: %1").arg(error)};
    const QStringList header = csvHeader(*path);
    if (!header.contains(target))
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("The target column '%1' is not in the training data (columns: %2).")
                          .arg(target, header.join(QStringLiteral(", ")))};
    validateAutoMlSplits(c, task);
    const Json limits = jsonObj(task, "limitSettings", QStringLiteral("properties.taskDetails.limitSettings"));
    for (const char *key : {"timeout", "trialTimeout"}) {
        const QString value = jsonStr(limits, key, QStringLiteral("limitSettings.%1").arg(QString::fromLatin1(key)));
        if (!value.isEmpty() && !parseIsoDuration(value))
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("'limitSettings.%1' must be an ISO 8601 duration such as PT1H, not '%2'.")
                              .arg(QString::fromLatin1(key), value)};
    }
    for (const char *key : {"maxTrials", "maxConcurrentTrials", "maxNodes", "maxCoresPerTrial"}) {
        const auto v = jsonInt(limits, key, QStringLiteral("limitSettings.%1").arg(QString::fromLatin1(key)));
        if (v && *v < 1 && !(std::string(key) == "maxCoresPerTrial" && *v == -1))
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("'limitSettings.%1' must be at least 1.").arg(QString::fromLatin1(key))};
    }
}

// A command job as Azure takes it: the command, and what it reads must be there now, not
// halfway through the run. Its code and environment ids stay as sent.
void validateCommand(Ctx &c, Json &p)
{
    if (jsonStr(p, "command", QStringLiteral("properties.command")).trimmed().isEmpty())
        throw Failure{400, QStringLiteral("UserError"), QStringLiteral("'properties.command' is required for a command job.")};
    const QString compute = jsonStr(p, "computeId", QStringLiteral("properties.computeId"));
    if (!compute.isEmpty())
        p["computeId"] = s(resolveComputeId(c, compute, QStringLiteral("properties.computeId")));
    const QString codeId = jsonStr(p, "codeId", QStringLiteral("properties.codeId"));
    if (!codeId.isEmpty() && !c.store.resource(codeId))
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("properties.codeId: the code version '%1' was not found.").arg(codeId)};
    const Json limits = jsonObj(p, "limits", QStringLiteral("properties.limits"));
    const QString timeout = jsonStr(limits, "timeout", QStringLiteral("properties.limits.timeout"));
    if (!timeout.isEmpty() && !parseIsoDuration(timeout))
        throw Failure{400, QStringLiteral("UserError"),
                      QStringLiteral("'properties.limits.timeout' must be an ISO 8601 duration such as PT1H, not '%1'.").arg(timeout)};
    for (const char *io : {"inputs", "outputs"}) {
        const Json names = jsonObj(p, io, QStringLiteral("properties.%1").arg(QString::fromLatin1(io)));
        for (auto it = names.begin(); it != names.end(); ++it) {
            const QString field = QStringLiteral("properties.%1.%2").arg(QString::fromLatin1(io), QString::fromStdString(it.key()));
            if (!it.value().is_object() && !it.value().is_null())
                throw Failure{400, QStringLiteral("InvalidRequestContent"), QStringLiteral("'%1' must be a JSON object.").arg(field)};
            static const QRegularExpression ioName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,99}$"));
            if (!ioName.match(QString::fromStdString(it.key())).hasMatch())
                throw Failure{400, QStringLiteral("UserError"),
                              QStringLiteral("'%1': a name must contain only letters, digits and '_'.").arg(field)};
        }
    }
    // What Azure fills in of a command job it was not sent.
    const std::pair<const char *, Json> defaults[] = {
        {"codeId", nullptr},        {"inputs", Json::object()},       {"environmentVariables", nullptr},
        {"parameters", Json::object()}, {"distribution", nullptr},    {"identity", nullptr},
        {"componentId", nullptr},   {"notificationSetting", nullptr}, {"queueSettings", {{"jobTier", "Null"}}},
        {"resources", {{"instanceCount", 1}, {"instanceType", nullptr}, {"properties", nullptr}, {"shmSize", "2g"}, {"dockerArgs", nullptr}}}};
    for (const auto &[key, value] : defaults)
        if (!p.contains(key))
            p[key] = value;
    if (!p.contains("limits") || !p["limits"].is_object())
        p["limits"] = {{"jobLimitsType", "Command"}};
    if (!p["limits"].contains("timeout"))
        p["limits"]["timeout"] = nullptr;
    // Where Azure's run keeps its process files, and the cluster it runs on.
    Json &bag = p["properties"];
    if (!bag.is_object())
        bag = Json::object();
    bag["ProcessInfoFile"] = "azureml-logs/process_info.json";
    bag["ProcessStatusFile"] = "azureml-logs/process_status.json";
    if (p.contains("computeId") && p["computeId"].is_string()) {
        bag["_azureml.ComputeTargetType"] = "amlctrain";
        bag["_azureml.ClusterName"] = s(q(p, "computeId").section(QLatin1Char('/'), -1));
        // The cluster as the job found it, in Azure's system tag: a local cluster's nodes are
        // its slots, always allocated.
        const auto cluster = c.store.resource(q(p, "computeId"));
        const int nodes = cluster ? cluster->doc["properties"]["properties"]["scaleSettings"].value("maxNodeCount", 1) : 1;
        if (!p.contains("tags") || !p["tags"].is_object())
            p["tags"] = Json::object();
        p["tags"]["_aml_system_ComputeTargetStatus"] =
            Json{{"AllocationState", "steady"}, {"PreparingNodeCount", 0}, {"RunningNodeCount", 0}, {"CurrentNodeCount", nodes}}.dump();
    }
    const Json inputs = p.value("inputs", Json::object());
    for (auto it = inputs.begin(); it != inputs.end(); ++it) {
        if (!it.value().is_object() || q(it.value(), "jobInputType").compare(QLatin1String("literal"), Qt::CaseInsensitive) == 0)
            continue;
        const QString uri = q(it.value(), "uri");
        const bool folder =
            q(it.value(), "jobInputType").remove(QLatin1Char('_')).compare(QLatin1String("urifolder"), Qt::CaseInsensitive) == 0;
        QString error;
        if (uri.isEmpty() || !c.svc.resolveDataPath(c.workspaceId, uri, &error, folder))
            throw Failure{400, QStringLiteral("UserError"),
                          QStringLiteral("properties.inputs.%1: %2")
                              .arg(QString::fromStdString(it.key()), uri.isEmpty() ? QStringLiteral("'uri' is required.") : error)};
    }
}

} // namespace

void buildJob(Ctx &c, Json &doc, const std::optional<StoredResource> &existing)
{
    Json &p = doc["properties"];
    const QString jobType = jsonStr(p, "jobType", QStringLiteral("properties.jobType"));
    if (existing) {
        // A job is immutable once submitted, except its descriptive fields.
        const Json &old = existing->doc["properties"];
        if (q(old, "jobType") != jobType)
            throw Failure{409, QStringLiteral("Conflict"),
                          QStringLiteral("Job '%1' already exists with jobType '%2'; a job cannot change once "
                                         "submitted.")
                              .arg(c.name, q(old, "jobType"))};
        Json merged = old;
        for (const char *key : {"description", "tags", "displayName", "isArchived"})
            if (p.contains(key))
                merged[key] = p[key];
        p = merged;
        return;
    }
    if (jobType != QLatin1String("AutoML") && jobType != QLatin1String("Pipeline") && jobType != QLatin1String("Command"))
        throw Failure{400, QStringLiteral("UserError"),
                      jobType.isEmpty() ? QStringLiteral("'properties.jobType' is required.")
                                        : QStringLiteral("jobType '%1' is not supported by the local workspace; "
                                                         "use AutoML, Command or Pipeline.")
                                              .arg(jobType)};
    if (jobType == QLatin1String("Command")) {
        validateCommand(c, p);
    } else if (jobType == QLatin1String("AutoML")) {
        p["computeId"] = s(resolveComputeId(c, jsonStr(p, "computeId", QStringLiteral("properties.computeId")),
                                            QStringLiteral("properties.computeId")));
        validateAutoMl(c, p);
    } else {
        const Json settings = jsonObj(p, "settings", QStringLiteral("properties.settings"));
        const Json steps = jsonObj(p, "jobs", QStringLiteral("properties.jobs"));
        QString defaultCompute;
        for (const char *key : {"defaultCompute", "default_compute"}) {
            const QString field = QStringLiteral("properties.settings.%1").arg(QString::fromLatin1(key));
            const QString value = jsonStr(settings, key, field);
            if (!value.isEmpty()) {
                defaultCompute = resolveComputeId(c, value, field);
                p["settings"][key] = s(defaultCompute);
            }
        }
        if (defaultCompute.isEmpty() && !jsonStr(p, "computeId", QStringLiteral("properties.computeId")).isEmpty()) {
            defaultCompute = resolveComputeId(c, jsonStr(p, "computeId", QStringLiteral("properties.computeId")),
                                              QStringLiteral("properties.computeId"));
            p["computeId"] = s(defaultCompute);
        }
        for (auto it = steps.begin(); it != steps.end(); ++it) {
            const QString step = QString::fromStdString(it.key());
            if (!it.value().is_object())
                throw Failure{400, QStringLiteral("InvalidRequestContent"),
                              QStringLiteral("'properties.jobs.%1' must be a JSON object.").arg(step)};
            QString stepCompute;
            for (const char *key : {"computeId", "compute"}) {
                const QString field = QStringLiteral("properties.jobs.%1.%2").arg(step, QString::fromLatin1(key));
                const QString value = jsonStr(it.value(), key, field);
                if (!value.isEmpty())
                    stepCompute = resolveComputeId(c, value, field);
            }
            const QString type = q(it.value(), "type").toLower();
            if ((type == QLatin1String("automl") || type == QLatin1String("parallel")) && stepCompute.isEmpty() &&
                defaultCompute.isEmpty())
                throw Failure{400, QStringLiteral("UserError"),
                              QStringLiteral("'properties.jobs.%1.compute' or 'properties.settings.default_compute' is "
                                             "required: name the compute cluster the %2 step runs on.")
                                  .arg(step, type)};
        }
        QString error;
        if (!pipelineStepOrder(p, &error))
            throw Failure{400, QStringLiteral("UserError"), error};
        for (auto it = steps.begin(); it != steps.end(); ++it) {
            // Literal data references must resolve now, not halfway through the run.
            const QString training = q(it.value(), "training_data");
            if (!training.isEmpty() && !training.contains(QLatin1String("${{")) &&
                !c.svc.resolveDataPath(c.workspaceId, training, &error))
                throw Failure{400, QStringLiteral("UserError"),
                              QStringLiteral("properties.jobs.%1.training_data: %2").arg(QString::fromStdString(it.key()), error)};
        }
        const Json inputs = p.value("inputs", Json::object());
        for (auto it = inputs.begin(); it != inputs.end(); ++it) {
            const QString uri = q(it.value(), "uri");
            // A uri_folder input names a folder, not an MLTable's file.
            const bool folder =
                q(it.value(), "jobInputType").remove(QLatin1Char('_')).compare(QLatin1String("urifolder"), Qt::CaseInsensitive) == 0;
            if (!uri.isEmpty() && !c.svc.resolveDataPath(c.workspaceId, uri, &error, folder))
                throw Failure{400, QStringLiteral("UserError"),
                              QStringLiteral("properties.inputs.%1: %2").arg(QString::fromStdString(it.key()), error)};
        }
    }
    p["status"] = "NotStarted";
    p["experimentName"] = s(jsonStr(p, "experimentName", QStringLiteral("properties.experimentName"),
                                    QStringLiteral("Default")));
    p["displayName"] = s(jsonStr(p, "displayName", QStringLiteral("properties.displayName"), c.name));
    p["isArchived"] = p.value("isArchived", false);
    if (!p.contains("tags"))
        p["tags"] = Json::object();
    if (!p.contains("properties"))
        p["properties"] = Json::object();
    const QString host = c.base.section(QStringLiteral("://"), 1);
    p["services"] = {
        {"Tracking",
         {{"jobServiceType", "Tracking"},
          {"endpoint", s(QStringLiteral("azureml://%1/mlflow/v1.0%2").arg(host, c.workspaceId))}}},
        {"Studio",
         {{"jobServiceType", "Studio"},
          {"endpoint", s(QStringLiteral("%1/studio/jobs/%2").arg(c.base, c.name))}}},
    };
    // The rest of a job service's fields, null as Azure sends them until a service runs.
    for (const char *service : {"Tracking", "Studio"})
        for (const char *key : {"port", "status", "errorMessage", "properties", "nodes"})
            p["services"][service][key] = nullptr;
    if (!p.contains("outputs"))
        p["outputs"] = Json::object();
    p["outputs"]["default"] = {{"description", nullptr},
                               {"jobOutputType", "uri_folder"},
                               {"mode", "ReadWriteMount"},
                               {"uri", s(QStringLiteral("azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.%1")
                                             .arg(c.name))}};
    if (jobType == QLatin1String("AutoML"))
        p["outputs"]["best_model"] = {{"jobOutputType", "mlflow_model"},
                                      {"mode", "ReadWriteMount"},
                                      {"uri", s(QStringLiteral("azureml://jobs/%1/outputs/best_model").arg(c.name))}};
}

void buildSchedule(Ctx &c, Json &doc, const std::optional<StoredResource> &existing)
{
    Json &p = doc["properties"];
    const Json trigger = jsonObj(p, "trigger", QStringLiteral("properties.trigger"));
    const qint64 now = c.svc.nowMs();
    const Json oldLocal = existing ? existing->doc.value("_local", Json::object()) : Json::object();
    const qint64 createdMs = oldLocal.value("createdMs", now);
    QString error;
    if (!parseScheduleTrigger(trigger, QDateTime::fromMSecsSinceEpoch(createdMs, Qt::UTC), &error))
        throw Failure{400, QStringLiteral("BadRequest"), error};
    const Json action = jsonObj(p, "action", QStringLiteral("properties.action"));
    const QString actionType = jsonStr(action, "actionType", QStringLiteral("properties.action.actionType"));
    if (actionType == QLatin1String("CreateJob")) {
        const Json definition = jsonObj(action, "jobDefinition", QStringLiteral("properties.action.jobDefinition"));
        const QString jobType = q(definition, "jobType");
        if (jobType != QLatin1String("Pipeline") && jobType != QLatin1String("AutoML") && jobType != QLatin1String("Command"))
            throw Failure{400, QStringLiteral("BadRequest"),
                          QStringLiteral("'properties.action.jobDefinition.jobType' must be Pipeline, AutoML or Command, not '%1'.")
                              .arg(jobType)};
        if (jobType == QLatin1String("Pipeline") && !pipelineStepOrder(definition, &error))
            throw Failure{400, QStringLiteral("BadRequest"), QStringLiteral("properties.action.jobDefinition: ") + error};
    } else if (actionType != QLatin1String("InvokeBatchEndpoint")) {
        throw Failure{400, QStringLiteral("BadRequest"),
                      QStringLiteral("'properties.action.actionType' must be CreateJob or InvokeBatchEndpoint.")};
    }
    if (p.contains("properties") && p["properties"].is_object() && p["properties"].contains(kMissedRunsProperty)) {
        const Json &policy = p["properties"][kMissedRunsProperty];
        if (!policy.is_string() || !parseMissedRunPolicy(QString::fromStdString(policy.get<std::string>())))
            throw Failure{400, QStringLiteral("BadRequest"),
                          QStringLiteral("'properties.properties.%1' must be CatchUp or Skip.").arg(QLatin1String(kMissedRunsProperty))};
    }
    p["isEnabled"] = jsonBool(p, "isEnabled", QStringLiteral("properties.isEnabled")).value_or(true);
    // Occurrences count from now: a new schedule, a changed trigger and a schedule enabled
    // again do not fire for the time before.
    Json local = oldLocal.is_object() ? oldLocal : Json::object();
    local["createdMs"] = createdMs;
    const bool wasEnabled = existing && existing->doc["properties"].value("isEnabled", true);
    const bool sameTrigger = existing && existing->doc["properties"].value("trigger", Json()) == trigger;
    if (!existing || !sameTrigger || (!wasEnabled && p["isEnabled"].get<bool>()))
        local["lastEvaluatedMs"] = now;
    if (!local.contains("history"))
        local["history"] = Json::array();
    doc["_local"] = local;
    p["displayName"] = p.value("displayName", doc.value("name", std::string()));
    p["provisioningState"] = "Succeeded";
    if (!p.contains("tags"))
        p["tags"] = Json::object();
    if (!p.contains("properties"))
        p["properties"] = Json::object();
}

ApiResponse jobAction(Ctx &c, const QString &action, const Json &, const std::optional<StoredResource> &existing)
{
    const auto is = [&](const char *name) { return isAction(action, name); };
    switch (c.kind->k) {
    case K::Job:
        if (is("cancel")) {
            const StoredResource &job = requireExisting(c, existing);
            ApiResponse r{terminalJobStatus(job.state) ? 200 : 202, {}, {}};
            if (!terminalJobStatus(job.state)) {
                c.store.updateResource(job.id, [](StoredResource &j) {
                    if (terminalJobStatus(j.state))
                        return false;
                    j.state = QStringLiteral("CancelRequested");
                    j.doc["properties"]["status"] = "CancelRequested";
                    return true;
                });
                if (c.svc.jobRunner())
                    c.svc.jobRunner()->cancel(job.id);
                // The job's own URL tells when it stopped; a finished job answers 200 alone, as on Azure.
                r.setHeader("Location", (c.base + job.id + QStringLiteral("?api-version=") + c.apiVersion).toUtf8());
            }
            return r;
        }
        break;
    default:
        break;
    }
    noSuchAction(c, action);
}

} // namespace cerulean::local::armr
