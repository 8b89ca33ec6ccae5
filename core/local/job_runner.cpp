#include "core/local/job_runner.h"

#include "core/local/pipeline_runner.h"
#include "core/local/service.h"
#include "core/local/step_sandbox.h"

#include <QDirIterator>

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QScopeGuard>

#include <cstdio>
#include <set>

#include <csignal>
#include <cerrno>
#include <unistd.h>

namespace cerulean::local {

namespace {

const QString kJobs = QStringLiteral("microsoft.machinelearningservices/workspaces/jobs");
const QStringList kRunningStates{QStringLiteral("Starting"), QStringLiteral("Preparing"), QStringLiteral("Running"),
                                 QStringLiteral("Finalizing"), QStringLiteral("CancelRequested")};

bool processAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

QString str(const Json &j, const char *key, const QString &fallback = QString())
{
    return j.is_object() && j.contains(key) && j[key].is_string() ? QString::fromStdString(j[key].get<std::string>())
                                                                   : fallback;
}

QStringList strList(const Json &j, const char *key)
{
    QStringList out;
    if (j.is_object() && j.contains(key) && j[key].is_array())
        for (const auto &v : j[key])
            if (v.is_string())
                out << QString::fromStdString(v.get<std::string>());
    return out;
}

std::optional<std::chrono::milliseconds> duration(const Json &j, const char *key)
{
    const QString text = str(j, key);
    if (text.isEmpty())
        return std::nullopt;
    return parseIsoDuration(text);
}

} // namespace


bool isTerminalJobStatus(const QString &status)
{
    return status == QLatin1String("Completed") || status == QLatin1String("Failed") ||
           status == QLatin1String("Canceled") || status == QLatin1String("NotResponding");
}

QString mlflowStatusFor(const QString &jobStatus)
{
    if (jobStatus == QLatin1String("Completed"))
        return QStringLiteral("FINISHED");
    if (jobStatus == QLatin1String("Failed") || jobStatus == QLatin1String("NotResponding"))
        return QStringLiteral("FAILED");
    if (jobStatus == QLatin1String("Canceled"))
        return QStringLiteral("KILLED");
    if (jobStatus == QLatin1String("NotStarted") || jobStatus == QLatin1String("Queued"))
        return QStringLiteral("SCHEDULED");
    return QStringLiteral("RUNNING");
}

std::optional<QString> invalidFileName(const QString &name)
{
    constexpr qsizetype kMaxFileName = 255;
    if (name.isEmpty())
        return QStringLiteral("must not be empty");
    if (name == QLatin1String(".") || name == QLatin1String(".."))
        return QStringLiteral("must not be '.' or '..'");
    if (name.size() > kMaxFileName)
        return QStringLiteral("must be at most %1 characters").arg(kMaxFileName);
    for (const QChar c : name) {
        if (c == QLatin1Char('/') || c == QLatin1Char('\\'))
            return QStringLiteral("must be a file name, without '/' or '\\'");
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return QStringLiteral("must not contain NUL or other control characters");
    }
    return std::nullopt;
}

QString pathInside(const QString &folder, const QString &relative)
{
    const QString base = QDir::cleanPath(folder);
    if (relative.contains(QChar(0)))
        return {};
    const QString full = QDir::cleanPath(base + QLatin1Char('/') + relative);
    return full.startsWith(base + QLatin1Char('/')) ? full : QString();
}

bool writeRunArtifact(const Store &store, const QString &runId, const QString &path, const QByteArray &data)
{
    if (invalidFileName(runId))
        return false;
    // Inside the run's folder whatever the path says (defence in depth: callers pass known names).
    const QString full = pathInside(store.artifactsDir() + QLatin1Char('/') + runId, path);
    if (full.isEmpty())
        return false;
    QDir().mkpath(QFileInfo(full).absolutePath());
    QSaveFile file(full);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write(data);
    return file.commit();
}

bool placeRunArtifacts(const Store &store, const QString &runId, const std::vector<std::pair<QString, QByteArray>> &files)
{
    if (files.empty())
        return true;
    if (invalidFileName(runId))
        return false;
    const QString folder = store.artifactsDir() + QLatin1Char('/') + runId;
    const QString staging = store.artifactsDir() + QStringLiteral("/.staging-%1-%2").arg(::getpid()).arg(newGuid());
    const auto cleanUp = qScopeGuard([&] { QDir(staging).removeRecursively(); });
    std::vector<QString> relative;
    for (const auto &[path, data] : files) {
        const QString target = pathInside(staging, path);
        if (target.isEmpty())
            return false;
        QDir().mkpath(QFileInfo(target).absolutePath());
        QFile f(target);
        if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size())
            return false;
        relative.push_back(target.mid(staging.size() + 1));
    }
    // A new run's folder arrives whole, in one rename.
    if (!QFileInfo::exists(folder) && QDir().rename(staging, folder))
        return true;
    bool ok = true;
    for (const QString &path : relative) {
        const QString target = folder + QLatin1Char('/') + path;
        QDir().mkpath(QFileInfo(target).absolutePath());
        ok = (std::rename(QFile::encodeName(staging + QLatin1Char('/') + path).constData(), QFile::encodeName(target).constData()) == 0) && ok;
    }
    return ok;
}

