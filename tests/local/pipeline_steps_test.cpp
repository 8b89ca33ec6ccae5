// Steps of a pipeline that do not read each other's outputs run at the same time: their
// run intervals overlap, a step that reads both starts after both ended; a failing step
// fails the pipeline and cancels the step still running; canceling the pipeline cancels
// every running step; two AutoML steps on a one-node compute queue and both complete.
// Ordering is asserted from the recorded MLflow run times, never from wall-clock speedups.

#include "fake_engine.h"
#include "local_test_util.h"

#include "core/local/job_runner.h"

#include <QFile>

#include <chrono>
#include <thread>

using namespace cerulean::local;
using namespace cerulean::local::test;
using namespace std::chrono_literals;

namespace {

Json commandStep(const std::string &command, const Json &inputs = Json::object())
{
    return Json{{"type", "command"},
                {"command", command},
                {"inputs", inputs},
                {"outputs", {{"out", {{"type", "uri_folder"}}}}}};
}

class PipelineSteps : public ServiceFixture
{
protected:
    void SetUp() override
    {
        openService(true);
        createWorkspace();
        const auto c = call("PUT", m_ws + QStringLiteral("/computes/cpu"),
                            Json{{"properties", {{"computeType", "AmlCompute"},
                                                 {"properties", {{"scaleSettings", {{"maxNodeCount", 1}}}}}}}});
        ASSERT_EQ(c.status, 201) << c.body.toStdString();
    }

    // A pipeline of `jobs` on the one-node compute cpu.
    ApiResponse submit(const QString &name, const Json &jobs)
    {
        return call("PUT", m_ws + QStringLiteral("/jobs/") + name,
                    Json{{"properties",
                          {{"jobType", "Pipeline"},
                           {"experimentName", "steps"},
                           {"settings", {{"default_compute", "azureml:cpu"}}},
                           {"inputs", Json::object()},
                           {"outputs", Json::object()},
                           {"jobs", jobs}}}});
    }

    std::optional<StoredResource> job(const QString &name)
    {
        return m_service->store().resource(m_ws + QStringLiteral("/jobs/") + name);
    }

    QString state(const QString &name)
    {
        const auto j = job(name);
        return j ? j->state : QStringLiteral("missing");
    }

    QString waitForEnd(const QString &name, std::chrono::milliseconds limit)
    {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            const QString s = state(name);
            if (s == QLatin1String("Completed") || s == QLatin1String("Failed") || s == QLatin1String("Canceled"))
                return s;
            std::this_thread::sleep_for(20ms);
        }
        return state(name) + QStringLiteral(" (timed out)");
    }

    bool waitForState(const QString &name, const QString &wanted, std::chrono::milliseconds limit)
    {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            if (state(name) == wanted)
                return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }

    // The same for the child job of a pipeline's step, which may not exist yet.
    bool waitForStepState(const QString &pipeline, const QString &step, const QString &wanted, std::chrono::milliseconds limit)
    {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            if (state(stepJob(pipeline, step)) == wanted)
                return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }

    std::string error(const QString &name)
    {
        const auto j = job(name);
        return j ? j->doc.value("_local", Json::object()).value("error", Json::object()).value("message", std::string()) : "";
    }

    RunRecord run(const QString &name)
    {
        const auto r = m_service->store().run(name);
        EXPECT_TRUE(r.has_value()) << "no run " << name.toStdString();
        return r.value_or(RunRecord());
    }

