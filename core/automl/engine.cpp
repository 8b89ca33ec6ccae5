#include "core/automl/engine.h"

#include "core/automl/metrics.h"
#include "core/automl/run_state.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

#include <unistd.h>

namespace cerulean::automl {

std::string_view toString(TrialStatus status)
{
    switch (status) {
    case TrialStatus::Completed:
        return "Completed";
    case TrialStatus::Failed:
        return "Failed";
    case TrialStatus::Canceled:
        return "Canceled";
    }
    return "Completed";
}

const TrialResult *RunResult::bestTrial() const
{
    for (const auto &t : trials)
        if (t.id == bestTrialId)
            return &t;
    return nullptr;
}

std::vector<const TrialResult *> RunResult::leaderboard() const
{
    const bool higher = higherIsBetter(settings.primaryMetric);
    std::vector<const TrialResult *> order;
    for (const auto &t : trials)
        order.push_back(&t);
    std::stable_sort(order.begin(), order.end(), [&](const TrialResult *a, const TrialResult *b) {
        const bool okA = a->status == TrialStatus::Completed && std::isfinite(a->score);
        const bool okB = b->status == TrialStatus::Completed && std::isfinite(b->score);
        if (okA != okB)
            return okA;
        if (!okA)
            return a->id < b->id;
        return higher ? a->score > b->score : a->score < b->score;
    });
    return order;
}

// The phases, in order, each filling its part of the run (run_state.h); the first error ends
// the run.
Result<RunResult> runAutoML(const AutoMLSettings &settings, const Dataset &train, std::optional<Dataset> test,
                            const ProgressCallback &progress, const CancelToken &cancel)
{
    phases::RunState run(settings, progress, cancel);
    run.test = std::move(test);
    if (auto error = phases::checkSettings(settings))
        return *error;
    if (auto error = phases::prepareTarget(run, train))
        return *error;
    if (auto error = phases::featurize(run))
        return *error;
    if (auto error = phases::buildFolds(run))
        return *error;
    if (auto error = phases::chooseLearners(run))
        return *error;
    phases::planBudget(run);
    if (auto error = phases::search(run))
        return *error;
    phases::buildEnsembles(run);
    if (auto error = phases::pickBest(run))
        return *error;
    phases::refitBest(run);
    phases::packageBest(run);
    phases::explainBest(run);
    run.result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(phases::Clock::now() - run.start);
    return std::move(run.result);
}

// ---- Output -----------------------------------------------------------------------------------------

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json metricsObject(const std::map<std::string, double> &metrics)
{
    json out = json::object();
    for (const auto &[name, value] : metrics)
        out[name] = std::isfinite(value) ? json(value) : json(nullptr);
    return out;
}

json trialJson(const TrialResult &t)
{
    return {{"run_id", t.id},
            {"algorithm", t.algorithm},
            {"learner", t.learnerKind},
            {"hyperparameters", hyperParamsToJson(t.params)},
            {"origin", t.origin},
            {"status", std::string(toString(t.status))},
            {"error", t.error},
            {"score", std::isfinite(t.score) ? json(t.score) : json(nullptr)},
            {"duration_seconds", static_cast<double>(t.duration.count()) / 1000.0},
            {"finished_at_seconds", static_cast<double>(t.finishedAt.count()) / 1000.0},
            {"ensemble", t.ensembleDescription},
            {"validation_metrics", metricsObject(t.validationMetrics)},
            {"test_metrics", metricsObject(t.testMetrics)}};
}

std::optional<Error> writeText(const fs::path &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        return Error{"cannot create " + path.string()};
    out << text;
    out.close();
    if (!out)
        return Error{"cannot write " + path.string()};
    return std::nullopt;
}

} // namespace

