#include "core/azure/cloud.h"

#include <QUrlQuery>

namespace cerulean::azure {

QUrl joinUrl(const QUrl &base, const QString &path)
{
    QUrl url = base;
    QString basePath = url.path();
    while (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    QString tail = path;
    if (!tail.startsWith(QLatin1Char('/')))
        tail.prepend(QLatin1Char('/'));
    url.setPath(basePath + tail);
    return url;
}

Cloud Cloud::azure()
{
    Cloud cloud;
    cloud.kind = Kind::Azure;
    cloud.authorityHost = QUrl(QStringLiteral("https://login.microsoftonline.com"));
    cloud.resourceManager = QUrl(QStringLiteral("https://management.azure.com"));
    cloud.graph = QUrl(QStringLiteral("https://graph.microsoft.com"));
    cloud.appInsights = QUrl(QStringLiteral("https://api.applicationinsights.io"));
    cloud.storageSuffix = QStringLiteral("core.windows.net");
    return cloud;
}

Cloud Cloud::local(const QUrl &base)
{
    Cloud cloud;
    cloud.kind = Kind::Local;
    QUrl root = base;
    QString path = root.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    root.setPath(path);
    cloud.authorityHost = root;
    cloud.resourceManager = root;
    cloud.graph = joinUrl(root, QStringLiteral("/graph"));
    cloud.appInsights = joinUrl(root, QStringLiteral("/appinsights"));
    cloud.mlflowHost = joinUrl(root, QStringLiteral("/mlflow"));
    cloud.blobBase = joinUrl(root, QStringLiteral("/blob"));
    return cloud;
}

QString Cloud::displayName() const
{
    return isLocal() ? QStringLiteral("Local (%1)").arg(resourceManager.toString()) : QStringLiteral("Azure");
}

QUrl Cloud::tokenUrl(const QString &tenant) const
{
    return joinUrl(authorityHost, QLatin1Char('/') + tenant + QStringLiteral("/oauth2/v2.0/token"));
}

QUrl Cloud::deviceCodeUrl(const QString &tenant) const
{
    return joinUrl(authorityHost, QLatin1Char('/') + tenant + QStringLiteral("/oauth2/v2.0/devicecode"));
}

QUrl Cloud::armUrl(const QString &path, const QString &apiVersion) const
{
    QUrl url = joinUrl(resourceManager, path);
    if (!apiVersion.isEmpty()) {
        QUrlQuery query(url);
        query.addQueryItem(QStringLiteral("api-version"), apiVersion);
        url.setQuery(query);
    }
    return url;
}

QUrl Cloud::graphUrl(const QString &pathUnderV1) const
{
    QString path = pathUnderV1;
    if (!path.startsWith(QLatin1Char('/')))
        path.prepend(QLatin1Char('/'));
    return joinUrl(graph, QStringLiteral("/v1.0") + path);
}

QUrl Cloud::appInsightsQueryUrl(const QString &appId) const
{
    return joinUrl(appInsights, QStringLiteral("/v1/apps/%1/query").arg(appId));
}

QUrl Cloud::blobUrl(const QString &account, const QString &container, const QString &blobName) const
{
    if (isLocal())
        return joinUrl(blobBase, QStringLiteral("/%1/%2/%3").arg(account, container, blobName));
    QUrl url;
    url.setScheme(QStringLiteral("https"));
    url.setHost(QStringLiteral("%1.blob.%2").arg(account, storageSuffix));
    url.setPath(QStringLiteral("/%1/%2").arg(container, blobName));
    return url;
}

QUrl Cloud::mlflowTrackingBase(const QString &workspaceArmId, const QString &location,
                               const QString &mlFlowTrackingUri) const
{
    const QUrl given(mlFlowTrackingUri);
    if (!mlFlowTrackingUri.isEmpty() && given.isValid()) {
        if (given.scheme() == QLatin1String("http") || given.scheme() == QLatin1String("https"))
            return given;
        if (given.scheme() == QLatin1String("azureml")) {
            if (isLocal())
                return joinUrl(resourceManager, given.path());
            QUrl https = given;
            https.setScheme(QStringLiteral("https"));
            return https;
        }
    }
    if (isLocal())
        return joinUrl(mlflowHost, QStringLiteral("/v1.0") + workspaceArmId);
    QUrl url;
    url.setScheme(QStringLiteral("https"));
    url.setHost(QStringLiteral("%1.api.azureml.ms").arg(location));
    url.setPath(QStringLiteral("/mlflow/v1.0") + workspaceArmId);
    return url;
}

} // namespace cerulean::azure
