#pragma once

#include <QString>

namespace cerulean::ui {

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
