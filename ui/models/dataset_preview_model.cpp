#include "ui/models/dataset_preview_model.h"

#include "ui/models/dataset_async.h"

#include <QDir>

#include <algorithm>
#include <utility>

namespace cerulean::ui {

namespace {

using TableResult = std::shared_ptr<automl::Result<automl::CsvTable>>;

} // namespace

DatasetPreviewModel::DatasetPreviewModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void DatasetPreviewModel::load(const QString &path)
{
    beginResetModel();
    const std::uint64_t generation = ++m_generation;
    m_path = path;
    m_error.clear();
    m_table.reset();
    m_visibleRows = 0;
    endResetModel();
    setState(State::Loading);

    const std::string file = QDir::toNativeSeparators(path).toStdString();
    runInBackground<TableResult>(
        this, [file]() { return std::make_shared<automl::Result<automl::CsvTable>>(automl::readCsvFile(file)); },
        [this, generation](TableResult result) {
            if (generation != m_generation)
                return; // a newer file was chosen meanwhile
            beginResetModel();
            if (result->ok()) {
                m_table = std::make_shared<const automl::CsvTable>(std::move(*result).value());
                m_visibleRows = std::min(kBlockRows, totalRows());
            } else {
                m_error = QString::fromStdString(result->error());
            }
            m_resetting = true; // views ask for more inside modelReset; rows are not inserted then
            endResetModel();
            m_resetting = false;
            setState(m_table ? State::Ready : State::Failed);
        });
}

void DatasetPreviewModel::clear()
{
    beginResetModel();
    ++m_generation;
    m_path.clear();
    m_error.clear();
    m_table.reset();
    m_visibleRows = 0;
    endResetModel();
    setState(State::Empty);
}

void DatasetPreviewModel::setState(State state)
{
    m_state = state;
    Q_EMIT stateChanged(state);
}

int DatasetPreviewModel::totalRows() const
{
    return m_table ? int(m_table->data.rows) : 0;
}

int DatasetPreviewModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_visibleRows;
}

int DatasetPreviewModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_table ? 0 : int(m_table->data.columnCount());
}

QVariant DatasetPreviewModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || !m_table)
        return {};
    const automl::Column &column = m_table->data.columns.at(std::size_t(index.column()));
    const auto row = std::size_t(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return QString::fromStdString(column.cellText(row));
    case Qt::ToolTipRole:
        return column.isMissing(row) ? tr("Missing") : QVariant();
    case Qt::TextAlignmentRole:
        return column.numeric ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant DatasetPreviewModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole || !m_table || section < 0)
        return {};
    if (orientation == Qt::Vertical)
        return section + 1;
    if (section >= int(m_table->data.columnCount()))
        return {};
    return QString::fromStdString(m_table->data.columns.at(std::size_t(section)).name);
}

bool DatasetPreviewModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_resetting && m_visibleRows < totalRows();
}

void DatasetPreviewModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    const int more = std::min(kBlockRows, totalRows() - m_visibleRows);
    // Views (and the model tester) answering rowsAboutToBeInserted or rowsInserted may ask
    // for more again; a nested insert would announce rows that are not there yet.
    m_resetting = true;
    beginInsertRows({}, m_visibleRows, m_visibleRows + more - 1);
    m_visibleRows += more;
    endInsertRows();
    m_resetting = false;
}

} // namespace cerulean::ui
