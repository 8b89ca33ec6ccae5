// What a crash leaves: a process serving the root is killed (kill -9) in the middle of a
// pipeline step, a deployment's provisioning and a batch job; a new process opens the root
// and finds each ended Failed (or resumed) with nothing half-written. Also: a workspace and
// its dependent resources, a model package and a schedule's occurrence are whole or absent.

#include "local_test_util.h"

#include "core/automl/csv.h"
#include "core/automl/engine.h"
#include "core/local/deployment_host.h"
#include "core/local/job_runner.h"
#include "core/local/pipeline_runner.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QUuid>

#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

using namespace cerulean::local;
using namespace cerulean::local::test;
using namespace std::chrono_literals;

namespace {

const QString kJobs = QStringLiteral("microsoft.machinelearningservices/workspaces/jobs");

int processesNamed(const QString &marker)
{
    int found = 0;
    for (const QString &pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile f(QStringLiteral("/proc/") + pid + QStringLiteral("/cmdline"));
        if (f.open(QIODevice::ReadOnly) && f.readAll().startsWith(QByteArray(marker.toUtf8()).append('\0')))
            ++found;
    }
    return found;
}

// Every file under `dir`, relative to it.
QStringList filesUnder(const QString &dir)
{
    QStringList out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext())
        out << QDir(dir).relativeFilePath(it.next());
    return out;
}

class Crash : public ServiceFixture
{
protected:
    // Forks a process that serves the root and runs `work`, which calls ready() once the
    // moment to die has come; then kills it with SIGKILL. False when it never got there.
    bool killDuring(const std::function<void(const std::function<void()> &ready)> &work, std::chrono::seconds limit = 60s)
    {
        int pipeFds[2];
        if (pipe(pipeFds) != 0)
            return false;
        const pid_t child = fork();
        if (child < 0)
            return false;
        if (child == 0) {
            close(pipeFds[0]);
            work([&] {
                const char ok = 'y';
                (void)!write(pipeFds[1], &ok, 1);
                for (;;)
                    pause();
            });
            _exit(1); // never got there
        }
        close(pipeFds[1]);
        // The child may never get there: read with a deadline.
        bool got = false;
        const auto until = std::chrono::steady_clock::now() + limit;
        fcntl(pipeFds[0], F_SETFL, O_NONBLOCK);
        while (std::chrono::steady_clock::now() < until) {
            char flag = 0;
            if (read(pipeFds[0], &flag, 1) == 1) {
                got = true;
                break;
            }
            int status = 0;
            if (waitpid(child, &status, WNOHANG) == child)
                break;
            std::this_thread::sleep_for(10ms);
        }
        close(pipeFds[0]);
        kill(child, SIGKILL);
        int exitStatus = 0;
        waitpid(child, &exitStatus, 0);
        return got;
    }

    QString jobState(const QString &name)
    {
        const auto j = m_service->store().resource(m_ws + QStringLiteral("/jobs/") + name);
        return j ? j->state : QStringLiteral("missing");
    }

    // A small model package made from the 60-row sample, as a model version.
    void registerModel()
    {
        const QString dir = m_dir.filePath(QStringLiteral("model"));
        if (!QFileInfo::exists(dir + QStringLiteral("/model.json"))) {
            auto table = cerulean::automl::readCsvFile(CERULEAN_SOURCE_DIR "/tests/data/local/small.csv");
            ASSERT_TRUE(table.ok());
            ASSERT_TRUE(cerulean::automl::trainQuickPackage(table->data, "y", dir.toStdString()).ok());
        }
        const auto r = call("PUT", m_ws + QStringLiteral("/models/m/versions/1"),
                            Json{{"properties", {{"modelUri", QStringLiteral("file://%1").arg(dir).toStdString()}}}});
        ASSERT_EQ(r.status, 201) << r.body.toStdString();
    }
};

} // namespace

