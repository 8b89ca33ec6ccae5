#pragma once

#include "core/azure/result.h"

#include <QString>

namespace cerulean::azure {

// The Azure ML SDK's config.json: which workspace to talk to. Never holds a secret.
struct WorkspaceConfig
{
    QString subscriptionId;
    QString resourceGroup;
    QString workspaceName;

    bool operator==(const WorkspaceConfig &) const = default;
};

// {"subscription_id": …, "resource_group": …, "workspace_name": …}; unknown keys are
// ignored (the SDK writes a few), a missing or non-string field is named in the error.
Result<WorkspaceConfig> parseWorkspaceConfig(const QByteArray &json);
QByteArray serializeWorkspaceConfig(const WorkspaceConfig &config);
Result<WorkspaceConfig> readWorkspaceConfig(const QString &path);
Result<Empty> writeWorkspaceConfig(const QString &path, const WorkspaceConfig &config);

} // namespace cerulean::azure
