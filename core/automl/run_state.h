#pragma once

// The state of one runAutoML call and the phases that fill it, in the order the run takes
// them (engine.cpp). Internal to core/automl: callers use engine.h.

#include "core/automl/engine.h"
#include "core/automl/ensemble.h"
#include "core/automl/featurizer.h"
#include "core/automl/schema.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cerulean::automl::phases {

using Clock = std::chrono::steady_clock;

// The refit needs about as long as the best trials took (a tenth more rows, no early-stopping
// tail): the search stops starting trials when that time is all that is left. The estimate
// follows the measured durations, so a loaded machine refits in time too, and it never
// takes more than this share of the budget from the search.
inline constexpr double kRefitTimeMargin = 1.25;
inline constexpr double kMaxRefitShare = 0.4;
inline constexpr std::size_t kRefitEstimateMembers = 3;
// A new best must beat the old one by more than rounding.
inline constexpr double kMinImprovement = 1e-12;

// How many seeds a member of this algorithm is refit with (refit.cpp says why one).
int refitSeeds(const std::string &algorithm);

// Row-major features of some rows.
struct Matrix final
{
    std::vector<float> values;
    std::size_t rows = 0, cols = 0;
    DenseView view() const { return {values.data(), rows, cols}; }
};

Matrix takeRows(const std::vector<float> &values, std::size_t cols, const std::vector<std::size_t> &rows);
std::vector<int> takeLabels(const std::vector<int> &labels, const std::vector<std::size_t> &rows);

// One validation fold: a trial trains on train* and predicts valid*, whose predictions go to
// evalPositions in the run's evaluation arrays (every row for cross-validation).
struct Fold final
{
    Matrix trainX, validX;
    std::vector<int> trainY, validY;
    std::vector<std::size_t> evalPositions;
};

// A finished trial kept for ensembles and the best model: its models and predictions.
struct Candidate final
{
    int id = 0;
    std::chrono::milliseconds duration{0};
    double oriented = 0; // higher is better
    ModelMember member;
    std::vector<double> evalProba;
    std::vector<double> testProba;
};

// An ensemble built after the search, by trial id.
struct BuiltEnsemble final
{
    int id = 0;
    std::shared_ptr<const Predictor> predictor;
};

// Metrics (and charts) of probabilities against the truth.
struct Evaluated final
{
    std::map<std::string, double> metrics;
    std::string charts;
    double score = std::nan(""); // the primary metric
};

Evaluated evaluate(const std::vector<int> &truth, const std::vector<double> &proba, int classes,
                   const std::vector<std::string> &labels, const std::string &primary, bool charts);

// How the run spends its cores and its time.
struct Budget final
{
    int totalThreads = 1;
    int workers = 1;        // trials at once
    bool smallData = false; // trials and refits train on one thread
    int threadsPerTrial = 1;
    bool refit = false;                    // the best model trains again on all training rows
    std::chrono::milliseconds reserve{0};  // kept for ensembles, explanation and output
    Clock::time_point searchEnd;           // no trial runs past it
    std::chrono::milliseconds maxRefitTime{0};
};

// One run, filled phase by phase. A phase reads what the phases before it filled.
struct RunState final
{
    RunState(const AutoMLSettings &settings, const ProgressCallback &progress, const CancelToken &cancel);

    const AutoMLSettings &settings;
    const ProgressCallback &progress;
    const CancelToken &cancel;
    const Clock::time_point start;
    const Clock::time_point deadline;
    const bool higher; // the primary metric is better when higher
    RunResult result;

    // prepareTarget: the labelled training rows, their classes, and the test rows.
    int targetIndex = -1;
    Dataset data;
    std::vector<int> labels;
    std::vector<std::string> classLabels;
    int classes = 0;
    std::optional<Dataset> test;

    // featurize: the fitted featurizer, the training features and the encoded test rows.
    Featurizer featurizer;
    FeatureMatrix features;
    InputSchema schema;
    bool hasTest = false;
    Matrix testX;
    std::vector<int> testTruth;

    // buildFolds: the folds and the rows every trial is evaluated on (evalX: for explanations).
    std::vector<Fold> folds;
    std::vector<int> evalTruth;
    Matrix evalX;

    // chooseLearners, planBudget.
    std::vector<const LearnerInfo *> learners;
    Budget budget;

    // search: the best trials and the best score so far (ensembles add to them).
    std::vector<Candidate> kept;
    int lastTrialId = 0; // the ensembles take the ids after it
    double bestOriented = -std::numeric_limits<double>::infinity();
    int bestId = -1;

    // buildEnsembles, pickBest, refitBest.
    std::vector<BuiltEnsemble> ensembles;
    std::shared_ptr<const Predictor> bestPredictor;

    double orient(double value) const { return higher ? value : -value; }
    double bestScore() const { return higher ? bestOriented : -bestOriented; }
    std::size_t classCount() const { return static_cast<std::size_t>(classes); }
    bool scoresTest() const { return hasTest && testX.rows > 0; }
};

// The phases, in order (the search is search.h's Searcher driven by TrialSearch). A phase
// that returns an error ends the run.
std::optional<Error> checkSettings(const AutoMLSettings &settings);
std::optional<Error> prepareTarget(RunState &run, const Dataset &train);
std::optional<Error> featurize(RunState &run);
std::optional<Error> buildFolds(RunState &run);
std::optional<Error> chooseLearners(RunState &run);
void planBudget(RunState &run);
std::optional<Error> search(RunState &run); // trial_search.cpp
void buildEnsembles(RunState &run);
std::optional<Error> pickBest(RunState &run);
void refitBest(RunState &run); // refit.cpp
void packageBest(RunState &run);
void explainBest(RunState &run);

} // namespace cerulean::automl::phases
