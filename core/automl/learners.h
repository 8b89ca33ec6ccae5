#pragma once

// Learners of the AutoML engine: each trains on a dense row-major float matrix with integer
// class labels 0..k-1 and predicts class probabilities. Their state serializes to a small
// JSON object plus an optional binary blob (tree arrays, XGBoost model buffers) so a model
// package reproduces predictions bit for bit.

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace cerulean::automl {

// A read-only view of a dense row-major matrix.
struct DenseView
{
    const float *values = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;

    const float *row(std::size_t r) const { return values + r * cols; }
    bool empty() const { return rows == 0; }
};

// Hyperparameters are numeric: integers are stored as whole doubles.
using HyperParams = std::map<std::string, double>;

nlohmann::json hyperParamsToJson(const HyperParams &params);

struct TrainInput
{
    DenseView x;
    std::span<const int> y;
    int numClasses = 2;
    // Optional: rows the learner may watch to stop early (XGBoost).
    DenseView validX;
    std::span<const int> validY;
    // Early stopping watches AUC instead of log loss (when the primary metric ranks).
    bool rankingMetric = false;
};

struct TrainOptions
{
    int threads = 1;
    std::uint64_t seed = 0;
    // Training stops at the deadline or on cancel and keeps what it has built so far.
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    const std::atomic<bool> *cancel = nullptr;
    // A second deadline that may move earlier while training runs (the search ends sooner
    // when the refit of the best model needs more time): steady_clock ticks since its
    // epoch. Null: none.
    const std::atomic<std::chrono::steady_clock::rep> *movingDeadline = nullptr;

    bool shouldStop() const
    {
        const auto now = std::chrono::steady_clock::now();
        return (cancel && cancel->load(std::memory_order_relaxed)) || now >= deadline ||
               (movingDeadline && now.time_since_epoch().count() >= movingDeadline->load(std::memory_order_relaxed));
    }
};

// One trained model. predictProba is const and safe to call from many threads at once.
class Learner
{
public:
    virtual ~Learner() = default;
    virtual std::string kind() const = 0;
    virtual int numClasses() const = 0;
    virtual std::size_t numFeatures() const = 0;
    // out has rows * numClasses entries, row-major; rows sum to 1.
    virtual void predictProba(DenseView x, std::span<double> out) const = 0;
    // Parameters as JSON; large arrays go to blob (may stay empty).
    virtual nlohmann::json save(std::vector<std::uint8_t> &blob) const = 0;
    // Hyperparameters actually used (e.g. the rounds XGBoost kept after early stopping).
    virtual HyperParams effectiveParams() const = 0;
};

// One tunable hyperparameter: searched in [low, high], on a log scale if logScale.
struct ParamSpec
{
    std::string name;
    double low = 0;
    double high = 1;
    bool logScale = false;
    bool integer = false;
};

// What the search knows about a learner kind.
struct LearnerInfo
{
    std::string kind;        // stable id: "XGBoostClassifier"
    std::string displayName; // leaderboard name: "XGBoostClassifier" / "StandardScalerWrapper, LogisticRegression"
    std::vector<ParamSpec> space;
    HyperParams cheapInit;              // the low-cost starting point of the search
    std::vector<HyperParams> portfolio; // strong known configurations tried after the cheap ones
    HyperParams fixed;                  // parameters not searched
    double costFactor = 1.0;            // relative cost per unit of costOf()
};

const std::vector<LearnerInfo> &learnerCatalog();
const LearnerInfo *findLearner(const std::string &kind);

// A deterministic estimate of a configuration's training cost (relative units), used to
// pick which learner to spend on; wall time would make the search depend on machine load.
double estimatedCost(const LearnerInfo &info, const HyperParams &params);

// Trains one learner. Returns nullptr and sets error on failure.
std::unique_ptr<Learner> trainLearner(const std::string &kind, const HyperParams &params, const TrainInput &input,
                                      const TrainOptions &options, std::string &error);

// Restores a learner saved with Learner::save. Returns nullptr and sets error on failure.
std::unique_ptr<Learner> loadLearner(const nlohmann::json &state, std::span<const std::uint8_t> blob,
                                     std::string &error);

} // namespace cerulean::automl
