// User code and names, attacked: values from a REST trigger never become code, command
// steps run confined (no store, no other folders, no home, no network, nothing written
// outside their folder, a clean environment, the whole process tree gone on cancel and on
// timeout), a step never runs unconfined when the sandbox cannot start, and names that
// become paths cannot lead out of their folder or make two child jobs one.

#include "local_test_util.h"

#include "core/local/job_runner.h"
#include "core/local/local_server.h"
#include "core/local/step_sandbox.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QUuid>

#include <chrono>
#include <thread>

using namespace cerulean::local;
using namespace cerulean::local::test;
using namespace std::chrono_literals;

namespace {

const QString kJobs = QStringLiteral("microsoft.machinelearningservices/workspaces/jobs");

// Processes on this computer whose name (argv[0]) is `marker`.
int processesWith(const QString &marker)
{
    int found = 0;
    for (const QString &pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool numeric = false;
        pid.toInt(&numeric);
        if (!numeric)
            continue;
        QFile f(QStringLiteral("/proc/") + pid + QStringLiteral("/cmdline"));
        if (f.open(QIODevice::ReadOnly) && f.readAll().startsWith(QByteArray(marker.toUtf8()).append('\0')))
            ++found;
    }
    return found;
}

class Sandbox : public ::testing::Test
{
protected:
    void start(const QString &bubblewrap = QString())
    {
        LocalServerOptions options;
        options.service.root = m_root.path();
        options.service.sandbox.bubblewrap = bubblewrap;
        m_server = std::make_unique<LocalServer>(options);
        QString error;
        ASSERT_TRUE(m_server->start(&error)) << error.toStdString();
        m_token = svc().issueToken();
        const QString rg = QStringLiteral("/subscriptions/") + svc().subscriptionId() + QStringLiteral("/resourceGroups/rg1");
        m_ws = rg + QStringLiteral("/providers/Microsoft.MachineLearningServices/workspaces/ws1");
        ASSERT_LT(call("PUT", rg, Json{{"location", "local"}}).status, 300);
        ASSERT_LT(call("PUT", m_ws, Json{{"location", "local"}}).status, 300);
    }
    LocalService &svc() { return m_server->service(); }

    ApiResponse call(const QByteArray &method, const QString &path, const Json &body = Json())
    {
        const QString target = path + (path.contains(QLatin1Char('?')) ? QStringLiteral("&") : QStringLiteral("?")) +
                               QStringLiteral("api-version=2025-12-01");
        return svc().handle(makeRequest(method, target, body.is_null() ? QByteArray() : QByteArray::fromStdString(body.dump()),
                                        {{"Authorization", "Bearer " + m_token.toLatin1()}}));
    }

    // A pipeline of one command step `run` reading the pipeline's literal inputs.
    static Json pipeline(const std::string &command, const Json &literals, const Json &limits = Json())
    {
        Json inputs = Json::object(), stepInputs = Json::object();
        for (auto it = literals.begin(); it != literals.end(); ++it) {
            inputs[it.key()] = {{"jobInputType", "literal"}, {"value", it.value()}};
            stepInputs[it.key()] = "${{parent.inputs." + it.key() + "}}";
        }
        Json step{{"type", "command"}, {"command", command}, {"inputs", stepInputs}, {"outputs", {{"out", {{"type", "uri_folder"}}}}}};
        if (!limits.is_null())
            step["limits"] = limits;
        return Json{{"properties",
                     {{"jobType", "Pipeline"}, {"experimentName", "sandbox"}, {"inputs", inputs}, {"jobs", {{"run", step}}}}}};
    }

