#pragma once

// Factories of the individual learner families, used by learners.cpp only.

#include "core/automl/learners.h"

namespace cerulean::automl::detail {

std::unique_ptr<Learner> trainXGBoost(const HyperParams &params, const TrainInput &input, const TrainOptions &options,
                                      std::string &error);
std::unique_ptr<Learner> loadXGBoost(const nlohmann::json &state, std::span<const std::uint8_t> blob,
                                     std::string &error);

std::unique_ptr<Learner> trainLogistic(const HyperParams &params, const TrainInput &input, const TrainOptions &options,
                                       std::string &error);
std::unique_ptr<Learner> trainLinearSvm(const HyperParams &params, const TrainInput &input,
                                        const TrainOptions &options, std::string &error);
std::unique_ptr<Learner> loadLinear(const nlohmann::json &state, std::string &error);

// extraTrees: random thresholds and no bootstrap (Geurts et al.); otherwise a random forest.
std::unique_ptr<Learner> trainForest(bool extraTrees, const HyperParams &params, const TrainInput &input,
                                     const TrainOptions &options, std::string &error);
std::unique_ptr<Learner> loadForest(const nlohmann::json &state, std::span<const std::uint8_t> blob,
                                    std::string &error);

// SHAP contributions of an XGBoost learner (empty for other kinds): rows x classesOut x
// (features + 1), the last entry of each block the bias.
std::vector<float> xgboostContributions(const Learner &learner, DenseView x, int &classesOut);

// XGBoost's own prediction for an XGBoost learner (which normally predicts with its compiled
// copy of the trees); `compiled` tells whether it has that copy. False for other kinds.
bool xgboostLibraryPredict(const Learner &learner, DenseView x, std::span<double> out, bool &compiled);

double param(const HyperParams &params, const std::string &name, double fallback);

} // namespace cerulean::automl::detail
