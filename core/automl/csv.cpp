#include "core/automl/csv.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>

namespace cerulean::automl {

namespace {

constexpr std::size_t kReadChunkBytes = std::size_t{1} << 20;
constexpr std::size_t kDetectSampleBytes = std::size_t{64} << 10;
constexpr std::size_t kDetectLines = 30;
// libstdc++ keeps strings up to 15 bytes inside the object; longer ones allocate len + 1.
constexpr std::size_t kInlineStringBytes = 15;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string_view trimSpaces(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

std::string formatBytes(std::size_t bytes)
{
    char buffer[64];
    const double mib = static_cast<double>(bytes) / (1024.0 * 1024.0);
    if (mib >= 1024.0)
        std::snprintf(buffer, sizeof buffer, "%.1f GiB", mib / 1024.0);
    else
        std::snprintf(buffer, sizeof buffer, "%.1f MiB", mib);
    return buffer;
}

struct Field {
    std::string text;
    bool quoted = false;
};

// A byte-at-a-time CSV state machine that validates UTF-8 as it goes and hands out
// whole records. Chunk boundaries may fall anywhere, including inside a quoted field.
class RecordParser final {
public:
    explicit RecordParser(char delimiter) : m_delimiter(delimiter) {}

    // onRecord(const std::vector<Field> &fields, std::size_t count, std::size_t line)
    // returns std::optional<Error>; an error stops parsing.
    template <typename OnRecord>
    std::optional<Error> feed(std::string_view chunk, OnRecord &&onRecord)
    {
        const char *data = chunk.data();
        const std::size_t n = chunk.size();
        std::size_t i = 0;
        while (i < n) {
            // Fast path: copy a run of plain ASCII bytes inside a field at once.
            if ((m_state == State::Unquoted || m_state == State::Quoted) && m_utf8Need == 0 && !m_skipLineFeed) {
                std::size_t j = i;
                if (m_state == State::Unquoted) {
                    while (j < n) {
                        const auto c = static_cast<unsigned char>(data[j]);
                        if (c >= 0x80 || c == '\n' || c == '\r' || data[j] == m_delimiter)
                            break;
                        ++j;
                    }
                } else {
                    while (j < n) {
                        const auto c = static_cast<unsigned char>(data[j]);
                        if (c >= 0x80 || c == '\n' || c == '"')
                            break;
                        ++j;
                    }
                }
                if (j > i) {
                    current().text.append(data + i, j - i);
                    m_position += j - i;
                    i = j;
                    continue;
                }
            }
            if (auto error = step(static_cast<unsigned char>(data[i]), onRecord))
                return error;
            ++i;
            ++m_position;
        }
        return std::nullopt;
    }

    template <typename OnRecord>
    std::optional<Error> step(unsigned char c, OnRecord &&onRecord)
    {
        if (m_utf8Need > 0) {
            if (c < m_utf8Low || c > m_utf8High)
                return utf8Error();
            --m_utf8Need;
            m_utf8Low = 0x80;
            m_utf8High = 0xBF;
        } else if (c >= 0x80) {
            m_utf8Start = m_position;
            if (!startUtf8(c))
                return utf8Error();
        }
        if (m_skipLineFeed) {
            m_skipLineFeed = false;
            if (c == '\n') {
                m_crlf = true;
                m_lineStart = m_position + 1;
                return std::nullopt;
            }
        }
        const char ch = static_cast<char>(c);
        switch (m_state) {
        case State::FieldStart:
            if (ch == m_delimiter) {
                endField();
            } else if (ch == '"') {
                current().quoted = true;
                m_state = State::Quoted;
            } else if (ch == '\n' || ch == '\r') {
                endField();
                if (auto error = endRecord(onRecord))
                    return error;
                newLine(ch);
            } else if (ch == ' ' && m_delimiter != ' ') {
                // leading space before a value or an opening quote
            } else {
                current().text.push_back(ch);
                m_state = State::Unquoted;
            }
            break;
        case State::Unquoted:
            if (ch == m_delimiter) {
                endField();
            } else if (ch == '\n' || ch == '\r') {
                endField();
                if (auto error = endRecord(onRecord))
                    return error;
                newLine(ch);
            } else {
                current().text.push_back(ch);
            }
            break;
        case State::Quoted:
            if (ch == '"') {
                m_state = State::QuoteInQuoted;
            } else {
                current().text.push_back(ch);
                if (ch == '\n') {
                    ++m_line;
                    m_lineStart = m_position + 1;
                }
            }
            break;
        case State::QuoteInQuoted:
            if (ch == '"') {
                current().text.push_back('"');
                m_state = State::Quoted;
            } else if (ch == m_delimiter) {
                endField();
            } else if (ch == '\n' || ch == '\r') {
                endField();
                if (auto error = endRecord(onRecord))
                    return error;
                newLine(ch);
            } else if (ch == ' ') {
                // spaces after a closing quote
            } else {
                // Text after a closing quote: kept, as spreadsheet programs do.
                current().text.push_back(ch);
                m_state = State::Unquoted;
            }
            break;
        }
        return std::nullopt;
    }

    template <typename OnRecord>
    std::optional<Error> finish(OnRecord &&onRecord)
    {
        if (m_utf8Need > 0)
            return utf8Error();
        if (m_state == State::Quoted) {
            return Error{"line " + std::to_string(m_recordLine) +
                         ": a quoted field is not closed before the end of the file"};
        }
        if (m_state != State::FieldStart || m_fieldCount > 0) {
            endField();
            if (auto error = endRecord(onRecord))
                return error;
        }
        return std::nullopt;
    }

    bool crlf() const { return m_crlf; }
    // Physical lines seen (a last line without a line end counts).
    std::size_t lines() const { return m_position > m_lineStart ? m_line : m_line - 1; }

private:
    enum class State { FieldStart, Unquoted, Quoted, QuoteInQuoted };

    Field &current()
    {
        if (m_fields.size() <= m_fieldCount)
            m_fields.resize(m_fieldCount + 1);
        return m_fields[m_fieldCount];
    }

    void endField()
    {
        Field &field = current();
        if (!field.quoted) {
            // Unquoted values lose surrounding spaces ("a, b" means "b").
            std::size_t end = field.text.size();
            while (end > 0 && (field.text[end - 1] == ' ' || (field.text[end - 1] == '\t' && m_delimiter != '\t')))
                --end;
            field.text.resize(end);
        }
        ++m_fieldCount;
        m_state = State::FieldStart;
        Field &next = current();
        next.text.clear();
        next.quoted = false;
    }

    template <typename OnRecord>
    std::optional<Error> endRecord(OnRecord &&onRecord)
    {
        std::optional<Error> error;
        const bool blank = m_fieldCount == 1 && m_fields[0].text.empty() && !m_fields[0].quoted;
        if (!blank)
            error = onRecord(m_fields, m_fieldCount, m_recordLine);
        m_fieldCount = 0;
        m_fields[0].text.clear();
        m_fields[0].quoted = false;
        m_state = State::FieldStart;
        return error;
    }

    void newLine(char ch)
    {
        ++m_line;
        m_lineStart = m_position + 1;
        m_recordLine = m_line;
        if (ch == '\r')
            m_skipLineFeed = true;
    }

    bool startUtf8(unsigned char c)
    {
        m_utf8Low = 0x80;
        m_utf8High = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            m_utf8Need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            m_utf8Need = 2;
            if (c == 0xE0)
                m_utf8Low = 0xA0; // no overlong forms
            else if (c == 0xED)
                m_utf8High = 0x9F; // no UTF-16 surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            m_utf8Need = 3;
            if (c == 0xF0)
                m_utf8Low = 0x90;
            else if (c == 0xF4)
                m_utf8High = 0x8F; // nothing above U+10FFFF
        } else {
            return false;
        }
        return true;
    }

    // Names the first byte of the broken sequence.
    Error utf8Error() const
    {
        return Error{"line " + std::to_string(m_line) + ": invalid UTF-8 at byte " +
                     std::to_string(m_utf8Start - m_lineStart + 1)};
    }

    char m_delimiter;
    State m_state = State::FieldStart;
    std::vector<Field> m_fields;
    std::size_t m_fieldCount = 0;
    std::size_t m_line = 1;
    std::size_t m_recordLine = 1;
    std::size_t m_position = 0;  // bytes consumed
    std::size_t m_lineStart = 0; // position of the current line's first byte
    bool m_skipLineFeed = false;
    bool m_crlf = false;
    int m_utf8Need = 0;
    std::size_t m_utf8Start = 0;
    unsigned char m_utf8Low = 0x80;
    unsigned char m_utf8High = 0xBF;
};

// Feeds the parser from memory or from a file, in bounded chunks.
class ByteSource {
public:
    virtual ~ByteSource() = default;
    virtual std::optional<Error> rewind() = 0;
    // The next chunk; empty at the end.
    virtual Result<std::string_view> next() = 0;
};

class MemorySource final : public ByteSource {
public:
    explicit MemorySource(std::string_view text) : m_text(text) {}
    std::optional<Error> rewind() override
    {
        m_done = false;
        return std::nullopt;
    }
    Result<std::string_view> next() override
    {
        if (m_done)
            return std::string_view();
        m_done = true;
        return m_text;
    }

private:
    std::string_view m_text;
    bool m_done = false;
};

class FileSource final : public ByteSource {
public:
    explicit FileSource(std::string path) : m_path(std::move(path)), m_buffer(kReadChunkBytes) {}
    ~FileSource() override
    {
        if (m_file)
            std::fclose(m_file);
    }
    FileSource(const FileSource &) = delete;
    FileSource &operator=(const FileSource &) = delete;

