#include "core/azure/workspace_config.h"

#include <QFile>
#include <QSaveFile>

#include "core/azure/json_util.h"

namespace cerulean::azure {

using namespace detail;

Result<WorkspaceConfig> parseWorkspaceConfig(const QByteArray &text)
{
    const json doc = json::parse(text.constBegin(), text.constEnd(), nullptr, false);
    if (doc.is_discarded())
        return AzureError::invalidInput(QStringLiteral("config.json is not valid JSON"));
    if (!doc.is_object())
        return AzureError::invalidInput(QStringLiteral("config.json must hold a JSON object"));
    WorkspaceConfig config;
    const std::pair<const char *, QString *> fields[] = {{"subscription_id", &config.subscriptionId},
                                                         {"resource_group", &config.resourceGroup},
                                                         {"workspace_name", &config.workspaceName}};
    for (const auto &[name, target] : fields) {
        const json *value = member(doc, name);
        if (!value)
            return AzureError::invalidInput(QStringLiteral("config.json: field '%1' is missing").arg(QLatin1String(name)));
        *target = asString(value);
        if (target->isEmpty())
            return AzureError::invalidInput(
                QStringLiteral("config.json: field '%1' must be a non-empty string").arg(QLatin1String(name)));
    }
    return config;
}

QByteArray serializeWorkspaceConfig(const WorkspaceConfig &config)
{
    json doc = json::object();
    doc["subscription_id"] = config.subscriptionId.toStdString();
    doc["resource_group"] = config.resourceGroup.toStdString();
    doc["workspace_name"] = config.workspaceName.toStdString();
    return QByteArray::fromStdString(doc.dump(4)) + '\n';
}

Result<WorkspaceConfig> readWorkspaceConfig(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return AzureError::invalidInput(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    auto parsed = parseWorkspaceConfig(file.readAll());
    if (!parsed) {
        AzureError error = parsed.error();
        error.message = path + QStringLiteral(": ") + error.message;
        return error;
    }
    return parsed;
}

Result<Empty> writeWorkspaceConfig(const QString &path, const WorkspaceConfig &config)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(serializeWorkspaceConfig(config)) < 0 || !file.commit())
        return AzureError::invalidInput(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return Empty{};
}

} // namespace cerulean::azure
