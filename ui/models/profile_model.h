#pragma once

#include "core/automl/csv.h"
#include "core/automl/profile.h"

#include <QAbstractTableModel>

#include <cstdint>
#include <memory>

namespace cerulean::ui {

// One row per column of the data: what kind it is, how complete, how many distinct values,
// a summary, and the bins of a small histogram (HistogramRole) that a delegate draws.
// Profiling runs off the GUI thread.
class ProfileModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Name,
        Kind,
        Missing,
        Distinct,
        Summary,
        Histogram,
        ColumnCount
    };
    // QVariantList of bar heights (counts): numeric bins, or the top categories' counts.
    static constexpr int HistogramRole = Qt::UserRole + 1;

    explicit ProfileModel(QObject *parent = nullptr);

    // Profiles `table` in the background; null clears the model.
    void setTable(std::shared_ptr<const automl::CsvTable> table);
    bool isBusy() const { return m_busy; }
    std::shared_ptr<const automl::DatasetProfile> profile() const { return m_profile; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString kindText(automl::ColumnKind kind);

Q_SIGNALS:
    void profileReady();

private:
    std::uint64_t m_generation = 0;
    bool m_busy = false;
    std::shared_ptr<const automl::DatasetProfile> m_profile;
};

} // namespace cerulean::ui