    std::optional<Error> open()
    {
        m_file = std::fopen(m_path.c_str(), "rb");
        if (!m_file)
            return Error{std::string("cannot open the file: ") + std::strerror(errno)};
        return std::nullopt;
    }
    std::optional<Error> rewind() override
    {
        if (std::fseek(m_file, 0, SEEK_SET) != 0)
            return Error{"cannot read " + m_path + " again"};
        return std::nullopt;
    }
    Result<std::string_view> next() override
    {
        const std::size_t n = std::fread(m_buffer.data(), 1, m_buffer.size(), m_file);
        if (n == 0 && std::ferror(m_file))
            return Error{"cannot read " + m_path};
        return std::string_view(m_buffer.data(), n);
    }

private:
    std::string m_path;
    std::vector<char> m_buffer;
    std::FILE *m_file = nullptr;
};

struct ColumnScan {
    bool numeric = true;
    ColumnTypeHint hint = ColumnTypeHint::Infer;
    std::size_t heapBytes = 0; // text storage beyond the string objects
};

std::size_t estimateBytes(const std::vector<ColumnScan> &scan, std::size_t rows)
{
    std::size_t total = 0;
    for (const auto &c : scan)
        total += c.numeric ? rows * sizeof(double) : rows * (sizeof(std::string) + 1) + c.heapBytes;
    return total;
}

// Runs the parser over every chunk of `source`.
template <typename OnRecord>
std::optional<Error> parseAll(ByteSource &source, bool skipBom, RecordParser &parser, OnRecord &&onRecord)
{
    bool first = true;
    for (;;) {
        auto chunk = source.next();
        if (!chunk)
            return Error{chunk.error()};
        std::string_view bytes = *chunk;
        if (bytes.empty())
            break;
        if (first && skipBom)
            bytes.remove_prefix(3);
        first = false;
        if (auto error = parser.feed(bytes, onRecord))
            return error;
    }
    return parser.finish(onRecord);
}

// Numbers in cells. With ';', tab or '|' between fields, "1,5" is a number written with a
// decimal comma (spreadsheets in many locales save CSV that way).
class CellNumbers final {
public:
    explicit CellNumbers(char delimiter) : m_commaDecimals(delimiter != ',') {}

