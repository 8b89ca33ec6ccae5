#include "ui/session.h"

#include <utility>

namespace cerulean::ui {

QString WorkspaceRef::armId() const
{
    return QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.MachineLearningServices/workspaces/%3")
        .arg(subscriptionId, resourceGroup, workspaceName);
}

Session::Session(QObject *parent)
    : QObject(parent)
{
}

Session::~Session() = default;

QString Session::displayName() const
{
    switch (m_connection) {
    case Connection::None:
        break;
    case Connection::Local:
        return tr("Local workspace: %1").arg(m_workspace.workspaceName);
    case Connection::Azure:
        return tr("Azure: %1 / %2 / %3").arg(m_workspace.subscriptionId, m_workspace.resourceGroup, m_workspace.workspaceName);
    }
    return tr("Not connected");
}

void Session::connectTo(Connection connection, std::shared_ptr<const azure::Cloud> cloud,
                        std::shared_ptr<azure::HttpPipeline> pipeline, const WorkspaceRef &workspace,
                        const QString &localRoot)
{
    clearSelections();
    m_connection = connection;
    m_cloud = std::move(cloud);
    m_pipeline = std::move(pipeline);
    m_workspace = connection == Connection::None ? WorkspaceRef{} : workspace;
    m_localRoot = connection == Connection::Local ? localRoot : QString();
    Q_EMIT connectionChanged();
}

void Session::disconnectFromWorkspace()
{
    connectTo(Connection::None, nullptr, nullptr, {});
}

void Session::clearSelections()
{
    // What belonged to the previous workspace means nothing in the next one.
    setDeployment({});
    setModelId({});
    setBestRunId({});
    setJobName({});
    setComputeName({});
    setDataAsset({}, {});
}

void Session::setDataAsset(const QString &asset, const QString &localFile)
{
    if (asset == m_dataAsset && localFile == m_dataFile)
        return;
    m_dataAsset = asset;
    m_dataFile = localFile;
    Q_EMIT dataAssetChanged();
}

void Session::setComputeName(const QString &name)
{
    if (name == m_computeName)
        return;
    m_computeName = name;
    Q_EMIT computeChanged();
}

void Session::setJobName(const QString &name)
{
    if (name == m_jobName)
        return;
    m_jobName = name;
    Q_EMIT jobChanged();
}

void Session::setBestRunId(const QString &runId)
{
    if (runId == m_bestRunId)
        return;
    m_bestRunId = runId;
    Q_EMIT bestRunChanged();
}

void Session::setModelId(const QString &modelId)
{
    if (modelId == m_modelId)
        return;
    m_modelId = modelId;
    Q_EMIT modelChanged();
}

void Session::setDeployment(const DeploymentRef &deployment)
{
    if (deployment == m_deployment)
        return;
    m_deployment = deployment;
    Q_EMIT deploymentChanged();
}

QString Session::keySecretName() const
{
    if (!m_deployment.isValid())
        return {};
    return endpointKeySecretName(m_workspace, m_deployment.endpointName);
}

QString Session::endpointKeySecretName(const WorkspaceRef &workspace, const QString &endpointName)
{
    // One entry per endpoint per workspace: the same endpoint name may exist locally and on Azure.
    return QStringLiteral("endpoint-key:%1/onlineEndpoints/%2").arg(workspace.armId(), endpointName);
}

} // namespace cerulean::ui
