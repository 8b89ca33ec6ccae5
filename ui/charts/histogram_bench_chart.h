#pragma once

#include <QChartView>

class QAbstractItemModel;
class QBarCategoryAxis;
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
    QBarCategoryAxis *m_categories;
    QValueAxis *m_counts;
};

// Applies the light or dark chart theme matching the widget's palette.
void applyChartTheme(QChartView &view);

} // namespace cerulean::ui
