// cerulean-cli automl: trains on a CSV file with the local AutoML engine, prints the
// guardrails, a line per finished trial and the leaderboard, and writes the output
// directory atomically. Ctrl-C cancels and keeps the best model so far.

#include "app/cli/cli_util.h"
#include "app/cli/command.h"

#include "core/automl/csv.h"
#include "core/automl/engine.h"
#include "core/automl/metrics.h"

#include <QCommandLineParser>
#include <QString>

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>

namespace cerulean::cli {
namespace {

using namespace cerulean::automl;

CancelToken *g_cancel = nullptr;

extern "C" void onInterrupt(int)
{
    // CancelToken::cancel is a lock-free atomic store: safe in a signal handler.
    if (g_cancel)
        g_cancel->cancel();
}

QString q(const std::string &s) { return QString::fromStdString(s); }

std::vector<std::string> splitList(const QString &text)
{
    std::vector<std::string> out;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString trimmed = part.trimmed();
        if (!trimmed.isEmpty())
            out.push_back(trimmed.toStdString());
    }
    return out;
}

QString formatScore(double v) { return std::isfinite(v) ? QString::number(v, 'f', 4) : QStringLiteral("-"); }

} // namespace

int runAutoml(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Train a classifier on a CSV file with the local AutoML engine (Azure AutoML's settings and metrics)."));
    const QCommandLineOption dataOption(QStringLiteral("data"), QStringLiteral("Training CSV file."), QStringLiteral("TRAIN.csv"));
    const QCommandLineOption targetOption(QStringLiteral("target"), QStringLiteral("Target column."), QStringLiteral("COLUMN"));
    const QCommandLineOption testOption(QStringLiteral("test"), QStringLiteral("Test CSV file (same columns)."), QStringLiteral("TEST.csv"));
    const QCommandLineOption testSizeOption(QStringLiteral("test-size"),
                                            QStringLiteral("Hold out this share of the training rows as test data."), QStringLiteral("F"));
    const QCommandLineOption metricOption(QStringLiteral("metric"), QStringLiteral("Primary metric (default AUC_weighted)."),
                                          QStringLiteral("NAME"), QStringLiteral("AUC_weighted"));
    const QCommandLineOption timeoutOption(QStringLiteral("timeout-minutes"),
                                           QStringLiteral("Exit criterion for the whole run (default 1)."), QStringLiteral("MIN"),
                                           QStringLiteral("1"));
    const QCommandLineOption trialTimeoutOption(QStringLiteral("trial-timeout-minutes"),
                                                QStringLiteral("Limit per trial (default none)."), QStringLiteral("MIN"));
    const QCommandLineOption concurrentOption(QStringLiteral("max-concurrent"),
                                              QStringLiteral("Trials running at once (default 2)."), QStringLiteral("N"),
                                              QStringLiteral("2"));
    const QCommandLineOption validationOption(QStringLiteral("validation"),
                                              QStringLiteral("auto | cv:N | split:F | file:PATH (default auto)."),
                                              QStringLiteral("MODE"), QStringLiteral("auto"));
    const QCommandLineOption seedOption(QStringLiteral("seed"), QStringLiteral("Random seed (default 42)."), QStringLiteral("N"),
                                       QStringLiteral("42"));
    const QCommandLineOption maxTrialsOption(QStringLiteral("max-trials"), QStringLiteral("Maximum number of trials."),
                                             QStringLiteral("N"));
    const QCommandLineOption earlyOption(QStringLiteral("early-termination"),
                                         QStringLiteral("Stop after N trials without improvement."), QStringLiteral("N"));
    const QCommandLineOption allowedOption(QStringLiteral("allowed-models"), QStringLiteral("Only these learners (comma list)."),
                                           QStringLiteral("LIST"));
    const QCommandLineOption blockedOption(QStringLiteral("blocked-models"), QStringLiteral("Never these learners (comma list)."),
                                           QStringLiteral("LIST"));
    const QCommandLineOption noEnsemblesOption(QStringLiteral("no-ensembles"), QStringLiteral("No VotingEnsemble or StackEnsemble."));
    const QCommandLineOption noExplainOption(QStringLiteral("no-explain"), QStringLiteral("Skip the explanation of the best model."));
    const QCommandLineOption excludeOption(QStringLiteral("exclude-columns"), QStringLiteral("Columns not used as features."),
                                           QStringLiteral("LIST"));
    const QCommandLineOption outOption(QStringLiteral("out"), QStringLiteral("Output directory (must not exist or be empty)."),
                                       QStringLiteral("DIR"));
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print a JSON summary on stdout (progress on stderr)."));
    parser.addOptions({dataOption, targetOption, testOption, testSizeOption, metricOption, timeoutOption, trialTimeoutOption,
                       concurrentOption, validationOption, seedOption, maxTrialsOption, earlyOption, allowedOption,
                       blockedOption, noEnsemblesOption, noExplainOption, excludeOption, outOption, jsonOption});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;

    auto usageError = [](const QString &message) {
        printErr(QStringLiteral("automl: %1").arg(message));
        return static_cast<int>(ExitUsage);
    };
    if (!parser.isSet(dataOption) || !parser.isSet(targetOption) || !parser.isSet(outOption))
        return usageError(QStringLiteral("--data, --target and --out are required."));

    AutoMLSettings settings;
    settings.targetColumn = parser.value(targetOption).toStdString();
    settings.primaryMetric = parser.value(metricOption).toStdString();
    bool ok = false;
    const double minutes = parser.value(timeoutOption).toDouble(&ok);
    if (!ok || minutes <= 0 || minutes > 7 * 24 * 60)
        return usageError(QStringLiteral("--timeout-minutes must be a positive number."));
    settings.timeout = std::chrono::milliseconds(static_cast<long long>(minutes * 60000));
    if (parser.isSet(trialTimeoutOption)) {
        const double trialMinutes = parser.value(trialTimeoutOption).toDouble(&ok);
        if (!ok || trialMinutes <= 0)
            return usageError(QStringLiteral("--trial-timeout-minutes must be a positive number."));
        settings.trialTimeout = std::chrono::milliseconds(static_cast<long long>(trialMinutes * 60000));
    }
    settings.maxConcurrentTrials = parser.value(concurrentOption).toInt(&ok);
    if (!ok || settings.maxConcurrentTrials < 1 || settings.maxConcurrentTrials > 64)
        return usageError(QStringLiteral("--max-concurrent must be between 1 and 64."));
    settings.seed = parser.value(seedOption).toULongLong(&ok);
    if (!ok)
        return usageError(QStringLiteral("--seed must be a non-negative integer."));
    if (parser.isSet(maxTrialsOption)) {
        settings.maxTrials = parser.value(maxTrialsOption).toInt(&ok);
        if (!ok || settings.maxTrials < 1)
            return usageError(QStringLiteral("--max-trials must be a positive integer."));
    }
    if (parser.isSet(earlyOption)) {
        settings.earlyTerminationTrials = parser.value(earlyOption).toInt(&ok);
        if (!ok || settings.earlyTerminationTrials < 1)
            return usageError(QStringLiteral("--early-termination must be a positive integer."));
    }
    if (parser.isSet(testSizeOption)) {
        settings.testSize = parser.value(testSizeOption).toDouble(&ok);
        if (!ok || settings.testSize <= 0 || settings.testSize >= 1)
            return usageError(QStringLiteral("--test-size must be between 0 and 1."));
    }
    settings.allowedModels = splitList(parser.value(allowedOption));
    settings.blockedModels = splitList(parser.value(blockedOption));
    settings.excludedColumns = splitList(parser.value(excludeOption));
    if (parser.isSet(noEnsemblesOption))
        settings.enableVotingEnsemble = settings.enableStackEnsemble = false;
    settings.explainBestModel = !parser.isSet(noExplainOption);

    const QString validation = parser.value(validationOption);
    std::string validationFile;
    if (validation == QLatin1String("auto")) {
        settings.validation.kind = ValidationKind::Auto;
    } else if (validation.startsWith(QLatin1String("cv:"))) {
        settings.validation.kind = ValidationKind::KFold;
        settings.validation.folds = validation.mid(3).toInt(&ok);
        if (!ok || settings.validation.folds < 2 || settings.validation.folds > 50)
            return usageError(QStringLiteral("--validation cv:N needs 2 <= N <= 50."));
    } else if (validation.startsWith(QLatin1String("split:"))) {
        settings.validation.kind = ValidationKind::Split;
        settings.validation.validationSize = validation.mid(6).toDouble(&ok);
        if (!ok || settings.validation.validationSize <= 0 || settings.validation.validationSize >= 1)
            return usageError(QStringLiteral("--validation split:F needs 0 < F < 1."));
    } else if (validation.startsWith(QLatin1String("file:"))) {
        settings.validation.kind = ValidationKind::File;
        validationFile = validation.mid(5).toStdString();
    } else {
        return usageError(QStringLiteral("--validation must be auto, cv:N, split:F or file:PATH."));
    }

    const std::filesystem::path outDir = parser.value(outOption).toStdString();
    std::error_code ec;
    if (std::filesystem::exists(outDir, ec) &&
        !(std::filesystem::is_directory(outDir, ec) && std::filesystem::is_empty(outDir, ec))) {
        printErr(QStringLiteral("automl: %1 already exists and is not empty; choose a new --out directory.")
                     .arg(parser.value(outOption)));
        return ExitFailure;
    }
    const bool json = parser.isSet(jsonOption);
    auto info = [json](const QString &line) { json ? printErr(line) : printOut(line); };

    auto train = readCsvFile(parser.value(dataOption).toStdString());
    if (!train) {
        printErr(QStringLiteral("automl: %1: %2").arg(parser.value(dataOption), q(train.error())));
        return ExitFailure;
    }
    std::optional<Dataset> test;
    if (parser.isSet(testOption)) {
        auto t = readCsvFile(parser.value(testOption).toStdString());
        if (!t) {
            printErr(QStringLiteral("automl: %1: %2").arg(parser.value(testOption), q(t.error())));
            return ExitFailure;
        }
        test = std::move(t->data);
    }
    if (!validationFile.empty()) {
        auto v = readCsvFile(validationFile);
        if (!v) {
            printErr(QStringLiteral("automl: %1: %2").arg(q(validationFile), q(v.error())));
            return ExitFailure;
        }
        settings.validationData = std::move(v->data);
    }
    info(QStringLiteral("Training on %1 rows x %2 columns, target '%3', primary metric %4, budget %5 min, %6 concurrent trials.")
             .arg(train->data.rows)
             .arg(train->data.columnCount())
             .arg(q(settings.targetColumn), q(settings.primaryMetric))
             .arg(minutes)
             .arg(settings.maxConcurrentTrials));

    CancelToken cancel;
    g_cancel = &cancel;
    auto previous = std::signal(SIGINT, onInterrupt);
    const auto progress = [&](const TrialEvent &event) {
        const TrialResult &t = event.trial;
        QString line = QStringLiteral("[%1 s] run %2 %3 %4 %5 (%6 s)%7  best %8")
                           .arg(static_cast<double>(t.finishedAt.count()) / 1000.0, 6, 'f', 1)
                           .arg(t.id, 3)
                           .arg(q(t.algorithm).leftJustified(42))
                           .arg(q(std::string(toString(t.status))).leftJustified(9))
                           .arg(formatScore(t.score))
                           .arg(static_cast<double>(t.duration.count()) / 1000.0, 0, 'f', 1)
                           .arg(t.error.empty() ? QString() : QStringLiteral(" ") + q(t.error))
                           .arg(formatScore(event.bestScore));
        printErr(line);
    };
    auto result = runAutoML(settings, train->data, std::move(test), progress, cancel);
    std::signal(SIGINT, previous);
    g_cancel = nullptr;
    if (!result) {
        printErr(QStringLiteral("automl: %1").arg(q(result.error())));
        return cancel.canceled() ? ExitInterrupted : ExitFailure;
    }

    if (result->unlabeledTrainRows > 0 || result->unlabeledTestRows > 0)
        info(QStringLiteral("Left out rows whose target '%1' is empty: %2 of the training rows, %3 of the test rows.")
                 .arg(q(settings.targetColumn))
                 .arg(result->unlabeledTrainRows)
                 .arg(result->unlabeledTestRows));
    info(QString());
    info(QStringLiteral("Data guardrails:"));
    for (const auto &g : result->guardrails.guardrails) {
        QString line = QStringLiteral("  %1 %2").arg(q(g.name).leftJustified(36), q(std::string(toString(g.status))).leftJustified(8));
        line += q(g.description);
        if (!g.action.empty())
            line += QStringLiteral(" -> ") + q(g.action);
        info(line);
    }
    info(QString());
    info(QStringLiteral("Leaderboard (%1, validation: %2, stopped: %3):")
             .arg(q(settings.primaryMetric), q(result->validationDescription), q(result->stopReason)));
    const bool hasTest = result->testRows > 0;
    info(QStringLiteral("  %1 %2 %3 %4 %5").arg(QStringLiteral("run"), 4).arg(QStringLiteral("algorithm").leftJustified(44))
             .arg(QStringLiteral("valid"), 8).arg(hasTest ? QStringLiteral("test") : QString(), 8)
             .arg(QStringLiteral("seconds"), 8));
    int shown = 0;
    for (const TrialResult *t : result->leaderboard()) {
        if (shown++ >= 25)
            break;
        const auto testIt = t->testMetrics.find(settings.primaryMetric);
        info(QStringLiteral("  %1 %2 %3 %4 %5%6")
                 .arg(t->id, 4)
                 .arg(q(t->algorithm).leftJustified(44))
                 .arg(formatScore(t->score), 8)
                 .arg(hasTest && testIt != t->testMetrics.end() ? formatScore(testIt->second) : QString(), 8)
                 .arg(static_cast<double>(t->duration.count()) / 1000.0, 8, 'f', 1)
                 .arg(t->id == result->bestTrialId ? QStringLiteral("  <- best") : QString()));
    }
    const TrialResult *best = result->bestTrial();
    info(QString());
    if (best) {
        info(QStringLiteral("Best: run %1 %2, validation %3 %4")
                 .arg(best->id)
                 .arg(q(best->algorithm), q(settings.primaryMetric), formatScore(best->score)));
        if (!best->ensembleDescription.empty())
            info(QStringLiteral("  members: %1").arg(q(best->ensembleDescription)));
        if (result->refitMembers > 0)
            info(QStringLiteral("  refit on all %1 training rows (%2 of %3 models; the test figures are the refit model's)")
                     .arg(result->trainRows)
                     .arg(result->refitMembers)
                     .arg(result->refitMembers + result->refitSkipped));
        else if (result->refitSkipped > 0)
            info(QStringLiteral("  not refit: the budget ran out; the searched model is kept"));
        const auto testIt = best->testMetrics.find(settings.primaryMetric);
        if (testIt != best->testMetrics.end())
            info(QStringLiteral("  test %1 %2, accuracy %3")
                     .arg(q(settings.primaryMetric), formatScore(testIt->second))
                     .arg(formatScore(best->testMetrics.count("accuracy") ? best->testMetrics.at("accuracy") : NAN)));
    }
    if (result->explanation) {
        // Permutation importance when it measured every column, else XGBoost's SHAP ranking.
        const auto &ranking = result->explanation->permutation.empty() ? result->explanation->shap
                                                                         : result->explanation->permutation;
        QString top;
        for (std::size_t i = 0; i < std::min<std::size_t>(5, ranking.size()); ++i)
            top += (top.isEmpty() ? QString() : QStringLiteral(", ")) + q(ranking[i].column);
        if (!top.isEmpty())
            info(QStringLiteral("  most important columns: %1").arg(top));
    }

    if (auto error = writeRunOutput(*result, outDir)) {
        printErr(QStringLiteral("automl: %1").arg(q(error->message)));
        return ExitFailure;
    }
    info(QStringLiteral("Wrote %1 (best model package in %1/best) in %2 s.")
             .arg(parser.value(outOption))
             .arg(static_cast<double>(result->duration.count()) / 1000.0, 0, 'f', 1));
    if (json) {
        nlohmann::json summary = {{"best_run_id", result->bestTrialId},
                                  {"best_model", result->best->name()},
                                  {"primary_metric", settings.primaryMetric},
                                  {"validation_score", best ? best->score : 0.0},
                                  {"stop_reason", result->stopReason},
                                  {"canceled", result->canceled},
                                  {"trials", result->trials.size()},
                                  {"refit_members", result->refitMembers},
                                  {"refit_skipped", result->refitSkipped},
                                  {"unlabeled_train_rows", result->unlabeledTrainRows},
                                  {"unlabeled_test_rows", result->unlabeledTestRows},
                                  {"out", outDir.string()}};
        if (best) {
            nlohmann::json testMetrics = nlohmann::json::object();
            for (const auto &[name, value] : best->testMetrics)
                testMetrics[name] = std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
            summary["test_metrics"] = testMetrics;
        }
        printOut(QString::fromStdString(summary.dump()));
    }
    return result->canceled ? ExitInterrupted : ExitOk;
}

} // namespace cerulean::cli
