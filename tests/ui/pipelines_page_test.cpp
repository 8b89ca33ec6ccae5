// The Pipelines page against a real local workspace service: a training pipeline created from
// the form runs its AutoML and command steps to completion (the command step's log shows the
// parameter), runs again with another parameter value, is published (trigger URL and a curl
// command with a $TOKEN placeholder that works when run), is triggered from the page, and is
// scheduled; the schedule's history shows the run it started, and it can be disabled (no more
// runs) and enabled again. Bad input gets a message naming the field.

#include "local_deploy_workspace.h"

#include "core/azure/pipeline_spec.h"
#include "ui/models/pipeline_table_model.h"
#include "ui/pages/pipelines/pipeline_graph_view.h"
#include "ui/pages/pipelines/pipelines_page.h"
#include "ui/theme.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QProgressBar>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QDateTimeEdit>
#include <QTemporaryDir>
#include <QSpinBox>
#include <QTabWidget>
#include <QtTest>

using namespace cerulean;
using namespace cerulean::ui;
using namespace std::chrono_literals;

namespace {

constexpr int kRunTimeoutMs = 150'000;
constexpr int kRequestTimeoutMs = 15'000;
// The main window's page area (the window less its step list, menu and status bars) at the
// screen sizes the tour is shot at.
constexpr QSize kPageAt1366{1366 - 190, 768 - 50};
constexpr QSize kPageAt1024{1024 - 190, 640 - 50};

} // namespace

class PipelinesPageTest final : public QObject
{
    Q_OBJECT

private:
    test::LocalDeployWorkspace m_workspace;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<PipelinesPage> m_page;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;

    template <class T>
    T *child(const char *name) const
    {
        T *widget = m_page->findChild<T *>(QLatin1String(name));
        if (!widget)
            qFatal("no widget named %s", name);
        return widget;
    }

    QString message() const { return child<QLabel>("message")->text(); }

    QString jobStatus(const QString &job) const
    {
        const int row = m_page->jobs()->find(job);
        return row < 0 ? QString() : m_page->jobs()->cell(row, 1);
    }

    QString stepStatus(const QString &step) const
    {
        const int row = m_page->steps()->find(step);
        return row < 0 ? QString() : m_page->steps()->cell(row, 2);
    }

    QString stepJob(const QString &step) const
    {
        const int row = m_page->steps()->find(step);
        return row < 0 ? QString() : m_page->steps()->cell(row, 3);
    }

    // Waits until the job is Completed in the page's list and its steps show it too.
    bool waitCompleted(const QString &job)
    {
        m_page->selectJob(job);
        return QTest::qWaitFor(
            [&] {
                return jobStatus(job) == QLatin1String("Completed") &&
                       stepStatus(QStringLiteral("train")).startsWith(QLatin1String("Completed")) &&
                       stepStatus(QStringLiteral("report")).startsWith(QLatin1String("Completed")) &&
                       m_page->stepLog(stepJob(QStringLiteral("report"))).contains(QLatin1String("avg_rate="));
            },
            kRunTimeoutMs);
    }

    // The jobs and steps as the page shows them, for failure messages.
    QString tables() const
    {
        QStringList out;
        for (const PipelineTableModel *model : {m_page->jobs(), m_page->steps()})
            for (int r = 0; r < model->rowCount(); ++r) {
                QStringList cells;
                for (int c = 0; c < model->columnCount(); ++c)
                    cells << model->cell(r, c);
                out << cells.join(QStringLiteral(" | "));
            }
        return out.join(QLatin1Char('\n')) + QStringLiteral("\n") + message() + QStringLiteral("\nreport log: ") +
               m_page->stepLog(stepJob(QStringLiteral("report")));
    }

    // CERULEAN_SCREENSHOT_DIR keeps a picture of a tab in the state a test reached.
    void shoot(int tab, const QString &name) const
    {
        const QString out = qEnvironmentVariable("CERULEAN_SCREENSHOT_DIR");
        if (out.isEmpty())
            return;
        child<QTabWidget>("pipelineTabs")->setCurrentIndex(tab);
        QTest::qWait(50); // let the layouts settle on the new texts
        m_page->grab().save(QDir(out).filePath(QStringLiteral("pipelines-%1.png").arg(name)));
    }