    QString state(const QString &job)
    {
        const auto j = svc().store().resource(m_ws + QStringLiteral("/jobs/") + job);
        return j ? j->state : QStringLiteral("missing");
    }
    QString waitForEnd(const QString &job, std::chrono::milliseconds limit = 30s)
    {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            const QString s = state(job);
            if (s == QLatin1String("Completed") || s == QLatin1String("Failed") || s == QLatin1String("Canceled"))
                return s;
            std::this_thread::sleep_for(20ms);
        }
        return state(job) + QStringLiteral(" (timed out)");
    }
    std::string error(const QString &job)
    {
        const auto j = svc().store().resource(m_ws + QStringLiteral("/jobs/") + job);
        return j ? j->doc.value("_local", Json::object()).value("error", Json::object()).value("message", std::string()) : "";
    }
    QString stepJob(const QString &pipeline, const QString &step)
    {
        for (const StoredResource &j : svc().store().byKindAndState(kJobs, {})) {
            const Json props = j.doc["properties"].value("properties", Json::object());
            if (props.value("azureml.pipeline.parentJobName", std::string()) == pipeline.toStdString() &&
                props.value("azureml.pipeline.stepName", std::string()) == step.toStdString())
                return j.name;
        }
        return QStringLiteral("no-step");
    }
    QByteArray artifact(const QString &run, const QString &path)
    {
        QFile f(svc().store().artifactsDir() + QLatin1Char('/') + run + QLatin1Char('/') + path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
    // Runs `body` as job `name` to its end; the step's output file `file`.
    QByteArray runToEnd(const QString &name, const Json &body, const QString &file, QString *end = nullptr)
    {
        const auto put = call("PUT", m_ws + QStringLiteral("/jobs/") + name, body);
        EXPECT_EQ(put.status, 201) << put.body.toStdString();
        const QString e = waitForEnd(name);
        if (end)
            *end = e;
        else
            EXPECT_EQ(e, QStringLiteral("Completed")) << error(name) << "\n"
                                                      << artifact(stepJob(name, QStringLiteral("run")), QStringLiteral("user_logs/std_log.txt")).toStdString();
        return artifact(stepJob(name, QStringLiteral("run")), QStringLiteral("outputs/out/") + file);
    }

    QTemporaryDir m_root{QDir::currentPath() + QStringLiteral("/sandbox-root-XXXXXX")};
    std::unique_ptr<LocalServer> m_server;
    QString m_token, m_ws;
};

} // namespace

TEST_F(Sandbox, ValuesFromARestTriggerAreOneWordAndNeverCode)
{
    start();
    // Published with harmless defaults; each value then tries to break out of the command.
    const Json literals{{"semicolon", "a"}, {"subst", "b"}, {"backticks", "c"}, {"newline", "d"},
                        {"single", "e"},    {"double", "f"}, {"count", 3}};
    // Bare, in "…" and in '…': each binding stays one word, whatever it holds.
    const std::string command = "for v in ${{inputs.semicolon}} \"${{inputs.subst}}\" '${{inputs.backticks}}' ${{inputs.newline}} "
                                "${{inputs.single}} ${{inputs.double}} ${{inputs.count}}; do printf '[%s]\\n' \"$v\"; done "
                                "> ${{outputs.out}}/said.txt";
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/template"), pipeline(command, literals)).status, 201);
    ASSERT_EQ(waitForEnd(QStringLiteral("template")), QStringLiteral("Completed")) << error(QStringLiteral("template"));
    const auto published = call("POST", QStringLiteral("/pipelines/v1.0") + m_ws + QStringLiteral("/PipelineEndpoints"),
                                Json{{"Name", "attacked"}, {"PipelineJobName", "template"}});
    ASSERT_EQ(published.status, 201) << published.body.toStdString();
    const QString trigger = QStringLiteral("/pipelines/v1.0") + m_ws + QStringLiteral("/PipelineRuns/PipelineEndpointSubmit/Id/") +
                            QString::fromStdString(published.json().value("Id", std::string()));

    const Json attack{{"semicolon", "x; touch /job/outputs/out/pwned"},
                      {"subst", "$(touch /job/outputs/out/pwned)"},
                      {"backticks", "`touch /job/outputs/out/pwned`"},
                      {"newline", "x\ntouch /job/outputs/out/pwned"},
                      {"single", "x' ; touch /job/outputs/out/pwned ; echo '"},
                      {"double", "x\" ; touch /job/outputs/out/pwned ; echo \""},
                      {"count", 7}};
    const auto run = call("POST", trigger, Json{{"ExperimentName", "attacked"}, {"ParameterAssignments", attack}});
    ASSERT_EQ(run.status, 200) << run.body.toStdString();
    const QString id = QString::fromStdString(run.json().value("Id", std::string()));
    ASSERT_EQ(waitForEnd(id), QStringLiteral("Completed")) << error(id);
    const QString child = stepJob(id, QStringLiteral("run"));
    // Every value came back whole, as one word; nothing it held ran.
    EXPECT_EQ(artifact(child, QStringLiteral("outputs/out/said.txt")),
              QByteArray("[x; touch /job/outputs/out/pwned]\n[$(touch /job/outputs/out/pwned)]\n[`touch /job/outputs/out/pwned`]\n"
                         "[x\ntouch /job/outputs/out/pwned]\n[x' ; touch /job/outputs/out/pwned ; echo ']\n"
                         "[x\" ; touch /job/outputs/out/pwned ; echo \"]\n[7]\n"));
    EXPECT_FALSE(QFile::exists(svc().store().artifactsDir() + QLatin1Char('/') + child + QStringLiteral("/outputs/out/pwned")));

    // Checked against the input's type before anything runs: 400 naming the input.
    const int jobsBefore = static_cast<int>(svc().store().byKindAndState(kJobs, {}).size());
    for (const Json &bad : {Json{{"count", "3; id"}}, Json{{"count", "3\nid"}}, Json{{"count", true}},
                            Json{{"semicolon", std::string("a\0b", 3)}}, Json{{"semicolon", Json::array({"x"})}}}) {
        const auto refused = call("POST", trigger, Json{{"ExperimentName", "attacked"}, {"ParameterAssignments", bad}});
        EXPECT_EQ(refused.status, 400) << bad.dump() << " -> " << refused.body.toStdString();
        EXPECT_NE(refused.body.indexOf(QByteArray("ParameterAssignments.").append(QByteArray::fromStdString(bad.begin().key()))), -1)
            << refused.body.toStdString();
    }
    EXPECT_EQ(static_cast<int>(svc().store().byKindAndState(kJobs, {}).size()), jobsBefore) << "a refused trigger started a run";

    // A command cannot paste the pipeline's values into its text either.
    const auto pasted = call("PUT", m_ws + QStringLiteral("/jobs/pasted"),
                             Json{{"properties",
                                   {{"jobType", "Pipeline"},
                                    {"inputs", {{"msg", {{"jobInputType", "literal"}, {"value", "hi"}}}}},
                                    {"jobs", {{"run", {{"type", "command"}, {"command", "echo ${{parent.inputs.msg}}"}}}}}}}});
    EXPECT_EQ(pasted.status, 400) << pasted.body.toStdString();
    EXPECT_NE(pasted.body.indexOf("properties.jobs.run.command"), -1) << pasted.body.toStdString();
}

TEST_F(Sandbox, AStepSeesNeitherTheStoreNorTheWorkspaceNorHomeNorTheNetworkAndWritesOnlyItsFolder)
{
    // Outside /tmp, which the sandbox has a /tmp of its own for.
    QTemporaryDir home(QDir::currentPath() + QStringLiteral("/sandbox-home-XXXXXX"));
    QFile secret(home.filePath(QStringLiteral("secret.txt")));
    ASSERT_TRUE(secret.open(QIODevice::WriteOnly));
    secret.write("the user's secret\n");
    secret.close();
    qputenv("CERULEAN_SANDBOX_TEST_SECRET", "service-environment-secret");
    start();
    // An earlier job's folder, beside the store.
    ASSERT_TRUE(writeRunArtifact(svc().store(), QStringLiteral("other-job"), QStringLiteral("outputs/x.txt"), "other"));
    const QString root = svc().store().root();
    const QString port = QString::number(m_server->baseUrl().port());
    // Each probe prints "<name> ok" when the step could do it. Paths are the host's.
    const std::string script = R"(
        probe() { name="$1"; shift; if "$@" >/dev/null 2>&1; then echo "$name ok"; else echo "$name refused"; fi; }
        probe store cat "${{inputs.root}}/workspace.sqlite"
        probe artifacts ls "${{inputs.root}}/artifacts/other-job/outputs"
        probe home cat "${{inputs.home}}/secret.txt"
        probe network bash -c "exec 3<>/dev/tcp/127.0.0.1/${{inputs.port}}"
        probe write-root touch "${{inputs.root}}/planted"
        probe write-home touch "${{inputs.home}}/planted"
        probe write-usr touch /usr/planted
        probe write-own touch /job/outputs/out/own.txt
        probe tmp touch /tmp/scratch
        env > /job/outputs/out/env.txt
        ls /proc/self/fd > /job/outputs/out/fds.txt
        ln -s "${{inputs.home}}/secret.txt" /job/outputs/out/link.txt
    )";
    const Json literals{{"root", root.toStdString()}, {"home", home.path().toStdString()}, {"port", port.toStdString()}};
    const Json body = pipeline("( " + script + " ) > /job/outputs/out/report.txt 2>&1", literals);
    const QByteArray report = runToEnd(QStringLiteral("confined"), body, QStringLiteral("report.txt"));
    for (const char *line : {"store refused", "artifacts refused", "home refused", "network refused", "write-root refused",
                             "write-home refused", "write-usr refused", "write-own ok", "tmp ok"})
        EXPECT_TRUE(report.contains(line)) << line << "\n" << report.toStdString();
    EXPECT_FALSE(QFile::exists(root + QStringLiteral("/planted")));
    EXPECT_FALSE(QFile::exists(home.filePath(QStringLiteral("planted"))));

