#pragma once

#include <QObject>
#include <QString>
#include <QUrl>

#include <memory>

namespace cerulean::azure {
struct Cloud;
class HttpPipeline;
} // namespace cerulean::azure

namespace cerulean::ui {

// Where a workspace lives in Azure Resource Manager (also the local workspace's coordinates).
struct WorkspaceRef
{
    QString subscriptionId;
    QString resourceGroup;
    QString workspaceName;
    QString location;

    bool isValid() const { return !subscriptionId.isEmpty() && !resourceGroup.isEmpty() && !workspaceName.isEmpty(); }
    // "/subscriptions/…/resourceGroups/…/providers/Microsoft.MachineLearningServices/workspaces/…"
    QString armId() const;
    friend bool operator==(const WorkspaceRef &, const WorkspaceRef &) = default;
};

// The online endpoint and deployment the Deploy, Logs, Swagger, Consume and Benchmark
// steps work on. Keys are never held here: keySecretName() names their keychain entry.
struct DeploymentRef
{
    QString endpointName;
    QString deploymentName;
    QUrl scoringUri;
    QUrl swaggerUri;
    QString authMode; // "key", "aml_token" or "aad_token"

    bool isValid() const { return !endpointName.isEmpty(); }
    friend bool operator==(const DeploymentRef &, const DeploymentRef &) = default;
};

// What the workbench's steps share: the workspace it is connected to (local or Azure) with
// the request pipeline that reaches it, and the data asset, job, best run, model and
// deployment the user is working on. Pages read it and listen to its change signals;
// nothing here is persisted, and no secret passes through it.
class Session final : public QObject
{
    Q_OBJECT

public:
    enum class Connection
    {
        None,
        Local,
        Azure,
    };

    explicit Session(QObject *parent = nullptr);
    ~Session() override;

    Connection connection() const { return m_connection; }
    bool isConnected() const { return m_connection != Connection::None; }
    const WorkspaceRef &workspace() const { return m_workspace; }
    // The endpoints of the connected cloud; null when not connected.
    std::shared_ptr<const azure::Cloud> cloud() const { return m_cloud; }
    // Every request to the connected workspace goes through this pipeline; null when not connected.
    std::shared_ptr<azure::HttpPipeline> pipeline() const { return m_pipeline; }
    // What the status bar shows: "Not connected", "Local workspace: ws" or
    // "Azure: subscription / resource group / workspace".
    QString displayName() const;

    // Connecting replaces everything chosen in the previous workspace (data, job, model, …).
    // `localRoot`: the local workspace service's root directory (what `cerulean-cli
    // pipeline token --local-root` takes); empty on Azure.
    void connectTo(Connection connection, std::shared_ptr<const azure::Cloud> cloud,
                   std::shared_ptr<azure::HttpPipeline> pipeline, const WorkspaceRef &workspace,
                   const QString &localRoot = {});
    QString localRoot() const { return m_localRoot; }
    void disconnectFromWorkspace();

    // The data asset's ARM id or "azureml:name:version"; the local CSV it came from.
    QString dataAsset() const { return m_dataAsset; }
    QString dataFile() const { return m_dataFile; }
    void setDataAsset(const QString &asset, const QString &localFile);

    // The compute cluster the last AutoML job ran on (its name), which the Pipelines step
    // offers for its own steps.
    QString computeName() const { return m_computeName; }
    void setComputeName(const QString &name);

    QString jobName() const { return m_jobName; }
    void setJobName(const QString &name);

    // The best child run of the job (its MLflow run id) and the registered model made from it.
    QString bestRunId() const { return m_bestRunId; }
    void setBestRunId(const QString &runId);
    QString modelId() const { return m_modelId; } // "azureml:name:version"
    void setModelId(const QString &modelId);

    const DeploymentRef &deployment() const { return m_deployment; }
    void setDeployment(const DeploymentRef &deployment);
    // The SecretStore key under which the selected endpoint's key is kept ("" when none is selected).
    QString keySecretName() const;
    static QString endpointKeySecretName(const WorkspaceRef &workspace, const QString &endpointName);

Q_SIGNALS:
    void connectionChanged();
    void dataAssetChanged();
    void computeChanged();
    void jobChanged();
    void bestRunChanged();
    void modelChanged();
    void deploymentChanged();

private:
    void clearSelections();

    Connection m_connection = Connection::None;
    WorkspaceRef m_workspace;
    QString m_localRoot;
    std::shared_ptr<const azure::Cloud> m_cloud;
    std::shared_ptr<azure::HttpPipeline> m_pipeline;
    QString m_dataAsset;
    QString m_dataFile;
    QString m_computeName;
    QString m_jobName;
    QString m_bestRunId;
    QString m_modelId;
    DeploymentRef m_deployment;
};

} // namespace cerulean::ui
