#include "ui/charts/latency_chart.h"

#include "ui/charts/histogram_bench_chart.h"

#include <QAbstractItemModel>
#include <QLineSeries>
#include <QVXYModelMapper>
#include <QValueAxis>

#include <utility>

namespace cerulean::ui {

LatencyChart::LatencyChart(QAbstractItemModel *model, int xColumn, int meanColumn, int p95Column, QWidget *parent)
    : QChartView(new QChart, parent)
    , m_model(model)
    , m_xColumn(xColumn)
    , m_p95Column(p95Column)
    , m_mean(new QLineSeries)
    , m_p95(new QLineSeries)
    , m_x(new QValueAxis)
    , m_y(new QValueAxis)
{
    setRenderHint(QPainter::Antialiasing);
    // The view owns the chart it was built with; setChart() would only release a default one.
    QChart *chart = this->chart();
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
    connect(model, &QAbstractItemModel::rowsRemoved, this, &LatencyChart::refreshAxes);
    connect(model, &QAbstractItemModel::dataChanged, this, &LatencyChart::refreshAxes);
    refreshAxes();
}

int LatencyChart::pointCount() const
{
    return int(m_mean->count());
}

void LatencyChart::refreshAxes()
{
    fitAxesToColumns(*m_model, m_xColumn, m_p95Column, *m_x, *m_y);
}

} // namespace cerulean::ui
