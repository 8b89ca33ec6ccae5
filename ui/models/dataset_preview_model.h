#pragma once

#include "core/automl/csv.h"

#include <QAbstractTableModel>
#include <QString>

#include <cstdint>
#include <memory>

namespace cerulean::ui {

// The rows of a CSV file for the Data step's preview. The file is read off the GUI thread by
// core/automl's reader; the view then gets rows in blocks as it scrolls (canFetchMore /
// fetchMore), so a 40,000-row file costs the view no more than its first block.
class DatasetPreviewModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    static constexpr int kBlockRows = 200;

    enum class State
    {
        Empty,
        Loading,
        Ready,
        Failed,
    };

    explicit DatasetPreviewModel(QObject *parent = nullptr);

    // Starts reading `path`; a later load() or clear() makes this one's result stale.
    void load(const QString &path);
    void clear();

    State state() const { return m_state; }
    QString path() const { return m_path; }
    QString errorString() const { return m_error; }
    // The whole table once Ready (shared with the profile and the settings form); else null.
    std::shared_ptr<const automl::CsvTable> table() const { return m_table; }
    int totalRows() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

Q_SIGNALS:
    void stateChanged(cerulean::ui::DatasetPreviewModel::State state);

private:
    void setState(State state);

    std::uint64_t m_generation = 0;
    State m_state = State::Empty;
    QString m_path;
    QString m_error;
    std::shared_ptr<const automl::CsvTable> m_table;
    int m_visibleRows = 0;
    bool m_resetting = false; // inside a reset or an insert: a nested fetchMore does nothing
};

} // namespace cerulean::ui
