// The job runner: slots, queueing, cancel, MLflow runs, and a kill -9 in the middle of a
// job followed by a restart on the same root.

#include "fake_engine.h"
#include "local_test_util.h"

#include "core/local/job_runner.h"

#include <QThread>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

using namespace cerulean::local;
using namespace cerulean::local::test;
using namespace std::chrono_literals;

namespace {

// Keeps what the job runner asked of the engine, and finishes at once.
class RecordingEngine final : public TrainingEngine
{
public:
    explicit RecordingEngine(std::shared_ptr<TrainingRequest> seen) : m_seen(std::move(seen)) {}
    TrainingOutcome run(const TrainingRequest &request, const std::function<void(const TrialReport &)> &,
                        const std::atomic<bool> &) override
    {
        *m_seen = request;
        TrainingOutcome outcome;
        outcome.succeeded = true;
        return outcome;
    }

private:
    std::shared_ptr<TrainingRequest> m_seen;
};

class Jobs : public ServiceFixture
{
protected:
    void setUpWorkspace(int nodes)
    {
        createWorkspace();
        const auto c = call("PUT", m_ws + QStringLiteral("/computes/cpu"),
                            Json{{"properties", {{"computeType", "AmlCompute"},
                                                 {"properties", {{"scaleSettings", {{"maxNodeCount", nodes}}}}}}}});
        ASSERT_EQ(c.status, 201);
        ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/data/small/versions/1"),
                       Json{{"properties", {{"dataType", "uri_file"},
                                            {"dataUri", "file://" CERULEAN_SOURCE_DIR "/tests/data/local/small.csv"}}}})
                      .status,
                  201);
    }
    ApiResponse submit(const QString &name, int trials, int concurrent, const Json &taskExtra = Json::object())
    {
        Json task{{"taskType", "Classification"},
                  {"targetColumnName", "y"},
                  {"trainingData", {{"jobInputType", "uri_file"}, {"uri", "azureml:small:1"}}},
                  {"limitSettings", {{"maxTrials", trials}, {"maxConcurrentTrials", concurrent}}}};
        task.update(taskExtra);
        return call("PUT", m_ws + QStringLiteral("/jobs/") + name,
                    Json{{"properties",
                          {{"jobType", "AutoML"},
                           {"computeId", QString(m_ws + QStringLiteral("/computes/cpu")).toStdString()},
                           {"taskDetails", task}}}});
    }
    QString status(const QString &job)
    {
        return QString::fromStdString(call("GET", m_ws + QStringLiteral("/jobs/") + job).json()["properties"].value("status", std::string()));
    }
    // The job's status and its MLflow run's are two rows written one after the other: a reader
    // can see the job ended a moment before its run.
    bool waitForRun(const QString &run, const QString &status, std::chrono::milliseconds limit = 2s)
    {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            const auto record = m_service->store().run(run);
            if (record && record->status == status)
                return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }
    bool waitFor(const QString &job, const QStringList &states, std::chrono::milliseconds limit = 10s)
    {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            if (states.contains(status(job)))
                return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }
};

} // namespace

