// Pipeline jobs on the local workspace: steps as child jobs, parameters bound into the
// steps, reuse of unchanged steps, model registration from pipeline outputs, and the
// parallel (batch scoring) step.

#include "core/local/pipeline_runner.h"

#include "core/azure/batch_defaults.h"
#include "core/local/arm_internal.h"
#include "core/local/batch_scorer.h"
#include "core/local/job_runner.h"
#include "core/local/service.h"
#include "core/local/step_sandbox.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QScopeGuard>

#include <condition_variable>
#include <csignal>
#include <functional>
#include <set>
#include <unistd.h>

namespace cerulean::local {

namespace {

using arm::q;
using arm::s;

const QString kJobs = QStringLiteral("microsoft.machinelearningservices/workspaces/jobs");
const QRegularExpression &bindingRe()
{
    static const QRegularExpression re(QStringLiteral("\\$\\{\\{\\s*([^}]*?)\\s*\\}\\}"));
    return re;
}

QString lower(const Json &j, const char *key) { return q(j, key).toLower(); }

// Calls f(path, expression) for every ${{…}} in the strings under j.
void forEachBinding(const Json &j, const QString &path, const std::function<void(const QString &, const QString &)> &f)
{
    if (j.is_string()) {
        auto it = bindingRe().globalMatch(QString::fromStdString(j.get<std::string>()));
        while (it.hasNext())
            f(path, it.next().captured(1));
    } else if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            forEachBinding(it.value(), path + QLatin1Char('.') + QString::fromStdString(it.key()), f);
    } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i)
            forEachBinding(j[i], path + QStringLiteral("[%1]").arg(i), f);
    }
}

QString inputValue(const Json &input)
{
    if (!input.is_object())
        return {};
    if (lower(input, "jobInputType") == QLatin1String("literal")) {
        const Json &v = input.value("value", Json());
        return v.is_string() ? QString::fromStdString(v.get<std::string>()) : v.is_null() ? QString() : QString::fromStdString(v.dump());
    }
    return q(input, "uri");
}

bool truthy(const Json &j, const char *key)
{
    if (!j.is_object() || !j.contains(key))
        return false;
    const Json &v = j[key];
    return v.is_boolean() ? v.get<bool>() : v.is_string() && QString::fromStdString(v.get<std::string>()).compare(QLatin1String("true"), Qt::CaseInsensitive) == 0;
}

// A step may reuse an earlier job's outputs unless the pipeline forces a rerun or the step says
// it is not deterministic or not to be reused.
bool reuseAllowed(const Json &stepJson, bool forceRerun)
{
    const auto saysNo = [&](const char *key) { return stepJson.contains(key) && !truthy(stepJson, key); };
    return !forceRerun && !saysNo("is_deterministic") && !saysNo("allow_reuse");
}

std::optional<double> number(const Json &j, const char *key)
{
    if (!j.is_object() || !j.contains(key) || j[key].is_null())
        return std::nullopt;
    if (j[key].is_number())
        return j[key].get<double>();
    if (j[key].is_string()) {
        bool ok = false;
        const double v = QString::fromStdString(j[key].get<std::string>()).trimmed().toDouble(&ok);
        if (ok)
            return v;
    }
    return std::nullopt;
}

QString isoMinutes(double minutes)
{
    return QStringLiteral("PT%1S").arg(static_cast<qint64>(minutes * 60.0 + 0.5));
}

// The type a literal pipeline input takes: the one it declares ("type": integer, number,
// boolean or string, as Azure ML's pipeline YAML writes it), else the type of its default.
QString literalType(const Json &input)
{
    const QString declared = lower(input, "type");
    if (!declared.isEmpty())
        return declared;
    const Json &v = input.value("value", Json());
    if (v.is_boolean())
        return QStringLiteral("boolean");
    if (v.is_number_integer())
        return QStringLiteral("integer");
    if (v.is_number())
        return QStringLiteral("number");
    static const QRegularExpression numeric(QStringLiteral("^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$"));
    const QString text = v.is_string() ? QString::fromStdString(v.get<std::string>()) : QString();
    if (text == QLatin1String("true") || text == QLatin1String("false") || text == QLatin1String("True") ||
        text == QLatin1String("False"))
        return QStringLiteral("boolean");
    if (numeric.match(text).hasMatch())
        return QStringLiteral("number");
    return QStringLiteral("string");
}

constexpr qsizetype kMaxLiteralLength = 64 * 1024; // a parameter is a value, not a file

// Whether `v` is a value of the literal type `type`; the reason when it is not.
std::optional<QString> literalMismatch(const QString &type, const Json &v)
{
    const QString text = v.is_string() ? QString::fromStdString(v.get<std::string>()) : QString();
    if (!v.is_string() && !v.is_number() && !v.is_boolean())
        return QStringLiteral("must be a string, number or boolean");
    if (text.contains(QChar(0)))
        return QStringLiteral("must not contain a NUL character");
    if (text.size() > kMaxLiteralLength)
        return QStringLiteral("is longer than %1 characters").arg(kMaxLiteralLength);
    if (type == QLatin1String("string"))
        return std::nullopt;
    if (type == QLatin1String("boolean")) {
        if (v.is_boolean() || text.compare(QLatin1String("true"), Qt::CaseInsensitive) == 0 ||
            text.compare(QLatin1String("false"), Qt::CaseInsensitive) == 0)
            return std::nullopt;
        return QStringLiteral("must be a boolean (true or false)");
    }
    if (type == QLatin1String("integer")) {
        static const QRegularExpression integer(QStringLiteral("^[-+]?[0-9]{1,18}$"));
        if (v.is_number_integer() || (v.is_string() && integer.match(text.trimmed()).hasMatch()))
            return std::nullopt;
        return QStringLiteral("must be an integer");
    }
    if (type == QLatin1String("number")) {
        bool ok = v.is_number();
        if (v.is_string()) {
            const double d = text.trimmed().toDouble(&ok);
            ok = ok && std::isfinite(d);
        }
        if (ok)
            return std::nullopt;
        return QStringLiteral("must be a number");
    }
    return QStringLiteral("has the type '%1', which is not integer, number, boolean or string").arg(type);
}

// Names that become folders and variables (a step's inputs and outputs): an identifier, as
// Azure ML asks of them. No separator, '..' or NUL can reach a path through one.
bool ioName(const QString &name)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,254}$"));
    return re.match(name).hasMatch();
}

// A command step's time limit: Azure's limits.timeout, in seconds or as an ISO 8601 duration.
std::optional<std::chrono::milliseconds> stepTimeout(const Json &step)
{
    const Json limits = step.value("limits", Json::object());
    if (const auto seconds = number(limits, "timeout"); seconds && *seconds > 0)
        return std::chrono::milliseconds(static_cast<qint64>(*seconds * 1000.0));
    if (const auto iso = parseIsoDuration(q(limits, "timeout")); iso && iso->count() > 0)
        return *iso;
    return std::nullopt;
}

QByteArray fileDigest(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    return hash.result().toHex();
}

} // namespace

QString commandStepFolder(const Store &store, const QString &jobName)
{
    return store.root() + QStringLiteral("/sandbox/") + jobName;
}

