#include "core/automl/schema.h"

#include "core/automl/profile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace cerulean::automl {

namespace {

nlohmann::json cellToJson(const Cell &cell)
{
    if (const auto *number = std::get_if<double>(&cell))
        return *number;
    if (const auto *text = std::get_if<std::string>(&cell))
        return *text;
    return nullptr;
}

Cell cellFromJson(const nlohmann::json &value)
{
    if (value.is_number())
        return value.get<double>();
    if (value.is_string())
        return value.get<std::string>();
    return std::monostate{};
}

std::string joinNames(const std::vector<std::string> &names)
{
    std::string out;
    for (const auto &n : names) {
        if (!out.empty())
            out += ", ";
        out += n;
    }
    return out;
}

} // namespace

std::string_view toString(ColumnType type)
{
    switch (type) {
    case ColumnType::Numeric:
        return "numeric";
    case ColumnType::Categorical:
        return "categorical";
    case ColumnType::Text:
        return "text";
    }
    return "numeric";
}

bool columnTypeFromString(std::string_view text, ColumnType &type)
{
    for (ColumnType t : {ColumnType::Numeric, ColumnType::Categorical, ColumnType::Text}) {
        if (toString(t) == text) {
            type = t;
            return true;
        }
    }
    return false;
}

int InputSchema::columnIndex(std::string_view name) const
{
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].name == name)
            return static_cast<int>(i);
    }
    return -1;
}

std::vector<std::pair<std::string, ColumnTypeHint>> InputSchema::csvTypeHints() const
{
    std::vector<std::pair<std::string, ColumnTypeHint>> hints;
    hints.reserve(columns.size());
    for (const auto &c : columns)
        hints.emplace_back(c.name, c.type == ColumnType::Numeric ? ColumnTypeHint::Infer : ColumnTypeHint::Text);
    return hints;
}

std::string InputSchema::toJson() const
{
    nlohmann::json j;
    j["columns"] = nlohmann::json::array();
    for (const auto &c : columns) {
        nlohmann::json column;
        column["name"] = c.name;
        column["type"] = std::string(automl::toString(c.type));
        column["categories"] = c.categories;
        column["example"] = cellToJson(c.example);
        j["columns"].push_back(std::move(column));
    }
    j["target"] = target;
    j["class_labels"] = classLabels;
    j["example_row"] = nlohmann::json::array();
    for (const auto &cell : exampleRow)
        j["example_row"].push_back(cellToJson(cell));
    return j.dump();
}

Result<InputSchema> InputSchema::fromJson(std::string_view json)
{
    const auto j = nlohmann::json::parse(json, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return Error{"input schema: not a JSON object"};
    InputSchema schema;
    if (!j.contains("columns") || !j.at("columns").is_array())
        return Error{"input schema: 'columns' is missing"};
    for (const auto &c : j.at("columns")) {
        if (!c.is_object() || !c.contains("name") || !c["name"].is_string() || !c.contains("type") ||
            !c["type"].is_string())
            return Error{"input schema: a column has no name or type"};
        SchemaColumn column;
        column.name = c["name"].get<std::string>();
        if (!columnTypeFromString(c["type"].get<std::string>(), column.type))
            return Error{"input schema: column '" + column.name + "' has an unknown type"};
        if (c.contains("categories") && c["categories"].is_array()) {
            for (const auto &v : c["categories"]) {
                if (!v.is_string())
                    return Error{"input schema: column '" + column.name + "' has a category that is not text"};
                column.categories.push_back(v.get<std::string>());
            }
        }
        if (c.contains("example"))
            column.example = cellFromJson(c["example"]);
        schema.columns.push_back(std::move(column));
    }
    if (j.contains("target") && j["target"].is_string())
        schema.target = j["target"].get<std::string>();
    if (j.contains("class_labels") && j["class_labels"].is_array()) {
        for (const auto &v : j["class_labels"]) {
            if (!v.is_string())
                return Error{"input schema: a class label is not text"};
            schema.classLabels.push_back(v.get<std::string>());
        }
    }
    if (j.contains("example_row") && j["example_row"].is_array()) {
        for (const auto &v : j["example_row"])
            schema.exampleRow.push_back(cellFromJson(v));
    }
    return schema;
}

InputSchema makeInputSchema(const Dataset &train, int targetColumn, const std::vector<std::string> &classLabels)
{
    InputSchema schema;
    if (targetColumn >= 0 && static_cast<std::size_t>(targetColumn) < train.columns.size())
        schema.target = train.columns[static_cast<std::size_t>(targetColumn)].name;
    schema.classLabels = classLabels;
    for (std::size_t i = 0; i < train.columns.size(); ++i) {
        if (static_cast<int>(i) == targetColumn)
            continue;
        const Column &column = train.columns[i];
        SchemaColumn out;
        out.name = column.name;
        if (column.numeric) {
            out.type = ColumnType::Numeric;
        } else {
            const ColumnProfile profile = profileColumn(column, i);
            const bool categorical = profile.kind == ColumnKind::Categorical || profile.kind == ColumnKind::Constant;
            out.type = categorical ? ColumnType::Categorical : ColumnType::Text;
            if (categorical) {
                std::unordered_map<std::string_view, std::size_t> counts;
                for (std::size_t r = 0; r < column.text.size(); ++r) {
                    if (!column.missing[r])
                        ++counts[column.text[r]];
                }
                std::vector<std::pair<std::string_view, std::size_t>> sorted(counts.begin(), counts.end());
                std::sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) {
                    return a.second != b.second ? a.second > b.second : a.first < b.first;
                });
                for (const auto &[value, count] : sorted)
                    out.categories.emplace_back(value);
            }
        }
        for (std::size_t r = 0; r < train.rows; ++r) {
            if (!column.isMissing(r)) {
                out.example = column.cell(r);
                break;
            }
        }
        schema.exampleRow.push_back(train.rows > 0 ? column.cell(0) : Cell{});
        schema.columns.push_back(std::move(out));
    }
    return schema;
}

