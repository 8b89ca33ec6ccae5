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
#include <functional>
#include <optional>

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

// The options of `automl`.
struct AutomlOptions final
{
    QCommandLineOption data{QStringLiteral("data"), QStringLiteral("Training CSV file."), QStringLiteral("TRAIN.csv")};
    QCommandLineOption target{QStringLiteral("target"), QStringLiteral("Target column."), QStringLiteral("COLUMN")};
    QCommandLineOption test{QStringLiteral("test"), QStringLiteral("Test CSV file (same columns)."), QStringLiteral("TEST.csv")};
    QCommandLineOption testSize{QStringLiteral("test-size"), QStringLiteral("Hold out this share of the training rows as test data."),
                                QStringLiteral("F")};
    QCommandLineOption metric{QStringLiteral("metric"), QStringLiteral("Primary metric (default AUC_weighted)."),
                              QStringLiteral("NAME"), QStringLiteral("AUC_weighted")};
    QCommandLineOption timeout{QStringLiteral("timeout-minutes"), QStringLiteral("Exit criterion for the whole run (default 1)."),
                               QStringLiteral("MIN"), QStringLiteral("1")};
    QCommandLineOption trialTimeout{QStringLiteral("trial-timeout-minutes"), QStringLiteral("Limit per trial (default none)."),
                                    QStringLiteral("MIN")};
    QCommandLineOption concurrent{QStringLiteral("max-concurrent"), QStringLiteral("Trials running at once (default 2)."),
                                  QStringLiteral("N"), QStringLiteral("2")};
    QCommandLineOption validation{QStringLiteral("validation"), QStringLiteral("auto | cv:N | split:F | file:PATH (default auto)."),
                                  QStringLiteral("MODE"), QStringLiteral("auto")};
    QCommandLineOption seed{QStringLiteral("seed"), QStringLiteral("Random seed (default 42)."), QStringLiteral("N"),
                            QStringLiteral("42")};
    QCommandLineOption maxTrials{QStringLiteral("max-trials"), QStringLiteral("Maximum number of trials."), QStringLiteral("N")};
    QCommandLineOption early{QStringLiteral("early-termination"), QStringLiteral("Stop after N trials without improvement."),
                             QStringLiteral("N")};
    QCommandLineOption allowed{QStringLiteral("allowed-models"), QStringLiteral("Only these learners (comma list)."),
                               QStringLiteral("LIST")};
    QCommandLineOption blocked{QStringLiteral("blocked-models"), QStringLiteral("Never these learners (comma list)."),
                               QStringLiteral("LIST")};
    QCommandLineOption noEnsembles{QStringLiteral("no-ensembles"), QStringLiteral("No VotingEnsemble or StackEnsemble.")};
    QCommandLineOption noExplain{QStringLiteral("no-explain"), QStringLiteral("Skip the explanation of the best model.")};
    QCommandLineOption exclude{QStringLiteral("exclude-columns"), QStringLiteral("Columns not used as features."),
                               QStringLiteral("LIST")};
    QCommandLineOption out{QStringLiteral("out"), QStringLiteral("Output directory (must not exist or be empty)."),
                           QStringLiteral("DIR")};
    QCommandLineOption json{QStringLiteral("json"), QStringLiteral("Print a JSON summary on stdout (progress on stderr).")};

    QList<QCommandLineOption> all() const
    {
        return {data, target, test, testSize, metric, timeout, trialTimeout, concurrent, validation, seed, maxTrials, early,
                allowed, blocked, noEnsembles, noExplain, exclude, out, json};
    }
};

int usageError(const QString &message)
{
    printErr(QStringLiteral("automl: %1").arg(message));
    return ExitUsage;
}

