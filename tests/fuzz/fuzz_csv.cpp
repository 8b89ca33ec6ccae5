// libFuzzer target over the AutoML CSV reader (core/automl/csv.*): any bytes as a delimited
// file, with the options a caller can pass (the delimiter, column type hints, a small memory
// budget) taken from the first byte.
//
// Beyond the sanitizers it checks what the engine relies on: every column of a table it
// returns has one cell per row, and the table written back out with csvField() (as the
// service writes CSV) reads back as the same table.

#include "core/automl/csv.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace cerulean::automl;

namespace {

[[noreturn]] void violated(const char *what, const std::string &detail)
{
    std::fprintf(stderr, "fuzz_csv: %s\n%s\n", what, detail.c_str());
    std::abort();
}

CsvOptions optionsFrom(std::uint8_t flags)
{
    static constexpr char kDelimiters[] = {0, ',', ';', '\t', '|'};
    CsvOptions options;
    options.delimiter = kDelimiters[flags % 5];
    if (flags & 0x08)
        options.typeHints = {{"age", ColumnTypeHint::Numeric}, {"y", ColumnTypeHint::Text}};
    if (flags & 0x10)
        options.memoryBudgetBytes = 4096;
    return options;
}

void checkShape(const Dataset &data, const char *which)
{
    for (const Column &column : data.columns) {
        if (column.size() != data.rows)
            violated(which, "column '" + column.name + "' has " + std::to_string(column.size()) + " cells for " +
                                std::to_string(data.rows) + " rows");
        if (!column.numeric && column.missing.size() != data.rows)
            violated(which, "the missing mask of '" + column.name + "' is not one per row");
    }
}

// The table as CSV again, quoted where it must be. A missing cell of a one-column table is
// written "" so that its line is not a blank line, which readers skip.
std::string write(const Dataset &data, char delimiter)
{
    std::string out;
    for (std::size_t c = 0; c < data.columns.size(); ++c) {
        if (c)
            out += delimiter;
        out += csvField(data.columns[c].name, delimiter);
    }
    out += '\n';
    for (std::size_t r = 0; r < data.rows; ++r) {
        for (std::size_t c = 0; c < data.columns.size(); ++c) {
            if (c)
                out += delimiter;
            const std::string cell = data.columns[c].cellText(r);
            out += cell.empty() && data.columns.size() == 1 ? std::string("\"\"") : csvField(cell, delimiter);
        }
        out += '\n';
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const CsvOptions options = optionsFrom(data[0]);
    const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
    (void)detectDelimiter(text);
    const Result<CsvTable> table = parseCsv(text, options);
    if (!table) {
        if (table.error().empty())
            violated("a refused file has no message", std::string(text));
        return 0;
    }
    const Dataset &first = table->data;
    checkShape(first, "the table read");

    CsvOptions again = options;
    again.delimiter = table->info.delimiter;
    again.memoryBudgetBytes = CsvOptions{}.memoryBudgetBytes;
    const std::string written = write(first, again.delimiter);
    const Result<CsvTable> reread = parseCsv(written, again);
    if (!reread)
        violated("the table written back cannot be read", reread.error() + "\n--- written:\n" + written);
    const Dataset &second = reread->data;
    checkShape(second, "the table read back");
    if (second.rows != first.rows || second.columnNames() != first.columnNames())
        violated("the table read back has other rows or columns", written);
    for (std::size_t c = 0; c < first.columns.size(); ++c)
        for (std::size_t r = 0; r < first.rows; ++r)
            if (first.columns[c].cellText(r) != second.columns[c].cellText(r) ||
                first.columns[c].isMissing(r) != second.columns[c].isMissing(r))
                violated("a cell reads back differently",
                         "column " + first.columns[c].name + ", row " + std::to_string(r) + ": '" +
                             first.columns[c].cellText(r) + "' became '" + second.columns[c].cellText(r) + "'");
    return 0;
}
