// Command jobs over REST, as Azure takes them (jobType Command, codeId, environmentId,
// literal and data inputs, outputs): the command runs in the same sandbox as a pipeline's
// command step, in a copy of its code, its output is the job's log, its outputs are the job's
// outputs, a failing command ends Failed with its exit code, and cancel kills it.

#include "local_test_util.h"

#include "core/local/local_server.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QUrlQuery>

#include <chrono>
#include <thread>

using namespace cerulean::local;
using namespace cerulean::local::test;
using namespace std::chrono_literals;

namespace {

class CommandJob : public ::testing::Test
{
protected:
    void SetUp() override
    {
        LocalServerOptions options;
        options.service.root = m_root.path();
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
                               QStringLiteral("api-version=2024-04-01");
        return svc().handle(makeRequest(method, target, body.is_null() ? QByteArray() : QByteArray::fromStdString(body.dump()),
                                        {{"Authorization", "Bearer " + m_token.toLatin1()}}));
    }
    Json get(const QString &path)
    {
        const auto r = call("GET", path);
        return r.status == 200 ? Json::parse(r.body.toStdString()) : Json();
    }

    // A code version whose files are `files`, stored where the workspace's blob service keeps
    // what a client uploads, registered with a path-style blob URL as its codeUri.
    QString registerCode(const QString &name, const std::map<QString, QByteArray> &files)
    {
        const QString folder = svc().store().blobsDir() + QStringLiteral("/acct/code/") + name;
        for (const auto &[path, data] : files) {
            QDir().mkpath(QFileInfo(folder + QLatin1Char('/') + path).absolutePath());
            QFile f(folder + QLatin1Char('/') + path);
            EXPECT_TRUE(f.open(QIODevice::WriteOnly));
            f.write(data);
        }
        const QString id = m_ws + QStringLiteral("/codes/") + name + QStringLiteral("/versions/1");
        const auto put = call("PUT", id, Json{{"properties", {{"codeUri", "http://127.0.0.1/blob/acct/code/" + name.toStdString()}}}});
        EXPECT_LT(put.status, 300) << put.body.toStdString();
        return id;
    }

    static Json commandJob(const std::string &command, const QString &codeId = QString())
    {
        Json p{{"jobType", "Command"},
               {"command", command},
               {"environmentId", "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"},
               {"limits", {{"jobLimitsType", "Command"}}}};
        if (!codeId.isEmpty())
            p["codeId"] = codeId.toStdString();
        return Json{{"properties", p}};
    }

    QString status(const QString &job) { return QString::fromStdString(get(m_ws + QStringLiteral("/jobs/") + job)["properties"].value("status", std::string("missing"))); }
    QString waitForEnd(const QString &job, std::chrono::milliseconds limit = 30s)
    {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            const QString s = status(job);
            if (s == QLatin1String("Completed") || s == QLatin1String("Failed") || s == QLatin1String("Canceled"))
                return s;
            std::this_thread::sleep_for(50ms);
        }
        return status(job) + QStringLiteral(" (timed out)");
    }
    // A file of the job's run through the MLflow artifacts API, as clients read a job's log.
    QByteArray artifact(const QString &run, const QString &path)
    {
        const auto r = call("GET", QStringLiteral("/mlflow/v1.0") + m_ws + QStringLiteral("/api/2.0/mlflow/artifacts/get?run_id=") + run +
                                       QStringLiteral("&path=") + path);
        return r.status == 200 ? r.body : QByteArray("(HTTP ") + QByteArray::number(r.status) + ") " + r.body;
    }
    std::string errorOf(const QString &job)
    {
        return get(m_ws + QStringLiteral("/jobs/") + job)["properties"].value("properties", Json::object()).value("azureml.error", std::string());
    }

    QTemporaryDir m_root{QDir::currentPath() + QStringLiteral("/command-job-root-XXXXXX")};
    std::unique_ptr<LocalServer> m_server;
    QString m_token, m_ws;
};