    const QString child = stepJob(QStringLiteral("confined"), QStringLiteral("run"));
    // A clean environment: nothing of the service's.
    const QByteArray env = artifact(child, QStringLiteral("outputs/out/env.txt"));
    EXPECT_FALSE(env.contains("service-environment-secret")) << env.toStdString();
    EXPECT_TRUE(env.contains("HOME=/job")) << env.toStdString();
    // No descriptor of the service (database, listening socket, connections) reached it.
    const QStringList fds = QString::fromUtf8(artifact(child, QStringLiteral("outputs/out/fds.txt"))).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    EXPECT_LE(fds.size(), 4) << fds.join(QLatin1Char(' ')).toStdString(); // 0, 1, 2 and ls's own directory
    // A link planted in the outputs does not reach the step's published outputs.
    EXPECT_FALSE(QFileInfo(svc().store().artifactsDir() + QLatin1Char('/') + child + QStringLiteral("/outputs/out/link.txt")).isSymLink());
    EXPECT_TRUE(artifact(child, QStringLiteral("user_logs/std_log.txt")).contains("link.txt")) << "the log says what was removed";
    // The sandbox folder is gone once the step is over.
    EXPECT_FALSE(QDir(root + QStringLiteral("/sandbox/") + child).exists());
    qunsetenv("CERULEAN_SANDBOX_TEST_SECRET");
}

