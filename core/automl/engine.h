#pragma once

// The AutoML engine: guardrails, featurization, a time-budgeted concurrent search over
// learners, ensembles, metrics, explanations and the best model package, as Azure AutoML
// runs a classification job. The local workspace service, the GUI and the CLI call
// runAutoML and writeRunOutput.

#include "core/automl/dataset.h"
#include "core/automl/explain.h"
#include "core/automl/guardrails.h"
#include "core/automl/learners.h"
#include "core/automl/model_package.h"
#include "core/automl/profile.h"
#include "core/automl/validation.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cerulean::automl {

// Settings of one run, with the Azure AutoML (SDK v2) names in comments.
struct AutoMLSettings final
{
    std::string task = "classification";              // task (classification only here)
    std::string targetColumn;                         // target_column_name
    std::string primaryMetric = "AUC_weighted";       // primary_metric
    std::chrono::milliseconds timeout = std::chrono::minutes(15); // limits.timeout_minutes (whole run)
    std::chrono::milliseconds trialTimeout = std::chrono::milliseconds::zero(); // limits.trial_timeout_minutes; 0 = none
    int maxTrials = 1000;                             // limits.max_trials
    int maxConcurrentTrials = 1;                      // limits.max_concurrent_trials
    int earlyTerminationTrials = 0;                   // limits.enable_early_termination: stop after N trials without improvement; 0 = off
    ValidationSettings validation;                    // n_cross_validations / validation_data_size
    std::optional<Dataset> validationData;            // validation_data (ValidationKind::File)
    double testSize = 0;                              // test_data_size: share of training rows held out as test
    std::vector<std::string> allowedModels;           // training.allowed_training_algorithms (empty = all)
    std::vector<std::string> blockedModels;           // training.blocked_training_algorithms
    bool enableVotingEnsemble = true;                 // training.enable_vote_ensemble
    bool enableStackEnsemble = true;                  // training.enable_stack_ensemble
    bool explainBestModel = true;                     // training.enable_model_explainability
    // As Azure does after the search: the best model (every member of an ensemble) is
    // trained again on all training rows, validation rows included, with the
    // hyperparameters the search chose. Not with a separate validation file.
    bool refitBestModel = true;
    std::vector<std::string> excludedColumns;         // featurization.blocked_transformers / drop_columns
    std::uint64_t seed = 42;
    int threads = 0;                                  // cores for the whole run; 0 = all
};

enum class TrialStatus { Completed, Failed, Canceled };
std::string_view toString(TrialStatus status);

// One leaderboard row: a trial or an ensemble.
struct TrialResult final
{
    int id = 0;
    std::string algorithm;   // leaderboard name
    std::string learnerKind; // learner id, or "VotingEnsemble" / "StackEnsemble"
    HyperParams params;      // as trained (XGBoost: rounds kept after early stopping)
    std::string origin;      // "initial", "portfolio", "local", "ensemble"
    TrialStatus status = TrialStatus::Completed;
    std::string error;
    double score = std::nan("");  // primary metric on validation
    std::map<std::string, double> validationMetrics;
    std::map<std::string, double> testMetrics; // when there is test data
    std::chrono::milliseconds duration{0};
    std::chrono::milliseconds finishedAt{0}; // since the run started
    std::string validationChartsJson;        // metrics.h chartsJson
    std::string testChartsJson;
    std::string ensembleDescription;          // members and weights of an ensemble
};

// The progress callback sees every finished trial, one call at a time (from a worker
// thread), with the best score so far.
struct TrialEvent final
{
    const TrialResult &trial;
    double bestScore;
    int bestTrialId;
};
using ProgressCallback = std::function<void(const TrialEvent &)>;

// Cancels a run from any thread; the run stops its trials promptly and keeps the best so far.
class CancelToken final
{
public:
    void cancel() { m_flag.store(true); }
    bool canceled() const { return m_flag.load(); }
    const std::atomic<bool> *flag() const { return &m_flag; }

private:
    std::atomic<bool> m_flag{false};
};

struct RunResult final
{
    AutoMLSettings settings;
    DatasetProfile profile;
    GuardrailReport guardrails;
    std::string validationDescription;
    std::vector<std::string> classLabels;
    std::vector<TrialResult> trials; // in finishing order, ensembles last
    int bestTrialId = -1;
    std::shared_ptr<const ModelPackage> best;
    std::optional<Explanation> explanation;
    std::vector<std::vector<double>> bestTestProbabilities; // the best model on the test rows
    bool canceled = false;
    std::string stopReason; // "timeout", "max_trials", "early_termination", "canceled"
    std::chrono::milliseconds duration{0};
    std::size_t trainRows = 0;
    std::size_t testRows = 0;
    // Rows left out because their target cell is empty (they can be neither learned nor scored).
    std::size_t unlabeledTrainRows = 0;
    std::size_t unlabeledTestRows = 0;
    // Members of the best model refit on all training rows, and those kept as the search
    // trained them (the refit did not finish within the budget).
    int refitMembers = 0;
    int refitSkipped = 0;

    const TrialResult *bestTrial() const;
    // Trials and ensembles ordered best first (failed ones last).
    std::vector<const TrialResult *> leaderboard() const;
};

// Runs AutoML on `train`. Errors: the target column is missing (the message lists the
// columns), fewer than two classes, a test or validation set whose columns differ,
// nothing trainable, or no trial finished before the budget/cancel.
Result<RunResult> runAutoML(const AutoMLSettings &settings, const Dataset &train, std::optional<Dataset> test,
                            const ProgressCallback &progress, const CancelToken &cancel);

// Writes the run into `dir` atomically: everything goes into a sibling temporary
// directory that is renamed to `dir` at the end; on any error nothing is left behind.
// `dir` must not exist or be empty. Layout: leaderboard.json, guardrails.json,
// profile.json, runs/<id>/{metrics.json,charts.json}, explanation.json, progress.json
// (best score over time), best/ (the model package).
std::optional<Error> writeRunOutput(const RunResult &result, const std::filesystem::path &dir);

// For tests of code that needs a real package: trains one small XGBoost (about a second
// on a few thousand rows) on `data` with `target` and saves the package in `outDir`.
Result<ModelPackage> trainQuickPackage(const Dataset &data, const std::string &target,
                                       const std::filesystem::path &outDir);

} // namespace cerulean::automl