    bool parse(std::string_view text, double &value)
    {
        if (parseNumber(text, value))
            return true;
        if (!m_commaDecimals || text.find('.') != std::string_view::npos)
            return false;
        const auto comma = text.find(',');
        if (comma == std::string_view::npos || text.find(',', comma + 1) != std::string_view::npos)
            return false;
        std::string dotted(text);
        dotted[comma] = '.';
        if (!parseNumber(dotted, value))
            return false;
        m_sawDecimalComma = true;
        return true;
    }
    bool sawDecimalComma() const { return m_sawDecimalComma; }

private:
    bool m_commaDecimals;
    bool m_sawDecimalComma = false;
};

// The start of the file, for the BOM and the delimiter; the source is rewound after.
std::optional<Error> sampleStart(ByteSource &source, std::string &sample)
{
    for (;;) {
        auto chunk = source.next();
        if (!chunk)
            return Error{chunk.error()};
        if (chunk->empty())
            break;
        sample.append(chunk->data(), std::min(chunk->size(), kDetectSampleBytes - sample.size()));
        if (sample.size() >= kDetectSampleBytes)
            break;
    }
    return source.rewind();
}

// Pass 1 over the file: header, field counts, UTF-8, column types and the memory the table needs.
class ColumnScanner final {
public:
    ColumnScanner(const CsvOptions &options, CellNumbers &numbers) : m_options(options), m_numbers(numbers) {}

