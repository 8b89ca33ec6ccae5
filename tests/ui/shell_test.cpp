#include "ui/about_dialog.h"
#include "ui/app_settings.h"
#include "ui/main_window.h"
#include "ui/screenshot_tour.h"
#include "ui/settings_dialog.h"
#include "ui/theme.h"

#include <QApplication>
#include <QComboBox>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace cerulean::ui;

class ShellTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("CeruleanTest"));
        QApplication::setApplicationName(QStringLiteral("cerulean-shell-test"));
    }

    void everyStepIsListedInOrder()
    {
        MainWindow window;
        window.show();
        auto *navigation = window.findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(navigation);
        const QStringList expected{QStringLiteral("Workspace"), QStringLiteral("Data & AutoML"),
                                   QStringLiteral("Models"),    QStringLiteral("Deploy"),
                                   QStringLiteral("Logs"),      QStringLiteral("Swagger"),
                                   QStringLiteral("Consume"),   QStringLiteral("Benchmark"),
                                   QStringLiteral("Pipelines")};
        QCOMPARE(navigation->count(), expected.size());
        for (int row = 0; row < expected.size(); ++row)
            QCOMPARE(navigation->item(row)->text(), QStringLiteral("%1  %2").arg(row + 1).arg(expected.at(row)));
    }

    void pendingStepsAreNotReachableAndShowNoData()
    {
        MainWindow window;
        for (Step step : allSteps) {
            QVERIFY(!window.isReachable(step));
            QVERIFY(window.page(step)->findChild<QLabel *>(QStringLiteral("pendingNote")));
        }
        auto *navigation = window.findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(!(navigation->item(0)->flags() & Qt::ItemIsEnabled));
        QVERIFY(!navigation->item(0)->toolTip().isEmpty());
    }

    void aFilledStepBecomesReachable()
    {
        MainWindow window;
        auto *page = new QLabel(QStringLiteral("deploy page"));
        window.setPage(Step::Deploy, page);
        QVERIFY(window.isReachable(Step::Deploy));
        QVERIFY(!window.isReachable(Step::Logs));
        QCOMPARE(window.page(Step::Deploy), page);
        window.showStep(Step::Deploy);
        QCOMPARE(window.currentStep(), Step::Deploy);
        auto *navigation = window.findChild<QListWidget *>(QStringLiteral("navigation"));
        QCOMPARE(navigation->currentRow(), 3);
    }

    void connectionTextShowsInStatusBar()
    {
        MainWindow window;
        QCOMPARE(window.connectionText(), QStringLiteral("Not connected"));
        window.setConnectionText(QStringLiteral("Local workspace"));
        auto *label = window.findChild<QLabel *>(QStringLiteral("connectionStatus"));
        QVERIFY(label);
        QCOMPARE(label->text(), QStringLiteral("Local workspace"));
    }

    void settingsRoundTripAndClampHandEditedValues()
    {
        QTemporaryDir dir;
        QSettings store(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        AppSettings settings;
        settings.appearance = Appearance::Dark;
        settings.localWorkspaceRoot = QStringLiteral("/tmp/somewhere");
        settings.openLocalAtStartup = false;
        settings.defaultExitCriterion = std::chrono::minutes(30);
        settings.defaultMaxConcurrentTrials = 4;
        settings.requestTimeout = std::chrono::seconds(90);
        settings.save(store);

        const AppSettings loaded = AppSettings::load(store);
        QCOMPARE(loaded.appearance, Appearance::Dark);
        QCOMPARE(loaded.localWorkspaceRoot, QStringLiteral("/tmp/somewhere"));
        QCOMPARE(loaded.openLocalAtStartup, false);
        QCOMPARE(loaded.defaultExitCriterion.count(), 30);
        QCOMPARE(loaded.defaultMaxConcurrentTrials, 4);
        QCOMPARE(loaded.requestTimeout.count(), 90);

        store.setValue(QStringLiteral("automl/maxConcurrentTrials"), -3);
        store.setValue(QStringLiteral("network/requestTimeoutSeconds"), 100000);
        store.setValue(QStringLiteral("appearance"), QStringLiteral("purple"));
        const AppSettings clamped = AppSettings::load(store);
        QCOMPARE(clamped.defaultMaxConcurrentTrials, 1);
        QCOMPARE(clamped.requestTimeout.count(), 600);
        QCOMPARE(clamped.appearance, Appearance::System);
    }

    void settingsDialogReturnsWhatWasEdited()
    {
        AppSettings settings;
        SettingsDialog dialog(settings);
        auto *appearance = dialog.findChild<QComboBox *>();
        QVERIFY(appearance);
        appearance->setCurrentIndex(appearance->findData(int(Appearance::Dark)));
        QCOMPARE(dialog.settings().appearance, Appearance::Dark);
        QCOMPARE(dialog.settings().defaultMaxConcurrentTrials, settings.defaultMaxConcurrentTrials);
    }

    void aboutDialogNamesTheLibraryVersions()
    {
        const QString report = AboutDialog::versionReport();
        QVERIFY(report.contains(QStringLiteral("Cerulean " CERULEAN_VERSION)));
        QVERIFY(report.contains(QStringLiteral("Qt ") + QString::fromLatin1(qVersion())));
        QVERIFY(report.contains(QStringLiteral("XGBoost ")));
        QVERIFY(report.contains(QStringLiteral("Boost ")));
    }

    // Statuses read the same in every table and the run graph, and every status colour
    // reads on the light and the dark palette (WCAG AA, 4.5) against Base and Window.
    void statusColoursReadOnBothPalettes()
    {
        QCOMPARE(statusTone(QStringLiteral("Completed (reused)")), StatusTone::Done);
        QCOMPARE(statusTone(QStringLiteral("enabled")), StatusTone::Done);
        QCOMPARE(statusTone(QStringLiteral("NotResponding")), StatusTone::Failed);
        QCOMPARE(statusTone(QStringLiteral("Queued")), StatusTone::Active);
        QCOMPARE(statusTone(QStringLiteral("Canceled")), StatusTone::Inactive);
        QCOMPARE(statusTone(QString()), StatusTone::Inactive);
        const QPalette before = QApplication::palette();
        auto *app = qobject_cast<QApplication *>(QCoreApplication::instance());
        for (Appearance appearance : {Appearance::Light, Appearance::Dark}) {
            applyAppearance(*app, appearance);
            const QPalette palette = QApplication::palette();
            QSet<QRgb> distinct;
            for (StatusTone tone : {StatusTone::Done, StatusTone::Failed, StatusTone::Active, StatusTone::Inactive}) {
                const QColor colour = statusTextColor(tone, palette);
                distinct.insert(colour.rgb());
                for (QPalette::ColorRole role : {QPalette::Base, QPalette::Window}) {
                    const double ratio = contrastRatio(colour, palette.color(role));
                    QVERIFY2(ratio >= 4.5, qPrintable(QStringLiteral("%1 on %2: %3")
                                                          .arg(colour.name(), palette.color(role).name())
                                                          .arg(ratio)));
                }
            }
            QCOMPARE(distinct.size(), 4); // four tones, four colours
        }
        QApplication::setPalette(before);
    }

    void screenshotTourWritesOnePngPerPage()
    {
        QTemporaryDir dir;
        MainWindow window;
        ScreenshotTour tour(window);
        const QStringList files = tour.run(dir.path());
        QVERIFY2(!files.isEmpty(), qPrintable(tour.errorString()));
        QCOMPARE(files.size(), int(allSteps.size()) + 2);
        QCOMPARE(window.size(), QSize(1366, 768)); // the smallest screen the issue asks for
        for (Step step : allSteps) {
            const QString path = dir.filePath(stepInfo(step).slug + QStringLiteral(".png"));
            QVERIFY2(files.contains(path), qPrintable(path));
            const QImage image(path);
            QVERIFY2(!image.isNull(), qPrintable(path));
            QCOMPARE(image.size(), window.size());
        }
    }

    void screenshotTourReportsAFolderItCannotCreate()
    {
        QTemporaryDir dir;
        QFile blocker(dir.filePath(QStringLiteral("file")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        MainWindow window;
        ScreenshotTour tour(window);
        QVERIFY(tour.run(dir.filePath(QStringLiteral("file/sub"))).isEmpty());
        QVERIFY(tour.errorString().contains(QStringLiteral("Could not create")));
    }
};

QTEST_MAIN(ShellTest)
#include "shell_test.moc"