// The limits of the run (budget, trials, concurrency, seed, test share); an exit code when one is invalid.
std::optional<int> readLimits(const QCommandLineParser &parser, const AutomlOptions &o, AutoMLSettings &settings,
                              double &minutes)
{
    bool ok = false;
    minutes = parser.value(o.timeout).toDouble(&ok);
    if (!ok || minutes <= 0 || minutes > 7 * 24 * 60)
        return usageError(QStringLiteral("--timeout-minutes must be a positive number."));
    settings.timeout = std::chrono::milliseconds(static_cast<long long>(minutes * 60000));
    if (parser.isSet(o.trialTimeout)) {
        const double trialMinutes = parser.value(o.trialTimeout).toDouble(&ok);
        if (!ok || trialMinutes <= 0)
            return usageError(QStringLiteral("--trial-timeout-minutes must be a positive number."));
        settings.trialTimeout = std::chrono::milliseconds(static_cast<long long>(trialMinutes * 60000));
    }
    settings.maxConcurrentTrials = parser.value(o.concurrent).toInt(&ok);
    if (!ok || settings.maxConcurrentTrials < 1 || settings.maxConcurrentTrials > 64)
        return usageError(QStringLiteral("--max-concurrent must be between 1 and 64."));
    settings.seed = parser.value(o.seed).toULongLong(&ok);
    if (!ok)
        return usageError(QStringLiteral("--seed must be a non-negative integer."));
    if (parser.isSet(o.maxTrials)) {
        settings.maxTrials = parser.value(o.maxTrials).toInt(&ok);
        if (!ok || settings.maxTrials < 1)
            return usageError(QStringLiteral("--max-trials must be a positive integer."));
    }
    if (parser.isSet(o.early)) {
        settings.earlyTerminationTrials = parser.value(o.early).toInt(&ok);
        if (!ok || settings.earlyTerminationTrials < 1)
            return usageError(QStringLiteral("--early-termination must be a positive integer."));
    }
    if (parser.isSet(o.testSize)) {
        settings.testSize = parser.value(o.testSize).toDouble(&ok);
        if (!ok || settings.testSize <= 0 || settings.testSize >= 1)
            return usageError(QStringLiteral("--test-size must be between 0 and 1."));
    }
    return std::nullopt;
}

// --validation into the settings (a file: its path in `validationFile`); an exit code when invalid.
std::optional<int> readValidation(const QCommandLineParser &parser, const AutomlOptions &o, AutoMLSettings &settings,
                                  std::string &validationFile)
{
    const QString validation = parser.value(o.validation);
    bool ok = false;
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
    return std::nullopt;
}

// The run's settings from the command line; an exit code when one is invalid.
std::optional<int> readSettings(const QCommandLineParser &parser, const AutomlOptions &o, AutoMLSettings &settings,
                                double &minutes, std::string &validationFile)
{
    settings.targetColumn = parser.value(o.target).toStdString();
    settings.primaryMetric = parser.value(o.metric).toStdString();
    if (const auto failed = readLimits(parser, o, settings, minutes))
        return failed;
    settings.allowedModels = splitList(parser.value(o.allowed));
    settings.blockedModels = splitList(parser.value(o.blocked));
    settings.excludedColumns = splitList(parser.value(o.exclude));
    if (parser.isSet(o.noEnsembles))
        settings.enableVotingEnsemble = settings.enableStackEnsemble = false;
    settings.explainBestModel = !parser.isSet(o.noExplain);
    return readValidation(parser, o, settings, validationFile);
}

// A CSV file, or nothing after saying why it cannot be read (naming it as `shown`).
std::optional<Dataset> readData(const std::string &path, const QString &shown)
{
    auto table = readCsvFile(path);
    if (!table) {
        printErr(QStringLiteral("automl: %1: %2").arg(shown, q(table.error())));
        return std::nullopt;
    }
    return std::move(table->data);
}

using InfoLine = std::function<void(const QString &)>;

void printGuardrails(const RunResult &result, const InfoLine &info)
{
    info(QString());
    info(QStringLiteral("Data guardrails:"));
    for (const auto &g : result.guardrails.guardrails) {
        QString line = QStringLiteral("  %1 %2").arg(q(g.name).leftJustified(36), q(std::string(toString(g.status))).leftJustified(8));
        line += q(g.description);
        if (!g.action.empty())
            line += QStringLiteral(" -> ") + q(g.action);
        info(line);
    }
}

