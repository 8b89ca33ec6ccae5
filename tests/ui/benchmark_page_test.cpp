// The Benchmark page against a real scoring endpoint: 200 requests at concurrency 4 fill the
// runs, percentile and histogram tables and the charts; Cancel stops a long run; a wrong key
// shows as non-2xx; the export writes an ab script with the same settings and ab's report.
// The GUI thread keeps ticking while core/bench runs.

#include "consume_test_server.h"
#include "gui_stall_probe.h"

#include "core/azure/transport.h"
#include "ui/charts/histogram_bench_chart.h"
#include "ui/charts/rate_chart.h"
#include "ui/models/bench_runs_model.h"
#include "ui/models/endpoint_target.h"
#include "ui/pages/benchmark_page.h"
#include "ui/pages/consume_page.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

using namespace cerulean;
using namespace cerulean::ui;

class BenchmarkPageTest final : public QObject
{
    Q_OBJECT

private:
    test::ScoringEndpoint m_endpoint;
    std::shared_ptr<azure::HttpTransport> m_transport;
    std::unique_ptr<EndpointTarget> m_target;
    std::unique_ptr<ConsumePage> m_consume;

private Q_SLOTS:
    void initTestCase()
    {
        const std::string error = m_endpoint.start();
        QVERIFY2(error.empty(), error.c_str());
        m_transport = std::make_shared<azure::QtNetworkTransport>();
        m_target = std::make_unique<EndpointTarget>(m_transport, nullptr);
        m_target->setScoringUri(m_endpoint.scoringUri());
        m_target->setKey(QString::fromLatin1(test::ScoringEndpoint::kKey));
        m_target->loadSchema();
        QVERIFY(QTest::qWaitFor([&] { return m_target->schemaState() == EndpointTarget::SchemaState::Loaded; }, 10000));
        m_consume = std::make_unique<ConsumePage>(m_target.get());
    }

    void cleanupTestCase()
    {
        m_consume.reset();
        m_target.reset();
    }

    void chartAxesEndOnRoundNumbers_data()
    {
        QTest::addColumn<double>("highest");
        QTest::addColumn<double>("top");
        QTest::addColumn<int>("ticks");
        QTest::newRow("nothing") << 0.0 << 1.0 << 6;
        QTest::newRow("not a number") << qQNaN() << 1.0 << 6;
        QTest::newRow("exact multiple") << 100.0 << 100.0 << 6;
        QTest::newRow("110 requests") << 110.0 << 125.0 << 6;
        QTest::newRow("one request") << 1.1 << 1.25 << 6;
        QTest::newRow("sub-millisecond") << 0.37 << 0.4 << 5;
        QTest::newRow("just over a step") << 51.0 << 60.0 << 4;
    }

    void chartAxesEndOnRoundNumbers()
    {
        QFETCH(double, highest);
        QFETCH(double, top);
        QFETCH(int, ticks);
        const NiceAxis nice = niceAxis(highest);
        QCOMPARE(nice.top, top);
        QCOMPARE(nice.ticks, ticks);
        if (highest > 0)
            QVERIFY(nice.top >= highest);
    }

