#pragma once

// A Scorer over a core/automl model package: what `cerulean-cli serve --model DIR` and the
// local workspace's deployments serve.

#include "core/serving/scorer.h"

#include <filesystem>
#include <memory>
#include <string>

namespace cerulean::automl {
class ModelPackage;
}

namespace cerulean::serving {

class ModelPackageScorer final : public Scorer
{
public:
    explicit ModelPackageScorer(std::shared_ptr<const automl::ModelPackage> package);
    ~ModelPackageScorer() override;

    // Loads DIR; on failure returns nullptr and sets `error` (the message names the file).
    static std::shared_ptr<ModelPackageScorer> load(const std::filesystem::path &dir, std::string &error);

    const ScoringSchema &schema() const override { return m_schema; }
    std::string name() const override;
    std::string version() const override;
    std::optional<std::string> predict(std::span<const std::vector<Cell>> rows, Prediction &out) const override;

    const automl::ModelPackage &package() const { return *m_package; }

private:
    std::shared_ptr<const automl::ModelPackage> m_package;
    ScoringSchema m_schema;
};

} // namespace cerulean::serving
