#include "ui/charts/curve_chart.h"

#include "ui/models/metrics_models.h"
#include "ui/models/trial_runner.h"

#include <QAbstractItemModel>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QHorizontalBarSeries>
#include <QLineSeries>
#include <QScatterSeries>
#include <QVXYModelMapper>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace cerulean::ui {

namespace {

void applyPalette(QChart *chart, const QWidget *widget)
{
    // Follow the application's palette (light or dark) instead of Qt Charts' own theme.
    const QPalette &palette = widget->palette();
    chart->setBackgroundBrush(palette.brush(QPalette::Base));
    chart->setTitleBrush(palette.brush(QPalette::Text));
    chart->legend()->setLabelColor(palette.color(QPalette::Text));
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsColor(palette.color(QPalette::Text));
        axis->setTitleBrush(palette.brush(QPalette::Text));
        axis->setGridLineColor(palette.color(QPalette::Mid));
    }
}

} // namespace

// ---- CurveChart ----------------------------------------------------------------------------

CurveChart::CurveChart(CurveTableModel *model, QWidget *parent)
    : QChartView(new QChart, parent)
    , m_model(model)
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(320, 240);
    connect(model, &QAbstractItemModel::modelReset, this, &CurveChart::rebuild);
    rebuild();
}

void CurveChart::rebuild()
{
    QChart *c = chart();
    c->removeAllSeries();
    for (QAbstractAxis *axis : c->axes()) {
        c->removeAxis(axis);
        delete axis;
    }
    const auto [xTitle, yTitle] = curveAxisTitles(m_model->kind());
    c->setTitle(curveKindTitle(m_model->kind()));
    auto *xAxis = new QValueAxis(c);
    auto *yAxis = new QValueAxis(c);
    xAxis->setTitleText(xTitle);
    yAxis->setTitleText(yTitle);
    c->addAxis(xAxis, Qt::AlignBottom);
    c->addAxis(yAxis, Qt::AlignLeft);
    double maxX = 1;
    double maxY = 1;
    for (int curve = 0; curve < m_model->curveCount(); ++curve) {
        auto *series = new QLineSeries(c);
        series->setName(m_model->curveName(curve));
        auto *mapper = new QVXYModelMapper(series);
        // Columns and rows first: a mapper given its model before its columns reads column -1.
        mapper->setXColumn(2 * curve);
        mapper->setYColumn(2 * curve + 1);
        mapper->setFirstRow(0);
        mapper->setRowCount(m_model->pointCount(curve));
        mapper->setSeries(series);
        mapper->setModel(m_model);
        c->addSeries(series);
        series->attachAxis(xAxis);
        series->attachAxis(yAxis);
        for (int row = 0; row < m_model->pointCount(curve); ++row) {
            maxX = std::max(maxX, m_model->index(row, 2 * curve).data().toDouble());
            maxY = std::max(maxY, m_model->index(row, 2 * curve + 1).data().toDouble());
        }
    }
    xAxis->setRange(0, maxX);
    yAxis->setRange(0, maxY > 1 ? std::ceil(maxY) : 1.0);
    applyPalette(c, this);
}

bool CurveChart::exportPng(const QString &path)
{
    return grab().save(path, "PNG");
}

// ---- ImportanceChart -------------------------------------------------------------------

ImportanceChart::ImportanceChart(QAbstractItemModel *model, int labelColumn, int valueColumn, QWidget *parent)
    : QChartView(new QChart, parent)
    , m_model(model)
    , m_labelColumn(labelColumn)
    , m_valueColumn(valueColumn)
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(320, 240);
    chart()->legend()->hide();
    connect(model, &QAbstractItemModel::modelReset, this, &ImportanceChart::rebuild);
    connect(model, &QAbstractItemModel::dataChanged, this, &ImportanceChart::rebuild);
    rebuild();
}

