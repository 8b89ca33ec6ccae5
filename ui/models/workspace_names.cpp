#include "ui/models/workspace_names.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QUuid>

namespace cerulean::ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("WorkspaceNames", text);
}

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

QString resourceGroupNameError(const QString &name)
{
    // ARM: 1-90 characters; letters (Unicode), digits, '_', '-', '.', '(' and ')'; not ending in '.'.
    static const QRegularExpression rule(QStringLiteral("^[-\\w._()]{1,90}$"), QRegularExpression::UseUnicodePropertiesOption);
    if (name.isEmpty())
        return tr("Enter a resource group name.");
    if (name.size() > 90)
        return tr("A resource group name has at most 90 characters (this one has %1).").arg(name.size());
    if (!rule.match(name).hasMatch())
        return tr("A resource group name may contain only letters, digits, '_', '-', '.', '(' and ')'.");
    if (name.endsWith(QLatin1Char('.')))
        return tr("A resource group name cannot end with '.'.");
    return {};
}

QString workspaceNameError(const QString &name)
{
    // Microsoft.MachineLearningServices/workspaces: 3-33 characters, starting with a letter or
    // digit, then letters, digits, '-' and '_'.
    static const QRegularExpression rule(QStringLiteral("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$"));
    if (name.isEmpty())
        return tr("Enter a workspace name.");
    if (name.size() < 3 || name.size() > 33)
        return tr("A workspace name has 3 to 33 characters (this one has %1).").arg(name.size());
    if (!name.at(0).isLetterOrNumber() || name.at(0).unicode() > 127)
        return tr("A workspace name must start with a letter or digit.");
    if (!rule.match(name).hasMatch())
        return tr("A workspace name may contain only letters, digits, '-' and '_'.");
    return {};
}

QString locationError(const QString &location)
{
    static const QRegularExpression rule(QStringLiteral("^[a-z0-9]+$"));
    if (location.isEmpty())
        return tr("Enter a location, such as westeurope or eastus.");
    if (!rule.match(location).hasMatch())
        return tr("A location is written in lower case without spaces, such as westeurope or eastus.");
    return {};
}

QString tenantError(const QString &tenant)
{
    static const QRegularExpression domain(QStringLiteral("^[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$"));
    if (tenant.isEmpty())
        return tr("Enter the tenant: its ID (a GUID), its domain, or organizations.");
    if (tenant == QLatin1String("organizations") || tenant == QLatin1String("common"))
        return {};
    if (!QUuid::fromString(tenant).isNull() || domain.match(tenant).hasMatch())
        return {};
    return tr("A tenant is a GUID (such as 72f988bf-86f1-41af-91ab-2d7cd011db47), a domain (contoso.onmicrosoft.com) "
              "or organizations.");
}

QString clientIdError(const QString &clientId)
{
    if (clientId.isEmpty())
        return tr("Enter the application (client) ID.");
    if (QUuid::fromString(clientId).isNull())
        return tr("An application (client) ID is a GUID, such as 04b07795-8ddb-461a-bbee-02f9e1bf7b46.");
    return {};
}

QString applicationNameError(const QString &displayName)
{
    if (displayName.trimmed().isEmpty())
        return tr("Enter a display name for the application.");
    if (displayName.size() > 120)
        return tr("An application's display name has at most 120 characters.");
    return {};
}

DependentNames dependentNamesFor(const QString &workspaceName, const QString &suffix)
{
    QString alnum;
    for (QChar c : workspaceName.toLower())
        if ((c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('0') && c <= QLatin1Char('9')))
            alnum += c;
    const QString tail = suffix.toLower().left(8);
    DependentNames names;
    // Storage: "st" + name + suffix, at most 24 characters.
    names.storageAccount = QString(QStringLiteral("st") + alnum).left(24 - tail.size()) + tail;
    // Key vault: "kv-" + name + "-" + suffix, at most 24 characters, starting with a letter.
    QString vaultStem = QStringLiteral("kv-") + alnum;
    vaultStem = vaultStem.left(24 - tail.size() - 1);
    names.keyVault = vaultStem + QLatin1Char('-') + tail;
    names.applicationInsights = workspaceName + QStringLiteral("-insights");
    return names;
}

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
