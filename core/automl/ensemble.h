#pragma once

// The trained predictor of a run (one configuration, a VotingEnsemble or a StackEnsemble)
// and the selection of ensembles from validation predictions.

#include "core/automl/learners.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace cerulean::automl {

// One configuration as trained: a bag of learners (one per cross-validation fold, or one
// for a holdout); predicts the mean of their probabilities.
struct ModelMember final
{
    std::string algorithm;   // learner kind ("XGBoostClassifier")
    std::string displayName; // leaderboard name ("StandardScalerWrapper, LogisticRegression")
    HyperParams params;
    std::vector<std::shared_ptr<const Learner>> bag;

    void predictProba(DenseView x, std::span<double> out) const;
};

// Features → class probabilities for a whole run's model. Thread-safe for prediction.
class Predictor final
{
public:
    enum class Kind { Single, Voting, Stacking };

    Kind kind = Kind::Single;
    int classes = 2;
    std::vector<ModelMember> members;
    std::vector<double> weights;              // Voting: one per member, summing to 1
    std::shared_ptr<const Learner> metaLearner; // Stacking: logistic regression on member outputs

    // "VotingEnsemble", "StackEnsemble" or the member's display name.
    std::string name() const;
    // out: x.rows * classes probabilities, row-major.
    void predictProba(DenseView x, std::span<double> out) const;
};

// Member outputs as the stack's meta-learner sees them: per member, P(class 1) for a
// binary task or every class's probability otherwise. `memberProba[m]` is rows * classes.
std::vector<float> stackFeatures(const std::vector<const std::vector<double> *> &memberProba, std::size_t rows,
                                 int classes);

// Caruana et al. (2004) ensemble selection with sorted initialization: start from the
// best `initialSize` models, then add (with replacement) the model that most improves the
// score of the averaged predictions, `iterations` times. Candidates are the models within
// `tolerance` (relative) of the best one, at most `maxCandidates` of them.
struct CaruanaOptions final
{
    int maxCandidates = 5;    // Azure: ensemble up to 5 best runs
    double tolerance = 0.05;  // ... within 5 % of the best score
    int iterations = 15;      // Azure: ensemble_iterations = 15
    int initialSize = 1;
};

// Scores a probability matrix (rows * classes); higher must be better.
using ScoreFunction = std::function<double(const std::vector<double> &proba)>;

struct CaruanaResult final
{
    std::vector<std::size_t> members; // indices into the candidate list, distinct
    std::vector<double> weights;      // selection counts normalized to 1
    double score = 0;
};

// `proba[i]` are validation (or out-of-fold) predictions of candidate i, `scores[i]` its
// score. Returns an empty selection when fewer than two candidates qualify.
CaruanaResult caruanaSelect(const std::vector<const std::vector<double> *> &proba, const std::vector<double> &scores,
                            const ScoreFunction &score, const CaruanaOptions &options = {});

} // namespace cerulean::automl