// ---------------------------------------------------------------------------------------
std::optional<QStringList> pipelineStepOrder(const Json &p, QString *error)
{
    const auto fail = [&](const QString &message) -> std::optional<QStringList> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    const Json jobs = p.value("jobs", Json::object());
    const Json inputs = p.value("inputs", Json::object());
    const Json outputs = p.value("outputs", Json::object());
    if (!jobs.is_object() || jobs.empty())
        return fail(QStringLiteral("'properties.jobs' must name at least one step."));
    if (!inputs.is_object())
        return fail(QStringLiteral("'properties.inputs' must be a JSON object."));
    if (!outputs.is_object())
        return fail(QStringLiteral("'properties.outputs' must be a JSON object."));
    for (auto it = inputs.begin(); it != inputs.end(); ++it) {
        const QString field = QStringLiteral("properties.inputs.%1").arg(QString::fromStdString(it.key()));
        if (!it.value().is_object() || q(it.value(), "jobInputType").isEmpty())
            return fail(QStringLiteral("'%1' must be an object with a jobInputType.").arg(field));
        if (lower(it.value(), "jobInputType") == QLatin1String("literal")) {
            if (!it.value().contains("value") || it.value()["value"].is_object() || it.value()["value"].is_array())
                return fail(QStringLiteral("'%1.value' must be a string, number or boolean.").arg(field));
            if (const auto why = literalMismatch(literalType(it.value()), it.value()["value"]))
                return fail(QStringLiteral("'%1.value' %2.").arg(field, *why));
        } else if (q(it.value(), "uri").isEmpty()) {
            return fail(QStringLiteral("'%1.uri' is required for a %2 input.").arg(field, q(it.value(), "jobInputType")));
        }
    }
    static const QRegularExpression stepName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,99}$"));
    std::map<QString, std::set<QString>> deps;
    for (auto it = jobs.begin(); it != jobs.end(); ++it) {
        const QString name = QString::fromStdString(it.key());
        const QString field = QStringLiteral("properties.jobs.%1").arg(name);
        if (!stepName.match(name).hasMatch())
            return fail(QStringLiteral("'%1': a step name must start with a letter or '_' and contain only letters, "
                                       "digits and '_'.")
                            .arg(field));
        const Json &step = it.value();
        if (!step.is_object())
            return fail(QStringLiteral("'%1' must be a JSON object.").arg(field));
        const QString type = lower(step, "type");
        if (type == QLatin1String("automl")) {
            const QString task = lower(step, "task");
            if (task != QLatin1String("classification"))
                return fail(QStringLiteral("'%1.task' must be classification for the local workspace, not '%2'.")
                                .arg(field, q(step, "task")));
            if (q(step, "target_column_name").isEmpty())
                return fail(QStringLiteral("'%1.target_column_name' is required.").arg(field));
            if (q(step, "training_data").isEmpty())
                return fail(QStringLiteral("'%1.training_data' is required.").arg(field));
        } else if (type == QLatin1String("command")) {
            if (q(step, "command").trimmed().isEmpty())
                return fail(QStringLiteral("'%1.command' is required.").arg(field));
            // The pipeline's values reach a command through the step's inputs (environment
            // variables in its sandbox), never pasted into its text.
            if (q(step, "command").contains(QRegularExpression(QStringLiteral("\\$\\{\\{\\s*parent\\."))))
                return fail(QStringLiteral("'%1.command': bind pipeline inputs and step outputs through the step's inputs "
                                           "(inputs: {x: ${{parent.inputs.x}}}) and use ${{inputs.x}} in the command.")
                                .arg(field));
        } else if (type == QLatin1String("parallel")) {
            const Json stepInputs = step.value("inputs", Json::object());
            if (!stepInputs.is_object() || !stepInputs.contains("model"))
                return fail(QStringLiteral("'%1.inputs.model' is required: the model that scores the rows.").arg(field));
            if (const auto size = number(step, "mini_batch_size"); step.contains("mini_batch_size") && (!size || *size < 1))
                return fail(QStringLiteral("'%1.mini_batch_size' must be a number of rows of at least 1.").arg(field));
            if (step.contains("output_file_name")) {
                if (const auto why = invalidFileName(q(step, "output_file_name")))
                    return fail(QStringLiteral("'%1.output_file_name' %2.").arg(field, *why));
            }
        } else {
            return fail(QStringLiteral("'%1.type' must be automl, command or parallel, not '%2'.").arg(field, q(step, "type")));
        }
        for (const char *io : {"inputs", "outputs"}) {
            const Json names = step.value(io, Json::object());
            if (!names.is_object())
                return fail(QStringLiteral("'%1.%2' must be a JSON object.").arg(field, QString::fromLatin1(io)));
            for (auto n = names.begin(); n != names.end(); ++n)
                if (!ioName(QString::fromStdString(n.key())))
                    return fail(QStringLiteral("'%1.%2.%3': a name must start with a letter or '_' and contain only "
                                               "letters, digits and '_'.")
                                    .arg(field, QString::fromLatin1(io), QString::fromStdString(n.key())));
        }
        QString bad;
        forEachBinding(step, field, [&](const QString &path, const QString &expr) {
            if (!bad.isEmpty())
                return;
            const QStringList parts = expr.split(QLatin1Char('.'));
            if (parts.value(0) != QLatin1String("parent"))
                return; // ${{inputs.x}} / ${{outputs.x}} inside a command
            if (parts.size() == 3 && parts[1] == QLatin1String("inputs")) {
                if (!inputs.contains(s(parts[2])))
                    bad = QStringLiteral("'%1': the pipeline has no input '%2'.").arg(path, parts[2]);
            } else if (parts.size() == 3 && parts[1] == QLatin1String("outputs")) {
                if (!outputs.contains(s(parts[2])))
                    bad = QStringLiteral("'%1': the pipeline has no output '%2'.").arg(path, parts[2]);
            } else if (parts.size() == 5 && parts[1] == QLatin1String("jobs") && parts[3] == QLatin1String("outputs")) {
                if (!jobs.contains(s(parts[2])) || parts[2] == name)
                    bad = QStringLiteral("'%1': there is no other step '%2'.").arg(path, parts[2]);
                else
                    deps[name].insert(parts[2]);
            } else {
                bad = QStringLiteral("'%1': '${{%2}}' is not a binding the pipeline understands (use parent.inputs.X, "
                                     "parent.outputs.X or parent.jobs.STEP.outputs.X).")
                          .arg(path, expr);
            }
        });
        if (!bad.isEmpty())
            return fail(bad);
    }
    // Topological order, keeping the written order among independent steps.
    QStringList order;
    std::set<QString> placed;
    QStringList names;
    for (auto it = jobs.begin(); it != jobs.end(); ++it)
        names << QString::fromStdString(it.key());
    while (order.size() < names.size()) {
        bool progress = false;
        for (const QString &n : names) {
            if (placed.count(n))
                continue;
            bool ready = true;
            for (const QString &d : deps[n])
                ready = ready && placed.count(d);
            if (ready) {
                order << n;
                placed.insert(n);
                progress = true;
            }
        }
        if (!progress) {
            QStringList cycle;
            for (const QString &n : names)
                if (!placed.count(n))
                    cycle << n;
            return fail(QStringLiteral("'properties.jobs': steps %1 depend on each other in a cycle.")
                            .arg(cycle.join(QStringLiteral(", "))));
        }
    }
    return order;
}

std::map<QString, QString> pipelineParameters(const Json &p)
{
    std::map<QString, QString> out;
    const Json inputs = p.value("inputs", Json::object());
    if (inputs.is_object())
        for (auto it = inputs.begin(); it != inputs.end(); ++it)
            if (lower(it.value(), "jobInputType") == QLatin1String("literal"))
                out[QString::fromStdString(it.key())] = inputValue(it.value());
    return out;
}