    std::optional<Error> operator()(const std::vector<Field> &fields, std::size_t count, std::size_t line)
    {
        return names.empty() ? header(fields, count, line) : row(fields, count, line);
    }

    std::vector<std::string> names;
    std::vector<ColumnScan> scan;
    std::size_t rows = 0;

private:
    std::optional<Error> header(const std::vector<Field> &fields, std::size_t count, std::size_t line)
    {
        names.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            std::string_view text = trimSpaces(fields[i].text);
            // A file saved twice with a byte order mark has a second one after the first (which
            // the reader skipped): it is no more part of the first column's name than the first.
            if (i == 0)
                while (text.starts_with(kUtf8Bom))
                    text = trimSpaces(text.substr(kUtf8Bom.size()));
            std::string name(text);
            if (name.empty())
                name = "Column" + std::to_string(i + 1);
            for (std::size_t j = 0; j < names.size(); ++j) {
                if (names[j] == name) {
                    return Error{"line " + std::to_string(line) + ": duplicate column name '" + name +
                                 "' (columns " + std::to_string(j + 1) + " and " + std::to_string(i + 1) + ")"};
                }
            }
            names.push_back(std::move(name));
        }
        scan.resize(count);
        for (const auto &[name, hint] : m_options.typeHints) {
            for (std::size_t i = 0; i < names.size(); ++i) {
                if (names[i] == name) {
                    scan[i].hint = hint;
                    scan[i].numeric = hint != ColumnTypeHint::Text;
                }
            }
        }
        return std::nullopt;
    }

    std::optional<Error> row(const std::vector<Field> &fields, std::size_t count, std::size_t line)
    {
        if (count != names.size()) {
            return Error{"line " + std::to_string(line) + ": " + std::to_string(count) + " fields, expected " +
                         std::to_string(names.size())};
        }
        for (std::size_t i = 0; i < count; ++i) {
            const std::string &text = fields[i].text;
            ColumnScan &column = scan[i];
            if (text.size() > kInlineStringBytes)
                column.heapBytes += text.size() + 1;
            if (!column.numeric || isMissingToken(text))
                continue;
            double value = 0;
            if (!m_numbers.parse(text, value)) {
                if (column.hint == ColumnTypeHint::Numeric) {
                    return Error{"line " + std::to_string(line) + ": column '" + names[i] + "': '" + text +
                                 "' is not a number"};
                }
                column.numeric = false;
            }
        }
        ++rows;
        // The estimate only grows (columns turn from numeric to text, never back), so
        // a file that is over budget is refused as soon as that is certain.
        if ((rows & 1023) == 0) {
            const std::size_t needed = estimateBytes(scan, rows);
            if (needed > m_options.memoryBudgetBytes) {
                return Error{"the file needs more than " + formatBytes(needed) + " in memory (at line " +
                             std::to_string(line) + "), over the budget of " +
                             formatBytes(m_options.memoryBudgetBytes)};
            }
        }
        return std::nullopt;
    }

