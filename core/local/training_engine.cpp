// The AutoML engine of core/automl behind the job runner: one child run per trial with
// its metrics and charts (confusion matrix in Azure's JSON shape, curves), the best
// model's package and explanation, and the run's output directory on the parent.

#include "core/local/job_runner.h"

#include "core/automl/csv.h"
#include "core/automl/engine.h"
#include "core/automl/explain.h"
#include "core/automl/learners.h"
#include "core/automl/metrics.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cmath>

#include <thread>

namespace cerulean::local {

namespace {

class AutoMlEngine final : public TrainingEngine
{
public:
    TrainingOutcome run(const TrainingRequest &request, const std::function<void(const TrialReport &)> &onTrial,
                        const std::atomic<bool> &cancel) override
    {
        TrainingOutcome outcome;
        if (request.taskType != QLatin1String("Classification")) {
            outcome.error = QStringLiteral("The local AutoML engine runs classification only, not %1.").arg(request.taskType);
            return outcome;
        }
        auto train = automl::readCsvFile(request.trainingCsv.toStdString());
        if (!train) {
            outcome.error = QStringLiteral("Training data %1: %2").arg(request.trainingCsv, QString::fromStdString(train.error()));
            return outcome;
        }
        automl::AutoMLSettings settings;
        settings.targetColumn = request.targetColumn.toStdString();
        settings.primaryMetric = request.primaryMetric.toStdString();
        settings.timeout = request.timeout;
        settings.trialTimeout = request.trialTimeout;
        settings.maxTrials = request.maxTrials;
        settings.maxConcurrentTrials = std::max(1, request.concurrentTrials);
        settings.threads = std::max(1, request.concurrentTrials);
        settings.enableVotingEnsemble = request.enableVoteEnsemble;
        settings.enableStackEnsemble = request.enableStackEnsemble;
        settings.explainBestModel = request.explain;
        for (const QString &m : request.allowedModels)
            settings.allowedModels.push_back(m.toStdString());
        for (const QString &m : request.blockedModels)
            settings.blockedModels.push_back(m.toStdString());
        if (!request.validationCsv.isEmpty()) {
            auto validation = automl::readCsvFile(request.validationCsv.toStdString());
            if (!validation) {
                outcome.error = QStringLiteral("Validation data %1: %2")
                                    .arg(request.validationCsv, QString::fromStdString(validation.error()));
                return outcome;
            }
            settings.validationData = std::move(validation->data);
        }
        if (request.crossValidations > 0) {
            settings.validation.kind = automl::ValidationKind::KFold;
            settings.validation.folds = request.crossValidations;
        } else if (request.validationSize > 0) {
            settings.validation.kind = automl::ValidationKind::Split;
            settings.validation.validationSize = request.validationSize;
        }
        settings.testSize = request.testSize;
        std::optional<automl::Dataset> test;
        if (!request.testCsv.isEmpty()) {
            auto read = automl::readCsvFile(request.testCsv.toStdString());
            if (!read) {
                outcome.error = QStringLiteral("Test data %1: %2").arg(request.testCsv, QString::fromStdString(read.error()));
                return outcome;
            }
            test = std::move(read->data);
        }

        // The engine takes its own cancel token; mirror ours into it.
        automl::CancelToken token;
        std::atomic<bool> done{false};
        std::thread watcher([&] {
            while (!done.load()) {
                if (cancel.load()) {
                    token.cancel();
                    return;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        });
        const auto progress = [&](const automl::TrialEvent &event) {
            const automl::TrialResult &t = event.trial;
            TrialReport report;
            report.index = t.id;
            report.algorithm = QString::fromStdString(t.algorithm);
            report.succeeded = t.status == automl::TrialStatus::Completed;
            report.error = QString::fromStdString(t.error);
            report.hyperparameters = automl::hyperParamsToJson(t.params);
            report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(t.duration);
            for (const auto &[key, value] : t.validationMetrics)
                if (std::isfinite(value))
                    report.metrics[QString::fromStdString(key)] = value;
            if (!t.validationChartsJson.empty()) {
                const Json charts = Json::parse(t.validationChartsJson, nullptr, false);
                if (charts.is_object())
                    for (auto it = charts.begin(); it != charts.end(); ++it)
                        report.artifacts.emplace_back(QString::fromStdString(it.key()), QByteArray::fromStdString(it.value().dump()));
            }
            report.artifacts.emplace_back(QStringLiteral("outputs/metrics.json"),
                                          QByteArray::fromStdString(automl::metricsJson(t.validationMetrics)));
            // With test data, each trial's figures on it, apart from the validation ones.
            if (!t.testMetrics.empty())
                report.artifacts.emplace_back(QStringLiteral("outputs/test_metrics.json"),
                                              QByteArray::fromStdString(automl::metricsJson(t.testMetrics)));
            if (!t.testChartsJson.empty()) {
                const Json charts = Json::parse(t.testChartsJson, nullptr, false);
                if (charts.is_object())
                    for (auto it = charts.begin(); it != charts.end(); ++it)
                        report.artifacts.emplace_back(QStringLiteral("test/") + QString::fromStdString(it.key()),
                                                      QByteArray::fromStdString(it.value().dump()));
            }
            if (!t.ensembleDescription.empty())
                report.artifacts.emplace_back(QStringLiteral("outputs/ensemble.txt"), QByteArray::fromStdString(t.ensembleDescription));
            onTrial(report);
        };
        auto result = automl::runAutoML(settings, train->data, std::move(test), progress, token);
        done = true;
        watcher.join();
        if (!result) {
            outcome.canceled = cancel.load();
            outcome.error = QString::fromStdString(result.error());
            return outcome;
        }
        outcome.canceled = result->canceled && cancel.load();
        outcome.bestTrial = result->bestTrialId;
        // The run's output directory on the parent; guardrails read back from it.
        const QString outDir = request.outputDir + QStringLiteral("/automl");
        QDir(outDir).removeRecursively();
        if (auto error = automl::writeRunOutput(*result, outDir.toStdString())) {
            outcome.error = QString::fromStdString(error->message);
            return outcome;
        }
        QFile guardrails(outDir + QStringLiteral("/guardrails.json"));
        if (guardrails.open(QIODevice::ReadOnly)) {
            const QByteArray data = guardrails.readAll();
            outcome.guardrails = Json::parse(data.constData(), data.constData() + data.size(), nullptr, false);
            if (outcome.guardrails.is_discarded())
                outcome.guardrails = Json::array();
        }
        // The best child's model package and explanation, where Azure keeps them.
        if (result->best && result->bestTrialId >= 0) {
            const QString bestRun = request.jobName + QLatin1Char('_') + QString::number(result->bestTrialId);
            const QString modelDir = QFileInfo(request.outputDir).absolutePath() + QStringLiteral("/../") + bestRun +
                                     QStringLiteral("/outputs/model");
            // Written beside its place and renamed into it (replacing any earlier package in one
            // step): a crash never leaves a half-written model where a model version points.
            QDir().mkpath(QFileInfo(modelDir).absolutePath());
            if (auto error = result->best->save(QDir::cleanPath(modelDir).toStdString())) {
                outcome.error = QStringLiteral("Saving the best model: %1").arg(QString::fromStdString(error->message));
                return outcome;
            }
            if (result->explanation)
                outcome.artifacts.emplace_back(QStringLiteral("outputs/explanation.json"),
                                               QByteArray::fromStdString(automl::explanationJson(*result->explanation)));
        }
        outcome.succeeded = true;
        return outcome;
    }
};

} // namespace

TrainingEngineFactory defaultTrainingEngine()
{
    return [] { return std::unique_ptr<TrainingEngine>(std::make_unique<AutoMlEngine>()); };
}

} // namespace cerulean::local
