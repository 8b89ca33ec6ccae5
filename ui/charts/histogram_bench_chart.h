#pragma once

#include <QChartView>

class QAbstractItemModel;
class QCategoryAxis;
class QBarSeries;
class QValueAxis;
class QVBarModelMapper;

namespace cerulean::ui {

// The latency histogram of a benchmark run: bars mapped straight from a BenchHistogramModel
// (QVBarModelMapper), categories from its label column.
class HistogramBenchChart final : public QChartView
{
    Q_OBJECT

public:
    explicit HistogramBenchChart(QAbstractItemModel *model, QWidget *parent = nullptr);

    int barCount() const;

private:
    void refreshAxes();

    QAbstractItemModel *m_model;
    QBarSeries *m_series;
    QVBarModelMapper *m_mapper;
    QCategoryAxis *m_categories;
    QValueAxis *m_counts;
};

// Applies the light or dark chart theme matching the widget's palette.
void applyChartTheme(QChartView &view);

// A value axis from 0 that reaches highest in at most five intervals of a round step (1, 2,
// 2.5 or 5 × 10^k): its top and its tick count. Nothing to show gives 0–1.
struct NiceAxis
{
    double top;
    int ticks;
};
NiceAxis niceAxis(double highest);
// Sets the axis to niceAxis(highest).
void applyNiceAxis(QValueAxis &axis, double highest);

// Fits two value axes to a model's columns: x from 0 to the largest x, y from 0 to 110 % of
// the largest y (nice numbers); an empty or all-zero column gets the range 0–1.
void fitAxesToColumns(const QAbstractItemModel &model, int xColumn, int yColumn, QValueAxis &x, QValueAxis &y);

} // namespace cerulean::ui
