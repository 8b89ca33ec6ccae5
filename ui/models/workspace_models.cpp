#include "ui/models/workspace_models.h"

#include <QCoreApplication>

#include <algorithm>

namespace cerulean::ui {

ArmChoiceModel::ArmChoiceModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int ArmChoiceModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_choices.size());
}

int ArmChoiceModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ArmChoiceModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ArmChoice &c = m_choices.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return c.name;
        case LocationColumn:
            return c.location;
        case StateColumn:
            return c.state;
        case IdColumn:
            return c.id;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return c.id.isEmpty() ? c.name : c.id;
    case KeyRole:
        return c.key;
    case TenantRole:
        return c.tenantId;
    default:
        return {};
    }
}

QVariant ArmChoiceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case LocationColumn:
        return tr("Location");
    case StateColumn:
        return tr("State");
    case IdColumn:
        return tr("ID");
    default:
        return {};
    }
}

int ArmChoiceModel::beginLoad()
{
    clear();
    m_loading = true;
    return ++m_generation;
}

bool ArmChoiceModel::setChoices(int generation, QList<ArmChoice> choices)
{
    if (generation != m_generation)
        return false;
    std::sort(choices.begin(), choices.end(),
              [](const ArmChoice &a, const ArmChoice &b) { return a.name.compare(b.name, Qt::CaseInsensitive) < 0; });
    beginResetModel();
    m_choices = std::move(choices);
    m_loading = false;
    endResetModel();
    return true;
}

void ArmChoiceModel::endLoadWithError(int generation)
{
    if (generation == m_generation)
        m_loading = false;
}

int ArmChoiceModel::upsert(const ArmChoice &choice)
{
    const int existing = rowOfKey(choice.key);
    if (existing >= 0) {
        m_choices[existing] = choice;
        Q_EMIT dataChanged(index(existing, 0), index(existing, ColumnCount - 1));
        return existing;
    }
    const int row = int(m_choices.size());
    beginInsertRows({}, row, row);
    m_choices.append(choice);
    endInsertRows();
    return row;
}

void ArmChoiceModel::clear()
{
    if (m_choices.isEmpty())
        return;
    beginResetModel();
    m_choices.clear();
    endResetModel();
}

const ArmChoice *ArmChoiceModel::choice(int row) const
{
    return row >= 0 && row < m_choices.size() ? &m_choices.at(row) : nullptr;
}

int ArmChoiceModel::rowOfKey(const QString &key) const
{
    for (int row = 0; row < m_choices.size(); ++row)
        if (m_choices.at(row).key.compare(key, Qt::CaseInsensitive) == 0)
            return row;
    return -1;
}

QList<ArmChoice> ArmChoiceModel::fromSubscriptions(const QList<azure::Subscription> &subscriptions)
{
    QList<ArmChoice> out;
    for (const auto &s : subscriptions)
        out.append({s.displayName.isEmpty() ? s.subscriptionId : s.displayName, s.subscriptionId, {}, s.state, s.id, s.tenantId});
    return out;
}

QList<ArmChoice> ArmChoiceModel::fromResourceGroups(const QList<azure::ResourceGroup> &groups)
{
    QList<ArmChoice> out;
    for (const auto &g : groups)
        out.append({g.name, g.name, g.location, g.provisioningState, g.id, {}});
    return out;
}

QList<ArmChoice> ArmChoiceModel::fromWorkspaces(const QList<azure::Workspace> &workspaces)
{
    QList<ArmChoice> out;
    for (const auto &w : workspaces)
        out.append({w.name, w.name, w.location, w.provisioningState, w.id, {}});
    return out;
}

QList<RoleChoice> workspaceRoles()
{
    return {
        {QStringLiteral("AzureML Data Scientist"), QString::fromLatin1(azure::BuiltInRole::azureMlDataScientist),
         QCoreApplication::translate("RoleChoice", "Run jobs, register models and deploy in the workspace; cannot "
                                                   "change the workspace itself or its compute. Least privilege for CI.")},
        {QStringLiteral("Contributor"), QString::fromLatin1(azure::BuiltInRole::contributor),
         QCoreApplication::translate("RoleChoice", "Everything in the workspace, including compute, but cannot grant access.")},
        {QStringLiteral("Owner"), QString::fromLatin1(azure::BuiltInRole::owner),
         QCoreApplication::translate("RoleChoice", "Everything, including granting access to others.")},
    };
}

QString roleNameForDefinition(const QString &roleDefinitionId)
{
    const QString guid = roleDefinitionId.section(QLatin1Char('/'), -1);
    for (const RoleChoice &role : workspaceRoles())
        if (role.guid.compare(guid, Qt::CaseInsensitive) == 0)
            return role.name;
    return guid;
}

RoleAssignmentModel::RoleAssignmentModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int RoleAssignmentModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_assignments.size());
}

int RoleAssignmentModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RoleAssignmentModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const azure::RoleAssignment &a = m_assignments.at(index.row());
    if (role == Qt::ToolTipRole)
        return a.id;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case RoleColumn:
        return roleNameForDefinition(a.roleDefinitionId);
    case PrincipalColumn:
        return a.principalId;
    case ScopeColumn:
        return a.scope;
    default:
        return {};
    }
}

QVariant RoleAssignmentModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case RoleColumn:
        return tr("Role");
    case PrincipalColumn:
        return tr("Principal");
    case ScopeColumn:
        return tr("Scope");
    default:
        return {};
    }
}

void RoleAssignmentModel::setAssignments(QList<azure::RoleAssignment> assignments)
{
    beginResetModel();
    m_assignments = std::move(assignments);
    endResetModel();
}

void RoleAssignmentModel::upsert(const azure::RoleAssignment &assignment)
{
    for (int row = 0; row < m_assignments.size(); ++row) {
        if (m_assignments.at(row).id.compare(assignment.id, Qt::CaseInsensitive) == 0) {
            m_assignments[row] = assignment;
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
            return;
        }
    }
    const int row = int(m_assignments.size());
    beginInsertRows({}, row, row);
    m_assignments.append(assignment);
    endInsertRows();
}

const azure::RoleAssignment *RoleAssignmentModel::assignment(int row) const
{
    return row >= 0 && row < m_assignments.size() ? &m_assignments.at(row) : nullptr;
}

bool RoleAssignmentModel::hasRole(const QString &roleGuid) const
{
    return std::any_of(m_assignments.begin(), m_assignments.end(), [&](const azure::RoleAssignment &a) {
        return a.roleDefinitionId.section(QLatin1Char('/'), -1).compare(roleGuid, Qt::CaseInsensitive) == 0;
    });
}

} // namespace cerulean::ui
