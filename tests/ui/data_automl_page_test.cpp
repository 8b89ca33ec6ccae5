#include "core/automl/csv.h"
#include "ui/models/dataset_preview_model.h"
#include "ui/models/leaderboard_model.h"
#include "ui/models/profile_guardrail_model.h"
#include "ui/models/profile_model.h"
#include "ui/models/trial_runner.h"
#include "ui/pages/data_automl_page.h"
#include "ui/pages/data_automl_settings.h"
#include "ui/session.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTextStream>
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

constexpr int kSlow = 60'000; // ms; generous for sanitizer builds on a busy machine

} // namespace

class DataAutoMLPageTest final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

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

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void previewReadsTheBankFileLazily()
    {
        DatasetPreviewModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.load(sharedData(QStringLiteral("bankmarketing_train.csv")));
        QCOMPARE(model.state(), DatasetPreviewModel::State::Loading);
        QTRY_COMPARE_WITH_TIMEOUT(model.state(), DatasetPreviewModel::State::Ready, kSlow);
        QCOMPARE(model.totalRows(), 32950);
        QCOMPARE(model.columnCount(), 21);
        // Only the first block until the view asks for more.
        // (the model tester itself fetches a block or two, as a view would).
        const int shown = model.rowCount();
        QVERIFY(shown >= DatasetPreviewModel::kBlockRows && shown <= 3 * DatasetPreviewModel::kBlockRows);
        QCOMPARE(shown % DatasetPreviewModel::kBlockRows, 0);
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
        QCOMPARE(model.rowCount(), shown + DatasetPreviewModel::kBlockRows);
        QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), QStringLiteral("age"));
        QCOMPARE(model.headerData(20, Qt::Horizontal).toString(), QStringLiteral("y"));
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("57"));
        QCOMPARE(model.index(0, 1).data().toString(), QStringLiteral("technician"));
    }

    void aStaleLoadIsDroppedAndABadFileSaysWhere()
    {
        const QString bad = m_dir.filePath(QStringLiteral("ragged.csv"));
        QFile file(bad);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("a,b,c\n1,2,3\n4,5\n");
        file.close();
        DatasetPreviewModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.load(sharedData(QStringLiteral("bankmarketing_train.csv")));
        model.load(bad); // the first read finishes later or sooner; either way it must not show
        QTRY_COMPARE_WITH_TIMEOUT(model.state(), DatasetPreviewModel::State::Failed, kSlow);
        QVERIFY2(model.errorString().contains(QStringLiteral("line 3")), qPrintable(model.errorString()));
        QTest::qWait(200);
        QCOMPARE(model.state(), DatasetPreviewModel::State::Failed);
        QCOMPARE(model.rowCount(), 0);
    }

    void profileAndGuardrailsFlagDuration()
    {
        DatasetPreviewModel preview;
        preview.load(sharedData(QStringLiteral("bankmarketing_train.csv")));
        QTRY_COMPARE_WITH_TIMEOUT(preview.state(), DatasetPreviewModel::State::Ready, kSlow);
        ProfileModel profile;
        QAbstractItemModelTester profileTester(&profile, QAbstractItemModelTester::FailureReportingMode::QtTest);
        profile.setTable(preview.table());
        QVERIFY(profile.isBusy());
        QTRY_VERIFY_WITH_TIMEOUT(profile.profile() != nullptr, kSlow);
        QCOMPARE(profile.rowCount(), 21);
        QCOMPARE(profile.index(0, ProfileModel::Name).data().toString(), QStringLiteral("age"));
        QCOMPARE(profile.index(0, ProfileModel::Kind).data().toString(), QStringLiteral("Numeric"));
        QVERIFY(!profile.index(0, ProfileModel::Histogram).data(ProfileModel::HistogramRole).toList().isEmpty());
        QCOMPARE(profile.index(20, ProfileModel::Kind).data().toString(), QStringLiteral("Categorical"));
        QCOMPARE(profile.index(20, ProfileModel::Distinct).data().toInt(), 2);

        GuardrailModel guardrails;
        QAbstractItemModelTester guardrailTester(&guardrails, QAbstractItemModelTester::FailureReportingMode::QtTest);
        guardrails.compute(preview.table(), profile.profile(), 20);
        QTRY_VERIFY_WITH_TIMEOUT(guardrails.report() != nullptr, kSlow);
        const auto &leaks = guardrails.report()->leakageColumns;
        QVERIFY(std::find(leaks.begin(), leaks.end(), "duration") != leaks.end());
        bool shown = false;
        for (int row = 0; row < guardrails.rowCount(); ++row)
            shown |= guardrails.index(row, GuardrailModel::Status).data().toString() == QLatin1String("Alerted")
                     && guardrails.index(row, GuardrailModel::Columns).data().toString().contains(QStringLiteral("duration"));
        QVERIFY(shown);
        // Imbalance: Bank Marketing's "yes" is about 11 % of the rows; the guardrail says what was done.
        bool balancing = false;
        for (int row = 0; row < guardrails.rowCount(); ++row)
            balancing |= guardrails.index(row, GuardrailModel::Name).data().toString().contains(QStringLiteral("balanc"),
                                                                                                Qt::CaseInsensitive);
        QVERIFY(balancing);
    }

    void formValidationNamesTheField()
    {
        const QStringList columns{QStringLiteral("age"), QStringLiteral("y")};
        AutoMLForm form;
        QVERIFY(validateForm(form, columns).join(QLatin1Char(' ')).contains(QStringLiteral("Target column")));
        form.targetColumn = QStringLiteral("y");
        form.localSlots = 2;
        form.maxConcurrentTrials = 2;
        QVERIFY2(validateForm(form, columns).isEmpty(), qPrintable(validateForm(form, columns).join(QLatin1Char('\n'))));
        form.targetColumn = QStringLiteral("label");
        QVERIFY(validateForm(form, columns).join(QLatin1Char(' ')).contains(QStringLiteral("no column named \"label\"")));
        form.targetColumn = QStringLiteral("y");
        form.maxConcurrentTrials = 4;
        QVERIFY(validateForm(form, columns).join(QLatin1Char(' ')).contains(QStringLiteral("Max concurrent trials")));
        form.maxConcurrentTrials = 2;
        form.validation = automl::ValidationKind::KFold;
        form.folds = 1;
        QVERIFY(validateForm(form, columns).join(QLatin1Char(' ')).contains(QStringLiteral("folds")));
        form.folds = 5;
        form.primaryMetric = QStringLiteral("r2_score");
        QVERIFY(validateForm(form, columns).join(QLatin1Char(' ')).contains(QStringLiteral("Primary metric")));
        form.primaryMetric = QStringLiteral("accuracy");
        form.compute = ComputeKind::AzureCluster;
        form.minNodes = 5;
        form.maxNodes = 2;
        QVERIFY(validateForm(form, columns).join(QLatin1Char(' ')).contains(QStringLiteral("nodes")));
        QVERIFY(validateForm(form, {}).join(QLatin1Char(' ')).contains(QStringLiteral("choose a CSV")));

        const automl::AutoMLSettings settings = toEngineSettings(AutoMLForm{});
        QCOMPARE(settings.timeout, std::chrono::milliseconds(std::chrono::minutes(15)));
        QCOMPARE(settings.primaryMetric, std::string("AUC_weighted"));
    }

    void pageLoadsDataChoosesTheTargetAndExplainsEverySetting()
    {
        Session session;
        DataAutoMLPage page(session);
        auto *submit = page.findChild<QPushButton *>(QStringLiteral("submit"));
        QVERIFY(submit);
        QVERIFY(!submit->isEnabled());
        QVERIFY(page.problems().join(QLatin1Char(' ')).contains(QStringLiteral("choose a CSV")));
        for (const char *name : {"targetColumn", "taskType", "primaryMetric", "exitCriterion", "maxConcurrentTrials",
                                 "validationType", "folds", "validationPercent", "testPercent", "explainBestModel",
                                 "blockedModels", "compute", "localSlots", "vmSize", "minNodes", "maxNodes"}) {
            auto *field = page.findChild<QWidget *>(QLatin1String(name));
            QVERIFY2(field, name);
            QVERIFY2(field->toolTip().size() > 20, name);
        }
        page.openFile(sharedData(QStringLiteral("bankmarketing_train.csv")));
        QTRY_VERIFY_WITH_TIMEOUT(page.guardrails()->report() != nullptr, kSlow);
        QCOMPARE(page.findChild<QComboBox *>(QStringLiteral("targetColumn"))->currentText(), QStringLiteral("y"));
        QCOMPARE(session.dataFile(), sharedData(QStringLiteral("bankmarketing_train.csv")));
        QVERIFY(page.statusText().contains(QStringLiteral("duration")));
        auto *slots = page.findChild<QSpinBox *>(QStringLiteral("localSlots"));
        slots->setValue(2);
        QVERIFY2(page.problems().isEmpty(), qPrintable(page.problems().join(QLatin1Char('\n'))));
        QVERIFY(submit->isEnabled());
        // Azure compute is not pretended: it says why it cannot be used.
        auto *compute = page.findChild<QComboBox *>(QStringLiteral("compute"));
        compute->setCurrentIndex(1);
        QVERIFY(page.problems().join(QLatin1Char(' ')).contains(QStringLiteral("Azure")));
        QVERIFY(!submit->isEnabled());
    }

    void aLiveRunStreamsTrialsAndCancels()
    {
        const QString csv = bankHead(3000);
        QVERIFY(!csv.isEmpty());
        Session session;
        DataAutoMLPage page(session);
        page.setRunsDirectory(m_dir.filePath(QStringLiteral("runs")));
        QAbstractItemModelTester liveTester(page.liveLeaderboard(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester progressTester(page.progress(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        page.openFile(csv);
        QTRY_VERIFY_WITH_TIMEOUT(page.profile()->profile() != nullptr, kSlow);
        page.findChild<QSpinBox *>(QStringLiteral("localSlots"))->setValue(2);
        page.findChild<QSpinBox *>(QStringLiteral("exitCriterion"))->setValue(1);
        QSignalSpy ready(&page, &DataAutoMLPage::runFolderReady);
        QVERIFY2(page.submit(), qPrintable(page.statusText()));
        QVERIFY(page.isRunning());
        QVERIFY(!session.jobName().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(page.liveLeaderboard()->rowCount() >= 2, kSlow);
        QCOMPARE(page.progress()->rowCount(), page.liveLeaderboard()->rowCount());
        QVERIFY(page.liveLeaderboard()->bestRunId() >= 0);
        page.cancelRun();
        QTRY_VERIFY_WITH_TIMEOUT(!page.isRunning(), kSlow);
        QCOMPARE(ready.size(), 1);
        const QString folder = ready.first().first().toString();
        QVERIFY(QFile::exists(QDir(folder).filePath(QStringLiteral("leaderboard.json"))));
        QVERIFY(page.statusText().contains(QDir::toNativeSeparators(folder)));
    }
};

QTEST_MAIN(DataAutoMLPageTest)
#include "data_automl_page_test.moc"
