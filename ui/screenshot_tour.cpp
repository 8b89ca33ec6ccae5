#include "ui/screenshot_tour.h"

#include "ui/about_dialog.h"
#include "ui/main_window.h"
#include "ui/pages/endpoint_pages.h"
#include "ui/pages/pages.h"
#include "ui/pages/workspace_page.h"
#include "ui/settings_dialog.h"

#include <QApplication>
#include <QDir>
#include <QPixmap>
#include <QSettings>

#include <memory>

namespace cerulean::ui {

namespace {

// The smallest screen the workbench must be usable on (the shots show it at that size).
constexpr QSize kTourSize{1366, 768};

void settle()
{
    // Two passes: layouts posted by the first can post more work.
    QApplication::processEvents();
    QApplication::processEvents();
}

} // namespace

ScreenshotTour::ScreenshotTour(MainWindow &window)
    : m_window(window)
{
}

bool ScreenshotTour::save(QWidget &widget, const QString &path)
{
    const QPixmap shot = widget.grab();
    if (shot.isNull() || !shot.save(path, "PNG")) {
        m_error = QApplication::translate("ScreenshotTour", "Could not write %1.").arg(QDir::toNativeSeparators(path));
        return false;
    }
    return true;
}

QStringList ScreenshotTour::run(const QString &directory)
{
    QDir dir(directory);
    if (!dir.mkpath(QStringLiteral("."))) {
        m_error = QApplication::translate("ScreenshotTour", "Could not create the folder %1.")
                      .arg(QDir::toNativeSeparators(directory));
        return {};
    }
    QStringList written;
    m_window.resize(kTourSize);
    m_window.show();
    // The flow a user clicks through, with real work: the local workspace opened in one click
    // (its own root under the folder), the Bank Marketing data and a short AutoML run, the best
    // model registered and deployed with Application Insights, the Consume form sent and two
    // benchmarks against the deployed endpoint, then its logs with those requests, and a
    // training pipeline run from the Pipelines form.
    m_incomplete.clear();
    const auto stage = [this](bool done, const char *what) {
        if (!done && m_incomplete.isEmpty())
            m_incomplete = QString::fromLatin1(what);
        return done;
    };
    stage(prepareWorkspacePageForTour(m_window, dir.absolutePath()), "the local workspace");
    std::unique_ptr<TourEndpoint> fallback;
    if (stage(prepareAutoMLPagesForTour(m_window, dir.absolutePath()), "the AutoML run (is ../shared/data there?)") &&
        stage(prepareDeploymentForTour(m_window), "the deployment") &&
        stage(driveEndpointPagesForTour(m_window), "the Swagger, Consume and Benchmark steps")) {
        stage(prepareLogsPageForTour(m_window), "the Logs step");
        stage(preparePipelinesPageForTour(m_window), "the Pipelines step");
    } else {
        // Nothing deployed (no shared data, say): the Swagger, Consume and Benchmark steps are
        // shot against an endpoint served in-process.
        fallback = prepareEndpointPagesForTour(m_window, dir.absolutePath());
    }
    for (Step step : allSteps) {
        m_window.showStep(step);
        settle();
        const QString path = dir.filePath(stepInfo(step).slug + QStringLiteral(".png"));
        if (!save(m_window, path))
            return {};
        written << path;
    }

    QSettings store;
    SettingsDialog settings(AppSettings::load(store), &m_window);
    settings.show();
    settle();
    const QString settingsPath = dir.filePath(QStringLiteral("10-settings.png"));
    if (!save(settings, settingsPath))
        return {};
    written << settingsPath;

    AboutDialog about(&m_window);
    about.show();
    settle();
    const QString aboutPath = dir.filePath(QStringLiteral("11-about.png"));
    if (!save(about, aboutPath))
        return {};
    written << aboutPath;
    return written;
}

} // namespace cerulean::ui
