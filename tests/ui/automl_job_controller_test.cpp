// The Data & AutoML step's job controller against a real local workspace service (started in
// process by LocalWorkspace, reached over loopback through the Azure client): a job on a
// slice of Bank Marketing streams its child runs and finishes with their charts; a cancel
// ends as Canceled; a request the service refuses reports its code, message and request id.

#include "ui/local_workspace.h"
#include "ui/models/automl_job_controller.h"
#include "ui/pages/data_automl_settings.h"
#include "ui/session.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

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

constexpr int kConnectMs = 60'000;
constexpr int kJobMs = 180'000; // one minute of search at most, then refit and artifacts (sanitizers are slower)
constexpr std::chrono::milliseconds kPoll{250};

using Stage = AutoMLJobController::Stage;

} // namespace

class AutoMLJobControllerTest final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    Session m_session;
    std::unique_ptr<LocalWorkspace> m_workspace;
    QString m_csv;

    // The first `rows` data rows of the bank training file, as a CSV of their own.
    QString bankHead(int rows)
    {
        QFile in(sharedData(QStringLiteral("bankmarketing_train.csv")));
        if (!in.open(QIODevice::ReadOnly))
            return {};
        const QString path = m_dir.filePath(QStringLiteral("bank-%1.csv").arg(rows));
        QFile out(path);
        if (!out.open(QIODevice::WriteOnly))
            return {};
        for (int line = 0; line <= rows && !in.atEnd(); ++line)
            out.write(in.readLine());
        return path;
    }

    AutoMLForm quickForm() const
    {
        AutoMLForm form;
        form.targetColumn = QStringLiteral("y");
        form.primaryMetric = QStringLiteral("AUC_weighted");
        form.exitCriterion = std::chrono::minutes(1);
        form.maxTrials = 3;
        form.maxConcurrentTrials = 2;
        form.localSlots = 2;
        form.explainBestModel = true;
        return form;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_csv = bankHead(1500);
        QVERIFY(!m_csv.isEmpty());
        LocalWorkspaceOptions options;
        options.root = m_dir.filePath(QStringLiteral("service"));
        options.serverThreads = 2;
        m_workspace = std::make_unique<LocalWorkspace>(m_session, options);
        m_workspace->open();
        QTRY_VERIFY2_WITH_TIMEOUT(m_session.connection() == Session::Connection::Local,
                                  qPrintable(m_workspace->statusText()), kConnectMs);
    }

    void cleanupTestCase()
    {
        m_workspace.reset();
    }

    void theFormMapsOntoTheJobBodyAndSaysWhatItCannotCarry()
    {
        AutoMLForm form = quickForm();
        form.validation = automl::ValidationKind::KFold;
        form.folds = 4;
        form.blockedModels = {QStringLiteral("LogisticRegression")};
        AutoMLJobPlan plan = planJob(form, false);
        QVERIFY2(plan.problems.isEmpty(), qPrintable(plan.problems.join(QLatin1Char(' '))));
        QCOMPARE(plan.primaryMetric, QStringLiteral("AUCWeighted"));
        QCOMPARE(plan.timeout, QStringLiteral("PT1M"));
        QCOMPARE(plan.trialTimeout, QStringLiteral("PT1M"));
        QCOMPARE(plan.maxTrials, 3);
        QCOMPARE(plan.crossValidations, 4);
        QCOMPARE(plan.blockedModels, form.blockedModels);
        QCOMPARE(plan.validationDataSize, 0.0);
        QCOMPARE(plan.testDataSize, 0.0);
        QVERIFY(plan.notInJobBody.isEmpty());

        // A split and test data go into the body, with nothing left out.
        form.validation = automl::ValidationKind::Split;
        form.validationShare = 0.15;
        form.testShare = 0.2;
        plan = planJob(form, false);
        QCOMPARE(plan.crossValidations, 0);
        QCOMPARE(plan.validationDataSize, 0.15);
        QCOMPARE(plan.testDataSize, 0.2);
        QVERIFY(plan.notInJobBody.isEmpty());

        // A metric the REST enum cannot name, and local slots on Azure, stop the job.
        form.primaryMetric = QStringLiteral("f1_score_macro");
        plan = planJob(form, true);
        QCOMPARE(plan.problems.size(), 2);
        form.compute = ComputeKind::AzureCluster;
        form.clusterName = QStringLiteral("9bad");
        form.primaryMetric = QStringLiteral("accuracy");
        plan = planJob(form, true);
        QCOMPARE(plan.primaryMetric, QStringLiteral("Accuracy"));
        QCOMPARE(plan.problems.size(), 1);
        QVERIFY(plan.problems.first().contains(QStringLiteral("cluster name")));
    }

    void aJobStreamsItsChildRunsAndFinishesWithTheirCharts()
    {
        AutoMLJobOptions options;
        options.pollInterval = kPoll;
        options.uploadBlockSize = 32 * 1024; // the slice goes up in several blocks
        AutoMLJobController controller(m_session, options);
        QSignalSpy stages(&controller, &AutoMLJobController::stageChanged);
        QSignalSpy upload(&controller, &AutoMLJobController::uploadProgress);
        QSignalSpy trials(&controller, &AutoMLJobController::trialFinished);
        QSignalSpy finished(&controller, &AutoMLJobController::finished);
        // A train-validation split and test data, which the job body carries.
        AutoMLForm form = quickForm();
        form.validation = automl::ValidationKind::Split;
        form.validationShare = 0.2;
        form.testShare = 0.1;
        QString error;
        QVERIFY2(controller.submit(m_csv, form, &error), qPrintable(error));
        QVERIFY(controller.isActive());
        QString why;
        QVERIFY2(!controller.submit(m_csv, quickForm(), &why), "a second submit while one runs");
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 1, kJobMs);
        const auto outcome = finished.first().at(0).value<Stage>();
        QVERIFY2(outcome == Stage::Finished, qPrintable(controller.error().toString()));
        QCOMPARE(controller.jobStatus(), QStringLiteral("Completed"));

        // Every stage of the submission was reported, in order.
        QList<Stage> seen;
        for (const QList<QVariant> &args : stages)
            if (seen.isEmpty() || seen.last() != args.at(0).value<Stage>())
                seen << args.at(0).value<Stage>();
        const QList<Stage> expected{Stage::Reading,  Stage::Uploading, Stage::RegisteringData, Stage::PreparingCompute,
                                    Stage::Submitting, Stage::Running, Stage::Collecting,     Stage::Finished};
        for (Stage stage : expected)
            QVERIFY2(seen.contains(stage), qPrintable(QString::number(int(stage))));
        QVERIFY(seen.indexOf(Stage::Uploading) < seen.indexOf(Stage::Submitting));
        QVERIFY(seen.indexOf(Stage::Running) < seen.indexOf(Stage::Collecting));

        // The upload reported its progress block by block, up to 100 % once committed.
        const qint64 blocks = (QFileInfo(m_csv).size() + options.uploadBlockSize - 1) / options.uploadBlockSize;
        QVERIFY(blocks >= 3);
        QCOMPARE(upload.size(), int(blocks) + 2); // 0 %, one per block, 100 %
        int percent = -1;
        for (const QList<QVariant> &args : upload) {
            QVERIFY(args.at(0).toInt() > percent);
            percent = args.at(0).toInt();
        }
        QCOMPARE(percent, 100);

        // The session names the uploaded data asset and the job.
        QVERIFY2(m_session.dataAsset().startsWith(QStringLiteral("azureml:bank-1500:")), qPrintable(m_session.dataAsset()));
        QCOMPARE(m_session.dataFile(), m_csv);
        QCOMPARE(m_session.jobName(), controller.jobName());
        QCOMPARE(m_session.computeName(), options.localClusterName); // what the Pipelines step offers

        // Rows arrived one by one, each with its metrics; the best score never falls.
        QVERIFY(trials.size() >= 2);
        double best = -1;
        for (const QList<QVariant> &args : trials) {
            const RunPtr run = args.at(0).value<RunPtr>();
            QVERIFY(run);
            QVERIFY(!run->algorithm.isEmpty());
            if (run->status == QLatin1String("completed")) {
                QVERIFY(run->validationMetrics.count(QStringLiteral("AUC_weighted")) == 1);
                QVERIFY(run->durationSeconds > 0);
            }
            const double bestSoFar = args.at(1).toDouble();
            QVERIFY(bestSoFar >= best);
            best = bestSoFar;
        }
        QVERIFY(best > 0.7);

        // The result has every row with its charts and the explanation, the best run first.
        const auto result = finished.first().at(1).value<std::shared_ptr<const RunFolder>>();
        QVERIFY(result);
        QCOMPARE(result->jobName, controller.jobName());
        QCOMPARE(int(result->runs.size()), trials.size());
        QCOMPARE(result->chartDownloadFailures, 0);
        QCOMPARE(result->primaryMetric, QStringLiteral("AUC_weighted"));
        QCOMPARE(result->runs.front().id, result->bestRunId);
        const RunRecord &top = result->runs.front();
        QCOMPARE(top.validationCharts.classLabels.size(), 2);
        QCOMPARE(top.validationCharts.confusion.size(), 2);
        double total = 0;
        for (const auto &row : top.validationCharts.confusion)
            for (double count : row)
                total += count;
        QVERIFY(total > 0);
        for (CurveKind kind : {CurveKind::Roc, CurveKind::PrecisionRecall, CurveKind::Calibration, CurveKind::Lift,
                               CurveKind::CumulativeGains})
            QVERIFY2(top.validationCharts.curves.count(kind) == 1 && !top.validationCharts.curves.at(kind).isEmpty(),
                     qPrintable(curveKindTitle(kind)));
        QVERIFY(!result->importance.empty());
        QCOMPARE(result->classLabels.size(), 2);

        // The job held out 10 % as test data: each completed model's test figures and charts
        // arrive apart from its validation ones, on about 150 of the 1,500 rows.
        for (const RunRecord &run : result->runs) {
            if (run.status != QLatin1String("completed"))
                continue;
            QVERIFY2(run.testMetrics.count(QStringLiteral("AUC_weighted")) == 1, qPrintable(run.algorithm));
            QVERIFY(run.testMetrics.at(QStringLiteral("AUC_weighted")) > 0.5);
            double testRows = 0, validationRows = 0;
            for (const auto &row : run.testCharts.confusion)
                for (double count : row)
                    testRows += count;
            for (const auto &row : run.validationCharts.confusion)
                for (double count : row)
                    validationRows += count;
            QVERIFY2(testRows >= 120 && testRows <= 180, qPrintable(QString::number(testRows)));
            QVERIFY2(validationRows != testRows, "validation and test charts are different rows");
            QVERIFY(run.testCharts.curves.count(CurveKind::Roc) == 1);
        }
    }

    void aCanceledJobEndsAsCanceled()
    {
        AutoMLJobController controller(m_session);
        controller.setPollInterval(kPoll);
        QSignalSpy finished(&controller, &AutoMLJobController::finished);
        AutoMLForm form = quickForm();
        form.exitCriterion = std::chrono::minutes(10);
        form.maxTrials = 1000;
        QString error;
        QVERIFY2(controller.submit(m_csv, form, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(controller.jobStatus() == QLatin1String("Running"), kJobMs);
        controller.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 1, kJobMs);
        QCOMPARE(finished.first().at(0).value<Stage>(), Stage::Canceled);
        QCOMPARE(controller.jobStatus(), QStringLiteral("Canceled"));
        QVERIFY(!controller.isActive());
        QVERIFY(controller.elapsed() < std::chrono::minutes(5));
    }

    void aRefusedRequestShowsItsCodeMessageAndRequestId()
    {
        AutoMLJobController controller(m_session);
        controller.setPollInterval(kPoll);
        QSignalSpy finished(&controller, &AutoMLJobController::finished);
        AutoMLForm form = quickForm();
        form.targetColumn = QStringLiteral("no_such_column");
        QString error;
        QVERIFY2(controller.submit(m_csv, form, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 1, kJobMs);
        QCOMPARE(finished.first().at(0).value<Stage>(), Stage::Failed);
        QVERIFY(!finished.first().at(1).value<std::shared_ptr<const RunFolder>>());
        const azure::AzureError &failure = controller.error();
        QCOMPARE(failure.httpStatus, 400);
        QCOMPARE(failure.code, QStringLiteral("UserError"));
        QVERIFY2(failure.message.contains(QStringLiteral("no_such_column")), qPrintable(failure.message));
        QVERIFY(!failure.requestId.isEmpty());
        QVERIFY(controller.jobName().isEmpty());
    }

    void withoutAWorkspaceNothingIsSubmitted()
    {
        Session disconnected;
        AutoMLJobController controller(disconnected);
        QString error;
        QVERIFY(!controller.submit(m_csv, quickForm(), &error));
        QVERIFY(error.contains(QStringLiteral("Workspace")));
        QCOMPARE(controller.stage(), Stage::Idle);
    }
};

QTEST_MAIN(AutoMLJobControllerTest)
#include "automl_job_controller_test.moc"
