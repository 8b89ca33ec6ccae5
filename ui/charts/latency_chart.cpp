#include "ui/charts/latency_chart.h"

#include "ui/charts/histogram_bench_chart.h"

#include <QAbstractItemModel>
#include <QLineSeries>
#include <QVXYModelMapper>
#include <QValueAxis>

#include <algorithm>

namespace cerulean::ui {

LatencyChart::LatencyChart(QAbstractItemModel *model, int xColumn, int meanColumn, int p95Column, QWidget *parent)
    : QChartView(parent)
    , m_model(model)
    , m_xColumn(xColumn)
    , m_p95Column(p95Column)
    , m_mean(new QLineSeries)
    , m_p95(new QLineSeries)
    , m_x(new QValueAxis)
    , m_y(new QValueAxis)
{
    setRenderHint(QPainter::Antialiasing);
    auto *chart = new QChart;
    setChart(chart);
    applyChartTheme(*this);
    chart->setTitle(tr("Latency per minute"));
    m_mean->setName(tr("mean"));
    m_p95->setName(tr("95th percentile"));
    for (QLineSeries *series : {m_mean, m_p95}) {
        chart->addSeries(series);
        series->setPointsVisible(true);
    }
    m_x->setTitleText(tr("minute"));
    m_y->setTitleText(tr("ms"));
    chart->addAxis(m_x, Qt::AlignBottom);
    chart->addAxis(m_y, Qt::AlignLeft);
    for (QLineSeries *series : {m_mean, m_p95}) {
        series->attachAxis(m_x);
        series->attachAxis(m_y);
    }
    const std::pair<QLineSeries *, int> lines[] = {{m_mean, meanColumn}, {m_p95, p95Column}};
    for (const auto &[series, column] : lines) {
        auto *mapper = new QVXYModelMapper(this);
        mapper->setXColumn(xColumn);
        mapper->setYColumn(column);
        mapper->setSeries(series);
        mapper->setModel(model);
    }
    connect(model, &QAbstractItemModel::modelReset, this, &LatencyChart::refreshAxes);
    connect(model, &QAbstractItemModel::rowsInserted, this, &LatencyChart::refreshAxes);
    connect(model, &QAbstractItemModel::dataChanged, this, &LatencyChart::refreshAxes);
    refreshAxes();
}

int LatencyChart::pointCount() const
{
    return int(m_mean->count());
}

void LatencyChart::refreshAxes()
{
    double maxX = 0;
    double maxY = 0;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        maxX = std::max(maxX, m_model->index(row, m_xColumn).data(Qt::EditRole).toDouble());
        maxY = std::max(maxY, m_model->index(row, m_p95Column).data(Qt::EditRole).toDouble());
    }
    m_x->setRange(0, maxX > 0 ? maxX : 1.0);
    m_y->setRange(0, maxY > 0 ? maxY * 1.1 : 1.0);
    m_y->applyNiceNumbers();
}

} // namespace cerulean::ui
