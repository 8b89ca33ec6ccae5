#include "ui/models/metrics_models.h"

#include "core/automl/metrics.h"

#include <QBrush>
#include <QColor>
#include <QGuiApplication>
#include <QLocale>
#include <QPalette>

#include <algorithm>
#include <cmath>
#include <utility>

namespace cerulean::ui {

namespace {

QString runName(const RunRecord &run)
{
    return QStringLiteral("%1 %2").arg(run.id).arg(run.algorithm);
}

const RunCharts &chartsOf(const RunRecord &run, EvaluationSet set)
{
    return set == EvaluationSet::Test ? run.testCharts : run.validationCharts;
}

QString csvField(const QString &value)
{
    if (!value.contains(QLatin1Char(',')) && !value.contains(QLatin1Char('"')) && !value.contains(QLatin1Char('\n')))
        return value;
    return QLatin1Char('"') + QString(value).replace(QStringLiteral("\""), QStringLiteral("\"\"")) + QLatin1Char('"');
}

} // namespace

// ---- MetricsTableModel ------------------------------------------------------------------

MetricsTableModel::MetricsTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void MetricsTableModel::setRuns(const QString &primaryMetric, std::vector<RunPtr> runs, EvaluationSet set)
{
    beginResetModel();
    m_runs = std::move(runs);
    m_set = set;
    m_metrics.clear();
    if (!primaryMetric.isEmpty())
        m_metrics << primaryMetric;
    for (std::string_view name : automl::classificationMetricNames()) {
        const QString text = QString::fromLatin1(name.data(), qsizetype(name.size()));
        if (text != primaryMetric)
            m_metrics << text;
    }
    endResetModel();
}

double MetricsTableModel::value(int row, int column) const
{
    const RunRecord &run = *m_runs.at(std::size_t(column));
    const auto &metrics = m_set == EvaluationSet::Test ? run.testMetrics : run.validationMetrics;
    const auto it = metrics.find(m_metrics.at(row));
    return it == metrics.end() ? qQNaN() : it->second;
}

int MetricsTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || m_runs.empty() ? 0 : int(m_metrics.size());
}

int MetricsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

QVariant MetricsTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role == Qt::DisplayRole)
        return formatMetric(value(index.row(), index.column()));
    if (role == Qt::UserRole)
        return value(index.row(), index.column());
    if (role == Qt::TextAlignmentRole)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant MetricsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole || section < 0)
        return {};
    if (orientation == Qt::Vertical)
        return m_metrics.value(section);
    return section < int(m_runs.size()) ? runName(*m_runs.at(std::size_t(section))) : QVariant();
}

QString MetricsTableModel::toCsv() const
{
    QStringList lines;
    QStringList header{QStringLiteral("metric")};
    for (const RunPtr &run : m_runs)
        header << csvField(runName(*run));
    lines << header.join(QLatin1Char(','));
    for (int row = 0; row < rowCount(); ++row) {
        QStringList fields{m_metrics.at(row)};
        for (int column = 0; column < columnCount(); ++column) {
            const double v = value(row, column);
            // Full precision and a C locale: the file is for other programs.
            fields << (std::isfinite(v) ? QString::number(v, 'g', 17) : QString());
        }
        lines << fields.join(QLatin1Char(','));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

// ---- ConfusionMatrixModel ---------------------------------------------------------------

ConfusionMatrixModel::ConfusionMatrixModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void ConfusionMatrixModel::setRun(RunPtr run, EvaluationSet set)
{
    beginResetModel();
    m_run = std::move(run);
    m_set = set;
    endResetModel();
}

void ConfusionMatrixModel::setNormalized(bool normalized)
{
    if (normalized == m_normalized)
        return;
    m_normalized = normalized;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1), {Qt::DisplayRole});
}

const RunCharts *ConfusionMatrixModel::charts() const
{
    if (!m_run)
        return nullptr;
    const RunCharts &charts = chartsOf(*m_run, m_set);
    return charts.confusion.isEmpty() ? nullptr : &charts;
}

int ConfusionMatrixModel::rowCount(const QModelIndex &parent) const
{
    const RunCharts *c = charts();
    return parent.isValid() || !c ? 0 : int(c->confusion.size());
}

int ConfusionMatrixModel::columnCount(const QModelIndex &parent) const
{
    return rowCount(parent);
}