    QByteArray artifact(const QString &runName, const QString &path)
    {
        QFile f(m_service->store().artifactsDir() + QLatin1Char('/') + runName + QLatin1Char('/') + path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
};

} // namespace

TEST_F(PipelineSteps, IndependentStepsRunTogetherAndADependentStepWaitsForBoth)
{
    const Json jobs{
        {"a", commandStep("sleep 1 && echo a > ${{outputs.out}}/a.txt")},
        {"b", commandStep("sleep 1 && echo b > ${{outputs.out}}/b.txt")},
        {"c", commandStep("cat ${{inputs.a}}/a.txt ${{inputs.b}}/b.txt > ${{outputs.out}}/both.txt",
                          {{"a", "${{parent.jobs.a.outputs.out}}"}, {"b", "${{parent.jobs.b.outputs.out}}"}})}};
    ASSERT_EQ(submit(QStringLiteral("p1"), jobs).status, 201);
    ASSERT_EQ(waitForEnd(QStringLiteral("p1"), 30s), QStringLiteral("Completed")) << error(QStringLiteral("p1"));

    const RunRecord a = run(stepJob(QStringLiteral("p1"), QStringLiteral("a")));
    const RunRecord b = run(stepJob(QStringLiteral("p1"), QStringLiteral("b")));
    const RunRecord c = run(stepJob(QStringLiteral("p1"), QStringLiteral("c")));
    for (const RunRecord *r : {&a, &b, &c}) {
        EXPECT_EQ(r->status, QStringLiteral("FINISHED")) << r->runId.toStdString();
        EXPECT_GT(r->startTimeMs, 0) << r->runId.toStdString();
        EXPECT_GE(r->endTimeMs, r->startTimeMs) << r->runId.toStdString();
    }
    // a and b each sleep 1 s; their intervals overlap, which one-after-the-other cannot give.
    EXPECT_LT(a.startTimeMs, b.endTimeMs);
    EXPECT_LT(b.startTimeMs, a.endTimeMs);
    EXPECT_GE(a.endTimeMs - a.startTimeMs, 900);
    EXPECT_GE(b.endTimeMs - b.startTimeMs, 900);
    // c reads both outputs: it starts after both ended and sees both files.
    EXPECT_GE(c.startTimeMs, std::max(a.endTimeMs, b.endTimeMs));
    EXPECT_EQ(artifact(stepJob(QStringLiteral("p1"), QStringLiteral("c")), QStringLiteral("outputs/out/both.txt")), QByteArray("a\nb\n"));

    // The pipeline's log names the step on each step line.
    const QByteArray log = artifact(QStringLiteral("p1"), QStringLiteral("logs/azureml/executionlogs.txt"));
    for (const char *line : {"step a: command started", "step b: command started", "step c: command started",
                             "step a: completed", "step b: completed", "step c: completed", "pipeline p1 completed"})
        EXPECT_TRUE(log.contains(line)) << line << "\n" << log.toStdString();
    EXPECT_LT(log.indexOf("step a: completed"), log.indexOf("step c: command started"));
    EXPECT_LT(log.indexOf("step b: completed"), log.indexOf("step c: command started"));
}

TEST_F(PipelineSteps, AFailingStepFailsThePipelineAndCancelsTheRunningOne)
{
    const Json jobs{{"slow", commandStep("sleep 20")},
                    {"bad", commandStep("sleep 0.3; exit 3")},
                    {"after", commandStep("ls ${{inputs.x}} ${{inputs.y}}",
                                          {{"x", "${{parent.jobs.slow.outputs.out}}"}, {"y", "${{parent.jobs.bad.outputs.out}}"}})}};
    const auto started = std::chrono::steady_clock::now();
    ASSERT_EQ(submit(QStringLiteral("p2"), jobs).status, 201);
    ASSERT_EQ(waitForEnd(QStringLiteral("p2"), 30s), QStringLiteral("Failed"));
    // Long before slow's 20 s: the failure stopped it.
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    const std::string message = error(QStringLiteral("p2"));
    EXPECT_NE(message.find("Step 'bad' failed"), std::string::npos) << message;
    EXPECT_NE(message.find("exited with code 3"), std::string::npos) << message;

    EXPECT_EQ(state(stepJob(QStringLiteral("p2"), QStringLiteral("bad"))), QStringLiteral("Failed"));
    EXPECT_EQ(state(stepJob(QStringLiteral("p2"), QStringLiteral("slow"))), QStringLiteral("Canceled"));
    EXPECT_EQ(run(stepJob(QStringLiteral("p2"), QStringLiteral("slow"))).status, QStringLiteral("KILLED"));
    // The step that read both outputs never started.
    EXPECT_FALSE(job(stepJob(QStringLiteral("p2"), QStringLiteral("after"))).has_value());
    EXPECT_FALSE(m_service->store().run(stepJob(QStringLiteral("p2"), QStringLiteral("after"))).has_value());
    // Every step was over when the pipeline said Failed.
    EXPECT_GE(run(QStringLiteral("p2")).endTimeMs, run(stepJob(QStringLiteral("p2"), QStringLiteral("slow"))).endTimeMs);
}

TEST_F(PipelineSteps, CancelingThePipelineCancelsEveryRunningStep)
{
    const Json jobs{{"a", commandStep("sleep 30")},
                    {"b", commandStep("sleep 30")},
                    {"c", commandStep("ls ${{inputs.x}}", {{"x", "${{parent.jobs.a.outputs.out}}"}})}};
    ASSERT_EQ(submit(QStringLiteral("p3"), jobs).status, 201);
    ASSERT_TRUE(waitForStepState(QStringLiteral("p3"), QStringLiteral("a"), QStringLiteral("Running"), 10s)) << state(stepJob(QStringLiteral("p3"), QStringLiteral("a"))).toStdString();
    ASSERT_TRUE(waitForStepState(QStringLiteral("p3"), QStringLiteral("b"), QStringLiteral("Running"), 10s)) << state(stepJob(QStringLiteral("p3"), QStringLiteral("b"))).toStdString();
    const auto canceledAt = std::chrono::steady_clock::now();
    EXPECT_EQ(call("POST", m_ws + QStringLiteral("/jobs/p3/cancel")).status, 202);
    ASSERT_EQ(waitForEnd(QStringLiteral("p3"), 10s), QStringLiteral("Canceled"));
    EXPECT_LT(std::chrono::steady_clock::now() - canceledAt, 5s);
    EXPECT_EQ(state(stepJob(QStringLiteral("p3"), QStringLiteral("a"))), QStringLiteral("Canceled"));
    EXPECT_EQ(state(stepJob(QStringLiteral("p3"), QStringLiteral("b"))), QStringLiteral("Canceled"));
    EXPECT_FALSE(job(stepJob(QStringLiteral("p3"), QStringLiteral("c"))).has_value());
}

TEST_F(PipelineSteps, TwoAutoMlStepsOnOneNodeQueueAndBothComplete)
{
    m_service->jobRunner()->setEngineFactory(
        fakeEngine(150ms));
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/data/small/versions/1"),
                   Json{{"properties", {{"dataType", "uri_file"},
                                        {"dataUri", "file://" CERULEAN_SOURCE_DIR "/tests/data/local/small.csv"}}}})
                  .status,
              201);
    const auto automl = [] {
        return Json{{"type", "automl"},
                    {"task", "classification"},
                    {"target_column_name", "y"},
                    {"training_data", "azureml:small:1"},
                    {"limits", {{"max_trials", 4}, {"max_concurrent_trials", 1}}}};
    };
    ASSERT_EQ(submit(QStringLiteral("p4"), Json{{"t1", automl()}, {"t2", automl()}}).status, 201);
    // Both are submitted at once; the compute's one node runs one while the other waits.
    bool sawQueued = false;
    const auto until = std::chrono::steady_clock::now() + 30s;
    QString end;
    while (std::chrono::steady_clock::now() < until) {
        const QString s1 = state(stepJob(QStringLiteral("p4"), QStringLiteral("t1"))), s2 = state(stepJob(QStringLiteral("p4"), QStringLiteral("t2")));
        sawQueued = sawQueued || (s1 == QLatin1String("Queued") && s2 == QLatin1String("Running")) ||
                    (s2 == QLatin1String("Queued") && s1 == QLatin1String("Running"));
        end = state(QStringLiteral("p4"));
        if (end == QLatin1String("Completed") || end == QLatin1String("Failed") || end == QLatin1String("Canceled"))
            break;
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(end, QStringLiteral("Completed")) << error(QStringLiteral("p4"));
    EXPECT_TRUE(sawQueued);
    EXPECT_EQ(state(stepJob(QStringLiteral("p4"), QStringLiteral("t1"))), QStringLiteral("Completed"));
    EXPECT_EQ(state(stepJob(QStringLiteral("p4"), QStringLiteral("t2"))), QStringLiteral("Completed"));
}
