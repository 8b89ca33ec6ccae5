#pragma once

// Reading delimited text (CSV, semicolon, tab, pipe) into a Dataset: streaming, in two
// passes over the file so memory stays within a stated budget, with every malformed
// input reported by line.

#include "core/automl/dataset.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cerulean::automl {

// How a column's cells should be stored, when the caller already knows (e.g. a test or
// scoring file read against a trained model's schema).
enum class ColumnTypeHint {
    Infer,   // numeric when every non-missing cell parses as a number
    Numeric, // every non-missing cell must parse as a number, else an error names it
    Text,    // keep the original text even when it looks like a number ("02134")
};

struct CsvOptions final {
    // 0 detects the delimiter among ',' ';' '\t' '|' from the first lines.
    char delimiter = 0;
    // Upper bound for the parsed table in memory. The file is scanned once to size the
    // table exactly; a file that would not fit is refused before anything is allocated.
    std::size_t memoryBudgetBytes = std::size_t{512} << 20;
    // Per-column storage hints by header name; columns not listed are inferred.
    std::vector<std::pair<std::string, ColumnTypeHint>> typeHints;
};

// What the reader saw, besides the table (for the profile page and logs).
struct CsvInfo final {
    char delimiter = ',';
    bool hadBom = false;
    bool crlf = false;          // line ends were CRLF
    bool decimalComma = false;  // numbers such as "1,5" were read (only with ';', tab or '|')
    std::size_t lines = 0;      // physical lines, header included
    std::size_t bytes = 0;
    std::size_t estimatedMemoryBytes = 0;
};

struct CsvTable final {
    Dataset data;
    CsvInfo info;
};

// Reads a whole file. Errors: the file cannot be opened, is empty, has only a header,
// duplicate header names, ragged rows ("line 17: 19 fields, expected 21"), invalid UTF-8
// ("line 5: invalid UTF-8 at byte 12"), an unclosed quote, or the memory budget.
Result<CsvTable> readCsvFile(const std::string &path, const CsvOptions &options = {});
// The same over text already in memory (request bodies, tests).
Result<CsvTable> parseCsv(std::string_view text, const CsvOptions &options = {});

// The delimiter that splits the sample's first lines most consistently (',' if none does).
char detectDelimiter(std::string_view sample);

// True for the cells the reader treats as missing: empty, NA, NaN, null (any case), "?".
bool isMissingToken(std::string_view cell);
// A finite number in plain or exponent notation, surrounding spaces allowed; else false.
bool parseNumber(std::string_view cell, double &value);

// One field formatted for output with `delimiter`, quoted only when it must be.
std::string csvField(std::string_view value, char delimiter = ',');

} // namespace cerulean::automl
