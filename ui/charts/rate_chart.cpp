#include "ui/charts/rate_chart.h"

#include "ui/charts/histogram_bench_chart.h"

#include <QAbstractItemModel>
#include <QLineSeries>
#include <QVXYModelMapper>
#include <QValueAxis>

namespace cerulean::ui {

RateChart::RateChart(QAbstractItemModel *model, int xColumn, int yColumn, const QString &title, const QString &xTitle,
                     const QString &yTitle, QWidget *parent)
    : QChartView(new QChart, parent)
    , m_model(model)
    , m_xColumn(xColumn)
    , m_yColumn(yColumn)
    , m_series(new QLineSeries)
    , m_mapper(new QVXYModelMapper(this))
    , m_x(new QValueAxis)
    , m_y(new QValueAxis)
{
    setRenderHint(QPainter::Antialiasing);
    // The view owns the chart it was built with; setChart() would only release a default one.
    QChart *chart = this->chart();
    applyChartTheme(*this);
    chart->setTitle(title);
    chart->legend()->hide();
    chart->addSeries(m_series);
    m_x->setTitleText(xTitle);
    m_y->setTitleText(yTitle);
    chart->addAxis(m_x, Qt::AlignBottom);
    chart->addAxis(m_y, Qt::AlignLeft);
    m_series->attachAxis(m_x);
    m_series->attachAxis(m_y);
    m_series->setPointsVisible(true);

    m_mapper->setXColumn(xColumn);
    m_mapper->setYColumn(yColumn);
    m_mapper->setSeries(m_series);
    m_mapper->setModel(model);
    connect(model, &QAbstractItemModel::modelReset, this, &RateChart::refreshAxes);
    connect(model, &QAbstractItemModel::rowsInserted, this, &RateChart::refreshAxes);
    connect(model, &QAbstractItemModel::rowsRemoved, this, &RateChart::refreshAxes);
    connect(model, &QAbstractItemModel::dataChanged, this, &RateChart::refreshAxes);
    refreshAxes();
}

int RateChart::pointCount() const
{
    return int(m_series->count());
}

void RateChart::refreshAxes()
{
    fitAxesToColumns(*m_model, m_xColumn, m_yColumn, *m_x, *m_y);
}

} // namespace cerulean::ui
