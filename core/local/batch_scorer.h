#pragma once

#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <vector>

namespace cerulean::local {

// What one batch scoring run (the parallel step of a batch deployment's job) does.
struct BatchScoringOptions
{
    QString inputCsv;   // rows to score, with a header line
    QString modelDir;   // a core/automl model package
    QString outputFile; // append_row output: each input line plus its prediction
    int miniBatchSize = 10;        // rows per mini-batch
    int instanceCount = 1;         // nodes of the cluster the deployment uses …
    int maxConcurrencyPerInstance = 1; // … times this = worker slots scoring at once
    int errorThreshold = -1;       // failed rows tolerated; -1 = any number
    int maxRetries = 3;            // tries again a mini-batch that failed as a whole
    std::chrono::milliseconds miniBatchTimeout{std::chrono::minutes(5)};
};

// A row that could not be scored.
struct FailedRow
{
    qint64 line = 0; // 1-based line of the input file (the header is line 1)
    QString reason;
};

struct BatchProgress
{
    int miniBatchesDone = 0;
    int miniBatchesTotal = 0;
    qint64 rowsDone = 0;
    qint64 rowsTotal = 0;
    qint64 rowsFailed = 0;
};

struct BatchScoringResult
{
    bool succeeded = false;
    bool canceled = false;
    QString error;          // why it failed (names the threshold and the rows when that was it)
    qint64 rows = 0;        // data rows in the input
    qint64 rowsScored = 0;  // rows written to the output file
    int miniBatches = 0;
    int retries = 0;        // mini-batch attempts beyond the first
    std::vector<FailedRow> failedRows; // in input order
    std::chrono::milliseconds elapsed{0};
};

// Scores a CSV file in mini-batches on parallel worker slots with the same reading,
// schema conformance and model as `cerulean-cli score`, so predictions agree row for
// row. Rows that fail count against the error threshold, with their reasons; the output
// keeps the input order. Progress is reported from worker threads (serialised). Never throws.
BatchScoringResult runBatchScoring(const BatchScoringOptions &options,
                                   const std::function<void(const BatchProgress &)> &progress,
                                   const std::atomic<bool> &cancel);

// The message of a run that failed on its error threshold, e.g. "3 rows failed, more than
// the error threshold of 2: line 5 (…); line 9 (…); line 12 (…)".
QString describeFailedRows(const std::vector<FailedRow> &rows, int limit = 20);

} // namespace cerulean::local
