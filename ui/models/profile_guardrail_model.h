#pragma once

#include "core/automl/csv.h"
#include "core/automl/guardrails.h"

#include <QAbstractTableModel>

#include <cstdint>
#include <memory>

namespace cerulean::ui {

// Azure AutoML's data guardrails for the chosen target, one row each: status, what was
// checked and found, and what was done about it. The checks (leakage scores train small
// models) run off the GUI thread.
class GuardrailModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Status,
        Name,
        Description,
        Action,
        Columns,
        ColumnCount
    };

    explicit GuardrailModel(QObject *parent = nullptr);

    // Runs the guardrails for `targetColumn`; a null table or profile clears the model.
    void compute(std::shared_ptr<const automl::CsvTable> table, std::shared_ptr<const automl::DatasetProfile> profile,
                 int targetColumn);
    void clear();
    bool isBusy() const { return m_busy; }
    std::shared_ptr<const automl::GuardrailReport> report() const { return m_report; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void reportReady();

private:
    std::uint64_t m_generation = 0;
    bool m_busy = false;
    std::shared_ptr<const automl::GuardrailReport> m_report;
};

} // namespace cerulean::ui
