#pragma once

#include "ui/models/leaderboard_run.h"

#include <QAbstractTableModel>
#include <QStringList>

#include <memory>
#include <vector>

namespace cerulean::ui {

using RunPtr = std::shared_ptr<const RunRecord>;

// The leaderboard of an AutoML run: one row per trial or ensemble, the primary metric,
// duration and status, then every other metric in its own column; the best run is marked.
// Rows can be set at once (a finished run) or arrive one by one (a live run).
// SortRole gives the raw value so a QSortFilterProxyModel sorts numbers as numbers.
class LeaderboardModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Best,
        Run,
        Algorithm,
        PrimaryMetric,
        Duration,
        Status,
        FirstOtherMetric // then one column per otherMetrics() entry
    };
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int RunIdRole = Qt::UserRole + 2;

    explicit LeaderboardModel(QObject *parent = nullptr);

    void setRuns(const QString &primaryMetric, std::vector<RunPtr> runs);
    void appendRun(RunPtr run);
    void clear(const QString &primaryMetric = {});

    QString primaryMetric() const { return m_primaryMetric; }
    const QStringList &otherMetrics() const { return m_otherMetrics; }
    int bestRunId() const { return m_bestRunId; }
    RunPtr run(int row) const;
    RunPtr runById(int runId) const;
    int rowOfRun(int runId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void bestRunChanged(int runId);

private:
    void setPrimaryMetric(const QString &metric);
    bool better(const RunRecord &candidate, const RunRecord *incumbent) const;
    void updateBest();

    QString m_primaryMetric;
    QStringList m_otherMetrics;
    std::vector<RunPtr> m_runs;
    int m_bestRunId = -1;
};

// "0.9472", "—" for a metric a run does not have.
QString formatMetric(double value);
// "1 min 05 s", "12.3 s".
QString formatDuration(double seconds);

} // namespace cerulean::ui

Q_DECLARE_METATYPE(cerulean::ui::RunPtr)
