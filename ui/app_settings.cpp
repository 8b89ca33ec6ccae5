#include "ui/app_settings.h"

#include <QDir>
#include <QSettings>
#include <QStandardPaths>

#include <algorithm>

namespace cerulean::ui {

namespace {

const QString kAppearance = QStringLiteral("appearance");
const QString kLocalRoot = QStringLiteral("localWorkspace/root");
const QString kOpenLocal = QStringLiteral("localWorkspace/openAtStartup");
const QString kExitCriterion = QStringLiteral("automl/exitCriterionMinutes");
const QString kMaxConcurrent = QStringLiteral("automl/maxConcurrentTrials");
const QString kRequestTimeout = QStringLiteral("network/requestTimeoutSeconds");

// Bounds that keep a hand-edited settings file from producing an unusable value.
constexpr int kMaxExitCriterionMinutes = 24 * 60;
constexpr int kMaxConcurrentTrials = 64;
constexpr int kMaxRequestTimeoutSeconds = 600;

QString appearanceName(Appearance appearance)
{
    switch (appearance) {
    case Appearance::Light:
        return QStringLiteral("light");
    case Appearance::Dark:
        return QStringLiteral("dark");
    case Appearance::System:
        break;
    }
    return QStringLiteral("system");
}

} // namespace

AppSettings AppSettings::load(QSettings &store)
{
    AppSettings settings;
    const QString appearance = store.value(kAppearance).toString();
    if (appearance == QLatin1String("light"))
        settings.appearance = Appearance::Light;
    else if (appearance == QLatin1String("dark"))
        settings.appearance = Appearance::Dark;
    settings.localWorkspaceRoot = store.value(kLocalRoot).toString();
    settings.openLocalAtStartup = store.value(kOpenLocal, settings.openLocalAtStartup).toBool();
    settings.defaultExitCriterion = std::chrono::minutes(std::clamp(
        store.value(kExitCriterion, int(settings.defaultExitCriterion.count())).toInt(), 1, kMaxExitCriterionMinutes));
    settings.defaultMaxConcurrentTrials
        = std::clamp(store.value(kMaxConcurrent, settings.defaultMaxConcurrentTrials).toInt(), 1, kMaxConcurrentTrials);
    settings.requestTimeout = std::chrono::seconds(std::clamp(
        store.value(kRequestTimeout, int(settings.requestTimeout.count())).toInt(), 5, kMaxRequestTimeoutSeconds));
    return settings;
}

void AppSettings::save(QSettings &store) const
{
    store.setValue(kAppearance, appearanceName(appearance));
    store.setValue(kLocalRoot, localWorkspaceRoot);
    store.setValue(kOpenLocal, openLocalAtStartup);
    store.setValue(kExitCriterion, int(defaultExitCriterion.count()));
    store.setValue(kMaxConcurrent, defaultMaxConcurrentTrials);
    store.setValue(kRequestTimeout, int(requestTimeout.count()));
    store.sync();
}

QString AppSettings::defaultLocalWorkspaceRoot()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("local-workspace"));
}

} // namespace cerulean::ui
