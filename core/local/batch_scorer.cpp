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
    std::vector<FailedRow> failed;
};

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
                batch.failed.push_back({static_cast<qint64>(batch.first + i) + 2, cleanReason(one.error())});
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

QString describeFailedRows(const std::vector<FailedRow> &rows, int limit)
{
    QStringList parts;
    for (const FailedRow &row : rows) {
        if (parts.size() >= limit) {
            parts << QStringLiteral("and %1 more").arg(static_cast<qsizetype>(rows.size()) - limit);
            break;
        }
        parts << QStringLiteral("line %1 (%2)").arg(row.line).arg(row.reason);
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
    QFile input(options.inputCsv);
    if (!input.open(QIODevice::ReadOnly)) {
        result.error = QStringLiteral("The input %1 could not be read: %2").arg(options.inputCsv, input.errorString());
        return finish();
    }
    const QByteArray content = input.readAll();
    input.close();

    // One row per physical line; the header is the first.
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
    if (lines.size() < 2) {
        result.error = QStringLiteral("The input %1 has no data rows below its header.").arg(options.inputCsv);
        return finish();
    }
    const std::string header(lines.front());
    lines.erase(lines.begin());
    std::string sample = header;
    for (std::size_t i = 0; i < std::min<std::size_t>(lines.size(), 20); ++i)
        sample += '\n' + std::string(lines[i]);
    const Scorer scorer(*package, header, detectDelimiter(sample));

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
                    batch.failed.push_back({static_cast<qint64>(batch.first + i) + 2, *batchError});
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
        result.failedRows.insert(result.failedRows.end(), batch.failed.begin(), batch.failed.end());
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
