// The Logs page against a real local workspace service: a deployment made without Application
// Insights shows its container log; turning Insights on re-deploys it; then the requests sent
// to it appear merged by time with the container lines, the level filter and search narrow
// them, pause holds the view still, and the per-minute rate and latency charts fill. Every
// model runs under QAbstractItemModelTester; following must not stall the GUI thread beyond the budget.

#include "gui_stall_probe.h"
#include "local_deploy_workspace.h"

#include "core/azure/ml_client.h"
#include "core/azure/resources.h"
#include "core/azure/secret_store.h"
#include "ui/charts/latency_chart.h"
#include "ui/charts/rate_chart.h"
#include "ui/models/deploy_controller.h"
#include "ui/models/log_controller.h"
#include "ui/models/log_model.h"
#include "ui/pages/logs_page.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QToolButton>
#include <QtTest>

using namespace cerulean;
using namespace cerulean::ui;
using namespace std::chrono_literals;

class LogsPageTest final : public QObject
{
    Q_OBJECT

private:
    ui::test::LocalDeployWorkspace m_workspace;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<DeployController> m_deployer;
    std::unique_ptr<LogsPage> m_page;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;

    template <class T>
    T *child(const char *name) const
    {
        return m_page->findChild<T *>(QLatin1String(name));
    }

    QString key()
    {
        std::optional<azure::Result<QString>> read;
        QObject context;
        azure::SecretStore().read(m_session->keySecretName(), &context, [&read](azure::Result<QString> value) { read = std::move(value); });
        QDeadlineTimer deadline(10s);
        while (!read && !deadline.hasExpired())
            QTest::qWait(10);
        return read && read->ok() ? read->value() : QString();
    }

    // Scores two rows; the HTTP status.
    int score(const QString &key)
    {
        auto client = std::make_shared<azure::AzureClient>(azure::Cloud::local(m_workspace.server().baseUrl()), nullptr);
        int status = -1;
        QObject context;
        azure::scoreEndpoint(client, m_session->deployment().scoringUri, m_workspace.scoringBody(2), key, &context,
                             [&status](azure::Result<QByteArray> reply) { status = reply.ok() ? 200 : reply.error().httpStatus; });
        QDeadlineTimer deadline(10s);
        while (status < 0 && !deadline.hasExpired())
            QTest::qWait(10);
        return status;
    }

    int shownWhere(const std::function<bool(const QModelIndex &)> &match) const
    {
        int n = 0;
        for (int row = 0; row < m_page->filter()->rowCount(); ++row)
            n += match(m_page->filter()->index(row, LogModel::Message)) ? 1 : 0;
        return n;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_workspace.start(), qPrintable(m_workspace.error()));
        m_session = std::make_unique<Session>();
        m_workspace.connect(*m_session);
        // Deployed without Application Insights, so that the page can turn it on.
        m_deployer = std::make_unique<DeployController>(m_session.get());
        DeploySettings settings;
        settings.modelId = m_workspace.modelId();
        settings.endpointName = QStringLiteral("logs-ep");
        settings.appInsightsEnabled = false;
        m_deployer->deploy(settings);
        QTRY_VERIFY_WITH_TIMEOUT(m_deployer->state() != DeployController::State::Deploying, 60'000);
        QVERIFY2(m_deployer->state() == DeployController::State::Deployed, qPrintable(m_deployer->lastError().toString()));
        QVERIFY(m_session->deployment().isValid());

        LogPollOptions options;
        options.interval = 300ms;
        options.ingestionLag = 1s; // the local workspace flushes telemetry every 500 ms
        m_page = std::make_unique<LogsPage>(*m_session, options);
        for (QAbstractItemModel *model : {static_cast<QAbstractItemModel *>(m_page->controller()->logs()),
                                          static_cast<QAbstractItemModel *>(m_page->filter()),
                                          static_cast<QAbstractItemModel *>(m_page->controller()->rate())})
            m_testers.push_back(std::make_unique<QAbstractItemModelTester>(model, QAbstractItemModelTester::FailureReportingMode::QtTest));
        m_page->resize(1100, 750);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
    }

