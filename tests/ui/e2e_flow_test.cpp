// The whole local flow through the real window, as a user clicks it: open the local workspace,
// choose Bank Marketing in the file dialog, pick the target and a short exit criterion, train,
// select the best model and register it, deploy it with Application Insights, read its logs,
// fill the Consume form and send it, benchmark the endpoint, open Pipelines. A GUI stall probe
// runs over the whole flow; the GUI thread must never be busy longer than the budget.

#include "gui_stall_probe.h"

#include "core/bench/load_generator.h"
#include "ui/main_window.h"
#include "ui/models/bench_runs_model.h"
#include "ui/models/log_controller.h"
#include "ui/models/log_model.h"
#include "ui/models/leaderboard_model.h"
#include "ui/models/reply_model.h"
#include "ui/models/schema_input_model.h"
#include "ui/pages/benchmark_page.h"
#include "ui/pages/consume_page.h"
#include "ui/pages/logs_page.h"
#include "ui/pages/models_page.h"
#include "ui/pages/pages.h"
#include "ui/pages/workspace_page.h"
#include "ui/session.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QCommandLinkButton>
#include <QDir>
#include <QFileDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QWizard>
#include <QtTest>

#include <chrono>
#include <cstdio>
#include <functional>

using namespace cerulean;
using namespace cerulean::ui;
using namespace std::chrono_literals;

namespace {

// Generous bounds for what the service and the engine do; a user would wait as long.
constexpr int kConnectMs = 60'000;
constexpr int kDataMs = 60'000;
constexpr int kTrainMs = 240'000; // one minute of search, then refit and run output (slower under sanitizers)
constexpr int kDeployMs = 90'000;
constexpr int kReplyMs = 20'000;
constexpr int kBenchMs = 90'000;
constexpr int kTelemetryMs = 30'000;
constexpr int kBenchRequests = 200;
constexpr int kBenchConcurrency = 2;
constexpr int kUserPause = 100; // ms a person takes at least to look at the screen and move to the next control

QString sharedFile(const QString &relative)
{
    const QString env = qEnvironmentVariable("CERULEAN_SHARED_DIR");
    const QString dir = env.isEmpty() ? QStringLiteral(CERULEAN_SOURCE_DIR "/../shared") : env;
    return QDir(dir).filePath(relative);
}

// Runs `act` on the first modal dialog that opens (a static QFileDialog runs its own loop).
void whenModalOpens(const std::function<void(QWidget *)> &act)
{
    auto *poll = new QTimer(qApp);
    poll->setInterval(10);
    QObject::connect(poll, &QTimer::timeout, poll, [poll, act]() {
        if (QWidget *modal = QApplication::activeModalWidget()) {
            poll->stop();
            poll->deleteLater();
            act(modal);
        }
    });
    poll->start();
}

// Replaces a spin box's value by typing, as a user does (select all, type, Enter).
void typeInto(QAbstractSpinBox *spin, const QString &text)
{
    spin->setFocus();
    QTest::keyClick(spin, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(spin, text);
    QTest::keyClick(spin, Qt::Key_Return);
}

} // namespace

class E2eFlowTest final : public QObject
{
    Q_OBJECT

private:
    test::GuiStallProbe m_probe;
    std::chrono::milliseconds m_worstBusy{0};
    std::chrono::milliseconds m_worstGap{0};
    QString m_worstStage;
    QString m_stage;

    // Closes the probe's window for the stage that ends and opens one for the next, so that
    // the longest stall can be named by where it happened.
    void stage(const QString &name)
    {
        // A person looks at the screen before the next step: the event loop turns (paints
        // what the last action changed) before the next action, which the test would
        // otherwise pile into the same turn as no hand can.
        QTest::qWait(kUserPause);
        if (!m_stage.isEmpty()) {
            m_probe.stop();
            std::printf("  %-28s longest GUI-thread busy %3lld ms, longest wall gap %4lld ms\n", qPrintable(m_stage),
                        static_cast<long long>(m_probe.maxBusy().count()), static_cast<long long>(m_probe.maxGap().count()));
            if (m_probe.maxBusy() > m_worstBusy) {
                m_worstBusy = m_probe.maxBusy();
                m_worstStage = m_stage;
            }
            m_worstGap = std::max(m_worstGap, m_probe.maxGap());
        }
        m_stage = name;
        if (!name.isEmpty())
            m_probe.start();
    }

