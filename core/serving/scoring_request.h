#pragma once

// Parsing and validating a scoring request body against a model's schema, and writing the
// reply. Pure functions (no I/O), so the fuzzer and the tests drive them directly.

#include "core/serving/scorer.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cerulean::serving {

enum class RequestFormat
{
    Data,   // {"data":[{...}]}                           -> {"result":[...]}
    Inputs  // {"Inputs":{"data":[...]},"GlobalParameters":{...}} -> {"Results":[...]}
};

enum class ScoreMethod
{
    Predict,     // class labels (regression: values)
    PredictProba // per-row objects keyed by class label: {"no":0.93,"yes":0.07}
};

struct ScoringLimits
{
    std::size_t maxRows = 10000;
};

// A failed request: the HTTP status, a stable code and a message naming the problem.
struct ScoringError
{
    int status = 400;
    std::string code;
    std::string message;
};

struct ScoringRequest
{
    RequestFormat format = RequestFormat::Data;
    ScoreMethod method = ScoreMethod::Predict;
    std::vector<std::vector<Cell>> rows; // schema order
};

// Fills `out` (its vectors are reused) or returns false with `error` set. Rows are objects
// keyed by column name, or arrays in schema order. The target column, if a row sends it, is
// ignored. Numbers given as numeric strings are accepted for numeric columns; numbers are
// accepted for categorical and text columns and compared as their decimal text.
bool parseScoringRequest(std::string_view body, const ScoringSchema &schema, const ScoringLimits &limits,
                         ScoringRequest &out, ScoringError &error);

// {"result":[...]} or {"Results":[...]}, labels or per-class probability objects.
void writeScoringReply(const ScoringRequest &request, const ScoringSchema &schema, const Prediction &prediction,
                       std::string &out);

// The text of a Cell as categorical columns compare it ("1", "2.5", "yes").
std::string numberAsCategory(double value);

} // namespace cerulean::serving