    const CsvOptions &m_options;
    CellNumbers &m_numbers;
};

// Typed columns sized exactly for the rows pass 1 counted.
void allocateColumns(const ColumnScanner &scanned, Dataset &data)
{
    data.rows = scanned.rows;
    data.columns.resize(scanned.names.size());
    for (std::size_t i = 0; i < scanned.names.size(); ++i) {
        Column &column = data.columns[i];
        column.name = scanned.names[i];
        column.numeric = scanned.scan[i].numeric;
        if (column.numeric) {
            column.numbers.reserve(scanned.rows);
        } else {
            column.text.reserve(scanned.rows);
            column.missing.reserve(scanned.rows);
        }
    }
}

// Pass 2: fills the typed columns; the file must still read as pass 1 read it.
std::optional<Error> fillColumns(ByteSource &source, bool bom, char delimiter, CellNumbers &numbers, Dataset &data)
{
    const std::size_t rows = data.rows;
    bool header = true;
    RecordParser filler(delimiter);
    auto onFill = [&](const std::vector<Field> &fields, std::size_t count, std::size_t line) -> std::optional<Error> {
        if (header) {
            header = false;
            return std::nullopt;
        }
        if (count != data.columns.size() || data.columns[0].size() >= rows)
            return Error{"line " + std::to_string(line) + ": the file changed while it was read"};
        for (std::size_t i = 0; i < count; ++i) {
            Column &column = data.columns[i];
            const std::string &text = fields[i].text;
            const bool missing = isMissingToken(text);
            if (column.numeric) {
                double value = std::numeric_limits<double>::quiet_NaN();
                if (!missing && !numbers.parse(text, value))
                    return Error{"line " + std::to_string(line) + ": the file changed while it was read"};
                column.numbers.push_back(value);
            } else {
                column.text.push_back(missing ? std::string() : text);
                column.missing.push_back(missing ? 1 : 0);
            }
        }
        return std::nullopt;
    };
    if (auto error = parseAll(source, bom, filler, onFill))
        return error;
    if (data.columns[0].size() != rows)
        return Error{"the file changed while it was read"};
    return std::nullopt;
}

Result<CsvTable> readFromSource(ByteSource &source, const CsvOptions &options, std::size_t totalBytes)
{
    CsvTable table;
    table.info.bytes = totalBytes;
    std::string sample;
    if (auto error = sampleStart(source, sample))
        return *error;
    const bool bom = sample.size() >= 3 && static_cast<unsigned char>(sample[0]) == 0xEF &&
                     static_cast<unsigned char>(sample[1]) == 0xBB && static_cast<unsigned char>(sample[2]) == 0xBF;
    std::string_view body(sample);
    if (bom)
        body.remove_prefix(3);
    if (trimSpaces(body).find_first_not_of("\r\n") == std::string_view::npos && sample.size() < kDetectSampleBytes)
        return Error{"the file is empty"};
    const char delimiter = options.delimiter != 0 ? options.delimiter : detectDelimiter(body);
    table.info.delimiter = delimiter;
    table.info.hadBom = bom;

    CellNumbers numbers(delimiter);
    ColumnScanner scanned(options, numbers);
    RecordParser scanner(delimiter);
    if (auto error = parseAll(source, bom, scanner, scanned))
        return *error;
    if (scanned.names.empty())
        return Error{"the file is empty"};
    if (scanned.rows == 0)
        return Error{"no data rows: the file has only a header (line 1)"};
    table.info.crlf = scanner.crlf();
    table.info.decimalComma = numbers.sawDecimalComma();
    table.info.lines = scanner.lines();
    table.info.estimatedMemoryBytes = estimateBytes(scanned.scan, scanned.rows);
    if (table.info.estimatedMemoryBytes > options.memoryBudgetBytes) {
        return Error{"the file needs " + formatBytes(table.info.estimatedMemoryBytes) +
                     " in memory, over the budget of " + formatBytes(options.memoryBudgetBytes)};
    }

    allocateColumns(scanned, table.data);
    if (auto error = source.rewind())
        return *error;
    if (auto error = fillColumns(source, bom, delimiter, numbers, table.data))
        return *error;
    return table;
}

} // namespace