TEST_F(Sandbox, CancelAndTimeoutKillTheWholeProcessTree)
{
    start();
    const QString marker = QStringLiteral("cerulean-grandchild-") + QUuid::createUuid().toString(QUuid::Id128);
    // A grandchild that leaves the step's process group and session, as a daemon would.
    const std::string spawn = "setsid bash -c 'exec -a " + marker.toStdString() + " sleep 1000' < /dev/null > /dev/null 2>&1 & "
                              "echo started > ${{outputs.out}}/started.txt; sleep 1000";
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/canceled"), pipeline(spawn, Json::object())).status, 201);
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (processesWith(marker) == 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(20ms);
    ASSERT_EQ(processesWith(marker), 1) << "the step never started its grandchild";
    ASSERT_EQ(call("POST", m_ws + QStringLiteral("/jobs/canceled/cancel")).status, 202);
    EXPECT_EQ(waitForEnd(QStringLiteral("canceled"), 10s), QStringLiteral("Canceled"));
    EXPECT_EQ(processesWith(marker), 0) << "the grandchild outlived the cancel";
    // What a canceled step wrote never becomes its output.
    EXPECT_FALSE(QFile::exists(svc().store().artifactsDir() + QLatin1Char('/') + stepJob(QStringLiteral("canceled"), QStringLiteral("run")) +
                               QStringLiteral("/outputs/out/started.txt")));

    const QString late = QStringLiteral("cerulean-grandchild-") + QUuid::createUuid().toString(QUuid::Id128);
    const std::string slow = "setsid bash -c 'exec -a " + late.toStdString() + " sleep 1000' < /dev/null > /dev/null 2>&1 & sleep 1000";
    const auto started = std::chrono::steady_clock::now();
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/timed-out"), pipeline(slow, Json::object(), Json{{"timeout", 1}})).status, 201);
    EXPECT_EQ(waitForEnd(QStringLiteral("timed-out"), 15s), QStringLiteral("Failed"));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_NE(error(QStringLiteral("timed-out")).find("limit of 1 s"), std::string::npos) << error(QStringLiteral("timed-out"));
    EXPECT_EQ(processesWith(late), 0) << "the grandchild outlived the timeout";

    // And when the service stops.
    const QString last = QStringLiteral("cerulean-grandchild-") + QUuid::createUuid().toString(QUuid::Id128);
    const std::string running = "setsid bash -c 'exec -a " + last.toStdString() + " sleep 1000' < /dev/null > /dev/null 2>&1 & sleep 1000";
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/stopped"), pipeline(running, Json::object())).status, 201);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (processesWith(last) == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    ASSERT_EQ(processesWith(last), 1) << "the step never started its grandchild";
    m_server.reset();
    EXPECT_EQ(processesWith(last), 0) << "the grandchild outlived the service";
}

TEST_F(Sandbox, WithoutAWorkingSandboxAStepFailsAndNeverRunsUnconfined)
{
    QTemporaryDir tools;
    const QString planted = tools.filePath(QStringLiteral("ran-unconfined"));
    const std::string command = "touch " + planted.toStdString();
    // No bwrap at all.
    start(tools.filePath(QStringLiteral("missing/bwrap")));
    QString end;
    runToEnd(QStringLiteral("no-bwrap"), pipeline(command, Json::object()), QStringLiteral("x"), &end);
    EXPECT_EQ(end, QStringLiteral("Failed"));
    EXPECT_NE(error(QStringLiteral("no-bwrap")).find("apt-get install bubblewrap"), std::string::npos) << error(QStringLiteral("no-bwrap"));
    EXPECT_FALSE(QFile::exists(planted));
    m_server.reset();

    // A bwrap the kernel refuses (as with user namespaces turned off).
    const QString refusing = tools.filePath(QStringLiteral("bwrap"));
    QFile script(refusing);
    ASSERT_TRUE(script.open(QIODevice::WriteOnly));
    script.write("#!/bin/sh\necho 'bwrap: Creating new namespace failed: Operation not permitted' >&2\nexit 1\n");
    script.close();
    script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    start(refusing);
    runToEnd(QStringLiteral("refused"), pipeline(command, Json::object()), QStringLiteral("x"), &end);
    EXPECT_EQ(end, QStringLiteral("Failed"));
    const std::string message = error(QStringLiteral("refused"));
    EXPECT_NE(message.find("sandbox could not start"), std::string::npos) << message;
    EXPECT_NE(message.find("Operation not permitted"), std::string::npos) << message;
    EXPECT_FALSE(QFile::exists(planted));
}

TEST_F(Sandbox, NamesThatBecomePathsStayInTheirFolder)
{
    start();
    // A batch deployment's output file name.
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/computes/cpu"),
                   Json{{"properties", {{"computeType", "AmlCompute"}, {"properties", {{"scaleSettings", {{"maxNodeCount", 1}}}}}}}})
                  .status,
              201);
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/models/m/versions/1"), Json{{"properties", {{"modelUri", "azureml://jobs/x/outputs/best_model"}}}})
                  .status,
              201);
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/batchEndpoints/be1"), Json{{"location", "local"}, {"properties", {{"authMode", "AADToken"}}}}).status, 201);
    for (const std::string &name : {std::string("../../../../tmp/x"), std::string("a/b.txt"), std::string(".."),
                                    std::string("a\\b"), std::string("x\0y", 3), std::string()}) {
        const auto r = call("PUT", m_ws + QStringLiteral("/batchEndpoints/be1/deployments/dep1"),
                            Json{{"location", "local"},
                                 {"properties", {{"model", {{"referenceType", "Id"}, {"assetId", QString(m_ws + QStringLiteral("/models/m/versions/1")).toStdString()}}},
                                                 {"compute", "cpu"},
                                                 {"outputFileName", name}}}});
        EXPECT_EQ(r.status, 400) << Json(name).dump() << " -> " << r.body.toStdString();
        EXPECT_NE(r.body.indexOf("properties.outputFileName"), -1) << r.body.toStdString();
    }
    // A parallel step's output file, a step's output and input names.
    const auto step = [](const Json &extra) {
        Json s{{"type", "parallel"}, {"compute", "azureml:cpu"}, {"inputs", {{"model", "azureml:m:1"}, {"data", "azureml:d:1"}}}};
        s.update(extra);
        return Json{{"properties", {{"jobType", "Pipeline"}, {"jobs", {{"score", s}}}}}};
    };
    for (const auto &[extra, field] : std::vector<std::pair<Json, std::string>>{
             {Json{{"output_file_name", "../../x"}}, "properties.jobs.score.output_file_name"},
             {Json{{"outputs", {{"../up", {{"type", "uri_folder"}}}}}}, "properties.jobs.score.outputs.../up"},
             {Json{{"inputs", {{"model", "azureml:m:1"}, {"a/b", "x"}}}}, "properties.jobs.score.inputs.a/b"}}) {
        const auto r = call("PUT", m_ws + QStringLiteral("/jobs/bad-names"), step(extra));
        EXPECT_EQ(r.status, 400) << extra.dump() << " -> " << r.body.toStdString();
        EXPECT_NE(r.body.indexOf(QByteArray::fromStdString(field)), -1) << r.body.toStdString();
    }
    // And whatever a name says, a run's files stay in its folder (defence in depth).
    EXPECT_EQ(pathInside(QStringLiteral("/r/artifacts/job"), QStringLiteral("../../x")), QString());
    EXPECT_EQ(pathInside(QStringLiteral("/r/artifacts/job"), QStringLiteral("a/../../job2/x")), QString());
    EXPECT_EQ(pathInside(QStringLiteral("/r/artifacts/job"), QStringLiteral("outputs/x")), QStringLiteral("/r/artifacts/job/outputs/x"));
    EXPECT_FALSE(writeRunArtifact(svc().store(), QStringLiteral(".."), QStringLiteral("x"), "escaped"));
    EXPECT_FALSE(writeRunArtifact(svc().store(), QStringLiteral("job"), QStringLiteral("../../escaped"), "escaped"));
    EXPECT_FALSE(QFile::exists(svc().store().root() + QStringLiteral("/escaped")));
    EXPECT_FALSE(QFile::exists(svc().store().root() + QStringLiteral("/x")));
}

