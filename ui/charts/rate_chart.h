#pragma once

#include <QChartView>

class QAbstractItemModel;
class QLineSeries;
class QValueAxis;
class QVXYModelMapper;

namespace cerulean::ui {

// A value over time (requests per second through a benchmark run; request rate in the logs):
// a line mapped from two columns of a model (QVXYModelMapper).
class RateChart final : public QChartView
{
    Q_OBJECT

public:
    RateChart(QAbstractItemModel *model, int xColumn, int yColumn, const QString &title, const QString &xTitle,
              const QString &yTitle, QWidget *parent = nullptr);

    int pointCount() const;

private:
    void refreshAxes();

    QAbstractItemModel *m_model;
    int m_xColumn;
    int m_yColumn;
    QLineSeries *m_series;
    QVXYModelMapper *m_mapper;
    QValueAxis *m_x;
    QValueAxis *m_y;
};

} // namespace cerulean::ui
