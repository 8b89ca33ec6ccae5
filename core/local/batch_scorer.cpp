// Batch scoring in parallel mini-batches: the work of a batch deployment's job.

#include "core/local/batch_scorer.h"

#include "core/automl/csv.h"
#include "core/automl/model_package.h"
#include "core/automl/schema.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <thread>

namespace cerulean::local {

namespace {

using namespace cerulean::automl;

struct MiniBatch
{
    std::size_t first = 0; // index into the data lines
    std::size_t count = 0;
    std::vector<std::string> output; // output lines of the rows scored
    std::vector<FailedRow> failed; // `line` holds the row's index in the data until the end
};

// The rows of the input (one file, or a folder's files one after the other) and where each came from.
struct InputTable
{
    std::vector<QByteArray> contents; // the files' bytes; `lines` points into them
    std::string header;
    char delimiter = ',';
    std::vector<std::string_view> lines; // data lines, the headers left out
    std::vector<qint64> lineNumbers;     // each data line's 1-based line in its file
    std::vector<int> fileOf;             // each data line's index in fileNames
    QStringList fileNames;               // a folder's file names; one empty name for a single file
};

// One row per physical line (a BOM and CR line ends dropped, trailing blank lines too).
std::vector<std::string_view> physicalLines(const QByteArray &content)
{
    std::vector<std::string_view> lines;
    std::string_view rest(content.constData(), static_cast<std::size_t>(content.size()));
    if (rest.size() >= 3 && rest.substr(0, 3) == "\xEF\xBB\xBF")
        rest.remove_prefix(3);
    while (!rest.empty()) {
        std::size_t end = rest.find('\n');
        std::string_view line = rest.substr(0, end);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        lines.push_back(line);
        if (end == std::string_view::npos)
            break;
        rest.remove_prefix(end + 1);
    }
    while (!lines.empty() && lines.back().find_first_not_of(" \t") == std::string_view::npos)
        lines.pop_back();
    return lines;
}

// A header line's column names: quotes taken off, blanks around names ignored.
QStringList headerColumns(std::string_view header, char delimiter)
{
    QStringList columns;
    std::string name;
    bool quoted = false;
    for (std::size_t i = 0; i <= header.size(); ++i) {
        const char c = i < header.size() ? header[i] : delimiter;
        if (quoted) {
            if (c == '"' && i + 1 < header.size() && header[i + 1] == '"') {
                name += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                name += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == delimiter) {
            columns << QString::fromStdString(name).trimmed();
            name.clear();
        } else {
            name += c;
        }
    }
    return columns;
}

// Why `header` (of `file`) is not the first file's header; nullopt when they name the same columns.
std::optional<QString> headerDifference(const QString &file, std::string_view header, const QString &firstFile,
                                        const std::string &firstHeader, char delimiter)
{
    const QStringList theirs = headerColumns(header, delimiter);
    const QStringList first = headerColumns(firstHeader, delimiter);
    if (theirs == first)
        return std::nullopt;
    const qsizetype common = std::min(theirs.size(), first.size());
    qsizetype i = 0;
    while (i < common && theirs[i] == first[i])
        ++i;
    const QString what =
        i < common ? QStringLiteral("column %1 is '%2' where %3 has '%4'").arg(i + 1).arg(theirs[i], firstFile, first[i])
        : i < first.size()
            ? QStringLiteral("it has %1 columns where %2 has %3: column %4 '%5' is missing")
                  .arg(theirs.size())
                  .arg(firstFile)
                  .arg(first.size())
                  .arg(i + 1)
                  .arg(first[i])
            : QStringLiteral("it has %1 columns where %2 has %3: column %4 '%5' is extra")
                  .arg(theirs.size())
                  .arg(firstFile)
                  .arg(first.size())
                  .arg(i + 1)
                  .arg(theirs[i]);
    return QStringLiteral("The input file %1 does not have the header of the other files: %2. Every CSV file of a "
                          "folder input needs the same columns in the same order.")
        .arg(file, what);
}

// Reads a CSV file, or every CSV file of a folder, into `table`; the reason when it cannot.
std::optional<QString> readInput(const QString &path, InputTable &table)
{
    const bool folder = QFileInfo(path).isDir();
    QStringList files{path};
    if (folder) {
        QString error;
        files = batchInputFiles(path, &error);
        if (files.isEmpty())
            return error;
    }
    table.contents.reserve(static_cast<std::size_t>(files.size()));
    for (const QString &file : files) {
        const QString name = folder ? QFileInfo(file).fileName() : QString();
        QFile input(file);
        if (!input.open(QIODevice::ReadOnly))
            return QStringLiteral("The input %1 could not be read: %2").arg(file, input.errorString());
        table.contents.push_back(input.readAll());
        std::vector<std::string_view> lines = physicalLines(table.contents.back());
        if (lines.empty() && folder)
            return QStringLiteral("The input file %1 in %2 is empty: it has no header line.").arg(name, path);
        if (lines.empty())
            break;
        if (table.fileNames.isEmpty()) {
            table.header = std::string(lines.front());
            std::string sample = table.header;
            for (std::size_t i = 1; i < std::min<std::size_t>(lines.size(), 21); ++i)
                sample += '\n' + std::string(lines[i]);
            table.delimiter = detectDelimiter(sample);
        } else if (lines.front() != table.header) {
            if (auto difference = headerDifference(name, lines.front(), table.fileNames.front(), table.header, table.delimiter))
                return difference;
        }
        const int fileIndex = static_cast<int>(table.fileNames.size());
        table.fileNames << name;
        for (std::size_t i = 1; i < lines.size(); ++i) {
            table.lines.push_back(lines[i]);
            table.lineNumbers.push_back(static_cast<qint64>(i) + 1);
            table.fileOf.push_back(fileIndex);
        }
    }
    if (table.lines.empty())
        return folder ? QStringLiteral("The input folder %1 has no data rows below its files' headers.").arg(path)
                      : QStringLiteral("The input %1 has no data rows below its header.").arg(path);
    return std::nullopt;
}

QString cleanReason(const std::string &message)
{
    // Messages of a one-row parse name line 2 / row 1 of that parse, not of the file.
    static const QRegularExpression line(QStringLiteral("^line \\d+: "));
    static const QRegularExpression row(QStringLiteral(", row \\d+:"));
    QString text = QString::fromStdString(message);
    text.remove(line);
    text.replace(row, QStringLiteral(":"));
    return text;
}

class Scorer final
{
public:
    Scorer(const ModelPackage &package, std::string header, char delimiter)
        : m_package(package), m_header(std::move(header))
    {
        m_csv.typeHints = package.schema().csvTypeHints();
        m_csv.delimiter = delimiter;
    }

    // Scores lines [first, first+count); nullopt on success, else the rows' common error.
    std::optional<std::string> score(const std::vector<std::string_view> &lines, MiniBatch &batch) const
    {
        std::string text = m_header;
        for (std::size_t i = 0; i < batch.count; ++i) {
            text += '\n';
            text += lines[batch.first + i];
        }
        auto proba = predict(text, batch.count);
        if (proba) {
            for (std::size_t i = 0; i < batch.count; ++i)
                batch.output.push_back(outputLine(lines[batch.first + i], (*proba)[i]));
            return std::nullopt;
        }
        // Some row is bad: score the rows one by one to name it and keep the others.
        for (std::size_t i = 0; i < batch.count; ++i) {
            const std::string_view line = lines[batch.first + i];
            auto one = predict(m_header + '\n' + std::string(line), 1);
            if (one)
                batch.output.push_back(outputLine(line, (*one)[0]));
            else
                batch.failed.push_back({static_cast<qint64>(batch.first + i), cleanReason(one.error()), {}});
        }
        return std::nullopt;
    }

private:
    Result<std::vector<std::vector<double>>> predict(const std::string &text, std::size_t expected) const
    {
        auto table = parseCsv(text, m_csv);
        if (!table)
            return Error{table.error()};
        if (table->data.rows != expected)
            return Error{"the row has line breaks inside quotes; batch scoring reads one row per line"};
        auto conformed = conformToSchema(table->data, m_package.schema());
        if (!conformed)
            return Error{conformed.error()};
        std::vector<std::vector<Cell>> rows(conformed->rows);
        for (std::size_t r = 0; r < conformed->rows; ++r)
            rows[r] = conformed->row(r);
        auto proba = m_package.predictProbaChecked(rows);
        if (!proba)
            return Error{proba.error()};
        return std::move(*proba);
    }

    std::string outputLine(std::string_view line, const std::vector<double> &p) const
    {
        const auto &labels = m_package.schema().classLabels;
        const std::size_t best = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
        std::string out(line);
        out += ',';
        out += csvField(labels[best]);
        char number[32];
        for (double v : p) {
            std::snprintf(number, sizeof number, "%.17g", v);
            out += ',';
            out += number;
        }
        return out;
    }

    const ModelPackage &m_package;
    std::string m_header;
    CsvOptions m_csv;
};

} // namespace

QStringList batchInputFiles(const QString &folder, QString *error)
{
    const QDir dir(folder);
    if (!dir.exists()) {
        if (error)
            *error = QStringLiteral("The input folder %1 was not found.").arg(folder);
        return {};
    }
    // QDir matches name filters without regard to case unless told otherwise: a.CSV counts.
    QStringList files;
    for (const QFileInfo &info : dir.entryInfoList({QStringLiteral("*.csv")}, QDir::Files, QDir::Name))
        files << info.absoluteFilePath();
    if (files.isEmpty() && error) {
        const auto others = dir.entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot).size();
        *error = others == 0 ? QStringLiteral("The input folder %1 is empty: a folder input needs at least one CSV file (*.csv).")
                                   .arg(folder)
                             : QStringLiteral("The input folder %1 has no CSV file (*.csv) among its %2 entries.")
                                   .arg(folder)
                                   .arg(others);
    }
    return files;
}

QString describeFailedRows(const std::vector<FailedRow> &rows, int limit)
{
    QStringList parts;
    for (const FailedRow &row : rows) {
        if (parts.size() >= limit) {
            parts << QStringLiteral("and %1 more").arg(static_cast<qsizetype>(rows.size()) - limit);
            break;
        }
        parts << (row.file.isEmpty() ? QString() : row.file + QLatin1Char(' ')) +
                     QStringLiteral("line %1 (%2)").arg(row.line).arg(row.reason);
    }
    return parts.join(QStringLiteral("; "));
}

BatchScoringResult runBatchScoring(const BatchScoringOptions &options,
                                   const std::function<void(const BatchProgress &)> &progress,
                                   const std::atomic<bool> &cancel)
{
    BatchScoringResult result;
    const auto started = std::chrono::steady_clock::now();
    const auto finish = [&]() -> BatchScoringResult {
        result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        return result;
    };
    if (options.miniBatchSize < 1 || options.instanceCount < 1 || options.maxConcurrencyPerInstance < 1) {
        result.error = QStringLiteral("The mini-batch size, instance count and concurrency per instance must be at least 1.");
        return finish();
    }
    auto package = ModelPackage::load(options.modelDir.toStdString());
    if (!package) {
        result.error = QStringLiteral("The model could not be loaded: %1").arg(QString::fromStdString(package.error()));
        return finish();
    }
    InputTable table;
    if (const auto error = readInput(options.inputCsv, table)) {
        result.error = *error;
        return finish();
    }
    const std::vector<std::string_view> &lines = table.lines;
    const Scorer scorer(*package, table.header, table.delimiter);

    std::vector<MiniBatch> batches;
    const std::size_t size = static_cast<std::size_t>(options.miniBatchSize);
    for (std::size_t first = 0; first < lines.size(); first += size)
        batches.push_back({first, std::min(size, lines.size() - first), {}, {}});
    result.rows = static_cast<qint64>(lines.size());
    result.miniBatches = static_cast<int>(batches.size());

    std::atomic<std::size_t> next{0};
    std::atomic<bool> abort{false};
    std::atomic<int> retries{0};
    std::mutex progressMutex;
    BatchProgress state;
    state.miniBatchesTotal = result.miniBatches;
    state.rowsTotal = result.rows;
    const auto worker = [&] {
        for (;;) {
            if (cancel.load() || abort.load())
                return;
            const std::size_t index = next.fetch_add(1);
            if (index >= batches.size())
                return;
            MiniBatch &batch = batches[index];
            std::optional<QString> batchError;
            for (int attempt = 0; attempt <= options.maxRetries; ++attempt) {
                if (attempt > 0)
                    retries.fetch_add(1);
                batch.output.clear();
                batch.failed.clear();
                const auto t0 = std::chrono::steady_clock::now();
                try {
                    scorer.score(lines, batch);
                    batchError.reset();
                } catch (const std::exception &e) {
                    batchError = QStringLiteral("the mini-batch failed: %1").arg(QString::fromUtf8(e.what()));
                }
                if (!batchError && std::chrono::steady_clock::now() - t0 > options.miniBatchTimeout)
                    batchError = QStringLiteral("the mini-batch took longer than its timeout of %1 s")
                                     .arg(std::chrono::duration_cast<std::chrono::seconds>(options.miniBatchTimeout).count());
                if (!batchError)
                    break;
            }
            if (batchError) {
                batch.output.clear();
                batch.failed.clear();
                for (std::size_t i = 0; i < batch.count; ++i)
                    batch.failed.push_back({static_cast<qint64>(batch.first + i), *batchError, {}});
            }
            std::lock_guard lock(progressMutex);
            ++state.miniBatchesDone;
            state.rowsDone += static_cast<qint64>(batch.count);
            state.rowsFailed += static_cast<qint64>(batch.failed.size());
            if (options.errorThreshold >= 0 && state.rowsFailed > options.errorThreshold)
                abort = true; // the run has failed; stop scoring
            if (progress)
                progress(state);
        }
    };
    const int slots = std::min<int>(options.instanceCount * options.maxConcurrencyPerInstance, result.miniBatches);
    std::vector<std::thread> threads;
    for (int i = 1; i < slots; ++i)
        threads.emplace_back(worker);
    worker();
    for (auto &t : threads)
        t.join();
    result.retries = retries.load();

    // The output in input order: every row that was scored, also when the run failed.
    QDir().mkpath(QFileInfo(options.outputFile).absolutePath());
    QSaveFile out(options.outputFile);
    if (!out.open(QIODevice::WriteOnly)) {
        result.error = QStringLiteral("The output %1 could not be written: %2").arg(options.outputFile, out.errorString());
        return finish();
    }
    std::string buffer;
    for (const MiniBatch &batch : batches) {
        for (const std::string &line : batch.output) {
            buffer += line;
            buffer += '\n';
        }
        result.rowsScored += static_cast<qint64>(batch.output.size());
        for (FailedRow row : batch.failed) {
            // Scoring kept the row's index in the data; the report names its file and line.
            const auto index = static_cast<std::size_t>(row.line);
            row.line = table.lineNumbers[index];
            row.file = table.fileNames.value(table.fileOf[index]);
            result.failedRows.push_back(std::move(row));
        }
        if (buffer.size() > (1u << 20)) {
            out.write(buffer.data(), static_cast<qint64>(buffer.size()));
            buffer.clear();
        }
    }
    out.write(buffer.data(), static_cast<qint64>(buffer.size()));
    if (!out.commit()) {
        result.error = QStringLiteral("The output %1 could not be written.").arg(options.outputFile);
        return finish();
    }
    if (cancel.load()) {
        result.canceled = true;
        result.error = QStringLiteral("The batch scoring run was canceled.");
        return finish();
    }
    const qint64 failed = static_cast<qint64>(result.failedRows.size());
    if (options.errorThreshold >= 0 && failed > options.errorThreshold) {
        result.error = QStringLiteral("%1 rows failed, more than the error threshold of %2%3: %4")
                           .arg(failed)
                           .arg(options.errorThreshold)
                           .arg(abort.load() && state.miniBatchesDone < result.miniBatches
                                    ? QStringLiteral(" (scoring stopped at the first mini-batch over it)")
                                    : QString())
                           .arg(describeFailedRows(result.failedRows));
        return finish();
    }
    result.succeeded = true;
    return finish();
}

} // namespace cerulean::local