TEST_F(Sandbox, ChildJobsOfDifferentPipelinesNeverShareAName)
{
    start();
    // Job p, step x_score and job p_x, step score: once both "p_x_score".
    const auto one = [](const std::string &step, const std::string &word) {
        return Json{{"properties",
                     {{"jobType", "Pipeline"},
                      {"jobs", {{step, {{"type", "command"}, {"command", "echo " + word + " > ${{outputs.out}}/said.txt"},
                                        {"outputs", {{"out", {{"type", "uri_folder"}}}}}}}}}}}};
    };
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/p"), one("x_score", "first")).status, 201);
    ASSERT_EQ(waitForEnd(QStringLiteral("p")), QStringLiteral("Completed")) << error(QStringLiteral("p"));
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/p_x"), one("score", "second")).status, 201);
    ASSERT_EQ(waitForEnd(QStringLiteral("p_x")), QStringLiteral("Completed")) << error(QStringLiteral("p_x"));
    const QString a = stepJob(QStringLiteral("p"), QStringLiteral("x_score"));
    const QString b = stepJob(QStringLiteral("p_x"), QStringLiteral("score"));
    EXPECT_NE(a, b);
    EXPECT_EQ(artifact(a, QStringLiteral("outputs/out/said.txt")), "first\n");
    EXPECT_EQ(artifact(b, QStringLiteral("outputs/out/said.txt")), "second\n");
    // What the UI and the CLI show stays readable: the step's name.
    const auto child = svc().store().resource(m_ws + QStringLiteral("/jobs/") + a);
    ASSERT_TRUE(child);
    EXPECT_EQ(child->doc["properties"].value("displayName", std::string()), "x_score");
}