void printLeaderboard(const RunResult &result, const AutoMLSettings &settings, const InfoLine &info)
{
    info(QString());
    info(QStringLiteral("Leaderboard (%1, validation: %2, stopped: %3):")
             .arg(q(settings.primaryMetric), q(result.validationDescription), q(result.stopReason)));
    const bool hasTest = result.testRows > 0;
    info(QStringLiteral("  %1 %2 %3 %4 %5").arg(QStringLiteral("run"), 4).arg(QStringLiteral("algorithm").leftJustified(44))
             .arg(QStringLiteral("valid"), 8).arg(hasTest ? QStringLiteral("test") : QString(), 8)
             .arg(QStringLiteral("seconds"), 8));
    int shown = 0;
    for (const TrialResult *t : result.leaderboard()) {
        if (shown++ >= 25)
            break;
        const auto testIt = t->testMetrics.find(settings.primaryMetric);
        info(QStringLiteral("  %1 %2 %3 %4 %5%6")
                 .arg(t->id, 4)
                 .arg(q(t->algorithm).leftJustified(44))
                 .arg(formatScore(t->score), 8)
                 .arg(hasTest && testIt != t->testMetrics.end() ? formatScore(testIt->second) : QString(), 8)
                 .arg(static_cast<double>(t->duration.count()) / 1000.0, 8, 'f', 1)
                 .arg(t->id == result.bestTrialId ? QStringLiteral("  <- best") : QString()));
    }
}

void printBest(const RunResult &result, const AutoMLSettings &settings, const InfoLine &info)
{
    const TrialResult *best = result.bestTrial();
    info(QString());
    if (best) {
        info(QStringLiteral("Best: run %1 %2, validation %3 %4")
                 .arg(best->id)
                 .arg(q(best->algorithm), q(settings.primaryMetric), formatScore(best->score)));
        if (!best->ensembleDescription.empty())
            info(QStringLiteral("  members: %1").arg(q(best->ensembleDescription)));
        if (result.refitMembers > 0)
            info(QStringLiteral("  refit on all %1 training rows (%2 of %3 models; the test figures are the refit model's)")
                     .arg(result.trainRows)
                     .arg(result.refitMembers)
                     .arg(result.refitMembers + result.refitSkipped));
        else if (result.refitSkipped > 0)
            info(QStringLiteral("  not refit: the budget ran out; the searched model is kept"));
        const auto testIt = best->testMetrics.find(settings.primaryMetric);
        if (testIt != best->testMetrics.end())
            info(QStringLiteral("  test %1 %2, accuracy %3")
                     .arg(q(settings.primaryMetric), formatScore(testIt->second))
                     .arg(formatScore(best->testMetrics.count("accuracy") ? best->testMetrics.at("accuracy") : NAN)));
    }
    if (result.explanation) {
        // Permutation importance when it measured every column, else XGBoost's SHAP ranking.
        const auto &ranking = result.explanation->permutation.empty() ? result.explanation->shap
                                                                       : result.explanation->permutation;
        QString top;
        for (std::size_t i = 0; i < std::min<std::size_t>(5, ranking.size()); ++i)
            top += (top.isEmpty() ? QString() : QStringLiteral(", ")) + q(ranking[i].column);
        if (!top.isEmpty())
            info(QStringLiteral("  most important columns: %1").arg(top));
    }
}

nlohmann::json jsonSummary(const RunResult &result, const AutoMLSettings &settings, const std::filesystem::path &outDir)
{
    const TrialResult *best = result.bestTrial();
    nlohmann::json summary = {{"best_run_id", result.bestTrialId},
                              {"best_model", result.best->name()},
                              {"primary_metric", settings.primaryMetric},
                              {"validation_score", best ? best->score : 0.0},
                              {"stop_reason", result.stopReason},
                              {"canceled", result.canceled},
                              {"trials", result.trials.size()},
                              {"refit_members", result.refitMembers},
                              {"refit_skipped", result.refitSkipped},
                              {"unlabeled_train_rows", result.unlabeledTrainRows},
                              {"unlabeled_test_rows", result.unlabeledTestRows},
                              {"out", outDir.string()}};
    if (best) {
        nlohmann::json testMetrics = nlohmann::json::object();
        for (const auto &[name, value] : best->testMetrics)
            testMetrics[name] = std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
        summary["test_metrics"] = testMetrics;
    }
    return summary;
}