Result<Dataset> conformToSchema(const Dataset &data, const InputSchema &schema)
{
    std::vector<std::string> missing;
    std::vector<int> sources;
    sources.reserve(schema.columns.size());
    for (const auto &c : schema.columns) {
        const int index = data.columnIndex(c.name);
        if (index < 0)
            missing.push_back(c.name);
        sources.push_back(index);
    }
    if (!missing.empty()) {
        return Error{"missing column" + std::string(missing.size() > 1 ? "s: " : ": ") + joinNames(missing) +
                     " (the data has: " + joinNames(data.columnNames()) + ")"};
    }
    Dataset out;
    out.rows = data.rows;
    out.columns.reserve(schema.columns.size());
    for (std::size_t i = 0; i < schema.columns.size(); ++i) {
        const SchemaColumn &want = schema.columns[i];
        const Column &have = data.columns[static_cast<std::size_t>(sources[i])];
        if (want.type == ColumnType::Numeric) {
            if (have.numeric) {
                out.columns.push_back(have);
                continue;
            }
            Column column;
            column.name = want.name;
            column.numeric = true;
            column.numbers.resize(data.rows, std::nan(""));
            for (std::size_t r = 0; r < data.rows; ++r) {
                if (have.missing[r] || isMissingToken(have.text[r]))
                    continue;
                if (!parseNumber(have.text[r], column.numbers[r])) {
                    return Error{"column '" + want.name + "', row " + std::to_string(r + 1) + ": '" + have.text[r] +
                                 "' is not a number"};
                }
            }
            out.columns.push_back(std::move(column));
        } else if (!have.numeric) {
            out.columns.push_back(have);
        } else {
            Column column;
            column.name = want.name;
            column.numeric = false;
            column.text.reserve(data.rows);
            column.missing.reserve(data.rows);
            for (std::size_t r = 0; r < data.rows; ++r) {
                column.text.push_back(have.cellText(r));
                column.missing.push_back(have.isMissing(r) ? 1 : 0);
            }
            out.columns.push_back(std::move(column));
        }
    }
    return out;
}

// Up to this many classes, some with a single row are a rare class, not a quantity.
constexpr std::size_t kMaxClassesBeforeSingletonCheck = 10;

Result<TargetClasses> encodeTarget(const Column &target)
{
    TargetClasses classes;
    const std::size_t rows = target.size();
    classes.rowLabels.assign(rows, -1);
    if (target.numeric) {
        std::vector<double> values;
        for (double v : target.numbers) {
            if (!std::isnan(v))
                values.push_back(v);
        }
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        for (double v : values)
            classes.labels.push_back(formatNumber(v));
        for (std::size_t r = 0; r < rows; ++r) {
            const double v = target.numbers[r];
            if (!std::isnan(v))
                classes.rowLabels[r] = static_cast<int>(std::lower_bound(values.begin(), values.end(), v) - values.begin());
        }
    } else {
        std::map<std::string_view, int> index;
        for (std::size_t r = 0; r < rows; ++r) {
            if (!target.missing[r])
                index.emplace(target.text[r], 0);
        }
        int next = 0;
        for (auto &[value, position] : index) {
            position = next++;
            classes.labels.emplace_back(value);
        }
        for (std::size_t r = 0; r < rows; ++r) {
            if (!target.missing[r])
                classes.rowLabels[r] = index.find(target.text[r])->second;
        }
    }
    if (classes.labels.empty())
        return Error{"the target column '" + target.name + "' has no values"};
    if (classes.labels.size() == 1) {
        return Error{"the target column '" + target.name + "' has a single class ('" + classes.labels[0] +
                     "'); classification needs at least two"};
    }
    classes.counts.assign(classes.labels.size(), 0);
    for (int label : classes.rowLabels) {
        if (label >= 0)
            ++classes.counts[static_cast<std::size_t>(label)];
    }
    // A quantity (a price, a duration) given as the target makes nearly every value its own
    // class: no class could be learned or validated, and the run would report a meaningless
    // score instead of saying what is wrong.
    const auto once = static_cast<std::size_t>(std::count(classes.counts.begin(), classes.counts.end(), 1));
    if (classes.labels.size() > kMaxClassesBeforeSingletonCheck && 2 * once >= classes.labels.size()) {
        std::size_t labeled = 0;
        for (auto count : classes.counts)
            labeled += count;
        return Error{"the target column '" + target.name + "' has " + std::to_string(classes.labels.size()) +
                     " distinct values in " + std::to_string(labeled) + " rows and " + std::to_string(once) +
                     " of them occur only once: it looks like a quantity to predict (regression), which is not "
                     "supported; classification needs several rows of each class"};
    }
    return classes;
}

} // namespace cerulean::automl
