#pragma once

#include "ui/models/leaderboard_model.h"

#include <QAbstractTableModel>

#include <vector>

namespace cerulean::ui {

// Which data a run's metrics and charts were computed on.
enum class EvaluationSet
{
    Validation,
    Test,
};

// Metrics of the selected runs side by side: one row per metric, one column per run.
class MetricsTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    explicit MetricsTableModel(QObject *parent = nullptr);

    void setRuns(const QString &primaryMetric, std::vector<RunPtr> runs, EvaluationSet set = EvaluationSet::Validation);
    // The table as CSV (header row of run names, one line per metric), for export.
    QString toCsv() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    double value(int row, int column) const;

    QStringList m_metrics;
    std::vector<RunPtr> m_runs;
    EvaluationSet m_set = EvaluationSet::Validation;
};

// One run's confusion matrix: rows are true classes, columns predicted ones; counts or
// shares of each true class (normalized). BackgroundRole shades cells as a heatmap.
class ConfusionMatrixModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    static constexpr int ShareRole = Qt::UserRole + 1; // the cell's share of its true class, 0..1

    explicit ConfusionMatrixModel(QObject *parent = nullptr);

    void setRun(RunPtr run, EvaluationSet set = EvaluationSet::Validation);
    void setNormalized(bool normalized);
    bool isNormalized() const { return m_normalized; }
    RunPtr run() const { return m_run; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    const RunCharts *charts() const;

    RunPtr m_run;
    EvaluationSet m_set = EvaluationSet::Validation;
    bool m_normalized = false;
};

// The curves of one chart kind for several runs, one class each, as column pairs
// (x of curve i in column 2i, y in 2i+1) so a QVXYModelMapper maps each pair to a series
// and a table can show the same numbers. Cells past a curve's last point are empty.
class CurveTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    explicit CurveTableModel(QObject *parent = nullptr);

    // `classLabel` picks each run's curve ("yes", "micro", …); runs without it are left out.
    void setRuns(std::vector<RunPtr> runs, CurveKind kind, const QString &classLabel,
                 EvaluationSet set = EvaluationSet::Validation);
    // Every curve label the runs have for `kind` (what the class selector offers).
    static QStringList curveLabels(const std::vector<RunPtr> &runs, CurveKind kind,
                                   EvaluationSet set = EvaluationSet::Validation);

    CurveKind kind() const { return m_kind; }
    int curveCount() const { return int(m_curves.size()); }
    QString curveName(int curve) const;
    int pointCount(int curve) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Entry
    {
        RunPtr run;
        const ChartCurve *curve = nullptr; // owned by run
    };
    CurveKind m_kind = CurveKind::Roc;
    std::vector<Entry> m_curves;
    int m_rows = 0;
};

// Global feature importance of the best model, aggregated to input columns, highest first.
class ImportanceModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Feature,
        Importance,
        ColumnCount
    };

    explicit ImportanceModel(QObject *parent = nullptr);

    void setImportance(const QString &metric, std::vector<ColumnImportance> importance);
    QString metric() const { return m_metric; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString m_metric;
    std::vector<ColumnImportance> m_importance;
};

} // namespace cerulean::ui