TEST_F(CommandJob, RunsItsCodeWithInputsAndKeepsLogAndOutputs)
{
    const QString code = registerCode(QStringLiteral("hello"),
                                      {{QStringLiteral("run.sh"), "echo \"greeting=$1\"; echo to-stderr >&2; "
                                                                  "echo \"$1 x$2\" > \"$3/result.txt\"\n"}});
    Json body = commandJob("sh run.sh ${{inputs.greeting}} ${{inputs.count}} ${{outputs.result}}", code);
    body["properties"]["inputs"] = {{"greeting", {{"jobInputType", "literal"}, {"value", "hello world; rm -rf /"}}},
                                    {"count", {{"jobInputType", "literal"}, {"value", "3"}}}};
    body["properties"]["outputs"] = {{"result", {{"jobOutputType", "uri_folder"}}}};
    const auto put = call("PUT", m_ws + QStringLiteral("/jobs/cmd1"), body);
    ASSERT_EQ(put.status, 201) << put.body.toStdString();
    const Json created = Json::parse(put.body.toStdString());
    // As submitted, or already picked up by the job runner by the time the answer is read.
    const std::string submitted = created["properties"].value("status", std::string());
    EXPECT_TRUE(submitted == "NotStarted" || submitted == "Queued" || submitted == "Starting" || submitted == "Running") << submitted;
    EXPECT_EQ(created["properties"]["codeId"], code.toStdString());
    EXPECT_EQ(created["properties"]["environmentId"], "azureml://registries/azureml/environments/sklearn-1.5/labels/latest");

    ASSERT_EQ(waitForEnd(QStringLiteral("cmd1")), QStringLiteral("Completed")) << errorOf(QStringLiteral("cmd1"));
    const QByteArray log = artifact(QStringLiteral("cmd1"), QStringLiteral("user_logs/std_log.txt"));
    EXPECT_TRUE(log.contains("greeting=hello world; rm -rf /")) << log.toStdString(); // a value, one word, never code
    EXPECT_TRUE(log.contains("to-stderr")) << log.toStdString();
    EXPECT_EQ(artifact(QStringLiteral("cmd1"), QStringLiteral("outputs/result/result.txt")), QByteArray("hello world; rm -rf / x3\n"));
    // The code ran from a copy: the registered files are as they were, and the sandbox folder is gone.
    EXPECT_TRUE(QFile::exists(svc().store().blobsDir() + QStringLiteral("/acct/code/hello/run.sh")));
    EXPECT_FALSE(QFile::exists(svc().store().root() + QStringLiteral("/sandbox/cmd1")));
    // A job is immutable once submitted.
    const Json again = get(m_ws + QStringLiteral("/jobs/cmd1"));
    EXPECT_EQ(again["properties"]["codeId"], code.toStdString());
}

TEST_F(CommandJob, FailingCommandEndsFailedWithItsExitCode)
{
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/bad"), commandJob("echo about to fail; exit 7")).status, 201);
    ASSERT_EQ(waitForEnd(QStringLiteral("bad")), QStringLiteral("Failed"));
    EXPECT_NE(errorOf(QStringLiteral("bad")).find("exited with code 7"), std::string::npos) << errorOf(QStringLiteral("bad"));
    EXPECT_TRUE(artifact(QStringLiteral("bad"), QStringLiteral("user_logs/std_log.txt")).contains("about to fail"));
}

TEST_F(CommandJob, CancelKillsTheCommand)
{
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/long"), commandJob("echo started; sleep 60; echo finished-$((6*7))")).status, 201);
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (status(QStringLiteral("long")) != QLatin1String("Running") && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(20ms);
    ASSERT_EQ(status(QStringLiteral("long")), QStringLiteral("Running"));
    const auto asked = std::chrono::steady_clock::now();
    EXPECT_EQ(call("POST", m_ws + QStringLiteral("/jobs/long/cancel")).status, 202);
    EXPECT_EQ(waitForEnd(QStringLiteral("long"), 10s), QStringLiteral("Canceled"));
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
    const QByteArray log = artifact(QStringLiteral("long"), QStringLiteral("user_logs/std_log.txt"));
    EXPECT_TRUE(log.contains("\nstarted\n")) << log.toStdString();
    EXPECT_FALSE(log.contains("finished-42")) << log.toStdString(); // the command's text has no 42: only its run would
}

// A schedule whose action makes a command job (as az ml schedule create writes one) is
// accepted, and the job it starts runs.
TEST_F(CommandJob, ScheduleOfACommandJobIsAcceptedAndItsJobRuns)
{
    Json definition = commandJob("echo scheduled-$((40+2))")["properties"];
    const Json action{{"actionType", "CreateJob"}, {"jobDefinition", definition}};
    const auto put = call("PUT", m_ws + QStringLiteral("/schedules/nightly"),
                          Json{{"properties", {{"trigger", {{"triggerType", "Cron"}, {"expression", "0 3 * * *"}}}, {"action", action}}}});
    ASSERT_EQ(put.status, 201) << put.body.toStdString();
    QString error;
    const QString job = svc().runScheduleAction(m_ws, QStringLiteral("nightly"), action, QDateTime::currentDateTimeUtc(),
                                                QStringLiteral("nightly-1"), &error);
    ASSERT_FALSE(job.isEmpty()) << error.toStdString();
    const QString name = job.section(QLatin1Char('/'), -1);
    ASSERT_EQ(waitForEnd(name), QStringLiteral("Completed")) << errorOf(name);
    EXPECT_TRUE(artifact(name, QStringLiteral("user_logs/std_log.txt")).contains("\nscheduled-42\n"));
}

TEST_F(CommandJob, RefusesWhatCannotRun)
{
    EXPECT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/nocmd"), commandJob("")).status, 400);
    EXPECT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/nocode"), commandJob("true", m_ws + QStringLiteral("/codes/none/versions/1"))).status,
              400);
    Json badInput = commandJob("true");
    badInput["properties"]["inputs"] = {{"a b", {{"jobInputType", "literal"}, {"value", "1"}}}};
    EXPECT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/badname"), badInput).status, 400);
}

} // namespace