void removeStaleStaging(const Store &store)
{
    static const QRegularExpression re(QStringLiteral("^\\.staging-(\\d+)-"));
    for (const QString &name : QDir(store.artifactsDir()).entryList({QStringLiteral(".staging-*")}, QDir::Dirs | QDir::Hidden)) {
        const auto m = re.match(name);
        if (m.hasMatch() && !processAlive(m.captured(1).toLongLong()))
            QDir(store.artifactsDir() + QLatin1Char('/') + name).removeRecursively();
    }
}

void LocalService::setJobStatus(const QString &jobId, const QString &status, const Json &error)
{
    // The job and its MLflow run change together.
    m_store->transaction([&] {
        m_store->updateResource(jobId, [&](StoredResource &job) {
            if (isTerminalJobStatus(job.state))
                return false; // a finished job never changes again
            job.state = status;
            job.doc["properties"]["status"] = status.toStdString();
            if (isTerminalJobStatus(status) && job.doc["properties"].value("jobType", std::string()) == "Command")
                job.doc["properties"]["properties"]["EndTimeUtc"] =
                    QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")).toStdString();
            if (!error.is_null()) {
                job.doc["_local"]["error"] = error;
                job.doc["properties"]["properties"]["azureml.error"] = error.value("message", std::string());
            }
            return true;
        });
        const auto job = m_store->resource(jobId);
        if (!job)
            return true;
        m_store->updateRun(job->name, [&](RunRecord &run) {
            run.status = mlflowStatusFor(job->state);
            if (isTerminalJobStatus(job->state) && run.endTimeMs == 0)
                run.endTimeMs = Store::nowMs();
            if (!error.is_null())
                run.tags["mlflow.note.content"] = error.value("message", std::string());
        });
        return true;
    });
}

struct JobRunner::Active
{
    QString jobId;
    QString name;
    QString experimentId;
    int slots = 1;
    std::atomic<bool> cancel{false};
    std::thread thread;
    std::mutex mutex; // serialises trial reports
    qint64 startMs = 0;
    double bestScore = 0;
};

JobRunner::JobRunner(LocalService &service, TrainingEngineFactory engine)
    : m_service(service), m_store(service.store()), m_engine(std::move(engine))
{
}

JobRunner::~JobRunner() { stop(); }

void JobRunner::setEngineFactory(TrainingEngineFactory factory)
{
    std::lock_guard lock(m_mutex);
    m_engine = std::move(factory);
}

