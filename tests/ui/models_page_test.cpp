#include "core/automl/csv.h"
#include "core/automl/engine.h"
#include "ui/charts/curve_chart.h"
#include "ui/models/leaderboard_model.h"
#include "ui/models/metrics_models.h"
#include "ui/pages/models_page.h"
#include "ui/session.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QXYSeries>
#include <QtTest>

#include <chrono>
#include <numeric>

using namespace cerulean;
using namespace cerulean::ui;

namespace {

QString sharedData(const QString &file)
{
    QString dir = qEnvironmentVariable("CERULEAN_SHARED_DIR");
    if (dir.isEmpty())
        dir = QStringLiteral(CERULEAN_SOURCE_DIR "/../shared");
    return QDir(dir).filePath(QStringLiteral("data/") + file);
}

} // namespace

// The Models page on a real AutoML run: the engine trains on part of the Bank Marketing
// data in the test, writes its run folder, and the page reads it back.
class ModelsPageTest final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_runFolder;
    automl::RunResult m_result;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        auto table = automl::readCsvFile(sharedData(QStringLiteral("bankmarketing_train.csv")).toStdString());
        QVERIFY2(table.ok(), table.ok() ? "" : table.error().c_str());
        std::vector<std::size_t> rows(3000);
        std::iota(rows.begin(), rows.end(), std::size_t{0});
        const automl::Dataset train = table->data.selectRows(rows);
        automl::AutoMLSettings settings;
        settings.targetColumn = "y";
        settings.timeout = std::chrono::seconds(8);
        settings.maxTrials = 5;
        settings.maxConcurrentTrials = 2;
        settings.validation.kind = automl::ValidationKind::Split;
        settings.validation.validationSize = 0.2;
        settings.testSize = 0.2;
        settings.enableStackEnsemble = false;
        automl::CancelToken cancel;
        auto result = automl::runAutoML(settings, train, std::nullopt, {}, cancel);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().c_str());
        m_result = std::move(result).value();
        m_runFolder = m_dir.filePath(QStringLiteral("run"));
        const auto failure = automl::writeRunOutput(m_result, m_runFolder.toStdString());
        QVERIFY2(!failure, failure ? failure->message.c_str() : "");
    }

    void runFolderLoadsWhatTheEngineWrote()
    {
        QString error;
        const auto folder = loadRunFolder(m_runFolder, &error);
        QVERIFY2(folder, qPrintable(error));
        QCOMPARE(folder->primaryMetric, QStringLiteral("AUC_weighted"));
        QCOMPARE(folder->bestRunId, m_result.bestTrialId);
        QCOMPARE(folder->runs.size(), m_result.trials.size());
        QCOMPARE(folder->classLabels, QStringList({QStringLiteral("no"), QStringLiteral("yes")}));
        const automl::TrialResult *best = m_result.bestTrial();
        QVERIFY(best);
        const RunRecord *run = folder->find(best->id);
        QVERIFY(run);
        QCOMPARE(run->score, best->score);
        QCOMPARE(run->validationMetrics.at(QStringLiteral("accuracy")), best->validationMetrics.at("accuracy"));
        QCOMPARE(run->validationCharts.classLabels.size(), 2);
        QVERIFY(run->validationCharts.curves.count(CurveKind::Roc));
        QVERIFY(!folder->importance.empty());
    }

    // An Azure AutoML child run's accuracy_table (counts TP, FP, TN, FN per class and
    // threshold) becomes the ROC, precision-recall, gains and lift curves. Four rows, truth
    // yes, yes, no, no with P(yes) 0.9, 0.4, 0.6, 0.1; thresholds counted as p >= t.
    void azureAccuracyTableBecomesCurves()
    {
        const QByteArray body = R"({
          "confusion_matrix": {"schema_type": "confusion_matrix", "schema_version": "1.0.0",
                               "data": {"class_labels": ["no", "yes"], "matrix": [[1, 1], [1, 1]]}},
          "accuracy_table": {"schema_type": "accuracy_table", "schema_version": "1.0.1", "data": {
            "class_labels": ["no", "yes"],
            "probability_thresholds": [0.0, 0.5, 1.0],
            "percentile_thresholds": [0.1, 0.6, 0.9],
            "probability_tables": [[[2, 2, 0, 0], [1, 1, 1, 1], [0, 0, 2, 2]],
                                   [[2, 2, 0, 0], [1, 1, 1, 1], [0, 0, 2, 2]]],
            "percentile_tables": [[[2, 2, 0, 0], [1, 1, 1, 1], [1, 0, 2, 1]],
                                  [[2, 2, 0, 0], [1, 1, 1, 1], [1, 0, 2, 1]]]}}})";
        const RunCharts charts = parseRunCharts(body);
        QCOMPARE(charts.classLabels, (QStringList{QStringLiteral("no"), QStringLiteral("yes")}));
        QCOMPARE(charts.confusion.size(), 2);
        QVERIFY2(charts.curves.count(CurveKind::Calibration) == 0, "the table has no calibration");
        const auto curve = [&charts](CurveKind kind, const QString &label) -> ChartCurve {
            for (const ChartCurve &c : charts.curves.at(kind))
                if (c.label == label)
                    return c;
            return {};
        };
        for (CurveKind kind : {CurveKind::Roc, CurveKind::PrecisionRecall, CurveKind::CumulativeGains, CurveKind::Lift})
            QCOMPARE(charts.curves.at(kind).size(), 3); // no, yes and the micro average

        const ChartCurve roc = curve(CurveKind::Roc, QStringLiteral("yes"));
        QCOMPARE(roc.x, (QVector<double>{0.0, 0.5, 1.0})); // false positive rate, ascending
        QCOMPARE(roc.y, (QVector<double>{0.0, 0.5, 1.0}));
        const ChartCurve pr = curve(CurveKind::PrecisionRecall, QStringLiteral("yes"));
        QCOMPARE(pr.x, (QVector<double>{0.5, 1.0})); // recall; nothing predicted at t = 1 has no precision
        QCOMPARE(pr.y, (QVector<double>{0.5, 0.5}));
        const ChartCurve gains = curve(CurveKind::CumulativeGains, QStringLiteral("yes"));
        QCOMPARE(gains.x, (QVector<double>{0.0, 25.0, 50.0, 100.0})); // percent of rows
        QCOMPARE(gains.y, (QVector<double>{0.0, 0.5, 0.5, 1.0}));
        const ChartCurve lift = curve(CurveKind::Lift, QStringLiteral("yes"));
        QCOMPARE(lift.x, (QVector<double>{25.0, 50.0, 100.0}));
        QCOMPARE(lift.y, (QVector<double>{2.0, 1.0, 1.0}));
        QCOMPARE(curve(CurveKind::Roc, QStringLiteral("micro")).y, roc.y); // both classes count alike here

        // Curves the run has as curves win over the table; a malformed table draws nothing.
        QByteArray both = body;
        both.replace(R"("accuracy_table": {)",
                     R"("roc_curve": {"data": {"curves": [{"label": "yes", "x": [0, 1], "y": [0, 1]}]}}, "accuracy_table": {)");
        QVERIFY(parseRunCharts(both).curves.count(CurveKind::Roc) == 1);
        QCOMPARE(parseRunCharts(both).curves.at(CurveKind::Roc).size(), 1);
        QByteArray malformed = body;
        malformed.replace("[1, 0, 2, 1]]]", "[1, 0, 2]]]");
        QVERIFY(parseRunCharts(malformed).curves.empty());
    }

    void aFolderThatIsNotARunSaysWhy()
    {
        QTemporaryDir empty;
        QString error;
        QVERIFY(!loadRunFolder(empty.path(), &error));
        QVERIFY2(error.contains(QStringLiteral("leaderboard.json")), qPrintable(error));
        Session session;
        ModelsPage page(session);
        QVERIFY(!page.openRunFolder(empty.path()));
        QVERIFY(page.statusText().contains(QStringLiteral("leaderboard.json")));
    }

    void leaderboardMarksTheBestAndSortsByTheMetric()
    {
        Session session;
        ModelsPage page(session);
        QAbstractItemModelTester boardTester(page.leaderboard(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(page.leaderboardProxy(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(page.openRunFolder(m_runFolder));
        LeaderboardModel *board = page.leaderboard();
        QCOMPARE(board->rowCount(), int(m_result.trials.size()));
        QCOMPARE(board->bestRunId(), m_result.bestTrialId);
        QCOMPARE(session.bestRunId(), QString::number(m_result.bestTrialId));
        const int bestRow = board->rowOfRun(m_result.bestTrialId);
        QCOMPARE(board->index(bestRow, LeaderboardModel::Best).data().toString(), QStringLiteral("★"));
        // The view sorts by the primary metric, best first.
        QSortFilterProxyModel *proxy = page.leaderboardProxy();
        QCOMPARE(proxy->index(0, LeaderboardModel::Run).data().toInt(), m_result.bestTrialId);
        for (int row = 1; row < proxy->rowCount(); ++row)
            QVERIFY(proxy->index(row - 1, LeaderboardModel::PrimaryMetric).data(LeaderboardModel::SortRole).toDouble()
                    >= proxy->index(row, LeaderboardModel::PrimaryMetric).data(LeaderboardModel::SortRole).toDouble());
        // Every other metric has its own column.
        QVERIFY(board->otherMetrics().contains(QStringLiteral("accuracy")));
        QVERIFY(!board->otherMetrics().contains(QStringLiteral("AUC_weighted")));
        // Filtering by algorithm.
        const QString algorithm = board->index(bestRow, LeaderboardModel::Algorithm).data().toString();
        proxy->setFilterFixedString(algorithm);
        QVERIFY(proxy->rowCount() >= 1);
        for (int row = 0; row < proxy->rowCount(); ++row)
            QVERIFY(proxy->index(row, LeaderboardModel::Algorithm).data().toString().contains(algorithm));
        proxy->setFilterFixedString(QStringLiteral("no such algorithm"));
        QCOMPARE(proxy->rowCount(), 0);
    }

    void aLiveLeaderboardMovesTheBestMarkAsRowsArrive()
    {
        LeaderboardModel board;
        QAbstractItemModelTester tester(&board, QAbstractItemModelTester::FailureReportingMode::QtTest);
        board.clear(QStringLiteral("AUC_weighted"));
        QSignalSpy best(&board, &LeaderboardModel::bestRunChanged);
        // Rows in the engine's finishing order.
        std::vector<const automl::TrialResult *> order;
        for (const auto &trial : m_result.trials)
            order.push_back(&trial);
        std::sort(order.begin(), order.end(), [](auto *a, auto *b) { return a->finishedAt < b->finishedAt; });
        double bestScore = -1;
        for (const automl::TrialResult *trial : order) {
            auto run = std::make_shared<RunRecord>();
            run->id = trial->id;
            run->algorithm = QString::fromStdString(trial->algorithm);
            run->status = QStringLiteral("completed");
            run->score = trial->score;
            board.appendRun(run);
            bestScore = std::max(bestScore, trial->score);
            QCOMPARE(board.runById(board.bestRunId())->score, bestScore);
        }
        QVERIFY(best.size() >= 1);
        QCOMPARE(board.rowCount(), int(order.size()));
    }

    void metricsConfusionAndCurvesFollowTheSelection()
    {
        Session session;
        ModelsPage page(session);
        QAbstractItemModelTester metricsTester(page.metrics(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester confusionTester(page.confusion(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester curvesTester(page.curves(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester importanceTester(page.importance(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(page.openRunFolder(m_runFolder));
        const automl::TrialResult *best = m_result.bestTrial();

        // Metrics of the selected (best) run, primary metric first.
        QCOMPARE(page.metrics()->columnCount(), 1);
        QCOMPARE(page.metrics()->headerData(0, Qt::Vertical).toString(), QStringLiteral("AUC_weighted"));
        QCOMPARE(page.metrics()->index(0, 0).data(Qt::UserRole).toDouble(), best->validationMetrics.at("AUC_weighted"));

        // Confusion matrix: the counts are the validation rows (20 % of the 2,400 left after the 20 % test hold-out).
        ConfusionMatrixModel *confusion = page.confusion();
        QCOMPARE(confusion->rowCount(), 2);
        double total = 0;
        for (int r = 0; r < 2; ++r)
            for (int c = 0; c < 2; ++c)
                total += confusion->index(r, c).data(Qt::UserRole).toDouble();
        QCOMPARE(total, 480.0);
        confusion->setNormalized(true);
        QVERIFY(confusion->index(0, 0).data().toString().endsWith(QLatin1Char('%')));
        QCOMPARE(confusion->index(0, 0).data(ConfusionMatrixModel::ShareRole).toDouble()
                     + confusion->index(0, 1).data(ConfusionMatrixModel::ShareRole).toDouble(),
                 1.0);
        auto *view = page.findChild<QTableView *>(QStringLiteral("confusionView"));
        QVERIFY(view);
        QMetaObject::invokeMethod(view, "clicked", Q_ARG(QModelIndex, confusion->index(1, 0)));
        QVERIFY(page.findChild<QLabel *>(QStringLiteral("confusionNote"))->text().contains(QStringLiteral("per-row predictions")));

        // Two models overlaid: one ROC curve each for the positive class.
        QList<int> two;
        for (const auto &trial : m_result.trials)
            if (trial.status == automl::TrialStatus::Completed && two.size() < 2)
                two << trial.id;
        QCOMPARE(two.size(), 2);
        page.selectRuns(two);
        QCOMPARE(page.metrics()->columnCount(), 2);
        page.showCurve(CurveKind::Roc);
        QCOMPARE(page.curves()->curveCount(), 2);
        QCOMPARE(page.curveChart()->chart()->series().size(), 2);
        auto *series = qobject_cast<QXYSeries *>(page.curveChart()->chart()->series().at(0));
        QVERIFY(series);
        QCOMPARE(series->count(), page.curves()->pointCount(0));
        // ROC ends at (1, 1).
        QCOMPARE(series->at(series->count() - 1), QPointF(1, 1));
        page.showCurve(CurveKind::CumulativeGains);
        QCOMPARE(page.curves()->kind(), CurveKind::CumulativeGains);
        QCOMPARE(page.curveChart()->chart()->series().size(), 2);

        // Feature importance is there, and `duration` is among the columns that matter most.
        QVERIFY(page.importance()->rowCount() > 0);
        bool durationNearTop = false;
        for (int row = 0; row < std::min(3, page.importance()->rowCount()); ++row)
            durationNearTop |= page.importance()->index(row, 0).data().toString() == QLatin1String("duration");
        QVERIFY(durationNearTop);
    }

    void chartsExportAsPngAndMetricsAsCsv()
    {
        Session session;
        ModelsPage page(session);
        page.resize(1200, 700);
        QVERIFY(page.openRunFolder(m_runFolder));
        page.show();
        QApplication::processEvents();
        const QString png = m_dir.filePath(QStringLiteral("roc.png"));
        QVERIFY(page.exportCurvePng(png));
        QImage image(png);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() > 100 && image.height() > 100);
        const QString csv = m_dir.filePath(QStringLiteral("metrics.csv"));
        QVERIFY(page.exportMetricsCsv(csv));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + page.metrics()->rowCount());
        QVERIFY(lines.first().startsWith(QStringLiteral("metric,")));
        QVERIFY(lines.at(1).startsWith(QStringLiteral("AUC_weighted,")));
        QCOMPARE(lines.at(1).section(QLatin1Char(','), 1, 1).toDouble(), m_result.bestTrial()->score);
    }
};

QTEST_MAIN(ModelsPageTest)
#include "models_page_test.moc"
