#include "ui/models/workspace_names.h"

#include <QRegularExpression>

namespace cerulean::ui {

namespace {

// Quotes a value for a POSIX shell when it holds anything but safe characters.
QString shellQuote(const QString &value)
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9_./:@%+=,-]+$"));
    if (!value.isEmpty() && safe.match(value).hasMatch())
        return value;
    QString quoted = value;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QString orPlaceholder(const QString &value, const char *placeholder)
{
    return value.trimmed().isEmpty() ? QString::fromLatin1(placeholder) : shellQuote(value.trimmed());
}

} // namespace

namespace az {

QString loginDeviceCode(const QString &tenant)
{
    return QStringLiteral("az login --use-device-code --tenant %1").arg(orPlaceholder(tenant, "<tenant>"));
}

QString loginServicePrincipal(const QString &tenant, const QString &clientId)
{
    return QStringLiteral("az login --service-principal --tenant %1 --username %2 --password \"$AZURE_CLIENT_SECRET\"")
        .arg(orPlaceholder(tenant, "<tenant>"), orPlaceholder(clientId, "<client-id>"));
}

QString setSubscription(const QString &subscriptionId)
{
    return QStringLiteral("az account set --subscription %1").arg(orPlaceholder(subscriptionId, "<subscription>"));
}

QString createResourceGroup(const QString &name, const QString &location)
{
    return QStringLiteral("az group create --name %1 --location %2")
        .arg(orPlaceholder(name, "<resource-group>"), orPlaceholder(location, "<location>"));
}

QString createWorkspace(const QString &subscriptionId, const QString &resourceGroup, const QString &workspace,
                        const QString &location)
{
    return QStringLiteral("az ml workspace create --subscription %1 --resource-group %2 --name %3 --location %4")
        .arg(orPlaceholder(subscriptionId, "<subscription>"), orPlaceholder(resourceGroup, "<resource-group>"),
             orPlaceholder(workspace, "<workspace>"), orPlaceholder(location, "<location>"));
}

QString createServicePrincipal(const QString &displayName, const QString &role, const QString &workspaceScope)
{
    return QStringLiteral("az ad sp create-for-rbac --name %1 --role %2 --scopes %3")
        .arg(orPlaceholder(displayName, "<name>"), orPlaceholder(role, "<role>"), orPlaceholder(workspaceScope, "<workspace-id>"));
}

QString assignRole(const QString &principalId, const QString &role, const QString &workspaceScope)
{
    return QStringLiteral("az role assignment create --assignee-object-id %1 --assignee-principal-type ServicePrincipal "
                          "--role %2 --scope %3")
        .arg(orPlaceholder(principalId, "<principal-id>"), orPlaceholder(role, "<role>"),
             orPlaceholder(workspaceScope, "<workspace-id>"));
}

QString writeConfig(const QString &subscriptionId, const QString &resourceGroup, const QString &workspace)
{
    const QString s = orPlaceholder(subscriptionId, "<subscription>");
    const QString g = orPlaceholder(resourceGroup, "<resource-group>");
    const QString w = orPlaceholder(workspace, "<workspace>");
    // JMESPath has no subscription field on a workspace: the known ID goes in as a literal.
    return QStringLiteral("az ml workspace show --subscription %1 --resource-group %2 --name %3 --query "
                          "\"{subscription_id: '%4', resource_group: resourceGroup, workspace_name: name}\" > config.json\n"
                          "# or: cerulean-cli workspace write-config --subscription %1 --resource-group %2 --workspace %3")
        .arg(s, g, w, subscriptionId.trimmed().isEmpty() ? QStringLiteral("<subscription>") : subscriptionId.trimmed());
}

QString localService(const QString &root)
{
    return QStringLiteral("cerulean-cli local-service --root %1   # no az equivalent: the local workspace runs on this machine")
        .arg(orPlaceholder(root, "<root>"));
}

} // namespace az

} // namespace cerulean::ui