int JobRunner::recoverOrphans()
{
    removeStaleStaging(m_store);
    int recovered = 0;
    const qint64 now = Store::nowMs();
    const qint64 lease = std::chrono::duration_cast<std::chrono::milliseconds>(m_service.options().jobLease).count();
    const qint64 me = ::getpid();
    for (const StoredResource &job : m_store.byKindAndState(kJobs, kRunningStates)) {
        const Json local = job.doc.value("_local", Json::object());
        const qint64 pid = local.value("pid", qint64(0));
        const qint64 beat = local.value("heartbeatMs", qint64(0));
        // Our own pid in a fresh process means a pid reused after a crash.
        const bool orphaned = pid == me || !processAlive(pid) || now - beat > lease;
        if (!orphaned)
            continue;
        ++recovered;
        // A command step's sandbox folder: what it wrote never became the step's outputs.
        QDir(commandStepFolder(m_store, job.name)).removeRecursively();
        if (job.state == QLatin1String("CancelRequested")) {
            m_service.setJobStatus(job.id, QStringLiteral("Canceled"));
            continue;
        }
        m_service.setJobStatus(
            job.id, QStringLiteral("Failed"),
            Json{{"code", "ServiceRestarted"},
                 {"message", "The local workspace service stopped while this job was running (its process ended "
                             "unexpectedly). Trials that finished are kept; submit the job again to continue."}});
        // Child runs that were still running end with their parent.
        for (RunRecord &child : m_store.runs({}, job.name, QStringLiteral("RUNNING")))
            m_store.updateRun(child.runId, [](RunRecord &r) {
                r.status = QStringLiteral("FAILED");
                r.endTimeMs = Store::nowMs();
            });
    }
    return recovered;
}

void JobRunner::start()
{
    std::lock_guard lock(m_mutex);
    if (m_thread.joinable())
        return;
    m_stopping = false;
    m_thread = std::thread([this] { loop(); });
}

void JobRunner::stop()
{
    std::map<QString, std::shared_ptr<Active>> active;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        active = m_active;
        for (auto &[key, a] : active)
            a->cancel = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    for (auto &[key, a] : active)
        if (a->thread.joinable())
            a->thread.join();
    std::lock_guard lock(m_mutex);
    m_active.clear();
}

void JobRunner::wake()
{
    {
        std::lock_guard lock(m_mutex);
        m_pending = true;
    }
    m_wake.notify_all();
}

void JobRunner::cancel(const QString &jobId)
{
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_active.find(resourceKey(jobId));
        if (it != m_active.end()) {
            it->second->cancel = true;
            return;
        }
    }
    // Not running here: a queued job ends at once; one running in another process sees
    // CancelRequested on its next heartbeat.
    const auto job = m_store.resource(jobId);
    if (job && (job->state == QLatin1String("NotStarted") || job->state == QLatin1String("Queued") ||
                (job->state == QLatin1String("CancelRequested") && !processAlive(job->doc["_local"].value("pid", qint64(0))))))
        m_service.setJobStatus(jobId, QStringLiteral("Canceled"));
}

void JobRunner::loop()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        lock.unlock();
        heartbeat();
        schedule();
        lock.lock();
        // Reap finished job threads.
        for (auto it = m_active.begin(); it != m_active.end();) {
            const auto job = m_store.resource(it->second->jobId);
            if ((!job || isTerminalJobStatus(job->state)) && it->second->thread.joinable()) {
                auto a = it->second;
                it = m_active.erase(it);
                lock.unlock();
                a->thread.join();
                lock.lock();
            } else {
                ++it;
            }
        }
        m_wake.wait_for(lock, heartbeatInterval, [this] { return m_stopping || m_pending; });
        m_pending = false;
    }
}

void JobRunner::heartbeat()
{
    std::vector<std::shared_ptr<Active>> active;
    {
        std::lock_guard lock(m_mutex);
        for (auto &[key, a] : m_active)
            active.push_back(a);
    }
    for (const auto &a : active) {
        m_store.updateResource(a->jobId, [&](StoredResource &job) {
            if (job.state == QLatin1String("CancelRequested"))
                a->cancel = true;
            if (isTerminalJobStatus(job.state))
                return false;
            job.doc["_local"]["heartbeatMs"] = Store::nowMs();
            return true;
        });
    }
}

