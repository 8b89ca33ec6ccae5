// What following a deployment's logs costs when nothing happens. In one process, as the app
// runs them: a local workspace service with a deployed model (Application Insights on), and
// the Logs page following it with its default settings. The probe sends N scoring requests,
// waits until the page shows them all in its chart and the ingestion lag has passed, then
// measures the process's CPU time (every thread: the GUI, the workspace's routes, the
// scoring server) over a window while following, and again while paused, the baseline.
//
//   cerulean-idle-probe [--requests N] [--window SECONDS]
//
// Prints the share of one core in each window and the target (under 2 % while following).
// Exit status 0 when the target is met, 1 when it is not, 2 when the setup failed.

#include "local_deploy_workspace.h"

#include "core/bench/load_generator.h"
#include "ui/models/deploy_controller.h"
#include "ui/models/log_controller.h"
#include "ui/models/log_model.h"
#include "ui/pages/logs_page.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include <sys/resource.h>

using namespace cerulean;
using namespace cerulean::ui;
using namespace std::chrono_literals;

namespace {

constexpr double kTargetPercent = 2.0;
constexpr auto kDeployTimeout = 120s;
constexpr auto kShownTimeout = 120s;
// The local workspace's ingestion lag (LogController) and two default poll intervals.
constexpr auto kSettle = 5s + 2 * 2s;
constexpr unsigned kConcurrency = 4;

std::chrono::microseconds processCpu()
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto tv = [](const timeval &t) { return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec); };
    return tv(usage.ru_utime) + tv(usage.ru_stime);
}

// Runs the event loop until `done` or the timeout; false on timeout.
bool spinUntil(const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > timeout.count())
            return false;
        QEventLoop loop;
        QTimer::singleShot(20, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

void spinFor(std::chrono::milliseconds span)
{
    QEventLoop loop;
    QTimer::singleShot(span, &loop, &QEventLoop::quit);
    loop.exec();
}

// Share of one core the process used over `window` of event loop.
double measure(std::chrono::seconds window)
{
    const auto cpu0 = processCpu();
    QElapsedTimer wall;
    wall.start();
    spinFor(window);
    const double cpu = std::chrono::duration<double>(processCpu() - cpu0).count();
    return 100.0 * cpu / (double(wall.nsecsElapsed()) / 1e9);
}

int fail(const QString &what)
{
    std::fprintf(stderr, "cerulean-idle-probe: %s\n", qPrintable(what));
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("CPU cost of following a deployment's logs while nothing arrives."));
    parser.addHelpOption();
    const QCommandLineOption requestsOption(QStringLiteral("requests"), QStringLiteral("Scoring requests sent first (default 20000)."),
                                            QStringLiteral("N"), QStringLiteral("20000"));
    const QCommandLineOption windowOption(QStringLiteral("window"), QStringLiteral("Seconds measured in each state (default 30)."),
                                          QStringLiteral("SECONDS"), QStringLiteral("30"));
    parser.addOption(requestsOption);
    parser.addOption(windowOption);
    parser.process(app);
    const qint64 requests = parser.value(requestsOption).toLongLong();
    const std::chrono::seconds window(parser.value(windowOption).toInt());
    if (requests <= 0 || window.count() <= 0)
        return fail(QStringLiteral("--requests and --window take positive numbers"));

    std::printf("setting up: local workspace, a model trained on part of Bank Marketing, a deployment with Application Insights\n");
    std::fflush(stdout);
    ui::test::LocalDeployWorkspace workspace;
    if (!workspace.start())
        return fail(workspace.error());
    Session session;
    workspace.connect(session);
    DeployController deployer(&session);
    DeploySettings settings;
    settings.modelId = workspace.modelId();
    settings.endpointName = QStringLiteral("idle-probe");
    settings.appInsightsEnabled = true;
    deployer.deploy(settings);
    if (!spinUntil([&] { return deployer.state() != DeployController::State::Deploying; }, kDeployTimeout) ||
        deployer.state() != DeployController::State::Deployed)
        return fail(QStringLiteral("deploying failed: ") + deployer.lastError().toString());

    LogsPage page(session); // the default poll interval and ingestion lag, as the app has them
    page.resize(1366, 768);
    page.show();
    LogController *controller = page.controller();

    const local::ApiResponse keys =
        workspace.call("POST", workspace.workspaceId() + QStringLiteral("/onlineEndpoints/idle-probe/listKeys"));
    const local::Json keyDoc = local::Json::parse(keys.body.constData(), keys.body.constData() + keys.body.size(), nullptr, false);
    if (keys.status != 200 || !keyDoc.is_object() || !keyDoc.contains("primaryKey"))
        return fail(QStringLiteral("listKeys answered %1").arg(keys.status));

    bench::BenchOptions load;
    load.url = session.deployment().scoringUri.toString().toStdString();
    load.body = workspace.scoringBody(1).toStdString();
    load.headers = {{"Authorization", "Bearer " + keyDoc["primaryKey"].get<std::string>()}};
    load.requests = std::uint64_t(requests);
    load.concurrency = kConcurrency;
    load.keepAlive = true;
    bench::BenchResult result;
    std::atomic<bool> sent{false};
    std::optional<std::string> loadError;
    std::printf("sending %lld requests to %s\n", static_cast<long long>(requests), load.url.c_str());
    std::fflush(stdout);
    std::thread client([&] {
        loadError = bench::runBench(load, result);
        sent = true;
    });
    spinUntil([&] { return sent.load(); }, 600s);
    client.join();
    if (loadError)
        return fail(QString::fromStdString(*loadError));
    const auto ok = result.statusCounts.count(200) ? result.statusCounts.at(200) : 0;
    std::printf("sent: %llu answered 200 in %.1f s\n", static_cast<unsigned long long>(ok),
                std::chrono::duration<double>(result.elapsed).count());
    if (!spinUntil([&] { return controller->rate()->totalRequests() >= qint64(ok); }, kShownTimeout))
        return fail(QStringLiteral("the page's chart counted %1 of %2 requests").arg(controller->rate()->totalRequests()).arg(ok));
    spinFor(kSettle);

    const double following = measure(window);
    controller->setFollowing(false);
    spinFor(3s);
    const double paused = measure(window);
    std::printf("idle after %llu requests, Logs following: %.2f %% of one core over %lld s (target < %.0f %%)\n",
                static_cast<unsigned long long>(ok), following, static_cast<long long>(window.count()), kTargetPercent);
    std::printf("idle, Logs paused (baseline):          %.2f %% of one core over %lld s\n", paused,
                static_cast<long long>(window.count()));
    std::printf("table: %d requests shown; chart: %lld; polls: %d; telemetry rows read by the service: %llu\n",
                controller->logs()->count(LogSource::Request), controller->rate()->totalRequests(), controller->pollsCompleted(),
                static_cast<unsigned long long>(workspace.server().service().telemetryRowsRead()));
    std::printf("%s\n", following < kTargetPercent ? "target met" : "TARGET MISSED");
    return following < kTargetPercent ? 0 : 1;
}