std::optional<Json> assignPipelineParameters(const Json &properties, const Json &assignments, const QString &prefix,
                                             QString *error)
{
    const auto fail = [&](const QString &message) -> std::optional<Json> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    Json out = properties;
    if (assignments.is_null())
        return out;
    if (!assignments.is_object())
        return fail(QStringLiteral("'%1' must be a JSON object of parameter names and values.").arg(prefix));
    Json &inputs = out["inputs"];
    if (!inputs.is_object())
        inputs = Json::object();
    QStringList known;
    for (auto it = inputs.begin(); it != inputs.end(); ++it)
        known << QString::fromStdString(it.key());
    for (auto it = assignments.begin(); it != assignments.end(); ++it) {
        const QString name = QString::fromStdString(it.key());
        const QString field = prefix + QLatin1Char('.') + name;
        if (!inputs.contains(it.key()))
            return fail(QStringLiteral("'%1': the pipeline has no parameter '%2' (its parameters: %3).")
                            .arg(field, name, known.isEmpty() ? QStringLiteral("none") : known.join(QStringLiteral(", "))));
        const Json &v = it.value();
        Json &input = inputs[it.key()];
        if (lower(input, "jobInputType") == QLatin1String("literal")) {
            // Checked against the input's type before anything runs.
            const QString type = literalType(input);
            if (const auto why = literalMismatch(type, v))
                return fail(QStringLiteral("'%1' %2: the pipeline's input '%3' is of type %4.").arg(field, *why, name, type));
            input["value"] = v.is_string() ? v : Json(v.dump());
        } else {
            if (!v.is_string() || v.get<std::string>().empty())
                return fail(QStringLiteral("'%1' must be a data URI (e.g. azureml:name:version).").arg(field));
            input["uri"] = v;
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------
struct PipelineRunner::Active
{
    QString jobId;
    QString name;
    QString workspaceId;
    std::atomic<bool> cancel{false};
    std::atomic<bool> done{false};
    std::thread thread;
};

PipelineRunner::PipelineRunner(LocalService &service) : m_service(service) {}

PipelineRunner::~PipelineRunner() { stop(); }

void PipelineRunner::submit(const QString &jobId)
{
    reap();
    std::lock_guard lock(m_mutex);
    if (m_stopping || m_active.count(resourceKey(jobId)))
        return;
    bool claimed = false;
    m_service.store().updateResource(jobId, [&](StoredResource &j) {
        if (j.state != QLatin1String("NotStarted") && j.state != QLatin1String("Queued"))
            return false;
        claimed = true;
        j.state = QStringLiteral("Starting");
        j.doc["properties"]["status"] = "Starting";
        j.doc["_local"]["pid"] = static_cast<qint64>(::getpid());
        j.doc["_local"]["heartbeatMs"] = Store::nowMs();
        j.doc["_local"]["slots"] = 0; // the steps take the compute's slots, not the pipeline
        return true;
    });
    if (!claimed)
        return;
    auto active = std::make_shared<Active>();
    active->jobId = jobId;
    active->name = jobId.section(QLatin1Char('/'), -1);
    active->workspaceId = jobId.section(QLatin1Char('/'), 0, -3);
    m_active[resourceKey(jobId)] = active;
    active->thread = std::thread([this, active] {
        run(active);
        active->done = true;
    });
}

void PipelineRunner::reap()
{
    std::vector<std::shared_ptr<Active>> finished;
    {
        std::lock_guard lock(m_mutex);
        for (auto it = m_active.begin(); it != m_active.end();) {
            if (it->second->done) {
                finished.push_back(it->second);
                it = m_active.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto &a : finished)
        if (a->thread.joinable())
            a->thread.join();
}

void PipelineRunner::stop()
{
    std::map<QString, std::shared_ptr<Active>> active;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        active.swap(m_active);
    }
    for (auto &[key, a] : active)
        a->cancel = true;
    for (auto &[key, a] : active)
        if (a->thread.joinable())
            a->thread.join();
}

namespace {

// One pipeline run: what the steps share.
class PipelineRun final
{
public:
    PipelineRun(LocalService &service, const QString &jobId, const QString &name, const QString &workspaceId,
                const std::atomic<bool> &stop)
        : m_service(service), m_store(service.store()), m_jobId(jobId), m_name(name), m_workspaceId(workspaceId),
          m_stop(stop)
    {
    }

    void run();

private:
    struct StepResult
    {
        bool ok = false;
        bool canceled = false;
        QString error;
        std::map<QString, QString> outputs; // output name -> azureml://jobs/… URI
    };

    // A step that runs on its own thread. Binding its inputs before and its outputs after
    // happen on the pipeline's thread, so m_stepOutputs is never shared.
    struct StepTask
    {
        QString step, child, type, key;
        Json resolved;
        StepResult result;
        std::thread thread;
    };

    StepResult execute(const StepTask &task);
    StepResult reuse(const StepTask &task, const StoredResource &earlier);
    void log(const QString &line);
    bool canceled();
    void heartbeat(const QString &childId = QString());
    Json substitute(const Json &j, QString *error) const;
    QString computeFor(const Json &step) const;
    QString reuseKey(const QString &type, const Json &resolved) const;
    std::optional<StoredResource> reusable(const QString &key) const;
    void putChild(const QString &childName, const QString &stepName, const QString &type, const Json &resolved,
                  const QString &status, const Json &extraProperties, const Json &local);
    void finishChild(const QString &childName, const QString &status, const std::map<QString, QString> &outputs,
                     const QString &error);
    void writeChildLog(const QString &childName, const QByteArray &text);
    std::optional<QString> localPath(const QString &value, QString *error) const;

    StepResult runAutoMl(const QString &step, const QString &child, const Json &resolved, const QString &key);
    StepResult runCommand(const QString &step, const QString &child, const Json &resolved, const QString &key);
    StepResult runParallel(const QString &step, const QString &child, const Json &resolved, const QString &key);
    bool bindOutputs(const QString &step, const QString &child, const Json &stepJson, const StepResult &result,
                     QString *error);

    LocalService &m_service;
    Store &m_store;
    QString m_jobId, m_name, m_workspaceId;
    const std::atomic<bool> &m_stop;
    Json m_props;
    QString m_experiment;
    // Set once before the steps start, then only read (by every step's thread).
    std::map<QString, QString> m_inputs; // pipeline input -> value or URI
    // Only the pipeline's thread reads and writes it.
    std::map<QString, QString> m_stepOutputs; // "step.output" -> URI
    // A step failed or was canceled: the steps still running stop (canceled() says so).
    std::atomic<bool> m_abort{false};
    std::mutex m_logMutex; // guards m_log and its file
    QByteArray m_log;
    std::mutex m_beatMutex;
    std::map<QString, qint64> m_lastBeat; // job id -> last heartbeat (ms)
};

void PipelineRun::log(const QString &line)
{
    std::lock_guard lock(m_logMutex);
    m_log += (isoNow() + QLatin1Char(' ') + line + QLatin1Char('\n')).toUtf8();
    writeRunArtifact(m_store, m_name, QStringLiteral("logs/azureml/executionlogs.txt"), m_log);
}

bool PipelineRun::canceled()
{
    if (m_stop.load() || m_abort.load())
        return true;
    const auto job = m_store.resource(m_jobId);
    return !job || job->state == QLatin1String("CancelRequested") || job->state == QLatin1String("Canceled");
}

void PipelineRun::heartbeat(const QString &childId)
{
    const qint64 now = Store::nowMs();
    for (const QString &id : {m_jobId, childId}) {
        if (id.isEmpty())
            continue;
        {
            // Each job beats at most once a second, whichever step's thread calls.
            std::lock_guard lock(m_beatMutex);
            qint64 &last = m_lastBeat[id];
            if (now - last < 1000)
                continue;
            last = now;
        }
        m_store.updateResource(id, [&](StoredResource &j) {
            if (isTerminalJobStatus(j.state))
                return false;
            j.doc["_local"]["heartbeatMs"] = now;
            return true;
        });
    }
}

// Replaces ${{parent.inputs.X}} and ${{parent.jobs.S.outputs.X}}; keeps ${{parent.outputs.X}}
// (they name where a step's output goes) and a step's own ${{inputs.X}} / ${{outputs.X}}.
Json PipelineRun::substitute(const Json &j, QString *error) const
{
    if (j.is_string()) {
        const QString text = QString::fromStdString(j.get<std::string>());
        QString out;
        qsizetype last = 0;
        auto it = bindingRe().globalMatch(text);
        while (it.hasNext()) {
            const auto m = it.next();
            const QStringList parts = m.captured(1).split(QLatin1Char('.'));
            QString value = m.captured(0);
            if (parts.size() == 3 && parts[0] == QLatin1String("parent") && parts[1] == QLatin1String("inputs")) {
                value = m_inputs.count(parts[2]) ? m_inputs.at(parts[2]) : QString();
            } else if (parts.size() == 5 && parts[0] == QLatin1String("parent") && parts[1] == QLatin1String("jobs")) {
                const QString key = parts[2] + QLatin1Char('.') + parts[4];
                if (!m_stepOutputs.count(key)) {
                    if (error && error->isEmpty())
                        *error = QStringLiteral("step '%1' has no output '%2'").arg(parts[2], parts[4]);
                } else {
                    value = m_stepOutputs.at(key);
                }
            }
            out += text.mid(last, m.capturedStart(0) - last) + value;
            last = m.capturedEnd(0);
        }
        out += text.mid(last);
        return s(out);
    }
    if (j.is_object()) {
        Json out = Json::object();
        for (auto it = j.begin(); it != j.end(); ++it)
            out[it.key()] = substitute(it.value(), error);
        return out;
    }
    if (j.is_array()) {
        Json out = Json::array();
        for (const Json &v : j)
            out.push_back(substitute(v, error));
        return out;
    }
    return j;
}

QString PipelineRun::computeFor(const Json &step) const
{
    QString compute = q(step, "compute");
    const Json settings = m_props.value("settings", Json::object());
    if (compute.isEmpty())
        compute = q(settings, "default_compute", q(settings, "defaultCompute"));
    if (compute.isEmpty())
        compute = q(m_props, "computeId");
    if (compute.startsWith(QLatin1String("azureml:")))
        compute = compute.mid(8);
    if (!compute.isEmpty() && !compute.startsWith(QLatin1Char('/')))
        compute = m_workspaceId + QStringLiteral("/computes/") + compute;
    return compute;
}

QString PipelineRun::reuseKey(const QString &type, const Json &resolved) const
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(type.toUtf8());
    Json settings = resolved;
    settings.erase("outputs"); // where outputs go does not change what the step computes
    hash.addData(QByteArray::fromStdString(settings.dump()));
    // The data a step reads, by content: a changed file under the same name reruns it.
    std::set<QString> seen;
    std::function<void(const Json &)> walk = [&](const Json &j) {
        if (j.is_string()) {
            const QString v = QString::fromStdString(j.get<std::string>());
            if ((v.startsWith(QLatin1String("azureml:")) && !v.contains(QLatin1String("/jobs/"))) ||
                v.startsWith(QLatin1Char('/')) || v.startsWith(QLatin1String("http"))) {
                if (seen.insert(v).second) {
                    QString error;
                    if (const auto path = m_service.resolveDataPath(m_workspaceId, v, &error))
                        hash.addData(fileDigest(*path));
                }
            }
        } else if (j.is_structured()) {
            for (const Json &c : j)
                walk(c);
        }
    };
    walk(settings);
    return QString::fromLatin1(hash.result().toHex());
}

std::optional<StoredResource> PipelineRun::reusable(const QString &key) const
{
    std::optional<StoredResource> best;
    for (const StoredResource &job : m_store.byKindAndState(kJobs, {QStringLiteral("Completed")})) {
        if (!resourceKey(job.id).startsWith(resourceKey(m_workspaceId) + QLatin1Char('/')))
            continue;
        if (q(job.doc.value("_local", Json::object()), "reuseKey") != key)
            continue;
        if (!best || job.created > best->created)
            best = job;
    }
    return best;
}

void PipelineRun::putChild(const QString &childName, const QString &stepName, const QString &type, const Json &resolved,
                           const QString &status, const Json &extraProperties, const Json &local)
{
    StoredResource r;
    r.id = m_workspaceId + QStringLiteral("/jobs/") + childName;
    r.kind = kJobs;
    r.parent = m_workspaceId;
    r.name = childName;
    r.state = status;
    Json props{{"jobType", "Command"},
               {"status", s(status)},
               {"displayName", s(stepName)},
               {"experimentName", s(m_experiment)},
               {"description", s(QStringLiteral("Step '%1' (%2) of pipeline job %3").arg(stepName, type, m_name))},
               {"isArchived", false},
               {"tags", Json::object()},
               {"inputs", resolved.value("inputs", Json::object())},
               {"outputs", Json::object()},
               {"properties",
                {{"azureml.pipeline.parentJobName", s(m_name)},
                 {"azureml.pipeline.stepName", s(stepName)},
                 {"azureml.pipeline.stepType", s(type)}}}};
    if (type == QLatin1String("command"))
        props["command"] = resolved.value("command", std::string());
    const QString compute = computeFor(resolved);
    if (!compute.isEmpty())
        props["computeId"] = s(compute);
    for (auto it = extraProperties.begin(); it != extraProperties.end(); ++it)
        props["properties"][it.key()] = it.value();
    r.doc = Json{{"id", s(r.id)},
                 {"name", s(childName)},
                 {"type", "Microsoft.MachineLearningServices/workspaces/jobs"},
                 {"properties", props},
                 {"systemData", {{"createdAt", s(isoNow())}, {"createdBy", "pipeline"}, {"createdByType", "Application"}}},
                 {"_local", local}};
    r.doc["_local"]["pid"] = static_cast<qint64>(::getpid());
    r.doc["_local"]["heartbeatMs"] = Store::nowMs();

    RunRecord run;
    run.runId = childName;
    run.experimentId = m_store.experimentId(m_experiment, true);
    run.parentRunId = m_name;
    run.jobId = r.id;
    run.status = mlflowStatusFor(status);
    run.startTimeMs = Store::nowMs();
    run.endTimeMs = isTerminalJobStatus(status) ? run.startTimeMs : 0;
    run.tags = {{"mlflow.parentRunId", s(m_name)}, {"mlflow.runName", s(stepName)}, {"azureml.nodeid", s(stepName)},
                {"azureml.runsource", "azureml.StepRun"}};
    // The child job and its run exist together or not at all.
    m_store.transaction([&] { return m_store.putResource(r) && m_store.putRun(run); });
}

void PipelineRun::finishChild(const QString &childName, const QString &status, const std::map<QString, QString> &outputs,
                              const QString &error)
{
    const QString id = m_workspaceId + QStringLiteral("/jobs/") + childName;
    // Outputs, status and run commit together: a step is never Completed without its outputs.
    m_store.transaction([&] {
        m_store.updateResource(id, [&](StoredResource &j) {
            for (const auto &[name, uri] : outputs) {
                j.doc["properties"]["outputs"][s(name)] = {{"jobOutputType", "uri_folder"}, {"mode", "ReadWriteMount"}, {"uri", s(uri)}};
                j.doc["_local"]["outputs"][s(name)] = s(uri);
            }
            return true;
        });
        m_service.setJobStatus(id, status,
                               error.isEmpty() ? Json() : Json{{"code", "StepFailed"}, {"message", s(error)}});
        return true;
    });
}

void PipelineRun::writeChildLog(const QString &childName, const QByteArray &text)
{
    writeRunArtifact(m_store, childName, QStringLiteral("user_logs/std_log.txt"), text);
}

// A local file or folder for a step input: a data reference, or a step's output.
std::optional<QString> PipelineRun::localPath(const QString &value, QString *error) const
{
    static const QRegularExpression jobOutput(QStringLiteral("^azureml://(?:.*/)?jobs/([^/]+)/outputs/([^/]+)$"));
    if (const auto m = jobOutput.match(value); m.hasMatch()) {
        if (m.captured(2) == QLatin1String("best_model"))
            return m_service.resolveModelPath(m_workspaceId, value, error);
        const QString path = m_store.artifactsDir() + QLatin1Char('/') + m.captured(1) + QStringLiteral("/outputs/") + m.captured(2);
        if (!QFileInfo::exists(path)) {
            if (error)
                *error = QStringLiteral("the output '%1' of job %2 has no files").arg(m.captured(2), m.captured(1));
            return std::nullopt;
        }
        return path;
    }
    return m_service.resolveDataPath(m_workspaceId, value, error);
}

PipelineRun::StepResult PipelineRun::runAutoMl(const QString &step, const QString &child, const Json &st, const QString &key)
{
    StepResult result;
    const Json limits = st.value("limits", Json::object());
    const Json training = st.value("training", Json::object());
    Json limitSettings = Json::object();
    if (const auto v = number(limits, "max_trials"))
        limitSettings["maxTrials"] = static_cast<int>(*v);
    if (const auto v = number(limits, "max_concurrent_trials"))
        limitSettings["maxConcurrentTrials"] = static_cast<int>(*v);
    if (const auto v = number(limits, "timeout_minutes"))
        limitSettings["timeout"] = s(isoMinutes(*v));
    if (const auto v = number(limits, "trial_timeout_minutes"))
        limitSettings["trialTimeout"] = s(isoMinutes(*v));
    if (const auto v = number(limits, "exit_score"))
        limitSettings["exitScore"] = *v;
    Json trainingSettings = Json::object();
    for (const auto &[from, to] : {std::pair{"enable_stack_ensemble", "enableStackEnsemble"},
                                   std::pair{"enable_vote_ensemble", "enableVoteEnsemble"},
                                   std::pair{"enable_model_explainability", "enableModelExplainability"}})
        if (training.contains(from))
            trainingSettings[to] = truthy(training, from);
    for (const auto &[from, to] : {std::pair{"blocked_training_algorithms", "blockedTrainingAlgorithms"},
                                   std::pair{"allowed_training_algorithms", "allowedTrainingAlgorithms"}})
        if (training.contains(from) && training[from].is_array())
            trainingSettings[to] = training[from];
    Json task{{"taskType", "Classification"},
              {"targetColumnName", st.value("target_column_name", std::string())},
              {"primaryMetric", st.value("primary_metric", std::string("accuracy"))},
              {"trainingData", {{"jobInputType", "mltable"}, {"uri", st.value("training_data", std::string())}}},
              {"limitSettings", limitSettings},
              {"trainingSettings", trainingSettings}};
    if (!q(st, "validation_data").isEmpty())
        task["validationData"] = {{"jobInputType", "mltable"}, {"uri", st["validation_data"]}};
    Json body{{"properties",
               {{"jobType", "AutoML"},
                {"displayName", s(step)},
                {"experimentName", s(m_experiment)},
                {"computeId", s(computeFor(st))},
                {"taskDetails", task},
                {"properties",
                 {{"azureml.pipeline.parentJobName", s(m_name)},
                  {"azureml.pipeline.stepName", s(step)},
                  {"azureml.pipeline.stepType", "automl"}}}}}};
    const QString childId = m_workspaceId + QStringLiteral("/jobs/") + child;
    // The step's run sits under the pipeline's run before the job runner picks the job up.
    RunRecord stepRun;
    stepRun.runId = child;
    stepRun.experimentId = m_store.experimentId(m_experiment, true);
    stepRun.parentRunId = m_name;
    stepRun.jobId = childId;
    stepRun.status = QStringLiteral("SCHEDULED");
    stepRun.startTimeMs = Store::nowMs();
    stepRun.tags = {{"mlflow.parentRunId", s(m_name)}, {"mlflow.runName", s(step)}, {"azureml.nodeid", s(step)}};
    m_store.putRun(stepRun);
    const ApiResponse put = m_service.internalRequest("PUT", childId, body);
    if (put.status >= 300) {
        const Json e = put.json();
        result.error = QString::fromStdString(e.is_object() && e.contains("error") ? e["error"].value("message", std::string())
                                                                                    : put.body.toStdString());
        return result;
    }
    m_store.updateResource(childId, [&](StoredResource &j) {
        j.doc["_local"]["reuseKey"] = s(key);
        return true;
    });
    log(QStringLiteral("step %1: AutoML job %2 submitted").arg(step, child));
    bool cancelSent = false;
    for (;;) {
        const auto job = m_store.resource(childId);
        if (!job) {
            result.error = QStringLiteral("the AutoML job %1 was deleted").arg(child);
            return result;
        }
        if (isTerminalJobStatus(job->state)) {
            if (auto run = m_store.run(child); run && run->parentRunId != m_name) {
                run->parentRunId = m_name;
                run->tags["mlflow.parentRunId"] = s(m_name);
                m_store.putRun(*run);
            }
            if (job->state == QLatin1String("Completed")) {
                result.ok = true;
                result.outputs[QStringLiteral("best_model")] = QStringLiteral("azureml://jobs/%1/outputs/best_model").arg(child);
                m_store.updateResource(childId, [&](StoredResource &j) {
                    j.doc["_local"]["outputs"]["best_model"] = s(result.outputs[QStringLiteral("best_model")]);
                    return true;
                });
            } else {
                result.canceled = job->state == QLatin1String("Canceled");
                result.error = QString::fromStdString(
                    job->doc.value("_local", Json::object()).value("error", Json::object()).value("message", std::string()));
                if (result.error.isEmpty())
                    result.error = QStringLiteral("the AutoML job %1 ended %2").arg(child, job->state);
            }
            return result;
        }
        if (!cancelSent && canceled()) {
            m_service.internalRequest("POST", childId + QStringLiteral("/cancel"));
            cancelSent = true;
        }
        heartbeat();
        std::this_thread::sleep_for(PipelineRunner::pollInterval);
    }
}

PipelineRun::StepResult PipelineRun::runCommand(const QString &step, const QString &child, const Json &st, const QString &key)
{
    StepResult result;
    const QString childId = m_workspaceId + QStringLiteral("/jobs/") + child;
    const auto failStep = [&](const QString &message, bool created) {
        result.error = message;
        if (!created)
            putChild(child, step, QStringLiteral("command"), st, QStringLiteral("Running"), Json::object(), {{"reuseKey", s(key)}});
        writeChildLog(child, (message + QLatin1Char('\n')).toUtf8());
        finishChild(child, QStringLiteral("Failed"), {}, message);
        return result;
    };
    // The step as written, before the pipeline's values were put in: an input bound to a
    // literal pipeline input is a value, never a path to look up.
    const Json raw = m_props.value("jobs", Json::object()).value(s(step), Json::object()).value("inputs", Json::object());
    const Json pipelineInputs = m_props.value("inputs", Json::object());
    static const QRegularExpression parentInput(QStringLiteral("^\\$\\{\\{\\s*parent\\.inputs\\.([A-Za-z0-9_]+)\\s*\\}\\}$"));
    SandboxSpec spec;
    spec.stepFolder = commandStepFolder(m_store, child);
    QDir(spec.stepFolder).removeRecursively();
    std::set<QString> inputNames, outputNames;
    QString error;
    const Json stepInputs = st.value("inputs", Json::object());
    for (auto it = stepInputs.begin(); it != stepInputs.end(); ++it) {
        const QString name = QString::fromStdString(it.key());
        const Json &v = it.value();
        const Json rawValue = raw.is_object() ? raw.value(it.key(), Json()) : Json();
        const auto bound = parentInput.match(rawValue.is_string() ? QString::fromStdString(rawValue.get<std::string>()) : QString());
        const bool fromLiteral = bound.hasMatch() &&
                                 lower(pipelineInputs.value(s(bound.captured(1)), Json::object()), "jobInputType") == QLatin1String("literal");
        QString value = v.is_string() ? QString::fromStdString(v.get<std::string>())
                        : v.is_object() ? q(v, "path", q(v, "value"))
                                        : QString::fromStdString(v.dump());
        const bool data = !fromLiteral && ((v.is_object() && v.contains("path")) || (bound.hasMatch() && !fromLiteral) ||
                                           value.startsWith(QLatin1String("azureml:")) || value.startsWith(QLatin1String("http")));
        if (value.contains(QChar(0)))
            return failStep(QStringLiteral("input '%1' holds a NUL character, which no command line can carry").arg(name), false);
        if (data) {
            const auto path = localPath(value, &error);
            if (!path)
                return failStep(QStringLiteral("input '%1': %2").arg(name, error), false);
            spec.inputs.push_back({name, *path});
            value = QString::fromLatin1(kSandboxInputsDir) + QLatin1Char('/') + name;
        }
        spec.environment[inputVariable(name)] = value;
        inputNames.insert(name);
    }
    const Json stepOutputs = st.value("outputs", Json::object());
    for (auto it = stepOutputs.begin(); it != stepOutputs.end(); ++it) {
        const QString name = QString::fromStdString(it.key());
        QDir().mkpath(spec.stepFolder + QStringLiteral("/outputs/") + name);
        spec.environment[outputVariable(name)] = QString::fromLatin1(kSandboxJobDir) + QStringLiteral("/outputs/") + name;
        outputNames.insert(name);
    }
    QDir().mkpath(spec.stepFolder + QStringLiteral("/tmp"));
    QFile::setPermissions(spec.stepFolder, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    const auto cleanUp = qScopeGuard([&] { QDir(spec.stepFolder).removeRecursively(); });
    putChild(child, step, QStringLiteral("command"), st, QStringLiteral("Running"), Json::object(), {{"reuseKey", s(key)}});
    QString unknown;
    spec.command = commandWithBindings(
        q(st, "command"),
        [&](const QString &kind, const QString &name) {
            return kind == QLatin1String("inputs") ? inputNames.count(name) > 0 : outputNames.count(name) > 0;
        },
        &unknown);
    if (!unknown.isEmpty())
        return failStep(QStringLiteral("the command uses %1, which is not one of the step's inputs or outputs").arg(unknown), true);
    const QString bubblewrap = findBubblewrap(m_service.options().sandbox, &error);
    if (bubblewrap.isEmpty())
        return failStep(error, true);
    const std::optional<std::chrono::milliseconds> timeout = stepTimeout(st);

    QByteArray output = ("$ " + spec.command + "\n").toUtf8();
    SandboxedProcess process;
    if (!process.start(bubblewrap, spec, &error))
        return failStep(error, true);
    log(QStringLiteral("step %1: command started in its sandbox (%2)").arg(step, child));
    const auto started = std::chrono::steady_clock::now();
    bool killed = false, timedOut = false;
    while (!process.waitForFinished(PipelineRunner::pollInterval)) {
        output += process.readOutput();
        writeChildLog(child, output);
        heartbeat(childId);
        if (killed)
            continue;
        if (canceled()) {
            process.kill(); // bwrap, and with it the sandbox's PID namespace: every process the step started
            killed = true;
        } else if (timeout && std::chrono::steady_clock::now() - started > *timeout) {
            process.kill();
            killed = timedOut = true;
        }
    }
    output += process.readOutput();
    const std::optional<int> code = process.exitCode();
    if (timedOut) {
        writeChildLog(child, output);
        return failStep(QStringLiteral("the command ran longer than its limit of %1 s (limits.timeout) and was stopped")
                            .arg(std::chrono::duration_cast<std::chrono::seconds>(*timeout).count()),
                        true);
    }
    if (killed) {
        writeChildLog(child, output);
        result.canceled = true;
        result.error = QStringLiteral("canceled");
        finishChild(child, QStringLiteral("Canceled"), {}, QString());
        return result;
    }
    if (!code) {
        writeChildLog(child, output);
        return failStep(process.sandboxError(), true);
    }
    const QStringList removed = sanitizeStepFolder(spec.stepFolder + QStringLiteral("/outputs"));
    if (!removed.isEmpty())
        output += ("Removed from the outputs what may not leave the sandbox (links and special files): " +
                   removed.join(QStringLiteral(", ")) + QLatin1Char('\n'))
                      .toUtf8();
    writeChildLog(child, output);
    if (*code != 0) {
        result.error = QStringLiteral("the command exited with code %1 (see user_logs/std_log.txt of job %2)").arg(*code).arg(child);
        finishChild(child, QStringLiteral("Failed"), {}, result.error);
        return result;
    }
    // The outputs appear in the job's folder only once the step has completed, each moved
    // there whole.
    const QString published = m_store.artifactsDir() + QLatin1Char('/') + child + QStringLiteral("/outputs");
    QDir().mkpath(published);
    for (const QString &name : outputNames) {
        const QString target = published + QLatin1Char('/') + name;
        QDir(target).removeRecursively();
        if (!QDir().rename(spec.stepFolder + QStringLiteral("/outputs/") + name, target))
            return failStep(QStringLiteral("the output '%1' could not be moved into the job's folder").arg(name), true);
        result.outputs[name] = QStringLiteral("azureml://jobs/%1/outputs/%2").arg(child, name);
    }
    result.ok = true;
    finishChild(child, QStringLiteral("Completed"), result.outputs, QString());
    return result;
}

PipelineRun::StepResult PipelineRun::runParallel(const QString &step, const QString &child, const Json &st, const QString &key)
{
    StepResult result;
    const QString childId = m_workspaceId + QStringLiteral("/jobs/") + child;
    const Json stepInputs = st.value("inputs", Json::object());
    QString dataName = QStringLiteral("data");
    static const QRegularExpression inputRef(QStringLiteral("^\\$\\{\\{\\s*inputs\\.([A-Za-z0-9_]+)\\s*\\}\\}$"));
    if (const auto m = inputRef.match(q(st, "input_data")); m.hasMatch())
        dataName = m.captured(1);
    const auto inputText = [&](const QString &name) {
        const Json v = stepInputs.value(s(name), Json());
        return v.is_string() ? QString::fromStdString(v.get<std::string>()) : q(v, "path", q(v, "uri"));
    };
    BatchScoringOptions options;
    QString error;
    const Json retry = st.value("retry_settings", Json::object());
    const Json resources = st.value("resources", Json::object());
    options.miniBatchSize = static_cast<int>(number(st, "mini_batch_size").value_or(10));
    options.errorThreshold = static_cast<int>(number(st, "error_threshold").value_or(-1));
    options.maxRetries = static_cast<int>(number(retry, "max_retries").value_or(3));
    options.miniBatchTimeout = std::chrono::milliseconds(static_cast<qint64>(number(retry, "timeout").value_or(300) * 1000));
    options.instanceCount = std::max(1, static_cast<int>(number(resources, "instance_count").value_or(1)));
    options.maxConcurrencyPerInstance = std::max(1, static_cast<int>(number(st, "max_concurrency_per_instance").value_or(1)));
    QString outputName = QStringLiteral("job_output");
    static const QRegularExpression outputRef(QStringLiteral("^\\$\\{\\{\\s*outputs\\.([A-Za-z0-9_]+)\\s*\\}\\}$"));
    if (const auto m = outputRef.match(q(st, "append_row_to")); m.hasMatch())
        outputName = m.captured(1);
    else if (st.contains("outputs") && st["outputs"].is_object() && !st["outputs"].empty())
        outputName = QString::fromStdString(st["outputs"].begin().key());
    const QString fileName = q(st, "output_file_name", QString::fromLatin1(azure::kBatchOutputFileName));
    const bool appendRow = lower(st, "output_action") != QLatin1String("summary_only");
    // Checked at submission; checked again here so that no name can lead out of the folder.
    options.outputFile = pathInside(m_store.artifactsDir() + QLatin1Char('/') + child + QStringLiteral("/outputs/") + outputName,
                                    appendRow ? fileName : QStringLiteral(".summary_only"));
    Json props{{"azureml.batch.miniBatchSize", s(QString::number(options.miniBatchSize))},
               {"azureml.batch.errorThreshold", s(QString::number(options.errorThreshold))},
               {"azureml.batch.instanceCount", s(QString::number(options.instanceCount))},
               {"azureml.batch.maxRetries", s(QString::number(options.maxRetries))}};
    putChild(child, step, QStringLiteral("parallel"), st, QStringLiteral("Running"), props,
             {{"reuseKey", s(key)}, {"slots", options.instanceCount}});
    if (options.outputFile.isEmpty() || invalidFileName(fileName) || !ioName(outputName)) {
        result.error = QStringLiteral("the output '%1' with file name '%2' would be written outside the job's folder").arg(outputName, fileName);
        finishChild(child, QStringLiteral("Failed"), {}, result.error);
        return result;
    }
    // The batch job (the parent) shows the settings next to its progress, as the step does.
    m_store.updateResource(m_jobId, [&](StoredResource &j) {
        for (auto it = props.begin(); it != props.end(); ++it)
            j.doc["properties"]["properties"][it.key()] = it.value();
        return true;
    });
    const auto failChild = [&](const QString &message) {
        result.error = message;
        writeChildLog(child, (message + QLatin1Char('\n')).toUtf8());
        finishChild(child, QStringLiteral("Failed"), {}, message);
        return result;
    };
    // A uri_folder input (the batch job's, or the step's own) is a folder of CSV files scored
    // as one table; a step's output folder is one too.
    const bool folderInput = [&] {
        const auto member = [](const Json &j, const std::string &name) { return j.is_object() ? j.value(name, Json()) : Json(); };
        const Json raw = member(member(member(member(m_props, "jobs"), s(step)), "inputs"), s(dataName));
        const auto isFolderType = [](QString type) { return type.remove(QLatin1Char('_')).toLower() == QLatin1String("urifolder"); };
        if (raw.is_object())
            return isFolderType(q(raw, "type", q(raw, "jobInputType")));
        static const QRegularExpression parentInput(QStringLiteral("^\\$\\{\\{\\s*parent\\.inputs\\.([A-Za-z0-9_]+)\\s*\\}\\}$"));
        const auto m = parentInput.match(raw.is_string() ? QString::fromStdString(raw.get<std::string>()) : QString());
        const Json input = m.hasMatch() ? member(member(m_props, "inputs"), s(m.captured(1))) : Json();
        return input.is_object() && isFolderType(q(input, "jobInputType"));
    }();
    const QString dataRef = inputText(dataName);
    static const QRegularExpression stepOutput(QStringLiteral("^azureml://(?:.*/)?jobs/[^/]+/outputs/[^/]+$"));
    const auto data = folderInput && !stepOutput.match(dataRef).hasMatch()
                          ? m_service.resolveDataPath(m_workspaceId, dataRef, &error, true)
                          : localPath(dataRef, &error);
    if (!data)
        return failChild(QStringLiteral("input '%1': %2").arg(dataName, error));
    if (folderInput && !QFileInfo(*data).isDir())
        return failChild(QStringLiteral("input '%1': '%2' is a uri_folder input but names a file.").arg(dataName, dataRef));
    options.inputCsv = *data;
    const auto model = m_service.resolveModelPath(m_workspaceId, inputText(QStringLiteral("model")), &error);
    if (!model)
        return failChild(QStringLiteral("input 'model': %1").arg(error));
    options.modelDir = *model;
    log(QStringLiteral("step %1: batch scoring %2 in mini-batches of %3 on %4 instance(s)")
            .arg(step, options.inputCsv)
            .arg(options.miniBatchSize)
            .arg(options.instanceCount));

    std::atomic<bool> cancel{false};
    std::mutex progressMutex;
    qint64 lastUpdate = 0;
    const auto publish = [&](const BatchProgress &p) {
        Json progress{{"azureml.batch.miniBatchesCompleted", s(QString::number(p.miniBatchesDone))},
                      {"azureml.batch.miniBatchesTotal", s(QString::number(p.miniBatchesTotal))},
                      {"azureml.batch.rowsProcessed", s(QString::number(p.rowsDone))},
                      {"azureml.batch.rowsTotal", s(QString::number(p.rowsTotal))},
                      {"azureml.batch.rowsFailed", s(QString::number(p.rowsFailed))}};
        for (const QString &id : {childId, m_jobId})
            m_store.updateResource(id, [&](StoredResource &j) {
                for (auto it = progress.begin(); it != progress.end(); ++it)
                    j.doc["properties"]["properties"][it.key()] = it.value();
                j.doc["_local"]["heartbeatMs"] = Store::nowMs();
                return true;
            });
    };
    std::atomic<bool> finished{false};
    // Cancellation and heartbeats while the workers score.
    std::thread watcher([&] {
        while (!finished.load()) {
            if (canceled())
                cancel = true;
            std::this_thread::sleep_for(PipelineRunner::pollInterval);
        }
    });
    const BatchScoringResult r = runBatchScoring(
        options,
        [&](const BatchProgress &p) {
            std::lock_guard lock(progressMutex);
            const qint64 now = Store::nowMs();
            if (now - lastUpdate < 250 && p.miniBatchesDone < p.miniBatchesTotal)
                return;
            lastUpdate = now;
            publish(p);
        },
        cancel);
    finished = true;
    watcher.join();
    BatchProgress final;
    final.miniBatchesDone = r.miniBatches;
    final.miniBatchesTotal = r.miniBatches;
    final.rowsDone = r.rows;
    final.rowsTotal = r.rows;
    final.rowsFailed = static_cast<qint64>(r.failedRows.size());
    publish(final);

    QByteArray logText = QStringLiteral("Scored %1 of %2 rows in %3 mini-batches on %4 worker slot(s) in %5 ms; %6 rows "
                                        "failed; %7 mini-batch retries.\n")
                             .arg(r.rowsScored)
                             .arg(r.rows)
                             .arg(r.miniBatches)
                             .arg(options.instanceCount * options.maxConcurrencyPerInstance)
                             .arg(r.elapsed.count())
                             .arg(r.failedRows.size())
                             .arg(r.retries)
                             .toUtf8();
    QByteArray failedText;
    for (const FailedRow &row : r.failedRows)
        failedText += ((row.file.isEmpty() ? QString() : row.file + QLatin1Char(' ')) +
                       QStringLiteral("line %1: %2\n").arg(row.line).arg(row.reason))
                          .toUtf8();
    if (!r.failedRows.empty()) {
        writeRunArtifact(m_store, child, QStringLiteral("logs/failed_rows.txt"), failedText);
        logText += "Failed rows:\n" + failedText;
        const QString summary = describeFailedRows(r.failedRows);
        for (const QString &id : {childId, m_jobId})
            m_store.updateResource(id, [&](StoredResource &j) {
                j.doc["properties"]["properties"]["azureml.batch.failedRowDetails"] = s(summary);
                return true;
            });
    }
    writeChildLog(child, logText);
    if (r.canceled) {
        result.canceled = true;
        result.error = QStringLiteral("canceled");
        finishChild(child, QStringLiteral("Canceled"), {}, QString());
        return result;
    }
    if (!r.succeeded) {
        result.error = r.error;
        finishChild(child, QStringLiteral("Failed"), {}, r.error);
        return result;
    }
    result.ok = true;
    result.outputs[outputName] = QStringLiteral("azureml://jobs/%1/outputs/%2").arg(child, outputName);
    finishChild(child, QStringLiteral("Completed"), result.outputs, QString());
    return result;
}

bool PipelineRun::bindOutputs(const QString &step, const QString &child, const Json &stepJson, const StepResult &result,
                              QString *error)
{
    for (const auto &[name, uri] : result.outputs)
        m_stepOutputs[step + QLatin1Char('.') + name] = uri;
    const Json outputs = stepJson.value("outputs", Json::object());
    if (!outputs.is_object())
        return true;
    static const QRegularExpression parentOutput(QStringLiteral("^\\$\\{\\{\\s*parent\\.outputs\\.([A-Za-z0-9_]+)\\s*\\}\\}$"));
    for (auto it = outputs.begin(); it != outputs.end(); ++it) {
        const QString name = QString::fromStdString(it.key());
        const QString binding = it.value().is_string() ? QString::fromStdString(it.value().get<std::string>()) : q(it.value(), "path");
        const auto m = parentOutput.match(binding);
        if (!m.hasMatch())
            continue;
        if (!result.outputs.count(name)) {
            *error = QStringLiteral("step '%1' has no output '%2' to bind to the pipeline output '%3'").arg(step, name, m.captured(1));
            return false;
        }
        const QString pipelineOutput = m.captured(1);
        const QString uri = result.outputs.at(name);
        // Read through value(): m_props is shared with the steps' threads.
        const Json declared = m_props.value("outputs", Json::object()).value(s(pipelineOutput), Json::object());
        m_store.updateResource(m_jobId, [&](StoredResource &j) {
            j.doc["properties"]["outputs"][s(pipelineOutput)]["uri"] = s(uri);
            return true;
        });
        const QString asset = q(declared, "assetName");
        if (asset.isEmpty())
            continue;
        // The pipeline output names a model asset: register the step's output as a version.
        QString version = q(declared, "assetVersion");
        if (version.isEmpty()) {
            const auto container = m_store.resource(m_workspaceId + QStringLiteral("/models/") + asset);
            version = container ? q(container->doc["properties"], "nextVersion", QStringLiteral("1")) : QStringLiteral("1");
        }
        const QString type = lower(declared, "jobOutputType") == QLatin1String("mlflow_model") ? QStringLiteral("mlflow_model")
                                                                                                : QStringLiteral("custom_model");
        const Json body{{"properties",
                         {{"modelType", s(type)},
                          {"modelUri", s(uri)},
                          {"jobName", s(child)},
                          {"description", s(QStringLiteral("Registered by pipeline job %1, step %2.").arg(m_name, step))},
                          {"properties", {{"azureml.pipeline.parentJobName", s(m_name)}}}}}};
        const ApiResponse put = m_service.internalRequest(
            "PUT", m_workspaceId + QStringLiteral("/models/%1/versions/%2").arg(asset, version), body);
        if (put.status >= 300) {
            const Json e = put.json();
            *error = QStringLiteral("registering model %1 version %2: %3")
                         .arg(asset, version,
                              QString::fromStdString(e.is_object() && e.contains("error") ? e["error"].value("message", std::string())
                                                                                          : put.body.toStdString()));
            return false;
        }
        m_store.updateResource(m_jobId, [&](StoredResource &j) {
            j.doc["properties"]["outputs"][s(pipelineOutput)]["assetVersion"] = s(version);
            j.doc["properties"]["properties"][s(QStringLiteral("azureml.pipeline.registeredModel.") + pipelineOutput)] =
                s(asset + QLatin1Char(':') + version);
            return true;
        });
        log(QStringLiteral("step %1: registered model %2 version %3 from %4").arg(step, asset, version, uri));
    }
    return true;
}

// The steps each step reads an output of (${{parent.jobs.S.outputs.X}} anywhere in it).
std::map<QString, std::set<QString>> stepDependencies(const Json &jobs)
{
    std::map<QString, std::set<QString>> deps;
    for (auto it = jobs.begin(); it != jobs.end(); ++it) {
        const QString name = QString::fromStdString(it.key());
        auto &mine = deps[name];
        forEachBinding(it.value(), QString(), [&](const QString &, const QString &expr) {
            const QStringList parts = expr.split(QLatin1Char('.'));
            if (parts.size() == 5 && parts[0] == QLatin1String("parent") && parts[1] == QLatin1String("jobs") &&
                parts[3] == QLatin1String("outputs") && parts[2] != name)
                mine.insert(parts[2]);
        });
    }
    return deps;
}

// Same step, same inputs and settings as an earlier job's: the step completes at once with
// that job's outputs, and its child job says which job it reused.
PipelineRun::StepResult PipelineRun::reuse(const StepTask &task, const StoredResource &earlier)
{
    StepResult result;
    const Json local = earlier.doc.value("_local", Json::object());
    const Json outs = local.value("outputs", Json::object());
    for (auto it = outs.begin(); it != outs.end(); ++it)
        result.outputs[QString::fromStdString(it.key())] = QString::fromStdString(it.value().get<std::string>());
    Json childLocal{{"reuseKey", s(task.key)}, {"reusedFrom", s(earlier.name)}};
    if (local.contains("bestChildRunId"))
        childLocal["bestChildRunId"] = local["bestChildRunId"];
    putChild(task.child, task.step, task.type, task.resolved, QStringLiteral("Running"),
             {{"azureml.isreused", "true"}, {"azureml.reusedjobname", s(earlier.name)}}, childLocal);
    writeChildLog(task.child,
                  QStringLiteral("Reused the outputs of job %1: the step's inputs and settings did not change.\n").arg(earlier.name).toUtf8());
    finishChild(task.child, QStringLiteral("Completed"), result.outputs, QString());
    result.ok = true;
    log(QStringLiteral("step %1: reused job %2").arg(task.step, earlier.name));
    return result;
}

PipelineRun::StepResult PipelineRun::execute(const StepTask &task)
{
    try {
        if (task.type == QLatin1String("automl"))
            return runAutoMl(task.step, task.child, task.resolved, task.key);
        if (task.type == QLatin1String("command"))
            return runCommand(task.step, task.child, task.resolved, task.key);
        return runParallel(task.step, task.child, task.resolved, task.key);
    } catch (const std::exception &e) {
        // Nothing may escape a step's thread; the step and the pipeline fail with the reason.
        StepResult result;
        result.error = QStringLiteral("internal error: %1").arg(QString::fromUtf8(e.what()));
        finishChild(task.child, QStringLiteral("Failed"), {}, result.error);
        return result;
    }
}

// Steps start as soon as every step whose output they read has completed, each on its own
// thread; this thread binds inputs, decides reuse, binds outputs and writes the pipeline's
// status. The first step that fails (or is canceled) stops the others through canceled()
// and no further step starts.
void PipelineRun::run()
{
    const auto job = m_store.resource(m_jobId);
    if (!job)
        return;
    m_props = job->doc["properties"];
    m_experiment = q(m_props, "experimentName", QStringLiteral("Default"));
    RunRecord parent;
    parent.runId = m_name;
    parent.experimentId = m_store.experimentId(m_experiment, true);
    parent.jobId = m_jobId;
    parent.status = QStringLiteral("RUNNING");
    parent.startTimeMs = Store::nowMs();
    parent.tags = {{"mlflow.runName", s(q(m_props, "displayName", m_name))},
                   {"mlflow.user", "local"},
                   {"azureml.runsource", "azureml.PipelineRun"}};
    m_store.putRun(parent);
    m_service.setJobStatus(m_jobId, QStringLiteral("Running"));
    const auto fail = [&](const QString &message) {
        log(QStringLiteral("failed: ") + message);
        m_service.setJobStatus(m_jobId, QStringLiteral("Failed"), Json{{"code", "PipelineStepFailed"}, {"message", s(message)}});
    };
    QString error;
    const auto order = pipelineStepOrder(m_props, &error);
    if (!order)
        return fail(error);
    const Json inputs = m_props.value("inputs", Json::object());
    for (auto it = inputs.begin(); it != inputs.end(); ++it)
        m_inputs[QString::fromStdString(it.key())] = inputValue(it.value());
    const Json settings = m_props.value("settings", Json::object());
    const bool forceRerun = truthy(settings, "force_rerun") || truthy(settings, "forceRerun");
    const Json jobs = m_props.value("jobs", Json::object());
    const auto deps = stepDependencies(jobs);
    log(QStringLiteral("pipeline %1 started: steps %2").arg(m_name, order->join(QStringLiteral(" -> "))));

    std::set<QString> completed;
    std::map<QString, std::unique_ptr<StepTask>> running;
    std::mutex doneMutex;
    std::condition_variable doneSignal;
    std::vector<QString> done; // steps whose thread has finished, under doneMutex
    QString failure;           // the first step failure: the pipeline fails with it
    bool stopped = false;      // the pipeline or a step was canceled

    for (;;) {
        // Start every step whose inputs are ready; a reused step completes at once, which
        // may make further steps ready.
        for (bool progress = true; progress && failure.isEmpty() && !stopped;) {
            progress = false;
            for (const QString &step : *order) {
                if (!failure.isEmpty() || stopped)
                    break;
                if (completed.count(step) || running.count(step))
                    continue;
                bool ready = true;
                for (const QString &d : deps.at(step))
                    ready = ready && completed.count(d);
                if (!ready)
                    continue;
                if (canceled()) {
                    log(QStringLiteral("canceled before step %1").arg(step));
                    stopped = true;
                    m_abort = true; // the running steps see canceled() and stop
                    break;
                }
                const Json stepJson = jobs.value(s(step), Json::object());
                QString bindError;
                const Json resolved = substitute(stepJson, &bindError);
                if (!bindError.isEmpty()) {
                    failure = QStringLiteral("step '%1': %2").arg(step, bindError);
                    m_abort = true;
                    break;
                }
                auto task = std::make_unique<StepTask>();
                task->step = step;
                // A name of its own, as Azure gives child jobs: no pipeline and step name pair can
                // make another's (job p, step x_score and job p_x, step score once shared one).
                task->child = newGuid();
                task->type = lower(stepJson, "type");
                task->key = reuseKey(task->type, resolved);
                task->resolved = resolved;
                const auto earlier = reuseAllowed(stepJson, forceRerun) ? reusable(task->key) : std::nullopt;
                if (!earlier) {
                    StepTask *t = task.get();
                    running[step] = std::move(task);
                    t->thread = std::thread([this, t, &doneMutex, &doneSignal, &done] {
                        t->result = execute(*t);
                        {
                            std::lock_guard lock(doneMutex);
                            done.push_back(t->step);
                        }
                        doneSignal.notify_all();
                    });
                    continue;
                }
                if (!bindOutputs(step, task->child, stepJson, reuse(*task, *earlier), &error)) {
                    failure = error;
                    m_abort = true;
                    break;
                }
                completed.insert(step);
                progress = true;
            }
        }
        if (running.empty())
            break;

        // Wait for a step to end, watching for the pipeline's cancel meanwhile.
        std::vector<QString> ended;
        {
            std::unique_lock lock(doneMutex);
            doneSignal.wait_for(lock, PipelineRunner::pollInterval, [&] { return !done.empty(); });
            ended.swap(done);
        }
        if (ended.empty()) {
            if (failure.isEmpty() && !stopped && canceled()) {
                log(QStringLiteral("canceled: stopping the running steps"));
                stopped = true;
                m_abort = true;
            }
            heartbeat();
            continue;
        }
        for (const QString &step : ended) {
            std::unique_ptr<StepTask> task = std::move(running.at(step));
            running.erase(step);
            task->thread.join();
            const StepResult &result = task->result;
            const bool first = failure.isEmpty() && !stopped;
            if (result.canceled || (!result.ok && first && canceled())) {
                log(QStringLiteral("step %1 canceled").arg(step));
                stopped = stopped || first;
                m_abort = true;
            } else if (!result.ok) {
                log(QStringLiteral("step %1 failed: %2").arg(step, result.error));
                if (first)
                    failure = QStringLiteral("Step '%1' failed: %2").arg(step, result.error);
                m_abort = true;
            } else {
                log(QStringLiteral("step %1: completed (%2)").arg(step, task->child));
                // Once the pipeline fails or is canceled, its outputs (and models) stay unbound.
                if (failure.isEmpty() && !stopped) {
                    if (bindOutputs(step, task->child, jobs.value(s(step), Json::object()), result, &error)) {
                        completed.insert(step);
                    } else {
                        failure = error;
                        m_abort = true;
                    }
                }
            }
        }
        m_service.wakeJobs(); // a finished step may free compute slots a queued AutoML step waits for
    }
    if (!failure.isEmpty())
        return fail(failure);
    if (stopped) {
        m_service.setJobStatus(m_jobId, QStringLiteral("Canceled"));
        return;
    }
    log(QStringLiteral("pipeline %1 completed").arg(m_name));
    m_service.setJobStatus(m_jobId, QStringLiteral("Completed"));
}

} // namespace

void PipelineRunner::run(const std::shared_ptr<Active> &a)
{
    PipelineRun run(m_service, a->jobId, a->name, a->workspaceId, a->cancel);
    run.run();
    m_service.wakeJobs(); // a finished step may free slots for queued jobs
}

} // namespace cerulean::local