void JobRunner::schedule()
{
    if (m_service.pipelines())
        m_service.pipelines()->reap();
    const auto waiting = m_store.byKindAndState(kJobs, {QStringLiteral("NotStarted"), QStringLiteral("Queued")});
    if (waiting.empty())
        return;
    const qint64 me = ::getpid();
    for (const StoredResource &job : waiting) {
        if (str(job.doc["properties"], "jobType") == QLatin1String("Pipeline")) {
            if (m_service.pipelines())
                m_service.pipelines()->submit(job.id);
            continue;
        }
        const bool command = str(job.doc["properties"], "jobType") == QLatin1String("Command");
        if (!command && str(job.doc["properties"], "jobType") != QLatin1String("AutoML"))
            continue;
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping)
                return;
        }
        const QString computeId = str(job.doc["properties"], "computeId");
        const auto compute = m_store.resource(computeId);
        // A command job without a compute runs at once (serverless); one on a cluster takes a slot.
        const bool anywhere = command && computeId.isEmpty();
        if (!compute && !anywhere) {
            m_service.setJobStatus(job.id, QStringLiteral("Failed"),
                                   Json{{"code", "ComputeNotFound"},
                                        {"message", "The job's compute cluster was deleted before the job started."}});
            continue;
        }
        const int slots = anywhere ? 1
                                   : std::max<int>(1, compute->doc["properties"]["properties"]["scaleSettings"].value(
                                                          "maxNodeCount", 1));
        int used = 0;
        if (!anywhere)
            for (const StoredResource &other : m_store.byKindAndState(kJobs, kRunningStates))
                if (resourceKey(str(other.doc["properties"], "computeId")) == resourceKey(computeId))
                    used += other.doc.value("_local", Json::object()).value("slots", 1);
        const int free = slots - used;
        const Json limits = command ? Json::object() : job.doc["properties"]["taskDetails"].value("limitSettings", Json::object());
        const int want = std::max(1, limits.value("maxConcurrentTrials", 1));
        if (free < 1) {
            if (job.state == QLatin1String("NotStarted"))
                m_service.setJobStatus(job.id, QStringLiteral("Queued"));
            continue;
        }
        const int take = std::min(want, free);
        bool claimed = false;
        m_store.updateResource(job.id, [&](StoredResource &j) {
            if (j.state != QLatin1String("NotStarted") && j.state != QLatin1String("Queued"))
                return false;
            claimed = true;
            j.state = QStringLiteral("Starting");
            j.doc["properties"]["status"] = "Starting";
            j.doc["_local"]["pid"] = me;
            j.doc["_local"]["heartbeatMs"] = Store::nowMs();
            j.doc["_local"]["slots"] = take;
            return true;
        });
        if (!claimed)
            continue;
        auto active = std::make_shared<Active>();
        active->jobId = job.id;
        active->name = job.name;
        active->slots = take;
        std::lock_guard lock(m_mutex);
        m_active[resourceKey(job.id)] = active;
        active->thread = std::thread([this, active] { runJob(active); });
    }
}

