#include "ui/pages/pages.h"

#include "core/automl/csv.h"
#include "core/automl/engine.h"
#include "ui/main_window.h"
#include "ui/models/dataset_preview_model.h"
#include "ui/models/profile_guardrail_model.h"
#include "ui/models/profile_model.h"
#include "ui/pages/data_automl_page.h"
#include "ui/pages/deploy_page.h"
#include "ui/pages/endpoint_pages.h"
#include "ui/pages/logs_page.h"
#include "ui/pages/models_page.h"
#include "ui/pages/pipelines_page.h"
#include "ui/pages/workspace_page.h"
#include "ui/session.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QTabWidget>
#include <QThread>
#include <QCoreApplication>

#include <functional>
#include <numeric>

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
    window.setPage(Step::Pipelines, new PipelinesPage(session));
    installEndpointPages(window, session); // Swagger, Consume, Benchmark
    QObject::connect(data, &DataAutoMLPage::runFolderReady, models, [models](const QString &folder) { models->openRunFolder(folder); });

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
    if (auto *tabs = data->findChild<QTabWidget *>(QStringLiteral("dataTabs")))
        tabs->setCurrentIndex(2); // the guardrails, with the `duration` leakage alert

    // A short real run on part of the data: enough trials for a leaderboard and charts.
    const auto table = data->preview()->table();
    if (!table)
        return false;
    constexpr std::size_t kTourRows = 4000;
    std::vector<std::size_t> rows(std::min(kTourRows, table->data.rows));
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    automl::AutoMLSettings settings;
    settings.targetColumn = "y";
    settings.timeout = std::chrono::seconds(8);
    settings.maxTrials = 6;
    settings.maxConcurrentTrials = 2;
    settings.validation.kind = automl::ValidationKind::Split;
    settings.validation.validationSize = 0.2;
    settings.testSize = 0.2;
    automl::CancelToken cancel;
    auto result = automl::runAutoML(settings, table->data.selectRows(rows), std::nullopt, {}, cancel);
    if (!result.ok())
        return false;
    const QString folder = QDir(workDirectory).filePath(QStringLiteral("tour-run"));
    QDir(folder).removeRecursively();
    if (automl::writeRunOutput(*result, folder.toStdString()))
        return false;
    return models->openRunFolder(folder);
}

} // namespace cerulean::ui