TEST_F(Crash, KillNineDuringAPipelineStepThenRestart)
{
    const QString marker = QStringLiteral("cerulean-step-") + QUuid::createUuid().toString(QUuid::Id128);
    QString stepName;
    const bool reached = killDuring([&](const std::function<void()> &ready) {
        openService(true);
        createWorkspace();
        const std::string command = "echo partial > ${{outputs.out}}/part.txt; setsid bash -c 'exec -a " + marker.toStdString() +
                                    " sleep 1000' < /dev/null > /dev/null 2>&1 & sleep 1000";
        call("PUT", m_ws + QStringLiteral("/jobs/crashed"),
             Json{{"properties",
                   {{"jobType", "Pipeline"},
                    {"jobs", {{"step", {{"type", "command"}, {"command", command}, {"outputs", {{"out", {{"type", "uri_folder"}}}}}}}}}}}});
        const auto until = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < until) {
            const QString child = stepJob(QStringLiteral("crashed"), QStringLiteral("step"));
            if (processesNamed(marker) > 0 && QFile::exists(commandStepFolder(m_service->store(), child) + QStringLiteral("/outputs/out/part.txt")))
                ready();
            std::this_thread::sleep_for(20ms);
        }
    });
    ASSERT_TRUE(reached) << "the step never ran";
    // The sandbox died with the process that ran it: no step process outlives the service.
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (processesNamed(marker) > 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(20ms);
    EXPECT_EQ(processesNamed(marker), 0) << "a process of the step outlived the service";

    openService(true);
    const QString child = stepJob(QStringLiteral("crashed"), QStringLiteral("step"));
    EXPECT_EQ(jobState(QStringLiteral("crashed")), QStringLiteral("Failed"));
    EXPECT_EQ(jobState(child), QStringLiteral("Failed"));
    EXPECT_EQ(m_service->store().run(child)->status, QStringLiteral("FAILED"));
    // What the step had written never became its output, and its sandbox folder is gone.
    EXPECT_FALSE(QFile::exists(m_service->store().artifactsDir() + QLatin1Char('/') + child + QStringLiteral("/outputs/out/part.txt")));
    EXPECT_FALSE(QDir(commandStepFolder(m_service->store(), child)).exists());
}

TEST_F(Crash, KillNineDuringACommandJobThenRestart)
{
    const QString marker = QStringLiteral("cerulean-cmd-") + QUuid::createUuid().toString(QUuid::Id128);
    const bool reached = killDuring([&](const std::function<void()> &ready) {
        openService(true);
        createWorkspace();
        const std::string command = "echo partial > ${{outputs.out}}/part.txt; setsid bash -c 'exec -a " + marker.toStdString() +
                                    " sleep 1000' < /dev/null > /dev/null 2>&1 & sleep 1000";
        call("PUT", m_ws + QStringLiteral("/jobs/crashed-cmd"),
             Json{{"properties", {{"jobType", "Command"}, {"command", command}, {"outputs", {{"out", {{"jobOutputType", "uri_folder"}}}}}}}});
        const auto until = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < until) {
            if (processesNamed(marker) > 0 &&
                QFile::exists(commandStepFolder(m_service->store(), QStringLiteral("crashed-cmd")) + QStringLiteral("/outputs/out/part.txt")))
                ready();
            std::this_thread::sleep_for(20ms);
        }
    });
    ASSERT_TRUE(reached) << "the command never ran";
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (processesNamed(marker) > 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(20ms);
    EXPECT_EQ(processesNamed(marker), 0) << "a process of the command outlived the service";

    openService(true);
    EXPECT_EQ(jobState(QStringLiteral("crashed-cmd")), QStringLiteral("Failed"));
    EXPECT_EQ(m_service->store().run(QStringLiteral("crashed-cmd"))->status, QStringLiteral("FAILED"));
    EXPECT_FALSE(QFile::exists(m_service->store().artifactsDir() + QStringLiteral("/crashed-cmd/outputs/out/part.txt")));
    EXPECT_FALSE(QDir(commandStepFolder(m_service->store(), QStringLiteral("crashed-cmd"))).exists());
}

