#include "ui/app_settings.h"
#include "ui/main_window.h"
#include "ui/pages/pages.h"
#include "ui/pages/workspace_page.h"
#include "ui/screenshot_tour.h"
#include "ui/session.h"
#include "ui/theme.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QTimer>

#include <cstdio>

using namespace cerulean::ui;

namespace {

struct Options
{
    QCommandLineOption local{QStringLiteral("local"), QStringLiteral("Open the local workspace at start-up.")};
    QCommandLineOption tour{QStringLiteral("screenshot-tour"),
                            QStringLiteral("Walk every page, write one PNG per page into <dir>, and exit."),
                            QStringLiteral("dir")};
    QCommandLineOption appearance{QStringLiteral("appearance"), QStringLiteral("Override the appearance: system, light or dark."),
                                  QStringLiteral("name")};

    void addTo(QCommandLineParser &parser) const
    {
        parser.setApplicationDescription(QStringLiteral("Cerulean: operationalize machine learning on Azure Machine Learning "
                                                        "or on a local workspace."));
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addOptions({local, tour, appearance});
    }
};

void nameApplication()
{
    QCoreApplication::setApplicationName(QStringLiteral("cerulean"));
    QCoreApplication::setOrganizationName(QStringLiteral("Cerulean"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CERULEAN_VERSION));
}

// --help and --version only print: they must work where QApplication cannot start (no display).
bool onlyPrints(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray argument(argv[i]);
        if (argument == "-h" || argument == "--help" || argument == "--help-all" || argument == "-v" || argument == "--version")
            return true;
    }
    return false;
}

} // namespace

int main(int argc, char *argv[])
{
    const Options options;
    if (onlyPrints(argc, argv)) {
        QCoreApplication app(argc, argv);
        nameApplication();
        QCommandLineParser parser;
        options.addTo(parser);
        parser.process(app); // prints and exits
        return 0;
    }
    QApplication app(argc, argv);
    nameApplication();
    QApplication::setApplicationDisplayName(QStringLiteral("Cerulean"));
    QApplication::setDesktopFileName(QStringLiteral("io.github.cerulean.Cerulean"));

    QCommandLineParser parser;
    options.addTo(parser);
    parser.process(app);
    const QCommandLineOption &local = options.local;
    const QCommandLineOption &tour = options.tour;
    const QCommandLineOption &appearance = options.appearance;

    QSettings store;
    AppSettings settings = AppSettings::load(store);
    if (parser.isSet(appearance)) {
        const QString name = parser.value(appearance);
        if (name == QLatin1String("dark"))
            settings.appearance = Appearance::Dark;
        else if (name == QLatin1String("light"))
            settings.appearance = Appearance::Light;
        else if (name == QLatin1String("system"))
            settings.appearance = Appearance::System;
        else {
            std::fprintf(stderr, "cerulean: unknown appearance '%s' (use system, light or dark).\n", qPrintable(name));
            return 2;
        }
    }
    applyAppearance(app, settings.appearance);

    Session session; // outlives the window: pages hold it
    MainWindow window;
    installPages(window, session);
    QObject::connect(&window, &MainWindow::settingsChanged, &app,
                     [&app](const AppSettings &changed) { applyAppearance(app, changed.appearance); });

    if (parser.isSet(tour)) {
        ScreenshotTour screenshots(window);
        const QStringList files = screenshots.run(parser.value(tour));
        if (files.isEmpty()) {
            std::fprintf(stderr, "cerulean: %s\n", qPrintable(screenshots.errorString()));
            return 1;
        }
        for (const QString &file : files)
            std::printf("%s\n", qPrintable(file));
        if (!screenshots.incompleteStage().isEmpty())
            std::fprintf(stderr, "cerulean: the tour's flow stopped at %s; the pages after it are shot without it.\n",
                         qPrintable(screenshots.incompleteStage()));
        return 0;
    }

    window.showStep(Step::Workspace); // nothing works before a workspace is connected
    window.show();
    if (parser.isSet(local)) {
        // After the first paint: starting the service touches the disk.
        if (auto *workspace = qobject_cast<WorkspacePage *>(window.page(Step::Workspace)))
            QTimer::singleShot(0, workspace, &WorkspacePage::openLocalWorkspace);
    }
    return QApplication::exec();
}