std::optional<Error> writeRunOutput(const RunResult &result, const fs::path &dir)
{
    std::error_code ec;
    if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec)))
        return Error{dir.string() + " already exists and is not empty"};
    if (!result.best)
        return Error{"the run has no best model to write"};
    const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
    fs::create_directories(parent, ec);
    std::random_device device;
    const fs::path temp =
        parent / ("." + dir.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    auto fail = [&](Error error) {
        std::error_code ignore;
        fs::remove_all(temp, ignore);
        return error;
    };
    if (!fs::create_directories(temp / "runs", ec))
        return fail(Error{"cannot create " + temp.string() + ": " + ec.message()});

    json board = json::array();
    for (const TrialResult *t : result.leaderboard())
        board.push_back(trialJson(*t));
    json leaderboard = {{"primary_metric", result.settings.primaryMetric},
                        {"validation", result.validationDescription},
                        {"best_run_id", result.bestTrialId},
                        {"best_model", result.best->name()},
                        {"stop_reason", result.stopReason},
                        {"canceled", result.canceled},
                        {"duration_seconds", static_cast<double>(result.duration.count()) / 1000.0},
                        {"train_rows", result.trainRows},
                        {"test_rows", result.testRows},
                        {"refit_members", result.refitMembers},
                        {"refit_skipped", result.refitSkipped},
                        {"class_labels", result.classLabels},
                        {"runs", board}};
    if (auto e = writeText(temp / "leaderboard.json", leaderboard.dump(1)))
        return fail(*e);

    // Best score over time, in finishing order.
    const bool higher = higherIsBetter(result.settings.primaryMetric);
    json curve = json::array();
    double best = higher ? -1e300 : 1e300;
    std::vector<const TrialResult *> byTime;
    for (const auto &t : result.trials)
        byTime.push_back(&t);
    std::stable_sort(byTime.begin(), byTime.end(),
                     [](const TrialResult *a, const TrialResult *b) { return a->finishedAt < b->finishedAt; });
    for (const TrialResult *t : byTime) {
        if (t->status != TrialStatus::Completed || !std::isfinite(t->score))
            continue;
        best = higher ? std::max(best, t->score) : std::min(best, t->score);
        curve.push_back({{"seconds", static_cast<double>(t->finishedAt.count()) / 1000.0}, {"run_id", t->id},
                         {"score", t->score}, {"best", best}});
    }
    if (auto e = writeText(temp / "progress.json", json{{"primary_metric", result.settings.primaryMetric},
                                                       {"points", curve}}.dump(1)))
        return fail(*e);

    for (const auto &t : result.trials) {
        const fs::path runDir = temp / "runs" / std::to_string(t.id);
        fs::create_directories(runDir, ec);
        json metrics = {{"run_id", t.id}, {"algorithm", t.algorithm},
                        {"validation", metricsObject(t.validationMetrics)}, {"test", metricsObject(t.testMetrics)}};
        if (auto e = writeText(runDir / "metrics.json", metrics.dump(1)))
            return fail(*e);
        json charts = json::object();
        charts["validation"] = t.validationChartsJson.empty() ? json(nullptr) : json::parse(t.validationChartsJson, nullptr, false);
        charts["test"] = t.testChartsJson.empty() ? json(nullptr) : json::parse(t.testChartsJson, nullptr, false);
        if (auto e = writeText(runDir / "charts.json", charts.dump()))
            return fail(*e);
    }

    json guardrails = json::array();
    for (const auto &g : result.guardrails.guardrails)
        guardrails.push_back({{"name", g.name}, {"status", std::string(toString(g.status))},
                              {"description", g.description}, {"action", g.action}, {"columns", g.columns}});
    json leakage = json::array();
    for (const auto &s : result.guardrails.leakageScores)
        leakage.push_back({{"column", s.column}, {"auc", s.auc}});
    if (auto e = writeText(temp / "guardrails.json",
                           json{{"guardrails", guardrails}, {"leakage_scores", leakage},
                                {"dropped_columns", result.guardrails.droppedColumns}}.dump(1)))
        return fail(*e);

    json profile = json::array();
    for (const auto &c : result.profile.columns)
        profile.push_back({{"name", c.name}, {"kind", std::string(toString(c.kind))}, {"missing", c.missing},
                           {"distinct", c.distinct}, {"reason", c.reason}});
    if (auto e = writeText(temp / "profile.json", json{{"rows", result.profile.rows}, {"columns", profile}}.dump(1)))
        return fail(*e);

    if (result.explanation)
        if (auto e = writeText(temp / "explanation.json", explanationJson(*result.explanation)))
            return fail(*e);

    if (auto e = result.best->save(temp / "best"))
        return fail(*e);

    if (fs::exists(dir, ec))
        fs::remove(dir, ec); // an empty directory
    fs::rename(temp, dir, ec);
    if (ec)
        return fail(Error{"cannot move the output into " + dir.string() + ": " + ec.message()});
    return std::nullopt;
}

Result<ModelPackage> trainQuickPackage(const Dataset &data, const std::string &target, const fs::path &outDir)
{
    AutoMLSettings settings;
    settings.targetColumn = target;
    settings.maxTrials = 1;
    settings.allowedModels = {"XGBoostClassifier"};
    settings.enableVotingEnsemble = false;
    settings.enableStackEnsemble = false;
    settings.explainBestModel = false;
    settings.validation.kind = ValidationKind::Split;
    settings.validation.validationSize = 0.2;
    settings.timeout = std::chrono::seconds(60);
    settings.threads = 1;
    CancelToken cancel;
    auto run = runAutoML(settings, data, std::nullopt, nullptr, cancel);
    if (!run)
        return Error{run.error()};
    if (auto error = run->best->save(outDir))
        return *error;
    return *run->best;
}

} // namespace cerulean::automl
