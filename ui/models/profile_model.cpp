#include "ui/models/profile_model.h"

#include "ui/models/dataset_async.h"

#include <QLocale>

#include <utility>

namespace cerulean::ui {

namespace {

using ProfilePtr = std::shared_ptr<const automl::DatasetProfile>;

QString number(double value)
{
    return QLocale().toString(value, 'g', 4);
}

} // namespace

ProfileModel::ProfileModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void ProfileModel::setTable(std::shared_ptr<const automl::CsvTable> table)
{
    beginResetModel();
    const std::uint64_t generation = ++m_generation;
    m_profile.reset();
    m_busy = bool(table);
    endResetModel();
    if (!table)
        return;
    runInBackground<ProfilePtr>(
        this, [table]() -> ProfilePtr { return std::make_shared<const automl::DatasetProfile>(automl::profileDataset(table->data)); },
        [this, generation](ProfilePtr profile) {
            if (generation != m_generation)
                return;
            beginResetModel();
            m_profile = std::move(profile);
            m_busy = false;
            endResetModel();
            Q_EMIT profileReady();
        });
}

int ProfileModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_profile ? 0 : int(m_profile->columns.size());
}

int ProfileModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ProfileModel::kindText(automl::ColumnKind kind)
{
    switch (kind) {
    case automl::ColumnKind::Numeric:
        return tr("Numeric");
    case automl::ColumnKind::Categorical:
        return tr("Categorical");
    case automl::ColumnKind::HighCardinalityText:
        return tr("Text (many values)");
    case automl::ColumnKind::Constant:
        return tr("Constant");
    case automl::ColumnKind::IdLike:
        return tr("Identifier");
    case automl::ColumnKind::AllMissing:
        return tr("All missing");
    }
    return {};
}

QVariant ProfileModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || !m_profile)
        return {};
    const automl::ColumnProfile &column = m_profile->columns.at(std::size_t(index.row()));
    if (role == HistogramRole) {
        QVariantList bars;
        if (!column.histogram.empty()) {
            for (const automl::HistogramBin &bin : column.histogram)
                bars << qulonglong(bin.count);
        } else {
            for (const automl::CategoryCount &category : column.topCategories)
                bars << qulonglong(category.count);
        }
        return bars;
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == Kind)
            return QString::fromStdString(column.reason);
        if (index.column() == Summary || index.column() == Histogram) {
            QStringList lines;
            if (column.summary) {
                const automl::NumericSummary &s = *column.summary;
                lines << tr("min %1, 25%% %2, median %3, 75%% %4, max %5")
                             .arg(number(s.min), number(s.p25), number(s.median), number(s.p75), number(s.max));
            }
            for (const automl::CategoryCount &category : column.topCategories)
                lines << QStringLiteral("%1: %2").arg(QString::fromStdString(category.value)).arg(category.count);
            return lines.join(QLatin1Char('\n'));
        }
        return {};
    }
    if (role == Qt::TextAlignmentRole)
        return (index.column() == Missing || index.column() == Distinct) ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                                                          : QVariant();
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case Name:
        return QString::fromStdString(column.name);
    case Kind:
        return kindText(column.kind);
    case Missing: {
        if (m_profile->rows == 0)
            return QString::number(column.missing);
        const double share = 100.0 * double(column.missing) / double(m_profile->rows);
        return QStringLiteral("%1 (%2%)").arg(column.missing).arg(QLocale().toString(share, 'f', 1));
    }
    case Distinct:
        return qulonglong(column.distinct);
    case Summary:
        if (column.summary)
            return tr("%1 … %2, mean %3").arg(number(column.summary->min), number(column.summary->max),
                                               number(column.summary->mean));
        if (!column.topCategories.empty())
            return tr("most often %1 (%2)")
                .arg(QString::fromStdString(column.topCategories.front().value))
                .arg(column.topCategories.front().count);
        return {};
    case Histogram:
    case ColumnCount:
        return {};
    }
    return {};
}

QVariant ProfileModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Name:
        return tr("Column");
    case Kind:
        return tr("Type");
    case Missing:
        return tr("Missing");
    case Distinct:
        return tr("Distinct");
    case Summary:
        return tr("Summary");
    case Histogram:
        return tr("Distribution");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace cerulean::ui
