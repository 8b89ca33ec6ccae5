#include "core/azure/workspace_provisioning.h"

#include <QCoreApplication>
#include <QUuid>

namespace cerulean::azure {

namespace {

QString provisioningText(const char *text)
{
    return QCoreApplication::translate("WorkspaceProvisioning", text);
}

constexpr qsizetype kSuffixLength = 6;

} // namespace

std::optional<AzureError> validate(const WorkspaceProvisioningRequest &request)
{
    const WorkspaceRef &ws = request.workspace;
    QStringList problems;
    if (ws.subscriptionId.trimmed().isEmpty())
        problems << provisioningText("Enter a subscription ID.");
    for (const QString &problem : {resourceGroupNameError(ws.resourceGroup), workspaceNameError(ws.workspace),
                                   locationError(request.location)})
        if (!problem.isEmpty())
            problems << problem;
    if (problems.isEmpty())
        return std::nullopt;
    return AzureError::invalidInput(problems.join(QLatin1Char(' ')));
}

WorkspacePlan planWorkspace(const WorkspaceProvisioningRequest &request)
{
    const WorkspaceRef &ws = request.workspace;
    const QString suffix = request.suffix.isEmpty() ? QUuid::createUuid().toString(QUuid::Id128).left(kSuffixLength)
                                                    : request.suffix;
    WorkspacePlan plan;
    plan.names = dependentNamesFor(ws.workspace, suffix);
    const QString group = QStringLiteral("/subscriptions/%1/resourceGroups/%2").arg(ws.subscriptionId, ws.resourceGroup);
    plan.spec.name = ws.workspace;
    plan.spec.location = request.location;
    plan.spec.friendlyName = request.friendlyName.isEmpty() ? ws.workspace : request.friendlyName;
    plan.spec.storageAccount = group + QStringLiteral("/providers/Microsoft.Storage/storageAccounts/") + plan.names.storageAccount;
    plan.spec.keyVault = group + QStringLiteral("/providers/Microsoft.KeyVault/vaults/") + plan.names.keyVault;
    plan.spec.applicationInsights =
        group + QStringLiteral("/providers/Microsoft.Insights/components/") + plan.names.applicationInsights;
    return plan;
}

WorkspaceProvisioning::WorkspaceProvisioning(MachineLearningClient ml, WorkspaceProvisioningRequest request, QObject *parent)
    : QObject(parent)
    , m_ml(std::move(ml))
    , m_request(std::move(request))
    , m_plan(planWorkspace(m_request))
{
}

WorkspaceProvisioning::~WorkspaceProvisioning() = default;

QString WorkspaceProvisioning::describe(Step step) const
{
    switch (step) {
    case Step::StorageAccount:
        return provisioningText("the storage account %1").arg(m_plan.names.storageAccount);
    case Step::KeyVault:
        return provisioningText("the key vault %1").arg(m_plan.names.keyVault);
    case Step::ApplicationInsights:
        return provisioningText("Application Insights %1").arg(m_plan.names.applicationInsights);
    case Step::Workspace:
        return provisioningText("the workspace %1").arg(m_plan.spec.name);
    }
    return {};
}

void WorkspaceProvisioning::start()
{
    if (m_state != OperationState::NotStarted)
        return;
    m_state = OperationState::Running;
    if (auto invalid = validate(m_request)) {
        finish(OperationState::Failed, *invalid);
        return;
    }
    runStep(0);
}

void WorkspaceProvisioning::cancel()
{
    if (!isRunning())
        return;
    if (m_current)
        m_current->cancel(); // finishes Canceled through onStepFinished
    else
        finish(OperationState::Canceled, AzureError::canceled());
}

OperationBase *WorkspaceProvisioning::startOperation(Step step)
{
    const QString &location = m_request.location;
    switch (step) {
    case Step::StorageAccount:
        return m_ml.createStorageAccount(m_plan.names.storageAccount, location, this);
    case Step::KeyVault:
        return m_ml.createKeyVault(m_plan.names.keyVault, location, m_request.tenantId, this);
    case Step::ApplicationInsights:
        return m_ml.createApplicationInsights(m_plan.names.applicationInsights, location, this);
    case Step::Workspace:
        return m_ml.createWorkspace(m_plan.spec, this);
    }
    return nullptr;
}

void WorkspaceProvisioning::runStep(int index)
{
    const auto step = static_cast<Step>(index);
    OperationBase *operation = startOperation(step);
    m_current = operation;
    connect(operation, &OperationBase::stateChanged, this, [this, step](OperationState, const QString &status) {
        if (!status.isEmpty())
            Q_EMIT stepStatus(step, status);
    });
    connect(operation, &OperationBase::progressed, this, &WorkspaceProvisioning::progressed);
    connect(operation, &OperationBase::finished, this, [this, index, operation]() { onStepFinished(index, operation); });
    Q_EMIT stepStarted(step, describe(step));
    operation->start();
}

void WorkspaceProvisioning::onStepFinished(int index, OperationBase *operation)
{
    operation->deleteLater();
    m_current = nullptr;
    const auto step = static_cast<Step>(index);
    if (operation->state() == OperationState::Canceled) {
        finish(OperationState::Canceled, operation->error());
        return;
    }
    if (operation->state() != OperationState::Succeeded) {
        m_failed = step;
        finish(OperationState::Failed, operation->error());
        return;
    }
    m_done = index + 1;
    Q_EMIT stepFinished(step);
    if (step == Step::Workspace) {
        // startOperation made this step's operation with createWorkspace.
        m_workspace = static_cast<Operation<Workspace> *>(operation)->value();
        finish(OperationState::Succeeded);
        return;
    }
    runStep(index + 1);
}

void WorkspaceProvisioning::finish(OperationState state, AzureError error)
{
    m_state = state;
    m_error = std::move(error);
    Q_EMIT finished();
}

} // namespace cerulean::azure
