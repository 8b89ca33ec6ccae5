#include "ui/pages/pages.h"

#include "ui/main_window.h"
#include "ui/models/dataset_preview_model.h"
#include "ui/models/deploy_controller.h"
#include "ui/models/endpoint_target.h"
#include "ui/models/leaderboard_model.h"
#include "ui/models/log_controller.h"
#include "ui/models/log_model.h"
#include "ui/models/pipeline_table_model.h"
#include "ui/models/profile_guardrail_model.h"
#include "ui/models/profile_model.h"
#include "ui/pages/data_automl_page.h"
#include "ui/pages/deploy_page.h"
#include "ui/pages/endpoint_pages.h"
#include "ui/pages/logs_page.h"
#include "ui/pages/models_page.h"
#include "ui/pages/pipelines/pipelines_page.h"
#include "ui/pages/workspace_page.h"
#include "ui/session.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QThread>
#include <QCoreApplication>

#include <functional>

namespace cerulean::ui {

namespace {

// Runs the event loop until `done` holds or the deadline passes.
bool waitUntil(const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    QDeadlineTimer deadline(timeout);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(10);
    }
    return true;
}

// The sample data: $CERULEAN_SHARED_DIR, else a `shared` folder beside one of the
// application's parent folders (a build tree inside the repository, next to `shared`).
QString sharedDataFile(const QString &name)
{
    const QString relative = QStringLiteral("data/") + name;
    const QString fromEnvironment = qEnvironmentVariable("CERULEAN_SHARED_DIR");
    if (!fromEnvironment.isEmpty())
        return QDir(fromEnvironment).filePath(relative);
    constexpr int kLevels = 6;
    QDir dir(QCoreApplication::applicationDirPath());
    for (int level = 0; level < kLevels && dir.cdUp(); ++level) {
        const QString candidate = dir.filePath(QStringLiteral("shared/") + relative);
        if (QFile::exists(candidate))
            return candidate;
    }
    return {};
}

} // namespace

void installPages(MainWindow &window, Session &session)
{
    auto *workspace = new WorkspacePage(session);
    window.setPage(Step::Workspace, workspace);
    QObject::connect(workspace, &WorkspacePage::finished, &window, [&window]() { window.showStep(Step::DataAutoML); });
    auto *data = new DataAutoMLPage(session);
    auto *models = new ModelsPage(session);
    window.setPage(Step::DataAutoML, data);
    window.setPage(Step::Models, models);
    window.setPage(Step::Deploy, new DeployPage(session));
    window.setPage(Step::Logs, new LogsPage(session));
    auto *pipelines = new PipelinesPage(session);
    pipelines->setCommandLineSignIn([workspace](QObject *context, std::function<void(azure::Result<azure::Empty>)> done) {
        workspace->localWorkspace()->shareSignInWithCommandLine(context, std::move(done));
    });
    window.setPage(Step::Pipelines, pipelines);
    installEndpointPages(window, session); // Swagger, Consume, Benchmark
    QObject::connect(data, &DataAutoMLPage::runFolderReady, models, [models](const QString &folder) { models->openRunFolderInBackground(folder); });
    QObject::connect(data, &DataAutoMLPage::jobResultReady, models, &ModelsPage::showJobResult);
    QObject::connect(models, &ModelsPage::modelRegistered, &window, [&window]() { window.showStep(Step::Deploy); });

    window.setConnectionText(session.displayName());
    QObject::connect(&session, &Session::connectionChanged, &window,
                     [&window, &session]() { window.setConnectionText(session.displayName()); });
}

bool prepareAutoMLPagesForTour(MainWindow &window, const QString &workDirectory)
{
    auto *data = qobject_cast<DataAutoMLPage *>(window.page(Step::DataAutoML));
    auto *models = qobject_cast<ModelsPage *>(window.page(Step::Models));
    const QString train = sharedDataFile(QStringLiteral("bankmarketing_train.csv"));
    if (!data || !models || train.isEmpty() || !QFile::exists(train))
        return false;

    data->openFile(train);
    constexpr std::chrono::seconds kDataTimeout{60};
    if (!waitUntil([data]() { return data->guardrails()->report() != nullptr ||
                                      data->preview()->state() == DatasetPreviewModel::State::Failed; },
                   kDataTimeout))
        return false;

    // The form as a user fills it: target y, the shortest exit criterion, two trials at once.
    auto *target = data->findChild<QComboBox *>(QStringLiteral("targetColumn"));
    auto *exit = data->findChild<QSpinBox *>(QStringLiteral("exitCriterion"));
    auto *concurrent = data->findChild<QSpinBox *>(QStringLiteral("maxConcurrentTrials"));
    if (!target || !exit || !concurrent || target->findText(QStringLiteral("y")) < 0)
        return false;
    target->setCurrentIndex(target->findText(QStringLiteral("y")));
    exit->setValue(exit->minimum());
    concurrent->setValue(2);
    data->setRunsDirectory(QDir(workDirectory).filePath(QStringLiteral("runs")));
    bool opened = false;
    const auto connection = QObject::connect(models, &ModelsPage::runFolderOpened, models, [&opened]() { opened = true; });
    // The exit criterion, then the refit, explanations and the run folder.
    constexpr std::chrono::minutes kRunTimeout{4};
    const bool trained = data->submit() && waitUntil([&opened]() { return opened; }, kRunTimeout);
    QObject::disconnect(connection);
    return trained;
}