QVariant ConfusionMatrixModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QVector<double> &row = charts()->confusion.at(index.row());
    const double count = row.value(index.column());
    double total = 0;
    for (double cell : row)
        total += cell;
    const double share = total > 0 ? count / total : 0.0;
    switch (role) {
    case Qt::DisplayRole:
        return m_normalized ? QLocale().toString(100.0 * share, 'f', 1) + QLatin1Char('%')
                            : QLocale().toString(qint64(std::llround(count)));
    case ShareRole:
        return share;
    case Qt::UserRole:
        return count;
    case Qt::TextAlignmentRole:
        return Qt::AlignCenter;
    case Qt::BackgroundRole: {
        // From the view's base colour to the highlight colour by the share of the true class,
        // so the diagonal of a good model stands out in both light and dark palettes.
        const QPalette palette = QGuiApplication::palette();
        const QColor base = palette.color(QPalette::Base);
        const QColor hot = palette.color(QPalette::Highlight);
        auto mix = [share](int a, int b) { return int(std::lround(a + (b - a) * share)); };
        return QBrush(QColor(mix(base.red(), hot.red()), mix(base.green(), hot.green()), mix(base.blue(), hot.blue())));
    }
    case Qt::ForegroundRole: {
        const QPalette palette = QGuiApplication::palette();
        return QBrush(share > 0.5 ? palette.color(QPalette::HighlightedText) : palette.color(QPalette::Text));
    }
    case Qt::ToolTipRole:
        return tr("True %1, predicted %2: %3 rows (%4% of the true class)")
            .arg(charts()->classLabels.value(index.row()), charts()->classLabels.value(index.column()))
            .arg(qint64(std::llround(count)))
            .arg(QLocale().toString(100.0 * share, 'f', 1));
    default:
        return {};
    }
}

QVariant ConfusionMatrixModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    const RunCharts *c = charts();
    if (role != Qt::DisplayRole || !c || section < 0 || section >= c->classLabels.size())
        return {};
    return orientation == Qt::Vertical ? tr("True %1").arg(c->classLabels.at(section))
                                       : tr("Predicted %1").arg(c->classLabels.at(section));
}

// ---- CurveTableModel --------------------------------------------------------------------

CurveTableModel::CurveTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

QStringList CurveTableModel::curveLabels(const std::vector<RunPtr> &runs, CurveKind kind, EvaluationSet set)
{
    QStringList labels;
    for (const RunPtr &run : runs) {
        const auto &curves = chartsOf(*run, set).curves;
        const auto it = curves.find(kind);
        if (it == curves.end())
            continue;
        for (const ChartCurve &curve : it->second)
            if (!labels.contains(curve.label))
                labels << curve.label;
    }
    return labels;
}

void CurveTableModel::setRuns(std::vector<RunPtr> runs, CurveKind kind, const QString &classLabel, EvaluationSet set)
{
    beginResetModel();
    m_kind = kind;
    m_curves.clear();
    m_rows = 0;
    for (RunPtr &run : runs) {
        const auto &curves = chartsOf(*run, set).curves;
        const auto it = curves.find(kind);
        if (it == curves.end())
            continue;
        for (const ChartCurve &curve : it->second) {
            if (curve.label != classLabel)
                continue;
            m_rows = std::max(m_rows, int(curve.x.size()));
            m_curves.push_back({run, &curve});
            break;
        }
    }
    endResetModel();
}

QString CurveTableModel::curveName(int curve) const
{
    if (curve < 0 || curve >= curveCount())
        return {};
    return runName(*m_curves.at(std::size_t(curve)).run);
}

int CurveTableModel::pointCount(int curve) const
{
    return curve < 0 || curve >= curveCount() ? 0 : int(m_curves.at(std::size_t(curve)).curve->x.size());
}

int CurveTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int CurveTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : 2 * curveCount();
}

QVariant CurveTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    const ChartCurve &curve = *m_curves.at(std::size_t(index.column() / 2)).curve;
    if (index.row() >= curve.x.size())
        return {};
    return index.column() % 2 == 0 ? curve.x.at(index.row()) : curve.y.at(index.row());
}

QVariant CurveTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole || section < 0)
        return {};
    if (orientation == Qt::Vertical)
        return section + 1;
    if (section >= columnCount())
        return {};
    const auto [xTitle, yTitle] = curveAxisTitles(m_kind);
    return QStringLiteral("%1: %2").arg(curveName(section / 2), section % 2 == 0 ? xTitle : yTitle);
}

// ---- ImportanceModel --------------------------------------------------------------------

ImportanceModel::ImportanceModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void ImportanceModel::setImportance(const QString &metric, std::vector<ColumnImportance> importance)
{
    beginResetModel();
    m_metric = metric;
    m_importance = std::move(importance);
    std::stable_sort(m_importance.begin(), m_importance.end(),
                     [](const ColumnImportance &a, const ColumnImportance &b) { return a.importance > b.importance; });
    endResetModel();
}

int ImportanceModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_importance.size());
}

int ImportanceModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ImportanceModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ColumnImportance &item = m_importance.at(std::size_t(index.row()));
    if (role == Qt::DisplayRole)
        return index.column() == Feature ? QVariant(item.column) : QVariant(QLocale().toString(item.importance, 'f', 4));
    if (role == Qt::EditRole || role == Qt::UserRole)
        return index.column() == Feature ? QVariant(item.column) : QVariant(item.importance);
    if (role == Qt::TextAlignmentRole && index.column() == Importance)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant ImportanceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    if (section == Feature)
        return tr("Column");
    if (section == Importance)
        return m_metric.isEmpty() ? tr("Importance") : tr("Drop in %1").arg(m_metric);
    return {};
}

} // namespace cerulean::ui
