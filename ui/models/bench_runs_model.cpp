#include "ui/models/bench_runs_model.h"

#include <algorithm>
#include <iterator>

namespace cerulean::ui {

namespace {

QString ms(double value)
{
    return QString::number(value, 'f', value < 10 ? 3 : 1);
}

QVariant rightAligned()
{
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
}

constexpr double kTailPercentile = 99.5;

} // namespace

double toMilliseconds(std::chrono::nanoseconds value)
{
    return std::chrono::duration<double, std::milli>(value).count();
}

BenchRunsModel::BenchRunsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int BenchRunsModel::addRun(const QString &endpoint, const QUrl &url, bool withKey,
                           std::shared_ptr<const bench::BenchResult> result)
{
    if (int(m_runs.size()) >= kMaxRuns) {
        beginRemoveRows({}, 0, 0);
        m_runs.erase(m_runs.begin());
        endRemoveRows();
    }
    const int row = int(m_runs.size());
    beginInsertRows({}, row, row);
    m_runs.push_back(BenchRun{m_nextNumber++, endpoint, url, withKey, std::move(result), QDateTime::currentDateTime()});
    endInsertRows();
    return row;
}

void BenchRunsModel::clear()
{
    beginResetModel();
    m_runs.clear();
    endResetModel();
}

const BenchRun *BenchRunsModel::run(int row) const
{
    return row >= 0 && row < int(m_runs.size()) ? &m_runs[std::size_t(row)] : nullptr;
}

int BenchRunsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int BenchRunsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BenchRunsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const BenchRun &run = m_runs[std::size_t(index.row())];
    const bench::BenchResult &r = *run.result;
    const bool sortable = role == Qt::UserRole; // raw numbers for the sort proxy
    if (role == Qt::DisplayRole || sortable) {
        switch (index.column()) {
        case RunColumn:
            return run.number;
        case EndpointColumn:
            return run.endpoint;
        case RequestsColumn:
            return sortable || !r.cancelled ? QVariant(qulonglong(r.completed + r.failures.total()))
                                            : QVariant(tr("%1 of %2 (cancelled)").arg(r.completed + r.failures.total()).arg(r.requested));
        case ConcurrencyColumn:
            return r.concurrency;
        case KeepAliveColumn:
            return r.keepAlive ? tr("yes") : tr("no");
        case RequestsPerSecondColumn:
            return sortable ? QVariant(r.requestsPerSecond()) : QVariant(QString::number(r.requestsPerSecond(), 'f', 1));
        case MeanColumn:
            return sortable ? QVariant(toMilliseconds(r.latency.mean())) : QVariant(ms(toMilliseconds(r.latency.mean())));
        case P50Column:
            return sortable ? QVariant(toMilliseconds(r.latency.percentile(50))) : QVariant(ms(toMilliseconds(r.latency.percentile(50))));
        case P99Column:
            return sortable ? QVariant(toMilliseconds(r.latency.percentile(99))) : QVariant(ms(toMilliseconds(r.latency.percentile(99))));
        case MaxColumn:
            return sortable ? QVariant(toMilliseconds(r.latency.max())) : QVariant(ms(toMilliseconds(r.latency.max())));
        case FailedColumn:
            return qulonglong(r.failures.total());
        case Non2xxColumn:
            return qulonglong(r.non2xx);
        }
    } else if (role == Qt::TextAlignmentRole && index.column() != EndpointColumn && index.column() != KeepAliveColumn) {
        return rightAligned();
    } else if (role == Qt::ToolTipRole) {
        return tr("%1 at %2 — %3").arg(run.url.toString(), run.finished.toString(Qt::ISODate),
                                       run.withKey ? tr("with the key") : tr("without a key"));
    }
    return {};
}

QVariant BenchRunsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case FailedColumn:
            return tr("Requests with no complete reply (connect, write, receive, timeout), counted as ab does");
        case Non2xxColumn:
            return tr("Replies whose status was not 2xx (a wrong key gives 401s here)");
        case MeanColumn:
        case P50Column:
        case P99Column:
        case MaxColumn:
            return tr("Milliseconds from connect (or write, with keep-alive) to the whole reply");
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case RunColumn:
        return tr("Run");
    case EndpointColumn:
        return tr("Endpoint");
    case RequestsColumn:
        return tr("Requests");
    case ConcurrencyColumn:
        return tr("Concurrency");
    case KeepAliveColumn:
        return tr("Keep-alive");
    case RequestsPerSecondColumn:
        return tr("Requests/s");
    case MeanColumn:
        return tr("Mean ms");
    case P50Column:
        return tr("p50 ms");
    case P99Column:
        return tr("p99 ms");
    case MaxColumn:
        return tr("Max ms");
    case FailedColumn:
        return tr("Failed");
    case Non2xxColumn:
        return tr("Non-2xx");
    }
    return {};
}

