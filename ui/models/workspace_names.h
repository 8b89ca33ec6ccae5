#pragma once

#include <QString>

namespace cerulean::ui {

// Azure's naming rules, checked as the user types. Each returns an empty string when the
// name is valid, else a sentence saying what is wrong (Azure's wording of the rule).
QString resourceGroupNameError(const QString &name);
QString workspaceNameError(const QString &name);
QString locationError(const QString &location);
// A tenant is a GUID, a domain ("contoso.onmicrosoft.com"), "organizations" or "common".
QString tenantError(const QString &tenant);
QString clientIdError(const QString &clientId);
QString applicationNameError(const QString &displayName);

// Names of the resources a new Azure workspace needs, derived from the workspace name and
// a short random suffix (storage accounts are global and lower-case alphanumeric only).
struct DependentNames
{
    QString storageAccount; // 3-24 lower-case letters and digits
    QString keyVault;       // 3-24 letters, digits and '-', starting with a letter
    QString applicationInsights;
};
DependentNames dependentNamesFor(const QString &workspaceName, const QString &suffix);

// The `az` command equivalent to each wizard step, for copying into a terminal. Secrets
// never appear: they are shown as an environment variable.
namespace az {
QString loginDeviceCode(const QString &tenant);
QString loginServicePrincipal(const QString &tenant, const QString &clientId);
QString setSubscription(const QString &subscriptionId);
QString createResourceGroup(const QString &name, const QString &location);
QString createWorkspace(const QString &subscriptionId, const QString &resourceGroup, const QString &workspace,
                        const QString &location);
QString createServicePrincipal(const QString &displayName, const QString &role, const QString &workspaceScope);
QString assignRole(const QString &principalId, const QString &role, const QString &workspaceScope);
QString writeConfig(const QString &subscriptionId, const QString &resourceGroup, const QString &workspace);
QString localService(const QString &root);
} // namespace az

} // namespace cerulean::ui