bool isMissingToken(std::string_view cell)
{
    cell = trimSpaces(cell);
    return cell.empty() || cell == "?" || equalsIgnoreCase(cell, "na") || equalsIgnoreCase(cell, "nan") ||
           equalsIgnoreCase(cell, "null");
}

bool parseNumber(std::string_view cell, double &value)
{
    cell = trimSpaces(cell);
    if (!cell.empty() && cell.front() == '+')
        cell.remove_prefix(1);
    if (cell.empty())
        return false;
    // from_chars would accept "inf" and "nan"; those are not numbers a user wrote.
    const char first = cell.front() == '-' && cell.size() > 1 ? cell[1] : cell.front();
    if (!((first >= '0' && first <= '9') || first == '.'))
        return false;
    double parsed = 0;
    const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), parsed);
    if (ec != std::errc() || end != cell.data() + cell.size() || !std::isfinite(parsed))
        return false;
    value = parsed;
    return true;
}

char detectDelimiter(std::string_view sample)
{
    static constexpr std::array<char, 4> kCandidates{',', ';', '\t', '|'};
    char best = ',';
    std::size_t bestConsistent = 0;
    std::size_t bestCount = 0;
    for (char candidate : kCandidates) {
        // Count the candidate per line outside quotes, over the first complete lines.
        std::vector<std::size_t> counts;
        std::size_t count = 0;
        bool quoted = false;
        bool lineHasContent = false;
        for (std::size_t i = 0; i < sample.size() && counts.size() < kDetectLines; ++i) {
            const char c = sample[i];
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '\n' || c == '\r')) {
                if (lineHasContent)
                    counts.push_back(count);
                count = 0;
                lineHasContent = false;
                continue;
            } else if (!quoted && c == candidate) {
                ++count;
            }
            lineHasContent = true;
        }
        // A last line without a line end counts only when the sample is the whole text.
        if (lineHasContent && counts.size() < kDetectLines && sample.size() < kDetectSampleBytes)
            counts.push_back(count);
        if (counts.empty() || counts[0] == 0)
            continue;
        const std::size_t consistent =
            static_cast<std::size_t>(std::count(counts.begin(), counts.end(), counts[0]));
        if (consistent > bestConsistent || (consistent == bestConsistent && counts[0] > bestCount)) {
            best = candidate;
            bestConsistent = consistent;
            bestCount = counts[0];
        }
    }
    return best;
}

std::string csvField(std::string_view value, char delimiter)
{
    // The reader trims spaces and tabs around an unquoted value: a value that starts or ends
    // with either keeps it only in quotes.
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    const bool needsQuotes = value.find_first_of(std::string{'"', '\n', '\r', delimiter}) != std::string_view::npos ||
                             (!value.empty() && (blank(value.front()) || blank(value.back())));
    if (!needsQuotes)
        return std::string(value);
    std::string out;
    out.reserve(value.size() + 2);
    out.push_back('"');
    for (char c : value) {
        if (c == '"')
            out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

Result<CsvTable> parseCsv(std::string_view text, const CsvOptions &options)
{
    if (text.empty())
        return Error{"the file is empty"};
    MemorySource source(text);
    return readFromSource(source, options, text.size());
}

Result<CsvTable> readCsvFile(const std::string &path, const CsvOptions &options)
{
    FileSource source(path);
    if (auto error = source.open())
        return *error;
    auto first = source.next();
    if (!first)
        return Error{first.error()};
    if (first->empty())
        return Error{"the file is empty"};
    if (auto error = source.rewind())
        return *error;
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    const std::size_t bytes = ec ? 0 : static_cast<std::size_t>(size);
    return readFromSource(source, options, bytes);
}

} // namespace cerulean::automl