void JobRunner::runJob(const std::shared_ptr<Active> &a)
{
    const auto job = m_store.resource(a->jobId);
    if (!job)
        return;
    const Json &p = job->doc["properties"];
    const Json task = p.value("taskDetails", Json::object());
    const QString workspaceId = a->jobId.section(QLatin1Char('/'), 0, -3);
    a->startMs = Store::nowMs();

    // MLflow: the job is the parent run, in its experiment.
    a->experimentId = m_store.experimentId(str(p, "experimentName", QStringLiteral("Default")), true);
    RunRecord parent;
    parent.runId = a->name;
    parent.experimentId = a->experimentId;
    parent.jobId = a->jobId;
    parent.status = QStringLiteral("RUNNING");
    parent.startTimeMs = a->startMs;
    const bool command = str(p, "jobType") == QLatin1String("Command");
    parent.tags = {{"mlflow.runName", str(p, "displayName", a->name).toStdString()},
                   {"mlflow.user", "local"},
                   {"azureml.runsource", command ? "azureml.scriptrun" : "automl"}};
    if (!command) {
        parent.tags["task_type"] = str(task, "taskType").toStdString();
        parent.tags["primary_metric"] = str(task, "primaryMetric").toStdString();
    }
    if (const auto existing = m_store.run(a->name); existing) {
        parent.tags.update(existing->tags);
        parent.parentRunId = existing->parentRunId; // a pipeline step's run stays under its pipeline
    }
    m_store.putRun(parent);
    m_service.setJobStatus(a->jobId, QStringLiteral("Running"));
    if (command) {
        // As Azure's run records them: when the command started and ended, in UTC.
        const auto stamp = [&](const char *key) {
            m_store.updateResource(a->jobId, [&](StoredResource &j) {
                j.doc["properties"]["properties"][key] =
                    QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")).toStdString();
                return true;
            });
        };
        stamp("StartTimeUtc");
        // The status after the sandbox folder is gone: a finished job has nothing left running.
        const auto [status, error] = runCommandJob(a, p, workspaceId);
        m_service.setJobStatus(a->jobId, status, error); // EndTimeUtc comes with it
        wake();
        return;
    }

    const auto fail = [&](const QString &code, const QString &message) {
        m_service.setJobStatus(a->jobId, QStringLiteral("Failed"),
                               Json{{"code", code.toStdString()}, {"message", message.toStdString()}});
    };

    TrainingRequest request;
    request.jobName = a->name;
    QString error;
    const auto train = m_service.resolveDataPath(workspaceId, str(task.value("trainingData", Json::object()), "uri"), &error);
    if (!train)
        return fail(QStringLiteral("DataNotFound"), error);
    request.trainingCsv = *train;
    const QString validationUri = str(task.value("validationData", Json::object()), "uri");
    if (!validationUri.isEmpty()) {
        const auto validation = m_service.resolveDataPath(workspaceId, validationUri, &error);
        if (!validation)
            return fail(QStringLiteral("DataNotFound"), error);
        request.validationCsv = *validation;
    }
    const QString testUri = str(task.value("testData", Json::object()), "uri");
    if (!testUri.isEmpty()) {
        const auto test = m_service.resolveDataPath(workspaceId, testUri, &error);
        if (!test)
            return fail(QStringLiteral("DataNotFound"), error);
        request.testCsv = *test;
    }
    if (const Json folds = task.value("nCrossValidations", Json::object());
        folds.is_object() && str(folds, "mode").compare(QLatin1String("custom"), Qt::CaseInsensitive) == 0 &&
        folds.value("value", Json()).is_number_integer())
        request.crossValidations = folds["value"].get<int>();
    if (task.value("validationDataSize", Json()).is_number())
        request.validationSize = task["validationDataSize"].get<double>();
    if (task.value("testDataSize", Json()).is_number())
        request.testSize = task["testDataSize"].get<double>();
    request.targetColumn = str(task, "targetColumnName");
    request.taskType = str(task, "taskType");
    request.primaryMetric = str(task, "primaryMetric",
                                request.taskType == QLatin1String("Regression") ? QStringLiteral("NormalizedRootMeanSquaredError")
                                                                                 : QStringLiteral("accuracy"));
    // The REST enum (ClassificationPrimaryMetrics) names the metric differently from the
    // metric keys the runs log.
    static const std::map<QString, QString> metricNames{
        {QStringLiteral("Accuracy"), QStringLiteral("accuracy")},
        {QStringLiteral("AUCWeighted"), QStringLiteral("AUC_weighted")},
        {QStringLiteral("NormMacroRecall"), QStringLiteral("norm_macro_recall")},
        {QStringLiteral("AveragePrecisionScoreWeighted"), QStringLiteral("average_precision_score_weighted")},
        {QStringLiteral("PrecisionScoreWeighted"), QStringLiteral("precision_score_weighted")}};
    if (const auto it = metricNames.find(request.primaryMetric); it != metricNames.end())
        request.primaryMetric = it->second;
    const Json limits = task.value("limitSettings", Json::object());
    request.maxTrials = std::max(1, limits.value("maxTrials", 1000));
    request.concurrentTrials = a->slots;
    request.timeout = duration(limits, "timeout").value_or(std::chrono::hours(6));
    request.trialTimeout = duration(limits, "trialTimeout").value_or(std::chrono::milliseconds(0));
    if (limits.contains("exitScore") && limits["exitScore"].is_number())
        request.exitScore = limits["exitScore"].get<double>();
    const Json training = task.value("trainingSettings", Json::object());
    request.enableStackEnsemble = training.value("enableStackEnsemble", true);
    request.enableVoteEnsemble = training.value("enableVoteEnsemble", true);
    request.explain = training.value("enableModelExplainability", true);
    request.blockedModels = strList(training, "blockedTrainingAlgorithms");
    request.allowedModels = strList(training, "allowedTrainingAlgorithms");
    request.outputDir = m_store.artifactsDir() + QLatin1Char('/') + a->name + QStringLiteral("/outputs");
    QDir().mkpath(request.outputDir);

    TrainingEngineFactory factory;
    {
        std::lock_guard lock(m_mutex);
        factory = m_engine;
    }
    std::unique_ptr<TrainingEngine> engine = factory ? factory() : nullptr;
    if (!engine)
        return fail(QStringLiteral("NoTrainingEngine"), QStringLiteral("This build of the local workspace has no AutoML engine."));

    const TrainingOutcome outcome =
        engine->run(request, [&](const TrialReport &trial) { finishChild(a, trial); }, a->cancel);

    // The run's files are in place before the job says how it ended; the best child, the tags
    // and the status commit together.
    auto files = outcome.artifacts;
    if (!outcome.guardrails.empty())
        files.emplace_back(QStringLiteral("outputs/data_guardrails.json"), QByteArray::fromStdString(outcome.guardrails.dump()));
    placeRunArtifacts(m_store, a->name, files);
    m_store.transaction([&] {
        if (outcome.bestTrial >= 0) {
            const QString best = a->name + QLatin1Char('_') + QString::number(outcome.bestTrial);
            m_store.updateRun(a->name, [&](RunRecord &r) {
                r.tags["automl_best_child_run_id"] = best.toStdString();
                r.tags["model_explain_best_run_child_id"] = best.toStdString();
            });
            m_store.updateResource(a->jobId, [&](StoredResource &j) {
                j.doc["properties"]["properties"]["automl_best_child_run_id"] = best.toStdString();
                j.doc["_local"]["bestChildRunId"] = best.toStdString();
                return true;
            });
        }
        if (outcome.canceled || a->cancel)
            m_service.setJobStatus(a->jobId, QStringLiteral("Canceled"));
        else if (outcome.succeeded)
            m_service.setJobStatus(a->jobId, QStringLiteral("Completed"));
        else
            fail(QStringLiteral("TrainingFailed"), outcome.error.isEmpty() ? QStringLiteral("Training failed.") : outcome.error);
        return true;
    });
    wake(); // free slots may start a queued job
}

