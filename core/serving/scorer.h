#pragma once

// What the scoring application needs from a model: its input schema and a thread-safe
// predict function. The server does not care how the model was made; a model package from
// core/automl is adapted to this in model_package_scorer.h.

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace cerulean::serving {

// One input value: missing, a number, or text (the same type as automl::Cell).
using Cell = std::variant<std::monostate, double, std::string>;

enum class InputKind
{
    Numeric,
    Categorical, // one of the training categories; unseen values are handled as training did
    Text
};

struct InputColumn
{
    std::string name;
    InputKind kind = InputKind::Numeric;
    std::vector<std::string> categories; // Categorical: values seen in training
};

// The columns a scoring request must send, in the order the model takes them.
struct ScoringSchema
{
    std::vector<InputColumn> columns;
    std::string target;                   // the trained target's name (ignored if a row sends it)
    std::vector<std::string> classLabels; // classification; empty for regression
    std::vector<Cell> exampleRow;         // schema order; used for the Swagger example
};

// Probabilities for rows x classes, row-major; or one value per row for regression.
struct Prediction
{
    std::size_t rows = 0;
    std::size_t classes = 0;
    std::vector<double> values;
};

class Scorer
{
public:
    virtual ~Scorer() = default;
    virtual const ScoringSchema &schema() const = 0;
    virtual std::string name() const = 0;
    virtual std::string version() const = 0;
    // Rows hold one cell per schema column, already type-checked. Called from many threads
    // at once. Returns an error message naming the row and column if the model rejects one.
    virtual std::optional<std::string> predict(std::span<const std::vector<Cell>> rows, Prediction &out) const = 0;
};

} // namespace cerulean::serving
