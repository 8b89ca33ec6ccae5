#include "ui/charts/histogram_bench_chart.h"

#include "ui/models/bench_runs_model.h"

#include <QAbstractItemModel>
#include <QCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QVBarModelMapper>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace cerulean::ui {

void applyChartTheme(QChartView &view)
{
    const bool dark = view.palette().color(QPalette::Window).lightness() < 128;
    view.chart()->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    view.chart()->setBackgroundBrush(view.palette().brush(QPalette::Base));
    view.chart()->setTitleBrush(view.palette().brush(QPalette::Text));
}

NiceAxis niceAxis(double highest)
{
    constexpr int kMaxIntervals = 5;
    if (!(highest > 0) || !std::isfinite(highest))
        return {1.0, kMaxIntervals + 1};
    // The smallest step of 1, 2, 2.5 or 5 times a power of ten that reaches the highest value
    // in at most five intervals.
    const double rough = highest / kMaxIntervals;
    const double power = std::pow(10.0, std::floor(std::log10(rough)));
    double step = 10 * power;
    for (double factor : {1.0, 2.0, 2.5, 5.0}) {
        if (factor * power >= rough) {
            step = factor * power;
            break;
        }
    }
    const int intervals = std::max(1, int(std::ceil(highest / step - 1e-9)));
    return {step * intervals, intervals + 1};
}

void applyNiceAxis(QValueAxis &axis, double highest)
{
    // One setRange (and a tick count only when it changes): each one lays the axis' labels
    // out again on the GUI thread, which applyNiceNumbers() after setRange() did twice.
    const NiceAxis nice = niceAxis(highest);
    if (axis.tickCount() != nice.ticks)
        axis.setTickCount(nice.ticks);
    axis.setRange(0, nice.top);
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
    applyNiceAxis(y, maxY * 1.1);
}

HistogramBenchChart::HistogramBenchChart(QAbstractItemModel *model, QWidget *parent)
    : QChartView(new QChart, parent)
    , m_model(model)
    , m_series(new QBarSeries)
    , m_mapper(new QVBarModelMapper(this))
    , m_categories(new QCategoryAxis)
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
    // Bars stand at 0, 1, 2 … on a value axis; the labels name the lower edges of every
    // fourth bin at their place. A QBarCategoryAxis gives each label one bar's width, and
    // Qt Charts elides "0.25" to "..." in a bar 10 pixels wide.
    m_categories->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_categories->setGridLineVisible(false);
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
    for (const QString &label : m_categories->categoriesLabels())
        m_categories->remove(label);
    const int bins = m_model->rowCount();
    double highest = 0;
    for (int row = 0; row < bins; ++row) {
        // Every fourth edge: 24 labels do not fit at 1366×768.
        // Two significant digits ("0.34", "1.7", "12"): the bins' edges to 3 decimals are
        // wider than four bars.
        if (row % 4 == 0)
            m_categories->append(QString::number(m_model->index(row, BenchHistogramModel::FromColumn).data().toDouble(), 'g', 2),
                                 row - 0.5);
        highest = std::max(highest, m_model->index(row, BenchHistogramModel::CountColumn).data().toDouble());
    }
    m_categories->setStartValue(-0.5);
    m_categories->setRange(-0.5, std::max(0.5, bins - 0.5));
    applyNiceAxis(*m_counts, std::max(1.0, highest * 1.1));
    for (QBarSet *set : m_series->barSets())
        set->setLabel(tr("requests"));
}

} // namespace cerulean::ui
