#include "core/serving/model_package_scorer.h"

#include "core/automl/model_package.h"

namespace cerulean::serving {

namespace {

InputKind kindOf(automl::ColumnType type)
{
    switch (type) {
    case automl::ColumnType::Numeric: return InputKind::Numeric;
    case automl::ColumnType::Categorical: return InputKind::Categorical;
    case automl::ColumnType::Text: return InputKind::Text;
    }
    return InputKind::Text;
}

} // namespace

ModelPackageScorer::ModelPackageScorer(std::shared_ptr<const automl::ModelPackage> package)
    : m_package(std::move(package))
{
    const automl::InputSchema &schema = m_package->schema();
    for (const automl::SchemaColumn &column : schema.columns)
        m_schema.columns.push_back(InputColumn{column.name, kindOf(column.type), column.categories});
    m_schema.target = schema.target;
    m_schema.classLabels = schema.classLabels;
    m_schema.exampleRow = schema.exampleRow;
    if (m_schema.exampleRow.size() != m_schema.columns.size()) {
        m_schema.exampleRow.clear();
        for (const automl::SchemaColumn &column : schema.columns)
            m_schema.exampleRow.push_back(column.example);
    }
}

ModelPackageScorer::~ModelPackageScorer() = default;

std::shared_ptr<ModelPackageScorer> ModelPackageScorer::load(const std::filesystem::path &dir, std::string &error)
{
    auto loaded = automl::ModelPackage::load(dir);
    if (!loaded) {
        error = loaded.error();
        return nullptr;
    }
    return std::make_shared<ModelPackageScorer>(std::make_shared<const automl::ModelPackage>(std::move(loaded).value()));
}

std::string ModelPackageScorer::name() const
{
    return m_package->name();
}

std::string ModelPackageScorer::version() const
{
    return m_package->version();
}

std::optional<std::string> ModelPackageScorer::predict(std::span<const std::vector<Cell>> rows, Prediction &out) const
{
    auto probabilities = m_package->predictProbaChecked(rows);
    if (!probabilities)
        return probabilities.error();
    const auto &matrix = probabilities.value();
    out.rows = matrix.size();
    out.classes = matrix.empty() ? 0 : matrix.front().size();
    out.values.clear();
    out.values.reserve(out.rows * out.classes);
    for (const auto &row : matrix) {
        if (row.size() != out.classes)
            return std::string("the model returned rows of different widths");
        out.values.insert(out.values.end(), row.begin(), row.end());
    }
    return std::nullopt;
}

} // namespace cerulean::serving
