#pragma once

#include <QChartView>

class QAbstractItemModel;
class QLineSeries;
class QValueAxis;
class QVXYModelMapper;

namespace cerulean::ui {

// Request latency over time in the Logs step: the mean and the 95th percentile per minute,
// two lines mapped from the same model (QVXYModelMapper).
class LatencyChart final : public QChartView
{
    Q_OBJECT

public:
    LatencyChart(QAbstractItemModel *model, int xColumn, int meanColumn, int p95Column, QWidget *parent = nullptr);

    int pointCount() const; // points of the mean line

private:
    void refreshAxes();

    QAbstractItemModel *m_model;
    int m_xColumn;
    int m_p95Column;
    QLineSeries *m_mean;
    QLineSeries *m_p95;
    QValueAxis *m_x;
    QValueAxis *m_y;
};

} // namespace cerulean::ui