std::pair<QString, Json> JobRunner::runCommandJob(const std::shared_ptr<Active> &a, const Json &p, const QString &workspaceId)
{
    // The job's log is its run's user_logs/std_log.txt, where a pipeline's command step keeps its own.
    const auto writeLog = [&](const QByteArray &text) {
        writeRunArtifact(m_store, a->name, QStringLiteral("user_logs/std_log.txt"), text);
    };
    QByteArray output;
    const auto fail = [&](const QString &code, const QString &message) {
        output += (message + QLatin1Char('\n')).toUtf8();
        writeLog(output);
        return std::pair{QStringLiteral("Failed"), Json{{"code", code.toStdString()}, {"message", message.toStdString()}}};
    };
    SandboxSpec spec;
    spec.stepFolder = commandStepFolder(m_store, a->name);
    QDir(spec.stepFolder).removeRecursively();
    QDir().mkpath(spec.stepFolder + QStringLiteral("/tmp"));
    QFile::setPermissions(spec.stepFolder, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    const auto cleanUp = qScopeGuard([&] { QDir(spec.stepFolder).removeRecursively(); });
    QString error;

    // The code asset's files are the command's working directory, copied in (never bound): what
    // the command changes there stays in the sandbox.
    const QString codeId = str(p, "codeId");
    if (!codeId.isEmpty()) {
        const auto code = m_store.resource(codeId);
        if (!code)
            return fail(QStringLiteral("CodeNotFound"), QStringLiteral("The code version '%1' was not found.").arg(codeId));
        const auto folder = m_service.resolveDataPath(workspaceId, str(code->doc["properties"], "codeUri"), &error, true);
        if (!folder || !QFileInfo(*folder).isDir())
            return fail(QStringLiteral("CodeNotFound"),
                        QStringLiteral("The files of the code version '%1' were not found: %2").arg(codeId, error));
        const QDir root(*folder);
        QDirIterator it(*folder, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot | QDir::NoSymLinks, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString source = it.next();
            const QString target = pathInside(spec.stepFolder, root.relativeFilePath(source));
            if (target.isEmpty())
                continue;
            QDir().mkpath(QFileInfo(target).absolutePath());
            if (!QFile::copy(source, target))
                return fail(QStringLiteral("CodeNotFound"), QStringLiteral("The code file '%1' could not be copied.").arg(source));
        }
    }

    // Inputs as a pipeline's command step has them: a literal is a value, data is bound read-only.
    std::set<QString> inputNames, outputNames;
    const Json inputs = p.value("inputs", Json::object());
    for (auto it = inputs.begin(); it != inputs.end(); ++it) {
        const QString name = QString::fromStdString(it.key());
        const Json &v = it.value();
        const QString type = str(v, "jobInputType").remove(QLatin1Char('_')).toLower();
        QString value;
        if (type == QLatin1String("literal")) {
            const Json literal = v.value("value", Json());
            value = literal.is_string() ? QString::fromStdString(literal.get<std::string>()) : QString::fromStdString(literal.dump());
        } else {
            const auto path = m_service.resolveDataPath(workspaceId, str(v, "uri"), &error, type == QLatin1String("urifolder"));
            if (!path)
                return fail(QStringLiteral("DataNotFound"), QStringLiteral("input '%1': %2").arg(name, error));
            spec.inputs.push_back({name, *path});
            value = QString::fromLatin1(kSandboxInputsDir) + QLatin1Char('/') + name;
        }
        if (value.contains(QChar(0)))
            return fail(QStringLiteral("UserError"),
                        QStringLiteral("input '%1' holds a NUL character, which no command line can carry").arg(name));
        spec.environment[inputVariable(name)] = value;
        inputNames.insert(name);
    }
    const Json outputs = p.value("outputs", Json::object());
    for (auto it = outputs.begin(); it != outputs.end(); ++it) {
        const QString name = QString::fromStdString(it.key());
        if (name == QLatin1String("default"))
            continue; // the run's own folder, not the command's
        QDir().mkpath(spec.stepFolder + QStringLiteral("/outputs/") + name);
        spec.environment[outputVariable(name)] = QString::fromLatin1(kSandboxJobDir) + QStringLiteral("/outputs/") + name;
        outputNames.insert(name);
    }
    QDir().mkpath(spec.stepFolder + QStringLiteral("/outputs"));
    const Json variables = p.value("environmentVariables", Json::object());
    for (auto it = variables.begin(); it != variables.end(); ++it)
        if (it.value().is_string())
            spec.environment[QString::fromStdString(it.key())] = QString::fromStdString(it.value().get<std::string>());
    QString unknown;
    spec.command = commandWithBindings(
        str(p, "command"),
        [&](const QString &kind, const QString &name) {
            return kind == QLatin1String("inputs") ? inputNames.count(name) > 0 : outputNames.count(name) > 0;
        },
        &unknown);
    if (!unknown.isEmpty())
        return fail(QStringLiteral("UserError"),
                    QStringLiteral("the command uses %1, which is not one of the job's inputs or outputs").arg(unknown));
    const QString bubblewrap = findBubblewrap(m_service.options().sandbox, &error);
    if (bubblewrap.isEmpty())
        return fail(QStringLiteral("SandboxUnavailable"), error);
    const auto timeout = duration(p.value("limits", Json::object()), "timeout");

    output = ("$ " + spec.command + "\n").toUtf8();
    SandboxedProcess process;
    if (!process.start(bubblewrap, spec, &error))
        return fail(QStringLiteral("SandboxUnavailable"), error);
    const auto started = std::chrono::steady_clock::now();
    bool killed = false, timedOut = false;
    while (!process.waitForFinished(commandPollInterval)) {
        const QByteArray more = process.readOutput();
        if (!more.isEmpty()) {
            output += more;
            writeLog(output);
        }
        if (killed)
            continue;
        if (a->cancel) {
            process.kill(); // bwrap, and with it the sandbox's PID namespace: every process the command started
            killed = true;
        } else if (timeout && std::chrono::steady_clock::now() - started > *timeout) {
            process.kill();
            killed = timedOut = true;
        }
    }
    output += process.readOutput();
    const std::optional<int> code = process.exitCode();
    if (timedOut)
        return fail(QStringLiteral("JobTimeout"), QStringLiteral("the command ran longer than its limit of %1 s (limits.timeout) "
                                                                 "and was stopped")
                                                      .arg(std::chrono::duration_cast<std::chrono::seconds>(*timeout).count()));
    if (killed) {
        writeLog(output);
        return {QStringLiteral("Canceled"), Json()};
    }
    if (!code)
        return fail(QStringLiteral("SandboxUnavailable"), process.sandboxError());
    const QStringList removed = sanitizeStepFolder(spec.stepFolder + QStringLiteral("/outputs"));
    if (!removed.isEmpty())
        output += ("Removed from the outputs what may not leave the sandbox (links and special files): " +
                   removed.join(QStringLiteral(", ")) + QLatin1Char('\n'))
                      .toUtf8();
    if (*code != 0)
        return fail(QStringLiteral("UserError"),
                    QStringLiteral("the command exited with code %1 (see user_logs/std_log.txt of job %2)").arg(*code).arg(a->name));
    writeLog(output);
    // The outputs appear in the job's folder only once the command has succeeded, each moved there whole.
    const QString published = m_store.artifactsDir() + QLatin1Char('/') + a->name + QStringLiteral("/outputs");
    QDir().mkpath(published);
    for (const QString &name : outputNames) {
        const QString target = published + QLatin1Char('/') + name;
        QDir(target).removeRecursively();
        if (!QDir().rename(spec.stepFolder + QStringLiteral("/outputs/") + name, target))
            return fail(QStringLiteral("OutputFailed"), QStringLiteral("the output '%1' could not be moved into the job's folder").arg(name));
    }
    return {QStringLiteral("Completed"), Json()};
}

void JobRunner::finishChild(const std::shared_ptr<Active> &a, const TrialReport &trial)
{
    std::lock_guard lock(a->mutex);
    const QString runId = a->name + QLatin1Char('_') + QString::number(trial.index);
    const qint64 now = Store::nowMs();
    RunRecord child;
    child.runId = runId;
    child.experimentId = a->experimentId;
    child.parentRunId = a->name;
    child.jobId = a->jobId;
    child.status = trial.succeeded ? QStringLiteral("FINISHED") : QStringLiteral("FAILED");
    child.startTimeMs = now - qint64(trial.duration.count());
    child.endTimeMs = now;
    child.tags = {{"mlflow.parentRunId", a->name.toStdString()},
                  {"mlflow.runName", runId.toStdString()},
                  {"run_algorithm", trial.algorithm.toStdString()},
                  {"iteration", std::to_string(trial.index)}};
    if (!trial.error.isEmpty())
        child.tags["mlflow.note.content"] = trial.error.toStdString();
    for (auto it = trial.hyperparameters.begin(); it != trial.hyperparameters.end(); ++it)
        child.params[it.key()] = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
    // The files first, then the run with its metrics in one transaction: a crash leaves a
    // trial with all of it or none (stray files of an uncommitted run are never listed).
    placeRunArtifacts(m_store, runId, trial.artifacts);
    m_store.transaction([&] {
        m_store.putRun(child);
        for (const auto &[key, value] : trial.metrics)
            m_store.logMetric(runId, {key, value, 0, now});
        return true;
    });
}

} // namespace cerulean::local
