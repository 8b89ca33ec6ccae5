#include "core/local/store.h"

#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <thread>

using namespace cerulean::local;

namespace {

StoredResource makeResource(const QString &id, const QString &kind, const QString &parent, const QString &name)
{
    StoredResource r;
    r.id = id;
    r.kind = kind;
    r.parent = parent;
    r.name = name;
    r.state = QStringLiteral("Succeeded");
    r.doc = Json{{"id", id.toStdString()}, {"name", name.toStdString()}};
    return r;
}

const QString kWs = QStringLiteral(
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws");

} // namespace

TEST(LocalStore, ResourcesRoundTripCaseInsensitivelyAndDeleteCascades)
{
    QTemporaryDir dir;
    Store store(dir.path());
    QString error;
    ASSERT_TRUE(store.open(&error)) << error.toStdString();
    ASSERT_TRUE(store.putResource(makeResource(kWs, QStringLiteral("workspaces"), QString(), QStringLiteral("ws"))));
    const QString compute = kWs + QStringLiteral("/computes/cpu");
    ASSERT_TRUE(store.putResource(makeResource(compute, QStringLiteral("computes"), kWs, QStringLiteral("cpu"))));
    ASSERT_TRUE(store.putResource(
        makeResource(kWs + QStringLiteral("/computes/gpu"), QStringLiteral("computes"), kWs, QStringLiteral("gpu"))));

    auto got = store.resource(compute.toUpper());
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->id, compute); // the id as first written comes back
    EXPECT_EQ(got->doc["name"], "cpu");
    EXPECT_EQ(store.children(kWs.toLower(), QStringLiteral("computes")).size(), 2u);
    EXPECT_EQ(store.children(kWs, QStringLiteral("computes"), 1, 1).size(), 1u);
    EXPECT_EQ(store.countChildren(kWs, QStringLiteral("computes")), 2);

    ASSERT_TRUE(store.updateResource(compute, [](StoredResource &r) {
        r.state = QStringLiteral("Deleting");
        r.doc["extra"] = 1;
        return true;
    }));
    got = store.resource(compute);
    EXPECT_EQ(got->state, QStringLiteral("Deleting"));
    EXPECT_EQ(got->doc["extra"], 1);
    EXPECT_EQ(store.byKindAndState(QStringLiteral("computes"), {QStringLiteral("Deleting")}).size(), 1u);
    EXPECT_FALSE(store.updateResource(kWs + QStringLiteral("/computes/none"), [](StoredResource &) { return true; }));

    // A name that is a prefix of another is not its parent: "ws" vs "ws2".
    ASSERT_TRUE(store.putResource(makeResource(kWs + QStringLiteral("2"), QStringLiteral("workspaces"), QString(),
                                               QStringLiteral("ws2"))));
    ASSERT_TRUE(store.deleteResource(kWs));
    EXPECT_FALSE(store.resource(compute).has_value());
    EXPECT_TRUE(store.resource(kWs + QStringLiteral("2")).has_value());
}

TEST(LocalStore, SurvivesReopenAndKeepsSchemaVersion)
{
    QTemporaryDir dir;
    {
        Store store(dir.path());
        ASSERT_TRUE(store.open(nullptr));
        store.setSetting(QStringLiteral("k"), QStringLiteral("v"));
        EXPECT_EQ(store.settingOrInsert(QStringLiteral("k"), QStringLiteral("other")), QStringLiteral("v"));
    }
    Store again(dir.path());
    ASSERT_TRUE(again.open(nullptr));
    EXPECT_EQ(again.setting(QStringLiteral("k")).value_or(QString()), QStringLiteral("v"));
}

TEST(LocalStore, TokensExpire)
{
    QTemporaryDir dir;
    Store store(dir.path());
    ASSERT_TRUE(store.open(nullptr));
    const auto now = std::chrono::system_clock::now();
    store.addToken(QStringLiteral("good"), QStringLiteral("https://management.azure.com"), now + std::chrono::minutes(5));
    store.addToken(QStringLiteral("old"), QStringLiteral("https://management.azure.com"), now - std::chrono::seconds(1));
    EXPECT_EQ(store.tokenAudience(QStringLiteral("good")).value_or(QString()), QStringLiteral("https://management.azure.com"));
    EXPECT_FALSE(store.tokenAudience(QStringLiteral("old")));
    EXPECT_FALSE(store.tokenAudience(QStringLiteral("never")));
}

