#include "ui/step.h"

#include <QCoreApplication>

namespace cerulean::ui {

StepInfo stepInfo(Step step)
{
    const auto tr = [](const char *text) { return QCoreApplication::translate("Step", text); };
    switch (step) {
    case Step::Workspace:
        return {tr("Workspace"),
                tr("Open the local workspace in one click, or sign in to Azure with a device code or a "
                   "service principal; pick or create the resource group and the Azure Machine Learning "
                   "workspace; create a service principal with a secret kept in the keychain and a role "
                   "on the workspace; import and export config.json."),
                QStringLiteral("01-workspace")};
    case Step::DataAutoML:
        return {tr("Data && AutoML"),
                tr("Choose a CSV file, preview it and profile its columns, read the data guardrails "
                   "(class imbalance, target leakage), set the target, metric, exit criterion and "
                   "concurrency, and submit an AutoML job; watch trials arrive on a live leaderboard."),
                QStringLiteral("02-data-automl")};
    case Step::Models:
        return {tr("Models"),
                tr("The leaderboard of trained models with every metric; confusion matrix, ROC, "
                   "precision-recall, calibration, lift and gains charts for the models you select; "
                   "feature importance; export charts and metrics."),
                QStringLiteral("03-models")};
    case Step::Deploy:
        return {tr("Deploy"),
                tr("Register the best model and deploy it to an online endpoint with key "
                   "authentication and Application Insights; then copy the scoring URI, the swagger "
                   "URI and the keys."),
                QStringLiteral("04-deploy")};
    case Step::Logs:
        return {tr("Logs"),
                tr("A live view of the deployment's container logs and request telemetry, with level "
                   "filter, search and a request-rate and latency chart."),
                QStringLiteral("05-logs")};
    case Step::Swagger:
        return {tr("Swagger"),
                tr("The endpoint's operations and input schema from its swagger.json; save it or serve "
                   "it with CORS for Swagger UI."),
                QStringLiteral("06-swagger")};
    case Step::Consume:
        return {tr("Consume"),
                tr("A scoring form generated from the input schema, or raw JSON; the reply with labels, "
                   "probabilities and latency; copy the request as curl, Python or C#."),
                QStringLiteral("07-consume")};
    case Step::Benchmark:
        return {tr("Benchmark"),
                tr("Send n requests at concurrency c to the endpoint: throughput, latency percentiles, "
                   "histogram and errors, compared across runs; export an ab-style report."),
                QStringLiteral("08-benchmark")};
    case Step::Pipelines:
        return {tr("Pipelines"),
                tr("Training pipelines with an AutoML step and parameters; publish them to a REST "
                   "endpoint, trigger and schedule them; batch inference in parallel mini-batches."),
                QStringLiteral("09-pipelines")};
    }
    Q_UNREACHABLE();
}

} // namespace cerulean::ui
