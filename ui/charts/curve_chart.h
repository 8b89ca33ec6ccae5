#pragma once

#include <QChartView>

class QAbstractItemModel;

namespace cerulean::ui {

class CurveTableModel;

// Draws every curve of a CurveTableModel as a line series mapped from the model's column
// pair (QVXYModelMapper), so several runs overlay in one chart. Rebuilt on model reset.
class CurveChart final : public QChartView
{
    Q_OBJECT

public:
    explicit CurveChart(CurveTableModel *model, QWidget *parent = nullptr);

    // Writes the chart as a PNG; false when the file cannot be written.
    bool exportPng(const QString &path);

private:
    void rebuild();

    CurveTableModel *m_model;
};

// A horizontal bar per row of a two-column model (label, value), fed from the model on
// reset; used for feature importance.
class ImportanceChart final : public QChartView
{
    Q_OBJECT

public:
    static constexpr int kMaxBars = 15;

    ImportanceChart(QAbstractItemModel *model, int labelColumn, int valueColumn, QWidget *parent = nullptr);
    bool exportPng(const QString &path);

private:
    void rebuild();

    QAbstractItemModel *m_model;
    int m_labelColumn;
    int m_valueColumn;
};

// The best score so far over the run's elapsed time (and each trial's score as points),
// mapped from a TrialProgressModel.
class BestScoreChart final : public QChartView
{
    Q_OBJECT

public:
    explicit BestScoreChart(QAbstractItemModel *model, QWidget *parent = nullptr);
    void setMetricName(const QString &metric);

private:
    void refreshAxes();

    QAbstractItemModel *m_model;
};

} // namespace cerulean::ui