TEST(LocalStore, RunsMetricsAndTelemetry)
{
    QTemporaryDir dir;
    Store store(dir.path());
    ASSERT_TRUE(store.open(nullptr));
    const QString exp = store.experimentId(QStringLiteral("Default"), true);
    ASSERT_FALSE(exp.isEmpty());
    EXPECT_EQ(store.experimentId(QStringLiteral("Default"), true), exp);
    EXPECT_TRUE(store.experimentId(QStringLiteral("missing"), false).isEmpty());
    RunRecord parent;
    parent.runId = QStringLiteral("job1");
    parent.experimentId = exp;
    ASSERT_TRUE(store.putRun(parent));
    RunRecord child = parent;
    child.runId = QStringLiteral("job1_0");
    child.parentRunId = QStringLiteral("job1");
    ASSERT_TRUE(store.putRun(child));
    EXPECT_EQ(store.runs({exp}, QStringLiteral("job1"), QString()).size(), 1u);
    store.logMetric(QStringLiteral("job1_0"), {QStringLiteral("AUC_weighted"), 0.8, 0, 1});
    store.logMetric(QStringLiteral("job1_0"), {QStringLiteral("AUC_weighted"), 0.9, 1, 2});
    store.logMetric(QStringLiteral("job1_0"), {QStringLiteral("accuracy"), 0.7, 0, 2});
    EXPECT_EQ(store.metricHistory(QStringLiteral("job1_0"), QStringLiteral("AUC_weighted")).size(), 2u);
    auto latest = store.latestMetrics(QStringLiteral("job1_0"));
    ASSERT_EQ(latest.size(), 2u);
    EXPECT_DOUBLE_EQ(latest[0].value, 0.9);
    store.updateRun(QStringLiteral("job1_0"), [](RunRecord &r) { r.status = QStringLiteral("FINISHED"); });
    EXPECT_EQ(store.run(QStringLiteral("job1_0"))->status, QStringLiteral("FINISHED"));

    store.addTelemetry({{QStringLiteral("app"), QStringLiteral("requests"), 100, Json{{"duration", 3.5}}},
                        {QStringLiteral("app"), QStringLiteral("requests"), 200, Json{{"duration", 4.5}}},
                        {QStringLiteral("app"), QStringLiteral("traces"), 200, Json::object()}});
    EXPECT_EQ(store.telemetry(QStringLiteral("app"), QStringLiteral("requests"), 150).size(), 1u);
    EXPECT_EQ(store.telemetry(QStringLiteral("app"), QStringLiteral("requests"), 0).size(), 2u);
}

// Threads (one connection each) and a second process write to one root at once: every
// write lands, the database stays consistent.
TEST(LocalStore, ConcurrentThreadsAndProcessesDoNotLoseWrites)
{
    QTemporaryDir dir;
    {
        Store setup(dir.path());
        ASSERT_TRUE(setup.open(nullptr));
        ASSERT_TRUE(setup.putResource(makeResource(kWs, QStringLiteral("workspaces"), QString(), QStringLiteral("ws"))));
        setup.updateResource(kWs, [](StoredResource &r) {
            r.doc["counter"] = 0;
            return true;
        });
    }
    constexpr int kPerWriter = 40;
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        Store other(dir.path());
        bool ok = other.open(nullptr);
        for (int i = 0; ok && i < kPerWriter; ++i)
            ok = other.updateResource(kWs, [](StoredResource &r) {
                r.doc["counter"] = r.doc["counter"].get<int>() + 1;
                return true;
            });
        _exit(ok ? 0 : 1);
    }
    Store store(dir.path());
    ASSERT_TRUE(store.open(nullptr));
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 3; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < kPerWriter; ++i)
                if (!store.updateResource(kWs, [](StoredResource &r) {
                        r.doc["counter"] = r.doc["counter"].get<int>() + 1;
                        return true;
                    }))
                    ++failures;
        });
    for (auto &t : threads)
        t.join();
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(failures.load(), 0) << store.lastError().toStdString();
    EXPECT_EQ(store.resource(kWs)->doc["counter"], 4 * kPerWriter);
}
