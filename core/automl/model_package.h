#pragma once

// A trained model as a versioned, self-describing directory, and the predictor the scoring
// server loads from it:
//   model.json   format version, task, name and version, input schema (columns, types,
//                categories, an example row), target and class labels, featurizer,
//                learners with their hyperparameters, ensemble weights, metrics
//   learners/    one binary blob per learner that needs one (XGBoost UBJ buffers, trees)
// A package loaded back predicts bit for bit what the engine predicted.

#include "core/automl/dataset.h"
#include "core/automl/ensemble.h"
#include "core/automl/featurizer.h"
#include "core/automl/schema.h"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cerulean::automl {

template <typename T>
using Expected = Result<T>;

inline constexpr int kModelPackageFormatVersion = 1;
inline constexpr const char *kModelPackageFormat = "cerulean-automl-model";

// Everything a package holds besides the learners themselves.
struct ModelPackageInfo final
{
    std::string name;           // e.g. "VotingEnsemble" or "XGBoostClassifier"
    std::string version = "1";  // the model's version (a registry may bump it)
    std::string task = "classification";
    std::string primaryMetric;
    std::string createdUtc;     // ISO 8601
    std::map<std::string, double> validationMetrics;
    std::map<std::string, double> testMetrics;
};

class ModelPackage final
{
public:
    // Assembles a package in memory from what the engine trained.
    ModelPackage(InputSchema schema, Featurizer featurizer, std::shared_ptr<const Predictor> predictor,
                 ModelPackageInfo info);

    // Reads DIR/model.json and the learner blobs. The error names the file and the problem.
    static Expected<ModelPackage> load(const std::filesystem::path &dir);
    // Writes the package into `dir`: into a temporary folder beside it, renamed into place once
    // complete, so that a reader or a crash sees the whole package or none (an existing
    // package there is replaced in one step).
    std::optional<Error> save(const std::filesystem::path &dir) const;

    const InputSchema &schema() const { return m_schema; }
    std::string name() const { return m_info.name; }
    std::string version() const { return m_info.version; }
    const ModelPackageInfo &info() const { return m_info; }
    const std::vector<std::string> &classLabels() const { return m_schema.classLabels; }
    const Featurizer &featurizer() const { return *m_featurizer; }
    const Predictor &predictor() const { return *m_predictor; }

    // Rows are cells in schema column order. One probability per class, in the order of
    // schema().classLabels. Safe to call from many threads at once. A row the featurizer
    // rejects (text where a number is required, wrong cell count) makes the whole call an
    // error naming the row (1-based) and the column.
    Expected<std::vector<std::vector<double>>> predictProba(std::span<const std::vector<Cell>> rows) const;
    // The most probable class label of each row; errors as predictProba.
    Expected<std::vector<std::string>> predict(std::span<const std::vector<Cell>> rows) const;
    // The same as predictProba (the name callers used while predictProba could not fail).
    Expected<std::vector<std::vector<double>>> predictProbaChecked(std::span<const std::vector<Cell>> rows) const
    {
        return predictProba(rows);
    }

    // Probabilities of already featurized rows (rows * classes).
    std::vector<double> predictFeatures(const FeatureMatrix &features) const;

private:
    std::optional<Error> writeInto(const std::filesystem::path &dir) const;
    InputSchema m_schema;
    std::shared_ptr<const Featurizer> m_featurizer;
    std::shared_ptr<const Predictor> m_predictor;
    ModelPackageInfo m_info;
};

} // namespace cerulean::automl