bool prepareDeploymentForTour(MainWindow &window)
{
    auto *models = qobject_cast<ModelsPage *>(window.page(Step::Models));
    auto *deploy = qobject_cast<DeployPage *>(window.page(Step::Deploy));
    if (!models || !deploy || models->leaderboard()->rowCount() == 0)
        return false;
    QString modelId;
    const auto connection = QObject::connect(models, &ModelsPage::modelRegistered, models,
                                             [&modelId](const QString &id) { modelId = id; });
    models->registerBestModel();
    constexpr std::chrono::seconds kCallTimeout{20};
    const bool registered = waitUntil([&modelId]() { return !modelId.isEmpty(); }, kCallTimeout);
    QObject::disconnect(connection);
    if (!registered)
        return false;

    window.showStep(Step::Deploy);
    auto *name = deploy->findChild<QLineEdit *>(QStringLiteral("endpointName"));
    auto *insights = deploy->findChild<QCheckBox *>(QStringLiteral("appInsights"));
    auto *model = deploy->findChild<QComboBox *>(QStringLiteral("model"));
    if (!name || !insights || !model || !waitUntil([model, modelId]() { return model->currentText() == modelId; }, kCallTimeout))
        return false;
    name->setText(QStringLiteral("bank-marketing"));
    insights->setChecked(true);
    deploy->deploy();
    constexpr std::chrono::seconds kDeployTimeout{90};
    DeployController *controller = deploy->controller();
    if (!waitUntil([controller]() { return controller->state() == DeployController::State::Deployed ||
                                           controller->state() == DeployController::State::Failed; },
                   kDeployTimeout) ||
        controller->state() != DeployController::State::Deployed)
        return false;
    // The Swagger, Consume and Benchmark steps read the endpoint's key from the keychain.
    auto *swagger = window.page(Step::Swagger);
    auto *target = swagger ? swagger->findChild<EndpointTarget *>() : nullptr;
    return target && waitUntil([target]() { return !target->key().isEmpty(); }, kCallTimeout);
}

bool prepareLogsPageForTour(MainWindow &window)
{
    auto *logs = qobject_cast<LogsPage *>(window.page(Step::Logs));
    if (!logs)
        return false;
    window.showStep(Step::Logs);
    constexpr std::chrono::seconds kTelemetryTimeout{30};
    LogModel *model = logs->controller()->logs();
    return waitUntil([model]() { return model->count(LogSource::Request) > 0 && model->count(LogSource::Container) > 0; },
                     kTelemetryTimeout);
}

bool preparePipelinesPageForTour(MainWindow &window)
{
    auto *pipelines = qobject_cast<PipelinesPage *>(window.page(Step::Pipelines));
    auto *create = pipelines ? pipelines->findChild<QPushButton *>(QStringLiteral("create")) : nullptr;
    auto *data = pipelines ? pipelines->findChild<QLineEdit *>(QStringLiteral("trainingData")) : nullptr;
    if (!create || !data || data->text().isEmpty())
        return false;
    window.showStep(Step::Pipelines);
    // The form as it opens (the uploaded data, avg_rate=0.5, two trials within a minute).
    create->click();
    constexpr std::chrono::seconds kPipelineTimeout{180};
    PipelineTableModel *jobs = pipelines->jobs();
    PipelineTableModel *steps = pipelines->steps();
    return waitUntil(
        [jobs, steps, pipelines]() {
            const QString job = pipelines->selectedJob();
            const int row = job.isEmpty() ? -1 : jobs->find(job);
            if (row < 0 || jobs->cell(row, 1) != QLatin1String("Completed") || steps->rowCount() == 0)
                return false;
            for (int step = 0; step < steps->rowCount(); ++step)
                if (!steps->cell(step, 2).startsWith(QLatin1String("Completed")))
                    return false;
            return true;
        },
        kPipelineTimeout);
}

} // namespace cerulean::ui
