#pragma once

// The input schema of a trained model (what a scoring request must send) and the class
// labels of a classification target.

#include "core/automl/csv.h"
#include "core/automl/dataset.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cerulean::automl {

enum class ColumnType {
    Numeric,
    Categorical, // one of the training categories (others are accepted and ignored)
    Text,        // free text or identifiers
};

// "numeric", "categorical", "text".
std::string_view toString(ColumnType type);
bool columnTypeFromString(std::string_view text, ColumnType &type);

struct SchemaColumn final {
    std::string name;
    ColumnType type = ColumnType::Numeric;
    std::vector<std::string> categories; // Categorical: values seen in training, most frequent first
    Cell example;                         // a typical non-missing training value
};

// One column per non-target input column, in training order: the order
// Featurizer::transformRow and scoring requests use.
struct InputSchema final {
    std::vector<SchemaColumn> columns;
    std::string target;
    std::vector<std::string> classLabels;
    std::vector<Cell> exampleRow; // one training row, schema order

    int columnIndex(std::string_view name) const;
    // Type hints that make readCsvFile store each column as training did.
    std::vector<std::pair<std::string, ColumnTypeHint>> csvTypeHints() const;

    std::string toJson() const;
    static Result<InputSchema> fromJson(std::string_view json);
};

// The schema of `train` without the column at `targetColumn` (-1: no target).
InputSchema makeInputSchema(const Dataset &train, int targetColumn, const std::vector<std::string> &classLabels);

// `data` rearranged into schema order, extra columns (e.g. the target) dropped and cells
// converted to the schema's types. Errors name every missing column and the first cell
// that is not a number where a number is required.
Result<Dataset> conformToSchema(const Dataset &data, const InputSchema &schema);

// Class labels of a target column and each row's class index (-1 where the target is
// missing). Labels are sorted: numerically for numeric targets, else by byte order.
struct TargetClasses final {
    std::vector<std::string> labels;
    std::vector<int> rowLabels;
    std::vector<std::size_t> counts; // rows per label
};
// Errors: every target is missing, there is only one class, or most of more than ten classes
// have a single row (a quantity such as a price given as the target).
Result<TargetClasses> encodeTarget(const Column &target);

} // namespace cerulean::automl
