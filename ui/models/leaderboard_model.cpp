#include "ui/models/leaderboard_model.h"

#include "core/automl/metrics.h"

#include <QCoreApplication>
#include <QFont>
#include <QLocale>

#include <cmath>
#include <utility>

namespace cerulean::ui {

QString formatMetric(double value)
{
    return std::isfinite(value) ? QLocale().toString(value, 'f', 4) : QStringLiteral("—");
}

QString formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return QStringLiteral("—");
    if (seconds < 60)
        return QCoreApplication::translate("LeaderboardModel", "%1 s").arg(QLocale().toString(seconds, 'f', 1));
    const auto whole = qint64(std::llround(seconds));
    return QCoreApplication::translate("LeaderboardModel", "%1 min %2 s")
        .arg(whole / 60)
        .arg(whole % 60, 2, 10, QLatin1Char('0'));
}

LeaderboardModel::LeaderboardModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    setPrimaryMetric(QString::fromLatin1(automl::metric::kAucWeighted.data(), qsizetype(automl::metric::kAucWeighted.size())));
}

void LeaderboardModel::setPrimaryMetric(const QString &metric)
{
    m_primaryMetric = metric;
    m_otherMetrics.clear();
    for (std::string_view name : automl::classificationMetricNames()) {
        const QString text = QString::fromLatin1(name.data(), qsizetype(name.size()));
        if (text != metric)
            m_otherMetrics << text;
    }
}

void LeaderboardModel::setRuns(const QString &primaryMetric, std::vector<RunPtr> runs)
{
    beginResetModel();
    setPrimaryMetric(primaryMetric);
    m_runs = std::move(runs);
    m_bestRunId = -1;
    endResetModel();
    updateBest();
}

void LeaderboardModel::clear(const QString &primaryMetric)
{
    setRuns(primaryMetric.isEmpty() ? m_primaryMetric : primaryMetric, {});
}

void LeaderboardModel::appendRun(RunPtr run)
{
    if (!run)
        return;
    const int row = int(m_runs.size());
    beginInsertRows({}, row, row);
    m_runs.push_back(std::move(run));
    endInsertRows();
    updateBest();
}

bool LeaderboardModel::better(const RunRecord &candidate, const RunRecord *incumbent) const
{
    if (candidate.status.compare(QLatin1String("completed"), Qt::CaseInsensitive) != 0 || !std::isfinite(candidate.score))
        return false;
    if (!incumbent)
        return true;
    return metricHigherIsBetter(m_primaryMetric) ? candidate.score > incumbent->score : candidate.score < incumbent->score;
}

void LeaderboardModel::updateBest()
{
    const RunRecord *best = nullptr;
    for (const RunPtr &run : m_runs)
        if (better(*run, best))
            best = run.get();
    const int bestId = best ? best->id : -1;
    if (bestId == m_bestRunId)
        return;
    const int oldRow = rowOfRun(m_bestRunId);
    m_bestRunId = bestId;
    const int last = columnCount() - 1;
    if (oldRow >= 0)
        Q_EMIT dataChanged(index(oldRow, 0), index(oldRow, last));
    if (const int newRow = rowOfRun(bestId); newRow >= 0)
        Q_EMIT dataChanged(index(newRow, 0), index(newRow, last));
    Q_EMIT bestRunChanged(bestId);
}

RunPtr LeaderboardModel::run(int row) const
{
    return row >= 0 && row < int(m_runs.size()) ? m_runs.at(std::size_t(row)) : nullptr;
}

RunPtr LeaderboardModel::runById(int runId) const
{
    return run(rowOfRun(runId));
}

int LeaderboardModel::rowOfRun(int runId) const
{
    for (std::size_t row = 0; row < m_runs.size(); ++row)
        if (m_runs[row]->id == runId)
            return int(row);
    return -1;
}

int LeaderboardModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int LeaderboardModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : FirstOtherMetric + int(m_otherMetrics.size());
}

QVariant LeaderboardModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RunRecord &run = *m_runs.at(std::size_t(index.row()));
    const bool isBest = run.id == m_bestRunId;
    const int column = index.column();
    auto metricValue = [&](const QString &name) {
        const auto it = run.validationMetrics.find(name);
        return it == run.validationMetrics.end() ? qQNaN() : it->second;
    };
    switch (role) {
    case RunIdRole:
        return run.id;
    case Qt::FontRole:
        if (isBest) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case Qt::TextAlignmentRole:
        return column == Algorithm || column == Status ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                       : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (column == Best && isBest)
            return tr("Best model by %1").arg(m_primaryMetric);
        if (column == Algorithm)
            return run.hyperparameters;
        if (column == Status && !run.error.isEmpty())
            return run.error;
        return {};
    case SortRole:
        switch (column) {
        case Best:
            return isBest ? 1 : 0;
        case Run:
            return run.id;
        case Algorithm:
            return run.algorithm;
        case PrimaryMetric:
            // Missing scores sort after every real one whichever way the metric points.
            return std::isfinite(run.score) ? run.score : (metricHigherIsBetter(m_primaryMetric) ? -1e300 : 1e300);
        case Duration:
            return run.durationSeconds;
        case Status:
            return run.status;
        default: {
            const double value = metricValue(m_otherMetrics.value(column - FirstOtherMetric));
            return std::isfinite(value) ? value : -1e300;
        }
        }
    case Qt::DisplayRole:
        switch (column) {
        case Best:
            return isBest ? QStringLiteral("★") : QString();
        case Run:
            return run.id;
        case Algorithm:
            return run.algorithm;
        case PrimaryMetric:
            return formatMetric(run.score);
        case Duration:
            return formatDuration(run.durationSeconds);
        case Status:
            return run.status;
        default:
            return formatMetric(metricValue(m_otherMetrics.value(column - FirstOtherMetric)));
        }
    default:
        return {};
    }
}

QVariant LeaderboardModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= columnCount())
        return {};
    if (role == Qt::ToolTipRole && section == PrimaryMetric)
        return tr("The primary metric on validation data: what AutoML optimizes and ranks by.");
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Best:
        return tr("Best");
    case Run:
        return tr("Run");
    case Algorithm:
        return tr("Algorithm");
    case PrimaryMetric:
        return tr("%1 (primary)").arg(m_primaryMetric);
    case Duration:
        return tr("Duration");
    case Status:
        return tr("Status");
    default:
        return m_otherMetrics.value(section - FirstOtherMetric);
    }
}

} // namespace cerulean::ui
