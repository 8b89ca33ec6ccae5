#pragma once

#include <QString>
#include <QStringList>

#include <atomic>
#include <chrono>
#include <functional>
#include <vector>

namespace cerulean::local {

// What one batch scoring run (the parallel step of a batch deployment's job) does.
struct BatchScoringOptions
{
    QString inputCsv;   // rows to score, with a header line; or a folder of such CSV files (batchInputFiles)
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
    QString file;    // the file's name when the input is a folder; empty for a single file
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

// The files a folder input is read from: every *.csv file in it (case-insensitive), in
// name order; hidden files, folders and other files are left out. Empty with *error naming
// the folder when it cannot be read or holds no CSV file.
QStringList batchInputFiles(const QString &folder, QString *error);

// Scores a CSV file, or a folder's CSV files as one table (all with the same header; rows in
// the files' order), in mini-batches on parallel worker slots with the same reading,
// schema conformance and model as `cerulean-cli score`, so predictions agree row for
// row. Rows that fail count against the error threshold, with their reasons; the output
// keeps the input order. Progress is reported from worker threads (serialised). Never throws.
BatchScoringResult runBatchScoring(const BatchScoringOptions &options,
                                   const std::function<void(const BatchProgress &)> &progress,
                                   const std::atomic<bool> &cancel);

// The rows of a run that failed on its error threshold, e.g. "line 5 (…); line 9 (…)", or
// "part2.csv line 5 (…)" for the rows of a folder input.
QString describeFailedRows(const std::vector<FailedRow> &rows, int limit = 20);

} // namespace cerulean::local
