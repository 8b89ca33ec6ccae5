#include "core/automl/dataset.h"

#include <charconv>
#include <cmath>

namespace cerulean::automl {

bool Column::isMissing(std::size_t row) const
{
    return numeric ? std::isnan(numbers[row]) : missing[row] != 0;
}

std::size_t Column::missingCount() const
{
    std::size_t count = 0;
    if (numeric) {
        for (double v : numbers)
            count += std::isnan(v) ? 1 : 0;
    } else {
        for (std::uint8_t m : missing)
            count += m;
    }
    return count;
}

Cell Column::cell(std::size_t row) const
{
    if (isMissing(row))
        return std::monostate{};
    if (numeric)
        return numbers[row];
    return text[row];
}

std::string Column::cellText(std::size_t row) const
{
    if (isMissing(row))
        return {};
    return numeric ? formatNumber(numbers[row]) : text[row];
}

Column Column::makeNumeric(std::string name, std::vector<double> values)
{
    Column column;
    column.name = std::move(name);
    column.numeric = true;
    column.numbers = std::move(values);
    return column;
}

Column Column::makeText(std::string name, const std::vector<std::optional<std::string>> &values)
{
    Column column;
    column.name = std::move(name);
    column.numeric = false;
    column.text.reserve(values.size());
    column.missing.reserve(values.size());
    for (const auto &v : values) {
        column.text.push_back(v.value_or(std::string()));
        column.missing.push_back(v ? 0 : 1);
    }
    return column;
}

int Dataset::columnIndex(std::string_view name) const
{
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].name == name)
            return static_cast<int>(i);
    }
    return -1;
}

std::vector<std::string> Dataset::columnNames() const
{
    std::vector<std::string> names;
    names.reserve(columns.size());
    for (const auto &c : columns)
        names.push_back(c.name);
    return names;
}

std::vector<Cell> Dataset::row(std::size_t index) const
{
    std::vector<Cell> cells;
    cells.reserve(columns.size());
    for (const auto &c : columns)
        cells.push_back(c.cell(index));
    return cells;
}

Dataset Dataset::selectRows(const std::vector<std::size_t> &indices) const
{
    Dataset out;
    out.rows = indices.size();
    out.columns.reserve(columns.size());
    for (const auto &c : columns) {
        Column n;
        n.name = c.name;
        n.numeric = c.numeric;
        if (c.numeric) {
            n.numbers.reserve(indices.size());
            for (std::size_t i : indices)
                n.numbers.push_back(c.numbers[i]);
        } else {
            n.text.reserve(indices.size());
            n.missing.reserve(indices.size());
            for (std::size_t i : indices) {
                n.text.push_back(c.text[i]);
                n.missing.push_back(c.missing[i]);
            }
        }
        out.columns.push_back(std::move(n));
    }
    return out;
}

Dataset Dataset::withoutColumn(std::size_t index) const
{
    Dataset out;
    out.rows = rows;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i != index)
            out.columns.push_back(columns[i]);
    }
    return out;
}

std::string formatNumber(double value)
{
    if (std::isnan(value))
        return {};
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    if (ec != std::errc())
        return {};
    return std::string(buffer, end);
}

} // namespace cerulean::automl