BenchPercentileModel::BenchPercentileModel(const BenchRunsModel *runs, QObject *parent)
    : QAbstractTableModel(parent)
    , m_runs(runs)
{
    // Runs are columns here: any change of the runs' rows reshapes this table.
    const auto reset = [this] {
        beginResetModel();
        endResetModel();
    };
    connect(runs, &QAbstractItemModel::rowsInserted, this, reset);
    connect(runs, &QAbstractItemModel::rowsRemoved, this, reset);
    connect(runs, &QAbstractItemModel::modelReset, this, reset);
}

int BenchPercentileModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(std::size(bench::kAbPercentiles));
}

int BenchPercentileModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : FirstRunColumn + m_runs->runCount();
}

QVariant BenchPercentileModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const double percent = bench::kAbPercentiles[index.row()];
    if (role == Qt::TextAlignmentRole)
        return rightAligned();
    if (index.column() == PercentColumn)
        return role == Qt::DisplayRole ? QVariant(QStringLiteral("%1 %").arg(percent)) : QVariant();
    const BenchRun *run = m_runs->run(index.column() - FirstRunColumn);
    if (!run || run->result->latency.count() == 0)
        return {};
    const double value = toMilliseconds(run->result->latency.percentile(percent));
    if (role == Qt::DisplayRole)
        return ms(value);
    if (role == Qt::EditRole)
        return value;
    return {};
}

QVariant BenchPercentileModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section == PercentColumn)
        return role == Qt::DisplayRole ? QVariant(tr("Served within")) : QVariant();
    const BenchRun *run = m_runs->run(section - FirstRunColumn);
    if (!run)
        return {};
    if (role == Qt::DisplayRole)
        return tr("Run %1 ms").arg(run->number);
    if (role == Qt::ToolTipRole)
        return tr("%1, n=%2, c=%3, keep-alive %4")
            .arg(run->endpoint)
            .arg(run->result->requested)
            .arg(run->result->concurrency)
            .arg(run->result->keepAlive ? tr("on") : tr("off"));
    return {};
}

BenchHistogramModel::BenchHistogramModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void BenchHistogramModel::setResult(std::shared_ptr<const bench::BenchResult> result)
{
    beginResetModel();
    m_bins.clear();
    if (result && result->latency.count() > 0) {
        const bench::LatencyHistogram &latency = result->latency;
        const double from = toMilliseconds(latency.min());
        double to = toMilliseconds(latency.percentile(kTailPercentile));
        if (to <= from)
            to = from + std::max(from * 0.01, 0.001);
        const double width = (to - from) / kBins;
        m_bins.resize(kBins);
        for (int b = 0; b < kBins; ++b)
            m_bins[std::size_t(b)] = Bin{from + b * width, from + (b + 1) * width, 0};
        for (const auto &[edge, count] : latency.buckets()) {
            // A fine bucket's upper edge is within 0.8 % of its values; clamp it to the range.
            const double value = std::clamp(toMilliseconds(edge), from, to);
            const int bin = std::min(kBins - 1, int((value - from) / width));
            m_bins[std::size_t(bin)].count += count;
        }
    }
    endResetModel();
}

std::uint64_t BenchHistogramModel::totalCount() const
{
    std::uint64_t total = 0;
    for (const Bin &bin : m_bins)
        total += bin.count;
    return total;
}

int BenchHistogramModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_bins.size());
}

int BenchHistogramModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BenchHistogramModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Bin &bin = m_bins[std::size_t(index.row())];
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    switch (index.column()) {
    case LabelColumn:
        return index.row() == int(m_bins.size()) - 1 ? QStringLiteral("≥%1").arg(ms(bin.from)) : ms(bin.from);
    case FromColumn:
        return bin.from;
    case ToColumn:
        return bin.to;
    case CountColumn:
        return qulonglong(bin.count);
    }
    return {};
}

QVariant BenchHistogramModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case LabelColumn:
        return tr("Latency ms");
    case FromColumn:
        return tr("From ms");
    case ToColumn:
        return tr("To ms");
    case CountColumn:
        return tr("Requests");
    }
    return {};
}

BenchThroughputModel::BenchThroughputModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void BenchThroughputModel::setResult(std::shared_ptr<const bench::BenchResult> result)
{
    beginResetModel();
    m_points.clear();
    if (result) {
        const double seconds = std::chrono::duration<double>(result->interval).count();
        const double total = std::chrono::duration<double>(result->elapsed).count();
        for (std::size_t i = 0; i < result->completedPerInterval.size() && seconds > 0; ++i) {
            // The last interval is usually partial: rate it over the time it covered.
            const double start = double(i) * seconds;
            const double span = std::min(seconds, total - start);
            if (span <= 0)
                break;
            m_points.emplace_back(start + span, double(result->completedPerInterval[i]) / span);
        }
    }
    endResetModel();
}

double BenchThroughputModel::maxRate() const
{
    double best = 0;
    for (const auto &point : m_points)
        best = std::max(best, point.second);
    return best;
}

int BenchThroughputModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_points.size());
}

int BenchThroughputModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BenchThroughputModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    const auto &point = m_points[std::size_t(index.row())];
    return index.column() == TimeColumn ? point.first : point.second;
}

QVariant BenchThroughputModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    return section == TimeColumn ? tr("Seconds") : tr("Requests/s");
}

} // namespace cerulean::ui
