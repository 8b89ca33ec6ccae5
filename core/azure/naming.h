#pragma once

#include <QString>

namespace cerulean::azure {

// Azure's naming rules, in one place for the wizard (as the user types), the CLI and the
// local workspace service. Each returns an empty string when the value is valid, else a
// sentence saying what is wrong (Azure's wording of the rule).
QString resourceGroupNameError(const QString &name);
QString workspaceNameError(const QString &name);
QString locationError(const QString &location);
// A tenant is a GUID, a domain ("contoso.onmicrosoft.com"), "organizations" or "common".
QString tenantError(const QString &tenant);
QString clientIdError(const QString &clientId);
QString applicationNameError(const QString &displayName);
// Empty (Azure's own authority), or an absolute https URL; http only for a loopback host
// (the local workspace service).
QString authorityError(const QString &authority);

// Names of the resources a new workspace needs, derived from the workspace name and a short
// suffix (storage accounts are global and lower-case alphanumeric only).
struct DependentNames
{
    QString storageAccount; // 3-24 lower-case letters and digits
    QString keyVault;       // 3-24 letters, digits and '-', starting with a letter
    QString applicationInsights;
};
DependentNames dependentNamesFor(const QString &workspaceName, const QString &suffix);

} // namespace cerulean::azure