    // A slice of the Bank Marketing test file with some rows made unreadable (the age column).
    QString batchInput(int rows, const QList<int> &corrupted)
    {
        QFile in(test::sharedFile(QStringLiteral("data/bankmarketing_test.csv")));
        if (!in.open(QIODevice::ReadOnly))
            return {};
        QList<QByteArray> lines = in.readAll().split('\n').mid(0, rows + 1);
        for (int r : corrupted)
            lines[r] = "not-a-number" + lines[r].mid(lines[r].indexOf(','));
        const QString path = m_batchDir.filePath(QStringLiteral("batch-%1.csv").arg(corrupted.size()));
        QFile out(path);
        if (!out.open(QIODevice::WriteOnly))
            return {};
        out.write(lines.join('\n') + '\n');
        return path;
    }

    QTemporaryDir m_batchDir;

    // Moves the schedule's last evaluation back so that the next tick finds an occurrence, as if
    // the service had been running a minute and a half without firing it.
    void rewindSchedule(const QString &name)
    {
        const QString id = m_workspace.workspaceId() + QStringLiteral("/schedules/") + name;
        const qint64 past = QDateTime::currentMSecsSinceEpoch() - 90'000;
        QVERIFY(m_workspace.server().service().store().updateResource(id, [past](local::StoredResource &r) {
            // Created then too, so that exactly one minute's occurrence (30 s ago) is due.
            r.doc["_local"]["createdMs"] = past;
            r.doc["_local"]["lastEvaluatedMs"] = past;
            return true;
        }));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_workspace.start(), qPrintable(m_workspace.error()));
        m_session = std::make_unique<Session>();
        m_page = std::make_unique<PipelinesPage>(*m_session);
        for (QAbstractItemModel *model : {static_cast<QAbstractItemModel *>(m_page->jobs()), static_cast<QAbstractItemModel *>(m_page->steps()),
                                          static_cast<QAbstractItemModel *>(m_page->schedules()),
                                          static_cast<QAbstractItemModel *>(m_page->history()),
                                          static_cast<QAbstractItemModel *>(m_page->failedRows())})
            m_testers.push_back(std::make_unique<QAbstractItemModelTester>(model, QAbstractItemModelTester::FailureReportingMode::QtTest));
        QVERIFY(message().contains(QLatin1String("Connect to a workspace")));
        // Like the other steps, no large title: the sidebar names the step.
        for (const QLabel *label : m_page->findChildren<QLabel *>())
            QVERIFY2(!label->text().contains(QLatin1String("<h2>")), qPrintable(label->text()));
        // Before any batch job the progress bar counts nothing ("0 of 1 rows" was wrong).
        QCOMPARE(child<QProgressBar>("batchProgress")->text(), QStringLiteral("no batch job yet"));
        // The example parameter is explained where it is typed.
        const QString help = child<QLabel>("parametersHelp")->text();
        QVERIFY2(help.contains(QLatin1String("avg_rate=0.5")) && help.contains(QLatin1String("Run again")), qPrintable(help));
        m_workspace.connect(*m_session);
        m_page->resize(1400, 900);
        m_page->show();
    }

    void badInputIsNamed()
    {
        const auto noValue = azure::parameterAssignments(QStringLiteral("avg_rate"));
        QVERIFY(!noValue && noValue.error().message.contains(QLatin1String("avg_rate")));
        const auto badName = azure::parameterAssignments(QStringLiteral("a=1, 2x=3"));
        QVERIFY(!badName && badName.error().message.contains(QLatin1String("2x")));
        const auto twice = azure::parameterAssignments(QStringLiteral("a=1, a=2"));
        QVERIFY(!twice && twice.error().message.contains(QLatin1String("twice")));
        const auto ok = azure::parameterAssignments(QStringLiteral(" avg_rate = 0.5 , mode=fast "));
        QVERIFY(ok);
        QCOMPARE(ok.value().value(QStringLiteral("avg_rate")).toDouble(), 0.5);
        QCOMPARE(ok.value().value(QStringLiteral("mode")).toString(), QStringLiteral("fast"));

        // The form refuses a pipeline without training data before sending anything.
        child<QLineEdit>("trainingData")->clear();
        child<QPushButton>("create")->click();
        QVERIFY(message().contains(QLatin1String("training data")));
        QCOMPARE(m_page->jobs()->rowCount(), 0);
    }

    void createdPipelineRunsItsSteps()
    {
        child<QLineEdit>("jobName")->setText(QStringLiteral("train-1"));
        child<QLineEdit>("trainingData")->setText(QStringLiteral("azureml:bank-part:1"));
        child<QLineEdit>("parameters")->setText(QStringLiteral("avg_rate=0.5"));
        child<QLineEdit>("modelName")->setText(QStringLiteral("pipeline-model"));
        child<QPushButton>("create")->click();
        QVERIFY2(QTest::qWaitFor([&] { return m_page->jobs()->find(QStringLiteral("train-1")) >= 0; }, kRequestTimeoutMs), qPrintable(message()));
        QCOMPARE(m_page->selectedJob(), QStringLiteral("train-1"));
        QVERIFY2(waitCompleted(QStringLiteral("train-1")),
                 qPrintable(tables()));
        // The status line followed the run to its end.
        QVERIFY2(QTest::qWaitFor([&] { return message() == QLatin1String("Created train-1: Completed."); }, kRequestTimeoutMs),
                 qPrintable(message()));
        const QString details = child<QPlainTextEdit>("details")->toPlainText();
        QVERIFY2(details.contains(QLatin1String("avg_rate=0.5")), qPrintable(details));
        QVERIFY2(details.contains(QLatin1String("(model pipeline-model:")), qPrintable(details));
        QCOMPARE(m_page->steps()->cell(m_page->steps()->find(QStringLiteral("train")), 1).toLower(), QStringLiteral("automl"));
        // Read again with nothing new, the tables are not reset (a reader's selection and scroll
        // stay, nothing is redrawn).
        QSignalSpy jobsReset(m_page->jobs(), &QAbstractItemModel::modelReset);
        QSignalSpy stepsReset(m_page->steps(), &QAbstractItemModel::modelReset);
        QSignalSpy listed(m_page.get(), &PipelinesPage::updated);
        m_page->refresh();
        // The jobs, the schedules and the run's steps are each read again.
        QVERIFY(QTest::qWaitFor([&] { return listed.count() >= 3; }, kRequestTimeoutMs));
        QCOMPARE(jobsReset.count(), 0);
        QCOMPARE(stepsReset.count(), 0);
        QCOMPARE(child<QPlainTextEdit>("details")->toPlainText(), details);
        QCOMPARE(child<QLineEdit>("runParameters")->text(), QStringLiteral("avg_rate=0.5"));

        // The run as a graph: data input -> AutoML -> registered model, and the AutoML step's
        // model into the command step; every step node carries its status.
        const PipelineGraphView *graph = m_page->graphView();
        const PipelineGraph &g = graph->graph();
        const int data = g.find(PipelineGraph::Kind::Input, QStringLiteral("training_data"));
        const int train = g.find(PipelineGraph::Kind::Step, QStringLiteral("train"));
        const int report = g.find(PipelineGraph::Kind::Step, QStringLiteral("report"));
        const int model = g.find(PipelineGraph::Kind::Register, QStringLiteral("trained_model"));
        QVERIFY(data >= 0 && train >= 0 && report >= 0 && model >= 0);
        QVERIFY(g.edges.contains(qMakePair(data, train)));
        QVERIFY(g.edges.contains(qMakePair(train, model)));
        QVERIFY(g.edges.contains(qMakePair(train, report)));
        QVERIFY(g.nodes[data].layer < g.nodes[train].layer && g.nodes[train].layer < g.nodes[report].layer);
        QVERIFY2(g.nodes[model].detail.startsWith(QLatin1String("model pipeline-model:")), qPrintable(g.nodes[model].detail));
        QVERIFY(graph->statusOf(train).startsWith(QLatin1String("Completed")));
        QVERIFY(graph->statusOf(model).startsWith(QLatin1String("Completed")));
        QVERIFY(graph->statusOf(data).isEmpty());
        // A click on a step node selects it: its status, outputs and log come first in the details.
        QTest::mouseClick(const_cast<PipelineGraphView *>(graph), Qt::LeftButton, {}, graph->nodeRect(report).center());
        QCOMPARE(graph->selectedStep(), QStringLiteral("report"));
        const QString stepDetails = child<QPlainTextEdit>("details")->toPlainText();
        QVERIFY2(stepDetails.contains(QStringLiteral("— step report (command) — Completed")), qPrintable(stepDetails));
        QVERIFY2(stepDetails.contains(QLatin1String("output  report = ")), qPrintable(stepDetails));
        shoot(1, QStringLiteral("run-graph"));
    }

    void runsAgainWithAnotherValue()
    {
        m_page->selectJob(QStringLiteral("train-1"));
        child<QLineEdit>("runParameters")->setText(QStringLiteral("nope=1"));
        child<QPushButton>("run")->click();
        QVERIFY2(message().contains(QLatin1String("nope")) && message().contains(QLatin1String("avg_rate")), qPrintable(message()));

        child<QLineEdit>("runParameters")->setText(QStringLiteral("avg_rate=0.7"));
        child<QLineEdit>("runName")->setText(QStringLiteral("train-2"));
        child<QPushButton>("run")->click();
        QVERIFY2(QTest::qWaitFor([&] { return m_page->lastStartedJob() == QLatin1String("train-2"); }, kRequestTimeoutMs), qPrintable(message()));
        QVERIFY2(waitCompleted(QStringLiteral("train-2")), qPrintable(tables()));
        const QString details = child<QPlainTextEdit>("details")->toPlainText();
        QVERIFY2(details.contains(QLatin1String("avg_rate=0.7")), qPrintable(details + tables()));
        QVERIFY2(!details.contains(QLatin1String("avg_rate=0.5")), qPrintable(details));
    }

    // A request the service refuses shows its status, code, message and request id; the
    // selected run stays selected.
    void aRefusedRunShowsTheServicesRequestId()
    {
        m_page->selectJob(QStringLiteral("train-1"));
        child<QLineEdit>("runParameters")->setText(QStringLiteral("avg_rate=0.6"));
        child<QLineEdit>("runName")->setText(QStringLiteral("-not-a-job-name"));
        child<QPushButton>("run")->click();
        static const QRegularExpression requestId(
            QStringLiteral("\\[request id [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}, client request id "));
        QVERIFY2(QTest::qWaitFor([&] { return requestId.match(message()).hasMatch(); }, kRequestTimeoutMs), qPrintable(message()));
        QVERIFY2(message().contains(QLatin1String("-not-a-job-name")) && message().contains(QLatin1String("HTTP 400")),
                 qPrintable(message()));
        QCOMPARE(child<QLabel>("message")->styleSheet(), errorTextStyleSheet());
        QCOMPARE(m_page->selectedJob(), QStringLiteral("train-1"));
        QCOMPARE(m_page->lastStartedJob(), QStringLiteral("train-2"));
        QVERIFY(QTest::qWaitFor([&] { return m_page->steps()->rowCount() == 2; }, kRequestTimeoutMs));
    }

    void publishShowsTriggerUrlAndCurl()
    {
        m_page->selectJob(QStringLiteral("train-1"));
        child<QLineEdit>("endpointName")->setText(QStringLiteral("bank-training"));
        child<QLineEdit>("triggerExperiment")->setText(QStringLiteral("from-curl"));
        child<QPushButton>("publish")->click();
        QVERIFY2(QTest::qWaitFor([&] { return !child<QLineEdit>("triggerUrl")->text().isEmpty(); }, kRequestTimeoutMs), qPrintable(message()));
        const QString url = child<QLineEdit>("triggerUrl")->text();
        QVERIFY2(url.startsWith(m_workspace.server().baseUrl().toString().section(QLatin1Char('/'), 0, 2)), qPrintable(url));
        QVERIFY2(url.contains(QLatin1String("/pipelines/v1.0/")) && url.contains(QLatin1String("PipelineEndpointSubmit")), qPrintable(url));
        const QString curl = child<QPlainTextEdit>("curl")->toPlainText();
        QVERIFY2(curl.contains(QLatin1String("Bearer $TOKEN")) && curl.contains(url) && curl.contains(QLatin1String("\"avg_rate\"")) &&
                     curl.contains(QLatin1String("from-curl")),
                 qPrintable(curl));
        QVERIFY(child<QPushButton>("trigger")->isEnabled());
        const QString tokenCommand = child<QLineEdit>("tokenCommand")->text();
        QVERIFY2(tokenCommand.startsWith(QLatin1String("TOKEN=$(cerulean-cli pipeline token --url")), qPrintable(tokenCommand));
        shoot(2, QStringLiteral("publish"));

        // The text runs as it is in a shell once $TOKEN holds a token, and starts a run.
        QProcess shell;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TOKEN"), m_workspace.server().service().issueToken());
        shell.setProcessEnvironment(env);
        shell.start(QStringLiteral("sh"), {QStringLiteral("-c"), curl + QStringLiteral(" -s")});
        QVERIFY(shell.waitForFinished(30'000));
        const QByteArray out = shell.readAllStandardOutput();
        QCOMPARE(shell.exitCode(), 0);
        const QString job = QJsonDocument::fromJson(out).object().value(QStringLiteral("Id")).toString();
        QVERIFY2(!job.isEmpty(), out.constData());
        m_page->refresh();
        QVERIFY(QTest::qWaitFor([&] { return m_page->jobs()->find(job) >= 0; }, kRequestTimeoutMs));
        QVERIFY2(waitCompleted(job), qPrintable(tables()));
        QCOMPARE(m_page->jobs()->cell(m_page->jobs()->find(job), 2), QStringLiteral("from-curl"));
    }

    void triggerFromThePage()
    {
        child<QLineEdit>("triggerExperiment")->setText(QStringLiteral("from-page"));
        child<QLineEdit>("triggerParameters")->setText(QStringLiteral("avg_rate=0.9"));
        const QString before = m_page->lastStartedJob();
        child<QPushButton>("trigger")->click();
        QVERIFY2(QTest::qWaitFor([&] { return !m_page->lastStartedJob().isEmpty() && m_page->lastStartedJob() != before; }, kRequestTimeoutMs),
                 qPrintable(message()));
        const QString job = m_page->lastStartedJob();
        QVERIFY2(waitCompleted(job), qPrintable(tables()));
        QVERIFY(child<QPlainTextEdit>("details")->toPlainText().contains(QLatin1String("avg_rate=0.9")));
        QCOMPARE(m_page->jobs()->cell(m_page->jobs()->find(job), 2), QStringLiteral("from-page"));
    }

    void schedulesRunAndCanBeDisabled()
    {
        m_page->selectJob(QStringLiteral("train-1"));
        // A cron expression with too few fields is refused, naming the field.
        child<QLineEdit>("scheduleName")->setText(QStringLiteral("bad"));
        child<QComboBox>("scheduleKind")->setCurrentIndex(1);
        child<QLineEdit>("cron")->setText(QStringLiteral("* *"));
        child<QPushButton>("createSchedule")->click();
        QVERIFY2(message().startsWith(QLatin1String("cron:")), qPrintable(message()));

        child<QLineEdit>("scheduleName")->setText(QStringLiteral("every-minute"));
        child<QComboBox>("scheduleKind")->setCurrentIndex(0);
        child<QComboBox>("frequency")->setCurrentText(QStringLiteral("Minute"));
        child<QSpinBox>("interval")->setValue(1);
        child<QPushButton>("createSchedule")->click();
        QVERIFY2(QTest::qWaitFor([&] { return m_page->schedules()->find(QStringLiteral("every-minute")) >= 0; }, kRequestTimeoutMs),
                 qPrintable(message()));
        const int row = m_page->schedules()->find(QStringLiteral("every-minute"));
        QCOMPARE(m_page->schedules()->cell(row, 1), QStringLiteral("enabled"));
        QCOMPARE(m_page->schedules()->cell(row, 2), QStringLiteral("every 1 Minute"));
        QCOMPARE(m_page->selectedSchedule(), QStringLiteral("every-minute"));
        QCOMPARE(m_page->schedules()->cell(row, 4), QStringLiteral("default"));

        // The service fires the occurrence it finds; the history shows the run it started.
        // (The service's own scheduler thread may fire it first; either way it runs once.)
        rewindSchedule(QStringLiteral("every-minute"));
        m_workspace.server().service().scheduler()->tick();
        child<QPushButton>("historyRefresh")->click();
        QVERIFY2(QTest::qWaitFor([&] { return m_page->history()->rowCount() > 0; }, kRequestTimeoutMs), qPrintable(message()));
        int started = -1;
        int startedCount = 0;
        for (int i = 0; i < m_page->history()->rowCount(); ++i)
            if (m_page->history()->cell(i, 1) == QLatin1String("Started")) {
                started = i;
                ++startedCount;
            }
        QCOMPARE(startedCount, 1);
        const QString scheduledJob = m_page->history()->cell(started, 2);
        QVERIFY(!scheduledJob.isEmpty());
        const int entries = m_page->history()->rowCount();

        child<QPushButton>("disableSchedule")->click();
        QVERIFY2(QTest::qWaitFor([&] {
                     const int r = m_page->schedules()->find(QStringLiteral("every-minute"));
                     return r >= 0 && m_page->schedules()->cell(r, 1) == QLatin1String("disabled");
                 },
                                 kRequestTimeoutMs),
                 qPrintable(message()));
        // Disabled, the same missed minute starts nothing.
        rewindSchedule(QStringLiteral("every-minute"));
        QCOMPARE(m_workspace.server().service().scheduler()->tick(), 0);
        QSignalSpy updated(m_page.get(), &PipelinesPage::updated);
        child<QPushButton>("historyRefresh")->click();
        QVERIFY(updated.wait(kRequestTimeoutMs));
        QCOMPARE(m_page->history()->rowCount(), entries);

        // The scheduled run is a pipeline job like the others; let it finish before the service stops.
        m_page->refresh();
        QVERIFY(QTest::qWaitFor([&] { return m_page->jobs()->find(scheduledJob) >= 0; }, kRequestTimeoutMs));
        QVERIFY2(waitCompleted(scheduledJob), qPrintable(tables()));

        shoot(3, QStringLiteral("schedule-history"));
        child<QPushButton>("enableSchedule")->click();
        QVERIFY(QTest::qWaitFor([&] {
            const int r = m_page->schedules()->find(QStringLiteral("every-minute"));
            return r >= 0 && m_page->schedules()->cell(r, 1) == QLatin1String("enabled");
        },
                                kRequestTimeoutMs));
        child<QPushButton>("disableSchedule")->click();
        QVERIFY(QTest::qWaitFor([&] {
            const int r = m_page->schedules()->find(QStringLiteral("every-minute"));
            return r >= 0 && m_page->schedules()->cell(r, 1) == QLatin1String("disabled");
        },
                                kRequestTimeoutMs));
    }

    void scheduleEditorSendsEveryField()
    {
        m_page->selectJob(QStringLiteral("train-1"));
        child<QLineEdit>("scheduleName")->setText(QStringLiteral("office-hours"));
        child<QComboBox>("scheduleKind")->setCurrentIndex(0);
        child<QComboBox>("frequency")->setCurrentText(QStringLiteral("Week"));
        child<QSpinBox>("interval")->setValue(2);
        child<QLineEdit>("hours")->setText(QStringLiteral("9, 24"));
        child<QPushButton>("createSchedule")->click();
        QVERIFY2(message().startsWith(QLatin1String("hours: '24'")), qPrintable(message()));
        child<QLineEdit>("hours")->setText(QStringLiteral("9, 17"));
        child<QLineEdit>("minutes")->setText(QStringLiteral("0, 30"));
        child<QCheckBox>("weekDayMonday")->setChecked(true);
        child<QCheckBox>("weekDayFriday")->setChecked(true);
        child<QCheckBox>("startNow")->setChecked(false);
        child<QDateTimeEdit>("startTime")->setDateTime(QDateTime(QDate(2030, 1, 7), QTime(8, 0), Qt::UTC));
        child<QComboBox>("timeZone")->setCurrentText(QStringLiteral("Europe/Berlin"));
        child<QComboBox>("missedRuns")->setCurrentIndex(1);
        child<QCheckBox>("scheduleEnabled")->setChecked(false);
        child<QPushButton>("createSchedule")->click();
        QVERIFY2(QTest::qWaitFor([&] { return m_page->schedules()->find(QStringLiteral("office-hours")) >= 0; }, kRequestTimeoutMs),
                 qPrintable(message()));
        const int row = m_page->schedules()->find(QStringLiteral("office-hours"));
        QCOMPARE(m_page->schedules()->cell(row, 1), QStringLiteral("disabled"));
        QCOMPARE(m_page->schedules()->cell(row, 2), QStringLiteral("every 2 Week at 9, 17 h :00, :30 on Monday, Friday"));
        QCOMPARE(m_page->schedules()->cell(row, 3), QStringLiteral("train-1"));
        QCOMPARE(m_page->schedules()->cell(row, 4), QStringLiteral("CatchUp"));
        QVERIFY2(m_page->schedules()->cell(row, 5).contains(QLatin1String("2030-01-07T08:00:00")) &&
                     m_page->schedules()->cell(row, 5).endsWith(QLatin1String("Europe/Berlin")),
                 qPrintable(m_page->schedules()->cell(row, 5)));
        shoot(3, QStringLiteral("schedule-editor"));
    }

    void batchInferenceReportsFailedRowsAndTheThreshold()
    {
        const QString input = batchInput(300, {7, 150, 280});
        QVERIFY(!input.isEmpty());
        child<QLineEdit>("batchModel")->setText(m_workspace.modelId());
        child<QLineEdit>("batchInput")->setText(input);
        child<QSpinBox>("miniBatchSize")->setValue(50);
        child<QSpinBox>("instanceCount")->setValue(2);
        child<QSpinBox>("errorThreshold")->setValue(5);
        child<QPushButton>("runBatch")->click();
        const auto finished = [&] {
            return !m_page->batchJob().isEmpty() && child<QPushButton>("runBatch")->isEnabled();
        };
        QVERIFY2(QTest::qWaitFor(finished, kRunTimeoutMs), qPrintable(child<QLabel>("batchStatus")->text()));
        QString status = child<QLabel>("batchStatus")->text();
        QVERIFY2(status.contains(QLatin1String(": Completed")) && status.contains(QLatin1String("300 of 300 rows, 3 failed (threshold 5)")),
                 qPrintable(status));
        QCOMPARE(child<QProgressBar>("batchProgress")->value(), 300);
        QCOMPARE(m_page->failedRows()->rowCount(), 3);
        QCOMPARE(m_page->failedRows()->cell(0, 0), QString()); // one file: no file to name
        QCOMPARE(m_page->failedRows()->cell(0, 1), QStringLiteral("8"));
        QVERIFY2(m_page->failedRows()->cell(0, 2).contains(QLatin1String("not-a-number")), qPrintable(m_page->failedRows()->cell(0, 2)));
        shoot(4, QStringLiteral("batch-completed"));

        // Threshold 2: the job fails, and says why, naming the threshold and the rows.
        child<QSpinBox>("errorThreshold")->setValue(2);
        const QString first = m_page->batchJob();
        child<QPushButton>("runBatch")->click();
        QVERIFY2(QTest::qWaitFor([&] { return m_page->batchJob() != first && finished(); }, kRunTimeoutMs),
                 qPrintable(child<QLabel>("batchStatus")->text()));
        status = child<QLabel>("batchStatus")->text();
        QVERIFY2(status.contains(QLatin1String(": Failed")) && status.contains(QLatin1String("error threshold of 2")) &&
                     status.contains(QLatin1String("line 8")),
                 qPrintable(status));
        QVERIFY(m_page->failedRows()->rowCount() >= 3);
        shoot(4, QStringLiteral("batch-failed"));
    }

    // A deployment of a model that does not exist: the service's answer, request id included.
    void aRefusedBatchDeploymentShowsTheServicesRequestId()
    {
        child<QLineEdit>("batchModel")->setText(QStringLiteral("azureml:no-such-model:1"));
        child<QLineEdit>("batchInput")->setText(batchInput(10, {}));
        child<QPushButton>("runBatch")->click();
        QVERIFY2(QTest::qWaitFor([&] { return child<QPushButton>("runBatch")->isEnabled(); }, kRunTimeoutMs),
                 qPrintable(child<QLabel>("batchStatus")->text()));
        const QString status = child<QLabel>("batchStatus")->text();
        QVERIFY2(status.startsWith(QLatin1String("Could not create the batch deployment main: HTTP 4")) &&
                     status.contains(QLatin1String("no-such-model")) && status.contains(QLatin1String("[request id ")),
                 qPrintable(status));
        QCOMPARE(child<QProgressBar>("batchProgress")->text(), QStringLiteral("no batch job"));
    }

    // A folder is one job over its CSV files; a failed row names its file. Read as a single
    // file instead, the page refuses it before creating anything.
    void batchInferenceOverAFolderNamesTheFileOfAFailedRow()
    {
        const QString folder = m_batchDir.filePath(QStringLiteral("parts"));
        QVERIFY(QDir().mkpath(folder));
        QFile source(batchInput(120, {75}));
        QVERIFY(source.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = source.readAll().split('\n');
        for (int part = 0; part < 2; ++part) {
            QFile out(QDir(folder).filePath(QStringLiteral("part%1.csv").arg(part + 1)));
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(lines[0] + '\n' + lines.mid(1 + part * 60, 60).join('\n') + '\n');
        }
        child<QLineEdit>("batchModel")->setText(m_workspace.modelId());
        child<QLineEdit>("batchInput")->setText(folder);
        child<QSpinBox>("errorThreshold")->setValue(5);
        auto *type = child<QComboBox>("batchInputType");
        type->setCurrentIndex(type->findData(QStringLiteral("uri_file")));
        const QString before = m_page->batchJob();
        child<QPushButton>("runBatch")->click();
        QVERIFY2(message().contains(QLatin1String("is a folder, not a file")), qPrintable(message()));
        QCOMPARE(m_page->batchJob(), before);

        type->setCurrentIndex(type->findData(QString()));
        child<QPushButton>("runBatch")->click();
        const auto finished = [&] {
            return m_page->batchJob() != before && child<QPushButton>("runBatch")->isEnabled();
        };
        QVERIFY2(QTest::qWaitFor(finished, kRunTimeoutMs), qPrintable(child<QLabel>("batchStatus")->text()));
        const QString status = child<QLabel>("batchStatus")->text();
        QVERIFY2(status.contains(QLatin1String(": Completed")) && status.contains(QLatin1String("120 of 120 rows, 1 failed")),
                 qPrintable(status));
        QCOMPARE(m_page->failedRows()->rowCount(), 1);
        QCOMPARE(m_page->failedRows()->cell(0, 0), QStringLiteral("part2.csv"));
        QCOMPARE(m_page->failedRows()->cell(0, 1), QStringLiteral("16")); // the slice's row 75 is part2's 15th
        QVERIFY2(message().isEmpty(), qPrintable(message())); // the refusal went with the run that followed it
    }

    // The page in the window's page area at 1366×768 and at 1024×640: every tab fits (its
    // minimum size is within the area: forms scroll rather than cut), and a long data asset
    // name reads from its beginning.
    void fitsSmallWindows()
    {
        m_session->setDataAsset(QStringLiteral("azureml:bankmarketing_train:20261206032230862"), QString());
        auto *data = child<QLineEdit>("trainingData");
        QCOMPARE(data->text(), QStringLiteral("azureml:bankmarketing_train:20261206032230862"));
        QCOMPARE(data->cursorPosition(), 0);
        QCOMPARE(data->toolTip(), data->text());
        auto *tabs = child<QTabWidget>("pipelineTabs");
        // A run whose graph has three columns: data, AutoML, then the report and the model.
        m_page->selectJob(QStringLiteral("train-1"));
        QVERIFY(QTest::qWaitFor([&] { return m_page->graphView()->graph().layers >= 3; }, kRequestTimeoutMs));
        const QString out = qEnvironmentVariable("CERULEAN_SCREENSHOT_DIR");
        for (const auto &[window, area] : {std::pair{QStringLiteral("1366x768"), kPageAt1366}, std::pair{QStringLiteral("1024x640"), kPageAt1024}}) {
            m_page->resize(area);
            for (int tab = 0; tab < tabs->count(); ++tab) {
                tabs->setCurrentIndex(tab);
                QTest::qWait(20); // let the layouts settle
                const QSize needed = m_page->minimumSizeHint();
                QVERIFY2(needed.width() <= area.width() && needed.height() <= area.height(),
                         qPrintable(QStringLiteral("%1, tab %2 needs %3×%4").arg(window).arg(tab).arg(needed.width()).arg(needed.height())));
                // The graph is never narrower than itself: its scroll area scrolls instead.
                if (tabs->currentWidget()->isAncestorOf(m_page->graphView()))
                    QVERIFY2(m_page->graphView()->width() >= m_page->graphView()->sizeHint().width(),
                             qPrintable(QStringLiteral("%1: the graph is cut to %2 px").arg(window).arg(m_page->graphView()->width())));
                if (!out.isEmpty())
                    m_page->grab().save(QDir(out).filePath(QStringLiteral("pipelines-%1-tab%2.png").arg(window).arg(tab)));
            }
            // The whole asset name is in view on the form at this size.
            tabs->setCurrentIndex(0);
            QTest::qWait(20);
            QVERIFY2(data->fontMetrics().horizontalAdvance(data->text()) < data->width(),
                     qPrintable(QStringLiteral("%1: the field is %2 px wide").arg(window).arg(data->width())));
        }
        m_page->resize(1400, 900);
    }

    void cleanupTestCase()
    {
        m_testers.clear();
        m_page.reset();
        m_session.reset();
    }
};

QTEST_MAIN(PipelinesPageTest)
#include "pipelines_page_test.moc"
