#pragma once

class QString;

namespace cerulean::ui {

class MainWindow;
class Session;

// Builds every page this build has and puts it in its step; both the application and the
// screenshot tour call it, so the tour shows what users get.
void installPages(MainWindow &window, Session &session);

// For the screenshot tour, the flow a user clicks through, step by step; each returns false
// (leaving the pages as they are) when a step cannot be done, e.g. without the shared data.
// The Bank Marketing data loaded and profiled, and an AutoML run with the shortest exit
// criterion submitted from the form (its folder under `workDirectory`) open on Models.
bool prepareAutoMLPagesForTour(MainWindow &window, const QString &workDirectory);
// The run's best model registered in the connected workspace and deployed with Application
// Insights; returns once the endpoint's key is in the keychain for the endpoint steps.
bool prepareDeploymentForTour(MainWindow &window);
// The Logs step showing the deployment's container log and its request telemetry.
bool prepareLogsPageForTour(MainWindow &window);
// A training pipeline created from the Pipelines form as it opens, run to completion and
// selected, so that the step shows its graph, steps and outputs.
bool preparePipelinesPageForTour(MainWindow &window);

} // namespace cerulean::ui
