#include "core/serving/scoring_request.h"

#include "core/serving/json_depth.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace cerulean::serving {

namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxNamesListed = 20;

std::string quotedName(std::string_view text)
{
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\')
            out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

std::string joinNames(const std::vector<std::string> &names)
{
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < kMaxNamesListed; ++i) {
        if (i)
            out += ", ";
        out += quotedName(names[i]);
    }
    if (names.size() > kMaxNamesListed)
        out += " and " + std::to_string(names.size() - kMaxNamesListed) + " more";
    return out;
}

std::string_view jsonTypeName(const Json &value)
{
    switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "a number";
    default: return "an unsupported value";
    }
}

bool parseNumber(std::string_view text, double &value)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    if (text.empty())
        return false;
    if (text.front() == '+')
        text.remove_prefix(1);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size() && std::isfinite(value);
}

ScoringError badRequest(std::string code, std::string message)
{
    return ScoringError{400, std::move(code), std::move(message)};
}

// Converts one JSON value into the cell of column `column` of row `row`.
bool toCell(const Json &value, const InputColumn &column, std::size_t row, Cell &cell, ScoringError &error)
{
    auto wrongType = [&](std::string_view expected) {
        std::string shown = value.dump(-1, ' ', false, Json::error_handler_t::replace);
        if (shown.size() > 40)
            shown = shown.substr(0, 37) + "...";
        error = badRequest("wrong_type", "Row " + std::to_string(row) + ", column " + quotedName(column.name) + ": expected "
                                             + std::string(expected) + ", got " + std::string(jsonTypeName(value))
                                             + " (" + shown + ").");
        return false;
    };
    if (value.is_null()) {
        cell = std::monostate{};
        return true;
    }
    if (column.kind == InputKind::Numeric) {
        if (value.is_number()) {
            const double number = value.get<double>();
            if (!std::isfinite(number))
                return wrongType("a finite number");
            cell = number;
            return true;
        }
        if (value.is_string()) {
            const auto &text = value.get_ref<const std::string &>();
            if (text.empty()) {
                cell = std::monostate{};
                return true;
            }
            double number = 0;
            if (parseNumber(text, number)) {
                cell = number;
                return true;
            }
        }
        return wrongType("a number");
    }
    if (value.is_string()) {
        if (auto *existing = std::get_if<std::string>(&cell))
            existing->assign(value.get_ref<const std::string &>());
        else
            cell = value.get<std::string>();
        return true;
    }
    if (value.is_number()) {
        cell = numberAsCategory(value.get<double>());
        return true;
    }
    if (value.is_boolean()) {
        // pandas writes booleans as True/False; a categorical column trained on them saw those.
        cell = std::string(value.get<bool>() ? "True" : "False");
        return true;
    }
    return wrongType(column.kind == InputKind::Categorical ? "a category (string)" : "a string");
}

void appendJsonString(std::string &out, std::string_view text)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 15]);
            } else {
                out.push_back(ch);
            }
        }
    }
    out.push_back('"');
}

void appendNumber(std::string &out, double value)
{
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    char text[32];
    const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
    (void)ec;
    out.append(text, end);
}

} // namespace

std::string numberAsCategory(double value)
{
    char text[32];
    const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
    (void)ec;
    return std::string(text, end);
}