    static void clickStep(MainWindow &window, Step step)
    {
        auto *navigation = window.findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(navigation);
        const int row = int(std::find(allSteps.begin(), allSteps.end(), step) - allSteps.begin());
        QListWidgetItem *item = navigation->item(row);
        QVERIFY(item);
        QVERIFY2(item->flags() & Qt::ItemIsEnabled, qPrintable(item->text()));
        QTest::mouseClick(navigation->viewport(), Qt::LeftButton, {}, navigation->visualItemRect(item).center());
        QTRY_VERIFY(window.currentStep() == step);
    }

    template <class T>
    static T *child(QWidget *page, const char *name)
    {
        T *widget = page->findChild<T *>(QLatin1String(name));
        if (!widget)
            qWarning("no %s named %s", T::staticMetaObject.className(), name);
        return widget;
    }

private Q_SLOTS:
    void localFlowThroughTheWindow()
    {
        const QString train = sharedFile(QStringLiteral("data/bankmarketing_train.csv"));
        QVERIFY2(QFileInfo::exists(train), qPrintable(train));

        Session session;
        MainWindow window;
        installPages(window, session);
        window.resize(1366, 768);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QApplication::setActiveWindow(&window);
        std::printf("GUI thread stalls by stage (budget %lld ms):\n", static_cast<long long>(test::GuiStallProbe::kBudget.count()));

        // 1. Workspace: the one click, then Finish on the summary.
        stage(QStringLiteral("workspace"));
        QWidget *workspacePage = window.page(Step::Workspace);
        QCOMPARE(window.currentStep(), Step::Workspace);
        auto *wizard = qobject_cast<WorkspacePage *>(workspacePage)->wizard();
        auto *localButton = child<QCommandLinkButton>(workspacePage, "localButton");
        QVERIFY(localButton);
        QTest::mouseClick(localButton, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(session.connection() == Session::Connection::Local, kConnectMs);
        QTRY_COMPARE(wizard->currentId(), int(WorkspacePage::DonePageId));
        QTest::mouseClick(wizard->button(QWizard::FinishButton), Qt::LeftButton);
        QTRY_COMPARE(window.currentStep(), Step::DataAutoML);
        QVERIFY(window.connectionText().contains(QStringLiteral("Local")));

        // 2. Data & AutoML: the CSV from the file dialog, target y, a one-minute exit criterion.
        stage(QStringLiteral("data & automl: load"));
        QWidget *dataPage = window.page(Step::DataAutoML);
        whenModalOpens([train](QWidget *modal) {
            // The file picked in the dialog (typing a path would open the completer's popup).
            if (auto *dialog = qobject_cast<QFileDialog *>(modal)) {
                dialog->selectFile(train);
                static_cast<QDialog *>(dialog)->accept(); // Open
            } else {
                modal->close();
            }
        });
        QTest::mouseClick(child<QPushButton>(dataPage, "chooseCsv"), Qt::LeftButton);
        auto *target = child<QComboBox>(dataPage, "targetColumn");
        QVERIFY(target);
        QTRY_VERIFY_WITH_TIMEOUT(target->count() > 0, kDataMs);
        auto *guardrails = dataPage->findChild<QTableView *>(QStringLiteral("guardrailView"));
        QTRY_VERIFY_WITH_TIMEOUT(guardrails->model()->rowCount() > 0, kDataMs);
        target->setFocus();
        QTest::keyClicks(target, QStringLiteral("y"));
        QCOMPARE(target->currentText(), QStringLiteral("y"));
        typeInto(child<QSpinBox>(dataPage, "exitCriterion"), QStringLiteral("1"));
        QCOMPARE(child<QSpinBox>(dataPage, "exitCriterion")->value(), 1);
        // Eight trials end the search before the minute does: enough for a leaderboard and
        // an ensemble, and the suite's two cores go to the other tests sooner.
        typeInto(child<QSpinBox>(dataPage, "maxTrials"), QStringLiteral("8"));
        QCOMPARE(child<QSpinBox>(dataPage, "maxTrials")->value(), 8);
        typeInto(child<QSpinBox>(dataPage, "maxConcurrentTrials"), QStringLiteral("2"));
        auto *explain = child<QCheckBox>(dataPage, "explainBestModel");
        if (explain->isChecked())
            QTest::mouseClick(explain, Qt::LeftButton, {}, QPoint(8, explain->height() / 2));
        QVERIFY(!explain->isChecked());
        auto *submit = child<QPushButton>(dataPage, "submit");
        QVERIFY2(submit->isEnabled(), qPrintable(child<QLabel>(dataPage, "formProblems")->text()));

        stage(QStringLiteral("data & automl: training"));
        QTest::mouseClick(submit, Qt::LeftButton);
        auto *modelsPage = qobject_cast<ModelsPage *>(window.page(Step::Models));
        QVERIFY(modelsPage);
        QSignalSpy opened(modelsPage, &ModelsPage::runFolderOpened);
        auto *live = dataPage->findChild<QTableView *>(QStringLiteral("liveLeaderboard"));
        QTRY_VERIFY_WITH_TIMEOUT(live->model()->rowCount() > 0, kTrainMs); // rows arrive while training
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() == 1, kTrainMs);

        // 3. Models: the best model is on top of the leaderboard; select it and register it.
        stage(QStringLiteral("models"));
        clickStep(window, Step::Models);
        auto *board = child<QTableView>(modelsPage, "leaderboardView");
        QVERIFY(board->model()->rowCount() >= 2);
        QTest::mouseClick(board->viewport(), Qt::LeftButton, {}, board->visualRect(board->model()->index(0, 1)).center());
        const QModelIndexList selected = board->selectionModel()->selectedRows();
        QCOMPARE(selected.size(), 1);
        const QModelIndex source = modelsPage->leaderboardProxy()->mapToSource(selected.first());
        QCOMPARE(modelsPage->leaderboard()->run(source.row())->id, modelsPage->leaderboard()->bestRunId());
        auto *registerButton = child<QPushButton>(modelsPage, "registerModel");
        QVERIFY2(registerButton->isEnabled(), qPrintable(registerButton->toolTip()));
        QTest::mouseClick(registerButton, Qt::LeftButton);
        QTRY_VERIFY2_WITH_TIMEOUT(!session.modelId().isEmpty(), qPrintable(modelsPage->statusText()), kReplyMs);
        QTRY_COMPARE(window.currentStep(), Step::Deploy);

        // 4. Deploy with Application Insights; the keys stay hidden.
        stage(QStringLiteral("deploy"));
        QWidget *deployPage = window.page(Step::Deploy);
        auto *model = child<QComboBox>(deployPage, "model");
        QTRY_COMPARE(model->currentText(), session.modelId());
        auto *endpointName = child<QLineEdit>(deployPage, "endpointName");
        endpointName->setFocus();
        QTest::keyClicks(endpointName, QStringLiteral("bank-e2e"));
        auto *insights = child<QCheckBox>(deployPage, "appInsights");
        if (!insights->isChecked())
            QTest::mouseClick(insights, Qt::LeftButton, {}, QPoint(8, insights->height() / 2));
        QVERIFY(insights->isChecked());
        auto *deploy = child<QPushButton>(deployPage, "deploy");
        QVERIFY2(deploy->isEnabled(), qPrintable(deploy->toolTip()));
        QTest::mouseClick(deploy, Qt::LeftButton);
        QTRY_VERIFY2_WITH_TIMEOUT(session.deployment().isValid(), qPrintable(child<QLabel>(deployPage, "deployError")->text()),
                                  kDeployMs);
        QCOMPARE(session.deployment().endpointName, QStringLiteral("bank-e2e"));
        for (const char *name : {"primaryKey", "secondaryKey"}) {
            auto *key = child<QLineEdit>(deployPage, name);
            QVERIFY(key);
            QTRY_VERIFY(!key->text().isEmpty());
            QCOMPARE(key->echoMode(), QLineEdit::Password);
        }

        // 5. Logs: the container's log of the new deployment.
        stage(QStringLiteral("logs"));
        clickStep(window, Step::Logs);
        auto *logsPage = qobject_cast<LogsPage *>(window.page(Step::Logs));
        LogModel *logs = logsPage->controller()->logs();
        QTRY_VERIFY_WITH_TIMEOUT(logs->count(LogSource::Container) > 0, kTelemetryMs);

        // 6. Consume: load the schema, change the age in the prefilled form, send.
        stage(QStringLiteral("consume"));
        clickStep(window, Step::Consume);
        auto *consumePage = qobject_cast<ConsumePage *>(window.page(Step::Consume));
        QTRY_VERIFY(!child<QLineEdit>(consumePage, "endpointKey")->text().isEmpty()); // from the keychain
        QTest::mouseClick(child<QPushButton>(consumePage, "loadSchema"), Qt::LeftButton);
        ScoringInputModel *input = consumePage->inputModel();
        QTRY_VERIFY_WITH_TIMEOUT(input->rowCount() > 0, kReplyMs);
        if (input->columnCount() <= ScoringInputModel::FirstRowColumn)
            QTest::mouseClick(child<QPushButton>(consumePage, "addRow"), Qt::LeftButton);
        QCOMPARE(input->columnCount(), ScoringInputModel::FirstRowColumn + 1);
        int ageRow = -1;
        for (int row = 0; row < input->rowCount(); ++row)
            if (input->index(row, ScoringInputModel::FieldColumn).data().toString() == QLatin1String("age"))
                ageRow = row;
        QVERIFY(ageRow >= 0);
        auto *form = child<QTableView>(consumePage, "inputForm");
        const QModelIndex age = input->index(ageRow, ScoringInputModel::FirstRowColumn);
        form->scrollTo(age);
        QTest::mouseDClick(form->viewport(), Qt::LeftButton, {}, form->visualRect(age).center());
        // The field's editor (offscreen, the window may not hold the keyboard focus).
        QWidget *editor = nullptr;
        for (QWidget *widget : form->viewport()->findChildren<QWidget *>(Qt::FindDirectChildrenOnly))
            if (widget->isVisible())
                editor = widget;
        QVERIFY(editor);
        QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(editor, QStringLiteral("47"));
        QTest::keyClick(editor, Qt::Key_Return);
        QTRY_COMPARE(age.data(Qt::EditRole).toInt(), 47);
        QVERIFY(consumePage->requestBody().contains("\"age\":47"));
        QSignalSpy replied(consumePage, &ConsumePage::replyShown);
        QTest::mouseClick(child<QPushButton>(consumePage, "send"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(replied.count() == 1, kReplyMs);
        QVERIFY2(child<QLabel>(consumePage, "replyStatus")->text().startsWith(QStringLiteral("HTTP 200")),
                 qPrintable(child<QLabel>(consumePage, "replyStatus")->text() + consumePage->replyErrorText()));
        ReplyModel *reply = consumePage->replyModel();
        QCOMPARE(reply->rowCount(), 1);
        const QString label = reply->index(0, ReplyModel::LabelColumn).data().toString();
        QVERIFY2(label == QLatin1String("yes") || label == QLatin1String("no"), qPrintable(label));

        // 7. Benchmark: 200 requests at concurrency 2 with the form's body, none failing.
        stage(QStringLiteral("benchmark"));
        clickStep(window, Step::Benchmark);
        auto *benchmarkPage = qobject_cast<BenchmarkPage *>(window.page(Step::Benchmark));
        typeInto(child<QSpinBox>(benchmarkPage, "requests"), QString::number(kBenchRequests));
        typeInto(child<QSpinBox>(benchmarkPage, "concurrency"), QString::number(kBenchConcurrency));
        QSignalSpy benchFinished(benchmarkPage, &BenchmarkPage::runFinished);
        QTest::mouseClick(child<QPushButton>(benchmarkPage, "run"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(benchFinished.count() == 1, kBenchMs);
        BenchRunsModel *runs = benchmarkPage->runsModel();
        QCOMPARE(runs->runCount(), 1);
        const bench::BenchResult &result = *runs->run(0)->result;
        QCOMPARE(result.completed, std::uint64_t(kBenchRequests));
        QCOMPARE(result.concurrency, unsigned(kBenchConcurrency));
        QCOMPARE(result.failures.total(), std::uint64_t(0));
        QCOMPARE(result.non2xx, std::uint64_t(0));
        QVERIFY(result.requestsPerSecond() > 0);
        std::printf("  benchmark: %.0f requests/s, mean %.2f ms (n=%d c=%d)\n", result.requestsPerSecond(),
                    std::chrono::duration<double, std::milli>(result.latency.mean()).count(), kBenchRequests, kBenchConcurrency);

        // 8. Logs again: Application Insights has the requests just sent.
        stage(QStringLiteral("logs with requests"));
        clickStep(window, Step::Logs);
        QTRY_VERIFY_WITH_TIMEOUT(logs->count(LogSource::Request) > 0, kTelemetryMs);

        // 9. Pipelines opens on the connected workspace.
        stage(QStringLiteral("pipelines"));
        clickStep(window, Step::Pipelines);
        QTest::qWait(1000);
        QVERIFY(window.page(Step::Pipelines)->isVisible());
        // Its form offers the data and the cluster the AutoML step used, both real.
        QVERIFY(!session.computeName().isEmpty());
        QCOMPARE(child<QLineEdit>(window.page(Step::Pipelines), "compute")->text(), session.computeName());
        QCOMPARE(child<QLineEdit>(window.page(Step::Pipelines), "trainingData")->text(), session.dataAsset());

        stage(QString());
        std::printf("Longest GUI-thread stall: %lld ms in \"%s\" (budget %lld ms); longest wall gap %lld ms\n",
                    static_cast<long long>(m_worstBusy.count()), qPrintable(m_worstStage),
                    static_cast<long long>(test::GuiStallProbe::kBudget.count()), static_cast<long long>(m_worstGap.count()));
        std::fflush(stdout);
        QVERIFY2(m_worstBusy <= test::GuiStallProbe::kBudget,
                 qPrintable(QStringLiteral("the GUI thread was busy %1 ms at once in \"%2\"").arg(m_worstBusy.count()).arg(m_worstStage)));
    }
};

// A fresh profile for the application: its settings, local workspace and runs go to a
// temporary folder (the keychain is the session's, as in every keychain test).
int main(int argc, char **argv)
{
    QTemporaryDir profile;
    if (!profile.isValid())
        return 1;
    qputenv("XDG_DATA_HOME", QDir(profile.path()).filePath(QStringLiteral("data")).toUtf8());
    qputenv("XDG_CONFIG_HOME", QDir(profile.path()).filePath(QStringLiteral("config")).toUtf8());
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("cerulean-e2e-test"));
    QApplication::setOrganizationName(QStringLiteral("Cerulean"));
    E2eFlowTest test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "e2e_flow_test.moc"