void ImportanceChart::rebuild()
{
    QChart *c = chart();
    c->removeAllSeries();
    for (QAbstractAxis *axis : c->axes()) {
        c->removeAxis(axis);
        delete axis;
    }
    auto *series = new QHorizontalBarSeries(c);
    auto *set = new QBarSet(m_model->headerData(m_valueColumn, Qt::Horizontal).toString(), series);
    QStringList labels;
    const int bars = std::min(kMaxBars, m_model->rowCount());
    double highest = 0;
    // Highest at the top: a horizontal bar axis lists categories bottom-up.
    for (int row = bars - 1; row >= 0; --row) {
        labels << m_model->index(row, m_labelColumn).data().toString();
        const double value = m_model->index(row, m_valueColumn).data(Qt::EditRole).toDouble();
        highest = std::max(highest, value);
        *set << value;
    }
    series->append(set);
    c->addSeries(series);
    auto *categories = new QBarCategoryAxis(c);
    categories->append(labels);
    auto *values = new QValueAxis(c);
    values->setRange(0, highest > 0 ? highest * 1.05 : 1.0);
    values->setTitleText(m_model->headerData(m_valueColumn, Qt::Horizontal).toString());
    c->addAxis(categories, Qt::AlignLeft);
    c->addAxis(values, Qt::AlignBottom);
    series->attachAxis(categories);
    series->attachAxis(values);
    c->setTitle(tr("Feature importance"));
    applyPalette(c, this);
}

bool ImportanceChart::exportPng(const QString &path)
{
    return grab().save(path, "PNG");
}

// ---- BestScoreChart --------------------------------------------------------------------

BestScoreChart::BestScoreChart(QAbstractItemModel *model, QWidget *parent)
    : QChartView(new QChart, parent)
    , m_model(model)
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(280, 200);
    QChart *c = chart();
    auto *xAxis = new QValueAxis(c);
    auto *yAxis = new QValueAxis(c);
    xAxis->setTitleText(tr("Seconds since the start"));
    c->addAxis(xAxis, Qt::AlignBottom);
    c->addAxis(yAxis, Qt::AlignLeft);

    auto *best = new QLineSeries(c);
    best->setName(tr("Best so far"));
    auto *bestMapper = new QVXYModelMapper(best);
    bestMapper->setXColumn(TrialProgressModel::Seconds);
    bestMapper->setYColumn(TrialProgressModel::BestScore);
    bestMapper->setSeries(best);
    bestMapper->setModel(model);
    auto *trials = new QScatterSeries(c);
    trials->setName(tr("Trial"));
    trials->setMarkerSize(7);
    auto *trialMapper = new QVXYModelMapper(trials);
    trialMapper->setXColumn(TrialProgressModel::Seconds);
    trialMapper->setYColumn(TrialProgressModel::Score);
    trialMapper->setSeries(trials);
    trialMapper->setModel(model);
    for (QAbstractSeries *series : {static_cast<QAbstractSeries *>(trials), static_cast<QAbstractSeries *>(best)}) {
        c->addSeries(series);
        series->attachAxis(xAxis);
        series->attachAxis(yAxis);
    }
    connect(model, &QAbstractItemModel::rowsInserted, this, &BestScoreChart::refreshAxes);
    connect(model, &QAbstractItemModel::modelReset, this, &BestScoreChart::refreshAxes);
    refreshAxes();
    applyPalette(c, this);
}

void BestScoreChart::setMetricName(const QString &metric)
{
    chart()->setTitle(tr("Best %1 over time").arg(metric));
    chart()->axes(Qt::Vertical).value(0)->setTitleText(metric);
}

void BestScoreChart::refreshAxes()
{
    double maxX = 10;
    double minY = 1;
    double maxY = 0;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        maxX = std::max(maxX, m_model->index(row, TrialProgressModel::Seconds).data().toDouble());
        const QVariant score = m_model->index(row, TrialProgressModel::Score).data();
        if (score.isValid()) {
            minY = std::min(minY, score.toDouble());
            maxY = std::max(maxY, score.toDouble());
        }
    }
    if (maxY < minY) {
        minY = 0;
        maxY = 1;
    }
    const double pad = std::max(0.005, (maxY - minY) * 0.1);
    chart()->axes(Qt::Horizontal).value(0)->setRange(0.0, maxX * 1.05);
    chart()->axes(Qt::Vertical).value(0)->setRange(minY - pad, maxY + pad);
}

} // namespace cerulean::ui