TEST_F(Jobs, SlotsQueueCancelAndRuns)
{
    openService(true);
    m_service->jobRunner()->setEngineFactory(fakeEngine(100ms));
    setUpWorkspace(2);
    ASSERT_EQ(submit(QStringLiteral("first"), 30, 2).status, 201);
    ASSERT_TRUE(waitFor(QStringLiteral("first"), {QStringLiteral("Running")}));
    // The first job holds both slots: the second waits in the queue.
    ASSERT_EQ(submit(QStringLiteral("second"), 3, 1).status, 201);
    ASSERT_TRUE(waitFor(QStringLiteral("second"), {QStringLiteral("Queued")}));
    std::this_thread::sleep_for(350ms);
    EXPECT_EQ(status(QStringLiteral("second")), QStringLiteral("Queued"));

    // Cancel stops the first within seconds and keeps the trials that finished.
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(call("POST", m_ws + QStringLiteral("/jobs/first/cancel")).status, 202);
    ASSERT_TRUE(waitFor(QStringLiteral("first"), {QStringLiteral("Canceled")}, 5s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    const auto children = m_service->store().runs({}, QStringLiteral("first"), QString());
    EXPECT_GE(children.size(), 1u);
    EXPECT_TRUE(waitForRun(QStringLiteral("first"), QStringLiteral("KILLED"))) << m_service->store().run(QStringLiteral("first"))->status.toStdString();

    // The freed slots start the queued job, which completes with its best child tagged.
    ASSERT_TRUE(waitFor(QStringLiteral("second"), {QStringLiteral("Completed")}, 10s)) << status(QStringLiteral("second")).toStdString();
    const auto parent = m_service->store().run(QStringLiteral("second"));
    ASSERT_TRUE(parent.has_value());
    EXPECT_EQ(parent->status, QStringLiteral("FINISHED"));
    EXPECT_EQ(parent->tags.value("automl_best_child_run_id", std::string()), "second_2");
    EXPECT_EQ(m_service->store().runs({}, QStringLiteral("second"), QString()).size(), 3u);
    EXPECT_EQ(m_service->store().metricHistory(QStringLiteral("second_2"), QStringLiteral("AUC_weighted")).size(), 1u);
}

TEST_F(Jobs, KillNineDuringAJobThenRestart)
{
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // The service process: start a slow job, report once a trial finished, then wait
        // to be killed.
        close(ready[0]);
        openService(true);
        m_service->jobRunner()->setEngineFactory(fakeEngine(200ms));
        setUpWorkspace(2);
        submit(QStringLiteral("victim"), 1000, 1);
        const auto until = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < until) {
            if (m_service->store().runs({}, QStringLiteral("victim"), QString()).size() >= 2) {
                const char ok = 'y';
                (void)!write(ready[1], &ok, 1);
                break;
            }
            std::this_thread::sleep_for(20ms);
        }
        for (;;)
            pause();
    }
    close(ready[1]);
    char flag = 0;
    ASSERT_EQ(read(ready[0], &flag, 1), 1) << "the service process never ran a trial";
    close(ready[0]);
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int exitStatus = 0;
    waitpid(child, &exitStatus, 0);
    ASSERT_TRUE(WIFSIGNALED(exitStatus));

    // Restart on the same root: the store opens, the job is Failed with the reason, the
    // finished trials and every other resource are still there.
    openService(true);
    const Json job = call("GET", m_ws + QStringLiteral("/jobs/victim")).json();
    EXPECT_EQ(job["properties"]["status"], "Failed") << job.dump();
    EXPECT_NE(job["properties"]["properties"].value("azureml.error", std::string()).find("stopped while this job was running"),
              std::string::npos);
    EXPECT_EQ(m_service->store().run(QStringLiteral("victim"))->status, QStringLiteral("FAILED"));
    const auto trials = m_service->store().runs({}, QStringLiteral("victim"), QStringLiteral("FINISHED"));
    EXPECT_GE(trials.size(), 2u);
    EXPECT_EQ(call("GET", m_ws + QStringLiteral("/computes/cpu")).status, 200);
    EXPECT_EQ(call("GET", m_ws + QStringLiteral("/data/small/versions/1")).status, 200);
    // The slots it held are free again: a new job runs to the end.
    m_service->jobRunner()->setEngineFactory(fakeEngine(10ms));
    ASSERT_EQ(submit(QStringLiteral("after"), 2, 2).status, 201);
    EXPECT_TRUE(waitFor(QStringLiteral("after"), {QStringLiteral("Completed")}, 10s)) << status(QStringLiteral("after")).toStdString();
}