bool parseScoringRequest(std::string_view body, const ScoringSchema &schema, const ScoringLimits &limits,
                         ScoringRequest &out, ScoringError &error)
{
    if (const auto at = jsonTooDeep(body)) {
        error = badRequest("json_too_deep", "The body nests arrays and objects deeper than " + std::to_string(kMaxJsonDepth)
                                                + " levels (byte " + std::to_string(*at) + ").");
        return false;
    }
    Json document;
    try {
        document = Json::parse(body.begin(), body.end());
    } catch (const Json::parse_error &e) {
        std::string what = e.what();
        // "[json.exception.parse_error.101] parse error at line 1, column 9: ..." -> from "parse error".
        const auto at = what.find("parse error");
        if (at != std::string::npos)
            what = what.substr(at);
        error = badRequest("malformed_json", "The body is not valid JSON (byte " + std::to_string(e.byte) + "): " + what);
        return false;
    } catch (const Json::exception &e) {
        // Valid syntax the parser still refuses, such as a number beyond double's range.
        std::string what = e.what();
        const auto at = what.find("] ");
        if (at != std::string::npos)
            what = what.substr(at + 2);
        error = badRequest("malformed_json", "The body is not valid JSON: " + what);
        return false;
    }
    if (!document.is_object()) {
        error = badRequest("invalid_body", "The body must be a JSON object such as {\"data\": [{...}]} or "
                                           "{\"Inputs\": {\"data\": [{...}]}, \"GlobalParameters\": {\"method\": \"predict\"}}.");
        return false;
    }

    const Json *data = nullptr;
    if (const auto inputs = document.find("Inputs"); inputs != document.end()) {
        out.format = RequestFormat::Inputs;
        if (!inputs->is_object()) {
            error = badRequest("invalid_body", "\"Inputs\" must be an object holding \"data\".");
            return false;
        }
        const auto d = inputs->find("data");
        if (d == inputs->end()) {
            error = badRequest("missing_data", "\"Inputs\" has no \"data\" array.");
            return false;
        }
        data = &*d;
    } else if (const auto d = document.find("data"); d != document.end()) {
        out.format = RequestFormat::Data;
        data = &*d;
    } else {
        error = badRequest("missing_data", "The body has no \"data\" array (nor \"Inputs\": {\"data\": [...]}).");
        return false;
    }

    out.method = ScoreMethod::Predict;
    if (const auto globals = document.find("GlobalParameters"); globals != document.end()) {
        if (!globals->is_object()) {
            error = badRequest("invalid_body", "\"GlobalParameters\" must be an object.");
            return false;
        }
        if (const auto method = globals->find("method"); method != globals->end()) {
            const std::string name = method->is_string() ? method->get<std::string>() : std::string();
            if (name == "predict") {
                out.method = ScoreMethod::Predict;
            } else if (name == "predict_proba") {
                out.method = ScoreMethod::PredictProba;
            } else {
                error = badRequest("invalid_method", "GlobalParameters.method must be \"predict\" or \"predict_proba\", got "
                                                         + method->dump(-1, ' ', false, Json::error_handler_t::replace) + ".");
                return false;
            }
            if (out.method == ScoreMethod::PredictProba && schema.classLabels.empty()) {
                error = badRequest("invalid_method", "predict_proba needs a classification model; this one is a regression.");
                return false;
            }
        }
    }

    if (!data->is_array()) {
        error = badRequest("invalid_data", "\"data\" must be an array of rows, got " + std::string(jsonTypeName(*data)) + ".");
        return false;
    }
    if (data->empty()) {
        error = badRequest("empty_data", "\"data\" is empty: send at least one row.");
        return false;
    }
    if (data->size() > limits.maxRows) {
        error = ScoringError{413, "too_many_rows",
                             "\"data\" has " + std::to_string(data->size()) + " rows; the limit is "
                                 + std::to_string(limits.maxRows) + " rows per request."};
        return false;
    }

    const std::size_t columnCount = schema.columns.size();
    out.rows.resize(data->size());
    for (std::size_t r = 0; r < data->size(); ++r) {
        const Json &row = (*data)[r];
        std::vector<Cell> &cells = out.rows[r];
        cells.resize(columnCount);
        if (row.is_array()) {
            if (row.size() != columnCount) {
                error = badRequest("wrong_row_length", "Row " + std::to_string(r) + " has " + std::to_string(row.size())
                                                           + " values; the model takes " + std::to_string(columnCount)
                                                           + " columns in schema order.");
                return false;
            }
            for (std::size_t c = 0; c < columnCount; ++c) {
                if (!toCell(row[c], schema.columns[c], r, cells[c], error))
                    return false;
            }
            continue;
        }
        if (!row.is_object()) {
            error = badRequest("invalid_row", "Row " + std::to_string(r) + " must be an object of column: value, got "
                                                  + std::string(jsonTypeName(row)) + ".");
            return false;
        }
        std::size_t matched = 0;
        std::vector<std::string> missing;
        for (std::size_t c = 0; c < columnCount; ++c) {
            const auto it = row.find(schema.columns[c].name);
            if (it == row.end()) {
                missing.push_back(schema.columns[c].name);
                continue;
            }
            ++matched;
            if (missing.empty() && !toCell(*it, schema.columns[c], r, cells[c], error))
                return false;
        }
        const bool hasTarget = !schema.target.empty() && row.contains(schema.target);
        std::vector<std::string> unknown;
        if (matched + (hasTarget ? 1 : 0) != row.size()) {
            for (auto it = row.begin(); it != row.end(); ++it) {
                if (it.key() == schema.target)
                    continue;
                bool known = false;
                for (const InputColumn &column : schema.columns) {
                    if (column.name == it.key()) {
                        known = true;
                        break;
                    }
                }
                if (!known)
                    unknown.push_back(it.key());
            }
        }
        if (!missing.empty() || !unknown.empty()) {
            std::string message = "Row " + std::to_string(r) + ":";
            if (!missing.empty())
                message += " missing column" + std::string(missing.size() > 1 ? "s " : " ") + joinNames(missing) + ";";
            if (!unknown.empty())
                message += " unknown column" + std::string(unknown.size() > 1 ? "s " : " ") + joinNames(unknown) + ";";
            message.back() = '.';
            error = badRequest(missing.empty() ? "unknown_columns" : "missing_columns", message);
            return false;
        }
    }
    return true;
}

void writeScoringReply(const ScoringRequest &request, const ScoringSchema &schema, const Prediction &prediction,
                       std::string &out)
{
    out.clear();
    out += request.format == RequestFormat::Inputs ? "{\"Results\":[" : "{\"result\":[";
    const std::size_t classes = prediction.classes;
    for (std::size_t r = 0; r < prediction.rows; ++r) {
        if (r)
            out.push_back(',');
        const double *p = prediction.values.data() + r * classes;
        if (schema.classLabels.empty() || classes == 0) {
            appendNumber(out, prediction.values[r * std::max<std::size_t>(classes, 1)]);
            continue;
        }
        if (request.method == ScoreMethod::PredictProba) {
            out.push_back('{');
            for (std::size_t c = 0; c < classes && c < schema.classLabels.size(); ++c) {
                if (c)
                    out.push_back(',');
                appendJsonString(out, schema.classLabels[c]);
                out.push_back(':');
                appendNumber(out, p[c]);
            }
            out.push_back('}');
        } else {
            std::size_t best = 0;
            for (std::size_t c = 1; c < classes; ++c) {
                if (p[c] > p[best])
                    best = c;
            }
            appendJsonString(out, best < schema.classLabels.size() ? schema.classLabels[best] : std::string());
        }
    }
    out += "]}";
}

} // namespace cerulean::serving
