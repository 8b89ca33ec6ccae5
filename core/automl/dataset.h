#pragma once

// Column-major tabular data as the AutoML engine sees it, the unit of one scoring input
// (Cell), and the error-as-value type the module's fallible functions return.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cerulean::automl {

// One input value: missing, a number, or text.
using Cell = std::variant<std::monostate, double, std::string>;

// A failure described for a user ("line 17: 19 fields, expected 21").
struct Error final {
    std::string message;
};

// A value or an Error. Implicit construction from both keeps `return value;` and
// `return Error{...};` readable at every fallible call site.
template <typename T>
class [[nodiscard]] Result final {
public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {} // NOLINT(google-explicit-constructor)
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {} // NOLINT(google-explicit-constructor)

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(m_state); }
    const T &value() const & { return std::get<0>(m_state); }
    T &&value() && { return std::get<0>(std::move(m_state)); }
    T *operator->() { return &std::get<0>(m_state); }
    const T *operator->() const { return &std::get<0>(m_state); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    const std::string &error() const { return std::get<1>(m_state).message; }

private:
    std::variant<T, Error> m_state;
};

// One column: numbers (NaN = missing) when numeric, otherwise text with a missing mask.
struct Column final {
    std::string name;
    bool numeric = true;
    std::vector<double> numbers;       // numeric columns: one per row, NaN when missing
    std::vector<std::string> text;     // text columns: one per row ("" when missing)
    std::vector<std::uint8_t> missing; // text columns: 1 when the cell is missing

    std::size_t size() const { return numeric ? numbers.size() : text.size(); }
    bool isMissing(std::size_t row) const;
    std::size_t missingCount() const;
    Cell cell(std::size_t row) const;
    // The cell as text: numbers in shortest round-trip form, "" when missing.
    std::string cellText(std::size_t row) const;

    static Column makeNumeric(std::string name, std::vector<double> values);
    // Text column; cells equal to std::nullopt are missing.
    static Column makeText(std::string name, const std::vector<std::optional<std::string>> &values);
};

// A table stored by column. All columns have `rows` entries.
struct Dataset final {
    std::vector<Column> columns;
    std::size_t rows = 0;

    std::size_t columnCount() const { return columns.size(); }
    // Index of the column with this exact name, or -1.
    int columnIndex(std::string_view name) const;
    std::vector<std::string> columnNames() const;
    // One row as cells, in column order.
    std::vector<Cell> row(std::size_t index) const;
    // A new dataset with the given rows (in that order; repeats allowed).
    Dataset selectRows(const std::vector<std::size_t> &indices) const;
    // A new dataset without the column at `index`.
    Dataset withoutColumn(std::size_t index) const;
};

// Shortest text that parses back to the same double ("0.1", "42", "1e-07").
std::string formatNumber(double value);

} // namespace cerulean::automl