    void aRunFillsTablesAndCharts()
    {
        BenchmarkPage page(m_target.get(), [this] { return m_consume->requestBody(); });
        QAbstractItemModelTester runsTester(page.runsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester percentileTester(page.percentileModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester histogramTester(page.histogramModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester throughputTester(page.throughputModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.setRequests(200);
        page.setConcurrency(4);
        page.setKeepAlive(true);

        // The event loop must keep turning while the benchmark runs off the GUI thread.
        test::GuiStallProbe probe;
        QSignalSpy finished(&page, &BenchmarkPage::runFinished);
        probe.start();
        QVERIFY2(page.run(), qPrintable(page.statusText()));
        QVERIFY(page.isRunning());
        QVERIFY(finished.wait(60000));
        probe.stop();
        qInfo("longest GUI-thread stall during the run: %lld ms of its own work, %lld ms wall clock",
              static_cast<long long>(probe.maxBusy().count()), static_cast<long long>(probe.maxGap().count()));
        QVERIFY2(probe.maxBusy() <= test::GuiStallProbe::kBudget, "the GUI thread stalled during the benchmark");

        QCOMPARE(page.runsModel()->rowCount(), 1);
        const BenchRun *run = page.runsModel()->run(0);
        QVERIFY(run);
        QCOMPARE(run->result->completed, std::uint64_t(200));
        QCOMPARE(run->result->non2xx, std::uint64_t(0));
        QCOMPARE(run->result->failures.total(), std::uint64_t(0));
        QVERIFY(!run->result->cancelled);
        QVERIFY(run->withKey);
        QVERIFY(run->result->requestsPerSecond() > 0);
        QCOMPARE(page.runsModel()->index(0, BenchRunsModel::RequestsColumn).data().toULongLong(), 200ull);

        // ab's nine percentiles, one column for the run, increasing.
        QCOMPARE(page.percentileModel()->rowCount(), 9);
        QCOMPARE(page.percentileModel()->columnCount(), 2);
        double previous = 0;
        for (int row = 0; row < 9; ++row) {
            const double value = page.percentileModel()->index(row, BenchPercentileModel::FirstRunColumn).data(Qt::EditRole).toDouble();
            QVERIFY(value > 0 && value >= previous);
            previous = value;
        }
        QCOMPARE(previous, toMilliseconds(run->result->latency.max()));

        QCOMPARE(page.histogramModel()->rowCount(), BenchHistogramModel::kBins);
        QCOMPARE(page.histogramModel()->totalCount(), std::uint64_t(200));
        QCOMPARE(page.histogramChart()->barCount(), BenchHistogramModel::kBins);
        QVERIFY(page.throughputModel()->rowCount() >= 1);
        QCOMPARE(page.throughputChart()->pointCount(), page.throughputModel()->rowCount());
        QVERIFY(page.summaryText().contains(QStringLiteral("requests/s")));

        // Export: the script runs ab with the same settings and never holds the key.
        QTemporaryDir dir;
        const QStringList files = page.exportTo(dir.path());
        QCOMPARE(files.size(), 3);
        QFile script(dir.filePath(QStringLiteral("benchmark.sh")));
        QVERIFY(script.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(script.readAll());
        QVERIFY2(text.contains(QStringLiteral("ab -n 200 -c 4 -k -p 'data.json' -T 'application/json' "
                                              "-H \"Authorization: Bearer $ENDPOINT_KEY\" '%1'")
                                   .arg(m_endpoint.scoringUri().toString())),
                 qPrintable(text));
        QVERIFY(!text.contains(QString::fromLatin1(test::ScoringEndpoint::kKey)));
        QVERIFY(QFileInfo(script.fileName()).isExecutable());
        QFile body(dir.filePath(QStringLiteral("data.json")));
        QVERIFY(body.open(QIODevice::ReadOnly));
        QCOMPARE(body.readAll(), m_consume->requestBody());
        QFile report(dir.filePath(QStringLiteral("benchmark-report.txt")));
        QVERIFY(report.open(QIODevice::ReadOnly));
        const QByteArray reportText = report.readAll();
        QVERIFY(reportText.contains("Requests per second:"));
        QVERIFY(reportText.contains("Complete requests:      200"));

        // A second run is kept beside the first for comparison.
        page.setKeepAlive(false);
        QVERIFY(page.run());
        QVERIFY(finished.wait(60000));
        QCOMPARE(page.runsModel()->rowCount(), 2);
        QCOMPARE(page.percentileModel()->columnCount(), 3);
        QVERIFY(!page.runsModel()->run(1)->result->keepAlive);
    }

    void cancelStopsALongRun()
    {
        BenchmarkPage page(m_target.get(), [this] { return m_consume->requestBody(); });
        page.setRequests(5'000'000);
        page.setConcurrency(2);
        QSignalSpy finished(&page, &BenchmarkPage::runFinished);
        QVERIFY(page.run());
        QTest::qWait(300);
        page.cancel();
        QVERIFY(finished.wait(10000));
        QVERIFY(!page.isRunning());
        const BenchRun *run = page.runsModel()->run(0);
        QVERIFY(run);
        QVERIFY(run->result->cancelled);
        QVERIFY(run->result->completed < 5'000'000);
        QVERIFY(page.statusText().startsWith(QStringLiteral("Cancelled")));
    }

    void aWrongKeyShowsAsUnauthorized()
    {
        EndpointTarget target(m_transport, nullptr);
        target.setScoringUri(m_endpoint.scoringUri());
        target.setKey(QStringLiteral("wrong"));
        BenchmarkPage page(&target, [this] { return m_consume->requestBody(); });
        page.setRequests(20);
        page.setConcurrency(2);
        QSignalSpy finished(&page, &BenchmarkPage::runFinished);
        QVERIFY(page.run());
        QVERIFY(finished.wait(30000));
        const BenchRun *run = page.runsModel()->run(0);
        QVERIFY(run);
        QCOMPARE(run->result->non2xx, std::uint64_t(20));
        QVERIFY2(page.statusText().contains(QStringLiteral("401")), qPrintable(page.statusText()));
    }

    void refusesWhatItCannotRun()
    {
        EndpointTarget target(m_transport, nullptr);
        BenchmarkPage page(&target, [] { return QByteArray(); });
        QVERIFY(!page.run());
        QVERIFY(page.statusText().contains(QStringLiteral("scoring URI")));
        target.setScoringUri(m_endpoint.scoringUri());
        QVERIFY(!page.run());
        QVERIFY(page.statusText().contains(QStringLiteral("Consume")));
    }
};

QTEST_MAIN(BenchmarkPageTest)
#include "benchmark_page_test.moc"
