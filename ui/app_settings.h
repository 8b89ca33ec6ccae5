#pragma once

#include <QString>

#include <chrono>

class QSettings;

namespace cerulean::ui {

enum class Appearance
{
    System,
    Light,
    Dark,
};

// What the user can set in the Settings dialog. Stored with QSettings; never holds a secret.
struct AppSettings
{
    Appearance appearance = Appearance::System;
    QString localWorkspaceRoot;     // empty: the default under the user's data location
    bool openLocalAtStartup = true; // start on the local workspace when nothing else is chosen
    std::chrono::minutes defaultExitCriterion{15};
    int defaultMaxConcurrentTrials = 2;
    std::chrono::seconds requestTimeout{60};

    static AppSettings load(QSettings &store);
    void save(QSettings &store) const;

    // The folder the local workspace keeps its data in when localWorkspaceRoot is empty.
    static QString defaultLocalWorkspaceRoot();
};

} // namespace cerulean::ui