    void containerLogLinesAppearWhileFollowing()
    {
        LogModel *logs = m_page->controller()->logs();
        QTRY_VERIFY_WITH_TIMEOUT(logs->count(LogSource::Container) > 0, 10'000);
        bool listening = false;
        for (int row = 0; row < logs->rowCount(); ++row)
            listening = listening || logs->entry(row).message.contains(QStringLiteral("Listening on"));
        QVERIFY(listening);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->controller()->insights() == LogController::Insights::Off, 10'000);
        QVERIFY(child<QPushButton>("enableInsights")->isVisible());
        QCOMPARE(logs->count(LogSource::Request), 0);
        QVERIFY(child<QLabel>("logsStatus")->text().contains(QStringLiteral("logs-ep")));
    }

    void turningApplicationInsightsOnRedeploysWithTelemetry()
    {
        const QString containerLinesBefore = QString::number(m_page->controller()->logs()->count(LogSource::Container));
        QTest::mouseClick(child<QPushButton>("enableInsights"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->controller()->insights() == LogController::Insights::On, 30'000);
        QVERIFY(!child<QPushButton>("enableInsights")->isVisible());
        const local::ApiResponse stored = m_workspace.call("GET", m_workspace.workspaceId() + QStringLiteral("/onlineEndpoints/logs-ep/deployments/blue"));
        QCOMPARE(stored.json()["properties"]["appInsightsEnabled"].get<bool>(), true);
        // The session follows the re-deployed server; the lines shown so far are kept.
        QVERIFY(m_page->controller()->logs()->count(LogSource::Container) >= containerLinesBefore.toInt());
        QTRY_COMPARE_WITH_TIMEOUT(score(key()), 200, 10'000);
    }

    void requestsAppearMergedByTimeWithTheContainerLog()
    {
        const QString good = key();
        QVERIFY(!good.isEmpty());
        for (int i = 0; i < 3; ++i)
            QCOMPARE(score(good), 200);
        QCOMPARE(score(QStringLiteral("wrong-key")), 401);
        LogModel *logs = m_page->controller()->logs();
        const auto refusedRequests = [logs] {
            int n = 0;
            for (int row = 0; row < logs->rowCount(); ++row)
                n += logs->entry(row).source == LogSource::Request && logs->entry(row).message.contains(QStringLiteral("401")) ? 1 : 0;
            return n;
        };
        // 4 here and at least 1 in the previous case; telemetry lands in any order.
        QTRY_VERIFY_WITH_TIMEOUT(logs->count(LogSource::Request) >= 5 && refusedRequests() == 1, 20'000);
        int refused = 0;
        for (int row = 0; row < logs->rowCount(); ++row) {
            const LogEntry &e = logs->entry(row);
            if (row > 0)
                QVERIFY2(logs->entry(row - 1).time <= e.time, qPrintable(QString::number(row)));
            if (e.source == LogSource::Request && e.message.contains(QStringLiteral("401"))) {
                ++refused;
                QVERIFY(e.level == LogLevel::Warning);
            }
        }
        QCOMPARE(refused, 1);
        // The per-minute summary counts the same requests and both charts draw it.
        QTRY_VERIFY_WITH_TIMEOUT(m_page->controller()->rate()->totalRequests() >= 5, 10'000);
        QVERIFY(m_page->rateChart()->pointCount() >= 1);
        QCOMPARE(m_page->latencyChart()->pointCount(), m_page->rateChart()->pointCount());
        QVERIFY(m_page->controller()->lastError().isEmpty());
    }

    void levelFilterAndSearchNarrowTheView()
    {
        auto *level = child<QComboBox>("level");
        auto *search = child<QLineEdit>("search");
        const int all = m_page->filter()->rowCount();
        QCOMPARE(all, m_page->controller()->logs()->rowCount());

        level->setCurrentIndex(level->findData(int(LogLevel::Warning)));
        const int warnings = m_page->filter()->rowCount();
        QVERIFY(warnings >= 1);
        QVERIFY(warnings < all);
        QCOMPARE(shownWhere([](const QModelIndex &i) { return i.data(LogModel::kLevelRole).toInt() < int(LogLevel::Warning); }), 0);
        QVERIFY(shownWhere([](const QModelIndex &i) { return i.data().toString().contains(QStringLiteral("401")); }) >= 1);

        level->setCurrentIndex(level->findData(int(LogLevel::Debug)));
        QTest::keyClicks(search, QStringLiteral("listening ON"));
        QVERIFY(m_page->filter()->rowCount() >= 1);
        QCOMPARE(shownWhere([](const QModelIndex &i) {
                     return !i.data().toString().contains(QStringLiteral("listening on"), Qt::CaseInsensitive);
                 }),
                 0);
        search->clear();
        QTest::keyClicks(search, QStringLiteral("no line says this"));
        QCOMPARE(m_page->filter()->rowCount(), 0);
        search->clear();
        QCOMPARE(m_page->filter()->rowCount(), m_page->controller()->logs()->rowCount());
    }

    void pauseHoldsTheViewAndFollowCatchesUp()
    {
        LogController *controller = m_page->controller();
        auto *follow = child<QToolButton>("follow");
        QVERIFY(follow->isChecked());
        QTest::mouseClick(follow, Qt::LeftButton);
        QVERIFY(!controller->isFollowing());
        QTest::qWait(400); // a poll already under way may still land
        const int rows = controller->logs()->rowCount();
        const int polls = controller->pollsCompleted();
        const QString good = key();
        QCOMPARE(score(good), 200);
        QCOMPARE(score(good), 200);
        QTest::qWait(1500); // five intervals
        QCOMPARE(controller->pollsCompleted(), polls);
        QCOMPARE(controller->logs()->rowCount(), rows);
        QVERIFY(child<QLabel>("logsStatus")->text().contains(QStringLiteral("paused")));

        // Following again reads at once and keeps the newest line in view.
        cerulean::test::GuiStallProbe probe;
        probe.start();
        QTest::mouseClick(follow, Qt::LeftButton);
        QVERIFY(controller->isFollowing());
        QTRY_VERIFY_WITH_TIMEOUT(controller->logs()->count(LogSource::Request) >= 7, 20'000);
        QTest::qWait(1500);
        probe.stop();
        qInfo("longest GUI-thread stall while following: %lld ms of its own work, %lld ms wall clock",
              static_cast<long long>(probe.maxBusy().count()), static_cast<long long>(probe.maxGap().count()));
        QVERIFY2(probe.maxBusy() <= cerulean::test::GuiStallProbe::kBudget, qPrintable(QString::number(probe.maxBusy().count())));
        const QModelIndex lastRow = m_page->filter()->index(m_page->filter()->rowCount() - 1, 0);
        QVERIFY(m_page->view()->visualRect(lastRow).isValid());
        QVERIFY(m_page->view()->viewport()->rect().intersects(m_page->view()->visualRect(lastRow)));
    }

    void followingCostsNothingWhileNothingArrives()
    {
        // Requests arrive, then nothing. Once the ingestion lag has passed, a poll reads no
        // telemetry row from the store and changes neither the table nor the charts: an idle
        // app that follows a busy endpoint's logs stays idle.
        LogController *controller = m_page->controller();
        QVERIFY(controller->isFollowing());
        const qint64 before = controller->rate()->totalRequests();
        const QString good = key();
        constexpr int kRequests = 30;
        for (int i = 0; i < kRequests; ++i)
            QCOMPARE(score(good), 200);
        QTRY_VERIFY_WITH_TIMEOUT(controller->rate()->totalRequests() >= before + kRequests, 20'000);
        QTest::qWait(1500); // past the lag, and a poll after it

        const local::LocalService &service = m_workspace.server().service();
        const quint64 rowsRead = service.telemetryRowsRead();
        const int polls = controller->pollsCompleted();
        QSignalSpy logRows(controller->logs(), &QAbstractItemModel::rowsInserted);
        QSignalSpy logResets(controller->logs(), &QAbstractItemModel::modelReset);
        QSignalSpy rateResets(controller->rate(), &QAbstractItemModel::modelReset);
        QSignalSpy rateRows(controller->rate(), &QAbstractItemModel::rowsInserted);
        QSignalSpy rateChanges(controller->rate(), &QAbstractItemModel::dataChanged);
        QTRY_VERIFY_WITH_TIMEOUT(controller->pollsCompleted() >= polls + 5, 10'000);
        QCOMPARE(service.telemetryRowsRead(), rowsRead);
        QCOMPARE(logRows.count(), 0);
        QCOMPARE(logResets.count(), 0);
        QCOMPARE(rateResets.count() + rateRows.count() + rateChanges.count(), 0);
        QVERIFY(controller->lastError().isEmpty());

        // One more request: the table and the chart take it.
        QCOMPARE(score(good), 200);
        QTRY_VERIFY_WITH_TIMEOUT(controller->rate()->totalRequests() >= before + kRequests + 1, 10'000);
        QVERIFY(service.telemetryRowsRead() > rowsRead);
    }

    void containerLinesParseWithLevelsAndContinuations()
    {
        const QList<LogEntry> entries = parseContainerLog(QStringLiteral(
            "2026-01-02 03:04:05,678 | INFO | Listening on 127.0.0.1:5001\n"
            "2026-01-02 03:04:06,001 | WARNING | POST /score 401 unauthorized\n"
            "Traceback (most recent call last):\r\n"
            "\n"
            "2026-01-02 03:04:07,500 | ERROR | boom\n"));
        QCOMPARE(entries.size(), 4);
        QCOMPARE(entries[0].time, QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5, 678), Qt::UTC));
        QVERIFY(entries[0].level == LogLevel::Info);
        QCOMPARE(entries[0].message, QStringLiteral("Listening on 127.0.0.1:5001"));
        QVERIFY(entries[1].level == LogLevel::Warning);
        QCOMPARE(entries[2].time, entries[1].time); // the continuation keeps the previous time
        QCOMPARE(entries[2].message, QStringLiteral("Traceback (most recent call last):"));
        QVERIFY(entries[3].level == LogLevel::Error);
    }

    void lateArrivalsGoToTheirPlaceAndRepeatsAreDropped()
    {
        LogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QDateTime t0(QDate(2026, 1, 2), QTime(3, 0), Qt::UTC);
        QCOMPARE(model.addEntries({{t0, LogSource::Container, LogLevel::Info, QStringLiteral("a"), QStringLiteral("a")},
                                   {t0.addSecs(20), LogSource::Container, LogLevel::Info, QStringLiteral("c"), QStringLiteral("c")}}),
                 2);
        // The same tail again plus a request that happened in between.
        QCOMPARE(model.addEntries({{t0, LogSource::Container, LogLevel::Info, QStringLiteral("a"), QStringLiteral("a")},
                                   {t0.addSecs(10), LogSource::Request, LogLevel::Info, QStringLiteral("b"), QStringLiteral("request:1")}}),
                 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.entry(1).message, QStringLiteral("b"));
        // A trace repeating a container line is the same entry.
        azure::QueryTable traces;
        traces.columnNames = {QStringLiteral("timestamp"), QStringLiteral("message"), QStringLiteral("severityLevel")};
        traces.rows.append({QStringLiteral("2026-01-02T03:00:20.0000000Z"), QStringLiteral("c"), 1});
        traces.rows.append({QStringLiteral("2026-01-02T03:00:30.1234567Z"), QStringLiteral("disk almost full"), 2});
        QCOMPARE(model.addEntries(entriesFromTraces(traces)), 1);
        QVERIFY(model.entry(3).level == LogLevel::Warning);
        QCOMPARE(model.entry(3).time, t0.addSecs(30).addMSecs(123));
        LogModel capped(nullptr, 2);
        QAbstractItemModelTester cappedTester(&capped, QAbstractItemModelTester::FailureReportingMode::QtTest);
        capped.addEntries({{t0, LogSource::Container, LogLevel::Info, QStringLiteral("1"), {}},
                           {t0.addSecs(1), LogSource::Container, LogLevel::Info, QStringLiteral("2"), {}},
                           {t0.addSecs(2), LogSource::Container, LogLevel::Info, QStringLiteral("3"), {}}});
        QCOMPARE(capped.rowCount(), 2);
        QCOMPARE(capped.entry(0).message, QStringLiteral("2"));
    }

    void rateModelNamesMissingColumns()
    {
        RequestRateModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        azure::QueryTable table;
        table.columnNames = {QStringLiteral("timestamp"), QStringLiteral("count_")};
        QString error;
        QVERIFY(!model.setTable(table, &error));
        QVERIFY(error.contains(QStringLiteral("avg_duration")));
        table.columnNames << QStringLiteral("avg_duration") << QStringLiteral("percentile_duration_95");
        table.rows.append({QStringLiteral("2026-01-02T03:01:00Z"), 4, 12.5, 30.0});
        table.rows.append({QStringLiteral("2026-01-02T03:00:00Z"), 2, 10.0, 11.0});
        QVERIFY(model.setTable(table, &error));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, RequestRateModel::Requests).data(Qt::EditRole).toDouble(), 2.0); // sorted by time
        QCOMPARE(model.index(1, RequestRateModel::Minute).data(Qt::EditRole).toDouble(), 1.0);
        QCOMPARE(model.totalRequests(), 6);
    }

    void cleanupTestCase()
    {
        m_testers.clear();
        m_page.reset();
        m_deployer.reset();
        m_session.reset();
    }
};

QTEST_MAIN(LogsPageTest)
#include "logs_page_test.moc"
