#pragma once

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QStringList>

#include <vector>

namespace cerulean::ui {

// A read-only table of the Pipelines step (jobs, steps, schedules, a schedule's history): one
// row per service object, its cells as text, the object itself kept for the row (rowObject).
// The column named "Status" (or "Enabled") is tinted by its value.
class PipelineTableModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    struct Row
    {
        QStringList cells;
        QJsonObject object;
    };

    explicit PipelineTableModel(QStringList headers, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Replaces the rows (nothing happens when they are the same); rows with the same first cell
    // keep their place in the view's selection only through the caller (a reset is simple and
    // the tables are small).
    void setRows(std::vector<Row> rows);
    void clear() { setRows({}); }
    const Row *row(int index) const;
    // The row whose first cell is `key`, -1 when none.
    int find(const QString &key) const;
    QString cell(int row, int column) const;

private:
    QStringList m_headers;
    std::vector<Row> m_rows;
    int m_statusColumn = -1;
};

// Whether a job status is final (Completed, Failed, Canceled, NotResponding).
bool isTerminalJobStatus(const QString &status);

} // namespace cerulean::ui
