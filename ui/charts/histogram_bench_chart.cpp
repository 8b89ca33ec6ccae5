#include "ui/charts/histogram_bench_chart.h"

#include "ui/models/bench_runs_model.h"

#include <QAbstractItemModel>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QVBarModelMapper>
#include <QValueAxis>

#include <algorithm>

namespace cerulean::ui {

void applyChartTheme(QChartView &view)
{
    const bool dark = view.palette().color(QPalette::Window).lightness() < 128;
    view.chart()->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    view.chart()->setBackgroundBrush(view.palette().brush(QPalette::Base));
    view.chart()->setTitleBrush(view.palette().brush(QPalette::Text));
}

void fitAxesToColumns(const QAbstractItemModel &model, int xColumn, int yColumn, QValueAxis &x, QValueAxis &y)
{
    double maxX = 0;
    double maxY = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        maxX = std::max(maxX, model.index(row, xColumn).data(Qt::EditRole).toDouble());
        maxY = std::max(maxY, model.index(row, yColumn).data(Qt::EditRole).toDouble());
    }
    x.setRange(0, maxX > 0 ? maxX : 1.0);
    y.setRange(0, maxY > 0 ? maxY * 1.1 : 1.0);
    y.applyNiceNumbers();
}

HistogramBenchChart::HistogramBenchChart(QAbstractItemModel *model, QWidget *parent)
    : QChartView(new QChart, parent)
    , m_model(model)
    , m_series(new QBarSeries)
    , m_mapper(new QVBarModelMapper(this))
    , m_categories(new QBarCategoryAxis)
    , m_counts(new QValueAxis)
{
    setObjectName(QStringLiteral("latencyHistogram"));
    setRenderHint(QPainter::Antialiasing);
    // The view owns the chart it was built with; setChart() would only release a default one.
    QChart *chart = this->chart();
    applyChartTheme(*this);
    chart->setTitle(tr("Latency histogram"));
    chart->legend()->hide();
    chart->addSeries(m_series);
    m_series->setBarWidth(0.95);
    m_categories->setTitleText(tr("ms"));
    m_counts->setTitleText(tr("requests"));
    m_counts->setLabelFormat(QStringLiteral("%d"));
    chart->addAxis(m_categories, Qt::AlignBottom);
    chart->addAxis(m_counts, Qt::AlignLeft);
    m_series->attachAxis(m_categories);
    m_series->attachAxis(m_counts);

    m_mapper->setFirstBarSetColumn(BenchHistogramModel::CountColumn);
    m_mapper->setLastBarSetColumn(BenchHistogramModel::CountColumn);
    m_mapper->setSeries(m_series);
    m_mapper->setModel(model);
    connect(model, &QAbstractItemModel::modelReset, this, &HistogramBenchChart::refreshAxes);
    connect(model, &QAbstractItemModel::dataChanged, this, &HistogramBenchChart::refreshAxes);
    refreshAxes();
}

int HistogramBenchChart::barCount() const
{
    const QList<QBarSet *> sets = m_series->barSets();
    return sets.isEmpty() ? 0 : int(sets.first()->count());
}

void HistogramBenchChart::refreshAxes()
{
    QStringList labels;
    double highest = 0;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        // Label every fourth bin: 24 labels do not fit at 1366×768.
        labels << (row % 4 == 0 ? m_model->index(row, BenchHistogramModel::LabelColumn).data().toString()
                                : QString(row, QLatin1Char(' ')));
        highest = std::max(highest, m_model->index(row, BenchHistogramModel::CountColumn).data().toDouble());
    }
    m_categories->setCategories(labels);
    m_counts->setRange(0, std::max(1.0, highest * 1.1));
    m_counts->applyNiceNumbers();
    for (QBarSet *set : m_series->barSets())
        set->setLabel(tr("requests"));
}

} // namespace cerulean::ui
