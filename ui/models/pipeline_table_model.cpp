#include "ui/models/pipeline_table_model.h"

#include "ui/theme.h"

#include <QBrush>
#include <QGuiApplication>
#include <QPalette>
#include <QColor>

#include <algorithm>

namespace cerulean::ui {

bool isTerminalJobStatus(const QString &status)
{
    return status == QLatin1String("Completed") || status == QLatin1String("Failed") || status == QLatin1String("Canceled") ||
           status == QLatin1String("NotResponding");
}

PipelineTableModel::PipelineTableModel(QStringList headers, QObject *parent)
    : QAbstractTableModel(parent)
    , m_headers(std::move(headers))
{
    m_statusColumn = static_cast<int>(m_headers.indexOf(QStringLiteral("Status")));
    if (m_statusColumn < 0)
        m_statusColumn = static_cast<int>(m_headers.indexOf(QStringLiteral("Enabled")));
}

int PipelineTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int PipelineTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_headers.size());
}

QVariant PipelineTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QString text = cell(index.row(), index.column());
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
        return text;
    if (role == Qt::ForegroundRole && index.column() == m_statusColumn)
        return QBrush(statusTextColor(statusTone(text), QGuiApplication::palette()));
    return {};
}

QVariant PipelineTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole || orientation != Qt::Horizontal || section < 0 || section >= m_headers.size())
        return {};
    return m_headers.at(section);
}

void PipelineTableModel::setRows(std::vector<Row> rows)
{
    // A list read again with nothing new keeps the view as it is (selection, scroll, no repaint).
    const auto same = [](const Row &a, const Row &b) { return a.cells == b.cells && a.object == b.object; };
    if (std::equal(rows.begin(), rows.end(), m_rows.begin(), m_rows.end(), same))
        return;
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

const PipelineTableModel::Row *PipelineTableModel::row(int index) const
{
    return index >= 0 && index < static_cast<int>(m_rows.size()) ? &m_rows[static_cast<std::size_t>(index)] : nullptr;
}

int PipelineTableModel::find(const QString &key) const
{
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (!m_rows[i].cells.isEmpty() && m_rows[i].cells.first() == key)
            return static_cast<int>(i);
    return -1;
}

QString PipelineTableModel::cell(int row, int column) const
{
    const Row *r = this->row(row);
    return r && column >= 0 && column < r->cells.size() ? r->cells.at(column) : QString();
}

} // namespace cerulean::ui