TEST_F(Jobs, ValidationTestDataAndEnsemblesReachTheEngineAndBadCombinationsAreRefused)
{
    openService(true);
    auto seen = std::make_shared<TrainingRequest>();
    m_service->jobRunner()->setEngineFactory([seen] { return std::unique_ptr<TrainingEngine>(std::make_unique<RecordingEngine>(seen)); });
    setUpWorkspace(1);

    // Custom k-fold, a test data asset, both ensembles off (the quickstart template's spelling).
    ASSERT_EQ(submit(QStringLiteral("folds"), 5, 1,
                     Json{{"nCrossValidations", {{"mode", "custom"}, {"value", 3}}},
                          {"testData", {{"jobInputType", "mltable"}, {"uri", "azureml:small:1"}}},
                          {"trainingSettings", {{"enableVoteEnsemble", false}, {"enableStackEnsemble", false}}}})
                  .status,
              201);
    ASSERT_TRUE(waitFor(QStringLiteral("folds"), {QStringLiteral("Completed")})) << status(QStringLiteral("folds")).toStdString();
    EXPECT_EQ(seen->crossValidations, 3);
    EXPECT_EQ(seen->validationSize, 0);
    EXPECT_TRUE(seen->testCsv.endsWith(QLatin1String("small.csv"))) << seen->testCsv.toStdString();
    EXPECT_EQ(seen->testSize, 0);
    EXPECT_FALSE(seen->enableVoteEnsemble);
    EXPECT_FALSE(seen->enableStackEnsemble);

    // Shares of the training rows.
    ASSERT_EQ(submit(QStringLiteral("shares"), 5, 1, Json{{"validationDataSize", 0.25}, {"testDataSize", 0.1}}).status, 201);
    ASSERT_TRUE(waitFor(QStringLiteral("shares"), {QStringLiteral("Completed")})) << status(QStringLiteral("shares")).toStdString();
    EXPECT_EQ(seen->crossValidations, 0);
    EXPECT_DOUBLE_EQ(seen->validationSize, 0.25);
    EXPECT_DOUBLE_EQ(seen->testSize, 0.1);
    EXPECT_TRUE(seen->testCsv.isEmpty());

    // What Azure refuses, refused with the field named.
    const std::vector<std::pair<Json, std::string>> refused = {
        {Json{{"validationDataSize", 1.5}}, "validationDataSize"},
        {Json{{"testDataSize", 0}}, "testDataSize"},
        {Json{{"nCrossValidations", {{"mode", "Custom"}, {"value", 1}}}}, "nCrossValidations.value"},
        {Json{{"nCrossValidations", {{"mode", "Custom"}, {"value", 3}}}, {"validationDataSize", 0.2}}, "nCrossValidations"},
        {Json{{"testData", {{"uri", "azureml:small:1"}}}, {"testDataSize", 0.2}}, "testDataSize"},
        {Json{{"validationDataSize", 0.5}, {"testDataSize", 0.5}}, "validationDataSize and testDataSize"},
        {Json{{"testData", {{"uri", "azureml:missing:1"}}}}, "testData"},
    };
    int n = 0;
    for (const auto &[extra, field] : refused) {
        const ApiResponse r = submit(QStringLiteral("bad%1").arg(n++), 5, 1, extra);
        EXPECT_EQ(r.status, 400) << extra.dump();
        EXPECT_NE(r.json()["error"].value("message", std::string()).find(field), std::string::npos) << extra.dump() << " -> " << r.json().dump();
    }
}

TEST_F(Jobs, WithTestDataEveryTrialIsScoredOnItApartFromValidation)
{
    // The real engine on the 60-row sample: 3-fold cross-validation, the same rows as test data.
    openService(true);
    setUpWorkspace(1);
    ASSERT_EQ(submit(QStringLiteral("tested"), 2, 1,
                     Json{{"nCrossValidations", {{"mode", "Custom"}, {"value", 3}}},
                          {"testData", {{"jobInputType", "mltable"}, {"uri", "azureml:small:1"}}},
                          {"trainingSettings", {{"enableVoteEnsemble", false}, {"enableStackEnsemble", false},
                                                {"enableModelExplainability", false}}}})
                  .status,
              201);
    ASSERT_TRUE(waitFor(QStringLiteral("tested"), {QStringLiteral("Completed"), QStringLiteral("Failed")}, 60s));
    ASSERT_EQ(status(QStringLiteral("tested")), QStringLiteral("Completed"))
        << call("GET", m_ws + QStringLiteral("/jobs/tested")).json().dump();
    const auto children = m_service->store().runs({}, QStringLiteral("tested"), QStringLiteral("FINISHED"));
    ASSERT_FALSE(children.empty());
    const QString root = m_service->store().artifactsDir() + QLatin1Char('/') + children.front().runId;
    QFile metrics(root + QStringLiteral("/outputs/test_metrics.json"));
    ASSERT_TRUE(metrics.open(QIODevice::ReadOnly)) << metrics.fileName().toStdString();
    const Json test = Json::parse(metrics.readAll().toStdString(), nullptr, false);
    ASSERT_TRUE(test.is_object()) << test.dump();
    EXPECT_TRUE(test.dump().find("AUC_weighted") != std::string::npos) << test.dump();
    EXPECT_TRUE(QFile::exists(root + QStringLiteral("/test/confusion_matrix"))) << root.toStdString();
    EXPECT_TRUE(QFile::exists(root + QStringLiteral("/confusion_matrix"))) << "the validation charts stay where they were";
}
