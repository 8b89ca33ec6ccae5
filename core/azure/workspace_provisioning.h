#pragma once

#include "core/azure/ml_client.h"
#include "core/azure/naming.h"
#include "core/azure/operation.h"

#include <QObject>
#include <QPointer>

#include <optional>
#include <vector>

namespace cerulean::azure {

// What to provision: the workspace (subscription, resource group, name), its region, and the
// tenant that owns the key vault.
struct WorkspaceProvisioningRequest
{
    WorkspaceRef workspace;
    QString location; // of the workspace and of every resource it needs
    QString tenantId;
    QString friendlyName;   // empty: the workspace name
    QString suffix;         // of the dependent resources' names; empty: six random hex digits
};

// The four resources, their names and the workspace's ARM body, decided before any request.
struct WorkspacePlan
{
    DependentNames names;
    WorkspaceSpec spec; // storageAccount, keyVault and applicationInsights are ARM IDs
};

// Checks the request against Azure's naming rules; the error names every field that breaks them.
std::optional<AzureError> validate(const WorkspaceProvisioningRequest &request);
WorkspacePlan planWorkspace(const WorkspaceProvisioningRequest &request);

// Creates a workspace as ARM needs it: storage account → key vault → Application Insights →
// workspace, one long-running operation each, in that order. Used by the wizard and by
// `cerulean-cli workspace create`. Cancel stops waiting; what Azure already made stays.
class WorkspaceProvisioning final : public QObject
{
    Q_OBJECT

public:
    enum class Step
    {
        StorageAccount,
        KeyVault,
        ApplicationInsights,
        Workspace,
    };
    Q_ENUM(Step)
    static constexpr int kStepCount = 4;

    // ml: a client of the subscription and resource group (its workspace name is not used).
    WorkspaceProvisioning(MachineLearningClient ml, WorkspaceProvisioningRequest request, QObject *parent = nullptr);
    ~WorkspaceProvisioning() override;

    const WorkspacePlan &plan() const { return m_plan; }
    // "the storage account stcerulean1a2b3c", for progress lines.
    QString describe(Step step) const;

    // Starts the first step, or finishes Failed at once when a name breaks Azure's rules.
    void start();
    void cancel();

    OperationState state() const { return m_state; }
    bool isRunning() const { return m_state == OperationState::Running; }
    int stepsDone() const { return m_done; }
    // Failed or Canceled: what Azure said, with the step that failed in the message's context.
    const AzureError &error() const { return m_error; }
    std::optional<Step> failedStep() const { return m_failed; }
    // Succeeded: the workspace as ARM returned it.
    const std::optional<Workspace> &workspace() const { return m_workspace; }

Q_SIGNALS:
    void stepStarted(cerulean::azure::WorkspaceProvisioning::Step step, const QString &what);
    // The service's status of the running step ("Creating", "Accepted", …).
    void stepStatus(cerulean::azure::WorkspaceProvisioning::Step step, const QString &status);
    // After every poll of the running step: its time so far and the next poll.
    void progressed(const cerulean::azure::OperationProgress &progress);
    void stepFinished(cerulean::azure::WorkspaceProvisioning::Step step);
    void finished();

private:
    OperationBase *startOperation(Step step);
    void runStep(int index);
    void onStepFinished(int index, OperationBase *operation);
    void finish(OperationState state, AzureError error = {});

    MachineLearningClient m_ml;
    WorkspaceProvisioningRequest m_request;
    WorkspacePlan m_plan;
    OperationState m_state = OperationState::NotStarted;
    int m_done = 0;
    QPointer<OperationBase> m_current;
    AzureError m_error;
    std::optional<Step> m_failed;
    std::optional<Workspace> m_workspace;
};

} // namespace cerulean::azure