TEST_F(Crash, KillNineDuringProvisioningThenRestartResumesTheDeployment)
{
    const bool reached = killDuring([&](const std::function<void()> &ready) {
        openService(true);
        // Provisioning stops where the scoring server would start, and the process dies there.
        m_service->deployments()->setFactory([&](const ScoringServerConfig &, QString *) -> std::unique_ptr<ScoringServer> {
            ready();
            return nullptr;
        });
        createWorkspace();
        registerModel();
        call("PUT", m_ws + QStringLiteral("/onlineEndpoints/ep1"), Json{{"location", "local"}, {"properties", {{"authMode", "Key"}}}});
        call("PUT", m_ws + QStringLiteral("/onlineEndpoints/ep1/deployments/blue"),
             Json{{"location", "local"}, {"properties", {{"model", QString(m_ws + QStringLiteral("/models/m/versions/1")).toStdString()}}}});
        std::this_thread::sleep_for(30s);
    });
    ASSERT_TRUE(reached) << "provisioning never started";

    // A new process finds it mid-way and provisions it again, to the end.
    openService(true);
    m_service->deployments()->waitIdle();
    const auto d = m_service->store().resource(m_ws + QStringLiteral("/onlineEndpoints/ep1/deployments/blue"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->state, QStringLiteral("Succeeded")) << d->doc.dump();
    const quint16 port = d->doc["_local"].value("port", 0);
    EXPECT_GT(port, 0);
    EXPECT_TRUE(m_service->deployments()->logs(d->id, QStringLiteral("InferenceServer"), 50).contains(QStringLiteral("Listening on")));
}

TEST_F(Crash, KillNineDuringABatchJobThenRestart)
{
    // Enough rows that scoring takes a while: the sample's rows over and over.
    const QString input = m_dir.filePath(QStringLiteral("many.csv"));
    {
        QFile small(QStringLiteral(CERULEAN_SOURCE_DIR "/tests/data/local/small.csv"));
        ASSERT_TRUE(small.open(QIODevice::ReadOnly));
        QList<QByteArray> lines = small.readAll().trimmed().split('\n');
        std::ofstream out(input.toStdString());
        out << lines[0].toStdString() << '\n';
        for (int i = 0; i < 3000; ++i)
            for (int l = 1; l < lines.size(); ++l)
                out << lines[l].toStdString() << '\n';
    }
    QString batchJob;
    const bool reached = killDuring([&](const std::function<void()> &ready) {
        openService(true);
        createWorkspace();
        registerModel();
        call("PUT", m_ws + QStringLiteral("/computes/cpu"),
             Json{{"properties", {{"computeType", "AmlCompute"}, {"properties", {{"scaleSettings", {{"maxNodeCount", 1}}}}}}}});
        call("PUT", m_ws + QStringLiteral("/batchEndpoints/be1"), Json{{"location", "local"}, {"properties", {{"authMode", "AADToken"}}}});
        call("PUT", m_ws + QStringLiteral("/batchEndpoints/be1/deployments/dep1"),
             Json{{"location", "local"},
                  {"properties", {{"model", {{"referenceType", "Id"}, {"assetId", QString(m_ws + QStringLiteral("/models/m/versions/1")).toStdString()}}},
                                  {"compute", "cpu"},
                                  {"miniBatchSize", 10}}}});
        const auto r = m_service->handle(makeRequest(
            "POST", QStringLiteral("/batch") + m_ws + QStringLiteral("/batchEndpoints/be1/jobs"),
            QByteArray::fromStdString(
                Json{{"properties", {{"InputData", {{"input", {{"JobInputType", "UriFile"}, {"Uri", QStringLiteral("file://%1").arg(input).toStdString()}}}}}}}}.dump()),
            {{"Authorization", "Bearer " + tokenFor(QStringLiteral("/batch/")).toLatin1()}})); // batch endpoints take ML tokens
        const QString name = QString::fromStdString(r.json().value("name", std::string()));
        if (name.isEmpty())
            std::fprintf(stderr, "the invocation failed: %s\n", r.body.constData());
        const auto until = std::chrono::steady_clock::now() + 50s;
        while (!name.isEmpty() && std::chrono::steady_clock::now() < until) {
            const auto job = m_service->store().resource(m_ws + QStringLiteral("/jobs/") + name);
            const Json props = job ? job->doc["properties"].value("properties", Json::object()) : Json::object();
            const qint64 done = QString::fromStdString(props.value("azureml.batch.rowsProcessed", std::string("0"))).toLongLong();
            const qint64 total = QString::fromStdString(props.value("azureml.batch.rowsTotal", std::string("0"))).toLongLong();
            if (done > 0 && done < total)
                ready();
            if (job && job->state == QLatin1String("Failed"))
                std::fprintf(stderr, "the batch job failed: %s\n", job->doc.dump().c_str());
            std::this_thread::sleep_for(5ms);
        }
    });
    ASSERT_TRUE(reached) << "the batch job never got half-way";

    openService(true);
    QString name;
    for (const StoredResource &j : m_service->store().byKindAndState(kJobs, {}))
        if (j.doc["properties"].value("properties", Json::object()).contains("azureml.batchEndpoint"))
            name = j.name; // the batch job (its step's child job has a name of its own)
    ASSERT_FALSE(name.isEmpty());
    const QString child = stepJob(name, QStringLiteral("score"));
    EXPECT_EQ(jobState(name), QStringLiteral("Failed"));
    EXPECT_EQ(jobState(child), QStringLiteral("Failed"));
    // No output file, whole or partial, and no stray temporary file in its folder.
    EXPECT_EQ(filesUnder(m_service->store().artifactsDir() + QLatin1Char('/') + child + QStringLiteral("/outputs")), QStringList());
}

TEST_F(Crash, AWorkspaceAndItsDependentResourcesAreCreatedTogetherOrNotAtAll)
{
    openService(false);
    ASSERT_EQ(call("PUT", m_rg, Json{{"location", "local"}}, QStringLiteral("2025-04-01")).status, 201);
    // Refused after its storage account, key vault, App Insights and registry were built.
    const auto refused = call("PUT", m_ws,
                              Json{{"location", "local"},
                                   {"properties", {{"containerRegistry", QString(m_rg + QStringLiteral("/providers/Microsoft.ContainerRegistry/registries/cr12345")).toStdString()},
                                                   {"friendlyName", 5}}}});
    EXPECT_EQ(refused.status, 400) << refused.body.toStdString();
    for (const char *type : {"Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults", "microsoft.insights/components",
                             "Microsoft.ContainerRegistry/registries"}) {
        const auto list = call("GET", m_rg + QStringLiteral("/providers/") + QLatin1String(type), Json(), QStringLiteral("2023-01-01"));
        EXPECT_TRUE(list.status == 200 && list.json()["value"].empty()) << type << ": " << list.body.toStdString();
    }
    EXPECT_EQ(call("GET", m_ws).status, 404);
    // Accepted: all five exist.
    const auto made = call("PUT", m_ws,
                           Json{{"location", "local"},
                                {"properties", {{"containerRegistry", QString(m_rg + QStringLiteral("/providers/Microsoft.ContainerRegistry/registries/cr12345")).toStdString()}}}});
    ASSERT_EQ(made.status, 202) << made.body.toStdString(); // as Azure: accepted, no body
    const Json workspace = call("GET", m_ws).json();
    for (const char *key : {"storageAccount", "keyVault", "applicationInsights", "containerRegistry"}) {
        const QString id = QString::fromStdString(workspace["properties"].value(key, std::string()));
        EXPECT_TRUE(m_service->store().resource(id).has_value()) << key << " " << id.toStdString();
    }
}

TEST_F(Crash, AStoreTransactionCommitsEverythingOrNothing)
{
    openService(false);
    RunRecord run;
    run.runId = QStringLiteral("r1");
    run.experimentId = QStringLiteral("1");
    EXPECT_THROW(m_service->store().transaction([&]() -> bool {
        m_service->store().putRun(run);
        m_service->store().logMetric(run.runId, {QStringLiteral("accuracy"), 0.5, 0, 1});
        throw std::runtime_error("the process dies here");
    }),
                 std::runtime_error);
    EXPECT_FALSE(m_service->store().run(QStringLiteral("r1")).has_value());
    EXPECT_TRUE(m_service->store().latestMetrics(QStringLiteral("r1")).empty());
    EXPECT_TRUE(m_service->store().transaction([&] {
        return m_service->store().putRun(run) && m_service->store().logMetric(run.runId, {QStringLiteral("accuracy"), 0.5, 0, 1});
    }));
    EXPECT_TRUE(m_service->store().run(QStringLiteral("r1")).has_value());
    EXPECT_EQ(m_service->store().latestMetrics(QStringLiteral("r1")).size(), 1u);

    // A trial's files are in place in one step, beside nothing half-made.
    ASSERT_TRUE(placeRunArtifacts(m_service->store(), QStringLiteral("r2"),
                                  {{QStringLiteral("confusion_matrix"), "{}"}, {QStringLiteral("outputs/metrics.json"), "{}"}}));
    EXPECT_EQ(filesUnder(m_service->store().artifactsDir() + QStringLiteral("/r2")).size(), 2);
    EXPECT_TRUE(QDir(m_service->store().artifactsDir()).entryList({QStringLiteral(".staging-*")}, QDir::Dirs | QDir::Hidden).isEmpty());
}

TEST_F(Crash, AModelPackageIsReplacedWholeNeverRewrittenInPlace)
{
    auto table = cerulean::automl::readCsvFile(CERULEAN_SOURCE_DIR "/tests/data/local/small.csv");
    ASSERT_TRUE(table.ok());
    const QString dir = m_dir.filePath(QStringLiteral("pkg"));
    auto package = cerulean::automl::trainQuickPackage(table->data, "y", dir.toStdString());
    ASSERT_TRUE(package.ok());
    // A file the new package does not have: an in-place rewrite would leave it beside the new files.
    QFile stale(dir + QStringLiteral("/learners/99.bin"));
    ASSERT_TRUE(stale.open(QIODevice::WriteOnly));
    stale.write("from an older package");
    stale.close();
    ASSERT_FALSE(package->save(dir.toStdString()).has_value());
    EXPECT_FALSE(QFile::exists(dir + QStringLiteral("/learners/99.bin")));
    EXPECT_TRUE(cerulean::automl::ModelPackage::load(dir.toStdString()).ok());
    // No temporary folder left beside it.
    EXPECT_EQ(QDir(m_dir.path()).entryList(QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot), QStringList{QStringLiteral("pkg")});
}

// Each provisioning runs on a thread of its own; one that has finished is joined (its stack
// given back) by the next deployment, not kept until the service stops.
TEST_F(Crash, FinishedProvisioningThreadsAreJoined)
{
    openService(true);
    const auto virtualMemoryKiB = [] {
        QFile status(QStringLiteral("/proc/self/status"));
        if (!status.open(QIODevice::ReadOnly))
            return qint64(0);
        for (const QByteArray &line : status.readAll().split('\n'))
            if (line.startsWith("VmSize:"))
                return line.mid(7).trimmed().split(' ').value(0).toLongLong();
        return qint64(0);
    };
    DeploymentHost &host = *m_service->deployments();
    // A deployment that is not there: its provisioning thread ends at once.
    const QString gone = m_ws + QStringLiteral("/onlineEndpoints/ep/deployments/gone");
    for (int i = 0; i < 8; ++i) {
        host.deploy(gone);
        host.waitIdle();
    }
    const qint64 before = virtualMemoryKiB();
    constexpr int kDeploys = 40;
    for (int i = 0; i < kDeploys; ++i) {
        host.deploy(gone);
        host.waitIdle();
    }
    // An unjoined thread keeps its stack (8 MiB of address space each): 40 would be 320 MiB.
    // The bound is half that: a thread of the service that allocates for the first time
    // meanwhile may get a malloc arena of its own, which reserves 64 MiB at once.
    constexpr qint64 kStackKiB = 8 * 1024;
    EXPECT_LT(virtualMemoryKiB() - before, kDeploys * kStackKiB / 2) << "finished provisioning threads were not joined";
}
