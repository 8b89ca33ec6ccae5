#pragma once

#include "core/azure/resources.h"

#include <QAbstractTableModel>
#include <QList>

namespace cerulean::ui {

// One ARM resource a wizard picker offers: a subscription, a resource group or a workspace.
struct ArmChoice
{
    QString name;        // what the user picks (subscription: its display name)
    QString key;         // what requests use (subscription ID; group and workspace: the name)
    QString location;
    QString state;       // subscription state or provisioning state
    QString id;          // ARM ID
    QString tenantId;    // subscriptions only
};

// The subscriptions, resource groups or workspaces listed for a wizard picker (a combo box
// shows column Name). Lists arrive asynchronously: beginLoad() returns a generation, and a
// reply for an older generation is dropped.
class ArmChoiceModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        NameColumn,
        LocationColumn,
        StateColumn,
        IdColumn,
        ColumnCount
    };
    enum Role
    {
        KeyRole = Qt::UserRole + 1,
        TenantRole,
    };

    explicit ArmChoiceModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Empties the list and starts a new generation; a reply carrying an older one is stale.
    int beginLoad();
    int generation() const { return m_generation; }
    bool isLoading() const { return m_loading; }
    // False (and nothing changes) when `generation` is stale.
    bool setChoices(int generation, QList<ArmChoice> choices);
    void endLoadWithError(int generation);
    // Adds (or updates by key) one choice, e.g. a resource group just created; returns its row.
    int upsert(const ArmChoice &choice);
    void clear();

    const ArmChoice *choice(int row) const;
    int rowOfKey(const QString &key) const; // case-insensitive, as ARM names are; -1 when absent

    static QList<ArmChoice> fromSubscriptions(const QList<azure::Subscription> &subscriptions);
    static QList<ArmChoice> fromResourceGroups(const QList<azure::ResourceGroup> &groups);
    static QList<ArmChoice> fromWorkspaces(const QList<azure::Workspace> &workspaces);

private:
    QList<ArmChoice> m_choices;
    int m_generation = 0;
    bool m_loading = false;
};

// The role names Cerulean offers for a service principal on a workspace, and their built-in
// role definition GUIDs.
struct RoleChoice
{
    QString name;
    QString guid;
    QString description;
};
QList<RoleChoice> workspaceRoles();
// "Contributor" for b24988ac-…; the GUID itself when the role is not one of ours.
QString roleNameForDefinition(const QString &roleDefinitionId);

// Role assignments of the service principal on the workspace.
class RoleAssignmentModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        RoleColumn,
        PrincipalColumn,
        ScopeColumn,
        ColumnCount
    };

    explicit RoleAssignmentModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setAssignments(QList<azure::RoleAssignment> assignments);
    // Adds or replaces (by assignment ID) one assignment.
    void upsert(const azure::RoleAssignment &assignment);
    const azure::RoleAssignment *assignment(int row) const;
    bool hasRole(const QString &roleGuid) const;

private:
    QList<azure::RoleAssignment> m_assignments;
};

} // namespace cerulean::ui
