#pragma once

#include <QString>
#include <QUrl>

namespace cerulean::azure {

// The set of endpoints Cerulean talks to. Nothing else in the code base hard-codes a host:
// every URL is built from a Cloud.
//
// Azure (Cloud::azure()):
//   authority    https://login.microsoftonline.com/{tenant}/oauth2/v2.0/{token|devicecode}
//   ARM          https://management.azure.com/subscriptions/…
//   Graph        https://graph.microsoft.com/v1.0/…
//   App Insights https://api.applicationinsights.io/v1/apps/{appId}/query
//   MLflow       the workspace's mlFlowTrackingUri (azureml://H/P -> https://H/P), else
//                https://{region}.api.azureml.ms/mlflow/v1.0/{workspace ARM id}
//   Blob         https://{account}.blob.core.windows.net/{container}/{blob}
//
// Local workspace (Cloud::local(base)) — every endpoint under one loopback base URL, with
// the Azure path shapes below it:
//   authority    {base}/{tenant}/oauth2/v2.0/token   and   …/oauth2/v2.0/devicecode
//   ARM          {base}/subscriptions/…               (same paths and api-versions as ARM)
//   Graph        {base}/graph/v1.0/…
//   App Insights {base}/appinsights/v1/apps/{appId}/query
//   MLflow       {base}/mlflow/v1.0/{workspace ARM id}/api/2.0/mlflow/…  (or the path part of
//                the workspace's mlFlowTrackingUri under {base} when it is azureml://)
//   Blob         {base}/blob/{account}/{container}/{blob}
// Token scopes stay the Azure resource identifiers (they name a resource, not a host), and the
// local service checks each token's audience as Azure does.
struct Cloud
{
    enum class Kind { Azure, Local };

    Kind kind = Kind::Azure;
    QUrl authorityHost;  // token endpoints are {authorityHost}/{tenant}/oauth2/v2.0/…
    QUrl resourceManager;
    QUrl graph;          // without the /v1.0 version segment
    QUrl appInsights;    // without the /v1 version segment
    QUrl mlflowHost;     // Local only: {base}/mlflow; Azure derives it from the workspace
    QString storageSuffix; // "core.windows.net" (Azure)
    QUrl blobBase;       // Local only: {base}/blob

    static Cloud azure();
    static Cloud local(const QUrl &base);

    bool isLocal() const { return kind == Kind::Local; }
    QString displayName() const;

    // Scopes (client credentials need the ".default" form).
    static QString armScope() { return QStringLiteral("https://management.azure.com/.default"); }
    static QString graphScope() { return QStringLiteral("https://graph.microsoft.com/.default"); }
    static QString storageScope() { return QStringLiteral("https://storage.azure.com/.default"); }
    static QString appInsightsScope() { return QStringLiteral("https://api.applicationinsights.io/.default"); }
    // Azure ML's data plane (MLflow, published pipelines) accepts ARM tokens, as Microsoft's
    // MLflow REST example asks for them.
    static QString mlflowScope() { return armScope(); }
    // Azure ML's inference endpoints that take Entra tokens (batch endpoint invocation, an
    // AADToken online endpoint's /score) accept only this audience.
    static QString machineLearningScope() { return QStringLiteral("https://ml.azure.com/.default"); }

    QUrl tokenUrl(const QString &tenant) const;
    QUrl deviceCodeUrl(const QString &tenant) const;
    // path starts with '/', e.g. "/subscriptions/…"; apiVersion goes into the query.
    QUrl armUrl(const QString &path, const QString &apiVersion) const;
    QUrl graphUrl(const QString &pathUnderV1) const; // "/applications" -> …/v1.0/applications
    QUrl appInsightsQueryUrl(const QString &appId) const;
    QUrl blobUrl(const QString &account, const QString &container, const QString &blobName) const;
    // The MLflow tracking base for a workspace (see the table above); REST calls append
    // "/api/2.0/mlflow/…".
    QUrl mlflowTrackingBase(const QString &workspaceArmId, const QString &location,
                            const QString &mlFlowTrackingUri) const;
};

// Appends a path to a base URL without doubling or dropping slashes.
QUrl joinUrl(const QUrl &base, const QString &path);

} // namespace cerulean::azure
