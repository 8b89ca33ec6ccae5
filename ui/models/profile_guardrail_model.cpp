#include "ui/models/profile_guardrail_model.h"

#include "ui/models/dataset_async.h"

#include <QBrush>
#include <QColor>

#include <utility>

namespace cerulean::ui {

namespace {

using ReportPtr = std::shared_ptr<const automl::GuardrailReport>;

QString joined(const std::vector<std::string> &names)
{
    QStringList list;
    for (const std::string &name : names)
        list << QString::fromStdString(name);
    return list.join(QStringLiteral(", "));
}

} // namespace

GuardrailModel::GuardrailModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void GuardrailModel::clear()
{
    beginResetModel();
    ++m_generation;
    m_report.reset();
    m_busy = false;
    endResetModel();
}

void GuardrailModel::compute(std::shared_ptr<const automl::CsvTable> table,
                             std::shared_ptr<const automl::DatasetProfile> profile, int targetColumn)
{
    if (!table || !profile || targetColumn < 0 || targetColumn >= int(table->data.columnCount())) {
        clear();
        return;
    }
    beginResetModel();
    const std::uint64_t generation = ++m_generation;
    m_report.reset();
    m_busy = true;
    endResetModel();
    runInBackground<ReportPtr>(
        this,
        [table, profile, targetColumn]() -> ReportPtr {
            return std::make_shared<const automl::GuardrailReport>(
                automl::runGuardrails(table->data, *profile, std::size_t(targetColumn)));
        },
        [this, generation](ReportPtr report) {
            if (generation != m_generation)
                return;
            beginResetModel();
            m_report = std::move(report);
            m_busy = false;
            endResetModel();
            Q_EMIT reportReady();
        });
}

int GuardrailModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_report ? 0 : int(m_report->guardrails.size());
}

int GuardrailModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant GuardrailModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || !m_report)
        return {};
    const automl::Guardrail &guardrail = m_report->guardrails.at(std::size_t(index.row()));
    if (role == Qt::ForegroundRole && index.column() == Status) {
        switch (guardrail.status) {
        case automl::GuardrailStatus::Passed:
            return QBrush(QColor(0x2e, 0x9d, 0x4f));
        case automl::GuardrailStatus::Done:
            return QBrush(QColor(0x2b, 0x7b, 0xd6));
        case automl::GuardrailStatus::Alerted:
            return QBrush(QColor(0xd9, 0x7a, 0x00));
        }
        return {};
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (Column(index.column())) {
    case Status:
        switch (guardrail.status) {
        case automl::GuardrailStatus::Passed:
            return tr("Passed");
        case automl::GuardrailStatus::Done:
            return tr("Done");
        case automl::GuardrailStatus::Alerted:
            return tr("Alerted");
        }
        return {};
    case Name:
        return QString::fromStdString(guardrail.name);
    case Description:
        return QString::fromStdString(guardrail.description);
    case Action:
        return QString::fromStdString(guardrail.action);
    case Columns:
        return joined(guardrail.columns);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant GuardrailModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Status:
        return tr("Status");
    case Name:
        return tr("Guardrail");
    case Description:
        return tr("Found");
    case Action:
        return tr("What was done");
    case Columns:
        return tr("Columns");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace cerulean::ui
