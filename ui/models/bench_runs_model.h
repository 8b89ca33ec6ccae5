#pragma once

#include "core/bench/load_generator.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QUrl>

#include <memory>
#include <vector>

namespace cerulean::ui {

// One finished benchmark run, kept for side-by-side comparison (local against Azure, keep-alive
// on against off). It holds no key.
struct BenchRun
{
    int number = 0;
    QString endpoint; // the endpoint's name or host:port
    QUrl url;
    bool withKey = false;
    std::shared_ptr<const bench::BenchResult> result;
    QDateTime finished;
};

// Milliseconds from core/bench's nanoseconds.
double toMilliseconds(std::chrono::nanoseconds value);

// The runs of this session, newest last: the comparison table of the Benchmark page, and the
// one owner of the results the percentile, histogram and throughput models read.
class BenchRunsModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        RunColumn,
        EndpointColumn,
        RequestsColumn,
        ConcurrencyColumn,
        KeepAliveColumn,
        RequestsPerSecondColumn,
        MeanColumn,
        P50Column,
        P99Column,
        MaxColumn,
        FailedColumn,
        Non2xxColumn,
        ColumnCount
    };
    static constexpr int kMaxRuns = 12; // the oldest run makes room for a new one

    explicit BenchRunsModel(QObject *parent = nullptr);

    // Returns the run's row.
    int addRun(const QString &endpoint, const QUrl &url, bool withKey, std::shared_ptr<const bench::BenchResult> result);
    void clear();
    const BenchRun *run(int row) const;
    int runCount() const { return int(m_runs.size()); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<BenchRun> m_runs;
    int m_nextNumber = 1;
};

// ab's percentile table for every kept run side by side: one row per percentile
// (50, 66, …, 100), one column per run, in milliseconds.
class BenchPercentileModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        PercentColumn,
        FirstRunColumn,
    };

    explicit BenchPercentileModel(const BenchRunsModel *runs, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    const BenchRunsModel *m_runs;
};

// The latency histogram of one run re-binned into equal-width bins from the fastest request
// to the 99.5th percentile (the slow tail goes into the last bin), for the histogram chart.
class BenchHistogramModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        LabelColumn, // "1.20–1.25"
        FromColumn,  // ms
        ToColumn,    // ms
        CountColumn,
        ColumnCount
    };
    static constexpr int kBins = 24;

    explicit BenchHistogramModel(QObject *parent = nullptr);
    void setResult(std::shared_ptr<const bench::BenchResult> result);
    std::uint64_t totalCount() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Bin
    {
        double from = 0;
        double to = 0;
        std::uint64_t count = 0;
    };
    std::vector<Bin> m_bins;
};

// Requests completed per second over the course of one run, for the throughput chart.
class BenchThroughputModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        TimeColumn,              // seconds since the start, end of the interval
        RequestsPerSecondColumn,
        ColumnCount
    };

    explicit BenchThroughputModel(QObject *parent = nullptr);
    void setResult(std::shared_ptr<const bench::BenchResult> result);
    double maxRate() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<std::pair<double, double>> m_points;
};

} // namespace cerulean::ui