// Runs the engine with Ctrl-C as its cancel, printing a line per finished trial to stderr.
Result<RunResult> trainWithProgress(const AutoMLSettings &settings, const Dataset &data, std::optional<Dataset> test, CancelToken &cancel)
{
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
    auto result = runAutoML(settings, data, std::move(test), progress, cancel);
    std::signal(SIGINT, previous);
    g_cancel = nullptr;
    return result;
}

} // namespace

int runAutoml(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Train a classifier on a CSV file with the local AutoML engine (Azure AutoML's settings and metrics)."));
    const AutomlOptions o;
    parser.addOptions(o.all());
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    if (!parser.isSet(o.data) || !parser.isSet(o.target) || !parser.isSet(o.out))
        return usageError(QStringLiteral("--data, --target and --out are required."));

    AutoMLSettings settings;
    double minutes = 0;
    std::string validationFile;
    if (const auto failed = readSettings(parser, o, settings, minutes, validationFile))
        return *failed;

    const std::filesystem::path outDir = parser.value(o.out).toStdString();
    std::error_code ec;
    if (std::filesystem::exists(outDir, ec) &&
        !(std::filesystem::is_directory(outDir, ec) && std::filesystem::is_empty(outDir, ec))) {
        printErr(QStringLiteral("automl: %1 already exists and is not empty; choose a new --out directory.")
                     .arg(parser.value(o.out)));
        return ExitFailure;
    }
    const bool json = parser.isSet(o.json);
    const InfoLine info = [json](const QString &line) { json ? printErr(line) : printOut(line); };

    const auto data = readData(parser.value(o.data).toStdString(), parser.value(o.data));
    if (!data)
        return ExitFailure;
    std::optional<Dataset> test;
    if (parser.isSet(o.test)) {
        test = readData(parser.value(o.test).toStdString(), parser.value(o.test));
        if (!test)
            return ExitFailure;
    }
    if (!validationFile.empty()) {
        settings.validationData = readData(validationFile, q(validationFile));
        if (!settings.validationData)
            return ExitFailure;
    }
    info(QStringLiteral("Training on %1 rows x %2 columns, target '%3', primary metric %4, budget %5 min, %6 concurrent trials.")
             .arg(data->rows)
             .arg(data->columnCount())
             .arg(q(settings.targetColumn), q(settings.primaryMetric))
             .arg(minutes)
             .arg(settings.maxConcurrentTrials));

    CancelToken cancel;
    auto result = trainWithProgress(settings, *data, std::move(test), cancel);
    if (!result) {
        printErr(QStringLiteral("automl: %1").arg(q(result.error())));
        return cancel.canceled() ? ExitInterrupted : ExitFailure;
    }
    if (result->unlabeledTrainRows > 0 || result->unlabeledTestRows > 0)
        info(QStringLiteral("Left out rows whose target '%1' is empty: %2 of the training rows, %3 of the test rows.")
                 .arg(q(settings.targetColumn))
                 .arg(result->unlabeledTrainRows)
                 .arg(result->unlabeledTestRows));
    printGuardrails(*result, info);
    printLeaderboard(*result, settings, info);
    printBest(*result, settings, info);

    if (auto error = writeRunOutput(*result, outDir)) {
        printErr(QStringLiteral("automl: %1").arg(q(error->message)));
        return ExitFailure;
    }
    info(QStringLiteral("Wrote %1 (best model package in %1/best) in %2 s.")
             .arg(parser.value(o.out))
             .arg(static_cast<double>(result->duration.count()) / 1000.0, 0, 'f', 1));
    if (json)
        printOut(QString::fromStdString(jsonSummary(*result, settings, outDir).dump()));
    return result->canceled ? ExitInterrupted : ExitOk;
}

} // namespace cerulean::cli
